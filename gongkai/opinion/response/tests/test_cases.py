"""Assessment, clocks, forwarding, responses and the case's state graph."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from gongkai.core.audit.models import AuditEvent
from gongkai.core.outbox.models import OutboxMessage
from gongkai.core.workflow import TransitionNotAllowed
from gongkai.opinion.models import EventStatus
from gongkai.opinion.response import selectors, services
from gongkai.opinion.response.models import (
    Alert,
    CaseStatus,
    ClockKind,
    EventCase,
    Forwarding,
    ForwardingStatus,
    Level,
    ResponseKind,
)

from .conftest import HOUR, MINUTE, NOW

pytestmark = pytest.mark.django_db


def assess(event, users, tree, *, major=False, level=Level.GENERAL, actor="analyst", **extra):
    return services.case_assess(
        event=event,
        level=level,
        is_major_emergency=major,
        department=extra.pop("department", tree["district"]),
        note=extra.pop("note", "经研判，需回应。"),
        actor=users[actor],
        **extra,
    )


def clocks(case):
    return {c.kind: c for c in selectors.case_clocks(case)}


def respond(event, users, kind=ResponseKind.STATEMENT, **extra):
    return services.case_record_response(
        event=event,
        kind=kind,
        summary="市水务局通报：松江路供水管线抢修，今晚恢复供水。",
        actor=users["press"],
        **extra,
    )


def test_major_emergency_gets_5_and_24_hours_from_the_first_alert(clock, users, tree, make_event):
    event = make_event(hotness=120)
    Alert.objects.create(
        kind="hotness", threshold=80, event=event, subject=str(event.pk), value=120, fired_at=NOW - 2 * HOUR
    )
    case = assess(event, users, tree, major=True, level=Level.MAJOR)
    assert case.status == CaseStatus.ASSESSED and case.clock_started_at == NOW - 2 * HOUR
    found = clocks(case)
    assert set(found) == {ClockKind.AUTHORITATIVE_INFO, ClockKind.PRESS_CONFERENCE}
    assert found[ClockKind.AUTHORITATIVE_INFO].due_at == NOW + 3 * HOUR
    assert found[ClockKind.PRESS_CONFERENCE].due_at == NOW + 22 * HOUR
    event.refresh_from_db()
    assert event.status == EventStatus.ASSESSED


def test_other_events_get_48_hours_from_the_assessment(clock, users, tree, make_event):
    event = make_event()
    case = assess(event, users, tree)
    (only,) = selectors.case_clocks(case)
    assert (only.kind, only.started_at, only.due_at) == (ClockKind.RESPONSE, NOW, NOW + 48 * HOUR)
    assert selectors.clock_state(only, NOW) == "running"
    assert selectors.clock_state(only, NOW + 41 * HOUR) == "due_soon"
    assert selectors.clock_state(only, NOW + 48 * HOUR) == "overdue"


def test_the_analyst_may_date_the_start_but_not_in_the_future(clock, users, tree, make_event):
    event = make_event()
    with pytest.raises(ValidationError):
        assess(event, users, tree, clock_started_at=NOW + HOUR)
    assert not EventCase.objects.exists()
    case = assess(event, users, tree, clock_started_at=NOW - 3 * HOUR)
    assert selectors.case_clocks(case)[0].due_at == NOW + 45 * HOUR


def test_reassessing_as_major_swaps_the_clocks(clock, users, tree, make_event):
    event = make_event()
    assess(event, users, tree)
    clock.shift(HOUR)
    case = assess(event, users, tree, major=True, level=Level.ESPECIALLY_MAJOR)
    everything = {c.kind: c for c in selectors.case_clocks(case, all_rounds=True)}
    assert everything[ClockKind.RESPONSE].cancelled_at == NOW + HOUR
    # The same start (the first assessment), five hours.
    assert everything[ClockKind.AUTHORITATIVE_INFO].due_at == NOW + 5 * HOUR
    # 特别重大: the leaders are told.
    assert OutboxMessage.objects.filter(
        recipient="l@example.org", idempotency_key__contains="especially-major"
    ).exists()


def test_responses_stop_the_clocks_they_meet(clock, users, tree, make_event):
    event = make_event()
    case = assess(event, users, tree, major=True, level=Level.MAJOR)
    clock.shift(2 * HOUR)
    statement = respond(event, users, at=NOW + HOUR)
    found = clocks(EventCase.objects.get(pk=case.pk))
    assert found[ClockKind.AUTHORITATIVE_INFO].met_by == statement
    assert found[ClockKind.AUTHORITATIVE_INFO].met_on_time is True
    assert found[ClockKind.PRESS_CONFERENCE].met_at is None  # a statement is not a press conference
    clock.shift(24 * HOUR)
    respond(event, users, kind=ResponseKind.PRESS_CONFERENCE, spokesperson="市政府新闻发言人")
    found = clocks(EventCase.objects.get(pk=case.pk))
    assert selectors.clock_state(found[ClockKind.PRESS_CONFERENCE], NOW + 30 * HOUR) == "met_late"
    assert EventCase.objects.get(pk=case.pk).status == CaseStatus.RESPONDED


def test_a_response_before_an_upgrade_meets_the_new_clock(clock, users, tree, make_event):
    event = make_event()
    assess(event, users, tree)
    respond(event, users)
    case = assess(event, users, tree, major=True, level=Level.MAJOR)
    found = clocks(case)
    assert found[ClockKind.AUTHORITATIVE_INFO].met_at == NOW
    assert found[ClockKind.PRESS_CONFERENCE].met_at is None


def test_overdue_sweep_is_idempotent(clock, users, tree, make_event):
    event = make_event()
    assess(event, users, tree, major=True, level=Level.MAJOR)
    clock.shift(4 * HOUR + 10 * MINUTE)
    assert services.sweep()["clocks_due_soon"] == 1  # the 5-hour clock, an hour before
    assert services.sweep()["clocks_due_soon"] == 0
    clock.shift(HOUR)
    first = services.sweep()
    assert first["clocks_overdue"] == 1
    messages = OutboxMessage.objects.count()
    again = services.sweep()
    assert again == {
        "clocks_due_soon": 0,
        "clocks_overdue": 0,
        "forwardings_due_soon": 0,
        "forwardings_overdue": 0,
    }
    assert OutboxMessage.objects.count() == messages
    # The overdue notice also reached the responsible department (the district).
    assert OutboxMessage.objects.filter(
        recipient="d@example.org", idempotency_key__contains=":overdue"
    ).exists()


def test_met_and_closed_clocks_are_not_swept(clock, users, tree, make_event):
    event = make_event()
    assess(event, users, tree)
    respond(event, users)
    other = make_event()
    assess(other, users, tree)
    services.case_dismiss(event=other, reason="属于正常咨询，无需回应。", actor=users["analyst"])
    clock.shift(50 * HOUR)
    assert services.sweep()["clocks_overdue"] == 0


def test_forwarding_is_a_tracked_task_of_its_department(clock, users, tree, make_event):
    event = make_event()
    with pytest.raises(TransitionNotAllowed):  # not assessed yet
        services.case_forward(
            event=event, department=tree["water"], instructions="请核实", actor=users["analyst"]
        )
    assess(event, users, tree, major=True, level=Level.MAJOR)
    forwarding = services.case_forward(
        event=event,
        department=tree["water"],
        instructions="请核实停水原因和恢复时间。",
        actor=users["analyst"],
    )
    assert forwarding.deadline == NOW + 5 * HOUR  # the earliest running clock
    assert EventCase.objects.get(event=event).status == CaseStatus.FORWARDED
    assert OutboxMessage.objects.filter(recipient="13900000002", channel="sms").exists()
    with pytest.raises(ValidationError):  # twice to the same department while open
        services.case_forward(
            event=event, department=tree["water"], instructions="再次", actor=users["analyst"]
        )
    # Isolation: the school bureau does not see it and cannot answer it.
    assert list(selectors.forwardings_visible(users["school"])) == []
    assert list(selectors.forwardings_visible(users["water"])) == [forwarding]
    with pytest.raises(TransitionNotAllowed) as refused:
        services.forwarding_answer(forwarding=forwarding, answer="与我局无关", actor=users["school"])
    assert refused.value.code == "permission_denied"
    forwarding.refresh_from_db()
    assert (forwarding.status, forwarding.answer) == (ForwardingStatus.SENT, "")
    services.forwarding_accept(forwarding=forwarding, actor=users["water"])
    answered = services.forwarding_answer(
        forwarding=forwarding, answer="管线爆裂，今晚 20 时前恢复。", actor=users["water"]
    )
    assert answered.status == ForwardingStatus.ANSWERED and not answered.answered_late


def test_a_district_sees_its_streets_forwardings(clock, users, tree, make_event):
    event = make_event()
    assess(event, users, tree)
    forwarding = services.case_forward(
        event=event, department=tree["street"], instructions="请街道核实。", actor=users["analyst"]
    )
    assert list(selectors.forwardings_visible(users["district"])) == [forwarding]
    assert list(selectors.forwardings_visible(users["street"])) == [forwarding]
    assert list(selectors.forwardings_visible(users["water"])) == []
    assert list(selectors.forwardings_visible(users["clerk"])) == []


def test_forwarding_overdue_then_answered_late(clock, users, tree, make_event):
    event = make_event()
    assess(event, users, tree)
    forwarding = services.case_forward(
        event=event,
        department=tree["water"],
        instructions="请核实。",
        deadline=NOW + 8 * HOUR,
        work_order_number="",
        actor=users["analyst"],
    )
    clock.shift(7 * HOUR)
    assert services.sweep()["forwardings_due_soon"] == 1
    clock.shift(2 * HOUR)
    assert services.sweep()["forwardings_overdue"] == 1
    assert services.sweep()["forwardings_overdue"] == 0
    forwarding.refresh_from_db()
    assert forwarding.status == ForwardingStatus.OVERDUE
    done = services.forwarding_answer(forwarding=forwarding, answer="已核实。", actor=users["water"])
    assert done.status == ForwardingStatus.ANSWERED and done.answered_late


def test_forwarding_links_an_existing_work_order_by_number(clock, users, tree, make_event):
    from gongkai.hotline import services as hotline

    order, _code = hotline.work_order_create(
        channel="phone", content="松江路停水三天了，请尽快恢复。", caller_phone="13900009999"
    )
    event = make_event()
    assess(event, users, tree)
    with pytest.raises(ValidationError):
        services.case_forward(
            event=event,
            department=tree["water"],
            instructions="请核实。",
            work_order_number="X0",
            actor=users["analyst"],
        )
    assert not Forwarding.objects.exists()
    forwarding = services.case_forward(
        event=event,
        department=tree["water"],
        instructions="请核实。",
        work_order_number=order.tracking_number,
        actor=users["analyst"],
    )
    assert forwarding.work_order == order


def test_refused_transitions_change_nothing(clock, users, tree, make_event):
    event = make_event()
    audits = AuditEvent.objects.count()
    with pytest.raises(TransitionNotAllowed) as refused:
        assess(event, users, tree, actor="clerk")
    assert refused.value.code == "permission_denied"
    assert not EventCase.objects.exists() and AuditEvent.objects.count() == audits
    case = assess(event, users, tree)
    audits = AuditEvent.objects.count()
    for call in (
        lambda: services.case_close(event=event, actor=users["analyst"]),  # nothing responded yet
        lambda: services.case_reopen(event=event, reason="再起", actor=users["analyst"]),  # not closed
        lambda: services.case_record_response(
            event=event, kind="statement", summary="x", actor=users["water"]
        ),
    ):
        with pytest.raises(TransitionNotAllowed):
            call()
    after = EventCase.objects.get(pk=case.pk)
    assert (after.status, after.closed_at, after.round) == (CaseStatus.ASSESSED, None, 1)
    assert not after.responses.exists() and AuditEvent.objects.count() == audits
    event.refresh_from_db()
    assert event.status == EventStatus.ASSESSED


def test_bad_input_changes_nothing(clock, users, tree, make_event):
    event = make_event()
    tree["school"].is_active = False
    tree["school"].save()
    for kwargs in (
        {"level": "huge"},
        {"department": None},
        {"department": tree["school"]},
        {"note": "长" * 5001},
        {"clock_started_at": NOW - 40 * 24 * HOUR},
        {"clock_started_at": datetime.datetime(2026, 6, 1, 8, 0)},  # naive
    ):
        with pytest.raises(ValidationError):
            assess(event, users, tree, **kwargs)
    assert not EventCase.objects.exists()
    assess(event, users, tree)
    for kwargs in (
        {"kind": "tweet"},
        {"summary": ""},
        {"url": "javascript:alert(1)"},
        {"kind": ResponseKind.DOCUMENT},  # neither a page nor a link
        {"page_id": 999999},
        {"at": NOW + HOUR},
    ):
        values = {"kind": ResponseKind.STATEMENT, "summary": "通报", **kwargs}
        with pytest.raises(ValidationError):
            services.case_record_response(event=event, actor=users["press"], **values)
    assert EventCase.objects.get(event=event).status == CaseStatus.ASSESSED


def test_close_withdraws_open_forwardings_and_reopen_starts_a_new_round(clock, users, tree, make_event):
    event = make_event()
    assess(event, users, tree)
    forwarding = services.case_forward(
        event=event, department=tree["water"], instructions="请核实。", actor=users["analyst"]
    )
    respond(event, users)
    case = services.case_close(event=event, reason="已回应，舆情平息。", actor=users["analyst"])
    assert case.status == CaseStatus.CLOSED
    forwarding.refresh_from_db()
    assert forwarding.status == ForwardingStatus.WITHDRAWN
    event.refresh_from_db()
    assert event.status == EventStatus.CLOSED
    clock.shift(72 * HOUR)
    case = services.case_reopen(event=event, reason="舆情再起。", actor=users["analyst"])
    assert (case.status, case.round, case.clock_started_at) == (CaseStatus.OPEN, 2, None)
    case = assess(event, users, tree)
    (new,) = selectors.case_clocks(case)
    assert (new.round, new.started_at) == (2, NOW + 72 * HOUR)
    assert len(selectors.case_clocks(case, all_rounds=True)) == 2
    assert AuditEvent.objects.filter(action__startswith="opinion_case.").count() == 6


def test_suggested_departments_local_then_topic_owner(clock, users, tree, make_event, make_posts):
    from gongkai.opinion.models import PostTopic, Topic

    event = make_event(district="changyi")
    topic = Topic.objects.create(name="供水", rule="停水", owner_department=tree["water"])
    (post,) = make_posts(event, [NOW])
    PostTopic.objects.create(post=post, topic=topic, published_at=post.published_at)
    found = selectors.suggest_departments(event)
    assert [(f["department"].code, f["reason"]) for f in found] == [("changyi", "local"), ("shuiwu", "topic")]
    assert selectors.suggest_departments(make_event(district="")) == []
