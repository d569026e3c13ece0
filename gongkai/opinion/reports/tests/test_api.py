"""The reports API end to end: statistics, list, create, edit, release, download, access, bad input."""

from __future__ import annotations

import json

import pytest
import time_machine

from gongkai.core.audit.models import AuditEvent
from gongkai.opinion.reports.models import Report, ReportKind, ReportStatus
from gongkai.opinion.reports.tests.conftest import DAY, local

pytestmark = pytest.mark.django_db

BASE = "/api/v1/opinion/reports/"
LATER = local(DAY.replace(day=10), 12)  # 2026-06-10: the day and its week are over


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(LATER, tick=False):
        yield


def _json(client, method, url, body=None):
    return client.generic(
        method, url, json.dumps(body) if body is not None else "", content_type="application/json"
    )


def test_statistics_of_a_day(client, dataset, users):
    client.force_login(users["leader"])
    response = client.get(BASE + "statistics", {"start": "2026-06-01", "end": "2026-06-01"})
    assert response.status_code == 200, response.content
    stats = response.json()
    assert stats["totals"]["posts"] == 6 and stats["period"]["granularity"] == "hour"
    assert stats["period"]["start"].startswith("2026-06-01T00:00:00+08:00")
    assert stats["period"]["end"].startswith("2026-06-02T00:00:00+08:00")
    by_district = client.get(
        BASE + "statistics", {"start": "2026-06-01", "end": "2026-06-01", "district": "longtan"}
    )
    assert by_district.json()["totals"]["posts"] == 2
    hottest = client.get(
        BASE + "statistics",
        {"start": "2026-06-01T00:00", "end": "2026-06-02T00:00", "events_order": "hotness"},
    )
    assert [e["title"] for e in hottest.json()["events"]] == ["化工厂异味", "松江路停水"]


@pytest.mark.parametrize(
    "query,field",
    [
        ({"start": "yesterday"}, "start"),
        ({"start": "2026-13-45"}, "start"),
        ({"start": "2026-06-02", "end": "2026-06-01"}, "end"),
        ({"start": "2024-01-01", "end": "2026-01-01"}, "start"),
        ({"top": "0"}, "top"),
        ({"event": "-1"}, "event"),
    ],
)
def test_bad_statistics_queries_get_422(client, users, query, field):
    client.force_login(users["analyst"])
    response = client.get(BASE + "statistics", query)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert field in json.dumps(body["details"])


def test_staff_without_the_role_and_anonymous_callers_are_refused(client, dataset, users):
    assert client.get(BASE + "statistics").status_code == 401
    client.force_login(users["operator"])
    refused = client.get(BASE + "statistics")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert client.get(BASE).status_code == 403
    report = Report.objects.create(
        kind=ReportKind.DAILY, title="x", period_start=local(DAY, 0), period_end=local(DAY, 23)
    )
    assert client.get(f"{BASE}{report.pk}").status_code == 404
    assert client.get(f"{BASE}{report.pk}/docx").status_code == 404


def test_the_whole_life_of_a_daily_report(client, dataset, users):
    client.force_login(users["analyst"])
    made = _json(client, "POST", BASE, {"kind": "daily", "date": "2026-06-01"})
    assert made.status_code == 201, made.content
    report = made.json()
    assert report["status"] == "draft" and report["posts"] == 6 and report["scheduled"]
    assert report["actions"] == ["edit", "refresh", "delete", "release"]
    again = _json(client, "POST", BASE, {"kind": "daily", "date": "2026-06-01"})
    assert again.status_code == 200 and again.json()["id"] == report["id"]
    assert Report.objects.count() == 1

    url = f"{BASE}{report['id']}"
    edited = _json(
        client,
        "PATCH",
        url,
        {"title": "六月一日舆情", "summary": "平稳。", "comments": {"events": "关注停水。"}},
    )
    assert edited.status_code == 200, edited.content
    sections = {s["key"]: s["comment"] for s in edited.json()["sections"]}
    assert sections["events"] == "关注停水。" and sections["overview"] == ""

    listed = client.get(BASE, {"kind": "daily"}).json()
    assert listed["count"] == 1 and listed["results"][0]["title"] == "六月一日舆情"

    released = _json(client, "POST", f"{url}/release")
    assert released.status_code == 200 and released.json()["status"] == "released"
    assert released.json()["actions"] == [] and len(released.json()["released_digest"]) == 64

    refused = _json(client, "PATCH", url, {"title": "改"})
    assert refused.status_code == 409 and refused.json()["code"] == "invalid_state"
    assert _json(client, "POST", f"{url}/refresh").status_code == 409
    assert _json(client, "DELETE", url).status_code == 409
    assert Report.objects.get().title == "六月一日舆情"

    client.force_login(users["leader"])
    download = client.get(f"{url}/docx")
    assert download.status_code == 200 and download.content[:2] == b"PK"
    assert download["Content-Disposition"].startswith('attachment; filename="opinion-daily-20260601-')
    assert AuditEvent.objects.filter(action="opinion_report.downloaded", actor=users["leader"]).count() == 1


def test_leaders_read_but_do_not_write(client, dataset, users):
    client.force_login(users["analyst"])
    report_id = _json(client, "POST", BASE, {"kind": "weekly", "date": "2026-06-03"}).json()["id"]
    client.force_login(users["leader"])
    assert client.get(f"{BASE}{report_id}").json()["actions"] == []
    assert _json(client, "POST", BASE, {"kind": "daily", "date": "2026-06-02"}).status_code == 403
    for method, suffix, body in (
        ("PATCH", "", {"title": "x"}),
        ("POST", "/release", None),
        ("DELETE", "", None),
    ):
        response = _json(client, method, f"{BASE}{report_id}{suffix}", body)
        assert response.status_code == 403, (method, suffix)
    assert Report.objects.get(pk=report_id).status == ReportStatus.DRAFT


def test_event_and_scoped_reports(client, dataset, users):
    client.force_login(users["analyst"])
    event = _json(
        client, "POST", BASE, {"kind": "event", "event_id": dataset["water"].pk, "title": "停水专报"}
    )
    assert event.status_code == 201 and event.json()["title"] == "停水专报" and event.json()["posts"] == 3
    scoped = _json(client, "POST", BASE, {"kind": "daily", "date": "2026-06-01", "district": "changyi"})
    assert scoped.status_code == 201 and scoped.json()["posts"] == 3 and not scoped.json()["scheduled"]
    by_topic = _json(
        client, "POST", BASE, {"kind": "daily", "date": "2026-06-01", "topic_id": dataset["topic"].pk}
    )
    assert by_topic.status_code == 201 and by_topic.json()["posts"] == 2


@pytest.mark.parametrize(
    "body,code",
    [
        ({"kind": "daily"}, "validation_error"),
        ({"kind": "daily", "date": "2026-06-10"}, "period_not_finished"),
        ({"kind": "weekly", "date": "2026-06-09"}, "period_not_finished"),
        ({"kind": "event"}, "validation_error"),
        ({"kind": "event", "event_id": 999999}, "validation_error"),
        ({"kind": "daily", "date": "2026-06-01", "topic_id": 999999}, "validation_error"),
        ({"kind": "monthly", "date": "2026-06-01"}, "validation_error"),
        ({"kind": "daily", "date": "2026-02-30"}, "validation_error"),
    ],
)
def test_bad_creations_are_refused_and_make_nothing(client, dataset, users, body, code):
    client.force_login(users["analyst"])
    response = _json(client, "POST", BASE, body)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == code
    assert Report.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {"title": ""},
        {"comments": {"nope": "x"}},
        {"comments": {"overview": 5}},
        {"comments": "overview"},
        {"summary": "字" * 20_001},
    ],
)
def test_bad_edits_get_422_and_change_nothing(client, dataset, users, body):
    client.force_login(users["analyst"])
    report_id = _json(client, "POST", BASE, {"kind": "daily", "date": "2026-06-01"}).json()["id"]
    before = Report.objects.get(pk=report_id)
    response = _json(client, "PATCH", f"{BASE}{report_id}", body)
    assert response.status_code == 422 and response.json()["code"] == "validation_error"
    after = Report.objects.get(pk=report_id)
    assert (after.title, after.summary, after.comments) == (before.title, before.summary, before.comments)


def test_missing_font_is_a_503_with_the_reason(client, dataset, users, settings, monkeypatch):
    from gongkai.opinion.reports import fonts

    client.force_login(users["analyst"])
    report_id = _json(client, "POST", BASE, {"kind": "daily", "date": "2026-06-01"}).json()["id"]
    settings.GONGKAI_OPINION_REPORT_FONTS = ["/nonexistent/font.ttc"]
    monkeypatch.setattr(fonts, "_fontconfig_candidates", lambda: [])
    fonts._find.cache_clear()
    try:
        response = client.get(f"{BASE}{report_id}/pdf")
    finally:
        fonts._find.cache_clear()
    assert response.status_code == 503 and response.json()["code"] == "font_missing"
    assert "fonts-noto-cjk" in response.json()["message"]
