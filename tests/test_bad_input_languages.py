"""Bad input gets a clear message in the person's language, and nothing that was
already saved is lost."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from events.models import Event
from events.services import registration_create
from tests import factories
from tests.helpers import admin_url, form_values_of

CJK = re.compile(r"[\u4e00-\u9fff]")


def messages_in(language: str, build):
    """The validation messages of the object `build()` returns, in `language`."""
    with translation.override(language):
        with pytest.raises(ValidationError) as caught:
            obj = build()
            obj.full_clean()
        return [str(m) for m in caught.value.messages]


def _event_ending_first():
    event = factories.EventFactory.build(station=factories.StationFactory())
    event.ends_at = event.starts_at - timedelta(hours=1)
    return event


def _negative_capacity():
    return factories.EventFactory.build(station=factories.StationFactory(), capacity=0)


def _negative_hours():
    entry = factories.HoursEntryFactory.build(station=factories.StationFactory())
    entry.volunteer = factories.ResidentFactory(station=entry.station)
    entry.hours = Decimal("-2")
    return entry


def _unknown_country():
    return factories.ResidentFactory.build(station=factories.StationFactory(), nationality="XX")


def _bad_phone():
    return factories.ResidentFactory.build(station=factories.StationFactory(), phone="12345")


def _bad_email():
    return factories.ResidentFactory.build(station=factories.StationFactory(), email="anna@")


CASES = {
    "end before start": (_event_ending_first, "The end must be after the start."),
    "capacity below one": (
        _negative_capacity,
        "The capacity must be at least 1, or empty for no limit.",
    ),
    "negative hours": (_negative_hours, "Ensure this value is greater than or equal to 0.25."),
    "unknown country": (_unknown_country, "Value 'XX' is not a valid choice."),
    "malformed phone": (
        _bad_phone,
        "Enter a phone number in international format, e.g. +86 138 0000 0000.",
    ),
    "malformed e-mail": (_bad_email, "Enter a valid email address."),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_model_validation_speaks_both_languages(case):
    build, english = CASES[case]
    assert english in messages_in("en", build)
    chinese = messages_in("zh-hans", build)
    assert english not in chinese
    assert any(CJK.search(message) for message in chinese), chinese


@pytest.mark.django_db
def test_registration_refusals_speak_both_languages():
    event = factories.EventFactory(is_published=False)
    resident = factories.ResidentFactory(station=event.station)
    refusals = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            with pytest.raises(ValidationError) as caught:
                registration_create(event=event, resident=resident)
            refusals[language] = [str(m) for m in caught.value.messages]
    assert refusals["en"] == ["This event is not published yet."]
    assert CJK.search(refusals["zh-hans"][0])


@pytest.mark.django_db
def test_a_refused_admin_edit_keeps_the_saved_row_and_what_was_typed(client_a, station_a):
    event = factories.EventFactory(station=station_a, title_en="Tree planting", capacity=30)
    saved = Event.objects.values().get(pk=event.pk)
    url = admin_url(Event, "change", event.pk).replace("/en/", "/zh-hans/", 1)
    page = client_a.get(url)
    data = form_values_of(page)
    data.update(
        {
            "title_en": "Tree planting on Arbor Day",
            "capacity": "-5",
            "ends_at_0": (timezone.localtime(event.starts_at) - timedelta(days=1)).strftime(
                "%Y-%m-%d"
            ),
        }
    )
    response = client_a.post(url, data)
    assert response.status_code == 200  # the form again, not a redirect
    html = response.content.decode()
    assert "Tree planting on Arbor Day" in html  # what was typed is kept
    errors = response.context["adminform"].form.errors
    assert set(errors) >= {"capacity"}
    assert all(CJK.search(m) for field in errors.values() for m in field)
    assert Event.objects.values().get(pk=event.pk) == saved
