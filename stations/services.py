"""Writes of station roles and officials' regions.

Reaching the staff admin needs `User.is_staff`; it follows the roles: granting a
station or region role sets it, removing a person's last role clears it
(superusers keep it). A station keeps at least one manager unless a superuser
removes the last one, so a station is never left without someone who can add
its staff.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled

from .models import Region, RegionMembership, Station, StationMembership

if TYPE_CHECKING:
    from accounts.models import User

Role = StationMembership.Role


def _sync_staff_flag(user: User) -> None:
    """Give admin access to people holding a role, take it from people who
    hold none."""
    if user.is_superuser:
        return
    # A person's roles at other stations lie outside the acting user's scope,
    # and they decide whether the account keeps its admin access.
    with scopes_disabled():
        has_role = (
            StationMembership.objects.filter(user=user).exists()
            or RegionMembership.objects.filter(user=user).exists()
        )
    if user.is_staff != has_role:
        user.is_staff = has_role
        user.save(update_fields=["is_staff"])


def _is_last_manager(membership: StationMembership) -> bool:
    if membership.role != Role.MANAGER:
        return False
    return not (
        StationMembership.objects.filter(station_id=membership.station_id, role=Role.MANAGER)
        .exclude(pk=membership.pk)
        .exists()
    )


def _check_keeps_a_manager(membership: StationMembership, actor: User) -> None:
    if not actor.is_superuser and _is_last_manager(membership):
        raise ValidationError(
            _("A station needs at least one manager. Add another manager first."),
            code="last_manager",
        )


@transaction.atomic
def membership_create(*, station: Station, user: User, role: str, actor: User) -> StationMembership:
    """Give `user` a role at `station` and access to the staff admin."""
    membership = StationMembership(station=station, user=user, role=role)
    membership.full_clean()
    membership.save()
    _sync_staff_flag(user)
    return membership


@transaction.atomic
def membership_update(
    *, membership: StationMembership, role: str, actor: User
) -> StationMembership:
    """Change the role a person holds at a station (never the person or the station)."""
    locked = StationMembership.objects.select_for_update().get(pk=membership.pk)
    if role != Role.MANAGER:
        _check_keeps_a_manager(locked, actor)
    locked.role = role
    locked.full_clean()
    locked.save(update_fields=["role"])
    membership.role = locked.role
    return locked


@transaction.atomic
def membership_delete(*, membership: StationMembership, actor: User) -> None:
    """Remove a role; the account loses admin access with its last role."""
    locked = StationMembership.objects.select_for_update().get(pk=membership.pk)
    _check_keeps_a_manager(locked, actor)
    user = locked.user
    locked.delete()
    _sync_staff_flag(user)


@transaction.atomic
def region_membership_create(*, region: Region, user: User, actor: User) -> RegionMembership:
    """Make `user` an official of a city or a district (summaries, counts only)."""
    membership = RegionMembership(region=region, user=user)
    membership.full_clean()
    membership.save()
    _sync_staff_flag(user)
    return membership


@transaction.atomic
def region_membership_delete(*, membership: RegionMembership, actor: User) -> None:
    user = membership.user
    membership.delete()
    _sync_staff_flag(user)
