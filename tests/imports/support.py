"""Building spreadsheets for the import tests, and driving the admin's
import pages as a staff member's browser does."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from residents.models import Resident
from stations.models import AuditEntry
from tests.helpers import admin_url
from volunteers.models import HoursEntry

RESIDENT_HEADERS_ZH = [
    "姓", "名", "中文名", "国籍", "使用语言", "首选语言", "类别", "电话", "电子邮箱", "地址",
    "到达日期", "证件类型", "证件号码", "证件有效期",
]
RESIDENT_HEADERS_EN = [
    "family name", "given name", "Chinese name", "nationality", "languages",
    "preferred language", "category", "phone", "e-mail", "address", "arrival date",
    "document type", "document number", "document expires",
]
HOURS_HEADERS_ZH = ["证件号码", "电子邮箱", "姓名", "日期", "时长", "志愿服务项目", "服务内容"]

XLSX = "residents.xlsx"


def xlsx_bytes(rows: list[list], *, title: str = "Sheet1") -> bytes:
    """A workbook as Excel writes one: shared strings, date cells styled."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_upload(rows: list[list], name: str = XLSX) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name,
        xlsx_bytes(rows),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def csv_bytes(rows: list[list], *, encoding: str = "utf-8-sig", delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue().encode(encoding)


def csv_upload(rows, name="residents.csv", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, csv_bytes(rows, **kwargs), content_type="text/csv")


def read_xlsx(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


NATIONALITIES = [
    ("德国", "DE"), ("美国", "US"), ("韩国", "KR"), ("日本", "JP"), ("俄罗斯", "RU"),
    ("英国", "GB"), ("法国", "FR"), ("泰国", "TH"), ("越南", "VN"), ("意大利", "IT"),
    ("Germany", "DE"), ("United States of America", "US"), ("KR", "KR"), ("JPN", "JP"),
    ("中国香港特别行政区", "HK"), ("Brazil", "BR"), ("印度尼西亚", "ID"), ("Nigeria", "NG"),
]
FAMILY = ["Schmidt", "Smith", "Kim", "Tanaka", "Ivanov", "Brown", "Martin", "Nguyen", "Rossi",
          "Wong", "Silva", "Okafor", "Santoso", "Müller", "Park", "Suzuki"]
GIVEN = ["Anna", "John", "Min-jun", "Yuki", "Olga", "Emma", "Louis", "Linh", "Marco", "Ka-ho",
         "Ana", "Chidi", "Budi", "Lena", "Ji-woo", "Haruto"]
CATEGORIES = ["外籍人士", "归侨", "侨眷", "港澳台居民"]
DOC_TYPES = ["护照", "居留许可", "工作许可", "签证"]
LANGUAGES = ["德语、英语", "英语", "韩语, 汉语（普通话）", "日语", "俄语; 英语", "法语"]


def realistic_residents(n: int, *, seed: int = 7, start: int = 0) -> tuple[list[list], list]:
    """`n` residents with Chinese headers as a station keeps them: names,
    nationalities in Chinese, English or as codes, dates as date cells and in
    the other accepted forms, documents for most. Returns (rows with the
    header first, expected values per data row)."""
    rng = random.Random(seed)
    rows = [RESIDENT_HEADERS_ZH]
    expected = []
    for i in range(start, start + n):
        nationality, code = NATIONALITIES[i % len(NATIONALITIES)]
        arrival = date(2018, 1, 1) + timedelta(days=rng.randrange(2500))
        form = i % 4
        arrival_cell = {
            0: arrival,
            1: f"{arrival.year}/{arrival.month}/{arrival.day}",
            2: f"{arrival.year}年{arrival.month}月{arrival.day}日",
            3: arrival.strftime("%d.%m.%Y"),
        }[form]
        has_document = i % 10 != 0
        expires = date(2027, 1, 1) + timedelta(days=rng.randrange(1500))
        family, given = FAMILY[i % len(FAMILY)], GIVEN[(i // 3) % len(GIVEN)]
        rows.append(
            [
                family,
                given,
                "安娜" if i % 5 == 0 else None,
                nationality,
                LANGUAGES[i % len(LANGUAGES)],
                "English" if i % 3 else "简体中文",
                CATEGORIES[i % len(CATEGORIES)] if i % 7 else None,
                f"+86 138 {i // 10000:04d} {i % 10000:04d}",
                f"{family.lower().replace('ü', 'ue')}.{i}@example.org",
                f"厦门市思明区湖滨南路{i}号",
                arrival_cell,
                DOC_TYPES[i % len(DOC_TYPES)] if has_document else None,
                f"E{i:08d}" if has_document else None,
                expires if has_document else None,
            ]
        )
        expected.append(
            {
                "family_name": family,
                "email": f"{family.lower().replace('ü', 'ue')}.{i}@example.org",
                "nationality": code,
                "arrival_date": arrival,
                "document_number": f"E{i:08d}" if has_document else "",
                "document_expires": expires if has_document else None,
            }
        )
    return rows, expected


def import_url(model, view: str = "import", *args) -> str:
    return admin_url(model, view, *args)


def upload(client, model, station, file, *, language: str = "en"):
    """POST the import form (in `language`'s admin) and return the preview."""
    url = import_url(model)
    if language != "en":
        url = url.replace("/en/", f"/{language}/", 1)
    return client.post(url, {"station": station.pk, "file": file})


def confirm(client, model, token: str, *, follow: bool = False):
    return client.post(import_url(model, "import_confirm"), {"token": token}, follow=follow)


def counts() -> dict[str, int]:
    """Rows of every table an import writes, to compare before and after."""
    from reminders.models import Reminder

    return {
        "residents": Resident.objects.count(),
        "hours": HoursEntry.objects.count(),
        "audit": AuditEntry.objects.count(),
        "reminders": Reminder.objects.count(),
    }
