"""An official's summaries page in Chromium, in both languages: it meets
WCAG 2.1 AA on a phone, fits the screen, shows the chosen scope's figures
with their bars, and its links download the files."""

from __future__ import annotations

from datetime import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe

from stations.periods import SUMMARY_TZ
from tests import factories

from .conftest import log_in, sideways_overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
HEADINGS = {
    "en": ("Yearly summaries", "Yearly summary 2025: ", "Residents by nationality", "PDF"),
    "zh-hans": ("年度总结", "2025年度总结：", "按国籍统计的居民", "PDF"),
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_official_reads_and_downloads_a_summary(live_server, phone_page, language):
    district = factories.RegionFactory.create_district()
    station = factories.StationFactory(
        region=factories.RegionFactory(parent=factories.RegionFactory.create_street(district))
    )
    for _ in range(4):
        factories.ResidentFactory(
            station=station, nationality="KR", registered_at=datetime(2025, 3, 1, tzinfo=SUMMARY_TZ)
        )
    official = factories.RegionMembershipFactory(region=district).user
    log_in(phone_page, live_server, official)
    title, summary_title, breakdown, pdf = HEADINGS[language]

    phone_page.goto(f"{live_server.url}/{language}/summaries/")
    assert phone_page.locator("h1").inner_text() == title
    phone_page.locator("#summary-scope").select_option(f"region:{district.code}")
    phone_page.locator("#summary-year").fill("2025")
    phone_page.locator("main form button").click()
    phone_page.wait_for_load_state()

    assert phone_page.locator("html").get_attribute("lang") == language
    assert phone_page.locator("#summary-title").inner_text().startswith(summary_title)
    chart = phone_page.locator("figure", has_text=breakdown)
    assert chart.locator("svg.summary-bar rect").first.get_attribute("width") == "100.0"
    violations = Axe().run(phone_page, options=AXE_OPTIONS).response["violations"]
    assert [v["id"] for v in violations] == []
    assert sideways_overflow(phone_page) <= 0

    with phone_page.expect_download() as download:
        phone_page.get_by_role("link", name=pdf).click()
    assert download.value.suggested_filename == f"summary-{district.code}-2025-{language}.pdf"
