"""What a station's staff see when a resident's or a consent's data is wrong.

Messages are asserted in English; their Chinese translations are checked by the
catalogue tests."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from residents.models import Consent, Resident
from residents.services import resident_create
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def create(station, **overrides):
    fields = {
        "family_name": "Müller",
        "given_name": "Anna",
        "nationality": "DE",
        "languages": ["de", "en"],
        "phone": "+49 30 901820",
        "email": "anna@example.org",
    }
    fields.update(overrides)
    return resident_create(station=station, actor=None, **fields)


def errors_of(station, **overrides) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        create(station, **overrides)
    return caught.value.message_dict


@pytest.mark.parametrize("phone", ["12345", "0592 123 4567", "call me"])
def test_a_phone_without_country_code_asks_for_international_form(station_a, phone):
    assert errors_of(station_a, phone=phone)["phone"] == [
        "Enter a phone number in international format, e.g. +86 138 0000 0000."
    ]


@pytest.mark.parametrize("phone", ["+86 123", "+86 138 0000"])
def test_a_phone_number_that_cannot_exist_is_refused(station_a, phone):
    assert errors_of(station_a, phone=phone)["phone"] == [
        "This phone number does not exist. Check the country code and the digits."
    ]


def test_an_unknown_country_code_is_refused(station_a):
    assert errors_of(station_a, nationality="XX")["nationality"] == [
        "Value 'XX' is not a valid choice."
    ]


@pytest.mark.parametrize("email", ["anna@", "anna.example.org", "anna@@example.org"])
def test_a_malformed_email_is_refused(station_a, email):
    assert errors_of(station_a, email=email)["email"] == ["Enter a valid email address."]


def test_nothing_is_saved_when_a_field_is_wrong(station_a):
    errors_of(station_a, phone="12345")
    assert not Resident.objects.exists()


def test_a_valid_resident_is_stored_with_normalised_phone_and_email(station_a):
    resident = create(station_a, phone="+86 138 0000 0000", email="Anna@Example.ORG")
    resident.refresh_from_db()
    assert resident.phone == "+8613800000000"
    assert resident.email == "anna@example.org"
    assert resident.station == station_a


def test_an_arrival_in_the_future_is_refused(station_a):
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert errors_of(station_a, arrival_date=tomorrow)["arrival_date"] == [
        "The arrival date cannot be in the future."
    ]


def test_a_document_number_needs_its_type(station_a):
    assert errors_of(station_a, document_number="C01234567")["document_type"] == [
        "Choose the type of the identity document."
    ]


def test_the_same_document_twice_at_one_station_is_refused(station_a, station_b):
    create(station_a, document_type="passport", document_number="C01234567")
    errors = errors_of(station_a, document_type="passport", document_number="C01234567", email="")
    assert errors["__all__"] == [
        "A resident with this document number is already registered at this station."
    ]
    # another station keeps its own file for the same person
    create(station_b, document_type="passport", document_number="C01234567")


def test_a_consent_withdrawn_before_it_was_given_is_refused():
    consent = factories.ConsentFactory()
    consent.withdrawn_at = consent.given_at - timedelta(minutes=1)
    with pytest.raises(ValidationError) as caught:
        consent.full_clean()
    assert caught.value.message_dict["withdrawn_at"] == [
        "A consent cannot be withdrawn before it was given."
    ]


def test_the_database_refuses_a_consent_withdrawn_before_it_was_given():
    consent = factories.ConsentFactory()
    with pytest.raises(IntegrityError, match="consent_withdrawn_after_given"):
        with transaction.atomic():
            Consent.objects.filter(pk=consent.pk).update(
                withdrawn_at=consent.given_at - timedelta(seconds=1)
            )


def test_the_database_refuses_two_active_consents_for_one_purpose():
    consent = factories.ConsentFactory()
    with pytest.raises(IntegrityError, match="consent_one_active_per_purpose"):
        with transaction.atomic():
            Consent.objects.create(
                station=consent.station,
                resident=consent.resident,
                purpose=consent.purpose,
                text_version="2026-02",
            )


def test_a_consent_for_a_resident_of_another_station_is_refused(station_a, station_b):
    resident = factories.ResidentFactory(station=station_b)
    consent = Consent(
        station=station_a,
        resident=resident,
        purpose=Consent.Purpose.PERSONAL_DATA,
        text_version="2026-01",
    )
    with pytest.raises(ValidationError) as caught:
        consent.full_clean()
    assert caught.value.message_dict["resident"] == ["This belongs to another station."]
