"""Consultation, extension, fees, reply, termination, delivery, archive and Table 4 cases."""

from __future__ import annotations

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from gongkai.core.outbox.models import OutboxMessage
from gongkai.core.workflow import TransitionNotAllowed
from gongkai.disclosure import selectors, services
from gongkai.disclosure.models import (
    Application,
    Consultation,
    Extension,
    FeeNotice,
    LogEntry,
    Reply,
    ReviewCase,
    Status,
)

pytestmark = pytest.mark.django_db

D = datetime.date
TZ = services.calendar.CALENDAR_TZ


def at(day: D, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), TZ)


# --- Consultation ------------------------------------------------------------------------------


def test_consultations_pause_the_clock_while_any_is_open(walk_application, users, clock):
    app = walk_application("handling")
    clerk = users["clerk_a"]
    assert app.reply_due_on == D(2026, 6, 30)
    clock.move_to(at(D(2026, 6, 3)))
    first = services.consultation_start(application=app, actor=clerk, kind="third_party", party_name="某公司")
    assert first.due_on == services.calendar.add_working_days(start=D(2026, 6, 3), days=15)
    clock.move_to(at(D(2026, 6, 5)))
    second = services.consultation_start(application=app, actor=clerk, kind="agency", party_name="市财政局")
    clock.move_to(at(D(2026, 6, 10)))
    services.consultation_answer(consultation=first, actor=clerk, answer="consent", answered_on=D(2026, 6, 9))
    assert services.reply_clock_status(Application.objects.get(pk=app.pk)).is_paused
    clock.move_to(at(D(2026, 6, 12)))
    services.consultation_answer(
        consultation=second, actor=clerk, answer="objection", answer_text="涉及内部事务"
    )
    app.refresh_from_db()
    status = services.reply_clock_status(app)
    assert not status.is_paused
    # Paused from 3 June to 12 June: 7 working days (4,5,8,9,10,11,12) added to 30 June.
    assert status.paused == 7
    assert (
        app.reply_due_on == services.calendar.add_working_days(start=D(2026, 6, 30), days=7) == D(2026, 7, 9)
    )
    assert LogEntry.objects.filter(application=app, action="consultation_started", public=True).count() == 2


def test_consultation_refusals_change_nothing(walk_application, users, clock):
    app = walk_application("handling")
    with pytest.raises(ValidationError):
        services.consultation_start(
            application=app,
            actor=users["clerk_a"],
            kind="third_party",
            party_name="某",
            sent_on=D(2026, 5, 1),
        )
    with pytest.raises(ValidationError):
        services.consultation_start(
            application=app,
            actor=users["clerk_a"],
            kind="third_party",
            party_name="某",
            sent_on=D(2026, 6, 2),
        )
    with pytest.raises(TransitionNotAllowed):
        services.consultation_start(application=app, actor=users["clerk_b"], kind="agency", party_name="某")
    assert not Consultation.objects.exists()
    assert not services.reply_clock_status(app).is_paused
    consultation = services.consultation_start(
        application=app, actor=users["clerk_a"], kind="agency", party_name="市财政局"
    )
    services.consultation_answer(consultation=consultation, actor=users["clerk_a"], answer="consent")
    with pytest.raises(TransitionNotAllowed):
        services.consultation_answer(consultation=consultation, actor=users["clerk_a"], answer="objection")


# --- Extension --------------------------------------------------------------------------------


def test_extension_is_approved_by_another_with_the_right(walk_application, users, clock):
    app = walk_application("handling")
    with pytest.raises(ValidationError):
        services.extension_request(application=app, actor=users["clerk_a"], days=21, reason="信息量大")
    with pytest.raises(ValidationError):
        services.extension_request(application=app, actor=users["clerk_a"], days=5, reason=" ")
    extension = services.extension_request(
        application=app, actor=users["office"], days=20, reason="需要调取档案"
    )
    with pytest.raises(TransitionNotAllowed) as info:
        services.extension_request(application=app, actor=users["clerk_a"], days=5, reason="再延")
    assert info.value.code == "extension_exists"
    # Approval: not by a clerk, not by the requester.
    with pytest.raises(TransitionNotAllowed):
        services.extension_decide(extension=extension, actor=users["clerk_a"], approve=True)
    with pytest.raises(TransitionNotAllowed) as info:
        services.extension_decide(extension=extension, actor=users["office"], approve=True)
    assert info.value.code == "own_request"
    # The office head was told (SMS: mobile on file).
    assert OutboxMessage.objects.filter(
        idempotency_key__startswith=f"disclosure:{app.pk}:extension-requested"
    ).exists()
    clock.move_to(at(D(2026, 6, 15)))
    extension = services.extension_decide(extension=extension, actor=users["office_head"], approve=True)
    assert extension.approved_by == users["office_head"] and extension.notified_on == D(2026, 6, 15)
    app.refresh_from_db()
    assert (
        app.reply_due_on
        == services.calendar.add_working_days(start=D(2026, 6, 30), days=20)
        == D(2026, 7, 28)
    )
    assert "延长 20 个工作日" in services.reply_clock_status(app).rule_text
    assert OutboxMessage.objects.filter(idempotency_key=f"disclosure:{app.pk}:extension:sms").exists()
    assert LogEntry.objects.get(application=app, action="extension_approved").public
    with pytest.raises(TransitionNotAllowed):
        services.extension_decide(extension=extension, actor=users["office_head"], approve=True)


def test_extension_after_the_due_date_is_refused(walk_application, users, clock):
    app = walk_application("handling")
    clock.move_to(at(D(2026, 7, 1)))
    with pytest.raises(TransitionNotAllowed, match="2026-06-30") as info:
        services.extension_request(application=app, actor=users["clerk_a"], days=10, reason="需要调取档案")
    assert info.value.code == "extension_too_late"
    assert not Extension.objects.exists()


def test_refused_extension_leaves_the_clock(walk_application, users):
    app = walk_application("handling")
    extension = services.extension_request(application=app, actor=users["clerk_a"], days=10, reason="理由")
    extension = services.extension_decide(extension=extension, actor=users["office_head"], approve=False)
    assert extension.refused
    app.refresh_from_db()
    assert app.reply_due_on == D(2026, 6, 30)


# --- Fees ---------------------------------------------------------------------------------------


def test_fee_by_pages_pauses_the_clock_until_paid(walk_application, users, clock):
    app = walk_application("handling")
    clerk = users["clerk_a"]
    with pytest.raises(TransitionNotAllowed) as info:
        services.fee_notice_issue(application=app, actor=clerk, method="per_page", pages=30)
    assert info.value.code == "no_fee_due"
    with pytest.raises(TransitionNotAllowed):
        services.fee_notice_issue(application=app, actor=clerk, method="per_application")  # 1st this month
    with pytest.raises(ValidationError):
        services.fee_notice_issue(application=app, actor=clerk, method="per_application", pages=50)
    clock.move_to(at(D(2026, 6, 2)))
    notice = services.fee_notice_issue(application=app, actor=clerk, method="per_page", pages=120)
    assert notice.amount == Decimal("1100")  # 70×10 + 20×20
    assert notice.pay_by == services.calendar.add_working_days(start=D(2026, 6, 2), days=20)
    assert len(notice.breakdown) == 3
    app.refresh_from_db()
    assert app.status == Status.AWAITING_FEE and app.applicant_due_on == notice.pay_by
    clock.move_to(at(D(2026, 6, 9)))
    with pytest.raises(ValidationError):
        services.fee_payment_record(application=app, actor=clerk, paid_on=D(2026, 6, 1))
    app = services.fee_payment_record(application=app, actor=clerk, paid_on=D(2026, 6, 8))
    assert app.status == Status.HANDLING and app.applicant_due_on is None
    # Paused 2 → 8 June: 4 working days (3, 4, 5, 8).
    assert app.reply_due_on == services.calendar.add_working_days(start=D(2026, 6, 30), days=4)


def test_fee_per_application_counts_the_applicants_month(make_application, users, clock):
    apps = [make_application() for _ in range(11)]
    other = make_application(applicant_name="李四", id_number="22020419900315002X")
    assert services.applicant_month_rank(apps[-1]) == 11
    assert services.applicant_month_rank(other) == 1
    eleventh = apps[-1]
    services.application_accept(application=eleventh, actor=users["clerk_a"])
    notice = services.fee_notice_issue(application=eleventh, actor=users["clerk_a"], method="per_application")
    assert (notice.quantity, notice.amount) == (11, Decimal("100"))


def test_unpaid_fee_lapses(walk_application, clock):
    app = walk_application("awaiting_fee")
    notice = FeeNotice.objects.get(application=app)
    with pytest.raises(TransitionNotAllowed):
        services.fee_lapse(application=app)
    clock.move_to(at(notice.pay_by + datetime.timedelta(days=1)))
    app = services.fee_lapse(application=app)
    assert (app.status, app.ground, app.outcome) == (Status.TERMINATED, "other_no_fee", "other")
    assert FeeNotice.objects.get(pk=notice.pk).lapsed


# --- Reply ------------------------------------------------------------------------------------


def test_reply_refuses_a_ground_of_another_type_and_changes_nothing(walk_application, users):
    app = walk_application("handling")
    clerk = users["clerk_a"]
    with pytest.raises(TransitionNotAllowed, match="不予公开") as info:
        services.application_reply(
            application=app, actor=clerk, reply_type="withheld", ground="disclosed", body="x"
        )
    assert info.value.code == "ground_not_allowed"
    with pytest.raises(ValidationError) as error:
        services.application_reply(
            application=app, actor=clerk, reply_type="partial", ground="partial", body="x"
        )
    assert "partial_withheld_ground" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.application_reply(
            application=app, actor=clerk, reply_type="not_this_agency", ground="unavailable_not_held", body=""
        )
    with pytest.raises(ValidationError):
        services.application_reply(
            application=app, actor=clerk, reply_type="terminated", ground="other_other", body="撤回"
        )
    with pytest.raises(ValidationError, match="不能晚于今天"):
        services.application_reply(
            application=app,
            actor=clerk,
            reply_type="disclosed",
            ground="disclosed",
            body="见附件",
            replied_on=D(2026, 6, 2),
        )
    assert not Reply.objects.exists()
    app.refresh_from_db()
    assert app.status == Status.HANDLING and app.ground == ""


def test_partial_reply_concludes_and_stops_the_clock(walk_application, users, clock):
    app = walk_application("handling")
    clock.move_to(at(D(2026, 7, 2)))  # two working days late
    with mock.patch("gongkai.disclosure.services._attach_letter") as attach:
        reply = services.application_reply(
            application=app,
            actor=users["clerk_a"],
            reply_type="partial",
            ground="partial",
            partial_withheld_ground="withheld_third_party",
            body="可以公开的部分见附件；其余涉及第三方商业秘密。",
        )
    app.refresh_from_db()
    assert (app.status, app.reply_type, app.ground, app.outcome) == (
        "replied",
        "partial",
        "partial",
        "partial",
    )
    assert app.concluded_on == D(2026, 7, 2) and app.reply_due_on is None
    status = services.reply_clock_status(app)
    assert status.is_stopped and status.is_overdue
    assert reply.partial_withheld_ground == "withheld_third_party"
    assert OutboxMessage.objects.filter(idempotency_key=f"disclosure:{app.pk}:replied:email").exists()
    # The letter is attached after commit (tests run inside one transaction: called by hand here).
    assert attach.call_count in (0, 1)


def test_letter_failure_keeps_the_reply(walk_application, users):
    app = walk_application("handling")
    reply = services.application_reply(
        application=app,
        actor=users["clerk_a"],
        reply_type="not_exist",
        ground="unavailable_not_held",
        body="经检索",
    )
    from gongkai.disclosure import letters

    fake = mock.Mock(side_effect=RuntimeError("no template"))
    # Patched on the module itself: once imported, ``from gongkai.disclosure import letters``
    # finds the package attribute, not a sys.modules entry.
    with mock.patch.object(letters, "reply_letter_attach", fake):
        services._attach_letter(reply.pk)
    fake.assert_called_once()
    assert Reply.objects.filter(pk=reply.pk).exists()


def test_reply_waits_for_open_consultations(walk_application, users):
    app = walk_application("handling")
    services.consultation_start(application=app, actor=users["clerk_a"], kind="third_party", party_name="某")
    with pytest.raises(TransitionNotAllowed) as info:
        services.application_reply(
            application=app, actor=users["clerk_a"], reply_type="disclosed", ground="disclosed", body="见附件"
        )
    assert info.value.code == "consultation_open"


def test_not_this_agency_names_the_agency(walk_application, users):
    app = walk_application("reviewing")
    reply = services.application_reply(
        application=app,
        actor=users["clerk_a"],
        reply_type="not_this_agency",
        ground="unavailable_not_held",
        body="该信息由市自然资源局制作并保存。",
        other_agency="吉林市自然资源局",
        other_agency_contact="0432-12345678",
    )
    assert reply.other_agency == "吉林市自然资源局"


# --- Termination, delivery, archive -----------------------------------------------------------


def test_withdrawal_terminates_and_archive_follows(walk_application, users):
    app = walk_application("terminated")
    assert (app.reply_type, app.ground, app.outcome) == ("terminated", "other_other", "other")
    assert app.concluded_on == D(2026, 6, 1)
    with pytest.raises(ValidationError):
        services.application_terminate(
            application=walk_application("handling", applicant_name="李四"),
            actor=users["clerk_a"],
            ground="disclosed",
            reason="x",
        )
    app = services.application_archive(application=app, actor=users["clerk_a"])
    assert app.status == Status.ARCHIVED and app.archived_at is not None


def test_archive_needs_delivery(walk_application, users, clock):
    app = walk_application("replied")
    with pytest.raises(TransitionNotAllowed) as info:
        services.application_archive(application=app, actor=users["clerk_a"])
    assert info.value.code == "not_delivered"
    with pytest.raises(ValidationError):
        services.delivery_record(application=app, actor=users["clerk_a"], channel="pigeon")
    clock.move_to(at(D(2026, 6, 3)))
    with pytest.raises(ValidationError):
        services.delivery_record(
            application=app, actor=users["clerk_a"], channel="post", delivered_on=D(2026, 5, 31)
        )
    reply = services.delivery_record(application=app, actor=users["clerk_a"], channel="post")
    assert reply.delivered_on == D(2026, 6, 3)
    with pytest.raises(TransitionNotAllowed):
        services.delivery_record(application=app, actor=users["clerk_a"], channel="post")
    archived = walk_application("archived", applicant_name="王五")
    assert archived.archived_at is not None


# --- Table 4 cases ----------------------------------------------------------------------------


def test_review_case_save_checks_dates_outcome_and_department(tree, users, walk_application):
    app = walk_application("replied")
    clerk = users["clerk_a"]
    with pytest.raises(ValidationError) as before_receipt:  # filed before the application came in
        services.review_case_save(
            actor=clerk,
            department=tree["dept_a"],
            kind="reconsideration",
            body="吉林市人民政府",
            filed_on=D(2026, 5, 20),
            application=app,
        )
    assert "filed_on" in before_receipt.value.message_dict
    case = services.review_case_save(
        actor=clerk,
        department=tree["dept_a"],
        kind="reconsideration",
        body="吉林市人民政府",
        filed_on=D(2026, 6, 1),
        application=app,
    )
    assert case.outcome == "pending" and case.concluded_on is None
    with pytest.raises(ValidationError):
        services.review_case_save(
            actor=clerk,
            department=tree["dept_a"],
            kind="reconsideration",
            body="市政府",
            filed_on=D(2026, 5, 20),
            outcome="upheld",
        )
    with pytest.raises(ValidationError):
        services.review_case_save(
            actor=clerk,
            department=tree["dept_a"],
            kind="reconsideration",
            body="市政府",
            filed_on=D(2026, 5, 20),
            outcome="upheld",
            concluded_on=D(2026, 5, 1),
        )
    with pytest.raises(TransitionNotAllowed):
        services.review_case_save(
            actor=clerk,
            department=tree["dept_b"],
            kind="litigation_direct",
            body="船营区法院",
            filed_on=D(2026, 5, 2),
        )
    case = services.review_case_save(
        actor=clerk,
        department=tree["dept_a"],
        kind="reconsideration",
        body="吉林市人民政府",
        filed_on=D(2026, 6, 1),
        application=app,
        outcome="corrected",
        concluded_on=D(2026, 6, 1),
        case=case,
    )
    assert ReviewCase.objects.get(pk=case.pk).outcome == "corrected"
    assert list(selectors.review_case_queryset_for(user=users["clerk_b"])) == []
    assert list(selectors.review_case_queryset_for(user=users["office"])) == [case]


# --- Clock arithmetic across the National Day holiday ------------------------------------------


def test_reply_clock_across_national_day_with_pause_and_extension(make_application, users, clock):
    clock.move_to(at(D(2026, 9, 28)))
    app = make_application()
    # 29, 30 Sep; 1–7 Oct off; 8, 9, Saturday 10 Oct (调休上班), 12–16, 19–23, 26–30 Oct.
    assert app.reply_due_on == D(2026, 10, 30)
    services.application_accept(application=app, actor=users["clerk_a"])
    clock.move_to(at(D(2026, 10, 9)))
    consultation = services.consultation_start(
        application=app,
        actor=users["clerk_a"],
        kind="third_party",
        party_name="某公司",
        sent_on=D(2026, 9, 30),
    )
    clock.move_to(at(D(2026, 10, 12)))
    services.consultation_answer(consultation=consultation, actor=users["clerk_a"], answer="consent")
    app.refresh_from_db()
    # Paused 30 Sep → 12 Oct: 8, 9, 10, 12 October are 4 working days.
    assert services.reply_clock_status(app).paused == 4
    assert (
        app.reply_due_on
        == services.calendar.add_working_days(start=D(2026, 10, 30), days=4)
        == D(2026, 11, 5)
    )
    extension = services.extension_request(
        application=app, actor=users["clerk_a"], days=20, reason="档案量大"
    )
    services.extension_decide(extension=extension, actor=users["office_head"], approve=True)
    app.refresh_from_db()
    assert app.reply_due_on == services.calendar.add_working_days(start=D(2026, 11, 5), days=20)
    assert services.reply_clock_status(app).remaining == 20 + 20 - 2  # 29 and 30 September used
