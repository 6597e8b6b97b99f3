"""The region tree, station details, staff roles and officials: the rules a
superuser or a manager meets when they set a station up."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from stations.models import Region, RegionMembership, StationMembership
from stations.services import (
    membership_create,
    membership_delete,
    membership_update,
    region_membership_create,
    region_membership_delete,
)
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def region(level, parent, code):
    return Region(level=level, parent=parent, code=code, name_zh_hans=code, name_en=code)


def messages_of(exc_info, field):
    return exc_info.value.message_dict[field]


# --- the region tree ---------------------------------------------------------


def test_a_city_cannot_have_a_parent():
    city = factories.CityFactory()
    with pytest.raises(ValidationError) as exc_info:
        region(Region.Level.CITY, city, "second-city").full_clean()
    assert messages_of(exc_info, "parent") == ["A city cannot have a parent region."]


def test_the_database_refuses_a_city_with_a_parent_too():
    city = factories.CityFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        region(Region.Level.CITY, city, "second-city").save()


def test_a_district_needs_its_city():
    with pytest.raises(ValidationError) as exc_info:
        region(Region.Level.DISTRICT, None, "orphan").full_clean()
    assert messages_of(exc_info, "parent") == ["Choose the region this one belongs to."]


def test_a_district_cannot_sit_under_a_community():
    community = factories.RegionFactory()
    with pytest.raises(ValidationError) as exc_info:
        region(Region.Level.DISTRICT, community, "wrong-district").full_clean()
    assert messages_of(exc_info, "parent") == ["A District must belong to a City."]


def test_a_community_cannot_skip_the_street():
    district = factories.RegionFactory.create_district()
    with pytest.raises(ValidationError) as exc_info:
        region(Region.Level.COMMUNITY, district, "skipping").full_clean()
    assert messages_of(exc_info, "parent") == [
        "A Community must belong to a Street (sub-district)."
    ]


def test_the_whole_chain_city_district_street_community_is_accepted():
    city = region(Region.Level.CITY, None, "xiamen")
    city.full_clean()
    city.save()
    district = region(Region.Level.DISTRICT, city, "xiamen-siming")
    district.full_clean()
    district.save()
    street = region(Region.Level.STREET, district, "yundang")
    street.full_clean()
    street.save()
    community = region(Region.Level.COMMUNITY, street, "guanren")
    community.full_clean()
    community.save()
    assert community.path == "xiamen > xiamen-siming > yundang > guanren"
    assert city.descendant_ids() == {city.pk, district.pk, street.pk, community.pk}


# --- station details ---------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "message"),
    [
        ("0592 123 4567", "Enter a phone number in international format, e.g. +86 138 0000 0000."),
        ("+86 12", "This phone number does not exist. Check the country code and the digits."),
        ("+86 abc", "Enter a phone number in international format, e.g. +86 138 0000 0000."),
    ],
)
def test_station_phone_must_be_a_real_international_number(phone, message):
    station = factories.StationFactory.build(region=factories.RegionFactory(), phone=phone)
    with pytest.raises(ValidationError) as exc_info:
        station.full_clean()
    assert messages_of(exc_info, "phone") == [message]


def test_station_phone_is_stored_in_e164():
    station = factories.StationFactory(phone="+86 592 123 4567")
    station.full_clean()
    station.refresh_from_db()
    assert station.phone == "+865921234567"


# --- staff roles ----------------------------------------------------------------


def test_a_person_holds_one_role_per_station(station_a, staff_a):
    with pytest.raises(ValidationError) as exc_info:
        membership_create(station=station_a, user=staff_a, role="staff", actor=staff_a)
    assert exc_info.value.messages == ["This person already has a role at this station."]
    assert StationMembership.objects.filter(user=staff_a).count() == 1


def test_the_database_refuses_a_second_role_at_the_same_station(station_a, staff_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        StationMembership.objects.create(station=station_a, user=staff_a, role="staff")


def test_the_same_person_may_work_at_two_stations(station_a, station_b, staff_a):
    membership_create(station=station_b, user=staff_a, role="counsellor", actor=staff_a)
    assert set(
        StationMembership.objects.filter(user=staff_a).values_list("station_id", "role")
    ) == {(station_a.pk, "manager"), (station_b.pk, "counsellor")}


def test_a_new_role_opens_the_admin_to_the_person(station_a, staff_a):
    newcomer = factories.UserFactory(is_staff=False)
    membership_create(station=station_a, user=newcomer, role="staff", actor=staff_a)
    newcomer.refresh_from_db()
    assert newcomer.is_staff


def test_removing_the_last_role_closes_the_admin(station_a, staff_a):
    membership = factories.MembershipFactory(station=station_a, role="staff")
    membership_delete(membership=membership, actor=staff_a)
    membership.user.refresh_from_db()
    assert not membership.user.is_staff
    assert not StationMembership.objects.filter(pk=membership.pk).exists()


def test_a_person_with_another_role_keeps_the_admin(station_a, station_b, staff_a):
    membership = factories.MembershipFactory(station=station_a, role="staff")
    factories.MembershipFactory(station=station_b, user=membership.user, role="staff")
    membership_delete(membership=membership, actor=staff_a)
    membership.user.refresh_from_db()
    assert membership.user.is_staff


def test_an_official_keeps_the_admin_after_leaving_a_station(station_a, staff_a):
    membership = factories.MembershipFactory(station=station_a, role="staff")
    factories.RegionMembershipFactory(user=membership.user)
    membership_delete(membership=membership, actor=staff_a)
    membership.user.refresh_from_db()
    assert membership.user.is_staff


def test_a_superuser_keeps_the_admin_without_roles(station_a, staff_a):
    root = factories.UserFactory(is_staff=True, is_superuser=True)
    membership = factories.MembershipFactory(station=station_a, user=root, role="staff")
    membership_delete(membership=membership, actor=staff_a)
    root.refresh_from_db()
    assert root.is_staff


def test_a_manager_cannot_remove_the_stations_last_manager(station_a, staff_a):
    membership = StationMembership.objects.get(user=staff_a)
    with pytest.raises(ValidationError) as exc_info:
        membership_delete(membership=membership, actor=staff_a)
    assert exc_info.value.messages == [
        "A station needs at least one manager. Add another manager first."
    ]
    with pytest.raises(ValidationError):
        membership_update(membership=membership, role="staff", actor=staff_a)
    membership.refresh_from_db()
    assert membership.role == "manager"


def test_with_a_second_manager_the_first_may_step_down(station_a, staff_a):
    factories.MembershipFactory(station=station_a, role="manager")
    membership = StationMembership.objects.get(user=staff_a)
    membership_update(membership=membership, role="staff", actor=staff_a)
    membership.refresh_from_db()
    assert membership.role == "staff"


# --- officials ---------------------------------------------------------------


def test_officials_belong_to_a_city_or_a_district():
    root = factories.UserFactory(is_superuser=True, is_staff=True)
    official = factories.UserFactory(is_staff=False)
    street = factories.RegionFactory().parent
    with pytest.raises(ValidationError) as exc_info:
        region_membership_create(region=street, user=official, actor=root)
    assert messages_of(exc_info, "region") == ["Officials belong to a city or a district."]

    district = street.parent
    membership = region_membership_create(region=district, user=official, actor=root)
    official.refresh_from_db()
    assert official.is_staff
    city_membership = region_membership_create(region=district.parent, user=official, actor=root)

    region_membership_delete(membership=membership, actor=root)
    official.refresh_from_db()
    assert official.is_staff, "still an official of the city"
    region_membership_delete(membership=city_membership, actor=root)
    official.refresh_from_db()
    assert not official.is_staff
    assert not RegionMembership.objects.filter(user=official).exists()


def test_an_official_joins_a_region_once():
    root = factories.UserFactory(is_superuser=True, is_staff=True)
    membership = factories.RegionMembershipFactory()
    with pytest.raises(ValidationError) as exc_info:
        region_membership_create(region=membership.region, user=membership.user, actor=root)
    assert exc_info.value.messages == ["This official already belongs to this region."]
