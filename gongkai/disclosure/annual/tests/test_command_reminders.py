"""The daily reminder job: who is told, at which stage, once per stage, and escalation when overdue."""

from __future__ import annotations

import datetime

import pytest

from gongkai.core.outbox.models import OutboxMessage
from gongkai.disclosure.annual import services
from gongkai.disclosure.annual.tasks import annual_reminders

D = datetime.date


def _key(department, stage, user, channel="email", suffix=""):
    where = "city" if department is None else f"d{department.pk}"
    return f"disclosure-annual:2025:{where}:{stage}{suffix}:u{user.pk}:{channel}"


def _keys():
    return sorted(OutboxMessage.objects.values_list("idempotency_key", flat=True))


def test_stages():
    deadline = D(2026, 1, 31)
    stage = services.reminder_stage
    assert stage(today=D(2025, 12, 31), year=2025, deadline=deadline) is None
    assert stage(today=D(2026, 1, 1), year=2025, deadline=deadline) == "start"
    assert stage(today=D(2026, 1, 23), year=2025, deadline=deadline) == "start"
    assert stage(today=D(2026, 1, 24), year=2025, deadline=deadline) == "due-7"
    assert stage(today=D(2026, 1, 30), year=2025, deadline=deadline) == "due-1"
    assert stage(today=D(2026, 1, 31), year=2025, deadline=deadline) == "due-1"
    assert stage(today=D(2026, 2, 1), year=2025, deadline=deadline) == "overdue-1"
    assert stage(today=D(2026, 2, 8), year=2025, deadline=deadline) == "overdue-2"
    assert stage(today=D(2027, 1, 1), year=2025, deadline=deadline) is None


def test_reminders_once_per_stage_until_released(tree, users):
    counts = services.annual_reminders_send(today=D(2026, 1, 2))
    keys = _keys()
    # clerk_a has an e-mail; clerk_b has neither e-mail nor mobile (not reached); the office is
    # reminded of the government's report (gkb by e-mail, gkb-head by SMS).
    assert _key(tree["dept_a"], "start", users["clerk_a"]) in keys
    assert _key(None, "start", users["office"]) in keys
    assert _key(None, "start", users["office_head"], "sms") in keys
    assert len(keys) == 3
    assert counts == {"reminded": 3, "escalated": 0}
    message = OutboxMessage.objects.get(recipient="a@example.org")
    assert "吉林市住房和城乡建设局" in message.payload["subject"]
    assert "2027" not in message.payload["body"] and "2026年1月31日" in message.payload["body"]

    # Idempotent: the same stage again sends nothing new.
    services.annual_reminders_send(today=D(2026, 1, 3))
    assert _keys() == keys

    # A week before the departments' deadline: their next stage (the government's is 31 March).
    services.annual_reminders_send(today=D(2026, 1, 24))
    assert sorted(set(_keys()) - set(keys)) == [_key(tree["dept_a"], "due-7", users["clerk_a"])]

    # dept_a releases its report: no more reminders for it.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services, "_render_files", lambda data: {})
        import time_machine

        with time_machine.travel(datetime.datetime(2026, 1, 25, 9), tick=False):
            report = services.report_create(year=2025, department=tree["dept_a"], actor=users["clerk_a"])
            services.report_release(report=report, actor=users["office"])
    before = set(_keys())
    counts = services.annual_reminders_send(today=D(2026, 2, 1))
    new = set(_keys()) - before
    assert not any(f":d{tree['dept_a'].pk}:" in key for key in new)
    # dept_b is overdue: its clerk (unreachable) and, as escalation, the disclosure office.
    assert _key(tree["dept_b"], "overdue-1", users["office"], suffix=":office") in new
    assert counts["escalated"] == 2  # gkb and gkb-head
    escalation = OutboxMessage.objects.get(
        idempotency_key=_key(tree["dept_b"], "overdue-1", users["office"], suffix=":office")
    )
    assert escalation.payload["subject"].startswith("【逾期】吉林市教育局")


def test_government_report_overdue_after_31_march(tree, users):
    services.annual_reminders_send(today=D(2026, 4, 1))
    keys = _keys()
    assert _key(None, "overdue-1", users["office"]) in keys


def test_task_runs(tree, users):
    import time_machine

    with time_machine.travel(datetime.datetime(2026, 1, 5, 9), tick=False):
        assert annual_reminders()["reminded"] >= 1
