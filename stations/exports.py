"""Exporting the admin's lists as XLSX and CSV (docs/import-export.md).

Two list actions, "Export selected as XLSX" and "… as CSV", for residents,
event registrations, consultations and volunteer hours. The admin hands them
the changelist's rows: its filters and search, the rows ticked or all of
them ("select all"), inside the user's stations (the admin's get_queryset).

- Headers and choice labels are in the admin's active language; CSV is UTF-8
  with a BOM (so Excel reads Chinese), dates in ISO form, times local.
- Rows are kept to the stations where the user's role may view the model.
- Consultation notes are never exported: they are the counsellor's, read on
  the consultation's own page only (consultations.selectors.may_read_notes).
- A resident's identity document (type, number, expiry) is exported only when
  the user's role may change residents at every station in the export (as
  staff and managers may, not counsellors); otherwise those columns are left
  out of the file.
- Every exported row gets an audit log entry (action "export", the fields
  exported), as the resident's own data download records its rows.
- A cell that a spreadsheet would run as a formula (=, +, -, @ followed by
  more than a number) is written as text: a name typed on the public site
  must not become a formula on a staff member's computer.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ExportColumn:
    header: Callable[[], str]
    value: Callable[[Any], Any]
    field: str
    # the identity document: only for roles that may change residents
    document: bool = False


@dataclass(frozen=True)
class ExportSpec:
    filename: str
    columns: Callable[[], list[ExportColumn]]
    select_related: tuple[str, ...] = ()
    defer: tuple[str, ...] = ()


def _verbose(model, name: str) -> Callable[[], str]:
    return lambda: capfirst(str(model._meta.get_field(name).verbose_name))


def _person(resident) -> str:
    return resident.display_name if resident is not None else ""


def _resident_spec() -> ExportSpec:
    from residents.imports import COLUMNS
    from residents.models import Resident

    headers = {c.key: c for c in COLUMNS}
    languages = dict(settings.LANGUAGES)

    def header(key):
        return headers[key].header

    def spoken(resident):
        from stations.languages import SPOKEN_LANGUAGES

        labels = dict(SPOKEN_LANGUAGES)
        return ", ".join(str(labels.get(code, code)) for code in resident.languages or [])

    def columns():
        return [
            ExportColumn(_verbose(Resident, "station"), lambda r: str(r.station), "station"),
            ExportColumn(header("family_name"), lambda r: r.family_name, "family_name"),
            ExportColumn(header("given_name"), lambda r: r.given_name, "given_name"),
            ExportColumn(header("chinese_name"), lambda r: r.chinese_name, "chinese_name"),
            ExportColumn(
                header("nationality"),
                lambda r: str(r.nationality.name) if r.nationality else "",
                "nationality",
            ),
            ExportColumn(header("languages"), spoken, "languages"),
            ExportColumn(
                header("preferred_language"),
                lambda r: languages.get(r.preferred_language, r.preferred_language),
                "preferred_language",
            ),
            ExportColumn(header("category"), lambda r: r.get_category_display(), "category"),
            ExportColumn(header("phone"), lambda r: r.phone, "phone"),
            ExportColumn(header("email"), lambda r: r.email, "email"),
            ExportColumn(header("address"), lambda r: r.address, "address"),
            ExportColumn(header("arrival_date"), lambda r: r.arrival_date, "arrival_date"),
            ExportColumn(
                header("document_type"),
                lambda r: r.get_document_type_display() if r.document_type else "",
                "document_type",
                document=True,
            ),
            ExportColumn(
                header("document_number"), lambda r: r.document_number, "document_number",
                document=True,
            ),
            ExportColumn(
                header("document_expires"), lambda r: r.document_expires, "document_expires",
                document=True,
            ),
            ExportColumn(
                _verbose(Resident, "registered_at"), lambda r: r.registered_at, "registered_at"
            ),
        ]

    return ExportSpec("residents", columns, select_related=("station",))


def _registration_spec() -> ExportSpec:
    from events.models import Event, Registration

    def columns():
        return [
            ExportColumn(_verbose(Registration, "event"), lambda r: r.event.title, "event"),
            ExportColumn(_verbose(Event, "starts_at"), lambda r: r.event.starts_at, "event"),
            ExportColumn(_verbose(Registration, "resident"), lambda r: _person(r.resident),
                         "resident"),
            ExportColumn(_verbose(Registration, "status"), lambda r: r.get_status_display(),
                         "status"),
            ExportColumn(_verbose(Registration, "created_at"), lambda r: r.created_at,
                         "created_at"),
            ExportColumn(_verbose(Registration, "cancelled_at"), lambda r: r.cancelled_at,
                         "cancelled_at"),
            ExportColumn(_verbose(Registration, "checked_in_at"), lambda r: r.checked_in_at,
                         "checked_in_at"),
            ExportColumn(_verbose(Registration, "station"), lambda r: str(r.station), "station"),
        ]

    return ExportSpec(
        "registrations",
        columns,
        select_related=("event", "resident", "station"),
        defer=("resident__document_number",),
    )


def _consultation_spec() -> ExportSpec:
    from consultations.models import Consultation

    def columns():
        # never the notes (see the module's docstring)
        return [
            ExportColumn(_verbose(Consultation, "starts_at"), lambda c: c.starts_at, "starts_at"),
            ExportColumn(_verbose(Consultation, "ends_at"), lambda c: c.ends_at, "ends_at"),
            ExportColumn(_verbose(Consultation, "topic"), lambda c: c.topic.name, "topic"),
            ExportColumn(
                _verbose(Consultation, "counsellor"),
                lambda c: c.counsellor.name if c.counsellor else "",
                "counsellor",
            ),
            ExportColumn(_verbose(Consultation, "channel"), lambda c: c.get_channel_display(),
                         "channel"),
            ExportColumn(_verbose(Consultation, "status"), lambda c: c.get_status_display(),
                         "status"),
            ExportColumn(
                _verbose(Consultation, "language"),
                lambda c: c.get_language_display() if c.language else "",
                "language",
            ),
            ExportColumn(_verbose(Consultation, "resident"), lambda c: _person(c.resident),
                         "resident"),
            ExportColumn(_verbose(Consultation, "station"), lambda c: str(c.station), "station"),
        ]

    return ExportSpec(
        "consultations",
        columns,
        select_related=("topic", "counsellor", "resident", "station"),
        defer=("notes", "resident__document_number"),
    )


def _hours_spec() -> ExportSpec:
    from volunteers.models import HoursEntry

    def reviewer(entry):
        user = entry.reviewed_by
        return (user.full_name or user.email) if user is not None else ""

    def columns():
        return [
            ExportColumn(_verbose(HoursEntry, "volunteer"), lambda h: _person(h.volunteer),
                         "volunteer"),
            ExportColumn(_verbose(HoursEntry, "date"), lambda h: h.date, "date"),
            ExportColumn(_verbose(HoursEntry, "hours"), lambda h: h.hours, "hours"),
            ExportColumn(
                _verbose(HoursEntry, "opportunity"),
                lambda h: h.opportunity.title if h.opportunity else "",
                "opportunity",
            ),
            ExportColumn(_verbose(HoursEntry, "description"), lambda h: h.description,
                         "description"),
            ExportColumn(_verbose(HoursEntry, "status"), lambda h: h.get_status_display(),
                         "status"),
            ExportColumn(_verbose(HoursEntry, "reviewed_by"), reviewer, "reviewed_by"),
            ExportColumn(_verbose(HoursEntry, "reviewed_at"), lambda h: h.reviewed_at,
                         "reviewed_at"),
            ExportColumn(_verbose(HoursEntry, "station"), lambda h: str(h.station), "station"),
        ]

    return ExportSpec(
        "volunteer-hours",
        columns,
        select_related=("volunteer", "opportunity", "reviewed_by", "station"),
        defer=("volunteer__document_number",),
    )


SPECS: dict[str, Callable[[], ExportSpec]] = {
    "residents.resident": _resident_spec,
    "events.registration": _registration_spec,
    "consultations.consultation": _consultation_spec,
    "volunteers.hoursentry": _hours_spec,
}


# --- Values and files -----------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?[\d .()]*")


def _cell(value):
    """A value as the files hold it: times in the portal's zone, without
    the zone (spreadsheets have none); lazy text as text."""
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None, microsecond=0)
    if value is None or isinstance(value, date | int | float | Decimal | bool):
        return value
    return str(value)


def csv_safe(text: str) -> str:
    """`text`, with a leading apostrophe when a spreadsheet would run it as a
    formula; phone numbers (+86 592 ...) and negative numbers stay as they are."""
    if text[:1] in ("=", "@", "\t", "\r") or (
        text[:1] in ("+", "-") and not _NUMBER.fullmatch(text)
    ):
        return "'" + text
    return text


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    return csv_safe(str(value))


def write_csv(headers: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_safe(h) for h in headers])
    for row in rows:
        writer.writerow([_csv_text(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_xlsx(headers: list[str], rows: list[list], *, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Sheet1")
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def text_cell(value):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # never a formula
        return cell

    header_cells = []
    for header in headers:
        cell = text_cell(header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append(
            [text_cell(v) if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v
             for v in row]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_rows(request, queryset, fmt: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) of `queryset` as `fmt` for the
    person behind `request`, recorded in the audit log; see the module's
    docstring for what is left out."""
    from .audit import record_bulk
    from .roles import actions_for, role_allows
    from .tenancy import user_station_roles

    model = queryset.model
    label = model._meta.label_lower
    spec = SPECS[label]()
    user = request.user
    roles = user_station_roles(user)
    qs = queryset
    if not user.is_superuser:
        viewable = [sid for sid, role in roles.items() if "view" in actions_for(role, label)]
        qs = qs.filter(station_id__in=viewable)
    columns = spec.columns()
    defer = list(spec.defer)
    if any(c.document for c in columns) and not user.is_superuser:
        station_ids = set(qs.order_by().values_list("station_id", flat=True).distinct())
        if not all(role_allows(roles, label, "change", sid) for sid in station_ids):
            columns = [c for c in columns if not c.document]
            defer.append("document_number")
    qs = qs.select_related(*spec.select_related)
    if defer:
        qs = qs.defer(*defer)
    rows = list(qs)
    headers = [str(c.header()) for c in columns]
    values = [[_cell(c.value(row)) for c in columns] for row in rows]
    record_bulk(rows, "export", fields=sorted({c.field for c in columns}))
    stem = f"{spec.filename}-{timezone.localdate():%Y-%m-%d}"
    if fmt == "xlsx":
        title = str(capfirst(model._meta.verbose_name_plural))
        return write_xlsx(headers, values, title=title), XLSX_TYPE, f"{stem}.xlsx"
    return write_csv(headers, values), "text/csv; charset=utf-8", f"{stem}.csv"


def _response(request, queryset, fmt: str) -> HttpResponse:
    content, content_type, filename = export_rows(request, queryset, fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # personal data: kept by no shared cache and not by the browser's
    response["Cache-Control"] = "no-store"
    return response


@admin.action(description=_("Export selected as XLSX"), permissions=["view"])
def export_as_xlsx(modeladmin, request, queryset):
    return _response(request, queryset, "xlsx")


@admin.action(description=_("Export selected as CSV"), permissions=["view"])
def export_as_csv(modeladmin, request, queryset):
    return _response(request, queryset, "csv")


EXPORT_ACTIONS = (export_as_xlsx, export_as_csv)
