"""Demo reports: the daily reports of the last days that have posts, last week's report and an event
report of the hottest event, so the report list and the dashboard's links show something real.

Loaded by ``gongkai demo load`` after the opinion app's demo posts (apps load in INSTALLED_APPS
order). Idempotent: the regular reports are made once per period, the event report once per event;
the reports older than yesterday are released by the demo analyst, as the office would have done.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

DAYS = 7


def load(*, stdout: Any) -> None:
    from gongkai.accounts.selectors import users_with_role
    from gongkai.opinion.models import Event, Post
    from gongkai.opinion.reports import periods, services
    from gongkai.opinion.reports.models import Report, ReportKind, ReportStatus

    if not Post.objects.exists():
        stdout.write("opinion reports: no posts, no demo reports")
        return
    analyst = users_with_role("opinion_analyst").first()
    yesterday = periods.previous_day()
    made = 0
    reports = []
    for back in range(DAYS):
        day = yesterday - datetime.timedelta(days=back)
        start, end = periods.day_period(day)
        if not Post.objects.filter(published_at__gte=start, published_at__lt=end).exists():
            continue
        report, created = services.report_regular_ensure(kind=ReportKind.DAILY, day=day, actor=analyst)
        made += created
        reports.append((day, report))
    monday = periods.previous_week_monday()
    start, end = periods.week_period(monday)
    if Post.objects.filter(published_at__gte=start, published_at__lt=end).exists():
        report, created = services.report_regular_ensure(kind=ReportKind.WEEKLY, day=monday, actor=analyst)
        made += created
        reports.append((monday, report))
    hottest = Event.objects.order_by("-hotness", "-pk").first()
    if hottest is not None and not Report.objects.filter(event=hottest).exists():
        services.report_event_generate(event=hottest, actor=analyst)
        made += 1
    released = 0
    if analyst is not None:
        for day, report in reports:
            if day < yesterday and report.status == ReportStatus.DRAFT:
                services.report_release(report_id=report.pk, actor=analyst)
                released += 1
    stdout.write(f"opinion reports: {made} made, {released} released ({timezone.now():%Y-%m-%d})")
