"""The periodic job: lapses, agencies' silence, reminders and escalation, each sent once."""

from __future__ import annotations

import datetime

import pytest

from gongkai.core.outbox.models import OutboxMessage
from gongkai.disclosure import services, tasks
from gongkai.disclosure.models import Application, Consultation, Status
from gongkai.settings.schedule import BEAT_SCHEDULE

pytestmark = pytest.mark.django_db

D = datetime.date
TZ = services.calendar.CALENDAR_TZ


def move(clock, day: D) -> None:
    clock.move_to(datetime.datetime.combine(day, datetime.time(2), TZ))


def test_job_is_scheduled():
    entry = BEAT_SCHEDULE["disclosure-clocks-tick"]
    assert entry["task"] == tasks.disclosure_clocks_tick.name


def test_lapses_and_agency_silence(walk_application, users, clock):
    correcting = walk_application("correction")
    paying = walk_application("awaiting_fee", applicant_name="李四")
    consulted = walk_application("handling", applicant_name="王五")
    agency = services.consultation_start(
        application=consulted, actor=users["clerk_a"], kind="agency", party_name="市财政局"
    )
    third = services.consultation_start(
        application=consulted, actor=users["clerk_a"], kind="third_party", party_name="某公司"
    )
    assert services.clocks_tick()["correction_lapsed"] == 0
    move(clock, D(2026, 6, 24))  # the correction and the consultations were due 23 June
    counts = tasks.disclosure_clocks_tick()
    assert counts["correction_lapsed"] == 1 and counts["fee_lapsed"] == 0
    assert counts["agency_silence"] == 1 and counts["third_party_overdue"] == 1
    correcting.refresh_from_db()
    assert (correcting.status, correcting.ground) == (Status.TERMINATED, "other_no_correction")
    agency.refresh_from_db()
    assert agency.answer == "no_answer" and agency.answered_on == agency.due_on
    assert Consultation.objects.get(pk=third.pk).answer == "pending"
    assert services.reply_clock_status(Application.objects.get(pk=consulted.pk)).is_paused
    before = OutboxMessage.objects.count()
    again = services.clocks_tick()
    assert again["correction_lapsed"] == 0 and again["agency_silence"] == 0
    assert OutboxMessage.objects.count() == before
    pay_by = paying.fee_notice.pay_by
    move(clock, pay_by + datetime.timedelta(days=1))
    assert services.clocks_tick()["fee_lapsed"] == 1
    assert Application.objects.get(pk=paying.pk).ground == "other_no_fee"


def test_reminders_and_escalation_once_each(walk_application, users, clock):
    app = walk_application("handling")  # due 30 June, handler clerk_a
    move(clock, D(2026, 6, 24))
    assert services.clocks_tick()["reminded"] == 0
    move(clock, D(2026, 6, 25))  # 26, 29, 30: three working days left
    counts = services.clocks_tick()
    assert counts["reminded"] == 1
    reminders = OutboxMessage.objects.filter(idempotency_key__startswith=f"disclosure:{app.pk}:due-soon:")
    assert [m.recipient for m in reminders] == ["a@example.org"]
    services.clocks_tick()
    move(clock, D(2026, 6, 26))
    services.clocks_tick()
    assert reminders.count() == 1
    move(clock, D(2026, 7, 1))
    counts = services.clocks_tick()
    assert counts["escalated"] == 1
    escalations = OutboxMessage.objects.filter(idempotency_key__startswith=f"disclosure:{app.pk}:overdue:")
    # The office: gkb by e-mail, the head by SMS.
    assert {m.channel for m in escalations} == {"email", "sms"}
    services.clocks_tick()
    move(clock, D(2026, 7, 2))
    services.clocks_tick()
    assert escalations.count() == 2


def test_paused_clocks_due_dates_follow_the_days(walk_application, users, clock):
    app = walk_application("handling")
    services.consultation_start(application=app, actor=users["clerk_a"], kind="third_party", party_name="某")
    move(clock, D(2026, 6, 5))
    services.clocks_tick()
    app.refresh_from_db()
    # Paused 1 → 5 June: 4 working days more.
    assert app.reply_due_on == services.calendar.add_working_days(start=D(2026, 6, 30), days=4)
