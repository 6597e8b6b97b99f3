"""`manage.py load_demo`: the demo city is complete, consistent, and a second
run duplicates nothing.

The command runs twice, once for the whole module, inside a transaction that
is rolled back at the end; every test reads the result.
"""

import io
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.test import RequestFactory, override_settings
from django.utils import timezone
from django_scopes import scopes_disabled

from consultations.models import Consultation, Counsellor, Topic
from events.models import Event, EventCategory, Registration
from residents.models import Consent, Resident
from stations import demo_data
from stations.fields import validate_international_phone
from stations.models import Partner, Region, RegionMembership, Station, StationMembership
from volunteers.models import HoursEntry, Opportunity, Shift, Signup

pytestmark = pytest.mark.django_db

PROJECT_APPS = ("accounts", "stations", "residents", "events", "consultations", "volunteers")

# Characters that exist only in traditional Chinese (the seed reports use them);
# the portal writes simplified Chinese.
TRADITIONAL = set("廈門區與務們個這來對會時為說國學見們動應將際臺灣華電話")


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models(include_auto_created=True)
    }


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    # a fast hasher: the test checks the password, not PBKDF2's cost
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast, scopes_disabled(), transaction.atomic():
        first, second = io.StringIO(), io.StringIO()
        call_command("load_demo", stdout=first)
        after_first = row_counts()
        call_command("load_demo", stdout=second)
        yield SimpleNamespace(
            after_first=after_first,
            after_second=row_counts(),
            first_output=first.getvalue(),
            second_output=second.getvalue(),
        )
        transaction.set_rollback(True)


def last_year():
    now = timezone.now()
    return now - timedelta(days=365), now


def test_second_run_changes_no_counts(demo):
    assert demo.after_first["residents.Resident"] > 0
    assert demo.after_second == demo.after_first
    for station in demo_data.PLANS:
        assert f"{station}: activity generated" in demo.first_output
        assert f"{station}: already has residents" in demo.second_output


def test_city_has_districts_streets_communities_and_stations(demo):
    levels = dict(Region.objects.order_by().values_list("level").annotate(n=Count("id")))
    assert levels["city"] == 1
    assert levels["district"] >= 2
    assert levels["street"] >= 2
    assert levels["community"] >= 2
    guanren = Station.objects.get(slug=demo_data.GUANREN)
    chain = guanren.region.ancestors(include_self=True)
    assert [r.name_zh_hans for r in chain] == ["厦门市", "思明区", "筼筜街道", "官任社区"]
    assert [r.name_en for r in chain] == [
        "Xiamen", "Siming District", "Yundang Street", "Guanren Community"
    ]
    assert guanren.kind == Station.Kind.COMMUNITY_SUBSTATION
    assert Station.objects.count() >= 3
    assert Station.objects.filter(kind=Station.Kind.SPECIAL_SUBSTATION).exists()
    assert Station.objects.filter(region__code__startswith="xiamen-huli").count() >= 2
    for station in Station.objects.all():
        assert station.name_zh_hans and station.name_en and station.description_en
        assert station.partners.filter(agreement_date__isnull=False).exists()
    kinds = set(guanren.partners.values_list("kind", flat=True))
    assert {"hospital", "hotel", "school", "law_firm"} <= kinds


def test_texts_are_bilingual_and_simplified(demo):
    texts = (
        (Region, "name"), (Station, "name"), (Station, "description"), (Station, "address"),
        (Station, "opening_hours"), (Partner, "name"), (Partner, "description"),
        (EventCategory, "name"), (Topic, "name"), (Topic, "description"), (Event, "title"),
        (Event, "description"), (Event, "place"), (Opportunity, "title"),
        (Opportunity, "description"), (Counsellor, "title"), (Counsellor, "bio"),
    )
    for model, field in texts:
        for zh, en in model.objects.values_list(f"{field}_zh_hans", f"{field}_en"):
            assert zh and en and zh != en, (model, zh, en)
            assert not TRADITIONAL & set(zh), (model, zh)
    assert {slug for slug, *_ in demo_data.EVENT_CATEGORIES} == set(
        EventCategory.objects.values_list("slug", flat=True)
    )


def test_residents_come_from_many_countries_in_every_category(demo):
    assert Resident.objects.values("nationality").distinct().count() >= 30
    guanren = Resident.objects.filter(station__slug=demo_data.GUANREN)
    assert guanren.exclude(nationality="CN").values("nationality").distinct().count() == 46
    assert set(Resident.objects.values_list("category", flat=True)) == set(Resident.Category.values)
    assert Resident.objects.filter(chinese_name__gt="").exists()
    assert Resident.objects.filter(preferred_language="zh-hans").exists()
    assert Resident.objects.filter(preferred_language="en").count() > Resident.objects.count() / 2


def test_resident_records_are_valid(demo):
    today = timezone.localdate()
    for resident in Resident.objects.all():
        validate_international_phone(resident.phone)
        resident.clean_fields()
        assert resident.arrival_date is None or resident.arrival_date <= today
        assert resident.registered_at <= timezone.now()
    assert Resident.objects.filter(
        document_expires__gt=today, document_expires__lte=today + timedelta(days=30)
    ).exists()
    # every resident agreed to processing; a document is kept only with its consent
    assert not Resident.objects.exclude(consents__purpose="personal_data").exists()
    assert not Resident.objects.exclude(document_number="").exclude(
        consents__purpose="identity_document"
    ).exists()
    assert Consent.objects.filter(withdrawn_at__isnull=False).exists()


def test_every_role_is_present_and_can_log_in(demo):
    for station in Station.objects.all():
        roles = set(station.memberships.values_list("role", flat=True))
        assert roles == set(StationMembership.Role.values), station.slug
    official_levels = set(RegionMembership.objects.values_list("region__level", flat=True))
    assert official_levels == {"city", "district"}
    for login in demo_data.LOGINS:
        request = RequestFactory().post("/en/accounts/login/")
        user = authenticate(request, email=login.email, password=demo_data.DEMO_PASSWORD)
        assert user is not None, login.email
        assert user.is_staff == (login.role != "resident")
        assert user.is_superuser == (login.role == "superuser")
        assert login.email in demo.first_output
    assert demo_data.DEMO_PASSWORD in demo.first_output
    resident_login = next(login for login in demo_data.LOGINS if login.role == "resident")
    assert Resident.objects.filter(user__email=resident_login.email).count() == 1


def test_staff_and_officials_can_pass_the_second_factor_with_demo_codes(demo, settings):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.DEBUG = True
    out = io.StringIO()
    call_command("demo_codes", stdout=out)
    codes = dict(line.split() for line in out.getvalue().splitlines() if "@" in line)
    needing = {login.email for login in demo_data.LOGINS if login.role != "resident"}
    assert set(codes) == needing
    for email in sorted(needing)[:3]:
        device = TOTPDevice.objects.get(user__email=email, confirmed=True)
        assert device.verify_token(codes[email]), email
    assert not TOTPDevice.objects.filter(user__email__in=[
        login.email for login in demo_data.LOGINS if login.role == "resident"
    ]).exists()


def test_demo_codes_are_refused_outside_development(demo, settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_codes")


def test_every_row_belongs_to_its_station(demo):
    mismatches = {
        "registration event": Registration.objects.exclude(event__station=F("station")),
        "registration resident": Registration.objects.exclude(resident__station=F("station")),
        "consent resident": Consent.objects.exclude(resident__station=F("station")),
        "consultation resident": Consultation.objects.exclude(resident__station=F("station")),
        "consultation counsellor": Consultation.objects.filter(counsellor__isnull=False).exclude(
            counsellor__station=F("station")
        ),
        "shift opportunity": Shift.objects.exclude(opportunity__station=F("station")),
        "signup shift": Signup.objects.exclude(shift__station=F("station")),
        "signup volunteer": Signup.objects.exclude(volunteer__station=F("station")),
        "hours volunteer": HoursEntry.objects.exclude(volunteer__station=F("station")),
        "hours opportunity": HoursEntry.objects.exclude(opportunity__station=F("station")),
        "hours shift": HoursEntry.objects.filter(shift__isnull=False).exclude(
            shift__station=F("station")
        ),
        "hours shift opportunity": HoursEntry.objects.filter(shift__isnull=False).exclude(
            shift__opportunity=F("opportunity")
        ),
    }
    assert {name: qs.count() for name, qs in mismatches.items()} == dict.fromkeys(mismatches, 0)
    # a sample of every station-owned table passes the models' own validation
    for model in (Registration, Consent, Consultation, Counsellor, Shift, Signup, HoursEntry):
        for row in model.objects.order_by("pk")[:15]:
            row.full_clean()


def test_guanren_year_matches_the_report(demo):
    since, now = last_year()
    station = Station.objects.get(slug=demo_data.GUANREN)
    held = Event.objects.filter(station=station, starts_at__gte=since, ends_at__lt=now)
    assert held.count() == 29
    assert Registration.objects.filter(event__in=held, checked_in_at__isnull=False).count() == 214
    completed = Consultation.objects.filter(
        station=station, starts_at__gte=since, starts_at__lt=now, status="completed"
    )
    assert completed.count() == 608
    assert completed.filter(topic__is_epidemic_related=True).count() == 326
    counselling = completed.filter(topic__slug="psychological-counselling")
    hours = sum(c.duration_hours for c in counselling)
    assert 250 <= hours <= 300
    assert not counselling.exclude(resident__consents__purpose="health_counselling").exists()
    approved = HoursEntry.objects.filter(station=station, status="approved").aggregate(
        total=Sum("hours")
    )["total"]
    assert approved == Decimal("300")
    statuses = set(HoursEntry.objects.filter(station=station).values_list("status", flat=True))
    assert statuses == set(HoursEntry.Status.values)


def test_upcoming_events_have_registrations_and_waiting_lists(demo):
    now = timezone.now()
    upcoming = Event.objects.filter(starts_at__gt=now, is_published=True).annotate(
        confirmed=Count("registrations", filter=Q(registrations__status="confirmed")),
        waiting=Count("registrations", filter=Q(registrations__status="waitlisted")),
    )
    assert upcoming.filter(confirmed__gt=0).count() == upcoming.count() > 0
    assert upcoming.filter(waiting__gt=0, confirmed=F("capacity")).exists()
    assert not upcoming.filter(waiting__gt=0).exclude(confirmed=F("capacity")).exists()
    assert not Event.objects.filter(capacity__isnull=False).annotate(
        confirmed=Count("registrations", filter=Q(registrations__status="confirmed"))
    ).filter(confirmed__gt=F("capacity")).exists()
    assert not Registration.objects.filter(event__starts_at__gt=now, checked_in_at__isnull=False)
    assert not Registration.objects.filter(created_at__gt=F("event__starts_at")).exists()
    checked_in = Registration.objects.filter(checked_in_at__isnull=False)
    assert not checked_in.filter(checked_in_at__gte=F("event__ends_at")).exists()
    assert not checked_in.filter(
        checked_in_at__lt=F("event__starts_at") - timedelta(minutes=30)
    ).exists()


def test_times_are_local_and_realistic(demo):
    for event in Event.objects.all():
        start = timezone.localtime(event.starts_at)
        assert start.weekday() >= 5 or start.hour >= 19, (event.title, start)
    for consultation in Consultation.objects.all():
        start = timezone.localtime(consultation.starts_at)
        end = timezone.localtime(consultation.ends_at)
        assert start.weekday() <= 5 and 8 <= start.hour and end.hour * 60 + end.minute <= 18 * 60
    now = timezone.now()
    assert not Consultation.objects.filter(starts_at__gt=now).exclude(status="booked").exists()
    assert not Consultation.objects.filter(starts_at__lt=now, status="booked").exists()
    assert Consultation.objects.filter(starts_at__gt=now, status="booked").exists()
    assert Shift.objects.filter(starts_at__gt=now).exists()
    assert not HoursEntry.objects.filter(date__gt=timezone.localdate()).exists()


def test_every_station_has_hours_waiting_for_review(demo):
    for station in Station.objects.all():
        pending = HoursEntry.objects.filter(station=station, status="pending")
        assert pending.count() >= 3, station.slug
        assert not pending.filter(reviewed_at__isnull=False).exists()
    assert not HoursEntry.objects.exclude(status="pending").filter(
        Q(reviewed_at__isnull=True) | Q(reviewed_by__isnull=True)
    ).exists()
