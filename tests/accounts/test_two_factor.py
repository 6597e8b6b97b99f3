"""Staff and officials pass a second factor (a TOTP code) before the admin or
the summaries open; a session with the password alone is refused everywhere
there. Residents never need one."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from stations.models import RegionMembership
from tests import factories
from tests.helpers import admin_path, log_in_verified

pytestmark = pytest.mark.django_db

WRONG = {
    "en": "This code is not right, or it has expired.",
    "zh-hans": "验证码不正确或已过期。",
}


def code(device) -> str:
    """The code the person's authenticator app shows now."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits,
                 drift=device.drift)
    return f"{value:0{device.digits}d}"


def every_admin_page(station):
    """The admin's index, every registered model's list and add pages, and the
    station summary page."""
    pages = [admin_path("index")]
    for model in admin.site._registry:
        opts = model._meta
        for view in ("changelist", "add"):
            try:
                pages.append(admin_path(f"{opts.app_label}_{opts.model_name}_{view}"))
            except Exception:  # noqa: BLE001 - a model admin without that page
                continue
    pages.append(admin_path("stations_station_summary", station.pk))
    return pages


def test_every_admin_page_refuses_a_password_only_session(client, station_a, staff_a):
    client.force_login(staff_a)
    pages = every_admin_page(station_a)
    assert len(pages) > 20
    for page in pages:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(admin_path("login")), page


def test_every_admin_page_opens_once_the_second_factor_is_passed(client, station_a, staff_a):
    log_in_verified(client, staff_a)
    for page in every_admin_page(station_a):
        response = client.get(page)
        assert response.status_code in (200, 403), page  # 403: a role without that right


@pytest.fixture
def official(station_a):
    user = factories.UserFactory()
    RegionMembership.objects.create(user=user, region=station_a.region.parent)
    return user


@pytest.mark.parametrize("name", ["stations:summaries", "stations:summary_download"])
def test_the_summaries_refuse_a_password_only_session(client, official, name):
    client.force_login(official)
    with translation.override("en"):
        page = reverse(name)
    response = client.get(page)
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    with translation.override("en"):
        assert target.path == reverse("accounts:two_factor")
    assert parse_qs(target.query)["next"] == [page]


def test_the_summaries_open_once_the_second_factor_is_passed(client, official):
    log_in_verified(client, official)
    with translation.override("en"):
        assert client.get(reverse("stations:summaries")).status_code == 200


def test_a_resident_is_never_asked_for_a_second_factor(client, station_a):
    user = factories.UserFactory()
    factories.ResidentFactory(station=station_a, user=user, email=user.email)
    client.force_login(user)
    with translation.override("en"):
        assert client.get(reverse("residents:my_page")).status_code == 200
        # the summaries answer a resident as anyone without access: not found
        assert client.get(reverse("stations:summaries")).status_code == 404


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_first_log_in_sets_up_the_app_then_the_admin_opens(client, staff_a, language):
    login = f"/{language}/admin/login/?next=/{language}/admin/"
    response = client.post(
        login, {"username": staff_a.email, "password": factories.PASSWORD}, follow=True
    )
    # password accepted: the set-up page, with a QR code and the key
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == f"/{language}/accounts/two-factor/"
    html = response.content.decode()
    assert 'src="data:image/svg+xml' in html
    device = TOTPDevice.objects.get(user=staff_a)
    assert not device.confirmed
    assert response.context["key"] in html

    right = client.post(
        f"/{language}/accounts/two-factor/", {"code": code(device), "next": f"/{language}/admin/"}
    )
    assert right.status_code == 302
    assert right["Location"] == f"/{language}/admin/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(f"/{language}/admin/").status_code == 200


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_wrong_code_is_refused_and_slows_the_next_try(client, staff_a, language):
    device = TOTPDevice.objects.create(user=staff_a, name="authenticator", confirmed=True)
    client.force_login(staff_a)
    page = f"/{language}/accounts/two-factor/"

    wrong = client.post(page, {"code": "000000", "next": f"/{language}/admin/"})

    assert wrong.status_code == 400
    assert WRONG[language] in wrong.content.decode()
    assert DEVICE_ID_SESSION_KEY not in client.session
    # django-otp throttles the device after a failure: even the right code
    # is refused at once, so guessing a million codes takes forever
    at_once = client.post(page, {"code": code(device), "next": f"/{language}/admin/"})
    assert at_once.status_code == 400
    assert client.get(f"/{language}/admin/").status_code == 302


@pytest.mark.parametrize("typed", ["", "12345", "abcdef"])
def test_a_malformed_code_gets_a_clear_message(client, staff_a, typed):
    TOTPDevice.objects.create(user=staff_a, name="authenticator", confirmed=True)
    client.force_login(staff_a)
    response = client.post("/en/accounts/two-factor/", {"code": typed, "next": "/en/admin/"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "six-digit code" in html or "six digits" in html


def test_next_time_the_code_is_asked_without_a_new_qr_code(client, staff_a):
    device = TOTPDevice.objects.create(user=staff_a, name="authenticator", confirmed=True)
    response = client.post(
        "/en/admin/login/?next=/en/admin/",
        {"username": staff_a.email, "password": factories.PASSWORD},
        follow=True,
    )
    html = response.content.decode()
    assert "Type the six-digit code" in html or "six-digit code it shows" in html
    assert "data:image/svg+xml" not in html
    assert TOTPDevice.objects.filter(user=staff_a).count() == 1

    response = client.post(
        "/en/accounts/two-factor/", {"code": code(device), "next": "/en/admin/"}
    )
    assert response["Location"] == "/en/admin/"
    # the same code cannot be used twice
    client.logout()
    client.post("/en/admin/login/", {"username": staff_a.email, "password": factories.PASSWORD})
    again = client.post("/en/accounts/two-factor/", {"code": code(device), "next": "/en/admin/"})
    assert again.status_code == 400
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_a_foreign_next_is_ignored(client, staff_a):
    device = TOTPDevice.objects.create(user=staff_a, name="authenticator", confirmed=True)
    client.force_login(staff_a)
    response = client.post(
        "/en/accounts/two-factor/", {"code": code(device), "next": "https://elsewhere.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/en/admin/"
