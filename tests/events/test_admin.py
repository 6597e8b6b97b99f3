"""The staff admin for events and registrations, as station A's manager sees it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import Event, EventCategory, Registration
from tests import factories
from tests.helpers import (
    admin_path,
    assert_list_queries_do_not_grow,
    local_parts,
    messages_of,
    post_action,
    register,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

CONFIRMED = Registration.Status.CONFIRMED
WAITLISTED = Registration.Status.WAITLISTED
CANCELLED = Registration.Status.CANCELLED


def event_post_data(event, response, **overrides):
    """The change form of `event` as the page sent it, with `overrides`."""
    data = {
        "category": event.category_id,
        "title_zh_hans": event.title_zh_hans,
        "title_en": event.title_en or "",
        "description_zh_hans": "",
        "description_en": "",
        "place_zh_hans": "",
        "place_en": "",
        "online_url": "",
        "capacity": "" if event.capacity is None else event.capacity,
        "registration_opens_at_0": "",
        "registration_opens_at_1": "",
        "registration_closes_at_0": "",
        "registration_closes_at_1": "",
    }
    data["starts_at_0"], data["starts_at_1"] = local_parts(event.starts_at)
    data["ends_at_0"], data["ends_at_1"] = local_parts(event.ends_at)
    if event.is_published:
        data["is_published"] = "on"
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[formset.management_form.add_prefix(name)] = formset.management_form[name].value()
        for form in formset.forms:
            for name in form.fields:
                value = form[name].value()
                data[form.add_prefix(name)] = "" if value is None else value
    data.update(overrides)
    return data


def new_registration_prefix(response) -> str:
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.extra:
            return inline.formset.prefix
    raise AssertionError("the event page has no row for a new registration")


# --- another station's rows ---------------------------------------------------------------
# (their pages answer 404 and the lists leave them out: tests/stations/test_admin_isolation.py)


def test_the_registration_add_form_offers_only_own_events_and_residents(
    client_a, station_a, station_b
):
    my_event = factories.EventFactory(station=station_a)
    me = factories.ResidentFactory(station=station_a)
    factories.EventFactory(station=station_b)
    factories.ResidentFactory(station=station_b)
    form = client_a.get(admin_path("events_registration_add")).context["adminform"].form
    assert list(form.fields["event"].queryset) == [my_event]
    assert list(form.fields["resident"].queryset) == [me]


@pytest.mark.parametrize("field_name", ["event", "resident"])
def test_the_autocomplete_answers_only_own_rows(client_a, station_a, station_b, field_name):
    make = factories.EventFactory if field_name == "event" else factories.ResidentFactory
    mine = make(station=station_a)
    make(station=station_b)
    response = client_a.get(
        admin_path("autocomplete"),
        {
            "term": "",
            "app_label": "events",
            "model_name": "registration",
            "field_name": field_name,
        },
    )
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(mine.pk)]


def test_registering_another_stations_resident_is_refused(client_a, station_a, station_b):
    event = factories.EventFactory(station=station_a)
    theirs = factories.ResidentFactory(station=station_b)
    response = client_a.post(
        admin_path("events_registration_add"), {"event": event.pk, "resident": theirs.pk}
    )
    assert response.status_code == 200
    assert "resident" in response.context["adminform"].form.errors
    assert not Registration.objects.exists()


def test_actions_do_not_touch_another_stations_registrations(client_a, station_a, station_b):
    mine = register(factories.EventFactory(station=station_a))[0]
    theirs = register(factories.EventFactory(station=station_b))[0]
    for action in ("check_in_selected", "cancel_selected"):
        post_action(client_a, Registration, action, [mine, theirs])
    theirs.refresh_from_db()
    assert theirs.status == CONFIRMED and theirs.checked_in_at is None
    mine.refresh_from_db()
    assert mine.checked_in_at is not None


def test_the_event_page_lists_only_its_registrations_and_offers_own_residents(
    client_a, station_a, station_b
):
    event = factories.EventFactory(station=station_a)
    registration = register(event)[0]
    factories.ResidentFactory(station=station_b)
    response = client_a.get(admin_path("events_event_change", event.pk))
    assert response.status_code == 200
    shown, new = (inline.formset for inline in response.context["inline_admin_formsets"])
    assert [f.instance for f in shown.forms] == [registration]
    stations = {r.station_id for r in new.forms[0].fields["resident"].queryset}
    assert stations == {station_a.pk}


# --- registering through the admin uses the same rules ----------------------------------


def test_adding_a_registration_to_a_full_event_puts_it_on_the_waiting_list(client_a, station_a):
    event = factories.EventFactory(station=station_a, capacity=1)
    register(event)
    resident = factories.ResidentFactory(station=station_a, given_name="Lena")
    response = client_a.post(
        admin_path("events_registration_add"), {"event": event.pk, "resident": resident.pk}
    )
    assert response.status_code == 302
    registration = Registration.objects.get(resident=resident)
    assert registration.status == WAITLISTED
    assert any("on the waiting list, position 1" in m for m in messages_of(response))


def test_registering_for_an_unpublished_event_shows_why(client_a, station_a):
    event = factories.EventFactory(station=station_a, is_published=False)
    resident = factories.ResidentFactory(station=station_a)
    response = client_a.post(
        admin_path("events_registration_add"), {"event": event.pk, "resident": resident.pk}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["event"] == [
        "This event is not published yet."
    ]
    assert not Registration.objects.exists()


def test_registering_twice_shows_why(client_a, station_a):
    existing = register(factories.EventFactory(station=station_a))[0]
    response = client_a.post(
        admin_path("events_registration_add"),
        {"event": existing.event_id, "resident": existing.resident_id},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "This resident is already registered for this event."
    ]


def test_residents_are_registered_from_the_event_page(client_a, station_a):
    event = factories.EventFactory(station=station_a, capacity=1)
    register(event)
    newcomer = factories.ResidentFactory(station=station_a)
    page = client_a.get(admin_path("events_event_change", event.pk))
    prefix = new_registration_prefix(page)
    data = event_post_data(event, page, **{f"{prefix}-0-resident": newcomer.pk})
    response = client_a.post(admin_path("events_event_change", event.pk), data)
    assert response.status_code == 302, response.context["errors"]
    assert Registration.objects.get(resident=newcomer).status == WAITLISTED


def test_a_refused_registration_on_the_event_page_is_shown_on_the_row(client_a, station_a):
    event = factories.EventFactory(station=station_a)
    existing = register(event)[0]
    page = client_a.get(admin_path("events_event_change", event.pk))
    prefix = new_registration_prefix(page)
    data = event_post_data(event, page, **{f"{prefix}-0-resident": existing.resident_id})
    response = client_a.post(admin_path("events_event_change", event.pk), data)
    assert response.status_code == 200
    errors = [
        e
        for inline in response.context["inline_admin_formsets"]
        for e in inline.formset.errors
        if e
    ]
    assert errors == [{"__all__": ["This resident is already registered for this event."]}]
    assert Registration.objects.count() == 1


def test_raising_the_capacity_in_the_admin_confirms_waiting_people(client_a, station_a):
    event = factories.EventFactory(station=station_a, capacity=1)
    _, waiting = register(event, 2)
    page = client_a.get(admin_path("events_event_change", event.pk))
    response = client_a.post(
        admin_path("events_event_change", event.pk), event_post_data(event, page, capacity=2)
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == CONFIRMED
    assert any("moved up from the waiting list" in m for m in messages_of(response))


def test_an_event_ending_before_it_starts_is_refused_on_the_form(client_a, station_a):
    event = factories.EventFactory(station=station_a)
    page = client_a.get(admin_path("events_event_change", event.pk))
    date, time = local_parts(event.starts_at - timedelta(hours=1))
    data = event_post_data(event, page, ends_at_0=date, ends_at_1=time)
    response = client_a.post(admin_path("events_event_change", event.pk), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["ends_at"] == [
        "The end must be after the start."
    ]


def test_an_event_is_added_at_the_staff_members_station(client_a, station_a):
    category = factories.EventCategoryFactory()
    start = timezone.now() + timedelta(days=3)
    data = {
        "station": station_a.pk,
        "category": category.pk,
        "title_zh_hans": "中秋博饼",
        "title_en": "Mid-Autumn dice game",
        "capacity": "30",
        "is_published": "on",
    }
    data["starts_at_0"], data["starts_at_1"] = local_parts(start)
    data["ends_at_0"], data["ends_at_1"] = local_parts(start + timedelta(hours=2))
    response = client_a.post(admin_path("events_event_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = Event.objects.get()
    assert event.station == station_a
    assert event.title_zh_hans == "中秋博饼" and event.title_en == "Mid-Autumn dice game"


def test_the_event_form_puts_both_languages_side_by_side(client_a, station_a):
    event = factories.EventFactory(station=station_a)
    content = client_a.get(admin_path("events_event_change", event.pk)).content.decode()
    assert "field-title_zh_hans field-title_en" in content
    assert "field-description_zh_hans field-description_en" in content


# --- list actions -----------------------------------------------------------------------


def test_check_in_selected_checks_in_confirmed_and_explains_the_rest(client_a, station_a):
    event = factories.EventFactory(station=station_a, capacity=1)
    confirmed, waiting = register(event, 2)
    response = post_action(client_a, Registration, "check_in_selected", [confirmed, waiting])
    confirmed.refresh_from_db()
    waiting.refresh_from_db()
    assert confirmed.checked_in_at is not None
    assert waiting.checked_in_at is None
    shown = messages_of(response)
    assert "1 person was checked in." in shown
    refusal = "This person is on the waiting list; only a confirmed registration can be checked in."
    assert f"{waiting}: {refusal}" in shown


def test_the_checked_in_filter_splits_the_registrations(client_a, station_a):
    came, missing = register(factories.EventFactory(station=station_a), 2)
    came.checked_in_at = timezone.now()
    came.save()
    path = admin_path("events_registration_changelist")
    for value, expected in (("yes", came), ("no", missing)):
        response = client_a.get(path, {"checked_in": value})
        assert list(response.context["cl"].result_list) == [expected]


def test_cancel_selected_cancels_and_reports_who_moved_up(client_a, station_a):
    event = factories.EventFactory(station=station_a, capacity=1)
    confirmed, waiting = register(event, 2)
    response = post_action(client_a, Registration, "cancel_selected", [confirmed])
    confirmed.refresh_from_db()
    waiting.refresh_from_db()
    assert confirmed.status == CANCELLED
    assert waiting.status == CONFIRMED
    shown = messages_of(response)
    assert "1 registration was cancelled." in shown
    assert any(str(waiting.resident) in m and "moved up" in m for m in shown)


def test_deleting_a_confirmed_registration_moves_the_waiting_list_up(client_a, station_a):
    event = factories.EventFactory(station=station_a, capacity=1)
    confirmed, waiting = register(event, 2)
    response = client_a.post(
        admin_path("events_registration_delete", confirmed.pk), {"post": "yes"}
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == CONFIRMED
    assert not Registration.objects.filter(pk=confirmed.pk).exists()


def test_a_registration_page_shows_the_record_without_editing_it(client_a, station_a):
    registration = register(factories.EventFactory(station=station_a))[0]
    response = client_a.get(admin_path("events_registration_change", registration.pk))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    response = client_a.post(
        admin_path("events_registration_change", registration.pk), {"status": CANCELLED}
    )
    assert response.status_code == 403
    registration.refresh_from_db()
    assert registration.status == CONFIRMED


def test_events_can_be_deleted_from_the_list(client_a, station_a):
    event = factories.EventFactory(station=station_a)
    register(event, 2)
    response = post_action(client_a, Event, "delete_selected", [event], post="yes")
    assert response.status_code == 302
    assert not Event.objects.exists()


# --- the category catalogue ---------------------------------------------------------------


def test_station_staff_read_the_category_catalogue_but_cannot_change_it(client_a):
    category = factories.EventCategoryFactory()
    assert client_a.get(admin_path("events_eventcategory_changelist")).status_code == 200
    assert client_a.get(admin_path("events_eventcategory_add")).status_code == 403
    response = client_a.post(
        admin_path("events_eventcategory_change", category.pk),
        {"name_zh_hans": "改", "name_en": "Changed", "slug": "changed", "ordering": 1},
    )
    assert response.status_code == 403
    category.refresh_from_db()
    assert category.slug == "cultural-exchange"
    assert EventCategory.objects.count() == 1


# --- list pages stay cheap -----------------------------------------------------------------


def test_the_event_list_does_not_grow_in_queries_with_rows(client_a, station_a):
    def add(n):
        for _ in range(n):
            register(factories.EventFactory(station=station_a, capacity=1), 2)

    few, _ = assert_list_queries_do_not_grow(
        client_a, admin_path("events_event_changelist"), add, few=3, many=30
    )
    rows = few.context["cl"].result_list
    assert [(e.places_taken, e.waitlist_count) for e in rows] == [(1, 1)] * 3


def test_the_registration_list_does_not_grow_in_queries_with_rows(client_a, station_a):
    assert_list_queries_do_not_grow(
        client_a,
        admin_path("events_registration_changelist"),
        lambda n: register(factories.EventFactory(station=station_a), n),
        few=3,
        many=30,
    )
