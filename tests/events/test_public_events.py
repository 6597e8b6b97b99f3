"""The public event pages: the list and its filters, the detail page, and
registering in one step, in both languages."""

from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from events.models import Registration
from events.services import registration_create
from residents.models import Resident
from stations import ratelimit
from tests import factories
from tests.helpers import deliver_and_forget, deliver_messages, register

pytestmark = pytest.mark.django_db

CONFIRMED = Registration.Status.CONFIRMED
WAITLISTED = Registration.Status.WAITLISTED


def url(name: str, *args, lang: str = "en", query: str = "") -> str:
    with translation.override(lang):
        return reverse(name, args=args) + query


def soon(days: float, hours: float = 0):
    return timezone.now().replace(microsecond=0) + timedelta(days=days, hours=hours)


def resident_user(station, **fields):
    """A person with an account and a resident profile at `station`."""
    user = factories.UserFactory(**{k: v for k, v in fields.items() if k == "email"})
    factories.ResidentFactory(
        station=station, user=user, email=user.email, **{k: v for k, v in fields.items()
                                                         if k != "email"}
    )
    return user


def titles(response) -> list[str]:
    return [event.title_en for event in response.context["page"].object_list]


def count_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


# --- the list -------------------------------------------------------------------


def test_list_shows_published_upcoming_events_of_active_stations_soonest_first(client):
    later = factories.EventFactory(title_en="Later", starts_at=soon(9))
    sooner = factories.EventFactory(title_en="Sooner", starts_at=soon(2))
    factories.EventFactory(title_en="Draft", is_published=False)
    factories.EventFactory(
        title_en="Past", starts_at=soon(-3), ends_at=soon(-3) + timedelta(hours=2)
    )
    factories.EventFactory(title_en="Closed station", station__is_active=False)
    response = client.get(url("events:list"))
    assert response.status_code == 200
    assert titles(response) == [sooner.title_en, later.title_en]
    assert "2 upcoming events" in response.content.decode()


def test_list_is_in_the_language_of_the_address(client):
    factories.EventFactory(title_en="Lantern riddles", title_zh_hans="猜灯谜", capacity=3)
    english = client.get(url("events:list")).content.decode()
    chinese = client.get(url("events:list", lang="zh-hans")).content.decode()
    assert "Lantern riddles" in english and "猜灯谜" not in english
    assert "3 places left" in english
    assert "猜灯谜" in chinese and "Lantern riddles" not in chinese
    assert "还剩 3 个名额" in chinese
    assert '<html lang="zh-hans">' in chinese


def test_list_filters_by_station_and_category(client, station_a, station_b):
    clinic = factories.EventCategoryFactory(slug="free-clinic", name_en="Free clinic")
    wanted = factories.EventFactory(station=station_a, category=clinic, title_en="Clinic at A")
    factories.EventFactory(station=station_a, title_en="Culture at A")
    factories.EventFactory(station=station_b, category=clinic, title_en="Clinic at B")
    response = client.get(url("events:list", query="?station=station-a&category=free-clinic"))
    assert titles(response) == [wanted.title_en]
    # the choices keep what was chosen
    html = response.content.decode()
    assert '<option value="station-a" selected>' in html


def test_list_filters_by_date_range_in_local_days(client):
    factories.EventFactory(title_en="Day 3", starts_at=soon(3))
    factories.EventFactory(title_en="Day 6", starts_at=soon(6))
    factories.EventFactory(title_en="Day 12", starts_at=soon(12))
    start = timezone.localdate() + timedelta(days=3)
    end = timezone.localdate() + timedelta(days=6)
    response = client.get(url("events:list", query=f"?date_from={start}&date_to={end}"))
    assert titles(response) == ["Day 3", "Day 6"]


def test_list_keeps_only_events_with_places_left_when_asked(client):
    full = factories.EventFactory(title_en="Full", capacity=1)
    register(full, 2)
    factories.EventFactory(title_en="Open", capacity=5)
    factories.EventFactory(title_en="No limit", capacity=None)
    everything = client.get(url("events:list"))
    assert set(titles(everything)) == {"Full", "Open", "No limit"}
    assert "Full · 1 person on the waiting list" in everything.content.decode()
    with_places = client.get(url("events:list", query="?has_places=on"))
    assert set(titles(with_places)) == {"Open", "No limit"}


@pytest.mark.parametrize(
    ("lang", "message"),
    [("en", "The end date must be on or after the start date."), ("zh-hans", "结束日期")],
)
def test_a_reversed_date_range_is_refused_next_to_the_field(client, lang, message):
    response = client.get(
        url("events:list", lang=lang, query="?date_from=2030-05-10&date_to=2030-05-01")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    # the error is tied to its input, and what was typed stays
    assert 'id="id_date_to_error"' in html
    assert 'aria-describedby="id_date_to_error"' in html
    assert 'value="2030-05-01"' in html


def test_an_unknown_station_in_the_filter_is_refused_clearly(client):
    response = client.get(url("events:list", query="?station=nowhere"))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_list_is_paginated_and_pages_keep_the_filters(client, station_a):
    for day in range(25):
        factories.EventFactory(station=station_a, starts_at=soon(1 + day))
    first = client.get(url("events:list", query="?station=station-a"))
    assert len(first.context["page"].object_list) == 20
    html = first.content.decode()
    assert "Page 1 of 2" in html
    assert 'href="?station=station-a&amp;page=2"' in html
    second = client.get(url("events:list", query="?station=station-a&page=2"))
    assert len(second.context["page"].object_list) == 5


def test_list_query_count_does_not_grow_with_events(client, station_a, station_b):
    def add(n):
        for i in range(n):
            event = factories.EventFactory(station=station_a if i % 2 else station_b)
            register(event, 2)

    add(2)
    path = url("events:list")
    client.get(path)
    few = count_queries(client, path)
    add(15)
    assert count_queries(client, path) == few
    assert count_queries(client, path + "?has_places=on&category=cultural-exchange") <= few + 1


# --- the detail page --------------------------------------------------------------


def test_detail_shows_the_event_in_both_languages(client, station_a):
    event = factories.EventFactory(
        station=station_a,
        title_en="Mid-Autumn mooncakes",
        title_zh_hans="中秋做月饼",
        description_en="Make mooncakes with neighbours.",
        description_zh_hans="和邻居一起做月饼。",
        place_en="Community hall",
        place_zh_hans="社区礼堂",
        capacity=10,
    )
    register(event, 3)
    english = client.get(url("events:detail", event.pk)).content.decode()
    assert "Mid-Autumn mooncakes" in english
    assert "Make mooncakes with neighbours." in english
    assert "Community hall" in english
    assert "7 places left" in english and "10 places in all" in english
    assert "Station A" in english
    chinese = client.get(url("events:detail", event.pk, lang="zh-hans")).content.decode()
    assert "中秋做月饼" in chinese and "和邻居一起做月饼。" in chinese and "社区礼堂" in chinese
    assert "甲站" in chinese
    assert "Mid-Autumn mooncakes" not in chinese


def test_detail_of_a_full_event_shows_the_waiting_list(client):
    event = factories.EventFactory(capacity=2)
    register(event, 5)
    html = client.get(url("events:detail", event.pk)).content.decode()
    assert "Full · 3 people on the waiting list" in html


@pytest.mark.parametrize(
    ("window", "text"),
    [
        ({"registration_opens_at": soon(2)}, "Registration opens on"),
        ({"registration_closes_at": soon(-1)}, "Registration for this event has closed."),
    ],
)
def test_detail_tells_when_registration_is_not_open(client, station_a, window, text):
    event = factories.EventFactory(station=station_a, starts_at=soon(5), **window)
    client.force_login(resident_user(station_a))
    html = client.get(url("events:detail", event.pk)).content.decode()
    assert text in html
    assert url("events:register", event.pk) not in html


def test_detail_offers_anonymous_visitors_to_log_in_and_come_back(client):
    event = factories.EventFactory()
    html = client.get(url("events:detail", event.pk)).content.decode()
    assert "Log in to register" in html
    assert f"next=%2Fen%2Fevents%2F{event.pk}%2F" in html


def test_the_online_link_is_shown_to_confirmed_registrants_only(client, station_a):
    event = factories.EventFactory(
        station=station_a, capacity=1, online_url="https://live.example.org/secret-room"
    )
    confirmed, waiting = resident_user(station_a), resident_user(station_a)
    for user in (confirmed, waiting):
        registration_create(event=event, resident=Resident.objects.get(user=user))
    assert "secret-room" not in client.get(url("events:detail", event.pk)).content.decode()
    client.force_login(waiting)
    html = client.get(url("events:detail", event.pk)).content.decode()
    assert "secret-room" not in html
    assert "You are on the waiting list, position 1." in html
    client.force_login(confirmed)
    html = client.get(url("events:detail", event.pk)).content.decode()
    assert "https://live.example.org/secret-room" in html
    assert "You are registered for this event." in html


@pytest.mark.parametrize("setup", ["unpublished", "inactive station", "missing"])
def test_detail_of_an_event_not_public_is_not_found(client, setup):
    if setup == "missing":
        pk = 987654
    else:
        event = factories.EventFactory(
            is_published=setup != "unpublished",
            station__is_active=setup != "inactive station",
        )
        pk = event.pk
    assert client.get(url("events:detail", pk)).status_code == 404


def test_detail_query_count_does_not_grow_with_registrations(client, station_a):
    event = factories.EventFactory(station=station_a, capacity=5)
    user = resident_user(station_a)
    registration_create(event=event, resident=Resident.objects.get(user=user))
    client.force_login(user)
    path = url("events:detail", event.pk)
    client.get(path)
    few = count_queries(client, path)
    register(event, 30)
    assert count_queries(client, path) == few


# --- registering --------------------------------------------------------------------


def test_registering_needs_a_login_and_comes_back_to_the_event(client):
    event = factories.EventFactory()
    response = client.post(url("events:register", event.pk))
    assert response.status_code == 302
    login, _, query = response["Location"].partition("?")
    assert login == url("accounts:login")
    assert parse_qs(query) == {"next": [f"/en/events/{event.pk}/"]}
    assert not Registration.objects.exists()


def test_registering_is_a_post(client, station_a):
    event = factories.EventFactory(station=station_a)
    client.force_login(resident_user(station_a))
    assert client.get(url("events:register", event.pk)).status_code == 405
    assert not Registration.objects.exists()


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_a_resident_registers_in_one_step_and_gets_an_e_mail(
    client, station_a, mailoutbox, django_capture_on_commit_callbacks, lang
):
    event = factories.EventFactory(
        station=station_a, title_en="Tea ceremony", title_zh_hans="茶艺体验", capacity=10
    )
    user = resident_user(station_a, preferred_language=lang)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("events:register", event.pk, lang=lang), follow=True)
    deliver_messages()
    assert response.redirect_chain == [(url("events:detail", event.pk, lang=lang), 302)]
    registration = Registration.objects.get()
    assert registration.status == CONFIRMED and registration.resident.user == user
    html = response.content.decode()
    if lang == "en":
        assert "You are registered for Tea ceremony." in html
    else:
        assert "您已报名参加“茶艺体验”" in html
    assert "9 places left" in html or "还剩 9 个名额" in html

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [user.email]
    assert ("Tea ceremony" if lang == "en" else "茶艺体验") in mail.subject
    ticket = url("events:ticket", "X", lang=lang).rsplit("X/", 1)[0]
    assert f"{settings.SITE_URL}{ticket}" in mail.body
    (attachment,) = mail.attachments
    assert attachment[0] == f"event-{event.pk}.ics" and attachment[2] == "text/calendar"


def test_the_e_mail_is_in_the_residents_language_not_the_pages(
    client, station_a, mailoutbox, django_capture_on_commit_callbacks
):
    event = factories.EventFactory(station=station_a, title_en="Tea", title_zh_hans="茶艺")
    client.force_login(resident_user(station_a, preferred_language="zh-hans"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("events:register", event.pk, lang="en"))
    deliver_messages()
    assert "茶艺" in mailoutbox[0].subject
    assert "/zh-hans/events/ticket/" in mailoutbox[0].body


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_a_full_event_puts_the_resident_on_the_waiting_list_with_their_position(
    client, station_a, mailoutbox, django_capture_on_commit_callbacks, lang
):
    event = factories.EventFactory(station=station_a, capacity=1, title_en="Dumplings")
    register(event, 3)  # one confirmed, two waiting
    deliver_and_forget(mailoutbox)
    client.force_login(resident_user(station_a, preferred_language=lang))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("events:register", event.pk, lang=lang), follow=True)
    deliver_messages()
    mine = Registration.objects.get(resident__user__isnull=False)
    assert mine.status == WAITLISTED
    html = response.content.decode()
    if lang == "en":
        assert "You are on the waiting list, position 3." in html
    else:
        assert "您已进入候补名单，排第 3 位" in html
    assert ("position 3" if lang == "en" else "第 3 位") in mailoutbox[0].body


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "You are already registered for this event."),
        ("zh-hans", "您已报名此活动。"),
    ],
)
def test_registering_twice_is_refused_clearly_and_changes_nothing(
    client, station_a, mailoutbox, django_capture_on_commit_callbacks, lang, message
):
    event = factories.EventFactory(station=station_a)
    client.force_login(resident_user(station_a))
    client.post(url("events:register", event.pk, lang=lang))
    deliver_and_forget(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("events:register", event.pk, lang=lang))
    assert response.status_code == 409
    assert message in response.content.decode()
    assert Registration.objects.count() == 1
    assert deliver_messages().sent == 0
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("window", "lang", "message"),
    [
        ({"registration_opens_at": soon(2)}, "en", "Registration for this event opens on"),
        ({"registration_opens_at": soon(2)}, "zh-hans", "此活动的报名将于"),
        ({"registration_closes_at": soon(-1)}, "en", "Registration for this event has closed."),
        ({"registration_closes_at": soon(-1)}, "zh-hans", "此活动的报名已截止。"),
    ],
)
def test_registering_outside_the_window_is_refused(client, station_a, window, lang, message):
    event = factories.EventFactory(station=station_a, starts_at=soon(5), **window)
    client.force_login(resident_user(station_a))
    response = client.post(url("events:register", event.pk, lang=lang))
    assert response.status_code == 409
    assert message in response.content.decode()
    assert not Registration.objects.exists()


def test_staff_may_still_register_a_walk_in_outside_the_window(station_a):
    event = factories.EventFactory(station=station_a, registration_closes_at=soon(-1))
    walk_in = factories.ResidentFactory(station=station_a)
    assert registration_create(event=event, resident=walk_in).status == CONFIRMED


def test_an_unpublished_event_cannot_be_registered_for(client, station_a):
    event = factories.EventFactory(station=station_a, is_published=False)
    client.force_login(resident_user(station_a))
    assert client.post(url("events:register", event.pk)).status_code == 404
    assert not Registration.objects.exists()


def test_registering_at_another_station_makes_a_profile_there(
    client, station_a, station_b, mailoutbox, django_capture_on_commit_callbacks
):
    """The request's scope covers station A only (the person's one profile);
    registering for B's event works and leaves a profile owned by B."""
    event = factories.EventFactory(station=station_b)
    user = resident_user(station_a)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("events:register", event.pk))
    deliver_messages()
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.station == station_b and registration.resident.station == station_b
    assert Resident.objects.filter(user=user).count() == 2
    assert len(mailoutbox) == 1
    # the next request runs in a scope that includes B: the page shows the registration
    assert "You are registered for this event." in client.get(
        url("events:detail", event.pk)
    ).content.decode()


def test_an_account_without_a_resident_profile_is_told_what_to_do(client):
    event = factories.EventFactory()
    client.force_login(factories.UserFactory())
    response = client.post(url("events:register", event.pk))
    assert response.status_code == 409
    assert "Your account has no resident profile yet" in response.content.decode()
    assert not Registration.objects.exists() and not Resident.objects.exists()


def test_registering_is_rate_limited(client, station_a, monkeypatch):
    # one fixed window for the whole test, so a minute boundary cannot reset it
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 1_800_000_000.0))
    events = [factories.EventFactory(station=station_a) for _ in range(11)]
    client.force_login(resident_user(station_a))
    answers = [client.post(url("events:register", event.pk)).status_code for event in events]
    assert answers[:10] == [302] * 10
    assert answers[10] == 429
    assert Registration.objects.count() == 10
