"""The outbox and the reminder settings in the staff admin: staff see their
station's messages with the reason in their language, managers change the
times before and switch kinds off, and admin writes of events and shifts keep
the reminders in line."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import Event
from events.services import registration_create
from reminders.dispatch import send_due
from reminders.models import Kind, Reminder, ReminderPolicy
from tests import factories
from tests.helpers import admin_path, admin_url, local_parts, login_with_role, post_action
from volunteers.models import Shift
from volunteers.services import signup_create

pytestmark = pytest.mark.django_db

Status = Reminder.Status


def changelist(client, model, language="en", query=""):
    path = admin_url(model, "changelist")
    if language != "en":
        path = path.replace("/en/", f"/{language}/", 1)
    return client.get(path + query)


@pytest.mark.parametrize(
    ("language", "reason_text"),
    [("en", "The recipient has no e-mail address."), ("zh-hans", "收件人没有电子邮件地址。")],
)
def test_staff_see_why_a_message_was_not_sent_in_their_language(
    client, station_a, station_b, language, reason_text
):
    login_with_role(client, station_a, "staff")
    event = factories.EventFactory(station=station_a)
    registration_create(event=event, resident=factories.ResidentFactory(station=station_a,
                                                                         email=""))
    theirs = factories.EventFactory(station=station_b)
    registration_create(event=theirs, resident=factories.ResidentFactory(station=station_b,
                                                                         email=""))
    send_due()
    response = changelist(client, Reminder, language, "?status=skipped")
    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert {r.station_id for r in shown} == {station_a.pk}
    assert reason_text in response.content.decode()


def test_a_failed_message_can_be_tried_again(client, station_a):
    login_with_role(client, station_a, "staff")
    failed = factories.ReminderFactory(
        station=station_a, status=Status.FAILED, reason=Reminder.Reason.PERMANENT_FAILURE,
        attempts=1, detail="550 no such user",
    )
    sent = factories.ReminderFactory(station=station_a, status=Status.SENT,
                                     sent_at=timezone.now())
    post_action(client, Reminder, "try_again", [failed, sent])
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts, failed.reason) == (Status.PENDING, 0, "")
    assert sent.status == Status.SENT  # a sent message is never sent again


def test_a_counsellor_may_read_the_outbox_but_not_retry(client, station_a):
    login_with_role(client, station_a, "counsellor")
    failed = factories.ReminderFactory(
        station=station_a, status=Status.FAILED, reason=Reminder.Reason.GAVE_UP, attempts=5
    )
    assert changelist(client, Reminder).status_code == 200
    post_action(client, Reminder, "try_again", [failed])
    failed.refresh_from_db()
    assert failed.status == Status.FAILED


def test_nobody_edits_a_message(client_a, station_a):
    reminder = factories.ReminderFactory(station=station_a)
    page = client_a.get(admin_url(Reminder, "change", reminder.pk))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client_a.post(admin_url(Reminder, "change", reminder.pk), {}).status_code == 403


def test_the_settings_list_every_kind_with_its_defaults(client_a, station_a):
    response = changelist(client_a, ReminderPolicy)
    assert response.status_code == 200
    kinds = {p.kind: p for p in response.context["cl"].result_list}
    assert kinds[Kind.CONSULTATION_REMINDER].offsets == [24, 2]
    assert kinds[Kind.DOCUMENT_EXPIRY].offsets == [30, 7]
    assert Kind.SUMMARY_DELIVERY not in kinds  # the region's, not the station's
    html = response.content.decode()
    assert "24, 2 hours before" in html and "30, 7 days before" in html


def policy_post(client, policy, **data):
    return client.post(admin_url(ReminderPolicy, "change", policy.pk),
                       {"enabled": "on", **data})


def test_a_manager_changes_the_times_before_and_pending_reminders_move(client_a, station_a):
    event = factories.EventFactory(station=station_a, starts_at=timezone.now() + timedelta(days=9))
    registration = registration_create(
        event=event, resident=factories.ResidentFactory(station=station_a)
    )
    changelist(client_a, ReminderPolicy)
    policy = ReminderPolicy.objects.get(station=station_a, kind=Kind.EVENT_REMINDER)
    response = policy_post(client_a, policy, offsets="48,3")
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.offsets == [48, 3]
    pending = Reminder.objects.filter(
        kind=Kind.EVENT_REMINDER, target_id=registration.pk, status=Status.PENDING
    ).order_by("remind_at")
    assert [r.remind_at for r in pending] == [
        event.starts_at - timedelta(hours=48), event.starts_at - timedelta(hours=3)
    ]


@pytest.mark.parametrize(
    ("offsets", "message"),
    [
        ("", "Give at least one time before, or switch this reminder off."),
        ("0", "Ensure this value is greater than or equal to 1."),
        ("24,24", "Each time before may be given only once."),
        ("soon", "Enter a whole number."),
    ],
)
def test_bad_times_before_are_refused_with_a_clear_message(client_a, station_a, offsets,
                                                           message):
    changelist(client_a, ReminderPolicy)
    policy = ReminderPolicy.objects.get(station=station_a, kind=Kind.EVENT_REMINDER)
    response = policy_post(client_a, policy, offsets=offsets)
    assert response.status_code == 200
    assert message in response.content.decode()
    policy.refresh_from_db()
    assert policy.offsets == [24]


def test_switching_a_kind_off_stops_it_at_sending_time(client_a, station_a):
    changelist(client_a, ReminderPolicy)
    policy = ReminderPolicy.objects.get(station=station_a, kind=Kind.REGISTRATION_CONFIRMED)
    assert client_a.post(admin_url(ReminderPolicy, "change", policy.pk), {}).status_code == 302
    event = factories.EventFactory(station=station_a)
    registration_create(event=event, resident=factories.ResidentFactory(station=station_a))
    outcome = send_due()
    assert outcome.sent == 0 and outcome.by_reason == {Reminder.Reason.SWITCHED_OFF: 1}


def test_plain_staff_may_read_the_settings_but_not_change_them(client, station_a):
    login_with_role(client, station_a, "manager")  # makes the rows
    changelist(client, ReminderPolicy)
    client.logout()
    login_with_role(client, station_a, "staff")
    policy = ReminderPolicy.objects.get(station=station_a, kind=Kind.EVENT_REMINDER)
    assert changelist(client, ReminderPolicy).status_code == 200
    assert policy_post(client, policy, offsets="1").status_code == 403
    policy.refresh_from_db()
    assert policy.offsets == [24]


def test_calling_off_an_event_in_the_admin_tells_its_registrants(client_a, station_a):
    event = factories.EventFactory(station=station_a, title_en="Lantern walk")
    registration = registration_create(
        event=event, resident=factories.ResidentFactory(station=station_a)
    )
    response = post_action(client_a, Event, "call_off_selected", [event], follow=True)
    assert "1 event was called off" in response.content.decode()
    event.refresh_from_db()
    assert event.cancelled_at is not None
    assert Reminder.objects.filter(kind=Kind.EVENT_CANCELLED, target_id=registration.pk).exists()
    # and the public page says so, with no registration button
    page = client_a.get(f"/en/events/{event.pk}/").content.decode()
    assert "This event has been called off." in page
    assert "Register for this event" not in page


def test_moving_a_shift_in_the_admin_moves_its_reminders(client_a, station_a):
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(days=5)
    shift = factories.ShiftFactory(opportunity__station=station_a, starts_at=start,
                                   ends_at=start + timedelta(hours=2), capacity=2)
    signup = signup_create(shift=shift, volunteer=factories.ResidentFactory(station=station_a))
    later = start + timedelta(days=1)
    start_date, start_time = local_parts(later)
    end_date, end_time = local_parts(later + timedelta(hours=2))
    response = client_a.post(
        admin_url(Shift, "change", shift.pk),
        {"opportunity": shift.opportunity_id, "starts_at_0": start_date,
         "starts_at_1": start_time, "ends_at_0": end_date, "ends_at_1": end_time,
         "capacity": "2", "signups-TOTAL_FORMS": "0", "signups-INITIAL_FORMS": "0",
         "signups-MIN_NUM_FORMS": "0", "signups-MAX_NUM_FORMS": "1000"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    reminder = Reminder.objects.get(kind=Kind.SHIFT_REMINDER, target_id=signup.pk)
    assert reminder.remind_at == later - timedelta(hours=24)


def test_the_outbox_list_does_not_query_per_row(client_a, station_a):
    from tests.helpers import assert_list_queries_do_not_grow

    assert_list_queries_do_not_grow(
        client_a,
        admin_path("reminders_reminder_changelist"),
        lambda n: factories.ReminderFactory.create_batch(n, station=station_a),
        few=2,
        many=12,
    )
