"""The staff REST API end to end: the permission matrix, each action once (happy and refused), intake."""

import pytest
from django.core.cache import cache

from gongkai.core.audit.models import AuditEvent
from gongkai.hotline.models import ExtensionRequest, Status, WorkOrder

S = Status
BASE = "/api/v1/hotline"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def superuser(django_user_model, tree):
    return django_user_model.objects.create_superuser("root", "root@example.com", "Root-pass-2026!")


@pytest.fixture
def api(client, users, superuser):
    """``api(role).get/post(...)`` as the given user (None: anonymous), JSON in and out."""

    class As:
        def __init__(self, user):
            self.user = user

        def _client(self):
            client.logout()
            if self.user is not None:
                client.force_login(self.user)
            return client

        def get(self, path, params=None):
            return self._client().get(BASE + path, params or {})

        def post(self, path, data=None, **extra):
            return self._client().post(BASE + path, data or {}, content_type="application/json", **extra)

    every = {**users, "superuser": superuser, "anonymous": None}
    return lambda role: As(every[role])


# --- Permission matrix ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status", "masked"),
    [
        ("anonymous", 401, None),
        ("operator", 200, False),
        ("dispatcher", 200, False),
        ("handler_a", 200, False),
        ("handler_b", 404, None),
        ("leader", 200, True),
        ("superuser", 200, False),
    ],
)
def test_order_detail_matrix(clock, walk, api, role, status, masked):
    order = walk(S.DISPATCHED)
    response = api(role).get(f"/orders/{order.pk}")
    assert response.status_code == status, response.content
    if status == 200:
        caller = response.json()["caller"]
        assert caller["masked"] is masked
        assert (caller["phone"] == "13812345678") is (not masked)
        assert "query_code_hash" not in response.json()
        audited = AuditEvent.objects.filter(kind=AuditEvent.Kind.PERSONAL_DATA_VIEW, target_id=str(order.pk))
        assert audited.exists() is (not masked)
    if status == 404:
        assert response.json()["code"] == "not_found"


def test_other_department_sees_the_same_404_as_a_missing_order(clock, walk, api):
    order = walk(S.DISPATCHED)
    forbidden = api("handler_b").get(f"/orders/{order.pk}")
    missing = api("handler_b").get("/orders/999999")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json()


def test_confidential_caller_is_masked_for_the_handler(clock, walk, api):
    order = walk(S.DISPATCHED, confidential=True)
    assert api("handler_a").get(f"/orders/{order.pk}").json()["caller"]["masked"] is True
    assert api("dispatcher").get(f"/orders/{order.pk}").json()["caller"]["masked"] is False


def test_list_is_scoped_filtered_and_masked(clock, walk, api, tree):
    dispatched = walk(S.DISPATCHED)
    received = walk(S.RECEIVED)
    body = api("handler_a").get("/orders").json()
    assert [row["id"] for row in body["results"]] == [dispatched.pk]
    assert body["results"][0]["caller_phone"] == "138****5678"
    assert api("handler_b").get("/orders").json()["count"] == 0
    everything = api("dispatcher").get("/orders").json()
    assert {row["id"] for row in everything["results"]} == {dispatched.pk, received.pk}
    assert api("dispatcher").get("/orders", {"status": "received"}).json()["count"] == 1
    assert (
        api("dispatcher").get("/orders", {"queue": "to_dispatch"}).json()["results"][0]["id"] == received.pk
    )
    assert api("dispatcher").get("/orders", {"department": "dept-a"}).json()["count"] == 1
    assert api("dispatcher").get("/orders", {"q": dispatched.tracking_number}).json()["count"] == 1
    assert api("dispatcher").get("/orders", {"overdue": "true"}).json()["count"] == 0
    assert api("dispatcher").get("/orders", {"created_from": "2026-06-02"}).json()["count"] == 0
    assert api("dispatcher").get("/orders", {"page_size": 1, "page": 2}).json()["results"][0]["id"] in {
        dispatched.pk,
        received.pk,
    }
    assert api("dispatcher").get("/orders", {"status": "nonsense"}).status_code == 422


def test_timeline_and_actions(clock, walk, api):
    order = walk(S.DISPATCHED)
    timeline = api("handler_a").get(f"/orders/{order.pk}/timeline").json()
    assert [event["type"] for event in timeline][:2] == ["received", "dispatched"]
    actions = {a["name"] for a in api("handler_a").get(f"/orders/{order.pk}/actions").json()}
    assert {"accept", "return"} <= actions
    assert "dispatch" not in actions
    assert api("handler_b").get(f"/orders/{order.pk}/actions").status_code == 404


# --- Every action: a happy path and a refused transition ---------------------------------------


def _ok(response, status):
    assert response.status_code == 200, response.content
    assert response.json()["status"] == status
    return response.json()


def _refused(response):
    """A refused transition: 403 when the role may not run it, 409 when the state forbids it."""
    body = response.json()
    assert response.status_code == (403 if body.get("code") == "permission_denied" else 409), body
    assert body["code"] and body["message"]
    return body


def test_dispatch_accept_reply_approve_callback(clock, walk, api):
    order = walk(S.RECEIVED)
    assert api("handler_a").post(f"/orders/{order.pk}/accept").status_code == 404  # not theirs (yet)
    assert (
        _refused(api("operator").post(f"/orders/{order.pk}/dispatch", {"department": "dept-a"}))["code"]
        == "permission_denied"
    )
    _ok(api("dispatcher").post(f"/orders/{order.pk}/dispatch", {"department": "dept-a"}), "dispatched")
    twice = api("dispatcher").post(f"/orders/{order.pk}/dispatch", {"department": "dept-a"})
    assert twice.status_code == 409 and twice.json()["code"] == "invalid_state"
    _ok(api("handler_a").post(f"/orders/{order.pk}/accept"), "in_progress")
    _refused(api("handler_a").post(f"/orders/{order.pk}/accept"))
    _refused(api("handler_a").post(f"/orders/{order.pk}/approve-reply", {}))
    _ok(api("handler_a").post(f"/orders/{order.pk}/reply", {"reply_text": "路灯已修复。"}), "replied")
    _refused(api("handler_a").post(f"/orders/{order.pk}/reply", {"reply_text": "再答一次"}))
    _ok(api("dispatcher").post(f"/orders/{order.pk}/send-back", {"reason": "答复太简单"}), "in_progress")
    _refused(api("dispatcher").post(f"/orders/{order.pk}/send-back", {"reason": "再退"}))
    _ok(api("handler_a").post(f"/orders/{order.pk}/reply", {"reply_text": "已修复并检查。"}), "replied")
    _ok(api("dispatcher").post(f"/orders/{order.pk}/approve-reply", {}), "awaiting_callback")
    _refused(api("handler_a").post(f"/orders/{order.pk}/callback", {"outcome": "unreachable"}))
    _ok(
        api("operator").post(
            f"/orders/{order.pk}/callback", {"outcome": "reached", "satisfaction": "dissatisfied"}
        ),
        "awaiting_callback",
    )
    _ok(api("dispatcher").post(f"/orders/{order.pk}/reopen", {"reason": "群众不满意"}), "dispatched")
    _refused(api("dispatcher").post(f"/orders/{order.pk}/reopen", {"reason": "again"}))


def test_accept_of_another_department_is_404(clock, walk, api):
    order = walk(S.DISPATCHED)
    response = api("handler_b").post(f"/orders/{order.pk}/accept")
    assert response.status_code == 404
    assert WorkOrder.objects.get(pk=order.pk).status == S.DISPATCHED


def test_close_after_dissatisfied_callback(clock, walk, api):
    order = walk(S.AWAITING_CALLBACK)
    _refused(api("handler_a").post(f"/orders/{order.pk}/close", {"reason": "x"}))
    _ok(api("operator").post(f"/orders/{order.pk}/close", {"reason": "群众诉求已解决"}), "closed")


def test_return_reassign_and_arbitrate(clock, walk, api):
    order = walk(S.DISPATCHED)
    _refused(api("dispatcher").post(f"/orders/{order.pk}/reassign", {"department": "dept-b"}))
    _ok(api("handler_a").post(f"/orders/{order.pk}/return", {"reason": "不属于本单位职责"}), "returned")
    _refused(api("handler_a").post(f"/orders/{order.pk}/return", {"reason": "again"}))
    _ok(api("dispatcher").post(f"/orders/{order.pk}/reassign", {"department": "dept-b"}), "dispatched")
    other = walk(S.RETURNED)
    _refused(api("operator").post(f"/orders/{other.pk}/arbitrate", {"ruling": "维持"}))
    _ok(api("dispatcher").post(f"/orders/{other.pk}/arbitrate", {"ruling": "属于该单位职责"}), "dispatched")
    _refused(api("dispatcher").post(f"/orders/{other.pk}/arbitrate", {"ruling": "again"}))


def test_unknown_department_is_422(clock, walk, api):
    order = walk(S.RECEIVED)
    response = api("dispatcher").post(f"/orders/{order.pk}/dispatch", {"department": "nope"})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert "department" in response.json()["details"]


def test_extension_request_and_decision(clock, walk, api):
    order = walk(S.IN_PROGRESS)
    _refused(api("dispatcher").post(f"/orders/{order.pk}/extension-decision", {"approve": True}))
    _ok(
        api("handler_a").post(
            f"/orders/{order.pk}/extension-request", {"amount": 3, "reason": "需要现场勘查"}
        ),
        "in_progress",
    )
    _refused(
        api("handler_a").post(f"/orders/{order.pk}/extension-request", {"amount": 3, "reason": "再申请"})
    )
    _ok(
        api("dispatcher").post(
            f"/orders/{order.pk}/extension-decision", {"approve": True, "comment": "同意"}
        ),
        "in_progress",
    )
    assert ExtensionRequest.objects.get(work_order=order).status == "approved"


def test_pause_and_resume(clock, walk, api):
    order = walk(S.IN_PROGRESS)
    _refused(api("handler_a").post(f"/orders/{order.pk}/resume"))
    _ok(api("handler_a").post(f"/orders/{order.pk}/pause", {"reason": "等待群众补充材料"}), "in_progress")
    _refused(api("handler_a").post(f"/orders/{order.pk}/pause", {"reason": "again"}))
    _ok(api("handler_a").post(f"/orders/{order.pk}/resume"), "in_progress")


def test_contribute_by_an_assisting_department(clock, walk, api, users, tree):
    from gongkai.hotline import services

    order = walk(S.RECEIVED)
    services.work_order_dispatch(
        work_order=order, actor=users["dispatcher"], department=tree["dept_a"], assisting=[tree["dept_b"]]
    )
    _ok(api("handler_b").post(f"/orders/{order.pk}/contribute", {"text": "教育局意见：配合。"}), "dispatched")
    _refused(api("handler_a").post(f"/orders/{order.pk}/contribute", {"text": "主办不是协办"}))


def test_dispatch_down_and_return_to_district(clock, walk, api, users, tree):
    from gongkai.hotline import services

    order = walk(S.RECEIVED)
    services.work_order_dispatch(work_order=order, actor=users["dispatcher"], department=tree["district"])
    _refused(api("handler_district").post(f"/orders/{order.pk}/dispatch-down", {"street": "street"}))
    services.work_order_accept(work_order=order, actor=users["handler_district"])
    _ok(api("handler_district").post(f"/orders/{order.pk}/dispatch-down", {"street": "street"}), "dispatched")
    _ok(
        api("handler_street").post(f"/orders/{order.pk}/return-to-district", {"reason": "不在本街道"}),
        "in_progress",
    )
    _refused(api("handler_district").post(f"/orders/{order.pk}/return-to-district", {"reason": "x"}))


def test_supervise_urge_escalate(clock, walk, api):
    order = walk(S.IN_PROGRESS)
    _refused(api("handler_a").post(f"/orders/{order.pk}/supervise", {"reason": "x"}))
    _ok(api("leader").post(f"/orders/{order.pk}/supervise", {"reason": "请抓紧办理"}), "in_progress")
    _ok(api("leader").post(f"/orders/{order.pk}/urge", {"reason": "即将到期"}), "in_progress")
    _refused(api("handler_a").post(f"/orders/{order.pk}/urge", {"reason": "x"}))
    _ok(api("leader").post(f"/orders/{order.pk}/escalate", {"reason": "多次重办"}), "in_progress")
    _refused(api("leader").post(f"/orders/{order.pk}/escalate", {"reason": "again"}))


def test_merge_and_mark_invalid(clock, walk, api):
    lead = walk(S.RECEIVED)
    duplicate = walk(S.RECEIVED)
    _refused(api("operator").post(f"/orders/{duplicate.pk}/merge", {"into": lead.tracking_number}))
    _ok(api("dispatcher").post(f"/orders/{duplicate.pk}/merge", {"into": lead.tracking_number}), "merged")
    _refused(api("dispatcher").post(f"/orders/{duplicate.pk}/merge", {"into": lead.tracking_number}))
    junk = walk(S.RECEIVED)
    _refused(api("leader").post(f"/orders/{junk.pk}/mark-invalid", {"reason": "骚扰"}))
    _ok(api("operator").post(f"/orders/{junk.pk}/mark-invalid", {"reason": "骚扰电话"}), "invalid")
    _refused(api("operator").post(f"/orders/{junk.pk}/mark-invalid", {"reason": "again"}))


def test_answer_directly(clock, walk, api):
    order = walk(S.RECEIVED, order_type="consultation")
    _refused(api("leader").post(f"/orders/{order.pk}/answer", {"reply_text": "x"}))
    _ok(api("operator").post(f"/orders/{order.pk}/answer", {"reply_text": "请到市政务大厅办理。"}), "closed")
    _refused(api("operator").post(f"/orders/{order.pk}/answer", {"reply_text": "again"}))


def test_note(clock, walk, api):
    order = walk(S.DISPATCHED)
    response = api("handler_a").post(f"/orders/{order.pk}/notes", {"text": "已电话联系群众。"})
    assert response.status_code == 201 and response.json()["type"] == "note"
    assert api("handler_b").post(f"/orders/{order.pk}/notes", {"text": "x"}).status_code == 404
    assert api("handler_a").post(f"/orders/{order.pk}/notes", {"text": "x", "extra": 1}).status_code == 422


# --- Intake, inbound messages, caller history, queues, KPIs -------------------------------------


def test_staff_intake_needs_an_operator_and_is_idempotent_by_reference(clock, api):
    payload = {"channel": "letter", "content": "来信反映供暖不热。", "caller_phone": "13812345678",
               "source_reference": "L-2026-001"}  # fmt: skip
    assert api("handler_a").post("/orders", payload).status_code == 403
    first = api("operator").post("/orders", payload)
    assert first.status_code == 201 and first.json()["created"] and first.json()["query_code"]
    again = api("operator").post("/orders", payload)
    assert again.status_code == 200 and again.json()["tracking_number"] == first.json()["tracking_number"]
    assert again.json()["query_code"] is None
    assert api("operator").post("/orders", {**payload, "channel": "web"}).status_code == 422
    bad = {**payload, "caller_phone": "123", "source_reference": "L-2026-002"}
    assert api("operator").post("/orders", bad).status_code == 422


def test_inbound_message_is_idempotent(clock, api):
    message = {
        "channel": "wechat",
        "external_id": "wx-msg-42",
        "sender_name": "微信用户",
        "sender_phone": "not a phone",
        "text": "小区垃圾三天没人清运。",
        "sent_at": "2026-06-01T08:30:00+08:00",
        "raw": {"MsgId": "42", "FromUserName": "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"},
    }
    first = api("operator").post("/inbound-messages", message)
    assert first.status_code == 201, first.content
    again = api("operator").post("/inbound-messages", message)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    order = WorkOrder.objects.get(pk=first.json()["id"])
    assert order.channel == "wechat" and order.raw_source["message"]["MsgId"] == "42"
    assert WorkOrder.objects.filter(channel="wechat").count() == 1
    assert api("anonymous").post("/inbound-messages", message).status_code == 401
    assert api("handler_a").post("/inbound-messages", message).status_code == 403
    assert api("operator").post("/inbound-messages", {**message, "channel": "web"}).status_code == 422


def test_caller_history_is_for_operators_and_audited(clock, walk, api):
    walk(S.RECEIVED)
    walk(S.DISPATCHED)
    response = api("operator").get("/callers/history", {"phone": "138 1234 5678"})
    assert response.status_code == 200 and len(response.json()) == 2
    assert response.json()[0]["caller_name"] == "张三"
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.PERSONAL_DATA_VIEW).count() == 2
    assert api("handler_a").get("/callers/history", {"phone": "13812345678"}).status_code == 403
    assert api("operator").get("/callers/history", {"phone": "abc"}).json() == []


def test_queues_with_counts(clock, walk, api):
    walk(S.RECEIVED)
    walk(S.DISPATCHED)
    counts = {q["name"]: q["count"] for q in api("dispatcher").get("/queues").json()}
    assert counts["to_dispatch"] == 1 and counts["to_sign_for"] == 1
    counts = {q["name"]: q["count"] for q in api("handler_a").get("/queues").json()}
    assert counts["to_dispatch"] == 0 and counts["to_sign_for"] == 1
    assert {q["count"] for q in api("handler_b").get("/queues").json()} == {0}


def test_kpis_per_department(clock, walk, api):
    walk(S.CLOSED)
    walk(S.DISPATCHED)
    rows = api("leader").get("/kpis", {"start": "2026-06-01", "end": "2026-06-30"}).json()
    assert rows[0]["department"]["code"] == "dept-a" and rows[0]["orders"] == 2
    one = api("handler_a").get("/kpis", {"start": "2026-06-01", "end": "2026-06-30", "department": "dept-a"})
    assert one.status_code == 200 and one.json()[0]["satisfaction_rate"] == 1.0
    other = api("handler_b").get(
        "/kpis", {"start": "2026-06-01", "end": "2026-06-30", "department": "dept-a"}
    )
    assert other.status_code == 404
    assert api("leader").get("/kpis", {"start": "2026-06-30", "end": "2026-06-01"}).status_code == 422
    assert api("handler_b").get("/kpis", {"start": "2026-06-01", "end": "2026-06-30"}).json() == []
