"""Benchmark of sending reminder rows: one worker's `send_due` beside a plain loop.

    python scripts/bench_reminders.py [--count 10000] [--through-service 1000]
                                      [--events 20] [--backend locmem[,file,smtp]]
                                      [--rebuild]

Uses its own database, `portal_bench_reminders`, on the server of DATABASE_URL
(the embedded PostgreSQL when it is unset, as for `make run`), created and
migrated on first use; `--rebuild` drops and creates it again, and
`dropdb portal_bench_reminders` (or `DROP DATABASE portal_bench_reminders`)
removes it. Every run (and every backend of a run) starts from empty tables of
events, residents, registrations and reminders, keeping the station.

For each backend, in a process of its own (DJANGO_SETTINGS_MODULE=
config.settings, DEBUG=0, SITE_URL set so that messages carry their links and
the .ics file, REMINDERS_SEND_SOON=0 so that nothing is published to a broker):

1. creation, timed apart: one station with the default reminder settings,
   `--events` published events two weeks ahead with room for everybody,
   `--count` residents with e-mail addresses and a seeded mix of preferred
   languages (zh-hans and en, about half each), written with bulk_create.
   The first `--through-service` of them are registered one by one through
   `events.services.registration_create` (about 20 ms each on 2 cores, so
   all 10,000 that way take minutes); the others are written in bulk as the
   same rows it writes (the confirmed registration, its due
   `registration_confirmed` notice, its `event_reminder` from `plan_before`),
   and the script checks that the rows have one shape per event and kind.
   So `--count` `registration_confirmed` rows are due (and as many
   `event_reminder` rows wait, due 24 hours before the events);
2. the portal, timed: `reminders.dispatch.send_due(budget_seconds=10**9)` once,
   as the worker's task runs it, with the backend of EMAIL_BACKEND. Every due
   row must end `sent`, otherwise the script exits 1. While it runs, the
   time spent in SQL round trips (statements and commits), in building that
   SQL (the ORM compilers' as_sql), in `render_message` and in the mail
   backend is added up (a few microseconds of overhead per message);
3. the reference, timed: a plain loop of `django.core.mail.send_mail(subject,
   body, from, [to])` over the subjects, bodies and addresses of the messages
   step 2 sent (captured as it sent them; nothing is rendered in this loop),
   to the same backend. send_mail makes a text-only message and gets a new
   backend connection for each call, as a plain loop does. A second reference
   sends the very messages of step 2 again (HTML alternative, .ics
   attachment, headers), already built, on one open connection: the backend's
   own cost for the same bytes;
4. prints the times, the rates and the ratios, with where the difference goes.

Backends: `locmem` (django.core.mail.backends.locmem: messages kept in memory,
the default), `file` (the file backend into a temporary directory, removed
afterwards) and `smtp` (the SMTP backend to a local aiosmtpd sink started on a
free port of 127.0.0.1 and stopped afterwards). Progress goes to stderr,
figures to stdout; the last lines are a Markdown table of all backends.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import portal  # noqa: E402  (scripts/portal.py: the environment `make run` uses)

DBNAME = "portal_bench_reminders"
BACKENDS = {
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}
STATION_SLUG = "bench-reminders"
BATCH = 2_000


def log(message: str) -> None:
    print(f"[bench-reminders] {message}", file=sys.stderr, flush=True)


# --- the parent: database, mail sinks, one child per backend -----------------


def environment() -> dict[str, str]:
    env = portal.bench_environment(DBNAME, REMINDERS_SEND_SOON="0")
    env.setdefault("SITE_URL", "https://portal.example.org")
    env.setdefault("DEFAULT_FROM_EMAIL", "portal@portal.example.org")
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_smtp_sink() -> tuple[subprocess.Popen, int]:
    """aiosmtpd with its Sink handler (accepts and drops every message), in a
    process of its own so that it does not share the sender's interpreter."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Sink",
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while not portal.port_open("127.0.0.1", port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit("the aiosmtpd sink did not start")
        time.sleep(0.1)
    return process, port


def run_backend(name: str, args: argparse.Namespace, env: dict[str, str]) -> dict | None:
    env = dict(env, EMAIL_BACKEND=BACKENDS[name])
    sink = None
    mail_dir = None
    if name == "file":
        mail_dir = tempfile.mkdtemp(prefix="bench-reminders-mail-")
        env["EMAIL_FILE_PATH"] = mail_dir
    if name == "smtp":
        sink, port = start_smtp_sink()
        env.update(
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(port),
            EMAIL_USE_TLS="0",
            EMAIL_USE_SSL="0",
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
        )
        log(f"aiosmtpd sink on 127.0.0.1:{port} (pid {sink.pid})")
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        result_file = handle.name
    try:
        code = subprocess.call(
            [
                sys.executable,
                __file__,
                "--child",
                name,
                "--result-file",
                result_file,
                "--count",
                str(args.count),
                "--events",
                str(args.events),
                "--batch",
                str(args.batch),
                "--seed",
                str(args.seed),
                "--through-service",
                str(args.through_service),
            ],
            env=env,
        )
        text = Path(result_file).read_text()
        result = json.loads(text) if text else None
        if result is not None:
            result["exit"] = code
        elif code:
            log(f"{name}: the benchmark process exited {code}")
        return result
    finally:
        os.unlink(result_file)
        if sink is not None:
            sink.terminate()
            try:
                sink.wait(timeout=10)
            except subprocess.TimeoutExpired:
                sink.kill()
        if mail_dir is not None:
            shutil.rmtree(mail_dir, ignore_errors=True)


def summary_table(results: list[dict]) -> None:
    print()
    print(
        "| backend | N | creation s | portal s | portal msg/s | send_mail s "
        "| send_mail msg/s | ratio | same messages, built s | ratio to built |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['backend']} | {r['count']:,} | {r['creation_s']:.1f} | {r['portal_s']:.1f} "
            f"| {r['portal_rate']:,.0f} | {r['plain_s']:.2f} | {r['plain_rate']:,.0f} "
            f"| {r['ratio']:.1f}x | {r['built_s']:.2f} | {r['ratio_built']:.1f}x |"
        )


def parent(args: argparse.Namespace) -> int:
    names = [n.strip() for n in args.backend.split(",") if n.strip()]
    unknown = [n for n in names if n not in BACKENDS]
    if unknown or not names:
        raise SystemExit(f"--backend: choose from {', '.join(BACKENDS)} (got {args.backend!r})")
    env = environment()
    if args.rebuild:
        log(f"dropping {DBNAME}")
        portal.drop_database(env["DATABASE_URL"])
    portal.ensure_database(env["DATABASE_URL"], DBNAME)
    results, failed = [], False
    for name in names:
        log(f"backend {name}: {BACKENDS[name]}")
        result = run_backend(name, args, env)
        if result is None or result["exit"]:
            failed = True
        if result is not None:
            results.append(result)
    if results:
        summary_table(results)
    return 1 if failed else 0


# --- the child: one backend, in a fresh process ---------------------------------


def reset_tables() -> None:
    """Empty the tables the benchmark fills (its own database only)."""
    from django.db import connection

    from events.models import Event, Registration
    from reminders.models import Reminder
    from residents.models import Resident

    tables = ", ".join(
        connection.ops.quote_name(model._meta.db_table)
        for model in (Reminder, Registration, Event, Resident)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def station_get():
    from events.models import EventCategory
    from reminders.services import policies_ensure
    from stations.models import Region, Station

    station = Station.objects.filter(slug=STATION_SLUG).first()
    if station is None:
        parent_region = None
        for level, code, zh, en in [
            (Region.Level.CITY, "bench-r-city", "基准市", "Bench City"),
            (Region.Level.DISTRICT, "bench-r-district", "基准区", "Bench District"),
            (Region.Level.STREET, "bench-r-street", "基准街道", "Bench Street"),
            (Region.Level.COMMUNITY, "bench-r-community", "基准社区", "Bench Community"),
        ]:
            parent_region = Region.objects.create(
                level=level, parent=parent_region, code=code, name_zh_hans=zh, name_en=en
            )
        station = Station.objects.create(
            name_zh_hans="基准社区国际服务分站",
            name_en="Bench Community International Service Sub-station",
            slug=STATION_SLUG,
            region=parent_region,
            kind=Station.Kind.COMMUNITY_SUBSTATION,
            address_zh_hans="基准市基准区测试路1号",
            address_en="1 Test Road, Bench District",
            phone="+86 592 123 4567",
            email="station@portal.example.org",
            languages=["zh", "en"],
        )
    policies_ensure(station_ids=[station.pk])
    category, _created = EventCategory.objects.get_or_create(
        slug="bench-r-culture",
        defaults={"name_zh_hans": "文化交流", "name_en": "Cultural exchange"},
    )
    return station, category


def create_rows(count: int, events: int, through_service: int, seed: int) -> dict[str, float]:
    """The station's events and residents in bulk; then the first
    `through_service` residents registered one by one through
    `registration_create`, and the others written in bulk as the same rows it
    writes (a confirmed registration, its `registration_confirmed` notice due
    now, its `event_reminder` 24 hours before the event, from
    `plan_before`). Returns the times."""
    from django.db import connection
    from django.utils import timezone

    from events.models import Event, Registration
    from events.services import registration_create
    from reminders.models import Kind, Reminder
    from reminders.services import plan_before
    from residents.models import Resident

    rng = random.Random(seed)
    started = time.perf_counter()
    station, category = station_get()
    start = (timezone.localtime() + timedelta(days=14)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    capacity = math.ceil(count / events)
    event_rows = Event.objects.bulk_create(
        Event(
            station=station,
            category=category,
            title_zh_hans=f"中外邻里活动第{n + 1}期",
            title_en=f"Neighbours' meeting no. {n + 1}",
            description_zh_hans="欢迎社区里的外籍居民和家人参加。" * 3,
            description_en="Foreign residents and their families are welcome. " * 3,
            place_zh_hans="服务站活动室",
            place_en="The station's activity room",
            starts_at=start + timedelta(days=n % 7, hours=n // 7),
            ends_at=start + timedelta(days=n % 7, hours=n // 7 + 2),
            capacity=capacity,
            is_published=True,
        )
        for n in range(events)
    )
    given = ["Anna", "Ben", "Chidi", "Dara", "Emma", "Farid", "Hiro", "Ines", "Jae", "Lena"]
    nationalities = ["DE", "FR", "US", "GB", "JP", "KR", "RU", "BR", "NG", "IN"]
    residents = []
    for first in range(0, count, BATCH):
        residents += Resident.objects.bulk_create(
            Resident(
                station=station,
                family_name=f"Bench{i}",
                given_name=rng.choice(given),
                chinese_name="" if i % 3 else f"本奇{i}",
                nationality=rng.choice(nationalities),
                languages=["en"],
                preferred_language=rng.choice(["zh-hans", "en"]),
                phone="+49 30 901820",
                email=f"resident{i}@example.org",
            )
            for i in range(first, min(first + BATCH, count))
        )
    fixture_s = time.perf_counter() - started
    log(f"station, {events} events, {count:,} residents in {fixture_s:.1f} s")

    through_service = min(through_service, count)
    started = time.perf_counter()
    step = max(through_service // 5, 1)
    for i, resident in enumerate(residents[:through_service]):
        registration_create(event=event_rows[i % events], resident=resident)
        if (i + 1) % step == 0:
            log(
                f"registration_create {i + 1:,} of {through_service:,} "
                f"({time.perf_counter() - started:.1f} s)"
            )
    service_s = time.perf_counter() - started

    started = time.perf_counter()
    plans = {
        event.pk: plan_before(
            station_id=station.pk, kind=Kind.EVENT_REMINDER, anchor=event.starts_at
        )
        for event in event_rows
    }
    for first in range(through_service, count, BATCH):
        now = timezone.now()
        registrations = Registration.objects.bulk_create(
            Registration(
                station=station,
                event=event_rows[i % events],
                resident=residents[i],
                status=Registration.Status.CONFIRMED,
                created_at=now,
            )
            for i in range(first, min(first + BATCH, count))
        )
        rows = []
        for registration in registrations:
            event = registration.event
            rows.append(
                Reminder(
                    station_id=station.pk,
                    kind=Kind.REGISTRATION_CONFIRMED,
                    target_id=registration.pk,
                    recipient="resident",
                    occasion="",
                    remind_at=now,
                    next_attempt_at=now,
                    stale_at=event.ends_at,
                    data={},
                )
            )
            for plan in plans[event.pk]:
                rows.append(
                    Reminder(
                        station_id=station.pk,
                        kind=Kind.EVENT_REMINDER,
                        target_id=registration.pk,
                        recipient="resident",
                        occasion=plan.occasion,
                        remind_at=plan.remind_at,
                        next_attempt_at=plan.remind_at,
                        stale_at=plan.stale_at,
                        data=plan.data,
                    )
                )
        Reminder.objects.bulk_create(rows)
        log(f"bulk {min(first + BATCH, count):,} of {count:,}")
    bulk_s = time.perf_counter() - started
    check_same_rows()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would have by the next beat
    return {
        "fixture_s": fixture_s,
        "through_service": through_service,
        "service_s": service_s,
        "bulk_s": bulk_s,
    }


def check_same_rows() -> None:
    """The rows written in bulk must be those `registration_create` writes:
    per event and kind, one shape (recipient, occasion, stale_at, data,
    status) for every registration, however it was made."""
    from django.db import connection

    from events.models import Registration
    from reminders.models import Reminder

    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT g.event_id, r.kind, count(DISTINCT (r.recipient, r.occasion, r.stale_at,
                   r.data::text, r.status, r.channel, r.station_id)), count(*)
            FROM {Reminder._meta.db_table} r
            JOIN {Registration._meta.db_table} g ON g.id = r.target_id
            GROUP BY g.event_id, r.kind
            """
        )
        shapes = cursor.fetchall()
        cursor.execute(
            f"SELECT count(*) FROM {Registration._meta.db_table} g WHERE NOT EXISTS "
            f"(SELECT 1 FROM {Reminder._meta.db_table} r WHERE r.target_id = g.id)"
        )
        bare = cursor.fetchone()[0]
    mixed = [row for row in shapes if row[2] != 1]
    if mixed or bare:
        raise SystemExit(
            f"rows written in bulk differ from registration_create's: {mixed[:5]}, "
            f"{bare} registrations without a reminder"
        )


class Meter:
    """Adds up where the time of the portal's send goes: SQL statements and
    commits (the round trips), building the SQL (the ORM compilers' as_sql),
    `render_message`, and the mail backend's `send_messages`. Keeps what was
    sent, for the reference loops."""

    def __init__(self, backend_class, count: int):
        self.backend_class = backend_class
        self.count = count
        self.sql_s = self.render_s = self.backend_s = self.sql_in_render_s = 0.0
        self.compile_s = self.commit_s = 0.0
        self.queries = self.commits = 0
        self.rendering = False
        self.sent: list = []
        self._undo: list = []

    def _query(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - started
            self.sql_s += spent
            self.queries += 1
            if self.rendering:
                self.sql_in_render_s += spent

    def __enter__(self):
        from django.db import connection

        import stations.notify as notify

        meter = self
        connection.ensure_connection()
        wrapper = connection.execute_wrapper(self._query)
        wrapper.__enter__()
        self._undo.append(lambda: wrapper.__exit__(None, None, None))

        commit = connection._commit

        def timed_commit(*args, **kwargs):
            started = time.perf_counter()
            try:
                return commit(*args, **kwargs)
            finally:
                spent = time.perf_counter() - started
                meter.sql_s += spent
                meter.commit_s += spent
                meter.commits += 1

        connection._commit = timed_commit
        self._undo.append(lambda: delattr(connection, "_commit"))

        render = notify.render_message

        def timed_render(*args, **kwargs):
            started = time.perf_counter()
            meter.rendering = True
            try:
                return render(*args, **kwargs)
            finally:
                meter.rendering = False
                meter.render_s += time.perf_counter() - started

        notify.render_message = timed_render
        self._undo.append(lambda: setattr(notify, "render_message", render))

        # building SQL: the outermost as_sql of the ORM's compilers
        from django.db.models.sql import compiler as sql_compiler

        depth = [0]
        for cls in (
            sql_compiler.SQLCompiler,
            sql_compiler.SQLInsertCompiler,
            sql_compiler.SQLDeleteCompiler,
            sql_compiler.SQLUpdateCompiler,
            sql_compiler.SQLAggregateCompiler,
        ):
            as_sql = cls.__dict__["as_sql"]

            def timed_as_sql(compiler, *args, _as_sql=as_sql, **kwargs):
                if depth[0]:
                    return _as_sql(compiler, *args, **kwargs)
                depth[0] += 1
                started = time.perf_counter()
                try:
                    return _as_sql(compiler, *args, **kwargs)
                finally:
                    depth[0] -= 1
                    meter.compile_s += time.perf_counter() - started

            cls.as_sql = timed_as_sql
            self._undo.append(lambda cls=cls, as_sql=as_sql: setattr(cls, "as_sql", as_sql))

        send_messages = self.backend_class.send_messages
        step = max(self.count // 10, 1)
        clock = time.perf_counter()

        def timed_send(backend, messages):
            started = time.perf_counter()
            try:
                return send_messages(backend, messages)
            finally:
                meter.backend_s += time.perf_counter() - started
                meter.sent.extend(messages)
                if len(meter.sent) % step == 0:
                    log(
                        f"sent {len(meter.sent):,} of {meter.count:,} "
                        f"({time.perf_counter() - clock:.1f} s)"
                    )

        self.backend_class.send_messages = timed_send
        self._undo.append(lambda: setattr(self.backend_class, "send_messages", send_messages))
        return self

    def __exit__(self, *exc):
        while self._undo:
            self._undo.pop()()


def child(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core import mail
    from django.core.management import call_command
    from django.db.models import Count
    from django.utils import timezone
    from django.utils.module_loading import import_string
    from django_scopes import scopes_disabled

    from reminders.dispatch import send_due
    from reminders.models import Kind, Reminder

    name, count = args.child, args.count
    call_command("migrate", "--no-input", verbosity=0)
    with scopes_disabled():
        reset_tables()
        log(f"creating {count:,} due reminders through registration_create")
        started = time.perf_counter()
        times = create_rows(count, args.events, args.through_service, args.seed)
        creation_s = time.perf_counter() - started
        due = Reminder.objects.filter(
            status=Reminder.Status.PENDING, next_attempt_at__lte=timezone.now()
        )
        due_count = due.count()
        due_kinds = dict(due.values_list("kind").annotate(n=Count("pk")).order_by())
    log(f"{due_count:,} due ({due_kinds}); sending with one send_due")

    backend_class = import_string(settings.EMAIL_BACKEND)
    with Meter(backend_class, due_count) as meter:
        started = time.perf_counter()
        outcome = send_due(budget_seconds=10**9, batch=args.batch)
        portal_s = time.perf_counter() - started
    if hasattr(mail, "outbox"):
        mail.outbox = []

    with scopes_disabled():
        confirmed = Reminder.objects.filter(kind=Kind.REGISTRATION_CONFIRMED)
        by_status = dict(confirmed.values_list("status").annotate(n=Count("pk")).order_by())
        languages = dict(
            confirmed.filter(status=Reminder.Status.SENT)
            .values_list("language")
            .annotate(n=Count("pk"))
            .order_by()
        )
        sent_rows = by_status.get(Reminder.Status.SENT, 0)
        still_due = Reminder.objects.filter(
            status=Reminder.Status.PENDING, next_attempt_at__lte=timezone.now()
        ).count()
    messages = meter.sent
    with_ics = sum(1 for m in messages if any(str(a[0]).endswith(".ics") for a in m.attachments))
    with_html = sum(1 for m in messages if getattr(m, "alternatives", None))

    log(f"plain send_mail loop over the same {len(messages):,} subjects and bodies")
    plain = [(m.subject, m.body, m.from_email, list(m.to)) for m in messages]
    from django.core.mail import get_connection, send_mail

    started = time.perf_counter()
    for subject, body, from_email, to in plain:
        send_mail(subject, body, from_email, to)
    plain_s = time.perf_counter() - started
    if hasattr(mail, "outbox"):
        mail.outbox = []

    log(f"the same {len(messages):,} built messages again on one connection")
    connection = get_connection()
    started = time.perf_counter()
    connection.open()
    for message in messages:
        connection.send_messages([message])
    connection.close()
    built_s = time.perf_counter() - started
    if hasattr(mail, "outbox"):
        mail.outbox = []

    n = len(messages) or 1
    other_s = (
        portal_s
        - meter.sql_s
        - meter.compile_s
        - (meter.render_s - meter.sql_in_render_s)
        - meter.backend_s
    )
    result = {
        "backend": name,
        "email_backend": settings.EMAIL_BACKEND,
        "count": count,
        "due": due_count,
        "creation_s": creation_s,
        **times,
        "portal_s": portal_s,
        "portal_rate": sent_rows / portal_s,
        "plain_s": plain_s,
        "plain_rate": len(plain) / plain_s,
        "built_s": built_s,
        "built_rate": len(messages) / built_s,
        "ratio": portal_s / plain_s,
        "ratio_built": portal_s / built_s,
        "sent_rows": sent_rows,
        "outcome": outcome.as_dict(),
    }

    print(f"== backend {name}: {settings.EMAIL_BACKEND}")
    print(
        f"N = {count:,} residents registered for {args.events} events "
        f"({due_count:,} due rows: {due_kinds})"
    )
    k, bulk = times["through_service"], count - times["through_service"]
    line = (
        f"creation: {creation_s:.1f} s (station, {args.events} events, {count:,} residents "
        f"in bulk {times['fixture_s']:.1f} s"
    )
    if k:
        rate = k / times["service_s"]
        line += f"; {k:,} registration_create {times['service_s']:.1f} s, {rate:,.0f}/s"
        if bulk:
            line += f" (all {count:,} this way: ~{count / rate:,.0f} s)"
    if bulk:
        line += f"; {bulk:,} registrations and their rows in bulk {times['bulk_s']:.1f} s"
    print(line + ")")
    print(
        f"portal, one send_due:        {portal_s:8.2f} s  {sent_rows / portal_s:8,.0f} msg/s  "
        f"({portal_s / n * 1000:.2f} ms per message)"
    )
    print(
        f"plain send_mail loop:        {plain_s:8.2f} s  {len(plain) / plain_s:8,.0f} msg/s  "
        f"(text only, a new connection per call, nothing rendered)"
    )
    print(
        f"same messages, built, 1 conn:{built_s:8.2f} s  {len(messages) / built_s:8,.0f} msg/s  "
        f"(HTML + .ics, nothing rendered)"
    )
    print(
        f"ratio portal / plain loop:   {portal_s / plain_s:8.1f}x   "
        f"portal / built messages: {portal_s / built_s:.1f}x"
    )
    print(
        f"registration_confirmed rows: {by_status}; sent in {languages}; "
        f"due rows left: {still_due}; outcome: {outcome.as_dict()}"
    )
    print(
        f"messages: {len(messages):,} sent to the backend, {with_html:,} with HTML, "
        f"{with_ics:,} with an .ics attachment"
    )
    breakdown = {
        "sql_ms": meter.sql_s / n * 1000,
        "queries": meter.queries / n,
        "commits": meter.commits / n,
        "commit_ms": meter.commit_s / n * 1000,
        "compile_ms": meter.compile_s / n * 1000,
        "render_ms": (meter.render_s - meter.sql_in_render_s) / n * 1000,
        "backend_ms": meter.backend_s / n * 1000,
        "other_ms": other_s / n * 1000,
    }
    result["breakdown"] = breakdown
    print(
        f"per message: SQL {breakdown['sql_ms']:.2f} ms ({breakdown['queries']:.1f} statements + "
        f"{breakdown['commits']:.1f} commit, of which the commit {breakdown['commit_ms']:.2f} ms), "
        f"building that SQL (ORM) "
        f"{breakdown['compile_ms']:.2f} ms, rendering {breakdown['render_ms']:.2f} ms, "
        f"backend {breakdown['backend_ms']:.2f} ms, the rest (model instances, the context, "
        f"signed links, .ics, the message object) {breakdown['other_ms']:.2f} ms"
    )
    print(
        "where the difference goes: each row is claimed (SELECT ... FOR UPDATE SKIP LOCKED), "
        "re-read with its registration, event and station, checked against the station's "
        "setting, rendered in its language (text, HTML, .ics) and marked sent in a transaction "
        "of its own; send_mail sends ready text."
    )
    sys.stdout.flush()
    Path(args.result_file).write_text(json.dumps(result))
    ok = sent_rows == count and still_due == 0
    if not ok:
        log(
            f"NOT ALL SENT: {sent_rows:,} of {count:,} registration_confirmed rows sent, "
            f"{still_due:,} due rows left"
        )
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="due reminders (residents)")
    parser.add_argument("--events", type=int, default=20, help="events they register for")
    parser.add_argument(
        "--backend", default="locmem", help="locmem, file or smtp, or several separated by commas"
    )
    parser.add_argument(
        "--through-service",
        type=int,
        default=1_000,
        metavar="K",
        help="how many of them registration_create registers (the rest are "
        "written in bulk as the same rows); --through-service 10000 for all",
    )
    parser.add_argument("--batch", type=int, default=500, help="send_due's batch")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--rebuild", action="store_true", help="drop the database and make it again"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.count < 1 or args.events < 1:
        parser.error("--count and --events must be at least 1")
    return child(args) if args.child else parent(args)


if __name__ == "__main__":
    sys.exit(main())
