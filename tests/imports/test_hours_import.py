"""Importing volunteer hours in the admin: volunteers found by document or
e-mail, opportunities by title, the 24-hour day, re-imports, refusals."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from residents.models import Resident
from stations.models import AuditEntry
from tests import factories
from tests.helpers import login_with_role
from tests.imports.support import (
    HOURS_HEADERS_ZH,
    confirm,
    counts,
    import_url,
    read_xlsx,
    upload,
    xlsx_upload,
)
from volunteers.models import HoursEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

YESTERDAY = timezone.localdate() - timedelta(days=1)


@pytest.fixture
def staff(client, station_a):
    return login_with_role(client, station_a, "staff")


@pytest.fixture
def anna(station_a):
    return factories.ResidentFactory(
        station=station_a, family_name="Schmidt", given_name="Anna", email="anna@example.org",
        document_type="passport", document_number="C01X00T47",
    )


@pytest.fixture
def kim(station_a):
    return factories.ResidentFactory(station=station_a, family_name="Kim", email="kim@example.org")


@pytest.fixture
def beach(station_a):
    return factories.OpportunityFactory(
        station=station_a,
        title_zh_hans="社区环保志愿服务",
        title_en="Community environment volunteering",
    )


def hours_sheet(*rows):
    return xlsx_upload([HOURS_HEADERS_ZH, *rows], name="hours.xlsx")


def preview(client, station, file):
    response = upload(client, HoursEntry, station, file)
    assert response.status_code == 200
    return response


def test_hours_are_imported_as_pending_entries(client, staff, station_a, anna, kim, beach):
    file = hours_sheet(
        ["c01x00t47", None, "Anna Schmidt", YESTERDAY, 3.5, "社区环保志愿服务", "清理沙滩"],
        [None, "KIM@example.org", "Kim", "2025/3/2", "2", "community environment volunteering",
         None],
        [None, "kim@example.org", "Kim", "2025年3月3日", 1.25, None, "翻译"],
    )
    before = counts()
    response = preview(client, station_a, file)
    assert response.context["counts"] == {"create": 3, "update": 0, "unchanged": 0, "error": 0}
    assert counts() == before
    assert confirm(client, HoursEntry, response.context["token"]).status_code == 302
    entries = {(e.volunteer_id, e.date): e for e in HoursEntry.objects.all()}
    first = entries[(anna.pk, YESTERDAY)]
    assert first.hours == Decimal("3.5") and first.opportunity == beach
    assert first.status == HoursEntry.Status.PENDING and first.description == "清理沙滩"
    assert entries[(kim.pk, date(2025, 3, 2))].opportunity == beach
    assert entries[(kim.pk, date(2025, 3, 3))].opportunity is None
    assert AuditEntry.objects.filter(model="volunteers.hoursentry", action="create").count() == 3


def test_a_reimport_changes_nothing_and_corrects_pending_hours(client, staff, station_a, anna,
                                                              beach):
    row = ["C01X00T47", None, "Anna", YESTERDAY, 3, "社区环保志愿服务", "清理沙滩"]
    first = preview(client, station_a, hours_sheet(row))
    confirm(client, HoursEntry, first.context["token"])
    again = preview(client, station_a, hours_sheet(row))
    assert again.context["counts"]["unchanged"] == 1 and again.context["token"] is None
    corrected = preview(client, station_a, hours_sheet(row[:4] + [4] + row[5:]))
    assert corrected.context["counts"]["update"] == 1
    confirm(client, HoursEntry, corrected.context["token"])
    assert HoursEntry.objects.get().hours == Decimal("4")


def test_reviewed_hours_are_final(client, staff, station_a, anna, beach):
    factories.HoursEntryFactory(station=station_a, volunteer=anna, opportunity=beach,
                                date=YESTERDAY, hours=Decimal("3"), status="approved",
                                reviewed_at=timezone.now())
    before = counts()
    row = ["C01X00T47", None, "Anna", YESTERDAY, 5, "社区环保志愿服务", None]
    response = preview(client, station_a, hours_sheet(row))
    assert response.context["errors"][0]["message"] == (
        "These hours have already been reviewed and can no longer be changed."
    )
    assert counts() == before


@pytest.mark.parametrize(
    "logged,rows,refused",
    [
        ([("20", "approved")], [5], True),
        ([("20", "pending")], [4], False),
        ([("20", "rejected")], [10], False),
        ([], [13, 12], True),
        ([], [12, 12], False),
    ],
    ids=["approved+sheet", "exactly 24", "rejected do not count", "two rows", "two rows fit"],
)
def test_a_day_holds_at_most_24_hours(client, staff, station_a, anna, beach, logged, rows,
                                      refused):
    other = factories.OpportunityFactory(station=station_a, title_en="Interpreting",
                                         title_zh_hans="翻译服务")
    for hours, status in logged:
        factories.HoursEntryFactory(
            station=station_a, volunteer=anna, opportunity=None, date=YESTERDAY,
            hours=Decimal(hours), status=status,
            reviewed_at=None if status == "pending" else timezone.now(),
        )
    titles = ["社区环保志愿服务", "翻译服务"]
    file = hours_sheet(*[["C01X00T47", None, "Anna", YESTERDAY, h, titles[i], None]
                         for i, h in enumerate(rows)])
    before = counts()
    response = preview(client, station_a, file)
    if refused:
        messages = [e["message"] for e in response.context["errors"]]
        assert messages and all("a day has at most 24" in m for m in messages)
        assert response.context["token"] is None
        assert counts() == before
    else:
        assert response.context["errors"] == []
        assert confirm(client, HoursEntry, response.context["token"]).status_code == 302
        assert counts()["hours"] == before["hours"] + len(rows)
    assert other


def test_hours_logged_after_the_preview_are_counted_when_confirming(client, staff, station_a,
                                                                    anna, beach):
    response = preview(client, station_a,
                       hours_sheet(["C01X00T47", None, "Anna", YESTERDAY, 10, None, None]))
    factories.HoursEntryFactory(station=station_a, volunteer=anna, date=YESTERDAY,
                                opportunity=beach, hours=Decimal("20"))
    before = counts()
    refused = confirm(client, HoursEntry, response.context["token"])
    assert "The records changed since the preview" in refused.content.decode()
    assert "a day has at most 24" in refused.content.decode()
    assert counts() == before


@pytest.mark.parametrize(
    "row,message",
    [
        (["X999", None, "?", YESTERDAY, 2, None, None],
         "No resident of this station has this document number."),
        ([None, "nobody@example.org", "?", YESTERDAY, 2, None, None],
         "No resident of this station has this e-mail address."),
        ([None, None, "Anna", YESTERDAY, 2, None, None],
         "Give the volunteer's document number or e-mail address."),
        (["C01X00T47", "kim@example.org", "Anna", YESTERDAY, 2, None, None],
         "belong to different residents"),
        (["C01X00T47", None, "Anna", timezone.localdate() + timedelta(days=2), 2, None, None],
         "Hours cannot be logged for a future date."),
        (["C01X00T47", None, "Anna", YESTERDAY, 30, None, None], "less than or equal to 24"),
        (["C01X00T47", None, "Anna", YESTERDAY, 0, None, None], "greater than or equal to 0.25"),
        (["C01X00T47", None, "Anna", YESTERDAY, 2, "Knitting", None],
         "No volunteer opportunity of this station is called “Knitting”."),
        (["C01X00T47", None, "Anna", "3/2/2025", 2, None, None], "either way round"),
    ],
)
def test_bad_rows_are_refused_and_nothing_is_written(client, staff, station_a, anna, kim, row,
                                                     message):
    before = counts()
    response = preview(client, station_a, hours_sheet(row))
    assert any(message in e["message"] for e in response.context["errors"]), response.context[
        "errors"]
    assert response.context["token"] is None
    assert counts() == before


def test_a_sheet_without_a_way_to_find_the_volunteer_is_refused(client, staff, station_a):
    sheet = xlsx_upload([["姓名", "日期", "时长"], ["Anna", YESTERDAY, 2]])
    response = preview(client, station_a, sheet)
    assert "needs at least one of these columns" in response.content.decode()


def test_a_volunteer_of_another_station_is_not_found(client, staff, station_a, station_b):
    factories.ResidentFactory(station=station_b, document_type="passport",
                              document_number="B777", email="b@example.org")
    before = counts()
    response = preview(client, station_a,
                       hours_sheet(["B777", "b@example.org", "?", YESTERDAY, 2, None, None]))
    assert response.context["counts"]["error"] == 1
    assert counts() == before


def test_staff_of_another_station_cannot_import_hours_into_it(client, station_a, station_b, anna):
    login_with_role(client, station_b, "staff")
    before = counts()
    response = upload(client, HoursEntry, station_a,
                      hours_sheet(["C01X00T47", None, "Anna", YESTERDAY, 2, None, None]))
    assert response.context["form"].errors["station"]
    assert counts() == before


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_hours_template_imports_after_the_residents_template(client, staff, station_a, beach,
                                                                 language):
    residents = client.get(import_url(Resident, "import_template", language)).content
    response = upload(client, Resident, station_a, SimpleUploadedFile("r.xlsx", residents))
    confirm(client, Resident, response.context["token"])
    template = client.get(import_url(HoursEntry, "import_template", language))
    assert read_xlsx(template.content)[0][0] == ("证件号码" if language == "zh-hans"
                                                else "document number")
    response = preview(client, station_a, SimpleUploadedFile("h.xlsx", template.content))
    assert response.context["counts"] == {"create": 2, "update": 0, "unchanged": 0, "error": 0}
    assert confirm(client, HoursEntry, response.context["token"]).status_code == 302
    assert HoursEntry.objects.filter(opportunity=beach).count() == 2
