"""Benchmark of the city-wide yearly summary.

    python scripts/bench_summary.py [--rebuild] [--repeat 5]

Builds (or reuses) its own database, `portal_bench_summary`, on the server of
DATABASE_URL (the embedded PostgreSQL when it is unset, as for `make run`): a
city of 4 districts, 20 streets and 100 stations with 150,000 residents,
3,000 events with 60,000 registrations, 60,000 consultations and 30,000
volunteer hours entries over two years, written with bulk_create in batches.

Then it computes the city summary of the later year `--repeat` times and
prints the best and median time beside the time PostgreSQL takes to run the
same aggregate SQL directly (the statements the summary sent, captured and
replayed on a plain cursor), and the ratio; then the time to make each file
(CSV, XLSX, PDF) of the city summary once. `dropdb portal_bench_summary`
removes the database.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import portal  # noqa: E402  (scripts/portal.py: the environment `make run` uses)

DBNAME = "portal_bench_summary"
YEAR = 2025
STATIONS, DISTRICTS, STREETS_PER_DISTRICT = 100, 4, 5
RESIDENTS, EVENTS, REGISTRATIONS = 150_000, 3_000, 60_000
CONSULTATIONS, HOURS_ENTRIES = 60_000, 30_000
BATCH = 5_000
COUNTRIES = "CN KR US JP GB DE FR RU CA AU IT ES BR IN ID TH VN PH MY SG NG EG PK BD MX".split()


def log(message: str) -> None:
    print(f"[bench-summary] {message}", file=sys.stderr, flush=True)


def environment() -> dict[str, str]:
    env = portal.environment("run")
    parts = urlsplit(env["DATABASE_URL"])
    env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{DBNAME}"))
    env.update(DEBUG="0", SECRET_KEY="bench-summary-not-secret", LOG_LEVEL="WARNING",
               **portal.BENCH_KEYS)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    return env


def moment(rng: random.Random, tz) -> datetime:
    """A moment in YEAR - 1 or YEAR, Shanghai time."""
    start = datetime(YEAR - 1, 1, 1, tzinfo=tz)
    return start + timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))


def populate() -> None:
    """City-wide generator code: runs with scopes disabled."""
    from django.db import transaction

    from consultations.models import Consultation, Topic
    from events.models import Event, EventCategory, Registration
    from residents.models import Resident
    from stations.models import Partner, Region, Station
    from stations.periods import SUMMARY_TZ
    from volunteers.models import HoursEntry, Opportunity

    rng = random.Random(2025)
    with transaction.atomic():
        city = Region.objects.create(
            level="city", code="bench-city", name_zh_hans="基准市", name_en="Bench City"
        )
        streets = []
        for d in range(DISTRICTS):
            district = Region.objects.create(
                level="district",
                parent=city,
                code=f"bench-d{d}",
                name_zh_hans=f"基准区{d}",
                name_en=f"Bench District {d}",
            )
            for s in range(STREETS_PER_DISTRICT):
                streets.append(
                    Region.objects.create(
                        level="street",
                        parent=district,
                        code=f"bench-d{d}-s{s}",
                        name_zh_hans=f"基准街道{d}-{s}",
                        name_en=f"Bench Street {d}-{s}",
                    )
                )
        stations = Station.objects.bulk_create(
            Station(
                region=streets[i % len(streets)],
                slug=f"bench-{i}",
                kind="community",
                name_zh_hans=f"基准社区分站{i}",
                name_en=f"Bench sub-station {i}",
            )
            for i in range(STATIONS)
        )
        categories = [
            EventCategory.objects.create(
                slug=f"bench-cat-{i}", name_zh_hans=f"类别{i}", name_en=f"Category {i}"
            )
            for i in range(6)
        ]
        topics = [
            Topic.objects.create(
                slug=f"bench-topic-{i}",
                name_zh_hans=f"主题{i}",
                name_en=f"Topic {i}",
                is_epidemic_related=i == 0,
                is_sensitive=i in (1, 2),
            )
            for i in range(10)
        ]
        Partner.objects.bulk_create(
            Partner(
                station=s,
                name_zh_hans=f"共建单位{s.pk}-{k}",
                name_en=f"Partner {s.pk}-{k}",
                kind=rng.choice(["hospital", "law_firm", "school", "hotel", "company"]),
                agreement_date=date(YEAR - rng.randrange(3), rng.randrange(1, 13), 1),
            )
            for s in stations
            for k in range(3)
        )
        opportunities = Opportunity.objects.bulk_create(
            Opportunity(
                station=s,
                title_zh_hans="志愿服务",
                title_en="Volunteering",
                category=rng.choice(Opportunity.Category.values),
                is_published=True,
            )
            for s in stations
            for _ in range(3)
        )
    log("regions, stations, catalogues, partners")

    by_station: dict[int, list[int]] = {s.pk: [] for s in stations}
    for start in range(0, RESIDENTS, BATCH):
        batch = []
        for i in range(start, min(start + BATCH, RESIDENTS)):
            station = stations[i % STATIONS]
            batch.append(
                Resident(
                    station=station,
                    family_name=f"Bench{i}",
                    nationality=rng.choice(COUNTRIES),
                    category=rng.choice(Resident.Category.values),
                    languages=["en"],
                    registered_at=moment(rng, SUMMARY_TZ) - timedelta(days=rng.randrange(0, 900)),
                )
            )
        for r in Resident.objects.bulk_create(batch):
            by_station[r.station_id].append(r.pk)
    log(f"{RESIDENTS} residents")

    events = Event.objects.bulk_create(
        Event(
            station=stations[i % STATIONS],
            category=rng.choice(categories),
            title_zh_hans="活动",
            title_en="Event",
            starts_at=(t := moment(rng, SUMMARY_TZ)),
            ends_at=t + timedelta(hours=2),
            is_published=True,
        )
        for i in range(EVENTS)
    )
    per_event = REGISTRATIONS // EVENTS
    for start in range(0, EVENTS, BATCH // per_event):
        batch = []
        for event in events[start : start + BATCH // per_event]:
            people = rng.sample(by_station[event.station_id], per_event)
            for person in people:
                status = rng.choices(["confirmed", "cancelled", "waitlisted"], [85, 10, 5])[0]
                batch.append(
                    Registration(
                        station_id=event.station_id,
                        event=event,
                        resident_id=person,
                        status=status,
                        created_at=event.starts_at - timedelta(days=3),
                        cancelled_at=event.starts_at if status == "cancelled" else None,
                        checked_in_at=event.starts_at
                        if status == "confirmed" and rng.random() < 0.8
                        else None,
                    )
                )
        Registration.objects.bulk_create(batch)
    log(f"{EVENTS} events, {REGISTRATIONS} registrations")

    for start in range(0, CONSULTATIONS, BATCH):
        batch = []
        for i in range(start, min(start + BATCH, CONSULTATIONS)):
            station = stations[i % STATIONS]
            t = moment(rng, SUMMARY_TZ)
            batch.append(
                Consultation(
                    station=station,
                    resident_id=rng.choice(by_station[station.pk]),
                    topic=rng.choice(topics),
                    counsellor=None,  # no overlap rule without one
                    channel=rng.choice(Consultation.Channel.values),
                    starts_at=t,
                    ends_at=t + timedelta(minutes=rng.choice([30, 45, 60, 90])),
                    status=rng.choices(
                        ["completed", "booked", "cancelled", "no_show"], [80, 5, 10, 5]
                    )[0],
                )
            )
        Consultation.objects.bulk_create(batch)
    log(f"{CONSULTATIONS} consultations")

    for start in range(0, HOURS_ENTRIES, BATCH):
        batch = []
        for i in range(start, min(start + BATCH, HOURS_ENTRIES)):
            opportunity = opportunities[i % len(opportunities)]
            status = rng.choices(["approved", "pending", "rejected"], [80, 10, 10])[0]
            batch.append(
                HoursEntry(
                    station_id=opportunity.station_id,
                    opportunity=opportunity,
                    volunteer_id=rng.choice(by_station[opportunity.station_id]),
                    date=date(YEAR - 1, 1, 1) + timedelta(days=rng.randrange(730)),
                    hours=Decimal(rng.choice(["1.00", "2.50", "3.00", "4.00"])),
                    status=status,
                    reviewed_at=None
                    if status == "pending"
                    else datetime(YEAR, 12, 31, tzinfo=SUMMARY_TZ),
                )
            )
        HoursEntry.objects.bulk_create(batch)
    log(f"{HOURS_ENTRIES} hours entries")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="drop and build the data again")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    env = environment()
    if args.rebuild:
        portal.drop_database(env["DATABASE_URL"])
    portal.ensure_database(env["DATABASE_URL"], DBNAME)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_scopes import scopes_disabled

    from stations.exporters import export_summary
    from stations.models import Region
    from stations.summary import build_summary, scope_for_region

    call_command("migrate", "--no-input", verbosity=0)
    with scopes_disabled():
        if not Region.objects.filter(code="bench-city").exists():
            started = time.monotonic()
            populate()
            log(f"generated in {time.monotonic() - started:.1f} s")
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        city = Region.objects.get(code="bench-city")

    summary_times, sql_times = [], []
    for _ in range(args.repeat):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            summary = build_summary(scope_for_region(city), YEAR, "en")
            summary_times.append(time.perf_counter() - started)
        statements = [q["sql"] for q in ctx.captured_queries]
        with connection.cursor() as cursor:
            started = time.perf_counter()
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()
            sql_times.append(time.perf_counter() - started)

    file_times = {}
    for fmt in ("csv", "xlsx", "pdf"):
        started = time.perf_counter()
        file = export_summary(scope=scope_for_region(city), year=YEAR, fmt=fmt, language="zh-hans")
        file_times[fmt] = (time.perf_counter() - started, len(file.content))

    best, median = min(summary_times), statistics.median(summary_times)
    sql_best, sql_median = min(sql_times), statistics.median(sql_times)
    line = summary.line
    print(
        f"city summary {YEAR}: {len(summary.stations)} stations, "
        f"{line('residents_total').current:,} residents at year end, "
        f"{line('participant_times').current:,} participant-times, "
        f"{line('consultations').current:,} consultations, "
        f"{line('volunteer_hours').current:,} volunteer hours"
    )
    print(f"queries per summary: {len(statements)}")
    print(f"{'':24}{'best':>10}{'median':>10}")
    print(f"{'summary (Django)':24}{best:>9.3f}s{median:>9.3f}s")
    print(f"{'same SQL on a cursor':24}{sql_best:>9.3f}s{sql_median:>9.3f}s")
    print(f"{'ratio':24}{best / sql_best:>9.2f}x{median / sql_median:>9.2f}x")
    for fmt, (seconds, size) in file_times.items():
        print(f"{fmt + ' file (zh-hans)':24}{seconds:>9.3f}s  {size:,} bytes")


if __name__ == "__main__":
    main()
