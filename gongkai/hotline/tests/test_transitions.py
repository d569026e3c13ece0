"""The transition matrix: one test per allowed transition, and every disallowed (state, action) pair."""

from __future__ import annotations

import pytest

from gongkai.core.audit.models import AuditEvent
from gongkai.core.workflow import TransitionNotAllowed
from gongkai.hotline import services
from gongkai.hotline.models import (
    AssignmentRole,
    CallbackOutcome,
    EventType,
    OrderType,
    ReturnRuling,
    Satisfaction,
    Status,
    WorkOrder,
)
from gongkai.hotline.workflow import GRAPH

S = Status


def _types(order):
    return list(order.events.values_list("type", flat=True))


# --- allowed transitions, one test each -------------------------------------------------------------


def test_answer_directly_closes_a_consultation(clock, walk, users):
    order = walk(S.RECEIVED, order_type=OrderType.CONSULTATION)
    order = services.work_order_answer_directly(
        work_order=order, actor=users["operator"], reply_text="办理地点在市政务大厅。"
    )
    assert order.status == S.CLOSED
    assert order.first_contact_resolution and order.closed_at
    assert _types(order)[-2:] == [EventType.ANSWERED_DIRECTLY, EventType.CLOSED]


def test_answer_directly_with_callback_when_asked(clock, walk, users):
    order = walk(S.RECEIVED, order_type=OrderType.CONSULTATION)
    order = services.work_order_answer_directly(
        work_order=order, actor=users["operator"], reply_text="已解答。", callback_requested=True
    )
    assert order.status == S.AWAITING_CALLBACK and order.callback_due_at


def test_dispatch_sets_deadlines_and_notifies_handlers(
    clock, walk, users, tree, django_capture_on_commit_callbacks
):
    from gongkai.core.outbox.models import OutboxMessage

    order = walk(S.RECEIVED)
    with django_capture_on_commit_callbacks() as callbacks:
        order = services.work_order_dispatch(
            work_order=order, actor=users["dispatcher"], department=tree["dept_a"], assisting=[tree["dept_b"]]
        )
    assert order.status == S.DISPATCHED
    assert order.lead_department == tree["dept_a"] == order.current_department
    assert order.sign_for_due_at and order.reply_due_at and "13个工作日" in order.deadline_rule_text
    roles = sorted(order.assignments.values_list("role", flat=True))
    assert roles == [AssignmentRole.ASSISTING, AssignmentRole.LEAD]
    assert (
        OutboxMessage.objects.filter(idempotency_key__startswith=f"hotline:{order.pk}:assigned").count() == 2
    )
    assert callbacks  # delivery scheduled after commit


def test_dispatch_down_to_a_street(clock, walk, users, tree):
    order = walk(S.RECEIVED)
    order = services.work_order_dispatch(
        work_order=order, actor=users["dispatcher"], department=tree["district"]
    )
    order = services.work_order_accept(work_order=order, actor=users["handler_district"])
    order = services.work_order_dispatch_down(
        work_order=order, actor=users["handler_district"], street=tree["street"]
    )
    assert order.status == S.DISPATCHED and order.current_department == tree["street"]
    assert order.lead_department == tree["district"]
    order = services.work_order_accept(work_order=order, actor=users["handler_street"])
    assert order.status == S.IN_PROGRESS
    # the district keeps supervising: it may reply for the street
    order = services.work_order_reply(
        work_order=order, actor=users["handler_district"], reply_text="已处理。"
    )
    assert order.status == S.REPLIED


def test_dispatch_down_only_to_own_streets(clock, walk, users, tree):
    from django.core.exceptions import ValidationError

    order = services.work_order_dispatch(
        work_order=walk(S.RECEIVED), actor=users["dispatcher"], department=tree["district"]
    )
    order = services.work_order_accept(work_order=order, actor=users["handler_district"])
    with pytest.raises(ValidationError):
        services.work_order_dispatch_down(
            work_order=order, actor=users["handler_district"], street=tree["dept_b"]
        )


def test_return_to_district(clock, walk, users, tree):
    order = services.work_order_dispatch(
        work_order=walk(S.RECEIVED), actor=users["dispatcher"], department=tree["district"]
    )
    order = services.work_order_accept(work_order=order, actor=users["handler_district"])
    order = services.work_order_dispatch_down(
        work_order=order, actor=users["handler_district"], street=tree["street"]
    )
    order = services.work_order_return_to_district(
        work_order=order, actor=users["handler_street"], reason="不在本辖区"
    )
    assert order.status == S.IN_PROGRESS and order.current_department == tree["district"]


def test_accept(clock, walk, users):
    order = services.work_order_accept(work_order=walk(S.DISPATCHED), actor=users["handler_a"])
    assert order.status == S.IN_PROGRESS and order.accepted_at


def test_only_the_assigned_department_may_accept(clock, walk, users):
    order = walk(S.DISPATCHED)
    with pytest.raises(TransitionNotAllowed) as error:
        services.work_order_accept(work_order=order, actor=users["handler_b"])
    assert error.value.code == "permission_denied"


def test_return_records_the_reason(clock, walk, users):
    order = walk(S.RETURNED)
    assert order.status == S.RETURNED and order.return_count == 1 and order.current_department is None
    assert order.return_requests.get().ruling == ReturnRuling.PENDING


def test_reassign_counts_a_transfer(clock, walk, users, tree):
    order = services.work_order_reassign(
        work_order=walk(S.RETURNED), actor=users["dispatcher"], department=tree["dept_b"]
    )
    assert (
        order.status == S.DISPATCHED and order.lead_department == tree["dept_b"] and order.transfer_count == 1
    )
    assert order.return_requests.get().ruling == ReturnRuling.REASSIGNED


def test_arbitrate_sends_back_to_the_same_department(clock, walk, users, tree):
    order = services.work_order_arbitrate(
        work_order=walk(S.RETURNED), actor=users["dispatcher"], ruling="属于住建职责"
    )
    assert order.status == S.DISPATCHED and order.lead_department == tree["dept_a"]
    ruling = order.return_requests.get()
    assert ruling.ruling == ReturnRuling.UPHELD and ruling.ruling_comment == "属于住建职责"
    assert order.events.get(type=EventType.ARBITRATED).data["return_reason"] == "不属于本单位职责"


def test_reply_and_approve(clock, walk, users, django_capture_on_commit_callbacks):
    from gongkai.core.outbox.models import OutboxMessage

    order = walk(S.REPLIED)
    assert order.status == S.REPLIED and order.is_paused
    with django_capture_on_commit_callbacks():
        order = services.work_order_approve_reply(work_order=order, actor=users["dispatcher"])
    assert order.status == S.AWAITING_CALLBACK
    assert "13812345678" not in order.public_reply and "138****5678" in order.public_reply
    assert OutboxMessage.objects.filter(idempotency_key=f"hotline:{order.pk}:replied:0:sms").exists()


def test_approve_with_an_edited_public_reply(clock, walk, users):
    order = services.work_order_approve_reply(
        work_order=walk(S.REPLIED), actor=users["dispatcher"], public_reply="路灯已修复。"
    )
    assert order.public_reply == "路灯已修复。"


def test_send_back(clock, walk, users):
    order = services.work_order_send_back(
        work_order=walk(S.REPLIED), actor=users["dispatcher"], reason="答复不具体"
    )
    assert order.status == S.IN_PROGRESS and not order.is_paused


def test_callback_satisfied_closes(clock, walk, users):
    order = walk(S.CLOSED)
    assert order.status == S.CLOSED and order.satisfaction == Satisfaction.SATISFIED and order.closed_at


def test_callback_dissatisfied_waits_then_reopen(clock, walk, users, tree):
    order = services.work_order_record_callback(
        work_order=walk(S.AWAITING_CALLBACK),
        actor=users["operator"],
        outcome=CallbackOutcome.REACHED,
        satisfaction=Satisfaction.DISSATISFIED,
    )
    assert order.status == S.AWAITING_CALLBACK
    order = services.work_order_reopen(work_order=order, actor=users["dispatcher"], reason="群众不满意")
    assert order.status == S.DISPATCHED and order.reopen_count == 1 and order.reply_text == ""
    assert order.lead_department == tree["dept_a"]


def test_three_unreachable_callbacks_close_as_unreachable(clock, walk, users):
    order = walk(S.AWAITING_CALLBACK)
    for attempt in range(3):
        order = services.work_order_record_callback(
            work_order=order, actor=users["operator"], outcome=CallbackOutcome.UNREACHABLE
        )
        assert order.status == (S.CLOSED if attempt == 2 else S.AWAITING_CALLBACK)
    assert order.callback_outcome == CallbackOutcome.UNREACHABLE and order.callback_attempts == 3


def test_close_by_the_office(clock, walk, users):
    order = services.work_order_close(
        work_order=walk(S.AWAITING_CALLBACK), actor=users["dispatcher"], reason="诉求已解决"
    )
    assert order.status == S.CLOSED


def test_reopen_three_times_escalates(clock, walk, users):
    order = walk(S.CLOSED)
    for n in range(1, 4):
        order = services.work_order_reopen(work_order=order, actor=users["dispatcher"], reason="仍未解决")
        assert order.escalated == (n == 3)
        if n < 3:
            order = services.work_order_accept(work_order=order, actor=users["handler_a"])
            order = services.work_order_reply(
                work_order=order, actor=users["handler_a"], reply_text="再次处理。"
            )
            order = services.work_order_approve_reply(work_order=order, actor=users["dispatcher"])
            order = services.work_order_close(work_order=order, actor=users["dispatcher"], reason="已答复")
    assert order.reopen_count == 3
    assert order.supervision_notices.filter(kind="escalate").count() == 1


def test_three_transfers_escalate(clock, walk, users, tree):
    order = walk(S.RETURNED)
    departments = [tree["dept_b"], tree["district"], tree["dept_a"]]
    handlers = [users["handler_b"], users["handler_district"]]
    for n, department in enumerate(departments, start=1):
        order = services.work_order_reassign(
            work_order=order, actor=users["dispatcher"], department=department
        )
        assert order.transfer_count == n and order.escalated == (n == 3)
        if n < 3:
            order = services.work_order_return(work_order=order, actor=handlers[n - 1], reason="不属于本单位")
    assert order.events.filter(type=EventType.ESCALATED).count() == 1


def test_extension_request_and_approval_move_the_deadline(clock, walk, users):
    order = walk(S.IN_PROGRESS)
    before = order.reply_due_at
    request = services.work_order_request_extension(
        work_order=order, actor=users["handler_a"], amount=5, reason="需要现场勘查"
    )
    with pytest.raises(TransitionNotAllowed):
        services.work_order_request_extension(
            work_order=order, actor=users["handler_a"], amount=5, reason="再次申请"
        )
    order = services.work_order_decide_extension(
        work_order=order, actor=users["dispatcher"], approve=True, comment="同意"
    )
    request.refresh_from_db()
    assert request.status == "approved"
    assert order.reply_due_at > before


def test_extension_rejected_keeps_the_deadline(clock, walk, users):
    order = walk(S.IN_PROGRESS)
    before = order.reply_due_at
    services.work_order_request_extension(
        work_order=order, actor=users["handler_a"], amount=5, reason="需要现场勘查"
    )
    order = services.work_order_decide_extension(
        work_order=order, actor=users["dispatcher"], approve=False, comment="理由不充分"
    )
    assert order.reply_due_at == before


def test_contribution_of_an_assisting_department(clock, walk, users, tree):
    order = services.work_order_dispatch(
        work_order=walk(S.RECEIVED),
        actor=users["dispatcher"],
        department=tree["dept_a"],
        assisting=[tree["dept_b"]],
    )
    services.work_order_contribute(work_order=order, actor=users["handler_b"], text="学校周边已安排巡查。")
    assert order.assignments.get(role=AssignmentRole.ASSISTING).contribution == "学校周边已安排巡查。"
    with pytest.raises(TransitionNotAllowed):
        services.work_order_contribute(work_order=order, actor=users["handler_district"], text="无关单位")


def test_supervise_urge_and_escalate_keep_the_state(clock, walk, users):
    order = walk(S.IN_PROGRESS)
    order = services.work_order_supervise(work_order=order, actor=users["leader"], reason="请加快办理")
    order = services.work_order_urge(work_order=order, actor=users["dispatcher"], reason="即将到期")
    order = services.work_order_escalate(work_order=order, actor=users["dispatcher"], reason="群众反映强烈")
    assert order.status == S.IN_PROGRESS and order.escalated
    assert order.supervision_notices.count() == 3
    assert order.supervision_notices.get(kind="supervise").recipients == 1
    with pytest.raises(TransitionNotAllowed):
        services.work_order_escalate(work_order=order, actor=users["dispatcher"], reason="再次")


def test_merge_shows_the_lead_orders_progress(clock, walk, users):
    from gongkai.hotline.selectors import public_view, work_order_effective

    lead = walk(S.AWAITING_CALLBACK)
    follower = walk(S.RECEIVED)
    follower = services.work_order_merge(
        work_order=follower, actor=users["dispatcher"], into=lead, reason="同一路灯"
    )
    assert follower.status == S.MERGED and follower.merged_into == lead
    assert work_order_effective(follower) == lead
    view = public_view(follower)
    assert (
        view.merged_into == lead.tracking_number
        and view.reply == lead.public_reply
        and view.status == S.AWAITING_CALLBACK
    )


def test_a_lead_order_cannot_be_merged_away(clock, walk, users):
    lead = walk(S.RECEIVED)
    services.work_order_merge(work_order=walk(S.RECEIVED), actor=users["dispatcher"], into=lead)
    with pytest.raises(TransitionNotAllowed):
        services.work_order_merge(work_order=lead, actor=users["dispatcher"], into=walk(S.RECEIVED))


def test_mark_invalid_keeps_the_order(clock, walk):
    order = walk(S.INVALID)
    assert order.status == S.INVALID and order.invalid_reason == "骚扰电话"
    assert WorkOrder.objects.filter(pk=order.pk).exists()


# --- nothing closes without a reply ------------------------------------------------------------


def test_close_needs_a_reply(clock, walk, users):
    order = walk(S.AWAITING_CALLBACK)
    WorkOrder.objects.filter(pk=order.pk).update(reply_text="")
    with pytest.raises(TransitionNotAllowed) as error:
        services.work_order_close(work_order=order, actor=users["dispatcher"], reason="办结")
    assert error.value.code == "no_reply"


def test_the_database_refuses_a_closed_order_without_reply(clock, walk):
    from django.db import IntegrityError, transaction

    order = walk(S.RECEIVED)
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkOrder.objects.filter(pk=order.pk).update(status=S.CLOSED)


# --- every disallowed (state, action) pair raises and changes nothing -----------------------------


def _call(name, order, users, tree, other):
    u, d = users["dispatcher"], tree["dept_b"]
    calls = {
        "answer_directly": lambda: services.work_order_answer_directly(
            work_order=order, actor=u, reply_text="答复"
        ),
        "answer_directly_with_callback": lambda: services.work_order_answer_directly(
            work_order=order, actor=u, reply_text="答复", callback_requested=True
        ),
        "dispatch": lambda: services.work_order_dispatch(work_order=order, actor=u, department=d),
        "dispatch_down": lambda: services.work_order_dispatch_down(
            work_order=order, actor=u, street=tree["street"]
        ),
        "accept": lambda: services.work_order_accept(work_order=order, actor=u),
        "return": lambda: services.work_order_return(work_order=order, actor=u, reason="不属于"),
        "return_to_district": lambda: services.work_order_return_to_district(
            work_order=order, actor=u, reason="不属于"
        ),
        "reassign": lambda: services.work_order_reassign(work_order=order, actor=u, department=d),
        "arbitrate": lambda: services.work_order_arbitrate(work_order=order, actor=u, ruling="维持"),
        "request_extension": lambda: services.work_order_request_extension(
            work_order=order, actor=u, amount=1, reason="需要"
        ),
        "decide_extension": lambda: services.work_order_decide_extension(
            work_order=order, actor=u, approve=True
        ),
        "pause": lambda: services.work_order_pause(work_order=order, actor=u, reason="等待"),
        "resume": lambda: services.work_order_resume(work_order=order, actor=u),
        "contribute": lambda: services.work_order_contribute(work_order=order, actor=u, text="意见"),
        "reply": lambda: services.work_order_reply(work_order=order, actor=u, reply_text="答复"),
        "approve_reply": lambda: services.work_order_approve_reply(work_order=order, actor=u),
        "send_back": lambda: services.work_order_send_back(work_order=order, actor=u, reason="不具体"),
        "record_callback": lambda: services.work_order_record_callback(
            work_order=order, actor=u, outcome=CallbackOutcome.REACHED, satisfaction=Satisfaction.DISSATISFIED
        ),
        "close": lambda: services.work_order_close(work_order=order, actor=u, reason="办结"),
        "reopen": lambda: services.work_order_reopen(
            work_order=order, actor=u, reason="不满意", department=d
        ),
        "rate_by_citizen": lambda: services.work_order_rate_by_citizen(
            work_order=order, satisfaction=Satisfaction.DISSATISFIED
        ),
        "close_by_citizen_rating": lambda: services.work_order_rate_by_citizen(
            work_order=order, satisfaction=Satisfaction.SATISFIED
        ),
        "approve_publication": lambda: services.work_order_approve_publication(
            work_order=order, actor=u, public_title="标题", public_content="内容", public_reply="答复"
        ),
        "withdraw_publication": lambda: services.work_order_withdraw_publication(
            work_order=order, actor=u, reason="撤下"
        ),
        "decline_reopen": lambda: services.work_order_decline_reopen(
            work_order=order, actor=u, reason="不予"
        ),
        "supervise": lambda: services.work_order_supervise(work_order=order, actor=u, reason="督办"),
        "urge": lambda: services.work_order_urge(work_order=order, actor=u, reason="催办"),
        "escalate": lambda: services.work_order_escalate(work_order=order, actor=u, reason="提级"),
        "merge": lambda: services.work_order_merge(work_order=order, actor=u, into=other),
        "mark_invalid": lambda: services.work_order_mark_invalid(work_order=order, actor=u, reason="无效"),
    }
    return calls[name]


def test_every_transition_has_a_service():
    for transition in GRAPH.transitions:
        assert callable(
            _call(transition.name, None, {"dispatcher": None}, {"dept_b": None, "street": None}, None)
        )


@pytest.mark.parametrize("state", Status.values)
def test_disallowed_transitions_change_nothing(
    state, clock, walk, users, tree, django_capture_on_commit_callbacks
):
    order = walk(state)
    other = walk(S.RECEIVED)
    disallowed = [t.name for t in GRAPH.transitions if state not in t.source]
    if state in GRAPH.transition("rate_by_citizen").source and state != S.AWAITING_CALLBACK:
        # One service runs both rating transitions and picks the one the state allows.
        disallowed.remove("close_by_citizen_rating")
    assert disallowed
    for name in disallowed:
        before_status = WorkOrder.objects.get(pk=order.pk).status
        events = order.events.count()
        audits = AuditEvent.objects.count()
        with django_capture_on_commit_callbacks() as callbacks:
            with pytest.raises(TransitionNotAllowed) as error:
                _call(name, order, users, tree, other)()
        assert error.value.code == "invalid_state", name
        assert WorkOrder.objects.get(pk=order.pk).status == before_status, name
        assert order.events.count() == events, name
        assert AuditEvent.objects.count() == audits, name
        assert callbacks == [], name
