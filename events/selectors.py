"""Reads on events and registrations.

`station_ids` None means no station restriction (a superuser, or city-wide code
that opened its own scope). Counts of places are annotated in the same query as
the events, so a list of events costs one query however long it is.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone

from stations.tenancy import access_object

from .models import Event, Registration

CONFIRMED = Registration.Status.CONFIRMED
WAITLISTED = Registration.Status.WAITLISTED


def with_places(qs: QuerySet[Event]) -> QuerySet[Event]:
    """Annotate `places_taken` (confirmed registrations), `waitlist_count` and
    `places_left` (None for no limit; never below zero, even when the capacity
    was lowered under the number already confirmed)."""
    return qs.annotate(
        places_taken=Count("registrations", filter=Q(registrations__status=CONFIRMED)),
        waitlist_count=Count("registrations", filter=Q(registrations__status=WAITLISTED)),
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
    if registration.status != WAITLISTED:
        return None
    ahead = Registration.objects.filter(
        Q(created_at__lt=registration.created_at)
        | Q(created_at=registration.created_at, pk__lt=registration.pk),
        event_id=registration.event_id,
        station_id=registration.station_id,
        status=WAITLISTED,
    ).count()
    return ahead + 1
