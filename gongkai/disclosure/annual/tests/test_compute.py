"""Tables 2–4 computed from hand-built applications, review cases and policy documents."""

from __future__ import annotations

import datetime

import pytest

from gongkai.disclosure.annual import compute, schema
from gongkai.disclosure.annual.tests.factories import application, policy_document, review_case

D = datetime.date
pytestmark = pytest.mark.django_db


def _table(data, code):
    return next(table for table in data["tables"] if table["code"] == code)


def _row(data, table, row, block=None):
    blocks = _table(data, table)["blocks"]
    if block is not None:
        blocks = [b for b in blocks if b["code"] == block]
    for b in blocks:
        for r in b["rows"]:
            if r["code"] == row:
                return r
    raise KeyError(row)


def _t3(data, row, column="total"):
    block = _table(data, "table3")["blocks"][0]
    return _row(data, "table3", row)["cells"][block["column_codes"].index(column)]


def test_table3_year_boundaries_and_carry_over(tree):
    a = tree["dept_a"]
    # Received 2024, concluded 2024: not in 2025 at all.
    application(a, D(2024, 3, 1), concluded_on=D(2024, 12, 31))
    # Received 2024, concluded on 1 Jan 2025: carried over, concluded in 2025.
    application(a, D(2024, 12, 31), concluded_on=D(2025, 1, 1), ground="withheld_state_secret")
    # Received 2024, still open: carried over and carried forward.
    application(a, D(2024, 11, 5), applicant_type="commercial")
    # Received 1 Jan 2025, concluded 31 Dec 2025.
    application(a, D(2025, 1, 1), concluded_on=D(2025, 12, 31), ground="partial")
    # Received 31 Dec 2025, concluded 2026: new and carried forward.
    application(a, D(2025, 12, 31), applicant_type="legal_service", concluded_on=D(2026, 1, 5))
    # Received 2026: not in 2025.
    application(a, D(2026, 1, 2))
    # Another department: only in the consolidated report.
    application(
        tree["dept_b"],
        D(2025, 6, 1),
        applicant_type="research",
        concluded_on=D(2025, 6, 20),
        ground="other_no_fee",
    )

    data = compute.report_data(year=2025, department=a)
    assert data["format"] == "2021"
    assert data["agency"] == {"code": "dept-a", "name": "吉林市住房和城乡建设局", "consolidated": False}
    assert data["title"] == "吉林市住房和城乡建设局2025年政府信息公开工作年度报告"
    assert _t3(data, "new") == 2
    assert _t3(data, "new", "natural_person") == 1
    assert _t3(data, "new", "legal_service") == 1
    assert _t3(data, "carried_over") == 2
    assert _t3(data, "carried_over", "commercial") == 1
    assert _t3(data, "withheld_state_secret") == 1
    assert _t3(data, "partial") == 1
    assert _t3(data, "total") == 2
    assert _t3(data, "carried_forward") == 2
    assert _t3(data, "carried_forward", "commercial") == 1
    assert _t3(data, "carried_forward", "legal_service") == 1
    assert _t3(data, "other_no_fee") == 0
    assert all(check["ok"] for check in data["checks"]), data["checks"]

    consolidated = compute.report_data(year=2025)
    assert consolidated["agency"] == {"code": "city", "name": "吉林市人民政府", "consolidated": True}
    assert consolidated["title"] == "吉林市人民政府2025年政府信息公开工作年度报告"
    assert _t3(consolidated, "new") == 3
    assert _t3(consolidated, "other_no_fee", "research") == 1
    assert _t3(consolidated, "total") == 3


def test_table3_values_mirror_the_header(tree):
    application(tree["dept_a"], D(2025, 2, 1), applicant_type="nonprofit")
    application(tree["dept_a"], D(2025, 2, 1), applicant_type="natural_person")
    row = _row(compute.report_data(year=2025), "table3", "new")
    assert row["label"] == "一、本年新收政府信息公开申请数量"
    assert row["path"] == []
    assert row["cells"] == [1, 0, 0, 1, 0, 0, 2]
    assert row["values"] == {
        "申请人情况": {
            "自然人": 1,
            "法人或其他组织": {"商业企业": 0, "科研机构": 0, "社会公益组织": 1, "法律服务机构": 0, "其他": 0},
            "总计": 2,
        }
    }
    block = _table(compute.report_data(year=2025), "table3")["blocks"][0]
    assert block["columns"][0] == ["申请人情况", "自然人"]
    assert block["columns"][1] == ["申请人情况", "法人或其他组织", "商业企业"]
    assert block["label_columns"] == 3
    assert [r["code"] for r in block["rows"]] == [
        r.code for r in schema.FORMAT_2021.table("table3").blocks[0].rows
    ]
    secret = next(r for r in block["rows"] if r["code"] == "withheld_state_secret")
    assert secret["path"] == ["三、本年度办理结果", "（三）不予公开"]


def test_2019_format_folds_other_grounds(tree):
    a = tree["dept_a"]
    application(a, D(2020, 3, 1), concluded_on=D(2020, 4, 1), ground="other_no_correction")
    application(a, D(2020, 3, 1), concluded_on=D(2020, 4, 1), ground="other_no_fee")
    application(
        a, D(2020, 3, 1), concluded_on=D(2020, 4, 1), ground="other_other", applicant_type="commercial"
    )
    application(a, D(2020, 3, 1), concluded_on=D(2020, 4, 1), ground="disclosed")
    data = compute.report_data(year=2020, department=a)
    assert data["format"] == "2019"
    assert data["basis"] == "国办公开办函〔2019〕60号"
    codes = [r["code"] for r in _table(data, "table3")["blocks"][0]["rows"]]
    assert "other" in codes and "other_no_fee" not in codes
    assert _t3(data, "other") == 3
    assert _t3(data, "other", "commercial") == 1
    assert _t3(data, "total") == 4
    assert data["sections"][4]["title"] == "五、政府信息公开工作存在的主要问题及改进情况"
    assert all(check["ok"] for check in data["checks"])


def test_table4_outcome_as_of_year_end(tree):
    a = tree["dept_a"]
    review_case(a, D(2025, 3, 1), outcome="upheld", concluded_on=D(2025, 6, 1))
    review_case(a, D(2025, 3, 1), outcome="corrected", concluded_on=D(2026, 2, 1))  # pending on 31 Dec
    review_case(a, D(2025, 5, 1), kind="litigation_direct", outcome="other", concluded_on=D(2025, 12, 31))
    review_case(a, D(2025, 5, 1), kind="litigation_after")
    review_case(a, D(2024, 5, 1), kind="litigation_after")  # filed last year
    row = _row(compute.report_data(year=2025, department=a), "table4", "cases")
    assert row["values"]["行政复议"] == {
        "结果维持": 1,
        "结果纠正": 0,
        "其他结果": 0,
        "尚未审结": 1,
        "总计": 2,
    }
    assert row["values"]["行政诉讼"]["未经复议直接起诉"]["其他结果"] == 1
    assert row["values"]["行政诉讼"]["未经复议直接起诉"]["总计"] == 1
    assert row["values"]["行政诉讼"]["复议后起诉"] == {
        "结果维持": 0,
        "结果纠正": 0,
        "其他结果": 0,
        "尚未审结": 1,
        "总计": 1,
    }
    assert len(row["cells"]) == 15


def test_table2_from_documents_and_entered_figures(tree):
    from gongkai.disclosure.annual.models import ProactiveFigure

    a = tree["dept_a"]
    policy_document(a, title="规章一", written_on=D(2023, 5, 1), normative_kind="rules")
    policy_document(a, title="文件一", written_on=D(2024, 5, 1))
    policy_document(a, title="文件二", written_on=D(2025, 5, 1))
    policy_document(
        a, title="文件三", written_on=D(2024, 1, 1), validity="repealed", repealed_on=D(2025, 7, 1)
    )
    policy_document(
        a, title="文件四", written_on=D(2025, 2, 1), validity="expired", repealed_on=D(2025, 9, 1)
    )
    policy_document(a, title="文件五", written_on=D(2025, 3, 1), live=False)  # not published
    policy_document(a, title="普通文件", written_on=D(2025, 3, 1), normative_kind="")
    policy_document(tree["dept_b"], title="他部门文件", written_on=D(2025, 3, 1))
    ProactiveFigure.objects.create(
        year=2025, department=a, block="item5", row="licensing", column="decisions", value=120
    )
    ProactiveFigure.objects.create(
        year=2025,
        department=a,
        block="item8",
        row="fees",
        column="fee_amount",
        value="12.34567",
        source="imported",
    )
    ProactiveFigure.objects.create(
        year=2025, department=tree["dept_b"], block="item5", row="licensing", column="decisions", value=30
    )

    data = compute.report_data(year=2025, department=a)
    normative = _row(data, "table2", "normative")
    assert normative["values"] == {"本年制发件数": 2, "本年废止件数": 2, "现行有效件数": 2}
    assert normative["sources"] == ["computed", "computed", "computed"]
    assert _row(data, "table2", "rules")["cells"] == [0, 0, 1]
    assert _row(data, "table2", "licensing")["cells"] == [120]
    assert _row(data, "table2", "licensing")["sources"] == ["entered"]
    assert _row(data, "table2", "fees")["cells"] == [12.3457]
    assert _row(data, "table2", "fees")["sources"] == ["imported"]
    assert _row(data, "table2", "penalty")["sources"] == [""]
    block = _table(data, "table2")["blocks"][0]
    assert block["title"] == "第二十条第（一）项" and block["corner"] == "信息内容"
    assert block["columns"] == [["本年制发件数"], ["本年废止件数"], ["现行有效件数"]]
    assert all(check["ok"] for check in data["checks"]), data["checks"]

    # An entered figure wins over the computed count.
    ProactiveFigure.objects.create(
        year=2025, department=a, block="item1", row="normative", column="issued", value=5
    )
    normative = _row(compute.report_data(year=2025, department=a), "table2", "normative")
    assert normative["cells"][0] == 5 and normative["sources"][0] == "entered"

    # Consolidated: every department's documents, the departments' figures added up.
    consolidated = compute.report_data(year=2025)
    assert _row(consolidated, "table2", "normative")["cells"] == [3, 2, 3]
    assert _row(consolidated, "table2", "licensing")["cells"] == [150]
    ProactiveFigure.objects.create(
        year=2025, department=None, block="item5", row="licensing", column="decisions", value=99
    )
    assert _row(compute.report_data(year=2025), "table2", "licensing")["cells"] == [99]


def test_sections_default_then_from_the_report(tree):
    from decimal import Decimal

    from gongkai.disclosure.annual.models import AnnualReport
    from gongkai.disclosure.models import FeeMethod, FeeNotice

    app = application(tree["dept_a"], D(2025, 3, 1), concluded_on=D(2025, 4, 1))
    FeeNotice.objects.create(
        application=app,
        method=FeeMethod.PER_PAGE,
        quantity=40,
        amount=Decimal("380.00"),
        issued_on=D(2025, 3, 10),
        pay_by=D(2025, 3, 30),
        paid_on=D(2025, 3, 12),
    )
    data = compute.report_data(year=2025, department=tree["dept_a"])
    assert [s["title"] for s in data["sections"]] == list(schema.FORMAT_2021.section_titles)
    assert data["sections"][5]["text"] == "本年度共对1件申请收取信息处理费380元。"
    assert "新收政府信息公开申请1件" in data["sections"][0]["text"]
    assert (
        compute.report_data(year=2025, department=tree["dept_b"])["sections"][5]["text"]
        == "本年度未收取政府信息公开信息处理费。"
    )

    AnnualReport.objects.create(
        year=2025,
        department=tree["dept_a"],
        format_code="2021",
        overview="总体情况正文",
        problems="问题",
        other_matters="其他",
    )
    data = compute.report_data(year=2025, department=tree["dept_a"])
    assert data["sections"][0] == {"title": "一、总体情况", "text": "总体情况正文"}
    assert data["sections"][4]["text"] == "问题"


def test_tables_json_keys(tree):
    data = compute.report_data(year=2025)
    assert set(compute.tables_json(data)) == {"year", "format", "agency", "tables"}
    assert [t["code"] for t in data["tables"]] == ["table2", "table3", "table4"]
    assert [t["section"] for t in data["tables"]] == [1, 2, 3]
