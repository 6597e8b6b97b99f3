"""Shifts, sign-ups and volunteer hours: what volunteers and staff are told
when something cannot be done."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests import factories
from volunteers.models import HoursEntry, Shift, Signup
from volunteers.selectors import approved_hours_total, shift_list
from volunteers.services import (
    hours_entry_create,
    hours_entry_review,
    hours_entry_update,
    signup_create,
    signup_withdraw,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

Status = HoursEntry.Status


@pytest.fixture
def shift(station_a):
    return factories.ShiftFactory(opportunity__station=station_a, capacity=2)


@pytest.fixture
def volunteer(station_a):
    return factories.ResidentFactory(station=station_a)


# --- shifts -----------------------------------------------------------------------


def test_a_shift_ends_after_it_starts(station_a):
    opportunity = factories.OpportunityFactory(station=station_a)
    start = timezone.now() + timedelta(days=1)
    shift = Shift(station=station_a, opportunity=opportunity, starts_at=start, ends_at=start)
    with pytest.raises(ValidationError) as exc_info:
        shift.full_clean()
    assert exc_info.value.message_dict["ends_at"] == ["The end must be after the start."]


def test_a_shift_has_at_least_one_place(station_a):
    opportunity = factories.OpportunityFactory(station=station_a)
    start = timezone.now() + timedelta(days=1)
    shift = Shift(
        station=station_a,
        opportunity=opportunity,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=0,
    )
    with pytest.raises(ValidationError) as exc_info:
        shift.full_clean()
    assert exc_info.value.messages == ["A shift needs at least one place."]
    with pytest.raises(IntegrityError), transaction.atomic():
        shift.save()


def test_a_shift_belongs_to_its_opportunitys_station(station_a, station_b):
    opportunity = factories.OpportunityFactory(station=station_b)
    start = timezone.now() + timedelta(days=1)
    shift = Shift(
        station=station_a,
        opportunity=opportunity,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    with pytest.raises(ValidationError) as exc_info:
        shift.full_clean()
    assert exc_info.value.message_dict == {"opportunity": ["This belongs to another station."]}


# --- sign-ups -----------------------------------------------------------------------


def test_a_volunteer_signs_up_and_takes_a_place(shift, volunteer, station_a):
    signup = signup_create(shift=shift, volunteer=volunteer)
    assert (signup.station, signup.status) == (station_a, Signup.Status.ACTIVE)
    listed = shift_list(station=station_a).get(pk=shift.pk)
    assert (listed.places_taken, listed.places_left) == (1, 1)


def test_signing_up_twice_is_refused(shift, volunteer):
    signup_create(shift=shift, volunteer=volunteer)
    with pytest.raises(ValidationError) as exc_info:
        signup_create(shift=shift, volunteer=volunteer)
    assert exc_info.value.message_dict == {
        "volunteer": ["This volunteer has already signed up for this shift."]
    }


def test_the_database_refuses_a_second_active_signup(shift, volunteer):
    signup_create(shift=shift, volunteer=volunteer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Signup.objects.create(station=shift.station, shift=shift, volunteer=volunteer)


def test_a_full_shift_refuses_more_volunteers(shift, station_a):
    for _ in range(2):
        signup_create(shift=shift, volunteer=factories.ResidentFactory(station=station_a))
    with pytest.raises(ValidationError) as exc_info:
        signup_create(shift=shift, volunteer=factories.ResidentFactory(station=station_a))
    assert exc_info.value.message_dict == {"shift": ["This shift is full: all 2 places are taken."]}
    assert Signup.objects.filter(shift=shift).count() == 2


def test_a_withdrawal_opens_the_place_again(shift, station_a):
    first = signup_create(shift=shift, volunteer=factories.ResidentFactory(station=station_a))
    signup_create(shift=shift, volunteer=factories.ResidentFactory(station=station_a))
    signup_withdraw(signup=first)
    assert first.status == Signup.Status.WITHDRAWN
    signup_create(shift=shift, volunteer=factories.ResidentFactory(station=station_a))
    # the place went to someone else: the one who withdrew finds the shift full
    with pytest.raises(ValidationError) as exc_info:
        signup_create(shift=shift, volunteer=first.volunteer)
    assert exc_info.value.message_dict == {"shift": ["This shift is full: all 2 places are taken."]}


def test_a_volunteer_who_withdrew_may_sign_up_again(shift, volunteer):
    signup = signup_create(shift=shift, volunteer=volunteer)
    signup_withdraw(signup=signup)
    again = signup_create(shift=shift, volunteer=volunteer)
    assert again.pk != signup.pk
    with pytest.raises(ValidationError) as exc_info:
        signup_withdraw(signup=signup)
    assert exc_info.value.messages == ["This sign-up has already been withdrawn."]


def test_sign_ups_close_when_the_shift_starts(station_a, volunteer):
    started = factories.ShiftFactory(
        opportunity__station=station_a,
        starts_at=timezone.now() - timedelta(minutes=5),
        ends_at=timezone.now() + timedelta(hours=2),
    )
    with pytest.raises(ValidationError) as exc_info:
        signup_create(shift=started, volunteer=volunteer)
    assert exc_info.value.message_dict == {
        "shift": ["This shift has already started; sign-ups are closed."]
    }


def test_a_volunteer_of_another_station_is_refused(shift, station_b):
    with pytest.raises(ValidationError) as exc_info:
        signup_create(shift=shift, volunteer=factories.ResidentFactory(station=station_b))
    assert exc_info.value.message_dict == {"volunteer": ["This belongs to another station."]}


# --- hours ----------------------------------------------------------------------------


def log_hours(station, volunteer, actor=None, **fields):
    fields.setdefault("date", timezone.localdate() - timedelta(days=1))
    fields.setdefault("hours", Decimal("3"))
    return hours_entry_create(station=station, volunteer=volunteer, actor=actor, **fields)


def test_logged_hours_wait_for_review(station_a, volunteer, staff_a):
    entry = log_hours(station_a, volunteer, staff_a, description="Interpreting at the clinic")
    entry.refresh_from_db()
    assert (entry.status, entry.reviewed_by, entry.reviewed_at) == (Status.PENDING, None, None)


@pytest.mark.parametrize("hours", [Decimal("0"), Decimal("-1"), Decimal("24.25")])
def test_hours_are_more_than_zero_and_at_most_a_day(station_a, volunteer, hours):
    with pytest.raises(ValidationError) as exc_info:
        log_hours(station_a, volunteer, hours=hours)
    assert "hours" in exc_info.value.message_dict
    assert not HoursEntry.objects.exists()


def test_the_database_refuses_zero_hours(station_a, volunteer):
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.HoursEntryFactory(station=station_a, volunteer=volunteer, hours=Decimal("0"))


def test_hours_cannot_be_logged_for_a_future_date(station_a, volunteer):
    with pytest.raises(ValidationError) as exc_info:
        log_hours(station_a, volunteer, date=timezone.localdate() + timedelta(days=1))
    assert exc_info.value.message_dict["date"] == ["Hours cannot be logged for a future date."]


def test_hours_of_a_shift_count_for_its_opportunity(station_a, volunteer, shift):
    entry = log_hours(station_a, volunteer, shift=shift)
    assert entry.opportunity == shift.opportunity
    other = factories.OpportunityFactory(station=station_a)
    with pytest.raises(ValidationError) as exc_info:
        log_hours(station_a, volunteer, shift=shift, opportunity=other)
    assert exc_info.value.message_dict == {"shift": ["This shift belongs to another opportunity."]}


def test_approval_records_who_and_when(station_a, volunteer, staff_a):
    entry = log_hours(station_a, volunteer)
    before = timezone.now()
    hours_entry_review(entry=entry, approve=True, actor=staff_a)
    entry.refresh_from_db()
    assert entry.status == Status.APPROVED
    assert entry.reviewed_by == staff_a
    assert entry.reviewed_at >= before
    assert approved_hours_total(station=station_a, volunteer=volunteer) == Decimal("3")


def test_rejected_hours_do_not_count(station_a, volunteer, staff_a):
    entry = log_hours(station_a, volunteer)
    hours_entry_review(entry=entry, approve=False, actor=staff_a)
    assert entry.status == Status.REJECTED
    assert approved_hours_total(station=station_a, volunteer=volunteer) == 0


def test_only_pending_hours_are_reviewed(station_a, volunteer, staff_a):
    entry = log_hours(station_a, volunteer)
    hours_entry_review(entry=entry, approve=True, actor=staff_a)
    with pytest.raises(ValidationError) as exc_info:
        hours_entry_review(entry=entry, approve=False, actor=staff_a)
    assert exc_info.value.messages == [
        "Only pending hours can be reviewed; these were already approved."
    ]
    entry.refresh_from_db()
    assert entry.status == Status.APPROVED


def test_reviewed_hours_can_no_longer_be_corrected(station_a, volunteer, staff_a):
    entry = log_hours(station_a, volunteer)
    hours_entry_update(entry=entry, actor=staff_a, hours=Decimal("2.5"))
    hours_entry_review(entry=entry, approve=True, actor=staff_a)
    with pytest.raises(ValidationError):
        hours_entry_update(entry=entry, actor=staff_a, hours=Decimal("8"))
    entry.refresh_from_db()
    assert entry.hours == Decimal("2.5")


def test_nobody_reviews_their_own_hours(station_a, staff_a):
    """A staff member who also volunteers (their resident profile is linked to
    their account) asks a colleague."""
    own_profile = factories.ResidentFactory(station=station_a, user=staff_a)
    entry = log_hours(station_a, own_profile)
    with pytest.raises(ValidationError) as exc_info:
        hours_entry_review(entry=entry, approve=True, actor=staff_a)
    assert exc_info.value.messages == [
        "You cannot review your own volunteer hours; ask a colleague."
    ]
    colleague = factories.MembershipFactory(station=station_a, role="staff").user
    hours_entry_review(entry=entry, approve=True, actor=colleague)
    assert entry.status == Status.APPROVED
