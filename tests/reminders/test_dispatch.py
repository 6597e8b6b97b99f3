"""Sending due rows in this process, against real PostgreSQL (and a real SMTP
server where the test is about SMTP): once each, in the recipient's language,
with the right parts, and every kind of bad input recorded with its reason
while the rest of the batch goes out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from consultations.services import consultation_create
from events.services import registration_create
from reminders import dispatch
from reminders.dispatch import send_due
from reminders.models import Kind, Reminder, ReminderPolicy
from residents.services import resident_create
from tests import factories

pytestmark = pytest.mark.django_db

Status = Reminder.Status
Reason = Reminder.Reason


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://portal.example.org"
    settings.REMINDER_MESSAGE_ID_DOMAIN = "portal.example.org"


def register(event, **resident_fields):
    resident = factories.ResidentFactory(station=event.station, **resident_fields)
    return registration_create(event=event, resident=resident)


def row(kind, target) -> Reminder:
    return Reminder.objects.get(kind=kind, target_id=target.pk)


def test_running_the_task_twice_sends_each_message_once():
    event = factories.EventFactory()
    registrations = [register(event) for _ in range(3)]
    first = send_due()
    second = send_due()
    assert (first.sent, second.sent) == (3, 0)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        r.resident.email for r in registrations
    )
    rows = Reminder.objects.filter(kind=Kind.REGISTRATION_CONFIRMED)
    assert {r.status for r in rows} == {Status.SENT}
    assert all(r.sent_at and r.attempts == 1 for r in rows)
    # each row has its own Message-ID, the same on every try of that row
    ids = {m.extra_headers["Message-ID"] for m in mail.outbox}
    assert ids == {f"<reminder-{r.pk}.registration_confirmed@portal.example.org>" for r in rows}


def test_a_second_row_for_the_same_message_is_refused_by_the_database():
    from django.db import IntegrityError, transaction

    event = factories.EventFactory()
    registration = register(event)
    first = row(Kind.REGISTRATION_CONFIRMED, registration)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(
            station_id=first.station_id,
            kind=first.kind,
            target_id=first.target_id,
            recipient=first.recipient,
            occasion=first.occasion,
            remind_at=first.remind_at,
            next_attempt_at=first.next_attempt_at,
        )


@pytest.mark.parametrize(
    ("language", "subject", "greeting", "html_word"),
    [
        ("zh-hans", "报名成功", "您好", "国际社区服务站"),
        ("en", "You are registered", "Hello", "International Community Service Stations"),
    ],
)
def test_the_confirmation_is_written_in_the_residents_language(language, subject, greeting,
                                                               html_word):
    event = factories.EventFactory(title_en="Tea ceremony", title_zh_hans="茶艺体验",
                                   station__email="guanren@example.org")
    registration = register(event, preferred_language=language, given_name="Anna",
                            family_name="Schmidt")
    send_due()
    (message,) = mail.outbox
    assert subject in message.subject
    assert ("茶艺体验" if language == "zh-hans" else "Tea ceremony") in message.subject
    assert greeting in message.body and "Anna Schmidt" in message.body
    other = "Hello" if language == "zh-hans" else "您好"
    assert other not in message.body and other not in message.subject
    # the station's name and contact, the signed self-service links
    station = event.station
    assert (station.name_zh_hans if language == "zh-hans" else station.name_en) in message.body
    assert f"https://portal.example.org/{language}/events/ticket/" in message.body
    assert message.reply_to == ["guanren@example.org"]
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and html_word in html and f'lang="{language}"' in html
    filename, ics, ics_type = message.attachments[0]
    assert (filename, ics_type) == (f"event-{event.pk}.ics", "text/calendar")
    assert "BEGIN:VEVENT" in ics and f"UID:event-{event.pk}@portal.example.org" in ics
    assert row(Kind.REGISTRATION_CONFIRMED, registration).language == language


def test_a_resident_whose_language_is_unknown_gets_the_default_chinese():
    event = factories.EventFactory()
    registration = register(event)
    registration.resident.preferred_language = "fr"  # not offered; saved by hand
    type(registration.resident).objects.filter(pk=registration.resident.pk).update(
        preferred_language="fr"
    )
    send_due()
    assert "您好" in mail.outbox[0].body


def test_consultation_messages_go_to_resident_and_counsellor_with_calendar_and_link():
    station = factories.StationFactory()
    counsellor_account = factories.UserFactory(preferred_language="zh-hans")
    counsellor = factories.CounsellorFactory(station=station, user=counsellor_account)
    resident = factories.ResidentFactory(station=station, preferred_language="en")
    start = timezone.now() + timedelta(days=3)
    consultation = consultation_create(
        station=station, actor=None, resident=resident, counsellor=counsellor,
        topic=factories.TopicFactory(), channel="station", starts_at=start,
        ends_at=start + timedelta(hours=1), language="en",
    )
    send_due()
    by_address = {m.to[0]: m for m in mail.outbox}
    to_resident, to_counsellor = by_address[resident.email], by_address[counsellor_account.email]
    assert "Consultation booked" in to_resident.subject
    assert "预约" in to_counsellor.subject or "新预约" in to_counsellor.subject
    assert "https://portal.example.org/en/consultations/booking/" in to_resident.body
    assert "/consultations/booking/" not in to_counsellor.body
    for message in (to_resident, to_counsellor):
        filename, ics, _type = message.attachments[0]
        assert filename == f"consultation-{consultation.pk}.ics"
        assert f"UID:consultation-{consultation.pk}@portal.example.org" in ics


def test_a_beat_that_was_down_sends_what_is_still_relevant_and_skips_what_is_stale():
    soon = factories.EventFactory(starts_at=timezone.now() + timedelta(hours=30))
    later = factories.EventFactory(starts_at=timezone.now() + timedelta(hours=60),
                                   station=soon.station)
    early, late = register(soon), register(later)
    send_due()  # the confirmations
    mail.outbox.clear()
    # the beat was down for two days: the first event has begun, the second not
    two_days_on = timezone.now() + timedelta(hours=48)
    outcome = send_due(now=two_days_on)
    assert outcome.sent == 1 and outcome.by_reason == {Reason.STALE: 1}
    assert [m.to[0] for m in mail.outbox] == [late.resident.email]
    assert row(Kind.EVENT_REMINDER, early).status == Status.SKIPPED
    assert row(Kind.EVENT_REMINDER, early).reason == Reason.STALE
    assert row(Kind.EVENT_REMINDER, late).status == Status.SENT


def test_a_kind_the_station_switched_off_is_recorded_and_not_sent():
    event = factories.EventFactory()
    ReminderPolicy.objects.create(
        station=event.station, kind=Kind.REGISTRATION_CONFIRMED, enabled=False
    )
    registration = register(event)
    other_station_event = factories.EventFactory()
    register(other_station_event)
    outcome = send_due()
    assert outcome.sent == 1 and outcome.by_reason == {Reason.SWITCHED_OFF: 1}
    reminder = row(Kind.REGISTRATION_CONFIRMED, registration)
    assert (reminder.status, reminder.reason) == (Status.SKIPPED, Reason.SWITCHED_OFF)


def test_bad_recipients_are_recorded_and_do_not_block_the_batch():
    event = factories.EventFactory()
    no_address = register(event, email="")
    bad_address = register(event, email="")
    # an address that slipped past validation (an old import, a hand edit)
    type(bad_address.resident).objects.filter(pk=bad_address.resident.pk).update(
        email="not an address"
    )
    good = register(event)
    outcome = send_due()
    assert outcome.sent == 1
    assert [m.to[0] for m in mail.outbox] == [good.resident.email]
    assert row(Kind.REGISTRATION_CONFIRMED, no_address).reason == Reason.NO_ADDRESS
    bad = row(Kind.REGISTRATION_CONFIRMED, bad_address)
    assert (bad.status, bad.reason) == (Status.SKIPPED, Reason.INVALID_ADDRESS)


def test_a_deleted_event_or_resident_behind_a_due_row_is_recorded():
    event = factories.EventFactory()
    gone_event = register(event)
    other = factories.EventFactory(station=event.station)
    gone_resident = register(other)
    good = register(other)
    # deleted behind the services' back (a bulk delete), so the rows remain
    type(event).objects.filter(pk=event.pk).delete()
    type(gone_resident.resident).objects.filter(pk=gone_resident.resident.pk).delete()
    document = resident_create(
        station=event.station, actor=None, family_name="Müller", nationality="DE",
        email="m@example.org", document_type="visa",
        document_expires=timezone.localdate() + timedelta(days=10),
    )
    type(document).objects.filter(pk=document.pk).delete()
    outcome = send_due()
    assert outcome.sent == 1 and [m.to[0] for m in mail.outbox] == [good.resident.email]
    assert row(Kind.REGISTRATION_CONFIRMED, gone_event).reason == Reason.TARGET_GONE
    assert row(Kind.REGISTRATION_CONFIRMED, gone_resident).reason == Reason.TARGET_GONE
    document_rows = Reminder.objects.filter(kind=Kind.DOCUMENT_EXPIRY, target_id=document.pk)
    # the 30-day reminder was due at once; the 7-day one is still to come
    assert sorted(document_rows.values_list("status", "reason")) == [
        (Status.PENDING, ""), (Status.SKIPPED, Reason.RECIPIENT_GONE)
    ]


def test_an_error_while_building_one_message_is_retried_and_the_rest_go_out(monkeypatch):
    from reminders import kinds

    event = factories.EventFactory()
    broken, good = register(event), register(event)
    spec = kinds.spec(Kind.REGISTRATION_CONFIRMED)

    def build(reminder, now):
        if reminder.target_id == broken.pk:
            raise RuntimeError("template missing")
        return spec.build(reminder, now)

    monkeypatch.setitem(kinds._REGISTRY, Kind.REGISTRATION_CONFIRMED,
                        kinds.KindSpec(kind=spec.kind, build=build))
    outcome = send_due()
    assert (outcome.sent, outcome.retry) == (1, 1)
    failed = row(Kind.REGISTRATION_CONFIRMED, broken)
    assert failed.status == Status.PENDING and failed.attempts == 1
    assert "template missing" in failed.detail
    assert row(Kind.REGISTRATION_CONFIRMED, good).status == Status.SENT


def test_retry_delays_double():
    assert [dispatch.retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]


def other_session(sql: str, params=()):
    """Run `sql` on a connection of its own (as another process would)."""
    import psycopg2
    from django.db import connection

    conf = connection.settings_dict
    conn = psycopg2.connect(dbname=conf["NAME"], user=conf["USER"], host=conf["HOST"] or None,
                            port=conf["PORT"] or None)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else None
    finally:
        conn.close()


@pytest.mark.django_db(transaction=True)
def test_a_database_lost_while_the_mail_server_accepts_does_not_send_twice(
    smtp_settings, caplog
):
    """The claim is committed before the message leaves; the outcome, lost
    with the connection, is written again on a new one (dispatch._record)."""
    from django.db import connection

    event = factories.EventFactory()
    reminder = row(Kind.REGISTRATION_CONFIRMED, register(event))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        worker_backend = cursor.fetchone()[0]
    seen = []

    def cut_the_connection(_message):
        if not seen:
            seen.extend(other_session(
                "SELECT status FROM reminders_reminder WHERE id = %s", [reminder.pk]
            ))
            other_session("SELECT pg_terminate_backend(%s)", [worker_backend])

    smtp_settings.on_data = cut_the_connection
    caplog.set_level("WARNING", logger="reminders.dispatch")
    assert send_due().sent == 1
    assert seen == [("sending",)], "the claim was not committed before the message left"
    assert "recording the outcome failed" in caplog.text
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (Status.SENT, 1)
    assert send_due().sent == 0
    assert smtp_settings.accepted_count() == 1


def test_a_row_whose_sender_died_is_sent_again_once_its_claim_runs_out(settings):
    event = factories.EventFactory()
    reminder = row(Kind.REGISTRATION_CONFIRMED, register(event))
    now = timezone.now()
    lease = timedelta(seconds=settings.REMINDER_LEASE_SECONDS)
    # what a worker killed after its claim leaves behind
    Reminder.objects.filter(pk=reminder.pk).update(status=Status.SENDING,
                                                    next_attempt_at=now + lease)
    assert send_due(now=now + lease / 2).sent == 0
    assert mail.outbox == []
    assert send_due(now=now + lease).sent == 1
    reminder.refresh_from_db()
    assert reminder.status == Status.SENT
    assert len(mail.outbox) == 1
