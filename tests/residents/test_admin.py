"""The staff admin for residents and consents, as station A's manager sees it."""

import pytest
from django.utils import translation

from residents.models import Consent, Resident
from residents.services import consent_withdraw
from tests import factories
from tests.helpers import (
    admin_path,
    assert_list_queries_do_not_grow,
    login_with_role,
    messages_of,
    post_action,
)

pytestmark = pytest.mark.django_db


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
# (their pages answer 404 and the lists leave them out: tests/stations/test_admin_isolation.py)


def test_searching_does_not_reach_another_station(client_a, station_a, station_b):
    factories.ResidentFactory(
        station=station_b,
        family_name="Okafor",
        document_type="passport",
        document_number="A1234567",
    )
    response = client_a.get(admin_path("residents_resident_changelist", query="?q=A1234567"))
    assert list(response.context["cl"].result_list) == []
    mine = factories.ResidentFactory(station=station_a, family_name="Okafor")
    response = client_a.get(admin_path("residents_resident_changelist", query="?q=okafor"))
    assert list(response.context["cl"].result_list) == [mine]


def test_the_nationality_filter_lists_only_own_stations_countries(client_a, station_a, station_b):
    factories.ResidentFactory(station=station_a, nationality="KR")
    factories.ResidentFactory(station=station_b, nationality="BR")
    with translation.override("en"):
        response = client_a.get(admin_path("residents_resident_changelist"))
        content = response.content.decode()
    assert "nationality=KR" in content
    assert "nationality=BR" not in content


def test_the_consent_add_form_offers_only_own_residents(client_a, station_a, station_b):
    mine = factories.ResidentFactory(station=station_a)
    theirs = factories.ResidentFactory(station=station_b)
    response = client_a.get(admin_path("residents_consent_add"))
    choices = set(response.context["adminform"].form.fields["resident"].queryset)
    assert choices == {mine}
    assert theirs not in choices


def test_the_resident_autocomplete_answers_only_own_residents(client_a, station_a, station_b):
    mine = factories.ResidentFactory(station=station_a, family_name="Kim")
    factories.ResidentFactory(station=station_b, family_name="Kim")
    response = client_a.get(
        admin_path("autocomplete"),
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
        admin_path("residents_consent_add"),
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
    post_action(client_a, Consent, "withdraw_selected", [mine, theirs])
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.withdrawn_at is not None
    assert theirs.withdrawn_at is None


# --- saving through the services ------------------------------------------------------


def test_adding_a_resident_stores_the_normalised_phone(client_a, station_a):
    response = client_a.post(admin_path("residents_resident_add"), resident_post_data(station_a))
    assert response.status_code == 302, response.context["adminform"].form.errors
    resident = Resident.objects.get()
    assert resident.station == station_a
    assert resident.phone == "+8613800000000"


def test_a_wrong_phone_is_shown_on_the_form_and_nothing_is_saved(client_a, station_a):
    with translation.override("en"):
        response = client_a.post(
            admin_path("residents_resident_add"), resident_post_data(station_a, phone="12345")
        )
        errors = response.context["adminform"].form.errors
        assert errors["phone"] == [
            "Enter a phone number in international format, e.g. +86 138 0000 0000."
        ]
    assert not Resident.objects.exists()


def test_a_resident_cannot_be_added_to_another_station(client_a, station_b):
    response = client_a.post(admin_path("residents_resident_add"), resident_post_data(station_b))
    assert response.status_code == 200
    assert "station" in response.context["adminform"].form.errors
    assert not Resident.objects.exists()


def test_the_add_form_offers_only_own_station(client_a, station_a, station_b):
    response = client_a.get(admin_path("residents_resident_add"))
    assert list(response.context["adminform"].form.fields["station"].queryset) == [station_a]


def test_a_role_without_add_rights_at_a_station_cannot_add_there(client, station_a):
    """A manager at A who is only a counsellor at C may not add residents at C."""
    station_c = factories.StationFactory()
    user = login_with_role(client, station_a, "manager")
    factories.MembershipFactory(station=station_c, user=user, role="counsellor")
    response = client.post(admin_path("residents_resident_add"), resident_post_data(station_c))
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
    response = client_a.post(admin_path("residents_resident_change", resident.pk), data)
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
    response = client_a.post(admin_path("residents_resident_change", resident.pk), data)
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert Consent.objects.count() == 1


def test_giving_a_consent_again_in_the_admin_keeps_the_first_record(client_a, station_a):
    consent = factories.ConsentFactory(resident__station=station_a, text_version="2026-01")
    response = client_a.post(
        admin_path("residents_consent_add"),
        {"resident": consent.resident.pk, "purpose": consent.purpose, "text_version": "2026-01"},
    )
    assert response.status_code == 302
    assert Consent.objects.get() == consent
    assert len(messages_of(response)) == 2


def test_the_withdraw_action_reports_consents_the_role_does_not_allow(client, station_a):
    """A manager at A who is only a counsellor at C sees C's consents but
    cannot withdraw them; the action says so for each one."""
    station_c = factories.StationFactory()
    user = login_with_role(client, station_a, "manager")
    factories.MembershipFactory(station=station_c, user=user, role="counsellor")
    mine = factories.ConsentFactory(resident__station=station_a)
    at_c = factories.ConsentFactory(resident__station=station_c)
    response = post_action(client, Consent, "withdraw_selected", [mine, at_c])
    mine.refresh_from_db()
    at_c.refresh_from_db()
    assert mine.withdrawn_at is not None
    assert at_c.withdrawn_at is None
    assert messages_of(response) == [
        "1 consent was withdrawn.",
        f"{at_c}: Your role at this station does not allow this.",
    ]


def test_the_active_filter_splits_given_and_withdrawn_consents(client_a, station_a):
    active = factories.ConsentFactory(resident__station=station_a)
    withdrawn = consent_withdraw(
        consent=factories.ConsentFactory(resident__station=station_a, text_version="2025-01")
    )
    path = admin_path("residents_consent_changelist")
    for value, expected in (("yes", active), ("no", withdrawn)):
        response = client_a.get(path, {"active": value})
        assert list(response.context["cl"].result_list) == [expected]


def test_a_consent_page_shows_the_record_without_editing_it(client_a, station_a):
    consent = factories.ConsentFactory(resident__station=station_a)
    response = client_a.get(admin_path("residents_consent_change", consent.pk))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    response = client_a.post(
        admin_path("residents_consent_change", consent.pk), {"text_version": "x"}
    )
    assert response.status_code == 403


# --- list pages stay cheap -----------------------------------------------------------


def test_the_resident_list_does_not_grow_in_queries_with_rows(client_a, station_a):
    # the second batch adds a nationality to the list's country filter
    batches = iter([{}, {"nationality": "FR"}])
    assert_list_queries_do_not_grow(
        client_a,
        admin_path("residents_resident_changelist"),
        lambda n: factories.ResidentFactory.create_batch(n, station=station_a, **next(batches)),
        few=3,
        many=30,
    )
