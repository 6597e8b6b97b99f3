"""The summary as a workbook: an overview, a sheet per section with its
breakdowns and native bar charts, and for a region a sheet per station and
one per region below it. Figures are numbers with number formats, never text,
so officials can compute with them."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ..summary import HOURS, Line, Summary, Unit
from . import title

COUNT_FORMAT = "#,##0"
HOURS_FORMAT = "#,##0.00"
BOLD = Font(bold=True)
INVALID = set("[]:*?/\\")


def _sheet_title(text: str) -> str:
    return "".join(c for c in text if c not in INVALID)[:31]


def _fmt(unit: str) -> str:
    return HOURS_FORMAT if unit == HOURS else COUNT_FORMAT


def _header(ws, row: int, values: list[str]) -> None:
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=col, value=value)
        cell.font = BOLD
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _figure_row(ws, row: int, label: str, line: Line, current, previous) -> None:
    ws.cell(row=row, column=1, value=label)
    for col, value in ((2, current), (3, previous), (4, current - previous)):
        ws.cell(row=row, column=col, value=value).number_format = _fmt(line.unit)


def _year_header(summary: Summary, first: str) -> list[str]:
    return [first, str(summary.year), str(summary.year - 1), _("Change on last year")]


def _overview(ws, summary: Summary) -> None:
    ws["A1"] = title(summary)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = _("Counts only: no resident can be identified. Definitions: see the documentation.")
    ws["A3"] = _("Generated %(moment)s") % {"moment": f"{summary.generated_at:%Y-%m-%d %H:%M}"}
    row = 5
    _header(ws, row, _year_header(summary, _("Figure")))
    for section in summary.sections:
        row += 1
        ws.cell(row=row, column=1, value=section.title).font = BOLD
        for line in section.lines:
            if line.cells:
                continue
            row += 1
            _figure_row(ws, row, line.label, line, line.current, line.previous)
    ws.column_dimensions["A"].width = 46
    for col in "BCD":
        ws.column_dimensions[col].width = 12


def _section_sheet(wb, summary: Summary, section) -> None:
    ws = wb.create_sheet(_sheet_title(section.title))
    ws.column_dimensions["A"].width = 40
    row = 1
    ws.cell(row=row, column=1, value=section.title).font = Font(bold=True, size=13)
    row += 2
    _header(ws, row, _year_header(summary, _("Figure")))
    for line in section.lines:
        if line.cells:
            continue
        row += 1
        _figure_row(ws, row, line.label, line, line.current, line.previous)
    chart_col = 7
    for line in section.lines:
        if not line.cells:
            continue
        row += 2
        ws.cell(row=row, column=1, value=line.label).font = BOLD
        row += 1
        _header(ws, row, _year_header(summary, _("Breakdown")))
        first = row + 1
        for cell in line.cells:
            row += 1
            _figure_row(ws, row, cell.label, line, cell.current, cell.previous)
        chart = BarChart()
        chart.type = "bar"
        chart.title = line.label
        chart.y_axis.title = _("Hours") if line.unit == HOURS else _("Number")
        chart.height = max(6, 0.6 * len(line.cells) + 3)
        data = Reference(ws, min_col=2, max_col=3, min_row=first - 1, max_row=row)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=row))
        ws.add_chart(chart, f"{get_column_letter(chart_col)}{first - 1}")
        row = max(row, first + int(chart.height * 2))


def _units_sheet(wb, summary: Summary, sheet_name: str, units: list[Unit], first: str) -> None:
    ws = wb.create_sheet(_sheet_title(sheet_name))
    figures = summary.headline
    header = [first, _("Belongs to")]
    for _key, label, _unit in figures:
        header += [f"{label} {summary.year}", f"{label} {summary.year - 1}"]
    _header(ws, 1, header)
    ws.row_dimensions[1].height = 60
    for row, unit in enumerate(units, start=2):
        ws.cell(row=row, column=1, value=unit.name)
        ws.cell(row=row, column=2, value=unit.parent)
        for i, (key, _label, kind) in enumerate(figures):
            line = unit.lines[key]
            for j, value in enumerate((line.current, line.previous)):
                ws.cell(row=row, column=3 + 2 * i + j, value=value).number_format = _fmt(kind)
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 20
    ws.freeze_panes = "C2"


def render(summary: Summary) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_title(_("Overview"))
    _overview(ws, summary)
    for section in summary.sections:
        _section_sheet(wb, summary, section)
    if summary.regions:
        _units_sheet(wb, summary, _("By region"), summary.regions, _("Region"))
    if summary.stations:
        _units_sheet(wb, summary, _("By station"), summary.stations, _("Station"))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
