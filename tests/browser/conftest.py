"""Playwright driving Debian's Chromium against pytest-django's live server.

`playwright install` cannot download a browser here, so the tests launch
/usr/bin/chromium (`python scripts/browser.py ensure` installs it with the CJK
fonts). Without it the tests skip on a developer's machine, and fail when CI is
set: a CI run that silently skipped the browser would prove nothing.
"""

import os
from pathlib import Path

import pytest

from tests.helpers import missing_part

# The live server runs in a thread of the test process, and the sync Playwright
# API runs an event loop in the main thread; Django then takes every ORM call
# made by the test itself (building data, asserting) for one made from async code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        reason = (
            f"{CHROMIUM} is not installed; run `python scripts/browser.py ensure` as root "
            "(apt-get install chromium fonts-noto-cjk)"
        )
        missing_part(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium):
    """A fresh browser profile (no cookies) whose own language is English, so that
    the Chinese pages are reached through the URL alone."""
    context = chromium.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# A phone held upright: the narrowest screen the site promises to fit.
PHONE = {"width": 360, "height": 780}


@pytest.fixture
def phone_page(chromium):
    """A fresh profile on a 360 px wide phone, able to receive downloads."""
    context = chromium.new_context(
        locale="en-US",
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def log_in(page, live_server, user) -> None:
    """Give the browser a session of `user`, as if they had logged in through the
    form: pages behind a login are then one request away."""
    from django.conf import settings
    from django.test import Client

    from accounts.two_factor import needs_second_factor
    from tests.helpers import log_in_verified

    client = Client()
    if needs_second_factor(user):
        log_in_verified(client, user)
    else:
        client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.value, "url": live_server.url}]
    )


def sideways_overflow(page) -> int:
    """How many CSS pixels the page is wider than the screen (0 when it fits)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
