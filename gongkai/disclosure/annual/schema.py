"""The official layouts of the annual report's Tables 2–4, as data, for both formats.

* ``2021``: 国办公开办函〔2021〕30号, for reports on 2021 and later years;
* ``2019``: 国办公开办函〔2019〕60号 (试行), for reports on 2019 and 2020.

The labels are the official wording of a Chinese legal document, reproduced exactly in every
rendering (HTML, DOCX, PDF, ``tables.json``) whatever the reader's language, so they are not
passed through gettext.

A table is a list of ``Block``s (Table 2 has four or five, Tables 3 and 4 one each). A block has
a header tree of ``ColumnGroup``/``Column`` (the merged header cells) and ``Row``s in the official
order. A row's ``path`` holds the labels of the groups it sits in (Table 3's "三、本年度办理结果",
"（三）不予公开"), which the renderers merge into cells spanning rows. ``values`` of a row in
``tables.json`` mirror the header tree: keyed by the official column labels, nested under a
group's label where the official header nests them (Table 3's 法人或其他组织, Table 4's 行政诉讼).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Union


@dataclass(frozen=True)
class Column:
    code: str
    label: str


@dataclass(frozen=True)
class ColumnGroup:
    label: str
    children: tuple[Union[Column, ColumnGroup], ...]  # noqa: UP007 - recursive alias


Header = tuple[Union[Column, ColumnGroup], ...]  # noqa: UP007


@dataclass(frozen=True)
class Row:
    code: str
    label: str
    #: Labels of the enclosing row groups, outermost first (empty for a top-level row).
    path: tuple[str, ...] = ()


@dataclass(frozen=True)
class Block:
    code: str
    #: The block's title line, e.g. "第二十条第（一）项" (empty for Tables 3 and 4).
    title: str
    #: The label of the header cell above the row labels, e.g. "信息内容".
    corner: str
    header: Header
    rows: tuple[Row, ...]
    #: Number of columns the row labels take (Table 3: 3, since its labels nest three deep).
    label_columns: int = 1

    def columns(self) -> list[Column]:
        """The leaf columns, left to right (the numeric cells of each row)."""
        return list(_leaves(self.header))

    def column_paths(self) -> list[tuple[str, ...]]:
        """For each leaf column, the labels from the top header cell down to it."""
        return list(_paths(self.header, ()))


@dataclass(frozen=True)
class Table:
    code: str
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class ReportFormat:
    code: str
    name: str
    basis: str
    section_titles: tuple[str, ...]
    tables: tuple[Table, ...] = field(default=())

    def table(self, code: str) -> Table:
        for table in self.tables:
            if table.code == code:
                return table
        raise KeyError(code)


def _leaves(header: Header) -> Iterator[Column]:
    for node in header:
        if isinstance(node, Column):
            yield node
        else:
            yield from _leaves(node.children)


def _paths(header: Header, prefix: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    for node in header:
        if isinstance(node, Column):
            yield (*prefix, node.label)
        else:
            yield from _paths(node.children, (*prefix, node.label))


# --- Table 3: applicants' columns (identical in both formats) ---------------------------------

APPLICANT_HEADER: Header = (
    ColumnGroup(
        "申请人情况",
        (
            Column("natural_person", "自然人"),
            ColumnGroup(
                "法人或其他组织",
                (
                    Column("commercial", "商业企业"),
                    Column("research", "科研机构"),
                    Column("nonprofit", "社会公益组织"),
                    Column("legal_service", "法律服务机构"),
                    Column("other_organisation", "其他"),
                ),
            ),
            Column("total", "总计"),
        ),
    ),
)
TABLE3_CORNER = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"

_RESULTS = "三、本年度办理结果"
_WITHHELD = "（三）不予公开"
_UNAVAILABLE = "（四）无法提供"
_NOT_PROCESSED = "（五）不予处理"
_OTHER = "（六）其他处理"

_TABLE3_HEAD: tuple[Row, ...] = (
    Row("new", "一、本年新收政府信息公开申请数量"),
    Row("carried_over", "二、上年结转政府信息公开申请数量"),
    Row("disclosed", "（一）予以公开", (_RESULTS,)),
    Row("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", (_RESULTS,)),
    Row("withheld_state_secret", "1.属于国家秘密", (_RESULTS, _WITHHELD)),
    Row("withheld_law_prohibited", "2.其他法律行政法规禁止公开", (_RESULTS, _WITHHELD)),
    Row("withheld_security_stability", "3.危及“三安全一稳定”", (_RESULTS, _WITHHELD)),
    Row("withheld_third_party", "4.保护第三方合法权益", (_RESULTS, _WITHHELD)),
    Row("withheld_internal_affairs", "5.属于三类内部事务信息", (_RESULTS, _WITHHELD)),
    Row("withheld_process_info", "6.属于四类过程性信息", (_RESULTS, _WITHHELD)),
    Row("withheld_enforcement_file", "7.属于行政执法案卷", (_RESULTS, _WITHHELD)),
    Row("withheld_administrative_query", "8.属于行政查询事项", (_RESULTS, _WITHHELD)),
    Row("unavailable_not_held", "1.本机关不掌握相关政府信息", (_RESULTS, _UNAVAILABLE)),
    Row("unavailable_needs_creation", "2.没有现成信息需要另行制作", (_RESULTS, _UNAVAILABLE)),
    Row("unavailable_still_unclear", "3.补正后申请内容仍不明确", (_RESULTS, _UNAVAILABLE)),
    Row("not_processed_petition", "1.信访举报投诉类申请", (_RESULTS, _NOT_PROCESSED)),
    Row("not_processed_duplicate", "2.重复申请", (_RESULTS, _NOT_PROCESSED)),
    Row("not_processed_publication", "3.要求提供公开出版物", (_RESULTS, _NOT_PROCESSED)),
    Row("not_processed_excessive", "4.无正当理由大量反复申请", (_RESULTS, _NOT_PROCESSED)),
    Row("not_processed_confirmation", "5.要求行政机关确认或重新出具已获取信息", (_RESULTS, _NOT_PROCESSED)),
)
_TABLE3_OTHER_2021: tuple[Row, ...] = (
    Row(
        "other_no_correction",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        (_RESULTS, _OTHER),
    ),
    Row(
        "other_no_fee",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        (_RESULTS, _OTHER),
    ),
    Row("other_other", "3.其他", (_RESULTS, _OTHER)),
)
_TABLE3_OTHER_2019: tuple[Row, ...] = (Row("other", "（六）其他处理", (_RESULTS,)),)
_TABLE3_TAIL: tuple[Row, ...] = (
    Row("total", "（七）总计", (_RESULTS,)),
    Row("carried_forward", "四、结转下年度继续办理"),
)


def _table3(other: tuple[Row, ...]) -> Table:
    return Table(
        code="table3",
        title="三、收到和处理政府信息公开申请情况",
        blocks=(
            Block(
                code="applications",
                title="",
                corner=TABLE3_CORNER,
                header=APPLICANT_HEADER,
                rows=(*_TABLE3_HEAD, *other, *_TABLE3_TAIL),
                label_columns=3,
            ),
        ),
    )


#: The Table 3 rows that sum to （七）总计 in each format (the result rows).
def result_rows(table3: Table) -> list[Row]:
    return [row for row in table3.blocks[0].rows if row.path[:1] == (_RESULTS,) and row.code != "total"]


# --- Table 4 (identical in both formats) -------------------------------------------------------

_REVIEW_COLUMNS = (
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    (
        "total",
        "总计",
    ),
)


def _review_group(prefix: str, label: str) -> ColumnGroup:
    return ColumnGroup(label, tuple(Column(f"{prefix}_{code}", text) for code, text in _REVIEW_COLUMNS))


TABLE4 = Table(
    code="table4",
    title="四、政府信息公开行政复议、行政诉讼情况",
    blocks=(
        Block(
            code="reviews",
            title="",
            corner="",
            header=(
                _review_group("reconsideration", "行政复议"),
                ColumnGroup(
                    "行政诉讼",
                    (
                        _review_group("litigation_direct", "未经复议直接起诉"),
                        _review_group("litigation_after", "复议后起诉"),
                    ),
                ),
            ),
            rows=(Row("cases", ""),),
            label_columns=0,
        ),
    ),
)


# --- Table 2 -----------------------------------------------------------------------------------

TABLE2_2021 = Table(
    code="table2",
    title="二、主动公开政府信息情况",
    blocks=(
        Block(
            code="item1",
            title="第二十条第（一）项",
            corner="信息内容",
            header=(
                Column("issued", "本年制发件数"),
                Column("abolished", "本年废止件数"),
                Column("in_force", "现行有效件数"),
            ),
            rows=(Row("rules", "规章"), Row("normative", "行政规范性文件")),
        ),
        Block(
            code="item5",
            title="第二十条第（五）项",
            corner="信息内容",
            header=(Column("decisions", "本年处理决定数量"),),
            rows=(Row("licensing", "行政许可"),),
        ),
        Block(
            code="item6",
            title="第二十条第（六）项",
            corner="信息内容",
            header=(Column("decisions", "本年处理决定数量"),),
            rows=(Row("penalty", "行政处罚"), Row("enforcement", "行政强制")),
        ),
        Block(
            code="item8",
            title="第二十条第（八）项",
            corner="信息内容",
            header=(Column("fee_amount", "本年收费金额（单位：万元）"),),
            rows=(Row("fees", "行政事业性收费"),),
        ),
    ),
)

_ITEMS_2019 = (
    Column("last_year_items", "上一年项目数量"),
    Column("change", "本年增/减"),
    Column("decisions", "处理决定数量"),
)

TABLE2_2019 = Table(
    code="table2",
    title="二、主动公开政府信息情况",
    blocks=(
        Block(
            code="item1",
            title="第二十条第（一）项",
            corner="信息内容",
            header=(
                Column("new_made", "本年新制作数量"),
                Column("new_published", "本年新公开数量"),
                Column("total_published", "对外公开总数量"),
            ),
            rows=(Row("rules", "规章"), Row("normative", "规范性文件")),
        ),
        Block(
            code="item5",
            title="第二十条第（五）项",
            corner="信息内容",
            header=_ITEMS_2019,
            rows=(Row("licensing", "行政许可"), Row("other_services", "其他对外管理服务事项")),
        ),
        Block(
            code="item6",
            title="第二十条第（六）项",
            corner="信息内容",
            header=_ITEMS_2019,
            rows=(Row("penalty", "行政处罚"), Row("enforcement", "行政强制")),
        ),
        Block(
            code="item8",
            title="第二十条第（八）项",
            corner="信息内容",
            header=(Column("last_year_items", "上一年项目数量"), Column("change", "本年增/减")),
            rows=(Row("fees", "行政事业性收费"),),
        ),
        Block(
            code="item9",
            title="第二十条第（九）项",
            corner="信息内容",
            header=(Column("procurement_count", "采购项目数量"), Column("procurement_amount", "采购总金额")),
            rows=(Row("procurement", "政府集中采购"),),
        ),
    ),
)

_SECTIONS_2021 = (
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
)
_SECTIONS_2019 = (
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、政府信息公开工作存在的主要问题及改进情况",
    "六、其他需要报告的事项",
)

FORMAT_2021 = ReportFormat(
    code="2021",
    name="中华人民共和国政府信息公开工作年度报告格式",
    basis="国办公开办函〔2021〕30号",
    section_titles=_SECTIONS_2021,
    tables=(TABLE2_2021, _table3(_TABLE3_OTHER_2021), TABLE4),
)
FORMAT_2019 = ReportFormat(
    code="2019",
    name="中华人民共和国政府信息公开工作年度报告格式（试行）",
    basis="国办公开办函〔2019〕60号",
    section_titles=_SECTIONS_2019,
    tables=(TABLE2_2019, _table3(_TABLE3_OTHER_2019), TABLE4),
)


def format_for_year(year: int) -> ReportFormat:
    """2019–2020 reports use the 2019 (试行) format, 2021 and later the 2021 format."""
    if year < 2019:
        raise ValueError("annual reports in these formats start with 2019")
    return FORMAT_2019 if year <= 2020 else FORMAT_2021
