"""Writes on events and registrations: places, the waiting list and check-in.

Capacity is exact under concurrency: every write that confirms a registration
or frees a place first locks the event row (`SELECT ... FOR UPDATE`) inside its
transaction, then counts the confirmed registrations and decides. Two people
asking for the last place are therefore served one after the other, and the
second is put on the waiting list.

Lock order is always the event row first, then registration rows, so two of
these services can never wait on each other in a cycle.

The `actor` is the person acting (a staff member, the resident, or None for
the system); it is part of every signature so the audit trail can name who did it.

People are told by e-mail: every write here that changes what a person holds
writes the message as a reminder row in the same transaction
(events/reminders.py): the confirmation or the place on the waiting list,
moving up, a cancellation, the event called off, and the reminder before the
event, which moves when the event moves and is withdrawn with the
registration. The worker sends them (reminders/dispatch.py), with links that
start at SITE_URL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from reminders.models import Kind
from residents.models import Resident
from residents.services import resident_profile_for_station
from stations.models import Station
from stations.tenancy import station_scope

from . import reminders
from .models import Event, Registration
from .selectors import (
    WINDOW_CLOSED,
    WINDOW_NOT_OPEN,
    registration_window,
    waitlist_position,
)

if TYPE_CHECKING:
    from accounts.models import User

CONFIRMED = Registration.Status.CONFIRMED
WAITLISTED = Registration.Status.WAITLISTED
CANCELLED = Registration.Status.CANCELLED

# An event's station is fixed: its registrations belong to the same station.
_FIXED_FIELDS = frozenset({"station", "station_id", "id", "pk"})


def _lock_event(event_id: int) -> Event:
    """The event row, locked until the transaction ends."""
    return Event.objects.select_for_update().get(pk=event_id)


def _confirmed_count(event: Event) -> int:
    return Registration.objects.filter(
        event_id=event.pk, station_id=event.station_id, status=CONFIRMED
    ).count()


def _fill_from_waitlist(event: Event) -> list[Registration]:
    """Confirm waiting registrations, first come first served, while places are
    free. The caller holds the lock on `event`, and tells the people promoted
    (`_tell_promoted`). Nobody is promoted once the event has ended."""
    if event.has_ended:
        return []
    waiting = (
        Registration.objects.filter(
            event_id=event.pk, station_id=event.station_id, status=WAITLISTED
        )
        .select_related("resident__user")
        .order_by("created_at", "pk")
    )
    if event.capacity is not None:
        free = event.capacity - _confirmed_count(event)
        if free <= 0:
            return []
        waiting = waiting[:free]
    promoted = []
    for registration in waiting:
        registration.event = event
        registration.status = CONFIRMED
        registration.full_clean()
        registration.save(update_fields=["status"])
        promoted.append(registration)
    return promoted


def _tell_promoted(promoted: list[Registration], event: Event) -> None:
    """Each person moved up from the waiting list is told, and gets their
    reminder, in the caller's transaction."""
    for registration in promoted:
        reminders.registration_changed(
            registration, event=event, notice=Kind.REGISTRATION_PROMOTED
        )


def _check_window(event: Event) -> None:
    """Refuse a resident's own registration outside the registration window."""
    state = registration_window(event)
    if state == WINDOW_NOT_OPEN:
        opens = formats.date_format(
            timezone.localtime(event.registration_opens_at), "DATETIME_FORMAT"
        )
        raise ValidationError(
            _("Registration for this event opens on %(opens)s.") % {"opens": opens},
            code="registration_not_open",
        )
    if state == WINDOW_CLOSED:
        raise ValidationError(
            _("Registration for this event has closed."), code="registration_closed"
        )


@transaction.atomic
def event_create(*, station: Station, actor: User | None, **fields: Any) -> Event:
    """Create an event owned by `station`."""
    if _FIXED_FIELDS & fields.keys():
        raise TypeError("event_create takes the station as `station=` only")
    event = Event(station=station, **fields)
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def event_update(*, event: Event, actor: User | None, **fields: Any) -> Event:
    """Change the given fields of `event`; its station cannot change.

    When the change frees places (a larger capacity, or no limit any more), the
    waiting list moves up in the same transaction, and the people promoted are
    told by e-mail once it commits. They are also returned in `event.promoted`
    (a list, empty when nobody moved up).
    """
    if _FIXED_FIELDS & fields.keys():
        raise ValidationError({"station": _("An event's station cannot be changed.")})
    before = _lock_event(event.pk)
    for name, value in fields.items():
        setattr(event, name, value)
    event.full_clean()
    event.save()
    event.promoted = _fill_from_waitlist(event)
    _tell_promoted(event.promoted, event)
    if (before.starts_at, before.is_published) != (event.starts_at, event.is_published):
        reminders.event_changed(event)
    return event


@transaction.atomic
def event_cancel(*, event: Event, actor: User | None) -> Event:
    """Call `event` off: every confirmed and waiting registration is
    cancelled and its person told, their reminders are withdrawn, and the
    event takes no more registrations. Refused once the event has started
    (what happened is then recorded by check-in). `event` is updated in place.
    """
    locked = _lock_event(event.pk)
    if locked.cancelled_at is not None:
        raise ValidationError(_("This event has already been called off."), code="cancelled")
    if locked.starts_at <= timezone.now():
        raise ValidationError(
            _("This event has already started; it can no longer be called off."),
            code="started",
        )
    now = timezone.now()
    locked.cancelled_at = now
    locked.save(update_fields=["cancelled_at", "updated_at"])
    active = list(
        Registration.objects.select_for_update()
        .filter(event_id=locked.pk, station_id=locked.station_id)
        .exclude(status=CANCELLED)
        .order_by("pk")
    )
    for registration in active:
        registration.status = CANCELLED
        registration.cancelled_at = now
        registration.save(update_fields=["status", "cancelled_at"])
    reminders.event_called_off(locked, active)
    event.cancelled_at = locked.cancelled_at
    return locked


@transaction.atomic
def event_delete(*, event: Event, actor: User | None) -> None:
    """Delete `event` (a mistaken entry) with its registrations; the messages
    still waiting for them are withdrawn in the same transaction."""
    locked = _lock_event(event.pk)
    ids = list(
        Registration.objects.filter(event_id=locked.pk, station_id=locked.station_id).values_list(
            "pk", flat=True
        )
    )
    reminders.registrations_deleted(station_id=locked.station_id, registration_ids=ids)
    locked.delete()


def registration_check(*, event: Event, resident: Resident) -> None:
    """Raise the ValidationError that `registration_create` would raise now for
    these two, without writing anything.

    For forms, so a refusal shows next to the fields; `registration_create`
    checks again under the lock, which is what counts.
    """
    Registration(station_id=event.station_id, event=event, resident=resident).full_clean()


@transaction.atomic
def registration_create(
    *,
    event: Event,
    resident: Resident,
    actor: User | None = None,
    enforce_window: bool = False,
) -> Registration:
    """Register `resident` for `event`: confirmed while places are free, on the
    waiting list once the confirmed registrations fill the capacity (None
    means no limit).

    Refused with a ValidationError for an unpublished or ended event, a resident
    of another station, and a resident who already holds an active (confirmed
    or waiting) registration. A resident whose registration was cancelled may
    register again: that makes a new registration, at the end of the queue.
    With `enforce_window` (a resident registering themself) it is also refused
    before the registration opens and after it closes; staff registering a
    walk-in at the desk are not bound by the window.
    """
    event = _lock_event(event.pk)
    if enforce_window:
        _check_window(event)
    taken = _confirmed_count(event)
    registration = Registration(station_id=event.station_id, event=event, resident=resident)
    if event.capacity is not None and taken >= event.capacity:
        registration.status = WAITLISTED
    else:
        registration.status = CONFIRMED
    registration.full_clean()
    registration.save()
    reminders.registration_changed(
        registration,
        event=event,
        notice=Kind.REGISTRATION_CONFIRMED
        if registration.status == CONFIRMED
        else Kind.REGISTRATION_WAITLISTED,
    )
    return registration


@transaction.atomic
def registration_cancel(*, registration: Registration, actor: User | None = None) -> Registration:
    """Cancel `registration` and return it as saved.

    When a confirmed place is freed, the first person on the waiting list (by
    registration time) is confirmed in the same transaction and told by e-mail
    once it commits. The promoted registrations are returned in
    `registration.promoted` (a list, empty when nobody moved up).

    Cancelling a cancelled registration changes nothing. Refused for a
    registration already checked in and for an event that has ended: the
    attendance record stays as it was.
    """
    event = _lock_event(registration.event_id)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    registration.promoted = []
    if registration.status == CANCELLED:
        return registration
    if registration.checked_in_at is not None:
        raise ValidationError(
            _("This person has already been checked in; the registration cannot be cancelled.")
        )
    if event.has_ended:
        raise ValidationError(_("This event has already ended."))
    freed_a_place = registration.status == CONFIRMED
    registration.status = CANCELLED
    registration.cancelled_at = timezone.now()
    registration.full_clean()
    registration.save(update_fields=["status", "cancelled_at"])
    reminders.registration_changed(registration, event=event, notice=Kind.REGISTRATION_CANCELLED)
    if freed_a_place:
        registration.promoted = _fill_from_waitlist(event)
        _tell_promoted(registration.promoted, event)
    return registration


@transaction.atomic
def registration_delete(
    *, registration: Registration, actor: User | None = None
) -> list[Registration]:
    """Delete `registration` (a mistaken entry) and return the registrations the
    freed place promoted from the waiting list (told by e-mail on commit)."""
    event = _lock_event(registration.event_id)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    freed_a_place = registration.status == CONFIRMED
    reminders.registrations_deleted(
        station_id=registration.station_id, registration_ids=[registration.pk]
    )
    registration.delete()
    promoted = _fill_from_waitlist(event) if freed_a_place else []
    _tell_promoted(promoted, event)
    return promoted


@transaction.atomic
def registration_check_in(*, registration: Registration, actor: User | None = None) -> Registration:
    """Record that the person came, and return the registration as saved.

    Only a confirmed registration can be checked in. Checking in twice keeps
    the first time, so scanning a code again at the door does no harm.
    """
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status == CANCELLED:
        raise ValidationError(_("This registration was cancelled; it cannot be checked in."))
    if registration.status == WAITLISTED:
        raise ValidationError(
            _(
                "This person is on the waiting list; "
                "only a confirmed registration can be checked in."
            )
        )
    if registration.checked_in_at is None:
        registration.checked_in_at = timezone.now()
        registration.full_clean()
        registration.save(update_fields=["checked_in_at"])
    return registration


# --- the public site: a resident acting for themself ---------------------------


def registration_create_public(*, event: Event, user: User) -> Registration:
    """`user` registers themself for `event` on the public site, in one step.

    Uses the person's profile at the event's station, creating it from their
    latest one when missing (see `resident_profile_for_station`), then
    `registration_create` inside the registration window. The person gets a
    confirmation e-mail (or their place on the waiting list) with the signed
    link to their ticket. The returned registration carries `position` on the
    waiting list (None when confirmed).

    Runs in the event station's scope: a person registering at a station for
    the first time has no profile there yet, so the request's scope does not
    cover it. Raises Resident.DoesNotExist for an account without any resident
    profile and ValidationError for a refusal; either way nothing is written.
    """
    with station_scope(event.station_id):
        return _registration_create_public(event=event, user=user)


@transaction.atomic
def _registration_create_public(*, event: Event, user: User) -> Registration:
    resident = resident_profile_for_station(user=user, station=event.station)
    # Under the event's lock, so the answer cannot change before registering;
    # the constraint behind registration_create stays the rule, this only
    # words the refusal for the person themself.
    _lock_event(event.pk)
    if (
        Registration.objects.filter(event_id=event.pk, station_id=event.station_id)
        .filter(resident=resident)
        .exclude(status=CANCELLED)
        .exists()
    ):
        raise ValidationError(
            _("You are already registered for this event."), code="already_registered"
        )
    registration = registration_create(
        event=event, resident=resident, actor=user, enforce_window=True
    )
    registration.position = waitlist_position(registration)
    return registration


def registration_cancel_public(*, registration: Registration) -> Registration:
    """The holder of a registration's signed link cancels it (see
    events.tickets): `registration_cancel`, in the registration's station
    scope, since the person need not be logged in."""
    with station_scope(registration.station_id):
        actor = registration.resident.user if registration.resident.user_id else None
        return registration_cancel(registration=registration, actor=actor)
