"""The citizen's disclosure pages in Chromium: apply as a natural person (after a refused first try)
and as an organisation (incomplete, so it ends in a correction), look both up, correct the one,
download the other's reply letter, use the guide's calculator; axe-core (vendored, WCAG 2.1 A/AA)
finds no serious or critical violation on any of these pages.

Screenshots go to /tmp/disclosure-shots/ for a person to look at (desktop, phone, large type).
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

SHOTS = Path("/tmp/disclosure-shots")
AXE = Path(__file__).resolve().parents[3] / "tests" / "browser" / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RESIDENT_ID = "220202198001010018"

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def check_axe(page, name: str) -> None:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    bad = [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]
    assert not bad, (name, [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in bad])


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def frozen(settings):
    """A known Monday in a year the seeded calendar knows; the clock ticks on from there. The
    browser lives in real time, so the session and CSRF cookies are made to outlive the jump."""
    settings.SESSION_COOKIE_AGE = 20 * 365 * 24 * 3600
    settings.CSRF_COOKIE_AGE = 20 * 365 * 24 * 3600
    with time_machine.travel(
        datetime.datetime(2026, 6, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True
    ):
        yield


@pytest.fixture
def agencies(tree):
    tree["dept_a"].address = "吉林市船营区解放中路100号"
    tree["dept_a"].phone = "0432-62000001"
    tree["dept_a"].save()
    return tree


def test_apply_as_a_person_and_as_an_organisation_then_look_up(live_server, browser, agencies, frozen):
    from django.core.cache import cache

    from gongkai.disclosure.models import Application, Status

    cache.clear()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})

    # The entry page: three big entries.
    page.goto(live_server.url + "/disclosure/")
    assert page.get_by_role("heading", level=1).inner_text() == "依申请公开政府信息"
    for name in ("我要申请", "查询申请", "申请指南"):
        assert page.get_by_role("link", name=re.compile(name)).first.is_visible()
    shot(page, "01-home")
    check_axe(page, "home")

    # --- A natural person; the first try has a wrong phone number -------------------------------
    page.get_by_role("link", name=re.compile("^我要申请")).first.click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/disclosure/apply/")
    # Before a kind is chosen, neither kind's fields are shown (JavaScript hides them).
    assert not page.get_by_label(re.compile("^姓名")).is_visible()
    shot(page, "02-apply-empty")
    check_axe(page, "apply")
    page.get_by_label("输入机关名称中的字，缩小下面的选择范围").fill("住建")
    page.get_by_label(re.compile("^向哪个机关申请")).select_option(label="吉林市住房和城乡建设局")
    page.get_by_label("自然人（个人）").check()
    assert page.get_by_label(re.compile("^姓名")).is_visible()
    assert not page.get_by_label(re.compile("^单位名称")).is_visible()
    page.get_by_label(re.compile("^姓名")).fill("王秀兰")
    page.get_by_label("证件号码").fill(RESIDENT_ID)
    page.get_by_label("联系电话").fill("1381234")
    page.get_by_label("通信地址").fill("吉林市船营区北京路1号3单元")
    page.get_by_label("您要申请公开的政府信息").fill("2025年船营区老旧小区改造项目的资金使用情况")
    page.get_by_label("电子文档").check()
    page.get_by_label("电子邮件").check()
    page.get_by_label(re.compile("^我保证以上填写的内容真实")).check()
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_load_state("networkidle")
    summary = page.locator("#error-summary")
    assert "号码格式不正确" in summary.inner_text()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert Application.objects.count() == 0
    shot(page, "03-apply-error")
    check_axe(page, "apply-error")

    assert "老旧小区" in page.get_by_label("您要申请公开的政府信息").input_value()
    page.get_by_label("联系电话").fill("13812345678")
    page.get_by_label("电子邮箱").fill("wang@example.org")
    page.get_by_label(re.compile("^我保证以上填写的内容真实")).check()
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_load_state("networkidle")
    assert "/disclosure/submitted/" in page.url
    person_number = page.locator("#tracking-number").inner_text().strip()
    person_code = page.locator("#query-code").inner_text().strip()
    assert re.fullmatch(r"YSQ2026-\d{6}", person_number) and re.fullmatch(r"\d{6}", person_code)
    assert person_code not in page.url
    assert "查询码只显示这一次" in page.locator("main").inner_text()
    assert page.locator("#received-on").inner_text() == "2026年6月1日"
    shot(page, "04-receipt-person")
    check_axe(page, "receipt")

    # --- An organisation on a phone, without form and channel: registered, correction asked ------
    phone = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844}, device_scale_factor=2)
    phone.goto(live_server.url + "/disclosure/apply/")
    phone.get_by_label(re.compile("^向哪个机关申请")).select_option(label="吉林市教育局")
    phone.get_by_label("法人或其他组织").check()
    assert not phone.get_by_label(re.compile("^姓名")).is_visible()
    phone.get_by_label("法律服务机构").check()
    phone.get_by_label(re.compile("^单位名称")).fill("吉林某某律师事务所")
    phone.get_by_label("法定代表人或负责人").fill("赵大成")
    phone.get_by_label("联系人").fill("钱小梅")
    phone.get_by_label("联系电话").fill("0432-62012345")
    phone.get_by_label("您要申请公开的政府信息").fill("2025年全市中小学校舍安全检查报告")
    phone.get_by_label(re.compile("^我保证以上填写的内容真实")).check()
    shot(phone, "05-apply-organisation-phone")
    phone.get_by_role("button", name="提交申请").click()
    phone.wait_for_load_state("networkidle")
    org_number = phone.locator("#tracking-number").inner_text().strip()
    org_code = phone.locator("#query-code").inner_text().strip()
    missing = phone.locator("#missing-items").inner_text()
    assert "统一社会信用代码" in missing and "载体形式" in missing and "获取信息的方式" in missing
    shot(phone, "06-receipt-organisation-correction")
    check_axe(phone, "receipt-correction")
    organisation = Application.objects.get(tracking_number=org_number)
    assert organisation.status == Status.CORRECTION
    assert organisation.applicant_type == "legal_service"

    # --- Look it up (wrong code first) and send the correction ----------------------------------
    phone.goto(live_server.url + "/disclosure/track/")
    phone.get_by_label("申请编号").fill(org_number)
    phone.get_by_label("查询码").fill("000000" if org_code != "000000" else "111111")
    phone.get_by_role("button", name="查询").click()
    phone.wait_for_load_state("networkidle")
    assert "没有找到" in phone.locator("#error-summary").inner_text()
    shot(phone, "07-track-not-found")
    check_axe(phone, "track-not-found")
    phone.get_by_label("查询码").fill(org_code)
    phone.get_by_role("button", name="查询").click()
    phone.wait_for_load_state("networkidle")
    assert phone.url.endswith("/disclosure/track/status/")
    assert phone.locator("#status-label").inner_text() == "等待您补正"
    shot(phone, "08-status-correction")
    check_axe(phone, "status-correction")
    from gongkai.accounts.credit_code import credit_code_build

    code = credit_code_build(authority="3", kind="1", division="220200", organization_body="87654321")
    phone.get_by_label("统一社会信用代码").fill(code)
    phone.get_by_label("纸质").check()
    phone.get_by_label("邮寄").check()
    phone.get_by_role("button", name="提交补正").click()
    phone.wait_for_load_state("networkidle")
    assert "补正已收到" in phone.locator("main").inner_text()
    organisation.refresh_from_db()
    assert organisation.status != Status.CORRECTION
    assert organisation.id_number == code
    due = organisation.reply_due_on
    assert phone.locator("#reply-due").inner_text() == f"{due.year}年{due.month}月{due.day}日"
    shot(phone, "09-status-corrected")
    check_axe(phone, "status-corrected")

    # --- Staff reply to the person; the person reads it and downloads the letter ----------------
    from gongkai.accounts.services import staff_user_upsert
    from gongkai.disclosure import letters, services

    clerk, _ = staff_user_upsert(
        username="clerk-a", password=None, department=agencies["dept_a"], roles=["disclosure_clerk"]
    )
    person = Application.objects.get(tracking_number=person_number)
    services.application_accept(application=person, actor=clerk)
    services.application_reply(
        application=person,
        actor=clerk,
        reply_type="disclosed",
        ground="disclosed",
        body="经查，现将所申请的资金使用情况表提供给您（见附件）。",
    )
    letters.reply_letter_attach(reply=Application.objects.get(pk=person.pk).reply)
    page.goto(live_server.url + "/disclosure/track/")
    page.get_by_label("申请编号").fill(person_number)
    page.get_by_label("查询码").fill(person_code)
    page.get_by_role("button", name="查询").click()
    page.wait_for_load_state("networkidle")
    body = page.locator("main").inner_text()
    assert "已答复" in body and "予以公开" in body
    assert "13812345678" not in body and RESIDENT_ID not in body and "王秀兰" not in body
    shot(page, "10-status-replied")
    check_axe(page, "status-replied")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("下载 Word.*答复书")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".docx")
    assert person_number in download.suggested_filename

    # --- The guide's calculator, in large type ---------------------------------------------------
    page.goto(live_server.url + "/disclosure/guide/")
    page.get_by_role("button", name="大字模式").click()
    page.get_by_label(re.compile("^收到申请的日期")).fill("2026-09-30")
    page.get_by_role("button", name="计算").click()
    page.wait_for_load_state("networkidle")
    from gongkai.core.workcalendar.selectors import add_working_days

    reply_by = add_working_days(start=datetime.date(2026, 9, 30), days=20)
    assert page.locator("#reply-by").inner_text() == f"{reply_by.year}年{reply_by.month}月{reply_by.day}日"
    assert page.evaluate("document.documentElement.classList.contains('large-type')")
    page.locator("#calculator").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "11-guide-calculator-large.png"))
    shot(page, "12-guide-full")
    check_axe(page, "guide")

    # Large type on the form, and keyboard: the skip link leads to the content.
    page.goto(live_server.url + "/disclosure/apply/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "跳到正文"
    shot(page, "13-apply-large-type")
