"""The messages of events, written as reminder rows (see reminders/).

Notices, due at once, to the registered person:
- registration_confirmed / registration_waitlisted: on registering;
- registration_promoted: a place became free and they moved up;
- registration_cancelled: their registration was cancelled (by themselves
  through the signed link, or by staff);
- event_cancelled: the station called the event off.
And the reminder before the event (event_reminder, 24 hours by default), to
confirmed registrants only.

All are about one registration (`target_id`). The services of events.services
call `registration_changed` and `event_changed` inside their transactions;
each message is built afresh when it is sent, and skipped when the
registration no longer is what it was about.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.urls import reverse
from django.utils import timezone, translation

from reminders.kinds import HOURS, Skip, register
from reminders.models import Kind, Reminder
from reminders.services import notice_add, plan_before, reminders_sync, reminders_withdraw
from stations.notify import Attachment, Outgoing, language_or_default, site_url, uid_host

from . import calendar, tickets
from .models import Event, Registration
from .selectors import waitlist_position

CONFIRMED = Registration.Status.CONFIRMED
WAITLISTED = Registration.Status.WAITLISTED
CANCELLED = Registration.Status.CANCELLED

KINDS = (
    Kind.REGISTRATION_CONFIRMED,
    Kind.REGISTRATION_WAITLISTED,
    Kind.REGISTRATION_PROMOTED,
    Kind.REGISTRATION_CANCELLED,
    Kind.EVENT_CANCELLED,
    Kind.EVENT_REMINDER,
)


# --- writing rows, inside the services' transactions -------------------------


def _notice(registration: Registration, kind: str, event: Event) -> None:
    notice_add(
        station_id=registration.station_id,
        kind=kind,
        target_id=registration.pk,
        stale_at=event.ends_at,
    )


def _sync(registration: Registration, event: Event) -> None:
    wanted = (
        registration.status == CONFIRMED
        and event.is_published
        and event.cancelled_at is None
    )
    planned = (
        plan_before(station_id=event.station_id, kind=Kind.EVENT_REMINDER, anchor=event.starts_at)
        if wanted
        else []
    )
    reminders_sync(
        station_id=registration.station_id,
        kind=Kind.EVENT_REMINDER,
        target_id=registration.pk,
        planned=planned,
    )


def registration_changed(registration: Registration, *, event: Event, notice: str) -> None:
    """`registration` was created or changed status: write `notice` (one of
    KINDS) and bring its reminder in line."""
    _notice(registration, notice, event)
    _sync(registration, event)


def event_changed(event: Event) -> None:
    """`event` moved, was published or unpublished: its confirmed registrants'
    reminders follow."""
    for registration in Registration.objects.filter(
        event_id=event.pk, station_id=event.station_id, status=CONFIRMED
    ):
        _sync(registration, event)


def event_called_off(event: Event, registrations: Iterable[Registration]) -> None:
    """`event` was cancelled: tell each person who held a place or waited,
    and withdraw their reminders."""
    for registration in registrations:
        _notice(registration, Kind.EVENT_CANCELLED, event)
        _sync(registration, event)


def registrations_deleted(*, station_id: int, registration_ids: Iterable[int]) -> None:
    reminders_withdraw(station_id=station_id, kinds=KINDS, target_ids=registration_ids)


def replan(station_id: int) -> int:
    """After a station changed its times before: every confirmed registration
    of its events still to come. Returns how many registrations."""
    registrations = Registration.objects.filter(
        station_id=station_id,
        status=CONFIRMED,
        event__starts_at__gt=timezone.now(),
    ).select_related("event")
    count = 0
    for registration in registrations:
        _sync(registration, registration.event)
        count += 1
    return count


# --- building the messages, when they are sent --------------------------------


def _registration(reminder: Reminder) -> Registration:
    registration = (
        Registration.objects.filter(pk=reminder.target_id, station_id=reminder.station_id)
        .select_related("event__station", "event__category", "resident__user")
        .first()
    )
    if registration is None:
        raise Skip(Reminder.Reason.TARGET_GONE)
    return registration


def _message(registration: Registration, template: str) -> Outgoing:
    resident, event = registration.resident, registration.event
    language = language_or_default(resident.preferred_language)
    confirmed = registration.status == CONFIRMED
    base = site_url()
    context = {
        "resident_name": resident.display_name,
        "event": event,
        "station": event.station,
        "confirmed": confirmed,
        "position": waitlist_position(registration),
        "online_url": event.online_url if confirmed else "",
        "event_url": "",
        "ticket_url": "",
        "cancel_url": "",
    }
    attachments = []
    if base:
        with translation.override(language):
            context["event_url"] = base + reverse("events:detail", args=[event.pk])
            if event.cancelled_at is None and registration.status != CANCELLED:
                attachments.append(
                    Attachment(
                        filename=f"event-{event.pk}.ics",
                        content=calendar.calendar(
                            [event], url_for=lambda _event: context["event_url"],
                            uid_host=uid_host(),
                        ),
                        mimetype="text/calendar",
                    )
                )
        if registration.status != CANCELLED:
            context["ticket_url"] = base + tickets.ticket_path(registration, language=language)
            context["cancel_url"] = base + tickets.cancel_path(registration, language=language)
    return Outgoing(
        to=resident.contact_email,
        template=template,
        context=context,
        language=language,
        attachments=attachments,
    )


def _expect(registration: Registration, *statuses: str) -> None:
    if registration.status not in statuses:
        raise Skip(Reminder.Reason.NO_LONGER_APPLIES)


@register(Kind.REGISTRATION_CONFIRMED)
def build_confirmed(reminder: Reminder, now: datetime) -> Outgoing:
    registration = _registration(reminder)
    _expect(registration, CONFIRMED)
    return _message(registration, "events/registration")


@register(Kind.REGISTRATION_WAITLISTED)
def build_waitlisted(reminder: Reminder, now: datetime) -> Outgoing:
    registration = _registration(reminder)
    _expect(registration, WAITLISTED)
    return _message(registration, "events/registration")


@register(Kind.REGISTRATION_PROMOTED)
def build_promoted(reminder: Reminder, now: datetime) -> Outgoing:
    registration = _registration(reminder)
    _expect(registration, CONFIRMED)
    return _message(registration, "events/promoted")


@register(Kind.REGISTRATION_CANCELLED)
def build_cancelled(reminder: Reminder, now: datetime) -> Outgoing:
    registration = _registration(reminder)
    _expect(registration, CANCELLED)
    if registration.event.cancelled_at is not None:
        raise Skip(Reminder.Reason.NO_LONGER_APPLIES)  # the event_cancelled notice says it
    return _message(registration, "events/cancelled")


@register(Kind.EVENT_CANCELLED)
def build_event_cancelled(reminder: Reminder, now: datetime) -> Outgoing:
    registration = _registration(reminder)
    if registration.event.cancelled_at is None:
        raise Skip(Reminder.Reason.NO_LONGER_APPLIES)
    return _message(registration, "events/event_cancelled")


@register(Kind.EVENT_REMINDER, unit=HOURS, default_offsets=(24,), replan=replan)
def build_reminder(reminder: Reminder, now: datetime) -> Outgoing:
    registration = _registration(reminder)
    _expect(registration, CONFIRMED)
    event = registration.event
    if event.cancelled_at is not None or not event.is_published:
        raise Skip(Reminder.Reason.NO_LONGER_APPLIES)
    return _message(registration, "events/reminder")
