"""Browser test of the annual report's pages: the office finds a failing check on a department's
draft, corrects the Table 2 figure with the live preview, releases the report, and a citizen reads
and downloads it on the portal. Screenshots go to /tmp/disclosure-shots/annual-*.png (and a page of
the released PDF, when ``pdftoppm`` is installed)."""

from __future__ import annotations

import datetime
import shutil
import subprocess
from pathlib import Path

import pytest

SHOTS = Path("/tmp/disclosure-shots")
AXE = Path(__file__).resolve().parents[4] / "tests" / "browser" / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PASSWORD = "Annual-report-2026!"  # noqa: S105 (test account only)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def year_of_work():
    """A department with a year of applications and a draft report whose 现行有效件数 is wrong."""
    from gongkai.accounts.models import DepartmentKind
    from gongkai.accounts.services import department_upsert, staff_user_upsert
    from gongkai.disclosure.annual import services
    from gongkai.disclosure.annual.models import ProactiveFigure
    from gongkai.disclosure.annual.tests import factories
    from gongkai.opinion.reports.fonts import find_cjk_font

    if find_cjk_font() is None:
        pytest.skip("no Chinese font installed (fonts-noto-cjk): a release stores a PDF")
    city, _ = department_upsert(code="city", name="吉林市人民政府", kind=DepartmentKind.GOVERNMENT)
    office_dept, _ = department_upsert(
        code="gov-office", name="吉林市人民政府办公室", parent=city, kind=DepartmentKind.GOVERNMENT_OFFICE
    )
    housing, _ = department_upsert(
        code="dept-a", name="吉林市住房和城乡建设局", short_name="市住建局", parent=city
    )
    office, _ = staff_user_upsert(
        username="gkb", password=PASSWORD, department=office_dept, roles=["disclosure_office"]
    )
    grounds = [
        "disclosed",
        "partial",
        "withheld_third_party",
        "unavailable_not_held",
        "not_processed_duplicate",
    ]
    for index in range(14):
        received = datetime.date(2025, 1 + index % 11, 3 + index)
        concluded = received + datetime.timedelta(days=12) if index < 11 else None
        factories.application(
            housing,
            received,
            applicant_type="natural_person" if index % 3 else "commercial",
            concluded_on=concluded,
            ground=grounds[index % len(grounds)] if concluded else "",
        )
    report = services.report_create(year=2025, department=housing, actor=office)
    ProactiveFigure.objects.create(
        year=2025, department=housing, block="item1", row="rules", column="in_force", value=2
    )
    services.figures_save(
        year=2025,
        department=housing,
        actor=office,
        figures=[
            {"block": "item5", "row": "licensing", "column": "decisions", "value": "326"},
            {"block": "item6", "row": "penalty", "column": "decisions", "value": "41"},
            {"block": "item8", "row": "fees", "column": "fee_amount", "value": "12.5"},
        ],
    )
    return report


def _axe(page) -> list:
    """axe-core's serious and critical WCAG 2.1 A/AA violations on the page (vendored axe)."""
    if not AXE.exists():
        return []
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def _shot(page, name, height=None):
    """A screenshot; the admin scrolls inside its main area, so its pages get a taller window."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    if height:
        size = page.viewport_size
        page.set_viewport_size({"width": size["width"], "height": height})
    page.screenshot(path=str(SHOTS / f"annual-{name}.png"), full_page=True)
    if height:
        page.set_viewport_size(size)


def test_office_corrects_releases_and_the_portal_publishes(live_server, browser, year_of_work):
    from gongkai.disclosure.annual.models import AnnualReport

    report = year_of_work
    page = browser.new_page(locale="zh-CN", viewport={"width": 1366, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(live_server.url + "/admin/login/")
    page.fill("input[name=username]", "gkb")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")

    # The list: the draft fails its checks.
    page.goto(live_server.url + "/admin/disclosure-annual-reports/")
    assert page.locator(".ar-check--failed").count() == 1
    _shot(page, "admin-list")

    # The report: the failing cell is marked in Table 2 and the message listed; release is refused.
    page.goto(live_server.url + f"/admin/disclosure-annual-reports/{report.pk}/")
    failed = page.locator("td.ar-failed")
    assert failed.count() == 1 and failed.get_attribute("data-column") == "in_force"
    assert "现行有效件数" in page.locator(".ar-failures").inner_text()
    header = page.locator("table.ar-table3 thead th").first
    assert header.get_attribute("rowspan") == "3" and header.get_attribute("colspan") == "3"
    page.click("form[action$='/release/'] button")
    page.wait_for_load_state("networkidle")
    assert "一致性校验未通过" in page.content()
    _shot(page, "admin-detail", height=3000)

    # Table 2's figures: clearing the wrong figure updates the live preview before saving.
    page.goto(live_server.url + f"/admin/disclosure-annual-reports/{report.pk}/figures/")
    assert page.locator("#ar-live-table td.ar-failed").count() == 1
    page.fill("#id_fig__item1__rules__in_force", "")
    page.locator("#ar-live-table td.ar-failed").wait_for(state="detached")
    assert page.locator("#ar-live-checks .ar-check--ok").count() == 1
    _shot(page, "admin-figures", height=1700)
    page.click("#ar-figures-form button[type=submit]:not([name])")
    page.wait_for_load_state("networkidle")

    # Release.
    page.goto(live_server.url + f"/admin/disclosure-annual-reports/{report.pk}/")
    page.click("form[action$='/release/'] button")
    page.wait_for_load_state("networkidle")
    assert "年度报告已发布" in page.content()
    report = AnnualReport.objects.get(pk=report.pk)
    assert report.is_released and report.pdf and report.docx

    # The portal, as a citizen.
    citizen = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    citizen.on("pageerror", lambda exc: errors.append(str(exc)))
    citizen.goto(live_server.url + "/disclosure/annual-reports/")
    link = citizen.get_by_role(
        "link", name="吉林市住房和城乡建设局2025年政府信息公开工作年度报告", exact=True
    )
    assert link.count() == 1
    assert not _axe(citizen), _axe(citizen)
    _shot(citizen, "portal-index")
    link.click()
    citizen.wait_for_load_state("networkidle")
    assert citizen.locator("h1").inner_text() == "吉林市住房和城乡建设局2025年政府信息公开工作年度报告"
    assert citizen.locator("table.ar-table3 th[rowspan='22']").inner_text() == "三、本年度办理结果"
    assert citizen.locator("td.ar-failed").count() == 0
    assert not _axe(citizen), _axe(citizen)
    _shot(citizen, "portal-report")
    with citizen.expect_download() as download_info:
        citizen.click("a.button-link[href$='report.pdf']")
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    pdf_path = SHOTS / "annual-report.pdf"
    download.save_as(str(pdf_path))
    assert pdf_path.read_bytes().startswith(b"%PDF")
    assert not errors, errors

    # What the PDF looks like (page 2 holds Table 3), when poppler is installed.
    if shutil.which("pdftoppm"):
        subprocess.run(  # noqa: S603
            ["pdftoppm", "-r", "80", "-png", str(pdf_path), str(SHOTS / "annual-pdf")], check=True, timeout=60
        )
