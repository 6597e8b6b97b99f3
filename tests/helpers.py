"""Helpers the test modules share: admin addresses, logging in with a role,
reading what a response showed, registering people for an event, and running
work in parallel threads against the real database."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from html.parser import HTMLParser

import pytest
from django.contrib.messages import get_messages
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django_scopes import scope

from events import services as event_services
from events.models import Registration
from events.services import registration_create
from tests import factories


def on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing_part(reason: str) -> None:
    """A real part a test needs (a browser, redis-server) is not installed:
    the test is skipped here, and fails under CI, where every part must be."""
    if on_ci():
        pytest.fail(f"CI is set and {reason}", pytrace=False)
    pytest.skip(reason)


def admin_path(name: str, *args, query: str = "") -> str:
    """The English address of the admin page `admin:<name>`; the admin's URLs
    carry the language, so a test's address must not depend on the active one."""
    with translation.override("en"):
        return reverse(f"admin:{name}", args=args) + query


def admin_url(model, view: str, *args) -> str:
    """The English address of `model`'s admin `view` (changelist, add, change...)."""
    opts = model._meta
    return admin_path(f"{opts.app_label}_{opts.model_name}_{view}", *args)


def post_action(client, model, action: str, rows, *, follow: bool = False, **data):
    """Run the list action `action` of `model`'s admin on `rows`, as the
    changelist's form posts it; `data` adds fields (a confirmation page's
    `post="yes"`)."""
    data = {"action": action, "_selected_action": [row.pk for row in rows], **data}
    return client.post(admin_url(model, "changelist"), data, follow=follow)


def log_in_verified(client, user):
    """Log `client` in as `user` with the second factor passed, as staff and
    officials are after the two-factor page (accounts/two_factor.py): a
    confirmed authenticator device, and the session verified with it."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return user


def login_with_role(client, station, role: str):
    """Log `client` in as a new member of `station` with `role` (second factor
    passed); returns the user."""
    user = factories.MembershipFactory(station=station, role=role).user
    return log_in_verified(client, user)


def messages_of(response) -> list[str]:
    """The messages the admin queued for the person, as text."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def _page_queries(client, path: str):
    """(number of queries, response) for a GET of `path`, which must answer 200."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured), response


def assert_list_queries_do_not_grow(client, path: str, add_rows, *, few: int, many: int):
    """The admin list at `path` runs as many queries showing `many` rows as
    showing `few`: no query per row. `add_rows(n)` adds n rows the list shows.
    Returns the list's responses with `few` and with `many` rows."""
    add_rows(few)
    client.get(path)  # warm the session and content-type caches
    few_queries, few_response = _page_queries(client, path)
    assert few_response.context["cl"].result_count == few
    add_rows(many - few)
    many_queries, many_response = _page_queries(client, path)
    assert many_response.context["cl"].result_count == many
    assert many_queries == few_queries
    return few_response, many_response


def local_parts(moment) -> tuple[str, str]:
    """`moment` as the admin's split date and time inputs take it."""
    local = timezone.localtime(moment)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")


def register(event, n: int = 1, **resident_fields) -> list:
    """`n` new residents of the event's station registered for `event`, in order."""
    return [
        registration_create(
            event=event,
            resident=factories.ResidentFactory(station=event.station, **resident_fields),
        )
        for _ in range(n)
    ]


def registration_counts(event) -> dict[str, int]:
    """{status: number of registrations} of `event`, every status present."""
    statuses = list(Registration.objects.filter(event=event).values_list("status", flat=True))
    return {status: statuses.count(status) for status in Registration.Status.values}


class Gauge:
    """How many threads are inside a stretch of code now, and at most."""

    def __init__(self):
        self.now = 0
        self.peak = 0
        self._lock = threading.Lock()

    @contextmanager
    def inside(self) -> Iterator[None]:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        try:
            yield
        finally:
            with self._lock:
                self.now -= 1


def hold_between_count_and_insert(monkeypatch, seconds: float) -> Gauge:
    """Make every registration wait `seconds` after counting the confirmed
    places and before saving, so parallel registrations are all inside that gap
    together unless something serialises them. Returns a gauge of the threads
    inside the gap: with the event row locked its peak is 1."""
    count = event_services._confirmed_count
    gap = Gauge()

    def counted_then_paused(event):
        taken = count(event)
        with gap.inside():
            time.sleep(seconds)
        return taken

    monkeypatch.setattr(event_services, "_confirmed_count", counted_then_paused)
    return gap


def run_in_rounds(
    tasks: list[Callable[[], object]], *, workers: int, station_ids: Iterable[int]
) -> list[object]:
    """Run `tasks` (callables without arguments) on `workers` threads, each
    with its own database connection and a scope on `station_ids` (a thread
    starts outside any scope, like a request before the middleware).

    Task i runs on thread i % workers in round i // workers. At the start of
    every round all the threads wait for one another at a barrier, so a round
    starts once every task of the round before has finished, and the tasks of
    one round start at the same moment. `workers` bounds the connections open
    at once (PostgreSQL's max_connections is shared with other test runs).

    Returns, in the order of `tasks`, what each task returned or raised.
    """
    threads_needed = min(workers, len(tasks))
    rounds = [tasks[i : i + workers] for i in range(0, len(tasks), workers)]
    start = threading.Barrier(threads_needed, timeout=60)
    outcomes: list[object] = [None] * len(tasks)

    def worker(w: int) -> None:
        try:
            with scope(station=list(station_ids)):
                for r, batch in enumerate(rounds):
                    start.wait()
                    if w >= len(batch):
                        continue
                    try:
                        outcomes[r * workers + w] = batch[w]()
                    except Exception as exc:  # noqa: BLE001 - the test reports it
                        outcomes[r * workers + w] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(threads_needed)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread is still running"
    return outcomes


def failures(outcomes: list[object]) -> list[BaseException]:
    return [o for o in outcomes if isinstance(o, BaseException)]


class _FormFields(HTMLParser):
    """Collects what a browser would submit from the page's forms as shown."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def _add(self, name, value):
        self.values.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in {"submit", "button", "image", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            self._add(name, a.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self._add(self._select, a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self._add(name, "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][-1] += (
                data.lstrip("\n") if not self.values[self._textarea][-1] else data
            )


def form_values_of(response) -> dict:
    """The fields of the page's forms as a browser would post them unchanged
    (single values as strings, repeated ones as lists)."""
    parser = _FormFields()
    parser.feed(response.content.decode())
    return {k: v[0] if len(v) == 1 else v for k, v in parser.values.items()}


def deliver_messages():
    """Send the messages due now as the worker does (reminders/dispatch.py),
    into the test outbox; returns what happened (sent, skipped...)."""
    from reminders.dispatch import send_due

    return send_due()


def deliver_and_forget(mailoutbox) -> None:
    """Send what is due so far and empty the outbox, so that a test sees only
    the messages its next step causes."""
    deliver_messages()
    mailoutbox.clear()
