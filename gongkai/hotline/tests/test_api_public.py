"""The public hotline API: appeal (idempotent, limited), lookup (wrong code = unknown number), rating."""

import pytest
from django.core.cache import cache

from gongkai.hotline.models import Status, WorkOrder

BASE = "/api/v1/hotline"
APPEAL = {
    "content": "小区门前路灯不亮已经一周，晚上出行很不方便。",
    "caller_name": "李四",
    "caller_phone": "13912345678",
    "order_type": "help",
    "category": "ludeng",
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _post(client, path, data, **extra):
    return client.post(BASE + path, data, content_type="application/json", **extra)


def test_appeal_with_idempotency_key_returns_the_same_order(client, clock, tree):
    first = _post(client, "/appeals", APPEAL, HTTP_IDEMPOTENCY_KEY="abc-123")
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["tracking_number"] and len(body["query_code"]) == 6
    again = _post(client, "/appeals", APPEAL, HTTP_IDEMPOTENCY_KEY="abc-123")
    assert again.status_code == 200
    assert again.json()["tracking_number"] == body["tracking_number"] and again.json()["query_code"] is None
    assert WorkOrder.objects.count() == 1
    assert WorkOrder.objects.get().channel == "web"


def test_appeal_with_client_reference_is_idempotent_too(client, clock, tree):
    payload = {**APPEAL, "client_reference": "form-7f3a"}
    first = _post(client, "/appeals", payload)
    again = _post(client, "/appeals", payload)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["tracking_number"] == again.json()["tracking_number"]


def test_appeal_without_key_creates_each_time(client, clock, tree):
    assert _post(client, "/appeals", APPEAL).status_code == 201
    assert _post(client, "/appeals", APPEAL).status_code == 201
    assert WorkOrder.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"caller_phone": "0432-62012345"}, "caller_phone"),  # the web form wants a mobile
        ({"caller_name": ""}, "caller_name"),
        ({"content": "x" * 5001}, "content"),
        ({"category": "no-such"}, "category"),
        ({"content": "坏字符\u0001"}, "content"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_appeal_validation(client, clock, tree, change, field):
    response = _post(client, "/appeals", {**APPEAL, **change})
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    assert field in str(body["details"])
    assert not WorkOrder.objects.exists()


def test_mailbox_letter_needs_a_title(client, clock, tree):
    response = _post(client, "/appeals", {**APPEAL, "channel": "mailbox"})
    assert response.status_code == 422 and "title" in response.json()["details"]


def test_appeals_are_limited_per_phone(client, clock, tree, settings):
    settings.GONGKAI_HOTLINE_RATE_LIMITS = {"appeal-phone": (2, 86400)}
    assert _post(client, "/appeals", APPEAL).status_code == 201
    assert _post(client, "/appeals", APPEAL).status_code == 201
    refused = _post(client, "/appeals", APPEAL)
    assert refused.status_code == 429 and refused.json()["code"] == "too_many_requests"
    assert _post(client, "/appeals", {**APPEAL, "caller_phone": "13700000000"}).status_code == 201


def test_appeals_are_limited_per_ip(client, clock, tree, settings):
    settings.GONGKAI_HOTLINE_APPEAL_RATE = "2/m"
    for phone in ("13700000001", "13700000002"):
        assert _post(client, "/appeals", {**APPEAL, "caller_phone": phone}).status_code == 201
    response = _post(client, "/appeals", {**APPEAL, "caller_phone": "13700000003"})
    assert response.status_code == 429 and response.json()["code"] == "too_many_requests"


def _filed(client):
    body = _post(client, "/appeals", APPEAL).json()
    return body["tracking_number"], body["query_code"]


def test_lookup_shows_the_public_view_without_personal_data(client, clock, tree):
    number, code = _filed(client)
    response = _post(client, "/lookup", {"tracking_number": number, "query_code": code})
    assert response.status_code == 200
    body = response.json()
    assert body["tracking_number"] == number and body["status"] == "received"
    assert body["events"][0]["text"]
    text = response.content.decode()
    assert "13912345678" not in text and "李四" not in text and "hash" not in text


def test_wrong_code_and_unknown_number_answer_the_same(client, clock, tree):
    number, code = _filed(client)
    wrong = "000000" if code != "000000" else "111111"
    wrong_code = _post(client, "/lookup", {"tracking_number": number, "query_code": wrong})
    unknown = _post(client, "/lookup", {"tracking_number": "2601019999", "query_code": code})
    assert wrong_code.status_code == unknown.status_code == 404
    assert wrong_code.json() == unknown.json()


def test_failed_lookups_are_limited_per_number(client, clock, tree, settings):
    settings.GONGKAI_HOTLINE_RATE_LIMITS = {"lookup-failed-number": (2, 3600), "lookup-failed-ip": (100, 600)}
    number, code = _filed(client)
    for _attempt in range(2):
        assert _post(client, "/lookup", {"tracking_number": number, "query_code": "999999"}).status_code in (
            404,
            200,
        )
    blocked = _post(client, "/lookup", {"tracking_number": number, "query_code": code})
    assert blocked.status_code == 429


def test_rating_once_after_the_reply(client, clock, tree, users):
    from gongkai.hotline import services

    order, code = services.work_order_create(
        channel="web", content="路灯不亮。", caller_name="王五", caller_phone="13600000000"
    )
    payload = {"tracking_number": order.tracking_number, "query_code": code, "satisfaction": "satisfied"}
    early = _post(client, "/rating", payload)
    assert early.status_code == 409 and early.json()["code"] == "not_rateable"
    services.work_order_dispatch(work_order=order, actor=users["dispatcher"], department=tree["dept_a"])
    services.work_order_accept(work_order=order, actor=users["handler_a"])
    services.work_order_reply(work_order=order, actor=users["handler_a"], reply_text="已修复。")
    services.work_order_approve_reply(work_order=order, actor=users["dispatcher"])
    rated = _post(client, "/rating", payload)
    assert rated.status_code == 200, rated.content
    assert rated.json()["status"] == Status.CLOSED
    again = _post(client, "/rating", payload)
    assert again.status_code == 409 and again.json()["code"] == "already_rated"
    wrong = _post(client, "/rating", {**payload, "query_code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 404
    bad = _post(client, "/rating", {**payload, "satisfaction": "meh"})
    assert bad.status_code == 422


def test_the_appeal_and_lookup_bodies_are_exactly_their_documented_schemas(client, clock, tree):
    """Both operations render their bodies without ninja's response validation; these hold them
    to the schemas that the OpenAPI document shows."""
    from gongkai.hotline.api_schemas import AppealOut, PublicViewOut

    first = _post(client, "/appeals", APPEAL, HTTP_IDEMPOTENCY_KEY="schema-1")
    again = _post(client, "/appeals", APPEAL, HTTP_IDEMPOTENCY_KEY="schema-1")
    for response in (first, again):
        assert response["Content-Type"].startswith("application/json")
        body = response.json()
        assert set(body) == set(AppealOut.model_fields)
        assert AppealOut.model_validate(body).model_dump() == body
    lookup = _post(
        client,
        "/lookup",
        {"tracking_number": first.json()["tracking_number"], "query_code": first.json()["query_code"]},
    )
    assert lookup.status_code == 200
    assert set(lookup.json()) == set(PublicViewOut.model_fields)
    PublicViewOut.model_validate(lookup.json())
