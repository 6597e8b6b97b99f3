"""A person who signs up with the e-mail address of a record the station
already keeps is matched to it once the address is confirmed, not before."""

from datetime import date

import pytest

from accounts.models import User
from residents.consent_texts import current
from residents.models import Consent, Resident
from tests import factories

from .support import link_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(station_a):
    """What the station's staff recorded about Anna before she signed up."""
    return factories.ResidentFactory(
        station=station_a,
        family_name="MÜLLER",
        given_name="",
        email="anna.muller@example.org",
        phone="",
        address="Guanren Road 12",
        arrival_date=date(2024, 3, 1),
        document_type="residence_permit",
        document_number="R-778899",
        languages=["de"],
        preferred_language="zh-hans",
    )


def test_the_record_is_matched_once_the_address_is_confirmed(
    client, sign_up, record, station_a, mailoutbox
):
    paper = factories.ConsentFactory(resident=record, text_version="2025-01")
    sign_up(station_a)
    # before the address is proved, nothing of the record changes hands
    record.refresh_from_db()
    assert record.user is None
    assert Resident.objects.filter(station=station_a).count() == 2

    client.post(link_in(mailoutbox[0]))

    user = User.objects.get()
    assert list(Resident.objects.filter(station=station_a)) == [record]
    record.refresh_from_db()
    assert record.user == user
    # the person's own details replace the station's where given ...
    assert (record.family_name, record.given_name, record.chinese_name) == (
        "Müller",
        "Anna",
        "安娜",
    )
    assert record.phone == "+4930901820" and record.languages == ["de", "en"]
    assert record.preferred_language == "en"
    # ... and what only the station recorded stays
    assert record.address == "Guanren Road 12"
    assert record.arrival_date == date(2024, 3, 1)
    assert (record.document_type, record.document_number) == ("residence_permit", "R-778899")
    # the consent given at sign-up moved with its time; the paper one is superseded, kept
    consents = list(Consent.objects.filter(resident=record).order_by("given_at"))
    assert [c.pk for c in consents][0] == paper.pk
    assert consents[0].withdrawn_at is not None
    assert consents[-1].text_version == current("personal_data").version
    assert consents[-1].withdrawn_at is None
    assert Consent.objects.count() == 2


def test_the_matched_person_sees_the_stations_record_on_their_page(
    client, confirmed_account, record, station_a
):
    event = factories.EventFactory(station=station_a, title_en="Calligraphy afternoon")
    factories.RegistrationFactory(event=event, resident=record)
    user = confirmed_account(station_a)
    client.force_login(user)
    assert "Calligraphy afternoon" in client.get("/en/my/").content.decode()


def test_two_records_with_the_address_are_left_for_staff(
    client, confirmed_account, record, station_a
):
    twin = factories.ResidentFactory(
        station=station_a, family_name="Müller", email="anna.muller@example.org"
    )
    user = confirmed_account(station_a)
    assert Resident.objects.get(user=user) not in (record, twin)
    record.refresh_from_db()
    twin.refresh_from_db()
    assert record.user is None and twin.user is None


@pytest.mark.parametrize(
    "difference",
    [
        {"family_name": "Schmidt"},  # a relative sharing the family's address
        {"email": "someone.else@example.org"},
    ],
)
def test_a_record_of_someone_else_is_not_matched(confirmed_account, record, station_a, difference):
    for name, value in difference.items():
        setattr(record, name, value)
    record.save()
    user = confirmed_account(station_a)
    record.refresh_from_db()
    assert record.user is None
    assert Resident.objects.get(user=user).pk != record.pk


def test_a_record_at_another_station_is_not_matched(confirmed_account, record, station_b):
    user = confirmed_account(station_b)
    record.refresh_from_db()
    assert record.user is None
    assert Resident.objects.get(user=user).station == station_b


def test_a_record_linked_to_another_account_is_not_matched(confirmed_account, record, station_a):
    record.user = factories.UserFactory()
    record.save()
    user = confirmed_account(station_a)
    record.refresh_from_db()
    assert record.user != user


def test_a_sign_up_profile_staff_already_used_is_not_merged(
    client, sign_up, record, station_a, mailoutbox
):
    sign_up(station_a)
    signup_profile = Resident.objects.get(user__isnull=False)
    factories.RegistrationFactory(
        event=factories.EventFactory(station=station_a), resident=signup_profile
    )
    client.post(link_in(mailoutbox[0]))
    record.refresh_from_db()
    assert record.user is None
    assert Resident.objects.filter(pk=signup_profile.pk, user__isnull=False).exists()
