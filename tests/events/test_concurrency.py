"""Capacity under real concurrency: threads with their own database
connections register at the same moment against real PostgreSQL.

A pause is injected between counting the confirmed places and saving the new
registration, so every thread is inside that gap together. With the event row
locked they still pass through it one at a time; the negative control removes
the lock and shows the same load overbooks the event, so the first test cannot
pass by luck. (tests/events/test_concurrency_public.py runs the same proof at
the size the public site must bear.)"""

from functools import partial

import pytest

from events import services
from events.models import Event
from events.services import registration_create
from tests import factories
from tests.helpers import (
    failures,
    hold_between_count_and_insert,
    registration_counts,
    run_in_rounds,
)

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 20
CAPACITY = 5
PAUSE = 0.2


def register_all_at_once(event, residents) -> list[BaseException]:
    tasks = [partial(registration_create, event=event, resident=r) for r in residents]
    return failures(run_in_rounds(tasks, workers=len(tasks), station_ids=[event.station_id]))


@pytest.fixture
def crowd():
    event = factories.EventFactory(capacity=CAPACITY)
    residents = factories.ResidentFactory.create_batch(THREADS, station=event.station)
    return event, residents


def test_exactly_capacity_are_confirmed_when_everyone_registers_at_once(crowd, monkeypatch):
    hold_between_count_and_insert(monkeypatch, PAUSE)
    event, residents = crowd
    assert register_all_at_once(event, residents) == []
    assert registration_counts(event) == {
        "confirmed": CAPACITY,
        "waitlisted": THREADS - CAPACITY,
        "cancelled": 0,
    }


def test_the_event_is_overbooked_when_the_lock_is_removed(crowd, monkeypatch):
    """Negative control: the same load without `select_for_update`."""
    hold_between_count_and_insert(monkeypatch, PAUSE)
    monkeypatch.setattr(services, "_lock_event", lambda pk: Event.objects.get(pk=pk))
    event, residents = crowd
    assert register_all_at_once(event, residents) == []
    assert registration_counts(event)["confirmed"] > CAPACITY
