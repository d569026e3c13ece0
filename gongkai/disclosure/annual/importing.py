"""CSV import of Table 2 figures (行政许可、行政处罚、行政强制、收费金额 …) for one year.

One figure per line, UTF-8 (a BOM from Excel is fine), with a header naming the columns in
Chinese or English:

=============  ==========  ===================================================================
机关代码        department  the department's code; empty: the rows belong to the department the
                            import is for (or the city government's consolidated report)
项目            block       第二十条第（五）项 … or its code (item1, item5, item6, item8, item9)
信息内容        row         行政许可 … or its code (licensing, penalty, enforcement, fees …)
列              column      本年处理决定数量 … or its code (decisions, fee_amount …); may be left
                            out when the block has a single column
数值            value       a whole number, or 万元 with up to four decimals; empty removes it
=============  ==========  ===================================================================

Example::

    机关代码,项目,信息内容,列,数值
    dept-a,第二十条第（五）项,行政许可,本年处理决定数量,120
    dept-a,第二十条第（八）项,行政事业性收费,,12.5

The labels are the official ones of the year's format (``schema``). Problems are reported per line
(``ValidationError`` keyed 第N行), and nothing is imported then.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongkai.accounts.models import Department
from gongkai.disclosure.annual import schema

MAX_ROWS = 5_000
MAX_BYTES = 1024 * 1024

ALIASES = {
    "机关代码": "department",
    "部门代码": "department",
    "department": "department",
    "项目": "block",
    "block": "block",
    "信息内容": "row",
    "row": "row",
    "列": "column",
    "column": "column",
    "数值": "value",
    "value": "value",
}


def _find(items: list[tuple[str, str]], text: str) -> str | None:
    """The code whose code or label is ``text``."""
    for code, label in items:
        if text in (code, label):
            return code
    return None


def parse_figures_csv(
    text: str, *, year: int, department: Department | None = None
) -> dict[Department | None, list[dict[str, Any]]]:
    """The figures of ``text`` grouped by department (None: the consolidated report)."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise ValidationError(_("文件过大（不超过 1 MB）。"), code="too_large")
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise ValidationError(_("文件是空的。"), code="empty") from None
    except csv.Error as exc:
        raise ValidationError(_("不是有效的 CSV 文件：%(error)s") % {"error": exc}, code="malformed") from exc
    columns = [ALIASES.get(name.strip()) for name in header]
    missing = [name for name in ("block", "row", "value") if name not in columns]
    if missing:
        raise ValidationError(
            _("表头缺少必需的列：%(names)s（应为 机关代码、项目、信息内容、列、数值）。")
            % {"names": "、".join(missing)},
            code="header",
        )
    blocks = schema.format_for_year(year).table("table2").blocks
    departments: dict[str, Department | None] = {}
    grouped: dict[Department | None, list[dict[str, Any]]] = {}
    errors: dict[str, list[str]] = {}
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise ValidationError(_("不是有效的 CSV 文件：%(error)s") % {"error": exc}, code="malformed") from exc
    if len(rows) > MAX_ROWS:
        raise ValidationError(_("行数过多（不超过 %(n)s 行）。") % {"n": MAX_ROWS}, code="too_many_rows")
    for number, raw in enumerate(rows, start=2):
        if not any(cell.strip() for cell in raw):
            continue
        values = {
            name: (raw[index].strip() if index < len(raw) else "")
            for index, name in enumerate(columns)
            if name is not None
        }
        where = _("第%(n)s行") % {"n": number}

        def error(message: str, where: str = where) -> None:
            errors.setdefault(where, []).append(message)

        code = values.get("department", "")
        target = department
        if code:
            if code not in departments:
                departments[code] = Department.objects.filter(code=code).first()
            target = departments[code]
            if target is None:
                error(_("没有代码为“%(code)s”的机构。") % {"code": code})
                continue
        block = next((b for b in blocks if values["block"] in (b.code, b.title)), None)
        if block is None:
            error(_("%(year)s 年度的表二没有项目“%(block)s”。") % {"year": year, "block": values["block"]})
            continue
        row = _find([(r.code, r.label) for r in block.rows], values["row"])
        if row is None:
            error(_("%(block)s没有“%(row)s”这一行。") % {"block": block.title, "row": values["row"]})
            continue
        leaf_columns = block.columns()
        column_text = values.get("column", "")
        if not column_text and len(leaf_columns) == 1:
            column: str | None = leaf_columns[0].code
        else:
            column = _find([(c.code, c.label) for c in leaf_columns], column_text)
        if column is None:
            error(_("%(block)s没有“%(column)s”这一列。") % {"block": block.title, "column": column_text})
            continue
        grouped.setdefault(target, []).append(
            {"block": block.code, "row": row, "column": column, "value": values["value"], "line": number}
        )
    if errors:
        raise ValidationError(errors, code="invalid_rows")
    if not grouped:
        raise ValidationError(_("文件中没有数据行。"), code="no_rows")
    return grouped
