"""Download my data: everything the portal holds about the person, and nothing
about anyone else."""

import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from residents.selectors import resident_data_export
from tests import factories
from tests.accounts.support import _fast_password_hashing, _own_cache, url  # noqa: F401

pytestmark = pytest.mark.django_db


def life_at(resident, *, tag: str):
    """One row of every kind for `resident`, each carrying `tag` in its text."""
    station = resident.station
    factories.ConsentFactory(resident=resident, purpose="newsletter", text_version=f"{tag}-v")
    event = factories.EventFactory(station=station, title_en=f"{tag} lantern walk")
    factories.RegistrationFactory(event=event, resident=resident)
    factories.ConsultationFactory(
        station=station, resident=resident, notes=f"{tag}: asked about a work permit"
    )
    factories.SignupFactory(
        shift=factories.ShiftFactory(station=station, opportunity__title_en=f"{tag} beach day"),
        volunteer=resident,
    )
    factories.HoursEntryFactory(
        station=station,
        volunteer=resident,
        hours=Decimal("2.75"),
        description=f"{tag} interpreting",
        status="approved",
        reviewed_at=timezone.now(),
        reviewed_by=factories.UserFactory(email=f"reviewer-{tag.lower()}@example.org"),
    )


@pytest.fixture
def two_people(station_a, station_b):
    """Mine: profiles at two stations. Theirs: a neighbour at station A with
    the same family name, and an unlinked record with my e-mail address."""
    me = factories.UserFactory(email="mei@example.org", full_name="Mei Tan")
    mine_a = factories.ResidentFactory(
        station=station_a,
        user=me,
        family_name="Tan",
        given_name="Mei",
        email=me.email,
        document_type="passport",
        document_number="E1234567",
        phone="+65 6123 4567",
    )
    mine_b = factories.ResidentFactory(station=station_b, user=me, family_name="Tan")
    life_at(mine_a, tag="MINE-A")
    life_at(mine_b, tag="MINE-B")

    neighbour = factories.UserFactory(email="neighbour@example.org")
    theirs = factories.ResidentFactory(
        station=station_a,
        user=neighbour,
        family_name="Tan",
        given_name="Wei",
        phone="+65 6999 0000",
        document_type="passport",
        document_number="K7654321",
    )
    life_at(theirs, tag="THEIRS")
    unlinked = factories.ResidentFactory(station=station_a, email=me.email, family_name="Tan")
    life_at(unlinked, tag="UNLINKED")
    return me


def test_the_download_holds_everything_about_the_person(client, two_people):
    client.force_login(two_people)
    response = client.get(url("residents:my_data"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    assert response["Cache-Control"] == "no-store"
    data = json.loads(response.content)

    assert data["account"]["email"] == "mei@example.org"
    assert "password" not in json.dumps(data["account"])
    profiles = data["resident_profiles"]
    assert {p["station"]["slug"] for p in profiles} == {"station-a", "station-b"}
    first = next(p for p in profiles if p["station"]["slug"] == "station-a")
    assert first["identity_document"]["number"] == "E1234567"
    assert first["phone"] == "+6561234567"
    assert first["nationality"] == {"code": "DE", "name": "Germany"}

    for kind in (
        "consents",
        "event_registrations",
        "consultations",
        "volunteer_shift_signups",
        "volunteer_hours",
    ):
        assert len(data[kind]) >= 2, kind
    text = json.dumps(data, ensure_ascii=False)
    for tag in ("MINE-A", "MINE-B"):
        assert f"{tag} lantern walk" in text
        assert f"{tag}: asked about a work permit" in text  # counsellors' notes included
        assert f"{tag} beach day" in text
        assert f"{tag} interpreting" in text
        assert f"{tag}-v" in text
    assert data["volunteer_hours"][0]["hours"] == "2.75"


def test_the_download_holds_nothing_about_anyone_else(client, two_people):
    client.force_login(two_people)
    text = client.get(url("residents:my_data")).content.decode()
    for foreign in ("THEIRS", "UNLINKED", "K7654321", "+6569990000", "Wei", "neighbour@"):
        assert foreign not in text, foreign
    # nor who among the staff reviewed the hours, nor the registrations' keys
    assert "reviewer-" not in text
    assert '"token"' not in text


def test_the_download_speaks_the_language_of_its_address(client, two_people):
    client.force_login(two_people)
    data = json.loads(client.get(url("residents:my_data", "zh-hans")).content)
    assert data["resident_profiles"][0]["nationality"]["name"] == "德国"
    labels = [c["purpose"]["label"] for c in data["consents"]]
    assert labels and all(re.search(r"[\u4e00-\u9fff]", label) for label in labels), labels


def test_the_download_needs_a_log_in(client, two_people):
    response = client.get(url("residents:my_data"))
    assert response.status_code == 302
    assert response["Location"].startswith(url("accounts:login"))


def test_the_export_costs_the_same_queries_however_much_there_is(two_people, station_a):
    with CaptureQueriesContext(connection) as few:
        resident_data_export(two_people)
    mine = two_people.resident_profiles.get(station=station_a)
    for _ in range(4):
        event = factories.EventFactory(station=station_a)
        factories.RegistrationFactory(event=event, resident=mine)
        factories.ConsultationFactory(station=station_a, resident=mine)
        factories.HoursEntryFactory(station=station_a, volunteer=mine)
    with CaptureQueriesContext(connection) as many:
        data = resident_data_export(two_people)
    assert len(data["event_registrations"]) == 6
    assert len(many) == len(few)
