"""Benchmark of the city-wide yearly summary.

    python scripts/bench_summary.py [--rebuild] [--repeat 5]

Builds (or reuses) its own database, `portal_bench_summary`, on the server of
DATABASE_URL (the embedded PostgreSQL when it is unset, as for `make run`): the
city of `manage.py generate_city` (stations/management/commands/generate_city.py),
100 stations in the districts and streets of Xiamen with 150,000 residents,
3,000 events with 60,000 registrations, 60,000 consultations and 30,000
volunteer hours entries over two years, written with COPY and bulk_create.

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
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import portal  # noqa: E402  (scripts/portal.py: the environment `make run` uses)

DBNAME = "portal_bench_summary"
YEAR = 2025
STATIONS = 100


def log(message: str) -> None:
    print(f"[bench-summary] {message}", file=sys.stderr, flush=True)


def environment() -> dict[str, str]:
    return portal.bench_environment(DBNAME)


def populate() -> None:
    """The city of `manage.py generate_city` at its defaults (100 stations),
    over YEAR - 1 and YEAR, with the seed these figures were first taken on."""
    from stations.management.commands.generate_city import generate_city

    generate_city(
        stations=STATIONS, scale=1.0, seed=2025, prefix="bench", start=date(YEAR - 1, 1, 1),
        log=log,
    )


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
