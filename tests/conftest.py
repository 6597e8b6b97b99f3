import pytest
from django.utils import translation
from django_scopes import scopes_disabled

from tests import factories


def pytest_configure(config):
    """Each test process gets its own cache: rate-limit counters of one run
    must not be seen, or cleared, by another run on the same machine.

    Anonymous visitors' cached pages are off, so that a test sees what the
    view does (its queries, its output); tests/stations/test_pagecache.py
    switches them on."""
    from django.conf import settings

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    # Messages are rows; tests send them with `send_due()` when they want
    # them (tests/reminders/ runs a real worker where that is the point).
    settings.REMINDERS_SEND_SOON = False


@pytest.fixture(autouse=True)
def _scopes_disabled_by_default():
    """Tests build data freely; the code under test opens its own scopes (the
    middleware does for requests), and scope tests open one explicitly."""
    with scopes_disabled():
        yield


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request to /en/... leaves English active in this thread; reset it so
    one test's language never leaks into the next."""
    yield
    translation.deactivate()


@pytest.fixture
def english():
    """Messages are asserted in English, whatever catalogues exist; a module
    asks for it with `pytest.mark.usefixtures("english")`."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def station_a(db):
    return factories.StationFactory(slug="station-a", name_en="Station A", name_zh_hans="甲站")


@pytest.fixture
def station_b(db):
    return factories.StationFactory(slug="station-b", name_en="Station B", name_zh_hans="乙站")


@pytest.fixture
def staff_a(station_a):
    return factories.MembershipFactory(
        station=station_a, role="manager", user__email="manager-a@example.org"
    ).user


@pytest.fixture
def staff_b(station_b):
    return factories.MembershipFactory(
        station=station_b, role="manager", user__email="manager-b@example.org"
    ).user


@pytest.fixture
def client_a(client, staff_a):
    """The test client, logged in as station A's manager (second factor passed)."""
    from tests.helpers import log_in_verified

    log_in_verified(client, staff_a)
    return client
