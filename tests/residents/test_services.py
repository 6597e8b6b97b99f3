from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from residents.models import Consent
from residents.selectors import consent_list, resident_get, resident_list
from residents.services import consent_give, consent_withdraw, resident_update
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PERSONAL = Consent.Purpose.PERSONAL_DATA


def test_update_changes_the_given_fields_and_validates_them(station_a):
    resident = factories.ResidentFactory(station=station_a)
    resident_update(resident=resident, actor=None, chinese_name="安娜", phone="+86 592 123 4567")
    resident.refresh_from_db()
    assert resident.chinese_name == "安娜"
    assert resident.phone == "+865921234567"

    with pytest.raises(ValidationError) as caught:
        resident_update(resident=resident, actor=None, phone="12345")
    assert "phone" in caught.value.message_dict
    resident.refresh_from_db()
    assert resident.phone == "+865921234567"


def test_update_cannot_move_a_resident_to_another_station(station_a, station_b):
    resident = factories.ResidentFactory(station=station_a)
    with pytest.raises(ValidationError) as caught:
        resident_update(resident=resident, actor=None, station=station_b)
    assert caught.value.message_dict["station"] == ["A resident's station cannot be changed."]
    resident.refresh_from_db()
    assert resident.station_id == station_a.pk


def test_giving_the_same_consent_twice_keeps_one_record():
    resident = factories.ResidentFactory()
    first = consent_give(resident=resident, purpose=PERSONAL, text_version="2026-01")
    again = consent_give(resident=resident, purpose=PERSONAL, text_version="2026-01")
    assert again.pk == first.pk
    assert again.given_at == first.given_at
    assert Consent.objects.filter(resident=resident).count() == 1
    assert first.station_id == resident.station_id


def test_consenting_to_a_new_text_replaces_the_old_consent():
    resident = factories.ResidentFactory()
    old = consent_give(resident=resident, purpose=PERSONAL, text_version="2026-01")
    new = consent_give(resident=resident, purpose=PERSONAL, text_version="2026-07")
    old.refresh_from_db()
    assert old.withdrawn_at is not None
    assert new.is_active and new.text_version == "2026-07"
    assert [c.text_version for c in consent_list(resident=resident, active_only=True)] == [
        "2026-07"
    ]


def test_consents_for_different_purposes_are_independent():
    resident = factories.ResidentFactory()
    consent_give(resident=resident, purpose=PERSONAL, text_version="2026-01")
    consent_give(resident=resident, purpose=Consent.Purpose.NEWSLETTER, text_version="2026-01")
    assert consent_list(resident=resident, active_only=True).count() == 2


def test_an_unknown_purpose_is_refused():
    resident = factories.ResidentFactory()
    with pytest.raises(ValidationError) as caught:
        consent_give(resident=resident, purpose="marketing", text_version="2026-01")
    assert caught.value.message_dict["purpose"] == ["Value 'marketing' is not a valid choice."]


def test_withdrawing_twice_keeps_the_first_time():
    consent = factories.ConsentFactory(given_at=timezone.now() - timedelta(days=3))
    first = consent_withdraw(consent=consent)
    second = consent_withdraw(consent=consent)
    assert first.withdrawn_at is not None
    assert second.withdrawn_at == first.withdrawn_at
    consent.refresh_from_db()
    assert consent.withdrawn_at == first.withdrawn_at


def test_a_withdrawn_consent_can_be_given_again_as_a_new_record():
    resident = factories.ResidentFactory()
    first = consent_give(resident=resident, purpose=PERSONAL, text_version="2026-01")
    consent_withdraw(consent=first)
    second = consent_give(resident=resident, purpose=PERSONAL, text_version="2026-01")
    assert second.pk != first.pk and second.is_active
    assert consent_list(resident=resident).count() == 2


def test_resident_list_searches_and_keeps_to_the_stations_asked(station_a, station_b):
    mine = factories.ResidentFactory(station=station_a, family_name="Okafor")
    factories.ResidentFactory(station=station_b, family_name="Okafor")
    found = resident_list(station_ids=[station_a.pk], search="okaf")
    assert list(found) == [mine]


def test_resident_get_answers_404_for_another_stations_resident(station_a, station_b):
    from django.http import Http404

    theirs = factories.ResidentFactory(station=station_b)
    assert resident_get(pk=theirs.pk, station_ids=None) == theirs
    with pytest.raises(Http404):
        resident_get(pk=theirs.pk, station_ids=[station_a.pk])
