"""The volunteering pages of the staff admin, as station A's staff use them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests import factories
from tests.helpers import (
    admin_url,
    assert_list_queries_do_not_grow,
    local_parts,
    login_with_role,
    messages_of,
    post_action,
)
from volunteers.models import HoursEntry, Opportunity, Shift, Signup

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


# --- tenancy ---------------------------------------------------------------------
# (another station's pages answer 404 and the lists leave its rows out:
# tests/stations/test_admin_isolation.py)


def form_of(client, model):
    response = client.get(admin_url(model, "add"))
    assert response.status_code == 200
    return response.context["adminform"].form


def test_add_forms_offer_only_own_rows(client_a, station_a, station_b):
    mine = factories.SignupFactory(shift__opportunity__station=station_a)
    factories.SignupFactory(shift__opportunity__station=station_b)

    form = form_of(client_a, Shift)
    assert list(form.fields["station"].queryset) == [station_a]
    assert list(form.fields["opportunity"].queryset) == [mine.shift.opportunity]

    form = form_of(client_a, Signup)
    assert list(form.fields["shift"].queryset) == [mine.shift]
    assert list(form.fields["volunteer"].queryset) == [mine.volunteer]

    form = form_of(client_a, HoursEntry)
    assert list(form.fields["station"].queryset) == [station_a]
    assert list(form.fields["volunteer"].queryset) == [mine.volunteer]
    assert list(form.fields["opportunity"].queryset) == [mine.shift.opportunity]
    assert list(form.fields["shift"].queryset) == [mine.shift]
    assert "reviewed_by" not in form.fields and "status" not in form.fields


# --- opportunities and shifts --------------------------------------------------------


def test_shifts_added_with_an_opportunity_belong_to_its_station(client_a, station_a):
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(days=5)
    start_date, start_time = local_parts(start)
    end_date, end_time = local_parts(start + timedelta(hours=3))
    response = client_a.post(
        admin_url(Opportunity, "add"),
        {
            "station": station_a.pk,
            "title_zh_hans": "社区环保",
            "title_en": "Community clean-up",
            "description_zh_hans": "",
            "description_en": "",
            "category": "environment",
            "is_published": "on",
            "shifts-TOTAL_FORMS": "1",
            "shifts-INITIAL_FORMS": "0",
            "shifts-MIN_NUM_FORMS": "0",
            "shifts-MAX_NUM_FORMS": "1000",
            "shifts-0-starts_at_0": start_date,
            "shifts-0-starts_at_1": start_time,
            "shifts-0-ends_at_0": end_date,
            "shifts-0-ends_at_1": end_time,
            "shifts-0-capacity": "6",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    shift = Shift.objects.get()
    assert (shift.station, shift.opportunity.title_en, shift.capacity) == (
        station_a,
        "Community clean-up",
        6,
    )


def test_the_shift_list_shows_places_taken_and_left(client_a, station_a):
    shift = factories.ShiftFactory(opportunity__station=station_a, capacity=3)
    factories.SignupFactory(shift=shift)
    factories.SignupFactory(shift=shift, status=Signup.Status.WITHDRAWN)
    response = client_a.get(admin_url(Shift, "changelist"))
    [listed] = response.context["cl"].result_list
    assert (listed.places_taken, listed.places_left) == (1, 2)


# --- sign-ups ---------------------------------------------------------------------------


def test_staff_sign_a_volunteer_up(client_a, station_a):
    shift = factories.ShiftFactory(opportunity__station=station_a)
    volunteer = factories.ResidentFactory(station=station_a)
    response = client_a.post(
        admin_url(Signup, "add"), {"shift": shift.pk, "volunteer": volunteer.pk}
    )
    assert response.status_code == 302
    signup = Signup.objects.get()
    assert (signup.station, signup.volunteer, signup.status) == (station_a, volunteer, "active")


def test_a_full_shift_is_a_form_error(client_a, station_a):
    shift = factories.ShiftFactory(opportunity__station=station_a, capacity=1)
    factories.SignupFactory(shift=shift)
    volunteer = factories.ResidentFactory(station=station_a)
    response = client_a.post(
        admin_url(Signup, "add"), {"shift": shift.pk, "volunteer": volunteer.pk}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["shift"] == [
        "This shift is full: its only place is taken."
    ]
    assert not Signup.objects.filter(volunteer=volunteer).exists()


def test_a_duplicate_sign_up_is_a_form_error(client_a, station_a):
    signup = factories.SignupFactory(shift__opportunity__station=station_a)
    response = client_a.post(
        admin_url(Signup, "add"), {"shift": signup.shift.pk, "volunteer": signup.volunteer.pk}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["volunteer"] == [
        "This volunteer has already signed up for this shift."
    ]


def test_a_sign_up_is_read_only_and_withdrawn_with_the_action(client_a, station_a):
    signup = factories.SignupFactory(shift__opportunity__station=station_a)
    response = client_a.get(admin_url(Signup, "change", signup.pk))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]

    response = post_action(client_a, Signup, "withdraw_selected", [signup], follow=True)
    assert messages_of(response) == ["1 sign-up withdrawn."]
    signup.refresh_from_db()
    assert signup.status == Signup.Status.WITHDRAWN


# --- hours -----------------------------------------------------------------------------


def test_staff_log_hours_as_pending(client_a, station_a, staff_a):
    volunteer = factories.ResidentFactory(station=station_a)
    response = client_a.post(
        admin_url(HoursEntry, "add"),
        {
            "station": station_a.pk,
            "volunteer": volunteer.pk,
            "date": str(timezone.localdate() - timedelta(days=2)),
            "hours": "2.75",
            "description": "Interpreting at the free clinic",
        },
    )
    assert response.status_code == 302
    entry = HoursEntry.objects.get()
    assert (entry.hours, entry.status, entry.reviewed_by) == (Decimal("2.75"), "pending", None)


def test_hours_for_a_future_date_are_a_form_error(client_a, station_a):
    volunteer = factories.ResidentFactory(station=station_a)
    response = client_a.post(
        admin_url(HoursEntry, "add"),
        {
            "station": station_a.pk,
            "volunteer": volunteer.pk,
            "date": str(timezone.localdate() + timedelta(days=1)),
            "hours": "2",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["date"] == [
        "Hours cannot be logged for a future date."
    ]


def test_approve_and_reject_through_the_actions(client_a, station_a, staff_a):
    first, second, third = (factories.HoursEntryFactory(station=station_a) for _ in range(3))
    response = post_action(client_a, HoursEntry, "approve_selected", [first, second], follow=True)
    assert messages_of(response) == ["2 entries of hours approved."]
    response = post_action(client_a, HoursEntry, "reject_selected", [second, third], follow=True)
    assert messages_of(response) == [
        "1 entry of hours rejected.",
        f"{second}: Only pending hours can be reviewed; these were already approved.",
    ]
    assert dict(HoursEntry.objects.values_list("pk", "status")) == {
        first.pk: "approved",
        second.pk: "approved",
        third.pk: "rejected",
    }
    assert set(HoursEntry.objects.values_list("reviewed_by", flat=True)) == {staff_a.pk}


def test_own_hours_are_left_for_a_colleague(client_a, station_a, staff_a):
    entry = factories.HoursEntryFactory(
        station=station_a, volunteer=factories.ResidentFactory(station=station_a, user=staff_a)
    )
    response = post_action(client_a, HoursEntry, "approve_selected", [entry], follow=True)
    assert messages_of(response) == [
        f"{entry}: You cannot review your own volunteer hours; ask a colleague."
    ]
    entry.refresh_from_db()
    assert entry.status == "pending"


def test_reviewed_hours_are_read_only(client_a, station_a, staff_a):
    entry = factories.HoursEntryFactory(
        station=station_a, status="approved", reviewed_by=staff_a, reviewed_at=timezone.now()
    )
    response = client_a.get(admin_url(HoursEntry, "change", entry.pk))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    response = client_a.post(
        admin_url(HoursEntry, "change", entry.pk),
        {"date": str(entry.date), "hours": "9", "description": ""},
    )
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.hours == Decimal("2.50")


def test_a_counsellor_cannot_approve_hours(client, station_a):
    login_with_role(client, station_a, "counsellor")
    entry = factories.HoursEntryFactory(station=station_a)
    response = client.get(admin_url(HoursEntry, "changelist"))
    assert response.status_code == 200
    action_form = response.context["action_form"]
    offered = dict(action_form.fields["action"].choices) if action_form else {}
    assert "approve_selected" not in offered
    post_action(client, HoursEntry, "approve_selected", [entry])
    entry.refresh_from_db()
    assert entry.status == "pending"


# --- queries -----------------------------------------------------------------------------


def test_the_hours_list_does_not_grow_queries_with_rows(client_a, station_a, staff_a):
    def add(n):
        for _ in range(n):
            shift = factories.ShiftFactory(opportunity__station=station_a)
            reviewer = factories.MembershipFactory(station=station_a).user
            factories.HoursEntryFactory(
                station=station_a,
                shift=shift,
                opportunity=shift.opportunity,
                status="approved",
                reviewed_by=reviewer,
                reviewed_at=timezone.now(),
            )

    assert_list_queries_do_not_grow(
        client_a, admin_url(HoursEntry, "changelist"), add, few=2, many=10
    )


def test_the_shift_list_does_not_grow_queries_with_rows(client_a, station_a):
    def add(n):
        for _ in range(n):
            factories.SignupFactory(shift__opportunity__station=station_a)

    assert_list_queries_do_not_grow(client_a, admin_url(Shift, "changelist"), add, few=2, many=8)
