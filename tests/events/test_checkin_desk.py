"""The check-in desk at the door of an event, as a station's staff use it:
a QR scanner types the ticket's code into the focused field and presses Enter,
or someone finds the person by name and presses their "Check in" button."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from events.models import Event, Registration
from events.services import registration_cancel
from tests import factories
from tests.helpers import admin_path, admin_url, login_with_role, messages_of, register

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

NOT_FOUND = "No registration for this event has this code. Check that the ticket is for this event."


def desk(event, query: str = "") -> str:
    return admin_path("events_event_check_in", event.pk, query=f"?q={query}" if query else "")


@pytest.fixture
def staff_client(client, station_a):
    """Station A's front-desk staff (the role that changes registrations)."""
    login_with_role(client, station_a, "staff")
    return client


@pytest.fixture
def event(station_a):
    return factories.EventFactory(station=station_a, capacity=2)


def scan(client, event, token: str):
    return client.post(desk(event), {"token": token}, follow=True)


def checked_in_at(registration):
    registration.refresh_from_db()
    return registration.checked_in_at


# --- the page --------------------------------------------------------------------------------


def test_the_desk_shows_places_waiting_list_and_check_ins(staff_client, event):
    first, _second, _third = register(event, 3)
    scan(staff_client, event, first.token)
    response = staff_client.get(desk(event))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<td class="desk-confirmed">2 of 2</td>' in page
    assert '<td class="desk-waitlisted">1</td>' in page
    assert '<td class="desk-checked-in">1</td>' in page
    # the scanner types into the field that has the focus; no script needed
    assert 'name="token"' in page and "autofocus" in page
    assert "<script" not in page.split('id="content-main"')[1]


def test_the_events_page_and_list_link_to_the_desk(staff_client, event):
    change = staff_client.get(admin_url(Event, "change", event.pk)).content.decode()
    listing = staff_client.get(admin_url(Event, "changelist")).content.decode()
    assert f'href="{desk(event)}"' in change
    assert f'href="{desk(event)}"' in listing


# --- checking in by the code on the ticket ----------------------------------------------------


def test_a_scanned_code_checks_the_person_in(staff_client, event):
    (registration,) = register(event, family_name="Okafor", given_name="Chidi")
    response = scan(staff_client, event, f"  {registration.token}\n")
    assert response.redirect_chain == [(desk(event), 302)]
    assert messages_of(response) == ["Chidi Okafor is checked in."]
    assert checked_in_at(registration) is not None


def test_a_second_scan_says_when_the_person_came_and_keeps_that_time(staff_client, event):
    (registration,) = register(event, family_name="Okafor", given_name="Chidi")
    scan(staff_client, event, registration.token)
    first_time = checked_in_at(registration)
    response = scan(staff_client, event, registration.token)
    clock = timezone.localtime(first_time).strftime("%H:%M")
    assert messages_of(response) == [f"Chidi Okafor was already checked in at {clock}."]
    assert checked_in_at(registration) == first_time


def test_a_person_on_the_waiting_list_is_not_checked_in(staff_client, event):
    *_, waiting = register(event, 3)
    assert waiting.status == Registration.Status.WAITLISTED
    response = scan(staff_client, event, waiting.token)
    assert messages_of(response) == [
        f"{waiting.resident.display_name} is not checked in: This person is on the waiting "
        "list; only a confirmed registration can be checked in."
    ]
    assert checked_in_at(waiting) is None


def test_a_cancelled_registration_is_not_checked_in(staff_client, event):
    (registration,) = register(event)
    registration_cancel(registration=registration)
    response = scan(staff_client, event, registration.token)
    assert messages_of(response) == [
        f"{registration.resident.display_name} is not checked in: This registration was "
        "cancelled; it cannot be checked in."
    ]
    assert checked_in_at(registration) is None


def test_codes_of_other_events_and_stations_are_not_found_like_unknown_ones(
    staff_client, event, station_a, station_b
):
    (other_event,) = register(factories.EventFactory(station=station_a))
    (other_station,) = register(factories.EventFactory(station=station_b))
    for token in (other_event.token, other_station.token, "no-such-code", other_event.token[:-1]):
        response = scan(staff_client, event, token)
        assert response.status_code == 200
        assert messages_of(response) == [NOT_FOUND]
    assert checked_in_at(other_event) is None
    assert checked_in_at(other_station) is None


def test_a_scan_keeps_the_name_search_on_screen(staff_client, event):
    (registration,) = register(event, family_name="Okafor", given_name="Chidi")
    page = staff_client.get(desk(event, "okafor")).content.decode()
    assert '<input type="hidden" name="q" value="okafor">' in page
    response = staff_client.post(desk(event), {"token": registration.token, "q": "okafor"})
    assert response.status_code == 302
    assert response["Location"] == desk(event, "okafor")


def test_an_empty_scan_asks_for_the_code(staff_client, event):
    response = scan(staff_client, event, "   ")
    assert messages_of(response) == ["Scan the code on the ticket, or type it."]


# --- finding people by name --------------------------------------------------------------------


def test_the_name_search_ignores_case_and_finds_chinese_names(staff_client, event, station_a):
    (okafor,) = register(event, family_name="Okafor", given_name="Chidi")
    (wang,) = register(event, family_name="Wang", given_name="Lena", chinese_name="王丽娜")
    # same name, another event of the station: not on this desk
    register(factories.EventFactory(station=station_a), family_name="Okafor")

    def found(query):
        response = staff_client.get(desk(event, query))
        assert response.status_code == 200
        return [r.pk for r in response.context["results"]]

    assert found("okaFOR") == [okafor.pk]
    assert found("chidi") == [okafor.pk]
    assert found("丽娜") == [wang.pk]
    assert found("lena wang") == [wang.pk]
    assert found("nobody") == []
    assert "Nobody registered for this event matches “nobody”." in (
        staff_client.get(desk(event, "nobody")).content.decode()
    )


def test_a_search_result_is_checked_in_with_its_button(staff_client, event):
    (registration,) = register(event, family_name="Okafor", given_name="Chidi")
    page = staff_client.get(desk(event, "okafor")).content.decode()
    assert f'name="registration" value="{registration.pk}"' in page
    assert 'aria-label="Check in Chidi Okafor"' in page
    response = staff_client.post(
        desk(event), {"registration": registration.pk, "q": "okafor"}, follow=True
    )
    assert response.redirect_chain == [(desk(event, "okafor"), 302)]
    assert messages_of(response) == ["Chidi Okafor is checked in."]
    assert checked_in_at(registration) is not None
    # back on the results, the person now shows the time instead of the button
    assert f'name="registration" value="{registration.pk}"' not in response.content.decode()


def test_waiting_and_cancelled_people_have_no_button(staff_client, event):
    first, second, promoted, waiting = register(event, 4, family_name="Okafor")
    registration_cancel(registration=first)
    page = staff_client.get(desk(event, "okafor")).content.decode()
    assert "Not possible: cancelled" in page
    assert "Not possible: on the waiting list" in page
    buttons = [r.pk for r in (first, second, promoted, waiting) if f'value="{r.pk}"' in page]
    assert buttons == [second.pk, promoted.pk]


def test_a_button_for_another_events_registration_changes_nothing(staff_client, event, station_a):
    (elsewhere,) = register(factories.EventFactory(station=station_a))
    for value in (elsewhere.pk, "not-a-number"):
        response = staff_client.post(desk(event), {"registration": value}, follow=True)
        assert messages_of(response) == ["This registration was not found for this event."]
    assert checked_in_at(elsewhere) is None


def test_the_search_costs_the_same_queries_for_many_results(staff_client, event):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    register(event, 2, family_name="Okafor")
    staff_client.get(desk(event, "okafor"))
    with CaptureQueriesContext(connection) as few:
        staff_client.get(desk(event, "okafor"))
    register(event, 8, family_name="Okafor")
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(desk(event, "okafor"))
    assert len(response.context["results"]) == 10
    assert len(many) == len(few)


# --- who may use the desk ---------------------------------------------------------------------


def test_another_stations_event_answers_404_like_a_missing_one(staff_client, event, station_b):
    theirs = factories.EventFactory(station=station_b)
    (registration,) = register(theirs)
    missing = admin_path("events_event_check_in", 987654321)
    for path in (desk(theirs), missing, admin_path("events_event_check_in", "abc")):
        assert staff_client.get(path).status_code == 404
    assert staff_client.get(desk(theirs)).content == staff_client.get(missing).content
    assert staff_client.post(desk(theirs), {"token": registration.token}).status_code == 404
    assert checked_in_at(registration) is None


def test_a_counsellor_may_not_check_people_in(client, station_a, event):
    login_with_role(client, station_a, "counsellor")
    (registration,) = register(event)
    assert client.get(desk(event)).status_code == 403
    assert client.post(desk(event), {"token": registration.token}).status_code == 403
    assert checked_in_at(registration) is None
    change = client.get(admin_url(Event, "change", event.pk)).content.decode()
    listing = client.get(admin_url(Event, "changelist")).content.decode()
    assert desk(event) not in change
    assert desk(event) not in listing


def test_the_desk_refuses_a_post_without_the_csrf_token(station_a, event):
    client = Client(enforce_csrf_checks=True)
    login_with_role(client, station_a, "staff")
    (registration,) = register(event)
    assert client.post(desk(event), {"token": registration.token}).status_code == 403
    assert checked_in_at(registration) is None


def test_the_desk_speaks_chinese(staff_client, event):
    (registration,) = register(event, family_name="Okafor", given_name="Chidi")
    with translation.override("zh-hans"):
        path = reverse("admin:events_event_check_in", args=[event.pk])
        page = staff_client.get(path).content.decode()
        assert "签到" in page
        response = staff_client.post(path, {"token": registration.token}, follow=True)
        assert messages_of(response) == ["Chidi Okafor 已签到。"]
        response = staff_client.post(path, {"token": "no-such-code"}, follow=True)
        assert messages_of(response) == [
            "本活动没有与此签到码对应的报名。请确认票券属于本活动。"
        ]


def test_an_event_that_ended_yesterday_can_still_be_checked_in(staff_client, station_a):
    """Attendance is often recorded after the door closes."""
    event = factories.EventFactory(station=station_a)
    (registration,) = register(event)
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - timedelta(days=1, hours=2),
        ends_at=timezone.now() - timedelta(days=1),
    )
    response = scan(staff_client, event, registration.token)
    assert messages_of(response) == [f"{registration.resident.display_name} is checked in."]
