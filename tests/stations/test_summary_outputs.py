"""The summaries officials and staff see: who may see which scope, that no
output holds a resident's name, phone or document, both languages in every
format, the PDF's glyphs, the command, the delivery and the query count."""

import csv
import io
from datetime import date, datetime

import pypdfium2
import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from fontTools.ttLib import TTFont
from openpyxl import load_workbook

from consultations.models import Consultation
from reminders.dispatch import send_due
from reminders.models import Kind, Reminder
from stations.delivery import summary_delivery_due
from stations.exporters import export_summary
from stations.exporters.pdf import font_path
from stations.periods import SUMMARY_TZ
from stations.reminders import plan_summary_deliveries
from stations.summary import build_summary, scope_for_region
from tests import factories
from tests.helpers import admin_path, log_in_verified

pytestmark = pytest.mark.django_db
YEAR = 2025
MARKERS = ("Zyxmarkerfamily", "Qwvmarkergiven", "标记人名", "+4915123456789", "MARKERDOC991")


def at(m, d, h=10):
    return datetime(YEAR, m, d, h, tzinfo=SUMMARY_TZ)


@pytest.fixture
def city():
    """A city with two districts, each with a street and two stations, and
    residents carrying marker names in every station."""
    city = factories.CityFactory(code="testcity", name_en="Test City", name_zh_hans="测试市")
    districts = []
    for _n in (1, 2):
        district = factories.RegionFactory.create_district(city)
        street = factories.RegionFactory.create_street(district)
        stations = [
            factories.StationFactory(region=factories.RegionFactory(parent=street))
            for _ in range(2)
        ]
        districts.append((district, stations))
    topic = factories.TopicFactory(slug="visas", name_en="Visas", name_zh_hans="签证")
    category = factories.EventCategoryFactory()
    for _district, stations in districts:
        for station in stations:
            _populate(station, topic, category)
    return city, districts


def _populate(station, topic, category):
    people = [
        factories.ResidentFactory(
            station=station,
            family_name=f"{MARKERS[0]}{i}",
            given_name=MARKERS[1],
            chinese_name=MARKERS[2],
            phone=MARKERS[3],
            document_type="passport",
            document_number=f"{MARKERS[4]}{station.pk}{i}",
            registered_at=at(2, 1),
            nationality=("DE", "DE", "DE", "FR")[i],
        )
        for i in range(4)
    ]
    event = factories.EventFactory(
        station=station, category=category, starts_at=at(3, 1), ends_at=at(3, 1, 12)
    )
    for person in people:
        factories.RegistrationFactory(event=event, resident=person, checked_in_at=at(3, 1, 11))
    counsellor = factories.CounsellorFactory(station=station, name="Counsellor Markername")
    factories.ConsultationFactory(
        station=station,
        resident=people[0],
        topic=topic,
        counsellor=counsellor,
        starts_at=at(4, 1),
        ends_at=at(4, 1, 11),
        status=Consultation.Status.COMPLETED,
        notes="Private note about Zyxmarkerfamily",
    )
    factories.HoursEntryFactory(
        station=station,
        volunteer=people[1],
        date=date(YEAR, 5, 1),
        status="approved",
        reviewed_at=at(5, 2),
    )


@pytest.fixture
def official(city):
    _city, districts = city
    membership = factories.RegionMembershipFactory(region=districts[0][0])
    return membership.user


def _texts(fmt, content) -> str:
    if fmt == "csv":
        return content.decode("utf-8-sig")
    if fmt == "xlsx":
        wb = load_workbook(io.BytesIO(content))
        return "\n".join(
            str(v)
            for ws in wb.worksheets
            for row in ws.iter_rows(values_only=True)
            for v in row
            if v is not None
        )
    doc = pypdfium2.PdfDocument(content)
    return "\n".join(page.get_textpage().get_text_range() for page in doc)


def test_official_sees_own_district_and_its_stations(client, city, official):
    _city, districts = city
    district, stations = districts[0]
    log_in_verified(client, official)
    page = client.get("/en/summaries/")
    assert page.status_code == 200
    assert f"region:{district.code}" in page.content.decode()
    assert f"region:{districts[1][0].code}" not in page.content.decode()
    for param in [f"region:{district.code}"] + [f"station:{s.slug}" for s in stations]:
        response = client.get("/en/summaries/", {"scope": param, "year": YEAR})
        assert response.status_code == 200, param
        assert "Participant-times (check-ins)" in response.content.decode()
    page = client.get("/en/summaries/", {"scope": f"region:{district.code}", "year": YEAR})
    text = page.content.decode()
    street = stations[0].region.parent
    assert "By region" in text and street.name_en in text  # the streets below the district
    assert "By station" in text and all(s.name_en in text for s in stations)


def test_official_gets_404_for_another_district_and_each_of_its_stations(client, city, official):
    city_region, districts = city
    other, stations = districts[1]
    log_in_verified(client, official)
    params = [f"region:{other.code}", f"region:{city_region.code}", "region:nowhere"]
    params += [f"station:{s.slug}" for s in stations]
    for param in params:
        for path in ("/en/summaries/", "/en/summaries/download/"):
            response = client.get(path, {"scope": param, "year": YEAR, "format": "csv"})
            assert response.status_code == 404, (param, path)


def test_people_who_are_not_officials_get_404(client, city, staff_a):
    log_in_verified(client, staff_a)
    assert client.get("/en/summaries/").status_code == 404
    client.logout()
    assert client.get("/en/summaries/").status_code == 302  # to the login page


def test_bad_input_gets_a_clear_message(client, city, official):
    _city, districts = city
    log_in_verified(client, official)
    scope = f"region:{districts[0][0].code}"
    future = client.get("/en/summaries/", {"scope": scope, "year": date.today().year + 1})
    assert future.status_code == 400
    assert "has not begun yet" in future.content.decode()
    wrong = client.get("/zh-hans/summaries/", {"scope": scope, "year": "abc"})
    assert wrong.status_code == 400
    assert "请输入年份" in wrong.content.decode()
    fmt = client.get("/en/summaries/download/", {"scope": scope, "year": YEAR, "format": "doc"})
    assert fmt.status_code == 400
    assert "Unknown format" in fmt.content.decode()


def test_no_page_or_file_holds_a_name_phone_or_document(client, city, official):
    _city, districts = city
    district, stations = districts[0]
    log_in_verified(client, official)
    outputs = []
    for lang in ("en", "zh-hans"):
        for param in [f"region:{district.code}", f"station:{stations[0].slug}"]:
            outputs.append(
                client.get(f"/{lang}/summaries/", {"scope": param, "year": YEAR}).content.decode()
            )
            for fmt in ("csv", "xlsx", "pdf"):
                response = client.get(
                    f"/{lang}/summaries/download/", {"scope": param, "year": YEAR, "format": fmt}
                )
                assert response.status_code == 200
                outputs.append(_texts(fmt, response.content))
    for text in outputs:
        assert "Participant-times" in text or "参与人次" in text  # not empty
        for marker in (*MARKERS, "Markername"):
            assert marker not in text


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_every_format_in_both_languages(city, fmt):
    city_region, _districts = city
    scope = scope_for_region(city_region)
    english = _texts(fmt, export_summary(scope=scope, year=YEAR, fmt=fmt, language="en").content)
    chinese = _texts(
        fmt, export_summary(scope=scope, year=YEAR, fmt=fmt, language="zh-hans").content
    )
    assert "Participant-times (check-ins)" in english
    assert "参与人次（签到）" in chinese
    assert "测试市" in chinese and "Test City" in english
    if fmt != "pdf":  # the PDF is bilingual by design
        assert "参与人次" not in english
        assert "Participant-times" not in chinese


def test_csv_is_one_tidy_table(city):
    city_region, districts = city
    content = export_summary(
        scope=scope_for_region(city_region), year=YEAR, fmt="csv", language="en"
    ).content
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == ["scope", "station", "figure", "breakdown", "year", "value"]
    assert {len(r) for r in rows} == {6}
    total = [r for r in rows if r[1] == "" and r[2] == "Participant-times (check-ins)"]
    assert total == [
        ["Test City", "", "Participant-times (check-ins)", "", "2025", "16"],
        ["Test City", "", "Participant-times (check-ins)", "", "2024", "0"],
    ]
    # one French resident per station: merged with Germany into "other" per station
    station = districts[0][1][0].name_en
    assert [r[3:] for r in rows if r[1] == station and r[2] == "Residents by nationality"] == [
        ["Other", "2025", "4"],
        ["Other", "2024", "0"],
    ]
    # the city has 4 French residents: shown
    assert ["Test City", "", "Residents by nationality", "France", "2025", "4"] in rows


def test_xlsx_has_a_sheet_per_section_numbers_and_charts(city):
    city_region, _districts = city
    content = export_summary(
        scope=scope_for_region(city_region), year=YEAR, fmt="xlsx", language="en"
    ).content
    wb = load_workbook(io.BytesIO(content))
    assert wb.sheetnames == [
        "Overview",
        "Residents",
        "Neighbour events",
        "One-to-one consultations",
        "Volunteering",
        "Co-building partners",
        "By region",
        "By station",
    ]
    overview = {row[0]: row[1:] for row in wb["Overview"].iter_rows(values_only=True) if row[0]}
    assert overview["Residents registered at the year's end"][:3] == (16, 0, 16)
    assert wb["Overview"]["B7"].number_format == "#,##0"
    stations = list(wb["By station"].iter_rows(values_only=True))
    assert len(stations) == 1 + 4
    # native charts survive a save (openpyxl keeps them in the drawing parts)
    with io.BytesIO(content) as raw:
        import zipfile

        names = zipfile.ZipFile(raw).namelist()
    assert any(n.startswith("xl/charts/chart") for n in names)


def test_pdf_embeds_a_font_with_every_glyph_and_renders_chinese(city, tmp_path):
    city_region, _districts = city
    content = export_summary(
        scope=scope_for_region(city_region), year=YEAR, fmt="pdf", language="zh-hans"
    ).content
    doc = pypdfium2.PdfDocument(content)
    text = "".join(page.get_textpage().get_text_range() for page in doc)
    assert "年度总结" in text and "Yearly summary" in text
    cmap = TTFont(font_path(), lazy=True).getBestCmap()
    missing = {ch for ch in text if not ch.isspace() and ord(ch) not in cmap}
    assert missing == set()
    assert b"/FontFile3" in content or b"/FontFile2" in content  # the font is embedded
    # the first page rendered: the title area holds dark pixels (glyphs drawn)
    image = doc[0].render(scale=1).to_pil().convert("L")
    title_area = image.crop((40, 40, 400, 90))
    assert title_area.getextrema()[0] < 100
    image.save(tmp_path / "page1.png")


def test_query_count_does_not_grow_with_stations(city):
    city_region, districts = city

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            build_summary(scope_for_region(city_region), YEAR, "en")
        return len(ctx.captured_queries)

    before = queries()
    street = factories.RegionFactory.create_street(districts[0][0])
    topic = factories.TopicFactory(slug="visas")
    category = factories.EventCategoryFactory()
    for _ in range(5):
        _populate(
            factories.StationFactory(region=factories.RegionFactory(parent=street)), topic, category
        )
    assert queries() == before


def test_staff_download_their_station_and_get_404_for_another(
    client, station_a, station_b, staff_a
):
    log_in_verified(client, staff_a)
    change = client.get(admin_path("stations_station_change", station_a.pk))
    summary_path = admin_path("stations_station_summary", station_a.pk)
    assert summary_path in change.content.decode()  # the button on the station's page
    page = client.get(summary_path)
    assert page.status_code == 200
    response = client.get(
        admin_path("stations_station_summary", station_a.pk),
        {"year": YEAR, "format": "csv", "language": "zh-hans"},
    )
    assert response.status_code == 200
    assert "居民" in response.content.decode("utf-8-sig")
    assert response["Content-Disposition"].endswith('.csv"')
    for query in ({}, {"year": YEAR, "format": "pdf", "language": "en"}):
        other = client.get(admin_path("stations_station_summary", station_b.pk), query)
        assert other.status_code == 404
    bad = client.get(
        admin_path("stations_station_summary", station_a.pk),
        {"year": YEAR, "format": "csv", "language": "fr"},
    )
    assert bad.status_code == 400
    assert "Unknown language" in bad.content.decode()


def test_export_summary_command(city, tmp_path):
    _city, districts = city
    out = tmp_path / "summary.xlsx"
    call_command(
        "export_summary",
        "--region",
        districts[0][0].code,
        "--year",
        str(YEAR),
        "--format",
        "xlsx",
        "--language",
        "en",
        "--output",
        str(out),
    )
    assert load_workbook(out)["Overview"]["A1"].value.startswith("Yearly summary 2025")
    out = tmp_path / "summary.csv"
    call_command(
        "export_summary",
        "--station",
        districts[0][1][0].slug,
        "--year",
        str(YEAR),
        "--format",
        "csv",
        "--language",
        "zh-hans",
        "--output",
        str(out),
    )
    assert "居民" in out.read_text(encoding="utf-8-sig")
    with pytest.raises(CommandError, match="Unknown format"):
        call_command(
            "export_summary",
            "--region",
            districts[0][0].code,
            "--year",
            "2025",
            "--format",
            "docx",
            "--language",
            "en",
            "--output",
            str(out),
        )
    with pytest.raises(CommandError, match="No region"):
        call_command(
            "export_summary",
            "--region",
            "nowhere",
            "--year",
            "2025",
            "--format",
            "csv",
            "--language",
            "en",
            "--output",
            str(out),
        )


def test_delivery_due_on_the_regions_day_and_sent_in_the_officials_language(city):
    city_region, districts = city
    district = districts[0][0]
    district.summary_delivery_month, district.summary_delivery_day = 2, 1
    district.save()
    zh = factories.RegionMembershipFactory(region=district, user__preferred_language="zh-hans")
    en = factories.RegionMembershipFactory(region=city_region, user__preferred_language="en")
    assert summary_delivery_due(date(2026, 1, 9)) == []
    due = summary_delivery_due(date(2026, 1, 10))
    assert [(d.region, d.official, d.year) for d in due] == [(city_region, en.user, 2025)]
    due = summary_delivery_due(date(2026, 3, 1))  # a missed day catches up
    assert {d.official for d in due} == {zh.user, en.user}
    # through the reminder machinery: a row per region, official and year
    assert plan_summary_deliveries(today=date(2026, 1, 10)) == 1
    assert plan_summary_deliveries(today=date(2026, 3, 1)) == 2
    assert plan_summary_deliveries(today=date(2026, 3, 2)) == 2  # planned again: no new rows
    rows = Reminder.objects.filter(kind=Kind.SUMMARY_DELIVERY)
    assert sorted(rows.values_list("recipient", "occasion")) == sorted(
        [(f"user:{zh.user.pk}", "2025"), (f"user:{en.user.pk}", "2025")]
    )
    assert send_due().sent == 2
    assert send_due().sent == 0  # sent once only
    assert len(mail.outbox) == 2
    by_recipient = {m.to[0]: m for m in mail.outbox}
    chinese, english = by_recipient[zh.user.email], by_recipient[en.user.email]
    assert chinese.subject.startswith("2025年度总结")
    assert english.subject == "Yearly summary 2025: Test City"
    assert [a[0] for a in english.attachments] == [
        "summary-testcity-2025-en.pdf",
        "summary-testcity-2025-en.xlsx",
    ]
    assert "/en/summaries/" in english.body


def test_delivery_day_must_exist_every_year(city):
    from django.core.exceptions import ValidationError

    city_region, _ = city
    city_region.summary_delivery_month, city_region.summary_delivery_day = 2, 29
    with pytest.raises(ValidationError):
        city_region.full_clean()
