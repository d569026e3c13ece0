"""Every consistency rule fails on the cell it names, and passes on consistent data."""

from __future__ import annotations

import copy
import datetime

import pytest

from gongkai.disclosure.annual import checks, compute
from gongkai.disclosure.annual.tests.factories import application, policy_document

D = datetime.date
pytestmark = pytest.mark.django_db


def _set(data, table, row, column, value, block=None):
    for t in data["tables"]:
        if t["code"] != table:
            continue
        for b in t["blocks"]:
            if block is not None and b["code"] != block:
                continue
            if column in b["column_codes"]:
                for r in b["rows"]:
                    if r["code"] == row:
                        r["cells"][b["column_codes"].index(column)] = value
                        return
    raise KeyError((table, row, column))


def _failed(data, **kwargs):
    return [c for c in checks.failures(checks.run(data, **kwargs))]


@pytest.fixture
def data(tree):
    application(tree["dept_a"], D(2025, 3, 1), concluded_on=D(2025, 4, 1))
    application(tree["dept_a"], D(2025, 3, 1), applicant_type="commercial")
    return compute.report_data(year=2025, department=tree["dept_a"])


def test_consistent_data_passes(data):
    assert checks.failures(data["checks"]) == []
    rules = {c["rule"] for c in data["checks"]}
    assert {"table3_balance", "table3_total_row", "table4_total", "table2_in_force"} <= rules
    balance = next(c for c in data["checks"] if c["rule"] == "table3_balance" and c["column"] == "自然人")
    assert balance["message"] == "表三“自然人”列：一+二=1，三（七）+四=1"


def test_table3_balance_names_the_column(data):
    broken = copy.deepcopy(data)
    _set(broken, "table3", "carried_forward", "commercial", 0)
    failed = _failed(broken)
    assert [(c["rule"], c["table"], c["row"], c["column"]) for c in failed] == [
        ("table3_balance", "table3", "一、二、三（七）、四", "法人或其他组织·商业企业"),
        ("table3_total_column", "table3", "四、结转下年度继续办理", "总计"),
    ]
    assert failed[0]["message"] == "表三“法人或其他组织·商业企业”列：一+二=1，三（七）+四=0，不相等"


def test_table3_total_row(data):
    broken = copy.deepcopy(data)
    _set(broken, "table3", "disclosed", "natural_person", 2)
    _set(broken, "table3", "disclosed", "total", 2)
    failed = _failed(broken)
    assert ("table3_total_row", "（七）总计", "自然人") in [
        (c["rule"], c["row"], c["column"]) for c in failed
    ]
    message = next(
        c["message"] for c in failed if c["rule"] == "table3_total_row" and c["column"] == "自然人"
    )
    assert message == "表三“自然人”列：（七）总计=1，各项办理结果之和=2，不相等"


def test_table3_total_column(data):
    broken = copy.deepcopy(data)
    _set(broken, "table3", "withheld_state_secret", "total", 3)
    failed = [c for c in _failed(broken) if c["rule"] == "table3_total_column"]
    assert len(failed) == 1
    assert failed[0]["row"] == "（三）不予公开 1.属于国家秘密"
    assert failed[0]["message"] == "表三“（三）不予公开 1.属于国家秘密”行：总计=3，各类申请人之和=0，不相等"


def test_table4_total(data):
    broken = copy.deepcopy(data)
    _set(broken, "table4", "cases", "litigation_after_pending", 2)
    failed = _failed(broken)
    assert [(c["rule"], c["column"]) for c in failed] == [("table4_total", "行政诉讼·复议后起诉·总计")]
    assert (
        failed[0]["message"]
        == "表四“行政诉讼·复议后起诉”：总计=0，结果维持、结果纠正、其他结果、尚未审结之和=2，不相等"
    )


def test_non_negative(data):
    broken = copy.deepcopy(data)
    _set(broken, "table2", "penalty", "decisions", -3)
    failed = _failed(broken)
    assert [(c["rule"], c["table"], c["row"], c["column"]) for c in failed] == [
        ("non_negative", "table2", "行政处罚", "本年处理决定数量")
    ]
    assert failed[0]["message"] == "表二第二十条第（六）项“行政处罚”行“本年处理决定数量”列为负数（-3）"


def test_table2_in_force_against_last_year(data):
    failed = _failed(data, previous_in_force={"rules": 0, "normative": 4})
    assert [(c["rule"], c["row"], c["column"]) for c in failed] == [
        ("table2_in_force", "行政规范性文件", "现行有效件数")
    ]
    assert failed[0]["message"] == (
        "表二“行政规范性文件”行：现行有效件数=0，上年现行有效件数4+本年制发件数0−本年废止件数0=4，不相等"
    )


def test_table2_in_force_uses_last_years_released_snapshot(tree):
    from gongkai.disclosure.annual.models import AnnualReport

    a = tree["dept_a"]
    policy_document(a, title="文件一", written_on=D(2024, 5, 1))
    last = compute.report_data(year=2024, department=a)
    assert compute._in_force_from_snapshot(last) == {"rules": 0, "normative": 1}
    _set(last, "table2", "normative", "in_force", 7, block="item1")
    AnnualReport.objects.create(year=2024, department=a, format_code="2021", status="released", snapshot=last)
    failed = checks.failures(compute.report_data(year=2025, department=a)["checks"])
    assert [(c["rule"], c["row"]) for c in failed] == [("table2_in_force", "行政规范性文件")]
    assert "上年现行有效件数7" in failed[0]["message"]


def test_bad_dates_in_the_data_break_the_balance(tree):
    # Concluded in 2025 but "received" in 2026: counted in 三 and not in 一 or 二.
    application(tree["dept_a"], D(2026, 1, 2), concluded_on=D(2025, 12, 30))
    failed = checks.failures(compute.report_data(year=2025, department=tree["dept_a"])["checks"])
    assert {(c["rule"], c["column"]) for c in failed} == {
        ("table3_balance", "自然人"),
        ("table3_balance", "总计"),
    }


def test_failure_message_lists_the_cells(data):
    broken = copy.deepcopy(data)
    _set(broken, "table2", "penalty", "decisions", -3)
    _set(broken, "table4", "cases", "reconsideration_upheld", 1)
    message = checks.failure_message(checks.run(broken))
    assert "行政处罚" in message and "行政复议" in message and "；" in message
