"""`manage.py generate_city` (docs/load.md): the rows it promises, dated so
that nothing that cannot have happened yet lies in the future, the same rows
for the same seed, and a prefix that is taken refused."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from consultations.models import Consultation
from events.models import Event, Registration
from residents.models import Resident
from stations.management.commands.generate_city import generate_city
from stations.models import Partner, Region, Station
from volunteers.models import HoursEntry

pytestmark = pytest.mark.django_db


def test_the_city_has_its_stations_and_their_activity_in_both_languages():
    counts = generate_city(stations=3, scale=0.05, seed=7, prefix="t")

    stations = Station.objects.filter(slug__startswith="t-")
    assert counts == {
        "stations": 3, "partners": 9, "opportunities": 9, "residents": 225, "events": 4,
        "registrations": 80, "consultations": 90, "hours_entries": 45,
    }
    assert stations.count() == 3
    assert Resident.objects.filter(station__in=stations).count() == 225
    assert Registration.objects.filter(station__in=stations).count() == 80
    assert Consultation.objects.filter(station__in=stations).count() == 90
    assert HoursEntry.objects.filter(station__in=stations).count() == 45
    assert Partner.objects.filter(station__in=stations).count() == 9
    city = Region.objects.get(code="t-city")
    assert (city.name_zh_hans, city.name_en) == ("厦门市", "Xiamen")
    for station in stations:
        assert station.region.parent.parent == city
        assert station.name_zh_hans.endswith("国际服务分站")
        assert "International Service Sub-station" in station.name_en
    residents = Resident.objects.filter(station__in=stations)
    assert all(r.family_name and r.languages for r in residents)
    assert residents.exclude(chinese_name="").exists()
    assert residents.values("nationality").distinct().count() > 10


def test_nothing_that_cannot_have_happened_yet_is_in_the_future():
    generate_city(stations=2, scale=1.0, seed=3, prefix="f")
    now = timezone.now()
    stations = Station.objects.filter(slug__startswith="f-")
    upcoming = Event.objects.filter(station__in=stations, starts_at__gt=now)
    assert upcoming.exists()  # the two years end about two months from today
    assert not Registration.objects.filter(event__in=upcoming, checked_in_at__isnull=False)
    assert not Consultation.objects.filter(
        station__in=stations, starts_at__gt=now, status__in=["completed", "no_show"]
    ).exists()
    assert not HoursEntry.objects.filter(
        station__in=stations, date__gt=timezone.localdate(now)
    ).exists()
    assert not Resident.objects.filter(station__in=stations, registered_at__gt=now).exists()


def test_the_same_seed_gives_the_same_people():
    generate_city(stations=2, scale=0.02, seed=11, prefix="a")
    generate_city(stations=2, scale=0.02, seed=11, prefix="b")

    def people(prefix):
        return list(
            Resident.objects.filter(station__slug__startswith=f"{prefix}-")
            .order_by("pk")
            .values_list("family_name", "given_name", "nationality", "category")
        )

    assert people("a") == people("b")
    assert len(people("a")) == 60


def test_the_command_reports_and_refuses_a_prefix_that_is_taken():
    out = StringIO()
    call_command("generate_city", "--stations", "2", "--scale", "0.02", "--prefix", "cmd",
                 stdout=out, stderr=StringIO())
    assert "generated in" in out.getvalue() and "60 residents" in out.getvalue()
    with pytest.raises(CommandError, match="prefix 'cmd' exists already"):
        call_command("generate_city", "--stations", "2", "--prefix", "cmd", stderr=StringIO())
