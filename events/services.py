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
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from residents.models import Resident
from stations.models import Station

from .models import Event, Registration

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
    free. The caller holds the lock on `event`. Nobody is promoted once the event
    has ended."""
    if event.has_ended:
        return []
    waiting = Registration.objects.filter(
        event_id=event.pk, station_id=event.station_id, status=WAITLISTED
    ).order_by("created_at", "pk")
    if event.capacity is not None:
        free = event.capacity - _confirmed_count(event)
        if free <= 0:
            return []
        waiting = waiting[:free]
    promoted = []
    for registration in waiting:
        registration.status = CONFIRMED
        registration.full_clean()
        registration.save(update_fields=["status"])
        promoted.append(registration)
    return promoted


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
    waiting list moves up in the same transaction. The registrations promoted
    are returned in `event.promoted` (a list, empty when nobody moved up), so
    the caller can tell those people.
    """
    if _FIXED_FIELDS & fields.keys():
        raise ValidationError({"station": _("An event's station cannot be changed.")})
    _lock_event(event.pk)
    for name, value in fields.items():
        setattr(event, name, value)
    event.full_clean()
    event.save()
    event.promoted = _fill_from_waitlist(event)
    return event


def registration_check(*, event: Event, resident: Resident) -> None:
    """Raise the ValidationError that `registration_create` would raise now for
    these two, without writing anything.

    For forms, so a refusal shows next to the fields; `registration_create`
    checks again under the lock, which is what counts.
    """
    Registration(station_id=event.station_id, event=event, resident=resident).full_clean()


@transaction.atomic
def registration_create(
    *, event: Event, resident: Resident, actor: User | None = None
) -> Registration:
    """Register `resident` for `event`: confirmed while places are free, on the
    waiting list once the confirmed registrations fill the capacity (None
    means no limit).

    Refused with a ValidationError for an unpublished or ended event, a resident
    of another station, and a resident who already holds an active (confirmed
    or waiting) registration. A resident whose registration was cancelled may
    register again: that makes a new registration, at the end of the queue.
    """
    event = _lock_event(event.pk)
    taken = _confirmed_count(event)
    registration = Registration(station_id=event.station_id, event=event, resident=resident)
    if event.capacity is not None and taken >= event.capacity:
        registration.status = WAITLISTED
    else:
        registration.status = CONFIRMED
    registration.full_clean()
    registration.save()
    return registration


@transaction.atomic
def registration_cancel(*, registration: Registration, actor: User | None = None) -> Registration:
    """Cancel `registration` and return it as saved.

    When a confirmed place is freed, the first person on the waiting list (by
    registration time) is confirmed in the same transaction. The promoted
    registrations are returned in `registration.promoted` (a list, empty when
    nobody moved up), so the caller can tell those people.

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
    if freed_a_place:
        registration.promoted = _fill_from_waitlist(event)
    return registration


@transaction.atomic
def registration_delete(
    *, registration: Registration, actor: User | None = None
) -> list[Registration]:
    """Delete `registration` (a mistaken entry) and return the registrations the
    freed place promoted from the waiting list."""
    event = _lock_event(registration.event_id)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    freed_a_place = registration.status == CONFIRMED
    registration.delete()
    return _fill_from_waitlist(event) if freed_a_place else []


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
