"""My page: what a person did with the stations, and their details and language."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from events.selectors import waitlist_position
from events.tickets import link_code
from residents.models import Resident
from residents.selectors import own_registrations
from tests import factories
from tests.accounts.support import _fast_password_hashing, _own_cache, url  # noqa: F401
from tests.helpers import register

pytestmark = pytest.mark.django_db


def past(days: int):
    return timezone.now().replace(microsecond=0) - timedelta(days=days)


@pytest.fixture
def person(client, station_a):
    """A logged-in resident of station A."""
    user = factories.UserFactory(email="lena@example.org", full_name="Lena Berg")
    factories.ResidentFactory(
        station=station_a, user=user, family_name="Berg", given_name="Lena", email=user.email
    )
    client.force_login(user)
    return user


def profile(user, station):
    return Resident.objects.get(user=user, station=station)


def add_rows(user, station, n: int):
    """`n` rows of each kind My page lists, for `user` at `station`."""
    resident = profile(user, station)
    for i in range(n):
        event = factories.EventFactory(station=station, title_en=f"Dumpling class {i}")
        factories.RegistrationFactory(event=event, resident=resident)
        factories.ConsultationFactory(station=station, resident=resident)
        factories.SignupFactory(shift=factories.ShiftFactory(station=station), volunteer=resident)
        factories.HoursEntryFactory(station=station, volunteer=resident)
        # one active consent per purpose: the older ones are withdrawn
        resident.consents.filter(purpose="newsletter", withdrawn_at=None).update(
            withdrawn_at=timezone.now()
        )
        factories.ConsentFactory(resident=resident, purpose="newsletter", text_version=f"v{i}")


def test_my_page_lists_what_the_person_did_at_every_station(client, person, station_a, station_b):
    mine_a = profile(person, station_a)
    mine_b = factories.ResidentFactory(station=station_b, user=person, family_name="Berg")

    event = factories.EventFactory(station=station_a, title_en="Mid-Autumn lanterns", capacity=1)
    confirmed = factories.RegistrationFactory(event=event, resident=mine_a)
    full = factories.EventFactory(station=station_b, title_en="Tea ceremony", capacity=1)
    register(full, 2)  # the place and the first place in the queue are taken
    waiting = factories.RegistrationFactory(event=full, resident=mine_b, status="waitlisted")
    old_event = factories.EventFactory(
        station=station_a, title_en="Spring clean-up", starts_at=past(30), ends_at=past(29)
    )
    factories.RegistrationFactory(event=old_event, resident=mine_a, checked_in_at=past(30))

    visas = factories.TopicFactory(slug="visas", name_en="Visas")
    booked = factories.ConsultationFactory(station=station_a, resident=mine_a, topic=visas)
    factories.ConsultationFactory(
        station=station_a,
        resident=mine_a,
        starts_at=past(10),
        ends_at=past(10) + timedelta(hours=1),
        status="completed",
        topic=factories.TopicFactory(slug="housing", name_en="Housing"),
    )
    shift = factories.ShiftFactory(station=station_a, opportunity__title_en="Beach clean-up")
    signup = factories.SignupFactory(shift=shift, volunteer=mine_a)
    for hours, status in (("2.50", "approved"), ("1.00", "approved"), ("3.00", "pending")):
        factories.HoursEntryFactory(
            station=station_a,
            volunteer=mine_a,
            hours=Decimal(hours),
            status=status,
            reviewed_at=timezone.now() if status != "pending" else None,
        )
    factories.HoursEntryFactory(
        station=station_b,
        volunteer=mine_b,
        hours=Decimal("4"),
        status="rejected",
        reviewed_at=timezone.now(),
    )
    consent = factories.ConsentFactory(resident=mine_a)

    response = client.get(url("residents:my_page"))
    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        "Mid-Autumn lanterns",
        "Tea ceremony",
        "Spring clean-up",
        "Visas",
        "Housing",
        "Beach clean-up",
        "Station A",
        "Station B",
    ):
        assert text in html, text
    assert "Your place in the queue: 2" in html
    assert f'href="{url("events:ticket", "en", link_code(confirmed))}"' in html
    assert f'href="{url("events:cancel", "en", link_code(waiting))}"' in html
    assert f'href="{url("consultations:cancel", "en", booked.pk)}"' in html
    assert f'href="{url("consultations:reschedule", "en", booked.pk)}"' in html
    assert f'action="{url("volunteers:withdraw", "en", signup.pk)}"' in html
    assert f'href="{url("residents:withdraw_consent", "en", consent.pk)}"' in html
    totals = response.context["data"].hours_totals
    assert totals == {
        "approved": Decimal("3.50"),
        "pending": Decimal("3.00"),
        "rejected": Decimal("4.00"),
    }
    assert "3.5" in html


def test_the_queue_position_is_the_events_own(person, station_a):
    event = factories.EventFactory(station=station_a, capacity=1)
    register(event, 3)
    registration = factories.RegistrationFactory(
        event=event, resident=profile(person, station_a), status="waitlisted"
    )
    [row] = own_registrations(person, upcoming=True)
    assert row.waitlist_position == waitlist_position(registration) == 3


def test_my_page_shows_nothing_of_anyone_else(client, person, station_a):
    other_user = factories.UserFactory(email="someone@example.org")
    other = factories.ResidentFactory(station=station_a, user=other_user, family_name="Other")
    unlinked = factories.ResidentFactory(station=station_a, email=person.email)
    for resident in (other, unlinked):
        factories.RegistrationFactory(
            event=factories.EventFactory(station=station_a, title_en=f"Party of {resident.pk}"),
            resident=resident,
        )
        factories.ConsentFactory(resident=resident, purpose="newsletter")
    html = client.get(url("residents:my_page")).content.decode()
    assert "Party of" not in html
    assert "News and event announcements" not in html


def test_empty_sections_say_what_to_do(client, person):
    html = client.get(url("residents:my_page")).content.decode()
    assert "You have not registered for an upcoming event." in html
    assert "You have no consultation booked." in html
    assert "You have not logged any hours yet." in html
    assert f'href="{url("events:list")}"' in html


def test_my_page_speaks_chinese_at_its_chinese_address(client, person, station_a):
    add_rows(person, station_a, 1)
    html = client.get(url("residents:my_page", "zh-hans")).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "我的主页" in html and "甲站" in html
    assert "My page" not in html


def test_my_page_query_count_does_not_grow_with_rows(client, person, station_a, station_b):
    factories.ResidentFactory(station=station_b, user=person, family_name="Berg")
    add_rows(person, station_a, 1)
    path = url("residents:my_page")
    client.get(path)
    with CaptureQueriesContext(connection) as few:
        assert client.get(path).status_code == 200
    add_rows(person, station_b, 6)
    with CaptureQueriesContext(connection) as many:
        response = client.get(path)
    data = response.context["data"]
    assert len(data.upcoming_registrations) == 7 and len(data.upcoming_signups) == 7
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


# --- Details and preferred language ------------------------------------------------------


def test_changing_the_language_changes_the_account_and_every_profile(
    client, person, station_a, station_b
):
    factories.ResidentFactory(station=station_b, user=person, family_name="Berg")
    page = client.get(url("residents:details"))
    assert page.status_code == 200
    response = client.post(
        url("residents:details"),
        {
            "preferred_language": "zh-hans",
            "family_name": "Berg",
            "given_name": "Lena",
            "chinese_name": "莲娜",
            "phone": "+86 138 0013 8000",
            "email": "lena.berg@example.org",
            "address": "Guanren Road 5",
            "languages": ["de", "zh"],
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url("residents:my_page", "zh-hans")
    person.refresh_from_db()
    assert person.preferred_language == "zh-hans"
    assert person.full_name == "Lena Berg (莲娜)"
    assert person.email == "lena@example.org"  # the log-in does not change here
    for resident in Resident.objects.filter(user=person):
        assert resident.preferred_language == "zh-hans"
        assert resident.phone == "+8613800138000"
        assert resident.email == "lena.berg@example.org"
        assert resident.languages == ["de", "zh"]
    landed = client.get(response["Location"]).content.decode()
    assert "您的信息已保存" in landed


def test_a_bad_phone_keeps_every_detail_as_it_was(client, person, station_a):
    before = list(Resident.objects.filter(user=person).values())
    response = client.post(
        url("residents:details"),
        {"preferred_language": "zh-hans", "family_name": "Berg", "phone": "12345"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Enter a phone number in international format" in html
    assert 'value="12345"' in html
    assert 'aria-describedby="id_phone_helptext id_phone_error"' in html
    assert list(Resident.objects.filter(user=person).values()) == before
    assert User.objects.get(pk=person.pk).preferred_language == person.preferred_language


def test_an_account_without_a_profile_sets_only_its_language(client, staff_a):
    client.force_login(staff_a)
    html = client.get(url("residents:details")).content.decode()
    assert 'name="phone"' not in html
    response = client.post(url("residents:details"), {"preferred_language": "en"})
    assert response.status_code == 302
    staff_a.refresh_from_db()
    assert staff_a.preferred_language == "en"
