"""The WeChat comments client against a local fake of the official-account API."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.cache import cache

from gongkai.core.outbox.models import OutboxMessage
from gongkai.opinion.sources.base import SourceAuthError, SourceConfigError
from gongkai.opinion.sources.tests import fake_wechat_comments as fc
from gongkai.opinion.sources.wechat import WeChatCommentsClient

MSG = 2_650_000_001
OTHER = 2_650_000_002
ARTICLE = {
    "msg_data_id": str(MSG),
    "index": 0,
    "title": "松花江开江期安全提示",
    "url": "https://mp.weixin.qq.com/s/a1",
}


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()  # the token is cached under the publishing backend's key
    yield
    cache.clear()


@pytest.fixture
def fake():
    server = fc.FakeWechatComments().start()
    yield server
    server.stop()


def client(fake, articles=(ARTICLE,), **options) -> WeChatCommentsClient:
    options.setdefault("backoff", 0.0)
    options.setdefault("timeout", 2.0)
    return WeChatCommentsClient(
        fc.APP_ID, fc.APP_SECRET, base_url=fake.url, articles=list(articles), **options
    )


def bodies(fake):
    return [json.loads(body) for path, body in fake.requests if path == fc.COMMENT_LIST]


def test_comments_become_posts_on_their_article():
    fake = fc.FakeWechatComments(start=dt.datetime(2025, 5, 20, 9, 0, tzinfo=fc.CST)).start()
    try:
        fake.add_comment(MSG, "江边护栏什么时候修好？", openid="oABC123")
        fake.add_comment(MSG, "感谢提醒，注意安全")
        result = client(fake).fetch({})
    finally:
        fake.stop()

    assert result.errors == []
    first, second = result.posts
    assert first.source == "wechat"
    assert first.kind == "comment"
    assert first.external_id == f"{MSG}:0:1"
    assert first.parent_external_id == f"{MSG}:0"
    assert first.text == "江边护栏什么时候修好？"
    assert first.author_id == "oABC123"
    assert first.url == "https://mp.weixin.qq.com/s/a1"
    assert first.published_at == dt.datetime(2025, 5, 20, 1, 1, tzinfo=dt.UTC)
    assert second.external_id == f"{MSG}:0:2"
    assert bodies(fake)[0] == {"msg_data_id": MSG, "index": 0, "begin": 0, "count": 49, "type": 0}


def test_pages_are_read_with_begin_and_count(fake):
    for n in range(120):
        fake.add_comment(MSG, f"留言 {n}")

    result = client(fake).fetch({})

    assert len(result.posts) == 120
    assert [b["begin"] for b in bodies(fake)] == [0, 49, 98]
    assert result.cursor == {
        "articles": {f"{MSG}:0": {"begin": 120, "max_id": 120, "order": "asc", "total": 120}}
    }


def test_a_second_poll_returns_only_new_comments(fake):
    for n in range(60):
        fake.add_comment(MSG, f"留言 {n}")
    wechat = client(fake)
    cursor = json.loads(json.dumps(wechat.fetch({}).cursor))
    calls_before = len(bodies(fake))

    fake.add_comment(MSG, "新留言：停水通知在哪里看？")
    second = wechat.fetch(cursor)

    assert [p.text for p in second.posts] == ["新留言：停水通知在哪里看？"]
    # One page back from where the last poll ended, in case older comments were deleted.
    assert [b["begin"] for b in bodies(fake)[calls_before:]] == [60 - 49, 60]
    assert wechat.fetch(second.cursor).posts == []


def test_deleted_comments_do_not_make_the_next_poll_skip_any(fake):
    for n in range(10):
        fake.add_comment(MSG, f"留言 {n}")
    wechat = client(fake, count=5)
    cursor = wechat.fetch({}).cursor
    for comment_id in (2, 3, 4, 5, 6, 7, 8):
        fake.delete(MSG, comment_id)
    fake.add_comment(MSG, "删除之后的新留言一")
    fake.add_comment(MSG, "删除之后的新留言二")

    result = wechat.fetch(cursor)

    assert [p.text for p in result.posts] == ["删除之后的新留言一", "删除之后的新留言二"]


def test_newest_first_order_is_learned_and_polls_stop_at_known_comments(fake):
    fake.order = "desc"
    for n in range(120):
        fake.add_comment(MSG, f"留言 {n}")
    wechat = client(fake)
    first = wechat.fetch({})
    assert len(first.posts) == 120 and first.cursor["articles"][f"{MSG}:0"]["order"] == "desc"

    fake.add_comment(MSG, "最新留言一")
    fake.add_comment(MSG, "最新留言二")
    calls_before = len(bodies(fake))
    second = wechat.fetch(first.cursor)

    assert sorted(p.text for p in second.posts) == ["最新留言一", "最新留言二"]
    assert [b["begin"] for b in bodies(fake)[calls_before:]] == [0]


def test_several_articles_each_keep_their_own_state(fake):
    fake.add_comment(MSG, "甲文留言")
    fake.add_comment(OTHER, "乙文第二篇留言", index=1)
    other = {"msg_data_id": str(OTHER), "index": 1, "title": "乙文"}

    result = client(fake, articles=[ARTICLE, other]).fetch({})

    assert {p.parent_external_id for p in result.posts} == {f"{MSG}:0", f"{OTHER}:1"}
    assert set(result.cursor["articles"]) == {f"{MSG}:0", f"{OTHER}:1"}


# --- errors ----------------------------------------------------------------------------------------


def test_an_expired_token_is_fetched_again_and_the_poll_goes_on(fake):
    fake.add_comment(MSG, "留言")
    wechat = client(fake)
    wechat.fetch({})
    fake.expire_tokens()
    fake.add_comment(MSG, "令牌过期之后的留言")

    result = wechat.fetch({})

    assert result.errors == [] and len(result.posts) == 2
    assert fake.token_requests == 2


def test_a_token_refused_twice_raises_an_auth_error(fake):
    fake.add_comment(MSG, "留言")
    fake.fail_next(fc.COMMENT_LIST, 40001, 40001)

    with pytest.raises(SourceAuthError) as raised:
        client(fake).fetch({})

    assert "40001" in raised.value.zh and "AppSecret" in raised.value.en


def test_a_wrong_app_secret_raises_an_auth_error(fake):
    fake.add_comment(MSG, "留言")
    wechat = WeChatCommentsClient(fc.APP_ID, "wrong", base_url=fake.url, articles=[ARTICLE], backoff=0.0)

    with pytest.raises(SourceAuthError) as raised:
        wechat.fetch({})

    assert "40125" in raised.value.zh


def test_no_comment_privilege_raises_an_auth_error(fake):
    fake.add_comment(MSG, "留言")
    fake.comment_privilege = False

    with pytest.raises(SourceAuthError) as raised:
        client(fake).fetch({})

    assert "88000" in raised.value.zh and "留言功能" in raised.value.zh


def test_an_unknown_article_is_reported_and_the_others_read(fake):
    fake.add_comment(OTHER, "乙文留言")
    unknown = {"msg_data_id": "999", "index": 0, "title": "不存在的文章"}
    other = {"msg_data_id": str(OTHER), "index": 0}

    result = client(fake, articles=[unknown, other]).fetch({})

    assert [p.text for p in result.posts] == ["乙文留言"]
    assert len(result.errors) == 1
    assert "《不存在的文章》" in result.errors[0] and "88001" in result.errors[0]


def test_a_busy_platform_stops_the_poll_and_keeps_the_cursor(fake):
    fake.add_comment(MSG, "留言")
    fake.add_comment(OTHER, "乙文留言")
    cursor = {"articles": {f"{MSG}:0": {"begin": 0, "max_id": 0}, f"{OTHER}:0": {"begin": 5, "max_id": 9}}}
    fake.fail_next(fc.COMMENT_LIST, -1)

    result = client(fake, articles=[ARTICLE, {"msg_data_id": str(OTHER)}]).fetch(cursor)

    assert result.posts == []
    assert result.cursor == cursor
    assert "errcode -1" in result.errors[0] and "其余 1 篇" in result.errors[1]


def test_server_errors_are_retried(fake):
    fake.add_comment(MSG, "留言")
    fake.answer_raw_next(b"<html>502 Bad Gateway</html>", status=502)

    result = client(fake, retries=2).fetch({})

    assert result.errors == [] and len(result.posts) == 1


def test_a_server_that_keeps_failing_is_reported(fake):
    fake.add_comment(MSG, "留言")
    for _ in range(3):
        fake.answer_raw_next(b"busy", status=503)

    result = client(fake, retries=2).fetch({})

    assert result.posts == []
    assert "HTTP 503" in result.errors[0] and "已重试 2 次" in result.errors[0]


@pytest.mark.parametrize(
    "body", [b"<html>oops</html>", b'{"errcode":0,"comment":[', b'{"errcode":0,"comment":"x"}']
)
def test_a_malformed_answer_is_reported_for_its_article(fake, body):
    fake.add_comment(MSG, "留言")
    fake.answer_raw_next(body)

    result = client(fake).fetch({"articles": {f"{MSG}:0": {"begin": 0, "max_id": 0}}})

    assert result.posts == []
    assert result.cursor == {"articles": {f"{MSG}:0": {"begin": 0, "max_id": 0}}}
    assert len(result.errors) == 1 and "《松花江开江期安全提示》" in result.errors[0]


def test_malformed_comments_are_reported_one_by_one_and_the_rest_taken(fake):
    fake.add_comment(MSG, "好的留言")
    fake.add_comment(MSG, "")
    fake.add_comment(MSG, "时间不对", create_time="昨天")

    result = client(fake).fetch({})

    assert [p.text for p in result.posts] == ["好的留言"]
    assert len(result.errors) == 2
    assert any("没有内容" in e for e in result.errors) and any("时间无效" in e for e in result.errors)


# --- articles from the outbox and config ---------------------------------------------------------------


@pytest.mark.django_db
def test_without_an_article_list_the_articles_published_through_the_outbox_are_read(fake):
    def sent(key, payload, state=None, article_id=""):
        return OutboxMessage.objects.create(
            channel="wechat_mp",
            recipient="吉林发布",
            payload=payload,
            idempotency_key=key,
            status=OutboxMessage.Status.SENT,
            provider_state=state or {},
            provider_message_id=article_id,
        )

    sent(
        "a",
        {"action": "post", "title": "甲文"},
        {"msg_data_id": str(MSG), "article_url": "https://mp/a"},
        "ART_A",
    )
    withdrawn = sent("b", {"action": "post", "title": "已撤回"}, {"msg_data_id": str(OTHER)}, "ART_B")
    sent("c", {"action": "withdraw", "of_message": withdrawn.pk}, {}, "ART_B")
    old = sent("d", {"action": "post", "title": "旧文"}, {"msg_data_id": "2650000003"}, "ART_D")
    OutboxMessage.objects.filter(pk=old.pk).update(created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    fake.add_comment(MSG, "甲文的留言")
    fake.add_comment(OTHER, "撤回文章的留言")

    wechat = WeChatCommentsClient(fc.APP_ID, fc.APP_SECRET, base_url=fake.url, published_days=14, backoff=0.0)
    result = wechat.fetch({})

    assert [p.text for p in result.posts] == ["甲文的留言"]
    assert result.posts[0].url == "https://mp/a"
    assert list(result.cursor["articles"]) == [f"{MSG}:0"]


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"app_secret": ""}, "app_secret"),
        ({"base_url": "weixin"}, "base_url"),
        ({"count": 50}, "count"),
        ({"articles": [{"msg_data_id": "abc"}]}, "msg_data_id"),
        ({"articles": [{"msg_data_id": "1", "index": -1}]}, "index"),
        ({"articles": ["1"]}, "对象"),
    ],
)
def test_config_that_cannot_work_is_refused(options, fragment):
    arguments = {"app_id": "wx1", "app_secret": "s", "base_url": "https://api.weixin.qq.com/", **options}
    with pytest.raises(SourceConfigError) as raised:
        WeChatCommentsClient(**arguments)
    assert fragment in str(raised.value)
