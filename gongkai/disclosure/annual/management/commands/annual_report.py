"""`gongkai annual-report YEAR [--department CODE] --out DIR`: the annual report's files.

Writes ``report.html``, ``report.docx``, ``report.pdf`` and ``tables.json`` (Tables 2–4: each row
in the official order with its official label and its values keyed by the official column
labels) into DIR. Without ``--department`` it is the city government's consolidated report.
A released report is written as released (its frozen data); otherwise the data is computed now
and the files are marked 草稿, with every failed consistency check printed as a warning.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "政府信息公开工作年度报告：生成 HTML、DOCX、PDF 和 tables.json / annual report files"

    def add_arguments(self, parser):
        parser.add_argument("year", type=int, help="报告年度，如 2025 / the year reported on")
        parser.add_argument(
            "--department",
            default="",
            help="机构代码；不填为市人民政府（全市汇总）/ department code; default: the city government",
        )
        parser.add_argument("--out", required=True, help="输出文件夹 / output folder")
        parser.add_argument(
            "--fresh",
            action="store_true",
            help="已发布的报告也按现有数据重新统计 / recompute even a released report",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from gongkai.disclosure.annual import checks, compute, selectors

        year = options["year"]
        if year < 2019:
            raise CommandError(
                f"年度报告格式从 2019 年度开始，不能生成 {year} 年度的报告 / "
                f"annual reports in the official formats start with 2019, not {year}"
            )
        if year > selectors.today().year:
            raise CommandError(f"{year} 年度尚未开始 / the year {year} has not begun")
        department = None
        code = (options["department"] or "").strip()
        if code:
            department = selectors.department_by_code(code)
            if department is None:
                raise CommandError(f"没有代码为“{code}”的机构 / no department with the code {code!r}")

        report = selectors.report_get(year=year, department=department)
        if report is not None and report.is_released and report.snapshot and not options["fresh"]:
            data = report.snapshot
            draft = False
        else:
            data = compute.report_data(year=year, department=department, report=report)
            draft = True

        out = Path(options["out"])
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(f"无法创建输出文件夹 / cannot create the folder {out}: {exc}") from exc

        (out / "tables.json").write_text(
            json.dumps(compute.tables_json(data), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        written = ["tables.json"]
        try:
            from gongkai.disclosure.annual import render
        except ImportError as exc:  # pragma: no cover - only before the renderers exist
            raise CommandError(f"缺少报告排版模块 / the renderers are missing: {exc}") from exc
        from gongkai.opinion.reports.fonts import FontMissing

        try:
            (out / "report.html").write_text(render.render_html(data, draft=draft), encoding="utf-8")
            written.append("report.html")
            (out / "report.docx").write_bytes(render.render_docx(data, draft=draft))
            written.append("report.docx")
            (out / "report.pdf").write_bytes(render.render_pdf(data, draft=draft))
            written.append("report.pdf")
        except FontMissing as exc:
            raise CommandError(f"{exc}（已写出 / written: {', '.join(written)}）") from exc

        failed = checks.failures(data.get("checks", []))
        for check in failed:
            self.stderr.write(self.style.WARNING(f"校验未通过 / check failed: {check['message']}"))
        state = "草稿 / draft" if draft else "已发布 / released"
        self.stdout.write(self.style.SUCCESS(f"{data['title']}（{state}）→ {out}: {', '.join(written)}"))
        if failed:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(failed)} 项一致性校验未通过，发布前须更正 / {len(failed)} checks failed"
                )
            )
