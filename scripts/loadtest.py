"""Load test of the public site: residents browsing, and a registration rush.

    python scripts/loadtest.py [--scenarios browse,rush] [--duration 60] [--users 50]
                               [--rush-residents 1000] [--rush-capacity 300]
                               [--rush-spread 30] [--rebuild] [--smoke]

What it does (docs/load.md):

1. Prepares its own database (`--database`, portal_load by default) on the
   server of DATABASE_URL (the embedded PostgreSQL of `make run` when it is
   unset): migrated, the demo city (`load_demo`) and a generated city beside
   it (`generate_city`, `--city-stations` stations at `--city-scale`). A
   second run reuses it; `--rebuild` makes it again. Each run adds its own
   residents with login accounts (sessions written straight into the session
   table, so no password is hashed during the test) and its own rush event.
2. Starts the portal as in production, DEBUG off: gunicorn (`--workers`
   sync workers, `--timeout 60`) and a Celery worker with beat, on Redis
   (127.0.0.1:6379, database `--redis-db`, emptied first) when it answers,
   else on the filesystem transport as `make run`. E-mail goes to Django's
   in-memory backend, so the worker renders and sends every message.
3. browse: `--users` simulated people (three in five anonymous visitors, two
   in five logged-in residents who also register for events and book
   consultations) for `--duration` seconds, through scripts/locustfile.py.
4. rush: one event with `--rush-capacity` places opens its registration;
   `--rush-residents` distinct residents open its page and register within
   `--rush-spread` seconds of the opening. Then the database must hold
   exactly `capacity` confirmed registrations, the rest on the waiting list,
   nobody twice, and one confirmation (or waiting-list) message per
   registration, which the worker must have sent within `--mail-wait` seconds.
5. Prints requests per second, median and p95 latency and the errors per
   request type and overall, and for the rush the registrations per minute.

Exit status 1 when the error rate of a scenario is above `--max-error-rate`
(0 by default) or the capacity check fails. `--smoke` is the short run of
`make load-smoke` and the test suite: 12 s of browsing by 16 people and 200
residents rushing for 50 places, on a small generated city.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (scripts/bench.py: gunicorn start and stop)
import portal  # noqa: E402  (scripts/portal.py: the environment `make run` uses)

ROOT = portal.ROOT
sys.path.insert(0, str(ROOT))
HOST = bench.HOST
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
CITY_PREFIX = "load"
PEOPLE_DOMAIN = "load.example.org"

RUSH_TITLE = (
    "中外邻里中秋博饼大会（名额有限）",
    "Mid-Autumn Bobing gala for neighbours (places limited)",
)
RUSH_TEXT = (
    "一年一度的中外邻里博饼大会，现场有闽南小吃和南音表演。名额有限，报满后进入候补名单。",
    "The yearly Bobing dice game for Chinese and foreign neighbours, with Minnan snacks and "
    "Nanyin music. Places are limited; once they are taken you join the waiting list.",
)
RUSH_PLACE = ("官任社区文化广场", "Guanren community square")


def log(message: str) -> None:
    print(f"[load] {message}", file=sys.stderr, flush=True)


# --- the environment ---------------------------------------------------------------------------


def load_environment(dbname: str, redis_db: int, *, use_redis: bool = True) -> dict[str, str]:
    """The environment of `make run`, pointed at the load test's database, with
    DEBUG off as in production, and plain HTTP on loopback (no TLS in front)."""
    env = portal.bench_environment(
        dbname,
        SECRET_KEY=secrets.token_urlsafe(50),
        **portal.LOOPBACK_HTTP,
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        GUNICORN_CMD_ARGS="--timeout 60",
    )
    if use_redis and portal.port_open("127.0.0.1", 6379):
        env["REDIS_URL"] = f"redis://127.0.0.1:6379/{redis_db}"
        log(f"broker and cache: Redis at 127.0.0.1:6379/{redis_db}")
    else:
        env.pop("REDIS_URL", None)
        log("no Redis (not answering at 127.0.0.1:6379, or --no-redis): "
            "filesystem broker and file cache, as make run")
    env.pop("EMAIL_FILE_PATH", None)
    return env


def empty_redis(url: str) -> None:
    """The load test's own Redis database starts empty: rate-limit counters of
    an earlier run would refuse this one's requests."""
    import redis

    redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()


# --- the database ------------------------------------------------------------------------------


def prepare_database(env: dict[str, str], args) -> dict:
    """Migrate and fill the database unless it is filled already; collect the
    static files. Returns the row counts."""
    dbname = args.database
    if args.rebuild:
        log(f"dropping {dbname}")
        portal.drop_database(env["DATABASE_URL"])
    portal.ensure_database(env["DATABASE_URL"], dbname)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django_scopes import scopes_disabled

    from events.models import Event, Registration
    from residents.models import Resident
    from stations import demo_data
    from stations.management.commands.generate_city import generate_city
    from stations.models import Region, Station

    started = time.monotonic()
    call_command("migrate", "--no-input", verbosity=0)
    log(f"migrated in {time.monotonic() - started:.1f} s")
    with scopes_disabled():
        if not Station.objects.filter(slug=demo_data.GUANREN).exists():
            started = time.monotonic()
            call_command("load_demo", stdout=StringIO())
            log(f"demo city loaded in {time.monotonic() - started:.1f} s")
        if args.city_stations and not Region.objects.filter(code=f"{CITY_PREFIX}-city").exists():
            started = time.monotonic()
            counts = generate_city(
                stations=args.city_stations, scale=args.city_scale, seed=2026,
                prefix=CITY_PREFIX,
            )
            log(f"generated city in {time.monotonic() - started:.1f} s: {counts}")
        collect_static(call_command)
        return {
            "stations": Station.objects.count(),
            "residents": Resident.objects.count(),
            "events": Event.objects.count(),
            "registrations": Registration.objects.count(),
        }


def collect_static(call_command) -> None:
    """DEBUG off serves hashed static files from the manifest: collect them
    unless the manifest is newer than every static file of the checkout (and
    than the installed packages, whose static files the admin serves)."""
    from django.conf import settings

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    apps = [d / "static" for d in ROOT.iterdir() if d.is_dir() and not d.name.startswith(".")]
    sources = [p for d in [ROOT / "static", *apps] for p in d.rglob("*") if p.is_file()]
    sources.append(ROOT / ".venv" / ".installed")
    newest = max((p.stat().st_mtime for p in sources if p.exists()), default=0)
    if manifest.exists() and manifest.stat().st_mtime > newest:
        return
    started = time.monotonic()
    call_command("collectstatic", "--no-input", verbosity=0)
    log(f"static files collected in {time.monotonic() - started:.1f} s")


def make_people(station_ids: list[int], count: int, *, run: str, kind: str, first: int,
                base_octet: int) -> list[dict]:
    """`count` residents with a login account and a session each, at the
    given stations in turn; returns their plan entries (session key, client
    address, language)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from accounts.models import User
    from residents.models import Resident
    from stations.management.commands.generate_city import COUNTRIES, Words

    words = Words(hash((run, kind)) % 10**6)
    rng = random.Random(f"{run}-{kind}")
    password = make_password(secrets.token_urlsafe(16))  # nobody logs in with it
    now = timezone.now()
    users, residents = [], []
    for i in range(count):
        nationality = rng.choice(COUNTRIES)
        person = words.person(nationality, i)
        email = f"{kind}.{run}.{i}@{PEOPLE_DOMAIN}"
        user = User(
            email=email,
            password=password,
            full_name=f"{person['given_name']} {person['family_name']}".strip(),
            preferred_language=person["preferred_language"],
            email_confirmed_at=now,
        )
        users.append(user)
        residents.append((user, nationality, person, station_ids[i % len(station_ids)]))
    User.objects.bulk_create(users, batch_size=1_000)
    Resident.objects.bulk_create(
        [
            Resident(station_id=station_id, user=user, nationality=nationality,
                     **{**person, "email": user.email})
            for user, nationality, person, station_id in residents
        ],
        batch_size=1_000,
    )
    store = SessionStore()
    expires = now + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    sessions, people = [], []
    for i, user in enumerate(users):
        key = secrets.token_hex(16)
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        sessions.append(Session(session_key=key, session_data=store.encode(data),
                                expire_date=expires))
        n = first + i
        people.append({
            "session": key,
            "address": f"127.{base_octet}.{n // 250}.{n % 250 + 1}",
            "language": "zh-hans" if user.preferred_language == "zh-hans" else "en",
            "email": user.email,
        })
    Session.objects.bulk_create(sessions, batch_size=1_000)
    return people


def prepare_run(args, *, port: int) -> dict:
    """This run's people and rush event; returns the plan for the locustfile."""
    from django.conf import settings
    from django.db import connections
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from consultations.models import Topic
    from events.models import Event, EventCategory
    from stations import demo_data
    from stations.models import Station

    run = time.strftime("%Y%m%d%H%M%S") + secrets.token_hex(2)
    base_octet = random.randrange(10, 250)
    with scopes_disabled():
        demo = list(
            Station.objects.filter(slug__in=[s["slug"] for s in demo_data.STATIONS])
            .order_by("pk").values_list("pk", flat=True)
        )
        guanren = Station.objects.get(slug=demo_data.GUANREN)
        residents_count = max(1, args.users)
        residents = make_people(demo, residents_count, run=run, kind="resident", first=0,
                                base_octet=base_octet)
        visitors = [
            {"address": f"127.{base_octet}.{n // 250}.{n % 250 + 1}"}
            for n in range(residents_count, residents_count + args.users)
        ]
        rush_people = make_people([guanren.pk], args.rush_residents, run=run, kind="rush",
                                  first=residents_count + args.users, base_octet=base_octet)
        # closed while the others browse; main() sets the opening before the rush
        opens_at = timezone.now() + timedelta(days=1)
        starts = timezone.now() + timedelta(days=14)
        category = EventCategory.objects.filter(slug="festival").first() or (
            EventCategory.objects.order_by("pk").first()
        )
        zh, en = RUSH_TITLE
        event = Event.objects.create(
            station=guanren,
            category=category,
            title=zh, title_zh_hans=zh, title_en=en,
            description=RUSH_TEXT[0], description_zh_hans=RUSH_TEXT[0],
            description_en=RUSH_TEXT[1],
            place=RUSH_PLACE[0], place_zh_hans=RUSH_PLACE[0], place_en=RUSH_PLACE[1],
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            capacity=args.rush_capacity,
            registration_opens_at=opens_at,
            is_published=True,
        )
        topics = list(
            Topic.objects.filter(is_sensitive=False).order_by("ordering", "slug")
            .values_list("slug", flat=True)
        )
    connections.close_all()
    return {
        "host": f"http://{HOST}:{port}",
        "host_name": HOST,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "run": run,
        "residents": residents,
        "visitors": visitors,
        "rush": rush_people,
        "rush_event": event.pk,
        "rush_capacity": args.rush_capacity,
        "rush_opens_at": opens_at.timestamp(),
        "rush_spread": args.rush_spread,
        "topics": topics,
    }


# --- the processes -----------------------------------------------------------------------------


def start_worker(env: dict[str, str], workdir: Path, log_file: Path) -> subprocess.Popen:
    """A Celery worker with beat, as `make run` starts it (scripts/portal.py)."""
    celery = str(Path(sys.executable).with_name("celery"))
    return subprocess.Popen(
        [
            celery, "-A", "config", "worker", "--beat",
            "--concurrency", "2",
            "--loglevel", "WARNING",
            "--hostname", f"load-{os.getpid()}@%h",
            "--schedule", str(workdir / "celerybeat-schedule"),
            "--logfile", str(log_file),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def run_locust(plan_file: Path, scenario: str, *, users: int, duration: float,
               spawn_rate: float, workdir: Path) -> dict:
    out = workdir / f"{scenario}.json"
    command = [
        sys.executable, str(LOCUSTFILE), "--plan", str(plan_file), "--scenario", scenario,
        "--users", str(users), "--duration", str(duration), "--spawn-rate", str(spawn_rate),
        "--out", str(out),
    ]
    subprocess.run(command, cwd=ROOT, check=True, timeout=duration + 300,
                   stdin=subprocess.DEVNULL)
    return json.loads(out.read_text())


# --- the checks --------------------------------------------------------------------------------


def rush_check(plan: dict, *, mail_wait: float) -> dict:
    """What the database holds for the rush event, and whether it is right."""
    from django.db import connections
    from django.db.models import Count, Max, Min
    from django_scopes import scopes_disabled

    from events.models import Registration
    from reminders.models import Kind, Reminder

    connections.close_all()
    capacity, wanted = plan["rush_capacity"], len(plan["rush"])
    with scopes_disabled():
        registrations = Registration.objects.filter(event_id=plan["rush_event"])
        by_status = dict(
            registrations.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
        )
        total = registrations.count()
        people = registrations.values("resident_id").distinct().count()
        times = registrations.aggregate(first=Min("created_at"), last=Max("created_at"))
        ids = {
            status: set(registrations.filter(status=status).values_list("pk", flat=True))
            for status in ("confirmed", "waitlisted")
        }
        notices = Reminder.objects.filter(
            kind__in=[Kind.REGISTRATION_CONFIRMED, Kind.REGISTRATION_WAITLISTED],
            target_id__in=ids["confirmed"] | ids["waitlisted"],
        )
        per_target: dict[tuple[str, int], int] = {}
        for kind, target in notices.values_list("kind", "target_id"):
            per_target[(kind, target)] = per_target.get((kind, target), 0) + 1
        expected = {(Kind.REGISTRATION_CONFIRMED, pk) for pk in ids["confirmed"]} | {
            (Kind.REGISTRATION_WAITLISTED, pk) for pk in ids["waitlisted"]
        }
        notices_ok = set(per_target) == expected and all(n == 1 for n in per_target.values())
        deadline = time.monotonic() + mail_wait
        while True:
            sent = notices.filter(status=Reminder.Status.SENT).count()
            if sent >= len(expected) or time.monotonic() > deadline:
                break
            time.sleep(1)
    confirmed = by_status.get("confirmed", 0)
    waitlisted = by_status.get("waitlisted", 0)
    problems = []
    if confirmed != min(capacity, wanted):
        problems.append(f"{confirmed} confirmed, expected {min(capacity, wanted)}")
    if waitlisted != wanted - min(capacity, wanted):
        problems.append(f"{waitlisted} waiting, expected {wanted - min(capacity, wanted)}")
    if total != wanted:
        problems.append(f"{total} registrations for {wanted} residents")
    if people != total:
        problems.append(f"{total - people} residents registered twice")
    if not notices_ok:
        problems.append(f"{len(per_target)} confirmation messages for {len(expected)} "
                        "registrations, or some twice")
    if sent != len(expected):
        problems.append(f"{sent} of {len(expected)} messages sent after {mail_wait:.0f} s")
    opens = plan["rush_opens_at"]
    last = times["last"].timestamp() if times["last"] else opens
    return {
        "confirmed": confirmed,
        "waitlisted": waitlisted,
        "registrations": total,
        "residents": people,
        "notices": len(per_target),
        "sent": sent,
        "seconds": max(last - opens, 1e-9),
        "problems": problems,
    }


# --- the report --------------------------------------------------------------------------------


def print_table(result: dict) -> None:
    print("| request | requests | req/s | median ms | p95 ms | errors | error rate |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    rows = list(result["requests"].items()) + [("all requests", result["total"])]
    for name, r in rows:
        rate = r["failures"] / r["requests"] if r["requests"] else 0.0
        label = f"**{name}**" if name == "all requests" else name
        print(f"| {label} | {r['requests']:,} | {r['rps']:.1f} | {r['median_ms']:.0f} | "
              f"{r['p95_ms']:.0f} | {r['failures']} | {rate:.2%} |")
    for name, r in result["requests"].items():
        for sample in r.get("samples", []):
            print(f"  {name}: {sample}")


def error_rate(result: dict) -> float:
    total = result["total"]
    return total["failures"] / total["requests"] if total["requests"] else 1.0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenarios", default="browse,rush",
                        help="comma-separated: browse, rush (default both)")
    parser.add_argument("--duration", type=float, default=60, help="seconds of browsing")
    parser.add_argument("--users", type=int, default=50, help="people browsing at once")
    parser.add_argument("--rush-residents", type=int, default=1000)
    parser.add_argument("--rush-capacity", type=int, default=300)
    parser.add_argument("--rush-spread", type=float, default=30,
                        help="seconds after the opening within which the residents arrive")
    parser.add_argument("--spawn-rate", type=float, default=100,
                        help="simulated people started per second")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--database", default="portal_load")
    parser.add_argument("--redis-db", type=int, default=5)
    parser.add_argument("--no-redis", action="store_true",
                        help="the filesystem broker and file cache even when Redis answers")
    parser.add_argument("--city-stations", type=int, default=20,
                        help="stations of the generated city beside the demo (0: none)")
    parser.add_argument("--city-scale", type=float, default=0.25)
    parser.add_argument("--mail-wait", type=float, default=180,
                        help="seconds the worker has to send the rush's messages")
    parser.add_argument("--max-error-rate", type=float, default=0.0,
                        help="highest error rate that passes (default 0)")
    parser.add_argument("--rebuild", action="store_true", help="drop and fill the database")
    parser.add_argument("--smoke", action="store_true",
                        help="the short run: 12 s, 16 people, 200 residents for 50 places")
    args = parser.parse_args()
    if args.smoke:
        args.duration, args.users = 12, 16
        args.rush_residents, args.rush_capacity, args.rush_spread = 200, 50, 8
        args.city_stations, args.city_scale, args.mail_wait = 5, 0.05, 90
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    if not scenarios or set(scenarios) - {"browse", "rush"}:
        parser.error("--scenarios takes browse and rush")
    if not args.database.startswith("portal_load"):
        parser.error("the database's name must start with portal_load")
    try:
        import locust  # noqa: F401
    except ImportError:
        log("locust is not installed: pip install -e '.[test]'")
        return 2

    env = load_environment(args.database, args.redis_db, use_redis=not args.no_redis)
    if env.get("REDIS_URL"):
        empty_redis(env["REDIS_URL"])
    port = bench.free_port()
    env["SITE_URL"] = f"http://{HOST}:{port}"
    started = time.monotonic()
    sizes = prepare_database(env, args)
    log(f"database {args.database} ready in {time.monotonic() - started:.1f} s: {sizes}")
    plan = prepare_run(args, port=port)
    load = os.getloadavg()
    failed: list[str] = []
    (ROOT / ".local").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="portal-load-") as tmp:
        workdir = Path(tmp)
        plan_file = workdir / "plan.json"
        plan_file.write_text(json.dumps(plan))
        worker = start_worker(env, workdir, ROOT / ".local" / "load-celery.log")
        server = bench.start_gunicorn(env, port=port, workers=args.workers,
                                      log_file=ROOT / ".local" / "load-gunicorn.log")
        results = {}
        try:
            for path in ("/zh-hans/", "/en/events/", "/en/notices/", "/zh-hans/guides/"):
                for _ in range(args.workers):
                    bench.fetch(port, path)
            if "browse" in scenarios:
                log(f"browse: {args.users} people for {args.duration:.0f} s")
                results["browse"] = run_locust(
                    plan_file, "browse", users=args.users, duration=args.duration,
                    spawn_rate=args.spawn_rate, workdir=workdir,
                )
            if "rush" in scenarios:
                # the rush event opens a few seconds after everybody is waiting
                from django.utils import timezone

                from events.models import Event

                spawn = args.rush_residents / args.spawn_rate
                opens = timezone.now() + timedelta(seconds=spawn + 5)
                Event.objects.with_scopes_disabled().filter(pk=plan["rush_event"]).update(
                    registration_opens_at=opens
                )
                plan["rush_opens_at"] = opens.timestamp()
                plan_file.write_text(json.dumps(plan))
                log(f"rush: {args.rush_residents} residents for {args.rush_capacity} places, "
                    f"arriving within {args.rush_spread:.0f} s of the opening")
                results["rush"] = run_locust(
                    plan_file, "rush", users=args.rush_residents,
                    duration=spawn + 5 + args.rush_spread + 120,
                    spawn_rate=args.spawn_rate, workdir=workdir,
                )
                log("checking the rush event in the database")
                check = rush_check(plan, mail_wait=args.mail_wait)
        finally:
            bench.stop(server)
            bench.stop(worker)

    print()
    print(f"load test {time.strftime('%Y-%m-%d %H:%M %z')}; machine: {bench.machine()}; "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at start")
    print(f"database {args.database}: {sizes['stations']:,} stations, "
          f"{sizes['residents']:,} residents, {sizes['events']:,} events, "
          f"{sizes['registrations']:,} registrations; gunicorn {args.workers} sync workers, "
          f"Celery worker and beat on {'Redis' if env.get('REDIS_URL') else 'the filesystem'}, "
          "DEBUG off")
    for scenario, result in results.items():
        rate = error_rate(result)
        print()
        print(f"## {scenario}: {result['users']} simulated people, {result['elapsed_s']:.1f} s")
        print()
        print_table(result)
        print()
        print(f"{scenario}: {result['total']['rps']:.1f} req/s, median "
              f"{result['total']['median_ms']:.0f} ms, p95 {result['total']['p95_ms']:.0f} ms, "
              f"errors {result['total']['failures']} ({rate:.2%})")
        if rate > args.max_error_rate:
            failed.append(f"{scenario}: error rate {rate:.2%} above {args.max_error_rate:.2%}")
    if "rush" in results:
        post = results["rush"]["requests"].get("POST rush: register", {})
        per_minute = check["registrations"] / check["seconds"] * 60
        print()
        print(f"rush: {check['registrations']:,} registrations in {check['seconds']:.1f} s "
              f"from the opening: {per_minute:,.0f} registrations a minute; register POST "
              f"median {post.get('median_ms', 0):.0f} ms, p95 {post.get('p95_ms', 0):.0f} ms, "
              f"errors {post.get('failures', 0)}")
        if check["problems"]:
            print("capacity check: FAILED: " + "; ".join(check["problems"]))
            failed.append("capacity check")
        else:
            print(f"capacity check: OK: {check['confirmed']} confirmed for a capacity of "
                  f"{plan['rush_capacity']}, {check['waitlisted']} on the waiting list, "
                  f"{check['residents']} residents once each, {check['notices']} messages "
                  f"once each, {check['sent']} sent")
    if failed:
        log("failed: " + "; ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
