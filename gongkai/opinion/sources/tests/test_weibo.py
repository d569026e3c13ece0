"""The Weibo opinion client against a local fake of Weibo's read interfaces."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.cache import cache

from gongkai.core.outbox.tests.fake_weibo import APP_KEY, APP_SECRET, REFRESH_TOKEN
from gongkai.opinion.sources.base import SourceAuthError, SourceConfigError
from gongkai.opinion.sources.tests import fake_weibo_opinion as fo
from gongkai.opinion.sources.weibo import WeiboOpinionClient, parse_created_at

CST = fo.CST


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()  # refreshed tokens live in the cache
    yield
    cache.clear()


@pytest.fixture
def fake():
    server = fo.FakeWeiboOpinion().start()
    yield server
    server.stop()


def client(fake, **options) -> WeiboOpinionClient:
    options.setdefault("backoff", 0.0)
    options.setdefault("timeout", 2.0)
    options.setdefault("streams", ["mentions", "comments_to_me"])
    return WeiboOpinionClient(fo.ACCESS_TOKEN, fake.url, search_base_url=fake.url, **options)


def ids(result):
    return [post.external_id for post in result.posts]


# --- mapping ---------------------------------------------------------------------------------------


def test_a_mention_maps_author_reach_counts_time_place_and_link():
    fake = fo.FakeWeiboOpinion(start=dt.datetime(2025, 5, 20, 8, 0, tzinfo=CST)).start()
    try:
        status = fake.add_mention(
            "@吉林发布 船营区德胜路的井盖又丢了，晚上太危险",
            user=fo.USERS[1],
            reposts_count=12,
            comments_count=34,
            attitudes_count=56,
        )
        result = client(fake).fetch({})
    finally:
        fake.stop()

    assert result.errors == []
    [post] = result.posts
    assert post.source == "weibo"
    assert post.kind == "post"
    assert post.external_id == status["idstr"]
    assert post.text == "@吉林发布 船营区德胜路的井盖又丢了，晚上太危险"
    assert post.published_at == dt.datetime(2025, 5, 20, 0, 0, 7, tzinfo=dt.UTC)
    assert post.author == "船营区居民李女士"
    assert post.author_id == "1900000002"
    assert (post.followers, post.verified) == (88, False)
    assert (post.reposts, post.comments, post.likes) == (12, 34, 56)
    assert post.place == "吉林 船营区"
    assert post.url == f"https://m.weibo.cn/status/{status['idstr']}"


def test_a_repost_carries_the_reposted_text_and_a_checkin_its_place(fake):
    original = fake.status("吉林市今冬供暖延长至4月10日", user=fo.USERS[2])
    fake.add_mention("转发微博 @吉林发布 真的吗？", retweeted_status=original, user=fo.USERS[0])
    fake.add_mention(
        "@吉林发布 世纪广场排队两小时",
        annotations=[{"place": {"poiid": "B2094757D06FA3FD459C", "title": "吉林市世纪广场"}}],
    )
    fake.add_mention("此微博已被作者删除。", deleted="1")

    result = client(fake).fetch({})

    texts = {post.text: post for post in result.posts}
    assert "转发微博 @吉林发布 真的吗？ //@吉林日报: 吉林市今冬供暖延长至4月10日" in texts
    assert texts["@吉林发布 世纪广场排队两小时"].place == "吉林市世纪广场"
    assert len(result.posts) == 2  # the deleted status is not a post


def test_comments_to_the_account_are_comments_on_their_post(fake):
    ours = fake.status("关于松花江开江期安全的提示", user=fo.ACCOUNT)
    comment = fake.add_comment("江边的护栏什么时候修？", on=ours, user=fo.USERS[0])

    result = client(fake).fetch({})

    [post] = result.posts
    assert post.kind == "comment"
    assert post.external_id == f"c{comment['idstr']}"
    assert post.parent_external_id == ours["idstr"]
    assert post.author == "江城小王" and post.followers == 523
    assert post.url == f"https://m.weibo.cn/status/{ours['idstr']}"


def test_comments_on_watched_statuses_are_read_per_status(fake):
    watched = fake.add_public("网传吉林市自来水停供三天", user=fo.USERS[0])
    other = fake.add_public("别的微博", user=fo.USERS[0])
    fake.add_comment("是谣言吧，我家有水", on=watched, to_me=False)
    fake.add_comment("不相关", on=other, to_me=False)

    result = client(fake, streams=["comments_show"], comment_statuses=[watched["idstr"]]).fetch({})

    assert [p.text for p in result.posts] == ["是谣言吧，我家有水"]
    assert set(result.cursor["comments_show"]) == {watched["idstr"]}


def test_keyword_search_uses_the_commercial_interface(fake):
    fake.add_public("吉林市北山公园樱花开了", user=fo.USERS[2])
    fake.add_public("长春的天气不错")
    fake.add_public("北山公园停车难，周末别去")

    result = client(fake, streams=["search"], keywords=["北山公园", "松花湖"]).fetch({})

    assert result.errors == []
    assert sorted(p.text for p in result.posts) == ["北山公园停车难，周末别去", "吉林市北山公园樱花开了"]
    assert set(result.cursor["search"]) == {"北山公园", "松花湖"}
    path, fields = [r for r in fake.requests if r[0] == fo.SEARCH][0]
    assert fields["q"] == "北山公园" and fields["sort"] == "time" and fields["starttime"].isdigit()


def test_search_without_a_commercial_licence_is_reported_and_the_rest_goes_on(fake):
    fake.search_licensed = False
    fake.add_mention("@吉林发布 问一下公积金提取")
    fake.add_public("北山公园停车难")

    result = client(fake, streams=["mentions", "search"], keywords=["北山公园"]).fetch({})

    assert [p.text for p in result.posts] == ["@吉林发布 问一下公积金提取"]
    assert len(result.errors) == 1
    assert "10014" in result.errors[0] and "商业接口" in result.errors[0]


# --- paging and the cursor ----------------------------------------------------------------------------


def test_pages_are_followed_with_max_id_and_the_cursor_moves_to_the_newest(fake):
    made = [fake.add_mention(f"@吉林发布 第{n}条") for n in range(120)]

    result = client(fake, count=50).fetch({})

    assert result.errors == []
    assert sorted(ids(result)) == sorted(m["idstr"] for m in made)
    assert fake.calls(fo.MENTIONS) == 3
    assert json.loads(json.dumps(result.cursor))["mentions"] == {
        "since": {"id": made[-1]["idstr"], "time": made[-1]["_seconds"]}
    }
    second_page = [f for p, f in fake.requests if p == fo.MENTIONS][1]
    assert int(second_page["max_id"]) < int(made[-1]["idstr"])


def test_a_second_poll_returns_only_what_is_new(fake):
    fake.add_mention("@吉林发布 旧的")
    weibo = client(fake)
    cursor = weibo.fetch({}).cursor

    new = fake.add_mention("@吉林发布 新的")
    comment = fake.add_comment("新的评论", on=fake.status("原微博", user=fo.ACCOUNT))
    second = weibo.fetch(cursor)

    assert sorted(ids(second)) == sorted([new["idstr"], "c" + comment["idstr"]])
    request = [f for p, f in fake.requests if p == fo.MENTIONS][-1]
    assert request["since_id"] == cursor["mentions"]["since"]["id"]
    assert weibo.fetch(second.cursor).posts == []


def test_a_burst_bigger_than_the_page_budget_is_collected_over_several_polls(fake):
    fake.add_mention("@吉林发布 起点")
    weibo = client(fake, count=20, max_pages=2, streams=["mentions"])
    cursor = weibo.fetch({}).cursor
    burst = [fake.add_mention(f"@吉林发布 突发 {n}") for n in range(100)]

    collected: list[str] = []
    first = weibo.fetch(cursor)
    collected += ids(first)
    assert len(first.posts) == 40 and first.errors == []
    assert "gap" in first.cursor["mentions"]
    late = fake.add_mention("@吉林发布 补齐期间的新微博")
    cursor = first.cursor
    for _ in range(4):
        result = weibo.fetch(cursor)
        collected += ids(result)
        cursor = result.cursor

    assert sorted(collected) == sorted([b["idstr"] for b in burst] + [late["idstr"]])
    assert "gap" not in cursor["mentions"]
    assert cursor["mentions"]["since"]["id"] == late["idstr"]


def test_the_first_poll_takes_the_newest_pages_without_back_filling_history(fake):
    made = [fake.add_mention(f"@吉林发布 历史 {n}") for n in range(60)]

    result = client(fake, count=20, max_pages=1, streams=["mentions"]).fetch({})

    assert sorted(ids(result)) == sorted(m["idstr"] for m in made[-20:])
    assert result.cursor["mentions"] == {"since": {"id": made[-1]["idstr"], "time": made[-1]["_seconds"]}}


def test_search_pages_by_page_number_and_a_second_poll_returns_only_new(fake):
    for n in range(25):
        fake.add_public(f"松花湖 游客 {n}")
    weibo = client(fake, streams=["search"], keywords=["松花湖"], search_count=10)

    first = weibo.fetch({})
    pages = [f["page"] for p, f in fake.requests if p == fo.SEARCH]
    fresh = fake.add_public("松花湖 新游记")
    second = weibo.fetch(first.cursor)

    assert len(first.posts) == 25 and pages == ["1", "2", "3"]
    assert ids(second) == [fresh["idstr"]]


# --- errors ----------------------------------------------------------------------------------------


def test_an_expired_token_is_refreshed_and_the_poll_goes_on(fake):
    fake.add_mention("@吉林发布 令牌过期后的微博")
    fake.expire_tokens()
    weibo = client(fake, app_key=APP_KEY, app_secret=APP_SECRET, refresh_token=REFRESH_TOKEN)

    result = weibo.fetch({})

    assert result.errors == [] and len(result.posts) == 1
    assert fake.calls("oauth2/access_token") == 1


def test_an_expired_token_that_cannot_be_refreshed_raises_an_auth_error(fake):
    fake.add_mention("@吉林发布 x")
    fake.expire_tokens()

    with pytest.raises(SourceAuthError) as raised:
        client(fake).fetch({})

    assert "21327" in raised.value.zh and "重新授权" in raised.value.zh
    assert "re-authorise" in raised.value.en


def test_a_rate_limit_stops_the_poll_and_keeps_the_cursor(fake):
    fake.add_mention("@吉林发布 x")
    fake.add_comment("y", on=fake.status("原微博", user=fo.ACCOUNT))
    fake.fail_next(fo.MENTIONS, 10023, http_status=403)
    cursor = {
        "mentions": {"since": {"id": "5", "time": 0}},
        "comments_to_me": {"since": {"id": "7", "time": 0}},
    }

    result = client(fake).fetch(cursor)

    assert result.posts == []
    assert result.cursor == cursor
    assert "10023" in result.errors[0] and "频率超限" in result.errors[0]
    assert "其余 1 项" in result.errors[1]
    assert fake.calls(fo.COMMENTS_TO_ME) == 0


def test_server_errors_are_retried(fake):
    fake.add_mention("@吉林发布 x")
    fake.fail_next(fo.MENTIONS, 10001, http_status=500, times=2)

    result = client(fake, retries=2).fetch({})

    assert result.errors == [] and len(result.posts) == 1
    assert fake.calls(fo.MENTIONS) == 3


def test_a_server_that_keeps_failing_is_reported_and_its_other_streams_skipped(fake):
    fake.add_mention("@吉林发布 x")
    fake.fail_next(fo.MENTIONS, 10001, http_status=503, times=3)

    result = client(fake, retries=2).fetch({})

    assert result.posts == []
    assert "HTTP 503" in result.errors[0] and "已重试 2 次" in result.errors[0]
    assert result.cursor == {"mentions": {"since": {"id": "0", "time": 0}}, "comments_to_me": {}}
    assert fake.calls(fo.COMMENTS_TO_ME) == 0


def test_a_4xx_is_reported_once_and_not_retried(fake):
    result = client(fake, streams=["comments_show"], comment_statuses=["123"], retries=2).fetch({})

    assert result.posts == []
    assert "20101" in result.errors[0]
    assert fake.calls(fo.COMMENTS_SHOW) == 1


@pytest.mark.parametrize(
    "body",
    [b"<html>502 Bad Gateway</html>", b'{"statuses": [', b'["not", "an", "object"]', b'{"statuses": 5}'],
)
def test_a_malformed_answer_is_reported_and_the_other_streams_go_on(fake, body):
    fake.add_comment("评论照收", on=fake.status("原微博", user=fo.ACCOUNT))
    fake.answer_raw_next(fo.MENTIONS, body)

    result = client(fake).fetch({"mentions": {"since": {"id": "9", "time": 0}}})

    assert [p.text for p in result.posts] == ["评论照收"]
    assert result.cursor["mentions"] == {"since": {"id": "9", "time": 0}}
    assert len(result.errors) == 1 and result.errors[0].startswith("微博 @提及")


def test_malformed_items_are_reported_one_by_one_and_the_rest_taken(fake):
    fake.add_mention("@吉林发布 好的")
    fake.add_mention("@吉林发布 没有时间", created_at="昨天")
    fake.add_mention("@吉林发布 没有 id", id=None, idstr="")
    fake.add_mention("  ")

    result = client(fake).fetch({})

    assert [p.text for p in result.posts] == ["@吉林发布 好的"]
    assert len(result.errors) == 3
    assert any("没有文字" in e for e in result.errors)
    assert any("时间无法解析" in e for e in result.errors)
    assert any("缺少 id" in e for e in result.errors)


def test_a_slow_answer_times_out_and_is_reported(fake):
    fake.delay = 0.5

    result = client(fake, timeout=0.2, retries=0, streams=["mentions"]).fetch({})

    assert "请求超时" in result.errors[0]


# --- config ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"access_token": ""}, "访问令牌"),
        ({"keywords": ['"北山"']}, "关键词无效"),
        ({"keywords": ["x" * 51]}, "关键词无效"),
        ({"streams": ["timeline"]}, "未知的微博抓取类型"),
        ({"comment_statuses": ["abc"]}, "comment_statuses"),
        ({"base_url": "api.weibo.com"}, "base_url"),
    ],
)
def test_config_that_cannot_work_is_refused(options, fragment):
    arguments = {"access_token": "t", "base_url": "https://api.weibo.com", **options}
    with pytest.raises(SourceConfigError) as raised:
        WeiboOpinionClient(**arguments)
    assert fragment in str(raised.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Tue May 31 17:46:55 +0800 2011", dt.datetime(2011, 5, 31, 9, 46, 55, tzinfo=dt.UTC)),
        ("Wed Jun 01 00:50:25 +0800 2011", dt.datetime(2011, 5, 31, 16, 50, 25, tzinfo=dt.UTC)),
        ("Fri Aug 28 00:00:00 +0000 2009", dt.datetime(2009, 8, 28, 0, 0, tzinfo=dt.UTC)),
        ("Mon Jan 06 08:00:00 -0530 2025", dt.datetime(2025, 1, 6, 13, 30, tzinfo=dt.UTC)),
    ],
)
def test_parse_created_at(value, expected):
    parsed = parse_created_at(value)
    assert parsed == expected and parsed.tzinfo == dt.UTC


@pytest.mark.parametrize(
    "value",
    ["", None, "2011-05-31 17:46:55", "Tue Mai 31 17:46:55 +0800 2011", "Tue May 31 17:46 +0800 2011"],
)
def test_parse_created_at_refuses_other_formats(value):
    with pytest.raises(ValueError):
        parse_created_at(value)
