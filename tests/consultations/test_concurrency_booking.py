"""50 residents book the same consultation slot at once, each in its own
database session against real PostgreSQL: one booking, 49 clear refusals.

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


def test_50_simultaneous_bookings_of_one_slot_end_with_one_booking(
    station_a, staff_a, monkeypatch
):
    counsellor = factories.CounsellorFactory(station=station_a)
    topic = factories.TopicFactory()
    residents = factories.ResidentFactory.create_batch(PEOPLE, station=station_a)
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(days=1)

    first_round = threading.Barrier(WORKERS, timeout=30)
    validated = []
    validate = Consultation.validate_constraints

    def validate_then_wait_for_the_round(self, *args, **kwargs):
        validate(self, *args, **kwargs)
        validated.append(self.resident_id)
        first_round.wait()

    monkeypatch.setattr(Consultation, "validate_constraints", validate_then_wait_for_the_round)

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
