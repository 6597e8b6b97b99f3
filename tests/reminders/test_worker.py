"""Real Celery worker processes, a real Redis and a real SMTP server.

- Two workers at once send each due message exactly once.
- A worker killed with SIGKILL in the middle of a batch loses nothing and
  sends nothing twice once a new worker runs.
- With Redis down, a resident's registration on a real web process still
  succeeds at once, and the confirmation goes out after Redis is back.
- With Redis up, a registration's confirmation goes out at once (the request
  asks the worker), without waiting for the beat.

The workers and the web process run against pytest-django's test database, so
the data they read must be committed: these tests use transactional_db.
"""

from __future__ import annotations

import http.cookiejar
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone
from django_scopes import scopes_disabled

from events.models import Registration
from events.services import registration_create
from reminders.models import Kind, Reminder
from tests import factories
from tests.reminders.support import (
    ROOT,
    Worker,
    free_port,
    process_env,
    publish_send_due,
    wait_for,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

Status = Reminder.Status


def due_confirmations(count: int, *, station=None) -> list[Reminder]:
    event = factories.EventFactory(capacity=None, **({"station": station} if station else {}))
    for n in range(count):
        resident = factories.ResidentFactory(
            station=event.station,
            email=f"person{n}@example.org",
            preferred_language="zh-hans" if n % 2 else "en",
        )
        registration_create(event=event, resident=resident)
    rows = list(Reminder.objects.filter(kind=Kind.REGISTRATION_CONFIRMED))
    assert len(rows) == count
    return rows


def sent_count() -> int:
    with scopes_disabled():
        return Reminder.objects.filter(status=Status.SENT).count()


# (the reminders before the events are due next week, so only the
# confirmations are sent here)


@pytest.fixture
def workers(tmp_path):
    started: list[Worker] = []

    def start(name: str, env: dict, **options) -> Worker:
        worker = Worker(name, env, tmp_path, **options).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def test_two_workers_at_once_send_each_message_exactly_once(smtp_sink, redis_server, workers):
    rows = due_confirmations(120)
    smtp_sink.delay = 0.01  # a realistic server: both workers are busy at the same time
    env = process_env(broker_url=redis_server.url, smtp_port=smtp_sink.port)
    first, second = workers("first", env), workers("second", env)
    publish_send_due(redis_server.url, times=4)
    wait_for(lambda: sent_count() == len(rows), timeout=120, what="every row to be sent")
    ids = smtp_sink.message_ids()
    assert len(ids) == len(rows) == len(set(ids))
    assert set(ids) == {f"<reminder-{r.pk}.registration_confirmed@portal.test>" for r in rows}
    # both really worked, side by side
    wait_for(lambda: first.sent_counts() and second.sent_counts(), timeout=30,
             what="both workers to report")
    assert sum(first.sent_counts()) > 0 and sum(second.sent_counts()) > 0
    assert sum(first.sent_counts()) + sum(second.sent_counts()) == len(rows)


def test_a_worker_killed_in_the_middle_of_a_batch_loses_nothing_and_doubles_nothing(
    smtp_sink, redis_server, workers
):
    rows = due_confirmations(40)
    smtp_sink.hold_after = 15  # the 16th message and later wait at MAIL FROM
    # a claim lasts 3 s here (300 s in production): then the next run takes it
    env = process_env(broker_url=redis_server.url, smtp_port=smtp_sink.port,
                      REMINDER_LEASE_SECONDS="3")
    doomed = workers("doomed", env, concurrency=2)
    publish_send_due(redis_server.url, times=2)
    wait_for(lambda: smtp_sink.accepted_count() == 15 and smtp_sink.held >= 2, timeout=60,
             what="the worker to be stopped in the middle of the batch")
    doomed.kill()
    smtp_sink.released.set()
    # the dead worker's two claims are marked, nothing is locked any more
    from django.db import transaction

    with scopes_disabled():
        counts = dict(
            Reminder.objects.filter(kind=Kind.REGISTRATION_CONFIRMED)
            .values_list("status").annotate(n=Count("pk")).values_list("status", "n")
        )
        assert counts == {Status.SENT: 15, Status.SENDING: 2, Status.PENDING: 23}
        unlocked = Reminder.objects.select_for_update(skip_locked=True).filter(
            kind=Kind.REGISTRATION_CONFIRMED, status__in=[Status.PENDING, Status.SENDING]
        )
        with transaction.atomic():
            assert unlocked.count() == len(rows) - 15
    smtp_sink.hold_after = None
    workers("after", env, beat=False)
    publish_send_due(redis_server.url)
    time.sleep(3)  # the claims run out
    publish_send_due(redis_server.url)
    wait_for(lambda: sent_count() == len(rows), timeout=120, what="every row to be sent")
    ids = smtp_sink.message_ids()
    assert len(ids) == len(rows) == len(set(ids)), "a message was lost or sent twice"


class Browser:
    """A person's browser against a live web process: cookies, CSRF."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def cookie(self, name: str) -> str:
        return next(c.value for c in self.jar if c.name == name)

    def set_cookie(self, name: str, value: str) -> None:
        host = urllib.parse.urlsplit(self.base).hostname
        self.jar.set_cookie(http.cookiejar.Cookie(
            0, name, value, None, False, host, False, False, "/", True, False, None, False,
            None, None, {},
        ))

    def get(self, path: str):
        return self.opener.open(self.base + path, timeout=30)

    def post(self, path: str, data: dict):
        body = urllib.parse.urlencode(
            {**data, "csrfmiddlewaretoken": self.cookie("csrftoken")}
        ).encode()
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Referer": self.base + path}
        )
        return self.opener.open(request, timeout=30)


@pytest.fixture
def web_process(tmp_path):
    """gunicorn serving the portal against the test database."""
    processes = []

    def start(env: dict) -> str:
        port = free_port()
        log = (tmp_path / "web.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind",
             f"127.0.0.1:{port}", "--workers", "1", "--threads", "4"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        processes.append(process)
        base = f"http://127.0.0.1:{port}"

        def answers():
            try:
                return urllib.request.urlopen(base + "/ping/", timeout=1).status == 200
            except OSError:
                return False

        wait_for(answers, timeout=60, what="the web process to answer")
        return base

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=20)


def logged_in_resident(client, station):
    """A resident account with a session the live web process accepts."""
    from django.conf import settings

    user = factories.UserFactory(preferred_language="zh-hans")
    factories.ResidentFactory(station=station, user=user, email="", preferred_language="zh-hans")
    client.force_login(user)
    return user, client.cookies[settings.SESSION_COOKIE_NAME].value


def register_through_the_web(base: str, session: str, event) -> float:
    browser = Browser(base)
    browser.set_cookie("sessionid", session)
    browser.get(f"/en/events/{event.pk}/")  # the CSRF cookie
    started = time.monotonic()
    response = browser.post(f"/en/events/{event.pk}/register/", {})
    elapsed = time.monotonic() - started
    assert response.status == 200 and response.url.endswith(f"/en/events/{event.pk}/")
    return elapsed


def test_with_redis_down_registering_succeeds_at_once_and_the_confirmation_follows(
    client, smtp_sink, redis_server, workers, web_process
):
    event = factories.EventFactory(title_en="Spring festival gala")
    user, session = logged_in_resident(client, event.station)
    env = process_env(broker_url=redis_server.url, smtp_port=smtp_sink.port,
                      REMINDER_TICK_SECONDS="1")
    base = web_process(env)
    redis_server.stop()  # the broker is gone

    elapsed = register_through_the_web(base, session, event)
    assert elapsed < 2.0, f"the registration waited {elapsed:.1f} s on the broker"
    with scopes_disabled():
        registration = Registration.objects.get(resident__user=user)
        confirmation = Reminder.objects.get(kind=Kind.REGISTRATION_CONFIRMED,
                                            target_id=registration.pk)
    assert confirmation.status == Status.PENDING
    time.sleep(1)
    assert smtp_sink.to(user.email) == []

    redis_server.start()  # back, on the same port: the beat finds the row
    workers("with-beat", env, beat=True)
    wait_for(lambda: smtp_sink.to(user.email), timeout=60, what="the confirmation")
    (message,) = smtp_sink.to(user.email)
    assert "Spring festival gala" in str(message["Subject"]) or "报名" in str(message["Subject"])
    confirmation.refresh_from_db()
    assert confirmation.status == Status.SENT


def test_with_redis_up_the_confirmation_goes_out_without_waiting_for_the_beat(
    client, smtp_sink, redis_server, workers, web_process
):
    event = factories.EventFactory()
    user, session = logged_in_resident(client, event.station)
    env = process_env(broker_url=redis_server.url, smtp_port=smtp_sink.port,
                      REMINDER_TICK_SECONDS="3600")
    workers("no-beat", env)  # no beat: only the request's ask can start the send
    base = web_process(env)
    register_through_the_web(base, session, event)
    wait_for(lambda: smtp_sink.to(user.email), timeout=30, what="the confirmation")


def test_a_due_row_from_before_the_worker_started_is_caught_up_by_the_beat(
    smtp_sink, redis_server, workers
):
    rows = due_confirmations(3)
    with scopes_disabled():
        # only the confirmations: the reminders before the event stay next week's
        Reminder.objects.filter(pk__in=[row.pk for row in rows]).update(
            remind_at=timezone.now() - timedelta(hours=3),
            next_attempt_at=timezone.now() - timedelta(hours=3))
    env = process_env(broker_url=redis_server.url, smtp_port=smtp_sink.port,
                      REMINDER_TICK_SECONDS="1")
    workers("catch-up", env, beat=True)
    wait_for(lambda: sent_count() == len(rows), timeout=60, what="the beat to catch up")
    assert smtp_sink.accepted_count() == 3
    with scopes_disabled():
        assert set(Reminder.objects.filter(status=Status.SENT).values_list("pk", flat=True)) == {
            row.pk for row in rows}
