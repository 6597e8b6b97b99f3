"""Sending the reminder rows that are due: the beat task's work.

`send_due()` picks the rows whose next attempt is due, oldest first, and
sends each in three steps:

1. claim it, in a transaction: `SELECT ... FOR UPDATE SKIP LOCKED` of that
   row, still waiting and due. A row another worker holds is skipped, not
   waited for; a row another worker finished is no longer waiting. Two
   workers, or two runs of the task at once, therefore never send the same
   row. The message is built (or the row closed as skipped: too late,
   switched off by the station, no longer applies), and the row is marked
   *being sent* until now + REMINDER_LEASE_SECONDS, then committed;
2. hand the message to the mail server, outside any transaction;
3. record the outcome (sent, or the failure). The message has left by then,
   so a database that went away in the meantime (a restart, a failover) does
   not lose that knowledge: the write is tried again on a new connection for
   up to half the lease. Otherwise the row would be sent again.

A worker that dies (SIGKILL, a lost machine) before step 1 commits leaves
the row waiting and unlocked: PostgreSQL rolls the transaction back when the
connection drops. One that dies in step 2 or 3 leaves it *being sent*; once
the lease has run out, the next run sends it again. The message is then
doubled only if the worker died in the instant between the mail server's
acceptance and step 3 (the copy carries the same Message-ID, so a mail
program can tell it is one message). scripts/faults.py checks both faults:
a worker killed in the middle of a batch and PostgreSQL restarted while
messages are being sent.

Failures: a temporary one (a 4xx answer, a lost connection, any unexpected
error while building the message) is tried again after 1, 2, 4 and 8 times
REMINDER_RETRY_SECONDS, at most five tries in all; a permanent one (a 5xx
answer, an invalid address) is not. Both keep the reason and the server's
answer on the row, shown to staff in the admin. One row's trouble never
stops the batch.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import InterfaceError, OperationalError, transaction
from django.db import connection as db_connection
from django.utils import timezone
from django_scopes import scopes_disabled

from stations.notify import DeliveryError, Outgoing, address_problem, deliver
from stations.tenancy import station_scope

from .kinds import Skip, spec
from .models import MAX_ATTEMPTS, Reminder
from .services import policy_get

logger = logging.getLogger(__name__)

Status = Reminder.Status
Reason = Reminder.Reason


@dataclass
class Outcome:
    sent: int = 0
    skipped: int = 0
    retry: int = 0
    failed: int = 0
    busy: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, reason: str = "") -> None:
        setattr(self, what, getattr(self, what) + 1)
        if reason:
            self.by_reason[reason] = self.by_reason.get(reason, 0) + 1

    def as_dict(self) -> dict:
        return {
            "sent": self.sent,
            "skipped": self.skipped,
            "retry": self.retry,
            "failed": self.failed,
            "busy": self.busy,
            "by_reason": dict(self.by_reason),
        }


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try: 1, 2, 4, 8 units."""
    return timedelta(seconds=settings.REMINDER_RETRY_SECONDS * 2 ** (attempts - 1))


def message_id(reminder: Reminder) -> str:
    host = settings.REMINDER_MESSAGE_ID_DOMAIN
    return f"<reminder-{reminder.pk}.{reminder.kind}@{host}>"


def due_ids(*, now: datetime, limit: int) -> list[int]:
    """Waiting rows whose next attempt is due, and rows being sent whose
    worker's claim has run out (it died before recording the outcome)."""
    return list(
        Reminder.objects.filter(
            status__in=[Status.PENDING, Status.SENDING], next_attempt_at__lte=now
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def send_due(
    *,
    now: datetime | None = None,
    batch: int = 500,
    budget_seconds: float | None = None,
    connection=None,
) -> Outcome:
    """Send what is due at `now` (default: the current time), batch after
    batch, until nothing is due or `budget_seconds` have passed. City-wide:
    each row is built inside its own station's scope."""
    budget = settings.REMINDER_BATCH_SECONDS if budget_seconds is None else budget_seconds
    started = time.monotonic()
    outcome = Outcome()
    # a station's switch per kind, read once per run rather than once per row
    enabled: dict[tuple[int | None, str], bool] = {}
    mail = connection or get_connection()
    with scopes_disabled():
        try:
            while True:
                ids = due_ids(now=now or timezone.now(), limit=batch)
                for pk in ids:
                    _send_one(pk, now=now, connection=mail, outcome=outcome, enabled=enabled)
                    if time.monotonic() - started > budget:
                        return outcome
                if len(ids) < batch:
                    return outcome
        finally:
            if connection is None:
                mail.close()


def _send_one(
    pk: int, *, now: datetime | None, connection, outcome: Outcome, enabled: dict
) -> None:
    moment = now or timezone.now()
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(pk=pk, status__in=[Status.PENDING, Status.SENDING], next_attempt_at__lte=moment)
            .first()
        )
        if reminder is None:
            outcome.count("busy")
            return
        if reminder.status == Status.SENDING:
            logger.warning(
                "reminder %s (%s): the worker sending it stopped before recording the outcome; "
                "sending it again",
                reminder.pk,
                reminder.kind,
            )
        try:
            outgoing = _prepare(reminder, moment, enabled)
        except Skip as skip:
            _close(reminder, Status.SKIPPED, skip.reason, skip.detail)
            outcome.count("skipped", skip.reason)
            return
        except Exception as exc:  # noqa: BLE001 - one bad row must not stop the batch
            logger.exception("building reminder %s (%s) failed", reminder.pk, reminder.kind)
            reminder.save(update_fields=_failed(reminder, f"{type(exc).__name__}: {exc}",
                                                temporary=True, now=moment))
            outcome.count("retry" if reminder.status == Status.PENDING else "failed")
            return
        reminder.status = Status.SENDING
        reminder.next_attempt_at = moment + timedelta(seconds=settings.REMINDER_LEASE_SECONDS)
        reminder.save(update_fields=["status", "next_attempt_at", "updated_at"])
    try:
        deliver(outgoing, connection=connection)
    except DeliveryError as error:
        logger.warning(
            "reminder %s not delivered (%s): %s",
            reminder.pk,
            "temporary" if error.temporary else "permanent",
            error.detail,
        )
        _close_connection(connection)
        _record(reminder, _failed(reminder, error.detail, temporary=error.temporary, now=moment))
        outcome.count("retry" if reminder.status == Status.PENDING else "failed")
        return
    reminder.status = Status.SENT
    reminder.sent_at = timezone.now()
    reminder.sent_to = outgoing.to
    reminder.language = outgoing.language
    reminder.attempts += 1
    reminder.reason = ""
    _record(reminder, ["status", "sent_at", "sent_to", "language", "attempts", "reason",
                       "updated_at"])
    outcome.count("sent")


def _record(reminder: Reminder, fields: list[str]) -> None:
    """Save `fields` of `reminder`, the outcome of a send, tried again on a new
    database connection while the database is unreachable, for up to half of
    REMINDER_LEASE_SECONDS (the row stays claimed meanwhile)."""
    deadline = time.monotonic() + settings.REMINDER_LEASE_SECONDS / 2
    wait = 0.2
    while True:
        try:
            reminder.save(update_fields=fields)
            return
        except (OperationalError, InterfaceError) as exc:
            if time.monotonic() > deadline or db_connection.in_atomic_block:
                raise
            logger.warning(
                "reminder %s: recording the outcome failed (%s); trying again in %.1f s",
                reminder.pk,
                type(exc).__name__,
                wait,
            )
            db_connection.close()
            time.sleep(wait)
            wait = min(wait * 2, 5.0)


def _prepare(reminder: Reminder, now: datetime, enabled: dict) -> Outgoing:
    """The message for `reminder`, or Skip."""
    if reminder.stale_at is not None and now >= reminder.stale_at:
        raise Skip(Reason.STALE)
    kind_spec = spec(reminder.kind)
    if kind_spec.switchable:
        key = (reminder.station_id, reminder.kind)
        if key not in enabled:
            enabled[key] = policy_get(station_id=reminder.station_id, kind=reminder.kind).enabled
        if not enabled[key]:
            raise Skip(Reason.SWITCHED_OFF)
    if reminder.station_id is not None:
        with station_scope(reminder.station_id):
            outgoing = kind_spec.build(reminder, now)
    else:
        outgoing = kind_spec.build(reminder, now)
    problem = address_problem(outgoing.to)
    if problem == "missing":
        raise Skip(Reason.NO_ADDRESS)
    if problem == "invalid":
        raise Skip(Reason.INVALID_ADDRESS, outgoing.to[:200])
    return replace(outgoing, message_id=message_id(reminder))


def _close(reminder: Reminder, status: str, reason: str, detail: str = "") -> None:
    reminder.status = status
    reminder.reason = reason
    reminder.detail = detail[:500]
    reminder.save(update_fields=["status", "reason", "detail", "updated_at"])


def _failed(reminder: Reminder, detail: str, *, temporary: bool, now: datetime) -> list[str]:
    """Mark `reminder` as a failed try (waiting for the next one while tries
    remain and the failure is temporary); returns the fields to save."""
    reminder.attempts += 1
    reminder.detail = detail[:500]
    if not temporary:
        reminder.status, reminder.reason = Status.FAILED, Reason.PERMANENT_FAILURE
    elif reminder.attempts >= MAX_ATTEMPTS:
        reminder.status, reminder.reason = Status.FAILED, Reason.GAVE_UP
    else:
        # waiting again, also when it was claimed (being sent)
        reminder.status, reminder.reason = Status.PENDING, Reason.TEMPORARY_FAILURE
        reminder.next_attempt_at = now + retry_delay(reminder.attempts)
    return ["status", "reason", "detail", "attempts", "next_attempt_at", "updated_at"]


def _close_connection(connection) -> None:
    # after an error the SMTP session may be half-way through a command; the
    # next message opens a fresh one
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - a broken connection may fail to close
        logger.debug("closing the mail connection failed", exc_info=True)
