"""The tenancy walls: every station-owned model is scoped, and a query outside a
scope raises instead of returning every station's rows."""

import pytest
from django.apps import apps
from django_scopes import scope
from django_scopes.exceptions import ScopeError

from events.models import Event
from residents.models import Resident
from stations.tasks import count_station_rows
from stations.tenancy import is_station_owned, scope_for_user, user_station_ids
from tests import factories

PROJECT_APPS = {"accounts", "stations", "residents", "events", "consultations", "volunteers"}


def station_owned_models():
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS and is_station_owned(model)
    ]


def test_the_walk_finds_the_station_owned_models():
    names = {m._meta.label for m in station_owned_models()}
    assert {"residents.Resident", "events.Registration", "volunteers.HoursEntry"} <= names
    assert "stations.Station" not in names


@pytest.mark.parametrize("model", station_owned_models(), ids=lambda m: m._meta.label)
def test_every_station_owned_model_is_scoped(model):
    assert model._meta.managers, model
    with scope():  # an open scope that names no station
        for manager in model._meta.managers:
            with pytest.raises(ScopeError):
                list(manager.all())
            with pytest.raises(ScopeError):
                manager.filter(pk=1).exists()


@pytest.mark.django_db
def test_unscoped_query_raises_and_scoped_query_filters(station_a, station_b):
    factories.ResidentFactory(station=station_a, family_name="Müller")
    factories.ResidentFactory(station=station_b, family_name="Dupont")
    with scope():
        with pytest.raises(ScopeError):
            Resident.objects.count()
        with scope(station=[station_a.pk]):
            assert list(Resident.objects.values_list("family_name", flat=True)) == ["Müller"]
        with scope(station=[station_b.pk]):
            assert list(Resident.objects.values_list("family_name", flat=True)) == ["Dupont"]
        with scope(station=[]):
            assert Resident.objects.count() == 0


@pytest.mark.django_db
def test_a_staff_member_is_scoped_to_their_stations_only(station_a, station_b, staff_a):
    factories.EventFactory(station=station_a, title_en="Mid-Autumn dice game")
    factories.EventFactory(station=station_b, title_en="Tree planting")
    assert user_station_ids(staff_a) == (station_a.pk,)
    with scope(), scope_for_user(staff_a):
        assert [e.title_en for e in Event.objects.all()] == ["Mid-Autumn dice game"]


@pytest.mark.django_db
def test_anonymous_and_profileless_users_see_no_station_rows(station_a):
    from django.contrib.auth.models import AnonymousUser

    factories.ResidentFactory(station=station_a)
    account_without_profile = factories.UserFactory()
    for user in (AnonymousUser(), account_without_profile):
        with scope(), scope_for_user(user):
            assert Resident.objects.count() == 0


@pytest.mark.django_db
def test_a_resident_is_scoped_to_the_stations_of_their_profiles(station_a, station_b):
    me = factories.ResidentFactory(station=station_a, user=factories.UserFactory())
    factories.EventFactory(station=station_a, title_en="Minnan class")
    factories.EventFactory(station=station_b, title_en="Tree planting")
    with scope(), scope_for_user(me.user):
        assert [e.title_en for e in Event.objects.all()] == ["Minnan class"]


@pytest.mark.django_db
def test_staff_who_are_also_residents_elsewhere_see_only_their_station_in_the_admin(
    client, station_a, station_b, staff_a
):
    from residents.models import Resident as ResidentModel
    from tests.helpers import admin_url, log_in_verified

    factories.ResidentFactory(station=station_b, user=staff_a, family_name="Myself")
    factories.ResidentFactory(station=station_b, family_name="Neighbour")
    ours = factories.ResidentFactory(station=station_a, family_name="Ours")
    log_in_verified(client, staff_a)
    response = client.get(admin_url(ResidentModel, "changelist"))
    assert [r.pk for r in response.context["cl"].result_list] == [ours.pk]


@pytest.mark.django_db
def test_superuser_sees_every_station(station_a, station_b):
    factories.ResidentFactory(station=station_a)
    factories.ResidentFactory(station=station_b)
    admin = factories.UserFactory(is_superuser=True, is_staff=True)
    with scope(), scope_for_user(admin):
        assert Resident.objects.count() == 2


@pytest.mark.django_db
def test_station_task_runs_inside_the_station_scope(station_a, station_b):
    factories.ResidentFactory.create_batch(3, station=station_a)
    factories.ResidentFactory.create_batch(5, station=station_b)
    with scope():
        result = count_station_rows.apply(kwargs={"station_id": station_a.pk}).get()
        assert result == {"residents": 3, "events": 0}
        with pytest.raises(TypeError):
            count_station_rows.apply(kwargs={}).get()
