"""Benchmark of the public event pages against a trivial Django view.

    python scripts/bench.py [--duration 10] [--connections 8] [--workers 4]
                            [--pages ping,list,detail] [--rebuild]

Builds (or reuses) a separate database, `portal_bench`, on the server of
DATABASE_URL (the embedded PostgreSQL when it is unset, as for `make run`):
5 stations, 5,000 residents, 10,000 events and 100,000 registrations. Then it
starts gunicorn on 127.0.0.1 with DEBUG off and measures, one page after the
other, requests per second and latency for:

- ping    the trivial view `/ping/` (no template, no query): the ceiling
- list    the event list, `/zh-hans/events/`
- detail  an event's page, `/zh-hans/events/<id>/`
- home    the station directory, `/zh-hans/` (not measured by default)

each in two modes (`--modes`): as served, where anonymous visitors get the
page's cached copy (stations/pagecache.py), and rendered, with that cache
switched off so that every request runs the view and its queries

with `wrk` (Debian package `wrk`; a threaded Python client when it is missing)
for a fixed duration after a short warm-up, and prints a table: page, req/s,
p50, p95 and the ratio to the trivial view. Everything listens on loopback
only; gunicorn is stopped at the end, the database is kept for the next run
(`--rebuild` makes it again; `dropdb portal_bench` removes it).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import portal  # noqa: E402  (scripts/portal.py: the environment `make run` uses)

ROOT = portal.ROOT
sys.path.insert(0, str(ROOT))
DBNAME = "portal_bench"
HOST = "127.0.0.1"

STATIONS = 5
RESIDENTS_PER_STATION = 1_000
EVENTS = 10_000
REGISTRATIONS_PER_EVENT = 10  # 100,000 in all
WARM_UP = 2

PAGES = {
    "ping": "trivial view (/ping/)",
    "list": "event list",
    "detail": "event detail",
    "home": "station directory (home)",
}

MODES = {
    "visitors": "visitors' copy",
    "rendered": "rendered",
}

# wrk prints its own report; this adds one machine-readable line at the end.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH {\\"requests\\": %d, \\"duration_us\\": %d, \\"p50_us\\": %d, \\"p95_us\\": %d, "
    .. "\\"errors\\": %d, \\"non_2xx\\": %d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --- the database ---------------------------------------------------------------------------


def bench_environment() -> dict[str, str]:
    """The environment of `make run`, pointed at the benchmark's own database,
    with DEBUG off as in production."""
    return portal.bench_environment(
        DBNAME, SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS=HOST
    )


def populate() -> dict[str, int]:
    """Fill the (migrated, empty) benchmark database. City-wide generator code,
    so it works outside any station scope."""
    from django.db import connection, transaction
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from events.models import Event, EventCategory, Registration
    from residents.models import Resident
    from stations.models import Region, Station

    rng = random.Random(20260101)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    with scopes_disabled(), transaction.atomic():
        city = Region.objects.create(
            level=Region.Level.CITY, name_zh_hans="基准市", name_en="Bench City", code="bench-city"
        )
        district = Region.objects.create(
            level=Region.Level.DISTRICT,
            parent=city,
            name_zh_hans="基准区",
            name_en="Bench District",
            code="bench-district",
        )
        street = Region.objects.create(
            level=Region.Level.STREET,
            parent=district,
            name_zh_hans="基准街道",
            name_en="Bench Street",
            code="bench-street",
        )
        stations = []
        for n in range(1, STATIONS + 1):
            community = Region.objects.create(
                level=Region.Level.COMMUNITY,
                parent=street,
                name_zh_hans=f"基准社区{n}",
                name_en=f"Bench Community {n}",
                code=f"bench-community-{n}",
            )
            stations.append(
                Station.objects.create(
                    name_zh_hans=f"基准社区国际服务分站{n}",
                    name_en=f"Bench Community International Service Sub-station {n}",
                    slug=f"bench-{n}",
                    region=community,
                    kind=Station.Kind.COMMUNITY_SUBSTATION,
                    address_zh_hans=f"基准市基准区测试路{n}号",
                    address_en=f"{n} Test Road, Bench District",
                    phone="+86 592 123 4567",
                    languages=["zh", "en"],
                )
            )
        categories = []
        for n, (slug, zh, en) in enumerate(
            [
                ("bench-culture", "文化交流", "Cultural exchange"),
                ("bench-language", "语言课堂", "Language class"),
                ("bench-health", "义诊", "Free clinic"),
                ("bench-legal", "法律讲座", "Legal talk"),
                ("bench-family", "亲子活动", "Family activity"),
            ]
        ):
            category, _ = EventCategory.objects.get_or_create(
                slug=slug, defaults={"name_zh_hans": zh, "name_en": en, "ordering": n}
            )
            categories.append(category)

        nationalities = ["DE", "FR", "US", "GB", "JP", "KR", "RU", "BR", "NG", "IN"]
        residents = Resident.objects.bulk_create(
            [
                Resident(
                    station=station,
                    family_name=f"Family{s}x{n}",
                    given_name=rng.choice(["Anna", "Ben", "Chidi", "Dara", "Emma", "Farid"]),
                    nationality=rng.choice(nationalities),
                    languages=["en"],
                    preferred_language=rng.choice(["en", "zh-hans"]),
                    phone="+49 30 901820",
                    email=f"resident{s}x{n}@example.org",
                )
                for s, station in enumerate(stations)
                for n in range(RESIDENTS_PER_STATION)
            ],
            batch_size=2_000,
        )
        by_station = {station.pk: [] for station in stations}
        for resident in residents:
            by_station[resident.station_id].append(resident.pk)

        events = []
        for n in range(EVENTS):
            # four in five upcoming (over the next year), the rest in the past year
            days = rng.uniform(0.5, 365) if n % 5 else -rng.uniform(1, 365)
            starts = now + timedelta(days=days)
            events.append(
                Event(
                    station=stations[n % STATIONS],
                    category=categories[n % len(categories)],
                    title_zh_hans=f"中外邻里活动第{n}期",
                    title_en=f"Neighbours' meeting no. {n}",
                    description_zh_hans="欢迎社区里的外籍居民和家人参加。" * 4,
                    description_en="Foreign residents and their families are welcome. " * 4,
                    place_zh_hans="服务站活动室",
                    place_en="The station's activity room",
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=2),
                    capacity=rng.choice([8, 10, 20, 30, None]),
                    is_published=n % 20 != 0,
                )
            )
        events = Event.objects.bulk_create(events, batch_size=2_000)

        # Registrations by COPY: ten per event, from its station's residents;
        # beyond the capacity they wait; some are cancelled, and those at
        # past events who came are checked in.
        buffer = StringIO()
        offset = {pk: 0 for pk in by_station}
        for event in events:
            pool = by_station[event.station_id]
            confirmed = 0
            for k in range(REGISTRATIONS_PER_EVENT):
                resident_id = pool[(offset[event.station_id] + k) % len(pool)]
                created = event.starts_at - timedelta(days=10, minutes=10 - k)
                cancelled_at = checked_in_at = r"\N"
                if k == REGISTRATIONS_PER_EVENT - 1 and event.pk % 4 == 0:
                    status = "cancelled"
                    cancelled_at = (created + timedelta(days=1)).isoformat()
                elif event.capacity is None or confirmed < event.capacity:
                    status = "confirmed"
                    confirmed += 1
                    if event.ends_at < now and k % 3:
                        checked_in_at = event.starts_at.isoformat()
                else:
                    status = "waitlisted"
                row = [
                    event.station_id,
                    event.pk,
                    resident_id,
                    status,
                    created.isoformat(),
                    cancelled_at,
                    checked_in_at,
                    secrets.token_urlsafe(32),
                ]
                buffer.write("\t".join(str(v) for v in row) + "\n")
            offset[event.station_id] += REGISTRATIONS_PER_EVENT
        buffer.seek(0)
        table = Registration._meta.db_table
        with connection.cursor() as cursor:
            cursor.copy_expert(
                f"COPY {table} (station_id, event_id, resident_id, status, created_at, "
                "cancelled_at, checked_in_at, token) FROM STDIN",
                buffer,
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with scopes_disabled():
        return {
            "stations": Station.objects.count(),
            "residents": Resident.objects.count(),
            "events": Event.objects.count(),
            "registrations": Registration.objects.count(),
        }


def prepare(env: dict[str, str], *, rebuild: bool) -> dict:
    """Migrate and fill the benchmark database (unless it is already full),
    collect the static files; return the sizes and the addresses to measure."""
    if rebuild:
        log(f"dropping {DBNAME}")
        portal.drop_database(env["DATABASE_URL"])
    portal.ensure_database(env["DATABASE_URL"], DBNAME)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone, translation
    from django_scopes import scopes_disabled

    from events.models import Event, Registration

    log("migrating")
    call_command("migrate", "--no-input", verbosity=0)
    with scopes_disabled():
        full = Event.objects.count() == EVENTS and Registration.objects.count() == (
            EVENTS * REGISTRATIONS_PER_EVENT
        )
    if full:
        log(f"{DBNAME} already holds the data (--rebuild makes it again)")
    else:
        if Event.objects.with_scopes_disabled().exists():
            log(f"{DBNAME} holds other data: rebuilding it")
            connections.close_all()
            portal.drop_database(env["DATABASE_URL"])
            portal.ensure_database(env["DATABASE_URL"], DBNAME)
            call_command("migrate", "--no-input", verbosity=0)
        started = time.monotonic()
        sizes = populate()
        log(f"generated {sizes} in {time.monotonic() - started:.1f} s")
    # DEBUG off serves hashed static files from the manifest
    call_command("collectstatic", "--no-input", verbosity=0)

    with scopes_disabled():
        sizes = {
            "events": Event.objects.count(),
            "registrations": Registration.objects.count(),
        }
        # the first upcoming published event with people registered: on the list's first page
        event = (
            Event.objects.filter(is_published=True, ends_at__gt=timezone.now())
            .order_by("starts_at", "pk")
            .first()
        )
    paths = {"ping": "/ping/"}
    with translation.override("zh-hans"):
        paths["home"] = reverse("stations:home")
        routes = [("list", "events:list", []), ("detail", "events:detail", [event.pk])]
        for key, name, args in routes:
            try:
                paths[key] = reverse(name, args=args)
            except NoReverseMatch:
                log(f"{name} is not routed yet: the {PAGES[key]} is left out")
    connections.close_all()
    return {"sizes": sizes, "paths": paths}


# --- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict[str, str], *, port: int, workers: int, log_file: Path,
                   output=None):
    """gunicorn on HOST:`port`, answering /ping/; `output` (a file) takes what
    its processes print (the application's own log lines) instead of the
    terminal."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [
        str(gunicorn),
        "config.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--error-logfile",
        str(log_file),
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped at start; see {log_file}")
        try:
            if fetch(port, "/ping/")[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    stop(server)
    raise SystemExit(f"gunicorn did not answer within 30 s; see {log_file}")


def stop(server) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def fetch(port: int, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


# --- the load ---------------------------------------------------------------------------------


def run_wrk(url: str, *, duration: int, connections: int, script: Path) -> dict:
    threads = max(1, min(2, connections))
    result = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=True,
    )
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("BENCH "))
    data = json.loads(line.removeprefix("BENCH "))
    return {
        "rps": data["requests"] / (data["duration_us"] / 1e6),
        "p50": data["p50_us"] / 1000,
        "p95": data["p95_us"] / 1000,
        "requests": data["requests"],
        "errors": data["errors"] + data["non_2xx"],
    }


def run_python(url: str, *, duration: int, connections: int) -> dict:
    """A plain threaded client, for machines without wrk: one request per
    connection (gunicorn's sync workers close it anyway)."""
    parts = urlsplit(url)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + duration

    def client():
        mine, failed = [], 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
                conn.request("GET", parts.path)
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status >= 400:
                    failed += 1
            except OSError:
                failed += 1
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()

    def percentile(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000

    return {
        "rps": len(latencies) / elapsed,
        "p50": percentile(0.50),
        "p95": percentile(0.95),
        "requests": len(latencies),
        "errors": errors[0],
    }


def ensure_wrk() -> str | None:
    """wrk's path; installs Debian's package when missing and running as
    root (like scripts/browser.py for Chromium). None: use the Python client."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("installing wrk (apt-get install -y wrk)")
        try:
            subprocess.run(
                ["apt-get", "install", "-y", "-q", "wrk"],
                check=True,
                timeout=300,
                stdout=subprocess.DEVNULL,
                env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            )
        except (subprocess.SubprocessError, OSError) as exc:
            log(f"could not install wrk ({exc})")
        found = shutil.which("wrk")
        if found:
            return found
    log("wrk not found (apt-get install wrk): using a threaded Python client, which is slower")
    return None


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({model}), {platform.system()} {platform.release()}"


def measure(env, pages, paths, *, args, wrk, log_file) -> dict:
    """{page: figures} of `pages`, each measured in turn on one gunicorn
    started with `env`."""
    results = {}
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "report.lua"
        script.write_text(WRK_SCRIPT)
        server = start_gunicorn(env, port=port, workers=args.workers, log_file=log_file)
        try:
            for page in pages:
                status, body = fetch(port, paths[page])
                if status != 200:
                    log(f"{PAGES[page]} {paths[page]} answered {status}: left out (see {log_file})")
                    continue
                url = f"http://{HOST}:{port}{paths[page]}"
                log(f"{PAGES[page]}: {url} ({len(body):,} bytes), {args.duration} s")
                if wrk:
                    run_wrk(url, duration=WARM_UP, connections=args.connections, script=script)
                    results[page] = run_wrk(
                        url, duration=args.duration, connections=args.connections, script=script
                    )
                else:
                    run_python(url, duration=WARM_UP, connections=args.connections)
                    results[page] = run_python(
                        url, duration=args.duration, connections=args.connections
                    )
        finally:
            stop(server)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per page (default 10)")
    parser.add_argument("--connections", type=int, default=8, help="open connections (default 8)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument(
        "--pages",
        default="ping,list,detail",
        help=f"comma-separated, from {', '.join(PAGES)} (default ping,list,detail)",
    )
    parser.add_argument(
        "--modes",
        default="visitors,rendered",
        help="comma-separated, from visitors (anonymous visitors' cached copies, as served) "
        "and rendered (PUBLIC_PAGE_CACHE_SECONDS=0: every request runs the view); "
        "default both",
    )
    parser.add_argument("--rebuild", action="store_true", help="drop and rebuild the database")
    args = parser.parse_args()
    wanted = [p.strip() for p in args.pages.split(",") if p.strip()]
    unknown = set(wanted) - set(PAGES)
    if unknown:
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")
    if "ping" not in wanted:
        wanted.insert(0, "ping")
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not modes or set(modes) - set(MODES):
        parser.error(f"--modes takes {', '.join(MODES)}")

    env = bench_environment()
    prepared = prepare(env, rebuild=args.rebuild)
    paths = prepared["paths"]
    pages = [p for p in wanted if p in paths]
    if pages == ["ping"] and "home" not in wanted:
        log("no event pages yet: measuring the home page instead")
        pages.append("home")

    wrk = ensure_wrk()
    tool = "wrk" if wrk else "python threads"

    load = os.getloadavg()[0]
    if load > 0.5 * (os.cpu_count() or 1):
        log(f"the machine is busy (load average {load:.2f}): the figures will be low and noisy")
    (ROOT / ".local").mkdir(exist_ok=True)
    log_file = ROOT / ".local" / "bench-gunicorn.log"
    results = {}
    for mode in modes:
        server_env = dict(env)
        if mode == "rendered":
            server_env["PUBLIC_PAGE_CACHE_SECONDS"] = "0"
        # the trivial view caches nothing: measured once, on the first server
        measured = pages if mode == modes[0] else [p for p in pages if p != "ping"]
        for page, result in measure(
            server_env, measured, paths, args=args, wrk=wrk, log_file=log_file
        ).items():
            results[(mode, page)] = result

    base = results.get((modes[0], "ping"))
    print()
    print(
        f"{prepared['sizes']['events']:,} events, {prepared['sizes']['registrations']:,} "
        f"registrations; gunicorn {args.workers} sync workers on {HOST}, DEBUG off; "
        f"{tool}, {args.connections} connections, {args.duration} s per page"
    )
    print(
        f"machine: {machine()}; load average {load:.2f} at start; "
        f"{time.strftime('%Y-%m-%d %H:%M %z')}"
    )
    print()
    print("| page | path | req/s | p50 ms | p95 ms | vs trivial | errors |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for (mode, page), r in results.items():
        ratio = f"{r['rps'] / base['rps']:.2f}" if base else "-"
        name = PAGES[page] if page == "ping" else f"{PAGES[page]}, {MODES[mode]}"
        print(
            f"| {name} | `{paths[page]}` | {r['rps']:.0f} | {r['p50']:.1f} | "
            f"{r['p95']:.1f} | {ratio} | {r['errors']} |"
        )
    failed = [
        f"{page} ({mode})"
        for mode in modes
        for page in pages
        if (mode, page) in results and results[(mode, page)]["errors"]
    ] + [page for page in pages if not any(key[1] == page for key in results)]
    if failed:
        log(f"pages with errors or left out: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
