"""client_for: a client from a Source row's kind and config."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from gongkai.opinion.sources import (
    FetchResult,
    SourceConfigError,
    client_for,
    polled_kinds,
    register,
)
from gongkai.opinion.sources.rss import RssClient
from gongkai.opinion.sources.tests import fake_wechat_comments as fc
from gongkai.opinion.sources.tests import fake_weibo_opinion as fo
from gongkai.opinion.sources.tests.fake_feeds import FakeFeeds
from gongkai.opinion.sources.wechat import WeChatCommentsClient
from gongkai.opinion.sources.weibo import WeiboOpinionClient


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_polled_kinds():
    assert {"rss", "weibo", "wechat"} <= polled_kinds()


def test_an_rss_source_polls_its_feed_with_the_rows_code():
    feeds = FakeFeeds().start()
    try:
        client = client_for("rss", {"url": feeds.url + "rss.xml", "place": "吉林市"}, source="rss-jlcity")
        result = client.fetch({})
    finally:
        feeds.stop()

    assert isinstance(client, RssClient)
    assert isinstance(result, FetchResult)
    assert len(result.posts) == 5 and {p.source for p in result.posts} == {"rss-jlcity"}


def test_an_rss_source_may_keep_its_feed_in_the_rows_url():
    feeds = FakeFeeds().start()
    try:
        client = client_for("rss", {}, source="rss-jlcity", url=feeds.url + "atom.xml")
        result = client.fetch({})
    finally:
        feeds.stop()

    assert len(result.posts) == 5


def test_a_weibo_source_without_credentials_uses_the_citys_account(settings):
    server = fo.FakeWeiboOpinion().start()
    try:
        fo.use(settings, server)
        server.add_mention("@吉林发布 公交12路改线了吗？")
        client = client_for("weibo", {"streams": ["mentions"]})
        result = client.fetch({})
    finally:
        server.stop()

    assert isinstance(client, WeiboOpinionClient)
    assert [(p.source, p.text) for p in result.posts] == [("weibo", "@吉林发布 公交12路改线了吗？")]


def test_a_weibo_source_with_its_own_config(settings):
    settings.WEIBO_ACCESS_TOKEN = ""
    server = fo.FakeWeiboOpinion().start()
    try:
        server.add_public("北山公园樱花")
        config = fo.config(server, keywords=["北山公园"], streams=["search"], source="weibo-search")
        result = client_for("weibo", config).fetch({})
    finally:
        server.stop()

    assert [(p.source, p.text) for p in result.posts] == [("weibo-search", "北山公园樱花")]


def test_a_wechat_source_with_an_article_list(settings):
    server = fc.FakeWechatComments().start()
    try:
        server.add_comment(2650000001, "留言")
        config = fc.config(server, articles=[{"msg_data_id": 2650000001}])
        client = client_for("wechat", config, source="wechat-jlfb")
        result = client.fetch({})
    finally:
        server.stop()

    assert isinstance(client, WeChatCommentsClient)
    assert [(p.source, p.external_id) for p in result.posts] == [("wechat-jlfb", "2650000001:0:1")]


def test_the_citys_wechat_account_is_the_default(settings):
    server = fc.FakeWechatComments().start()
    try:
        fc.use(settings, server)
        server.add_comment(2650000009, "留言")
        client = client_for("wechat", {"articles": [{"msg_data_id": "2650000009", "title": "甲文"}]})
        result = client.fetch({})
    finally:
        server.stop()

    assert [p.text for p in result.posts] == ["留言"]
    assert server.token_requests == 1  # the publishing backend's app id and secret


@pytest.mark.parametrize("kind", ["api", "import", "hotline", "website", ""])
def test_kinds_without_a_client_are_a_config_error(kind):
    with pytest.raises(SourceConfigError) as raised:
        client_for(kind, {})
    assert "没有抓取客户端" in raised.value.zh and "no polling client" in raised.value.en


@pytest.mark.parametrize(
    ("kind", "config"),
    [
        ("rss", {}),
        ("rss", {"url": "https://x.cn/rss", "timeout": -1}),
        ("weibo", {"access_token": "t", "count": 500}),
        ("weibo", {"access_token": "t", "keywords": "北山{公园}"}),
        ("wechat", {"app_id": "wx", "app_secret": "s", "articles": "2650000001"}),
        ("rss", ["not", "a", "dict"]),
    ],
)
def test_configs_that_cannot_work_are_refused_when_the_client_is_built(settings, kind, config):
    settings.WEIBO_ACCESS_TOKEN = ""
    with pytest.raises(SourceConfigError):
        client_for(kind, config)


def test_a_weibo_source_with_no_token_anywhere_is_a_config_error(settings):
    settings.WEIBO_ACCESS_TOKEN = ""

    with pytest.raises(SourceConfigError) as raised:
        client_for("weibo", {})

    assert "WEIBO_ACCESS_TOKEN" in str(raised.value)


def test_other_kinds_can_be_registered():
    class Static:
        def __init__(self, config, source):
            self.source = source

        def fetch(self, cursor):
            return FetchResult([], {"n": (cursor or {}).get("n", 0) + 1}, [])

    register("static-test", Static)
    try:
        assert client_for("static-test", {}, source="s").fetch({"n": 1}).cursor == {"n": 2}
    finally:
        from gongkai.opinion import sources

        sources._FACTORIES.pop("static-test")
