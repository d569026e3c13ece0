"""Intake, lookup, review and the correction notice: the services of 条例第二十九条至第三十一条."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from gongkai.core.audit.models import AuditEvent
from gongkai.core.outbox.models import OutboxMessage
from gongkai.core.workflow import TransitionNotAllowed
from gongkai.disclosure import services
from gongkai.disclosure.models import Application, CorrectionNotice, LogEntry, Status
from gongkai.disclosure.tests.conftest import COMPLETE_APPLICATION, _credit_code

pytestmark = pytest.mark.django_db

D = datetime.date


def test_online_application_gets_number_code_and_20_working_day_clock(make_application):
    app = make_application()
    assert app.tracking_number == "YSQ2026-000001"
    assert len(app.query_code) == 6 and app.query_code.isdigit()
    assert app.query_code not in app.query_code_hash
    assert app.status == Status.REGISTERED
    assert app.received_on == D(2026, 6, 1)
    # 20 working days after Monday 1 June, across the Dragon Boat Festival (Friday 19 June).
    assert app.reply_due_on == D(2026, 6, 30)
    assert app.missing_items == []
    assert LogEntry.objects.filter(application=app, action="submitted", public=True).exists()
    assert AuditEvent.objects.filter(
        action="disclosure_application.submitted", target_id=str(app.pk)
    ).exists()
    second = make_application(applicant_name="李四")
    assert second.tracking_number == "YSQ2026-000002"


def test_applicant_is_told_the_number_but_never_the_query_code(make_application):
    app = make_application()
    messages = OutboxMessage.objects.filter(idempotency_key__startswith=f"disclosure:{app.pk}:received")
    assert {m.channel for m in messages} == {"sms", "email"}
    for message in messages:
        text = str(message.payload)
        assert app.tracking_number in text
        assert app.query_code not in text


def test_lookup_needs_the_right_code(make_application):
    app = make_application()
    assert services.application_lookup(tracking_number=app.tracking_number, query_code=app.query_code) == app
    assert (
        services.application_lookup(tracking_number=app.tracking_number.lower(), query_code=app.query_code)
        == app
    )
    wrong = "000000" if app.query_code != "000000" else "111111"
    assert services.application_lookup(tracking_number=app.tracking_number, query_code=wrong) is None
    assert services.application_lookup(tracking_number="YSQ2026-999999", query_code=app.query_code) is None
    assert services.application_lookup(tracking_number="garbage", query_code="") is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"phone": "2345"}, "phone"),
        ({"email": "not-an-email"}, "email"),
        ({"id_number": "220202198001010019"}, "id_number"),  # wrong check digit
        ({"postal_code": "1320"}, "postal_code"),
        ({"applicant_name": "  "}, "applicant_name"),
        ({"phone": "", "email": "", "address": ""}, "phone"),
        ({"applicant_type": "alien"}, "applicant_type"),
        ({"provision_form": "carrier_pigeon"}, "provision_form"),
        (
            {"applicant_type": "commercial", "id_type": "credit_code", "id_number": "91220200123456789A"},
            "id_number",
        ),
    ],
)
def test_bad_values_are_errors_and_register_nothing(make_application, overrides, field):
    with pytest.raises(ValidationError) as info:
        make_application(**overrides)
    assert field in info.value.message_dict
    assert not Application.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_missing_elements_register_the_application_with_a_correction_notice(make_application):
    app = make_application(id_number="", description="房子", provision_form="", provision_channel="")
    assert app.status == Status.CORRECTION
    assert app.missing_items == ["id_number", "description", "provision_form", "provision_channel"]
    notice = CorrectionNotice.objects.get(application=app)
    assert notice.issued_on == D(2026, 6, 1)
    # 15 working days after 1 June (19 June is a holiday).
    assert notice.due_on == D(2026, 6, 23)
    assert "身份证明" in notice.items and "提供载体形式" in notice.items
    assert app.reply_due_on is None
    assert app.applicant_due_on == notice.due_on
    assert services.reply_clock_status(app).is_paused
    public = LogEntry.objects.get(application=app, action="correction_requested")
    assert public.public and "一次性告知" in public.public_text
    assert OutboxMessage.objects.filter(idempotency_key=f"disclosure:{app.pk}:correction:sms").exists()


def test_organisation_needs_credit_code_representative_and_contact(make_application):
    app = make_application(
        applicant_type="commercial",
        applicant_name="吉林市某某建筑有限公司",
        id_type="",
        id_number=_credit_code(),
        legal_representative="",
        contact_name="王五",
    )
    assert app.id_type == "credit_code"
    assert app.missing_items == ["legal_representative"]
    assert app.status == Status.CORRECTION


def test_staff_channels_take_the_receipt_date_of_article_31(tree, users, clock):
    values = {**COMPLETE_APPLICATION, "department": tree["dept_a"]}
    clerk = users["clerk_a"]
    with pytest.raises(ValidationError) as info:
        services.application_submit(**values, channel="post", actor=clerk)
    assert "received_on" in info.value.message_dict
    post, code = services.application_submit(
        **values, channel="post", received_on=D(2026, 5, 28), actor=clerk
    )
    assert post.received_on == D(2026, 5, 28)
    assert post.registered_by == clerk
    assert post.reply_due_on == services.calendar.add_working_days(start=D(2026, 5, 28), days=20)
    in_person, _ = services.application_submit(**values, channel="in_person", actor=clerk)
    assert in_person.received_on == D(2026, 6, 1)
    with pytest.raises(ValidationError, match="不能晚于今天"):
        services.application_submit(**values, channel="fax", received_on=D(2026, 6, 2), actor=clerk)
    # Only staff register offline applications, and only for departments they may see.
    with pytest.raises(TransitionNotAllowed):
        services.application_submit(**values, channel="post", received_on=D(2026, 5, 28))
    with pytest.raises(TransitionNotAllowed):
        services.application_submit(
            **{**values, "department": tree["dept_b"]},
            channel="post",
            received_on=D(2026, 5, 28),
            actor=clerk,
        )
    # An online application always counts from the day it is submitted.
    online, _ = services.application_submit(**values, received_on=D(2026, 5, 1))
    assert online.received_on == D(2026, 6, 1)
    assert Application.objects.count() == 3


def test_review_and_accept_check_department(walk_application, users):
    app = walk_application("registered")
    with pytest.raises(TransitionNotAllowed) as info:
        services.application_review(application=app, actor=users["clerk_b"])
    assert info.value.code == "permission_denied"
    with pytest.raises(TransitionNotAllowed):
        services.application_review(application=app, actor=users["handler_a"])
    with pytest.raises(ValidationError):
        services.application_review(application=app, actor=users["clerk_a"], handler=users["handler_a"])
    app = services.application_review(application=app, actor=users["clerk_a"])
    assert app.status == Status.REVIEWING and app.handler == users["clerk_a"]
    app = services.application_accept(application=app, actor=users["office"])
    assert app.status == Status.HANDLING
    with pytest.raises(TransitionNotAllowed) as info:
        services.application_accept(application=app, actor=users["clerk_a"])
    assert info.value.code == "invalid_state"


def test_one_correction_notice_only(walk_application, users):
    app = walk_application("correction")
    with pytest.raises(TransitionNotAllowed) as info:
        services.correction_request(application=app, actor=users["clerk_a"], items="再补一项")
    assert info.value.code == "correction_already_issued"
    other = walk_application("reviewing", applicant_name="李四")
    services.correction_request(
        application=other, actor=users["clerk_a"], items=["申请内容不明确，请写明文件名称"]
    )
    other.refresh_from_db()
    assert other.status == Status.CORRECTION
    assert other.reply_due_on is None
    # Corrected, then a second notice is refused (一次性告知).
    services.correction_receive(application=other, description="《吉林市住房保障条例实施细则》全文")
    with pytest.raises(TransitionNotAllowed) as info:
        services.correction_request(application=other, actor=users["clerk_a"], items="又不明确")
    assert info.value.code == "correction_already_issued"


def test_correction_notice_must_go_out_within_7_working_days(walk_application, users, clock):
    app = walk_application("reviewing")
    # 7 working days after 1 June is 10 June; on 11 June it is too late.
    clock.move_to(datetime.datetime(2026, 6, 10, 16, 0, tzinfo=services.calendar.CALENDAR_TZ))
    assert services.correction_deadline(app) == D(2026, 6, 10)
    clock.move_to(datetime.datetime(2026, 6, 11, 9, 0, tzinfo=services.calendar.CALENDAR_TZ))
    with pytest.raises(TransitionNotAllowed, match="2026-06-10") as info:
        services.correction_request(application=app, actor=users["clerk_a"], items="不明确")
    assert info.value.code == "correction_too_late"
    assert not CorrectionNotice.objects.exists()
    assert Application.objects.get(pk=app.pk).status == Status.REVIEWING


def test_correction_restarts_the_clock_from_the_corrected_day(walk_application, clock):
    app = walk_application("correction", id_number="")
    clock.move_to(datetime.datetime(2026, 6, 10, 10, 0, tzinfo=services.calendar.CALENDAR_TZ))
    app = services.correction_receive(
        application=app,
        description="2025年船营区老旧小区改造项目的资金使用情况",
        id_number=COMPLETE_APPLICATION["id_number"],
    )
    assert app.status == Status.REVIEWING
    assert app.original_description == ""  # it was empty; the first text is kept as it was
    assert app.description.startswith("2025年")
    assert app.missing_items == []
    assert app.id_number == COMPLETE_APPLICATION["id_number"]
    # The whole 20 working days again from 10 June (19 June off): 9 July.
    assert app.reply_due_on == D(2026, 7, 9)
    notice = CorrectionNotice.objects.get(application=app)
    assert notice.corrected_on == D(2026, 6, 10)
    status = services.reply_clock_status(app)
    assert not status.is_paused and status.remaining == 20


def test_applicant_cannot_correct_after_the_deadline_but_the_job_lapses_it(walk_application, users, clock):
    app = walk_application("correction")
    clock.move_to(datetime.datetime(2026, 6, 24, 9, 0, tzinfo=services.calendar.CALENDAR_TZ))
    with pytest.raises(TransitionNotAllowed) as info:
        services.correction_receive(application=app, description="补正内容很详细的描述")
    assert info.value.code == "correction_overdue"
    app = services.correction_lapse(application=app)
    assert app.status == Status.TERMINATED
    assert (app.reply_type, app.ground, app.outcome) == ("terminated", "other_no_correction", "other")
    assert app.concluded_on == D(2026, 6, 24)
    assert CorrectionNotice.objects.get(application=app).lapsed
    assert services.reply_clock(app).stopped_at is not None


def test_lapse_is_refused_before_the_deadline(walk_application):
    app = walk_application("correction")
    with pytest.raises(TransitionNotAllowed) as info:
        services.correction_lapse(application=app)
    assert info.value.code == "not_yet_due"


def test_staff_may_enter_a_correction_with_its_date(walk_application, users, clock):
    app = walk_application("correction")
    clock.move_to(datetime.datetime(2026, 6, 5, 9, 0, tzinfo=services.calendar.CALENDAR_TZ))
    with pytest.raises(ValidationError):
        services.correction_receive(
            application=app, description="详细描述的内容", corrected_on=D(2026, 6, 6), actor=users["clerk_a"]
        )
    with pytest.raises(ValidationError):
        services.correction_receive(
            application=app, description="详细描述的内容", bogus="x", actor=users["clerk_a"]
        )
    app = services.correction_receive(
        application=app, description="详细描述的内容", corrected_on=D(2026, 6, 3), actor=users["clerk_a"]
    )
    assert app.reply_due_on == services.calendar.add_working_days(start=D(2026, 6, 3), days=20)
