"""Logging in and out, and choosing a new password by e-mail."""

import re

import pytest
from django.contrib.auth import SESSION_KEY

from accounts.models import User
from tests import factories

from .support import PASSWORD, link_in, url

pytestmark = pytest.mark.django_db


def log_in(client, email="anna.muller@example.org", password=PASSWORD, language="en", **extra):
    return client.post(
        url("accounts:login", language), {"username": email, "password": password, **extra}
    )


@pytest.mark.parametrize(("preferred", "page"), [("en", "zh-hans"), ("zh-hans", "en")])
def test_logging_in_lands_on_my_page_in_the_preferred_language(
    client, confirmed_account, station_a, preferred, page
):
    confirmed_account(station_a, preferred_language=preferred)
    response = log_in(client, language=page)
    assert response.status_code == 302
    assert response["Location"] == url("residents:my_page", preferred)
    assert response.cookies["django_language"].value == preferred
    assert client.get(response["Location"]).status_code == 200


def test_logging_in_goes_on_to_the_page_asked_for_in_the_preferred_language(
    client, confirmed_account, station_a
):
    confirmed_account(station_a, preferred_language="zh-hans")
    response = log_in(client, next="/en/my/details/")
    assert response["Location"] == "/zh-hans/my/details/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/my/", "javascript:x"])
def test_an_unsafe_next_is_ignored(client, confirmed_account, station_a, target):
    confirmed_account(station_a)
    response = log_in(client, next=target)
    assert response.status_code == 302
    assert response["Location"] == url("residents:my_page")


def test_the_address_is_not_case_sensitive(client, confirmed_account, station_a):
    confirmed_account(station_a)
    assert log_in(client, email="ANNA.Muller@EXAMPLE.org").status_code == 302


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "The e-mail address or the password is not right."),
        ("zh-hans", "电子邮箱或密码不正确"),
    ],
)
def test_a_wrong_password_is_refused_in_the_persons_language(
    client, confirmed_account, station_a, language, message
):
    confirmed_account(station_a)
    response = log_in(client, password="not my password", language=language)
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert 'value="anna.muller@example.org"' in html  # what was typed stays
    assert SESSION_KEY not in client.session


def test_an_unconfirmed_account_is_told_to_confirm_and_offered_a_new_link(
    client, sign_up, station_a
):
    sign_up(station_a)
    response = log_in(client)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Your e-mail address is not confirmed yet." in html
    assert "/en/accounts/confirm-again/?email=anna.muller%40example.org" in html
    assert SESSION_KEY not in client.session


def test_an_unconfirmed_account_with_a_wrong_password_says_nothing_about_the_account(
    client, sign_up, station_a
):
    sign_up(station_a)
    html = log_in(client, password="guess").content.decode()
    assert "not confirmed" not in html
    assert "The e-mail address or the password is not right." in html


def test_staff_can_log_in_here_too(client, staff_a):
    response = log_in(client, email=staff_a.email, password=factories.PASSWORD)
    assert response.status_code == 302
    page = client.get(url("residents:my_page"))
    assert page.status_code == 200
    assert "no resident profile" in page.content.decode()


def test_log_out_is_a_post_and_ends_the_session(client, confirmed_account, station_a):
    confirmed_account(station_a)
    log_in(client)
    assert client.get(url("accounts:logout")).status_code == 405
    response = client.post(url("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == url("stations:home")
    assert SESSION_KEY not in client.session


def test_my_pages_send_a_visitor_to_the_log_in_page(client):
    for name in ("residents:my_page", "residents:details", "residents:my_data"):
        response = client.get(url(name, "zh-hans"))
        assert response.status_code == 302
        assert response["Location"].startswith(url("accounts:login", "zh-hans") + "?next=")


def test_log_in_is_rate_limited(
    client, confirmed_account, station_a, one_rate_window, settings
):
    from accounts.views import LOGIN_LIMIT

    # the address's request limit on its own; the lockout after failed
    # passwords (lower) is tested in tests/test_security.py
    settings.AXES_FAILURE_LIMIT = LOGIN_LIMIT[0] + 10
    confirmed_account(station_a)
    for _ in range(LOGIN_LIMIT[0]):
        assert log_in(client, password="guess").status_code == 400
    response = log_in(client)  # even the right password, until the window passes
    assert response.status_code == 429
    assert SESSION_KEY not in client.session


# --- Password reset -----------------------------------------------------------------


@pytest.fixture
def ask_for_reset(client, django_capture_on_commit_callbacks):
    def post(email, language="en"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url("accounts:password_reset", language), {"email": email})

    return post


@pytest.mark.parametrize(
    ("preferred", "subject"), [("en", "Choose a new password"), ("zh-hans", "设置新密码")]
)
def test_a_new_password_by_e_mail(
    client, confirmed_account, station_a, mailoutbox, ask_for_reset, preferred, subject
):
    user = confirmed_account(station_a, preferred_language=preferred)
    mailoutbox.clear()
    response = ask_for_reset("Anna.Muller@example.org")
    assert response.status_code == 302
    assert response["Location"] == url("accounts:password_reset_done")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.subject == subject and message.to == [user.email]
    link = link_in(message)
    assert link.startswith(f"/{preferred}/accounts/password/reset/")

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    new_password = "A quieter harbour 2027"
    done = client.post(set_url, {"new_password1": new_password, "new_password2": new_password})
    assert done.status_code == 302
    assert done["Location"] == url("accounts:password_reset_complete", preferred)
    user.refresh_from_db()
    assert user.check_password(new_password)
    # the link works once
    assert client.get(link).status_code == 400


def test_an_unknown_address_gets_the_same_answer_and_no_e_mail(
    mailoutbox, ask_for_reset, station_a
):
    response = ask_for_reset("nobody@example.org")
    assert response.status_code == 302
    assert response["Location"] == url("accounts:password_reset_done")
    assert mailoutbox == []


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_forged_reset_link_is_refused(client, confirmed_account, station_a, language):
    user = confirmed_account(station_a)
    old_hash = user.password
    forged = url("accounts:password_reset_confirm", language, uidb64="MQ", token="abc-123")
    response = client.get(forged)
    html = response.content.decode()
    assert response.status_code == 400
    if language == "en":
        assert "This link to choose a new password is not valid" in html
    else:
        assert re.search(r"[\u4e00-\u9fff]", html) and "not valid" not in html
    response = client.post(forged, {"new_password1": "x Y z 12345", "new_password2": "x Y z 12345"})
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.password == old_hash


def test_a_weak_new_password_is_refused(
    client, confirmed_account, station_a, mailoutbox, ask_for_reset
):
    user = confirmed_account(station_a)
    ask_for_reset(user.email)
    set_url = client.get(link_in(mailoutbox[-1]), follow=True).redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": "password", "new_password2": "password"})
    assert response.status_code == 400
    assert "This password is too common." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_asking_for_a_new_password_is_rate_limited(ask_for_reset, mailoutbox, one_rate_window):
    from accounts.views import PASSWORD_RESET_LIMIT

    factories.UserFactory(email="someone@example.org")
    for _ in range(PASSWORD_RESET_LIMIT[0]):
        ask_for_reset("someone@example.org")
    assert ask_for_reset("someone@example.org").status_code == 429
    assert len(mailoutbox) == PASSWORD_RESET_LIMIT[0]
    assert User.objects.count() == 1
