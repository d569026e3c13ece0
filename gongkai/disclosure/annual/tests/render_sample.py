"""A hand-built report data dict of the shape ``compute.report_data`` returns, for the rendering
tests (they must not depend on the applications the figures come from)."""

from __future__ import annotations

from typing import Any

from gongkai.disclosure.annual import schema

SECTION_TEXTS = (
    "2025年，吉林市人民政府深入贯彻《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外。\n"
    "（一）主动公开。全年主动公开政府信息12345条。\n（二）依申请公开。全年新收申请57件。",
    "本年度主动公开情况如下表。",
    "本年度收到和处理政府信息公开申请情况如下表。",
    "本年度因政府信息公开引起的行政复议、行政诉讼情况如下表。",
    "一是公开内容的规范性有待提高；二是依申请公开答复质量仍需提升。",
    "本年度按照《政府信息公开信息处理费管理办法》收取信息处理费0元。",
)


def _table3_cells(row_code: str, total_row: bool = False) -> list[int]:
    seed = sum(ord(c) for c in row_code) % 5
    natural = seed + 1
    orgs = [seed % 2, 0, 1 if seed > 2 else 0, 0, seed % 3]
    return [natural, *orgs, natural + sum(orgs)]


def sample_data(
    *, year: int = 2025, agency: str = "吉林市人民政府", code: str = "city", checks: list[dict] | None = None
) -> dict[str, Any]:
    fmt = schema.format_for_year(year)
    tables = []
    for index, table in enumerate(fmt.tables):
        blocks = []
        for block in table.blocks:
            rows = []
            results = schema.result_rows(table) if table.code == "table3" else []
            for row in block.rows:
                width = len(block.columns())
                if table.code == "table3":
                    if row.code == "total":
                        sums = [0] * width
                        for other in results:
                            for i, v in enumerate(_table3_cells(other.code)):
                                sums[i] += v
                        cells: list[Any] = sums
                    else:
                        cells = _table3_cells(row.code)
                elif table.code == "table4":
                    cells = [1, 0, 0, 1, 2, 0, 1, 0, 0, 1, 0, 0, 0, 1, 1]
                elif block.code == "item8" and fmt.code == "2021":
                    cells = ["12.5"]
                else:
                    cells = [3 + i for i in range(width)]
                rows.append(
                    {
                        "code": row.code,
                        "label": row.label,
                        "path": list(row.path),
                        "cells": cells,
                        "values": {col.label: v for col, v in zip(block.columns(), cells, strict=False)},
                    }
                )
            blocks.append(
                {
                    "code": block.code,
                    "title": block.title,
                    "corner": block.corner,
                    "label_columns": block.label_columns,
                    "columns": [list(p) for p in block.column_paths()],
                    "rows": rows,
                }
            )
        tables.append({"code": table.code, "title": table.title, "section": index + 1, "blocks": blocks})
    return {
        "year": year,
        "format": fmt.code,
        "format_name": fmt.name,
        "basis": fmt.basis,
        "agency": {"code": code, "name": agency, "consolidated": code == "city"},
        "title": f"{agency}{year}年政府信息公开工作年度报告",
        "sections": [
            {"title": title, "text": text}
            for title, text in zip(fmt.section_titles, SECTION_TEXTS, strict=True)
        ],
        "tables": tables,
        "checks": checks or [],
        "generated_at": f"{year + 1}-01-20T09:00:00+08:00",
    }


#: A failing check worded as ``checks.run`` words it (rows and columns by their names).
FAILING_CHECK = {
    "ok": False,
    "rule": "table3_balance",
    "table": "table3",
    "row": "一、二、三（七）、四",
    "column": "自然人",
    "message": "表三“自然人”列：一+二=6，三（七）+四=63，不相等",
}
