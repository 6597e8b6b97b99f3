"""A foreign resident, on a phone, in English and in Chinese: signs up with the
consent, confirms the address from the e-mail, logs in, registers for an
event and opens the ticket from the confirmation e-mail, books a
consultation, and downloads everything the portal holds about them.

The pages are reached the way a person reaches them (links, buttons and
labels in the page's language); the Chinese run finds every control by its
Chinese text, so an untranslated label fails it. A screenshot of each key
page at 360 px lands in test-artifacts/.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from consultations.models import Consultation
from events.models import Registration
from residents.models import Consent
from tests import factories
from tests.helpers import deliver_messages

from .conftest import PHONE, sideways_overflow
from .site_data import COUNSELLOR_NAME, EVENT_TITLE, TOPIC_NAME, build_bookable, build_station

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the person reads and clicks, in each language.
WORDS = {
    "en": {
        "email": "E-mail address",
        "password": "Password",
        "password_again": "Password again",
        "family_name": "Family name",
        "nationality": "Nationality (country or region)",
        "site_language": "Language for the site and our e-mails",
        "station": "Your station",
        "consent": "I have read what is collected and why, and I agree.",
        "create": "Create my account",
        "confirm_subject": "Confirm your e-mail address",
        "confirm": "Confirm my e-mail address",
        "confirmed": "Thank you: your e-mail address is confirmed. Log in now.",
        "log_in": "Log in",
        "events": "Events",
        "register": "Register for this event",
        "registered": "You are registered for this event.",
        "check_in": "Show this code at the station's desk to check in.",
        "consultations": "Consultations",
        "see_times": "See free times",
        "book_slot": f"with {COUNSELLOR_NAME}",
        "channel": "How would you like to meet?",
        "at_station": "At the station",
        "book": "Book this consultation",
        "booked": "Your consultation is booked.",
        "my_page": "My page",
        "download": "Download my data (JSON)",
    },
    "zh-hans": {
        "email": "电子邮箱地址",
        "password": "密码",
        "password_again": "再次输入密码",
        "family_name": "姓",
        "nationality": "国籍（国家或地区）",
        "site_language": "网站和邮件使用的语言",
        "station": "您的服务站",
        "consent": "我已阅读收集哪些信息及其用途，并表示同意。",
        "create": "创建我的账号",
        "confirm_subject": "确认您的电子邮箱",
        "confirm": "确认我的电子邮箱",
        "confirmed": "谢谢！您的电子邮箱已确认。现在请登录。",
        "log_in": "登录",
        "events": "活动",
        "register": "报名参加此活动",
        "registered": "您已报名此活动。",
        "check_in": "请在服务站前台出示此二维码签到。",
        "consultations": "咨询",
        "see_times": "查看空闲时间",
        "book_slot": f"咨询师 {COUNSELLOR_NAME}",
        "channel": "您希望以何种方式咨询？",
        "at_station": "到站",
        "book": "预约此咨询",
        "booked": "您的咨询已预约成功",
        "my_page": "我的主页",
        "download": "下载我的数据（JSON）",
    },
}

PEOPLE = {
    "en": {
        "email": "chidi.okafor@example.org",
        "family_name": "Okafor",
        "given_name": "Chidi",
        "nationality": "NG",
        "site_language": "English",
    },
    "zh-hans": {
        "email": "park.jiwoo@example.org",
        "family_name": "Park",
        "given_name": "Jiwoo",
        "nationality": "KR",
        "site_language": "简体中文",
    },
}

LINK = re.compile(r"https?://\S+")


class Phone:
    """The person's phone: the page, and a record of each key page as seen."""

    def __init__(self, page, live_server, language: str, artifacts: Path):
        self.page = page
        self.base = live_server.url
        self.language = language
        self.artifacts = artifacts
        self.too_wide: list[str] = []

    def open(self, url_name: str, *args) -> None:
        with translation.override(self.language):
            path = reverse(url_name, args=args)
        self.page.goto(self.base + path)

    def shot(self, step: str) -> None:
        """Screenshot the page, and note it if it is wider than the phone."""
        self.page.screenshot(
            path=self.artifacts / f"flow-{self.language}-{step}.png", full_page=True
        )
        overflow = sideways_overflow(self.page)
        if overflow > 0:
            self.too_wide.append(
                f"{step} ({self.page.url}) is {overflow}px wider than {PHONE['width']}px"
            )


def mail_to(address: str, containing: str) -> mail.EmailMessage:
    """The latest e-mail to `address` with a link containing `containing`,
    once the messages due have been sent as the worker sends them."""
    deliver_messages()
    for message in reversed(mail.outbox):
        if address in message.to and containing in message.body:
            return message
    sent = [(m.to, m.subject) for m in mail.outbox]
    raise AssertionError(f"no e-mail to {address} with {containing!r}; sent: {sent}")


def link_in(message: mail.EmailMessage, containing: str) -> str:
    return next(url for url in LINK.findall(message.body) if containing in url)


def strings_in(data) -> list[str]:
    """Every string value anywhere in a parsed JSON document."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for value in data.values() for s in strings_in(value)]
    if isinstance(data, list):
        return [s for value in data for s in strings_in(value)]
    return []


@pytest.fixture
def bookable():
    station = build_station()
    # another resident holds a place, so the places left are counted from real rows
    event, topic, _counsellor, _availability = build_bookable(station)
    factories.RegistrationFactory(event=event)
    return station, event, topic


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_resident_signs_up_registers_books_and_downloads_their_data(
    live_server, phone_page, artifacts, bookable, language, settings
):
    # the links in the messages lead to this server
    settings.SITE_URL = live_server.url
    station, _event, _topic = bookable
    words, person = WORDS[language], PEOPLE[language]
    phone = Phone(phone_page, live_server, language, artifacts)
    page = phone.page
    with translation.override(language):
        station_name = station.name
    event_title, topic_name = EVENT_TITLE[language], TOPIC_NAME[language]

    # Sign up, with the consent to the personal-information text shown.
    phone.open("accounts:signup")
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.get_by_label(words["email"]).fill(person["email"])
    page.get_by_label(words["password"], exact=True).fill(factories.PASSWORD)
    page.get_by_label(words["password_again"]).fill(factories.PASSWORD)
    page.get_by_label(words["family_name"], exact=True).fill(person["family_name"])
    # optional, and labelled so ("Given name (optional)"): found by its name
    page.locator("input[name=given_name]").fill(person["given_name"])
    page.get_by_label(words["nationality"]).select_option(person["nationality"])
    page.get_by_role("group", name=words["site_language"]).get_by_label(
        person["site_language"]
    ).check()
    page.get_by_label(words["station"]).select_option(label=station_name)
    page.get_by_label(words["consent"]).check()
    phone.shot("1-signup")
    page.get_by_role("button", name=words["create"]).click()
    page.wait_for_url(re.compile(r"/accounts/signup/sent/$"))
    phone.shot("2-signup-sent")

    # Confirm the address from the e-mail, written in the person's language.
    message = mail_to(person["email"], "/accounts/confirm/")
    assert message.subject == words["confirm_subject"]
    link = link_in(message, "/accounts/confirm/")
    assert f"/{language}/accounts/confirm/" in link
    page.goto(link)
    page.get_by_role("button", name=words["confirm"]).click()
    expect(page.get_by_text(words["confirmed"])).to_be_visible()

    # Log in: the person lands on their own page.
    page.get_by_label(words["email"]).fill(person["email"])
    page.get_by_label(words["password"], exact=True).fill(factories.PASSWORD)
    phone.shot("3-login")
    page.get_by_role("main").get_by_role("button", name=words["log_in"]).click()
    expect(page.get_by_role("heading", level=1, name=words["my_page"])).to_be_visible()

    # Register for the event in one step; the e-mail leads to the ticket.
    page.locator("nav.site-nav").get_by_role("link", name=words["events"], exact=True).click()
    page.get_by_role("link", name=event_title).click()
    expect(page.get_by_role("heading", level=1, name=event_title)).to_be_visible()
    page.get_by_role("button", name=words["register"]).click()
    expect(page.get_by_text(words["registered"])).to_be_visible()
    phone.shot("4-event-registered")
    ticket = link_in(mail_to(person["email"], "/events/ticket/"), "/events/ticket/")
    page.goto(ticket)
    expect(page.get_by_role("heading", level=1, name=event_title)).to_be_visible()
    expect(page.get_by_text(words["check_in"])).to_be_visible()
    phone.shot("5-ticket")

    # Book a consultation: topic, then a free time, then how to meet.
    page.locator("nav.site-nav").get_by_role(
        "link", name=words["consultations"], exact=True
    ).click()
    page.get_by_role("link", name=words["see_times"]).first.click()
    expect(page.get_by_role("heading", level=1, name=topic_name)).to_be_visible()
    phone.shot("6-consultation-slots")
    page.get_by_role("link", name=words["book_slot"]).first.click()
    page.get_by_role("group", name=words["channel"]).get_by_label(words["at_station"]).check()
    phone.shot("7-consultation-confirm")
    page.get_by_role("button", name=words["book"]).click()
    expect(page.get_by_text(words["booked"])).to_be_visible()
    phone.shot("8-consultation-booked")

    # My page shows both, and the download holds the person and what they did.
    page.locator("nav.site-nav").get_by_role("link", name=words["my_page"]).click()
    main = page.get_by_role("main")
    expect(main.get_by_text(event_title).first).to_be_visible()
    expect(main.get_by_text(topic_name).first).to_be_visible()
    phone.shot("9-my-page")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=words["download"]).first.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".json")
    exported = strings_in(json.loads(Path(download.path()).read_text(encoding="utf-8")))
    assert person["email"] in exported
    assert person["family_name"] in exported
    assert event_title in exported
    assert topic_name in exported

    # What the person saw is what the stations hold.
    registration = Registration.objects.get(resident__user__email=person["email"])
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.resident.station == station
    assert registration.resident.preferred_language == language
    consultation = Consultation.objects.get(resident__user__email=person["email"])
    assert consultation.status == Consultation.Status.BOOKED
    assert consultation.channel == Consultation.Channel.AT_STATION
    assert Consent.objects.filter(
        resident__user__email=person["email"],
        purpose=Consent.Purpose.PERSONAL_DATA,
        withdrawn_at__isnull=True,
    ).exists()

    assert not phone.too_wide, "pages wider than the phone:\n" + "\n".join(phone.too_wide)
