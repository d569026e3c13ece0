"""The admin pages: the leader's dashboard, the report list, one report, an event's reports."""

from __future__ import annotations

import json
import re

import pytest
import time_machine
from django.core.cache import cache

from gongkai.opinion.reports.models import Report, ReportKind, ReportStatus
from gongkai.opinion.reports.tests.conftest import DAY, local

pytestmark = pytest.mark.django_db

NOON = local(DAY, 12)  # the dashboard's "today" is the hand-built day, up to noon


@pytest.fixture(autouse=True)
def _clock():
    cache.clear()
    with time_machine.travel(NOON, tick=False):
        yield
    cache.clear()


def _chart_data(page: str) -> dict:
    match = re.search(r'<script id="or-chart-data" type="application/json">(.*?)</script>', page, re.S)
    assert match, "no chart data on the page"
    return json.loads(match.group(1))


def test_dashboard_shows_today_and_this_week(client, dataset, users):
    client.force_login(users["leader"])
    response = client.get("/admin/opinion-reports/dashboard/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "领导驾驶舱" in page and "echarts.min.js" in page and "opinion_reports/reports.js" in page
    data = _chart_data(page)
    # Today up to noon: the five morning posts; the 23:30 one is still to come.
    assert sum(sum(s["data"]) for s in data["today"]["volume"]["series"]) == 5
    assert len(data["today"]["volume"]["labels"]) == 12
    assert {s["key"]: s["value"] for s in data["week"]["sentiment"]} == {
        "negative": 3,
        "neutral": 1,
        "positive": 1,
    }
    assert "化工厂异味" in page and "松江路停水" in page  # this week's hottest events
    today_cards = response.context["today_figures"]
    assert today_cards[0]["value"] == 5 and today_cards[2]["value"] == "60.0%"


def test_dashboard_is_cached_for_two_minutes(client, dataset, users):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(users["leader"])
    client.get("/admin/opinion-reports/dashboard/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/admin/opinion-reports/dashboard/").status_code == 200
    assert not [q for q in queries.captured_queries if "opinion_post" in q["sql"]]


def test_pages_are_refused_to_staff_without_the_role(client, dataset, users):
    client.force_login(users["operator"])
    for url in ("/admin/opinion-reports/dashboard/", "/admin/opinion-reports/"):
        response = client.get(url)
        assert response.status_code == 403 and "舆情分析员和领导" in response.content.decode()


def test_analyst_makes_edits_and_releases_a_daily_report(client, dataset, users):
    with time_machine.travel(local(DAY.replace(day=2), 9), tick=False):
        _edit_and_release(client, users)


def _edit_and_release(client, users):
    client.force_login(users["analyst"])
    made = client.post("/admin/opinion-reports/", {"kind": "daily", "date": "2026-06-01"})
    report = Report.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/admin/opinion-reports/{report.pk}/"
    page = client.get(f"/admin/opinion-reports/{report.pk}/").content.decode()
    assert "签发" in page and 'name="comment_overview"' in page and "or-chart-data" in page

    saved = client.post(
        f"/admin/opinion-reports/{report.pk}/",
        {"title": "六月一日舆情日报", "summary": "总体平稳。", "comment_events": "关注停水。"},
    )
    assert saved.status_code == 302
    report.refresh_from_db()
    assert report.title == "六月一日舆情日报" and report.comments == {"events": "关注停水。"}

    client.post(f"/admin/opinion-reports/{report.pk}/act/release/")
    report.refresh_from_db()
    assert report.status == ReportStatus.RELEASED
    page = client.get(f"/admin/opinion-reports/{report.pk}/").content.decode()
    assert 'name="comment_overview"' not in page and report.released_digest in page
    # A post to a released report changes nothing.
    client.post(f"/admin/opinion-reports/{report.pk}/", {"title": "改", "summary": ""})
    assert Report.objects.get().title == "六月一日舆情日报"

    download = client.get(f"/admin/opinion-reports/{report.pk}/download/docx/")
    assert download.status_code == 200 and download.content[:2] == b"PK"
    assert client.get(f"/admin/opinion-reports/{report.pk}/download/xlsx/").status_code == 404


def test_unfinished_days_are_refused_in_the_form(client, dataset, users):
    client.force_login(users["analyst"])
    response = client.post("/admin/opinion-reports/", {"kind": "daily", "date": "2026-06-01"})
    assert response.status_code == 200 and "已经结束" in response.content.decode()
    assert not Report.objects.exists()


def test_leader_reads_but_cannot_edit(client, dataset, users):
    from gongkai.opinion.reports import services

    report, _ = services.report_regular_ensure(kind=ReportKind.DAILY, day=DAY.replace(month=5, day=31))
    client.force_login(users["leader"])
    page = client.get(f"/admin/opinion-reports/{report.pk}/").content.decode()
    assert 'name="title"' not in page and "/act/release/" not in page
    client.post(f"/admin/opinion-reports/{report.pk}/act/release/")
    assert Report.objects.get(pk=report.pk).status == ReportStatus.DRAFT
    assert client.post("/admin/opinion-reports/", {"kind": "daily", "date": "2026-05-30"}).status_code == 403


def test_event_page_makes_an_event_report(client, dataset, users):
    client.force_login(users["analyst"])
    url = f"/admin/opinion-reports/events/{dataset['water'].pk}/"
    assert "该事件还没有专报" in client.get(url).content.decode()
    made = client.post(url)
    report = Report.objects.get(kind=ReportKind.EVENT)
    assert made["Location"] == f"/admin/opinion-reports/{report.pk}/"
    assert report.statistics["totals"]["posts"] == 3
    assert client.get("/admin/opinion-reports/events/999999/").status_code == 404


def test_home_panel_for_leaders_only(client, dataset, users):
    client.force_login(users["leader"])
    page = client.get("/admin/").content.decode()
    assert "今日舆情" in page and "/admin/opinion-reports/dashboard/" in page
    client.force_login(users["operator"])
    assert "今日舆情" not in client.get("/admin/").content.decode()


def test_list_filters_and_links(client, dataset, users):
    from gongkai.opinion.reports import services

    services.report_regular_ensure(kind=ReportKind.DAILY, day=DAY.replace(month=5, day=31))
    services.report_event_generate(event=dataset["water"])
    client.force_login(users["leader"])
    page = client.get("/admin/opinion-reports/", {"kind": "event"}).content.decode()
    assert "舆情事件专报：松江路停水" in page and "网络舆情日报" not in page
    assert "/download/pdf/" in page
