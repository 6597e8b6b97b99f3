"""A person's deletion and the stations' retention period: every trace of the
person's identity goes (searched in a dump of the whole database), every
yearly summary figure stays exactly the same."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from consultations.models import Consultation
from events.models import Registration
from events.services import registration_create
from reminders.models import Kind, Reminder
from residents.erasure import ErasureRefused, account_erase, resident_anonymise, retention_apply
from residents.models import Consent, Resident
from stations.periods import SUMMARY_TZ
from stations.summary import build_summary, scope_for_region, scope_for_station
from tests import factories
from volunteers.models import HoursEntry

MARKER = "Zyxwvutsrq"
EMAIL = "zyxwvutsrq@example.org"
PHONE = "+49 30 555 7788"
DOCUMENT = "MARKER77Q1"
NOTE = "marker note about Zyxwvutsrq's sleep"


def at(y, m, d, h=10):
    return datetime(y, m, d, h, tzinfo=SUMMARY_TZ)


def person_with_a_history(station, *, user=None):
    """A resident with a marker name and a year of activity counted in the
    summaries: check-ins, a completed sensitive consultation with notes,
    approved hours, consents; and an event still to come."""
    resident = factories.ResidentFactory(
        station=station, family_name=MARKER, given_name="Quinn", chinese_name="甲乙丙",
        email=EMAIL, phone=PHONE, nationality="DE", category="foreign",
        document_type="passport", document_number=DOCUMENT,
        document_expires=timezone.localdate() + timedelta(days=200), user=user,
        registered_at=at(2024, 3, 1), address="1 Marker Lane",
    )
    for year in (2024, 2025):
        event = factories.EventFactory(station=station, starts_at=at(year, 6, 1),
                                       ends_at=at(year, 6, 1, 12))
        factories.RegistrationFactory(event=event, resident=resident,
                                      checked_in_at=at(year, 6, 1, 10))
    topic = factories.TopicFactory(slug="counselling", is_sensitive=True)
    factories.ConsentFactory(resident=resident, purpose=Consent.Purpose.HEALTH_COUNSELLING)
    factories.ConsultationFactory(station=station, resident=resident, topic=topic,
                                  starts_at=at(2025, 3, 3), ends_at=at(2025, 3, 3, 11),
                                  status=Consultation.Status.COMPLETED, notes=NOTE)
    factories.HoursEntryFactory(station=station, volunteer=resident, date=at(2025, 4, 4).date(),
                                hours=Decimal("3.5"), status=HoursEntry.Status.APPROVED,
                                reviewed_at=at(2025, 4, 5),
                                description=f"helped {MARKER}")
    coming = factories.EventFactory(station=station, capacity=1)
    mine = registration_create(event=coming, resident=resident)
    waiting = registration_create(event=coming,
                                  resident=factories.ResidentFactory(station=station))
    return resident, mine, waiting


def figures(scope):
    out = {}
    for year in (2024, 2025):
        summary = build_summary(scope, year, "en")
        for section in summary.sections:
            for line in section.lines:
                out[(year, line.key)] = (line.current, line.previous,
                                         [(c.key, c.current, c.previous) for c in line.cells])
    return out


@pytest.mark.django_db
def test_anonymising_keeps_every_summary_figure_and_removes_the_identity(station_a):
    resident, mine, waiting = person_with_a_history(station_a)
    others = factories.ResidentFactory.create_batch(3, station=station_a, nationality="DE")
    del others
    station_scope, region_scope = scope_for_station(station_a), scope_for_region(
        station_a.region.parent.parent)
    before = figures(station_scope), figures(region_scope)
    resident_anonymise(resident=resident, actor=None)
    assert (figures(station_scope), figures(region_scope)) == before
    resident.refresh_from_db()
    assert resident.family_name == f"#{resident.pk}" and resident.anonymised_at
    for name in ("given_name", "chinese_name", "email", "phone", "address", "document_number",
                 "document_number_hash", "document_type"):
        assert getattr(resident, name) == "", name
    assert resident.document_expires is None
    assert Consultation.objects.get(resident=resident).notes == ""
    assert HoursEntry.objects.get(volunteer=resident).description == ""
    assert not Consent.objects.filter(resident=resident, withdrawn_at__isnull=True).exists()
    # what was still to come is given back: the waiting person moves up
    mine.refresh_from_db()
    waiting.refresh_from_db()
    assert (mine.status, waiting.status) == ("cancelled", "confirmed")
    pending = Reminder.objects.filter(recipient="resident", status="pending",
                                      kind__in=[Kind.EVENT_REMINDER, Kind.DOCUMENT_EXPIRY])
    assert not pending.filter(target_id__in=[mine.pk, resident.pk]).exists()


@pytest.mark.django_db
def test_old_ticket_links_open_nothing_after_anonymising(client, station_a):
    from events import tickets

    resident, mine, _waiting = person_with_a_history(station_a)
    old = tickets.ticket_path(mine, language="en")
    assert client.get(old).status_code == 200
    resident_anonymise(resident=resident, actor=None)
    assert client.get(old).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_no_trace_of_the_person_is_left_in_the_database(station_a):
    user = factories.UserFactory(email=EMAIL, full_name=f"Quinn {MARKER}")
    resident, _mine, _waiting = person_with_a_history(station_a, user=user)
    from reminders.dispatch import send_due

    send_due()  # so that sent messages record the address
    assert Reminder.objects.filter(sent_to=EMAIL).exists()
    assert MARKER in dump() and EMAIL in dump()
    account_erase(user=user, actor=user, password=factories.PASSWORD)
    text = dump()
    for trace in (MARKER, MARKER.lower(), EMAIL, "甲乙丙", "1 Marker Lane", DOCUMENT,
                  PHONE.replace(" ", ""), "marker note"):
        assert trace not in text, trace
    assert not User.objects.filter(email=EMAIL).exists()
    assert Resident.objects.filter(pk=resident.pk).exists()


def dump() -> str:
    s = connection.settings_dict
    command = ["pg_dump", "--data-only", "--no-owner", "-U", s["USER"] or "postgres",
               "-d", s["NAME"]]
    if s.get("HOST"):
        command += ["-h", s["HOST"]]
    if s.get("PORT"):
        command += ["-p", str(s["PORT"])]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


@pytest.mark.django_db
def test_a_resident_deletes_their_account_from_my_page(client, station_a):
    user = factories.UserFactory(email=EMAIL)
    resident, _mine, _waiting = person_with_a_history(station_a, user=user)
    client.force_login(user)
    page = client.get("/en/my/delete/")
    assert page.status_code == 200 and "This cannot be undone." in page.content.decode()
    wrong = client.post("/en/my/delete/", {"password": "not it"})
    assert wrong.status_code == 400 and "The password is not right." in wrong.content.decode()
    assert User.objects.filter(pk=user.pk).exists()
    done = client.post("/en/my/delete/", {"password": factories.PASSWORD}, follow=True)
    assert done.redirect_chain[-1][0] == "/en/my/deleted/"
    assert "Your account is deleted" in done.content.decode()
    assert not User.objects.filter(pk=user.pk).exists()
    resident.refresh_from_db()
    assert resident.anonymised_at is not None and resident.user_id is None
    assert client.get("/en/my/").status_code == 302  # logged out


@pytest.mark.django_db
def test_the_page_speaks_chinese_too(client, station_a):
    user = factories.UserFactory()
    client.force_login(user)
    page = client.get("/zh-hans/my/delete/").content.decode()
    assert "注销我的账户" in page and "此操作无法撤销" in page


@pytest.mark.django_db
def test_staff_accounts_are_not_deleted_here(station_a):
    staff = factories.MembershipFactory(station=station_a, role="staff").user
    with pytest.raises(ErasureRefused):
        account_erase(user=staff, actor=staff, password=factories.PASSWORD)
    assert User.objects.filter(pk=staff.pk).exists()


@pytest.mark.django_db
def test_retention_anonymises_the_idle_and_removes_old_notes(station_a):
    station_a.retention_years = 2
    station_a.save()
    now = timezone.now()
    idle = factories.ResidentFactory(station=station_a, family_name="Idle")
    Resident.objects.filter(pk=idle.pk).update(registered_at=now - timedelta(days=1000),
                                               updated_at=now - timedelta(days=1000))
    active = factories.ResidentFactory(station=station_a, family_name="Active")
    Resident.objects.filter(pk=active.pk).update(registered_at=now - timedelta(days=1000),
                                                 updated_at=now - timedelta(days=1000))
    factories.RegistrationFactory(
        event=factories.EventFactory(station=station_a, starts_at=now - timedelta(days=100),
                                     ends_at=now - timedelta(days=100) + timedelta(hours=2)),
        resident=active, status=Registration.Status.CONFIRMED,
    )
    old = factories.ConsultationFactory(station=station_a, resident=active,
                                        starts_at=now - timedelta(days=900),
                                        ends_at=now - timedelta(days=900) + timedelta(hours=1),
                                        notes="old", status="completed")
    recent = factories.ConsultationFactory(station=station_a, resident=active,
                                           starts_at=now - timedelta(days=30),
                                           ends_at=now - timedelta(days=30) + timedelta(hours=1),
                                           notes="recent", status="completed")
    assert retention_apply(station=station_a, now=now) == {"anonymised": 1, "notes_removed": 1}
    idle.refresh_from_db()
    active.refresh_from_db()
    assert idle.anonymised_at is not None and idle.family_name == f"#{idle.pk}"
    assert active.anonymised_at is None and active.family_name == "Active"
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.notes, recent.notes) == ("", "recent")
    # a second run finds nothing more
    assert retention_apply(station=station_a, now=now) == {"anonymised": 0, "notes_removed": 0}
