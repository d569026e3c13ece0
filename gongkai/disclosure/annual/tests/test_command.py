"""`gongkai annual-report YEAR [--department CODE] --out DIR` writes the four files."""

from __future__ import annotations

import datetime
import importlib.util
import json

import pytest
from django.core.management import CommandError, call_command

from gongkai import cli
from gongkai.disclosure.annual import schema
from gongkai.disclosure.annual.tests.factories import application, review_case

D = datetime.date
needs_render = pytest.mark.skipif(
    importlib.util.find_spec("gongkai.disclosure.annual.render") is None,
    reason="the renderers are not there yet",
)


@pytest.fixture
def figures(clock, tree):
    a, b = tree["dept_a"], tree["dept_b"]
    application(a, D(2024, 12, 20))  # carried over and still open
    application(a, D(2025, 2, 3), concluded_on=D(2025, 2, 20), ground="disclosed")
    application(
        a, D(2025, 5, 6), applicant_type="commercial", concluded_on=D(2025, 6, 1), ground="other_no_fee"
    )
    application(b, D(2025, 12, 30), applicant_type="research")
    review_case(a, D(2025, 7, 1), outcome="upheld", concluded_on=D(2025, 9, 1))
    return tree


@needs_render
def test_consolidated_files_and_tables_json(figures, tmp_path, capsys):
    call_command("annual_report", "2025", "--out", str(tmp_path / "out"))
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == [
        "report.docx",
        "report.html",
        "report.pdf",
        "tables.json",
    ]
    assert (out / "report.pdf").read_bytes()[:4] == b"%PDF"
    assert (out / "report.docx").read_bytes()[:2] == b"PK"
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "吉林市人民政府2025年政府信息公开工作年度报告" in html

    raw = (out / "tables.json").read_text(encoding="utf-8")
    assert "本年新收政府信息公开申请数量" in raw  # UTF-8, not \\u escapes
    tables = json.loads(raw)
    assert set(tables) == {"year", "format", "agency", "tables"}
    assert tables["year"] == 2025 and tables["format"] == "2021"
    assert tables["agency"] == {"code": "city", "name": "吉林市人民政府", "consolidated": True}
    assert [t["code"] for t in tables["tables"]] == ["table2", "table3", "table4"]
    table3 = tables["tables"][1]["blocks"][0]
    official = schema.FORMAT_2021.table("table3").blocks[0].rows
    assert [row["label"] for row in table3["rows"]] == [row.label for row in official]
    by_code = {row["code"]: row for row in table3["rows"]}
    assert by_code["new"]["values"]["申请人情况"]["总计"] == 3
    assert by_code["new"]["values"]["申请人情况"]["法人或其他组织"]["科研机构"] == 1
    assert by_code["carried_over"]["values"]["申请人情况"]["自然人"] == 1
    assert by_code["other_no_fee"]["values"]["申请人情况"]["法人或其他组织"]["商业企业"] == 1
    assert by_code["carried_forward"]["values"]["申请人情况"]["总计"] == 2
    table4 = tables["tables"][2]["blocks"][0]["rows"][0]
    assert table4["values"]["行政复议"]["结果维持"] == 1
    table2 = tables["tables"][0]["blocks"]
    assert [b["title"] for b in table2] == [
        "第二十条第（一）项",
        "第二十条第（五）项",
        "第二十条第（六）项",
        "第二十条第（八）项",
    ]
    assert table2[0]["rows"][1]["label"] == "行政规范性文件"
    assert set(table2[0]["rows"][1]["values"]) == {"本年制发件数", "本年废止件数", "现行有效件数"}
    assert "草稿" in capsys.readouterr().out


@needs_render
def test_department_and_the_hyphenated_cli_name(figures, tmp_path, capsys):
    cli.main(["gongkai", "annual-report", "2025", "--department", "dept-a", "--out", str(tmp_path)])
    tables = json.loads((tmp_path / "tables.json").read_text(encoding="utf-8"))
    assert tables["agency"]["code"] == "dept-a"
    new = tables["tables"][1]["blocks"][0]["rows"][0]
    assert new["values"]["申请人情况"]["总计"] == 2
    assert "吉林市住房和城乡建设局2025年政府信息公开工作年度报告" in capsys.readouterr().out


@needs_render
def test_2019_format_and_failed_checks_as_warnings(clock, tree, tmp_path, capsys):
    application(tree["dept_a"], D(2020, 3, 1), concluded_on=D(2020, 4, 1), ground="other_no_correction")
    application(tree["dept_a"], D(2021, 1, 3), concluded_on=D(2020, 12, 30))  # bad dates: check fails
    call_command("annual_report", "2020", "--out", str(tmp_path))
    tables = json.loads((tmp_path / "tables.json").read_text(encoding="utf-8"))
    assert tables["format"] == "2019"
    labels = [row["label"] for row in tables["tables"][1]["blocks"][0]["rows"]]
    assert "（六）其他处理" in labels and "3.其他" not in labels
    assert [b["code"] for b in tables["tables"][0]["blocks"]] == ["item1", "item5", "item6", "item8", "item9"]
    captured = capsys.readouterr()
    assert "表三“自然人”列：一+二=1，三（七）+四=2，不相等" in captured.err
    assert "校验未通过" in captured.out


def test_unknown_department_and_early_year(clock, tree, tmp_path):
    with pytest.raises(CommandError, match="no department with the code 'nope'") as caught:
        call_command("annual_report", "2025", "--department", "nope", "--out", str(tmp_path))
    assert "没有代码为“nope”的机构" in str(caught.value)
    with pytest.raises(CommandError, match="start with 2019"):
        call_command("annual_report", "2018", "--out", str(tmp_path))
    assert not any(tmp_path.iterdir())
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["gongkai", "annual-report", "2018", "--out", str(tmp_path)])
    assert exit_info.value.code != 0


@needs_render
def test_released_report_is_written_from_its_snapshot(figures, users, tmp_path, capsys):
    from gongkai.disclosure.annual import services

    report = services.report_create(year=2025, department=figures["dept_a"], actor=users["clerk_a"])
    services.report_release(report=report, actor=users["office"])
    application(figures["dept_a"], D(2025, 8, 8))  # after release: not in the released report
    call_command("annual_report", "2025", "--department", "dept-a", "--out", str(tmp_path))
    tables = json.loads((tmp_path / "tables.json").read_text(encoding="utf-8"))
    assert tables["tables"][1]["blocks"][0]["rows"][0]["values"]["申请人情况"]["总计"] == 2
    assert "已发布" in capsys.readouterr().out
    call_command("annual_report", "2025", "--department", "dept-a", "--out", str(tmp_path), "--fresh")
    tables = json.loads((tmp_path / "tables.json").read_text(encoding="utf-8"))
    assert tables["tables"][1]["blocks"][0]["rows"][0]["values"]["申请人情况"]["总计"] == 3
