"""The RSS/Atom poller against a local news site."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from gongkai.opinion.sources.base import SourceConfigError
from gongkai.opinion.sources.rss import RssClient, dateline_place
from gongkai.opinion.sources.tests.fake_feeds import CST, FakeFeeds, Item


@pytest.fixture
def feeds():
    server = FakeFeeds().start()
    yield server
    server.stop()


def client(feeds, path="rss.xml", **options):
    options.setdefault("backoff", 0.0)
    options.setdefault("timeout", 2.0)
    return RssClient(feeds.url + path, source="rss-jlcity", place="吉林市", **options)


def test_rss_items_become_articles_with_text_time_and_place(feeds):
    result = client(feeds).fetch({})

    assert result.errors == []
    assert [p.external_id for p in result.posts] == [
        "jlcity-2025-0520-005",
        "jlcity-2025-0519-004",
        "jlcity-2025-0519-003",
        "jlcity-2025-0518-002",
        "jlcity-2025-0517-001",
    ]
    first = result.posts[0]
    assert first.source == "rss-jlcity"
    assert first.kind == "article"
    assert first.title == "松花江吉林市区段全线开江 江城迎来春汛观测期"
    assert first.url == "https://www.jlcity.gov.cn/zwgk/zwdt/202505/t20250520_005.html"
    assert first.author == "吉林市人民政府办公室"
    # HTML stripped, entities decoded, the script dropped, one line per paragraph.
    assert first.text == (
        "吉林市讯（记者 王丽）5月20日，松花江吉林市区段全线开江，市水利局提醒市民不要在江边冰面逗留。\n"
        "沿江 各区已设置警示牌&巡查岗。"
    )
    assert first.published_at == dt.datetime(2025, 5, 20, 1, 30, tzinfo=dt.UTC)
    assert first.published_at.utcoffset() == dt.timedelta(0)
    # Places: the dateline when there is one, else the feed's configured place.
    assert [p.place for p in result.posts] == ["吉林市", "长春", "吉林市", "吉林市", "吉林"]


def test_atom_entries_are_read_the_same_way(feeds):
    result = client(feeds, "atom.xml").fetch({})

    assert result.errors == []
    assert len(result.posts) == 5
    post = result.posts[1]
    assert post.external_id == "tag:jlcity.gov.cn,2025:jlcity-2025-0519-004"
    assert post.title == "吉林省出台冰雪经济高质量发展若干措施"
    assert post.text.startswith("新华社长春5月19日电 吉林省日前出台措施")
    assert post.url.endswith("t20250519_004.html")
    assert post.published_at == dt.datetime(2025, 5, 19, 10, 5, tzinfo=dt.UTC)
    assert post.place == "长春"
    assert result.posts[0].author == "吉林市人民政府办公室"


def test_the_cursor_is_json_and_a_second_poll_returns_only_new_items(feeds):
    rss = client(feeds)
    first = rss.fetch({})
    cursor = json.loads(json.dumps(first.cursor))  # stored in a JSONField and read back
    assert cursor["etag"] and cursor["modified"]
    assert cursor["newest"] == "2025-05-20T01:30:00+00:00"

    feeds.add(
        Item(
            guid="jlcity-2025-0521-006",
            title="吉林市启动城市更新三年行动",
            html="<p>吉林市讯 市住建局21日发布城市更新三年行动方案。</p>",
            published=dt.datetime(2025, 5, 21, 8, 0, tzinfo=CST),
            link="https://www.jlcity.gov.cn/zwgk/zwdt/202505/t20250521_006.html",
        )
    )
    second = rss.fetch(cursor)

    assert second.errors == []
    assert [p.external_id for p in second.posts] == ["jlcity-2025-0521-006"]
    assert second.cursor["newest"] == "2025-05-21T00:00:00+00:00"
    assert second.cursor["seen"][0] == "jlcity-2025-0521-006"


def test_an_unchanged_feed_is_asked_conditionally_and_costs_a_304(feeds):
    rss = client(feeds)
    first = rss.fetch({})

    second = rss.fetch(first.cursor)

    assert second.posts == [] and second.errors == []
    assert second.cursor == first.cursor
    path, headers = feeds.requests[-1]
    assert headers["if-none-match"] == first.cursor["etag"]
    assert headers["if-modified-since"] == first.cursor["modified"]


def test_a_backdated_item_counts_but_an_old_one_coming_back_does_not(feeds):
    rss = client(feeds)
    cursor = rss.fetch({}).cursor
    feeds.add(
        Item(
            guid="late-but-recent",
            title="船营区补发：社区义诊活动",
            html="<p>船营区讯 社区卫生服务中心19日开展义诊。</p>",
            published=dt.datetime(2025, 5, 19, 23, 0, tzinfo=CST),  # older than newest, within a day
        )
    )
    feeds.add(
        Item(
            guid="ancient",
            title="旧闻重现",
            html="<p>2024年的旧闻。</p>",
            published=dt.datetime(2024, 1, 5, 9, 0, tzinfo=CST),
        )
    )

    result = rss.fetch(cursor)

    assert [p.external_id for p in result.posts] == ["late-but-recent"]
    assert result.posts[0].place == "船营区"


def test_items_without_guid_or_date_use_the_link_and_the_poll_time(feeds):
    feeds.items = [
        Item(guid="", title="无日期的通知", html="<p>通知正文</p>", published=None, link="https://x.cn/1")
    ]
    before = dt.datetime.now(dt.UTC)

    result = client(feeds).fetch({})

    post = result.posts[0]
    assert post.external_id == "https://x.cn/1"
    assert before <= post.published_at <= dt.datetime.now(dt.UTC)
    assert result.cursor["newest"] == ""
    # Undated items are recognised by id alone on the next poll.
    assert client(feeds).fetch({**result.cursor, "etag": "", "modified": ""}).posts == []


def test_a_very_long_guid_is_hashed_to_fit(feeds):
    feeds.items = [
        Item(guid="https://www.jlcity.gov.cn/" + "a" * 300, title="长链接", html="正文", published=None)
    ]

    post = client(feeds).fetch({}).posts[0]

    assert post.external_id.startswith("sha1:") and len(post.external_id) == 45


def test_a_long_article_is_cut_to_what_the_store_takes(feeds):
    feeds.items = [Item(guid="long", title="长文", html="<p>" + "吉林市" * 10_000 + "</p>", published=None)]

    post = client(feeds).fetch({}).posts[0]

    assert len(post.text) == 20_000 and post.text.endswith("…")


def test_server_errors_are_retried(feeds):
    feeds.fail_next(503)

    result = client(feeds, retries=2).fetch({})

    assert result.errors == []
    assert len(result.posts) == 5
    assert feeds.calls("/rss.xml") == 2


def test_a_server_that_keeps_failing_is_reported_and_the_cursor_kept(feeds):
    feeds.fail_next(502, times=3)
    cursor = {"etag": '"old"', "newest": "2025-05-01T00:00:00+00:00", "seen": ["x"]}

    result = client(feeds, retries=2).fetch(cursor)

    assert result.posts == []
    assert result.cursor == cursor
    assert len(result.errors) == 1 and "HTTP 502" in result.errors[0] and "已重试 2 次" in result.errors[0]
    assert feeds.calls("/rss.xml") == 3


def test_a_4xx_is_not_retried_and_is_reported(feeds):
    result = client(feeds, "missing.xml", retries=2).fetch({})

    assert result.posts == [] and result.cursor == {}
    assert "HTTP 404" in result.errors[0]
    assert feeds.calls("/missing.xml") == 1


def test_a_slow_feed_times_out_and_is_reported(feeds):
    feeds.delay = 0.6

    result = client(feeds, timeout=0.2, retries=1).fetch({})

    assert result.posts == []
    assert "请求超时" in result.errors[0]


@pytest.mark.parametrize(
    "body",
    [
        b"<html><head><title>404</title></head><body><p>\xe9\xa1\xb5\xe9\x9d\xa2\xe4\xb8\x8d\xe5\xad\x98\xe5\x9c\xa8</p></body></html>",
        b"\x00\x01\x02 not xml at all",
        b"",
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>\xe5\x9d\x8f',
    ],
    ids=["html-page", "binary", "empty", "truncated"],
)
def test_a_malformed_feed_is_reported_without_crashing(feeds, body):
    feeds.raw_body = body

    result = client(feeds, "raw").fetch({"seen": ["a"]})

    assert result.posts == []
    assert result.cursor == {"seen": ["a"]}
    assert len(result.errors) == 1 and "订阅源" in result.errors[0]


def test_a_body_that_looks_like_a_file_name_is_not_opened_as_one(feeds, tmp_path):
    local = tmp_path / "feed.xml"
    local.write_bytes(
        b'<rss version="2.0"><channel><item><title>x</title><guid>secret</guid></item></channel></rss>'
    )
    feeds.raw_body = str(local).encode()

    result = client(feeds, "raw").fetch({})

    assert result.posts == []
    assert "不是" in result.errors[0]


def test_a_broken_feed_with_readable_items_is_taken_with_a_warning(feeds):
    feeds.raw_body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        '<item><title>吉林市讯 北山公园开放</title><guid isPermaLink="false">bs-1</guid><description>正文 & 未转义</description></item>'
        "</channel></rss>"
    ).encode()

    result = client(feeds, "raw").fetch({})

    assert [p.external_id for p in result.posts] == ["bs-1"]
    assert len(result.errors) == 1 and "格式有误" in result.errors[0]


def test_a_response_over_the_size_limit_is_refused(feeds):
    feeds.raw_body = b"<rss>" + b"x" * 300_000 + b"</rss>"

    result = client(feeds, "raw", max_bytes=100_000).fetch({})

    assert result.posts == []
    assert "响应过大" in result.errors[0]


def test_redirects_are_followed(feeds):
    result = client(feeds, "redirect").fetch({})

    assert len(result.posts) == 5


@pytest.mark.parametrize("url", ["", "ftp://example.com/feed", "file:///etc/passwd", "jlcity.gov.cn/rss"])
def test_a_feed_url_that_cannot_work_is_a_config_error(url):
    with pytest.raises(SourceConfigError) as raised:
        RssClient(url)
    assert "订阅地址无效" in raised.value.zh
    assert "not an http(s) URL" in raised.value.en


def test_from_config_checks_numbers():
    with pytest.raises(SourceConfigError):
        RssClient.from_config({"url": "https://x.cn/rss", "max_bytes": "big"}, source="rss-x")
    made = RssClient.from_config({"url": "https://x.cn/rss", "place": "吉林市", "timeout": 3}, source="rss-x")
    assert made.source == "rss-x" and made.place == "吉林市"


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("新华社长春5月20日电 吉林省……", "长春"),
        ("吉林市讯（记者 王丽）5月20日……", "吉林市"),
        ("本报吉林5月17日讯 昌邑区……", "吉林"),
        ("中新网吉林5月3日电（记者 石洪宇）……", "吉林"),
        ("【永吉县讯】近日……", "永吉县"),
        ("本报讯 丰满区应急管理局……", ""),
        ("江城日报讯 近日……", ""),
        ("吉林市举办冰雪节电影展映活动", ""),
        ("据吉林市气象台消息……", ""),
        ("", ""),
    ],
)
def test_dateline_place(text, place):
    assert dateline_place(text) == place
