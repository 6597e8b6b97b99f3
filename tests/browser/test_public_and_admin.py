"""A visitor reads the directory in Chinese, switches to English; a station's
staff member logs in to the English admin and sees only their station's residents."""

import pytest
from playwright.sync_api import expect

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_stations():
    xiamen = factories.CityFactory(name_zh_hans="厦门市", name_en="Xiamen")
    siming = factories.RegionFactory.create_district(city=xiamen)
    siming.name_zh_hans, siming.name_en = "思明区", "Siming District"
    siming.save()
    huli = factories.RegionFactory.create_district(city=xiamen)
    huli.name_zh_hans, huli.name_en = "湖里区", "Huli District"
    huli.save()
    yundang = factories.RegionFactory.create_street(district=siming)
    yundang.name_zh_hans, yundang.name_en = "筼筜街道", "Yundang Street"
    yundang.save()
    guanren = factories.RegionFactory(
        parent=yundang, name_zh_hans="官任社区", name_en="Guanren Community"
    )
    station_a = factories.StationFactory(
        region=guanren,
        slug="guanren",
        name_zh_hans="官任社区国际分站",
        name_en="Guanren International Sub-station",
        address_zh_hans="厦门市思明区官任路 8 号",
        address_en="8 Guanren Road, Siming District, Xiamen",
        opening_hours_zh_hans="周一至周五 9:00-17:30",
        opening_hours_en="Monday to Friday 9:00-17:30",
        languages=["zh", "nan", "en", "ko", "ja"],
    )
    station_b = factories.StationFactory(
        region=huli,
        slug="huli",
        kind="district",
        name_zh_hans="湖里区国际人才服务站",
        name_en="Huli International Talent Service Station",
        address_zh_hans="厦门市湖里区云顶北路 16 号",
        address_en="16 Yunding North Road, Huli District, Xiamen",
        opening_hours_zh_hans="周一至周六 8:30-18:00",
        opening_hours_en="Monday to Saturday 8:30-18:00",
        languages=["zh", "en", "fr"],
    )
    staff = factories.MembershipFactory(
        station=station_a, role="manager", user__email="manager@guanren.example.org"
    ).user
    factories.ResidentFactory(station=station_a, given_name="Anna", family_name="Albrecht")
    factories.ResidentFactory(station=station_b, given_name="Boris", family_name="Brandt")
    return station_a, station_b, staff


def test_visitor_switches_the_directory_from_chinese_to_english(
    live_server, browser_page, two_stations, artifacts
):
    page = browser_page
    page.goto(f"{live_server.url}/zh-hans/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", name="官任社区国际分站")).to_be_visible()
    expect(page.get_by_role("heading", name="思明区")).to_be_visible()
    expect(page.get_by_text("周一至周五 9:00-17:30")).to_be_visible()
    page.screenshot(path=artifacts / "home-zh-hans.png", full_page=True)

    page.get_by_role("link", name="English").click()

    page.wait_for_url(f"{live_server.url}/en/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Guanren International Sub-station")).to_be_visible()
    expect(page.get_by_role("heading", name="Siming District")).to_be_visible()
    expect(page.get_by_text("Monday to Friday 9:00-17:30")).to_be_visible()
    expect(page.get_by_text("官任社区国际分站")).to_have_count(0)
    page.screenshot(path=artifacts / "home-en.png", full_page=True)

    page.get_by_role("link", name="简体中文").click()
    page.wait_for_url(f"{live_server.url}/zh-hans/")
    expect(page.get_by_role("heading", name="官任社区国际分站")).to_be_visible()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_directory_fits_a_phone_screen(live_server, chromium, two_stations, artifacts, language):
    context = chromium.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/{language}/")
        expect(page.locator("article.station")).to_have_count(2)
        # nothing wider than the screen: no sideways scrolling on a phone
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        page.screenshot(path=artifacts / f"home-{language}-phone.png", full_page=True)
    finally:
        context.close()


def current_code(user) -> str:
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_staff_member_sees_only_their_station_in_the_english_admin(
    live_server, browser_page, two_stations, artifacts
):
    _station_a, _station_b, staff = two_stations
    page = browser_page
    page.goto(f"{live_server.url}/zh-hans/admin/login/")
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    page.screenshot(path=artifacts / "admin-login-zh-hans.png")
    page.locator(".admin-language-switcher").get_by_role("link", name="English").click()
    page.wait_for_url(f"{live_server.url}/en/admin/login/*")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    page.locator("#id_username").fill(staff.email)
    page.locator("#id_password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # first log-in of staff: set up the authenticator app, then type its code
    page.wait_for_url(f"{live_server.url}/en/accounts/two-factor/*")
    expect(page.get_by_role("img", name="QR code for the authenticator app")).to_be_visible()
    page.screenshot(path=artifacts / "two-factor-setup-en.png", full_page=True)
    page.get_by_label("Six-digit code").fill(current_code(staff))
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(f"{live_server.url}/en/admin/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Station administration")).to_be_visible()
    page.screenshot(path=artifacts / "admin-index-en.png")

    page.goto(f"{live_server.url}/en/admin/residents/resident/")
    expect(page.locator("#result_list")).to_contain_text("Albrecht")
    expect(page.locator("#result_list")).not_to_contain_text("Brandt")

    page.locator(".admin-language-switcher").get_by_role("link", name="简体中文").click()
    page.wait_for_url(f"{live_server.url}/zh-hans/admin/residents/resident/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#result_list")).to_contain_text("Albrecht")
    expect(page.locator("#result_list")).not_to_contain_text("Brandt")
