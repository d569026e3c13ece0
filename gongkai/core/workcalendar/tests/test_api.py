from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

BASE = "/api/v1/calendar"


@pytest.fixture
def api(client, staff):
    client.force_login(staff)
    return client


def test_requires_authentication(client):
    assert client.get(f"{BASE}/is-working-day", {"date": "2026-10-10"}).status_code == 401


def test_days_of_a_month(api):
    response = api.get(f"{BASE}/days", {"year": 2026, "month": 10})
    assert response.status_code == 200
    body = response.json()
    assert len(body["days"]) == 31
    first, tenth = body["days"][0], body["days"][9]
    assert first == {
        "date": "2026-10-01",
        "weekday": 4,
        "is_working_day": False,
        "kind": "holiday",
        "kind_label": "节假日",
        "holiday_name": "国庆节",
        "source": "seeded",
    }
    assert tenth["kind"] == "makeup_workday" and tenth["is_working_day"] is True
    assert len(api.get(f"{BASE}/days", {"year": 2024}).json()["days"]) == 366


def test_is_working_day(api):
    body = api.get(f"{BASE}/is-working-day", {"date": "2026-10-10"}).json()
    assert body["is_working_day"] is True and body["kind"] == "makeup_workday"


def test_add_working_days(api):
    body = api.get(f"{BASE}/add-working-days", {"start": "2026-09-30", "days": 1}).json()
    assert body == {"start": "2026-09-30", "days": 1, "result": "2026-10-08"}


def test_add_working_hours(api):
    body = api.get(f"{BASE}/add-working-hours", {"start": "2026-10-12T16:00:00+08:00", "hours": 2}).json()
    assert body["result"] == "2026-10-13T09:30:00+08:00"
    body = api.get(f"{BASE}/add-working-hours", {"start": "2026-10-12T08:00:00Z", "hours": 1}).json()
    assert body["result"] == "2026-10-12T17:00:00+08:00"  # 16:00 in Jilin
    body = api.get(f"{BASE}/add-working-hours", {"start": "2026-10-12T16:00:00", "hours": 1.5}).json()
    assert body["result"] == "2026-10-13T09:00:00+08:00"  # naive = Beijing time


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("days", {"year": 2027}),
        ("is-working-day", {"date": "2027-01-01"}),
        ("add-working-days", {"start": "2026-12-30", "days": 5}),
        ("add-working-hours", {"start": "2026-12-31T16:00:00+08:00", "hours": 8}),
    ],
)
def test_unknown_year_is_422_calendar_not_available(api, path, params):
    response = api.get(f"{BASE}/{path}", params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "calendar_not_available"
    assert "2027" in body["message"] and body["details"] == {"year": 2027}


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("is-working-day", {"date": "2026-02-30"}),
        ("is-working-day", {"date": "tomorrow"}),
        ("is-working-day", {}),
        ("add-working-days", {"start": "2026-09-30", "days": -1}),
        ("add-working-days", {"start": "2026-09-30", "days": "x"}),
        ("add-working-hours", {"start": "2026-10-12 25:00", "hours": 1}),
        ("add-working-hours", {"start": "2026-10-12T09:00:00+08:00", "hours": -1}),
        ("days", {"year": 2026, "month": 13}),
        ("days", {"year": 99999}),
    ],
)
def test_bad_input_is_422_never_500(api, path, params):
    response = api.get(f"{BASE}/{path}", params)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
