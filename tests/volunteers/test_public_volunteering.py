"""A resident volunteers on the public site, in English and in Chinese:
opportunities with free places, signing up and withdrawing, logging hours and
seeing the approved total; full shifts, second sign-ups and impossible hours
are refused with a clear message and change nothing."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from residents.models import Resident
from tests import factories
from volunteers.models import HoursEntry, Signup
from volunteers.selectors import volunteer_hours_summary
from volunteers.services import hours_entry_create, hours_entry_review

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
LANGUAGES = ["en", "zh-hans"]
ACTIVE = Signup.Status.ACTIVE


def url(language, name, *args):
    with translation.override(language):
        return reverse(f"volunteers:{name}", args=args)


def text(language, message, **values):
    """`message` (an English message id) as the person reads it in `language`."""
    with translation.override(language):
        translated = translation.gettext(message)
    return translated % values if values else translated


def chinese_when(language, value) -> bool:
    return bool(CJK.search(value)) == (language == "zh-hans")


@pytest.fixture
def opportunity(station_a):
    return factories.OpportunityFactory(
        station=station_a,
        title_en="Interpreting at the free clinic",
        title_zh_hans="义诊翻译",
        description_en="Help doctors and residents understand each other.",
    )


@pytest.fixture
def shift(opportunity):
    return factories.ShiftFactory(opportunity=opportunity, capacity=2)


@pytest.fixture
def resident(station_a):
    return factories.ResidentFactory(station=station_a, user=factories.UserFactory())


@pytest.fixture
def logged_in(client, resident):
    client.force_login(resident.user)
    return client


def yesterday():
    return timezone.localdate() - timedelta(days=1)


# --- opportunities ------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_list_shows_published_opportunities_with_free_places(
    language, client, station_a, station_b, opportunity, shift
):
    factories.SignupFactory(shift=shift)
    hidden = factories.OpportunityFactory(station=station_a, is_published=False)
    closed = factories.OpportunityFactory(station=station_b)
    station_b.is_active = False
    station_b.save()
    response = client.get(url(language, "list"))
    assert response.status_code == 200
    assert response.context["opportunities"] == [opportunity]
    page = response.content.decode()
    assert url(language, "opportunity", opportunity.pk) in page
    assert text(language, "%(left)s place left", left=1) in page
    for other in (hidden, closed):
        assert client.get(url(language, "opportunity", other.pk)).status_code == 404


def test_the_list_filters_by_station_and_kind(client, station_a, station_b, opportunity):
    other = factories.OpportunityFactory(station=station_b, category="interpretation")
    by_station = client.get(url("en", "list"), {"station": station_b.slug})
    assert by_station.context["opportunities"] == [other]
    by_kind = client.get(url("en", "list"), {"category": "environment"})
    assert by_kind.context["opportunities"] == [opportunity]


def test_past_shifts_are_not_offered(client, opportunity):
    factories.ShiftFactory(
        opportunity=opportunity,
        starts_at=timezone.now() - timedelta(days=1),
        ends_at=timezone.now() - timedelta(days=1) + timedelta(hours=2),
    )
    future = factories.ShiftFactory(opportunity=opportunity)
    response = client.get(url("en", "opportunity", opportunity.pk))
    assert [s for s, _mine in response.context["rows"]] == [future]


# --- signing up and withdrawing ---------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_resident_signs_up_and_withdraws(language, logged_in, resident, opportunity, shift):
    page = url(language, "opportunity", opportunity.pk)
    assert url(language, "signup", shift.pk) in logged_in.get(page).content.decode()
    done = logged_in.post(url(language, "signup", shift.pk))
    assert done.status_code == 302
    assert done["Location"] == page
    signup = Signup.objects.get()
    assert (signup.volunteer, signup.status) == (resident, ACTIVE)
    shown = logged_in.get(page)
    assert text(language, "You are signed up for this shift. Thank you!") in (
        shown.content.decode()
    )
    assert shown.context["rows"] == [(shift, signup)]
    assert text(language, "%(left)s place left", left=1) in shown.content.decode()

    mine = logged_in.get(url(language, "hours"))
    assert mine.context["signups"] == [signup]

    withdrawn = logged_in.post(url(language, "withdraw", signup.pk), {"next": page})
    assert withdrawn.status_code == 302
    assert withdrawn["Location"] == page
    signup.refresh_from_db()
    assert signup.status == Signup.Status.WITHDRAWN
    # withdrawing twice is refused and changes nothing
    again = logged_in.post(url(language, "withdraw", signup.pk))
    assert again.status_code == 409
    assert chinese_when(language, again.context["error"])


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_full_shift_answers_409_with_the_reason(language, logged_in, opportunity, shift):
    factories.SignupFactory(shift=shift)
    factories.SignupFactory(shift=shift)
    response = logged_in.post(url(language, "signup", shift.pk))
    assert response.status_code == 409
    assert chinese_when(language, response.context["error"])
    assert response.context["error"] in response.content.decode()
    assert Signup.objects.filter(status=ACTIVE).count() == 2


@pytest.mark.parametrize("language", LANGUAGES)
def test_signing_up_twice_answers_409(language, logged_in, resident, shift):
    factories.SignupFactory(shift=shift, volunteer=resident)
    response = logged_in.post(url(language, "signup", shift.pk))
    assert response.status_code == 409
    assert response.context["error"] == text(language, "You have already signed up for this shift.")
    assert Signup.objects.count() == 1


def test_a_shift_that_has_started_answers_409(logged_in, opportunity):
    started = factories.ShiftFactory(
        opportunity=opportunity,
        starts_at=timezone.now() - timedelta(minutes=5),
        ends_at=timezone.now() + timedelta(hours=2),
    )
    response = logged_in.post(url("en", "signup", started.pk))
    assert response.status_code == 409
    assert "sign-ups are closed" in response.context["error"]
    assert not Signup.objects.exists()


def test_signing_up_at_another_station_makes_a_profile_there(
    logged_in, resident, station_b
):
    shift = factories.ShiftFactory(opportunity__station=station_b)
    assert logged_in.post(url("en", "signup", shift.pk)).status_code == 302
    signup = Signup.objects.get()
    assert signup.volunteer.station == station_b
    assert signup.volunteer.user == resident.user


def test_a_refused_sign_up_leaves_no_new_profile(logged_in, resident, station_b):
    shift = factories.ShiftFactory(opportunity__station=station_b, capacity=1)
    factories.SignupFactory(shift=shift)
    assert logged_in.post(url("en", "signup", shift.pk)).status_code == 409
    assert not Resident.objects.filter(user=resident.user, station=station_b).exists()


def test_anonymous_visitors_are_sent_to_log_in(client, opportunity, shift):
    response = client.post(url("en", "signup", shift.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))
    assert response["Location"].endswith("?next=" + url("en", "opportunity", opportunity.pk))
    assert client.get(url("en", "signup", shift.pk)).status_code == 405
    assert not Signup.objects.exists()


def test_only_ones_own_sign_up_can_be_withdrawn(client, station_a, shift):
    theirs = factories.SignupFactory(shift=shift)
    someone = factories.ResidentFactory(station=station_a, user=factories.UserFactory())
    client.force_login(someone.user)
    assert client.post(url("en", "withdraw", theirs.pk)).status_code == 404
    assert client.post(url("en", "withdraw", 987654)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ACTIVE


def test_an_unpublished_opportunitys_shift_answers_404(logged_in, station_a):
    hidden = factories.ShiftFactory(opportunity__station=station_a, opportunity__is_published=False)
    assert logged_in.post(url("en", "signup", hidden.pk)).status_code == 404
    assert not Signup.objects.exists()


# --- hours ------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_resident_logs_hours_and_sees_the_approved_total(
    language, logged_in, resident, opportunity, staff_a
):
    page = url(language, "hours")
    form = logged_in.get(page)
    assert form.status_code == 200
    done = logged_in.post(
        page,
        {
            "date": yesterday().isoformat(),
            "hours": "2.5",
            "opportunity": opportunity.pk,
            "description": "Interpreting for two families",
        },
    )
    assert done.status_code == 302
    entry = HoursEntry.objects.get()
    assert (entry.volunteer, entry.hours, entry.status) == (
        resident,
        Decimal("2.5"),
        HoursEntry.Status.PENDING,
    )
    shown = logged_in.get(page)
    assert shown.context["summary"].pending == [entry]
    assert shown.context["summary"].approved_total == 0
    assert text(language, "Your hours are logged. They count once the station approves them.") in (
        shown.content.decode()
    )
    hours_entry_review(entry=entry, approve=True, actor=staff_a)
    approved = logged_in.get(page)
    assert approved.context["summary"].approved_total == Decimal("2.5")
    assert approved.context["summary"].pending == []
    assert "<dd>2.50</dd>" in approved.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("hours", "day"),
    [("25", 1), ("0", 1), ("3", -1), ("abc", 1)],
    ids=["over 24", "zero", "future day", "not a number"],
)
def test_impossible_hours_are_refused_next_to_the_field(
    language, logged_in, opportunity, hours, day
):
    date = timezone.localdate() - timedelta(days=day)
    response = logged_in.post(
        url(language, "hours"),
        {"date": date.isoformat(), "hours": hours, "opportunity": opportunity.pk},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    field = "date" if day < 0 else "hours"
    assert list(errors) == [field]
    assert all(chinese_when(language, e) for e in errors[field])
    page = response.content.decode()
    assert re.search(f'aria-describedby="[^"]*id_{field}_error"', page)
    # what was typed stays in the form
    assert f'value="{hours}"' in page
    assert not HoursEntry.objects.exists()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_days_hours_together_stay_within_24(language, logged_in, resident, opportunity):
    day = yesterday()
    hours_entry_create(
        station=resident.station, volunteer=resident, actor=None, date=day, hours=Decimal("20")
    )
    response = logged_in.post(
        url(language, "hours"),
        {"date": day.isoformat(), "hours": "5", "opportunity": opportunity.pk},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["hours"] == [
        text(
            language,
            "%(logged)s hours are already logged for this day, and a day has 24: "
            "at most %(left)s more can be logged.",
            logged="20",
            left="4",
        )
    ]
    assert HoursEntry.objects.count() == 1
    # four more still fit
    ok = logged_in.post(
        url(language, "hours"),
        {"date": day.isoformat(), "hours": "4", "opportunity": opportunity.pk},
    )
    assert ok.status_code == 302
    assert HoursEntry.objects.count() == 2


def test_rejected_hours_do_not_count_against_the_day(resident, staff_a):
    day = yesterday()
    entry = hours_entry_create(
        station=resident.station, volunteer=resident, actor=None, date=day, hours=Decimal("20")
    )
    hours_entry_review(entry=entry, approve=False, actor=staff_a)
    hours_entry_create(
        station=resident.station, volunteer=resident, actor=None, date=day, hours=Decimal("10")
    )


def test_hours_may_name_a_shift_the_person_was_signed_up_for(logged_in, resident, opportunity):
    past = factories.ShiftFactory(
        opportunity=opportunity,
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=2) + timedelta(hours=3),
    )
    factories.SignupFactory(shift=past, volunteer=resident)
    not_mine = factories.ShiftFactory(
        opportunity=opportunity,
        starts_at=timezone.now() - timedelta(days=3),
        ends_at=timezone.now() - timedelta(days=3) + timedelta(hours=3),
    )
    data = {"date": yesterday().isoformat(), "hours": "3", "opportunity": opportunity.pk}
    refused = logged_in.post(url("en", "hours"), {**data, "shift": not_mine.pk})
    assert refused.status_code == 400
    assert "shift" in refused.context["form"].errors
    assert logged_in.post(url("en", "hours"), {**data, "shift": past.pk}).status_code == 302
    assert HoursEntry.objects.get().shift == past


def test_logging_hours_needs_an_account(client):
    response = client.get(url("en", "hours"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


def test_the_summary_counts_every_station_of_the_person(resident, station_b, staff_a):
    elsewhere = factories.ResidentFactory(station=station_b, user=resident.user)
    for profile, hours in ((resident, "2"), (elsewhere, "3")):
        entry = hours_entry_create(
            station=profile.station, volunteer=profile, actor=None, date=yesterday(),
            hours=Decimal(hours),
        )
        if profile is resident:
            hours_entry_review(entry=entry, approve=True, actor=staff_a)
    summary = volunteer_hours_summary(resident.user)
    assert (summary.approved_total, summary.pending_total) == (Decimal("2"), Decimal("3"))
    stranger = factories.UserFactory()
    assert volunteer_hours_summary(stranger).is_empty


# --- fixed query counts -----------------------------------------------------------------------


def _queries(client, path):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured), response


def test_the_list_does_not_grow_with_opportunities_and_shifts(client, station_a, station_b):
    def add(n):
        for i in range(n):
            opportunity = factories.OpportunityFactory(station=station_a if i % 2 else station_b)
            for _ in range(3):
                shift = factories.ShiftFactory(opportunity=opportunity)
                factories.SignupFactory(shift=shift)

    path = url("en", "list")
    add(1)
    client.get(path)
    few, response = _queries(client, path)
    assert len(response.context["opportunities"]) == 1
    add(5)
    many, response = _queries(client, path)
    assert len(response.context["opportunities"]) == 6
    assert many == few


def test_the_opportunity_page_does_not_grow_with_shifts(logged_in, resident, opportunity):
    def add(n):
        for _ in range(n):
            shift = factories.ShiftFactory(opportunity=opportunity)
            factories.SignupFactory(shift=shift, volunteer=resident)

    path = url("en", "opportunity", opportunity.pk)
    add(1)
    logged_in.get(path)
    few, _ = _queries(logged_in, path)
    add(6)
    many, response = _queries(logged_in, path)
    assert len(response.context["rows"]) == 7
    assert many == few


def test_the_hours_page_does_not_grow_with_entries(logged_in, resident, opportunity):
    def add(n):
        for i in range(n):
            hours_entry_create(
                station=resident.station,
                volunteer=resident,
                actor=None,
                opportunity=opportunity,
                date=timezone.localdate() - timedelta(days=i + 1),
                hours=Decimal("1"),
            )
            factories.SignupFactory(
                shift=factories.ShiftFactory(opportunity=opportunity), volunteer=resident
            )

    path = url("en", "hours")
    add(1)
    logged_in.get(path)
    few, _ = _queries(logged_in, path)
    add(5)
    many, response = _queries(logged_in, path)
    assert len(response.context["summary"].pending) == 6
    assert many == few
