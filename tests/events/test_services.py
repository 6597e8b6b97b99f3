from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from events import services
from events.models import Registration
from events.selectors import event_get, event_list, registration_list, waitlist_position
from events.services import (
    event_update,
    registration_cancel,
    registration_check_in,
    registration_create,
    registration_delete,
)
from tests import factories
from tests.helpers import register

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

CONFIRMED = Registration.Status.CONFIRMED
WAITLISTED = Registration.Status.WAITLISTED
CANCELLED = Registration.Status.CANCELLED


def statuses(event):
    return [r.status for r in registration_list(event=event)]


def refusal(event, resident) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        registration_create(event=event, resident=resident)
    return caught.value.messages


# --- registering ---------------------------------------------------------------


def test_registrations_are_confirmed_until_the_event_is_full_then_waitlisted():
    event = factories.EventFactory(capacity=2)
    registrations = register(event, 4)
    assert [r.status for r in registrations] == [CONFIRMED, CONFIRMED, WAITLISTED, WAITLISTED]
    assert [waitlist_position(r) for r in registrations] == [None, None, 1, 2]


def test_an_event_without_capacity_confirms_everyone():
    event = factories.EventFactory(capacity=None)
    assert {r.status for r in register(event, 30)} == {CONFIRMED}
    listed = event_get(pk=event.pk)
    assert listed.places_taken == 30 and listed.places_left is None


def test_an_unpublished_event_refuses_registration():
    event = factories.EventFactory(is_published=False)
    resident = factories.ResidentFactory(station=event.station)
    assert refusal(event, resident) == ["This event is not published yet."]
    assert not Registration.objects.exists()


def test_an_ended_event_refuses_registration():
    start = timezone.now() - timedelta(hours=3)
    event = factories.EventFactory(starts_at=start, ends_at=start + timedelta(hours=2))
    resident = factories.ResidentFactory(station=event.station)
    assert refusal(event, resident) == ["This event has already ended."]


def test_a_resident_of_another_station_cannot_register(station_a, station_b):
    event = factories.EventFactory(station=station_a)
    outsider = factories.ResidentFactory(station=station_b)
    assert refusal(event, outsider) == ["This belongs to another station."]
    assert not Registration.objects.exists()


@pytest.mark.parametrize("capacity", [1, 5])
def test_registering_twice_is_refused_whether_confirmed_or_waiting(capacity):
    event = factories.EventFactory(capacity=capacity)
    register(event, 1)
    resident = factories.ResidentFactory(station=event.station)
    registration_create(event=event, resident=resident)
    assert refusal(event, resident) == ["This resident is already registered for this event."]
    assert Registration.objects.filter(resident=resident).count() == 1


def test_a_resident_can_register_again_after_cancelling_and_joins_the_end_of_the_queue():
    event = factories.EventFactory(capacity=1)
    resident = factories.ResidentFactory(station=event.station)
    first = registration_create(event=event, resident=resident)
    waiting = register(event, 1)[0]
    registration_cancel(registration=first)

    again = registration_create(event=event, resident=resident)

    assert again.pk != first.pk
    first.refresh_from_db()
    assert first.status == CANCELLED
    # the place freed by the cancellation went to the person already waiting
    waiting.refresh_from_db()
    assert waiting.status == CONFIRMED
    assert again.status == WAITLISTED and waitlist_position(again) == 1


# --- cancelling and the waiting list ---------------------------------------------------


def test_cancelling_a_confirmed_place_promotes_the_first_on_the_waiting_list():
    event = factories.EventFactory(capacity=1)
    confirmed, first_waiting, second_waiting = register(event, 3)

    cancelled = registration_cancel(registration=confirmed)

    assert cancelled.status == CANCELLED and cancelled.cancelled_at is not None
    assert [r.pk for r in cancelled.promoted] == [first_waiting.pk]
    first_waiting.refresh_from_db()
    second_waiting.refresh_from_db()
    assert first_waiting.status == CONFIRMED
    assert second_waiting.status == WAITLISTED and waitlist_position(second_waiting) == 1


def test_the_waiting_list_is_first_come_first_served_with_ties_broken_by_id():
    event = factories.EventFactory(capacity=1)
    confirmed = register(event, 1)[0]
    same_time = timezone.now()
    later = factories.RegistrationFactory(
        event=event, status=WAITLISTED, created_at=same_time + timedelta(seconds=1)
    )
    tie_a = factories.RegistrationFactory(event=event, status=WAITLISTED, created_at=same_time)
    tie_b = factories.RegistrationFactory(event=event, status=WAITLISTED, created_at=same_time)
    assert [waitlist_position(r) for r in (tie_a, tie_b, later)] == [1, 2, 3]

    assert registration_cancel(registration=confirmed).promoted == [tie_a]


def test_cancelling_a_waiting_registration_promotes_nobody():
    event = factories.EventFactory(capacity=1)
    confirmed, waiting, last = register(event, 3)
    assert registration_cancel(registration=waiting).promoted == []
    last.refresh_from_db()
    assert last.status == WAITLISTED and waitlist_position(last) == 1
    assert statuses(event) == [CONFIRMED, CANCELLED, WAITLISTED]


def test_promotion_happens_in_the_same_transaction_as_the_cancellation(monkeypatch):
    event = factories.EventFactory(capacity=1)
    confirmed, waiting = register(event, 2)

    def broken(_event):
        raise RuntimeError("promotion failed")

    monkeypatch.setattr(services, "_fill_from_waitlist", broken)
    with pytest.raises(RuntimeError):
        registration_cancel(registration=confirmed)
    # nothing half-done: the place was not freed without someone taking it
    confirmed.refresh_from_db()
    assert confirmed.status == CONFIRMED and confirmed.cancelled_at is None


def test_cancelling_twice_changes_nothing_the_second_time():
    event = factories.EventFactory(capacity=1)
    confirmed, waiting, last = register(event, 3)
    first = registration_cancel(registration=confirmed)
    second = registration_cancel(registration=confirmed)
    assert second.cancelled_at == first.cancelled_at
    assert second.promoted == []
    last.refresh_from_db()
    assert last.status == WAITLISTED


def test_a_checked_in_registration_cannot_be_cancelled():
    registration = register(factories.EventFactory(), 1)[0]
    registration_check_in(registration=registration)
    with pytest.raises(ValidationError) as caught:
        registration_cancel(registration=registration)
    assert caught.value.messages == [
        "This person has already been checked in; the registration cannot be cancelled."
    ]
    registration.refresh_from_db()
    assert registration.status == CONFIRMED


def test_after_the_event_ended_a_cancellation_is_refused():
    event = factories.EventFactory(capacity=1)
    confirmed, waiting = register(event, 2)
    event.starts_at = timezone.now() - timedelta(hours=3)
    event.ends_at = timezone.now() - timedelta(hours=1)
    event.save()
    with pytest.raises(ValidationError) as caught:
        registration_cancel(registration=confirmed)
    assert caught.value.messages == ["This event has already ended."]
    waiting.refresh_from_db()
    assert waiting.status == WAITLISTED


def test_deleting_a_confirmed_registration_promotes_the_next_person():
    event = factories.EventFactory(capacity=1)
    confirmed, waiting = register(event, 2)
    assert registration_delete(registration=confirmed) == [waiting]
    assert statuses(event) == [CONFIRMED]


def test_raising_the_capacity_confirms_people_from_the_waiting_list():
    event = factories.EventFactory(capacity=1)
    register(event, 4)
    updated = event_update(event=event, actor=None, capacity=3)
    assert len(updated.promoted) == 2
    assert statuses(event) == [CONFIRMED, CONFIRMED, CONFIRMED, WAITLISTED]


def test_lowering_the_capacity_keeps_everyone_confirmed_and_confirms_nobody_new():
    event = factories.EventFactory(capacity=3)
    register(event, 3)
    event_update(event=event, actor=None, capacity=1)
    assert statuses(event) == [CONFIRMED] * 3
    listed = event_get(pk=event.pk)
    assert listed.places_left == 0
    assert register(event, 1)[0].status == WAITLISTED


def test_an_events_station_cannot_be_changed(station_b):
    event = factories.EventFactory()
    with pytest.raises(ValidationError) as caught:
        event_update(event=event, actor=None, station=station_b)
    assert caught.value.message_dict["station"] == ["An event's station cannot be changed."]


# --- check-in --------------------------------------------------------------------------


def test_checking_in_twice_keeps_the_first_time():
    registration = register(factories.EventFactory(), 1)[0]
    first = registration_check_in(registration=registration)
    second = registration_check_in(registration=registration)
    assert first.checked_in_at is not None
    assert second.checked_in_at == first.checked_in_at


def test_a_waiting_registration_cannot_be_checked_in():
    event = factories.EventFactory(capacity=1)
    _, waiting = register(event, 2)
    with pytest.raises(ValidationError) as caught:
        registration_check_in(registration=waiting)
    assert caught.value.messages == [
        "This person is on the waiting list; only a confirmed registration can be checked in."
    ]
    waiting.refresh_from_db()
    assert waiting.checked_in_at is None


def test_a_cancelled_registration_cannot_be_checked_in():
    registration = register(factories.EventFactory(), 1)[0]
    registration_cancel(registration=registration)
    with pytest.raises(ValidationError) as caught:
        registration_check_in(registration=registration)
    assert caught.value.messages == ["This registration was cancelled; it cannot be checked in."]


# --- selectors -------------------------------------------------------------------------


def test_event_list_counts_places_in_one_query(django_assert_num_queries, station_a):
    for capacity in (2, 3, None):
        event = factories.EventFactory(station=station_a, capacity=capacity)
        register(event, 3)
    factories.EventFactory(station=station_a, capacity=4)
    with django_assert_num_queries(1):
        rows = [
            (e.capacity, e.places_taken, e.waitlist_count, e.places_left, e.category.name)
            for e in event_list(station_ids=[station_a.pk]).order_by("capacity")
        ]
    assert [r[:4] for r in rows] == [
        (2, 2, 1, 0),
        (3, 3, 0, 0),
        (4, 0, 0, 4),
        (None, 3, 0, None),
    ]


def test_event_list_filters(station_a, station_b):
    past_start = timezone.now() - timedelta(days=2)
    upcoming = factories.EventFactory(station=station_a)
    past = factories.EventFactory(
        station=station_a, starts_at=past_start, ends_at=past_start + timedelta(hours=1)
    )
    draft = factories.EventFactory(station=station_a, is_published=False)
    factories.EventFactory(station=station_b)
    mine = event_list(station_ids=[station_a.pk])
    assert set(mine) == {upcoming, past, draft}
    assert set(event_list(station_ids=[station_a.pk], upcoming=True, published=True)) == {upcoming}
    assert set(event_list(station_ids=[station_a.pk], upcoming=False)) == {past}


def test_registration_list_loads_residents_without_extra_queries(django_assert_num_queries):
    event = factories.EventFactory()
    register(event, 5)
    with django_assert_num_queries(1):
        names = [str(r.resident) for r in registration_list(event=event)]
    assert len(names) == 5
