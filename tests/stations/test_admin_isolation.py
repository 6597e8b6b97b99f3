"""Every admin page of every station-owned model, tried by station A's manager
with station B's object: 404 on the object's pages, absent from the lists.

The model list comes from the admin registry, so a new admin is covered the day
it is registered; a station-owned model without a factory here fails the test."""

import pytest
from django.contrib import admin

from reminders.models import Reminder, ReminderPolicy
from stations.models import AuditEntry, Station
from stations.tenancy import is_station_owned
from tests import factories
from tests.helpers import admin_url

FACTORIES = {
    "stations.StationMembership": lambda s: factories.MembershipFactory(station=s),
    "stations.Partner": lambda s: factories.PartnerFactory(station=s),
    "stations.Notice": lambda s: factories.NoticeFactory(station=s),
    "stations.GuidePage": lambda s: factories.GuidePageFactory(station=s),
    "stations.AuditEntry": lambda s: factories.AuditEntryFactory(station=s),
    "residents.Resident": lambda s: factories.ResidentFactory(station=s),
    "residents.Consent": lambda s: factories.ConsentFactory(resident__station=s),
    "events.Event": lambda s: factories.EventFactory(station=s),
    "events.Registration": lambda s: factories.RegistrationFactory(event__station=s),
    "consultations.Counsellor": lambda s: factories.CounsellorFactory(station=s),
    "consultations.Consultation": lambda s: factories.ConsultationFactory(station=s),
    "consultations.Availability": lambda s: factories.AvailabilityFactory(counsellor__station=s),
    "volunteers.Opportunity": lambda s: factories.OpportunityFactory(station=s),
    "volunteers.Shift": lambda s: factories.ShiftFactory(opportunity__station=s),
    "volunteers.Signup": lambda s: factories.SignupFactory(shift__opportunity__station=s),
    "volunteers.HoursEntry": lambda s: factories.HoursEntryFactory(station=s),
    "reminders.Reminder": lambda s: factories.ReminderFactory(station=s),
    "reminders.ReminderPolicy": lambda s: factories.ReminderPolicyFactory(station=s),
}


# added by the portal itself, never through the admin
READ_ONLY = {AuditEntry, Reminder, ReminderPolicy}


def scoped_admin_models():
    return sorted(
        (m for m in admin.site._registry if is_station_owned(m) or m is Station),
        key=lambda m: m._meta.label,
    )


def make_object(model, station):
    if model is Station:
        return station
    assert model._meta.label in FACTORIES, f"add a factory for {model._meta.label} to this test"
    return FACTORIES[model._meta.label](station)


def test_every_station_owned_model_has_an_admin():
    from django.apps import apps

    project = {"stations", "residents", "events", "consultations", "volunteers", "reminders"}
    missing = [
        m._meta.label
        for m in apps.get_models()
        if m._meta.app_label in project and is_station_owned(m) and m not in admin.site._registry
    ]
    assert missing == []


@pytest.mark.django_db
@pytest.mark.parametrize("model", scoped_admin_models(), ids=lambda m: m._meta.label)
@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_another_stations_object_answers_404(client_a, station_b, model, view):
    other = make_object(model, station_b)
    # a record nobody may delete refuses the delete page before looking the
    # row up: 403 alike for theirs and a missing one, which reveals nothing
    expected = 403 if view == "delete" and model in READ_ONLY else 404
    assert client_a.get(admin_url(model, view, other.pk)).status_code == expected
    assert client_a.get(admin_url(model, view, 987654321)).status_code == expected


@pytest.mark.django_db
@pytest.mark.parametrize("model", scoped_admin_models(), ids=lambda m: m._meta.label)
def test_a_missing_id_and_another_stations_id_look_the_same(client_a, station_b, model):
    other = make_object(model, station_b)
    theirs = client_a.get(admin_url(model, "change", other.pk))
    missing = client_a.get(admin_url(model, "change", 987654321))
    assert theirs.status_code == missing.status_code == 404
    assert theirs.content == missing.content


@pytest.mark.django_db
@pytest.mark.parametrize("model", scoped_admin_models(), ids=lambda m: m._meta.label)
def test_changelist_shows_own_rows_only(client_a, station_a, station_b, model):
    """A station's manager lists every station-owned model."""
    mine = make_object(model, station_a)
    theirs = make_object(model, station_b)
    response = client_a.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    shown = {obj.pk for obj in response.context["cl"].result_list}
    assert theirs.pk not in shown
    assert mine.pk in shown


def test_a_manager_may_not_add_a_station(client_a):
    assert client_a.get(admin_url(Station, "add")).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model",
    # stations: superusers only, above; the audit log: nobody adds
    [m for m in scoped_admin_models() if m is not Station and m not in READ_ONLY],
    ids=lambda m: m._meta.label,
)
def test_add_form_offers_only_own_stations_rows(client_a, station_a, station_b, model):
    make_object(model, station_a)
    make_object(model, station_b)
    response = client_a.get(admin_url(model, "add"))
    # staff_a is a manager, who may add every station-owned row
    assert response.status_code == 200
    form = response.context["adminform"].form
    checked = 0
    for name, field in form.fields.items():
        queryset = getattr(field, "queryset", None)
        if queryset is None:
            continue
        related = queryset.model
        if related is Station:
            assert set(queryset.values_list("pk", flat=True)) == {station_a.pk}, name
            checked += 1
        elif is_station_owned(related):
            stations = set(queryset.values_list("station_id", flat=True))
            assert stations <= {station_a.pk}, name
            checked += 1
    assert checked, "the add form has no station-owned choice to check"
