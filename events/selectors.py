"""Reads on events and registrations.

`station_ids` None means no station restriction (a superuser, or city-wide code
that opened its own scope). Counts of places are annotated in the same query as
the events, so a list of events costs one query however long it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.shortcuts import get_object_or_404
from django.utils import timezone

from stations.models import Station
from stations.tenancy import access_object, public

from .models import Event, EventCategory, Registration

CONFIRMED = Registration.Status.CONFIRMED
WAITLISTED = Registration.Status.WAITLISTED


def _registration_count(status: str):
    # Correlated to the outer event, whose scope already decided which events
    # are seen; an event's registrations share its station. The public site
    # runs in an empty scope, so the inner query must not apply one again.
    counted = (
        Registration.objects.with_scopes_disabled()
        .filter(event=OuterRef("pk"), status=status)
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_places(qs: QuerySet[Event]) -> QuerySet[Event]:
    """Annotate `places_taken` (confirmed registrations), `waitlist_count` and
    `places_left` (None for no limit; never below zero, even when the capacity
    was lowered under the number already confirmed)."""
    # Correlated subqueries rather than a join with GROUP BY: PostgreSQL then
    # counts only the events a page shows (it evaluates them after ORDER BY ...
    # LIMIT), not every event the filter keeps.
    return qs.annotate(
        places_taken=_registration_count(CONFIRMED),
        waitlist_count=_registration_count(WAITLISTED),
    ).annotate(
        places_left=Case(
            When(capacity__isnull=True, then=Value(None)),
            default=Greatest(Value(0), F("capacity") - F("places_taken")),
            output_field=IntegerField(),
        )
    )


def event_list(
    *,
    station_ids: Iterable[int] | None = None,
    published: bool | None = None,
    upcoming: bool | None = None,
    category_id: int | None = None,
) -> QuerySet[Event]:
    """Events with station and category loaded and places annotated.

    `upcoming` True keeps events that have not ended yet, False those that have.
    """
    qs = with_places(Event.objects.select_related("station", "category"))
    if station_ids is not None:
        qs = qs.filter(station_id__in=list(station_ids))
    if published is not None:
        qs = qs.filter(is_published=published)
    if upcoming is not None:
        now = timezone.now()
        qs = qs.filter(ends_at__gt=now) if upcoming else qs.filter(ends_at__lte=now)
    if category_id is not None:
        qs = qs.filter(category_id=category_id)
    return qs


def event_get(*, pk, station_ids: Iterable[int] | None = None) -> Event:
    """One event with places annotated; Http404 alike for a missing id and
    another station's id."""
    return access_object(event_list(), station_ids=station_ids, pk=pk)


def registration_list(*, event: Event, status: str | None = None) -> QuerySet[Registration]:
    """The registrations of `event` in queue order (first come, first served)."""
    qs = Registration.objects.filter(event=event, station_id=event.station_id).select_related(
        "resident", "event", "station"
    )
    if status is not None:
        qs = qs.filter(status=status)
    return qs.order_by("created_at", "pk")


def waitlist_position(registration: Registration) -> int | None:
    """1 for the next person to be promoted; None when not on the waiting list."""
    return _waitlist_position(Registration.objects, registration)


def _waitlist_position(rows, registration: Registration) -> int | None:
    if registration.status != WAITLISTED:
        return None
    ahead = rows.filter(
        Q(created_at__lt=registration.created_at)
        | Q(created_at=registration.created_at, pk__lt=registration.pk),
        event_id=registration.event_id,
        station_id=registration.station_id,
        status=WAITLISTED,
    ).count()
    return ahead + 1


def registration_by_token(*, event: Event, token: str) -> Registration | None:
    """The registration of `event` whose ticket carries `token`, or None.

    A token of another event or another station finds nothing, exactly like
    a token that does not exist."""
    if not token:
        return None
    return (
        Registration.objects.filter(event_id=event.pk, station_id=event.station_id, token=token)
        .select_related("resident")
        .first()
    )


def registration_search(*, event: Event, query: str) -> QuerySet[Registration]:
    """Registrations of `event` in queue order whose resident's family, given
    or Chinese name contains every word of `query` (case-insensitive)."""
    qs = registration_list(event=event)
    for word in query.split():
        qs = qs.filter(
            Q(resident__family_name__icontains=word)
            | Q(resident__given_name__icontains=word)
            | Q(resident__chinese_name__icontains=word)
        )
    return qs


# --- the public site ---------------------------------------------------------
# Published events of active stations, read city-wide through `public()`.

WINDOW_NOT_OPEN = "not_open"
WINDOW_OPEN = "open"
WINDOW_CLOSED = "closed"


def registration_window(event: Event, *, now: datetime | None = None) -> str:
    """Whether residents may register now: WINDOW_NOT_OPEN before
    `registration_opens_at`, WINDOW_CLOSED from `registration_closes_at` or
    once the event has ended, WINDOW_OPEN otherwise. Staff registering a
    walk-in are not bound by it."""
    now = now or timezone.now()
    if event.registration_opens_at and now < event.registration_opens_at:
        return WINDOW_NOT_OPEN
    if event.registration_closes_at and now >= event.registration_closes_at:
        return WINDOW_CLOSED
    if event.ends_at <= now:
        return WINDOW_CLOSED
    return WINDOW_OPEN


def _public_events() -> QuerySet[Event]:
    return with_places(
        public(Event)
        .filter(is_published=True, station__is_active=True)
        .select_related("station", "category")
    )


def local_day_start(day: date) -> datetime:
    """Midnight at the start of `day` in the portal's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def event_list_public(
    *,
    station: Station | None = None,
    category: EventCategory | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    has_places: bool = False,
) -> QuerySet[Event]:
    """Upcoming published events of active stations that were not called
    off, soonest first, with
    places annotated (one query whatever the number of events).

    `date_from` and `date_to` (local days, both included) keep events taking
    place on some day of that range; `has_places` keeps events with a free
    place (or no limit).
    """
    qs = _public_events().filter(ends_at__gt=timezone.now(), cancelled_at__isnull=True)
    if station is not None:
        qs = qs.filter(station=station)
    if category is not None:
        qs = qs.filter(category=category)
    if date_from is not None:
        qs = qs.filter(ends_at__gt=local_day_start(date_from))
    if date_to is not None:
        qs = qs.filter(starts_at__lt=local_day_start(date_to + timedelta(days=1)))
    if has_places:
        qs = qs.filter(Q(places_left__isnull=True) | Q(places_left__gt=0))
    return qs.order_by("starts_at", "pk")


def event_get_public(*, pk) -> Event:
    """A published event of an active station, past or upcoming, with places
    annotated; Http404 alike for an unpublished, an inactive station's and a
    missing event."""
    return get_object_or_404(_public_events(), pk=pk)


def registration_of_user(*, event: Event, user) -> Registration | None:
    """The person's active (confirmed or waiting) registration for `event`,
    with `position` set on the waiting list; None when they hold none. Reads
    the person's own rows, inside the request's scope."""
    if not user.is_authenticated:
        return None
    registration = (
        Registration.objects.filter(
            event_id=event.pk, station_id=event.station_id, resident__user=user
        )
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("resident")
        .first()
    )
    if registration is not None:
        registration.position = waitlist_position(registration)
    return registration


def registration_for_ticket(*, token: str) -> Registration | None:
    """The registration whose secret self-service token is `token`, with its
    event, station and resident and `position` on the waiting list, or None.

    City-wide on purpose: the person holding the signed link is not logged
    in, and the token (checked by its signature first, see events.tickets)
    is what entitles them to this one registration.
    """
    if not token:
        return None
    registration = (
        public(Registration)
        .filter(token=token)
        .select_related("event__station", "event__category", "resident")
        .first()
    )
    if registration is not None:
        registration.position = _waitlist_position(public(Registration), registration)
    return registration
