"""What the account and My page tests share: addresses in a language, the
sign-up form as a person fills it in, links read from e-mails, and settings
that make these tests fast and independent of other test runs."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from residents.consent_texts import current

PASSWORD = "Lantern festival 2026!"
LINK = re.compile(r"https?://[^\s]+")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing passwords the production way takes half a second per log-in."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """Rate-limit counters in this process's memory: the shared file cache of
    the development settings is cleared by any other test run at any time."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tests-accounts",
        }
    }
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def one_rate_window(monkeypatch):
    """Keep the clock still, so a test's attempts all fall in one rate-limit
    window (a window boundary in the middle would reset the count)."""
    import time

    import stations.ratelimit

    now = time.time()
    monkeypatch.setattr(stations.ratelimit.time, "time", lambda: now)


def url(name: str, language: str = "en", *args, **kwargs) -> str:
    """The address of the page `name` in `language`."""
    with translation.override(language):
        return reverse(name, args=args or None, kwargs=kwargs or None)


def signup_data(station, /, **changes) -> dict:
    """What a person fills in on the sign-up form, changed by `changes`
    (a value None leaves the field out, as an unticked box is left out)."""
    data = {
        "email": "Anna.Muller@Example.org",
        "password": PASSWORD,
        "password_again": PASSWORD,
        "family_name": "Müller",
        "given_name": "Anna",
        "chinese_name": "安娜",
        "nationality": "DE",
        "category": "foreign",
        "languages": ["de", "en"],
        "phone": "+49 30 901820",
        "preferred_language": "en",
        "station": station.slug,
        "consent": "on",
        "consent_version": current("personal_data").version,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def link_in(message) -> str:
    """The one link of an e-mail, as a path of this site."""
    links = LINK.findall(message.body)
    assert len(links) == 1, message.body
    return re.sub(r"^https?://[^/]+", "", links[0])
