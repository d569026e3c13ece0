"""The annual report as HTML, DOCX and PDF, laid out like the official template.

All three renderings take the report data of ``compute.report_data`` (a released report's
``snapshot``) and lay the tables out from the official layouts in ``schema`` — never by hand per
table — through one shared model, :func:`table_grid`:

* a block's header tree (``ColumnGroup``/``Column``) becomes header rows of cells with
  ``colspan``/``rowspan`` (:func:`header_rows`): a group spans its leaves, a leaf spans down to the
  last header row, the corner cell spans every header row and the label columns;
* a row's ``path`` becomes row-label cells merged down over the rows of its group, and a row with
  fewer path levels than the block has label columns spans the label columns left over;
* Table 2's blocks share one table, each under its title row (第二十条第（一）项 …); a block with fewer
  columns than the widest one stretches its cells over the grid, as the official template does.

The cells are given HTML-style (each row lists the cells that start in it), which is what an HTML
``<table>`` and fpdf2's ``table()`` take; the DOCX merges Word cells (``cell.merge``) from the
positions :func:`place` works out. A cell that a failing consistency check names is marked, so the
staff preview (and a draft's files) show where the figures disagree.

The official wording (titles, labels) is reproduced as it is, never translated; the few words this
module adds (草稿) go through gettext.
"""

from __future__ import annotations

import datetime
import io
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from gongkai.disclosure.annual import schema

logger = logging.getLogger(__name__)

CSS_PATH = Path(__file__).resolve().parent / "static" / "disclosure_annual" / "report.css"

#: Relative widths of the row-label columns, by how many a block has (the numeric ones count 1).
LABEL_WEIGHTS: dict[int, tuple[float, ...]] = {0: (), 1: (1.6,), 2: (1.4, 3.2), 3: (1.25, 1.7, 5.2)}


# --- The shared table model ----------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One cell of a rendered table, HTML-style: it sits where it starts and spans to the right/down."""

    text: str
    #: ``title`` (a Table 2 block's title row), ``corner``, ``group`` (a header cell over others),
    #: ``column`` (a leaf header cell), ``rowgroup`` (a merged row label), ``label``, ``value``.
    kind: str
    colspan: int = 1
    rowspan: int = 1
    row: str = ""  # the schema row's code (labels and values)
    column: str = ""  # the leaf column's code (values)
    failed: bool = False  # a consistency check fails on this cell
    messages: tuple[str, ...] = ()

    @property
    def is_header(self) -> bool:
        return self.kind != "value"

    @property
    def scope(self) -> str:
        """The HTML ``scope`` of a header cell."""
        return {
            "title": "rowgroup",
            "corner": "col",
            "group": "colgroup",
            "column": "col",
            "rowgroup": "rowgroup",
            "label": "row",
        }.get(self.kind, "")


@dataclass
class Part:
    """A run of rows: ``head`` (the header of Tables 3–4, repeated on a new page) or ``body``."""

    kind: str
    rows: list[list[Cell]] = field(default_factory=list)


@dataclass
class Grid:
    """One rendered table: its parts, its width in grid columns and the relative column widths."""

    table: str
    title: str
    width: int
    weights: list[float]
    parts: list[Part]

    @property
    def percentages(self) -> list[str]:
        """The column widths in per cent of the table, for HTML's ``<col>``."""
        total = sum(self.weights) or 1.0
        return [f"{100 * w / total:.2f}" for w in self.weights]

    @property
    def head_rows(self) -> int:
        return sum(len(p.rows) for p in self.parts if p.kind == "head")

    def all_rows(self) -> list[list[Cell]]:
        return [row for part in self.parts for row in part.rows]


def _depth(header: schema.Header) -> int:
    return max((1 if isinstance(n, schema.Column) else 1 + _depth(n.children)) for n in header)


def _stretch(count: int, width: int) -> list[int]:
    """Spans for ``count`` leaf columns over ``width`` grid columns; the last ones take the rest."""
    if count <= 0:
        return []
    base, extra = divmod(max(width, count), count)
    return [base + (1 if i >= count - extra else 0) for i in range(count)]


def header_rows(block: schema.Block, *, width: int | None = None) -> list[list[Cell]]:
    """The header rows of a block: the corner cell and the header tree, with their spans.

    ``width`` is the number of numeric grid columns when the block shares a wider table (Table 2):
    its leaf columns then stretch over it. Every leaf spans down to the last header row, so a block
    whose tree is three deep (Table 3: 申请人情况 › 法人或其他组织 › 商业企业) gets three rows.
    """
    leaves = block.columns()
    spans = _stretch(len(leaves), width or len(leaves))
    span_of = {leaf.code: span for leaf, span in zip(leaves, spans, strict=True)}
    depth = _depth(block.header)
    rows: list[list[Cell]] = [[] for _ in range(depth)]
    if block.label_columns:
        rows[0].append(Cell(block.corner, "corner", colspan=block.label_columns, rowspan=depth))

    def walk(nodes: schema.Header, level: int) -> int:
        total = 0
        for node in nodes:
            if isinstance(node, schema.Column):
                span = span_of[node.code]
                rows[level].append(
                    Cell(node.label, "column", colspan=span, rowspan=depth - level, column=node.code)
                )
            else:
                index = len(rows[level])
                rows[level].append(Cell(node.label, "group"))  # its span is known after the children
                span = walk(node.children, level + 1)
                rows[level][index] = replace(rows[level][index], colspan=span)
            total += span
        return total

    walk(block.header, 0)
    return rows


def body_rows(
    block: schema.Block,
    values: Mapping[str, Sequence[Any]],
    *,
    width: int | None = None,
    failed: dict[tuple[str, str], list[str]] | None = None,
) -> list[list[Cell]]:
    """The data rows of a block: merged row-group labels, the row label, the values.

    ``values`` maps a row code to its cells (in leaf-column order); ``failed`` maps (row code,
    column code) to the messages of the checks failing on that cell.
    """
    leaves = block.columns()
    spans = _stretch(len(leaves), width or len(leaves))
    failed = failed or {}
    rows: list[list[Cell]] = []
    for index, row in enumerate(block.rows):
        cells: list[Cell] = []
        if block.label_columns:
            for level, label in enumerate(row.path):
                prefix = row.path[: level + 1]
                if index and block.rows[index - 1].path[: level + 1] == prefix:
                    continue  # inside a group already opened above: its cell spans down here
                span = 0
                for later in block.rows[index:]:
                    if later.path[: level + 1] != prefix:
                        break
                    span += 1
                cells.append(Cell(label, "rowgroup", rowspan=span, row=row.code))
            cells.append(
                Cell(row.label, "label", colspan=max(1, block.label_columns - len(row.path)), row=row.code)
            )
        row_values = list(values.get(row.code) or [])
        for position, (leaf, span) in enumerate(zip(leaves, spans, strict=True)):
            value = row_values[position] if position < len(row_values) else None
            messages = tuple(failed.get((row.code, leaf.code), ()))
            cells.append(
                Cell(
                    format_value(value),
                    "value",
                    colspan=span,
                    row=row.code,
                    column=leaf.code,
                    failed=bool(messages),
                    messages=messages,
                )
            )
        rows.append(cells)
    return rows


def format_value(value: Any) -> str:
    """A figure as the tables print it: integers plainly, amounts without trailing zeros."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not number.is_finite():
        return str(value)
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return format(number.normalize(), "f")


def report_format(data: dict[str, Any]) -> schema.ReportFormat:
    """The official layout the data was made for: its format code, else its year's."""
    code = str(data.get("format") or "")
    for fmt in (schema.FORMAT_2021, schema.FORMAT_2019):
        if fmt.code == code:
            return fmt
    return schema.format_for_year(int(data["year"]))


#: Rules whose message names several rows at once ("一、二、三（七）、四"): the rows they compare.
RULE_ROWS: dict[str, tuple[str, ...]] = {
    "table3_balance": ("new", "carried_over", "total", "carried_forward")
}


def _row_names(row: schema.Row) -> set[str]:
    """How a check may name a row: its code, its label, its label under its groups."""
    return {
        row.code,
        row.label,
        " ".join([*row.path[1:], row.label]),
        " ".join([*row.path, row.label]),
        "".join([*row.path[1:], row.label]),
    }


def _column_names(leaf: schema.Column, path: tuple[str, ...]) -> set[str]:
    """How a check may name a column: its code, or its labels from any header level down to it
    ("自然人", "法人或其他组织·商业企业", "行政诉讼·复议后起诉·总计")."""
    names = {leaf.code}
    for start in range(len(path)):
        for joiner in ("·", "/", " ", ""):
            names.add(joiner.join(path[start:]))
    return names


def _failed_cells(
    table: schema.Table, checks: Iterable[dict[str, Any]]
) -> dict[tuple[str, str, str], list[str]]:
    """(block, row, column) codes → messages of the failing checks that name that cell.

    A check names its row and column by code (``row_code``/``column_code`` when given) or as
    ``checks`` words them: the official label, the label under its groups, the column's label
    path. One that names no row marks the whole column, no column the whole row.
    """
    out: dict[tuple[str, str, str], list[str]] = {}
    for check in checks:
        if check.get("ok", True) or check.get("table") != table.code:
            continue
        row_key = str(check.get("row_code") or check.get("row") or "")
        column_key = str(check.get("column_code") or check.get("column") or "")
        block_key = str(check.get("block") or "")
        rule_rows = RULE_ROWS.get(str(check.get("rule") or ""), ())
        message = str(check.get("message") or check.get("rule") or "")
        for block in table.blocks:
            if block_key and block_key not in (block.code, block.title):
                continue
            rows = [r for r in block.rows if not row_key or r.code in rule_rows or row_key in _row_names(r)]
            columns = [
                leaf
                for leaf, path in zip(block.columns(), block.column_paths(), strict=True)
                if not column_key or column_key in _column_names(leaf, path)
            ]
            if row_key and not rows or column_key and not columns:
                continue
            for row in rows:
                for leaf in columns:
                    out.setdefault((block.code, row.code, leaf.code), []).append(message)
    return out


def _data_values(table: schema.Table, table_data: dict[str, Any] | None) -> dict[tuple[str, str], list[Any]]:
    """(block code, row code) → the row's cells from the report data, in the schema's column
    order (by ``column_codes`` when the data gives them, else as they come)."""
    out: dict[tuple[str, str], list[Any]] = {}
    leaves = {block.code: [leaf.code for leaf in block.columns()] for block in table.blocks}
    for block in (table_data or {}).get("blocks") or []:
        block_code = str(block.get("code"))
        codes = list(block.get("column_codes") or [])
        for row in block.get("rows") or []:
            cells = list(row.get("cells") or [])
            if codes and block_code in leaves:
                by_code = dict(zip(codes, cells, strict=False))
                cells = [by_code.get(code) for code in leaves[block_code]]
            out[(block_code, str(row.get("code")))] = cells
    return out


def table_grid(
    table: schema.Table, table_data: dict[str, Any] | None, checks: Iterable[dict[str, Any]] = ()
) -> Grid:
    """One table of the report (all its blocks) as a :class:`Grid`."""
    values = _data_values(table, table_data)
    failed = _failed_cells(table, checks)
    label_columns = max(block.label_columns for block in table.blocks)
    numeric = max(len(block.columns()) for block in table.blocks)
    width = label_columns + numeric
    weights = [*LABEL_WEIGHTS.get(label_columns, (1.5,) * label_columns), *([1.0] * numeric)]
    parts: list[Part] = []
    titled = len(table.blocks) > 1 or any(block.title for block in table.blocks)
    for block in table.blocks:
        rows_values = {row.code: values.get((block.code, row.code), []) for row in block.rows}
        block_failed = {(r, c): m for (b, r, c), m in failed.items() if b == block.code}
        head = header_rows(block, width=numeric)
        body = body_rows(block, rows_values, width=numeric, failed=block_failed)
        if titled:
            title_row = [Cell(block.title, "title", colspan=width)]
            parts.append(Part("body", [title_row, *head, *body]))
        else:
            parts.extend([Part("head", head), Part("body", body)])
    return Grid(table=table.code, title=table.title, width=width, weights=weights, parts=parts)


def place(rows: Sequence[Sequence[Cell]]) -> list[tuple[int, int, Cell]]:
    """Where each cell of HTML-style rows sits in the grid: (row, column, cell)."""
    taken: set[tuple[int, int]] = set()
    out: list[tuple[int, int, Cell]] = []
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            out.append((r, c, cell))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
    return out


# --- The document model the three renderings share --------------------------------------------


@dataclass
class Section:
    title: str
    paragraphs: list[str]
    grids: list[Grid]


@dataclass
class Document:
    title: str
    agency: str
    year: int
    format_name: str
    basis: str
    sections: list[Section]
    failures: list[dict[str, Any]]
    draft: bool


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in (text or "").replace("\r\n", "\n").split("\n") if line.strip()]


def build(data: dict[str, Any], *, draft: bool = False) -> Document:
    """The report data laid out for rendering: the six sections, each with its tables."""
    fmt = report_format(data)
    checks = list(data.get("checks") or [])
    tables_data = {str(t.get("code")): t for t in data.get("tables") or []}
    sections_data = list(data.get("sections") or [])
    grids_by_section: dict[int, list[Grid]] = {}
    for index, table in enumerate(fmt.tables):
        table_data = tables_data.get(table.code)
        section = (table_data or {}).get("section")
        # The official sections 二、三、四 hold Tables 2、3、4.
        section = int(section) if isinstance(section, int) else index + 1
        grids_by_section.setdefault(section, []).append(table_grid(table, table_data, checks))
    sections = []
    for index, official_title in enumerate(fmt.section_titles):
        text = ""
        if index < len(sections_data):
            text = str(sections_data[index].get("text") or "")
        sections.append(
            Section(title=official_title, paragraphs=_paragraphs(text), grids=grids_by_section.get(index, []))
        )
    agency = data.get("agency") or {}
    year = int(data["year"])
    title = str(data.get("title") or f"{agency.get('name', '')}{year}年政府信息公开工作年度报告")
    return Document(
        title=title,
        agency=str(agency.get("name") or ""),
        year=year,
        format_name=str(data.get("format_name") or fmt.name),
        basis=str(data.get("basis") or fmt.basis),
        sections=sections,
        failures=[c for c in checks if not c.get("ok", True)],
        draft=draft,
    )


# --- HTML ------------------------------------------------------------------------------------------


def report_css() -> str:
    return CSS_PATH.read_text(encoding="utf-8")


def render_html(data: dict[str, Any], *, standalone: bool = True, draft: bool = False) -> str:
    """The report as HTML: a whole printable document, or (``standalone=False``) an ``<article>``
    for a page that links ``disclosure_annual/report.css`` itself."""
    doc = build(data, draft=draft)
    context = {"doc": doc}
    fragment = render_to_string("disclosure_annual/report_fragment.html", context)
    if not standalone:
        return fragment
    return render_to_string(
        "disclosure_annual/report_standalone.html", {**context, "fragment": fragment, "css": report_css()}
    )


# --- DOCX ------------------------------------------------------------------------------------------

DOCX_TITLE_FONT = "方正小标宋简体"
DOCX_HEADING_FONT = "黑体"
DOCX_BODY_FONT = "仿宋"
DOCX_TABLE_FONT = "宋体"
DOCX_LATIN_FONT = "Times New Roman"
FAILED_FILL = "F8D7DA"
TITLE_FILL = "F2F2F2"


def _east_asian(run_or_style: Any, name: str) -> None:
    """Ask for a font by name in the Latin and East Asian slots (python-docx sets only the Latin)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run_or_style.font.name = DOCX_LATIN_FONT
    r_pr = run_or_style.element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), name)


def _docx_run(paragraph: Any, text: str, *, font: str, size: float, bold: bool = False) -> Any:
    from docx.shared import Pt

    run = paragraph.add_run(text)
    _east_asian(run, font)
    run.font.size = Pt(size)
    run.bold = bold
    return run


def _docx_borders(table: Any) -> None:
    """Single black borders around and inside the table (whatever the style gallery has)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "single")
        element.set(qn("w:sz"), "6")
        element.set(qn("w:space"), "0")
        element.set(qn("w:color"), "000000")
        borders.append(element)
    tbl_pr.append(borders)
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)


def _docx_fill(cell: Any, hex_color: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), hex_color)
    cell._tc.get_or_add_tcPr().append(shading)


def _docx_repeat_header(row: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    tr_pr.append(element)


def _docx_keep_row(row: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    element = OxmlElement("w:cantSplit")
    element.set(qn("w:val"), "true")
    tr_pr.append(element)


def _docx_table(doc: Any, grid: Grid, usable_width_cm: float) -> None:
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    rows = grid.all_rows()
    table = doc.add_table(rows=len(rows), cols=grid.width)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _docx_borders(table)
    total = sum(grid.weights)
    widths = [Cm(usable_width_cm * w / total) for w in grid.weights]
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        _docx_keep_row(row)
        for c, cell in enumerate(row.cells):
            cell.width = widths[c]
    for r in range(grid.head_rows):
        _docx_repeat_header(table.rows[r])
    for r, c, cell in place(rows):
        target = table.cell(r, c)
        if cell.colspan > 1 or cell.rowspan > 1:
            target = target.merge(table.cell(r + cell.rowspan - 1, c + cell.colspan - 1))
        target.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        paragraph = target.paragraphs[0]
        paragraph.paragraph_format.space_after = Pt(0)
        paragraph.paragraph_format.space_before = Pt(0)
        paragraph.paragraph_format.line_spacing = 1.0
        paragraph.paragraph_format.first_line_indent = None
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if cell.kind == "label" else WD_ALIGN_PARAGRAPH.CENTER
        if cell.kind == "title":
            _docx_fill(target, TITLE_FILL)
        bold = cell.kind in ("title", "group", "column", "corner")
        size = 8.0 if cell.kind == "corner" and len(cell.text) > 12 else 9.5
        _docx_run(paragraph, cell.text, font=DOCX_TABLE_FONT, size=size, bold=bold)
        if cell.failed:
            _docx_fill(target, FAILED_FILL)


def render_docx(data: dict[str, Any], *, draft: bool = False) -> bytes:
    """The report as a Word document: A4, the official fonts by name, tables with merged cells."""
    from docx import Document as new_document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt, RGBColor

    doc_model = build(data, draft=draft)
    doc = new_document()
    normal = doc.styles["Normal"]
    _east_asian(normal, DOCX_BODY_FONT)
    normal.font.size = Pt(16)  # 三号
    normal.paragraph_format.line_spacing = Pt(28)
    normal.paragraph_format.space_after = Pt(0)

    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.0), Cm(2.6)
    section.left_margin, section.right_margin = Cm(2.4), Cm(2.4)
    usable = 21.0 - 2.4 - 2.4

    props = doc.core_properties
    props.title = doc_model.title
    props.author = doc_model.agency
    props.subject = doc_model.format_name
    props.comments = doc_model.basis
    generated = data.get("generated_at")
    if isinstance(generated, str):
        try:
            props.created = datetime.datetime.fromisoformat(generated)
        except ValueError:
            pass

    if doc_model.draft:
        header = section.header.paragraphs[0]
        header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        run = _docx_run(header, _("草稿（未发布）"), font=DOCX_HEADING_FONT, size=10.5)
        run.font.color.rgb = RGBColor(0xBE, 0x28, 0x28)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _docx_run(footer, "— ", font=DOCX_TABLE_FONT, size=14)
    _page_field(footer)
    _docx_run(footer, " —", font=DOCX_TABLE_FONT, size=14)

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.line_spacing = Pt(36)
    title.paragraph_format.space_after = Pt(16)
    _docx_run(title, doc_model.title, font=DOCX_TITLE_FONT, size=22)  # 二号

    for sec in doc_model.sections:
        heading = doc.add_paragraph()
        heading.paragraph_format.first_line_indent = Pt(32)
        heading.paragraph_format.keep_with_next = True
        _docx_run(heading, sec.title, font=DOCX_HEADING_FONT, size=16)
        for text in sec.paragraphs:
            paragraph = doc.add_paragraph()
            paragraph.paragraph_format.first_line_indent = Pt(32)  # two characters
            _docx_run(paragraph, text, font=DOCX_BODY_FONT, size=16)
        for grid in sec.grids:
            _docx_table(doc, grid, usable)
            doc.add_paragraph().paragraph_format.line_spacing = Pt(12)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _page_field(paragraph: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    _east_asian(run, DOCX_TABLE_FONT)
    from docx.shared import Pt

    run.font.size = Pt(14)
    for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if tag:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), tag)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


# --- PDF -------------------------------------------------------------------------------------------

PDF_FAMILY = "cjk"
PDF_TEXT = (20, 20, 20)
PDF_FAILED_FILL = (248, 215, 218)
PDF_TITLE_FILL = (242, 242, 242)
PDF_DRAFT = (190, 40, 40)


def render_pdf(data: dict[str, Any], *, draft: bool = False) -> bytes:
    """The report as PDF (A4, the system CJK font embedded as a subset, merged cells drawn, page
    numbers); raises ``fonts.FontMissing`` when no Chinese font is installed."""
    from fpdf import FPDF
    from fpdf.enums import WrapMode

    from gongkai.opinion.reports.fonts import require_cjk_font

    logging.getLogger("fontTools").setLevel(logging.WARNING)
    font = require_cjk_font()
    doc = build(data, draft=draft)

    class AnnualPdf(FPDF):
        def header(self) -> None:
            if not doc.draft:
                return
            with self.local_context():
                self.set_font(PDF_FAMILY, size=90)
                self.set_text_color(246, 226, 226)
                with self.rotation(35, self.w / 2, self.h / 2):
                    label = _("草稿")
                    self.text(self.w / 2 - self.get_string_width(label) / 2, self.h / 2 + 12, label)

        def footer(self) -> None:
            self.set_y(-16)
            self.set_font(PDF_FAMILY, size=11)
            self.set_text_color(*PDF_TEXT)
            self.cell(0, 6, f"— {self.page_no()} —", align="C")

    pdf = AnnualPdf(orientation="P", unit="mm", format="A4")
    pdf.add_font(PDF_FAMILY, fname=font.path, collection_font_number=font.index)
    pdf.set_margins(20, 22, 20)
    pdf.set_auto_page_break(True, margin=22)
    pdf.set_title(doc.title)
    pdf.set_author(doc.agency)
    pdf.set_subject(doc.format_name)
    pdf.set_creator("Gongkai")
    pdf.set_lang("zh-CN")
    pdf.add_page()

    pdf.set_font(PDF_FAMILY, size=20)
    pdf.set_text_color(*PDF_TEXT)
    pdf.multi_cell(0, 11, doc.title, align="C", wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT")
    if doc.draft:
        pdf.set_font(PDF_FAMILY, size=10)
        pdf.set_text_color(*PDF_DRAFT)
        pdf.cell(0, 6, _("草稿（未发布）"), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(*PDF_TEXT)
    pdf.ln(4)

    for section in doc.sections:
        if section.grids and pdf.get_y() > pdf.t_margin + 1:
            # Keep a section's heading and short lead-in with its table: try it, and start a new page
            # when the table would begin on the next one anyway.
            with pdf.offset_rendering() as trial:
                _pdf_section(trial, section)
            if trial.page_break_triggered and sum(len(p) for p in section.paragraphs) < 400:
                pdf.add_page()
        elif pdf.will_page_break(24):
            pdf.add_page()
        _pdf_section(pdf, section)
    return bytes(pdf.output())


def _pdf_section(pdf: Any, section: Section) -> None:
    from fpdf.enums import WrapMode

    pdf.set_font(PDF_FAMILY, size=14)
    pdf.set_text_color(*PDF_TEXT)
    pdf.set_x(pdf.l_margin + 9)
    pdf.cell(0, 9, section.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(PDF_FAMILY, size=12)
    for text in section.paragraphs:
        pdf.multi_cell(
            0, 7.4, "\u3000\u3000" + text, align="J", wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT"
        )
    for grid in section.grids:
        pdf.ln(2)
        _pdf_table(pdf, grid)
    pdf.ln(3)


def _pdf_table(pdf: Any, grid: Grid) -> None:
    from fpdf.enums import TableBordersLayout, VAlign, WrapMode
    from fpdf.fonts import FontFace

    rows = grid.all_rows()
    # Keep a table's header with its first rows. Table 3 (its label spans all the result rows)
    # moves whole to the next page when it does not fit: fpdf2 never breaks a page inside a span.
    if pdf.will_page_break(30):
        pdf.add_page()
    pdf.set_font(PDF_FAMILY, size=8.5)
    pdf.set_text_color(*PDF_TEXT)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.25)
    head_style = FontFace(emphasis="", color=PDF_TEXT, fill_color=None)
    failed_style = FontFace(fill_color=PDF_FAILED_FILL)
    title_style = FontFace(fill_color=PDF_TITLE_FILL)
    with pdf.table(
        col_widths=tuple(grid.weights),
        width=pdf.epw,
        text_align="CENTER",
        v_align=VAlign.M,
        wrapmode=WrapMode.CHAR,
        borders_layout=TableBordersLayout.ALL,
        line_height=5.0,
        padding=(1.0, 1.0),
        num_heading_rows=grid.head_rows,
        first_row_as_headings=grid.head_rows > 0,
        headings_style=head_style,
        repeat_headings=1,
    ) as table:
        for cells in rows:
            row = table.row()
            for cell in cells:
                style = None
                align = "CENTER"
                if cell.kind == "label":
                    align = "LEFT"
                if cell.kind == "title":
                    style = title_style
                if cell.failed:
                    style = failed_style
                text = cell.text
                row.cell(text, align=align, style=style, colspan=cell.colspan, rowspan=cell.rowspan)
    pdf.ln(2)
