"""Temporary and permanent SMTP failures against a real SMTP server (aiosmtpd
in a thread): a 4xx answer or a server that is not there is tried again with
backoff, at most five times; a 5xx answer is not tried again. Both are
recorded with the server's answer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from events.services import registration_create
from reminders.dispatch import send_due
from reminders.models import Kind, Reminder
from tests import factories

pytestmark = pytest.mark.django_db

Status = Reminder.Status
Reason = Reminder.Reason


def register(event, email):
    resident = factories.ResidentFactory(station=event.station, email=email)
    return registration_create(event=event, resident=resident)


def confirmation(registration) -> Reminder:
    return Reminder.objects.get(kind=Kind.REGISTRATION_CONFIRMED, target_id=registration.pk)


def test_a_temporary_refusal_is_retried_with_backoff_and_given_up_after_five_tries(
    smtp_settings,
):
    sink = smtp_settings
    sink.answers["busy@example.org"] = "451 4.3.2 Please try again later"
    event = factories.EventFactory()
    busy = register(event, "busy@example.org")
    register(event, "fine@example.org")
    now = timezone.now()
    outcome = send_due(now=now)
    assert (outcome.sent, outcome.retry) == (1, 1)
    assert [str(m["To"]) for m in sink.messages] == ["fine@example.org"]
    reminder = confirmation(busy)
    assert (reminder.status, reminder.reason, reminder.attempts) == (
        Status.PENDING, Reason.TEMPORARY_FAILURE, 1
    )
    assert "451" in reminder.detail and "try again later" in reminder.detail
    assert reminder.next_attempt_at == now + timedelta(minutes=1)
    # not before its time
    assert send_due(now=now + timedelta(seconds=59)).retry == 0
    waits = [1, 2, 4, 8]
    moment = now
    for attempt, wait in enumerate(waits, start=2):
        moment += timedelta(minutes=wait)
        send_due(now=moment)
        reminder.refresh_from_db()
        assert reminder.attempts == attempt
    assert (reminder.status, reminder.reason) == (Status.FAILED, Reason.GAVE_UP)
    assert send_due(now=moment + timedelta(days=1)).retry == 0  # never a sixth try
    assert len(sink.refused) == 5


def test_a_permanent_refusal_is_not_retried(smtp_settings):
    sink = smtp_settings
    sink.answers["gone@example.org"] = "550 5.1.1 No such user here"
    event = factories.EventFactory()
    gone = register(event, "gone@example.org")
    fine = register(event, "fine@example.org")
    outcome = send_due()
    assert (outcome.sent, outcome.failed) == (1, 1)
    reminder = confirmation(gone)
    assert (reminder.status, reminder.reason, reminder.attempts) == (
        Status.FAILED, Reason.PERMANENT_FAILURE, 1
    )
    assert reminder.detail.startswith("550")
    assert send_due(now=timezone.now() + timedelta(hours=1)).failed == 0
    assert len(sink.refused) == 1
    assert confirmation(fine).status == Status.SENT


def test_a_mail_server_that_is_not_there_is_a_temporary_failure(settings):
    from tests.reminders.support import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    event = factories.EventFactory()
    registration = register(event, "someone@example.org")
    outcome = send_due()
    assert outcome.retry == 1
    reminder = confirmation(registration)
    assert (reminder.status, reminder.reason) == (Status.PENDING, Reason.TEMPORARY_FAILURE)
    assert "Connection" in reminder.detail or "refused" in reminder.detail.lower()


def test_the_message_reaches_a_real_smtp_server_with_text_html_and_calendar(smtp_settings):
    sink = smtp_settings
    event = factories.EventFactory()
    register(event, "anna@example.org")
    assert send_due().sent == 1
    (message,) = sink.messages
    parts = {part.get_content_type() for part in message.walk()}
    assert {"text/plain", "text/html", "text/calendar"} <= parts
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].startswith("<reminder-")
