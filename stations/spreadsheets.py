"""Spreadsheet imports in the staff admin: reading XLSX and CSV files, column
headers in Chinese or English, cell values, the preview kept between upload
and confirmation, and the admin pages (docs/import-export.md).

The flow, the same in the admin and in scripts/bench_import.py:

1. `preview_import` reads the upload (`read_spreadsheet`), asks the importer
   for a plan (which rows create, update, change nothing, or are refused, with
   the reason per cell) and, when no row is refused, keeps the parsed cells
   server-side (`PreviewStore`). Nothing of the station's data is written.
2. `confirm_import` takes the preview back by its random id, only in the
   session that made it and only until it expires, plans again inside one
   transaction with the rows locked, refuses when the plan differs from the
   one shown (someone changed the data meanwhile), and writes it all or
   nothing.

Importers (residents/imports.py, volunteers/imports.py) provide `columns`,
`plan()`, `write()` and `template_rows()`; this module knows no model.

Column headers are the file format's vocabulary, fixed in code in both
languages (`Column.zh`, `Column.en`, plus aliases): a sheet written last year
must still import after a catalogue changes a translation, so headers never
go through gettext. Every message about a file, a row or a cell does.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import secrets
import time as time_module
import unicodedata
import xml.parsers.expat as expat
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import crypto

# --- What a file may be ------------------------------------------------------------

CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"
# Excel's own limit; a row wider than this is not a sheet someone typed
MAX_COLUMNS = 16_384


def max_bytes() -> int:
    return settings.IMPORT_MAX_BYTES


def max_rows() -> int:
    return settings.IMPORT_MAX_ROWS


class SpreadsheetError(Exception):
    """The file as a whole is refused; `messages` say why, in the active language."""

    def __init__(self, *messages: str):
        super().__init__(*messages)
        self.messages = [str(m) for m in messages]


class CellError(Exception):
    """One cell's value is refused; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = str(message)


@dataclass(frozen=True)
class Formula:
    """A cell that holds a formula instead of a value."""

    text: str


@dataclass(frozen=True)
class ErrorValue:
    """A cell that holds a spreadsheet error (#N/A, #REF!...)."""

    text: str


def chunks(values, size: int = 5000):
    """`values` in lists of at most `size`: for `__in` lookups of a whole sheet."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} B"


# --- Columns and headers -----------------------------------------------------------


def normalize_header(text: str) -> str:
    """A header as people vary it, reduced to one form: full-width made plain,
    case folded, notes in brackets dropped ("时长（小时）" is "时长"), spaces,
    dashes, underscores, stars (required marks) and colons removed."""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", "", text)
    return re.sub(r"[\s\-_*:.]+", "", text)


@dataclass(frozen=True)
class Column:
    """One column of an import format: its key (the importer's name for it),
    its header in English and in Chinese, other accepted headers, and whether
    the sheet must have it."""

    key: str
    en: str
    zh: str
    required: bool = False
    aliases: tuple[str, ...] = ()

    def header(self, language: str | None = None) -> str:
        language = language or translation.get_language() or settings.LANGUAGE_CODE
        return self.zh if language.startswith("zh") else self.en

    @property
    def both(self) -> str:
        return f"{self.zh} / {self.en}"

    def names(self) -> set[str]:
        return {normalize_header(n) for n in (self.en, self.zh, *self.aliases)}


def header_lookup(columns: Sequence[Column]) -> dict[str, Column]:
    lookup: dict[str, Column] = {}
    for column in columns:
        for name in column.names():
            if name in lookup and lookup[name] is not column:
                raise ValueError(f"header {name!r} names two columns")
            lookup[name] = column
    return lookup


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: as a spreadsheet shows the column."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class Sheet:
    """The data rows of a file, as read: `columns` in the file's order, the
    headers as the file wrote them, and per row its number in the file and the
    values aligned with `columns` (str, int, float, bool, date, datetime,
    Formula, ErrorValue or None for an empty cell)."""

    columns: list[Column]
    headers: list[str]
    rows: list[tuple[int, list[Any]]]

    def header_of(self, key: str) -> str:
        for column, header in zip(self.columns, self.headers, strict=True):
            if column.key == key:
                return header
        return ""

    def position(self, key: str) -> int | None:
        for index, column in enumerate(self.columns):
            if column.key == key:
                return index
        return None

    # stored between preview and confirmation (PreviewStore), as JSON
    def to_json(self) -> str:
        return json.dumps(
            {
                "columns": [c.key for c in self.columns],
                "headers": self.headers,
                "rows": [[n, [_encode(v) for v in values]] for n, values in self.rows],
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str, columns: Sequence[Column]) -> Sheet:
        data = json.loads(text)
        by_key = {c.key: c for c in columns}
        return cls(
            columns=[by_key[k] for k in data["columns"]],
            headers=list(data["headers"]),
            rows=[(n, [_decode(v) for v in values]) for n, values in data["rows"]],
        )


def _encode(value):
    if isinstance(value, datetime):
        return ["dt", value.isoformat()]
    if isinstance(value, date):
        return ["d", value.isoformat()]
    if isinstance(value, time):
        return ["t", value.isoformat()]
    if isinstance(value, Formula):
        return ["f", value.text]
    if isinstance(value, ErrorValue):
        return ["e", value.text]
    return value


_DECODERS = {
    "dt": datetime.fromisoformat,
    "d": date.fromisoformat,
    "t": time.fromisoformat,
    "f": Formula,
    "e": ErrorValue,
}


def _decode(value):
    if isinstance(value, list):
        return _DECODERS[value[0]](value[1])
    return value


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and value == "")


class _Collector:
    """Takes the file's rows one by one: the first non-empty row is the header
    row; the data rows keep the values of the known columns."""

    def __init__(self, columns: Sequence[Column], *, limit: int, required_any=()):
        self.columns = columns
        self.lookup = header_lookup(columns)
        self.limit = limit
        self.required_any = required_any
        self.positions: list[int] | None = None
        self.used: list[Column] = []
        self.headers: list[str] = []
        self.rows: list[tuple[int, list[Any]]] = []
        self.stray: set[int] = set()

    def row(self, number: int, cells: dict[int, Any]) -> None:
        if all(_blank(v) for v in cells.values()):
            return
        if self.positions is None:
            self._header(cells)
            return
        values = [cells.get(i) for i in self.positions]
        if len(cells) > len(values):
            known = self._known
            for index, value in cells.items():
                if index not in known and not _blank(value):
                    self.stray.add(index)
        if all(_blank(v) for v in values):
            return
        if len(self.rows) >= self.limit:
            raise SpreadsheetError(
                ngettext(
                    "The sheet has more than %(limit)d row of data; import at most "
                    "%(limit)d row at a time.",
                    "The sheet has more than %(limit)d rows of data; import at most "
                    "%(limit)d rows at a time.",
                    self.limit,
                )
                % {"limit": self.limit}
            )
        self.rows.append((number, values))

    def _header(self, cells: dict[int, Any]) -> None:
        unknown, repeated, seen = [], [], {}
        positions = []
        for index in sorted(cells):
            value = cells[index]
            if _blank(value):
                continue
            if isinstance(value, Formula | ErrorValue):
                unknown.append(f"{column_letter(index)}: {value.text}")
                continue
            text = str(value).strip()
            column = self.lookup.get(normalize_header(text))
            if column is None:
                unknown.append(text)
            elif column.key in seen:
                repeated.append(f"{seen[column.key]}, {text}")
            else:
                seen[column.key] = text
                positions.append(index)
                self.used.append(column)
                self.headers.append(text)
        problems = []
        if unknown:
            problems.append(
                _("Unknown column headers: %(headers)s. The accepted headers are: %(accepted)s.")
                % {
                    "headers": "、".join(f"“{h}”" for h in unknown),
                    "accepted": "; ".join(c.both for c in self.columns),
                }
            )
        if repeated:
            problems.append(
                _("These headers name the same column twice: %(headers)s.")
                % {"headers": "; ".join(repeated)}
            )
        missing = [c.both for c in self.columns if c.required and c.key not in seen]
        if missing:
            problems.append(
                _("Required columns are missing: %(columns)s.") % {"columns": "; ".join(missing)}
            )
        for group in self.required_any:
            if not any(key in seen for key in group):
                names = [c.both for c in self.columns if c.key in group]
                problems.append(
                    _("The sheet needs at least one of these columns: %(columns)s.")
                    % {"columns": "; ".join(names)}
                )
        if problems:
            raise SpreadsheetError(*problems)
        self.positions = positions
        self._known = set(positions)

    def sheet(self) -> Sheet:
        if self.positions is None or not self.rows:
            raise SpreadsheetError(
                _("The sheet is empty: it needs a header row and at least one row of data.")
            )
        if self.stray:
            raise SpreadsheetError(
                _("Columns %(columns)s hold values but have no header.")
                % {"columns": ", ".join(column_letter(i) for i in sorted(self.stray))}
            )
        return Sheet(columns=self.used, headers=self.headers, rows=self.rows)


def read_spreadsheet(
    upload, *, columns: Sequence[Column], required_any: Iterable[Sequence[str]] = ()
) -> Sheet:
    """The data rows of an uploaded XLSX or CSV file (`upload` has `name`,
    `size`, `read()` and `seek()`, as Django's UploadedFile).

    Refused as a whole (SpreadsheetError) before anything is read: a file over
    IMPORT_MAX_BYTES, a name that is not .xlsx or .csv, content that is not
    what the name says; then: unknown, repeated or missing headers, values in
    a column without a header, no data, more than IMPORT_MAX_ROWS rows. Only
    the first worksheet of a workbook is read. Formulas and error values are
    kept as Formula and ErrorValue, for the importer to refuse per cell."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes():
        raise SpreadsheetError(
            _("The file is %(size)s; files of at most %(limit)s are accepted.")
            % {"size": human_size(size), "limit": human_size(max_bytes())}
        )
    name = (getattr(upload, "name", "") or "").lower()
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    collector = _Collector(columns, limit=max_rows(), required_any=tuple(required_any))
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise SpreadsheetError(
            _(
                "This is a workbook in the old Excel format (.xls). Save it as an Excel "
                "workbook (.xlsx) or as CSV and upload it again."
            )
        )
    if name.endswith(".xlsx") and head.startswith(b"PK\x03\x04"):
        _read_xlsx(upload, collector.row)
    elif name.endswith(".csv") and not head.startswith(b"PK\x03\x04"):
        data = upload.read(max_bytes() + 1)
        if len(data) > max_bytes():
            raise SpreadsheetError(
                _("The file is %(size)s; files of at most %(limit)s are accepted.")
                % {"size": human_size(len(data)), "limit": human_size(max_bytes())}
            )
        _read_csv(data, collector.row)
    else:
        raise SpreadsheetError(_("This file is not a spreadsheet. Upload an XLSX or CSV file."))
    return collector.sheet()


# --- XLSX ------------------------------------------------------------------------
#
# Read with expat straight from the zip, streaming: openpyxl's read-only mode
# does the same work through ElementTree and is about seven times slower on
# a 50,000-row sheet (docs/benchmarks.md). openpyxl still supplies what Excel
# means by its number formats and dates.

_NOT_XLSX = gettext_lazy(
    "This file is not a readable XLSX workbook. Open it in a spreadsheet program, "
    "save it as an Excel workbook (.xlsx) and upload it again."
)
# built-in number formats that are dates (ECMA-376 18.8.30), the East Asian
# ones included: Chinese Excel and WPS write 27-36 and 50-58 without defining them
_DATE_FORMAT_IDS = frozenset({*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)})


def _local(name: str) -> str:
    return name.rpartition("}")[2]


def _refuse_dtd(*_args):
    raise SpreadsheetError(_NOT_XLSX)


def _parser() -> expat.XMLParserType:
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.buffer_size = 1 << 16
    # a document type declaration has no place in a workbook (entity expansion)
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    return parser


def _parse_part(archive: zipfile.ZipFile, part: str, start=None, end=None, chars=None) -> None:
    parser = _parser()
    if start:
        parser.StartElementHandler = start
    if end:
        parser.EndElementHandler = end
    if chars:
        parser.CharacterDataHandler = chars
    with archive.open(part) as stream:
        parser.ParseFile(stream)


def _first_sheet_part(archive: zipfile.ZipFile) -> tuple[str, bool]:
    """The zip path of the first worksheet, and whether dates count from 1904."""
    first: dict[str, str] = {}
    date1904 = [False]

    def workbook_start(name, attrs):
        local = _local(name)
        if local == "sheet" and not first:
            first.update({_local(k): v for k, v in attrs.items()})
        elif local == "workbookPr":
            date1904[0] = attrs.get("date1904", "0") in ("1", "true")

    _parse_part(archive, "xl/workbook.xml", start=workbook_start)
    targets: dict[str, str] = {}

    def rels_start(name, attrs):
        if _local(name) == "Relationship":
            targets[attrs.get("Id", "")] = attrs.get("Target", "")

    _parse_part(archive, "xl/_rels/workbook.xml.rels", start=rels_start)
    target = targets.get(first.get("id", ""))
    if not target:
        raise SpreadsheetError(_NOT_XLSX)
    if target.startswith("/"):
        part = target.lstrip("/")
    else:
        parts: list[str] = []
        for piece in PurePosixPath("xl", target).parts:
            if piece == "..":
                if parts:
                    parts.pop()
            elif piece != ".":
                parts.append(piece)
        part = "/".join(parts)
    return part, date1904[0]


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    strings: list[str] = []
    text: list[str] = []
    state = {"t": False, "phonetic": False}

    def start(name, _attrs):
        local = _local(name)
        if local == "si":
            text.clear()
        elif local == "t" and not state["phonetic"]:
            state["t"] = True
        elif local == "rPh":
            state["phonetic"] = True

    def end(name):
        local = _local(name)
        if local == "t":
            state["t"] = False
        elif local == "rPh":
            state["phonetic"] = False
        elif local == "si":
            strings.append("".join(text))

    def chars(data):
        if state["t"]:
            text.append(data)

    _parse_part(archive, "xl/sharedStrings.xml", start, end, chars)
    return strings


def _date_styles(archive: zipfile.ZipFile) -> list[bool]:
    """Per cell style index, whether its number format shows a date or time."""
    if "xl/styles.xml" not in archive.namelist():
        return []
    from openpyxl.styles.numbers import is_date_format

    formats: dict[int, str] = {}
    styles: list[int] = []
    state = {"xfs": False}

    def start(name, attrs):
        local = _local(name)
        if local == "numFmt":
            formats[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            state["xfs"] = True
        elif local == "xf" and state["xfs"]:
            styles.append(int(attrs.get("numFmtId", "0") or 0))

    def end(name):
        if _local(name) == "cellXfs":
            state["xfs"] = False

    _parse_part(archive, "xl/styles.xml", start, end)
    return [
        is_date_format(formats[fid]) if fid in formats else fid in _DATE_FORMAT_IDS
        for fid in styles
    ]


def _read_xlsx(upload, on_row: Callable[[int, dict[int, Any]], None]) -> None:
    from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel

    try:
        archive = zipfile.ZipFile(upload)
        part, date1904 = _first_sheet_part(archive)
        if part not in archive.namelist():
            raise SpreadsheetError(_NOT_XLSX)
        strings = _shared_strings(archive)
        date_styles = _date_styles(archive)
    except (zipfile.BadZipFile, KeyError, ValueError, expat.ExpatError, OSError) as exc:
        raise SpreadsheetError(_NOT_XLSX) from exc
    epoch = MAC_EPOCH if date1904 else WINDOWS_EPOCH
    letters_cache: dict[str, int] = {}

    def column_index(ref: str) -> int:
        letters = ref.rstrip("0123456789")
        index = letters_cache.get(letters)
        if index is None:
            index = 0
            for ch in letters.upper():
                index = index * 26 + (ord(ch) - 64)
            index -= 1
            letters_cache[letters] = index
        return index

    state: dict[str, Any] = {"row": 0, "target": None, "in_is": False, "phonetic": False}
    cells: dict[int, Any] = {}
    value_text: list[str] = []
    formula_text: list[str] = []
    cell: list[Any] = [0, "n", None, False]  # column, type, style, has formula

    def start(name, attrs):
        local = _local(name)
        if local == "c":
            ref = attrs.get("r")
            cell[0] = column_index(ref) if ref else cell[0] + 1
            cell[1] = attrs.get("t", "n")
            cell[2] = attrs.get("s")
            cell[3] = False
            value_text.clear()
            formula_text.clear()
        elif local == "v":
            state["target"] = value_text
        elif local == "t" and state["in_is"] and not state["phonetic"]:
            state["target"] = value_text
        elif local == "f":
            cell[3] = True
            state["target"] = formula_text
        elif local == "is":
            state["in_is"] = True
        elif local == "rPh":
            state["phonetic"] = True
        elif local == "row":
            number = attrs.get("r")
            state["row"] = int(number) if number else state["row"] + 1
            cells.clear()
            cell[0] = -1

    def chars(data):
        target = state["target"]
        if target is not None:
            target.append(data)

    def end(name):
        local = _local(name)
        if local in ("v", "t", "f"):
            state["target"] = None
        elif local == "is":
            state["in_is"] = False
        elif local == "rPh":
            state["phonetic"] = False
        elif local == "c":
            if cell[0] >= MAX_COLUMNS:
                raise SpreadsheetError(_NOT_XLSX)
            cells[cell[0]] = _cell_value(cell, value_text, formula_text)
        elif local == "row":
            on_row(state["row"], dict(cells))

    def _cell_value(cell, value_text, formula_text):
        text = "".join(value_text)
        kind = cell[1]
        if cell[3]:
            return Formula("=" + "".join(formula_text))
        if kind == "s":
            text = strings[int(text)] if text else ""
        elif kind == "e":
            return ErrorValue(text)
        elif kind == "b":
            return text == "1"
        elif kind == "d":
            return datetime.fromisoformat(text) if text else None
        elif kind in ("n", None) and text:
            number = float(text)
            style = cell[2]
            if style is not None and int(style) < len(date_styles) and date_styles[int(style)]:
                return from_excel(number, epoch=epoch)
            return int(number) if number.is_integer() and abs(number) < 1e15 else number
        text = text.strip()
        return text or None

    try:
        _parse_part(archive, part, start, end, chars)
    except SpreadsheetError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, IndexError, expat.ExpatError,
            OSError, OverflowError) as exc:
        raise SpreadsheetError(_NOT_XLSX) from exc


# --- CSV -------------------------------------------------------------------------


def _decode_csv(data: bytes) -> str:
    """Text of a CSV file: UTF-8 (with or without the BOM Excel writes),
    UTF-16 with its BOM (Excel's "Unicode text"), or GB18030 (Excel on a
    Chinese Windows saves "CSV" in it; it includes GBK and GB2312)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8-sig", "gb18030"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # a text file has no control characters but tabs and line ends
        if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text):
            break
        return text
    raise SpreadsheetError(
        _(
            "This file is not a readable CSV file. Save it as “CSV UTF-8” (or as an Excel "
            "workbook) and upload it again."
        )
    )


def _read_csv(data: bytes, on_row: Callable[[int, dict[int, Any]], None]) -> None:
    text = _decode_csv(data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max([",", "\t", ";"], key=first.count)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for number, record in enumerate(reader, start=1):
            if len(record) > MAX_COLUMNS:
                raise SpreadsheetError(_NOT_XLSX)
            cells = {}
            for index, raw in enumerate(record):
                value = raw.strip()
                if value.startswith("="):
                    cells[index] = Formula(value)
                else:
                    cells[index] = value or None
            on_row(number, cells)
    except csv.Error as exc:
        raise SpreadsheetError(
            _("This file is not a readable CSV file: %(reason)s") % {"reason": str(exc)}
        ) from exc


# --- Cell values -------------------------------------------------------------------

DATE_FORMS = "2025-03-01, 2025/3/1, 2025年3月1日, 01.03.2025"


def _plain_text(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def check_value(value):
    """`value` unless it is a formula or an error value (refused: cells must
    hold values); None for an empty cell."""
    if isinstance(value, Formula):
        raise CellError(
            _(
                "This cell holds a formula (%(formula)s). Cells must hold values: copy the "
                "column and paste it as values."
            )
            % {"formula": value.text[:60]}
        )
    if isinstance(value, ErrorValue):
        raise CellError(
            _("This cell holds the error value %(error)s instead of a value.")
            % {"error": value.text}
        )
    if isinstance(value, str) and not value.strip():
        return None
    return value


def display(value) -> str:
    """A cell's value as the preview shows it."""
    if value is None:
        return ""
    if isinstance(value, Formula | ErrorValue):
        return value.text
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def as_text(value) -> str:
    """A text cell's value; numbers as their digits (a phone or document
    number typed as a number), "" for an empty cell."""
    value = check_value(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return display(value)
    return str(value).strip()


_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_YMD_SLASH = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")
_YMD_DOT = re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})")
_CHINESE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_DMY_DOT = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_AMBIGUOUS = re.compile(r"\d{1,2}[/\-]\d{1,2}[/\-]\d{2,4}")
_MIDNIGHT = re.compile(r"[ T]0{1,2}:00(:00(\.0+)?)?$")


def parse_date(value) -> date | None:
    """A date cell, or text in one of DATE_FORMS (full-width digits too);
    None for an empty cell. "03/04/2025" is refused: the day and the month
    could be either way round."""
    value = check_value(value)
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool | int | float | Decimal):
        raise CellError(
            _(
                "The number %(value)s is not a date. Format the cell as a date, or write "
                "the date as %(forms)s."
            )
            % {"value": display(value), "forms": DATE_FORMS}
        )
    if isinstance(value, time):
        raise CellError(
            _("“%(value)s” is a time, not a date.") % {"value": display(value)}
        )
    text = _MIDNIGHT.sub("", _plain_text(str(value)))
    for pattern, order in (
        (_ISO, "ymd"),
        (_YMD_SLASH, "ymd"),
        (_YMD_DOT, "ymd"),
        (_CHINESE, "ymd"),
        (_DMY_DOT, "dmy"),
    ):
        match = pattern.fullmatch(text)
        if match:
            a, b, c = (int(g) for g in match.groups())
            year, month, day = (a, b, c) if order == "ymd" else (c, b, a)
            try:
                return date(year, month, day)
            except ValueError as exc:
                raise CellError(
                    _("“%(value)s” is not a date that exists.") % {"value": value}
                ) from exc
    if _AMBIGUOUS.fullmatch(text):
        raise CellError(
            _(
                "In “%(value)s” the day and the month could be either way round. Write the "
                "date as %(forms)s, or use a date cell."
            )
            % {"value": value, "forms": DATE_FORMS}
        )
    raise CellError(
        _("“%(value)s” is not a date in an accepted form. Write it as %(forms)s, or use a "
          "date cell.")
        % {"value": value, "forms": DATE_FORMS}
    )


def parse_decimal(value) -> Decimal | None:
    """A number cell, or text of a number ("2.5", also "2,5"); None when empty."""
    value = check_value(value)
    if value is None:
        return None
    if isinstance(value, bool) or isinstance(value, date | time):
        raise CellError(_("“%(value)s” is not a number.") % {"value": display(value)})
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = _plain_text(str(value))
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise CellError(_("“%(value)s” is not a number.") % {"value": value}) from exc
    if not number.is_finite():
        raise CellError(_("“%(value)s” is not a number.") % {"value": value})
    return number


def normalize_choice(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(text)).casefold()).strip()


class Choices:
    """Values accepted for a choice: each code, its label in every language
    of the portal (settings.LANGUAGES, through gettext), and fixed aliases.

    `pairs` returns (code, label) pairs in the active language; it is called
    once per language when the lookup is first needed."""

    def __init__(
        self, pairs: Callable[[], Iterable[tuple[str, Any]]], aliases: dict[str, str] | None = None
    ):
        self._pairs = pairs
        self._aliases = aliases or {}
        self._lookup: dict[str, str] | None = None

    def lookup(self) -> dict[str, str]:
        if self._lookup is None:
            lookup: dict[str, str] = {}
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    for code, label in self._pairs():
                        lookup.setdefault(normalize_choice(code), code)
                        lookup.setdefault(normalize_choice(str(label)), code)
            for alias, code in self._aliases.items():
                lookup.setdefault(normalize_choice(alias), code)
            self._lookup = lookup
        return self._lookup

    def labels(self) -> list[str]:
        """The labels in the active language, for messages."""
        return [str(label) for _code, label in self._pairs()]

    def parse(self, value) -> str | None:
        text = as_text(value)
        if not text:
            return None
        code = self.lookup().get(normalize_choice(text))
        if code is None:
            raise CellError(
                _("“%(value)s” is not one of the accepted values: %(choices)s.")
                % {"value": text, "choices": "、".join(self.labels())}
            )
        return code

    def parse_many(self, value) -> list[str] | None:
        """Several values in one cell, separated by commas, semicolons, 、 or /."""
        text = as_text(value)
        if not text:
            return None
        codes: list[str] = []
        for part in re.split(r"[,，、;；/|\n]+", text):
            part = part.strip()
            if part:
                code = self.parse(part)
                if code not in codes:
                    codes.append(code)
        return codes


def _country_pairs():
    from django_countries import countries

    return list(countries)


# Other names people write for a country; the ISO codes (two or three letters,
# or the number) and the names in both languages are accepted as well.
COUNTRY_ALIASES = {
    "USA": "US",
    "U.S.A.": "US",
    "U.S.": "US",
    "United States": "US",
    "America": "US",
    "UK": "GB",
    "U.K.": "GB",
    "Great Britain": "GB",
    "Britain": "GB",
    "England": "GB",
    "South Korea": "KR",
    "Republic of Korea": "KR",
    "Korea, Republic of": "KR",
    "大韩民国": "KR",
    "Russian Federation": "RU",
    "Viet Nam": "VN",
    "Vietnam": "VN",
    "Hong Kong": "HK",
    "香港": "HK",
    "Macau": "MO",
    "Macao": "MO",
    "澳门": "MO",
    "Taiwan": "TW",
    "台湾": "TW",
}


class CountryChoices(Choices):
    def parse(self, value) -> str | None:
        from django_countries import countries

        text = as_text(value)
        if not text:
            return None
        code = self.lookup().get(normalize_choice(text))
        if code is None and re.fullmatch(r"[A-Za-z]{2,3}|\d{3}", text):
            code = countries.alpha2(text) or None
        if code is None:
            raise CellError(
                _(
                    "“%(value)s” is not a country or region the portal knows. Write its "
                    "ISO code (DE) or its name in Chinese or English (德国, Germany)."
                )
                % {"value": text}
            )
        return code


COUNTRIES = CountryChoices(_country_pairs, COUNTRY_ALIASES)


# --- Plans -------------------------------------------------------------------------


@dataclass
class RowPlan:
    """What one data row will do: `action` is CREATE, UPDATE, UNCHANGED or
    ERROR; `errors` maps a column key ("" for the row as a whole) to the
    reasons; `instance` is the row to write, `changed` the fields an update
    changes and `before` their values before it (for the audit log)."""

    number: int
    values: list[Any]
    action: str = CREATE
    errors: dict[str, list[str]] = field(default_factory=dict)
    instance: Any = None
    changed: list[str] = field(default_factory=list)
    before: dict[str, Any] | None = None
    label: str = ""
    version: str = ""
    # the importer's own notes on the row (parsed values, lookup keys)
    data: dict[str, Any] = field(default_factory=dict)

    def add_error(self, key: str, message) -> None:
        self.errors.setdefault(key, []).append(str(message))
        self.action = ERROR

    def add_validation_error(self, exc: ValidationError, keys: Iterable[str]) -> None:
        """A model's ValidationError, on the cells of `keys` it names, else on the row."""
        keys = set(keys)
        if not hasattr(exc, "error_dict"):
            for message in exc.messages:
                self.add_error("", message)
            return
        for name, errors in exc.message_dict.items():
            key = name if name in keys else ""
            for message in errors:
                self.add_error(key, message)


@dataclass
class Plan:
    kind: str
    station_id: int
    sheet: Sheet
    rows: list[RowPlan]

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {a: self.count(a) for a in (CREATE, UPDATE, UNCHANGED, ERROR)}

    @property
    def has_errors(self) -> bool:
        return any(row.action == ERROR for row in self.rows)

    @property
    def digest(self) -> str:
        """What the plan would do, as a hash: the same sheet planned again gives
        the same digest unless a matched record changed meanwhile."""
        h = hashlib.sha256(f"{self.kind}|{self.station_id}".encode())
        for row in self.rows:
            pk = getattr(row.instance, "pk", "") if row.action in (UPDATE, UNCHANGED) else ""
            h.update(f"\n{row.number}|{row.action}|{pk}|{row.version}".encode())
        return h.hexdigest()

    def error_cells(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Every refused cell (or row) for the preview: row number, header as the
        file wrote it, the value, the reason."""
        found = []
        for row in self.rows:
            for key, messages in row.errors.items():
                position = self.sheet.position(key) if key else None
                for message in messages:
                    found.append(
                        {
                            "row": row.number,
                            "column": self.sheet.headers[position] if position is not None
                            else "",
                            "value": display(row.values[position]) if position is not None
                            else "",
                            "message": message,
                        }
                    )
                    if limit is not None and len(found) >= limit:
                        return found
        return found

    def sample(self, action: str, limit: int) -> list[RowPlan]:
        return [row for row in self.rows if row.action == action][:limit]


def parse_cells(
    row: RowPlan, sheet: Sheet, parsers: dict[str, Callable[[Any], Any]]
) -> dict[str, Any]:
    """{column key: parsed value} for the row's non-empty cells; a refused cell
    becomes an error on the row and is left out."""
    values: dict[str, Any] = {}
    for column, raw in zip(sheet.columns, row.values, strict=True):
        parser = parsers.get(column.key)
        if parser is None:
            continue
        try:
            value = parser(raw)
        except CellError as exc:
            row.add_error(column.key, exc.message)
            continue
        if value not in (None, "", []):
            values[column.key] = value
    return values


def mark_repeats(rows: Iterable[RowPlan], key_of: Callable[[RowPlan], Any], column: str,
                 message: Callable[[int], str]) -> None:
    """Refuse every row whose `key_of(row)` (None: no key) another row before
    it already had; `message(first row number)` says which."""
    first: dict[Any, int] = {}
    for row in rows:
        key = key_of(row)
        if key is None:
            continue
        if key in first:
            row.add_error(column, message(first[key]))
        else:
            first[key] = row.number


# --- Audit log of bulk writes --------------------------------------------------------


def audit_bulk(*, created: Iterable[Any] = (), changed: Iterable[tuple[Any, dict]] = ()) -> int:
    """One audit entry per created row and per changed row (`changed` holds
    (row, values before)), as stations.audit.record_save writes for a save:
    bulk_create and bulk_update bypass its signal receivers
    (stations.audit.record_bulk, the same masking). Returns how many rows
    were recorded."""
    from stations.audit import record_bulk

    created, changed = list(created), list(changed)
    record_bulk(created, "create")
    record_bulk(
        [instance for instance, _before in changed],
        "change",
        before={instance.pk: before for instance, before in changed},
    )
    return len(created) + len(changed)


def bulk_update_rows(model, rows: Sequence[Any], names: Iterable[str], *, station_id: int,
                     batch_size: int = 2000) -> None:
    """What `model.objects.bulk_update(rows, names)` does, as one
    UPDATE ... FROM (VALUES ...) per batch: bulk_update writes a CASE per
    field and row, which PostgreSQL plans and runs about ten times slower on
    50,000 rows. The values go through each field's get_db_prep_save, as
    bulk_update's do (encryption included), and, as with bulk_update, no
    pre_save runs: the caller sets computed fields. Rows of another station
    are never touched (`station_id`, a second wall behind the caller's)."""
    from django.db import connection
    from psycopg2.extras import execute_values

    opts = model._meta
    fields = [opts.get_field(name) for name in names]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in ["id", *(f.column for f in fields)])
    template = "(" + ", ".join(
        ["%s::bigint", *(f"%s::{f.cast_db_type(connection)}" for f in fields)]
    ) + ")"
    # the station as a literal (an int): execute_values fills the one %s
    sql = (
        f"UPDATE {quote(opts.db_table)} AS t SET "
        + ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields)
        + f" FROM (VALUES %s) AS v({columns}) WHERE t.id = v.id"
        + f" AND t.station_id = {int(station_id)}"
    )
    connection.ensure_connection()
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            values = [
                [row.pk, *(f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields)]
                for row in rows[start : start + batch_size]
            ]
            execute_values(cursor.cursor, sql, values, template=template, page_size=batch_size)


def snapshot(instance) -> dict[str, Any]:
    """The row's field values now (lists copied), to compare after a change."""
    from stations import audit

    return {k: list(v) if isinstance(v, list) else v for k, v in audit._values(instance).items()}


# --- Between preview and confirmation -------------------------------------------------

SESSION_KEY = "spreadsheet_imports"
# previews one session keeps at once; the oldest goes first
MAX_PENDING = 3


class PreviewGone(Exception):
    """The preview does not exist, was not made in this session, has expired,
    or its stored file was altered."""


class PreviewStore:
    """The parsed cells of a previewed sheet, encrypted (stations.crypto, as
    document numbers are) in a file named by a random id under
    IMPORT_PREVIEW_DIR; the session that made it holds the id with the
    station, the user, the kind of import, the time, the hash of the file and
    the digest of the plan shown. Nothing from the browser but the id is
    trusted, and only together with its session."""

    def __init__(self, session):
        self.session = session

    @property
    def directory(self) -> Path:
        path = Path(settings.IMPORT_PREVIEW_DIR)
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        return path

    def _entries(self) -> dict[str, dict]:
        return dict(self.session.get(SESSION_KEY) or {})

    def _path(self, token: str) -> Path:
        return self.directory / f"{token}.preview"

    def _sweep(self) -> None:
        limit = time_module.time() - settings.IMPORT_PREVIEW_SECONDS
        for path in self.directory.glob("*.preview"):
            try:
                if path.stat().st_mtime < limit:
                    path.unlink(missing_ok=True)
            except OSError:
                pass

    def save(self, *, plan: Plan, kind: str, user_id: int | None) -> str:
        self._sweep()
        token = secrets.token_urlsafe(32)
        payload = crypto.encrypt(plan.sheet.to_json()).encode("ascii")
        self._path(token).write_bytes(payload)
        entries = self._entries()
        while len(entries) >= MAX_PENDING:
            oldest = min(entries, key=lambda t: entries[t]["at"])
            self._path(oldest).unlink(missing_ok=True)
            entries.pop(oldest)
        entries[token] = {
            "kind": kind,
            "station": plan.station_id,
            "user": user_id,
            "at": time_module.time(),
            "sha256": hashlib.sha256(payload).hexdigest(),
            "digest": plan.digest,
            "counts": plan.counts,
        }
        self.session[SESSION_KEY] = entries
        return token

    def load(self, token: str, *, kind: str, user_id: int | None, columns) -> tuple[dict, Sheet]:
        entries = self._entries()
        entry = entries.get(token) if isinstance(token, str) else None
        if entry is None or entry["kind"] != kind or entry["user"] != user_id:
            raise PreviewGone
        if time_module.time() - entry["at"] > settings.IMPORT_PREVIEW_SECONDS:
            self.discard(token)
            raise PreviewGone
        try:
            payload = self._path(token).read_bytes()
        except OSError as exc:
            raise PreviewGone from exc
        if hashlib.sha256(payload).hexdigest() != entry["sha256"]:
            raise PreviewGone
        try:
            sheet = Sheet.from_json(crypto.decrypt(payload.decode("ascii")), columns)
        except (crypto.DecryptionError, ValueError, KeyError, UnicodeError) as exc:
            raise PreviewGone from exc
        return entry, sheet

    def update_digest(self, token: str, plan: Plan) -> None:
        entries = self._entries()
        if token in entries:
            entries[token] = {**entries[token], "digest": plan.digest, "counts": plan.counts}
            self.session[SESSION_KEY] = entries

    def discard(self, token: str) -> None:
        entries = self._entries()
        if isinstance(token, str) and token in entries:
            entries.pop(token)
            self.session[SESSION_KEY] = entries
            self._path(token).unlink(missing_ok=True)


# --- Running an import -----------------------------------------------------------------


def importable_station_ids(user, importer) -> list[int] | None:
    """Stations where `user`'s role allows every action of `importer.actions`
    on its model (None: every station, for a superuser)."""
    from .roles import actions_for
    from .tenancy import user_station_roles

    if user.is_superuser:
        return None
    return sorted(
        station_id
        for station_id, role in user_station_roles(user).items()
        if set(importer.actions) <= actions_for(role, importer.model._meta.label_lower)
    )


def check_may_import(user, importer, station) -> None:
    if not (user.is_active and user.is_staff):
        raise PermissionDenied
    ids = importable_station_ids(user, importer)
    if ids is not None and station.pk not in ids:
        raise PermissionDenied
    if not station.is_active:
        raise PermissionDenied


@dataclass
class Preview:
    plan: Plan
    token: str | None  # None: nothing can be confirmed (refused rows, or nothing to do)


def preview_import(importer, *, upload, station, user, session) -> Preview:
    """Read `upload` and plan it for `station`; keep it for confirmation when
    no row is refused and some row would change something. Writes nothing of
    the station's data. Raises SpreadsheetError for a refused file and
    PermissionDenied when `user` may not import there."""
    from .tenancy import station_scope

    check_may_import(user, importer, station)
    sheet = read_spreadsheet(
        upload, columns=importer.columns, required_any=getattr(importer, "required_any", ())
    )
    with station_scope(station):
        plan = importer.plan(sheet, station=station)
    token = None
    if not plan.has_errors and (plan.count(CREATE) or plan.count(UPDATE)):
        token = PreviewStore(session).save(plan=plan, kind=importer.kind, user_id=user.pk)
    return Preview(plan=plan, token=token)


class ImportRefused(Exception):
    """Nothing was written; `message` says why. `plan` is the new plan when
    the data changed since the preview (to show again)."""

    def __init__(self, message: str, plan: Plan | None = None, token: str | None = None):
        super().__init__(message)
        self.message = str(message)
        self.plan = plan
        self.token = token


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int
    audit_entries: int
    timings: dict[str, float] = field(default_factory=dict)


def _constraint_message(exc: Exception, model) -> str:
    name = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
    for constraint in model._meta.constraints:
        if constraint.name == name:
            return str(constraint.get_violation_error_message())
    return _("the database refused a row (%(detail)s).") % {"detail": name or type(exc).__name__}


def confirm_import(importer, *, token: str, user, session) -> ImportResult:
    """Write the preview `token` of this session, all or nothing.

    Inside one transaction: the station row is locked (FOR NO KEY UPDATE,
    which serialises imports into one station and blocks nothing else), the
    sheet is planned again with the matched rows locked, and written only
    when that plan is the one the preview showed. Raises ImportRefused with
    the reason otherwise; then nothing was written."""
    from .models import Station
    from .tenancy import station_scope

    store = PreviewStore(session)
    try:
        entry, sheet = store.load(
            token, kind=importer.kind, user_id=user.pk, columns=importer.columns
        )
    except PreviewGone as exc:
        raise ImportRefused(
            _(
                "This preview does not exist or has expired, so nothing was imported. Upload "
                "the file again."
            )
        ) from exc
    station = Station.objects.filter(pk=entry["station"]).first()
    if station is None:
        raise ImportRefused(_("The station of this import no longer exists."))
    check_may_import(user, importer, station)
    timings: dict[str, float] = {}
    started = time_module.perf_counter()
    try:
        with transaction.atomic(), station_scope(station):
            Station.objects.select_for_update(no_key=True).filter(pk=station.pk).first()
            plan = importer.plan(sheet, station=station, for_write=True)
            timings["plan"] = time_module.perf_counter() - started
            if plan.has_errors or plan.digest != entry["digest"]:
                raise ImportRefused(
                    _(
                        "The records changed since the preview, so nothing was imported. "
                        "Check the new preview below and confirm again."
                    ),
                    plan=plan,
                )
            result = importer.write(plan, station=station, actor=user)
            timings["write"] = time_module.perf_counter() - started - timings["plan"]
    except ImportRefused as exc:
        if exc.plan is not None and not exc.plan.has_errors:
            store.update_digest(token, exc.plan)
            exc.token = token
        else:
            store.discard(token)
        raise
    except ValidationError as exc:
        raise ImportRefused(
            _("Nothing was imported: %(reason)s") % {"reason": " ".join(exc.messages)}
        ) from exc
    except IntegrityError as exc:
        raise ImportRefused(
            _("Nothing was imported: %(reason)s")
            % {"reason": _constraint_message(exc, importer.model)}
        ) from exc
    except DatabaseError as exc:
        raise ImportRefused(
            _("Nothing was imported: the database could not write the rows (%(detail)s).")
            % {"detail": type(exc).__name__}
        ) from exc
    store.discard(token)
    result.timings = {**timings, **result.timings}
    return result


# --- Templates ------------------------------------------------------------------------


def template_workbook(importer, language: str) -> bytes:
    """An XLSX to fill in: the headers in `language`, example rows, and a
    second sheet that explains each column (the import reads only the first)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    with translation.override(language):
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = _("Data")
        sheet.append([c.header(language) for c in importer.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for values in importer.template_rows(language):
            sheet.append(values)
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm-dd"
                elif isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
        for index, column in enumerate(importer.columns):
            sheet.column_dimensions[column_letter(index)].width = max(
                14, len(column.header(language)) * 2 + 4
            )
        sheet.freeze_panes = "A2"
        notes = workbook.create_sheet(_("How to fill in"))
        notes.append([_("Column"), _("Required"), _("What to write")])
        for cell in notes[1]:
            cell.font = Font(bold=True)
        for column in importer.columns:
            notes.append(
                [
                    column.header(language),
                    _("yes") if column.required else "",
                    str(importer.column_help().get(column.key, "")),
                ]
            )
        notes.append([])
        notes.append([_("Only the first sheet is imported. Cells must hold values, not formulas.")])
        notes.column_dimensions["A"].width = 22
        notes.column_dimensions["C"].width = 90
        buffer = io.BytesIO()
        workbook.save(buffer)
    return buffer.getvalue()


# --- The admin's import pages ----------------------------------------------------------


class SpreadsheetImportAdminMixin:
    """Adds an import page to a station-scoped ModelAdmin: `import/` (choose
    the station and the file, see the preview), `import/confirm/` and
    `import/template/<language>/`, and a button on the changelist. Set
    `spreadsheet_importer` to an importer instance."""

    spreadsheet_importer: Any = None
    change_list_template = "admin/spreadsheets/change_list.html"

    def get_urls(self):
        from django.urls import path

        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}_import"
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name=name),
            path("import/confirm/", wrap(self.import_confirm_view), name=f"{name}_confirm"),
            path(
                "import/template/<str:language>/",
                wrap(self.import_template_view),
                name=f"{name}_template",
            ),
            *super().get_urls(),
        ]

    def import_stations(self, request):
        from .models import Station

        ids = importable_station_ids(request.user, self.spreadsheet_importer)
        stations = Station.objects.filter(is_active=True)
        return stations if ids is None else stations.filter(pk__in=ids)

    def _may_import(self, request) -> bool:
        return request.user.is_active and request.user.is_staff and (
            self.import_stations(request).exists()
        )

    def changelist_view(self, request, extra_context=None):
        from django.urls import reverse

        extra_context = dict(extra_context or {})
        if self._may_import(request):
            opts = self.model._meta
            extra_context["spreadsheet_import_url"] = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_import"
            )
        return super().changelist_view(request, extra_context)

    def _import_form_class(self, request):
        from django import forms

        stations = self.import_stations(request)

        class ImportForm(forms.Form):
            station = forms.ModelChoiceField(
                queryset=stations, label=gettext_lazy("Station"), empty_label=None
            )
            file = forms.FileField(
                label=gettext_lazy("File (XLSX or CSV)"),
                help_text=gettext_lazy("At most %(size)s and %(rows)s rows.")
                % {"size": human_size(max_bytes()), "rows": f"{max_rows():,}"},
            )

            def clean_file(self):
                upload = self.cleaned_data["file"]
                if upload.size > max_bytes():
                    raise forms.ValidationError(
                        _("The file is %(size)s; files of at most %(limit)s are accepted.")
                        % {"size": human_size(upload.size), "limit": human_size(max_bytes())}
                    )
                return upload

        return ImportForm

    def _context(self, request, **extra):
        importer = self.spreadsheet_importer
        opts = self.model._meta
        return {
            **self.admin_site.each_context(request),
            "opts": opts,
            "title": importer.title(),
            "importer": importer,
            "columns": [
                {"zh": c.zh, "en": c.en, "required": c.required,
                 "help": importer.column_help().get(c.key, "")}
                for c in importer.columns
            ],
            "languages": settings.LANGUAGES,
            "limit_bytes": human_size(max_bytes()),
            "limit_rows": f"{max_rows():,}",
            **extra,
        }

    def _render_preview(self, request, plan: Plan, token: str | None, form=None, message=None):
        from django.template.response import TemplateResponse

        errors = plan.error_cells(limit=1000)
        headers = {c.key: c.header() for c in self.spreadsheet_importer.columns}
        return TemplateResponse(
            request,
            "admin/spreadsheets/import_preview.html",
            self._context(
                request,
                plan=plan,
                counts=plan.counts,
                token=token,
                errors=errors,
                errors_total=sum(len(m) for r in plan.rows for m in r.errors.values()),
                creates=plan.sample(CREATE, 50),
                updates=[
                    {"number": row.number, "label": row.label,
                     "changed": [headers.get(name, name) for name in row.changed]}
                    for row in plan.sample(UPDATE, 50)
                ],
                station=self._station_name(plan.station_id),
                refusal=message,
                form=form,
            ),
        )

    def _station_name(self, station_id):
        from .models import Station

        return Station.objects.filter(pk=station_id).first()

    def import_view(self, request):
        from django.template.response import TemplateResponse

        if not self._may_import(request):
            raise PermissionDenied
        form_class = self._import_form_class(request)
        form = form_class(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                preview = preview_import(
                    self.spreadsheet_importer,
                    upload=form.cleaned_data["file"],
                    station=form.cleaned_data["station"],
                    user=request.user,
                    session=request.session,
                )
            except SpreadsheetError as exc:
                for message in exc.messages:
                    form.add_error("file", message)
            else:
                return self._render_preview(request, preview.plan, preview.token)
        return TemplateResponse(
            request, "admin/spreadsheets/import_form.html", self._context(request, form=form)
        )

    def import_confirm_view(self, request):
        from django.contrib import messages
        from django.http import HttpResponseNotAllowed, HttpResponseRedirect
        from django.template.response import TemplateResponse
        from django.urls import reverse

        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self._may_import(request):
            raise PermissionDenied
        opts = self.model._meta
        try:
            result = confirm_import(
                self.spreadsheet_importer,
                token=request.POST.get("token", ""),
                user=request.user,
                session=request.session,
            )
        except ImportRefused as exc:
            if exc.plan is not None:
                return self._render_preview(request, exc.plan, exc.token, message=exc.message)
            form = self._import_form_class(request)()
            return TemplateResponse(
                request,
                "admin/spreadsheets/import_form.html",
                self._context(request, form=form, refusal=exc.message),
                status=409,
            )
        messages.success(
            request,
            _(
                "Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged."
            )
            % {"created": result.created, "updated": result.updated,
               "unchanged": result.unchanged},
        )
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))

    def import_template_view(self, request, language: str):
        from django.http import Http404, HttpResponse

        if not self._may_import(request):
            raise PermissionDenied
        if language not in dict(settings.LANGUAGES):
            raise Http404
        content = template_workbook(self.spreadsheet_importer, language)
        response = HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        filename = f"{self.spreadsheet_importer.kind}-template-{language}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


def field_errors_to_cells(exc: ValidationError, row: RowPlan, keys: Iterable[str],
                          field_to_key: dict[str, str] | None = None) -> None:
    """Like RowPlan.add_validation_error, with model field names mapped to
    column keys first (`field_to_key`)."""
    if field_to_key and hasattr(exc, "error_dict"):
        exc = ValidationError(
            {field_to_key.get(name, name): errors for name, errors in exc.error_dict.items()}
        )
    row.add_validation_error(exc, keys)


__all__ = [
    "CREATE",
    "ERROR",
    "NON_FIELD_ERRORS",
    "UNCHANGED",
    "UPDATE",
    "COUNTRIES",
    "CellError",
    "Choices",
    "Column",
    "ImportRefused",
    "ImportResult",
    "Plan",
    "Preview",
    "PreviewGone",
    "PreviewStore",
    "RowPlan",
    "Sheet",
    "SpreadsheetError",
    "SpreadsheetImportAdminMixin",
    "as_text",
    "audit_bulk",
    "confirm_import",
    "mark_repeats",
    "parse_cells",
    "parse_date",
    "parse_decimal",
    "preview_import",
    "read_spreadsheet",
    "snapshot",
    "template_workbook",
]
