"""Each figure of the yearly summary against hand-built data whose right answer
is known, with the edge cases docs/summaries.md names."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from consultations.models import Consultation
from events.models import Registration
from residents.models import Resident
from stations.periods import SUMMARY_TZ
from stations.summary import (
    build_summary,
    merge_small_cells,
    scope_for_region,
    scope_for_station,
)
from tests import factories
from volunteers.models import HoursEntry, Opportunity

pytestmark = pytest.mark.django_db
YEAR = 2025


def at(y, m, d, h=10, minute=0):
    """A moment in Shanghai time."""
    return datetime(y, m, d, h, minute, tzinfo=SUMMARY_TZ)


def summary(station, year=YEAR, language="en"):
    return build_summary(scope_for_station(station), year, language)


def values(s, key):
    line = s.line(key)
    return line.current, line.previous


def cells(s, key):
    return {c.label: (c.current, c.previous) for c in s.line(key).cells}


def residents(station, n, **kw):
    return [factories.ResidentFactory(station=station, **kw) for _ in range(n)]


def test_a_year_without_data_gives_zeros(station_a):
    s = summary(station_a, 2003)
    for section in s.sections:
        for line in section.lines:
            assert (line.current, line.previous) == (0, 0), line.key
            assert line.cells == []


def test_residents_at_year_end_new_in_year_countries_and_breakdowns(station_a, station_b):
    residents(station_a, 3, nationality="DE", registered_at=at(2024, 5, 1))
    # registered a minute before 2025 began in Shanghai (already 2025 in no
    # other zone that matters): last year's
    residents(station_a, 1, nationality="FR", registered_at=at(2024, 12, 31, 23, 59))
    # the first minutes of 2025 in Shanghai are still 2024 in UTC: this year's
    residents(station_a, 3, nationality="US", registered_at=at(2025, 1, 1, 0, 5))
    residents(
        station_a,
        3,
        nationality="KR",
        category=Resident.Category.RETURNED_OVERSEAS_CHINESE,
        registered_at=at(2025, 6, 1),
    )
    residents(station_a, 2, nationality="JP", registered_at=at(2026, 1, 2))  # next year
    residents(station_b, 5, nationality="IT", registered_at=at(2025, 3, 1))  # other station

    s = summary(station_a)
    assert values(s, "residents_total") == (10, 4)
    assert values(s, "residents_new") == (6, 4)
    assert values(s, "countries") == (4, 2)
    # France holds one person in each year: merged into "other" with the next
    # smallest cell so that "other" never points to fewer than 3 people
    by_nationality = cells(s, "residents_by_nationality")
    assert "France" not in by_nationality
    assert by_nationality["Other"][0] >= 3
    assert sum(v[0] for v in by_nationality.values()) == 10
    by_category = cells(s, "residents_by_category")
    assert by_category["Returned overseas Chinese"] == (3, 0)
    assert by_category["Foreign national"] == (7, 4)


def test_events_held_check_ins_participants(station_a):
    culture = factories.EventCategoryFactory(slug="culture", name_en="Culture", name_zh_hans="文化")
    clinic = factories.EventCategoryFactory(
        slug="clinic", name_en="Free clinic", name_zh_hans="义诊"
    )
    e1 = factories.EventFactory(
        station=station_a,
        category=culture,
        starts_at=at(2025, 1, 1, 0, 30),
        ends_at=at(2025, 1, 1, 2),
    )
    e2 = factories.EventFactory(
        station=station_a, category=clinic, starts_at=at(2025, 7, 1), ends_at=at(2025, 7, 1, 12)
    )
    e_last = factories.EventFactory(
        station=station_a,
        category=culture,
        starts_at=at(2024, 12, 31, 23),
        ends_at=at(2024, 12, 31, 23, 30),
    )
    factories.EventFactory(  # unpublished: never held
        station=station_a,
        category=culture,
        starts_at=at(2025, 3, 1),
        ends_at=at(2025, 3, 1, 12),
        is_published=False,
    )
    people = residents(station_a, 5)
    checked = at(2025, 1, 1, 1)
    for person in people[:4]:
        factories.RegistrationFactory(event=e1, resident=person, checked_in_at=checked)
    for person in people[:3]:
        factories.RegistrationFactory(event=e2, resident=person, checked_in_at=checked)
    # a no-show, a cancellation and a waiting-list place do not count
    factories.RegistrationFactory(event=e2, resident=people[4])
    factories.RegistrationFactory(
        event=e1, resident=people[4], status=Registration.Status.CANCELLED, cancelled_at=checked
    )
    factories.RegistrationFactory(
        event=e2,
        resident=factories.ResidentFactory(station=station_a),
        status=Registration.Status.WAITLISTED,
    )
    for person in people[:3]:
        factories.RegistrationFactory(event=e_last, resident=person, checked_in_at=checked)

    s = summary(station_a)
    assert values(s, "events_held") == (2, 1)
    assert values(s, "participant_times") == (7, 3)
    assert values(s, "participants") == (4, 3)
    assert cells(s, "events_by_category") == {"Culture": (1, 1), "Free clinic": (1, 0)}
    assert cells(s, "participant_times_by_category") == {"Culture": (4, 3), "Free clinic": (3, 0)}


def test_future_events_of_the_running_year_are_not_held(station_a):
    factories.EventFactory(station=station_a)  # a week ahead
    s = summary(station_a, date.today().year)
    assert values(s, "events_held")[0] == 0


def test_consultations_completed_topics_channels_sensitive(station_a):
    visas = factories.TopicFactory(slug="visas", name_en="Visas", name_zh_hans="签证")
    covid = factories.TopicFactory(
        slug="health-code", name_en="Health code", name_zh_hans="健康码", is_epidemic_related=True
    )
    psych = factories.TopicFactory(
        slug="psych",
        name_en="Psychological counselling",
        name_zh_hans="心理咨询",
        is_sensitive=True,
    )
    people = residents(station_a, 4)
    counsellor = factories.CounsellorFactory(station=station_a)
    start = at(2025, 2, 3, 9)

    def consult(person, topic, n, status=Consultation.Status.COMPLETED, minutes=60, **kw):
        consultation = factories.ConsultationFactory(
            station=station_a,
            resident=person,
            topic=topic,
            counsellor=counsellor,
            starts_at=start + timedelta(days=n),
            ends_at=start + timedelta(days=n, minutes=minutes),
            status=status,
            **kw,
        )
        return consultation

    for i, person in enumerate(people[:3]):
        consult(person, visas, i, channel="phone")
    consult(people[0], covid, 10)
    consult(people[0], psych, 11, minutes=90)
    consult(people[0], psych, 12, minutes=30)
    consult(people[1], psych, 13, minutes=45)
    # booked and never recorded as held, cancelled, no-show: none count
    consult(people[3], visas, 20, status=Consultation.Status.BOOKED)
    consult(people[3], visas, 21, status=Consultation.Status.CANCELLED)
    consult(people[3], psych, 22, status=Consultation.Status.NO_SHOW)
    for n, person in enumerate(people[1:]):  # last year: three people, two hours each
        factories.ConsultationFactory(
            station=station_a,
            resident=person,
            topic=psych,
            counsellor=counsellor,
            starts_at=at(2024, 5, 5 + n),
            ends_at=at(2024, 5, 5 + n, 12),
            status=Consultation.Status.COMPLETED,
        )

    s = summary(station_a)
    assert values(s, "consultations") == (7, 3)
    assert values(s, "consultations_epidemic") == (1, 0)
    assert values(s, "sensitive_hours") == (Decimal("2.75"), Decimal("6.00"))
    assert values(s, "sensitive_people") == (2, 3)
    # the epidemic topic (one person) and psychological counselling (two
    # people this year) are merged into "other", which then holds 3 people
    assert cells(s, "consultations_by_topic") == {"Visas": (3, 0), "Other": (4, 3)}
    # at the station: two people this year; "other" would hold only them, so
    # the phone cell joins it
    assert cells(s, "consultations_by_channel") == {"Other": (7, 3)}


def test_volunteering_hours_volunteers_shifts(station_a):
    env = factories.OpportunityFactory(station=station_a, category=Opportunity.Category.ENVIRONMENT)
    vols = residents(station_a, 4)
    reviewed = at(2025, 12, 31)

    def hours(person, day, amount, status=HoursEntry.Status.APPROVED, opportunity=env):
        return factories.HoursEntryFactory(
            station=station_a,
            volunteer=person,
            opportunity=opportunity,
            date=day,
            hours=Decimal(amount),
            status=status,
            reviewed_at=None if status == HoursEntry.Status.PENDING else reviewed,
        )

    for person in vols[:3]:
        hours(person, date(2025, 1, 1), "2.5")
    hours(vols[0], date(2025, 12, 31), "1.25")
    hours(vols[3], date(2025, 5, 5), "4", opportunity=None)  # no opportunity: "other"
    hours(vols[1], date(2025, 5, 5), "8", status=HoursEntry.Status.REJECTED)
    hours(vols[2], date(2025, 5, 6), "8", status=HoursEntry.Status.PENDING)
    hours(vols[0], date(2024, 12, 31), "3")

    staffed = factories.ShiftFactory(
        opportunity=env, starts_at=at(2025, 3, 1), ends_at=at(2025, 3, 1, 12)
    )
    factories.SignupFactory(shift=staffed, volunteer=vols[0])
    factories.SignupFactory(shift=staffed, volunteer=vols[1])
    withdrawn = factories.ShiftFactory(
        opportunity=env, starts_at=at(2025, 4, 1), ends_at=at(2025, 4, 1, 12)
    )
    factories.SignupFactory(shift=withdrawn, volunteer=vols[0], status="withdrawn")
    factories.ShiftFactory(opportunity=env, starts_at=at(2025, 5, 1), ends_at=at(2025, 5, 1, 12))

    s = summary(station_a)
    assert values(s, "volunteer_hours") == (Decimal("12.75"), Decimal("3"))
    assert values(s, "volunteers") == (4, 1)
    assert values(s, "shifts") == (1, 0)
    # environment: 3 volunteers this year but 1 last year, so merged with the
    # single "other" volunteer into "other"
    assert cells(s, "volunteer_hours_by_category") == {"Other": (Decimal("12.75"), Decimal("3"))}


def test_partners_and_agreements(station_a):
    factories.PartnerFactory(station=station_a, agreement_date=date(2025, 12, 31))
    factories.PartnerFactory(station=station_a, agreement_date=date(2024, 1, 1), kind="law_firm")
    factories.PartnerFactory(station=station_a, agreement_date=None, kind="school")
    factories.PartnerFactory(station=station_a, agreement_date=date(2026, 1, 1))
    s = summary(station_a)
    assert values(s, "partners") == (3, 2)
    assert values(s, "agreements_signed") == (1, 1)
    assert cells(s, "partners_by_kind") == {
        "Hospital": (1, 0),
        "Law firm": (1, 1),
        "School": (1, 1),
    }


def test_region_rolls_up_its_stations_and_counts_countries_once():
    district = factories.RegionFactory.create_district()
    street1 = factories.RegionFactory.create_street(district)
    street2 = factories.RegionFactory.create_street(district)
    s1 = factories.StationFactory(region=factories.RegionFactory(parent=street1))
    s2 = factories.StationFactory(region=factories.RegionFactory(parent=street2))
    elsewhere = factories.StationFactory()
    residents(s1, 3, nationality="DE", registered_at=at(2025, 2, 2))
    residents(s2, 4, nationality="DE", registered_at=at(2025, 2, 2))
    residents(s2, 3, nationality="RU", registered_at=at(2025, 2, 2))
    residents(elsewhere, 9, nationality="BR", registered_at=at(2025, 2, 2))

    s = build_summary(scope_for_region(district), YEAR, "en")
    assert values(s, "residents_total") == (10, 0)
    assert values(s, "countries") == (2, 0)
    assert [u.lines["residents_total"].current for u in s.stations] == [3, 7]
    assert [u.slug for u in s.regions] == [street1.code, street2.code]
    assert [u.lines["residents_total"].current for u in s.regions] == [3, 7]
    assert [u.lines["countries"].current for u in s.regions] == [1, 2]
    # a station that has since closed still counts for the years it worked
    s1.is_active = False
    s1.save()
    closed = build_summary(scope_for_region(district), YEAR, "en")
    assert values(closed, "residents_total") == (10, 0)


def test_labels_follow_the_language(station_a):
    residents(station_a, 3, nationality="DE", registered_at=at(2025, 2, 2))
    s = summary(station_a, language="zh-hans")
    assert cells(s, "residents_by_nationality") == {"德国": (3, 0)}
    assert s.line("residents_total").label == "年末登记居民"


@pytest.mark.parametrize(
    ("cells_in", "expected"),
    [
        # nothing small: kept
        ({"a": [5, 5], "b": [3, 4]}, {"a": [5, 5], "b": [3, 4]}),
        # one small cell is not left alone in "other": the next smallest joins
        ({"a": [9, 9], "b": [4, 4], "c": [1, 0]}, {"a": [9, 9], "other": [5, 4]}),
        # two small cells that together reach 3 people
        ({"a": [9, 9], "b": [2, 0], "c": [1, 0]}, {"a": [9, 9], "other": [3, 0]}),
        # small last year only
        ({"a": [9, 9], "b": [4, 2], "c": [4, 3]}, {"a": [9, 9], "other": [8, 5]}),
        # everything small: all merged
        ({"a": [1, 0], "b": [1, 0]}, {"other": [2, 0]}),
    ],
)
def test_merge_small_cells(cells_in, expected):
    assert merge_small_cells(cells_in, cells_in) == expected


def test_cells_that_count_things_not_people_are_kept():
    assert merge_small_cells({"a": [1, 0]}, None) == {"a": [1, 0]}
