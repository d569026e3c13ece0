"""Generating, editing, refreshing and releasing reports; the periodic job."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from gongkai.core.audit.models import AuditEvent
from gongkai.core.workflow import TransitionNotAllowed
from gongkai.opinion.models import Post
from gongkai.opinion.reports import periods, services
from gongkai.opinion.reports.models import Report, ReportKind, ReportStatus
from gongkai.opinion.reports.tests.conftest import DAY, local

pytestmark = pytest.mark.django_db


def _daily(**kwargs):
    report, created = services.report_regular_ensure(kind=ReportKind.DAILY, day=DAY, **kwargs)
    assert created
    return report


def test_daily_report_snapshot_title_and_drafted_summary(dataset):
    report = _daily()
    assert report.status == ReportStatus.DRAFT and report.scheduled
    assert report.title == "吉林市网络舆情日报（2026年6月1日）"
    assert (report.period_start, report.period_end) == periods.day_period(DAY)
    assert report.statistics["totals"]["posts"] == 6
    assert "6条" in report.summary and "负面占比50.0%" in report.summary and "松江路停水" in report.summary
    assert AuditEvent.objects.filter(action="opinion_report.generated", target_id=str(report.pk)).exists()


def test_weekly_report_covers_monday_to_sunday(dataset):
    report, _ = services.report_regular_ensure(kind=ReportKind.WEEKLY, day=DAY + datetime.timedelta(days=3))
    assert report.period_start == local(DAY, 0)
    assert report.period_end == local(DAY + datetime.timedelta(days=7), 0)
    assert report.title == "吉林市网络舆情周报（2026年6月1日至2026年6月7日）"
    assert report.statistics["period"]["granularity"] == "day"


def test_event_report_counts_the_event_only(dataset):
    report = services.report_event_generate(event=dataset["water"], end=local(DAY, 12))
    assert report.kind == ReportKind.EVENT and report.event == dataset["water"]
    assert report.period_start == local(DAY, 8)
    assert report.statistics["totals"]["posts"] == 3
    assert report.title == "舆情事件专报：松江路停水"
    assert "松江路停水" in report.summary


def test_snapshot_does_not_follow_later_changes_and_release_freezes_it(dataset, users):
    report = _daily()
    Post.objects.filter(sentiment="negative").update(sentiment="positive")
    report.refresh_from_db()
    assert report.statistics["totals"]["negative"] == 3  # frozen at generation

    released = services.report_release(report_id=report.pk, actor=users["analyst"])
    assert released.status == ReportStatus.RELEASED and released.released_by == users["analyst"]
    assert released.released_at is not None
    assert released.released_digest == services.content_digest(released)

    for verb, kwargs in (
        (services.report_update, {"title": "改过的标题"}),
        (services.report_update, {"comments": {"overview": "补充意见"}}),
        (services.report_refresh, {}),
        (services.report_release, {}),
        (services.report_delete, {}),
    ):
        with pytest.raises(TransitionNotAllowed) as refused:
            verb(report_id=report.pk, actor=users["analyst"], **kwargs)
        assert refused.value.code == "invalid_state"
    after = Report.objects.get(pk=report.pk)
    assert after.title == released.title and after.comments == {}
    assert after.statistics["totals"]["negative"] == 3
    assert after.released_digest == services.content_digest(after)


def test_draft_edit_refresh_and_the_audit_trail(dataset, users):
    report = _daily()
    analyst = users["analyst"]
    services.report_update(
        report_id=report.pk,
        actor=analyst,
        title=" 昨日舆情 ",
        summary="总体平稳。",
        comments={"overview": "关注停水事件。", "events": "  ", "districts": "昌邑区集中。"},
    )
    report.refresh_from_db()
    assert report.title == "昨日舆情" and report.summary == "总体平稳。"
    assert report.comments == {"overview": "关注停水事件。", "districts": "昌邑区集中。"}
    services.report_update(report_id=report.pk, actor=analyst, comments={"districts": ""})
    report.refresh_from_db()
    assert report.comments == {"overview": "关注停水事件。"}

    Post.objects.filter(sentiment="negative").update(sentiment="positive")
    services.report_refresh(report_id=report.pk, actor=analyst)
    report.refresh_from_db()
    assert report.statistics["totals"]["negative"] == 0
    assert report.summary == "总体平稳。"  # the analyst's text is kept
    actions = list(
        AuditEvent.objects.filter(target_id=str(report.pk), action__startswith="opinion_report.").values_list(
            "action", flat=True
        )
    )
    assert actions.count("opinion_report.edited") == 2 and "opinion_report.refreshed" in actions


@pytest.mark.parametrize(
    "kwargs",
    [
        {"title": ""},
        {"title": "长" * 201},
        {"summary": "字" * 20_001},
        {"comments": {"unknown": "x"}},
        {"comments": {"overview": 3}},
        {"comments": ["overview"]},
        {"comments": {"overview": "字" * 5001}},
    ],
)
def test_bad_edits_are_refused_and_change_nothing(dataset, users, kwargs):
    report = _daily()
    before = Report.objects.get(pk=report.pk)
    with pytest.raises(ValidationError):
        services.report_update(report_id=report.pk, actor=users["analyst"], **kwargs)
    after = Report.objects.get(pk=report.pk)
    assert (after.title, after.summary, after.comments) == (before.title, before.summary, before.comments)


def test_only_analysts_write_and_release(dataset, users):
    report = _daily()
    for who in ("leader", "operator"):
        for verb in (services.report_update, services.report_release, services.report_refresh):
            with pytest.raises(TransitionNotAllowed) as refused:
                verb(report_id=report.pk, actor=users[who])
            assert refused.value.code == "permission_denied"
    assert Report.objects.get(pk=report.pk).status == ReportStatus.DRAFT


def test_a_draft_may_be_deleted(dataset, users):
    report = _daily()
    services.report_delete(report_id=report.pk, actor=users["analyst"])
    assert not Report.objects.filter(pk=report.pk).exists()
    assert AuditEvent.objects.filter(action="opinion_report.deleted", target_id=str(report.pk)).exists()


def test_the_job_makes_one_daily_and_one_weekly_report_however_often_it_runs(dataset):
    monday_8am = local(DAY + datetime.timedelta(days=7), 8)  # Monday 2026-06-08 08:00
    assert services.reports_generate_due(now=monday_8am) == {"daily": 1, "weekly": 1}
    assert services.reports_generate_due(now=monday_8am) == {"daily": 0, "weekly": 0}
    assert services.reports_generate_due(now=monday_8am + datetime.timedelta(minutes=10)) == {
        "daily": 0,
        "weekly": 0,
    }
    daily = Report.objects.get(kind=ReportKind.DAILY)
    weekly = Report.objects.get(kind=ReportKind.WEEKLY)
    assert daily.period_start == local(DAY + datetime.timedelta(days=6), 0)  # Sunday 2026-06-07
    assert weekly.period_start == local(DAY, 0) and weekly.statistics["totals"]["posts"] == 7
    # Tuesday: Monday's daily report; the week's report already exists.
    assert services.reports_generate_due(now=monday_8am + datetime.timedelta(days=1)) == {
        "daily": 1,
        "weekly": 0,
    }
    assert Report.objects.filter(kind=ReportKind.DAILY).count() == 2


def test_before_eight_the_job_waits(dataset):
    early = local(DAY + datetime.timedelta(days=1), 7, 59)  # Tuesday 07:59
    services.reports_generate_due(now=early)
    # 07:59 on Tuesday: Monday's report is not due yet; Sunday's (the day before) is.
    assert list(Report.objects.filter(kind=ReportKind.DAILY).values_list("period_start", flat=True)) == [
        local(DAY - datetime.timedelta(days=1), 0)
    ]
    services.reports_generate_due(now=early + datetime.timedelta(minutes=1))
    assert Report.objects.filter(kind=ReportKind.DAILY, period_start=local(DAY, 0)).count() == 1


def test_the_job_through_its_task_and_the_schedule(dataset, settings):
    from gongkai.opinion.reports import tasks
    from gongkai.settings.schedule import BEAT_SCHEDULE

    entry = BEAT_SCHEDULE["opinion-reports-generate-due"]
    assert entry["task"] == "gongkai.opinion.reports.tasks.generate_due"
    assert entry["schedule"] <= 900
    first = tasks.generate_due()
    second = tasks.generate_due()
    assert sum(first.values()) == 2 and sum(second.values()) == 0


def test_a_second_regular_report_for_the_same_period_is_refused_by_the_database(dataset):
    from django.db import IntegrityError, transaction

    report = _daily()
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(
            kind=report.kind,
            title="x",
            period_start=report.period_start,
            period_end=report.period_end,
            scheduled=True,
        )


def test_demo_reports_are_made_once(dataset, users):
    import io

    import time_machine

    from gongkai.opinion.reports import demo

    with time_machine.travel(local(DAY + datetime.timedelta(days=2), 10), tick=False):  # Wednesday
        out = io.StringIO()
        demo.load(stdout=out)
        # Daily: May 31 (one late post), June 1 and June 2; the week of May 25; the hottest event.
        assert "5 made, 3 released" in out.getvalue()
        demo.load(stdout=out)
        assert "0 made, 0 released" in out.getvalue()
    daily = dict(Report.objects.filter(kind=ReportKind.DAILY).values_list("period_start", "status"))
    assert daily == {
        local(DAY - datetime.timedelta(days=1), 0): ReportStatus.RELEASED,
        local(DAY, 0): ReportStatus.RELEASED,
        local(DAY + datetime.timedelta(days=1), 0): ReportStatus.DRAFT,
    }
    assert Report.objects.get(kind=ReportKind.WEEKLY).status == ReportStatus.RELEASED
    assert Report.objects.get(kind=ReportKind.EVENT).event == dataset["smell"]
