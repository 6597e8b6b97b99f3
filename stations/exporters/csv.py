"""The summary as one tidy table: scope, station, figure, breakdown, year, value.

A row per figure, breakdown cell and year; the scope's totals have an empty
station column, then every station follows with its own figures. UTF-8 with a
byte-order mark, so that spreadsheet programs read the Chinese correctly."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from ..summary import Line, Summary


def _line_rows(scope: str, station: str, line: Line, year: int):
    for y, value in ((year, line.current), (year - 1, line.previous)):
        if not line.cells:
            yield [scope, station, line.label, "", y, value]
    for cell in line.cells:
        for y, value in ((year, cell.current), (year - 1, cell.previous)):
            yield [scope, station, line.label, cell.label, y, value]


def render(summary: Summary) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("scope"), _("station"), _("figure"), _("breakdown"), _("year"), _("value")])
    scope = summary.scope_name
    for section in summary.sections:
        for line in section.lines:
            writer.writerows(_line_rows(scope, "", line, summary.year))
    for unit in summary.stations:
        for line in unit.lines.values():
            writer.writerows(_line_rows(scope, unit.name, line, summary.year))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
