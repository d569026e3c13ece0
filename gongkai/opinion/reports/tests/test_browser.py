"""Browser test of the leader's dashboard: the page draws its charts with ECharts and shows the
week's events, without a script error. The screenshot goes to test-results/opinion-dashboard.png."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

SHOTS = Path(__file__).resolve().parents[4] / "test-results"
PASSWORD = "Dashboard-test-2026!"  # noqa: S105 (test account only)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def week_of_posts():
    """Posts of this morning and of the days before, in two districts, one event among them."""
    from django.core.cache import cache
    from django.utils import timezone

    cache.clear()  # the dashboard keeps its figures for two minutes: none from an earlier test

    from gongkai.accounts.models import DepartmentKind
    from gongkai.accounts.services import department_upsert, staff_user_upsert
    from gongkai.opinion.models import Event, Post, Source, SourceKind

    city, _ = department_upsert(code="jilin", name="吉林市人民政府", kind=DepartmentKind.GOVERNMENT)
    department_upsert(code="changyi", name="吉林市昌邑区人民政府", short_name="昌邑区", parent=city)
    department_upsert(code="chuanying", name="吉林市船营区人民政府", short_name="船营区", parent=city)
    staff_user_upsert(username="leader", password=PASSWORD, department=city, roles=["leader"])
    weibo = Source.objects.create(code="weibo", name="新浪微博", kind=SourceKind.WEIBO)
    news = Source.objects.create(code="news", name="江城日报网", kind=SourceKind.RSS)
    now = timezone.now()
    event = Event.objects.create(
        key=1, label="松江路停水", first_seen=now - datetime.timedelta(hours=3), last_seen=now, hotness=66.0
    )
    sentiments = ["negative", "neutral", "positive", "negative", "neutral"]
    for i in range(40):
        Post.objects.create(
            source=weibo if i % 3 else news,
            external_id=str(i),
            text="测试",
            published_at=now - datetime.timedelta(minutes=7 * i),
            sentiment=sentiments[i % 5],
            district="changyi" if i % 2 else "chuanying",
            event=event if i < 12 else None,
        )


def test_dashboard_draws_its_charts(live_server, browser, week_of_posts):
    page = browser.new_page(locale="zh-CN", viewport={"width": 1366, "height": 1800})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_server.url + "/admin/login/")
    page.fill("input[name=username]", "leader")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(live_server.url + "/admin/opinion-reports/dashboard/")
    page.wait_for_selector("#or-chart-week-volume svg")
    for chart in ("today-volume", "week-volume", "week-sentiment", "week-sources", "week-districts"):
        assert page.locator(f"#or-chart-{chart} svg").count() == 1, chart
    assert page.get_by_text("松江路停水").count() >= 1
    assert not errors, errors
    page.wait_for_timeout(1500)  # ECharts' opening animation
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "opinion-dashboard.png"), full_page=True)
