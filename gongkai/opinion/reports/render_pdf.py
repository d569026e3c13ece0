"""A report as PDF (fpdf2): A4, a system CJK font embedded as a subset, vector charts.

The charts are drawn with fpdf2's own primitives (rectangles, lines, arcs, text) through
``PdfCanvas``, so they stay sharp at any zoom and need no plotting library. A draft carries a
"草稿" watermark and says so in the footer.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import WrapMode
from fpdf.fonts import FontFace

from gongkai.opinion.reports import charts, document
from gongkai.opinion.reports.fonts import FontMissing, require_cjk_font
from gongkai.opinion.reports.models import Report

__all__ = ["FontMissing", "render_pdf"]

# fontTools' subsetter logs every table it touches at INFO: a page of log lines per PDF.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FAMILY = "cjk"
PT = 0.3528  # millimetres per point
BODY_PT = 10.5
LINE_MM = 6.4
ACCENT = (31, 84, 150)
MUTED = (110, 116, 124)
COMMENT_FILL = (243, 246, 250)
DRAFT_RED = (190, 40, 40)


class PdfCanvas:
    """``charts.Canvas`` on an fpdf2 page, in millimetres."""

    def __init__(self, pdf: FPDF) -> None:
        self.pdf = pdf

    def _font(self, size: float) -> None:
        self.pdf.set_font(FAMILY, size=size / PT)

    def rect(self, x: float, y: float, w: float, h: float, color: charts.RGB) -> None:
        if w <= 0 or h <= 0:
            return
        self.pdf.set_fill_color(*color)
        self.pdf.rect(x, y, w, h, style="F")

    def line(self, x1: float, y1: float, x2: float, y2: float, color: charts.RGB, width: float = 0.2) -> None:
        self.pdf.set_draw_color(*color)
        self.pdf.set_line_width(width)
        self.pdf.line(x1, y1, x2, y2)

    def text(
        self,
        x: float,
        y: float,
        s: str,
        size: float,
        color: charts.RGB = charts.TEXT_COLOR,
        align: str = "left",
    ) -> None:
        self._font(size)
        width = self.pdf.get_string_width(s)
        if align == "right":
            x -= width
        elif align == "center":
            x -= width / 2
        self.pdf.set_text_color(*color)
        self.pdf.text(x, y + size * 0.36, s)

    def text_width(self, s: str, size: float) -> float:
        self._font(size)
        return float(self.pdf.get_string_width(s))

    def pie(self, cx: float, cy: float, r: float, start: float, end: float, color: charts.RGB) -> None:
        self.pdf.set_fill_color(*color)
        self.pdf.set_draw_color(255, 255, 255)
        self.pdf.set_line_width(0.3)
        if end - start >= 359.99:
            self.pdf.ellipse(cx - r, cy - r, 2 * r, 2 * r, style="F")
            return
        # fpdf2 counts degrees counter-clockwise from three o'clock.
        self.pdf.solid_arc(cx - r, cy - r, 2 * r, 90 - start, 90 - end, clockwise=True, style="DF")

    def can_render(self, s: str) -> bool:
        return True


class ReportPdf(FPDF):
    def __init__(self, doc: document.ReportDocument, draft: bool) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.doc = doc
        self.draft = draft

    def header(self) -> None:
        if not self.draft:
            return
        with self.local_context():
            self.set_font(FAMILY, size=90)
            self.set_text_color(246, 226, 226)
            with self.rotation(35, self.w / 2, self.h / 2):
                label = _("草稿")
                self.text(self.w / 2 - self.get_string_width(label) / 2, self.h / 2 + 12, label)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        self.set_text_color(*MUTED)
        left = self.doc.title[:40] + (" · " + self.doc.status_note if self.draft else "")
        self.cell(0, 5, left, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, _("第 %(page)s 页，共 {nb} 页") % {"page": self.page_no()}, align="R")


def _paragraph(
    pdf: FPDF,
    text: str,
    *,
    size: float = BODY_PT,
    color: tuple[int, int, int] = (30, 33, 36),
    indent: bool = True,
    fill: bool = False,
) -> None:
    pdf.set_font(FAMILY, size=size)
    pdf.set_text_color(*color)
    if fill:
        pdf.set_fill_color(*COMMENT_FILL)
    pdf.multi_cell(
        0,
        LINE_MM * size / BODY_PT,
        ("\u3000\u3000" if indent else "") + text,
        align="L",
        wrapmode=WrapMode.CHAR,
        fill=fill,
        padding=(2, 3) if fill else 0,
        new_x="LMARGIN",
        new_y="NEXT",
    )


def _figures(pdf: FPDF, items: list[tuple[str, str]]) -> None:
    if pdf.will_page_break(20):
        pdf.add_page()
    width = pdf.epw / len(items)
    top = pdf.get_y() + 2
    for i, (label, value) in enumerate(items):
        x = pdf.l_margin + i * width
        pdf.set_fill_color(*COMMENT_FILL)
        pdf.rect(x + 0.8, top, width - 1.6, 16, style="F")
        pdf.set_xy(x, top + 2)
        pdf.set_font(FAMILY, size=14)
        pdf.set_text_color(*ACCENT)
        pdf.cell(width, 7, value, align="C")
        pdf.set_xy(x, top + 9.5)
        pdf.set_font(FAMILY, size=8.5)
        pdf.set_text_color(*MUTED)
        pdf.cell(width, 5, label, align="C")
    pdf.set_xy(pdf.l_margin, top + 19)


def _table(pdf: FPDF, table: document.Table) -> None:
    pdf.set_font(FAMILY, size=8.5)
    pdf.set_text_color(30, 33, 36)
    pdf.set_draw_color(210, 214, 220)
    pdf.set_line_width(0.2)
    aligns = tuple("R" if i in table.numeric else "L" for i in range(len(table.headers)))
    pdf.set_fill_color(255, 255, 255)
    with pdf.table(
        col_widths=table.widths,
        cell_fill_color=(246, 248, 251),
        cell_fill_mode="ROWS",
        text_align=aligns,
        wrapmode=WrapMode.CHAR,
        headings_style=FontFace(emphasis="", color=(255, 255, 255), fill_color=ACCENT),
        line_height=5.2,
        padding=(0.8, 1.2),
        first_row_as_headings=True,
    ) as grid:
        header = grid.row()
        for cell in table.headers:
            header.cell(cell)
        for row in table.rows:
            line = grid.row()
            for cell in row:
                line.cell(cell)
    pdf.ln(2)


def _chart(pdf: FPDF, chart: charts.Chart) -> None:
    height = charts.suggested_height(chart)
    title_h = 7
    if pdf.will_page_break(height + title_h):
        pdf.add_page()
    pdf.set_font(FAMILY, size=9.5)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, title_h, chart.title, align="C", new_x="LMARGIN", new_y="NEXT")
    top = pdf.get_y()
    charts.draw(PdfCanvas(pdf), chart, pdf.l_margin + 2, top, pdf.epw - 4, height, 2.8)
    pdf.set_xy(pdf.l_margin, top + height + 3)


def render_pdf(report: Report) -> bytes:
    """The report as PDF bytes; raises :class:`FontMissing` when no Chinese font is installed."""
    font = require_cjk_font()
    doc = document.build(report)
    pdf = ReportPdf(doc, draft=not report.is_released)
    pdf.add_font(FAMILY, fname=font.path, collection_font_number=font.index)
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title(doc.title)
    pdf.set_subject(_("舆情报告"))
    pdf.set_creator("Gongkai")
    pdf.set_lang("zh-CN")
    pdf.set_creation_date(report.generated_at)
    pdf.add_page()

    pdf.set_font(FAMILY, size=18)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(0, 10, doc.title, align="C", wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font(FAMILY, size=9)
    pdf.set_text_color(*(DRAFT_RED if not report.is_released else MUTED))
    pdf.cell(0, 5, doc.status_note, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(
        0, 5, "　".join(doc.subtitle), align="C", wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.6)
    pdf.line(pdf.l_margin, pdf.get_y() + 2, pdf.w - pdf.r_margin, pdf.get_y() + 2)
    pdf.ln(5)

    for index, block in enumerate(doc.blocks):
        following = doc.blocks[index + 1] if index + 1 < len(doc.blocks) else None
        _block(pdf, block, following)
    return bytes(pdf.output())


def _block(pdf: FPDF, block: Any, following: Any = None) -> None:
    if isinstance(block, document.Heading):
        # Keep a heading with what follows it: a chart moves whole to the next page, so would the heading.
        needed = 24.0
        if isinstance(following, document.ChartBlock):
            needed = 12 + 7 + charts.suggested_height(following.chart)
        if pdf.will_page_break(needed):
            pdf.add_page()
        pdf.ln(2)
        pdf.set_font(FAMILY, size=13)
        pdf.set_text_color(*ACCENT)
        pdf.cell(0, 8, block.text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    elif isinstance(block, document.Paragraph):
        if block.style == "label":
            pdf.set_font(FAMILY, size=9)
            pdf.set_text_color(*ACCENT)
            pdf.cell(0, 6, "▍" + block.text, new_x="LMARGIN", new_y="NEXT")
        elif block.style == "comment":
            _paragraph(pdf, block.text, size=10, fill=True, indent=False)
            pdf.ln(2)
        elif block.style == "muted":
            _paragraph(pdf, block.text, size=9.5, color=MUTED, indent=False)
        else:
            _paragraph(pdf, block.text)
    elif isinstance(block, document.Figures):
        _figures(pdf, block.items)
    elif isinstance(block, document.Table):
        _table(pdf, block)
    elif isinstance(block, document.ChartBlock):
        _chart(pdf, block.chart)
