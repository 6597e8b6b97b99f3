"""Rows follow the things they are about, in the same transaction: creating,
moving and cancelling an event, a registration, a booking, a shift or an
identity document writes, moves and withdraws its reminders, and a
transaction that rolls back leaves no reminder behind."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from consultations.models import Consultation
from consultations.services import (
    consultation_create,
    consultation_set_status,
    consultation_update,
)
from events.services import (
    event_cancel,
    event_delete,
    event_update,
    registration_cancel,
    registration_create,
)
from reminders.dispatch import send_due
from reminders.models import Kind, Reminder, ReminderPolicy
from reminders.services import policy_update
from residents.services import resident_create, resident_update
from tests import factories
from volunteers.services import (
    hours_entry_create,
    hours_entry_review,
    shift_delete,
    shift_update,
    signup_create,
    signup_withdraw,
)

pytestmark = pytest.mark.django_db

Status = Reminder.Status


def rows(kind, target, **filters):
    return list(
        Reminder.objects.filter(kind=kind, target_id=target.pk, **filters).order_by("remind_at")
    )


def register(event, **fields):
    return registration_create(
        event=event, resident=factories.ResidentFactory(station=event.station, **fields)
    )


class Boom(Exception):
    pass


def test_a_registration_and_its_messages_commit_or_roll_back_together():
    event = factories.EventFactory()
    with pytest.raises(Boom), transaction.atomic():
        register(event)
        assert Reminder.objects.count() == 2  # the confirmation and the reminder
        raise Boom
    assert Reminder.objects.count() == 0


def test_registering_writes_the_confirmation_and_a_reminder_24_hours_before():
    event = factories.EventFactory()
    registration = register(event)
    (confirmation,) = rows(Kind.REGISTRATION_CONFIRMED, registration)
    (reminder,) = rows(Kind.EVENT_REMINDER, registration)
    assert confirmation.status == Status.PENDING and confirmation.remind_at <= timezone.now()
    assert reminder.remind_at == event.starts_at - timedelta(hours=24)
    assert reminder.stale_at == event.starts_at
    assert reminder.station_id == event.station_id


def test_waiting_list_places_get_no_reminder_until_promoted():
    event = factories.EventFactory(capacity=1)
    first = register(event)
    waiting = register(event)
    assert rows(Kind.REGISTRATION_WAITLISTED, waiting)
    assert rows(Kind.EVENT_REMINDER, waiting) == []
    registration_cancel(registration=first)
    assert [r.status for r in rows(Kind.EVENT_REMINDER, first)] == [Status.CANCELLED]
    assert rows(Kind.REGISTRATION_CANCELLED, first)
    assert rows(Kind.REGISTRATION_PROMOTED, waiting)
    assert [r.status for r in rows(Kind.EVENT_REMINDER, waiting)] == [Status.PENDING]


def test_a_cancelled_registrations_reminder_is_never_sent():
    event = factories.EventFactory()
    registration = register(event)
    registration_cancel(registration=registration)
    (reminder,) = rows(Kind.EVENT_REMINDER, registration)
    assert (reminder.status, reminder.reason) == (Status.CANCELLED, Reminder.Reason.CHANGED)
    send_due(now=event.starts_at - timedelta(hours=1))
    subjects = [m.subject for m in mail.outbox]
    assert len(subjects) == 1  # the cancellation only
    assert "Registration cancelled" in subjects[0] or "取消" in subjects[0]


def test_moving_an_event_moves_its_reminders_and_a_sent_one_is_not_repeated():
    event = factories.EventFactory()
    registration = register(event)
    (reminder,) = rows(Kind.EVENT_REMINDER, registration)
    later = event.starts_at + timedelta(days=2)
    event_update(event=event, actor=None, starts_at=later, ends_at=later + timedelta(hours=2))
    reminder.refresh_from_db()
    assert reminder.status == Status.PENDING
    assert reminder.remind_at == later - timedelta(hours=24)
    # sent for this time; then the event moves again: the new time gets its own
    send_due(now=later - timedelta(hours=23))
    reminder.refresh_from_db()
    assert reminder.status == Status.SENT
    again = later + timedelta(days=7)
    event_update(event=event, actor=None, starts_at=again, ends_at=again + timedelta(hours=2))
    reminders = rows(Kind.EVENT_REMINDER, registration)
    assert [r.status for r in reminders] == [Status.SENT, Status.PENDING]
    assert reminders[1].remind_at == again - timedelta(hours=24)


def test_an_event_moved_closer_sends_its_reminder_at_once():
    event = factories.EventFactory()
    registration = register(event)
    sooner = timezone.now() + timedelta(hours=5)
    event_update(event=event, actor=None, starts_at=sooner, ends_at=sooner + timedelta(hours=1))
    (reminder,) = rows(Kind.EVENT_REMINDER, registration)
    assert reminder.next_attempt_at <= timezone.now()
    assert send_due().sent == 2  # the confirmation and the reminder


def test_calling_off_an_event_tells_everyone_and_withdraws_their_reminders():
    event = factories.EventFactory(capacity=1)
    confirmed, waiting = register(event), register(event)
    event_cancel(event=event, actor=None)
    for registration in (confirmed, waiting):
        registration.refresh_from_db()
        assert registration.status == registration.Status.CANCELLED
        assert len(rows(Kind.EVENT_CANCELLED, registration)) == 1
    assert [r.status for r in rows(Kind.EVENT_REMINDER, confirmed)] == [Status.CANCELLED]
    outcome = send_due()
    called_off = [m for m in mail.outbox if "Called off" in m.subject]
    assert len(called_off) == 2
    assert outcome.by_reason.get(Reminder.Reason.NO_LONGER_APPLIES) == 2  # stale confirmations


def test_deleting_an_event_withdraws_its_messages_in_the_same_transaction():
    event = factories.EventFactory()
    registration = register(event)
    event_delete(event=event, actor=None)
    assert {r.status for r in Reminder.objects.filter(target_id=registration.pk)} == {
        Status.CANCELLED
    }


def book(station, *, start, counsellor=None, **fields):
    counsellor = counsellor or factories.CounsellorFactory(
        station=station, user=factories.UserFactory()
    )
    return consultation_create(
        station=station, actor=None,
        resident=factories.ResidentFactory(station=station),
        counsellor=counsellor, topic=factories.TopicFactory(), channel="station",
        starts_at=start, ends_at=start + timedelta(hours=1), **fields,
    )


def test_a_booking_has_reminders_at_24_and_2_hours_for_resident_and_counsellor():
    station = factories.StationFactory()
    start = timezone.now() + timedelta(days=3)
    consultation = book(station, start=start)
    reminders = rows(Kind.CONSULTATION_REMINDER, consultation)
    assert sorted((r.recipient, r.remind_at) for r in reminders) == sorted(
        (who, start - timedelta(hours=h)) for who in ("resident", "counsellor") for h in (24, 2)
    )
    assert len(rows(Kind.CONSULTATION_BOOKED, consultation)) == 2


def test_moving_and_cancelling_a_booking_move_and_withdraw_its_reminders():
    station = factories.StationFactory()
    start = timezone.now() + timedelta(days=3)
    consultation = book(station, start=start)
    later = start + timedelta(days=1)
    consultation_update(consultation=consultation, actor=None, starts_at=later,
                        ends_at=later + timedelta(hours=1))
    reminders = rows(Kind.CONSULTATION_REMINDER, consultation, status=Status.PENDING)
    assert sorted({r.remind_at for r in reminders}) == [
        later - timedelta(hours=24), later - timedelta(hours=2)
    ]
    moved = rows(Kind.CONSULTATION_RESCHEDULED, consultation)
    assert len(moved) == 2 and moved[0].data["previous_start"]
    consultation_set_status(consultation=consultation, status=Consultation.Status.CANCELLED,
                            actor=None)
    assert {r.status for r in rows(Kind.CONSULTATION_REMINDER, consultation)} == {
        Status.CANCELLED
    }
    assert len(rows(Kind.CONSULTATION_CANCELLED, consultation)) == 2
    send_due(now=later - timedelta(hours=1))
    assert not [m for m in mail.outbox if "Reminder" in m.subject or "提醒" in m.subject]


def test_a_consultation_recorded_after_it_happened_writes_no_messages():
    station = factories.StationFactory()
    book(station, start=timezone.now() - timedelta(days=1))
    assert Reminder.objects.count() == 0


def test_shift_sign_ups_are_reminded_and_follow_the_shift():
    shift = factories.ShiftFactory(
        starts_at=timezone.now() + timedelta(days=4),
        ends_at=timezone.now() + timedelta(days=4, hours=3),
        capacity=3,
    )
    volunteer = factories.ResidentFactory(station=shift.station)
    signup = signup_create(shift=shift, volunteer=volunteer)
    (reminder,) = rows(Kind.SHIFT_REMINDER, signup)
    assert reminder.remind_at == shift.starts_at - timedelta(hours=24)
    later = shift.starts_at + timedelta(days=1)
    shift_update(shift=shift, actor=None, starts_at=later, ends_at=later + timedelta(hours=3))
    reminder.refresh_from_db()
    assert reminder.remind_at == later - timedelta(hours=24)
    signup_withdraw(signup=signup)
    reminder.refresh_from_db()
    assert reminder.status == Status.CANCELLED
    other = signup_create(shift=shift, volunteer=factories.ResidentFactory(station=shift.station))
    shift_delete(shift=shift, actor=None)
    assert [r.status for r in rows(Kind.SHIFT_REMINDER, other)] == [Status.CANCELLED]


def test_reviewed_hours_are_told_to_the_volunteer():
    station = factories.StationFactory()
    volunteer = factories.ResidentFactory(station=station, preferred_language="en")
    entry = hours_entry_create(
        station=station, volunteer=volunteer, actor=None,
        date=timezone.localdate() - timedelta(days=1), hours="3.5",
    )
    reviewer = factories.MembershipFactory(station=station, role="manager").user
    hours_entry_review(entry=entry, approve=True, actor=reviewer)
    assert send_due().sent == 1
    assert "approved" in mail.outbox[0].subject and "3.50" in mail.outbox[0].subject


def at_nine(day):
    return timezone.make_aware(datetime.combine(day, time(9, 0)))


def test_an_expiring_document_is_reminded_30_and_7_days_before_and_a_renewal_moves_it():
    station = factories.StationFactory()
    expires = timezone.localdate() + timedelta(days=60)
    resident = resident_create(
        station=station, actor=None, family_name="Rossi", nationality="IT",
        email="rossi@example.org", document_type="residence_permit", document_expires=expires,
    )
    reminders = rows(Kind.DOCUMENT_EXPIRY, resident)
    assert [r.remind_at for r in reminders] == [
        at_nine(expires - timedelta(days=30)), at_nine(expires - timedelta(days=7))
    ]
    # the 30-day one is stale once the 7-day one is due
    assert reminders[0].stale_at == reminders[1].remind_at
    renewed = expires + timedelta(days=365)
    resident_update(resident=resident, actor=None, document_expires=renewed)
    assert [r.remind_at for r in rows(Kind.DOCUMENT_EXPIRY, resident)] == [
        at_nine(renewed - timedelta(days=30)), at_nine(renewed - timedelta(days=7))
    ]
    # a beat down for weeks sends the 7-day reminder only
    outcome = send_due(now=at_nine(renewed - timedelta(days=3)))
    assert outcome.sent == 1 and outcome.by_reason == {Reminder.Reason.STALE: 1}
    assert "in 3 days" in mail.outbox[0].body
    assert "Residence permit" in mail.outbox[0].body


def test_a_document_expiring_within_the_month_is_reminded_at_once_and_at_seven_days():
    station = factories.StationFactory()
    expires = timezone.localdate() + timedelta(days=20)
    resident = resident_create(
        station=station, actor=None, family_name="Kim", nationality="KR",
        email="kim@example.org", document_type="visa", document_expires=expires,
        preferred_language="zh-hans",
    )
    now_due, later = rows(Kind.DOCUMENT_EXPIRY, resident, status=Status.PENDING)
    assert now_due.occasion.startswith("30d@") and now_due.remind_at <= timezone.now()
    assert later.occasion.startswith("7d@")
    assert later.remind_at == at_nine(expires - timedelta(days=7))
    assert send_due().sent == 1
    assert "签证" in mail.outbox[0].body and "20" in mail.outbox[0].body


def test_an_expired_document_gets_no_reminder():
    station = factories.StationFactory()
    resident = resident_create(
        station=station, actor=None, family_name="Kim", nationality="KR",
        email="kim@example.org", document_type="visa",
        document_expires=timezone.localdate() - timedelta(days=1),
    )
    assert rows(Kind.DOCUMENT_EXPIRY, resident) == []


def test_changing_the_times_before_replans_the_stations_pending_reminders():
    event = factories.EventFactory(starts_at=timezone.now() + timedelta(days=10))
    registration = register(event)
    other_station = register(factories.EventFactory())
    manager = factories.MembershipFactory(station=event.station, role="manager").user
    policy = ReminderPolicy.objects.create(
        station=event.station, kind=Kind.EVENT_REMINDER, offsets=[24]
    )
    policy_update(policy=policy, actor=manager, enabled=True, offsets=[48, 3])
    pending = rows(Kind.EVENT_REMINDER, registration, status=Status.PENDING)
    assert [r.remind_at for r in pending] == [
        event.starts_at - timedelta(hours=48), event.starts_at - timedelta(hours=3)
    ]
    assert [r.status for r in rows(Kind.EVENT_REMINDER, other_station)] == [Status.PENDING]
    assert rows(Kind.EVENT_REMINDER, other_station)[0].occasion.startswith("24h@")


def test_occasions_are_written_in_utc():
    event = factories.EventFactory(starts_at=datetime(2030, 5, 1, 2, 30, tzinfo=UTC),
                                   ends_at=datetime(2030, 5, 1, 4, 30, tzinfo=UTC))
    (reminder,) = rows(Kind.EVENT_REMINDER, register(event))
    assert reminder.occasion == "24h@2030-05-01T02:30Z"


def test_a_reminder_being_sent_when_its_event_moves_is_not_retried_for_the_old_time():
    """A worker's claim is not withdrawn mid-send; should the send fail, the
    retry must not remind of the old time (the new time has its own row)."""
    event = factories.EventFactory()
    registration = register(event)
    (reminder,) = rows(Kind.EVENT_REMINDER, registration)
    claim_ends = timezone.now() + timedelta(minutes=5)
    Reminder.objects.filter(pk=reminder.pk).update(status=Status.SENDING,
                                                    next_attempt_at=claim_ends)
    later = event.starts_at + timedelta(days=2)
    event_update(event=event, actor=None, starts_at=later, ends_at=later + timedelta(hours=2))
    old, new = rows(Kind.EVENT_REMINDER, registration)
    assert (old.status, old.next_attempt_at) == (Status.SENDING, claim_ends)
    assert old.stale_at <= timezone.now()
    assert (new.status, new.remind_at) == (Status.PENDING, later - timedelta(hours=24))
    # the send failed for a moment: its retry is too late, the new row is sent
    Reminder.objects.filter(pk=old.pk).update(status=Status.PENDING)
    send_due(now=later - timedelta(hours=23))
    old.refresh_from_db()
    assert (old.status, old.reason) == (Status.SKIPPED, Reminder.Reason.STALE)
    new.refresh_from_db()
    assert new.status == Status.SENT
    assert len(mail.outbox) == 1
