"""Two members of staff book the same counsellor for overlapping times at the
same moment, in two real database sessions."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation

from consultations import services
from consultations.models import Consultation
from consultations.services import consultation_create
from stations.tenancy import station_scope
from tests import factories

pytestmark = pytest.mark.usefixtures("english")


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_bookings_end_with_one_booking_and_one_clear_refusal(
    station_a, staff_a, monkeypatch
):
    counsellor = factories.CounsellorFactory(station=station_a)
    topic = factories.TopicFactory()
    residents = [factories.ResidentFactory(station=station_a) for _ in range(2)]
    start = timezone.now().replace(microsecond=0) + timedelta(days=1)

    # Without the service's queue on the counsellor, both sessions validate
    # before either inserts: the overlap check in full_clean() sees nothing,
    # so only the database can refuse one of them.
    monkeypatch.setattr(services, "_lock_counsellor", lambda consultation: None)
    barrier = threading.Barrier(2, timeout=20)
    passed_validation = []
    original_validate = Consultation.validate_constraints

    def validate_then_wait(self, *args, **kwargs):
        original_validate(self, *args, **kwargs)
        passed_validation.append(self.resident_id)
        barrier.wait()

    monkeypatch.setattr(Consultation, "validate_constraints", validate_then_wait)

    outcomes = {}

    def book(index):
        try:
            with translation.override("en"), station_scope(station_a):
                consultation_create(
                    station=station_a,
                    actor=staff_a,
                    resident=residents[index],
                    topic=topic,
                    counsellor=counsellor,
                    starts_at=start + timedelta(minutes=20 * index),
                    ends_at=start + timedelta(hours=1, minutes=20 * index),
                )
            outcomes[index] = "booked"
        except Exception as exc:  # noqa: BLE001 - the test reports whatever happened
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(passed_validation) == sorted(r.pk for r in residents), (
        "both bookings must pass validation, or the race did not happen"
    )
    booked = [i for i, outcome in outcomes.items() if outcome == "booked"]
    refused = [outcome for outcome in outcomes.values() if outcome != "booked"]
    assert len(booked) == 1, outcomes
    assert len(refused) == 1, outcomes
    assert isinstance(refused[0], ValidationError), repr(refused[0])
    assert refused[0].messages == ["The counsellor already has a consultation at this time."]
    assert list(
        Consultation.objects.filter(counsellor=counsellor).values_list("resident_id", flat=True)
    ) == [residents[booked[0]].pk]
