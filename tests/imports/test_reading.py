"""Reading spreadsheets (stations/spreadsheets.py): headers in both
languages, refused files, cell values, and the XLSX reader agreeing with
openpyxl on what a workbook holds."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from residents.imports import COLUMNS, PREFERRED, SPOKEN
from stations.spreadsheets import (
    COUNTRIES,
    CellError,
    ErrorValue,
    Formula,
    SpreadsheetError,
    check_value,
    parse_date,
    parse_decimal,
    read_spreadsheet,
)
from tests.imports.support import (
    RESIDENT_HEADERS_EN,
    RESIDENT_HEADERS_ZH,
    csv_upload,
    xlsx_bytes,
    xlsx_upload,
)

pytestmark = pytest.mark.usefixtures("english")

ROW = ["Schmidt", "Anna", None, "德国", None, None, None, None, None, None, None, None, None, None]


def read(upload, columns=COLUMNS, **kwargs):
    return read_spreadsheet(upload, columns=columns, **kwargs)


def refusal(upload, **kwargs) -> str:
    with pytest.raises(SpreadsheetError) as caught:
        read(upload, **kwargs)
    return " ".join(caught.value.messages)


@pytest.mark.parametrize("headers", [RESIDENT_HEADERS_ZH, RESIDENT_HEADERS_EN])
def test_headers_in_chinese_or_english_name_the_same_columns(headers):
    sheet = read(xlsx_upload([headers, ROW]))
    assert [c.key for c in sheet.columns] == [c.key for c in COLUMNS]
    assert sheet.headers == headers
    assert sheet.rows == [(2, ROW)]


def test_headers_may_vary_in_case_spaces_marks_and_full_width_brackets():
    headers = ["Family Name*", "国籍（国家或地区）", " E-Mail ", "证件有效期至", "Given_Name"]
    sheet = read(xlsx_upload([headers, ["Kim", "KR", "kim@example.org", None, "Min-jun"]]))
    assert [c.key for c in sheet.columns] == [
        "family_name", "nationality", "email", "document_expires", "given_name"
    ]


def test_an_unknown_header_is_refused_naming_it_and_the_accepted_ones():
    message = refusal(xlsx_upload([["姓", "国籍", "护照号"], ["Kim", "KR", "M123"]]))
    assert "“护照号”" in message
    assert "姓 / family name" in message and "证件号码 / document number" in message


def test_a_missing_required_header_is_refused():
    message = refusal(xlsx_upload([["姓", "名"], ["Kim", "Min-jun"]]))
    assert "Required columns are missing: 国籍 / nationality." in message


def test_a_header_repeated_under_two_names_is_refused():
    message = refusal(xlsx_upload([["姓", "国籍", "family name"], ["Kim", "KR", "Kim"]]))
    assert "same column twice" in message


@pytest.mark.parametrize(
    "rows", [[], [RESIDENT_HEADERS_ZH], [RESIDENT_HEADERS_ZH, [None] * 14, []]], ids=["nothing",
    "headers only", "empty rows"]
)
def test_an_empty_sheet_is_refused(rows):
    assert "The sheet is empty" in refusal(xlsx_upload(rows))


def test_values_in_a_column_without_a_header_are_refused():
    message = refusal(xlsx_upload([["姓", "国籍"], ["Kim", "KR", "stray value"]]))
    assert "Columns C hold values but have no header." in message


def test_empty_rows_between_data_are_skipped_and_row_numbers_kept():
    sheet = read(xlsx_upload([["姓", "国籍"], ["Kim", "KR"], [None, None], ["Lee", "KR"]]))
    assert [n for n, _values in sheet.rows] == [2, 4]


def test_only_the_first_worksheet_is_read():
    workbook = Workbook()
    workbook.active.append(["姓", "国籍"])
    workbook.active.append(["Kim", "KR"])
    workbook.create_sheet("notes").append(["anything", "at all"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    sheet = read(SimpleUploadedFile("r.xlsx", buffer.getvalue()))
    assert sheet.rows == [(2, ["Kim", "KR"])]


def test_a_formula_cell_is_kept_as_a_formula_and_refused_as_a_value():
    sheet = read(xlsx_upload([["姓", "国籍"], ["=UPPER(\"kim\")", "KR"]]))
    value = sheet.rows[0][1][0]
    assert value == Formula('=UPPER("kim")')
    with pytest.raises(CellError, match="holds a formula"):
        check_value(value)


def test_an_error_value_is_refused():
    workbook = Workbook()
    workbook.active.append(["姓", "国籍"])
    workbook.active.append(["Kim", "#N/A"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    value = read(SimpleUploadedFile("r.xlsx", buffer.getvalue())).rows[0][1][1]
    assert value == ErrorValue("#N/A")
    with pytest.raises(CellError, match="error value #N/A"):
        check_value(value)


@pytest.mark.parametrize(
    "name,content,expected",
    [
        ("photo.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "not a spreadsheet"),
        ("report.pdf", b"%PDF-1.7\n%", "not a spreadsheet"),
        ("residents", b"family name,nationality\nKim,KR\n", "not a spreadsheet"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel format"),
        ("old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel format"),
        ("fake.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not a readable CSV"),
    ],
)
def test_a_file_that_is_not_a_spreadsheet_is_refused(name, content, expected):
    assert expected in refusal(SimpleUploadedFile(name, content))


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hello")
    assert "not a readable XLSX" in refusal(SimpleUploadedFile("r.xlsx", buffer.getvalue()))


def test_a_workbook_with_a_document_type_declaration_is_refused():
    content = xlsx_bytes([["姓", "国籍"], ["Kim", "KR"]])
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = data.split(b"?>", 1)[-1]
                data = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + body
            archive.writestr(item, data)
    assert "not a readable XLSX" in refusal(SimpleUploadedFile("r.xlsx", buffer.getvalue()))


class Unreadable(SimpleUploadedFile):
    def read(self, *args):
        raise AssertionError("a file over the limit must not be read")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(settings):
    settings.IMPORT_MAX_BYTES = 1000
    upload = Unreadable("big.xlsx", b"x" * 1001)
    assert "files of at most 1000 B are accepted" in refusal(upload)


def test_more_rows_than_the_limit_are_refused(settings):
    settings.IMPORT_MAX_ROWS = 5
    rows = [["姓", "国籍"]] + [[f"Kim{i}", "KR"] for i in range(6)]
    assert "more than 5 rows" in refusal(xlsx_upload(rows))
    assert len(read(xlsx_upload(rows[:6])).rows) == 5


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_csv_in_each_encoding_excel_saves(encoding):
    rows = [["姓", "中文名", "国籍"], ["Wang", "王小明", "中国香港特别行政区"]]
    sheet = read(csv_upload(rows, encoding=encoding))
    assert sheet.rows == [(2, ["Wang", "王小明", "中国香港特别行政区"])]


def test_csv_with_semicolons_and_a_formula():
    sheet = read(csv_upload([["姓", "国籍"], ["=1+1", "DE"]], delimiter=";"))
    assert sheet.rows == [(2, [Formula("=1+1"), "DE"])]


def test_a_csv_file_over_the_limit_is_refused_whatever_it_says_its_size_is(settings):
    settings.IMPORT_MAX_BYTES = 50
    upload = csv_upload([["姓", "国籍"]] + [["Kim", "KR"]] * 20)
    upload.size = 10
    assert "files of at most 50 B" in refusal(upload)


@pytest.mark.parametrize(
    "value,expected",
    [
        ("2025-03-01", date(2025, 3, 1)),
        ("2025-3-1", date(2025, 3, 1)),
        ("2025/3/1", date(2025, 3, 1)),
        ("2025.03.01", date(2025, 3, 1)),
        ("2025年3月1日", date(2025, 3, 1)),
        ("２０２５年３月１日", date(2025, 3, 1)),
        ("01.03.2025", date(2025, 3, 1)),
        ("2025-03-01 00:00:00", date(2025, 3, 1)),
        (datetime(2025, 3, 1), date(2025, 3, 1)),
        (date(2025, 3, 1), date(2025, 3, 1)),
        (None, None),
        ("  ", None),
    ],
)
def test_accepted_dates(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "value,message",
    [
        ("03/04/2025", "could be either way round"),
        ("3-4-25", "could be either way round"),
        ("2025-02-30", "is not a date that exists"),
        ("March 1, 2025", "not a date in an accepted form"),
        ("20250301", "not a date in an accepted form"),
        (45717, "The number 45717 is not a date"),
        (Formula("=TODAY()"), "holds a formula"),
    ],
)
def test_refused_dates_name_the_accepted_forms(value, message):
    with pytest.raises(CellError) as caught:
        parse_date(value)
    assert message in caught.value.message
    if "accepted form" in message or "round" in message:
        assert "2025-03-01, 2025/3/1, 2025年3月1日, 01.03.2025" in caught.value.message


@pytest.mark.parametrize(
    "value,code",
    [("Germany", "DE"), ("德国", "DE"), ("DE", "DE"), ("de", "DE"), ("DEU", "DE"), ("276", "DE"),
     ("USA", "US"), ("美国", "US"), ("United States of America", "US"), ("韩国", "KR"),
     ("中国香港特别行政区", "HK"), ("Hong Kong SAR, China", "HK"), ("香港", "HK")],
)
def test_nationality_by_code_or_name_in_either_language(value, code):
    assert COUNTRIES.parse(value) == code


def test_an_unknown_nationality_is_refused():
    with pytest.raises(CellError, match="not a country or region"):
        COUNTRIES.parse("Atlantis")


def test_languages_and_choices_by_code_or_label_in_either_language():
    assert SPOKEN.parse_many("德语、English; ko, 汉语（普通话）") == ["de", "en", "ko", "zh"]
    assert PREFERRED.parse("简体中文") == "zh-hans"
    assert PREFERRED.parse("English") == "en"
    assert PREFERRED.parse("中文") == "zh-hans"
    with pytest.raises(CellError, match="not one of the accepted values"):
        PREFERRED.parse("Klingon")


@pytest.mark.parametrize(
    "value,expected", [("2.5", Decimal("2.5")), ("2,5", Decimal("2.5")), (3, Decimal(3)),
                       (1.25, Decimal("1.25")), (None, None)]
)
def test_numbers(value, expected):
    assert parse_decimal(value) == expected


def test_a_number_that_is_not_one_is_refused():
    with pytest.raises(CellError, match="is not a number"):
        parse_decimal("two")


# --- The XLSX reader beside openpyxl -----------------------------------------------


def _rich_workbook() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓", "国籍", "到达日期", "证件有效期", "名"])
    sheet.append(["Kim", "KR", date(2025, 3, 1), datetime(2030, 1, 31), 12345])
    sheet.append(["Lee", "KR", date(2024, 12, 31), None, 1.5])
    sheet.append([
        CellRichText([TextBlock(InlineFont(b=True), "Pa"), "rk"]), "韩国", "2025/3/1", None, True,
    ])
    for row in sheet.iter_rows(min_row=2):
        row[2].number_format = "yyyy-mm-dd"
        row[3].number_format = 'yyyy"年"m"月"d"日"'
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_reader_sees_what_openpyxl_sees():
    content = _rich_workbook()
    ours = read(SimpleUploadedFile("r.xlsx", content)).rows
    theirs = list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))[1:]
    assert [values for _n, values in ours] == [
        [str(v) if isinstance(v, CellRichText) else v for v in row] for row in theirs
    ]
    assert ours[0][1][2] == datetime(2025, 3, 1)
    assert ours[2][1][0] == "Park"


def test_undeclared_chinese_date_formats_are_dates():
    """Chinese Excel and WPS store 2025年3月1日 as the built-in format 31,
    which they do not declare in styles.xml."""
    content = _rich_workbook()
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/styles.xml":
                text = data.decode()
                custom = re.search(r'<numFmt numFmtId="(\d+)" formatCode="yyyy&quot;年', text)
                text = text.replace(f'numFmtId="{custom.group(1)}"', 'numFmtId="31"')
                text = re.sub(r'<numFmt numFmtId="31"[^>]*/>', "", text)
                data = text.encode()
            archive.writestr(item, data)
    rows = read(SimpleUploadedFile("r.xlsx", buffer.getvalue())).rows
    assert rows[0][1][3] == datetime(2030, 1, 31)
