"""Reads of volunteering: open shifts with their free places, hours totals.

Station-owned querysets run inside the caller's scope (see stations.tenancy);
the `station` argument narrows them further.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Exists, F, Min, OuterRef, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from residents.models import Resident
from stations.models import Station
from stations.tenancy import access_object, public

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


# --- The public site ---------------------------------------------------------------


def _upcoming_shifts(now: datetime) -> QuerySet[Shift]:
    # City-wide: an opportunity's shifts are public once the opportunity is.
    return shifts_with_places(public(Shift).filter(starts_at__gt=now)).order_by("starts_at")


def opportunity_list_public(
    *, station: Station | None = None, category: str | None = None
) -> QuerySet[Opportunity]:
    """Published opportunities of active stations, those with the soonest
    shift first, each with `upcoming_shifts` (free places annotated). Two
    queries however many opportunities and shifts."""
    now = timezone.now()
    qs = (
        public(Opportunity)
        .filter(is_published=True, station__is_active=True)
        .select_related("station")
        .annotate(next_shift=Min("shifts__starts_at", filter=Q(shifts__starts_at__gt=now)))
        .prefetch_related(
            Prefetch("shifts", queryset=_upcoming_shifts(now), to_attr="upcoming_shifts")
        )
    )
    if station is not None:
        qs = qs.filter(station=station)
    if category:
        qs = qs.filter(category=category)
    return qs.order_by(F("next_shift").asc(nulls_last=True), "title", "pk")


def opportunity_get_public(*, pk) -> Opportunity:
    """One published opportunity of an active station with its upcoming
    shifts; Http404 alike for a missing, unpublished or closed station's one."""
    try:
        return opportunity_list_public().get(pk=pk)
    except (Opportunity.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def opportunity_choices_public() -> QuerySet[Opportunity]:
    """Published opportunities of active stations, plain (for a choice list)."""
    return (
        public(Opportunity)
        .filter(is_published=True, station__is_active=True)
        .select_related("station")
        .order_by("station__slug", "title", "pk")
    )


def opportunity_station_list_public() -> QuerySet[Station]:
    """Active stations with some published opportunity (the list's filter)."""
    published = public(Opportunity).filter(station=OuterRef("pk"), is_published=True)
    return Station.objects.filter(Exists(published), is_active=True).order_by("slug")


def shift_get_public(*, pk) -> Shift:
    """A shift of a published opportunity of an active station; Http404 otherwise."""
    qs = public(Shift).filter(
        opportunity__is_published=True, station__is_active=True
    ).select_related("opportunity", "station")
    try:
        return qs.get(pk=pk)
    except (Shift.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


# --- A person's own volunteering (the request's scope holds their stations) --------


def signup_list_for_user(user, *, upcoming: bool | None = None) -> QuerySet[Signup]:
    """Active sign-ups of every profile of `user`, soonest shift first."""
    qs = Signup.objects.filter(volunteer__user=user, status=Signup.Status.ACTIVE).select_related(
        "shift__opportunity", "station"
    )
    now = timezone.now()
    if upcoming is True:
        qs = qs.filter(shift__starts_at__gt=now)
    elif upcoming is False:
        qs = qs.filter(shift__starts_at__lte=now)
    return qs.order_by("shift__starts_at", "pk")


def signup_get_for_user(user, *, pk) -> Signup:
    """One sign-up of `user`'s own profiles; Http404 alike for a missing one
    and another person's."""
    qs = Signup.objects.filter(volunteer__user=user).select_related(
        "shift__opportunity", "station"
    )
    try:
        return qs.get(pk=pk)
    except (Signup.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def signups_by_shift(user, shifts: Iterable[Shift]) -> dict[int, Signup]:
    """{shift id: the active sign-up of `user`} for `shifts`; one query."""
    if not user.is_authenticated:
        return {}
    ids = [s.pk for s in shifts]
    if not ids:
        return {}
    qs = Signup.objects.filter(
        volunteer__user=user, status=Signup.Status.ACTIVE, shift_id__in=ids
    )
    return {signup.shift_id: signup for signup in qs}


def hours_entry_list_for_user(user) -> QuerySet[HoursEntry]:
    """Every hours entry of every profile of `user`, newest day first."""
    return (
        HoursEntry.objects.filter(volunteer__user=user)
        .select_related("opportunity", "station", "shift")
        .order_by("-date", "-pk")
    )


@dataclass(frozen=True)
class HoursSummary:
    """A person's volunteer hours at every station they volunteer for."""

    approved_total: Decimal
    pending_total: Decimal
    pending: list[HoursEntry]
    reviewed: list[HoursEntry]  # approved and rejected, newest day first

    @property
    def is_empty(self) -> bool:
        return not (self.pending or self.reviewed)


def volunteer_hours_summary(user) -> HoursSummary:
    """Approved and pending totals and the entries of `user`; one query."""
    pending, reviewed = [], []
    approved_total = pending_total = Decimal("0")
    for entry in hours_entry_list_for_user(user):
        if entry.status == HoursEntry.Status.PENDING:
            pending.append(entry)
            pending_total += entry.hours
        else:
            reviewed.append(entry)
            if entry.status == HoursEntry.Status.APPROVED:
                approved_total += entry.hours
    return HoursSummary(approved_total, pending_total, pending, reviewed)


def shifts_for_hours(user) -> QuerySet[Shift]:
    """Shifts `user` signed up for that have started: what hours may name."""
    return (
        Shift.objects.filter(
            signups__volunteer__user=user,
            signups__status=Signup.Status.ACTIVE,
            starts_at__lte=timezone.now(),
        )
        .select_related("opportunity")
        .distinct()
        .order_by("-starts_at")
    )
