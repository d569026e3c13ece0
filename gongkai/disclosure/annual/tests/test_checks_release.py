"""Creating, editing, entering figures and releasing a report; release refused while a check fails."""

from __future__ import annotations

import datetime
import importlib.util

import pytest
from django.core.exceptions import ValidationError

from gongkai.api.errors import PermissionDenied
from gongkai.core.audit.models import AuditEvent
from gongkai.disclosure.annual import services
from gongkai.disclosure.annual.models import ProactiveFigure
from gongkai.disclosure.annual.tests.factories import application

D = datetime.date
HAS_RENDER = importlib.util.find_spec("gongkai.disclosure.annual.render") is not None


@pytest.fixture
def report(clock, tree, users):
    application(tree["dept_a"], D(2025, 3, 1), concluded_on=D(2025, 4, 1))
    return services.report_create(year=2025, department=tree["dept_a"], actor=users["clerk_a"])


def test_create_prefills_and_refuses_duplicates_and_bad_years(report, tree, users):
    assert report.format_code == "2021" and report.status == "draft"
    assert report.other_matters == "本年度未收取政府信息公开信息处理费。"
    assert "新收政府信息公开申请1件" in report.overview
    assert AuditEvent.objects.filter(action="annual_report.created").count() == 1
    with pytest.raises(ValidationError, match="已经存在"):
        services.report_create(year=2025, department=tree["dept_a"], actor=users["office"])
    with pytest.raises(ValidationError, match="2019"):
        services.report_create(year=2018, department=tree["dept_a"], actor=users["office"])
    with pytest.raises(ValidationError, match="尚未开始"):
        services.report_create(year=2027, department=tree["dept_a"], actor=users["office"])
    # The 2019 format for 2020.
    assert (
        services.report_create(year=2020, department=tree["dept_a"], actor=users["office"]).format_code
        == "2019"
    )


def test_department_isolation(report, tree, users):
    with pytest.raises(PermissionDenied):
        services.report_create(year=2025, department=tree["dept_b"], actor=users["clerk_a"])
    with pytest.raises(PermissionDenied):
        services.report_create(year=2025, department=None, actor=users["clerk_a"])
    with pytest.raises(PermissionDenied):
        services.report_update_sections(report=report, actor=users["clerk_b"], sections={"problems": "x"})
    with pytest.raises(PermissionDenied):
        services.report_update_sections(report=report, actor=users["handler_a"], sections={"problems": "x"})
    consolidated = services.report_create(year=2025, department=None, actor=users["office"])
    assert consolidated.department is None


def test_update_sections(report, users):
    report = services.report_update_sections(
        report=report,
        actor=users["clerk_a"],
        sections={"problems": "  存在的问题。\r\n改进。 ", "overview": None},
    )
    assert report.problems == "存在的问题。\n改进。"
    assert "新收" in report.overview
    with pytest.raises(ValidationError):
        services.report_update_sections(report=report, actor=users["clerk_a"], sections={"title": "x"})
    with pytest.raises(ValidationError):
        services.report_update_sections(
            report=report, actor=users["clerk_a"], sections={"problems": "字" * 50_001}
        )


def test_release_refused_while_a_check_fails(report, tree, users):
    # Concluded in 2025 but received in 2026: 一+二 ≠ 三（七）+四 in the 自然人 and 总计 columns.
    application(tree["dept_a"], D(2026, 1, 2), concluded_on=D(2025, 12, 30))
    with pytest.raises(services.ChecksFailed) as caught:
        services.report_release(report=report, actor=users["office"])
    error = caught.value
    assert error.status == 409 and error.code == "checks_failed"
    assert "表三“自然人”列：一+二=1，三（七）+四=2，不相等" in str(error.message)
    assert {(c["table"], c["column"]) for c in error.details["checks"]} == {
        ("table3", "自然人"),
        ("table3", "总计"),
    }
    report.refresh_from_db()
    assert report.status == "draft" and report.snapshot is None and not report.docx


def test_release_freezes_and_withdraw(report, tree, users):
    with pytest.raises(PermissionDenied):  # clerks prepare, the disclosure office releases
        services.report_release(report=report, actor=users["clerk_a"])
    released = services.report_release(report=report, actor=users["office"])
    assert released.status == "released" and released.released_by == users["office"]
    assert released.snapshot["title"] == "吉林市住房和城乡建设局2025年政府信息公开工作年度报告"
    if HAS_RENDER:
        assert released.docx.name.endswith(".docx") and released.pdf.name.endswith(".pdf")
        assert released.pdf.read(4) == b"%PDF"
    # Frozen: later applications do not change the released data.
    application(tree["dept_a"], D(2025, 5, 1))
    from gongkai.disclosure.annual import selectors

    assert selectors.report_data(released)["tables"] == released.snapshot["tables"]
    with pytest.raises(services.ReportReleased):
        services.report_release(report=released, actor=users["office"])
    with pytest.raises(services.ReportReleased):
        services.report_update_sections(report=released, actor=users["clerk_a"], sections={"problems": "x"})
    with pytest.raises(services.ReportReleased):
        services.figures_save(
            year=2025,
            department=tree["dept_a"],
            figures=[{"block": "item5", "row": "licensing", "column": "decisions", "value": 1}],
            actor=users["clerk_a"],
        )
    with pytest.raises(ValidationError):
        services.report_withdraw(report=released, actor=users["office"], reason=" ")
    withdrawn = services.report_withdraw(report=released, actor=users["office"], reason="表二数据有误")
    assert withdrawn.status == "draft" and withdrawn.snapshot is None and not withdrawn.docx
    assert AuditEvent.objects.filter(action="annual_report.withdrawn", note="表二数据有误").exists()


def test_figures_save_validates_and_removes(clock, tree, users):
    a = tree["dept_a"]
    saved = services.figures_save(
        year=2025,
        department=a,
        figures=[
            {"block": "item5", "row": "licensing", "column": "decisions", "value": "1,200"},
            {"block": "item8", "row": "fees", "column": "fee_amount", "value": 3.25},
        ],
        actor=users["clerk_a"],
    )
    assert len(saved) == 2
    assert ProactiveFigure.objects.get(row="licensing").value == 1200
    bad = [
        {"block": "item5", "row": "licensing", "column": "decisions", "value": -1},
        {"block": "item6", "row": "penalty", "column": "decisions", "value": "2.5"},
        {"block": "item9", "row": "procurement", "column": "procurement_count", "value": 1},  # 2019 only
        {"block": "item8", "row": "fees", "column": "fee_amount", "value": "abc"},
    ]
    with pytest.raises(ValidationError) as caught:
        services.figures_save(year=2025, department=a, figures=bad, actor=users["clerk_a"])
    messages = caught.value.message_dict
    assert messages["1"] == ["表二第二十条第（五）项“行政许可”行“本年处理决定数量”列：不能为负数。"]
    assert messages["2"] == ["表二第二十条第（六）项“行政处罚”行“本年处理决定数量”列：件数须为整数。"]
    assert "没有这一格" in messages["3"][0]
    assert "不是有效的数字" in messages["4"][0]
    assert ProactiveFigure.objects.get(row="licensing").value == 1200  # nothing changed
    services.figures_save(
        year=2025,
        department=a,
        figures=[{"block": "item5", "row": "licensing", "column": "decisions", "value": None}],
        actor=users["clerk_a"],
    )
    assert not ProactiveFigure.objects.filter(row="licensing").exists()
    with pytest.raises(PermissionDenied):
        services.figures_save(
            year=2025,
            department=tree["dept_b"],
            figures=[{"block": "item5", "row": "licensing", "column": "decisions", "value": 1}],
            actor=users["clerk_a"],
        )


def test_figures_import_csv(clock, tree, users):
    text = (
        "\ufeff机关代码,项目,信息内容,列,数值\n"
        "dept-a,第二十条第（五）项,行政许可,本年处理决定数量,120\n"
        ",第二十条第（八）项,行政事业性收费,,12.5\n"
        "dept-b,item6,penalty,decisions,7\n"
    )
    result = services.figures_import_csv(
        year=2025, text=text, department=tree["dept_a"], actor=users["office"]
    )
    assert result == {"figures": 3, "departments": 2}
    fee = ProactiveFigure.objects.get(department=tree["dept_a"], row="fees")
    assert fee.value == 12.5 and fee.source == "imported"
    assert ProactiveFigure.objects.get(department=tree["dept_b"], row="penalty").value == 7

    bad = "机关代码,项目,信息内容,列,数值\nnope,item5,licensing,decisions,1\ndept-a,第二十条第（五）项,行政处罚,,1\n"
    with pytest.raises(ValidationError) as caught:
        services.figures_import_csv(year=2025, text=bad, actor=users["office"])
    assert caught.value.message_dict == {
        "第2行": ["没有代码为“nope”的机构。"],
        "第3行": ["第二十条第（五）项没有“行政处罚”这一行。"],
    }
    with pytest.raises(ValidationError) as caught:
        services.figures_import_csv(
            year=2025,
            text="项目,信息内容,数值\nitem5,licensing,-4\n",
            department=tree["dept_a"],
            actor=users["office"],
        )
    assert caught.value.message_dict == {
        "第2行": ["表二第二十条第（五）项“行政许可”行“本年处理决定数量”列：不能为负数。"]
    }
    with pytest.raises(ValidationError, match="表头"):
        services.figures_import_csv(year=2025, text="a,b\n1,2\n", actor=users["office"])
    # A clerk imports only for their own department.
    with pytest.raises(PermissionDenied):
        services.figures_import_csv(year=2025, text=text, department=tree["dept_a"], actor=users["clerk_a"])


def test_policy_document_needs_repeal_date(db):
    from gongkai.publishing.models import PolicyDocumentPage

    page = PolicyDocumentPage(
        title="x", written_on=D(2024, 1, 1), validity="repealed", normative_kind="normative"
    )
    errors: dict = {}
    page.clean_document(errors)
    assert [e.code for e in errors["repealed_on"]] == ["repealed_on_required"]
    page.repealed_on = D(2023, 12, 1)
    errors = {}
    page.clean_document(errors)
    assert [e.code for e in errors["repealed_on"]] == ["repealed_before_written"]
    page.repealed_on = D(2024, 6, 1)
    errors = {}
    page.clean_document(errors)
    assert "repealed_on" not in errors
    page.validity = "valid"
    page.clean_document({})
    assert page.repealed_on is None
