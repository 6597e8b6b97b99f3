"""The staff admin of stations, staff roles, officials and partners, as the
staff of station A meet it: they never reach station B's rows, and their role
decides what they may change."""

import pytest
from django.test import Client

from stations.models import Partner, Region, RegionMembership, Station, StationMembership
from tests import factories
from tests.helpers import admin_url, log_in_verified, login_with_role, messages_of, post_action

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def superuser_client(db):
    client = Client()
    log_in_verified(client, factories.UserFactory(is_staff=True, is_superuser=True))
    return client


# Another station's pages answer 404 like a missing row's, and the lists leave
# its rows out: tests/stations/test_admin_isolation.py.


def test_add_forms_offer_only_own_stations(client_a, station_a, station_b):
    for model in (Partner, StationMembership):
        response = client_a.get(admin_url(model, "add"))
        assert response.status_code == 200
        field = response.context["adminform"].form.fields["station"]
        assert list(field.queryset) == [station_a]


def test_a_manager_cannot_file_a_partner_under_another_station(client_a, station_b):
    response = client_a.post(
        admin_url(Partner, "add"),
        {
            "station": station_b.pk,
            "name_zh_hans": "某律所",
            "name_en": "Some law firm",
            "kind": "law_firm",
        },
    )
    assert response.status_code == 200
    assert "station" in response.context["adminform"].form.errors
    assert not Partner.objects.exists()


def test_a_manager_adds_a_partner_to_their_station(client_a, station_a):
    response = client_a.post(
        admin_url(Partner, "add"),
        {
            "station": station_a.pk,
            "name_zh_hans": "厦门市中医院",
            "name_en": "Xiamen TCM Hospital",
            "kind": "hospital",
            "agreement_date": "2023-05-12",
            "phone": "+86 592 123 4567",
        },
    )
    assert response.status_code == 302
    partner = Partner.objects.get()
    assert (partner.station, partner.name_en, partner.phone) == (
        station_a,
        "Xiamen TCM Hospital",
        "+865921234567",
    )


def test_a_counsellor_cannot_add_a_partner(client, station_a):
    login_with_role(client, station_a, "counsellor")
    assert client.get(admin_url(Partner, "add")).status_code == 403
    response = client.post(
        admin_url(Partner, "add"),
        {"station": station_a.pk, "name_zh_hans": "某酒店", "name_en": "A hotel", "kind": "hotel"},
    )
    assert response.status_code == 403
    assert not Partner.objects.exists()


def test_a_manager_at_one_station_cannot_add_partners_where_they_only_read(
    client, station_a, station_b
):
    """A role at one station grants nothing at another."""
    user = login_with_role(client, station_a, "manager")
    factories.MembershipFactory(station=station_b, user=user, role="counsellor")
    client.post(
        admin_url(Partner, "add"),
        {
            "station": station_b.pk,
            "name_zh_hans": "某学校",
            "name_en": "A school",
            "kind": "school",
        },
    )
    assert not Partner.objects.filter(station=station_b).exists()


# --- staff roles -------------------------------------------------------------


def test_staff_cannot_remove_a_colleague(client, station_a, staff_a):
    login_with_role(client, station_a, "staff")
    manager_membership = StationMembership.objects.get(user=staff_a)
    assert (
        client.get(admin_url(StationMembership, "delete", manager_membership.pk)).status_code == 403
    )
    response = post_action(client, StationMembership, "remove_selected", [manager_membership])
    assert StationMembership.objects.filter(pk=manager_membership.pk).exists()
    assert response.status_code in (200, 302)


def test_a_counsellor_does_not_see_staff_roles(client, station_a):
    login_with_role(client, station_a, "counsellor")
    assert client.get(admin_url(StationMembership, "changelist")).status_code == 403


def test_a_manager_adds_staff_by_email(client_a, station_a):
    newcomer = factories.UserFactory(email="li.na@example.org", is_staff=False)
    response = client_a.get(admin_url(StationMembership, "add"))
    form = response.context["adminform"].form
    assert "email" in form.fields and "user" not in form.fields

    response = client_a.post(
        admin_url(StationMembership, "add"),
        {"station": station_a.pk, "email": "Li.Na@Example.org", "role": "staff"},
    )
    assert response.status_code == 302
    assert StationMembership.objects.get(user=newcomer).station == station_a
    newcomer.refresh_from_db()
    assert newcomer.is_staff


def test_an_unknown_email_is_a_form_error(client_a, station_a):
    response = client_a.post(
        admin_url(StationMembership, "add"),
        {"station": station_a.pk, "email": "nobody@example.org", "role": "staff"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"] == [
        "No account uses this e-mail address. Ask an administrator to create it."
    ]


def test_a_second_role_at_the_same_station_is_a_form_error(client_a, station_a):
    colleague = factories.MembershipFactory(station=station_a, role="staff").user
    response = client_a.post(
        admin_url(StationMembership, "add"),
        {"station": station_a.pk, "email": colleague.email, "role": "counsellor"},
    )
    assert response.status_code == 200
    assert "This person already has a role at this station." in str(response.content, "utf-8")
    assert StationMembership.objects.get(user=colleague).role == "staff"


def test_a_superuser_chooses_the_account_itself(superuser_client, station_a):
    response = superuser_client.get(admin_url(StationMembership, "add"))
    form = response.context["adminform"].form
    assert "user" in form.fields and "email" not in form.fields
    person = factories.UserFactory(is_staff=False)
    response = superuser_client.post(
        admin_url(StationMembership, "add"),
        {"station": station_a.pk, "user": person.pk, "role": "counsellor"},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.is_staff


def test_a_manager_removes_a_colleague_who_then_loses_the_admin(client_a, station_a):
    membership = factories.MembershipFactory(station=station_a, role="staff")
    response = client_a.post(admin_url(StationMembership, "delete", membership.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not StationMembership.objects.filter(pk=membership.pk).exists()
    membership.user.refresh_from_db()
    assert not membership.user.is_staff


def test_removing_the_last_manager_is_refused_with_a_message(client_a, staff_a):
    membership = StationMembership.objects.get(user=staff_a)
    response = client_a.post(admin_url(StationMembership, "delete", membership.pk), {"post": "yes"})
    assert response.status_code == 302
    assert response.url == admin_url(StationMembership, "change", membership.pk)
    assert messages_of(response) == [
        "A station needs at least one manager. Add another manager first."
    ]
    assert StationMembership.objects.filter(pk=membership.pk).exists()


def test_the_remove_action_reports_what_it_refused(client_a, station_a, staff_a):
    colleague = factories.MembershipFactory(station=station_a, role="staff")
    own = StationMembership.objects.get(user=staff_a)
    response = post_action(client_a, StationMembership, "remove_selected", [colleague, own])
    assert response.status_code == 302
    assert set(StationMembership.objects.values_list("pk", flat=True)) == {own.pk}
    text = messages_of(response)
    assert "1 role removed." in text
    assert any("A station needs at least one manager" in m for m in text)


# --- stations ------------------------------------------------------------------


def station_post_data(station, **changes):
    data = {
        "name_zh_hans": station.name_zh_hans,
        "name_en": station.name_en,
        "description_zh_hans": "",
        "description_en": "",
        "address_zh_hans": station.address_zh_hans,
        "address_en": station.address_en,
        "phone": station.phone,
        "email": "",
        "opening_hours_zh_hans": "",
        "opening_hours_en": "",
        "languages": station.languages,
        "retention_years": station.retention_years,
        "region": station.region_id,
        "slug": station.slug,
        "kind": station.kind,
        "is_active": "on",
    }
    data.update(changes)
    return data


def test_a_manager_edits_their_station_but_not_where_it_sits(client_a, station_a):
    other_region = factories.RegionFactory()
    response = client_a.post(
        admin_url(Station, "change", station_a.pk),
        station_post_data(
            station_a,
            name_en="Guanren Community Sub-station",
            slug="moved",
            region=other_region.pk,
            kind="city",
            is_active="",
        ),
    )
    assert response.status_code == 302
    station_a.refresh_from_db()
    assert station_a.name_en == "Guanren Community Sub-station"
    assert (station_a.slug, station_a.kind, station_a.is_active) == ("station-a", "community", True)
    assert station_a.region_id != other_region.pk


def test_a_station_phone_error_shows_in_the_form(client_a, station_a):
    response = client_a.post(
        admin_url(Station, "change", station_a.pk), station_post_data(station_a, phone="5921234")
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["phone"] == [
        "Enter a phone number in international format, e.g. +86 138 0000 0000."
    ]


def test_only_superusers_add_or_delete_stations(client_a, station_a, superuser_client):
    assert client_a.get(admin_url(Station, "add")).status_code == 403
    assert client_a.get(admin_url(Station, "delete", station_a.pk)).status_code == 403
    assert superuser_client.get(admin_url(Station, "add")).status_code == 200


def test_staff_read_their_station_without_editing(client, station_a):
    login_with_role(client, station_a, "staff")
    response = client.get(admin_url(Station, "change", station_a.pk))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    response = client.post(
        admin_url(Station, "change", station_a.pk), station_post_data(station_a, name_en="Renamed")
    )
    assert response.status_code == 403


# --- city-wide catalogues and officials ----------------------------------------


def test_regions_are_read_only_for_station_roles(client_a, station_a):
    region = station_a.region
    assert client_a.get(admin_url(Region, "changelist")).status_code == 200
    response = client_a.get(admin_url(Region, "change", region.pk))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert client_a.get(admin_url(Region, "add")).status_code == 403
    response = client_a.post(
        admin_url(Region, "change", region.pk),
        {
            "name_zh_hans": "改名",
            "name_en": "Renamed",
            "code": region.code,
            "level": region.level,
            "parent": region.parent_id,
        },
    )
    assert response.status_code == 403
    region.refresh_from_db()
    assert region.name_en != "Renamed"


def test_officials_are_managed_by_superusers_only(client_a, superuser_client):
    assert client_a.get(admin_url(RegionMembership, "changelist")).status_code == 403
    assert client_a.get(admin_url(RegionMembership, "add")).status_code == 403

    district = factories.RegionFactory.create_district()
    street = factories.RegionFactory.create_street(district)
    official = factories.UserFactory(is_staff=False)
    response = superuser_client.get(admin_url(RegionMembership, "add"))
    offered = set(response.context["adminform"].form.fields["region"].queryset)
    assert district in offered and street not in offered

    response = superuser_client.post(
        admin_url(RegionMembership, "add"), {"region": district.pk, "user": official.pk}
    )
    assert response.status_code == 302
    official.refresh_from_db()
    assert official.is_staff
