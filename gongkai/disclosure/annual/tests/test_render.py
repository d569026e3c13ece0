"""The annual report's renderings: header and row-label spans from the official layouts, HTML, DOCX
and PDF with merged cells, the failing cells marked."""

from __future__ import annotations

import io
import re

import lxml.html
import pytest

from gongkai.disclosure.annual import render, schema
from gongkai.disclosure.annual.tests.render_sample import FAILING_CHECK, sample_data


def _spans(rows):
    return [[(cell.text, cell.colspan, cell.rowspan) for cell in row] for row in rows]


def _block(fmt, table):
    return fmt.table(table).blocks[0]


# --- The shared model: header rows and row labels ---------------------------------------------------


@pytest.mark.parametrize("fmt", [schema.FORMAT_2021, schema.FORMAT_2019], ids=["2021", "2019"])
def test_table3_header_has_three_rows_with_the_official_spans(fmt):
    rows = _spans(render.header_rows(_block(fmt, "table3")))

    assert rows == [
        [(schema.TABLE3_CORNER, 3, 3), ("申请人情况", 7, 1)],
        [("自然人", 1, 2), ("法人或其他组织", 5, 1), ("总计", 1, 2)],
        [
            ("商业企业", 1, 1),
            ("科研机构", 1, 1),
            ("社会公益组织", 1, 1),
            ("法律服务机构", 1, 1),
            ("其他", 1, 1),
        ],
    ]


def test_table4_header_splits_litigation_into_two_groups_of_five():
    rows = _spans(render.header_rows(_block(schema.FORMAT_2021, "table4")))

    review = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    assert rows[0] == [("行政复议", 5, 1), ("行政诉讼", 10, 1)]
    assert rows[1] == [*[(label, 1, 2) for label in review], ("未经复议直接起诉", 5, 1), ("复议后起诉", 5, 1)]
    assert rows[2] == [(label, 1, 1) for label in review * 2]


def test_table3_row_labels_merge_down_their_groups_2021():
    block = _block(schema.FORMAT_2021, "table3")
    rows = render.body_rows(block, {})
    labels = {row[0].row: [(c.text, c.colspan, c.rowspan) for c in row if c.kind != "value"] for row in rows}

    assert labels["new"] == [("一、本年新收政府信息公开申请数量", 3, 1)]
    assert labels["disclosed"] == [("三、本年度办理结果", 1, 22), ("（一）予以公开", 2, 1)]
    assert labels["withheld_state_secret"] == [("（三）不予公开", 1, 8), ("1.属于国家秘密", 1, 1)]
    assert labels["withheld_law_prohibited"] == [("2.其他法律行政法规禁止公开", 1, 1)]
    assert labels["unavailable_not_held"][0] == ("（四）无法提供", 1, 3)
    assert labels["not_processed_petition"][0] == ("（五）不予处理", 1, 5)
    assert labels["other_no_correction"][0] == ("（六）其他处理", 1, 3)
    assert labels["total"] == [("（七）总计", 2, 1)]
    assert labels["carried_forward"] == [("四、结转下年度继续办理", 3, 1)]
    assert all(len([c for c in row if c.kind == "value"]) == 7 for row in rows)


def test_table3_2019_has_a_single_other_row_spanning_two_label_columns():
    block = _block(schema.FORMAT_2019, "table3")
    rows = render.body_rows(block, {})
    labels = {row[0].row: [(c.text, c.colspan, c.rowspan) for c in row if c.kind != "value"] for row in rows}

    assert labels["disclosed"][0] == ("三、本年度办理结果", 1, 20)
    assert labels["other"] == [("（六）其他处理", 2, 1)]
    assert len(rows) == 23


@pytest.mark.parametrize("fmt", [schema.FORMAT_2021, schema.FORMAT_2019], ids=["2021", "2019"])
def test_every_grid_covers_each_position_exactly_once(fmt):
    data = sample_data(year=2025 if fmt.code == "2021" else 2020)
    for table in fmt.tables:
        grid = render.table_grid(table, next(t for t in data["tables"] if t["code"] == table.code))
        rows = grid.all_rows()
        covered: dict[tuple[int, int], int] = {}
        for r, c, cell in render.place(rows):
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    covered[(r + dr, c + dc)] = covered.get((r + dr, c + dc), 0) + 1
        assert set(covered.values()) == {1}, table.code
        assert covered.keys() == {(r, c) for r in range(len(rows)) for c in range(grid.width)}, table.code


def test_table2_blocks_share_one_grid_each_under_its_title_row():
    data = sample_data(year=2025)
    grid = render.table_grid(schema.FORMAT_2021.table("table2"), data["tables"][0])
    titles = [row[0].text for row in grid.all_rows() if row[0].kind == "title"]

    assert titles == ["第二十条第（一）项", "第二十条第（五）项", "第二十条第（六）项", "第二十条第（八）项"]
    assert grid.width == 4
    licensing = next(row for row in grid.all_rows() if row[0].row == "licensing")
    assert [(c.text, c.colspan) for c in licensing] == [("行政许可", 1), ("3", 3)]
    fees = next(row for row in grid.all_rows() if row[0].row == "fees")
    assert fees[1].text == "12.5"

    grid_2019 = render.table_grid(schema.FORMAT_2019.table("table2"), sample_data(year=2020)["tables"][0])
    titles = [row[0].text for row in grid_2019.all_rows() if row[0].kind == "title"]
    assert titles[-1] == "第二十条第（九）项" and len(titles) == 5
    procurement_head = [
        (c.text, c.colspan) for c in grid_2019.all_rows()[-2] if c.kind in ("corner", "column")
    ]
    assert procurement_head == [("信息内容", 1), ("采购项目数量", 1), ("采购总金额", 2)]


def test_values_follow_the_column_codes_of_the_data():
    data = sample_data(year=2025)
    block = data["tables"][0]["blocks"][0]
    block["column_codes"] = ["in_force", "issued", "abolished"]
    block["rows"][0]["cells"] = [9, 1, 2]
    grid = render.table_grid(schema.FORMAT_2021.table("table2"), data["tables"][0])
    rules = next(row for row in grid.all_rows() if row[0].row == "rules")

    assert [c.text for c in rules[1:]] == ["1", "2", "9"]


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (0, "0"), (12, "12"), (12.5, "12.5"), ("3.2500", "3.25"), (7.0, "7"), ("—", "—")],
)
def test_format_value(value, text):
    assert render.format_value(value) == text


def test_failing_checks_mark_the_cells_they_name():
    checks = [
        FAILING_CHECK,
        {
            "ok": False,
            "rule": "table3_total_column",
            "table": "table3",
            "row": "（三）不予公开 1.属于国家秘密",
            "column": "总计",
            "message": "总计不符",
        },
        {
            "ok": False,
            "rule": "table2_in_force",
            "table": "table2",
            "row": "规章",
            "column": "现行有效件数",
            "message": "现行有效件数不符",
        },
        {
            "ok": False,
            "rule": "table4_total",
            "table": "table4",
            "row": "",
            "column": "行政诉讼·复议后起诉·总计",
            "message": "表四总计不符",
        },
        {"ok": True, "rule": "table3_total_row", "table": "table3", "row": "（七）总计", "column": "其他"},
    ]
    doc = render.build(sample_data(year=2025, checks=checks))
    failed = {
        (grid.table, cell.row, cell.column)
        for section in doc.sections
        for grid in section.grids
        for row in grid.all_rows()
        for cell in row
        if cell.failed
    }

    assert failed == {
        ("table3", "new", "natural_person"),
        ("table3", "carried_over", "natural_person"),
        ("table3", "total", "natural_person"),
        ("table3", "carried_forward", "natural_person"),
        ("table3", "withheld_state_secret", "total"),
        ("table2", "rules", "in_force"),
        ("table4", "cases", "litigation_after_total"),
    }
    assert len(doc.failures) == 4


# --- HTML --------------------------------------------------------------------------------------------


def test_html_is_a_standalone_document_with_the_six_official_sections():
    html = render.render_html(sample_data(year=2025, checks=[FAILING_CHECK]))
    tree = lxml.html.document_fromstring(html)

    assert html.startswith("<!DOCTYPE html>")
    assert tree.find(".//style") is not None and "@page" in tree.findtext(".//style")
    assert tree.findtext(".//h1").strip() == "吉林市人民政府2025年政府信息公开工作年度报告"
    assert [h.text_content().strip() for h in tree.iter("h2")] == list(schema.FORMAT_2021.section_titles)
    tables = tree.findall(".//table")
    assert len(tables) == 3
    # Each table sits in its section: 二 → Table 2, 三 → Table 3, 四 → Table 4.
    sections = tree.findall(".//section")
    assert [len(s.findall(".//table")) for s in sections] == [0, 1, 1, 1, 0, 0]


def test_html_table3_uses_scoped_header_cells_with_spans():
    html = render.render_html(sample_data(year=2025), standalone=False)
    tree = lxml.html.fragment_fromstring(html)
    table3 = tree.find_class("ar-table3")[0]
    head = table3.find("thead")

    corner = head.find("tr/th")
    assert corner.get("colspan") == "3" and corner.get("rowspan") == "3"
    assert "勾稽关系" in corner.text_content()
    cells = {th.text_content(): th for th in head.iter("th")}
    assert cells["申请人情况"].get("colspan") == "7" and cells["申请人情况"].get("scope") == "colgroup"
    assert cells["自然人"].get("rowspan") == "2" and cells["自然人"].get("scope") == "col"
    assert cells["法人或其他组织"].get("colspan") == "5"
    assert cells["总计"].get("rowspan") == "2"
    results = next(th for th in table3.iter("th") if th.text_content() == "三、本年度办理结果")
    assert results.get("rowspan") == "22" and results.get("scope") == "rowgroup"
    withheld = next(th for th in table3.iter("th") if th.text_content() == "（三）不予公开")
    assert withheld.get("rowspan") == "8"
    disclosed = next(th for th in table3.iter("th") if th.text_content() == "（一）予以公开")
    assert disclosed.get("colspan") == "2" and disclosed.get("scope") == "row"
    assert len(table3.find("tbody").findall("tr")) == 25


def test_html_fragment_marks_failing_cells_and_escapes_the_narrative():
    data = sample_data(year=2020, checks=[FAILING_CHECK])
    data["sections"][0]["text"] = '概述<script>alert("x")</script>'
    html = render.render_html(data, standalone=False, draft=True)

    assert not html.lstrip().startswith("<!DOCTYPE")
    assert "<script>" not in html and "&lt;script&gt;" in html
    tree = lxml.html.fragment_fromstring(html)
    failed = tree.find_class("ar-failed")
    assert len(failed) == 4
    assert all(td.get("data-column") == "natural_person" for td in failed)
    assert "不相等" in failed[0].get("title")
    assert "草稿" in tree.find_class("ar-draft")[0].text_content()
    assert [h.text_content() for h in tree.iter("h2")][4] == "五、政府信息公开工作存在的主要问题及改进情况"


# --- DOCX --------------------------------------------------------------------------------------------


def _docx(data, **kwargs):
    from docx import Document

    return Document(io.BytesIO(render.render_docx(data, **kwargs)))


def _tc_spans(table):
    """(grid_span, vMerge) of each ``w:tc`` per row, from the XML."""
    from docx.oxml.ns import qn

    rows = []
    for tr in table._tbl.tr_lst:
        row = []
        for tc in tr.tc_lst:
            v_merge = tc.tcPr.find(qn("w:vMerge")) if tc.tcPr is not None else None
            row.append((tc.grid_span, None if v_merge is None else (v_merge.get(qn("w:val")) or "continue")))
        rows.append(row)
    return rows


def test_docx_table3_has_merged_header_and_label_cells():
    document = _docx(sample_data(year=2025))
    table3 = document.tables[1]
    spans = _tc_spans(table3)

    # Header row 1: the corner cell (3 columns, starts a vertical merge) and 申请人情况 (7 columns).
    assert spans[0] == [(3, "restart"), (7, None)]
    # Row 2: the corner continues; 自然人 and 总计 start vertical merges; 法人或其他组织 spans 5.
    assert spans[1] == [(3, "continue"), (1, "restart"), (5, None), (1, "restart")]
    assert spans[2] == [(3, "continue"), (1, "continue"), *[(1, None)] * 5, (1, "continue")]
    assert table3.cell(0, 0).text.startswith("（本列数据的勾稽关系为")
    assert table3.cell(0, 3).text == "申请人情况"
    # 三、本年度办理结果 spans the 22 result rows; （三）不予公开 its eight.
    assert table3.cell(5, 0).text == "三、本年度办理结果"
    assert spans[5][0] == (1, "restart") and all(spans[r][0] == (1, "continue") for r in range(6, 27))
    assert table3.cell(7, 1).text == "（三）不予公开"
    assert spans[7][1] == (1, "restart") and all(spans[r][1] == (1, "continue") for r in range(8, 15))
    assert spans[3][0] == (3, None)  # 一、本年新收… spans the three label columns
    assert len(table3.rows) == 28
    # The header rows repeat on a new page.
    assert table3.rows[0]._tr.trPr.xml.count("tblHeader") == 1


def test_docx_table4_and_table2_layout():
    document = _docx(sample_data(year=2020))
    assert len(document.tables) == 3
    table4 = _tc_spans(document.tables[2])
    assert table4[0] == [(5, None), (10, None)]
    assert table4[1] == [(1, "restart")] * 5 + [(5, None), (5, None)]
    assert len(table4[3]) == 15
    table2 = document.tables[0]
    titles = [row.cells[0].text for row in table2.rows if row.cells[0].text.startswith("第二十条")]
    assert len(titles) == 5
    assert _tc_spans(table2)[0] == [(4, None)]


def test_docx_page_fonts_borders_and_page_numbers():
    from docx.oxml.ns import qn

    document = _docx(sample_data(year=2025), draft=True)
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    xml = document.element.xml
    assert 'w:eastAsia="仿宋"' in xml and 'w:eastAsia="黑体"' in xml and 'w:eastAsia="宋体"' in xml
    borders = document.tables[1]._tbl.tblPr.find(qn("w:tblBorders"))
    assert {child.get(qn("w:val")) for child in borders} == {"single"}
    assert "PAGE" in section.footer._element.xml
    assert "草稿" in section.header._element.xml
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "吉林市人民政府2025年政府信息公开工作年度报告"
    assert "五、存在的主要问题及改进情况" in texts


# --- PDF ---------------------------------------------------------------------------------------------


@pytest.fixture
def cjk_font():
    from gongkai.opinion.reports.fonts import find_cjk_font

    if find_cjk_font() is None:
        pytest.skip("no Chinese font installed (fonts-noto-cjk)")


def _pdf_text(pdf_bytes):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf_bytes))
    return reader, [page.extract_text().replace("\x00", "") for page in reader.pages]


def test_pdf_holds_the_labels_and_page_numbers(cjk_font):
    pdf = render.render_pdf(sample_data(year=2025))
    reader, pages = _pdf_text(pdf)
    text = re.sub(r"\s+", "", "".join(pages))

    assert pdf.startswith(b"%PDF")
    assert reader.metadata.title == "吉林市人民政府2025年政府信息公开工作年度报告"
    for label in (
        "吉林市人民政府2025年政府信息公开工作年度报告",
        "一、总体情况",
        "第二十条第（八）项",
        "本年收费金额（单位：万元）",
        "申请人情况",
        "法人或其他组织",
        "三、本年度办理结果",
        "8.属于行政查询事项",
        "四、结转下年度继续办理",
        "未经复议直接起诉",
        "六、其他需要报告的事项",
    ):
        assert label in text, label
    assert "—1—" in re.sub(r"\s+", "", pages[0])
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points


def test_pdf_2019_format_and_draft_mark(cjk_font):
    _, pages = _pdf_text(render.render_pdf(sample_data(year=2020), draft=True))
    text = re.sub(r"\s+", "", "".join(pages))

    assert "第二十条第（九）项" in text and "政府集中采购" in text
    assert "五、政府信息公开工作存在的主要问题及改进情况" in text
    assert "草稿" in text


def test_pdf_without_a_font_says_what_to_install(monkeypatch):
    from gongkai.opinion.reports import fonts

    monkeypatch.setattr(fonts, "find_cjk_font", lambda: None)
    with pytest.raises(fonts.FontMissing, match="fonts-noto-cjk"):
        render.render_pdf(sample_data(year=2025))
