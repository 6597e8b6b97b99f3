"""Writes of volunteering: shift sign-ups and the hours volunteers log.

Invariants kept here:
- a shift never has more active sign-ups than places: every sign-up locks the
  shift row (`select_for_update`) before counting, so two people taking the
  last place at once end with one sign-up and one clear refusal;
- sign-ups open until the shift starts, and a volunteer holds at most one
  active sign-up per shift;
- hours are logged as pending and reviewed once, approved or rejected, by
  someone other than the volunteer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from residents.models import Resident
from stations.models import Station

from .models import HoursEntry, Shift, Signup

if TYPE_CHECKING:
    from accounts.models import User

HOURS_FIELDS = frozenset({"date", "hours", "opportunity", "shift", "description"})


@transaction.atomic
def signup_create(*, shift: Shift, volunteer: Resident, actor: User | None = None) -> Signup:
    """Sign `volunteer` up for `shift`. `actor` is the staff member doing it,
    None when volunteers sign themselves up. Raises ValidationError."""
    locked = Shift.objects.select_for_update().get(pk=shift.pk)
    if locked.starts_at <= timezone.now():
        raise ValidationError(
            {"shift": _("This shift has already started; sign-ups are closed.")},
            code="shift_started",
        )
    active = Signup.objects.filter(shift=locked, status=Signup.Status.ACTIVE)
    if active.filter(volunteer=volunteer).exists():
        raise ValidationError(
            {"volunteer": _("This volunteer has already signed up for this shift.")},
            code="duplicate",
        )
    if active.count() >= locked.capacity:
        message = ngettext(
            "This shift is full: its only place is taken.",
            "This shift is full: all %(capacity)d places are taken.",
            locked.capacity,
        ) % {"capacity": locked.capacity}
        raise ValidationError({"shift": message}, code="full")
    signup = Signup(station_id=locked.station_id, shift=locked, volunteer=volunteer)
    signup.full_clean()
    signup.save()
    return signup


@transaction.atomic
def signup_withdraw(*, signup: Signup, actor: User | None = None) -> Signup:
    """Withdraw an active sign-up before the shift starts; the place opens again.
    `signup` is updated in place."""
    locked = Signup.objects.select_for_update().select_related("shift").get(pk=signup.pk)
    if locked.status != Signup.Status.ACTIVE:
        raise ValidationError(_("This sign-up has already been withdrawn."), code="withdrawn")
    if locked.shift.starts_at <= timezone.now():
        raise ValidationError(
            _("This shift has already started; the sign-up can no longer be withdrawn."),
            code="shift_started",
        )
    locked.status = Signup.Status.WITHDRAWN
    locked.full_clean()
    locked.save(update_fields=["status"])
    signup.status = locked.status
    return locked


def _check_hours_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - HOURS_FIELDS
    if unknown:
        raise TypeError(f"Fields an hours service cannot set: {', '.join(sorted(unknown))}")


@transaction.atomic
def hours_entry_create(
    *, station: Station, volunteer: Resident, actor: User | None, **fields: Any
) -> HoursEntry:
    """Log hours a volunteer gave; they wait for review (status pending)."""
    _check_hours_fields(fields)
    entry = HoursEntry(
        station=station, volunteer=volunteer, status=HoursEntry.Status.PENDING, **fields
    )
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def hours_entry_update(*, entry: HoursEntry, actor: User | None, **fields: Any) -> HoursEntry:
    """Correct pending hours; reviewed hours are final."""
    _check_hours_fields(fields)
    status = HoursEntry.objects.select_for_update().values_list("status", flat=True).get(
        pk=entry.pk
    )
    if status != HoursEntry.Status.PENDING:
        raise ValidationError(
            _("These hours have already been reviewed and can no longer be changed."),
            code="reviewed",
        )
    for name, value in fields.items():
        setattr(entry, name, value)
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def hours_entry_review(*, entry: HoursEntry, approve: bool, actor: User) -> HoursEntry:
    """Approve or reject pending hours, recording who decided and when.

    The row is locked, so two reviewers acting at once end with one decision
    and one clear refusal. `entry` is updated in place.
    """
    locked = HoursEntry.objects.select_for_update().get(pk=entry.pk)
    if locked.status != HoursEntry.Status.PENDING:
        raise ValidationError(
            _("Only pending hours can be reviewed; these were already %(status)s.")
            % {"status": locked.get_status_display().lower()},
            code="not_pending",
        )
    volunteer_account = (
        Resident.objects.filter(pk=locked.volunteer_id).values_list("user_id", flat=True).get()
    )
    if volunteer_account is not None and volunteer_account == actor.pk:
        raise ValidationError(
            _("You cannot review your own volunteer hours; ask a colleague."),
            code="own_hours",
        )
    locked.status = HoursEntry.Status.APPROVED if approve else HoursEntry.Status.REJECTED
    locked.reviewed_by = actor
    locked.reviewed_at = timezone.now()
    locked.full_clean()
    locked.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    entry.status = locked.status
    entry.reviewed_by = locked.reviewed_by
    entry.reviewed_at = locked.reviewed_at
    return locked
