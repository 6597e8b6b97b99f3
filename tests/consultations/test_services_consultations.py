"""Booking, changing and closing consultations: what staff and residents are
told when a booking cannot be made."""

from datetime import timedelta

import pytest
from django.contrib.postgres.constraints import ExclusionConstraint
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from consultations.models import Consultation
from consultations.services import (
    consultation_create,
    consultation_set_status,
    consultation_update,
)
from residents.models import Consent
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

OVERLAP = "The counsellor already has a consultation at this time."
Status = Consultation.Status


@pytest.fixture
def start():
    return timezone.now().replace(microsecond=0) + timedelta(days=2)


@pytest.fixture
def counsellor(station_a):
    return factories.CounsellorFactory(station=station_a, name="Dr. Maria Rossi")


@pytest.fixture
def topic(db):
    return factories.TopicFactory()


def book(station, counsellor, start, *, hours=1, actor=None, **extra):
    fields = {
        "resident": extra.pop("resident", None) or factories.ResidentFactory(station=station),
        "topic": extra.pop("topic", None) or factories.TopicFactory(),
        "counsellor": counsellor,
        "starts_at": start,
        "ends_at": start + timedelta(hours=hours),
        **extra,
    }
    return consultation_create(station=station, actor=actor, **fields)


def test_a_booking_is_saved_as_booked(station_a, staff_a, counsellor, start):
    consultation = book(station_a, counsellor, start, actor=staff_a, channel="phone")
    consultation.refresh_from_db()
    assert consultation.status == Status.BOOKED
    assert consultation.station == station_a
    assert consultation.duration_hours == 1


def test_the_end_must_be_after_the_start(station_a, counsellor, start):
    with pytest.raises(ValidationError) as exc_info:
        book(station_a, counsellor, start, hours=-1)
    assert exc_info.value.message_dict["ends_at"] == ["The end must be after the start."]
    assert not Consultation.objects.exists()


def test_the_database_refuses_an_end_before_the_start(station_a, counsellor, start):
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.ConsultationFactory(
            station=station_a, counsellor=counsellor, starts_at=start, ends_at=start
        )


def test_an_overlapping_booking_of_the_same_counsellor_is_refused(station_a, counsellor, start):
    book(station_a, counsellor, start)
    with pytest.raises(ValidationError) as exc_info:
        book(station_a, counsellor, start + timedelta(minutes=30))
    assert exc_info.value.messages == [OVERLAP]
    assert Consultation.objects.count() == 1


def test_clean_reports_the_overlap(station_a, counsellor, start):
    factories.ConsultationFactory(
        station=station_a,
        counsellor=counsellor,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
    second = factories.ConsultationFactory.build(
        station=station_a,
        resident=factories.ResidentFactory(station=station_a),
        topic=factories.TopicFactory(),
        counsellor=counsellor,
        starts_at=start + timedelta(minutes=59),
        ends_at=start + timedelta(hours=2),
    )
    with pytest.raises(ValidationError) as exc_info:
        second.full_clean()
    assert exc_info.value.messages == [OVERLAP]


def test_the_database_refuses_an_overlap_that_skips_validation(station_a, counsellor, start):
    factories.ConsultationFactory(
        station=station_a,
        counsellor=counsellor,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
    with pytest.raises(IntegrityError) as exc_info, transaction.atomic():
        factories.ConsultationFactory(
            station=station_a,
            counsellor=counsellor,
            starts_at=start + timedelta(minutes=10),
            ends_at=start + timedelta(minutes=20),
        )
    assert "consultation_no_counsellor_overlap" in str(exc_info.value)


def test_back_to_back_bookings_do_not_overlap(station_a, counsellor, start):
    book(station_a, counsellor, start)
    book(station_a, counsellor, start + timedelta(hours=1))
    assert Consultation.objects.filter(counsellor=counsellor).count() == 2


def test_two_counsellors_may_give_consultations_at_the_same_time(station_a, counsellor, start):
    book(station_a, counsellor, start)
    book(station_a, factories.CounsellorFactory(station=station_a), start)
    assert Consultation.objects.count() == 2


def test_a_cancelled_consultation_does_not_block_the_time(station_a, staff_a, counsellor, start):
    first = book(station_a, counsellor, start)
    consultation_set_status(consultation=first, status=Status.CANCELLED, actor=staff_a)
    second = book(station_a, counsellor, start)
    assert second.pk != first.pk
    # the database accepts a cancelled row over an active one too
    factories.ConsultationFactory(
        station=station_a,
        counsellor=counsellor,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        status=Status.CANCELLED,
    )
    assert Consultation.objects.filter(counsellor=counsellor).count() == 3


def test_a_race_the_validation_missed_still_ends_in_the_clear_message(
    station_a, counsellor, start, monkeypatch
):
    """What the second of two simultaneous bookings meets: full_clean() saw no
    overlap (the first had not committed), the database refuses the insert."""
    book(station_a, counsellor, start)
    monkeypatch.setattr(ExclusionConstraint, "validate", lambda *args, **kwargs: None)
    with pytest.raises(ValidationError) as exc_info:
        book(station_a, counsellor, start + timedelta(minutes=15))
    assert exc_info.value.messages == [OVERLAP]
    # the savepoint kept the surrounding transaction usable
    assert Consultation.objects.count() == 1


def test_moving_a_booking_onto_another_is_refused(station_a, staff_a, counsellor, start):
    book(station_a, counsellor, start)
    later = book(station_a, counsellor, start + timedelta(hours=3))
    with pytest.raises(ValidationError) as exc_info:
        consultation_update(
            consultation=later,
            actor=staff_a,
            starts_at=start + timedelta(minutes=30),
            ends_at=start + timedelta(hours=1, minutes=30),
        )
    assert exc_info.value.messages == [OVERLAP]
    later.refresh_from_db()
    assert later.starts_at == start + timedelta(hours=3)


def test_notes_can_be_recorded_after_the_consultation(station_a, staff_a, counsellor, start):
    consultation = book(station_a, counsellor, start)
    consultation_update(consultation=consultation, actor=staff_a, notes="Residence permit renewal")
    consultation.refresh_from_db()
    assert consultation.notes == "Residence permit renewal"


def test_residents_and_counsellors_of_another_station_are_refused(
    station_a, station_b, counsellor, start
):
    with pytest.raises(ValidationError) as exc_info:
        book(station_a, counsellor, start, resident=factories.ResidentFactory(station=station_b))
    assert exc_info.value.message_dict == {"resident": ["This belongs to another station."]}
    with pytest.raises(ValidationError) as exc_info:
        book(station_a, factories.CounsellorFactory(station=station_b), start)
    assert exc_info.value.message_dict == {"counsellor": ["This belongs to another station."]}


def test_an_inactive_counsellor_takes_no_new_bookings(station_a, start):
    retired = factories.CounsellorFactory(station=station_a, is_active=False)
    with pytest.raises(ValidationError) as exc_info:
        book(station_a, retired, start)
    assert exc_info.value.message_dict == {"counsellor": ["This counsellor is no longer active."]}


def test_the_station_and_status_are_not_set_through_the_fields(
    station_a, station_b, counsellor, start
):
    consultation = book(station_a, counsellor, start)
    with pytest.raises(TypeError):
        consultation_update(consultation=consultation, actor=None, station=station_b)
    with pytest.raises(TypeError):
        consultation_update(consultation=consultation, actor=None, status=Status.COMPLETED)


# --- sensitive topics ------------------------------------------------------------


def test_a_sensitive_topic_needs_the_residents_separate_consent(station_a, counsellor, start):
    counselling = factories.TopicFactory(
        slug="psychological-counselling", name_en="Psychological counselling", is_sensitive=True
    )
    resident = factories.ResidentFactory(station=station_a)
    with pytest.raises(ValidationError) as exc_info:
        book(station_a, counsellor, start, topic=counselling, resident=resident)
    assert "separate consent" in exc_info.value.message_dict["topic"][0]

    consent = factories.ConsentFactory(
        resident=resident, purpose=Consent.Purpose.HEALTH_COUNSELLING
    )
    assert book(station_a, counsellor, start, topic=counselling, resident=resident).pk

    consent.withdrawn_at = timezone.now()
    consent.save()
    with pytest.raises(ValidationError):
        book(
            station_a, counsellor, start + timedelta(hours=2), topic=counselling, resident=resident
        )


# --- closing ---------------------------------------------------------------------


def test_a_consultation_is_completed_only_once_it_has_started(
    station_a, staff_a, counsellor, start
):
    consultation = book(station_a, counsellor, start)
    with pytest.raises(ValidationError) as exc_info:
        consultation_set_status(consultation=consultation, status=Status.COMPLETED, actor=staff_a)
    assert exc_info.value.messages == [
        "A consultation can be marked completed or no-show only once it has started."
    ]
    with pytest.raises(ValidationError):
        consultation_set_status(consultation=consultation, status=Status.NO_SHOW, actor=staff_a)


def test_a_past_consultation_is_completed_or_missed(station_a, staff_a, counsellor):
    yesterday = timezone.now() - timedelta(days=1)
    given = factories.ConsultationFactory(
        station=station_a,
        counsellor=counsellor,
        starts_at=yesterday,
        ends_at=yesterday + timedelta(hours=1),
    )
    missed = factories.ConsultationFactory(
        station=station_a,
        counsellor=counsellor,
        starts_at=yesterday - timedelta(hours=2),
        ends_at=yesterday - timedelta(hours=1),
    )
    consultation_set_status(consultation=given, status=Status.COMPLETED, actor=staff_a)
    consultation_set_status(consultation=missed, status=Status.NO_SHOW, actor=staff_a)
    assert given.status == Status.COMPLETED
    assert dict(Consultation.objects.values_list("pk", "status")) == {
        given.pk: Status.COMPLETED,
        missed.pk: Status.NO_SHOW,
    }


def test_a_closed_consultation_cannot_change_status_again(station_a, staff_a, counsellor, start):
    consultation = book(station_a, counsellor, start)
    consultation_set_status(consultation=consultation, status=Status.CANCELLED, actor=staff_a)
    with pytest.raises(ValidationError) as exc_info:
        consultation_set_status(consultation=consultation, status=Status.CANCELLED, actor=staff_a)
    assert exc_info.value.messages == [
        "This consultation is already “Cancelled” and cannot be set to “Cancelled”."
    ]
