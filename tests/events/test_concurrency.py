"""Capacity under real concurrency: threads with their own database
connections register at the same moment against real PostgreSQL.

A pause is injected between counting the confirmed places and saving the new
registration, so every thread is inside that gap together. With the event row
locked they still pass through it one at a time; the negative control removes
the lock and shows the same load overbooks the event, so the first test cannot
pass by luck."""

import threading
import time

import pytest
from django.db import connections
from django_scopes import scope

from events import services
from events.models import Event, Registration
from events.services import registration_create
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 20
CAPACITY = 5
PAUSE = 0.2


@pytest.fixture
def slow_count(monkeypatch):
    """Hold every registration between its count and its insert."""
    count = services._confirmed_count

    def counted_then_paused(event):
        taken = count(event)
        time.sleep(PAUSE)
        return taken

    monkeypatch.setattr(services, "_confirmed_count", counted_then_paused)


def register_all_at_once(event, residents) -> list[BaseException]:
    barrier = threading.Barrier(len(residents))
    errors: list[BaseException] = []

    def worker(resident):
        try:
            # a thread starts outside any scope, like a request before the middleware
            with scope(station=[event.station_id]):
                barrier.wait(timeout=30)
                registration_create(event=event, resident=resident)
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(r,)) for r in residents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return errors


@pytest.fixture
def crowd():
    event = factories.EventFactory(capacity=CAPACITY)
    residents = factories.ResidentFactory.create_batch(THREADS, station=event.station)
    return event, residents


def counts(event) -> dict[str, int]:
    statuses = Registration.objects.filter(event=event).values_list("status", flat=True)
    return {s: list(statuses).count(s) for s in Registration.Status.values}


def test_exactly_capacity_are_confirmed_when_everyone_registers_at_once(crowd, slow_count):
    event, residents = crowd
    assert register_all_at_once(event, residents) == []
    assert counts(event) == {
        "confirmed": CAPACITY,
        "waitlisted": THREADS - CAPACITY,
        "cancelled": 0,
    }


def test_the_event_is_overbooked_when_the_lock_is_removed(crowd, slow_count, monkeypatch):
    """Negative control: the same load without `select_for_update`."""
    monkeypatch.setattr(services, "_lock_event", lambda pk: Event.objects.get(pk=pk))
    event, residents = crowd
    assert register_all_at_once(event, residents) == []
    assert counts(event)["confirmed"] > CAPACITY
