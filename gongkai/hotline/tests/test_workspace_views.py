"""The staff workspace: queues per role, scoping, actions through the services, bulk dispatch,
intake, caller history, KPIs and the audited reveal of personal data."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gongkai.core.audit.models import AuditEvent
from gongkai.hotline import services
from gongkai.hotline.models import EventType, OrderType, Status, WorkOrder

S = Status

pytestmark = pytest.mark.usefixtures("clock")


def url(name, *args):
    return reverse(f"hotline_workspace:{name}", args=args)


@pytest.fixture
def login(client):
    def as_(user):
        client.force_login(user)
        return client

    return as_


# --- Queues ---------------------------------------------------------------------------------------

QUEUE_ACCESS = {
    # queue: users who may open it (the others get 403)
    "to_dispatch": {"dispatcher", "operator", "leader"},
    "to_sign_for": {"dispatcher", "handler_a", "leader"},
    "in_progress": {"dispatcher", "handler_a", "leader"},
    "due_soon": {"dispatcher", "handler_a", "leader"},
    "overdue": {"dispatcher", "handler_a", "leader"},
    "replies_to_check": {"dispatcher", "leader"},
    "to_call_back": {"dispatcher", "operator", "leader"},
    "returns": {"dispatcher", "leader"},
    "extensions": {"dispatcher", "leader"},
}


@pytest.mark.parametrize("queue", sorted(QUEUE_ACCESS))
@pytest.mark.parametrize("who", ["dispatcher", "operator", "handler_a", "leader"])
def test_queue_page_is_for_the_roles_that_work_it(login, users, queue, who):
    response = login(users[who]).get(url("queue", queue))
    assert response.status_code == (200 if who in QUEUE_ACCESS[queue] else 403)


def test_unknown_queue_and_staff_without_a_hotline_role_are_refused(login, users, django_user_model, tree):
    from gongkai.accounts.services import staff_user_upsert

    drafter, _ = staff_user_upsert(username="dr", password=None, department=tree["dept_a"], roles=["drafter"])
    assert login(users["dispatcher"]).get(url("queue", "nope")).status_code == 403
    client = login(drafter)
    assert client.get(url("home")).status_code == 403
    assert client.get(url("queue", "to_dispatch")).status_code == 403
    assert client.get(url("intake")).status_code == 403


def test_queue_lists_rows_with_deadline_and_filters(login, users, walk):
    urgent = walk(S.RECEIVED, content="暖气不热，家里只有十度。", urgency="urgent")
    other = walk(S.RECEIVED, content="建议增加公交线路。", order_type=OrderType.SUGGESTION)
    client = login(users["dispatcher"])
    page = client.get(url("queue", "to_dispatch")).content.decode()
    assert urgent.tracking_number in page and other.tracking_number in page
    assert page.index(urgent.tracking_number) < page.index(other.tracking_number)  # urgent first
    assert 'id="bulk-dispatch"' in page
    filtered = client.get(url("queue", "to_dispatch"), {"order_type": "suggestion"}).content.decode()
    assert other.tracking_number in filtered and urgent.tracking_number not in filtered
    searched = client.get(url("queue", "to_dispatch"), {"q": "暖气"}).content.decode()
    assert urgent.tracking_number in searched and other.tracking_number not in searched
    by_number = client.get(url("orders"), {"q": other.tracking_number}).content.decode()
    assert other.tracking_number in by_number and urgent.tracking_number not in by_number
    sorted_page = client.get(url("queue", "to_dispatch"), {"o": "-number"}).content.decode()
    assert sorted_page.index(other.tracking_number) < sorted_page.index(urgent.tracking_number)


def test_sign_for_queue_shows_the_countdown(login, users, walk):
    order = walk(S.DISPATCHED)
    page = login(users["handler_a"]).get(url("queue", "to_sign_for")).content.decode()
    assert order.tracking_number in page
    assert "剩 " in page
    assert 'id="bulk-dispatch"' not in page


# --- Scoping --------------------------------------------------------------------------------------


def test_a_handler_never_sees_another_departments_order(login, users, walk):
    order = walk(S.DISPATCHED)  # to dept_a
    client = login(users["handler_b"])
    assert order.tracking_number not in client.get(url("queue", "to_sign_for")).content.decode()
    assert order.tracking_number not in client.get(url("orders")).content.decode()
    assert client.get(url("order", order.pk)).status_code == 404
    assert client.post(url("act", order.pk, "accept")).status_code == 404
    assert client.post(url("reveal", order.pk)).status_code == 404
    order.refresh_from_db()
    assert order.status == S.DISPATCHED


# --- The order page and its actions ---------------------------------------------------------------


def test_order_page_shows_only_the_actions_allowed_now(login, users, walk):
    order = walk(S.RECEIVED)
    page = login(users["dispatcher"]).get(url("order", order.pk)).content.decode()
    assert url("act", order.pk, "dispatch") in page
    assert url("act", order.pk, "accept") not in page
    assert "138****5678" in page and "13812345678" not in page  # masked
    assert "显示完整信息" in page
    handler_page = login(users["handler_a"])
    dispatched = walk(S.DISPATCHED)
    page = handler_page.get(url("order", dispatched.pk)).content.decode()
    assert url("act", dispatched.pk, "accept") in page
    assert url("act", dispatched.pk, "dispatch") not in page


def test_dispatch_accept_and_reply_through_the_forms(login, users, walk, tree):
    order = walk(S.RECEIVED)
    client = login(users["dispatcher"])
    response = client.post(
        url("act", order.pk, "dispatch"),
        {"dispatch-department": tree["dept_a"].pk, "dispatch-note": "请尽快处理"},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == S.DISPATCHED and order.current_department == tree["dept_a"]

    client = login(users["handler_a"])
    assert client.post(url("act", order.pk, "accept")).status_code == 302
    order.refresh_from_db()
    assert order.status == S.IN_PROGRESS

    response = client.post(
        url("act", order.pk, "reply"), {"reply-reply_text": "路灯已于今日修复。"}, follow=True
    )
    order.refresh_from_db()
    assert order.status == S.REPLIED and order.reply_text == "路灯已于今日修复。"
    assert "已提交答复" in response.content.decode()


def test_a_refused_action_shows_the_reason_and_changes_nothing(login, users, walk):
    order = walk(S.DISPATCHED)
    events = order.events.count()
    response = login(users["dispatcher"]).post(url("act", order.pk, "accept"))
    assert response.status_code == 409
    assert "无权执行此操作。" in response.content.decode()
    order.refresh_from_db()
    assert order.status == S.DISPATCHED and order.events.count() == events


def test_an_invalid_form_keeps_the_input_and_changes_nothing(login, users, walk):
    order = walk(S.IN_PROGRESS)
    response = login(users["handler_a"]).post(url("act", order.pk, "return"), {"return-reason": ""})
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == S.IN_PROGRESS


def test_return_sends_the_handler_back_to_the_home(login, users, walk):
    order = walk(S.IN_PROGRESS)
    response = login(users["handler_a"]).post(
        url("act", order.pk, "return"), {"return-reason": "不属于本单位职责"}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == S.RETURNED


def test_leader_sees_every_queue_but_has_no_workflow_forms_except_supervision(login, users, walk):
    order = walk(S.IN_PROGRESS)
    page = login(users["leader"]).get(url("order", order.pk)).content.decode()
    assert url("act", order.pk, "urge") in page
    assert url("act", order.pk, "reply") not in page
    assert url("act", order.pk, "note") not in page
    assert "显示完整信息" not in page


# --- Bulk dispatch ----------------------------------------------------------------------------------


def test_bulk_dispatch_dispatches_each_and_reports_failures(login, users, walk, tree):
    received = [walk(S.RECEIVED) for _ in range(3)]
    already = walk(S.DISPATCHED)
    client = login(users["dispatcher"])
    response = client.post(
        url("bulk_dispatch"),
        {"orders": [o.pk for o in received] + [already.pk], "department": tree["dept_b"].pk},
        follow=True,
    )
    page = response.content.decode()
    for order in received:
        order.refresh_from_db()
        assert order.status == S.DISPATCHED and order.current_department == tree["dept_b"]
        assert order.events.filter(type=EventType.DISPATCHED).exists()
    already.refresh_from_db()
    assert already.current_department == tree["dept_a"]
    assert "3 件" in page
    assert already.tracking_number in page and "不能执行" in page


def test_bulk_dispatch_is_for_the_hotline_office_only(login, users, walk, tree):
    order = walk(S.RECEIVED)
    response = login(users["operator"]).post(
        url("bulk_dispatch"), {"orders": [order.pk], "department": tree["dept_a"].pk}
    )
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == S.RECEIVED


# --- Intake ---------------------------------------------------------------------------------------


def test_operator_intake_creates_an_order(login, users, tree):
    client = login(users["operator"])
    page = client.get(url("intake")).content.decode()
    assert "autofocus" in page and 'accesskey="1"' in page
    assert "派往单位" not in page  # operators do not dispatch
    response = client.post(
        url("intake"),
        {
            "caller_phone": "139 0000 1234",
            "caller_name": "李四",
            "order_type": "help",
            "urgency": "normal",
            "district": tree["district"].pk,
            "content": "小区停水两天了，没有任何通知。",
            "mode": "create",
        },
    )
    assert response.status_code == 302
    order = WorkOrder.objects.get(caller_phone="13900001234")
    assert order.status == S.RECEIVED and order.channel == "phone"
    assert order.received_by == users["operator"] and order.district == tree["district"]
    follow = client.get(response["Location"]).content.decode()
    assert order.tracking_number in follow


def test_intake_answer_directly_closes_at_first_contact(login, users):
    client = login(users["operator"])
    response = client.post(
        url("intake"),
        {
            "caller_phone": "13900001235",
            "order_type": "consultation",
            "urgency": "normal",
            "content": "社保卡丢了去哪里补办？",
            "reply_text": "可到市政务服务中心社保窗口补办，带身份证。",
            "mode": "answer",
        },
    )
    assert response.status_code == 302
    order = WorkOrder.objects.get(caller_phone="13900001235")
    assert order.status == S.CLOSED and order.first_contact_resolution


def test_intake_answer_without_text_is_refused(login, users):
    response = login(users["operator"]).post(
        url("intake"),
        {"order_type": "consultation", "urgency": "normal", "content": "问个事", "mode": "answer"},
    )
    assert response.status_code == 400
    assert not WorkOrder.objects.exists()


def test_dispatcher_intake_can_dispatch_at_once(login, users, tree):
    response = login(users["dispatcher"]).post(
        url("intake"),
        {
            "order_type": "complaint",
            "urgency": "urgent",
            "content": "工地夜间施工噪音扰民。",
            "department": tree["dept_a"].pk,
            "mode": "create",
        },
    )
    assert response.status_code == 302
    order = WorkOrder.objects.get()
    assert order.status == S.DISPATCHED and order.current_department == tree["dept_a"]


def test_caller_history_json(login, users, make_order):
    first = make_order(caller_phone="13812345678")
    make_order(caller_phone="13700000000")
    client = login(users["operator"])
    data = client.get(url("caller_history"), {"phone": "138-1234-5678"}).json()
    assert data["valid"] and data["phone"] == "13812345678"
    assert [o["tracking_number"] for o in data["orders"]] == [first.tracking_number]
    assert data["orders"][0]["caller_name"] == "张*"
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.PERSONAL_DATA_VIEW).count() == 1
    assert client.get(url("caller_history"), {"phone": "12"}).json()["orders"] == []
    assert login(users["handler_a"]).get(url("caller_history"), {"phone": "13812345678"}).status_code == 403


def test_suggest_json_without_the_knowledge_modules(login, users):
    data = login(users["operator"]).get(url("suggest"), {"text": "路灯不亮"}).json()
    assert set(data) == {"articles", "routing"}


# --- Personal data ----------------------------------------------------------------------------------


def test_reveal_shows_full_data_and_is_audited(login, users, walk):
    order = walk(S.RECEIVED)
    client = login(users["dispatcher"])
    assert client.get(url("reveal", order.pk)).status_code == 405
    response = client.post(url("reveal", order.pk))
    page = response.content.decode()
    assert response.status_code == 200 and "13812345678" in page and "张三" in page
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.PERSONAL_DATA_VIEW)
    assert event.actor == users["dispatcher"] and event.target_id == str(order.pk)


def test_reveal_refused_for_a_confidential_caller_at_the_department(login, users, walk):
    order = walk(S.DISPATCHED, confidential=True)
    client = login(users["handler_a"])
    assert "显示完整信息" not in client.get(url("order", order.pk)).content.decode()
    assert client.post(url("reveal", order.pk)).status_code == 403
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.PERSONAL_DATA_VIEW).exists()


# --- Home, panel, KPIs --------------------------------------------------------------------------------


def test_home_and_dashboard_panel_show_counts(login, users, walk):
    walk(S.RECEIVED)
    walk(S.RECEIVED)
    client = login(users["dispatcher"])
    page = client.get(url("home")).content.decode()
    assert "待派单" in page and ">2<" in page
    dashboard = client.get("/admin/").content.decode()
    assert "我的队列" in dashboard and url("queue", "to_dispatch") in dashboard
    handler_home = login(users["handler_a"]).get(url("home")).content.decode()
    assert "待签收" in handler_home and "待派单" not in handler_home


def test_kpi_page_renders_numbers_and_chart_data(login, users, walk, tree):
    order = walk(S.DISPATCHED)
    services.work_order_accept(work_order=order, actor=users["handler_a"])
    walk(S.CLOSED)
    client = login(users["dispatcher"])
    response = client.get(url("kpi"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "按时签收率" in page and "100.0%" in page
    assert 'id="ws-chart-data"' in page and "echarts.min.js" in page
    kpi = response.context["kpi"]
    assert kpi.orders == 2
    assert response.context["chart_data"]["statuses"]
    # A handler is held to their own department, whatever they ask for.
    response = login(users["handler_a"]).get(url("kpi"))
    assert response.status_code == 200 and response.context["department"] == tree["dept_a"]
    assert login(users["handler_a"]).get(url("kpi"), {"department": tree["dept_b"].pk}).status_code == 200
    assert login(users["operator"]).get(url("kpi")).status_code == 403


def test_attachment_download_is_checked_and_audited(clock, client, users, tree, make_order):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from gongkai.core.audit.models import AuditEvent

    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
        b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    order = make_order(attachments=[SimpleUploadedFile("现场照片.png", png)])
    services.work_order_dispatch(work_order=order, actor=users["dispatcher"], department=tree["dept_a"])
    attachment = order.attachments.get()
    url = reverse("hotline_workspace:attachment", args=[order.pk, attachment.pk])
    client.force_login(users["handler_b"])
    assert client.get(url).status_code == 404
    client.force_login(users["handler_a"])
    assert url in client.get(reverse("hotline_workspace:order", args=[order.pk])).content.decode()
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == png
    assert (
        AuditEvent.objects.filter(action="hotline.attachment_downloaded", actor=users["handler_a"]).count()
        == 1
    )
    other = reverse("hotline_workspace:attachment", args=[make_order().pk, attachment.pk])
    assert client.get(other).status_code == 404


def test_merge_into_a_suggested_duplicate(clock, client, users, make_order, monkeypatch):
    from gongkai.hotline.workspace import views

    lead = make_order()
    order = make_order()
    monkeypatch.setattr(views, "duplicate_suggestions", lambda o, u: [{"order": lead, "score": 0.9}])
    client.force_login(users["operator"])  # sees the order, may not merge
    assert "并入此单" not in client.get(reverse("hotline_workspace:order", args=[order.pk])).content.decode()
    client.force_login(users["dispatcher"])
    page = client.get(reverse("hotline_workspace:order", args=[order.pk])).content.decode()
    assert "并入此单" in page
    response = client.post(
        reverse("hotline_workspace:act", args=[order.pk, "merge"]),
        {"merge-into": lead.tracking_number, "merge-reason": f"与 {lead.tracking_number} 诉求相同"},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.MERGED and order.merged_into == lead


def test_intake_takes_the_street_and_attachments(login, users, tree):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(users["operator"])
    data = {
        "caller_phone": "13900001236",
        "order_type": "help",
        "urgency": "normal",
        "content": "楼道灯坏了。",
        "street": tree["street"].pk,
        "attachments": [SimpleUploadedFile("说明.txt", "楼道灯坏了三天。".encode())],
    }
    assert client.post(url("intake"), data).status_code == 302
    order = WorkOrder.objects.get(caller_phone="13900001236")
    assert order.street == tree["street"] and order.district == tree["district"]
    assert order.attachments.get().original_name == "说明.txt"
    bad = {**data, "caller_phone": "13900001237", "district": tree["district"].pk, "attachments": []}
    bad["street"] = tree["dept_a"].pk  # not a street: not offered
    assert client.post(url("intake"), bad).status_code == 400
    assert not WorkOrder.objects.filter(caller_phone="13900001237").exists()
