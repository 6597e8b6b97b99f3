"""Counsellors' availability and the free slots the public site offers."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consultations.models import Availability, Consultation
from consultations.selectors import (
    booking_choices,
    format_slot_time,
    open_slot_list,
    parse_slot_time,
    slot_get,
)
from consultations.services import availability_create, availability_update
from tests import factories
from tests.helpers import admin_url, login_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def morning():
    """Nine o'clock (Beijing time) the day after tomorrow."""
    local = timezone.localtime() + timedelta(days=2)
    return local.replace(hour=9, minute=0, second=0, microsecond=0)


@pytest.fixture
def topic(db):
    return factories.TopicFactory(slug="visas", name_en="Visas and permits", name_zh_hans="签证")


@pytest.fixture
def counsellor(station_a, topic):
    counsellor = factories.CounsellorFactory(
        station=station_a, name="Dr. Maria Rossi", languages=["zh", "en", "it"]
    )
    counsellor.topics.add(topic)
    return counsellor


def window(counsellor, start, hours=3, **fields):
    fields.setdefault("slot_minutes", 60)
    return factories.AvailabilityFactory(
        counsellor=counsellor, starts_at=start, ends_at=start + timedelta(hours=hours), **fields
    )


def starts(slots):
    return [timezone.localtime(s.starts_at).strftime("%H:%M") for s in slots]


# --- the availability itself ------------------------------------------------------


def test_a_window_is_cut_into_whole_slots_and_the_short_rest_is_dropped(counsellor, morning):
    availability = window(counsellor, morning, hours=2, slot_minutes=45)
    assert [timezone.localtime(s).strftime("%H:%M") for s in availability.slot_starts()] == [
        "09:00",
        "09:45",
    ]
    assert availability.is_slot_start(morning + timedelta(minutes=45))
    assert not availability.is_slot_start(morning + timedelta(minutes=30))
    # 10:30 would end at 11:15, after the window
    assert not availability.is_slot_start(morning + timedelta(minutes=90))


def test_a_window_shorter_than_one_slot_is_refused(station_a, counsellor, morning):
    with pytest.raises(ValidationError) as caught:
        availability_create(
            station=station_a,
            actor=None,
            counsellor=counsellor,
            starts_at=morning,
            ends_at=morning + timedelta(minutes=30),
            slot_minutes=45,
        )
    assert caught.value.message_dict == {"slot_minutes": ["The window is shorter than one slot."]}
    assert not Availability.objects.exists()


def test_the_end_must_be_after_the_start(station_a, counsellor, morning):
    with pytest.raises(ValidationError) as caught:
        availability_create(
            station=station_a,
            actor=None,
            counsellor=counsellor,
            starts_at=morning,
            ends_at=morning - timedelta(hours=1),
        )
    assert caught.value.message_dict["ends_at"] == ["The end must be after the start."]


def test_the_database_refuses_a_window_without_channels(counsellor, morning):
    with pytest.raises(IntegrityError), transaction.atomic():
        window(counsellor, morning, channels=[])


def test_one_counsellors_windows_never_overlap(station_a, counsellor, morning):
    window(counsellor, morning, hours=3)
    with pytest.raises(ValidationError) as caught:
        availability_create(
            station=station_a,
            actor=None,
            counsellor=counsellor,
            starts_at=morning + timedelta(hours=2),
            ends_at=morning + timedelta(hours=4),
        )
    assert caught.value.messages == ["This counsellor already has availability at this time."]
    with pytest.raises(IntegrityError), transaction.atomic():
        window(counsellor, morning + timedelta(hours=1))


def test_a_window_belongs_to_the_counsellors_station(station_b, counsellor, morning):
    with pytest.raises(ValidationError) as caught:
        availability_create(
            station=station_b,
            actor=None,
            counsellor=counsellor,
            starts_at=morning,
            ends_at=morning + timedelta(hours=2),
        )
    assert caught.value.message_dict == {"counsellor": ["This belongs to another station."]}


def test_a_window_offers_only_topics_the_counsellor_handles(station_a, counsellor, morning):
    other = factories.TopicFactory(slug="legal-aid", name_en="Legal aid")
    with pytest.raises(ValidationError) as caught:
        availability_create(
            station=station_a,
            actor=None,
            counsellor=counsellor,
            starts_at=morning,
            ends_at=morning + timedelta(hours=2),
            topics=[other],
        )
    assert caught.value.message_dict == {"topics": ["Dr. Maria Rossi does not handle: Legal aid."]}
    assert not Availability.objects.exists()


def test_someone_with_the_counsellor_role_schedules_only_themselves(station_a, counsellor, morning):
    own_account = factories.MembershipFactory(station=station_a, role="counsellor").user
    mine = factories.CounsellorFactory(station=station_a, user=own_account)
    fields = {"starts_at": morning, "ends_at": morning + timedelta(hours=2)}
    availability = availability_create(
        station=station_a, actor=own_account, counsellor=mine, **fields
    )
    with pytest.raises(ValidationError) as caught:
        availability_create(station=station_a, actor=own_account, counsellor=counsellor, **fields)
    assert caught.value.message_dict == {
        "counsellor": ["You may publish availability only for your own counsellor profile."]
    }
    with pytest.raises(ValidationError):
        availability_update(availability=availability, actor=own_account, counsellor=counsellor)
    # a member of staff schedules any counsellor of the station
    staff = factories.MembershipFactory(station=station_a, role="staff").user
    availability_create(station=station_a, actor=staff, counsellor=counsellor, **fields)


def test_the_admin_offers_a_counsellor_only_their_own_profile(
    client, station_a, counsellor, morning
):
    user = login_with_role(client, station_a, "counsellor")
    mine = factories.CounsellorFactory(station=station_a, user=user, name="Me Myself")
    response = client.get(admin_url(Availability, "add"))
    assert response.status_code == 200
    choices = response.context["adminform"].form.fields["counsellor"].queryset
    assert list(choices) == [mine]
    # someone else's window is shown, not changed
    theirs = window(counsellor, morning)
    response = client.get(admin_url(Availability, "change", theirs.pk))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    own = window(mine, morning)
    response = client.get(admin_url(Availability, "change", own.pk))
    assert response.context["has_change_permission"]


def test_staff_publish_a_window_in_the_admin(client, station_a, counsellor, morning, topic):
    login_with_role(client, station_a, "staff")
    end = morning + timedelta(hours=2)
    response = client.post(
        admin_url(Availability, "add"),
        {
            "station": station_a.pk,
            "counsellor": counsellor.pk,
            "starts_at_0": morning.strftime("%Y-%m-%d"),
            "starts_at_1": morning.strftime("%H:%M:%S"),
            "ends_at_0": end.strftime("%Y-%m-%d"),
            "ends_at_1": end.strftime("%H:%M:%S"),
            "slot_minutes": 30,
            "channels": ["station", "online"],
            "topics": [topic.pk],
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    saved = Availability.objects.get()
    assert (saved.slot_minutes, saved.channels) == (30, ["station", "online"])
    assert list(saved.topics.all()) == [topic]
    assert len(saved.slot_starts()) == 4


# --- open slots ----------------------------------------------------------------------


def test_open_slots_are_the_windows_whole_future_slots(counsellor, topic, morning):
    window(counsellor, morning, hours=3)
    slots = open_slot_list(topic=topic)
    assert starts(slots) == ["09:00", "10:00", "11:00"]
    assert {s.counsellor for s in slots} == {counsellor}


def test_booked_slots_are_hidden_and_cancelled_ones_free_again(counsellor, topic, morning):
    window(counsellor, morning, hours=3)
    booked = factories.ConsultationFactory(
        station=counsellor.station,
        counsellor=counsellor,
        starts_at=morning + timedelta(minutes=30),
        ends_at=morning + timedelta(minutes=90),
    )
    # 09:00-10:00 and 10:00-11:00 both overlap 09:30-10:30
    assert starts(open_slot_list(topic=topic)) == ["11:00"]
    booked.status = Consultation.Status.CANCELLED
    booked.save()
    assert starts(open_slot_list(topic=topic)) == ["09:00", "10:00", "11:00"]


def test_another_counsellors_booking_does_not_hide_a_slot(station_a, counsellor, topic, morning):
    window(counsellor, morning, hours=1)
    factories.ConsultationFactory(
        station=station_a, starts_at=morning, ends_at=morning + timedelta(hours=1)
    )
    assert starts(open_slot_list(topic=topic)) == ["09:00"]


def test_past_and_started_slots_are_hidden(counsellor, topic):
    now = timezone.now().replace(second=0, microsecond=0)
    window(counsellor, now - timedelta(hours=2), hours=4)  # 2 h ago ... 2 h ahead
    slots = open_slot_list(topic=topic)
    assert [s.starts_at for s in slots] == [now + timedelta(hours=1)]
    assert all(s.starts_at > timezone.now() for s in slots)


def test_the_language_filter_keeps_counsellors_who_speak_it(station_a, counsellor, topic, morning):
    korean = factories.CounsellorFactory(station=station_a, name="Kim", languages=["ko", "zh"])
    korean.topics.add(topic)
    window(counsellor, morning, hours=1)
    window(korean, morning, hours=1)
    assert {s.counsellor.name for s in open_slot_list(topic=topic, language="ko")} == {"Kim"}
    assert {s.counsellor.name for s in open_slot_list(topic=topic, language="it")} == {
        "Dr. Maria Rossi"
    }
    assert len(open_slot_list(topic=topic, language="zh")) == 2
    assert open_slot_list(topic=topic, language="fr") == []


def test_the_station_filter(station_a, station_b, counsellor, topic, morning):
    elsewhere = factories.CounsellorFactory(station=station_b, name="Elsewhere")
    elsewhere.topics.add(topic)
    window(counsellor, morning, hours=1)
    window(elsewhere, morning, hours=1)
    assert [s.station for s in open_slot_list(topic=topic, station=station_b)] == [station_b]
    choices = booking_choices(topic=topic)
    assert choices.stations == [station_a, station_b]
    assert [code for code, _label in choices.languages] == ["zh", "en", "it"]


def test_only_counsellors_of_the_topic_and_windows_offering_it(
    station_a, counsellor, topic, morning
):
    legal = factories.TopicFactory(slug="legal-aid", name_en="Legal aid")
    counsellor.topics.add(legal)
    window(counsellor, morning, hours=1, topics=[legal])
    window(counsellor, morning + timedelta(hours=2), hours=1)  # every topic of the counsellor
    lawyer = factories.CounsellorFactory(station=station_a, name="Lawyer")
    lawyer.topics.add(legal)
    window(lawyer, morning, hours=1)
    assert starts(open_slot_list(topic=topic)) == ["11:00"]
    assert len(open_slot_list(topic=legal)) == 3


def test_inactive_counsellors_and_closed_stations_offer_nothing(counsellor, topic, morning):
    window(counsellor, morning, hours=1)
    counsellor.is_active = False
    counsellor.save()
    assert open_slot_list(topic=topic) == []
    counsellor.is_active = True
    counsellor.save()
    counsellor.station.is_active = False
    counsellor.station.save()
    assert open_slot_list(topic=topic) == []


def test_open_slots_take_two_queries_however_many(station_a, topic, morning):
    def add_counsellor(n):
        for i in range(n):
            person = factories.CounsellorFactory(station=station_a)
            person.topics.add(topic)
            window(person, morning + timedelta(days=i), hours=4)
            factories.ConsultationFactory(
                station=station_a,
                counsellor=person,
                starts_at=morning + timedelta(days=i),
                ends_at=morning + timedelta(days=i, hours=1),
            )

    add_counsellor(1)
    with CaptureQueriesContext(connection) as few:
        assert len(open_slot_list(topic=topic)) == 3
    add_counsellor(9)
    with CaptureQueriesContext(connection) as many:
        assert len(open_slot_list(topic=topic)) == 30
    assert len(many) == len(few) == 2


def test_a_slot_is_found_only_where_a_window_offers_it(counsellor, topic, morning):
    availability = window(counsellor, morning, hours=2)
    slot = slot_get(topic=topic, availability_id=availability.pk, starts_at=morning)
    assert (slot.starts_at, slot.ends_at) == (morning, morning + timedelta(hours=1))
    for moment in (morning + timedelta(minutes=30), morning + timedelta(hours=2)):
        with pytest.raises(Http404):
            slot_get(topic=topic, availability_id=availability.pk, starts_at=moment)
    other = factories.TopicFactory(slug="other", name_en="Other")
    with pytest.raises(Http404):
        slot_get(topic=other, availability_id=availability.pk, starts_at=morning)


def test_a_slot_time_reads_back_from_its_address(morning):
    assert parse_slot_time(format_slot_time(morning)) == morning
    with pytest.raises(ValueError):
        parse_slot_time("20261399T2599Z")
