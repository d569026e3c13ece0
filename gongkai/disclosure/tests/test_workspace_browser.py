"""Browser test of the disclosure workspace: the office logs in with its second factor, opens the
dashboard of clocks, opens an application, picks a reply type (the ground list then offers only the
grounds of that type) and replies; the page then offers the reply letter and the delivery form.
Screenshots go to /tmp/disclosure-shots/workspace-*.png."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

SHOTS = Path("/tmp/disclosure-shots")
AXE = Path(__file__).resolve().parents[3] / "tests" / "browser" / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PASSWORD = "Disclosure-test-2026!"  # noqa: S105 (test account only)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def office(users):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = users["office"]
    user.set_password(PASSWORD)
    user.first_name = "公开办"
    user.save()
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return user, device


def current_code(device) -> str:
    from django_otp.oath import totp

    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


@pytest.fixture
def applications(walk_application, users, clock, tree):
    from gongkai.disclosure import services

    late = walk_application("handling", description="2025年船营区老旧小区改造项目的资金使用情况和验收报告")
    clock.shift(datetime.timedelta(days=35))  # 2026-07-06: the first one is past its 20 working days
    services.refresh_due_dates()
    handling = walk_application(
        "handling", applicant_name="李明", description="吉林市2026年集中供热价格调整的成本监审报告"
    )
    consulting = walk_application("handling", description="某小区拆迁补偿协议的汇总情况")
    services.consultation_start(
        application=consulting, actor=users["clerk_a"], kind="third_party", party_name="吉林某房地产开发公司"
    )
    walk_application("awaiting_fee")
    walk_application("replied")
    walk_application("handling", department=tree["dept_b"], description="2026年义务教育阶段学校划片方案")
    return {"late": late, "handling": handling}


def _axe(page) -> list:
    """axe-core's serious and critical WCAG 2.1 A/AA violations in the workspace's part of the page
    (Wagtail's own chrome is Wagtail's)."""
    if not AXE.exists():
        return []
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run('.dw', {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def _shot(page, name: str) -> None:
    """A screenshot of the whole page: the admin scrolls inside its main area, so the window is made
    as tall as the content first."""
    height = page.evaluate("() => Math.max(document.querySelector('main')?.scrollHeight || 0, 1000)")
    page.set_viewport_size({"width": 1366, "height": min(int(height) + 80, 6000)})
    page.screenshot(path=str(SHOTS / f"workspace-{name}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 1000})


def test_the_office_replies_to_an_application(live_server, browser, office, applications):
    from gongkai.disclosure.models import Reply

    user, device = office
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(locale="zh-CN", viewport={"width": 1366, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # Log in: password, then the authenticator's code (two-factor for staff).
    page.goto(live_server.url + "/admin/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/2fa/verify/**")
    # Signed in once the verify page is left. A loaded CI machine can take a while, and a code
    # read just before its 30-second step ends may be refused: then a fresh one is entered (at
    # most three times), and a failure says what the page showed.
    shown = ""
    for _attempt in range(3):
        page.fill("input[name=token]", current_code(device))
        page.click("button[type=submit]")
        try:
            page.wait_for_url(lambda url: "/2fa/" not in url, timeout=45_000)
            break
        except PlaywrightTimeoutError:
            shown = page.locator("main, body").first.inner_text()[:300]
    else:
        pytest.fail(f"still on the two-factor page after three codes: {shown!r}")

    # The dashboard: counters, the overdue row in red, the per-department table.
    page.goto(live_server.url + "/admin/disclosure/", timeout=90_000)
    page.locator("[data-bucket=overdue] .ws-card__n").wait_for(timeout=90_000)
    assert page.locator("[data-bucket=overdue] .ws-card__n").inner_text() == "1"
    assert page.locator("[data-bucket=consulting] .ws-card__n").inner_text() == "1"
    assert page.locator(".dw-days--overdue").count() >= 1
    assert page.get_by_text("各机关办理情况").count() == 1
    assert not _axe(page), _axe(page)
    _shot(page, "dashboard")

    # The list, filtered by a counter.
    page.click("[data-bucket=overdue]")
    page.wait_for_load_state("networkidle")
    assert page.get_by_text(applications["late"].tracking_number).count() == 1
    _shot(page, "list")

    # The application: masked applicant, the clock panel, the reply form.
    page.goto(live_server.url + f"/admin/disclosure/applications/{applications['handling'].pk}/")
    assert page.locator("[data-dw-personal=name]").inner_text() == "李*"
    assert not _axe(page), _axe(page)
    _shot(page, "application")
    page.locator("#act-reply").evaluate("details => { details.open = true; }")
    page.select_option("#id_reply-reply_type", "not_exist")
    grounds = page.locator("#id_reply-ground option").evaluate_all("options => options.map(o => o.value)")
    assert grounds == ["", "unavailable_not_held", "unavailable_needs_creation"]
    assert page.locator("#id_reply-partial_withheld_ground").is_hidden()
    page.select_option("#id_reply-reply_type", "partial")
    assert page.locator("#id_reply-partial_withheld_ground").is_visible()
    assert page.locator("#id_reply-ground").input_value() == "partial"
    page.select_option("#id_reply-reply_type", "disclosed")
    page.fill("#id_reply-body", "经检索，现将《2026年集中供热价格成本监审报告》提供给您（见附件），请查收。")
    page.locator("#act-reply").screenshot(path=str(SHOTS / "workspace-reply-form.png"))
    page.click("#act-reply button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("已答复").count() >= 1
    assert page.locator("#act-record_delivery").count() == 1
    assert page.locator("a[href$='/letters/reply.pdf']").count() == 1
    _shot(page, "replied")
    reply = Reply.objects.get(application=applications["handling"])
    assert (reply.reply_type, reply.ground, reply.replied_by) == ("disclosed", "disclosed", user)

    # The registration form: the rule of Art. 31 for the chosen channel stands out next to the date.
    page.goto(live_server.url + "/admin/disclosure/applications/new/")
    page.check("input[name=channel][value=post]")
    assert "dw-rule--current" in page.locator("[data-dw-rule=post]").get_attribute("class")
    assert page.locator("#id_received_on").get_attribute("max") == "2026-07-06"
    assert not _axe(page), _axe(page)
    _shot(page, "register")

    # The fee form shows the quote before anything is issued.
    page.goto(live_server.url + f"/admin/disclosure/applications/{applications['late'].pk}/")
    page.locator("#act-issue_fee_notice").evaluate("details => { details.open = true; }")
    page.check("input[name='issue_fee_notice-method'][value=per_page]")
    page.fill("#id_issue_fee_notice-pages", "120")
    page.click("#act-issue_fee_notice button[name=preview]")
    page.wait_for_load_state("networkidle")
    assert "1100" in page.locator(".dw-quote").inner_text()
    page.locator("#act-issue_fee_notice").screenshot(path=str(SHOTS / "workspace-fee-quote.png"))

    # A reconsideration about the replied application, from its page.
    page.goto(live_server.url + f"/admin/disclosure/applications/{applications['handling'].pk}/")
    page.click("text=登记复议诉讼")
    page.wait_for_load_state("networkidle")
    assert page.locator("#id_tracking_number").input_value() == applications["handling"].tracking_number
    page.fill("#id_body", "吉林市人民政府")
    page.fill("#id_case_number", "吉市府复〔2026〕7号")
    page.fill("#id_filed_on", "2026-07-06")
    assert not _axe(page), _axe(page)
    _shot(page, "case-form")
    page.click(".dw form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("吉市府复〔2026〕7号").count() >= 1
    _shot(page, "cases")
    assert not errors, errors
