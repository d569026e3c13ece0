"""The staff REST API of 局长接待日: sessions (list, create, change, cancel), bookings, visits."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from gongkai.core.audit.models import AuditEvent
from gongkai.core.outbox.models import OutboxMessage
from gongkai.hotline.models import WorkOrder
from gongkai.hotline.reception import services
from gongkai.hotline.reception.models import BookingStatus, ReceptionSession, SessionStatus

pytestmark = pytest.mark.django_db

BASE = "/api/v1/reception/staff"
FORM = {"citizen_name": "张三", "phone": "13812340001", "matter": "小区供暖不热，室温只有十五度。"}


@pytest.fixture
def leader(tree):
    from gongkai.accounts.services import staff_user_upsert

    user, _ = staff_user_upsert(username="ld", password=None, department=tree["city"], roles=["leader"])
    return user


def _new_session(tree, **extra):
    day = timezone.localdate() + datetime.timedelta(days=10)
    now = timezone.now()
    return {
        "department_id": tree["zhujian"].pk,
        "official_name": "李局长",
        "official_title": "局长",
        "date": day.isoformat(),
        "start_time": "09:00",
        "end_time": "11:00",
        "place": "市住建局一楼接待室",
        "topic": "供热、物业",
        "slots": 5,
        "booking_opens_at": now.isoformat(),
        "booking_closes_at": (now + datetime.timedelta(days=5)).isoformat(),
        "status": "open",
        **extra,
    }


def _post(client, path, data):
    return client.post(BASE + path, data, content_type="application/json")


def _patch(client, path, data):
    return client.patch(BASE + path, data, content_type="application/json")


def test_list_is_scoped_to_the_department(client, users, make_session, tree, leader):
    own = make_session()
    other = make_session(department=tree["jiaoyu"], official_name="赵局长")
    assert client.get(BASE + "/sessions").status_code == 401
    client.force_login(users["handler_zhujian"])
    body = client.get(BASE + "/sessions").json()
    assert [row["id"] for row in body["results"]] == [own.pk] and body["count"] == 1
    assert body["results"][0]["can_manage"] is True and body["results"][0]["booked_count"] == 0
    assert client.get(f"{BASE}/sessions/{other.pk}").status_code == 404
    client.force_login(users["dispatcher"])
    assert client.get(BASE + "/sessions").json()["count"] == 2
    filtered = client.get(BASE + "/sessions", {"department_id": tree["jiaoyu"].pk}).json()
    assert [row["id"] for row in filtered["results"]] == [other.pk]
    assert client.get(BASE + "/sessions", {"status": "cancelled"}).json()["count"] == 0
    client.force_login(leader)
    listed = client.get(BASE + "/sessions").json()
    assert listed["count"] == 2 and not listed["results"][0]["can_manage"]
    assert _patch(client, f"/sessions/{own.pk}", {"place": "别处"}).status_code == 403
    client.force_login(users["drafter"])
    assert client.get(BASE + "/sessions").status_code == 403


def test_create_change_and_cancel_are_audited(client, users, tree):
    client.force_login(users["handler_zhujian"])
    created = _post(client, "/sessions", _new_session(tree))
    assert created.status_code == 201, created.content
    body = created.json()
    session = ReceptionSession.objects.get(pk=body["id"])
    assert session.created_by == users["handler_zhujian"] and body["time_windows"][0] == "09:00-09:30"
    event = AuditEvent.objects.get(action="reception.session_created")
    assert event.actor == users["handler_zhujian"] and event.new_values["slots"] == 5

    changed = _patch(client, f"/sessions/{session.pk}", {"slots": 8, "place": "二楼会议室"})
    assert changed.status_code == 200 and changed.json()["slots"] == 8
    event = AuditEvent.objects.get(action="reception.session_changed")
    assert event.old_values == {"place": "市住建局一楼接待室", "slots": 5}
    assert event.new_values == {"place": "二楼会议室", "slots": 8}
    assert _patch(client, f"/sessions/{session.pk}", {"slots": 8}).status_code == 200
    assert AuditEvent.objects.filter(action="reception.session_changed").count() == 1

    services.booking_create(session=session, **FORM)
    cancelled = _post(client, f"/sessions/{session.pk}/cancel", {"reason": "领导临时公务"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert session.bookings.get().status == BookingStatus.CANCELLED
    assert OutboxMessage.objects.filter(idempotency_key__contains="session-cancelled").count() == 1
    assert _patch(client, f"/sessions/{session.pk}", {"slots": 9}).status_code == 409
    assert _post(client, f"/sessions/{session.pk}/cancel", {"reason": "再次"}).status_code == 409


def test_handler_cannot_plan_for_another_department(client, users, tree, make_session):
    client.force_login(users["handler_zhujian"])
    response = _post(client, "/sessions", _new_session(tree, department_id=tree["jiaoyu"].pk))
    assert response.status_code == 422
    own = make_session()
    moved = _patch(client, f"/sessions/{own.pk}", {"department_id": tree["jiaoyu"].pk})
    assert moved.status_code == 422
    other = make_session(department=tree["jiaoyu"])
    assert _patch(client, f"/sessions/{other.pk}", {"slots": 9}).status_code == 404
    assert _post(client, f"/sessions/{other.pk}/cancel", {"reason": "x"}).status_code == 404
    client.force_login(users["dispatcher"])
    assert _post(client, "/sessions", _new_session(tree, department_id=tree["jiaoyu"].pk)).status_code == 201
    client.force_login(users["drafter"])
    assert _post(client, "/sessions", _new_session(tree)).status_code == 403
    assert not AuditEvent.objects.filter(actor=users["drafter"]).exists()


@pytest.mark.parametrize(
    "change",
    [
        {"end_time": "08:00"},
        {"booking_closes_at": "2000-01-01T00:00:00+08:00"},
        {"slots": 0},
        {"slots": 501},
        {"status": "cancelled"},
        {"status": "nonsense"},
        {"department_id": 10**30},
        {"department_id": 999999},
        {"date": "2026-02-30"},
        {"place": ""},
        {"topic": "供热\x07"},
        {"official_name": "张" * 51},
        {"unknown_field": 1},
    ],
)
def test_bad_session_input_is_4xx_and_writes_nothing(client, users, tree, change):
    client.force_login(users["dispatcher"])
    response = _post(client, "/sessions", _new_session(tree, **change))
    assert response.status_code in (400, 422), response.content
    assert not ReceptionSession.objects.exists()
    assert not AuditEvent.objects.filter(action="reception.session_created").exists()


def test_slots_never_below_booked(client, users, session):
    services.booking_create(session=session, **FORM)
    services.booking_create(session=session, **{**FORM, "phone": "13812340002"})
    client.force_login(users["dispatcher"])
    response = _patch(client, f"/sessions/{session.pk}", {"slots": 1})
    assert response.status_code == 422 and "slots" in str(response.json()["details"])
    session.refresh_from_db()
    assert session.slots == 3


def test_bookings_walk_in_attended_no_show(client, users, session):
    first = services.booking_create(session=session, **FORM)
    second = services.booking_create(session=session, **{**FORM, "phone": "13812340002"})
    client.force_login(users["handler_zhujian"])
    listed = client.get(f"{BASE}/sessions/{session.pk}/bookings").json()
    assert {row["id"] for row in listed} == {first.pk, second.pk}
    attended = _post(client, f"/bookings/{first.pk}/attended", {"order_type": "help", "notes": "当场答复"})
    assert attended.status_code == 200 and attended.json()["status"] == "attended"
    order = WorkOrder.objects.get(tracking_number=attended.json()["tracking_number"])
    assert order.channel == "reception_day" and "当场答复" in order.content
    assert _post(client, f"/bookings/{second.pk}/no-show", {}).json()["status"] == "no_show"
    walk_in = _post(
        client,
        f"/sessions/{session.pk}/walk-ins",
        {
            "citizen_name": "王五",
            "phone": "13900002222",
            "matter": "反映小区违建问题。",
            "order_type": "report",
        },
    )
    assert walk_in.status_code == 201 and walk_in.json()["source"] == "walk_in"
    assert WorkOrder.objects.count() == 2
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"reception.attended", "reception.no_show", "reception.walk_in"} <= actions


def test_admin_create_and_edit_go_through_the_audited_services(client, users, tree, make_session):
    client.force_login(users["handler_zhujian"])
    session = make_session(status=SessionStatus.PLANNED)
    form = {
        "department": tree["zhujian"].pk,
        "official_name": session.official_name,
        "official_title": session.official_title,
        "date": session.date.isoformat(),
        "start_time": "09:00",
        "end_time": "11:30",
        "place": "新地点",
        "topic": session.topic,
        "slots": 3,
        "slot_minutes": 30,
        "booking_opens_at": timezone.localtime(session.booking_opens_at).strftime("%Y-%m-%d %H:%M"),
        "booking_closes_at": timezone.localtime(session.booking_closes_at).strftime("%Y-%m-%d %H:%M"),
        "status": "open",
        "note": "",
    }
    response = client.post(f"/admin/reception/sessions/edit/{session.pk}/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    session.refresh_from_db()
    assert session.place == "新地点" and session.status == SessionStatus.OPEN
    event = AuditEvent.objects.get(action="reception.session_changed")
    assert event.new_values["place"] == "新地点"
    response = client.post("/admin/reception/sessions/new/", {**form, "place": "第二场"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="reception.session_created").count() == 1
    refused = client.post(f"/admin/reception/sessions/edit/{session.pk}/", {**form, "status": "cancelled"})
    assert refused.status_code == 200
    session.refresh_from_db()
    assert session.status == SessionStatus.OPEN
