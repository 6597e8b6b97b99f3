"""Tenancy: who may see which station's rows, and where scopes are opened.

Every station-owned model carries a direct `station` foreign key and a
django-scopes `ScopedManager`, so a query made outside an open scope raises
instead of returning every station's rows. Scopes are opened only here, at the
entry points: `StationScopeMiddleware` for web requests, `station_scope()` for
tasks and management commands. City-wide code uses `scopes_disabled()` and is
easy to grep for.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db.models import Model, QuerySet
from django.http import Http404
from django_scopes import scope, scopes_disabled

from .models import Station, StationMembership

NO_STATIONS: tuple[int, ...] = ()


def is_station_owned(model: type[Model]) -> bool:
    return any(f.name == "station" and f.is_relation for f in model._meta.get_fields())


def user_station_ids(user) -> tuple[int, ...]:
    """Ids of the stations where `user` holds a role, cached on the user object."""
    if user is None or not user.is_authenticated:
        return NO_STATIONS
    cached = getattr(user, "_station_ids", None)
    if cached is None:
        with scopes_disabled():
            cached = tuple(
                StationMembership.objects.filter(user=user, station__is_active=True)
                .order_by("station_id")
                .values_list("station_id", flat=True)
            )
        user._station_ids = cached
    return cached


def user_station_roles(user) -> dict[int, str]:
    """{station id: role} for `user`, cached on the user object."""
    if user is None or not user.is_authenticated:
        return {}
    cached = getattr(user, "_station_roles", None)
    if cached is None:
        with scopes_disabled():
            cached = dict(
                StationMembership.objects.filter(user=user, station__is_active=True).values_list(
                    "station_id", "role"
                )
            )
        user._station_roles = cached
    return cached


def resident_station_ids(user) -> tuple[int, ...]:
    """Ids of the stations where `user` has a resident profile, cached on the user."""
    if user is None or not user.is_authenticated:
        return NO_STATIONS
    cached = getattr(user, "_resident_station_ids", None)
    if cached is None:
        from residents.models import Resident

        with scopes_disabled():
            cached = tuple(
                Resident.objects.filter(user=user)
                .order_by("station_id")
                .values_list("station_id", flat=True)
            )
        user._resident_station_ids = cached
    return cached


def public(model: type[Model]):
    """The manager for rows anyone may read (published events, opportunities,
    notices, station partners): city-wide, so outside the station scope. Every
    caller filters to what is public; grep for `public(` to review them."""
    return model.objects.with_scopes_disabled()


def stations_for(user) -> QuerySet[Station]:
    """The stations a user works at (every station for a superuser)."""
    if user.is_superuser:
        return Station.objects.all()
    return Station.objects.filter(pk__in=user_station_ids(user))


@contextmanager
def scope_for_user(user) -> Iterator[None]:
    """Open the scope a request by `user` runs in.

    Superusers see every station. Staff see the stations they hold a role at,
    residents the stations where they have a profile (a person can be both).
    Anonymous visitors get an empty station list. Public pages read published
    rows of every station through `public()`. The admin filters by the staff
    member's own stations again, whatever the scope.
    """
    if user is not None and user.is_authenticated and user.is_superuser:
        with scopes_disabled():
            yield
        return
    ids = sorted(set(user_station_ids(user)) | set(resident_station_ids(user)))
    with scope(station=ids):
        yield


@contextmanager
def station_scope(stations: Station | int | Iterable[Station | int]) -> Iterator[None]:
    """Open a scope on one or several stations (tasks, commands, services)."""
    if isinstance(stations, (Station, int)):
        stations = [stations]
    ids = [s.pk if isinstance(s, Station) else int(s) for s in stations]
    with scope(station=ids):
        yield


class StationScopeMiddleware:
    """Runs every request inside the scope of the user making it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with scope_for_user(getattr(request, "user", None)):
            return self.get_response(request)


def access_object(queryset: QuerySet, *, station_ids: Iterable[int] | None, pk) -> Model:
    """Fetch one station-owned row, answering 404 alike for a missing row and
    another station's row (the second wall behind the scope). `station_ids`
    None means no station restriction (a superuser)."""
    qs = queryset if station_ids is None else queryset.filter(station_id__in=list(station_ids))
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
