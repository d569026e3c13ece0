from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from gongkai.core.workcalendar import selectors, services
from gongkai.core.workcalendar.clocks import ClockSpec, PauseSpan
from gongkai.core.workcalendar.models import CalendarYear, ClockUnit
from gongkai.core.workcalendar.services import ClockStateError

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
D = datetime.date


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture
def owner():
    # Any model instance can own a clock; a calendar year is at hand in these tests.
    return CalendarYear.objects.get(year=2026)


@pytest.fixture
def clock(owner):
    return services.clock_start(
        owner=owner,
        purpose="reply",
        unit=ClockUnit.WORKING_DAYS,
        budget=20,
        started_at=at("2026-09-01 10:00"),
    )


def test_running_clock(clock):
    with time_machine.travel(at("2026-09-28 12:00"), tick=False):
        status = selectors.clock_status(clock=clock)
    # 20 working days: Sunday 20 Sept is a 调休 working day, Friday 25 Sept is the Mid-autumn holiday.
    assert status.due_date == D(2026, 9, 29)
    assert status.due_at == datetime.datetime.combine(D(2026, 9, 29), datetime.time.max, SH)
    assert status.remaining == 1
    assert status.is_overdue is False
    assert status.rule_text == "20个工作日"
    with time_machine.travel(at("2026-09-30 08:00"), tick=False):
        late = selectors.clock_status(clock=clock)
    assert late.is_overdue is True and late.remaining == -1


def test_pause_and_resume_add_the_working_days_lost(clock):
    services.clock_pause(clock=clock, at=at("2026-09-08 10:00"), reason="等待申请人补正")
    with time_machine.travel(at("2026-09-09 15:00"), tick=False):
        paused = selectors.clock_status(clock=clock)
    assert paused.is_paused is True
    assert paused.remaining == 15  # 2, 3, 4, 7, 8 Sept consumed; frozen while paused
    assert paused.rule_text == "20个工作日（暂停 1 个工作日，暂停中）"

    services.clock_resume(clock=clock, at=at("2026-09-10 15:00"))
    with time_machine.travel(at("2026-09-11 09:00"), tick=False):
        status = selectors.clock_status(clock=clock)
    assert status.is_paused is False
    assert status.paused == 2
    assert status.due_date == D(2026, 10, 8)  # 29 Sept + 2 working days, across National Day
    assert status.remaining == 14
    assert status.rule_text == "20个工作日（暂停 2 个工作日）"


def test_rule_text_matches_the_issue_example(owner):
    spec = ClockSpec(
        unit=ClockUnit.WORKING_DAYS,
        budget=20,
        started_at=at("2026-03-02 09:00"),
        pauses=(PauseSpan(at("2026-03-05 10:00"), at("2026-03-10 10:00")),),
    )
    assert spec.status(now=at("2026-03-20 09:00")).rule_text == "20个工作日（暂停 3 个工作日）"


def test_extension_across_the_national_day_holiday(clock):
    services.clock_pause(clock=clock, at=at("2026-09-08 10:00"), reason="征求第三方意见")
    services.clock_resume(clock=clock, at=at("2026-09-10 15:00"))
    services.clock_extend(clock=clock, amount=10, reason="经负责人同意延长", at=at("2026-09-25 10:00"))
    status = selectors.clock_status(clock=clock, now=at("2026-10-09 10:00"))
    assert status.due_date == D(2026, 10, 21)
    assert status.rule_text == "20个工作日（延长 10 个工作日，暂停 2 个工作日）"
    assert status.is_overdue is False


def test_restart_counts_the_whole_budget_again(clock):
    services.clock_pause(clock=clock, at=at("2026-09-03 10:00"), reason="申请内容不明确，告知补正")
    restarted = services.clock_restart(clock=clock, at=at("2026-09-10 10:00"))
    assert restarted.restarted_count == 1
    assert restarted.pauses.get().resumed_at == at("2026-09-10 10:00")
    status = selectors.clock_status(clock=restarted, now=at("2026-09-11 10:00"))
    assert status.due_date == D(2026, 10, 14)
    assert status.paused == 0
    assert status.rule_text == "20个工作日"


def test_stopped_clock_is_judged_at_its_stop(owner):
    clock = services.clock_start(
        owner=owner,
        purpose="sign_for",
        unit=ClockUnit.WORKING_HOURS,
        budget=2,
        started_at=at("2026-10-12 16:00"),
    )
    assert selectors.clock_status(clock=clock, now=at("2026-10-12 16:30")).due_at == at("2026-10-13 09:30")
    services.clock_stop(clock=clock, at=at("2026-10-13 09:00"))
    status = selectors.clock_status(clock=clock, now=at("2026-12-01 09:00"))
    assert status.is_stopped is True and status.is_overdue is False
    assert status.remaining == datetime.timedelta(minutes=30)


def test_working_hours_clock_paused_outside_and_inside_office_hours(owner):
    clock = services.clock_start(
        owner=owner,
        purpose="sign_for",
        unit=ClockUnit.WORKING_HOURS,
        budget=2,
        started_at=at("2026-10-12 16:00"),
    )
    services.clock_pause(clock=clock, at=at("2026-10-13 08:00"), reason="等待市民回电")
    services.clock_resume(clock=clock, at=at("2026-10-13 10:00"))
    with time_machine.travel(at("2026-10-13 10:30"), tick=False):
        status = selectors.clock_status(clock=clock)
    assert status.due_at == at("2026-10-13 11:00")
    assert status.paused == datetime.timedelta(hours=1.5)
    assert status.remaining == datetime.timedelta(minutes=30)
    assert status.rule_text == "2个工作小时（暂停 1.5 个工作小时）"
    with time_machine.travel(at("2026-10-13 11:01"), tick=False):
        assert selectors.clock_status(clock=clock).is_overdue is True


def test_clock_state_guards(owner, clock):
    with pytest.raises(ClockStateError):
        services.clock_start(owner=owner, purpose="reply", unit=ClockUnit.WORKING_DAYS, budget=20)
    with pytest.raises(ClockStateError):
        services.clock_resume(clock=clock, at=at("2026-09-02 10:00"))
    services.clock_pause(clock=clock, at=at("2026-09-02 10:00"), reason="等待")
    with pytest.raises(ClockStateError):
        services.clock_pause(clock=clock, at=at("2026-09-03 10:00"), reason="再次")
    with pytest.raises(ClockStateError):
        services.clock_resume(clock=clock, at=at("2026-09-01 10:00"))
    services.clock_stop(clock=clock, at=at("2026-09-04 10:00"))
    assert clock.pauses.get().resumed_at == at("2026-09-04 10:00")
    with pytest.raises(ClockStateError):
        services.clock_extend(clock=clock, amount=5, reason="x")
    assert selectors.clock_get(owner=owner, purpose="reply").pk == clock.pk
    assert selectors.clock_get(owner=owner, purpose="other") is None
