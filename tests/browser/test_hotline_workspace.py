"""Browser test of the hotline workspace: a dispatcher dispatches from the 待派单 queue, then the
department's handler signs for the order. Screenshots go to test-results/workspace-*.png."""

from __future__ import annotations

from pathlib import Path

import pytest

SHOTS = Path(__file__).resolve().parents[2] / "test-results"
PASSWORD = "Workspace-test-2026!"  # noqa: S105 (test accounts only)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def hotline():
    from gongkai.accounts.models import DepartmentKind
    from gongkai.accounts.services import department_upsert, staff_user_upsert
    from gongkai.hotline import services

    city, _ = department_upsert(code="city", name="吉林市人民政府", kind=DepartmentKind.GOVERNMENT)
    rexian, _ = department_upsert(
        code="rexian", name="12345热线", parent=city, kind=DepartmentKind.GOVERNMENT_OFFICE
    )
    zhujian, _ = department_upsert(
        code="zhujian", name="吉林市住房和城乡建设局", short_name="市住建局", parent=city
    )
    department_upsert(code="jiaoyu", name="吉林市教育局", short_name="市教育局", parent=city)
    users = {}
    for username, department, role in [
        ("dispatcher", rexian, "dispatcher"),
        ("operator", rexian, "operator"),
        ("handler", zhujian, "handler"),
    ]:
        users[username], _ = staff_user_upsert(
            username=username, password=PASSWORD, department=department, roles=[role]
        )
    order, _code = services.work_order_create(
        channel="phone",
        content="船营区某小区供暖不热，室温只有十二度，老人孩子受不了。",
        order_type="complaint",
        urgency="urgent",
        caller_name="王五",
        caller_phone="13912345678",
    )
    services.work_order_create(
        channel="web", content="建议在江边增设健身器材。", order_type="suggestion", caller_phone="13700000001"
    )
    return {"order": order, "department": zhujian, **users}


def _login(browser, live_server, username):
    page = browser.new_page(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page.goto(live_server.url + "/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/admin/login" not in page.url
    return page


def test_dispatch_then_sign_for(live_server, browser, hotline):
    from gongkai.hotline.models import Status, WorkOrder

    SHOTS.mkdir(exist_ok=True)
    order = hotline["order"]

    # The dispatcher's dashboard shows the queues with counts; 待派单 leads to the queue.
    page = _login(browser, live_server, "dispatcher")
    page.screenshot(path=str(SHOTS / "workspace-dashboard.png"), full_page=True)
    page.get_by_role("link", name="待派单").first.click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", level=1).inner_text().strip() == "待派单"
    page.screenshot(path=str(SHOTS / "workspace-queue-to-dispatch.png"), full_page=True)

    # Open the urgent order and dispatch it with the form that is open by default.
    page.get_by_role("link", name=order.tracking_number).click()
    page.wait_for_load_state("networkidle")
    page.select_option("#id_dispatch-department", str(hotline["department"].pk))
    page.fill("#id_dispatch-note", "紧急，请今天联系群众。")
    page.screenshot(path=str(SHOTS / "workspace-order-dispatch.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name="派单", exact=True).click()
    assert "已派单" in page.content()
    order.refresh_from_db()
    assert order.status == Status.DISPATCHED
    page.close()

    # The handler of 市住建局 finds it in 待签收 and signs for it.
    page = _login(browser, live_server, "handler")
    page.goto(live_server.url + "/admin/hotline/queues/to_sign_for/")
    assert page.get_by_role("link", name=order.tracking_number).is_visible()
    page.screenshot(path=str(SHOTS / "workspace-queue-to-sign-for.png"), full_page=True)
    page.get_by_role("link", name=order.tracking_number).click()
    page.wait_for_load_state("networkidle")
    assert "139****5678" in page.content()
    with page.expect_navigation():
        page.get_by_role("button", name="签收", exact=True).click()
    page.screenshot(path=str(SHOTS / "workspace-order-signed.png"), full_page=True)
    assert WorkOrder.objects.get(pk=order.pk).status == Status.IN_PROGRESS
    page.close()


def test_operator_intake_shows_caller_history(live_server, browser, hotline):
    SHOTS.mkdir(exist_ok=True)
    page = _login(browser, live_server, "operator")
    page.goto(live_server.url + "/admin/hotline/new/")
    # The number field has the focus: the operator types at once.
    page.keyboard.type("13912345678")
    page.wait_for_selector("#ws-history .ws-suggest li")
    assert hotline["order"].tracking_number in page.inner_text("#ws-history")
    page.keyboard.press("Tab")
    page.keyboard.type("王五")
    page.fill("#id_content", "供暖还是不热，上次反映后没人来。")
    page.screenshot(path=str(SHOTS / "workspace-intake.png"), full_page=True)
    page.focus("#id_content")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert "已受理，进入待派单" in page.content()
    page.close()
