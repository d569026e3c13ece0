"""The annual report's data: Tables 2–4 computed from the system, the six sections, the checks.

``report_data(year=…, department=…)`` is the one contract with the renderers (HTML, DOCX, PDF),
the API, the portal and ``gongkai annual-report``; ``tables.json`` is part of it. Its shape::

    {"year", "format", "format_name", "basis", "agency": {"code", "name", "consolidated"},
     "title", "sections": [{"title", "text"} × 6],
     "tables": [{"code", "title", "section", "blocks": [{"code", "title", "corner",
                 "label_columns", "columns": [[label path of each leaf column]], "column_codes",
                 "rows": [{"code", "label", "path", "cells", "values", "sources"}]}]}],
     "checks": [{"ok", "rule", "table", "row", "column", "message"}], "generated_at"}

``cells`` are a row's numbers in column order (ints; money in 万元 as floats rounded to four
places); ``values`` key the same numbers by the official column labels, nested where the header
nests (Table 3's 申请人情况 › 法人或其他组织, Table 4's 行政诉讼 › 复议后起诉); ``sources`` say,
for Table 2, where each number came from (``computed``, ``entered``, ``imported``, or ``""`` for a
figure nobody entered).

Counting rules (国办公开办函〔2021〕30号, the reporting year Y in Beijing dates):

* Table 3, per applicant type: 一 = received in Y; 二 = received before Y and not concluded before
  1 January; 三 = concluded in Y, one row per ground (the 2019 format folds the three 其他处理
  grounds into one row), （七） = the sum of the result rows; 四 = received by 31 December and not
  concluded by then. A department's report counts its own applications; the consolidated report
  counts every department's. Four GROUP BY queries, whatever the number of applications.
* Table 4: cases filed in Y, with their outcome as it stood on 31 December.
* Table 2's 规章 and 行政规范性文件: published policy documents with ``normative_kind`` set, by the
  issuing department — issued = 成文日期 in Y, abolished = ``repealed_on`` in Y, in force = written
  by 31 December and not repealed or expired by then. Figures entered or imported as
  ``ProactiveFigure`` win over computed counts; the other Table 2 rows are only entered. The
  consolidated report uses the city government's own figures where entered, else adds up the
  departments'.

Section texts are report content in the official language (Chinese), like the table labels of
``schema``: they are not passed through gettext.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from gongkai.accounts.models import Department, DepartmentKind
from gongkai.disclosure.annual import schema
from gongkai.disclosure.grounds import OTHER_GROUNDS

#: Table 2 columns holding money (万元), shown with up to four decimals.
MONEY_COLUMNS = frozenset({"fee_amount", "procurement_amount"})
#: Table 2 cells computed from the published policy documents: (block, column).
DOCUMENT_COLUMNS = frozenset(
    {
        ("item1", "issued"),
        ("item1", "abolished"),
        ("item1", "in_force"),
        ("item1", "new_made"),
        ("item1", "new_published"),
        ("item1", "total_published"),
    }
)
TABLE_SECTION = {"table2": 1, "table3": 2, "table4": 3}
DEFAULT_AGENCY = {"code": "city", "name": "吉林市人民政府"}

Cells = dict[str, dict[str, Any]]  # row code → column code → number


# --- The agency -------------------------------------------------------------------------------


def city_government() -> Department | None:
    """The root 人民政府 of the tree (the agency of the consolidated report)."""
    return (
        Department.objects.filter(parent__isnull=True, kind=DepartmentKind.GOVERNMENT)
        .order_by("path", "pk")
        .first()
    )


def agency_of(department: Department | None) -> dict[str, Any]:
    if department is not None:
        return {"code": department.code, "name": department.name, "consolidated": False}
    city = city_government()
    if city is None:
        return {**DEFAULT_AGENCY, "consolidated": True}
    return {"code": city.code, "name": city.name, "consolidated": True}


def report_title(*, agency_name: str, year: int) -> str:
    return f"{agency_name}{year}年政府信息公开工作年度报告"


def _year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


# --- Table 3 ----------------------------------------------------------------------------------


def _applications(department: Department | None) -> QuerySet[Any]:
    from gongkai.disclosure.models import Application

    queryset = Application.objects.all()
    if department is not None:
        queryset = queryset.filter(department=department)
    return queryset


def _add(row: dict[str, Any], column: str, value: int) -> None:
    row[column] = row.get(column, 0) + value


def table3_cells(*, year: int, department: Department | None, fmt: schema.ReportFormat) -> Cells:
    """Table 3's numbers by row and column code (the ``total`` column and row included)."""
    start, end = _year_bounds(year)
    applications = _applications(department)
    columns = [column.code for column in fmt.table("table3").blocks[0].columns()]
    cells: Cells = defaultdict(lambda: dict.fromkeys(columns, 0))

    # 一, 二 and 四 in one pass over what was open at some time in the year.
    open_in_year = (
        applications.filter(received_on__lte=end)
        .filter(Q(concluded_on__isnull=True) | Q(concluded_on__gte=start))
        .values("applicant_type")
        .annotate(
            new=Count("pk", filter=Q(received_on__gte=start)),
            carried_over=Count("pk", filter=Q(received_on__lt=start)),
            carried_forward=Count("pk", filter=Q(concluded_on__isnull=True) | Q(concluded_on__gt=end)),
        )
        .order_by()
    )
    for entry in open_in_year:
        for row in ("new", "carried_over", "carried_forward"):
            _add(cells[row], entry["applicant_type"], entry[row])

    # 三: concluded in the year, by ground.
    folded = fmt.code == "2019"
    concluded = (
        applications.filter(concluded_on__gte=start, concluded_on__lte=end)
        .values("applicant_type", "ground")
        .annotate(n=Count("pk"))
        .order_by()
    )
    result_codes = [row.code for row in schema.result_rows(fmt.table("table3"))]
    for entry in concluded:
        ground = entry["ground"]
        row_code = "other" if folded and ground in OTHER_GROUNDS else ground
        if row_code not in result_codes:
            # A concluded application without a known ground: counted under 其他 so that the
            # totals still balance (the database refuses a conclusion without any ground).
            row_code = "other" if folded else "other_other"
        _add(cells[row_code], entry["applicant_type"], entry["n"])

    for code in result_codes:
        for column in columns:
            cells["total"][column] += cells[code][column] if code in cells else 0
    for row_cells in cells.values():
        row_cells["total"] = sum(value for column, value in row_cells.items() if column != "total")
    return dict(cells)


# --- Table 4 ----------------------------------------------------------------------------------


def table4_cells(*, year: int, department: Department | None) -> Cells:
    from gongkai.disclosure.models import ReviewCase, ReviewOutcome

    start, end = _year_bounds(year)
    cases = ReviewCase.objects.filter(filed_on__gte=start, filed_on__lte=end)
    if department is not None:
        cases = cases.filter(department=department)
    counts = (
        cases.annotate(
            outcome_at_end=Case(
                When(concluded_on__isnull=False, concluded_on__lte=end, then=F("outcome")),
                default=Value(ReviewOutcome.PENDING),
                output_field=CharField(),
            )
        )
        .values("kind", "outcome_at_end")
        .annotate(n=Count("pk"))
        .order_by()
    )
    row: dict[str, Any] = {}
    for block in schema.TABLE4.blocks:
        for column in block.columns():
            row[column.code] = 0
    for entry in counts:
        key = f"{entry['kind']}_{entry['outcome_at_end']}"
        if key in row:
            row[key] += entry["n"]
    for kind in ("reconsideration", "litigation_direct", "litigation_after"):
        row[f"{kind}_total"] = sum(row[f"{kind}_{outcome}"] for outcome in ReviewOutcome.values)
    return {"cases": row}


# --- Table 2 ----------------------------------------------------------------------------------


def _documents(department: Department | None) -> QuerySet[Any]:
    from gongkai.publishing.models import PolicyDocumentPage

    documents = PolicyDocumentPage.objects.filter(live=True).exclude(normative_kind="")
    if department is not None:
        documents = documents.filter(department=department)
    return documents


def _in_force_at(end: datetime.date) -> Q:
    from gongkai.publishing.models import Validity

    return Q(written_on__lte=end) & (
        Q(repealed_on__gt=end) | Q(repealed_on__isnull=True, validity__in=[Validity.VALID, Validity.AMENDED])
    )


def document_counts(*, year: int, department: Department | None, fmt: schema.ReportFormat) -> Cells:
    """Table 2's 第二十条第（一）项 counted from the published policy documents."""
    start, end = _year_bounds(year)
    if fmt.code == "2019":
        tz = timezone.get_default_timezone()
        published_from = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
        published_to = datetime.datetime.combine(
            end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
        )
        aggregates = {
            "new_made": Count("pk", filter=Q(written_on__gte=start, written_on__lte=end)),
            "new_published": Count(
                "pk", filter=Q(first_published_at__gte=published_from, first_published_at__lt=published_to)
            ),
            "total_published": Count("pk", filter=Q(first_published_at__lt=published_to) & _in_force_at(end)),
        }
    else:
        aggregates = {
            "issued": Count("pk", filter=Q(written_on__gte=start, written_on__lte=end)),
            "abolished": Count("pk", filter=Q(repealed_on__gte=start, repealed_on__lte=end)),
            "in_force": Count("pk", filter=_in_force_at(end)),
        }
    cells: Cells = {"rules": dict.fromkeys(aggregates, 0), "normative": dict.fromkeys(aggregates, 0)}
    for entry in _documents(department).values("normative_kind").annotate(**aggregates).order_by():
        if entry["normative_kind"] in cells:
            cells[entry["normative_kind"]] = {name: entry[name] for name in aggregates}
    return cells


def _figures(*, year: int, department: Department | None) -> dict[tuple[str, str, str], tuple[Decimal, str]]:
    """Entered or imported Table 2 figures: (block, row, column) → (value, source).

    The consolidated report takes the city government's own figure where one is entered, else
    the sum of the departments' figures (source ``computed``).
    """
    from gongkai.disclosure.annual.models import FigureSource, ProactiveFigure

    own = ProactiveFigure.objects.filter(year=year)
    own = own.filter(department__isnull=True) if department is None else own.filter(department=department)
    figures = {
        (figure.block, figure.row, figure.column): (figure.value, figure.source)
        for figure in own.only("block", "row", "column", "value", "source")
    }
    if department is None:
        sums = (
            ProactiveFigure.objects.filter(year=year, department__isnull=False)
            .values("block", "row", "column")
            .annotate(total=Sum("value"))
            .order_by()
        )
        for entry in sums:
            key = (entry["block"], entry["row"], entry["column"])
            if key not in figures and (entry["block"], entry["column"]) not in DOCUMENT_COLUMNS:
                figures[key] = (entry["total"], FigureSource.COMPUTED)
    return figures


def table2_cells(
    *, year: int, department: Department | None, fmt: schema.ReportFormat
) -> tuple[dict[str, Cells], dict[str, dict[str, dict[str, str]]]]:
    """Table 2's numbers and their sources by block, row and column code."""
    documents = document_counts(year=year, department=department, fmt=fmt)
    figures = _figures(year=year, department=department)
    values: dict[str, Cells] = {}
    sources: dict[str, dict[str, dict[str, str]]] = {}
    for block in fmt.table("table2").blocks:
        values[block.code] = {}
        sources[block.code] = {}
        for row in block.rows:
            row_values: dict[str, Any] = {}
            row_sources: dict[str, str] = {}
            for column in block.columns():
                key = (block.code, row.code, column.code)
                if key in figures:
                    row_values[column.code], row_sources[column.code] = figures[key]
                elif (block.code, column.code) in DOCUMENT_COLUMNS and row.code in documents:
                    row_values[column.code] = documents[row.code][column.code]
                    row_sources[column.code] = "computed"
                else:
                    row_values[column.code] = 0
                    row_sources[column.code] = ""
            values[block.code][row.code] = row_values
            sources[block.code][row.code] = row_sources
    return values, sources


def in_force_counts(*, year: int, department: Department | None) -> dict[str, int]:
    """现行有效件数 of 规章 and 行政规范性文件 at the end of ``year`` (for the next year's check).

    From that year's released report when it has the 2021 columns, else computed (entered
    figures winning) with the 2021 rules whatever that year's format.
    """
    from gongkai.disclosure.annual.models import AnnualReport, ReportStatus

    report = (
        AnnualReport.objects.filter(year=year, department=department, status=ReportStatus.RELEASED)
        .only("snapshot")
        .first()
    )
    if report is not None and report.snapshot:
        found = _in_force_from_snapshot(report.snapshot)
        if found is not None:
            return found
    fmt = schema.FORMAT_2021
    values, _sources = table2_cells(year=year, department=department, fmt=fmt)
    return {row: int(values["item1"][row]["in_force"]) for row in ("rules", "normative")}


def _in_force_from_snapshot(snapshot: dict[str, Any]) -> dict[str, int] | None:
    for table in snapshot.get("tables", []):
        if table.get("code") != "table2":
            continue
        for block in table.get("blocks", []):
            if block.get("code") != "item1":
                continue
            codes = block.get("column_codes") or []
            if "in_force" not in codes:
                return None
            index = codes.index("in_force")
            return {row["code"]: int(row["cells"][index]) for row in block.get("rows", [])}
    return None


# --- Building the blocks ----------------------------------------------------------------------


def _number(value: Any, *, money: bool) -> int | float:
    if money:
        return round(float(value or 0), 4)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return int(value or 0)


def nest(paths: list[tuple[str, ...]], cells: list[Any]) -> dict[str, Any]:
    """The row's numbers keyed by the header labels, nested where the header nests."""
    values: dict[str, Any] = {}
    for path, value in zip(paths, cells, strict=True):
        node = values
        for label in path[:-1]:
            node = node.setdefault(label, {})
        node[path[-1]] = value
    return values


def block_data(
    block: schema.Block, cells: Cells, sources: dict[str, dict[str, str]] | None = None
) -> dict[str, Any]:
    columns = block.columns()
    paths = block.column_paths()
    rows = []
    for row in block.rows:
        row_cells = [
            _number(cells.get(row.code, {}).get(column.code, 0), money=column.code in MONEY_COLUMNS)
            for column in columns
        ]
        entry: dict[str, Any] = {
            "code": row.code,
            "label": row.label,
            "path": list(row.path),
            "cells": row_cells,
            "values": nest(paths, row_cells),
        }
        if sources is not None:
            entry["sources"] = [sources.get(row.code, {}).get(column.code, "") for column in columns]
        rows.append(entry)
    return {
        "code": block.code,
        "title": block.title,
        "corner": block.corner,
        "label_columns": block.label_columns,
        "columns": [list(path) for path in paths],
        "column_codes": [column.code for column in columns],
        "rows": rows,
    }


def tables_data(
    *, year: int, department: Department | None, fmt: schema.ReportFormat
) -> list[dict[str, Any]]:
    table2_values, table2_sources = table2_cells(year=year, department=department, fmt=fmt)
    computed: dict[str, Cells] = {
        "table3": table3_cells(year=year, department=department, fmt=fmt),
        "table4": table4_cells(year=year, department=department),
    }
    tables = []
    for table in fmt.tables:
        if table.code == "table2":
            blocks = [
                block_data(block, table2_values[block.code], table2_sources[block.code])
                for block in table.blocks
            ]
        else:
            blocks = [block_data(block, computed[table.code]) for block in table.blocks]
        tables.append(
            {"code": table.code, "title": table.title, "section": TABLE_SECTION[table.code], "blocks": blocks}
        )
    return tables


# --- Sections ---------------------------------------------------------------------------------


def _yuan(amount: Decimal) -> str:
    text = f"{amount.quantize(Decimal('0.01'))}"
    return text[:-3] if text.endswith(".00") else text


def fee_line(*, year: int, department: Department | None) -> str:
    """本年度共对N件申请收取信息处理费M元 (国办函〔2020〕109号), from the fees paid in the year."""
    from gongkai.disclosure.models import FeeNotice

    start, end = _year_bounds(year)
    fees = FeeNotice.objects.filter(paid_on__gte=start, paid_on__lte=end)
    if department is not None:
        fees = fees.filter(application__department=department)
    totals = fees.aggregate(n=Count("pk"), amount=Sum("amount"))
    if not totals["n"]:
        return "本年度未收取政府信息公开信息处理费。"
    return f"本年度共对{totals['n']}件申请收取信息处理费{_yuan(totals['amount'])}元。"


def _cell(tables: list[dict[str, Any]], table: str, row: str, column: str) -> Any:
    for entry in tables:
        if entry["code"] != table:
            continue
        for block in entry["blocks"]:
            if column not in block["column_codes"]:
                continue
            index = block["column_codes"].index(column)
            for candidate in block["rows"]:
                if candidate["code"] == row:
                    return candidate["cells"][index]
    return 0


def default_overview(*, agency_name: str, year: int, tables: list[dict[str, Any]]) -> str:
    new = _cell(tables, "table3", "new", "total")
    carried = _cell(tables, "table3", "carried_over", "total")
    concluded = _cell(tables, "table3", "total", "total")
    forward = _cell(tables, "table3", "carried_forward", "total")
    reconsideration = _cell(tables, "table4", "cases", "reconsideration_total")
    litigation = _cell(tables, "table4", "cases", "litigation_direct_total") + _cell(
        tables, "table4", "cases", "litigation_after_total"
    )
    return (
        f"{year}年，{agency_name}认真贯彻落实《中华人民共和国政府信息公开条例》，"
        f"本年度新收政府信息公开申请{new}件，上年结转{carried}件，办结{concluded}件，"
        f"结转下年度继续办理{forward}件；因政府信息公开工作被申请行政复议{reconsideration}件，"
        f"被提起行政诉讼{litigation}件。"
    )


def default_sections(
    *, year: int, department: Department | None, agency_name: str, tables: list[dict[str, Any]]
) -> dict[str, str]:
    """The texts a new report starts with, by ``AnnualReport`` field name."""
    return {
        "overview": default_overview(agency_name=agency_name, year=year, tables=tables),
        "proactive_intro": "",
        "applications_intro": "",
        "reviews_intro": "",
        "problems": "",
        "other_matters": fee_line(year=year, department=department),
    }


# --- The whole report -------------------------------------------------------------------------


def report_data(*, year: int, department: Department | None = None, report: Any = None) -> dict[str, Any]:
    """The report of ``department`` (None: the city government, consolidated) on ``year``.

    ``report`` is the ``AnnualReport`` whose sections to use; looked up when not given.
    """
    from gongkai.disclosure.annual import checks
    from gongkai.disclosure.annual.models import AnnualReport

    fmt = schema.format_for_year(year)
    agency = agency_of(department)
    tables = tables_data(year=year, department=department, fmt=fmt)
    if report is None:
        report = AnnualReport.objects.filter(year=year, department=department).first()
    if report is not None:
        texts = {name: getattr(report, name) for name in AnnualReport.SECTION_FIELDS}
    else:
        texts = default_sections(year=year, department=department, agency_name=agency["name"], tables=tables)
    sections = [
        {"title": title, "text": texts[name]}
        for title, name in zip(fmt.section_titles, AnnualReport.SECTION_FIELDS, strict=True)
    ]
    previous = in_force_counts(year=year - 1, department=department) if fmt.code == "2021" else None
    data: dict[str, Any] = {
        "year": year,
        "format": fmt.code,
        "format_name": fmt.name,
        "basis": fmt.basis,
        "agency": agency,
        "title": report_title(agency_name=agency["name"], year=year),
        "sections": sections,
        "tables": tables,
        "checks": [],
        "generated_at": timezone.now().isoformat(),
    }
    data["checks"] = checks.run(data, previous_in_force=previous)
    return data


def tables_json(data: dict[str, Any]) -> dict[str, Any]:
    """What ``gongkai annual-report`` writes to ``tables.json``."""
    return {key: data[key] for key in ("year", "format", "agency", "tables")}
