"""Benchmark of the residents' spreadsheet import.

    python scripts/bench_import.py [--rows 50000] [--rebuild]

Uses its own database, `portal_bench_import`, on the server of DATABASE_URL
(the embedded PostgreSQL when it is unset, as for `make run`), migrated on
first use. Generates a realistic residents' workbook with Chinese headers
(names, nationalities in Chinese, English or as codes, languages, categories,
dates as date cells and as 2025/3/1, 2025年3月1日 and 01.03.2025 text, nine in
ten with an identity document expiring in the coming years), kept under
.local/bench_import/ for the next run; `--rebuild` makes it again and drops
the database.

Then, as a station manager, through the code the admin runs
(stations.spreadsheets.preview_import and confirm_import):
1. preview of the new sheet (read, plan, keep): every row creates a resident;
2. confirm: plan again inside the transaction, write the residents, their
   audit log entries and their document reminders;
3. preview of the same sheet again: every row is unchanged;
4. preview and confirm of the sheet with a changed phone in every row: every
   row updates.
It prints the time of each phase and rows per second. Each run imports into
a new, empty station, so each run starts from the same state.
`dropdb portal_bench_import` removes the database.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import portal  # noqa: E402  (scripts/portal.py: the environment `make run` uses)

DBNAME = "portal_bench_import"
FILES = portal.LOCAL / "bench_import"

HEADERS = [
    "姓", "名", "中文名", "国籍", "使用语言", "首选语言", "类别", "电话", "电子邮箱", "地址",
    "到达日期", "证件类型", "证件号码", "证件有效期",
]
NATIONALITIES = [
    "德国", "美国", "韩国", "日本", "俄罗斯", "英国", "法国", "泰国", "越南", "意大利", "Germany",
    "United States of America", "KR", "JPN", "中国香港特别行政区", "Brazil", "印度尼西亚",
    "Nigeria", "马来西亚", "Canada",
]
FAMILY = ["Schmidt", "Smith", "Kim", "Tanaka", "Ivanov", "Brown", "Martin", "Nguyen", "Rossi",
          "Wong", "Silva", "Okafor", "Santoso", "Park", "Suzuki", "Garcia", "Lee", "Novak"]
GIVEN = ["Anna", "John", "Min-jun", "Yuki", "Olga", "Emma", "Louis", "Linh", "Marco", "Ka-ho",
         "Ana", "Chidi", "Budi", "Lena", "Ji-woo", "Haruto", "Sofia", "Pavel"]
CHINESE = ["施安娜", "史约翰", "金敏俊", "田中雪", "伊万诺娃", None, None, None]
CATEGORIES = ["外籍人士", "外籍人士", "外籍人士", "归侨", "侨眷", "港澳台居民", None]
DOCUMENT_TYPES = ["护照", "护照", "居留许可", "工作许可", "签证"]
LANGUAGES = [
    "德语、英语", "英语", "韩语, 汉语（普通话）", "日语", "俄语; 英语", "法语", "英语、泰语",
]
STREETS = ["湖滨南路", "莲前西路", "厦禾路", "嘉禾路", "鹭江道", "思明南路"]


def log(message: str) -> None:
    print(f"[bench-import] {message}", file=sys.stderr, flush=True)


def environment() -> dict[str, str]:
    return portal.bench_environment(DBNAME, IMPORT_PREVIEW_DIR=str(FILES / "previews"))


def generate(path: Path, rows: int, *, phone_offset: int = 0) -> None:
    """A workbook as Excel writes one (shared strings, styled date cells)."""
    from openpyxl import Workbook

    rng = random.Random(2025)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for i in range(rows):
        family, given = FAMILY[i % len(FAMILY)], GIVEN[(i // 7) % len(GIVEN)]
        arrival = date(2015, 1, 1) + timedelta(days=rng.randrange(3650))
        arrival_cell = [
            arrival,
            f"{arrival.year}/{arrival.month}/{arrival.day}",
            f"{arrival.year}年{arrival.month}月{arrival.day}日",
            arrival.strftime("%d.%m.%Y"),
        ][i % 4]
        document = i % 10 != 0
        expires = date(2027, 1, 1) + timedelta(days=rng.randrange(2000))
        sheet.append(
            [
                family,
                given,
                CHINESE[i % len(CHINESE)],
                NATIONALITIES[i % len(NATIONALITIES)],
                LANGUAGES[i % len(LANGUAGES)],
                "English" if i % 3 else "简体中文",
                CATEGORIES[i % len(CATEGORIES)],
                f"+86 13{8 + phone_offset} {i // 10000:04d} {i % 10000:04d}",
                f"{family.lower()}.{given.lower()}.{i}@example.org",
                f"厦门市思明区{STREETS[i % len(STREETS)]}{i % 300 + 1}号",
                arrival_cell,
                DOCUMENT_TYPES[i % len(DOCUMENT_TYPES)] if document else None,
                f"E{i:08d}" if document else None,
                expires if document else None,
            ]
        )
    for row in sheet.iter_rows(min_row=2):
        for cell in (row[10], row[13]):
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--rebuild", action="store_true", help="new files and a new database")
    args = parser.parse_args()
    env = environment()
    if args.rebuild:
        portal.drop_database(env["DATABASE_URL"])
    portal.ensure_database(env["DATABASE_URL"], DBNAME)
    os.environ.update(env)
    os.environ["IMPORT_MAX_ROWS"] = str(max(args.rows, 50_000))
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection
    from django.utils import translation
    from django_scopes import scopes_disabled

    from accounts.models import User
    from reminders.models import Reminder
    from residents.imports import RESIDENTS
    from residents.models import Resident
    from stations import audit
    from stations.models import AuditEntry, Region, Station, StationMembership
    from stations.spreadsheets import confirm_import, preview_import

    call_command("migrate", "--no-input", verbosity=0)
    files = {
        "new": FILES / f"residents-{args.rows}.xlsx",
        "changed": FILES / f"residents-{args.rows}-changed-phones.xlsx",
    }
    for kind, path in files.items():
        if args.rebuild or not path.exists():
            started = time.perf_counter()
            generate(path, args.rows, phone_offset=1 if kind == "changed" else 0)
            log(f"generated {path.name} in {time.perf_counter() - started:.1f} s")

    with scopes_disabled():
        # a new station for every run: the same empty start, without deleting
        city, _created = Region.objects.get_or_create(
            code="bench-import-city",
            defaults={"level": "city", "name_zh_hans": "基准市", "name_en": "Bench City"},
        )
        run = Station.objects.filter(slug__startswith="bench-import-").count() + 1
        station = Station.objects.create(
            region=city, slug=f"bench-import-{run}", kind="community",
            name_zh_hans=f"基准社区分站{run}", name_en=f"Bench sub-station {run}",
        )
        user, _created = User.objects.get_or_create(
            email="bench-import-manager@example.org",
            defaults={"full_name": "Bench manager", "is_staff": True},
        )
        StationMembership.objects.create(
            station=station, user=user, role=StationMembership.Role.MANAGER
        )
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE residents_resident")

    # what AuditMiddleware sets for an admin request
    audit._current.set(audit.Actor(user.pk, "staff", "127.0.0.1"))
    session: dict = {}
    results = []

    def upload(path: Path):
        return SimpleUploadedFile(path.name, path.read_bytes())

    def preview(path: Path):
        started = time.perf_counter()
        result = preview_import(
            RESIDENTS, upload=upload(path), station=station, user=user, session=session
        )
        return result, time.perf_counter() - started

    def confirm(token: str):
        started = time.perf_counter()
        result = confirm_import(RESIDENTS, token=token, user=user, session=session)
        return result, time.perf_counter() - started

    with translation.override("zh-hans"):
        before_audit = AuditEntry.objects.with_scopes_disabled().count()
        first, seconds = preview(files["new"])
        counts = first.plan.counts
        assert counts["create"] == args.rows and not first.plan.has_errors, counts
        results.append(("preview, new sheet (read + plan)", seconds, counts))
        written, seconds = confirm(first.token)
        results.append(("confirm: plan again + write", seconds, written))
        again, seconds = preview(files["new"])
        assert again.plan.counts["unchanged"] == args.rows, again.plan.counts
        results.append(("preview, same sheet again", seconds, again.plan.counts))
        changed, seconds = preview(files["changed"])
        assert changed.plan.counts["update"] == args.rows, changed.plan.counts
        results.append(("preview, every phone changed", seconds, changed.plan.counts))
        updated, seconds = confirm(changed.token)
        results.append(("confirm: plan again + update", seconds, updated))

    with scopes_disabled():
        residents = Resident.objects.filter(station=station).count()
        reminders = Reminder.objects.filter(station=station).count()
        entries = AuditEntry.objects.count() - before_audit
    size = files["new"].stat().st_size
    print(f"{args.rows:,} rows, {size / 1e6:.1f} MB XLSX, Chinese headers; "
          f"{residents:,} residents, {reminders:,} reminders, {entries:,} audit entries written")
    print(f"{'phase':34}{'seconds':>9}{'rows/s':>10}  details")
    for name, seconds, detail in results:
        if hasattr(detail, "timings"):
            parts = ", ".join(f"{k} {v:.1f} s" for k, v in detail.timings.items())
            detail = f"created {detail.created:,}, updated {detail.updated:,}; {parts}"
        print(f"{name:34}{seconds:>9.1f}{args.rows / seconds:>10,.0f}  {detail}")
    read_started = time.perf_counter()
    from stations.spreadsheets import read_spreadsheet

    read_spreadsheet(upload(files["new"]), columns=RESIDENTS.columns)
    read = time.perf_counter() - read_started
    print(f"{'of which reading the XLSX':34}{read:>9.1f}{args.rows / read:>10,.0f}")


if __name__ == "__main__":
    main()
