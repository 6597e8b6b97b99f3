"""The booking page of a consultation reached from the signed link of its
messages, without logging in: what it shows (never the notes), the calendar
file, cancelling, and refusing changed, foreign and expired links."""

from datetime import timedelta

import pytest
from django.core import signing
from django.urls import resolve, reverse
from django.utils import timezone, translation

from consultations import links
from consultations.models import Consultation
from consultations.selectors import consultation_for_link
from consultations.services import consultation_create
from reminders.models import Kind, Reminder
from stations.notify import uid_host
from tests import factories

pytestmark = pytest.mark.django_db

Status = Consultation.Status
NOTES = "Overstayed the visa by three days; fined 500 yuan."
STARTED = "This consultation has already started; it can no longer be cancelled."


def url(name: str, *args, lang: str = "en") -> str:
    with translation.override(lang):
        return reverse(f"consultations:{name}", args=args)


def booking_url(consultation, lang: str = "en") -> str:
    return url("booking", links.link_code(consultation), lang=lang)


def cancel_url(consultation, lang: str = "en") -> str:
    return url("booking_cancel", links.link_code(consultation), lang=lang)


def ics_url(consultation, lang: str = "en") -> str:
    return url("booking_ics", links.link_code(consultation), lang=lang)


def unfold(body: str) -> str:
    """iCalendar text with its folded lines joined again (RFC 5545 3.1)."""
    return body.replace("\r\n ", "")


def reminder_rows(consultation) -> list[tuple[str, str, str]]:
    return sorted(
        Reminder.objects.filter(
            target_id=consultation.pk, kind__startswith="consultation_"
        ).values_list("kind", "recipient", "status")
    )


def move_to(consultation, starts_at):
    """Put `consultation` at another time behind the services' back (the
    clock moving on, as far as the consultation is concerned)."""
    Consultation.objects.filter(pk=consultation.pk).update(
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=1)
    )
    consultation.refresh_from_db()


@pytest.fixture
def topic(db):
    return factories.TopicFactory(
        slug="visas", name_en="Visas and permits", name_zh_hans="签证与居留许可"
    )


@pytest.fixture
def counsellor(station_a, topic):
    account = factories.MembershipFactory(
        station=station_a, role="counsellor", user__email="rossi@example.org"
    ).user
    counsellor = factories.CounsellorFactory(
        station=station_a, name="Maria Rossi", title="Immigration adviser", user=account
    )
    counsellor.topics.add(topic)
    return counsellor


@pytest.fixture
def resident(station_a):
    user = factories.UserFactory(email="anna@example.org", preferred_language="en")
    return factories.ResidentFactory(
        station=station_a, user=user, given_name="Anna", family_name="Schmidt"
    )


def book(station, *, resident, counsellor, topic, days: int = 2, hour: int = 10, **fields):
    local = timezone.localtime() + timedelta(days=days)
    starts_at = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    return consultation_create(
        station=station,
        actor=None,
        resident=resident,
        counsellor=counsellor,
        topic=topic,
        channel="station",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        language="en",
        **fields,
    )


@pytest.fixture
def consultation(station_a, resident, counsellor, topic):
    station_a.email = "desk-a@example.org"
    station_a.save()
    return book(station_a, resident=resident, counsellor=counsellor, topic=topic, notes=NOTES)


def assert_private(response):
    cache_control = response["Cache-Control"]
    assert "no-cache" in cache_control and "private" in cache_control
    assert response["X-Robots-Tag"] == "noindex"
    assert response["Referrer-Policy"] == "no-referrer"


# --- the addresses ---------------------------------------------------------------------


def test_the_link_addresses_resolve_before_the_topic_routes(consultation, topic):
    code = links.link_code(consultation)
    assert links.booking_path(consultation, language="en") == f"/en/consultations/booking/{code}/"
    with translation.override("en"):
        assert resolve(booking_url(consultation)).view_name == "consultations:booking"
        assert resolve(cancel_url(consultation)).view_name == "consultations:booking_cancel"
        assert resolve(ics_url(consultation)).view_name == "consultations:booking_ics"
        assert resolve(ics_url(consultation)).kwargs == {"code": code}
        # the topic pages keep working
        assert resolve(url("slots", topic.slug)).view_name == "consultations:slots"


# --- the page --------------------------------------------------------------------------


def test_the_booking_page_opens_without_logging_in_in_english(client, consultation):
    response = client.get(booking_url(consultation))
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    html = response.content.decode()
    assert '<html lang="en">' in html
    for shown in (
        "Visas and permits",  # topic
        "Maria Rossi, Immigration adviser",  # counsellor
        "Station A",
        "1 Test Road, Siming District, Xiamen",
        "At the station",  # channel
        "English",  # language
        "Booked",  # status
        'href="mailto:desk-a@example.org"',  # the station's contact
        'href="tel:+865921234567"',
        "Add to my calendar (.ics file)",
        "Cancel this booking",
        "To choose another time, log in",
    ):
        assert shown in html, shown
    assert f'href="{ics_url(consultation)}"' in html
    assert f'href="{cancel_url(consultation)}"' in html
    detail = url("detail", consultation.pk)
    assert f"?next={detail.replace('/', '%2F')}" in html
    assert_private(response)


def test_the_booking_page_opens_without_logging_in_in_chinese(client, consultation):
    response = client.get(booking_url(consultation, "zh-hans"))
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "甲站" in html
    assert "签证与居留许可" in html
    assert "Station A" not in html
    assert f'href="{cancel_url(consultation, "zh-hans")}"' in html
    assert f'href="{ics_url(consultation, "zh-hans")}"' in html
    assert_private(response)


def test_the_notes_never_appear_on_the_pages_or_in_the_calendar_file(client, consultation):
    assert Consultation.objects.get(pk=consultation.pk).notes == NOTES
    for path in (booking_url(consultation), cancel_url(consultation), ics_url(consultation)):
        response = client.get(path)
        assert response.status_code == 200, path
        body = unfold(response.content.decode())
        assert "Overstayed" not in body and "500 yuan" not in body, path


def test_the_link_reads_the_consultation_in_one_query(consultation, django_assert_num_queries):
    with django_assert_num_queries(1):
        found = consultation_for_link(pk=consultation.pk)
        assert (found.station.pk, found.topic.pk, found.counsellor.pk, found.resident.pk) == (
            consultation.station_id,
            consultation.topic_id,
            consultation.counsellor_id,
            consultation.resident_id,
        )
    assert consultation_for_link(pk=consultation.pk + 1000) is None


# --- links that do not work --------------------------------------------------------------


def all_paths(code: str, lang: str = "en") -> list[str]:
    return [url(name, code, lang=lang) for name in ("booking", "booking_cancel", "booking_ics")]


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_a_changed_or_cut_code_is_refused(client, consultation, lang):
    code = links.link_code(consultation)
    value, signature = code.split(":")
    changed = f"c{consultation.pk + 1}:{signature}"
    for bad in (changed, code[:-2], value, f"{value}:"):
        for path in all_paths(bad, lang):
            response = client.get(path)
            assert response.status_code == 400, path
            assert response["X-Robots-Tag"] == "noindex"
            if lang == "en":
                assert "This link does not work" in response.content.decode()
            assert "Maria Rossi" not in response.content.decode()
        assert client.post(url("booking_cancel", bad, lang=lang)).status_code == 400
    consultation.refresh_from_db()
    assert consultation.status == Status.BOOKED


def test_another_consultations_id_signed_with_another_salt_is_refused(
    client, consultation, station_a, resident, counsellor, topic
):
    other = book(station_a, resident=resident, counsellor=counsellor, topic=topic, days=3)
    for salt in ("events.registration.self-service", "accounts.password-reset", ""):
        forged = signing.Signer(salt=salt).sign(f"c{other.pk}")
        for path in all_paths(forged):
            assert client.get(path).status_code == 400, (salt, path)
        assert client.post(url("booking_cancel", forged)).status_code == 400
    other.refresh_from_db()
    assert other.status == Status.BOOKED
    # the genuine code of that consultation does open it
    assert client.get(booking_url(other)).status_code == 200


def test_a_genuine_link_to_a_consultation_that_is_gone_is_not_found(client, consultation):
    paths = all_paths(links.link_code(consultation))
    Consultation.objects.filter(pk=consultation.pk).delete()
    for path in paths:
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Booking not found" in response.content.decode()


def test_a_link_expires_a_week_after_the_consultation(client, consultation):
    move_to(consultation, timezone.now() - timedelta(days=8, hours=2))
    assert links.link_expired(consultation)
    for path in all_paths(links.link_code(consultation)):
        response = client.get(path)
        assert response.status_code == 410, path
        assert "This link has expired" in response.content.decode()
        assert "Maria Rossi" not in response.content.decode()
    assert client.post(cancel_url(consultation)).status_code == 410
    # six days after, the page still opens (to look it up), without a cancel link
    move_to(consultation, timezone.now() - timedelta(days=6))
    response = client.get(booking_url(consultation))
    assert response.status_code == 200
    assert "Maria Rossi" in response.content.decode()
    assert "Cancel this booking" not in response.content.decode()


# --- cancelling --------------------------------------------------------------------------


def test_cancelling_asks_first_and_changes_nothing_until_confirmed(client, consultation):
    before = reminder_rows(consultation)
    response = client.get(cancel_url(consultation))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Cancel your consultation?" in html
    assert f'action="{cancel_url(consultation)}"' in html and 'method="post"' in html
    assert f'href="{booking_url(consultation)}"' in html  # keep it
    assert_private(response)
    consultation.refresh_from_db()
    assert consultation.status == Status.BOOKED
    assert reminder_rows(consultation) == before


def test_cancelling_through_the_link_writes_the_notices_and_withdraws_the_reminders(
    client, consultation, resident
):
    pending = Reminder.objects.filter(
        target_id=consultation.pk, kind=Kind.CONSULTATION_REMINDER, status="pending"
    )
    assert pending.count() >= 2  # to the resident and to the counsellor
    reminder_pks = list(pending.values_list("pk", flat=True))

    response = client.post(cancel_url(consultation))

    assert response.status_code == 302
    assert response["Location"] == booking_url(consultation)
    consultation.refresh_from_db()
    assert consultation.status == Status.CANCELLED
    notices = Reminder.objects.filter(target_id=consultation.pk, kind=Kind.CONSULTATION_CANCELLED)
    assert sorted(notices.values_list("recipient", flat=True)) == ["counsellor", "resident"]
    assert set(notices.values_list("status", flat=True)) == {"pending"}
    statuses = Reminder.objects.filter(pk__in=reminder_pks).values_list("status", flat=True)
    assert set(statuses) == {"cancelled"}
    assert not Reminder.objects.filter(
        target_id=consultation.pk, kind=Kind.CONSULTATION_REMINDER, status="pending"
    ).exists()

    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Your consultation is cancelled." in html
    assert "This consultation is cancelled." in html
    assert "Cancelled" in html
    assert "Cancel this booking" not in html
    assert "Add to my calendar" not in html


def test_a_cancelled_consultation_is_not_cancelled_again(client, consultation):
    assert client.post(cancel_url(consultation)).status_code == 302
    rows = reminder_rows(consultation)
    response = client.post(cancel_url(consultation), follow=True)
    assert response.redirect_chain == [(booking_url(consultation), 302)]
    assert "This consultation is already cancelled." in response.content.decode()
    assert reminder_rows(consultation) == rows


def test_a_consultation_that_has_started_cannot_be_cancelled(client, consultation):
    move_to(consultation, timezone.now() - timedelta(minutes=10))
    rows = reminder_rows(consultation)

    page = client.get(booking_url(consultation))
    assert page.status_code == 200
    assert "Cancel this booking" not in page.content.decode()

    response = client.post(cancel_url(consultation))

    assert response.status_code == 409
    html = response.content.decode()
    assert STARTED in html
    assert 'role="alert"' in html
    assert 'method="post"' not in html  # no button to try again
    consultation.refresh_from_db()
    assert consultation.status == Status.BOOKED
    assert reminder_rows(consultation) == rows
    assert not Reminder.objects.filter(
        target_id=consultation.pk, kind=Kind.CONSULTATION_CANCELLED
    ).exists()
    # asking first says so as well, with the same status
    assert client.get(cancel_url(consultation)).status_code == 409


def test_cancelling_through_links_is_rate_limited(client, consultation):
    forged = f"c{consultation.pk}:not-the-signature"
    path = url("booking_cancel", forged)
    assert [client.post(path).status_code for _ in range(10)] == [400] * 10
    assert client.post(path).status_code == 429
    # reading is never limited
    assert client.get(booking_url(consultation)).status_code == 200


# --- the calendar file ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "summary"), [("en", "Consultation · Station A"), ("zh-hans", "甲站")]
)
def test_the_calendar_file_holds_the_consultation(client, consultation, lang, summary):
    response = client.get(ics_url(consultation, lang))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Content-Disposition"] == (
        f'attachment; filename="consultation-{consultation.pk}.ics"'
    )
    assert_private(response)
    body = unfold(response.content.decode())
    assert body.startswith("BEGIN:VCALENDAR")
    assert f"UID:consultation-{consultation.pk}@{uid_host()}\r\n" in body
    summary_line = next(line for line in body.split("\r\n") if line.startswith("SUMMARY:"))
    assert summary in summary_line
    assert f"URL:http://testserver{booking_url(consultation, lang)}" in body
    assert "STATUS:CANCELLED" not in body
