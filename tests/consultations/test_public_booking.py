"""A resident books a consultation on the public site, in English and in
Chinese: topic, free times, confirmation, e-mails; the sensitive-topic
consent; a slot taken a moment earlier; cancelling and moving one's own
booking."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from consultations.models import Consultation
from consultations.selectors import format_slot_time
from residents.consent_texts import current
from residents.models import Consent, Resident
from residents.services import consent_give
from tests import factories
from tests.helpers import deliver_and_forget, deliver_messages, form_values_of

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
LANGUAGES = ["en", "zh-hans"]
Status = Consultation.Status


def url(language, name, *args, query=""):
    with translation.override(language):
        return reverse(f"consultations:{name}", args=args) + query


def text(language, message):
    """`message` (an English message id) as the person reads it in `language`."""
    with translation.override(language):
        return translation.gettext(message)


OVERLAP = "The counsellor already has a consultation at this time."


@pytest.fixture
def morning():
    local = timezone.localtime() + timedelta(days=2)
    return local.replace(hour=9, minute=0, second=0, microsecond=0)


@pytest.fixture
def topic(db):
    return factories.TopicFactory(
        slug="visas",
        name_en="Visas and permits",
        name_zh_hans="签证与居留许可",
        description_en="Help with visa extensions and residence permits.",
        description_zh_hans="签证延期和居留许可办理帮助。",
    )


@pytest.fixture
def counsellor_account(station_a):
    return factories.MembershipFactory(
        station=station_a,
        role="counsellor",
        user__email="rossi@example.org",
        user__preferred_language="zh-hans",
    ).user


@pytest.fixture
def counsellor(station_a, topic, counsellor_account):
    counsellor = factories.CounsellorFactory(
        station=station_a,
        name="Maria Rossi",
        languages=["zh", "en", "it"],
        user=counsellor_account,
    )
    counsellor.topics.add(topic)
    return counsellor


@pytest.fixture
def availability(counsellor, morning):
    return factories.AvailabilityFactory(
        counsellor=counsellor, starts_at=morning, ends_at=morning + timedelta(hours=3)
    )


@pytest.fixture
def resident(station_a):
    user = factories.UserFactory(email="anna@example.org", preferred_language="en")
    return factories.ResidentFactory(
        station=station_a, user=user, given_name="Anna", family_name="Schmidt"
    )


@pytest.fixture
def logged_in(client, resident):
    client.force_login(resident.user)
    return client


def book_url(language, topic, availability, start, query=""):
    return url(language, "book", topic.slug, availability.pk, format_slot_time(start), query=query)


# --- the whole flow, in both languages -------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_resident_books_a_consultation_end_to_end(
    language, logged_in, resident, topic, availability, morning, mailoutbox,
    django_capture_on_commit_callbacks,
):
    resident.preferred_language = language
    resident.save()
    start = logged_in.get(url(language, "start"))
    assert start.status_code == 200
    page = start.content.decode()
    assert topic.description_en in page or topic.description_zh_hans in page
    assert url(language, "slots", topic.slug) in page

    slots = logged_in.get(url(language, "slots", topic.slug, query="?language=it"))
    assert slots.status_code == 200
    assert slots.context["slot_count"] == 3
    chosen = morning + timedelta(hours=1)
    link = book_url(language, topic, availability, chosen, query="?language=it")
    assert link.replace("&", "&amp;") in slots.content.decode()

    confirm = logged_in.get(link)
    assert confirm.status_code == 200
    assert confirm.context["form"].initial["language"] == "it"
    assert 'type="radio"' in confirm.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        done = logged_in.post(link, {"channel": "phone", "language": "it"})
    deliver_messages()
    consultation = Consultation.objects.get()
    assert done.status_code == 302
    assert done["Location"] == url(language, "detail", consultation.pk)
    assert (consultation.resident, consultation.counsellor) == (resident, availability.counsellor)
    assert (consultation.starts_at, consultation.ends_at) == (chosen, chosen + timedelta(hours=1))
    assert (consultation.channel, consultation.language, consultation.status) == (
        "phone",
        "it",
        Status.BOOKED,
    )

    detail = logged_in.get(done["Location"])
    assert detail.status_code == 200
    assert text(language, "Your consultation is booked. We sent you an e-mail.") in (
        detail.content.decode()
    )

    by_recipient = {m.to[0]: m for m in mailoutbox}
    assert set(by_recipient) == {"anna@example.org", "rossi@example.org"}
    to_resident, to_counsellor = by_recipient["anna@example.org"], by_recipient["rossi@example.org"]
    assert bool(CJK.search(to_resident.subject)) == (language == "zh-hans")
    assert "Maria Rossi" in to_resident.body
    assert timezone.localtime(chosen).strftime("%H:%M") in to_resident.body
    # the counsellor's notice is in the counsellor's own language
    assert CJK.search(to_counsellor.subject)
    assert "Anna Schmidt" in to_counsellor.body

    # the slot is no longer offered
    again = logged_in.get(url(language, "slots", topic.slug))
    assert again.context["slot_count"] == 2


def test_a_counsellor_without_a_login_gets_no_notice(
    logged_in, topic, availability, morning, mailoutbox, django_capture_on_commit_callbacks
):
    availability.counsellor.user = None
    availability.counsellor.save()
    with django_capture_on_commit_callbacks(execute=True):
        logged_in.post(book_url("en", topic, availability, morning), {"channel": "station"})
    outcome = deliver_messages()
    assert [m.to for m in mailoutbox] == [["anna@example.org"]]
    assert outcome.by_reason == {"no_address": 1}  # recorded for staff to see


def test_reading_topics_and_times_needs_no_account_but_booking_does(
    client, topic, availability, morning
):
    assert client.get(url("en", "start")).status_code == 200
    assert client.get(url("en", "slots", topic.slug)).context["slot_count"] == 3
    link = book_url("en", topic, availability, morning)
    for response in (client.get(link), client.post(link, {"channel": "phone"})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse(settings.LOGIN_URL))
    assert not Consultation.objects.exists()


def test_booking_at_another_station_makes_a_profile_there(
    client, station_b, topic, morning, django_capture_on_commit_callbacks, resident
):
    counsellor = factories.CounsellorFactory(station=station_b, name="B counsellor")
    counsellor.topics.add(topic)
    window = factories.AvailabilityFactory(counsellor=counsellor, starts_at=morning)
    client.force_login(resident.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(book_url("en", topic, window, morning), {"channel": "station"})
    assert response.status_code == 302
    consultation = Consultation.objects.get()
    assert consultation.station == station_b
    assert consultation.resident.station == station_b
    assert consultation.resident.user == resident.user


def test_an_account_without_a_profile_is_told_what_to_do(client, topic, availability, morning):
    client.force_login(factories.UserFactory())
    response = client.post(book_url("en", topic, availability, morning), {"channel": "phone"})
    assert response.status_code == 403
    assert "Your account has no resident profile yet." in response.content.decode()
    assert not Consultation.objects.exists()


# --- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_channel_the_window_does_not_offer_is_refused(
    language, logged_in, topic, availability, morning
):
    response = logged_in.post(book_url(language, topic, availability, morning), {"channel": "home"})
    assert response.status_code == 400
    errors = response.context["form"].errors["channel"]
    assert errors and all(CJK.search(e) for e in errors) == (language == "zh-hans")
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Consultation.objects.exists()


def test_a_time_that_is_not_a_slot_answers_404(logged_in, topic, availability, morning):
    for start in (morning + timedelta(minutes=20), morning - timedelta(days=3)):
        assert logged_in.get(book_url("en", topic, availability, start)).status_code == 404
    other_topic = factories.TopicFactory(slug="tax", name_en="Tax")
    assert logged_in.get(book_url("en", other_topic, availability, morning)).status_code == 404
    assert logged_in.get("/en/consultations/visas/book/1/not-a-time/").status_code == 404


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_slot_just_taken_answers_409_with_the_other_free_times(
    language, logged_in, station_a, topic, availability, morning
):
    link = book_url(language, topic, availability, morning)
    assert logged_in.get(link).status_code == 200
    # someone else books the same time while the person reads the page
    factories.ConsultationFactory(
        station=station_a,
        counsellor=availability.counsellor,
        starts_at=morning,
        ends_at=morning + timedelta(hours=1),
    )
    response = logged_in.post(link, {"channel": "phone"})
    assert response.status_code == 409
    page = response.content.decode()
    assert text(language, OVERLAP) in page
    assert bool(CJK.search(text(language, OVERLAP))) == (language == "zh-hans")
    assert response.context["slot_count"] == 2
    assert book_url(language, topic, availability, morning + timedelta(hours=1)) in page
    assert Consultation.objects.count() == 1
    # opening the taken time again says the same
    again = logged_in.get(link)
    assert again.status_code == 409
    assert text(language, OVERLAP) in again.content.decode()


def test_when_only_the_database_sees_the_clash_the_answer_is_the_same(
    logged_in, station_a, topic, availability, morning, monkeypatch
):
    """Two bookings validated at the same moment: full_clean saw no clash,
    the exclusion constraint refuses the second."""
    factories.ConsultationFactory(
        station=station_a,
        counsellor=availability.counsellor,
        starts_at=morning,
        ends_at=morning + timedelta(hours=1),
    )
    monkeypatch.setattr(Consultation, "validate_constraints", lambda self, *a, **k: None)
    response = logged_in.post(book_url("en", topic, availability, morning), {"channel": "phone"})
    assert response.status_code == 409
    assert OVERLAP in response.content.decode()
    assert Consultation.objects.count() == 1


# --- sensitive topics --------------------------------------------------------------------


@pytest.fixture
def counselling(counsellor):
    topic = factories.TopicFactory(
        slug="psychological-counselling",
        name_en="Psychological counselling",
        name_zh_hans="心理咨询",
        is_sensitive=True,
    )
    counsellor.topics.add(topic)
    return topic


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_sensitive_topic_asks_for_consent_first_then_books(
    language, logged_in, resident, station_a, counselling, availability, morning,
    django_capture_on_commit_callbacks,
):
    start_page = logged_in.get(url(language, "start")).content.decode()
    assert text(language, "Sensitive topic.") in start_page

    link = book_url(language, counselling, availability, morning)
    response = logged_in.get(link)
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    with translation.override(language):
        assert target.path == reverse("residents:give_consent")
    assert parse_qs(target.query) == {
        "purpose": ["health_counselling"],
        "station": [station_a.slug],
        "next": [link],
    }
    # posting without the consent is refused the same way, and books nothing
    assert logged_in.post(link, {"channel": "phone"})["Location"] == response["Location"]
    assert not Consultation.objects.exists()

    text_shown = current(Consent.Purpose.HEALTH_COUNSELLING)
    consent_give(
        resident=resident, purpose=text_shown.purpose, text_version=text_shown.version
    )
    assert logged_in.get(link).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        done = logged_in.post(link, {"channel": "phone"})
    assert done.status_code == 302
    assert Consultation.objects.get().topic == counselling


def test_the_consent_page_brings_the_person_back_to_the_booking(
    logged_in, resident, counselling, availability, morning
):
    link = book_url("en", counselling, availability, morning)
    consent_page = logged_in.get(link)["Location"]
    shown = logged_in.get(consent_page)
    assert shown.status_code == 200
    given = logged_in.post(consent_page, form_values_of(shown))
    assert given.status_code == 302
    assert given["Location"] == link
    assert logged_in.get(link).status_code == 200


def test_a_withdrawn_consent_no_longer_counts(
    logged_in, resident, counselling, availability, morning
):
    shown = current(Consent.Purpose.HEALTH_COUNSELLING)
    consent = consent_give(resident=resident, purpose=shown.purpose, text_version=shown.version)
    consent.withdrawn_at = timezone.now()
    consent.save()
    assert logged_in.get(book_url("en", counselling, availability, morning)).status_code == 302


# --- cancel and move one's own booking ----------------------------------------------------


@pytest.fixture
def booking(resident, availability, topic, morning):
    return factories.ConsultationFactory(
        station=resident.station,
        resident=resident,
        counsellor=availability.counsellor,
        topic=topic,
        starts_at=morning,
        ends_at=morning + timedelta(hours=1),
        channel="station",
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_resident_cancels_their_booking(
    language, logged_in, booking, topic, mailoutbox, django_capture_on_commit_callbacks
):
    mine = logged_in.get(url(language, "mine"))
    assert mine.context["upcoming"] == [booking]
    confirm = logged_in.get(url(language, "cancel", booking.pk))
    assert confirm.status_code == 200
    deliver_and_forget(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        done = logged_in.post(url(language, "cancel", booking.pk))
    deliver_messages()
    assert done.status_code == 302
    assert done["Location"] == url(language, "mine")
    booking.refresh_from_db()
    assert booking.status == Status.CANCELLED
    assert logged_in.get(url(language, "slots", topic.slug)).context["slot_count"] == 3
    assert len(mailoutbox) == 2
    # cancelling twice is refused and changes nothing
    again = logged_in.post(url(language, "cancel", booking.pk))
    assert again.status_code == 409
    assert bool(CJK.search(again.context["error"])) == (language == "zh-hans")


def test_a_consultation_that_has_started_cannot_be_cancelled_or_moved(logged_in, booking):
    Consultation.objects.filter(pk=booking.pk).update(
        starts_at=timezone.now() - timedelta(minutes=10),
        ends_at=timezone.now() + timedelta(minutes=50),
    )
    assert logged_in.post(url("en", "cancel", booking.pk)).status_code == 409
    assert logged_in.get(url("en", "reschedule", booking.pk)).status_code == 409
    booking.refresh_from_db()
    assert booking.status == Status.BOOKED


def test_another_persons_booking_answers_404(client, booking, station_a):
    stranger = factories.ResidentFactory(station=station_a, user=factories.UserFactory())
    client.force_login(stranger.user)
    for name in ("detail", "cancel", "reschedule"):
        assert client.get(url("en", name, booking.pk)).status_code == 404
        assert client.get(url("en", name, 987654)).status_code == 404
    assert client.post(url("en", "cancel", booking.pk)).status_code == 404
    move = url("en", "reschedule_confirm", booking.pk, booking.counsellor.availabilities.get().pk,
               format_slot_time(booking.starts_at + timedelta(hours=1)))
    assert client.post(move, {"channel": "phone"}).status_code == 404
    booking.refresh_from_db()
    assert (booking.status, booking.starts_at.hour) == (Status.BOOKED, booking.starts_at.hour)
    assert client.get(url("en", "mine")).context["upcoming"] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_resident_moves_their_booking_to_another_free_time(
    language, logged_in, booking, availability, morning, mailoutbox,
    django_capture_on_commit_callbacks,
):
    booking.resident.preferred_language = language
    booking.resident.save()
    choices = logged_in.get(url(language, "reschedule", booking.pk))
    assert choices.status_code == 200
    offered = [slot.starts_at for _day, slots in choices.context["days"] for slot in slots]
    # the present time is not offered again
    assert offered == [morning + timedelta(hours=1), morning + timedelta(hours=2)]
    new_time = morning + timedelta(hours=2)
    move = url(language, "reschedule_confirm", booking.pk, availability.pk,
               format_slot_time(new_time))
    assert logged_in.get(move).status_code == 200
    deliver_and_forget(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        done = logged_in.post(move, {"channel": "phone"})
    deliver_messages()
    assert done.status_code == 302
    booking.refresh_from_db()
    assert (booking.starts_at, booking.channel, booking.status) == (
        new_time,
        "phone",
        Status.BOOKED,
    )
    assert Consultation.objects.count() == 1
    assert len(mailoutbox) == 2
    assert bool(CJK.search(mailoutbox[0].subject)) == (language == "zh-hans")


def test_moving_to_a_time_just_taken_keeps_the_old_time(
    logged_in, booking, availability, station_a, morning
):
    new_time = morning + timedelta(hours=2)
    move = url("en", "reschedule_confirm", booking.pk, availability.pk, format_slot_time(new_time))
    assert logged_in.get(move).status_code == 200
    factories.ConsultationFactory(
        station=station_a,
        counsellor=availability.counsellor,
        starts_at=new_time,
        ends_at=new_time + timedelta(hours=1),
    )
    response = logged_in.post(move, {"channel": "phone"})
    assert response.status_code == 409
    assert OVERLAP in response.content.decode()
    offered = [slot.starts_at for _day, slots in response.context["days"] for slot in slots]
    assert offered == [morning + timedelta(hours=1)]
    booking.refresh_from_db()
    assert (booking.starts_at, booking.channel) == (morning, "station")


def test_moving_to_another_counsellors_time_is_refused(
    logged_in, booking, station_a, topic, morning
):
    other = factories.CounsellorFactory(station=station_a, name="Other")
    other.topics.add(topic)
    window = factories.AvailabilityFactory(counsellor=other, starts_at=morning)
    move = url("en", "reschedule_confirm", booking.pk, window.pk, format_slot_time(morning))
    assert logged_in.post(move, {"channel": "phone"}).status_code == 400
    booking.refresh_from_db()
    assert booking.counsellor != other


# --- pages keep a fixed number of queries ---------------------------------------------------


def _queries(client, path):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured), response


def test_the_times_page_does_not_grow_with_slots(client, station_a, topic, morning):
    def add(n):
        for i in range(n):
            person = factories.CounsellorFactory(station=station_a)
            person.topics.add(topic)
            factories.AvailabilityFactory(
                counsellor=person,
                starts_at=morning + timedelta(days=i),
                ends_at=morning + timedelta(days=i, hours=4),
            )
            factories.ConsultationFactory(
                station=station_a,
                counsellor=person,
                starts_at=morning + timedelta(days=i),
                ends_at=morning + timedelta(days=i, hours=1),
            )

    path = url("en", "slots", topic.slug)
    add(1)
    client.get(path)
    few, response = _queries(client, path)
    assert response.context["slot_count"] == 3
    add(6)
    many, response = _queries(client, path)
    assert response.context["slot_count"] == 21
    assert many == few


def test_the_bookings_page_does_not_grow_with_bookings(logged_in, resident, topic, morning):
    def add(n):
        for i in range(n):
            factories.ConsultationFactory(
                station=resident.station,
                resident=resident,
                topic=topic,
                starts_at=morning + timedelta(days=i),
                ends_at=morning + timedelta(days=i, hours=1),
            )

    path = url("en", "mine")
    add(1)
    logged_in.get(path)
    few, _ = _queries(logged_in, path)
    add(5)
    many, response = _queries(logged_in, path)
    assert len(response.context["upcoming"]) == 6
    assert many == few


def test_the_resident_profile_is_not_created_by_reading(client, topic, availability):
    client.force_login(factories.UserFactory())
    client.get(url("en", "slots", topic.slug))
    assert not Resident.objects.exists()
