"""Reads of volunteering: open shifts with their free places, hours totals.

Station-owned querysets run inside the caller's scope (see stations.tenancy);
the `station` argument narrows them further.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from residents.models import Resident
from stations.models import Station
from stations.tenancy import access_object

from .models import HoursEntry, Opportunity, Shift, Signup

ACTIVE_SIGNUPS = Q(signups__status=Signup.Status.ACTIVE)


def shifts_with_places(qs: QuerySet[Shift]) -> QuerySet[Shift]:
    """Annotate `places_taken` and `places_left` (active sign-ups only)."""
    return qs.annotate(places_taken=Count("signups", filter=ACTIVE_SIGNUPS)).annotate(
        places_left=F("capacity") - F("places_taken")
    )


def opportunity_list(*, station: Station, published_only: bool = True) -> QuerySet[Opportunity]:
    qs = Opportunity.objects.filter(station=station)
    if published_only:
        qs = qs.filter(is_published=True)
    return qs.order_by("title")


def shift_list(
    *, station: Station, opportunity: Opportunity | None = None, upcoming_only: bool = True
) -> QuerySet[Shift]:
    """A station's shifts with their opportunity and free places."""
    qs = Shift.objects.filter(station=station).select_related("opportunity")
    if opportunity is not None:
        qs = qs.filter(opportunity=opportunity)
    if upcoming_only:
        qs = qs.filter(starts_at__gt=timezone.now())
    return shifts_with_places(qs).order_by("starts_at")


def shift_get(*, station: Station, pk) -> Shift:
    qs = shifts_with_places(Shift.objects.select_related("opportunity"))
    return access_object(qs, station_ids=[station.pk], pk=pk)


def signup_list(*, station: Station, volunteer: Resident | None = None) -> QuerySet[Signup]:
    qs = Signup.objects.filter(station=station).select_related("shift__opportunity", "volunteer")
    if volunteer is not None:
        qs = qs.filter(volunteer=volunteer)
    return qs.order_by("shift__starts_at")


def hours_entry_list(
    *, station: Station, volunteer: Resident | None = None, status: str | None = None
) -> QuerySet[HoursEntry]:
    qs = HoursEntry.objects.filter(station=station).select_related(
        "volunteer", "opportunity", "reviewed_by"
    )
    if volunteer is not None:
        qs = qs.filter(volunteer=volunteer)
    if status is not None:
        qs = qs.filter(status=status)
    return qs.order_by("-date", "-pk")


def approved_hours_total(*, station: Station, volunteer: Resident) -> Decimal:
    """Approved hours of one volunteer at one station (0 when none)."""
    total = HoursEntry.objects.filter(
        station=station, volunteer=volunteer, status=HoursEntry.Status.APPROVED
    ).aggregate(total=Sum("hours"))["total"]
    return total or Decimal("0")
