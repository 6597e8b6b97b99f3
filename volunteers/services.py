"""Writes of volunteering: shift sign-ups and the hours volunteers log.

Invariants kept here:
- a shift never has more active sign-ups than places: every sign-up locks the
  shift row (`select_for_update`) before counting, so two people taking the
  last place at once end with one sign-up and one clear refusal;
- sign-ups open until the shift starts, and a volunteer holds at most one
  active sign-up per shift;
- a shift keeps its station; moving it moves its volunteers' reminders, and
  deleting it withdraws them, in the same transaction;
- hours are logged as pending and reviewed once, approved or rejected, by
  someone other than the volunteer;
- one day holds at most 24 hours of one volunteer profile: the day's pending
  and approved entries together (rejected ones do not count). The count is per
  profile, so per station: a station never learns what a person logged at
  another station. The volunteer's row is locked while counting, so two
  entries logged at once cannot both slip under the limit.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from residents.models import Resident
from residents.services import resident_profile_for_station
from stations.models import Station
from stations.tenancy import station_scope

from . import reminders
from .models import HoursEntry, Opportunity, Shift, Signup

if TYPE_CHECKING:
    from accounts.models import User

HOURS_FIELDS = frozenset({"date", "hours", "opportunity", "shift", "description"})
HOURS_IN_A_DAY = Decimal("24")
SHIFT_FIELDS = frozenset({"opportunity", "starts_at", "ends_at", "capacity"})
OPPORTUNITY_FIELDS = frozenset(
    {"title", "title_zh_hans", "title_en", "description", "description_zh_hans",
     "description_en", "category", "is_published"}
)


def _check_opportunity_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - OPPORTUNITY_FIELDS
    if unknown:
        raise TypeError(f"opportunity fields not accepted here: {sorted(unknown)}")


@transaction.atomic
def opportunity_create(*, station: Station, actor: User | None, **fields: Any) -> Opportunity:
    """Offer a volunteer opportunity at `station`. Raises ValidationError."""
    _check_opportunity_fields(fields)
    opportunity = Opportunity(station=station, **fields)
    opportunity.full_clean()
    opportunity.save()
    return opportunity


@transaction.atomic
def opportunity_update(*, opportunity: Opportunity, actor: User | None, **fields: Any
                       ) -> Opportunity:
    """Change an opportunity; its station stays."""
    _check_opportunity_fields(fields)
    for name, value in fields.items():
        setattr(opportunity, name, value)
    opportunity.full_clean()
    opportunity.save()
    return opportunity


def _check_shift_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - SHIFT_FIELDS
    if unknown:
        raise TypeError(f"shift fields not accepted here: {sorted(unknown)}")


@transaction.atomic
def shift_create(*, station: Station, actor: User | None, **fields: Any) -> Shift:
    """Add a shift to one of `station`'s opportunities. Raises ValidationError."""
    _check_shift_fields(fields)
    shift = Shift(station=station, **fields)
    shift.full_clean()
    shift.save()
    return shift


@transaction.atomic
def shift_update(*, shift: Shift, actor: User | None, **fields: Any) -> Shift:
    """Change a shift. When it moves, its volunteers' reminders move with it.
    Fewer places than sign-ups keeps everyone signed up (as for events)."""
    _check_shift_fields(fields)
    locked = Shift.objects.select_for_update().get(pk=shift.pk)
    for name, value in fields.items():
        setattr(shift, name, value)
    shift.full_clean()
    shift.save()
    if locked.starts_at != shift.starts_at:
        reminders.shift_changed(shift)
    return shift


@transaction.atomic
def shift_delete(*, shift: Shift, actor: User | None) -> None:
    """Delete a shift and its sign-ups; the reminders still waiting for them
    are withdrawn in the same transaction."""
    locked = Shift.objects.select_for_update().get(pk=shift.pk)
    ids = list(Signup.objects.filter(shift_id=locked.pk).values_list("pk", flat=True))
    reminders.signups_deleted(station_id=locked.station_id, signup_ids=ids)
    locked.delete()


@transaction.atomic
def signup_create(*, shift: Shift, volunteer: Resident, actor: User | None = None) -> Signup:
    """Sign `volunteer` up for `shift`. `actor` is the staff member doing it,
    None when volunteers sign themselves up. Raises ValidationError."""
    locked = Shift.objects.select_for_update().get(pk=shift.pk)
    if locked.starts_at <= timezone.now():
        raise ValidationError(
            {
                "shift": ValidationError(
                    _("This shift has already started; sign-ups are closed."),
                    code="shift_started",
                )
            }
        )
    active = Signup.objects.filter(shift=locked, status=Signup.Status.ACTIVE)
    if active.filter(volunteer=volunteer).exists():
        raise ValidationError(
            {
                "volunteer": ValidationError(
                    _("This volunteer has already signed up for this shift."), code="duplicate"
                )
            }
        )
    if active.count() >= locked.capacity:
        message = ngettext(
            "This shift is full: its only place is taken.",
            "This shift is full: all %(capacity)d places are taken.",
            locked.capacity,
        ) % {"capacity": locked.capacity}
        raise ValidationError({"shift": ValidationError(message, code="full")})
    signup = Signup(station_id=locked.station_id, shift=locked, volunteer=volunteer)
    signup.full_clean()
    signup.save()
    reminders.signup_changed(signup, shift=locked)
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
    reminders.signup_changed(locked, shift=locked.shift)
    signup.status = locked.status
    return locked


def _check_hours_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - HOURS_FIELDS
    if unknown:
        raise TypeError(f"Fields an hours service cannot set: {', '.join(sorted(unknown))}")


def _hours_text(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _check_day_total(entry: HoursEntry) -> None:
    """The day's pending and approved hours of the volunteer, this entry
    included, stay within 24. Call with the volunteer's row locked."""
    if entry.date is None or entry.hours is None:
        return
    others = HoursEntry.objects.filter(volunteer_id=entry.volunteer_id, date=entry.date).exclude(
        status=HoursEntry.Status.REJECTED
    )
    if entry.pk is not None:
        others = others.exclude(pk=entry.pk)
    logged = others.aggregate(total=Sum("hours"))["total"] or Decimal("0")
    if logged + entry.hours > HOURS_IN_A_DAY:
        left = max(HOURS_IN_A_DAY - logged, Decimal("0"))
        message = _(
            "%(logged)s hours are already logged for this day, and a day has 24: "
            "at most %(left)s more can be logged."
        ) % {"logged": _hours_text(logged), "left": _hours_text(left)}
        raise ValidationError({"hours": ValidationError(message, code="day_over_24")})


def _lock_volunteer(volunteer_id: int) -> None:
    Resident.objects.select_for_update().filter(pk=volunteer_id).values_list("pk").first()


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
    _lock_volunteer(entry.volunteer_id)
    _check_day_total(entry)
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
    _lock_volunteer(entry.volunteer_id)
    _check_day_total(entry)
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
    reminders.hours_reviewed(locked)
    entry.status = locked.status
    entry.reviewed_by = locked.reviewed_by
    entry.reviewed_at = locked.reviewed_at
    return locked


# --- The public site: a person acting for themselves --------------------------------

NO_PROFILE_MESSAGE = _(
    "Your account has no resident profile yet. Add your details on your page first, "
    "then try again."
)


def _profile_for(user: User, station: Station) -> Resident:
    try:
        return resident_profile_for_station(user=user, station=station)
    except Resident.DoesNotExist as exc:
        raise ValidationError(NO_PROFILE_MESSAGE, code="no_profile") from exc


@transaction.atomic
def signup_create_own(*, shift: Shift, user: User) -> Signup:
    """The person behind `user` signs up for `shift` with their profile at the
    shift's station (made when missing). A refusal (full, started, twice)
    leaves nothing behind, not even a new profile."""
    # the request's scope was opened before a profile at this station may exist
    with station_scope(shift.station_id):
        volunteer = _profile_for(user, shift.station)
        return signup_create(shift=shift, volunteer=volunteer, actor=None)


@transaction.atomic
def signup_withdraw_own(*, signup: Signup, user: User) -> Signup:
    """The person withdraws their own sign-up (found by
    selectors.signup_get_for_user); the place opens again."""
    with station_scope(signup.station_id):
        return signup_withdraw(signup=signup, actor=user)


@transaction.atomic
def hours_entry_create_own(*, user: User, opportunity: Opportunity, **fields: Any) -> HoursEntry:
    """The person logs hours they gave for `opportunity`, with their profile at
    its station; they wait for review. Refused as a whole on bad input."""
    with station_scope(opportunity.station_id):
        volunteer = _profile_for(user, opportunity.station)
        return hours_entry_create(
            station=opportunity.station,
            volunteer=volunteer,
            actor=user,
            opportunity=opportunity,
            **fields,
        )
