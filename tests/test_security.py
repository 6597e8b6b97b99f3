"""Staff accounts that hold: brute-force lockout (also against rotating and
forged client addresses), idle sessions ending, security headers on every
page, and a production configuration that passes Django's deploy check."""

import base64
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django_scopes import scope

from stations.security import IDLE_LIMIT_KEY
from tests import factories

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
LIMIT = settings.AXES_FAILURE_LIMIT
LOCKED = {"en": "Too many attempts", "zh-hans": "尝试次数过多"}


def attempt(client, path, email, password, address="203.0.113.7", forwarded=None):
    headers = {"REMOTE_ADDR": address}
    if forwarded:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(path, {"username": email, "password": password}, **headers)


def admin_login(language="en"):
    return f"/{language}/admin/login/?next=/{language}/admin/"


def public_login(language="en"):
    return f"/{language}/accounts/login/"


# --- brute force ------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_right_password_is_refused_after_the_failure_limit(client, staff_a, language):
    for _ in range(LIMIT - 1):
        response = attempt(client, admin_login(language), staff_a.email, "wrong password")
        assert response.status_code == 200  # the form again, with its error
    # the failure that reaches the limit is answered with the lockout page
    response = attempt(client, admin_login(language), staff_a.email, "wrong password")
    assert response.status_code == 429
    response = attempt(client, admin_login(language), staff_a.email, factories.PASSWORD)
    assert response.status_code == 429
    assert LOCKED[language] in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_fewer_failures_than_the_limit_then_the_right_password_logs_in(client, staff_a):
    for _ in range(LIMIT - 1):
        attempt(client, admin_login(), staff_a.email, "wrong password")
    response = attempt(client, admin_login(), staff_a.email, factories.PASSWORD)
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == staff_a.pk


def test_rotating_client_addresses_does_not_reset_the_count(client, staff_a):
    for n in range(LIMIT):
        attempt(client, admin_login(), staff_a.email, "wrong", address=f"198.51.100.{n + 1}")
    response = attempt(
        client, admin_login(), staff_a.email, factories.PASSWORD, address="192.0.2.200"
    )
    assert response.status_code == 429


def test_a_forged_forwarded_for_header_changes_nothing(client, staff_a):
    for n in range(LIMIT):
        attempt(client, admin_login(), staff_a.email, "wrong", forwarded=f"10.0.0.{n + 1}")
    response = attempt(
        client, admin_login(), staff_a.email, factories.PASSWORD, forwarded="10.9.9.9"
    )
    assert response.status_code == 429


def test_changing_the_case_of_the_address_does_not_reset_the_count(client, staff_a):
    for n in range(LIMIT):
        email = staff_a.email.upper() if n % 2 else staff_a.email
        attempt(client, admin_login(), email, "wrong")
    assert attempt(client, admin_login(), staff_a.email, factories.PASSWORD).status_code == 429


def test_one_client_trying_many_accounts_is_stopped(client, staff_a):
    for n in range(LIMIT):
        attempt(client, public_login(), f"someone-{n}@example.org", "guess")
    response = attempt(client, public_login(), staff_a.email, factories.PASSWORD)
    assert response.status_code == 429


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_public_log_in_locks_too_and_says_so_in_the_pages_language(
    client, staff_a, language
):
    for _ in range(LIMIT):
        attempt(client, public_login(language), staff_a.email, "wrong")
    response = attempt(client, public_login(language), staff_a.email, factories.PASSWORD)
    assert response.status_code == 429
    assert LOCKED[language] in response.content.decode()


# --- sessions ---------------------------------------------------------------------------


def test_a_staff_session_ends_after_the_idle_limit(client, staff_a):
    client.force_login(staff_a)
    client.get("/en/admin/")
    assert client.session[IDLE_LIMIT_KEY] == settings.STAFF_SESSION_IDLE_SECONDS
    assert client.session.get_expiry_age() == settings.STAFF_SESSION_IDLE_SECONDS
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == settings.STAFF_SESSION_IDLE_SECONDS


def test_a_residents_session_keeps_the_ordinary_length(client, station_a):
    user = factories.UserFactory()
    factories.ResidentFactory(station=station_a, user=user, email=user.email)
    client.force_login(user)
    # as in a real request, no station scope is open before the middleware's
    with scope():
        assert client.get("/en/my/").status_code == 200
    assert client.session[IDLE_LIMIT_KEY] == 0
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


# --- headers ----------------------------------------------------------------------------

PUBLIC_PAGES = [
    "/{lang}/",
    "/{lang}/events/",
    "/{lang}/notices/",
    "/{lang}/guides/",
    "/{lang}/volunteer/",
    "/{lang}/consultations/",
    "/{lang}/accounts/login/",
    "/{lang}/accounts/signup/",
    "/{lang}/accounts/password/reset/",
    "/{lang}/admin/login/",
]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("page", PUBLIC_PAGES)
def test_every_page_carries_the_security_headers(client, station_a, page, language):
    response = client.get(page.format(lang=language))
    assert response.status_code == 200, page
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_a_station_page_carries_them_too(client, station_a):
    response = client.get(f"/en/stations/{station_a.slug}/")
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|\sstyle=\"|\son[a-z]+=\"|javascript:", re.IGNORECASE
)


def test_no_template_carries_inline_script_or_style():
    """What the policy would block: the pages must not need it."""
    offenders = []
    for template in (ROOT / "templates").rglob("*.html"):
        if "emails" in template.parts:
            continue  # e-mails are read in mail programs, not under the site's policy
        for number, line in enumerate(template.read_text().splitlines(), 1):
            if INLINE.search(line):
                offenders.append(f"{template.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


# --- production configuration -----------------------------------------------------------


def production(command: list[str]) -> subprocess.CompletedProcess:
    # the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE is for the test process only
    unset = {
        "SECRET_KEY",
        "DEBUG",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "FIELD_ENCRYPTION_KEYS",
        "FIELD_HASH_KEY",
    }
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        # encryption at rest (stations/crypto.py): production refuses to start without them
        FIELD_ENCRYPTION_KEYS=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        FIELD_HASH_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="portal.example.org",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/unused")
    return subprocess.run(
        [sys.executable, *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_deploy_check_passes_with_production_settings():
    result = production(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_cookies_are_secure_httponly_and_same_site():
    result = production(
        [
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE,"
            " s.CSRF_COOKIE_SECURE, s.CSRF_COOKIE_HTTPONLY, s.CSRF_COOKIE_SAMESITE,"
            " s.LANGUAGE_COOKIE_SECURE, s.SECURE_HSTS_SECONDS >= 31536000, s.SECURE_SSL_REDIRECT)",
        ]
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "Lax", "True", "True", "Lax", "True", "True",
                                     "True"]


def test_hsts_is_sent_over_https(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/en/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
