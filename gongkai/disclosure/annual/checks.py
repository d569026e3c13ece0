"""The consistency rules a report must pass before release, checked on the report data.

The rules (国办公开办函〔2021〕30号 and the arithmetic its tables imply):

* ``table3_balance``: in every column of Table 3, 一 + 二 = 三（七） + 四;
* ``table3_total_row``: in every column, （七）总计 = the sum of the result rows;
* ``table3_total_column``: in every row, 总计 = the sum of the six applicant columns;
* ``table2_in_force``: 现行有效件数 = last year's + 本年制发件数 − 本年废止件数, for 规章 and
  行政规范性文件 (2021 format; last year's from its released report or computed);
* ``table4_total``: each 总计 of Table 4 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结;
* ``non_negative``: no number is negative.

``run`` returns one entry per evaluated equation — ``ok`` true or false — and one per negative
number; every message names the table, the row and the column in Chinese. The checks read only
the report data (``compute.report_data`` or a released ``snapshot``), so they apply to both.
"""

from __future__ import annotations

from typing import Any

from gongkai.disclosure.annual import schema

TABLE_NAMES = {"table2": "表二", "table3": "表三", "table4": "表四"}


def _check(ok: bool, rule: str, table: str, row: str, column: str, message: str) -> dict[str, Any]:
    return {"ok": ok, "rule": rule, "table": table, "row": row, "column": column, "message": message}


def _block(data: dict[str, Any], table: str, block: str) -> dict[str, Any] | None:
    for entry in data.get("tables", []):
        if entry.get("code") == table:
            for candidate in entry.get("blocks", []):
                if candidate.get("code") == block:
                    return candidate
    return None


def _values(data: dict[str, Any], table: str, block: schema.Block) -> dict[str, dict[str, Any]]:
    """Row code → column code → number for one block of the data (zeros where missing)."""
    found = _block(data, table, block.code)
    columns = [column.code for column in block.columns()]
    rows = {row.code: {column: 0 for column in columns} for row in block.rows}
    if found is None:
        return rows
    codes = found.get("column_codes") or columns
    for row in found.get("rows", []):
        if row.get("code") in rows:
            for code, value in zip(codes, row.get("cells", []), strict=False):
                if code in rows[row["code"]]:
                    rows[row["code"]][code] = value
    return rows


def _column_name(table: str, path: tuple[str, ...]) -> str:
    """A leaf column's name in a message: its labels below 申请人情况 (Table 3), joined."""
    if table == "table3":
        path = path[1:]
    return "·".join(path)


def _row_name(row: schema.Row) -> str:
    """A Table 3 row's name in a message: its group under 三 and its label ("（三）不予公开 1.属于国家秘密")."""
    return " ".join([*row.path[1:], row.label]) if row.path else row.label


def _n(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def table3_checks(data: dict[str, Any], fmt: schema.ReportFormat) -> list[dict[str, Any]]:
    block = fmt.table("table3").blocks[0]
    values = _values(data, "table3", block)
    results = []
    result_rows = schema.result_rows(fmt.table("table3"))
    rows_by_code = {row.code: row for row in block.rows}
    for column, path in zip(block.columns(), block.column_paths(), strict=True):
        name = _column_name("table3", path)
        left = values["new"][column.code] + values["carried_over"][column.code]
        right = values["total"][column.code] + values["carried_forward"][column.code]
        ok = left == right
        results.append(
            _check(
                ok,
                "table3_balance",
                "table3",
                "一、二、三（七）、四",
                name,
                f"表三“{name}”列：一+二={_n(left)}，三（七）+四={_n(right)}" + ("" if ok else "，不相等"),
            )
        )
        total = values["total"][column.code]
        summed = sum(values[row.code][column.code] for row in result_rows)
        ok = total == summed
        results.append(
            _check(
                ok,
                "table3_total_row",
                "table3",
                rows_by_code["total"].label,
                name,
                f"表三“{name}”列：（七）总计={_n(total)}，各项办理结果之和={_n(summed)}"
                + ("" if ok else "，不相等"),
            )
        )
    applicant_columns = [column.code for column in block.columns() if column.code != "total"]
    for row in block.rows:
        total = values[row.code]["total"]
        summed = sum(values[row.code][code] for code in applicant_columns)
        if total != summed:
            name = _row_name(row)
            results.append(
                _check(
                    False,
                    "table3_total_column",
                    "table3",
                    name,
                    "总计",
                    f"表三“{name}”行：总计={_n(total)}，各类申请人之和={_n(summed)}，不相等",
                )
            )
    return results


def table2_checks(
    data: dict[str, Any], fmt: schema.ReportFormat, previous_in_force: dict[str, int] | None
) -> list[dict[str, Any]]:
    if fmt.code != "2021" or previous_in_force is None:
        return []
    block = fmt.table("table2").blocks[0]
    values = _values(data, "table2", block)
    labels = {column.code: column.label for column in block.columns()}
    results = []
    for row in block.rows:
        row_values = values[row.code]
        last = previous_in_force.get(row.code, 0)
        expected = last + row_values["issued"] - row_values["abolished"]
        actual = row_values["in_force"]
        ok = actual == expected
        results.append(
            _check(
                ok,
                "table2_in_force",
                "table2",
                row.label,
                labels["in_force"],
                f"表二“{row.label}”行：现行有效件数={_n(actual)}，上年现行有效件数{_n(last)}"
                f"+本年制发件数{_n(row_values['issued'])}−本年废止件数{_n(row_values['abolished'])}"
                f"={_n(expected)}" + ("" if ok else "，不相等"),
            )
        )
    return results


def table4_checks(data: dict[str, Any], fmt: schema.ReportFormat) -> list[dict[str, Any]]:
    block = fmt.table("table4").blocks[0]
    values = _values(data, "table4", block)["cases"]
    results = []
    # The groups in header order: each ends with its 总计 column.
    columns = block.columns()
    paths = block.column_paths()
    for index, column in enumerate(columns):
        if not column.code.endswith("_total"):
            continue
        parts = columns[index - 4 : index]
        total = values[column.code]
        summed = sum(values[part.code] for part in parts)
        name = "·".join(paths[index][:-1])
        ok = total == summed
        results.append(
            _check(
                ok,
                "table4_total",
                "table4",
                "",
                "·".join(paths[index]),
                f"表四“{name}”：总计={_n(total)}，结果维持、结果纠正、其他结果、尚未审结之和={_n(summed)}"
                + ("" if ok else "，不相等"),
            )
        )
    return results


def non_negative_checks(data: dict[str, Any], fmt: schema.ReportFormat) -> list[dict[str, Any]]:
    results = []
    for table in fmt.tables:
        table_name = TABLE_NAMES[table.code]
        for block in table.blocks:
            values = _values(data, table.code, block)
            for row in block.rows:
                row_name = _row_name(row) if table.code == "table3" else row.label
                for column, path in zip(block.columns(), block.column_paths(), strict=True):
                    value = values[row.code][column.code]
                    if value is not None and value < 0:
                        column_name = _column_name(table.code, path)
                        where = f"“{row_name}”行“{column_name}”列" if row_name else f"“{column_name}”列"
                        if block.title:
                            where = f"{block.title}{where}"
                        results.append(
                            _check(
                                False,
                                "non_negative",
                                table.code,
                                row_name,
                                column_name,
                                f"{table_name}{where}为负数（{_n(value)}）",
                            )
                        )
    return results


def run(data: dict[str, Any], *, previous_in_force: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """Every rule on ``data``; see the module docstring."""
    fmt = schema.format_for_year(int(data["year"]))
    return [
        *table2_checks(data, fmt, previous_in_force),
        *table3_checks(data, fmt),
        *table4_checks(data, fmt),
        *non_negative_checks(data, fmt),
    ]


def failures(checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [check for check in checks if not check["ok"]]


def failure_message(checks: list[dict[str, Any]]) -> str:
    """The failed checks as one Chinese message (for refusals)."""
    failed = failures(checks)
    return "；".join(check["message"] for check in failed)
