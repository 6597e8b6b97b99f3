"""The consultation pages of the staff admin, as station A's staff use them."""

from datetime import timedelta

import pytest
from django.contrib.postgres.constraints import ExclusionConstraint
from django.utils import timezone

from consultations.models import Consultation, Counsellor, Topic
from tests import factories
from tests.helpers import (
    admin_url,
    assert_list_queries_do_not_grow,
    local_parts,
    messages_of,
    post_action,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

OVERLAP = "The counsellor already has a consultation at this time."


def booking_data(station, resident, counsellor, start, hours=1, **extra):
    start_date, start_time = local_parts(start)
    end_date, end_time = local_parts(start + timedelta(hours=hours))
    data = {
        "station": station.pk,
        "resident": resident.pk,
        "topic": factories.TopicFactory().pk,
        "counsellor": counsellor.pk,
        "channel": "station",
        "starts_at_0": start_date,
        "starts_at_1": start_time,
        "ends_at_0": end_date,
        "ends_at_1": end_time,
        "language": "en",
        "notes": "",
    }
    data.update(extra)
    return data


def counsellor_booked_at(station, start):
    """A counsellor of `station` with a one-hour booking from `start`."""
    counsellor = factories.CounsellorFactory(station=station)
    factories.ConsultationFactory(
        station=station, counsellor=counsellor, starts_at=start, ends_at=start + timedelta(hours=1)
    )
    return counsellor


@pytest.fixture
def start():
    return timezone.now().replace(second=0, microsecond=0) + timedelta(days=3)


# --- tenancy ---------------------------------------------------------------------
# (another station's pages answer 404 and the lists leave its rows out:
# tests/stations/test_admin_isolation.py)


def test_the_booking_form_offers_only_own_residents_counsellors_and_station(
    client_a, station_a, station_b
):
    mine = factories.ConsultationFactory(station=station_a)
    factories.ConsultationFactory(station=station_b)
    form = client_a.get(admin_url(Consultation, "add")).context["adminform"].form
    assert list(form.fields["station"].queryset) == [station_a]
    assert list(form.fields["resident"].queryset) == [mine.resident]
    assert list(form.fields["counsellor"].queryset) == [mine.counsellor]


def test_a_counsellors_login_account_is_chosen_among_own_staff(client_a, staff_a, station_b):
    factories.UserFactory(email="resident@example.org")
    staff_b = factories.MembershipFactory(station=station_b).user
    form = client_a.get(admin_url(Counsellor, "add")).context["adminform"].form
    offered = set(form.fields["user"].queryset)
    assert staff_a in offered
    assert staff_b not in offered
    assert len(offered) == 1


def test_topics_are_read_only_for_station_roles(client_a):
    topic = factories.TopicFactory()
    assert client_a.get(admin_url(Topic, "add")).status_code == 403
    response = client_a.get(admin_url(Topic, "change", topic.pk))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    response = client_a.post(
        admin_url(Topic, "change", topic.pk),
        {"name_zh_hans": "改名", "name_en": "Renamed", "slug": topic.slug, "ordering": 0},
    )
    assert response.status_code == 403
    topic.refresh_from_db()
    assert topic.name_en == "Daily life"


# --- booking through the form ------------------------------------------------------


def test_staff_book_a_consultation(client_a, station_a, start):
    resident = factories.ResidentFactory(station=station_a)
    counsellor = factories.CounsellorFactory(station=station_a)
    response = client_a.post(
        admin_url(Consultation, "add"), booking_data(station_a, resident, counsellor, start)
    )
    assert response.status_code == 302
    consultation = Consultation.objects.get()
    assert (consultation.resident, consultation.starts_at, consultation.status) == (
        resident,
        start,
        Consultation.Status.BOOKED,
    )


def test_a_double_booking_is_a_form_error(client_a, station_a, start):
    counsellor = counsellor_booked_at(station_a, start)
    resident = factories.ResidentFactory(station=station_a)
    response = client_a.post(
        admin_url(Consultation, "add"),
        booking_data(station_a, resident, counsellor, start + timedelta(minutes=30)),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [OVERLAP]
    assert Consultation.objects.count() == 1


def test_a_double_booking_only_the_database_sees_is_a_form_error_too(
    client_a, station_a, start, monkeypatch
):
    """The other booking committed after this form was validated."""
    counsellor = counsellor_booked_at(station_a, start)
    monkeypatch.setattr(ExclusionConstraint, "validate", lambda *args, **kwargs: None)
    resident = factories.ResidentFactory(station=station_a)
    response = client_a.post(
        admin_url(Consultation, "add"),
        booking_data(station_a, resident, counsellor, start + timedelta(minutes=30)),
    )
    assert response.status_code == 200
    assert OVERLAP in response.content.decode()
    assert Consultation.objects.count() == 1


def test_changing_a_booking_onto_another_is_a_form_error(client_a, station_a, start):
    counsellor = counsellor_booked_at(station_a, start)
    later = factories.ConsultationFactory(
        station=station_a,
        counsellor=counsellor,
        starts_at=start + timedelta(hours=2),
        ends_at=start + timedelta(hours=3),
    )
    data = booking_data(station_a, later.resident, counsellor, start + timedelta(minutes=30))
    del data["station"]
    response = client_a.post(admin_url(Consultation, "change", later.pk), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [OVERLAP]
    later.refresh_from_db()
    assert later.starts_at == start + timedelta(hours=2)


def test_the_station_of_a_booking_cannot_be_changed(client_a, station_a, start):
    consultation = factories.ConsultationFactory(station=station_a)
    form = (
        client_a.get(admin_url(Consultation, "change", consultation.pk)).context["adminform"].form
    )
    assert "station" not in form.fields
    assert "status" not in form.fields


# --- actions -------------------------------------------------------------------------


def test_cancel_and_complete_through_the_actions(client_a, station_a, start):
    future = factories.ConsultationFactory(
        station=station_a, starts_at=start, ends_at=start + timedelta(hours=1)
    )
    yesterday = timezone.now() - timedelta(days=1)
    past = factories.ConsultationFactory(
        station=station_a, starts_at=yesterday, ends_at=yesterday + timedelta(hours=1)
    )
    response = post_action(client_a, Consultation, "mark_completed", [future, past], follow=True)
    text = messages_of(response)
    assert "1 consultation set to “Completed”." in text
    assert any(
        m.endswith("A consultation can be marked completed or no-show only once it has started.")
        for m in text
    )

    response = post_action(client_a, Consultation, "mark_cancelled", [future], follow=True)
    assert messages_of(response) == ["1 consultation set to “Cancelled”."]
    assert dict(Consultation.objects.values_list("pk", "status")) == {
        future.pk: "cancelled",
        past.pk: "completed",
    }


def test_actions_do_not_reach_another_station(client_a, station_b):
    theirs = factories.ConsultationFactory(station=station_b)
    post_action(client_a, Consultation, "mark_cancelled", [theirs])
    theirs.refresh_from_db()
    assert theirs.status == "booked"


# --- queries ---------------------------------------------------------------------------


def test_the_consultation_list_does_not_grow_queries_with_rows(client_a, station_a):
    def add(n):
        for _ in range(n):
            factories.ConsultationFactory(
                station=station_a,
                counsellor=factories.CounsellorFactory(station=station_a),
                topic=factories.TopicFactory(slug=f"topic-{Topic.objects.count()}"),
            )

    assert_list_queries_do_not_grow(
        client_a, admin_url(Consultation, "changelist"), add, few=2, many=10
    )
