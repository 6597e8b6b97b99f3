"""50 residents book the same consultation slot at once, each in its own
database session against real PostgreSQL: one booking, 49 clear refusals.

Two walls keep one counsellor from being booked twice, and each is tested on
its own. The service queues the bookings of one counsellor on the counsellor's
row, so the second booking's validation sees the first one (the first test).
The database's exclusion constraint refuses what slips past the service; the
second test takes the queue away and holds every booking after its validation
until all have validated, so only the constraint can refuse them.

At most 40 connections are open at once (the server allows 100 and other test
runs share it), so the 50 bookings run as a round of 40 threads and then a
round of 10. The first round is the race that matters: every one of its 40
bookings is held after its own validation until all 40 have validated, so none
sees another's row and only the database's exclusion constraint can refuse
them. PostgreSQL refuses those inserts either as exclusion violations or, when
two inserts wait on each other inside the exclusion check, as deadlocks; the
service must turn both into the same ValidationError, never let a raw database
error through. The second round meets a booking already committed and is
refused by validation, with the same message.

Forty inserts waiting on one another inside the exclusion check can form a
chain that PostgreSQL breaks one deadlock at a time, one per deadlock_timeout
(1 s by default): in some runs the booking that wins commits only after ~40 s.
Each session here shortens deadlock_timeout to 100 ms (when the database user
may) so the test stays short; the outcome is the same either way.
"""

import threading
from datetime import timedelta
from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, OperationalError, connection
from django.utils import timezone, translation

from consultations import services
from consultations.models import Consultation
from consultations.services import consultation_create
from tests import factories
from tests.helpers import run_in_rounds

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("english")]

PEOPLE = 50
WORKERS = 40
TAKEN = "The counsellor already has a consultation at this time."


def shorten_deadlock_timeout() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET deadlock_timeout = '100ms'")
    except DatabaseError:
        pass  # only a superuser may; the test is then slower, not different


@pytest.fixture
def one_slot(station_a, staff_a):
    """(counsellor, 50 residents, book(resident)): every booking is for the
    same hour of the same counsellor."""
    counsellor = factories.CounsellorFactory(station=station_a)
    topic = factories.TopicFactory()
    residents = factories.ResidentFactory.create_batch(PEOPLE, station=station_a)
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(days=1)

    def book(resident):
        shorten_deadlock_timeout()
        # a thread starts in the default language; the messages are read in English
        with translation.override("en"):
            return consultation_create(
                station=station_a,
                actor=staff_a,
                resident=resident,
                topic=topic,
                counsellor=counsellor,
                starts_at=start,
                ends_at=start + timedelta(hours=1),
            )

    return counsellor, residents, book


def test_50_simultaneous_bookings_queue_on_the_counsellor_and_validation_refuses_49(
    station_a, one_slot, monkeypatch
):
    counsellor, residents, book = one_slot

    # Every booking of the first round asks for the counsellor's row at the
    # same moment, inside its own transaction.
    first_round = threading.Barrier(WORKERS, timeout=30)
    queued = []
    lock = services._lock_counsellor

    def wait_for_the_round_then_lock(consultation):
        if len(queued) < WORKERS:
            queued.append(consultation.resident_id)
            first_round.wait()
        lock(consultation)

    monkeypatch.setattr(services, "_lock_counsellor", wait_for_the_round_then_lock)

    tasks = [partial(book, resident) for resident in residents]
    outcomes = run_in_rounds(tasks, workers=WORKERS, station_ids=[station_a.pk])

    assert len(queued) == WORKERS
    booked = [o for o in outcomes if isinstance(o, Consultation)]
    refused = [o for o in outcomes if not isinstance(o, Consultation)]
    assert len(booked) == 1
    assert [repr(o) for o in refused if not isinstance(o, ValidationError)] == []
    assert {tuple(o.messages) for o in refused} == {(TAKEN,)}
    # queued, every loser was refused by validation, none by the database
    assert [o.__cause__ for o in refused if o.__cause__ is not None] == []
    rows = Consultation.objects.filter(counsellor=counsellor)
    assert list(rows.values_list("pk", "resident_id")) == [(booked[0].pk, booked[0].resident_id)]


def test_without_the_queue_the_database_alone_refuses_49_of_50_simultaneous_bookings(
    station_a, one_slot, monkeypatch
):
    counsellor, residents, book = one_slot
    monkeypatch.setattr(services, "_lock_counsellor", lambda consultation: None)

    first_round = threading.Barrier(WORKERS, timeout=30)
    validated = []
    validate = Consultation.validate_constraints

    def validate_then_wait_for_the_round(self, *args, **kwargs):
        validate(self, *args, **kwargs)
        validated.append(self.resident_id)
        first_round.wait()

    monkeypatch.setattr(Consultation, "validate_constraints", validate_then_wait_for_the_round)

    tasks = [partial(book, resident) for resident in residents]
    outcomes = run_in_rounds(tasks, workers=WORKERS, station_ids=[station_a.pk])

    assert len(validated) == WORKERS, "the first round must reach the database together"
    booked = [o for o in outcomes if isinstance(o, Consultation)]
    refused = [o for o in outcomes if not isinstance(o, Consultation)]
    assert len(booked) == 1
    assert len(refused) == PEOPLE - 1
    raw = [repr(o) for o in refused if not isinstance(o, ValidationError)]
    assert raw == []
    assert {tuple(o.messages) for o in refused} == {(TAKEN,)}
    # the 39 losers of the first round were refused by the database itself
    by_database = [o for o in refused if isinstance(o.__cause__, IntegrityError | OperationalError)]
    assert len(by_database) == WORKERS - 1
    rows = Consultation.objects.filter(counsellor=counsellor)
    assert list(rows.values_list("pk", "resident_id")) == [(booked[0].pk, booked[0].resident_id)]
