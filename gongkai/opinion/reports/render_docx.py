"""A report as DOCX (python-docx): the same blocks as the PDF, charts as PNG pictures.

Word brings its own fonts: the text asks for 宋体/黑体 by name (East Asian font slots), no file is
embedded. The chart pictures are drawn with Pillow using the system CJK font when there is one
(``fonts.find_cjk_font``); without it their categories are numbered and the table under each
chart names them.
"""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from gongkai.opinion.reports import charts, document
from gongkai.opinion.reports.fonts import find_cjk_font
from gongkai.opinion.reports.models import Report

BODY_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
ACCENT = RGBColor(0x1F, 0x54, 0x96)
MUTED = RGBColor(0x6E, 0x74, 0x7C)
DRAFT_RED = RGBColor(0xBE, 0x28, 0x28)
CHART_WIDTH_MM = 160


def _east_asian(target: Any, name: str) -> None:
    """Set the East Asian font of a style or run (python-docx sets only the Latin one)."""
    target.font.name = LATIN_FONT
    r_pr = target.element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), name)


def _styles(doc: Any) -> None:
    normal = doc.styles["Normal"]
    _east_asian(normal, BODY_FONT)
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.35
    for name in ("Title", "Heading 1", "Heading 2"):
        style = doc.styles[name]
        _east_asian(style, HEADING_FONT)
        style.font.color.rgb = ACCENT
        style.font.bold = False


def _page_field(paragraph: Any) -> None:
    run = paragraph.add_run()
    for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if tag:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), tag)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def _cell_fill(cell: Any, hex_color: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), hex_color)
    cell._tc.get_or_add_tcPr().append(shading)


def _table(doc: Any, table: document.Table) -> None:
    grid = doc.add_table(rows=1, cols=len(table.headers))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    total = sum(table.widths)
    widths = [Cm(16.0 * w / total) for w in table.widths]
    for i, text in enumerate(table.headers):
        cell = grid.rows[0].cells[i]
        cell.width = widths[i]
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        run.font.size = Pt(9)
        _cell_fill(cell, "1F5496")
    for row in table.rows:
        cells = grid.add_row().cells
        for i, text in enumerate(row):
            cells[i].width = widths[i]
            cells[i].text = ""
            paragraph = cells[i].paragraphs[0]
            if i in table.numeric:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            run = paragraph.add_run(text)
            run.font.size = Pt(9)
    doc.add_paragraph()


def _figures(doc: Any, items: list[tuple[str, str]]) -> None:
    grid = doc.add_table(rows=2, cols=len(items))
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, (label, value) in enumerate(items):
        top, bottom = grid.rows[0].cells[i], grid.rows[1].cells[i]
        for cell in (top, bottom):
            _cell_fill(cell, "F3F6FA")
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = top.paragraphs[0].add_run(value)
        run.font.size = Pt(15)
        run.font.color.rgb = ACCENT
        run = bottom.paragraphs[0].add_run(label)
        run.font.size = Pt(8.5)
        run.font.color.rgb = MUTED
    doc.add_paragraph()


def _chart(doc: Any, chart: charts.Chart, font: Any) -> None:
    caption = doc.add_paragraph()
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = caption.add_run(chart.title)
    run.font.size = Pt(9.5)
    run.font.color.rgb = MUTED
    height = charts.suggested_height(chart)
    png = charts.chart_png(
        chart,
        width_mm=CHART_WIDTH_MM,
        height_mm=height,
        font_path=font.path if font else None,
        font_index=font.index if font else 0,
    )
    doc.add_picture(io.BytesIO(png), width=Cm(CHART_WIDTH_MM / 10))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER


def render_docx(report: Report) -> bytes:
    doc_model = document.build(report)
    font = find_cjk_font()
    doc = Document()
    _styles(doc)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin = section.bottom_margin = Cm(2.0)

    props = doc.core_properties
    props.title = doc_model.title
    props.subject = _("舆情报告")
    props.author = "Gongkai"
    props.created = report.generated_at

    if not report.is_released:
        header = section.header.paragraphs[0]
        header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        run = header.add_run(doc_model.status_note)
        run.font.color.rgb = DRAFT_RED
        run.font.size = Pt(9)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run(doc_model.title[:40] + " · ").font.size = Pt(8)
    _page_field(footer)

    title = doc.add_heading(doc_model.title, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    note = doc.add_paragraph()
    note.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = note.add_run(doc_model.status_note)
    run.font.size = Pt(9)
    run.font.color.rgb = MUTED if report.is_released else DRAFT_RED
    sub = doc.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = sub.add_run("　".join(doc_model.subtitle))
    run.font.size = Pt(9)
    run.font.color.rgb = MUTED

    for block in doc_model.blocks:
        if isinstance(block, document.Heading):
            doc.add_heading(block.text, level=block.level)
        elif isinstance(block, document.Paragraph):
            paragraph = doc.add_paragraph()
            run = paragraph.add_run(block.text)
            if block.style == "body":
                paragraph.paragraph_format.first_line_indent = Pt(21)
            elif block.style == "label":
                run.font.color.rgb = ACCENT
                run.font.size = Pt(9)
                paragraph.paragraph_format.space_after = Pt(0)
            elif block.style == "comment":
                paragraph.paragraph_format.left_indent = Cm(0.5)
                run.font.size = Pt(10)
            else:
                run.font.color.rgb = MUTED
        elif isinstance(block, document.Figures):
            _figures(doc, block.items)
        elif isinstance(block, document.Table):
            _table(doc, block)
        elif isinstance(block, document.ChartBlock):
            _chart(doc, block.chart, font)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
