"""Rules an event and a registration keep, both as a clear message from
validation and as a database constraint that holds for any code path.

Messages are asserted in English; their Chinese translations are checked by the
catalogue tests."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from events.models import Event, Registration
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def messages_of(obj) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        obj.full_clean()
    return caught.value.message_dict


def unsaved_event(**fields) -> Event:
    fields.setdefault("station", factories.StationFactory())
    fields.setdefault("category", factories.EventCategoryFactory())
    return factories.EventFactory.build(**fields)


def refused_by_database(constraint: str, **changes):
    event = factories.EventFactory()
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(**changes)


def test_an_event_ending_before_it_starts_is_refused():
    event = unsaved_event()
    event.ends_at = event.starts_at - timedelta(hours=1)
    assert messages_of(event)["ends_at"] == ["The end must be after the start."]


def test_an_event_ending_when_it_starts_is_refused():
    event = unsaved_event()
    event.ends_at = event.starts_at
    assert "The end must be after the start." in messages_of(event)["ends_at"]


def test_the_database_refuses_an_event_ending_before_it_starts():
    now = timezone.now()
    refused_by_database("event_ends_after_start", starts_at=now, ends_at=now - timedelta(hours=1))


def test_a_capacity_of_zero_is_refused():
    event = unsaved_event(capacity=0)
    assert messages_of(event)["__all__"] == [
        "The capacity must be at least 1, or empty for no limit."
    ]


def test_a_negative_capacity_is_refused():
    event = unsaved_event(capacity=-3)
    assert messages_of(event)["capacity"] == ["Ensure this value is greater than or equal to 0."]


def test_an_empty_capacity_means_no_limit_and_is_valid():
    event = unsaved_event(capacity=None)
    event.full_clean()


@pytest.mark.parametrize("capacity", [0, -3])
def test_the_database_refuses_a_capacity_below_one(capacity):
    refused_by_database("capacity", capacity=capacity)


def test_registration_closing_before_it_opens_is_refused():
    event = unsaved_event()
    event.registration_opens_at = event.starts_at - timedelta(days=1)
    event.registration_closes_at = event.starts_at - timedelta(days=2)
    assert messages_of(event)["registration_closes_at"] == [
        "Registration must close after it opens."
    ]


def test_the_database_refuses_registration_closing_before_it_opens():
    soon = timezone.now() + timedelta(days=1)
    refused_by_database(
        "event_registration_window_order",
        registration_opens_at=soon,
        registration_closes_at=soon - timedelta(hours=1),
    )


def test_registration_closing_after_the_event_ends_is_refused():
    event = unsaved_event()
    event.registration_closes_at = event.ends_at + timedelta(hours=1)
    assert messages_of(event)["registration_closes_at"] == [
        "Registration must close before the event ends."
    ]


def test_a_second_active_registration_is_refused_by_validation():
    first = factories.RegistrationFactory()
    second = Registration(station=first.station, event=first.event, resident=first.resident)
    assert messages_of(second)["__all__"] == ["This resident is already registered for this event."]


def test_the_database_refuses_a_second_active_registration():
    first = factories.RegistrationFactory()
    with pytest.raises(IntegrityError, match="registration_one_active_per_resident"):
        with transaction.atomic():
            Registration.objects.create(
                station=first.station,
                event=first.event,
                resident=first.resident,
                status=Registration.Status.WAITLISTED,
            )


def test_a_cancelled_registration_does_not_block_a_new_one():
    first = factories.RegistrationFactory(
        status=Registration.Status.CANCELLED, cancelled_at=timezone.now()
    )
    again = Registration(station=first.station, event=first.event, resident=first.resident)
    again.full_clean()
    again.save()


def test_registering_for_an_unpublished_event_is_refused():
    event = factories.EventFactory(is_published=False)
    resident = factories.ResidentFactory(station=event.station)
    registration = Registration(station=event.station, event=event, resident=resident)
    assert messages_of(registration)["event"] == ["This event is not published yet."]


def test_registering_for_an_ended_event_is_refused():
    start = timezone.now() - timedelta(days=2)
    event = factories.EventFactory(starts_at=start, ends_at=start + timedelta(hours=2))
    resident = factories.ResidentFactory(station=event.station)
    registration = Registration(station=event.station, event=event, resident=resident)
    assert messages_of(registration)["event"] == ["This event has already ended."]


def test_registering_a_resident_of_another_station_is_refused(station_a, station_b):
    event = factories.EventFactory(station=station_a)
    outsider = factories.ResidentFactory(station=station_b)
    registration = Registration(station=station_a, event=event, resident=outsider)
    assert messages_of(registration)["resident"] == ["This belongs to another station."]


@pytest.mark.parametrize("status", [Registration.Status.WAITLISTED, Registration.Status.CANCELLED])
def test_checking_in_a_registration_that_is_not_confirmed_is_refused(status):
    registration = factories.RegistrationFactory(
        status=status,
        cancelled_at=timezone.now() if status == Registration.Status.CANCELLED else None,
    )
    registration.checked_in_at = timezone.now()
    assert messages_of(registration)["checked_in_at"] == [
        "Only a confirmed registration can be checked in."
    ]


def test_the_database_refuses_checking_in_a_waitlisted_registration():
    registration = factories.RegistrationFactory(status=Registration.Status.WAITLISTED)
    with pytest.raises(IntegrityError, match="registration_checkin_needs_confirmed"):
        with transaction.atomic():
            Registration.objects.filter(pk=registration.pk).update(checked_in_at=timezone.now())


def test_the_database_refuses_a_cancellation_without_its_time():
    registration = factories.RegistrationFactory()
    with pytest.raises(IntegrityError, match="registration_cancelled_at_matches_status"):
        with transaction.atomic():
            Registration.objects.filter(pk=registration.pk).update(
                status=Registration.Status.CANCELLED
            )
