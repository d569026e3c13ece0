"""The opinion API: vendors' ingest (auth, per-post errors, idempotency, quotas) and the analysts' endpoints."""

from __future__ import annotations

import datetime
import importlib.util
import json

import pytest
import time_machine

from gongkai.accounts.services import staff_user_upsert
from gongkai.core.audit.models import AuditEvent
from gongkai.opinion import services
from gongkai.opinion.models import Event, IngestClient, Post, Topic
from gongkai.opinion.tests.conftest import raw

pytestmark = pytest.mark.django_db

URL = "/api/v1/opinion/ingest"
HAS_RULES = importlib.util.find_spec("gongkai.opinion.analysis.rules") is not None


def item(external_id, text="松江路停水三天了，什么时候恢复供水？", **extra):
    return {"external_id": external_id, "text": text, "published_at": "2026-06-01T09:00:00+08:00", **extra}


def push(client, headers, posts, **extra):
    return client.post(URL, json.dumps({"posts": posts}), content_type="application/json", **headers, **extra)


# --- Ingest: authentication ----------------------------------------------------------------------


def test_ingest_takes_a_batch_and_counts_it(client, bearer, source):
    response = push(
        client, bearer, [item("1", author="张三", followers=10, verified=True), item("2", "今天天气不错")]
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "received": 2,
        "created": 2,
        "duplicates_skipped": 0,
        "rejected": 0,
        "errors": [],
    }
    post = Post.objects.get(external_id="1")
    assert post.source == source and post.author == "张三" and post.verified
    assert post.published_at == datetime.datetime(2026, 6, 1, 1, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer ",
        "Bearer gko_not-a-key",
        "Bearer wagtail_abc",
        "Basic dXNlcjpwYXNz",
        "Bearer " + "gko_" + "x" * 500,
    ],
)
def test_ingest_refuses_a_missing_or_wrong_key(client, client_and_key, header):
    headers = {"HTTP_AUTHORIZATION": header} if header else {}
    response = push(client, headers, [item("1")])
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert not Post.objects.exists()


def test_a_deactivated_client_and_a_staff_session_are_refused(client, client_and_key, bearer, analyst):
    ingest_client, _key = client_and_key
    ingest_client.active = False
    ingest_client.save()
    assert push(client, bearer, [item("1")]).status_code == 401
    client.force_login(analyst)  # staff use the staff endpoints, vendors the key
    assert push(client, {}, [item("1")]).status_code == 401
    assert not Post.objects.exists()


def test_a_disabled_source_takes_nothing(client, bearer, source):
    source.enabled = False
    source.save()
    response = push(client, bearer, [item("1")])
    assert response.status_code == 409 and response.json()["code"] == "source_disabled"
    assert not Post.objects.exists()


# --- Ingest: bad input ---------------------------------------------------------------------------


def test_a_resent_batch_creates_nothing_twice(client, bearer):
    batch = [item(str(i), f"第{i}条：松江路停水") for i in range(5)]
    assert push(client, bearer, batch).json()["created"] == 5
    again = push(client, bearer, batch).json()
    assert (again["created"], again["duplicates_skipped"], again["rejected"]) == (0, 5, 0)
    assert Post.objects.count() == 5


def test_bad_posts_are_reported_by_index_and_the_rest_taken(client, bearer):
    posts = [
        item("ok-1"),
        {"text": "没有编号", "published_at": "2026-06-01T09:00:00"},
        item("bad-date", published_at="yesterday"),
        item("future", published_at="2099-01-01T00:00:00Z"),
        item("unknown-field", mood="angry"),
        "not an object",
        item("negative", likes=-5),
        item("bad-url", url="javascript:alert(1)"),
        item("no-text", "", title=""),
        item("x" * 201),
        item("bad-kind", kind="tweet"),
        item(12345, "数字编号也可以"),
        item("title-only", "", title="关于松江路停水的通知"),
        item("ok-2", "今天天气不错", published_at="2026-06-01 09:30:00", verified="true", likes="12"),
    ]
    body = push(client, bearer, posts).json()
    assert (body["received"], body["created"], body["rejected"]) == (14, 4, 10)
    by_index = {error["index"]: error for error in body["errors"]}
    assert sorted(by_index) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert by_index[1]["field"] == "external_id" and by_index[2]["field"] == "published_at"
    assert "future" in by_index[3]["message"] and by_index[4]["field"] == "mood"
    assert by_index[6]["external_id"] == "negative" and by_index[6]["field"] == "likes"
    assert by_index[7]["field"] == "url" and by_index[8]["field"] == "text"
    assert all(error["message"] for error in body["errors"])
    assert sorted(Post.objects.values_list("external_id", flat=True)) == [
        "12345",
        "ok-1",
        "ok-2",
        "title-only",
    ]
    naive = Post.objects.get(external_id="ok-2")
    assert naive.published_at == datetime.datetime(2026, 6, 1, 1, 30, tzinfo=datetime.UTC)  # Beijing time
    assert naive.verified and naive.likes == 12
    assert Post.objects.get(external_id="title-only").text == "关于松江路停水的通知"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "malformed_json"),
        (b"\xff\xfe\x00", 400, "malformed_json"),
        (b"", 422, "validation_error"),
        (b"[]", 422, "validation_error"),
        (b'{"posts": {}}', 422, "validation_error"),
        (b'{"posts": []}', 422, "validation_error"),
        (b'{"posts": [], "extra": 1}', 422, "validation_error"),
        (b"[" * 100000 + b"]" * 100000, 400, "malformed_json"),
    ],
)
def test_a_malformed_body_gets_the_standard_error_and_takes_nothing(client, bearer, body, status, code):
    response = client.post(URL, body, content_type="application/json", **bearer)
    assert response.status_code == status, response.content[:200]
    assert response.json()["code"] == code and response.json()["message"]
    assert not Post.objects.exists()


def test_a_batch_over_5000_posts_is_refused(client, bearer):
    response = push(client, bearer, [item(str(i)) for i in range(5001)])
    assert response.status_code == 422 and response.json()["code"] == "batch_too_large"
    assert not Post.objects.exists()


def test_a_body_over_the_size_limit_is_refused(client, bearer, settings):
    settings.GONGKAI_OPINION_INGEST_MAX_BYTES = 1000
    response = push(client, bearer, [item(str(i)) for i in range(20)])
    assert response.status_code == 413 and response.json()["code"] == "body_too_large"
    assert not Post.objects.exists()


def test_a_batch_larger_than_djangos_form_limit_is_taken(client, bearer, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = push(client, bearer, [item(str(i), f"第{i}条：" + "松江路停水" * 20) for i in range(100)])
    assert response.status_code == 200 and response.json()["created"] == 100


# --- Ingest: quotas ------------------------------------------------------------------------------


def test_the_per_minute_quota_refuses_a_batch_whole_with_retry_after(client, bearer):
    # The fixture's client may send 1,000 posts a minute and 5,000 a day.
    with time_machine.travel(datetime.datetime(2026, 6, 1, 10, 0, 20, tzinfo=datetime.UTC), tick=False):
        assert push(client, bearer, [item(f"a{i}") for i in range(600)]).status_code == 200
        refused = push(client, bearer, [item(f"b{i}") for i in range(600)])
        assert refused.status_code == 429
        body = refused.json()
        assert body["code"] == "quota_exceeded" and "配额" in body["message"]
        assert body["details"] == {"window": "minute", "limit": 1000, "remaining": 400, "retry_after": 40}
        assert refused["Retry-After"] == "40"
        assert not Post.objects.filter(external_id__startswith="b").exists()
        # The refused batch was not counted: what is left can still be sent.
        assert push(client, bearer, [item(f"c{i}") for i in range(400)]).status_code == 200
        assert push(client, bearer, [item("d")]).status_code == 429
    with time_machine.travel(datetime.datetime(2026, 6, 1, 10, 1, 0, tzinfo=datetime.UTC), tick=False):
        assert push(client, bearer, [item("e")]).status_code == 200  # a new minute


def test_the_per_day_quota_counts_the_day_in_beijing(client, client_and_key, bearer):
    ingest_client, _key = client_and_key
    IngestClient.objects.filter(pk=ingest_client.pk).update(per_minute_quota=100, per_day_quota=150)
    # 23:58 in Beijing.
    with time_machine.travel(datetime.datetime(2026, 6, 1, 15, 58, tzinfo=datetime.UTC), tick=False):
        assert push(client, bearer, [item(f"a{i}") for i in range(100)]).status_code == 200
    with time_machine.travel(datetime.datetime(2026, 6, 1, 15, 59, tzinfo=datetime.UTC), tick=False):
        refused = push(client, bearer, [item(f"b{i}") for i in range(100)])
        assert refused.status_code == 429 and refused.json()["details"]["window"] == "day"
        assert refused["Retry-After"] == "60"  # until midnight in Beijing
    with time_machine.travel(datetime.datetime(2026, 6, 1, 16, 0, 1, tzinfo=datetime.UTC), tick=False):
        assert push(client, bearer, [item(f"b{i}") for i in range(100)]).status_code == 200


def test_a_batch_larger_than_the_quota_is_refused_as_such(client, client_and_key, bearer):
    ingest_client, _key = client_and_key
    IngestClient.objects.filter(pk=ingest_client.pk).update(per_minute_quota=10)
    response = push(client, bearer, [item(str(i)) for i in range(11)])
    assert response.status_code == 422 and response.json()["code"] == "batch_over_quota"


def test_quotas_are_per_client(client, bearer, source):
    _other, other_key = services.ingest_client_create(name="乙公司", source=source, per_minute_quota=5)
    assert push(client, bearer, [item(f"a{i}") for i in range(10)]).status_code == 200
    other = {"HTTP_AUTHORIZATION": f"Bearer {other_key}"}
    assert push(client, other, [item(f"b{i}") for i in range(5)]).status_code == 200
    assert push(client, other, [item("b-more")]).status_code == 429
    assert push(client, bearer, [item("a-more")]).status_code == 200


# --- Staff endpoints -----------------------------------------------------------------------------


@pytest.fixture
def stored(source):
    posts = [raw(str(i), text, minutes=i, place=place) for i, (text, place) in enumerate([
        ("松江路停水三天了，居民投诉", "吉林市昌邑区"),
        ("船营区暖气不热", ""),
        ("今天天气不错", ""),
        ("松江路停水第四天", "吉林市昌邑区"),
    ])]  # fmt: skip
    services.ingest_posts(source, posts)
    return {post.external_id: Post.objects.get(external_id=post.external_id) for post in posts}


@pytest.mark.parametrize("who", ["anonymous", "clerk"])
def test_the_staff_endpoints_need_the_analyst_role(client, clerk, stored, who):
    if who == "clerk":
        client.force_login(clerk)
    expected = 401 if who == "anonymous" else 403
    for url in [
        "/api/v1/opinion/posts",
        "/api/v1/opinion/events",
        "/api/v1/opinion/topics",
        "/api/v1/opinion/sources",
    ]:
        assert client.get(url).status_code == expected
    post = stored["0"]
    response = client.post(
        f"/api/v1/opinion/posts/{post.pk}/sentiment", {"sentiment": "negative"}, "application/json"
    )
    assert response.status_code == expected
    assert client.get("/api/v1/opinion/clients").status_code == expected


def test_the_feed_filters_and_pages_newest_first(client, analyst, stored):
    client.force_login(analyst)
    page = client.get("/api/v1/opinion/posts", {"limit": 3}).json()
    assert [p["external_id"] for p in page["results"]] == ["3", "2", "1"]
    rest = client.get("/api/v1/opinion/posts", {"limit": 3, "cursor": page["next_cursor"]}).json()
    assert [p["external_id"] for p in rest["results"]] == ["0"] and rest["next_cursor"] is None
    assert [
        p["external_id"] for p in client.get("/api/v1/opinion/posts", {"q": "停水"}).json()["results"]
    ] == ["3", "0"]
    assert [
        p["external_id"] for p in client.get("/api/v1/opinion/posts", {"q": "停水"}).json()["results"]
    ] == ["3", "0"]
    since = (stored["1"].published_at).isoformat()
    until = (stored["3"].published_at).isoformat()
    window = client.get("/api/v1/opinion/posts", {"since": since, "until": until}).json()["results"]
    assert [p["external_id"] for p in window] == ["2", "1"]
    assert client.get("/api/v1/opinion/posts", {"source": "nope"}).json()["results"] == []
    assert client.get("/api/v1/opinion/posts", {"cursor": "garbage"}).status_code == 422
    if importlib.util.find_spec("gongkai.opinion.analysis.places"):
        district = [
            p["external_id"]
            for p in client.get("/api/v1/opinion/posts", {"district": "changyi"}).json()["results"]
        ]
        assert district == ["3", "0"]


def test_the_feed_filters_by_topic_event_and_sentiment(client, analyst, source):
    if HAS_RULES:
        Topic.objects.create(name="供水", rule="停水")
    services.ingest_posts(
        source, [raw(str(i), f"松江路停水第{i}天，自来水公司什么时候恢复供水", minutes=i) for i in range(4)]
    )
    services.ingest_posts(source, [raw("other", "公园的花开了", minutes=9)])
    client.force_login(analyst)
    if HAS_RULES:
        topic = Topic.objects.get()
        by_topic = client.get("/api/v1/opinion/posts", {"topic": topic.pk}).json()["results"]
        assert {p["external_id"] for p in by_topic} == {"0", "1", "2", "3"}
        assert by_topic[0]["topics"] == [{"id": topic.pk, "name": "供水"}]
    event = Event.objects.order_by("-post_count").first()
    if event is not None:
        in_event = client.get("/api/v1/opinion/posts", {"event": event.pk}).json()["results"]
        assert len(in_event) == event.post_count
        board = client.get("/api/v1/opinion/events").json()
        assert board["count"] >= 1 and board["results"][0]["id"] == event.pk
        detail = client.get(f"/api/v1/opinion/events/{event.pk}").json()
        assert detail["post_count"] == event.post_count and detail["status"] == "open" and detail["title"]
    neutral = client.get("/api/v1/opinion/posts", {"sentiment": "neutral"}).json()["results"]
    assert all(p["sentiment"] == "neutral" for p in neutral)


def test_an_analyst_corrects_a_posts_sentiment(client, analyst, stored):
    client.force_login(analyst)
    post = stored["2"]
    response = client.post(
        f"/api/v1/opinion/posts/{post.pk}/sentiment", {"sentiment": "negative"}, "application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (
        body["sentiment"] == "negative"
        and body["sentiment_corrected"]
        and body["sentiment_corrected_by"] == "analyst"
    )
    post.refresh_from_db()
    assert post.sentiment == "negative" and post.sentiment_corrected_by == analyst
    audit = AuditEvent.objects.get(action="opinion_post.sentiment_corrected")
    assert audit.actor == analyst and audit.new_values["sentiment"] == "negative"
    bad = client.post(
        f"/api/v1/opinion/posts/{post.pk}/sentiment", {"sentiment": "angry"}, "application/json"
    )
    assert bad.status_code == 422
    assert (
        client.post(
            "/api/v1/opinion/posts/999999/sentiment", {"sentiment": "neutral"}, "application/json"
        ).status_code
        == 404
    )


def test_a_correction_moves_the_events_negative_count(client, analyst, source):
    services.ingest_posts(
        source, [raw(str(i), f"松江路停水第{i}天，自来水公司什么时候恢复供水", minutes=i) for i in range(3)]
    )
    post = Post.objects.exclude(event=None).first()
    if post is None:
        pytest.skip("no clusterer yet")
    before = post.event.negative_count
    client.force_login(analyst)
    client.post(f"/api/v1/opinion/posts/{post.pk}/sentiment", {"sentiment": "negative"}, "application/json")
    client.post(f"/api/v1/opinion/posts/{post.pk}/sentiment", {"sentiment": "negative"}, "application/json")
    assert Event.objects.get(pk=post.event_id).negative_count == before + (post.sentiment != "negative")
    client.post(f"/api/v1/opinion/posts/{post.pk}/sentiment", {"sentiment": "positive"}, "application/json")
    assert Event.objects.get(pk=post.event_id).negative_count == before - (post.sentiment == "negative")


# --- Topics --------------------------------------------------------------------------------------


def test_topics_are_created_changed_listed_and_deleted(client, analyst):
    client.force_login(analyst)
    created = client.post(
        "/api/v1/opinion/topics", {"name": "供热", "rule": "暖气 AND 不热"}, "application/json"
    )
    assert created.status_code == 201, created.content
    topic_id = created.json()["id"]
    assert created.json()["created_by"] == "analyst" and created.json()["enabled"]
    changed = client.patch(
        f"/api/v1/opinion/topics/{topic_id}",
        {"rule": "(暖气 OR 供暖) AND 不热", "enabled": False},
        "application/json",
    )
    assert changed.status_code == 200 and changed.json()["rule"] == "(暖气 OR 供暖) AND 不热"
    assert [t["name"] for t in client.get("/api/v1/opinion/topics").json()] == ["供热"]
    assert client.delete(f"/api/v1/opinion/topics/{topic_id}").status_code == 204
    assert not Topic.objects.exists()
    actions = list(
        AuditEvent.objects.filter(action__startswith="opinion_topic.").values_list("action", flat=True)
    )
    assert sorted(actions) == ["opinion_topic.changed", "opinion_topic.created", "opinion_topic.deleted"]


@pytest.mark.skipif(not HAS_RULES, reason="analysis.rules not there yet")
@pytest.mark.parametrize(("rule", "position"), [("(暖气 AND 不热", 0), ("暖气 AND", 3), ("NOT 演习", 0)])
def test_a_bad_rule_is_refused_with_its_position(client, analyst, rule, position):
    client.force_login(analyst)
    response = client.post("/api/v1/opinion/topics", {"name": "供热", "rule": rule}, "application/json")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_rule" and body["details"]["rule"]["position"] == position
    assert "字符" in body["message"]
    assert not Topic.objects.exists()
    topic = Topic.objects.create(name="ok", rule="暖气")
    patched = client.patch(f"/api/v1/opinion/topics/{topic.pk}", {"rule": rule}, "application/json")
    assert patched.status_code == 422 and Topic.objects.get().rule == "暖气"
    english = client.post(
        "/api/v1/opinion/topics/preview", {"rule": rule}, "application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.status_code == 422
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in english.json()["details"]["rule"]["message"])


@pytest.mark.skipif(not HAS_RULES, reason="analysis.rules not there yet")
def test_the_preview_shows_what_a_rule_matches_among_recent_posts(client, analyst, stored):
    client.force_login(analyst)
    response = client.post("/api/v1/opinion/topics/preview", {"rule": "停水 NOT 投诉"}, "application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["scanned"] == 4 and body["matched"] == 1
    (match,) = body["results"]
    assert match["post"]["external_id"] == "3"
    start, end = match["spans"][0]
    assert match["text"][start:end] == "停水"
    assert not Topic.objects.exists()  # a preview saves nothing


def test_an_unknown_owner_department_is_refused(client, analyst):
    client.force_login(analyst)
    response = client.post(
        "/api/v1/opinion/topics",
        {"name": "供热", "rule": "暖气", "owner_department": "nope"},
        "application/json",
    )
    assert response.status_code == 422 and not Topic.objects.exists()


# --- Vendors' clients ----------------------------------------------------------------------------


def test_an_administrator_creates_a_client_whose_key_is_shown_once(client, source):
    admin, _ = staff_user_upsert(username="admin", password=None, department=None, roles=["administrator"])
    client.force_login(admin)
    created = client.post(
        "/api/v1/opinion/clients",
        {"name": "丙公司", "source": "vendor-a", "per_minute_quota": 50},
        "application/json",
    )
    assert created.status_code == 201, created.content
    key = created.json()["key"]
    assert key.startswith("gko_") and created.json()["key_prefix"] == key[:12]
    stored = IngestClient.objects.get(name="丙公司")
    assert key not in stored.key_hash and stored.per_minute_quota == 50
    assert "key" not in client.get("/api/v1/opinion/clients").json()[0]
    client.logout()
    assert push(client, {"HTTP_AUTHORIZATION": f"Bearer {key}"}, [item("1")]).status_code == 200
    assert AuditEvent.objects.filter(action="opinion_ingest_client.created", kind="security").count() == 1
    unknown = client.post("/api/v1/opinion/clients", {"name": "x", "source": "nope"}, "application/json")
    assert unknown.status_code in (401, 403)


def test_an_analyst_may_not_create_clients(client, analyst, source):
    client.force_login(analyst)
    response = client.post(
        "/api/v1/opinion/clients", {"name": "丁公司", "source": "vendor-a"}, "application/json"
    )
    assert response.status_code == 403 and not IngestClient.objects.exists()


NASTY = ["", "x" * 30000, -1, 0, 2**70, 1e309, -1e309, None, True, [], {}, [1, 2], {"a": 1}, "\u0000", "\ud800", "灯",
         "2026-13-45", "9" * 40, "'; DROP TABLE x; --", 1.5]  # fmt: skip


@pytest.mark.parametrize("field", ["external_id", "text", "published_at", "title", "url", "author", "followers",
                                   "verified", "likes", "place", "kind", "parent_external_id"])  # fmt: skip
def test_no_value_of_any_field_makes_ingest_fail(client, bearer, field):
    posts = [{**item(f"{field}-{i}"), field: value} for i, value in enumerate(NASTY)]
    body = json.dumps({"posts": posts}, allow_nan=True)
    response = client.post(URL, body, content_type="application/json", **bearer)
    assert response.status_code == 200, response.content[:300]
    result = response.json()
    assert result["created"] + result["rejected"] == len(NASTY)
    assert all(error["message"] for error in result["errors"])
