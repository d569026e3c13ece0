"""The public intake and lookup are served past the middleware they do not use (ADR 0018).

``core.middleware.LeanPublicApiMiddleware`` calls the operations' views itself for the addresses in
``GONGKAI_LEAN_API_PATHS``. These tests pin that the skipped middleware really is skipped, that the
answers are the same as through the whole stack (body, status, language, headers), and that
everything else still goes through every middleware. Never timed.
"""

from unittest import mock

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.cache import cache
from django.test import Client

from gongkai.hotline.models import WorkOrder

BASE = "/api/v1/hotline"
APPEAL = {
    "content": "小区门前路灯不亮已经一周，晚上出行很不方便。",
    "caller_name": "李四",
    "caller_phone": "13912345678",
    "order_type": "help",
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _post(client, path, data, **extra):
    return client.post(BASE + path, data, content_type="application/json", **extra)


def _sessions_refuse():
    """The session middleware fails if it runs at all."""
    return mock.patch.object(SessionMiddleware, "process_request", side_effect=AssertionError("session read"))


def test_appeal_and_lookup_skip_the_session_and_auth_middleware(clock, tree):
    client = Client()
    with _sessions_refuse():
        filed = _post(client, "/appeals", APPEAL, HTTP_IDEMPOTENCY_KEY="lean-1")
        assert filed.status_code == 201, filed.content
        body = filed.json()
        found = _post(
            client, "/lookup", {"tracking_number": body["tracking_number"], "query_code": body["query_code"]}
        )
        assert found.status_code == 200, found.content
        assert found.json()["tracking_number"] == body["tracking_number"]
        # Any other address still goes through every middleware (here: the failing session one).
        with pytest.raises(AssertionError, match="session read"):
            client.get("/healthz")
    assert WorkOrder.objects.filter(tracking_number=body["tracking_number"]).exists()


def test_the_answers_are_the_ones_of_the_whole_stack(clock, tree, settings):
    lean = Client()
    filed = _post(lean, "/appeals", APPEAL, HTTP_IDEMPOTENCY_KEY="same-key")
    number, code = filed.json()["tracking_number"], filed.json()["query_code"]
    lean_lookup = _post(lean, "/lookup", {"tracking_number": number, "query_code": code})
    lean_retry = _post(lean, "/appeals", APPEAL, HTTP_IDEMPOTENCY_KEY="same-key")
    lean_bad = _post(lean, "/appeals", {**APPEAL, "caller_phone": "12"})

    settings.GONGKAI_LEAN_API_PATHS = ()
    full = Client()  # a new client loads the middleware again, now without the lean path
    full_lookup = _post(full, "/lookup", {"tracking_number": number, "query_code": code})
    full_retry = _post(full, "/appeals", APPEAL, HTTP_IDEMPOTENCY_KEY="same-key")
    full_bad = _post(full, "/appeals", {**APPEAL, "caller_phone": "12"})

    assert (lean_lookup.status_code, lean_retry.status_code, lean_bad.status_code) == (200, 200, 422)
    for a, b in ((lean_lookup, full_lookup), (lean_retry, full_retry), (lean_bad, full_bad)):
        assert a.status_code == b.status_code
        assert a.json() == b.json()
        for header in ("Content-Type", "Content-Language", "X-Frame-Options", "Content-Security-Policy"):
            assert a.headers.get(header) == b.headers.get(header), header
        assert "Accept-Language" in a.headers["Vary"]
    assert lean_bad.json()["message"] == "提交的数据有误，请检查后重试。"


def test_the_language_comes_from_accept_language(clock, tree):
    client = Client()
    english = _post(client, "/appeals", {**APPEAL, "caller_name": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 422
    assert english.headers["Content-Language"] == "en"
    assert english.json()["message"] == "The submitted data contains errors. Please check it and try again."
    chinese = _post(client, "/appeals", {**APPEAL, "caller_name": ""})
    assert chinese.headers["Content-Language"] == "zh-hans"
    assert chinese.json()["message"] == "提交的数据有误，请检查后重试。"


def test_bad_input_on_the_lean_path_is_refused_in_the_api_format(clock, tree):
    client = Client()
    malformed = client.post(BASE + "/lookup", b"{not json", content_type="application/json")
    assert malformed.status_code == 400 and malformed.json()["code"] == "malformed_json"
    wrong_method = client.get(BASE + "/lookup")
    assert wrong_method.status_code == 405
    nul = client.post(BASE + "/lookup?q=%00", {}, content_type="application/json")
    assert nul.status_code == 400 and nul.json()["code"] == "invalid_characters"
    assert WorkOrder.objects.count() == 0


def test_a_signed_in_user_gets_the_same_public_answer(clock, tree, django_user_model):
    """The operations are anonymous (auth=None): a session changes nothing, and is not read."""
    user = django_user_model.objects.create_user(username="staff-lean", password="x" * 16)
    client = Client()
    client.force_login(user)
    with _sessions_refuse():
        filed = _post(client, "/appeals", APPEAL)
    assert filed.status_code == 201
    order = WorkOrder.objects.get(tracking_number=filed.json()["tracking_number"])
    assert order.received_by is None
