"""Least privilege on consultation notes: the consultation's own counsellor
reads and writes them; other counsellors, staff, managers and superusers see
that the consultation took place, never what was said."""

import pytest

from consultations.models import Consultation
from stations.models import AuditEntry
from tests import factories
from tests.helpers import admin_url, log_in_verified, login_with_role

pytestmark = pytest.mark.django_db

NOTE = "Marker note: worried about the visa renewal interview"


@pytest.fixture
def consultation(station_a):
    counsellor = factories.CounsellorFactory(
        station=station_a, user=factories.UserFactory(is_staff=True)
    )
    factories.MembershipFactory(station=station_a, user=counsellor.user, role="counsellor")
    return factories.ConsultationFactory(station=station_a, counsellor=counsellor, notes=NOTE)


def page(client, consultation):
    response = client.get(admin_url(Consultation, "change", consultation.pk))
    assert response.status_code == 200
    return response.content.decode()


def test_the_consultations_counsellor_reads_the_notes(client, consultation):
    log_in_verified(client, consultation.counsellor.user)
    assert NOTE in page(client, consultation)
    viewed = AuditEntry.objects.filter(action="view", object_id=str(consultation.pk)).get()
    assert viewed.changes == {"fields": ["notes"]}


@pytest.mark.parametrize("role", ["manager", "staff", "counsellor"])
def test_others_at_the_station_see_the_consultation_but_not_its_notes(
    client, station_a, consultation, role
):
    login_with_role(client, station_a, role)
    html = page(client, consultation)
    assert NOTE not in html
    assert consultation.topic.name in html
    assert not AuditEntry.objects.filter(action="view").exists()


def test_a_superuser_does_not_read_them_either(client, consultation):
    log_in_verified(client, factories.UserFactory(is_staff=True, is_superuser=True))
    assert NOTE not in page(client, consultation)


def test_saving_without_the_notes_field_keeps_the_notes(client, station_a, consultation):
    from tests.helpers import form_values_of

    login_with_role(client, station_a, "manager")
    url = admin_url(Consultation, "change", consultation.pk)
    data = {**form_values_of(client.get(url)), "channel": "phone"}
    assert "notes" not in data
    response = client.post(url, data)
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.notes == NOTE
    assert consultation.channel == "phone"
