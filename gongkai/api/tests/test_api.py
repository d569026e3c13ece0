import pytest
from wagtail.models import APIToken

from gongkai.core.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("clerk", password="x", is_staff=True)


def test_openapi_document_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["info"]["title"] == "Gongkai API" and "/api/v1/me" in doc["paths"]


def test_anonymous_gets_the_standard_error(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "not_authenticated" and body["message"] and "details" in body


def test_bearer_token_authenticates(client, staff):
    _, plaintext = APIToken.create_token(user=staff, name="connector")
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert response.status_code == 200 and response.json()["username"] == "clerk"
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer wagtail_nonsense").status_code == 401


def test_revoked_token_is_refused(client, staff):
    token, plaintext = APIToken.create_token(user=staff, name="old")
    token.revoke()
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {plaintext}").status_code == 401


def test_staff_session_authenticates_but_a_citizen_session_does_not(client, staff, django_user_model):
    client.force_login(staff)
    assert client.get("/api/v1/me").status_code == 200
    citizen = django_user_model.objects.create_user("citizen", password="x", is_staff=False)
    client.force_login(citizen)
    assert client.get("/api/v1/me").status_code == 401


def test_create_list_and_revoke_tokens(client, staff):
    client.force_login(staff)
    created = client.post("/api/v1/tokens", {"name": "微博接入"}, content_type="application/json")
    assert created.status_code == 201
    plaintext = created.json()["token"]
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {plaintext}").status_code == 200
    listed = client.get("/api/v1/tokens").json()
    assert [t["name"] for t in listed] == ["微博接入"] and "token" not in listed[0]
    revoked = client.post(f"/api/v1/tokens/{listed[0]['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {plaintext}").status_code == 401
    assert AuditEvent.objects.filter(action__startswith="api_token.", kind="security").count() == 2


def test_someone_elses_token_is_not_found(client, staff, django_user_model):
    other = django_user_model.objects.create_user("other", password="x", is_staff=True)
    token, _ = APIToken.create_token(user=other, name="theirs")
    client.force_login(staff)
    response = client.post(f"/api/v1/tokens/{token.pk}/revoke")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "malformed_json"),
        (b'{"name": 12}', "validation_error"),
        (b'{"name": ""}', "validation_error"),
        (b'{"name": "' + b"x" * 101 + b'"}', "validation_error"),
        (b'{"name": "ok", "admin": true}', "validation_error"),
        (b"[]", "validation_error"),
        (b"\xff\xfe", "malformed_json"),
    ],
)
def test_bad_bodies_get_a_clear_error_and_change_nothing(client, staff, body, code):
    client.force_login(staff)
    response = client.post("/api/v1/tokens", body, content_type="application/json")
    assert response.status_code in (400, 422)
    assert response.json()["code"] == code
    assert not APIToken.objects.exists()


def test_message_follows_the_request_language(client):
    zh = client.get("/api/v1/me").json()["message"]
    en = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en").json()["message"]
    assert zh == "需要登录或有效的接口令牌。"
    assert en != zh and en.isascii()


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"


def test_anonymous_callers_are_rate_limited(client):
    from django.core.cache import cache

    from gongkai.api.router import api
    from gongkai.api.throttling import FixedWindowThrottle

    anon = next(t for t in api.throttle if isinstance(t, FixedWindowThrottle) and t.who == "anon")
    saved = anon.num_requests
    anon.num_requests = 3
    cache.clear()
    try:
        codes = [client.get("/api/v1/info").status_code for _ in range(3)]
        limited = client.get("/api/v1/info")
    finally:
        anon.num_requests = saved
        cache.clear()
    assert codes == [200, 200, 200]
    assert limited.status_code == 429 and limited.json()["code"] == "too_many_requests"
    assert int(limited["Retry-After"]) > 0


def test_info_is_public():
    from django.test import Client

    body = Client().get("/api/v1/info").json()
    assert body["api_version"] == "1" and body["languages"] == ["zh-hans", "en"]
    assert body["server_time"].endswith("+08:00")
