from __future__ import annotations

import datetime
import logging

import pytest
import time_machine
from django.contrib.auth.models import Permission

from gongkai.core.workcalendar import selectors
from gongkai.core.workcalendar.models import CalendarDay, DayKind, DaySource
from gongkai.core.workcalendar.tasks import check_next_year

pytestmark = pytest.mark.django_db

NOV_30 = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.UTC)
DEC_1 = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC)


def test_year_page_renders_the_grid(client, superuser):
    client.force_login(superuser)
    response = client.get("/admin/calendar/2026/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "国庆节" in html and "调休上班" in html and "10 月" in html
    assert "/admin/calendar/day/2026-10-10/" in html


def test_index_redirects_to_this_year(client, superuser):
    # Log in inside each time travel: sessions last 8 hours.
    with time_machine.travel(NOV_30, tick=False):
        client.force_login(superuser)
        response = client.get("/admin/calendar/")
    assert response.status_code == 302 and response["Location"].endswith("/admin/calendar/2026/")


def test_unknown_year_page_explains_how_to_import(client, superuser):
    client.force_login(superuser)
    response = client.get("/admin/calendar/2027/")
    assert response.status_code == 200
    assert "gongkai calendar import" in response.content.decode()


def test_superuser_edits_a_day_with_a_reason(client, superuser, monkeypatch):
    calls = []
    monkeypatch.setattr("gongkai.core.audit.services.audit_record", lambda **kwargs: calls.append(kwargs))
    client.force_login(superuser)
    url = "/admin/calendar/day/2026-07-15/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"is_working_day": "0", "holiday_name": "", "reason": ""})
    assert response.status_code == 200  # the reason is required
    assert selectors.is_working_day(day=datetime.date(2026, 7, 15)) is True
    response = client.post(url, {"is_working_day": "0", "holiday_name": "", "reason": "防汛停工"})
    assert response.status_code == 302
    day = CalendarDay.objects.get(date=datetime.date(2026, 7, 15))
    assert (day.is_working_day, day.kind, day.source, day.note) == (
        False,
        DayKind.HOLIDAY,
        DaySource.EDITED,
        "防汛停工",
    )
    assert selectors.is_working_day(day=datetime.date(2026, 7, 15)) is False
    (call,) = calls
    assert (
        call["action"] == "calendar.day_changed"
        and call["request"] is not None
        and call["actor"] == superuser
    )


def test_staff_without_permission_cannot_edit(client, staff):
    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(staff)
    assert client.get("/admin/calendar/2026/").status_code == 200
    assert "/admin/calendar/day/" not in client.get("/admin/calendar/2026/").content.decode()
    response = client.post("/admin/calendar/day/2026-07-15/", {"is_working_day": "0", "reason": "x"})
    assert response.status_code in (302, 403)
    assert selectors.is_working_day(day=datetime.date(2026, 7, 15)) is True


def test_staff_with_the_permission_can_edit(client, staff):
    staff.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="change_calendarday", content_type__app_label="workcalendar"),
    )
    client.force_login(staff)
    response = client.post(
        "/admin/calendar/day/2026-07-18/", {"is_working_day": "1", "reason": "临时调休上班"}
    )
    assert response.status_code == 302
    assert selectors.is_working_day(day=datetime.date(2026, 7, 18)) is True


def test_dashboard_warns_from_1_december(client, superuser):
    with time_machine.travel(NOV_30, tick=False):
        client.force_login(superuser)
        response = client.get("/admin/")
        assert response.status_code == 200 and "工作日历缺少年份" not in response.content.decode()
    with time_machine.travel(DEC_1, tick=False):
        client.force_login(superuser)
        html = client.get("/admin/").content.decode()
    assert "工作日历缺少年份" in html and "2027" in html


def test_task_logs_and_emails_once_a_day(superuser, caplog):
    from gongkai.core.outbox.models import OutboxMessage

    with time_machine.travel(NOV_30, tick=False):
        assert check_next_year() is None
    assert not OutboxMessage.objects.exists()
    with caplog.at_level(logging.WARNING), time_machine.travel(DEC_1, tick=False):
        assert "2027" in check_next_year()
        check_next_year()
    assert any("2027" in record.getMessage() for record in caplog.records)
    message = OutboxMessage.objects.get()
    assert message.channel == "email" and message.recipient == superuser.email
    assert message.idempotency_key == "calendar:missing-year:2027:2026-12-01"
