"""Browser test of the citizen's hotline pages: file an appeal, read the tracking number and the
query code off the confirmation page, and look the appeal up with them. Screenshots go to
test-results/hotline-*.png for a person to look at (desktop and a phone-sized screen).

If ``GONGKAI_AXE_JS`` points at axe-core's ``axe.min.js`` (``npm pack axe-core``), each page is
also checked with axe and serious or critical violations fail the test.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

SHOTS = Path(__file__).resolve().parents[2] / "test-results"
AXE = os.environ.get("GONGKAI_AXE_JS", "")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def places(db):
    from gongkai.accounts.models import DepartmentKind
    from gongkai.accounts.services import department_upsert

    city, _ = department_upsert(code="city", name="吉林市人民政府", kind=DepartmentKind.GOVERNMENT)
    district, _ = department_upsert(
        code="changyi", name="昌邑区人民政府", short_name="昌邑区", parent=city, kind=DepartmentKind.DISTRICT
    )
    street, _ = department_upsert(
        code="yanan",
        name="延安街道办事处",
        short_name="延安街道",
        parent=district,
        kind=DepartmentKind.STREET,
    )
    return {"district": district, "street": street}


def check_axe(page, name: str) -> None:
    if not AXE:
        return
    page.add_script_tag(path=AXE)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    (SHOTS / f"hotline-axe-{name}.json").write_text(
        json.dumps(result["violations"], ensure_ascii=False, indent=1)
    )
    assert not bad, [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in bad]


def test_file_an_appeal_and_look_it_up(live_server, browser, places, django_user_model):
    from django.core.cache import cache

    cache.clear()
    SHOTS.mkdir(exist_ok=True)
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})

    # A first try with a wrong phone number: the error is next to the field and at the top.
    page.goto(live_server.url + "/hotline/new/")
    assert page.get_by_role("heading", level=1).inner_text() == "我要反映"
    check_axe(page, "form")
    page.get_by_label(re.compile(r"^姓名")).fill("王秀兰")
    page.get_by_label("手机号码").fill("1381234")
    page.get_by_label("求助").check()
    page.get_by_label("反映内容").fill("我家楼道的灯坏了一个月，晚上上下楼很危险，请帮忙修一下。")
    page.get_by_label("所在区县、街道（可不选）").select_option(label="延安街道")
    page.get_by_label("具体地点（可不填）").fill("延安街道幸福小区3号楼")
    page.get_by_label("我已阅读上面的个人信息保护说明").check()
    page.get_by_role("button", name="提交诉求").click()
    page.wait_for_load_state("networkidle")
    summary = page.locator("#error-summary")
    assert "请填写正确的11位手机号码" in summary.inner_text()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    page.screenshot(path=str(SHOTS / "hotline-form-error.png"), full_page=True)
    check_axe(page, "form-error")

    # Fix it and submit: the text typed before is still there.
    assert "楼道的灯" in page.get_by_label("反映内容").input_value()
    page.get_by_label("手机号码").fill("13812345678")
    page.get_by_role("button", name="提交诉求").click()
    page.wait_for_load_state("networkidle")
    assert "/hotline/filed/" in page.url
    tracking_number = page.locator("#tracking-number").inner_text().strip()
    query_code = page.locator("#query-code").inner_text().strip()
    assert tracking_number.isdigit() and len(query_code) == 6
    assert query_code not in page.url
    assert page.get_by_text("请记下受理编号和查询码").is_visible()
    page.screenshot(path=str(SHOTS / "hotline-filed.png"), full_page=True)
    check_axe(page, "filed")

    # Look it up on a phone-sized screen in a fresh browser context (no session).
    phone = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844}, device_scale_factor=2)
    phone.goto(live_server.url + "/hotline/track/")
    phone.get_by_label("受理编号").fill(tracking_number)
    phone.get_by_label("查询码").fill("000000" if query_code != "000000" else "111111")
    phone.get_by_role("button", name="查询").click()
    phone.wait_for_load_state("networkidle")
    assert "没有找到" in phone.locator("#error-summary").inner_text()
    phone.screenshot(path=str(SHOTS / "hotline-track-not-found.png"), full_page=True)
    phone.get_by_label("查询码").fill(query_code)
    phone.get_by_role("button", name="查询").click()
    phone.wait_for_load_state("networkidle")
    assert phone.url.endswith("/hotline/track/result/")
    body = phone.locator("main").inner_text()
    assert tracking_number in body
    assert "您的诉求已受理。" in body
    assert "13812345678" not in body
    phone.screenshot(path=str(SHOTS / "hotline-track-result.png"), full_page=True)
    check_axe(phone, "track-result")

    # Staff answer it (through the core services); the citizen reads the reply and rates it.
    from gongkai.hotline import services
    from gongkai.hotline.models import WorkOrder

    boss = django_user_model.objects.create_superuser("boss", "boss@example.com", "Boss-test-2026!")
    order = WorkOrder.objects.get(tracking_number=tracking_number)
    services.work_order_dispatch(work_order=order, actor=boss, department=places["district"])
    services.work_order_accept(work_order=order, actor=boss)
    services.work_order_reply(
        work_order=order, actor=boss, reply_text="已安排电工于次日更换楼道灯，如仍有问题请联系13912345678。"
    )
    services.work_order_approve_reply(work_order=order, actor=boss)
    phone.reload()
    assert "已安排电工" in phone.locator("main").inner_text()
    assert "13912345678" not in phone.locator("main").inner_text()
    phone.get_by_label("不满意", exact=True).check()
    phone.get_by_label("您的意见（可不填）").fill("灯换了还是不亮。")
    phone.get_by_label("问题没有解决，申请重新办理").check()
    phone.locator(".hl-rate").screenshot(path=str(SHOTS / "hotline-rate.png"))
    phone.get_by_role("button", name="提交评价").click()
    phone.wait_for_load_state("networkidle")
    assert "谢谢您的评价" in phone.locator("main").inner_text()
    assert phone.locator(".hl-rate").count() == 0
    phone.screenshot(path=str(SHOTS / "hotline-rated.png"), full_page=True)
    check_axe(phone, "rated")

    # The mailbox form and the letters pages render on a phone too.
    phone.goto(live_server.url + "/hotline/mailbox/")
    phone.screenshot(path=str(SHOTS / "hotline-mailbox-phone.png"), full_page=True)
    check_axe(phone, "mailbox")
    phone.goto(live_server.url + "/hotline/letters/statistics/")
    check_axe(phone, "stats")
    phone.screenshot(path=str(SHOTS / "hotline-stats-phone.png"), full_page=True)

    # Keyboard only: Tab from the skip link reaches the first field of the form.
    page.goto(live_server.url + "/hotline/new/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    for _ in range(8):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "caller_name":
            break
    assert page.evaluate("document.activeElement.name") == "caller_name"
