"""The citizen's own rating (work_order_rate_by_citizen) and the 群众申请重办 queue."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from gongkai.core.workflow import TransitionNotAllowed
from gongkai.hotline import selectors, services
from gongkai.hotline.models import CallbackOutcome, EventType, Status

pytestmark = pytest.mark.django_db


def test_satisfied_rating_closes_as_rated_online(walk, users):
    order = walk(Status.AWAITING_CALLBACK)
    order = services.work_order_rate_by_citizen(
        work_order=order, satisfaction="very_satisfied", comment="谢谢"
    )
    assert order.status == Status.CLOSED
    assert order.callback_outcome == CallbackOutcome.RATED_ONLINE and order.callback_attempts == 1
    assert order.satisfaction == "very_satisfied" and order.citizen_rated_at is not None
    assert order.reopen_requested_at is None
    log = order.callback_attempts_log.get()
    assert log.outcome == CallbackOutcome.RATED_ONLINE and log.attempted_by is None
    public = [e.text for e in selectors.public_view(order).events]
    assert "您已评价：非常满意。" in public and "已办结。" in public


def test_a_second_rating_is_refused(walk):
    order = walk(Status.CLOSED)
    services.work_order_rate_by_citizen(work_order=order, satisfaction="satisfied")
    with pytest.raises(TransitionNotAllowed) as exc:
        services.work_order_rate_by_citizen(work_order=order, satisfaction="dissatisfied")
    assert exc.value.code == "already_rated" and exc.value.message == "该诉求已评价过。"


def test_no_rating_before_the_reply_is_approved(walk):
    order = walk(Status.REPLIED)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.work_order_rate_by_citizen(work_order=order, satisfaction="satisfied")
    assert exc.value.code == "invalid_state"


def test_staff_cannot_rate_in_the_citizens_name(walk, users):
    order = walk(Status.AWAITING_CALLBACK)
    assert "rate_by_citizen" not in selectors.work_order_actions(work_order=order, user=users["dispatcher"])
    with pytest.raises(ValidationError):
        services.work_order_rate_by_citizen(work_order=order, satisfaction="so-so")


def test_dissatisfied_rating_waits_for_the_office_then_reopens(walk, users, tree):
    order = walk(Status.AWAITING_CALLBACK)
    order = services.work_order_rate_by_citizen(
        work_order=order, satisfaction="dissatisfied", comment="灯不亮"
    )
    assert order.status == Status.AWAITING_CALLBACK
    assert order.reopen_requested_at is not None and order.reopen_request_reason == "灯不亮"
    office = users["dispatcher"]
    assert list(selectors.queue_reopen_requests(office)) == [order]
    assert "decline_reopen" in selectors.work_order_actions(work_order=order, user=office)
    order = services.work_order_reopen(work_order=order, actor=office, reason="群众不满意，重新办理")
    assert order.status == Status.DISPATCHED and order.reopen_requested_at is None
    assert not selectors.queue_reopen_requests(office).exists()


def test_closed_order_reopen_request_can_be_declined(walk, users):
    order = walk(Status.CLOSED)
    order = services.work_order_rate_by_citizen(
        work_order=order, satisfaction="basically_satisfied", request_reopen=True
    )
    assert order.status == Status.CLOSED and order.reopen_requested_at is not None
    with pytest.raises(TransitionNotAllowed):
        services.work_order_decline_reopen(work_order=order, actor=users["handler_a"], reason="不同意")
    order = services.work_order_decline_reopen(
        work_order=order, actor=users["dispatcher"], reason="路灯已修复，经现场核实正常，电话13812345678"
    )
    assert order.reopen_requested_at is None and order.status == Status.CLOSED
    texts = [e.text for e in selectors.public_view(order).events]
    declined = [t for t in texts if t.startswith("热线审核后未同意重新办理")]
    assert declined and "13812345678" not in declined[0]
    with pytest.raises(TransitionNotAllowed) as exc:
        services.work_order_decline_reopen(work_order=order, actor=users["dispatcher"], reason="再次")
    assert exc.value.code == "no_reopen_request"


def test_a_merged_orders_citizen_flags_the_lead_order(walk, users, make_order):
    lead = walk(Status.AWAITING_CALLBACK)
    follower = services.work_order_merge(
        work_order=make_order(), actor=users["dispatcher"], into=lead, reason="重复"
    )
    follower = services.work_order_rate_by_citizen(work_order=follower, satisfaction="very_dissatisfied")
    lead.refresh_from_db()
    assert follower.citizen_rated_at is not None and follower.status == Status.MERGED
    assert lead.reopen_requested_at is not None and lead.citizen_rated_at is None
    assert lead.events.filter(type=EventType.REOPEN_REQUESTED, is_public=False).exists()
    # The lead's own citizen may still rate.
    services.work_order_rate_by_citizen(work_order=lead, satisfaction="satisfied")
