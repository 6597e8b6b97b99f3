"""Exporting the admin's lists (stations/exports.py): only the filtered rows
of the user's stations, in the user's language, never the notes, the
document only for roles that may change residents, and an audit entry per
exported row."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from consultations.models import Consultation
from events.models import Registration
from residents.models import Resident
from stations.models import AuditEntry
from tests import factories
from tests.helpers import admin_url, log_in_verified, login_with_role, post_action
from tests.imports.support import read_xlsx
from volunteers.models import HoursEntry

pytestmark = pytest.mark.django_db


def export(client, model, action, *, rows=(), query="", language="en"):
    """Run an export action: on `rows`, or with `query` on the whole filtered list."""
    if rows:
        response = post_action(client, model, action, rows)
    else:
        url = admin_url(model, "changelist") + query
        if language != "en":
            url = url.replace("/en/", f"/{language}/", 1)
        response = client.post(
            url, {"action": action, "select_across": "1", "index": "0",
                  "_selected_action": ["0"]},
        )
    assert response.status_code == 200, response.content[:500]
    return response


def table(response) -> list[list]:
    if response["Content-Type"].startswith("text/csv"):
        text = response.content.decode("utf-8")
        assert text.startswith("\ufeff")
        return list(csv.reader(io.StringIO(text[1:])))
    return read_xlsx(response.content)


@pytest.fixture
def residents(station_a, station_b):
    return {
        "anna": factories.ResidentFactory(
            station=station_a, family_name="Schmidt", given_name="Anna", nationality="DE",
            category="foreign", document_type="passport", document_number="C01X00T47",
        ),
        "wong": factories.ResidentFactory(
            station=station_a, family_name="Wong", given_name="Ka-ho", nationality="HK",
            category="hmt", languages=["yue", "en"],
        ),
        "other": factories.ResidentFactory(station=station_b, family_name="Bstation",
                                           category="hmt"),
    }


def test_the_filtered_list_in_the_users_language(client, station_a, residents):
    login_with_role(client, station_a, "staff")
    response = export(client, Resident, "export_as_xlsx", query="?category__exact=hmt")
    assert response["Content-Disposition"].startswith('attachment; filename="residents-')
    assert "no-store" in response["Cache-Control"]
    rows = table(response)
    assert rows[0][:3] == ["Station", "family name", "given name"]
    assert [r[1] for r in rows[1:]] == ["Wong"]  # not Anna (filtered), not station B's
    wong = dict(zip(rows[0], rows[1], strict=True))
    assert wong["nationality"] == "Hong Kong SAR, China"
    assert wong["category"] == "Hong Kong, Macao or Taiwan resident"
    assert wong["languages"] == "Cantonese, English"

    chinese = table(export(client, Resident, "export_as_csv", query="?category__exact=hmt",
                           language="zh-hans"))
    assert chinese[0][:3] == ["服务站", "姓", "名"]
    wong = dict(zip(chinese[0], chinese[1], strict=True))
    assert wong["国籍"] == "中国香港特别行政区" and wong["类别"] == "港澳台居民"


def test_rows_of_another_station_are_never_exported(client, station_a, residents):
    login_with_role(client, station_a, "manager")
    rows = table(post_action(client, Resident, "export_as_csv",
                             [residents["anna"], residents["other"]]))
    assert [r[1] for r in rows[1:]] == ["Schmidt"]
    everything = table(export(client, Resident, "export_as_csv"))
    assert sorted(r[1] for r in everything[1:]) == ["Schmidt", "Wong"]


def test_another_stations_staff_export_nothing_of_it(client, station_b, residents):
    login_with_role(client, station_b, "staff")
    rows = table(post_action(client, Resident, "export_as_xlsx",
                             [residents["anna"], residents["wong"]]))
    assert rows[1:] == []


def test_the_document_only_for_roles_that_may_change_residents(client, station_a, residents):
    login_with_role(client, station_a, "staff")
    staff_rows = table(export(client, Resident, "export_as_csv"))
    assert "document number" in staff_rows[0]
    assert "C01X00T47" in {cell for row in staff_rows for cell in row}

    client.logout()
    login_with_role(client, station_a, "counsellor")
    counsellor_rows = table(export(client, Resident, "export_as_csv"))
    assert "document number" not in counsellor_rows[0]
    assert "document type" not in counsellor_rows[0]
    assert "C01X00T47" not in {cell for row in counsellor_rows for cell in row}


def test_a_person_who_may_not_change_residents_at_one_of_the_stations(client, station_a,
                                                                      station_b, residents):
    user = factories.MembershipFactory(station=station_a, role="staff").user
    factories.MembershipFactory(station=station_b, role="counsellor", user=user)
    log_in_verified(client, user)
    both = table(export(client, Resident, "export_as_csv"))
    assert "document number" not in both[0]
    only_a = table(post_action(client, Resident, "export_as_csv", [residents["anna"]]))
    assert "document number" in only_a[0]


def test_each_exported_row_is_recorded_in_the_audit_log(client, station_a, residents):
    user = login_with_role(client, station_a, "staff")
    export(client, Resident, "export_as_xlsx")
    entries = AuditEntry.objects.filter(action="export", model="residents.resident")
    assert sorted(e.object_id for e in entries) == sorted(
        str(residents[k].pk) for k in ("anna", "wong")
    )
    assert all(e.actor_id == user.pk for e in entries)
    assert "document_number" in entries[0].changes["fields"]


def test_consultation_notes_are_never_exported(client, station_a):
    counsellor_user = factories.MembershipFactory(station=station_a, role="counsellor").user
    counsellor = factories.CounsellorFactory(station=station_a, user=counsellor_user)
    consultation = factories.ConsultationFactory(
        station=station_a, counsellor=counsellor, notes="Talked about the visa problem",
    )
    log_in_verified(client, counsellor_user)  # even the consultation's own counsellor
    for action in ("export_as_xlsx", "export_as_csv"):
        rows = table(post_action(client, Consultation, action, [consultation]))
        cells = {str(cell) for row in rows for cell in row}
        assert "Talked about the visa problem" not in cells
        assert "notes" not in rows[0]
        assert len(rows) == 2
    assert AuditEntry.objects.filter(action="export", model="consultations.consultation",
                                     object_id=str(consultation.pk)).count() == 2


def test_registrations_export_in_chinese(client, station_a, station_b):
    event = factories.EventFactory(
        station=station_a, title_zh_hans="中秋博饼", title_en="Mid-Autumn"
    )
    registration = factories.RegistrationFactory(event=event, resident__family_name="Kim")
    factories.RegistrationFactory(event__station=station_b)
    login_with_role(client, station_a, "staff")
    rows = table(export(client, Registration, "export_as_csv", language="zh-hans"))
    assert len(rows) == 2
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["活动"] == "中秋博饼"
    assert registration.resident.display_name in rows[1]
    assert "已确认" in rows[1] or registration.get_status_display() in rows[1]


def test_hours_export_respects_the_filter(client, station_a):
    volunteer = factories.ResidentFactory(station=station_a, family_name="Okafor")
    yesterday = timezone.localdate() - timedelta(days=1)
    factories.HoursEntryFactory(station=station_a, volunteer=volunteer, date=yesterday,
                                hours=Decimal("2.5"))
    factories.HoursEntryFactory(station=station_a, volunteer=volunteer, date=yesterday,
                                hours=Decimal("1"), status="approved", reviewed_at=timezone.now())
    login_with_role(client, station_a, "staff")
    rows = table(export(client, HoursEntry, "export_as_xlsx", query="?status__exact=pending"))
    assert len(rows) == 2
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["Hours"] == 2.5 and record["Status"] == "Pending"


def test_a_value_a_spreadsheet_would_run_is_written_as_text(client, station_a):
    factories.ResidentFactory(station=station_a, family_name='=HYPERLINK("http://x.test")',
                              phone="+86 592 123 4567")
    login_with_role(client, station_a, "staff")
    rows = table(export(client, Resident, "export_as_csv"))
    assert rows[1][1] == '\'=HYPERLINK("http://x.test")'
    assert "+865921234567" in rows[1]  # phone numbers stay as they are
    from openpyxl import load_workbook

    content = export(client, Resident, "export_as_xlsx").content
    cell = load_workbook(io.BytesIO(content)).worksheets[0]["B2"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x.test")'


def test_the_export_runs_a_fixed_number_of_queries(client, station_a,
                                                    django_assert_max_num_queries):
    for i in range(30):
        factories.RegistrationFactory(event__station=station_a, resident__family_name=f"P{i}")
    login_with_role(client, station_a, "staff")
    export(client, Registration, "export_as_csv")  # warm the caches
    with django_assert_max_num_queries(20):
        rows = table(export(client, Registration, "export_as_csv"))
    assert len(rows) == 31
