"""The consultation pages of the staff admin, as station A's staff use them."""

from datetime import timedelta

import pytest
from django.contrib.postgres.constraints import ExclusionConstraint
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from consultations.models import Consultation, Counsellor, Topic
from tests import factories

pytestmark = pytest.mark.django_db

OVERLAP = "The counsellor already has a consultation at this time."


def admin_url(model, view, *args):
    opts = model._meta
    with translation.override("en"):
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def split(moment):
    local = timezone.localtime(moment)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")


def booking_data(station, resident, counsellor, start, hours=1, **extra):
    start_date, start_time = split(start)
    end_date, end_time = split(start + timedelta(hours=hours))
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


@pytest.fixture
def start():
    return timezone.now().replace(second=0, microsecond=0) + timedelta(days=3)


# --- tenancy ---------------------------------------------------------------------


B_ROWS = {
    "counsellor": lambda station: factories.CounsellorFactory(station=station),
    "consultation": lambda station: factories.ConsultationFactory(station=station),
}


@pytest.mark.parametrize("kind", sorted(B_ROWS))
@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_another_stations_rows_answer_404(client_a, station_b, kind, view):
    row = B_ROWS[kind](station_b)
    assert client_a.get(admin_url(type(row), view, row.pk)).status_code == 404


@pytest.mark.parametrize("kind", sorted(B_ROWS))
def test_changelists_leave_out_another_stations_rows(client_a, station_a, station_b, kind):
    mine, theirs = B_ROWS[kind](station_a), B_ROWS[kind](station_b)
    response = client_a.get(admin_url(type(mine), "changelist"))
    shown = {obj.pk for obj in response.context["cl"].result_list}
    assert mine.pk in shown and theirs.pk not in shown


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
    counsellor = factories.CounsellorFactory(station=station_a)
    factories.ConsultationFactory(
        station=station_a,
        counsellor=counsellor,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
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
    counsellor = factories.CounsellorFactory(station=station_a)
    factories.ConsultationFactory(
        station=station_a,
        counsellor=counsellor,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
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
    counsellor = factories.CounsellorFactory(station=station_a)
    factories.ConsultationFactory(
        station=station_a,
        counsellor=counsellor,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
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
    changelist = admin_url(Consultation, "changelist")

    response = client_a.post(
        changelist,
        {"action": "mark_completed", "_selected_action": [future.pk, past.pk]},
        follow=True,
    )
    text = [str(m) for m in response.context["messages"]]
    assert "1 consultation set to “Completed”." in text
    assert any(
        m.endswith("A consultation can be marked completed or no-show only once it has started.")
        for m in text
    )

    response = client_a.post(
        changelist, {"action": "mark_cancelled", "_selected_action": [future.pk]}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["1 consultation set to “Cancelled”."]
    assert dict(Consultation.objects.values_list("pk", "status")) == {
        future.pk: "cancelled",
        past.pk: "completed",
    }


def test_actions_do_not_reach_another_station(client_a, station_b):
    theirs = factories.ConsultationFactory(station=station_b)
    client_a.post(
        admin_url(Consultation, "changelist"),
        {"action": "mark_cancelled", "_selected_action": [theirs.pk]},
    )
    theirs.refresh_from_db()
    assert theirs.status == "booked"


# --- queries ---------------------------------------------------------------------------


def changelist_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), len(response.context["cl"].result_list)


def test_the_consultation_list_does_not_grow_queries_with_rows(client_a, station_a):
    url = admin_url(Consultation, "changelist")

    def add(n):
        for _ in range(n):
            factories.ConsultationFactory(
                station=station_a,
                counsellor=factories.CounsellorFactory(station=station_a),
                topic=factories.TopicFactory(slug=f"topic-{Topic.objects.count()}"),
            )

    add(2)
    client_a.get(url)  # warm the session and content-type caches
    few, shown = changelist_queries(client_a, url)
    assert shown == 2
    add(8)
    many, shown = changelist_queries(client_a, url)
    assert shown == 10
    assert many == few
