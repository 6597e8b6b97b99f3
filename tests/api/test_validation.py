"""Bad requests answer 4xx with a clear body, never 500: malformed JSON,
wrong types, unknown fields, refusals of the services; and the writes that
succeed go through the same services as the admin."""

from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import Registration
from reminders.models import Kind, Reminder
from residents.models import Resident
from tests import factories

pytestmark = pytest.mark.django_db


def post(client, path, data, **extra):
    return client.post(path, data, format="json", HTTP_ACCEPT_LANGUAGE="en", **extra)


def test_malformed_json_is_a_clear_400(api_a):
    response = api_a.post("/api/v1/residents/", data="{not json", content_type="application/json",
                          HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")


def test_a_body_that_is_not_json_is_refused(api_a):
    response = api_a.post("/api/v1/residents/", data="family_name=X",
                          content_type="application/x-www-form-urlencoded",
                          HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 415


def test_unknown_fields_are_refused_not_ignored(api_a, station_a):
    response = post(api_a, "/api/v1/residents/", {
        "station": station_a.pk, "family_name": "Okafor", "nationality": "NG",
        "familyname": "typo",
    })
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Some of what was sent is not valid.",
        "errors": {"familyname": ["This field is not accepted here."]},
    }
    assert not Resident.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("nationality", "XX"),
        ("arrival_date", "yesterday"),
        ("languages", "de"),
        ("phone", "12"),
        ("email", "not an address"),
        ("station", "one"),
        ("category", "tourist"),
    ],
)
def test_wrong_types_and_values_name_the_field(api_a, station_a, field, value):
    data = {"station": station_a.pk, "family_name": "Okafor", "nationality": "NG", field: value}
    response = post(api_a, "/api/v1/residents/", data)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert not Resident.objects.exists()


def test_a_resident_is_created_and_changed_through_the_service(api_a, station_a):
    response = post(api_a, "/api/v1/residents/", {
        "station": station_a.pk, "family_name": "Okafor", "given_name": "Chidi",
        "nationality": "NG", "languages": ["en", "fr"], "phone": "+234 803 123 4567",
        "preferred_language": "en",
    })
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["phone"] == "+2348031234567"  # stored as E.164, as the service does
    change = api_a.patch(f"/api/v1/residents/{body['id']}/", {"given_name": "Chidiebere"},
                         format="json")
    assert change.status_code == 200 and change.json()["given_name"] == "Chidiebere"
    moved = api_a.patch(f"/api/v1/residents/{body['id']}/",
                        {"station": factories.StationFactory().pk}, format="json")
    assert moved.status_code == 400


def test_a_service_refusal_is_a_400_with_its_message(api_a, station_a):
    event = factories.EventFactory(station=station_a, is_published=False)
    resident = factories.ResidentFactory(station=station_a)
    response = post(api_a, "/api/v1/registrations/", {"event": event.pk,
                                                     "resident": resident.pk})
    assert response.status_code == 400
    assert response.json()["errors"] == {"event": ["This event is not published yet."]}


def test_registering_through_the_api_writes_the_same_rows_as_the_admin(api_a, station_a):
    event = factories.EventFactory(station=station_a, capacity=1)
    first, second = factories.ResidentFactory.create_batch(2, station=station_a)
    one = post(api_a, "/api/v1/registrations/", {"event": event.pk, "resident": first.pk})
    two = post(api_a, "/api/v1/registrations/", {"event": event.pk, "resident": second.pk})
    assert (one.json()["status"], two.json()["status"]) == ("confirmed", "waitlisted")
    assert two.json()["position"] == 1
    cancel = api_a.post(f"/api/v1/registrations/{one.json()['id']}/cancel/")
    assert cancel.json()["status"] == "cancelled"
    promoted = Registration.objects.get(pk=two.json()["id"])
    assert promoted.status == "confirmed"
    assert Reminder.objects.filter(kind=Kind.REGISTRATION_PROMOTED,
                                   target_id=promoted.pk).exists()


def test_events_carry_both_languages(api_a, station_a):
    category = factories.EventCategoryFactory()
    start = (timezone.now() + timedelta(days=10)).isoformat()
    end = (timezone.now() + timedelta(days=10, hours=2)).isoformat()
    response = post(api_a, "/api/v1/events/", {
        "station": station_a.pk, "category": category.slug, "title_zh_hans": "中秋游园会",
        "title_en": "Mid-Autumn garden party", "starts_at": start, "ends_at": end,
        "capacity": 40, "is_published": True,
    })
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["title_zh_hans"], body["title_en"]) == ("中秋游园会", "Mid-Autumn garden party")
    assert body["places_left"] == 40
    english = api_a.get(f"/api/v1/events/{body['id']}/", HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = api_a.get(f"/api/v1/events/{body['id']}/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert (english["title"], chinese["title"]) == ("Mid-Autumn garden party", "中秋游园会")
    bad = post(api_a, "/api/v1/events/", {
        "station": station_a.pk, "category": category.slug, "title_zh_hans": "反了",
        "title_en": "Backwards", "starts_at": end, "ends_at": start,
    })
    assert bad.status_code == 400
    assert "The end must be after the start." in str(bad.json()["errors"])


def test_a_role_decides_what_the_token_may_do(api_for, station_a):
    counsellor = api_for(station_a, "counsellor")
    assert counsellor.get("/api/v1/residents/").status_code == 200
    response = counsellor.post("/api/v1/residents/", {"station": station_a.pk,
                                                       "family_name": "X", "nationality": "DE"},
                               format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert response.json() == {"detail": "Your role at this station does not allow this."}
    staff = api_for(station_a, "staff")
    resident = factories.ResidentFactory(station=station_a)
    assert staff.delete(f"/api/v1/residents/{resident.pk}/").status_code == 403
    assert Resident.objects.filter(pk=resident.pk).exists()


def test_notes_are_the_counsellors_own(api_for, station_a):
    from tests.api.conftest import client_with_token, token_for

    own = factories.MembershipFactory(station=station_a, role="counsellor").user
    counsellor = factories.CounsellorFactory(station=station_a, user=own)
    consultation = factories.ConsultationFactory(station=station_a, counsellor=counsellor,
                                                 notes="talked about sleep")
    mine = client_with_token(token_for(own)).get(f"/api/v1/consultations/{consultation.pk}/")
    assert mine.json()["notes"] == "talked about sleep"
    manager = api_for(station_a, "manager")
    theirs = manager.get(f"/api/v1/consultations/{consultation.pk}/").json()
    assert "notes" not in theirs and theirs["id"] == consultation.pk
    listed = manager.get("/api/v1/consultations/").json()["results"]
    assert "notes" not in listed[0]
    changed = manager.patch(f"/api/v1/consultations/{consultation.pk}/",
                            {"notes": "overwritten"}, format="json")
    assert changed.status_code == 400
    consultation.refresh_from_db()
    assert consultation.notes == "talked about sleep"


def test_filters_ordering_and_pages(api_a, station_a):
    for n in range(3):
        factories.EventFactory(station=station_a,
                               starts_at=timezone.now() + timedelta(days=n + 1))
    factories.EventFactory(station=station_a, is_published=False)
    page = api_a.get("/api/v1/events/?is_published=true&ordering=-starts_at&page_size=2").json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    starts = [row["starts_at"] for row in page["results"]]
    assert starts == sorted(starts, reverse=True)
    bad = api_a.get("/api/v1/events/?starts_after=soon")
    assert bad.status_code == 400


def test_a_resident_registers_through_their_session(client, station_a):
    user = factories.UserFactory()
    factories.ResidentFactory(station=station_a, user=user)
    event = factories.EventFactory(station=station_a)
    client.force_login(user)
    response = client.post("/api/v1/me/registrations/", {"event": event.pk},
                           content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "confirmed"
    listed = client.get("/api/v1/me/registrations/").json()["results"]
    assert [r["event"] for r in listed] == [event.pk]
    again = client.post("/api/v1/me/registrations/", {"event": event.pk},
                        content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 400
    assert "already registered" in str(again.json())
    cancel = client.post(f"/api/v1/me/registrations/{listed[0]['id']}/cancel/")
    assert cancel.json()["status"] == "cancelled"
