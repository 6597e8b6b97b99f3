"""200 residents register at once for an event with 50 places, against real
PostgreSQL, each thread with its own connection: exactly 50 are confirmed and
150 wait, in the order they came.

At most 40 connections are open at once (the server allows 100 and other test
runs share it), so the 200 registrations run as 5 rounds of 40 threads. At the
start of each round the 40 threads wait at a barrier and then register at the
same moment; a pause between counting the places and saving the registration
keeps them all inside that gap together unless the event lock serialises them.
Round 2 is where a broken lock would show: 40 people arrive together for the
last 10 places. The proof is therefore not the totals alone but also:
- the gauges show 40 threads queued for the lock at once, and never more than
  one inside the count-to-insert gap;
- the negative control runs the very same schedule without the lock and
  confirms everyone of rounds 1 and 2 (80 for 50 places).
"""

from functools import partial

import pytest

from events import services
from events.models import Event, Registration
from events.selectors import waitlist_position
from events.services import registration_cancel, registration_create
from tests import factories
from tests.helpers import (
    Gauge,
    failures,
    hold_between_count_and_insert,
    registration_counts,
    run_in_rounds,
)

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = 200
CAPACITY = 50
WORKERS = 40
PAUSE = 0.02


@pytest.fixture
def crowd():
    event = factories.EventFactory(capacity=CAPACITY)
    residents = factories.ResidentFactory.create_batch(PEOPLE, station=event.station)
    return event, residents


def register_everyone(event, residents) -> list[object]:
    tasks = [partial(registration_create, event=event, resident=r) for r in residents]
    return run_in_rounds(tasks, workers=WORKERS, station_ids=[event.station_id])


def queued_for_the_lock(monkeypatch) -> Gauge:
    """A gauge of the threads that asked for the event lock and do not hold it yet."""
    lock = services._lock_event
    waiting = Gauge()

    def counted_lock(pk):
        with waiting.inside():
            return lock(pk)

    monkeypatch.setattr(services, "_lock_event", counted_lock)
    return waiting


def test_200_at_once_fill_the_50_places_and_queue_the_rest_in_order(crowd, monkeypatch):
    event, residents = crowd
    gap = hold_between_count_and_insert(monkeypatch, PAUSE)
    waiting = queued_for_the_lock(monkeypatch)

    assert failures(register_everyone(event, residents)) == []

    assert registration_counts(event) == {"confirmed": 50, "waitlisted": 150, "cancelled": 0}
    assert waiting.peak >= WORKERS // 2, "the registrations did not arrive together"
    assert gap.peak == 1
    queue = list(Registration.objects.filter(event=event).order_by("created_at", "pk"))
    assert len({r.resident_id for r in queue}) == PEOPLE
    # Each registration takes its time under the lock, after the one before
    # committed: the times are distinct and follow the order of saving, and the
    # confirmed places went to the first 50 of them.
    assert all(a.created_at < b.created_at for a, b in zip(queue, queue[1:], strict=False))
    assert [r.pk for r in queue] == sorted(r.pk for r in queue)
    assert [r.status for r in queue] == ["confirmed"] * 50 + ["waitlisted"] * 150
    line = queue[50:]
    assert [waitlist_position(r) for r in (line[0], line[1], line[74], line[-1])] == [
        1,
        2,
        75,
        150,
    ]
    # a freed place goes to the first in line
    cancelled = registration_cancel(registration=queue[0])
    assert [r.pk for r in cancelled.promoted] == [line[0].pk]


def test_negative_control_the_same_crowd_overbooks_without_the_lock(crowd, monkeypatch):
    """The same rounds with `_lock_event` as a plain read: everyone who counts
    before the others save sees free places, so the event is overbooked."""
    event, residents = crowd
    gap = hold_between_count_and_insert(monkeypatch, PAUSE)
    monkeypatch.setattr(services, "_lock_event", lambda pk: Event.objects.get(pk=pk))

    assert failures(register_everyone(event, residents)) == []

    counts = registration_counts(event)
    assert counts["confirmed"] > CAPACITY, counts
    assert counts["confirmed"] + counts["waitlisted"] == PEOPLE
    assert gap.peak > 1
