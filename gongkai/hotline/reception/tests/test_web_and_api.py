from __future__ import annotations

import pytest
from django.urls import reverse

from gongkai.hotline.models import WorkOrder
from gongkai.hotline.reception import services
from gongkai.hotline.reception.models import BookingStatus, ReceptionBooking

pytestmark = pytest.mark.django_db

FORM = {"citizen_name": "张三", "phone": "13812340001", "matter": "小区供暖不热，室温只有十五度。"}


def test_public_list_and_booking_page(client, session):
    page = client.get(reverse("reception:list"))
    assert page.status_code == 200
    assert "局长接待日" in page.text and "剩余 3 / 3 个" in page.text
    form = client.get(reverse("reception:book", args=[session.pk]))
    assert form.status_code == 200 and "csrfmiddlewaretoken" in form.text


def test_book_confirm_and_cancel_through_the_pages(client, session):
    response = client.post(reverse("reception:book", args=[session.pk]), FORM)
    assert response.status_code == 302
    booking = ReceptionBooking.objects.get()
    confirm = client.get(reverse("reception:booked"))
    assert booking.code in confirm.text
    assert "138****0001" in confirm.text and FORM["phone"] not in confirm.text
    checked = client.post(reverse("reception:lookup"), {"code": booking.code, "phone": FORM["phone"]})
    assert checked.status_code == 200 and "已预约" in checked.text
    cancelled = client.post(
        reverse("reception:lookup"), {"code": booking.code, "phone": FORM["phone"], "action": "cancel"}
    )
    assert "预约已取消" in cancelled.text
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_honeypot_and_bad_input_store_nothing(client, session):
    assert (
        client.post(reverse("reception:book", args=[session.pk]), {**FORM, "website": "x"}).status_code == 400
    )
    bad = client.post(reverse("reception:book", args=[session.pk]), {**FORM, "phone": "123"})
    assert bad.status_code == 400 and "手机号码" in bad.text
    assert not ReceptionBooking.objects.exists()


def test_full_session_page_shows_clear_message(client, make_session):
    session = make_session(slots=1)
    client.post(reverse("reception:book", args=[session.pk]), FORM)
    response = client.post(reverse("reception:book", args=[session.pk]), {**FORM, "phone": "13812340002"})
    assert response.status_code == 409
    assert "约满" in response.text


def test_web_booking_is_rate_limited(client, session, settings):
    settings.GONGKAI_RECEPTION_RATE_LIMITS = {"book_ip": (2, 3600)}
    for n in range(2):
        client.post(reverse("reception:book", args=[session.pk]), {**FORM, "phone": f"1381234000{n}"})
    response = client.post(reverse("reception:book", args=[session.pk]), {**FORM, "phone": "13812340009"})
    assert response.status_code == 429


def test_lookup_with_wrong_phone_reveals_nothing(client, session):
    booking = services.booking_create(session=session, **FORM)
    response = client.post(reverse("reception:lookup"), {"code": booking.code, "phone": "13900000000"})
    assert response.status_code == 404
    assert session.place not in response.text


def test_unknown_session_is_404(client):
    assert client.get(reverse("reception:book", args=[999999])).status_code == 404


# --- API --------------------------------------------------------------------------------------


def test_api_sessions_and_booking(client, session):
    listed = client.get("/api/v1/reception/sessions")
    assert listed.status_code == 200
    assert listed.json()[0]["free_slots"] == 3
    created = client.post(
        "/api/v1/reception/bookings", {"session_id": session.pk, **FORM}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["phone"] == "138****0001" and body["status"] == "booked"
    looked = client.post(
        "/api/v1/reception/bookings/lookup",
        {"code": body["code"], "phone": FORM["phone"]},
        content_type="application/json",
    )
    assert looked.status_code == 200
    cancelled = client.post(
        "/api/v1/reception/bookings/cancel",
        {"code": body["code"], "phone": FORM["phone"]},
        content_type="application/json",
    )
    assert cancelled.json()["status"] == "cancelled"


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"session_id": "x"},
        {"session_id": 10**30, **FORM},
        {"session_id": 999999, **FORM},
        {"session_id": None, **FORM},
        {"session_id": 1, "citizen_name": "张" * 500, "phone": "138", "matter": "x"},
        {"session_id": 1, "citizen_name": ["a"], "phone": 1, "matter": {}},
    ],
)
def test_api_bad_booking_input_is_4xx(client, session, payload):
    response = client.post("/api/v1/reception/bookings", payload, content_type="application/json")
    assert 400 <= response.status_code < 500, response.content
    assert not ReceptionBooking.objects.exists()


def test_api_malformed_json_and_bad_paths_are_4xx(client, session):
    response = client.post("/api/v1/reception/bookings", "{not json", content_type="application/json")
    assert 400 <= response.status_code < 500
    assert client.get("/api/v1/reception/sessions/99999999999999999999").status_code in (404, 422)
    assert client.get("/api/v1/reception/sessions?department_id=abc").status_code == 422
    lookup = client.post(
        "/api/v1/reception/bookings/lookup", {"code": "", "phone": ""}, content_type="application/json"
    )
    assert lookup.status_code == 404


def test_api_full_is_409(client, make_session):
    session = make_session(slots=1)
    services.booking_create(session=session, **FORM)
    response = client.post(
        "/api/v1/reception/bookings",
        {"session_id": session.pk, **FORM, "phone": "13812340002"},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "full"


def test_api_staff_attendance_and_permissions(client, session, users):
    booking = services.booking_create(session=session, **FORM)
    url = f"/api/v1/reception/staff/bookings/{booking.pk}/attended"
    assert client.post(url, {}, content_type="application/json").status_code == 401
    client.force_login(users["handler_jiaoyu"])
    assert client.post(url, {}, content_type="application/json").status_code == 404
    client.force_login(users["handler_zhujian"])
    listed = client.get(f"/api/v1/reception/staff/sessions/{session.pk}/bookings")
    assert listed.status_code == 200 and listed.json()[0]["phone"] == "138****0001"
    bad = client.post(url, {"order_type": "nonsense"}, content_type="application/json")
    assert bad.status_code == 422
    ok = client.post(url, {"order_type": "complaint", "notes": "当场答复"}, content_type="application/json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["tracking_number"] == WorkOrder.objects.get().tracking_number
    walk_in = client.post(
        f"/api/v1/reception/staff/sessions/{session.pk}/walk-ins",
        {"citizen_name": "李四", "phone": "13900001111", "matter": "反映物业收费问题。"},
        content_type="application/json",
    )
    assert walk_in.status_code == 201
    assert WorkOrder.objects.count() == 2


# --- Admin --------------------------------------------------------------------------------------


def test_admin_pages(client, session, users):
    booking = services.booking_create(session=session, **FORM)
    client.force_login(users["handler_zhujian"])
    index = client.get("/admin/reception/sessions/")
    assert index.status_code == 200 and "王建国" in index.text
    page = client.get(reverse("reception_admin:bookings", args=[session.pk]))
    assert page.status_code == 200
    assert "138****0001" in page.text and FORM["phone"] not in page.text
    visit = client.post(
        reverse("reception_admin:attended", args=[booking.pk]),
        {"matter": booking.matter, "order_type": "help", "notes": "已答复"},
    )
    assert visit.status_code == 302
    booking.refresh_from_db()
    assert booking.work_order is not None
    client.force_login(users["handler_jiaoyu"])
    assert client.get(reverse("reception_admin:bookings", args=[session.pk])).status_code == 404
    assert client.get(f"/admin/reception/sessions/edit/{session.pk}/").status_code == 404
