"""The API under /api/v1/opinion/response/: who may do what, the error format, no 500 on garbage."""

from __future__ import annotations

import json

import pytest

from gongkai.opinion.response import services
from gongkai.opinion.response.models import Alert, AlertKind, EventCase, Forwarding

from .conftest import HOUR, NOW

pytestmark = pytest.mark.django_db

BASE = "/api/v1/opinion/response"


def post(client, path, body=None, **extra):
    return client.post(f"{BASE}{path}", json.dumps(body or {}), content_type="application/json", **extra)


def as_user(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def event(make_event):
    return make_event(hotness=95, posts=40, negative=10)


def assess_body(**extra):
    return {"level": "major", "is_major_emergency": True, "department": "changyi", "note": "需回应", **extra}


def test_anonymous_and_other_roles_are_refused(client, clock, users, event):
    assert client.get(f"{BASE}/alerts").json()["code"] == "not_authenticated"
    as_user(client, users["clerk"])
    for response in (
        client.get(f"{BASE}/alerts"),
        client.get(f"{BASE}/cases"),
        client.get(f"{BASE}/forwardings"),
        post(client, f"/events/{event.pk}/assess", assess_body()),
    ):
        assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert not EventCase.objects.exists()


def test_alert_inbox_and_acknowledgement(client, clock, users, event):
    as_user(client, users["analyst"])
    created = post(client, "/rules", {"kind": "hotness", "threshold": 80, "name": "热度关注"})
    assert created.status_code == 201, created.content
    services.evaluate_alerts(now=NOW)
    inbox = client.get(f"{BASE}/alerts", {"acknowledged": "false"}).json()
    assert inbox["count"] == 1
    alert = inbox["results"][0]
    assert alert["kind"] == "hotness" and alert["event"]["id"] == event.pk and alert["kind_label"] == "热度"
    done = post(client, f"/alerts/{alert['id']}/acknowledge")
    assert done.status_code == 200 and done.json()["acknowledged_by"]["username"] == "analyst"
    again = post(client, f"/alerts/{alert['id']}/acknowledge")
    assert again.status_code == 409 and again.json()["code"] == "already_acknowledged"
    assert client.get(f"{BASE}/alerts", {"acknowledged": "false"}).json()["count"] == 0
    assert post(client, "/alerts/999999/acknowledge").status_code == 404


def test_rules_and_roster_are_kept_by_analysts(client, clock, users):
    as_user(client, users["press"])
    assert post(client, "/rules", {"kind": "rumor", "threshold": 3}).status_code == 403
    as_user(client, users["analyst"])
    rule = post(client, "/rules", {"kind": "negative_share", "threshold": 0.6}).json()
    changed = client.patch(
        f"{BASE}/rules/{rule['id']}", json.dumps({"threshold": 0.7}), content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["threshold"] == 0.7
    bad = post(client, "/rules", {"kind": "negative_share", "threshold": 3})
    assert bad.status_code == 422 and "threshold" in bad.json()["details"]
    shift = post(
        client,
        "/duty",
        {
            "username": "analyst2",
            "starts_at": "2026-06-01T08:00:00+08:00",
            "ends_at": "2026-06-01T20:00:00+08:00",
        },
    )
    assert shift.status_code == 201 and shift.json()["on_duty_now"] is True
    not_analyst = post(
        client,
        "/duty",
        {
            "username": "water",
            "starts_at": "2026-06-01T08:00:00+08:00",
            "ends_at": "2026-06-01T20:00:00+08:00",
        },
    )
    assert not_analyst.status_code == 422
    assert client.delete(f"{BASE}/rules/{rule['id']}").status_code == 204


def test_the_loop_through_the_api(client, clock, users, tree, event):
    as_user(client, users["analyst"])
    fresh = client.get(f"{BASE}/events/{event.pk}").json()
    assert fresh["exists"] is False and fresh["status"] == "open"
    assert [a["name"] for a in fresh["actions"]] == ["assess", "dismiss"]
    assert fresh["suggested_departments"][0]["code"] == "changyi"
    case = post(client, f"/events/{event.pk}/assess", assess_body()).json()
    assert case["status"] == "assessed" and case["level_label"] == "重大"
    assert [(c["kind"], c["hours"], c["state"]) for c in case["clocks"]] == [
        ("info", 5, "running"),
        ("press_conference", 24, "running"),
    ]
    forwarded = post(
        client, f"/events/{event.pk}/forward", {"department": "shuiwu", "instructions": "请核实停水原因。"}
    )
    assert forwarded.status_code == 201, forwarded.content
    forwarding = forwarded.json()
    assert forwarding["status"] == "sent" and forwarding["deadline"].startswith("2026-06-01T")
    # The department's side.
    as_user(client, users["school"])
    assert client.get(f"{BASE}/forwardings").json()["count"] == 0
    assert client.get(f"{BASE}/forwardings/{forwarding['id']}").status_code == 404
    refused = post(client, f"/forwardings/{forwarding['id']}/answer", {"answer": "与我局无关"})
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    assert client.get(f"{BASE}/events/{event.pk}").status_code == 403
    as_user(client, users["water"])
    mine = client.get(f"{BASE}/forwardings").json()
    assert mine["count"] == 1 and [a["name"] for a in mine["results"][0]["actions"]] == ["accept", "answer"]
    assert post(client, f"/forwardings/{forwarding['id']}/accept").json()["status"] == "accepted"
    answered = post(client, f"/forwardings/{forwarding['id']}/answer", {"answer": "管线爆裂，20 时前恢复。"})
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    withdraw = post(client, f"/forwardings/{forwarding['id']}/withdraw", {"reason": "x"})
    assert withdraw.status_code == 403
    # The press office responds; the 5-hour clock stops.
    as_user(client, users["press"])
    clock.shift(2 * HOUR)
    response = post(
        client,
        f"/events/{event.pk}/responses",
        {"kind": "statement", "summary": "市水务局通报停水原因和恢复时间。", "department": "shuiwu"},
    )
    assert response.status_code == 201, response.content
    case = client.get(f"{BASE}/events/{event.pk}").json()
    states = {c["kind"]: c["state"] for c in case["clocks"]}
    assert states == {"info": "met", "press_conference": "running"} and case["status"] == "responded"
    early = post(client, f"/events/{event.pk}/close", {"reason": "已回应"})
    assert early.status_code == 200 and early.json()["status"] == "closed"
    listed = client.get(f"{BASE}/cases", {"status": "closed"}).json()
    assert listed["count"] == 1 and listed["results"][0]["event"]["id"] == event.pk
    refused = post(client, f"/events/{event.pk}/close", {"reason": "again"})
    assert refused.status_code == 409 and refused.json()["code"] == "invalid_state"
    reopened = post(client, f"/events/{event.pk}/reopen", {"reason": "舆情再起"})
    assert reopened.json()["status"] == "open" and reopened.json()["round"] == 2


def test_overdue_cases_are_listed(client, clock, users, event):
    as_user(client, users["analyst"])
    post(client, f"/events/{event.pk}/assess", assess_body())
    clock.shift(6 * HOUR)
    overdue = client.get(f"{BASE}/cases", {"overdue": "true"}).json()
    assert overdue["count"] == 1 and overdue["results"][0]["overdue"] is True
    assert client.get(f"{BASE}/cases", {"overdue": "false"}).json()["count"] == 0
    detail = client.get(f"{BASE}/events/{event.pk}").json()
    assert detail["overdue"] is True and detail["clocks"][0]["state_label"] == "已超期"


def test_rumor_volume_needs_a_clarification(client, clock, users, event):
    as_user(client, users["analyst"])
    response = client.get(f"{BASE}/events/{event.pk}/rumor-volume")
    assert response.status_code == 404 and response.json()["code"] == "no_clarification"
    assert client.get(f"{BASE}/events/999999/rumor-volume").json()["code"] == "not_found"
    assert client.get(f"{BASE}/events/{event.pk}/rumor-volume", {"hours": 500}).status_code == 422


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/events/{event}/assess", b"{not json"),
        ("/events/{event}/assess", b"[]"),
        ("/events/{event}/assess", b'{"level": "huge", "is_major_emergency": true, "department": "changyi"}'),
        (
            "/events/{event}/assess",
            b'{"level": "major", "is_major_emergency": "maybe", "department": "changyi"}',
        ),
        (
            "/events/{event}/assess",
            b'{"level": "major", "is_major_emergency": true, "department": "nowhere"}',
        ),
        ("/events/{event}/assess", b'{"level": "major", "is_major_emergency": true, "department": ""}'),
        (
            "/events/{event}/assess",
            b'{"level": "major", "is_major_emergency": true, "department": "changyi", "clock_started_at": "2026-06-01T08:00"}',
        ),
        (
            "/events/{event}/assess",
            b'{"level": "major", "is_major_emergency": true, "department": "changyi", "clock_started_at": "9999-99-99"}',
        ),
        (
            "/events/{event}/assess",
            b'{"level": "major", "is_major_emergency": true, "department": "changyi", "x": 1}',
        ),
        ("/events/99999999999999999999/assess", b'{"level": "major"}'),
        ("/events/-1/assess", b'{"level": "major"}'),
        ("/events/{event}/forward", b'{"department": "shuiwu", "instructions": ""}'),
        (
            "/events/{event}/forward",
            b'{"department": "shuiwu", "instructions": "x", "deadline": "2020-01-01T00:00:00Z"}',
        ),
        ("/events/{event}/forward", b'{"department": "shuiwu", "instructions": "x", "work_order": "NOPE"}'),
        ("/events/{event}/responses", b'{"kind": "tweet", "summary": "x"}'),
        ("/events/{event}/responses", b'{"kind": "statement", "summary": "x", "url": "ftp://x"}'),
        ("/events/{event}/responses", b'{"kind": "document", "summary": "x", "page": 123456}'),
        ("/events/{event}/responses", b'{"kind": "statement", "summary": "x", "at": "2100-01-01T00:00:00Z"}'),
        ("/events/{event}/clarification", b'{"page": 0}'),
        ("/events/{event}/clarification", b'{"page": 12345}'),
        ("/events/{event}/dismiss", b'{"reason": ""}'),
        ("/events/{event}/reopen", b'{"reason": 5}'),
        ("/alerts/abc/acknowledge", b"{}"),
        ("/forwardings/1/answer", b'{"answer": ""}'),
    ],
)
def test_garbage_gets_a_clear_error_and_changes_nothing(client, clock, users, event, path, body):
    as_user(client, users["analyst"])
    before = (EventCase.objects.count(), Forwarding.objects.count(), Alert.objects.count())
    response = client.post(f"{BASE}{path.format(event=event.pk)}", body, content_type="application/json")
    assert 400 <= response.status_code < 500, response.content
    payload = response.json()
    assert set(payload) == {"code", "message", "details"} and payload["message"]
    assert (EventCase.objects.count(), Forwarding.objects.count(), Alert.objects.count()) == before


def test_garbage_on_an_assessed_event(client, clock, users, event):
    as_user(client, users["analyst"])
    post(client, f"/events/{event.pk}/assess", assess_body())
    for body in (
        {"department": "shuiwu", "instructions": "x", "deadline": "2020-01-01T00:00:00Z"},
        {"department": "shuiwu", "instructions": "x", "deadline": "2026-09-01T00:00:00Z"},  # > 30 days
        {"department": "shuiwu", "instructions": "x", "work_order": "NOPE"},
    ):
        response = post(client, f"/events/{event.pk}/forward", body)
        assert response.status_code == 422, response.content
    response = post(
        client,
        f"/events/{event.pk}/responses",
        {"kind": "statement", "summary": "x", "at": "2026-05-01T00:00:00"},
    )
    assert response.status_code == 422
    assert not Forwarding.objects.exists() and not EventCase.objects.get().responses.exists()


def test_alert_filters(client, clock, users, event):
    services.rule_create(kind=AlertKind.HOTNESS, threshold=80, actor=None)
    services.evaluate_alerts(now=NOW)
    as_user(client, users["leader"])
    assert client.get(f"{BASE}/alerts", {"kind": "hotness", "event": event.pk}).json()["count"] == 1
    assert client.get(f"{BASE}/alerts", {"kind": "spike"}).json()["count"] == 0
    assert client.get(f"{BASE}/alerts", {"kind": "loud"}).status_code == 422
    assert client.get(f"{BASE}/alerts", {"page": 0}).status_code == 422
    # Leaders read; they do not act.
    alert = Alert.objects.get()
    assert post(client, f"/alerts/{alert.pk}/acknowledge").status_code == 403
