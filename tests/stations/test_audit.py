"""The audit log of personal data: every create, change and delete, and every
view of sensitive fields, with who, when, from where and what changed; personal
values masked; a manager sees their station's log; nobody can change it."""

import json

import pytest
from django.db import DatabaseError, connection, transaction

from residents.models import Resident
from stations.audit import MASK
from stations.models import AuditEntry
from tests import factories
from tests.helpers import admin_url, form_values_of, log_in_verified, login_with_role

pytestmark = pytest.mark.django_db

DOCUMENT = "E99887766"
ADDRESS = "203.0.113.41"


def entries(obj):
    return list(
        AuditEntry.objects.filter(model=obj._meta.label_lower, object_id=str(obj.pk)).order_by(
            "at", "pk"
        )
    )


@pytest.fixture
def resident(station_a):
    return factories.ResidentFactory(
        station=station_a,
        family_name="Markerfamily",
        document_type=Resident.DocumentType.PASSPORT,
        document_number=DOCUMENT,
    )


def test_a_change_in_the_admin_is_recorded_with_who_where_and_what(client_a, staff_a, resident):
    page = admin_url(Resident, "change", resident.pk)
    html = client_a.get(page, REMOTE_ADDR=ADDRESS).content.decode()
    assert DOCUMENT in html  # the manager sees the document ...
    viewed = entries(resident)[-1]
    assert viewed.action == "view"  # ... and that is recorded
    assert viewed.changes == {"fields": ["document_number"]}
    assert (viewed.actor_id, viewed.actor_kind, viewed.address) == (staff_a.pk, "staff", ADDRESS)

    data = {
        **form_values_of(client_a.get(page)),
        "family_name": "Renamed",
        "category": "returned",
        "document_number": "E11223344",
    }
    response = client_a.post(page, data, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302, response.context["adminform"].form.errors

    change = entries(resident)[-1]
    assert change.action == "change"
    assert change.station_id == resident.station_id
    assert (change.actor_id, change.address) == (staff_a.pk, ADDRESS)
    assert change.changes["family_name"] == [MASK, MASK]
    assert change.changes["document_number"] == [MASK, MASK]
    assert change.changes["category"] == ["foreign", "returned"]
    stored = json.dumps([e.changes for e in AuditEntry.objects.all()], ensure_ascii=False)
    for secret in (DOCUMENT, "E11223344", "Markerfamily", "Renamed"):
        assert secret not in stored


def test_create_and_delete_are_recorded_and_outlive_the_row(station_a, resident):
    created = entries(resident)[0]
    assert created.action == "create"
    assert created.actor_kind == "system"  # made outside a request
    assert created.changes["family_name"] == MASK
    assert created.changes["nationality"] == "DE"
    pk = resident.pk
    resident.delete()
    deleted = AuditEntry.objects.filter(model="residents.resident", object_id=str(pk))
    assert [e.action for e in deleted.order_by("at", "pk")] == ["create", "delete"]


def test_a_resident_downloading_their_data_is_recorded(client, station_a):
    user = factories.UserFactory()
    profile = factories.ResidentFactory(station=station_a, user=user, email=user.email)
    client.force_login(user)
    response = client.get("/en/my/data/", REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200
    export = entries(profile)[-1]
    assert (export.action, export.actor_id, export.actor_kind) == ("export", user.pk, "resident")


def test_a_manager_sees_their_stations_log_and_nobody_can_change_it(
    client, station_a, station_b, resident
):
    other = factories.ResidentFactory(station=station_b)
    manager = login_with_role(client, station_a, "manager")
    response = client.get(admin_url(AuditEntry, "changelist"))
    assert response.status_code == 200
    shown = {e.object_id for e in response.context["cl"].result_list}
    assert str(resident.pk) in shown and str(other.pk) not in shown

    theirs = entries(other)[0]
    assert client.get(admin_url(AuditEntry, "change", theirs.pk)).status_code == 404
    ours = entries(resident)[0]
    assert client.get(admin_url(AuditEntry, "change", ours.pk)).status_code == 200
    assert client.post(admin_url(AuditEntry, "change", ours.pk), {}).status_code == 403
    assert client.post(admin_url(AuditEntry, "delete", ours.pk), {"post": "yes"}).status_code == 403
    assert manager.is_staff


@pytest.mark.parametrize("role", ["staff", "counsellor"])
def test_other_roles_do_not_see_the_log(client, station_a, role):
    login_with_role(client, station_a, role)
    assert client.get(admin_url(AuditEntry, "changelist")).status_code == 403


def test_even_a_superuser_cannot_edit_it(client, resident):
    log_in_verified(client, factories.UserFactory(is_staff=True, is_superuser=True))
    entry = entries(resident)[0]
    assert client.post(admin_url(AuditEntry, "change", entry.pk), {}).status_code == 403
    assert client.get(admin_url(AuditEntry, "add")).status_code == 403


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE stations_auditentry SET action = 'view' WHERE id = %s",
        "DELETE FROM stations_auditentry WHERE id = %s",
    ],
)
def test_the_database_refuses_to_change_an_entry(resident, statement):
    entry = entries(resident)[0]
    with pytest.raises(DatabaseError, match="audit log cannot be changed"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [entry.pk])
    entry.refresh_from_db()
    assert entry.action == "create"
