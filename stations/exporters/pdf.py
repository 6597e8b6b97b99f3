"""The summary as a printable bilingual report (A4) with bar charts.

Every label appears in the file's language with the other language beneath it.
Chinese needs a CJK font embedded in the file: Noto Sans CJK (SIL Open Font
License) comes from the `cvttf-NotoSansCJK-Regular` wheel on PyPI, so no
system font and no root are needed. fpdf2 embeds only the glyphs used."""

from __future__ import annotations

import logging
from functools import cache

from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from ..summary import Line, Summary
from . import number, title

FONT = "NotoSansCJK"
# fontTools reports every table it subsets at INFO level.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)
INK, GREY, THIS_YEAR, LAST_YEAR = (20, 20, 20), (110, 110, 110), (31, 95, 153), (170, 196, 222)
# The per-station table shows these figures of this year (the workbook has all).
STATION_COLUMNS = (
    "residents_total",
    "events_held",
    "participant_times",
    "consultations",
    "volunteer_hours",
    "partners",
)


@cache
def font_path() -> str:
    import cvttf_NotoSansCJK_Regular

    return cvttf_NotoSansCJK_Regular.get_TTF_path()


class Report(FPDF):
    def __init__(self, summary: Summary, other: Summary):
        super().__init__(format="A4")
        self.summary, self.other = summary, other
        self.add_font(FONT, "", font_path())
        self.set_auto_page_break(True, margin=15)
        self.set_margins(15, 15, 15)
        self.footer_text = f"{title(summary)} · {title(other)}"

    def footer(self):
        self.set_y(-11)
        self.set_font(FONT, size=7)
        self.set_text_color(*GREY)
        self.cell(0, 5, f"{self.footer_text} · {self.page_no()}", align="C")

    def room(self, height: float) -> None:
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()

    def two_lines(self, first: str, second: str, size: float, width: float = 0) -> None:
        self.set_text_color(*INK)
        self.set_font(FONT, size=size)
        self.multi_cell(width, size * 0.5, first, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*GREY)
        self.set_font(FONT, size=size * 0.75)
        self.multi_cell(width, size * 0.42, second, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)


def _figure_table(pdf: Report, lines: list[Line], others: dict[str, Line]) -> None:
    s = pdf.summary
    widths = (100, 26, 26, 28)
    pdf.set_font(FONT, size=8)
    pdf.set_text_color(*GREY)
    heads = (_("Figure"), str(s.year), str(s.year - 1), _("Change on last year"))
    for w, head in zip(widths, heads, strict=True):
        pdf.cell(w, 6, head, border="B", align="L" if w == 100 else "R")
    pdf.ln(6)
    for line in lines:
        pdf.room(10)
        y = pdf.get_y()
        pdf.set_text_color(*INK)
        pdf.set_font(FONT, size=9)
        pdf.cell(widths[0], 5, line.label)
        change = line.current - line.previous
        sign = "+" if change > 0 else ""
        for w, text in zip(
            widths[1:],
            (
                number(line.current, line.unit),
                number(line.previous, line.unit),
                sign + number(change, line.unit),
            ),
            strict=True,
        ):
            pdf.cell(w, 5, text, align="R")
        pdf.set_xy(pdf.l_margin, y + 5)
        pdf.set_font(FONT, size=7)
        pdf.set_text_color(*GREY)
        pdf.cell(widths[0], 3.5, others[line.key].label, border="B")
        pdf.cell(sum(widths[1:]), 3.5, "", border="B")
        pdf.ln(4.5)


def _bar_chart(pdf: Report, line: Line, other: Line) -> None:
    s = pdf.summary
    label_w, bar_w, row_h = 60, 95, 7
    pdf.room(18 + row_h * min(len(line.cells), 3))
    pdf.ln(2)
    pdf.two_lines(line.label, other.label, 10)
    pdf.set_font(FONT, size=7)
    x = pdf.l_margin
    for colour, text in ((THIS_YEAR, str(s.year)), (LAST_YEAR, str(s.year - 1))):
        pdf.set_fill_color(*colour)
        pdf.rect(x, pdf.get_y() + 1, 3, 3, style="F")
        pdf.set_x(x + 4)
        pdf.cell(15, 5, text)
        x += 20
    pdf.ln(6)
    top = max([max(c.current, c.previous) for c in line.cells] + [1])
    other_labels = {c.key: c.label for c in other.cells}
    for cell in line.cells:
        pdf.room(row_h + 2)
        y = pdf.get_y()
        pdf.set_text_color(*INK)
        pdf.set_font(FONT, size=8)
        pdf.cell(label_w, 3.6, cell.label[:40])
        pdf.set_xy(pdf.l_margin, y + 3.6)
        pdf.set_font(FONT, size=6)
        pdf.set_text_color(*GREY)
        pdf.cell(label_w, 3, other_labels.get(cell.key, "")[:48])
        for offset, value, colour in (
            (0.3, cell.current, THIS_YEAR),
            (3.6, cell.previous, LAST_YEAR),
        ):
            width = float(value) / float(top) * bar_w
            pdf.set_fill_color(*colour)
            if width > 0:
                pdf.rect(pdf.l_margin + label_w, y + offset, width, 3, style="F")
            pdf.set_xy(pdf.l_margin + label_w + width + 1, y + offset - 0.3)
            pdf.set_text_color(*INK)
            pdf.set_font(FONT, size=6.5)
            pdf.cell(20, 3.6, number(value, line.unit))
        pdf.set_xy(pdf.l_margin, y + row_h + 0.5)


def _station_table(pdf: Report) -> None:
    s, o = pdf.summary, pdf.other
    pdf.add_page()
    pdf.two_lines(_("By station"), _other_gettext(o.language, "By station"), 13)
    pdf.ln(2)
    name_w = 180 - 20 * len(STATION_COLUMNS)
    labels = {key: (s.line(key).label, o.line(key).label) for key in STATION_COLUMNS}
    y = pdf.get_y()
    pdf.set_font(FONT, size=6.5)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(name_w, 3.2, f"{_('Station')} ({s.year})", new_x=XPos.RIGHT, new_y=YPos.TOP)
    for key in STATION_COLUMNS:
        pdf.multi_cell(20, 3.2, "\n".join(labels[key]), align="R", new_x=XPos.RIGHT, new_y=YPos.TOP)
    pdf.set_xy(pdf.l_margin, y + 24)
    pdf.set_text_color(*INK)
    pdf.set_fill_color(235, 241, 247)
    for unit in [*s.regions, *s.stations]:
        pdf.room(6)
        pdf.set_font(FONT, size=7.5)
        shaded = unit.kind == "region"  # subtotals of the regions, then the stations
        pdf.cell(name_w, 5, unit.name[:34], border="B", fill=shaded)
        for key in STATION_COLUMNS:
            line = unit.lines[key]
            pdf.cell(20, 5, number(line.current, line.unit), border="B", align="R", fill=shaded)
        pdf.ln(5)


def _other_gettext(language: str, text: str) -> str:
    from django.utils import translation

    with translation.override(language):
        return _(text)


def render(summary: Summary, other: Summary) -> bytes:
    pdf = Report(summary, other)
    pdf.set_title(title(summary))
    pdf.add_page()
    pdf.two_lines(title(summary), title(other), 16)
    pdf.ln(1)
    pdf.set_font(FONT, size=8)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(
        0,
        4,
        f"{summary.scope_kind} / {other.scope_kind} · "
        + _("Generated %(moment)s") % {"moment": f"{summary.generated_at:%Y-%m-%d %H:%M}"}
        + "\n"
        + _("Counts only: no resident can be identified. Definitions: see the documentation.")
        + "\n"
        + _other_gettext(
            other.language,
            "Counts only: no resident can be identified. Definitions: see the documentation.",
        ),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    for section, other_section in zip(summary.sections, other.sections, strict=True):
        pdf.room(40)
        pdf.ln(4)
        pdf.two_lines(section.title, other_section.title, 13)
        pdf.ln(1)
        others = {line.key: line for line in other_section.lines}
        _figure_table(pdf, [line for line in section.lines if not line.cells], others)
        for line in section.lines:
            if line.cells:
                _bar_chart(pdf, line, others[line.key])
    if summary.stations:
        _station_table(pdf)
    return bytes(pdf.output())
