"""Signing up, confirming the e-mail address and the refusals on the way."""

import re
import time

import pytest
from django.core import signing

from accounts.models import User
from accounts.tokens import confirmation_token
from residents.consent_texts import current
from residents.models import Consent, Resident
from tests import factories

from .support import PASSWORD, link_in, signup_data, url

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def counts() -> tuple[int, int, int]:
    return User.objects.count(), Resident.objects.count(), Consent.objects.count()


@pytest.mark.parametrize(
    ("language", "texts", "absent"),
    [
        ("en", ["Create your account", "Your personal information", "What we collect"], "创建"),
        ("zh-hans", ["创建账户", "您的个人信息", "我们收集什么"], "Create your account"),
    ],
)
def test_the_sign_up_page_says_what_is_collected_and_why_in_the_persons_language(
    client, station_a, language, texts, absent
):
    response = client.get(url("accounts:signup", language))
    html = response.content.decode()
    assert response.status_code == 200
    for text in texts:
        assert text in html
    assert absent not in html
    # consent is asked with its own box, and the identity document is not asked at all
    assert 'name="consent"' in html and 'type="checkbox"' in html
    assert "document_number" not in html and "document_type" not in html
    assert f'value="{current("personal_data").version}"' in html
    # the station can be chosen, listed under its district
    assert f'value="{station_a.slug}"' in html and "<optgroup" in html


def test_inactive_stations_cannot_be_chosen(client, station_a):
    closed = factories.StationFactory(slug="closed", is_active=False)
    html = client.get(url("accounts:signup")).content.decode()
    assert f'value="{station_a.slug}"' in html
    assert f'value="{closed.slug}"' not in html


def test_the_station_of_a_link_is_chosen_already(client, station_a, station_b):
    html = client.get(url("accounts:signup") + f"?station={station_b.slug}").content.decode()
    assert re.search(rf'<option value="{station_b.slug}" selected>', html)


def test_signing_up_makes_an_inactive_account_a_profile_and_a_consent(
    sign_up, station_a, mailoutbox
):
    before = counts()
    response = sign_up(station_a)
    assert response.status_code == 302
    assert response["Location"] == url("accounts:signup_sent")

    user = User.objects.get()
    assert user.email == "anna.muller@example.org"
    assert not user.is_active and user.email_confirmed_at is None
    assert user.check_password(PASSWORD)
    assert user.preferred_language == "en"
    assert user.full_name == "Anna Müller (安娜)"

    resident = Resident.objects.get()
    assert resident.user == user and resident.station == station_a
    assert (resident.family_name, resident.given_name, resident.chinese_name) == (
        "Müller",
        "Anna",
        "安娜",
    )
    assert resident.nationality.code == "DE" and resident.languages == ["de", "en"]
    assert resident.phone == "+4930901820" and resident.email == user.email
    assert resident.document_number == ""

    consent = Consent.objects.get()
    assert consent.resident == resident and consent.station == station_a
    assert consent.purpose == Consent.Purpose.PERSONAL_DATA
    assert consent.text_version == current("personal_data").version
    assert consent.given_at is not None and consent.withdrawn_at is None
    assert counts() == (before[0] + 1, before[1] + 1, before[2] + 1)

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [user.email]


def test_the_sent_page_names_the_address(client, sign_up, station_a):
    sign_up(station_a)
    html = client.get(url("accounts:signup_sent")).content.decode()
    assert "anna.muller@example.org" in html
    assert "3 days" in html


@pytest.mark.parametrize(
    ("preferred", "subject", "phrase"),
    [
        ("en", "Confirm your e-mail address", "Open this link to confirm"),
        ("zh-hans", "确认您的电子邮箱", "打开此链接"),
    ],
)
def test_the_confirmation_e_mail_speaks_the_chosen_language_whatever_the_page(
    sign_up, station_a, mailoutbox, preferred, subject, phrase
):
    page_language = "zh-hans" if preferred == "en" else "en"
    sign_up(station_a, page_language, preferred_language=preferred)
    message = mailoutbox[0]
    assert message.subject == subject
    assert phrase in message.body
    assert {"en": "Station A", "zh-hans": "甲站"}[preferred] in message.body
    assert link_in(message).startswith(f"/{preferred}/accounts/confirm/")


def test_the_link_confirms_the_address_and_activates_the_account(
    client, sign_up, station_a, mailoutbox
):
    sign_up(station_a)
    link = link_in(mailoutbox[0])

    page = client.get(link)
    assert page.status_code == 200
    assert not User.objects.get().is_active  # opening the link does nothing yet

    response = client.post(link, follow=True)
    user = User.objects.get()
    assert user.is_active and user.email_confirmed_at is not None
    assert response.redirect_chain[-1][0] == url("accounts:login")
    assert "your e-mail address is confirmed" in response.content.decode()


def test_a_link_opened_twice_does_no_harm(client, sign_up, station_a, mailoutbox):
    sign_up(station_a)
    link = link_in(mailoutbox[0])
    client.post(link)
    confirmed_at = User.objects.get().email_confirmed_at
    response = client.post(link, follow=True)
    assert response.status_code == 200
    assert "already confirmed" in response.content.decode()
    assert User.objects.get().email_confirmed_at == confirmed_at


def test_a_forged_link_is_refused_with_a_way_to_ask_again(client, sign_up, station_a, mailoutbox):
    sign_up(station_a)
    link = link_in(mailoutbox[0])
    forged = link[:-3] + ("AAA/" if not link.endswith("AAA/") else "BBB/")
    for method in (client.get, client.post):
        response = method(forged)
        html = response.content.decode()
        assert response.status_code == 400
        assert "This confirmation link is not valid" in html
        assert 'action="/en/accounts/confirm-again/"' in html
    assert not User.objects.get().is_active


def test_a_link_signed_for_someone_else_is_refused(client, sign_up, station_a, mailoutbox):
    sign_up(station_a)
    user = User.objects.get()
    other = factories.UserFactory(is_active=False)
    token = confirmation_token(user_id=other.pk, email=user.email)
    response = client.post(url("accounts:confirm", token=token))
    assert response.status_code == 400
    other.refresh_from_db()
    assert not other.is_active


def test_a_link_signed_with_another_salt_is_refused(client, sign_up, station_a):
    sign_up(station_a)
    user = User.objects.get()
    token = signing.dumps({"u": user.pk, "e": user.email}, salt="events.registration.self-service")
    assert client.post(url("accounts:confirm", token=token)).status_code == 400
    assert not User.objects.get().is_active


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_expired_link_is_refused_in_the_persons_language(
    client, sign_up, station_a, mailoutbox, monkeypatch, language
):
    sign_up(station_a, preferred_language=language)
    link = link_in(mailoutbox[0])
    later = time.time() + 3 * 24 * 3600 + 60
    monkeypatch.setattr(signing.time, "time", lambda: later)
    response = client.post(link)
    html = response.content.decode()
    assert response.status_code == 400
    if language == "en":
        assert "This confirmation link has expired" in html
    else:
        assert "确认链接已过期" in html
    assert not User.objects.get().is_active


def test_a_deactivated_account_is_not_reactivated_by_a_link(client, confirmed_account, station_a):
    user = confirmed_account(station_a)
    client.force_login(user)
    client.logout()
    User.objects.filter(pk=user.pk).update(is_active=False, email_confirmed_at=None)
    token = confirmation_token(user_id=user.pk, email=user.email)
    client.post(url("accounts:confirm", token=token))
    user.refresh_from_db()
    assert not user.is_active


def test_a_new_link_is_sent_to_an_account_awaiting_confirmation(
    client, sign_up, station_a, mailoutbox, django_capture_on_commit_callbacks
):
    sign_up(station_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("accounts:resend_confirmation"), {"email": "ANNA.muller@example.org"}, follow=True
        )
    assert "we have sent it a new link" in response.content.decode()
    assert len(mailoutbox) == 2
    client.post(link_in(mailoutbox[1]))
    assert User.objects.get().is_active


def test_asking_for_a_link_says_the_same_for_an_unknown_or_confirmed_address(
    client, confirmed_account, station_a, mailoutbox, django_capture_on_commit_callbacks
):
    confirmed_account(station_a)
    sent = len(mailoutbox)
    answers = []
    for email in ("nobody@example.org", "anna.muller@example.org"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                url("accounts:resend_confirmation"), {"email": email}, follow=True
            )
        answers.append(response.redirect_chain)
    assert answers[0] == answers[1]
    assert len(mailoutbox) == sent


# --- Refusals: a clear message next to the field, 400, nothing written ---------------


REFUSALS = {
    "duplicate e-mail": (
        {"email": "taken@example.org"},
        "email",
        "An account with this e-mail address already exists.",
    ),
    "duplicate e-mail in other letters": (
        {"email": "TAKEN@Example.org"},
        "email",
        "An account with this e-mail address already exists.",
    ),
    "weak password": (
        {"password": "12345678", "password_again": "12345678"},
        "password",
        "This password is too common.",
    ),
    "short password": (
        {"password": "Ab1!", "password_again": "Ab1!"},
        "password",
        "This password is too short: use at least 8 characters.",
    ),
    "passwords differ": ({"password_again": "something else 2026"}, "password_again", "differ"),
    "missing consent": ({"consent": None}, "consent", "Without your consent"),
    "malformed phone": (
        {"phone": "0592 123 4567"},
        "phone",
        "Enter a phone number in international format",
    ),
    "unknown country": ({"nationality": "XX"}, "nationality", "Select a valid choice."),
    "unknown station": ({"station": "nowhere"}, "station", "Select a valid choice."),
    "missing family name": ({"family_name": ""}, "family_name", "This field is required."),
    "malformed e-mail": ({"email": "anna@"}, "email", "Enter a valid email address."),
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_bad_sign_up_input_is_refused_next_to_its_field(
    client, station_a, mailoutbox, django_capture_on_commit_callbacks, case
):
    changes, field, message = REFUSALS[case]
    factories.UserFactory(email="taken@example.org")
    before = counts()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("accounts:signup"), signup_data(station_a, **changes))
    html = response.content.decode()
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert any(message in error for error in errors[field]), errors[field]
    # next to the field, named by it, and listed on top with a link to it
    assert f'id="id_{field}_error"' in html
    assert re.search(rf'aria-describedby="[^"]*id_{field}_error', html) or field == "consent"
    assert 'class="account-error-summary"' in html
    assert counts() == before
    assert mailoutbox == []


def test_a_refused_form_keeps_what_was_typed_except_the_passwords(client, station_a):
    response = client.post(url("accounts:signup"), signup_data(station_a, phone="12"))
    html = response.content.decode()
    assert 'value="Anna.Muller@Example.org"' in html
    assert 'value="Müller"' in html and 'value="安娜"' in html
    assert re.search(r'<option value="DE" selected>', html)
    assert re.search(rf'<option value="{station_a.slug}" selected>', html)
    assert re.search(r'value="de"[^>]*checked', html)
    assert PASSWORD not in html


def test_refusals_speak_chinese_on_the_chinese_page(client, station_a):
    response = client.post(
        url("accounts:signup", "zh-hans"),
        signup_data(station_a, consent=None, phone="12", password="1", password_again="1"),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    for field in ("consent", "phone", "password"):
        assert all(CJK.search(message) for message in errors[field]), errors[field]


def test_an_outdated_consent_text_is_refused(client, station_a):
    before = counts()
    response = client.post(
        url("accounts:signup"), signup_data(station_a, consent_version="2020-01")
    )
    assert response.status_code == 400
    assert "has just changed" in response.content.decode()
    assert counts() == before


def test_a_signed_in_person_is_sent_to_their_page(client, station_a):
    client.force_login(factories.UserFactory())
    response = client.get(url("accounts:signup"))
    assert response.status_code == 302
    assert response["Location"] == url("residents:my_page")


def test_sign_up_is_rate_limited(client, station_a, one_rate_window):
    from accounts.views import SIGNUP_LIMIT

    limit = SIGNUP_LIMIT[0]
    for _ in range(limit):
        assert client.post(url("accounts:signup"), {"email": "x"}).status_code == 400
    response = client.post(url("accounts:signup"), signup_data(station_a))
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert not User.objects.exists()
    # reading the form is never limited
    assert client.get(url("accounts:signup")).status_code == 200


def test_asking_for_links_is_rate_limited(client, one_rate_window):
    from accounts.views import RESEND_LIMIT

    for _ in range(RESEND_LIMIT[0]):
        client.post(url("accounts:resend_confirmation"), {"email": "a@example.org"})
    response = client.post(url("accounts:resend_confirmation"), {"email": "a@example.org"})
    assert response.status_code == 429
