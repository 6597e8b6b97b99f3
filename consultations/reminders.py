"""The messages of consultations, written as reminder rows (see reminders/).

To the resident and to the counsellor (when the counsellor has a login
account): the booking, a move to another time, a cancellation, and the
reminders before it (24 and 2 hours by default). Each carries the calendar
file of the consultation; the resident's also carries the signed link to the
booking page.

consultations.services calls `consultation_changed` inside its transactions,
whoever changes the booking (the resident on the public site, or staff).
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime

from reminders.kinds import HOURS, Skip, register
from reminders.models import Kind, Reminder
from reminders.services import (
    anchor_text,
    notice_add,
    plan_before,
    reminders_sync,
    reminders_withdraw,
)
from stations.notify import Attachment, Outgoing, language_or_default, site_url, uid_host

from . import links
from .models import Consultation

BOOKED = Consultation.Status.BOOKED
RECIPIENTS = ("resident", "counsellor")
KINDS = (
    Kind.CONSULTATION_BOOKED,
    Kind.CONSULTATION_RESCHEDULED,
    Kind.CONSULTATION_CANCELLED,
    Kind.CONSULTATION_REMINDER,
)


# --- writing rows, inside the services' transactions -------------------------


def _sync(consultation: Consultation) -> None:
    planned = []
    if consultation.status == BOOKED:
        planned = plan_before(
            station_id=consultation.station_id,
            kind=Kind.CONSULTATION_REMINDER,
            anchor=consultation.starts_at,
        )
    for recipient in RECIPIENTS:
        reminders_sync(
            station_id=consultation.station_id,
            kind=Kind.CONSULTATION_REMINDER,
            target_id=consultation.pk,
            recipient=recipient,
            planned=planned,
        )


def consultation_changed(
    consultation: Consultation,
    *,
    notice: str | None = None,
    previous_start: datetime | None = None,
) -> None:
    """`consultation` was booked, moved or closed: write `notice` (when the
    consultation is still to come) and bring its reminders in line."""
    if notice is not None and consultation.starts_at > timezone.now():
        data = {}
        occasion = ""
        if notice == Kind.CONSULTATION_RESCHEDULED:
            data = {"previous_start": previous_start.isoformat() if previous_start else ""}
            occasion = anchor_text(consultation.starts_at)
        notice_add(
            station_id=consultation.station_id,
            kind=notice,
            target_id=consultation.pk,
            recipients=RECIPIENTS,
            occasion=occasion,
            stale_at=consultation.starts_at,
            data=data,
        )
    _sync(consultation)


def consultations_deleted(*, station_id: int, consultation_ids) -> None:
    reminders_withdraw(station_id=station_id, kinds=KINDS, target_ids=consultation_ids)


def replan(station_id: int) -> int:
    count = 0
    for consultation in Consultation.objects.filter(
        station_id=station_id, status=BOOKED, starts_at__gt=timezone.now()
    ):
        _sync(consultation)
        count += 1
    return count


# --- building the messages, when they are sent --------------------------------


def _consultation(reminder: Reminder) -> Consultation:
    consultation = (
        Consultation.objects.filter(pk=reminder.target_id, station_id=reminder.station_id)
        .select_related("station", "topic", "resident__user", "counsellor__user")
        .first()
    )
    if consultation is None:
        raise Skip(Reminder.Reason.TARGET_GONE)
    return consultation


def _message(reminder: Reminder, consultation: Consultation, name: str) -> Outgoing:
    """`name` is the template's name for the resident ("booked"); the
    counsellor's is "counsellor_<name>"."""
    if reminder.recipient == "counsellor":
        account = consultation.counsellor.user if consultation.counsellor_id else None
        if account is None:
            raise Skip(Reminder.Reason.NO_ADDRESS)
        address, language, template = (
            account.email,
            account.preferred_language,
            f"consultations/counsellor_{name}",
        )
    else:
        resident = consultation.resident
        address, language, template = (
            resident.contact_email,
            resident.preferred_language,
            f"consultations/{name}",
        )
    language = language_or_default(language)
    base = site_url()
    booking_url = ""
    if base and reminder.recipient == "resident":
        booking_url = base + links.booking_path(consultation, language=language)
    previous = parse_datetime(reminder.data.get("previous_start") or "")
    context = {
        "consultation": consultation,
        "station": consultation.station,
        "booking_url": booking_url,
        "previous_start": timezone.localtime(previous) if previous else None,
        "hours": reminder.data.get("hours"),
    }
    with translation.override(language):
        ics = links.calendar_file(consultation, uid_host=uid_host(), url=booking_url)
    return Outgoing(
        to=address,
        template=template,
        context=context,
        language=language,
        attachments=[
            Attachment(f"consultation-{consultation.pk}.ics", ics, "text/calendar")
        ],
    )


def _expect_booked(consultation: Consultation) -> None:
    if consultation.status != BOOKED:
        raise Skip(Reminder.Reason.NO_LONGER_APPLIES)


@register(Kind.CONSULTATION_BOOKED, recipients=RECIPIENTS)
def build_booked(reminder: Reminder, now: datetime) -> Outgoing:
    consultation = _consultation(reminder)
    _expect_booked(consultation)
    return _message(reminder, consultation, "booked")


@register(Kind.CONSULTATION_RESCHEDULED, recipients=RECIPIENTS)
def build_rescheduled(reminder: Reminder, now: datetime) -> Outgoing:
    consultation = _consultation(reminder)
    _expect_booked(consultation)
    if anchor_text(consultation.starts_at) != reminder.occasion:
        raise Skip(Reminder.Reason.NO_LONGER_APPLIES)  # moved again: the newer notice says it
    return _message(reminder, consultation, "rescheduled")


@register(Kind.CONSULTATION_CANCELLED, recipients=RECIPIENTS)
def build_cancelled(reminder: Reminder, now: datetime) -> Outgoing:
    consultation = _consultation(reminder)
    if consultation.status != Consultation.Status.CANCELLED:
        raise Skip(Reminder.Reason.NO_LONGER_APPLIES)
    return _message(reminder, consultation, "cancelled")


@register(
    Kind.CONSULTATION_REMINDER,
    unit=HOURS,
    default_offsets=(24, 2),
    replan=replan,
    recipients=RECIPIENTS,
)
def build_reminder(reminder: Reminder, now: datetime) -> Outgoing:
    consultation = _consultation(reminder)
    _expect_booked(consultation)
    return _message(reminder, consultation, "reminder")
