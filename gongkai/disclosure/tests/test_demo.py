"""The disclosure demo: a seeded history up to today that the report and the dashboard can use.

The demo is loaded once per test, inside the test's transaction, on a fixed day (10 March 2026, so
"last year" is 2025 and the history starts on 1 December 2024). Rendering the released report's
DOCX and PDF is replaced by stubs here (the renderers have their own tests).
"""

from __future__ import annotations

import collections
import datetime
import io
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model

from gongkai.accounts import demo as accounts_demo
from gongkai.core.workcalendar import selectors as calendar
from gongkai.core.workcalendar.models import ClockPause, DeadlineClock
from gongkai.disclosure import demo, selectors, services
from gongkai.disclosure.grounds import Ground, ReplyType
from gongkai.disclosure.models import (
    OPEN_STATUSES,
    ApplicantType,
    Application,
    Consultation,
    ConsultationAnswer,
    ConsultationKind,
    CorrectionNotice,
    Extension,
    FeeMethod,
    FeeNotice,
    IntakeChannel,
    LogEntry,
    Reply,
    ReviewCase,
    ReviewKind,
    ReviewOutcome,
    Status,
)

TZ = ZoneInfo("Asia/Shanghai")
MOMENT = datetime.datetime(2026, 3, 10, 10, 30, tzinfo=TZ)
TODAY = MOMENT.date()
LAST_YEAR = 2025
STAFF_CHANNELS = set(IntakeChannel.values) - {IntakeChannel.ONLINE}


@pytest.fixture
def loaded(db, monkeypatch):
    from gongkai.disclosure import letters
    from gongkai.disclosure.annual import render
    from gongkai.publishing import demo as publishing_demo

    for module in (render, letters):
        monkeypatch.setattr(module, "render_docx", lambda data: b"docx")
        monkeypatch.setattr(module, "render_pdf", lambda data: b"%PDF-1.4 demo")
    with time_machine.travel(MOMENT, tick=False):
        out = io.StringIO()
        accounts_demo.load(stdout=out)
        publishing_demo.load_tree()
        demo.load(stdout=out)
        yield out.getvalue()


def user(username: str):
    return get_user_model().objects.get(username=username)


def demo_applications():
    return Application.objects.filter(log_entries__action="submitted", log_entries__note=demo.DEMO_NOTE)


def test_demo_covers_last_year_and_loads_once(loaded):
    applications = demo_applications()
    assert 250 <= applications.count() <= 700
    assert "申请进度查询示例" in loaded
    # The printed archived example has its reply letter for the public page.
    archived = re.search(r"(YSQ\d{4}-\d{6}) 查询码 (\d{6})（已归档）", loaded)
    assert archived is not None
    assert Reply.objects.get(application__tracking_number=archived.group(1)).letter_docx
    _every_reply_type_ground_applicant_and_channel_last_year()
    _every_handling_step_last_year()
    _table3_balances_over_the_demo_rows()
    _table4_has_every_kind_and_outcome()
    _annual_report_and_table2()
    _second_load_adds_nothing()


def _every_reply_type_ground_applicant_and_channel_last_year():
    concluded = Application.objects.filter(concluded_on__year=LAST_YEAR)
    assert set(concluded.values_list("ground", flat=True)) == set(Ground.values)
    assert set(concluded.values_list("reply_type", flat=True)) == set(ReplyType.values)
    received = Application.objects.filter(received_on__year=LAST_YEAR)
    types = collections.Counter(received.values_list("applicant_type", flat=True))
    assert set(types) == set(ApplicantType.values)
    assert types[ApplicantType.NATURAL_PERSON] > sum(types.values()) / 2  # mostly natural persons
    assert set(received.values_list("channel", flat=True)) == set(IntakeChannel.values)
    # Carried over from the year before last, and into this year.
    assert Application.objects.filter(received_on__year=LAST_YEAR - 1, concluded_on__year=LAST_YEAR).exists()
    assert Application.objects.filter(received_on__year=LAST_YEAR, concluded_on__year=TODAY.year).exists()


def _every_handling_step_last_year():
    year = {"application__received_on__year": LAST_YEAR}
    notices = CorrectionNotice.objects.filter(**year)
    assert notices.filter(corrected_on__isnull=False).exists()
    assert notices.filter(lapsed=True, application__ground=Ground.OTHER_NO_CORRECTION).exists()
    consultations = Consultation.objects.filter(**year)
    for kind in ConsultationKind.values:
        assert consultations.filter(kind=kind, answer=ConsultationAnswer.CONSENT).exists()
        assert consultations.filter(kind=kind, answer=ConsultationAnswer.NO_ANSWER).exists()
    assert consultations.filter(answer=ConsultationAnswer.OBJECTION).exists()
    extensions = Extension.objects.filter(**year)
    assert extensions.filter(approved_at__isnull=False, refused=False, notified_on__isnull=False).exists()
    assert extensions.filter(refused=True).count() >= 1
    fees = FeeNotice.objects.filter(**year)
    for method in FeeMethod.values:
        assert fees.filter(method=method, paid_on__isnull=False).exists(), method
        assert fees.filter(method=method, lapsed=True, application__ground=Ground.OTHER_NO_FEE).exists(), (
            method
        )
    # 按件计收: the 11th application of the month is the first one charged, 100元.
    per_application = fees.filter(method=FeeMethod.PER_APPLICATION).order_by("quantity")
    assert per_application.first().quantity == 11
    assert str(per_application.first().amount) == "100.00"
    assert Reply.objects.filter(replied_on__year=LAST_YEAR, delivered_on__isnull=False).count() > 100
    assert Application.objects.filter(concluded_on__year=LAST_YEAR, status=Status.ARCHIVED).count() > 100


def _table3_balances_over_the_demo_rows():
    """For every column: 一 + 二 = 三（七）+ 四, summed directly over the demo's rows."""
    start, end = datetime.date(LAST_YEAR, 1, 1), datetime.date(LAST_YEAR, 12, 31)
    for applicant_type in [*ApplicantType.values, None]:
        rows = demo_applications()
        if applicant_type:
            rows = rows.filter(applicant_type=applicant_type)
        dated = list(rows.values_list("received_on", "concluded_on"))
        new = sum(1 for received, _c in dated if start <= received <= end)
        carried = sum(1 for received, done in dated if received < start and (done is None or done >= start))
        concluded = sum(1 for _r, done in dated if done is not None and start <= done <= end)
        forward = sum(1 for received, done in dated if received <= end and (done is None or done > end))
        assert new + carried == concluded + forward, applicant_type
        if applicant_type in (ApplicantType.NATURAL_PERSON, None):
            assert new and carried and concluded and forward


def _table4_has_every_kind_and_outcome():
    end = datetime.date(LAST_YEAR, 12, 31)
    cases = ReviewCase.objects.filter(filed_on__year=LAST_YEAR)
    assert {case.kind for case in cases} == set(ReviewKind.values)
    assert {case.outcome_on(end) for case in cases} == set(ReviewOutcome.values)
    for case in cases:
        assert case.application is not None and case.application.department_id == case.department_id
        assert case.filed_on > case.application.concluded_on


def _annual_report_and_table2():
    from gongkai.accounts.models import Department
    from gongkai.disclosure.annual import checks, compute, schema
    from gongkai.disclosure.annual.models import AnnualReport, ProactiveFigure, ReportStatus

    zhujian = Department.objects.get(code="zhujian")
    city_report = AnnualReport.objects.get(year=LAST_YEAR, department__isnull=True)
    assert city_report.status == ReportStatus.DRAFT
    for name in AnnualReport.SECTION_FIELDS:
        assert len(getattr(city_report, name)) > 40, name
    department_report = AnnualReport.objects.get(year=LAST_YEAR, department=zhujian)
    assert department_report.status == ReportStatus.RELEASED and department_report.snapshot
    assert ProactiveFigure.objects.filter(year=LAST_YEAR, department=zhujian).count() == 4
    data = compute.report_data(year=LAST_YEAR, department=None)
    assert checks.failures(data["checks"]) == []
    table2, _sources = compute.table2_cells(year=LAST_YEAR, department=None, fmt=schema.FORMAT_2021)
    assert table2["item1"]["rules"]["issued"] >= 1
    assert table2["item1"]["normative"]["abolished"] >= 1
    assert table2["item5"]["licensing"]["decisions"] > 0
    assert table2["item8"]["fees"]["fee_amount"] > 0
    # The narrative quotes the report's own figures.
    cells = compute.table3_cells(year=LAST_YEAR, department=None, fmt=schema.FORMAT_2021)
    assert f"新收政府信息公开申请{cells['new']['total']}件" in city_report.overview


def _second_load_adds_nothing():
    from gongkai.disclosure.annual.models import AnnualReport, ProactiveFigure
    from gongkai.publishing.models import PolicyDocumentPage

    def counts():
        return [
            model.objects.count()
            for model in (
                Application,
                LogEntry,
                DeadlineClock,
                ClockPause,
                ReviewCase,
                ProactiveFigure,
                AnnualReport,
                PolicyDocumentPage,
            )
        ]

    before = counts()
    out = io.StringIO()
    demo.load(stdout=out)
    assert counts() == before
    assert "已存在" in out.getvalue()


def test_open_applications_fill_the_dashboard_and_the_services_take_them_on(loaded):
    with time_machine.travel(MOMENT + datetime.timedelta(minutes=5), tick=False):
        office = user("gongkaiban")
        board = {bucket.key: bucket.count for bucket in selectors.clock_board(user=office)}
        assert all(board.values()), board
        statuses = set(demo_applications().filter(status__in=OPEN_STATUSES).values_list("status", flat=True))
        assert statuses == set(OPEN_STATUSES)
        for username in demo.CLERKS.values():
            clerk = user(username)
            assert selectors.application_list(user=clerk).filter(status__in=OPEN_STATUSES).exists(), username
        assert demo_applications().filter(status=Status.REGISTERED, received_on=TODAY).exists()
        _history_follows_the_rules()
        _services_take_the_open_ones_on(office)


def _history_follows_the_rules():
    now = MOMENT
    for application in demo_applications().select_related("department"):
        clock = services.reply_clock(application)
        assert clock is not None
        status = calendar.clock_status(clock=clock, now=now)
        if application.status in OPEN_STATUSES and application.status != Status.CORRECTION:
            assert application.reply_due_on == status.due_date, application
        else:
            assert application.reply_due_on is None, application
        if application.concluded_on is not None:
            assert clock.stopped_at == max(services.day_start(application.concluded_on), clock.started_at)
            if application.reply_type != ReplyType.TERMINATED:
                assert not status.is_overdue, application
        if application.channel in STAFF_CHANNELS:
            assert calendar.is_working_day(day=application.received_on), application
        if application.channel == IntakeChannel.ONLINE:
            assert calendar.local_date(moment=application.submitted_at) == application.received_on
        moments = list(application.log_entries.values_list("at", flat=True))
        assert moments == sorted(moments) and moments[-1] <= now, application
    for notice in CorrectionNotice.objects.select_related("application"):
        assert notice.issued_on <= services.correction_deadline(notice.application)
        assert notice.due_on == calendar.add_working_days(
            start=notice.issued_on, days=services.correction_days()
        )
    for consultation in Consultation.objects.all():
        assert calendar.is_working_day(day=consultation.sent_on)
        assert consultation.due_on == calendar.add_working_days(
            start=consultation.sent_on, days=services.CONSULTATION_DAYS
        )
    for fee in FeeNotice.objects.all():
        assert fee.pay_by == calendar.add_working_days(start=fee.issued_on, days=services.fee_days())
        assert fee.amount > 0
    for reply in Reply.objects.all():
        assert calendar.is_working_day(day=reply.replied_on)
    for extension in Extension.objects.all():
        assert 1 <= extension.days <= services.MAX_EXTENSION_DAYS
    # The query codes the loader prints open the public lookup.
    application = demo_applications().first()
    code = demo.query_code(application.tracking_number)
    assert (
        services.application_lookup(tracking_number=application.tracking_number, query_code=code)
        == application
    )


def _services_take_the_open_ones_on(office):
    head = user(demo.OFFICE_HEAD)
    open_ones = demo_applications().filter(status__in=OPEN_STATUSES)

    registered = open_ones.filter(status=Status.REGISTERED).first()
    assert services.application_review(application=registered, actor=office).status == Status.REVIEWING

    waiting = open_ones.filter(status=Status.CORRECTION).first()
    corrected = services.correction_receive(
        application=waiting, actor=office, description=waiting.description + "（补正）", corrected_on=TODAY
    )
    assert corrected.status == Status.REVIEWING and corrected.reply_due_on is not None

    pending = Consultation.objects.filter(
        application__in=open_ones, answer=ConsultationAnswer.PENDING
    ).first()
    before = services.reply_clock_status(pending.application)
    assert before.is_paused
    services.consultation_answer(
        consultation=pending, actor=office, answer=ConsultationAnswer.CONSENT, answered_on=TODAY
    )
    assert not services.reply_clock_status(pending.application).is_paused

    extension = Extension.objects.filter(
        application__in=open_ones, approved_at__isnull=True, refused=False
    ).first()
    due = extension.application.reply_due_on
    decided = services.extension_decide(extension=extension, actor=head, approve=True, notified_on=TODAY)
    decided.application.refresh_from_db()
    assert decided.application.reply_due_on > due

    unpaid = open_ones.filter(status=Status.AWAITING_FEE).first()
    assert (
        services.fee_payment_record(application=unpaid, actor=office, paid_on=TODAY).status == Status.HANDLING
    )

    overdue = open_ones.filter(status=Status.HANDLING, reply_due_on__lt=TODAY).first()
    reply = services.application_reply(
        application=overdue,
        actor=office,
        reply_type=ReplyType.DISCLOSED,
        ground=Ground.DISCLOSED,
        body="经审查，现将所申请的信息提供给您。",
        replied_on=TODAY,
    )
    assert reply.application.status == Status.REPLIED


def test_the_demo_writes_the_services_timeline_texts():
    """The demo writes timeline entries itself (the services date them today): each text it uses
    must be one the services write."""
    source = Path(services.__file__).read_text(encoding="utf-8")
    writer = Path(demo.__file__).read_text(encoding="utf-8")
    writer = writer[writer.index("class Writer") : writer.index("# --- What to load")]
    texts = set(re.findall(r'_\(\s*"((?:[^"\\]|\\.)*)"', writer))
    assert texts
    missing = sorted(text for text in texts if f'"{text}"' not in source)
    assert missing == []
    actions = set(re.findall(r'self\._log\(\s*draft,\s*event,\s*"(\w+)"', writer))
    assert actions and actions <= set(re.findall(r'action="(\w+)"', source))
