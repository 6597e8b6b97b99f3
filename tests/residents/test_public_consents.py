"""Consents on the public site: the consent page other pages send a person
to, and withdrawing a consent from My page."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import escape

from residents.consent_texts import current
from residents.models import Consent, Resident
from tests import factories
from tests.accounts.support import _fast_password_hashing, _own_cache, url  # noqa: F401

pytestmark = pytest.mark.django_db

HEALTH = Consent.Purpose.HEALTH_COUNSELLING


@pytest.fixture
def person(client, station_a):
    user = factories.UserFactory(email="omar@example.org", preferred_language="en")
    factories.ResidentFactory(station=station_a, user=user, family_name="Haddad")
    client.force_login(user)
    return user


def consent_page(purpose="health_counselling", station="station-a", language="en", **more):
    query = {"purpose": purpose, "station": station, **more}
    return url("residents:give_consent", language) + "?" + urlencode(query)


def give(client, purpose="health_counselling", station="station-a", **more):
    data = {
        "purpose": purpose,
        "station": station,
        "text_version": current(purpose).version if purpose in Consent.Purpose.values else "x",
        **more,
    }
    return client.post(url("residents:give_consent"), data)


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        (
            "en",
            [
                "Health and counselling information (sensitive)",
                "sensitive personal information",
                "I agree",
            ],
        ),
        ("zh-hans", ["健康和咨询信息（敏感个人信息）", "敏感个人信息", "我同意"]),
    ],
)
def test_the_consent_page_shows_the_text_in_the_persons_language(client, person, language, texts):
    response = client.get(consent_page(language=language))
    html = response.content.decode()
    assert response.status_code == 200
    for text in texts:
        assert text in html
    assert f'value="{current(HEALTH).version}"' in html


def test_giving_a_consent_records_it_and_goes_on_to_next(client, person, station_a):
    next_url = "/en/consultations/psychology/"
    page = client.get(consent_page(next=next_url))
    assert f'name="next" value="{next_url}"' in page.content.decode()
    response = give(client, next=next_url)
    assert response.status_code == 302
    assert response["Location"] == next_url
    consent = Consent.objects.get(purpose=HEALTH)
    assert consent.resident.user == person and consent.station == station_a
    assert consent.text_version == current(HEALTH).version
    assert consent.withdrawn_at is None


def test_without_next_the_person_returns_to_my_page(client, person):
    response = give(client, purpose="newsletter")
    assert response["Location"] == url("residents:my_page")


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "http:/x"]
)
def test_an_unsafe_next_is_dropped(client, person, target):
    page = client.get(consent_page(next=target)).content.decode()
    assert f'value="{escape(target)}"' not in page
    assert f'href="{escape(target)}"' not in page
    response = give(client, next=target)
    assert response.status_code == 302
    assert response["Location"] == url("residents:my_page")
    assert Consent.objects.filter(purpose=HEALTH).count() == 1


def test_the_station_may_be_left_out_by_a_person_with_one_profile(client, person, station_a):
    assert client.get(consent_page(station="")).status_code == 200
    give(client, station="")
    assert Consent.objects.get(purpose=HEALTH).station == station_a


def test_a_consent_at_another_station_makes_a_profile_there(client, person, station_b):
    response = give(client, station="station-b")
    assert response.status_code == 302
    mine = Resident.objects.get(user=person, station=station_b)
    purposes = set(Consent.objects.filter(resident=mine).values_list("purpose", flat=True))
    assert purposes == {"personal_data", "health_counselling"}


def test_a_consent_already_given_is_not_asked_again(client, person):
    give(client)
    html = client.get(consent_page(next="/en/events/")).content.decode()
    assert "You have already given this consent." in html
    assert 'href="/en/events/"' in html
    assert "I agree" not in html


def test_the_consent_given_here_is_the_one_booking_a_sensitive_topic_needs(
    client, person, station_a
):
    from consultations.services import consultation_create

    booking = {
        "resident": Resident.objects.get(user=person),
        "topic": factories.TopicFactory(slug="psychology", is_sensitive=True),
        "counsellor": factories.CounsellorFactory(station=station_a),
        "starts_at": timezone.now() + timedelta(days=2),
        "ends_at": timezone.now() + timedelta(days=2, hours=1),
    }
    with pytest.raises(ValidationError) as refused:
        consultation_create(station=station_a, actor=person, **booking)
    assert "topic" in refused.value.error_dict
    give(client)
    assert consultation_create(station=station_a, actor=person, **booking).pk


REFUSED = {
    "unknown purpose": ({"purpose": "everything"}, 400, "does not know that kind of consent"),
    "unknown station": ({"station": "nowhere"}, 404, "This station was not found"),
}


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_bad_consent_addresses_are_refused(client, person, case):
    changes, status, message = REFUSED[case]
    for response in (
        client.get(consent_page(**changes)),
        give(client, **changes),
    ):
        assert response.status_code == status
        assert message in response.content.decode()
    assert not Consent.objects.exclude(purpose="personal_data").exists()


def test_an_inactive_station_is_refused(client, person):
    factories.StationFactory(slug="closed", is_active=False)
    assert give(client, station="closed").status_code == 404
    assert not Consent.objects.filter(purpose=HEALTH).exists()


def test_a_text_changed_since_it_was_shown_is_refused(client, person):
    response = give(client, text_version="2001-01")
    assert response.status_code == 400
    assert "The text of this consent has just changed" in response.content.decode()
    assert not Consent.objects.filter(purpose=HEALTH).exists()


def test_an_account_without_a_profile_has_nothing_to_consent(client, staff_a, station_a):
    client.force_login(staff_a)
    response = give(client)
    assert response.status_code == 409
    assert "no resident profile" in response.content.decode()
    assert not Consent.objects.exists()


def test_the_consent_page_needs_a_log_in(client):
    response = client.get(consent_page())
    assert response.status_code == 302
    assert response["Location"].startswith(url("accounts:login") + "?next=")


# --- Withdrawing ---------------------------------------------------------------------


def test_withdrawing_asks_first_then_records_the_time(client, person, station_a):
    consent = factories.ConsentFactory(resident=Resident.objects.get(user=person))
    page = client.get(url("residents:withdraw_consent", "en", consent.pk))
    html = page.content.decode()
    assert page.status_code == 200
    assert "What withdrawing means" in html and "Withdraw my consent" in html
    consent.refresh_from_db()
    assert consent.withdrawn_at is None

    response = client.post(url("residents:withdraw_consent", "en", consent.pk), follow=True)
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert response.redirect_chain[-1][0] == url("residents:my_page")
    html = response.content.decode()
    assert "Your consent is withdrawn." in html
    assert f'href="{url("residents:withdraw_consent", "en", consent.pk)}"' not in html


def test_someone_elses_consent_is_not_found(client, person, station_a):
    other = factories.ConsentFactory(resident=factories.ResidentFactory(station=station_a))
    for method in (client.get, client.post):
        assert method(url("residents:withdraw_consent", "en", other.pk)).status_code == 404
    other.refresh_from_db()
    assert other.withdrawn_at is None


def test_withdrawing_needs_a_post(client, person):
    consent = factories.ConsentFactory(resident=Resident.objects.get(user=person))
    client.get(url("residents:withdraw_consent", "en", consent.pk))
    client.put(url("residents:withdraw_consent", "en", consent.pk))
    consent.refresh_from_db()
    assert consent.withdrawn_at is None
