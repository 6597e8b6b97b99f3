"""The ticket and cancellation reached from the signed link of the
confirmation e-mail, without logging in, and the calendar files."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone, translation

from events import tickets
from events.models import Registration
from stations.notify import uid_host
from tests import factories
from tests.helpers import deliver_and_forget, deliver_messages, register

pytestmark = pytest.mark.django_db

CONFIRMED = Registration.Status.CONFIRMED
WAITLISTED = Registration.Status.WAITLISTED
CANCELLED = Registration.Status.CANCELLED


def url(name: str, *args, lang: str = "en") -> str:
    with translation.override(lang):
        return reverse(name, args=args)


def ticket_url(registration, lang: str = "en") -> str:
    return url("events:ticket", tickets.link_code(registration), lang=lang)


def cancel_url(registration, lang: str = "en") -> str:
    return url("events:cancel", tickets.link_code(registration), lang=lang)


def snapshot():
    return sorted(Registration.objects.values_list("pk", "status", "cancelled_at"))


# --- the ticket -----------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_the_ticket_opens_without_logging_in(client, lang):
    event = factories.EventFactory(title_en="Calligraphy", title_zh_hans="书法体验")
    (registration,) = register(event, 1, given_name="Maria", family_name="Rossi")
    response = client.get(ticket_url(registration, lang))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Maria Rossi" in html
    assert ("Calligraphy" if lang == "en" else "书法体验") in html
    assert ("Confirmed" if lang == "en" else "已确认") in html
    # the QR code, drawn on the server, with an accessible name
    assert '<svg viewBox="' in html and 'class="event-ticket__qr"' in html
    assert ("<title>Check-in code</title>" if lang == "en" else "<title>签到码</title>") in html
    assert url("events:cancel", tickets.link_code(registration), lang=lang) in html
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response[
        "Cache-Control"
    ]
    assert response["Referrer-Policy"] == "no-referrer"


def test_the_qr_code_holds_the_registration_token_for_the_desk():
    (registration,) = register(factories.EventFactory(), 1)
    svg = tickets.qr_svg(registration, title="code")
    import segno

    expected = segno.make_qr(registration.token, error="m").svg_inline(
        scale=4, border=4, omitsize=True, title="code", svgclass="event-ticket__qr", lineclass=None
    )
    assert svg == expected
    assert "width=" not in svg  # sized by the stylesheet, so it fits a phone


def test_a_waiting_ticket_shows_the_position_and_no_check_in_code(client):
    event = factories.EventFactory(capacity=1)
    _confirmed, _first, second = register(event, 3)
    html = client.get(ticket_url(second)).content.decode()
    assert "On the waiting list · position 2" in html
    assert "<svg" not in html


def test_the_online_link_is_on_a_confirmed_ticket_only(client):
    event = factories.EventFactory(capacity=1, online_url="https://live.example.org/room-7")
    confirmed, waiting = register(event, 2)
    assert "room-7" in client.get(ticket_url(confirmed)).content.decode()
    assert "room-7" not in client.get(ticket_url(waiting)).content.decode()


@pytest.mark.parametrize(
    ("lang", "title"), [("en", "This link does not work"), ("zh-hans", "此链接无效")]
)
def test_a_forged_link_is_refused(client, lang, title):
    (registration,) = register(factories.EventFactory(), 1)
    code = tickets.link_code(registration)
    token, signature = code.split(":")
    forged = f"{token[:-1]}{'A' if token[-1] != 'A' else 'B'}:{signature}"
    for path in (
        url("events:ticket", forged, lang=lang),
        url("events:ticket", token, lang=lang),  # the bare token, unsigned
        url("events:cancel", forged, lang=lang),
    ):
        response = client.get(path)
        assert response.status_code == 400, path
        assert title in response.content.decode()
    assert client.post(url("events:cancel", forged, lang=lang)).status_code == 400
    registration.refresh_from_db()
    assert registration.status == CONFIRMED


def test_a_token_signed_for_another_purpose_is_refused(client):
    (registration,) = register(factories.EventFactory(), 1)
    foreign = signing.Signer(salt="accounts.password-reset").sign(registration.token)
    assert client.get(url("events:ticket", foreign)).status_code == 400
    assert client.post(url("events:cancel", foreign)).status_code == 400
    registration.refresh_from_db()
    assert registration.status == CONFIRMED


def test_a_signed_link_to_a_registration_that_is_gone_is_not_found(client):
    (registration,) = register(factories.EventFactory(), 1)
    path = ticket_url(registration)
    registration.delete()
    response = client.get(path)
    assert response.status_code == 404
    assert "Registration not found" in response.content.decode()


def test_a_link_expires_a_week_after_the_event(client):
    start = timezone.now() - timedelta(days=9)
    event = factories.EventFactory(starts_at=start, ends_at=start + timedelta(hours=2))
    registration = factories.RegistrationFactory(event=event)
    response = client.get(ticket_url(registration))
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert client.post(cancel_url(registration)).status_code == 410
    # a day after the event, the ticket still opens (the person may look it up)
    recent = timezone.now() - timedelta(days=1, hours=3)
    event.starts_at, event.ends_at = recent, recent + timedelta(hours=2)
    event.save()
    assert client.get(ticket_url(registration)).status_code == 200


# --- cancelling ---------------------------------------------------------------------


def test_cancelling_asks_first_and_changes_nothing_until_confirmed(client):
    event = factories.EventFactory(capacity=1, title_en="Tai chi")
    confirmed, _waiting = register(event, 2)
    before = snapshot()
    response = client.get(cancel_url(confirmed))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Cancel your registration?" in html
    assert 'method="post"' in html and "csrfmiddlewaretoken" in html
    assert "Yes, cancel my registration" in html
    assert snapshot() == before


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_cancelling_promotes_the_first_waiting_and_e_mails_them(
    client, mailoutbox, django_capture_on_commit_callbacks, lang
):
    event = factories.EventFactory(capacity=1, title_en="Tai chi", title_zh_hans="太极拳")
    confirmed, first, second = register(event, 3)
    first.resident.preferred_language = "zh-hans"
    first.resident.save()
    deliver_and_forget(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(cancel_url(confirmed, lang), follow=True)
    deliver_messages()
    assert response.redirect_chain == [(ticket_url(confirmed, lang), 302)]
    html = response.content.decode()
    assert ("Your registration for Tai chi is cancelled." if lang == "en" else "已取消") in html
    statuses = {r.pk: r.status for r in Registration.objects.all()}
    assert statuses == {confirmed.pk: CANCELLED, first.pk: CONFIRMED, second.pk: WAITLISTED}
    # the one who cancelled is told too; the one promoted gets the place
    by_recipient = {m.to[0]: m for m in mailoutbox}
    assert set(by_recipient) == {confirmed.resident.email, first.resident.email}
    mail = by_recipient[first.resident.email]
    # in the promoted person's language, whatever the page's
    assert "太极拳" in mail.subject
    assert f"{settings.SITE_URL}{ticket_url(first, 'zh-hans')}" in mail.body


def test_cancelling_from_the_waiting_list_promotes_nobody(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    event = factories.EventFactory(capacity=1)
    _confirmed, waiting, last = register(event, 3)
    deliver_and_forget(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(cancel_url(waiting))
    deliver_messages()
    waiting.refresh_from_db()
    last.refresh_from_db()
    assert waiting.status == CANCELLED and last.status == WAITLISTED
    # only the person who cancelled hears of it
    assert [m.to[0] for m in mailoutbox] == [waiting.resident.email]


def test_a_cancelled_registration_cannot_be_cancelled_again(client):
    (registration,) = register(factories.EventFactory(), 1)
    client.post(cancel_url(registration))
    registration.refresh_from_db()
    cancelled_at = registration.cancelled_at
    response = client.post(cancel_url(registration), follow=True)
    assert "This registration is already cancelled." in response.content.decode()
    registration.refresh_from_db()
    assert registration.cancelled_at == cancelled_at
    ticket = client.get(ticket_url(registration)).content.decode()
    assert "Cancelled" in ticket and "<svg" not in ticket
    assert cancel_url(registration) not in ticket


def test_cancelling_after_the_event_is_refused_clearly(client):
    start = timezone.now() - timedelta(days=1)
    event = factories.EventFactory(starts_at=start, ends_at=start + timedelta(hours=2))
    registration = factories.RegistrationFactory(event=event)
    assert cancel_url(registration) not in client.get(ticket_url(registration)).content.decode()
    response = client.post(cancel_url(registration))
    assert response.status_code == 409
    assert "This event has already ended." in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == CONFIRMED


# --- calendar files ------------------------------------------------------------------


def unfold(body: bytes) -> list[str]:
    """The content lines of an iCalendar file, checked and unfolded as RFC 5545
    section 3.1 says."""
    assert body.endswith(b"\r\n")
    raw = body[:-2].split(b"\r\n")
    assert all(len(line) <= 75 for line in raw), "a line longer than 75 octets"
    assert not any(b"\n" in line or b"\r" in line for line in raw)
    lines: list[bytes] = []
    for line in raw:
        if line.startswith((b" ", b"\t")):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return [line.decode("utf-8") for line in lines]


def unescape(value: str) -> str:
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars)
            out.append("\n" if following in "nN" else following)
        else:
            out.append(char)
    return "".join(out)


def parse(body: bytes) -> tuple[dict, list[dict]]:
    """(calendar properties, [event properties]) of an iCalendar file."""
    calendar, events, current, stack = {}, [], None, []
    for line in unfold(body):
        name, _, value = line.partition(":")
        name = name.split(";")[0]
        if name == "BEGIN":
            stack.append(value)
            if value == "VEVENT":
                current = {}
        elif name == "END":
            assert stack.pop() == value
            if value == "VEVENT":
                events.append(current)
                current = None
        elif current is not None:
            current[name] = value
        else:
            calendar[name] = value
    assert stack == []
    return calendar, events


def utc(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


@pytest.mark.parametrize(
    ("lang", "title"), [("en", "Spring Festival, fair"), ("zh-hans", "春节庙会")]
)
def test_an_events_ics_file_parses_back(client, station_a, lang, title):
    start = datetime(2031, 1, 25, 14, 0, tzinfo=timezone.get_current_timezone())
    event = factories.EventFactory(
        station=station_a,
        title_en="Spring Festival, fair",
        title_zh_hans="春节庙会",
        description_en="Bring: lanterns; red paper\nand a friend. " + "Long text " * 20,
        description_zh_hans="带上灯笼；红纸和朋友。" + "很长的说明" * 20,
        place_en="Square",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
    )
    response = client.get(url("events:ics", event.pk, lang=lang))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert f'filename="event-{event.pk}.ics"' in response["Content-Disposition"]
    calendar, (parsed,) = parse(response.content)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    assert parsed["UID"] == f"event-{event.pk}@{uid_host()}"
    assert parsed["DTSTART"] == "20310125T060000Z" == utc(event.starts_at)
    assert parsed["DTEND"] == "20310125T090000Z"
    assert parsed["DTSTAMP"].endswith("Z")
    assert unescape(parsed["SUMMARY"]) == title
    assert parsed["URL"] == f"http://testserver{url('events:detail', event.pk, lang=lang)}"
    description = unescape(parsed["DESCRIPTION"])
    if lang == "en":
        assert description.startswith("Bring: lanterns; red paper\nand a friend.")
        assert unescape(parsed["LOCATION"]).startswith("Square, Station A")
    else:
        assert description.startswith("带上灯笼；红纸和朋友。很长的说明")
        assert "甲站" in unescape(parsed["LOCATION"])
    assert description.endswith(parsed["URL"])


def test_an_unpublished_event_has_no_ics_file(client):
    event = factories.EventFactory(is_published=False)
    assert client.get(url("events:ics", event.pk)).status_code == 404


def test_a_stations_feed_lists_its_upcoming_published_events(client, station_a, station_b):
    mine = [factories.EventFactory(station=station_a) for _ in range(3)]
    factories.EventFactory(station=station_a, is_published=False)
    past = timezone.now() - timedelta(days=2)
    factories.EventFactory(station=station_a, starts_at=past, ends_at=past + timedelta(hours=1))
    factories.EventFactory(station=station_b)
    response = client.get(url("events:station_calendar", "station-a"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar, events = parse(response.content)
    assert unescape(calendar["X-WR-CALNAME"]) == "Station A: events"
    assert {e["UID"] for e in events} == {f"event-{e.pk}@{uid_host()}" for e in mine}
    assert client.get(url("events:station_calendar", "nowhere")).status_code == 404


# --- who is told when the waiting list moves ----------------------------------------


def test_a_larger_capacity_tells_everyone_it_promotes(
    mailoutbox, django_capture_on_commit_callbacks
):
    from events.services import event_update

    event = factories.EventFactory(capacity=1)
    _confirmed, first, second, third = register(event, 4)
    deliver_and_forget(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        event_update(event=event, actor=None, capacity=3)
    deliver_messages()
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [first.resident.email, second.resident.email]
    )
    third.refresh_from_db()
    assert third.status == WAITLISTED


def test_a_walk_in_without_an_e_mail_address_is_promoted_without_a_message(
    mailoutbox, django_capture_on_commit_callbacks
):
    from events.services import registration_cancel

    event = factories.EventFactory(capacity=1)
    (confirmed,) = register(event, 1)
    (walk_in,) = register(event, 1, email="")
    deliver_and_forget(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = registration_cancel(registration=confirmed)
    outcome = deliver_messages()
    assert [r.pk for r in cancelled.promoted] == [walk_in.pk]
    # the cancellation reaches the one who had an address; the walk-in's
    # message is recorded as having none
    assert [m.to[0] for m in mailoutbox] == [confirmed.resident.email]
    assert outcome.by_reason == {"no_address": 1}
