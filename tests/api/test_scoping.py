"""Every station-owned endpoint, tried by station A's manager with station
B's rows: 404 on each of B's ids (read, change, delete, every action), none
of B's rows in any list, and B's ids refused as related rows in A's writes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db

# endpoint -> a factory of one row at a station
ROWS = {
    "stations": lambda s: s,
    "residents": lambda s: factories.ResidentFactory(station=s),
    "events": lambda s: factories.EventFactory(station=s),
    "registrations": lambda s: factories.RegistrationFactory(event__station=s),
    "consultations": lambda s: factories.ConsultationFactory(station=s),
    "opportunities": lambda s: factories.OpportunityFactory(station=s),
    "shifts": lambda s: factories.ShiftFactory(opportunity__station=s),
    "hours": lambda s: factories.HoursEntryFactory(station=s),
}
# endpoint -> the detail actions it has (POST)
ACTIONS = {
    "events": ["call-off"],
    "registrations": ["cancel", "check-in"],
    "consultations": ["status"],
    "hours": ["review"],
}
WRITABLE = [name for name in ROWS if name != "stations"]


@pytest.mark.parametrize("endpoint", list(ROWS))
def test_another_stations_row_answers_404_like_a_missing_one(api_a, station_a, station_b,
                                                             endpoint):
    theirs = ROWS[endpoint](station_b)
    for pk in (theirs.pk, 987654321):
        response = api_a.get(f"/api/v1/{endpoint}/{pk}/")
        assert response.status_code == 404
        assert response.json() == {"detail": api_a.get(
            f"/api/v1/{endpoint}/987654321/").json()["detail"]}


@pytest.mark.parametrize("endpoint", WRITABLE)
def test_another_stations_row_cannot_be_changed_or_deleted(api_a, station_b, endpoint):
    theirs = ROWS[endpoint](station_b)
    path = f"/api/v1/{endpoint}/{theirs.pk}/"
    assert api_a.patch(path, {}, format="json").status_code in (404, 405)
    assert api_a.put(path, {}, format="json").status_code in (404, 405)
    assert api_a.delete(path).status_code in (404, 405)
    for name in ACTIONS.get(endpoint, []):
        assert api_a.post(f"{path}{name}/", {}, format="json").status_code == 404
    assert type(theirs).objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("endpoint", list(ROWS))
def test_lists_hold_no_row_of_another_station(api_a, station_a, station_b, endpoint):
    mine = ROWS[endpoint](station_a)
    theirs = ROWS[endpoint](station_b)
    response = api_a.get(f"/api/v1/{endpoint}/?page_size=500")
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert mine.pk in ids and theirs.pk not in ids
    # filtering by B's station finds nothing either
    other = api_a.get(f"/api/v1/{endpoint}/?station={station_b.pk}")
    if endpoint != "stations":
        assert other.json()["results"] == []


def test_another_stations_rows_are_refused_as_related_rows(api_a, station_a, station_b):
    their_event = factories.EventFactory(station=station_b)
    my_resident = factories.ResidentFactory(station=station_a)
    response = api_a.post("/api/v1/registrations/",
                          {"event": their_event.pk, "resident": my_resident.pk}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"event"}
    their_resident = factories.ResidentFactory(station=station_b)
    my_event = factories.EventFactory(station=station_a)
    response = api_a.post("/api/v1/registrations/",
                          {"event": my_event.pk, "resident": their_resident.pk}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"resident"}
    assert not my_event.registrations.exists()


def test_a_row_cannot_be_created_at_another_station(api_a, station_b):
    response = api_a.post("/api/v1/residents/", {
        "station": station_b.pk, "family_name": "Okafor", "nationality": "NG",
    }, format="json")
    assert response.status_code == 403
    from residents.models import Resident

    assert not Resident.objects.filter(family_name="Okafor").exists()


def test_a_superuser_sees_every_station(station_a, station_b):
    from tests.api.conftest import client_with_token, token_for

    root = factories.UserFactory(is_staff=True, is_superuser=True)
    client = client_with_token(token_for(root))
    factories.EventFactory(station=station_a)
    factories.EventFactory(station=station_b,
                           starts_at=timezone.now() + timedelta(days=3))
    assert client.get("/api/v1/events/").json()["count"] == 2
