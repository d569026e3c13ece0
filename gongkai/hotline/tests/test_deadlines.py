"""Deadlines on the work calendar, pause/resume, and the periodic sweep."""

from __future__ import annotations

import datetime

import time_machine

from gongkai.core.workcalendar import selectors as calendar
from gongkai.hotline import services
from gongkai.hotline.models import (
    DeadlineRule,
    OrderType,
    RoutingCategory,
    Status,
    SupervisionNotice,
    Urgency,
)

from .conftest import TZ

S = Status


def _local(moment):
    return moment.astimezone(TZ)


def test_thirteen_working_days_run_over_the_national_day_holiday(walk, users, tree):
    with time_machine.travel(datetime.datetime(2026, 9, 30, 10, 0, tzinfo=TZ), tick=False):
        order = services.work_order_dispatch(
            work_order=walk(S.RECEIVED), actor=users["dispatcher"], department=tree["dept_a"]
        )
    # 1–7 October are holidays, 10 October (Saturday) is a make-up working day.
    assert _local(order.reply_due_at).date() == datetime.date(2026, 10, 23)
    assert "投诉类13个工作日内答复" in order.deadline_rule_text or "13个工作日" in order.deadline_rule_text
    # sign-for: 2 office hours from 10:00 → 12:00 the same day
    assert _local(order.sign_for_due_at) == datetime.datetime(2026, 9, 30, 12, 0, tzinfo=TZ)


def test_urgent_orders_are_due_within_eight_working_hours(clock, walk, users, tree):
    order = walk(S.RECEIVED, urgency=Urgency.URGENT)
    order = services.work_order_dispatch(
        work_order=order, actor=users["dispatcher"], department=tree["dept_a"]
    )
    assert _local(order.sign_for_due_at) == datetime.datetime(2026, 6, 1, 9, 30, tzinfo=TZ)
    expected = calendar.add_working_hours(start=datetime.datetime(2026, 6, 1, 9, 0, tzinfo=TZ), hours=8)
    assert order.reply_due_at == expected
    assert order.deadline_unit == "working_hours"


def test_consultations_get_three_working_days(clock, walk, users, tree):
    order = walk(S.RECEIVED, order_type=OrderType.CONSULTATION)
    order = services.work_order_dispatch(
        work_order=order, actor=users["dispatcher"], department=tree["dept_a"]
    )
    assert _local(order.reply_due_at).date() == datetime.date(2026, 6, 4)


def test_rule_precedence_category_beats_type_beats_urgency(db):
    parent = RoutingCategory.objects.create(code="gn", name="供暖")
    child = RoutingCategory.objects.create(code="gn-bn", name="不热", parent=parent)
    by_category = DeadlineRule.objects.create(category=parent, reply_budget=7)
    deeper = DeadlineRule.objects.create(category=child, reply_budget=2)
    typed = services.deadline_rule_for(order_type=OrderType.COMPLAINT, urgency=Urgency.NORMAL, category=None)
    assert typed.reply_budget == 13
    assert (
        services.deadline_rule_for(order_type=OrderType.COMPLAINT, urgency=Urgency.URGENT, category=None).unit
        == "working_hours"
    )
    assert (
        services.deadline_rule_for(order_type=OrderType.COMPLAINT, urgency=Urgency.NORMAL, category=parent)
        == by_category
    )
    assert (
        services.deadline_rule_for(order_type=OrderType.COMPLAINT, urgency=Urgency.URGENT, category=child)
        == deeper
    )


def test_pause_and_resume_move_the_deadline(walk, users, tree):
    with time_machine.travel(datetime.datetime(2026, 6, 1, 9, 0, tzinfo=TZ), tick=False) as traveller:
        order = walk(S.IN_PROGRESS)
        due = order.reply_due_at
        order = services.work_order_pause(
            work_order=order, actor=users["handler_a"], reason="等待群众补充材料"
        )
        assert order.is_paused
        traveller.move_to(datetime.datetime(2026, 6, 4, 9, 0, tzinfo=TZ))
        order = services.work_order_resume(work_order=order, actor=users["handler_a"])
    assert not order.is_paused
    assert calendar.working_days_between(start=_local(due).date(), end=_local(order.reply_due_at).date()) == 3


def test_sweep_urges_and_supervises_once(walk, users, tree):
    with time_machine.travel(datetime.datetime(2026, 6, 1, 9, 0, tzinfo=TZ), tick=False) as traveller:
        waiting = walk(S.DISPATCHED)  # never signed for
        handling = walk(S.IN_PROGRESS, order_type=OrderType.CONSULTATION)  # 3 working days
        traveller.move_to(datetime.datetime(2026, 6, 3, 10, 0, tzinfo=TZ))
        first = services.deadlines_sweep()
        again = services.deadlines_sweep()
        assert first["sign_for_overdue"] == 1 and first["due_soon"] >= 1
        assert again == {"sign_for_overdue": 0, "due_soon": 0, "overdue": 0, "escalated": 0}
        traveller.move_to(datetime.datetime(2026, 6, 5, 10, 0, tzinfo=TZ))
        third = services.deadlines_sweep()
        assert third["overdue"] >= 1
        assert services.deadlines_sweep()["overdue"] == 0
        traveller.move_to(datetime.datetime(2026, 6, 15, 10, 0, tzinfo=TZ))
        late = services.deadlines_sweep()
        assert late["escalated"] >= 1
    handling.refresh_from_db()
    assert handling.escalated
    assert SupervisionNotice.objects.filter(work_order=waiting, kind="urge").count() >= 1
    assert handling.status == S.IN_PROGRESS


def test_sweep_task_runs(clock, db):
    from gongkai.hotline.tasks import sweep_deadlines

    assert sweep_deadlines() == {"sign_for_overdue": 0, "due_soon": 0, "overdue": 0, "escalated": 0}
