"""The staff admin for residents and consents, as station A's manager sees it."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from residents.models import Consent, Resident
from tests import factories

pytestmark = pytest.mark.django_db


def url(name, *args, query=""):
    with translation.override("en"):
        return reverse(f"admin:{name}", args=args) + query


@pytest.fixture
def client_a(client, staff_a):
    client.force_login(staff_a)
    return client


def resident_post_data(station, **overrides):
    data = {
        "station": station.pk,
        "family_name": "Okafor",
        "given_name": "Chidi",
        "chinese_name": "",
        "nationality": "NG",
        "languages": ["en"],
        "preferred_language": "en",
        "category": Resident.Category.FOREIGN_NATIONAL,
        "phone": "+86 138 0000 0000",
        "email": "chidi@example.org",
        "address": "",
        "user": "",
        "arrival_date": "",
        "document_type": "",
        "document_number": "",
        "document_expires": "",
        "consents-TOTAL_FORMS": "0",
        "consents-INITIAL_FORMS": "0",
        "consents-MIN_NUM_FORMS": "0",
        "consents-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


# --- another station's rows -----------------------------------------------------------

OTHER_STATIONS_ROWS = {
    "residents_resident": lambda s: factories.ResidentFactory(station=s),
    "residents_consent": lambda s: factories.ConsentFactory(resident__station=s),
}


@pytest.mark.parametrize("model", sorted(OTHER_STATIONS_ROWS))
@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_another_stations_row_answers_404(client_a, station_b, model, view):
    theirs = OTHER_STATIONS_ROWS[model](station_b)
    assert client_a.get(url(f"{model}_{view}", theirs.pk)).status_code == 404


@pytest.mark.parametrize("model", sorted(OTHER_STATIONS_ROWS))
def test_the_lists_show_only_own_stations_rows(client_a, station_a, station_b, model):
    mine = OTHER_STATIONS_ROWS[model](station_a)
    theirs = OTHER_STATIONS_ROWS[model](station_b)
    response = client_a.get(url(f"{model}_changelist"))
    assert response.status_code == 200
    assert [obj.pk for obj in response.context["cl"].result_list] == [mine.pk]
    assert theirs.pk != mine.pk


def test_searching_does_not_reach_another_station(client_a, station_a, station_b):
    factories.ResidentFactory(
        station=station_b,
        family_name="Okafor",
        document_type="passport",
        document_number="A1234567",
    )
    response = client_a.get(url("residents_resident_changelist", query="?q=A1234567"))
    assert list(response.context["cl"].result_list) == []
    mine = factories.ResidentFactory(station=station_a, family_name="Okafor")
    response = client_a.get(url("residents_resident_changelist", query="?q=okafor"))
    assert list(response.context["cl"].result_list) == [mine]


def test_the_nationality_filter_lists_only_own_stations_countries(client_a, station_a, station_b):
    factories.ResidentFactory(station=station_a, nationality="KR")
    factories.ResidentFactory(station=station_b, nationality="BR")
    with translation.override("en"):
        response = client_a.get(url("residents_resident_changelist"))
        content = response.content.decode()
    assert "nationality=KR" in content
    assert "nationality=BR" not in content


def test_the_consent_add_form_offers_only_own_residents(client_a, station_a, station_b):
    mine = factories.ResidentFactory(station=station_a)
    theirs = factories.ResidentFactory(station=station_b)
    response = client_a.get(url("residents_consent_add"))
    choices = set(response.context["adminform"].form.fields["resident"].queryset)
    assert choices == {mine}
    assert theirs not in choices


def test_the_resident_autocomplete_answers_only_own_residents(client_a, station_a, station_b):
    mine = factories.ResidentFactory(station=station_a, family_name="Kim")
    factories.ResidentFactory(station=station_b, family_name="Kim")
    response = client_a.get(
        url("autocomplete"),
        {
            "term": "Kim",
            "app_label": "residents",
            "model_name": "consent",
            "field_name": "resident",
        },
    )
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(mine.pk)]


def test_a_consent_cannot_be_added_for_another_stations_resident(client_a, station_b):
    theirs = factories.ResidentFactory(station=station_b)
    response = client_a.post(
        url("residents_consent_add"),
        {
            "resident": theirs.pk,
            "purpose": Consent.Purpose.PERSONAL_DATA,
            "text_version": "2026-01",
        },
    )
    assert response.status_code == 200
    assert "resident" in response.context["adminform"].form.errors
    assert not Consent.objects.exists()


def test_the_withdraw_action_leaves_another_stations_consents_alone(client_a, station_a, station_b):
    mine = factories.ConsentFactory(resident__station=station_a)
    theirs = factories.ConsentFactory(resident__station=station_b)
    client_a.post(
        url("residents_consent_changelist"),
        {"action": "withdraw_selected", "_selected_action": [mine.pk, theirs.pk]},
    )
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.withdrawn_at is not None
    assert theirs.withdrawn_at is None


# --- saving through the services ------------------------------------------------------


def test_adding_a_resident_stores_the_normalised_phone(client_a, station_a):
    response = client_a.post(url("residents_resident_add"), resident_post_data(station_a))
    assert response.status_code == 302, response.context["adminform"].form.errors
    resident = Resident.objects.get()
    assert resident.station == station_a
    assert resident.phone == "+8613800000000"


def test_a_wrong_phone_is_shown_on_the_form_and_nothing_is_saved(client_a, station_a):
    with translation.override("en"):
        response = client_a.post(
            url("residents_resident_add"), resident_post_data(station_a, phone="12345")
        )
        errors = response.context["adminform"].form.errors
        assert errors["phone"] == [
            "Enter a phone number in international format, e.g. +86 138 0000 0000."
        ]
    assert not Resident.objects.exists()


def test_a_resident_cannot_be_added_to_another_station(client_a, station_b):
    response = client_a.post(url("residents_resident_add"), resident_post_data(station_b))
    assert response.status_code == 200
    assert "station" in response.context["adminform"].form.errors
    assert not Resident.objects.exists()


def test_the_add_form_offers_only_own_station(client_a, station_a, station_b):
    response = client_a.get(url("residents_resident_add"))
    assert list(response.context["adminform"].form.fields["station"].queryset) == [station_a]


def test_a_role_without_add_rights_at_a_station_cannot_add_there(client, station_a):
    """A manager at A who is only a counsellor at C may not add residents at C."""
    station_c = factories.StationFactory()
    user = factories.MembershipFactory(station=station_a, role="manager").user
    factories.MembershipFactory(station=station_c, user=user, role="counsellor")
    client.force_login(user)
    response = client.post(url("residents_resident_add"), resident_post_data(station_c))
    assert response.status_code == 403
    assert not Resident.objects.exists()


def test_consents_are_given_and_withdrawn_on_the_residents_page(client_a, station_a):
    resident = factories.ResidentFactory(station=station_a)
    data = resident_post_data(
        station_a,
        family_name=resident.family_name,
        **{
            "consents-TOTAL_FORMS": "1",
            "consents-0-purpose": Consent.Purpose.PERSONAL_DATA,
            "consents-0-text_version": "2026-01",
            "consents-0-resident": resident.pk,
            "consents-0-id": "",
        },
    )
    del data["station"]  # read-only once the resident exists
    response = client_a.post(url("residents_resident_change", resident.pk), data)
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert consent.is_active and consent.station_id == station_a.pk

    data.update(
        {
            "consents-INITIAL_FORMS": "1",
            "consents-0-id": consent.pk,
            "consents-0-withdraw": "on",
        }
    )
    response = client_a.post(url("residents_resident_change", resident.pk), data)
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert Consent.objects.count() == 1


def test_giving_a_consent_again_in_the_admin_keeps_the_first_record(client_a, station_a):
    consent = factories.ConsentFactory(resident__station=station_a, text_version="2026-01")
    response = client_a.post(
        url("residents_consent_add"),
        {"resident": consent.resident.pk, "purpose": consent.purpose, "text_version": "2026-01"},
    )
    assert response.status_code == 302
    assert Consent.objects.get() == consent
    assert len(list(get_messages(response.wsgi_request))) == 2


def test_a_consent_page_shows_the_record_without_editing_it(client_a, station_a):
    consent = factories.ConsentFactory(resident__station=station_a)
    response = client_a.get(url("residents_consent_change", consent.pk))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    response = client_a.post(url("residents_consent_change", consent.pk), {"text_version": "x"})
    assert response.status_code == 403


# --- list pages stay cheap -----------------------------------------------------------


def changelist_queries(client, path):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured), response


def test_the_resident_list_does_not_grow_in_queries_with_rows(client_a, station_a):
    path = url("residents_resident_changelist")
    factories.ResidentFactory.create_batch(3, station=station_a)
    few, response = changelist_queries(client_a, path)
    assert response.context["cl"].result_count == 3
    factories.ResidentFactory.create_batch(27, station=station_a, nationality="FR")
    many, response = changelist_queries(client_a, path)
    assert response.context["cl"].result_count == 30
    assert many == few
