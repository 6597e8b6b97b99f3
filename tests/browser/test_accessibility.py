"""Every public page, in both languages, scanned by axe-core for WCAG 2.1 A
and AA problems: missing labels and names, low contrast, headings out of
order, missing landmarks or language.

The pages are scanned on a 360 px wide phone, which also shows any page
wider than the screen (WCAG 1.4.10, reflow). One test per language walks all
the pages on one set of rows (a fresh database per page would cost a second
each) and fails once at the end with every problem of every page: the rule,
the element it was found on and axe's advice, so that all of them can be
fixed from one report. Forms are scanned again after a refused submission,
with their error messages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext

from accounts.tokens import confirmation_token
from events import tickets
from residents.models import Consent

from .conftest import PHONE, log_in, sideways_overflow
from .site_data import PublicSite, build_public_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


@dataclass(frozen=True)
class PublicPage:
    name: str
    path: Callable[[PublicSite, str], str]
    # the English label of the button that submits the page's form empty, to
    # scan the page again with its error messages
    refuse_with: str = ""


def _consent_path(site: PublicSite, language: str) -> str:
    query = {"purpose": Consent.Purpose.HEALTH_COUNSELLING, "station": site.station.slug}
    return f"{reverse('residents:give_consent')}?{urlencode(query)}"


def _confirm_email_path(site: PublicSite, language: str) -> str:
    user = site.resident.user
    token = confirmation_token(user_id=user.pk, email=user.email)
    return reverse("accounts:confirm", args=[token])


def _new_password_path(site: PublicSite, language: str) -> str:
    user = site.resident.user
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("accounts:password_reset_confirm", args=[uid, token])


def _booking_path(site: PublicSite, language: str) -> str:
    start = site.availability.slot_starts()[0]
    return reverse("consultations:book", args=[site.topic.slug, site.availability.pk, start])


ANONYMOUS = [
    PublicPage("home", lambda site, lang: reverse("stations:home")),
    PublicPage("station", lambda site, lang: reverse("stations:detail", args=[site.station.slug])),
    PublicPage("notices", lambda site, lang: reverse("stations:notices")),
    PublicPage("notice", lambda site, lang: reverse("stations:notice", args=[site.notice.pk])),
    PublicPage("guides", lambda site, lang: reverse("stations:guides")),
    PublicPage(
        "guide",
        lambda site, lang: reverse("stations:guide", args=[site.station.slug, site.guide.slug]),
    ),
    PublicPage("events", lambda site, lang: reverse("events:list")),
    PublicPage("event", lambda site, lang: reverse("events:detail", args=[site.event.pk])),
    PublicPage("ticket", lambda site, lang: tickets.ticket_path(site.registration, language=lang)),
    PublicPage("consultation topics", lambda site, lang: reverse("consultations:start")),
    PublicPage(
        "consultation slots",
        lambda site, lang: reverse("consultations:slots", args=[site.topic.slug]),
    ),
    PublicPage("volunteering", lambda site, lang: reverse("volunteers:list")),
    PublicPage(
        "opportunity",
        lambda site, lang: reverse("volunteers:opportunity", args=[site.opportunity.pk]),
    ),
    PublicPage(
        "sign-up", lambda site, lang: reverse("accounts:signup"), refuse_with="Create my account"
    ),
    PublicPage("log-in", lambda site, lang: reverse("accounts:login"), refuse_with="Log in"),
    PublicPage(
        "password reset",
        lambda site, lang: reverse("accounts:password_reset"),
        refuse_with="Send me the link",
    ),
    PublicPage("confirm e-mail", _confirm_email_path),
    PublicPage("new password", _new_password_path, refuse_with="Save my new password"),
]

LOGGED_IN = [
    PublicPage("my page", lambda site, lang: reverse("residents:my_page")),
    PublicPage("my details", lambda site, lang: reverse("residents:details")),
    PublicPage("consent", _consent_path),
    PublicPage(
        "event, registered", lambda site, lang: reverse("events:detail", args=[site.event.pk])
    ),
    PublicPage("consultation confirm", _booking_path),
    PublicPage(
        "my consultation",
        lambda site, lang: reverse("consultations:detail", args=[site.consultation.pk]),
    ),
    PublicPage(
        "log hours", lambda site, lang: reverse("volunteers:hours"), refuse_with="Log these hours"
    ),
]


def describe(violations: list[dict]) -> str:
    """One paragraph per broken rule: its id, impact and advice, then each
    element (CSS selector, start of its HTML) and what axe found wrong there."""
    lines = []
    for violation in violations:
        lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"    {violation['helpUrl']}")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    - {target}")
            lines.append(f"        {node['html'][:300]}")
            summary = node.get("failureSummary", "").strip().replace("\n", "\n        ")
            if summary:
                lines.append(f"        {summary}")
    return "\n".join(lines)


class Scanner:
    """Opens pages in one browser tab and collects what is wrong with them."""

    def __init__(self, page, live_server, language: str):
        self.page = page
        self.base = live_server.url
        self.language = language
        self.axe = Axe()
        self.problems: list[str] = []

    def scan(self, name: str, path: str, *, refuse_with: str = "") -> None:
        response = self.page.goto(self.base + path)
        if response is None or not response.ok:
            status = response.status if response else "nothing"
            self.problems.append(f"{name} ({path}) answered {status}")
            return
        self._check(name, path)
        if refuse_with:
            with translation.override(self.language):
                label = gettext(refuse_with)
            self.page.locator("main").get_by_role("button", name=label, exact=True).click()
            self.page.wait_for_load_state()
            if not self.page.locator("main [aria-invalid=true]").count():
                self.problems.append(f"{name} ({path}): an empty form marks no field invalid")
            self._check(f"{name}, refused", path)

    def _check(self, name: str, path: str) -> None:
        lang = self.page.locator("html").get_attribute("lang")
        if lang != self.language:
            self.problems.append(f"{name} ({path}) is marked lang={lang!r}")
        violations = self.axe.run(self.page, options=AXE_OPTIONS).response["violations"]
        if violations:
            self.problems.append(f"{name} ({path}):\n{describe(violations)}")
        overflow = sideways_overflow(self.page)
        if overflow > 0:
            # WCAG 1.4.10 (reflow): no scrolling sideways on a narrow screen
            self.problems.append(
                f"{name} ({path}) is {overflow}px wider than a {PHONE['width']}px screen"
            )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_public_page_meets_wcag_21_aa(live_server, phone_page, language):
    site = build_public_site()
    scanner = Scanner(phone_page, live_server, language)
    with translation.override(language):
        anonymous = [(page, page.path(site, language)) for page in ANONYMOUS]
        logged_in = [(page, page.path(site, language)) for page in LOGGED_IN]

    for page, path in anonymous:
        scanner.scan(page.name, path, refuse_with=page.refuse_with)
    log_in(phone_page, live_server, site.resident.user)
    for page, path in logged_in:
        scanner.scan(page.name, path, refuse_with=page.refuse_with)

    assert not scanner.problems, f"WCAG 2.1 A/AA problems in {language}:\n\n" + "\n\n".join(
        scanner.problems
    )


def test_the_scan_reports_a_broken_page(live_server, browser_page):
    """The control for the test above: a page given an image without a text
    alternative and an unlabelled input fails the same scan."""
    browser_page.goto(f"{live_server.url}/en/")
    browser_page.evaluate(
        """() => {
            const main = document.querySelector("main");
            main.insertAdjacentHTML("beforeend", '<img src="/static/none.png"><input type="text">');
        }"""
    )
    violations = Axe().run(browser_page, options=AXE_OPTIONS).response["violations"]
    assert {"image-alt", "label"} <= {violation["id"] for violation in violations}
    assert "image-alt (critical)" in describe(violations)
