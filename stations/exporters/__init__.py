"""Files of the yearly summary: XLSX, CSV and PDF, each in Chinese or English.

`export_summary` is the one entry point (views, the admin, the command and the
yearly delivery use it); it counts once and labels in the language asked for
(the PDF also in the other language, as it is bilingual)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..summary import HOURS, Scope, Summary, build_summary, collect

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}
FORMAT_LABELS = {
    "xlsx": gettext_lazy("Spreadsheet (XLSX)"),
    "csv": gettext_lazy("Table (CSV)"),
    "pdf": gettext_lazy("Printable report (PDF)"),
}


@dataclass(frozen=True)
class SummaryFile:
    filename: str
    content: bytes
    mimetype: str


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValidationError(
            _("Unknown format “%(value)s”; choose one of: %(choices)s.")
            % {"value": fmt, "choices": ", ".join(FORMATS)},
            code="format",
        )
    return fmt


def check_language(language: str) -> str:
    codes = [code for code, _name in settings.LANGUAGES]
    if language not in codes:
        raise ValidationError(
            _("Unknown language “%(value)s”; choose one of: %(choices)s.")
            % {"value": language, "choices": ", ".join(codes)},
            code="language",
        )
    return language


def other_language(language: str) -> str:
    return next(code for code, _name in settings.LANGUAGES if code != language)


def number(value, unit: str) -> str:
    """A figure as people read it: thousands separated, hours with two decimals."""
    if unit == HOURS:
        return f"{Decimal(value):,.2f}"
    return f"{int(value):,}"


def export_summary(*, scope: Scope, year: int, fmt: str, language: str) -> SummaryFile:
    check_format(fmt)
    check_language(language)
    rows = collect(scope, year)
    summary = build_summary(scope, year, language, rows)
    with translation.override(language):
        if fmt == "xlsx":
            from .xlsx import render

            content = render(summary)
        elif fmt == "csv":
            from .csv import render

            content = render(summary)
        else:
            from .pdf import render

            content = render(summary, build_summary(scope, year, other_language(language), rows))
    name = f"summary-{summary.scope_slug}-{year}-{language}.{fmt}"
    return SummaryFile(filename=name, content=content, mimetype=FORMATS[fmt])


def title(summary: Summary) -> str:
    """The summary's title in the summary's own language."""
    with translation.override(summary.language):
        return _("Yearly summary %(year)s: %(scope)s") % {
            "year": summary.year,
            "scope": summary.scope_name,
        }
