"""The polling job: due sources fetched on their interval, cursors saved only after ingest, errors
recorded on the source, one failing source not stopping the others, a lease against double polls."""

from __future__ import annotations

import datetime

import pytest

from gongkai.opinion import jobs, polling
from gongkai.opinion.analysis.types import RawPost
from gongkai.opinion.models import Post, Source, SourceKind
from gongkai.opinion.sources import FetchResult, SourceAuthError
from gongkai.opinion.sources.tests.fake_feeds import FakeFeeds

NOW = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC)


class FakeClient:
    """Hands out ``batches`` one per fetch; records the cursors it was given."""

    def __init__(self, source: str, batches: list, calls: list):
        self.source = source
        self.batches = batches
        self.calls = calls

    def fetch(self, cursor):
        self.calls.append((self.source, dict(cursor or {})))
        batch = self.batches.pop(0) if self.batches else FetchResult(cursor=dict(cursor or {}))
        if isinstance(batch, Exception):
            raise batch
        return batch


class Factory:
    """A ``client_factory`` for ``poll_*``: per source code, the fetch results (or exceptions) to give."""

    def __init__(self, **batches):
        self.batches = {code.replace("_", "-"): list(items) for code, items in batches.items()}
        self.calls: list = []
        self.configs: dict = {}

    def __call__(self, kind, config, *, source, url=""):
        self.configs[source] = dict(config)
        return FakeClient(source, self.batches.setdefault(source, []), self.calls)


def post(source: str, external_id: str, minutes: int = 0, text: str = "丰满区江南街道停水，什么时候来水？"):
    return RawPost(
        source=source,
        external_id=external_id,
        text=text,
        published_at=NOW - datetime.timedelta(minutes=minutes),
    )


def fetched(source: str, *ids: str, cursor: dict | None = None, errors: list | None = None) -> FetchResult:
    return FetchResult(
        posts=[post(source, external_id) for external_id in ids],
        cursor=cursor if cursor is not None else {"last": ids[-1] if ids else ""},
        errors=list(errors or []),
    )


@pytest.fixture
def rss(db):
    return Source.objects.create(
        code="rss-a", name="新闻网站甲", kind=SourceKind.RSS, config={"url": "http://127.0.0.1:9/rss.xml"}
    )


@pytest.fixture
def weibo(db):
    return Source.objects.create(
        code="weibo-a", name="微博甲", kind=SourceKind.WEIBO, config={"keywords": ["吉林"]}
    )


def test_a_due_source_is_fetched_stored_and_its_cursor_saved(rss):
    factory = Factory(rss_a=[fetched("rss-a", "a1", "a2", cursor={"seen": ["a1", "a2"]})])

    outcomes = polling.poll_due_sources(now=NOW, client_factory=factory)

    assert [(o.source, o.status, o.fetched, o.created) for o in outcomes] == [("rss-a", "ok", 2, 2)]
    rss.refresh_from_db()
    assert rss.cursor == {"seen": ["a1", "a2"]}
    assert rss.last_polled_at is not None
    assert "last_errors" not in rss.config
    assert set(Post.objects.filter(source=rss).values_list("external_id", flat=True)) == {"a1", "a2"}
    # The client got the stored cursor ({} the first time) and the config without bookkeeping keys.
    assert factory.calls == [("rss-a", {})]


def test_sources_are_polled_on_their_interval(rss):
    rss.config = {**rss.config, "interval_minutes": 30}
    rss.save()
    factory = Factory(rss_a=[fetched("rss-a", "a1"), fetched("rss-a", "a2"), fetched("rss-a", "a3")])

    polling.poll_due_sources(now=NOW, client_factory=factory)
    rss.refresh_from_db()
    polled_at = rss.last_polled_at
    # 20 minutes later: not due; 30 minutes later: due (the job runs every minute, a little slack).
    assert (
        polling.poll_due_sources(now=polled_at + datetime.timedelta(minutes=20), client_factory=factory) == []
    )
    later = polling.poll_due_sources(now=polled_at + datetime.timedelta(minutes=30), client_factory=factory)
    assert [o.status for o in later] == ["ok"]
    assert [cursor for _code, cursor in factory.calls] == [{}, {"last": "a1"}]
    # The default interval is 10 minutes.
    assert polling.source_interval(Source(config={}))[0] == datetime.timedelta(minutes=10)


def test_a_bad_interval_falls_back_to_the_default_and_says_so(rss):
    rss.config = {**rss.config, "interval_minutes": "often"}
    rss.save()

    outcome = polling.poll_source(rss, now=NOW, client_factory=Factory(rss_a=[fetched("rss-a", "a1")]))

    assert outcome.status == "errors" and outcome.created == 1
    rss.refresh_from_db()
    assert "interval_minutes" in rss.config["last_errors"]["messages"][0]
    assert rss.cursor == {"last": "a1"}


def test_client_errors_are_recorded_on_the_source_and_cleared_by_a_clean_poll(rss):
    factory = Factory(
        rss_a=[
            fetched("rss-a", "a1", errors=["订阅源 http://127.0.0.1:9/rss.xml：HTTP 503，已重试 2 次"]),
            fetched("rss-a", "a2"),
        ]
    )

    first = polling.poll_source(rss, now=NOW, client_factory=factory)
    rss.refresh_from_db()
    assert first.status == "errors" and first.created == 1
    errors = rss.config["last_errors"]
    assert errors["messages"] == ["订阅源 http://127.0.0.1:9/rss.xml：HTTP 503，已重试 2 次"]
    assert errors["at"] == NOW.isoformat() and errors["more"] == 0
    # The operator's keys stay; the client never sees the bookkeeping key.
    assert rss.config["url"] == "http://127.0.0.1:9/rss.xml"

    second = polling.poll_source(rss, now=NOW + datetime.timedelta(minutes=10), client_factory=factory)
    rss.refresh_from_db()
    assert second.status == "ok"
    assert "last_errors" not in rss.config
    assert "last_errors" not in factory.configs["rss-a"]


def test_posts_refused_by_ingest_are_listed_and_the_rest_taken(rss):
    bad = post("rss-a", "a2")
    bad.kind = "poem"
    result = FetchResult(posts=[post("rss-a", "a1"), bad], cursor={"last": "a2"})

    outcome = polling.poll_source(rss, now=NOW, client_factory=Factory(rss_a=[result]))

    assert outcome.status == "errors" and outcome.created == 1
    rss.refresh_from_db()
    assert rss.cursor == {"last": "a2"}
    assert rss.config["last_errors"]["messages"] == ["第 2 条（a2）未入库：kind unknown kind"]


def test_one_failing_source_does_not_stop_the_others(rss, weibo):
    factory = Factory(
        weibo_a=[SourceAuthError("微博拒绝了访问令牌（21327）。", "Weibo refused the token (21327).")],
        rss_a=[fetched("rss-a", "a1")],
    )
    weibo.cursor = {"mentions": {"since_id": "9"}}
    weibo.save()

    outcomes = {o.source: o for o in polling.poll_due_sources(now=NOW, client_factory=factory)}

    assert outcomes["weibo-a"].status == "failed"
    assert outcomes["rss-a"].status == "ok" and outcomes["rss-a"].created == 1
    weibo.refresh_from_db()
    assert weibo.cursor == {"mentions": {"since_id": "9"}}  # kept
    assert weibo.last_polled_at is not None  # tried again at its interval, not every minute
    assert weibo.config["last_errors"]["messages"] == [
        "授权失败，请重新授权账号：微博拒绝了访问令牌（21327）。"
    ]
    assert weibo.config["keywords"] == ["吉林"]


def test_a_client_crash_is_caught_and_recorded(rss, weibo):
    factory = Factory(weibo_a=[RuntimeError("boom")], rss_a=[fetched("rss-a", "a1")])

    outcomes = {o.source: o for o in polling.poll_due_sources(now=NOW, client_factory=factory)}

    assert outcomes["weibo-a"].status == "failed" and outcomes["rss-a"].status == "ok"
    weibo.refresh_from_db()
    assert weibo.config["last_errors"]["messages"] == ["抓取出错：RuntimeError: boom"]


def test_the_cursor_moves_only_after_the_posts_are_stored(rss, monkeypatch):
    rss.cursor = {"last": "a0"}
    rss.save()
    factory = Factory(rss_a=[fetched("rss-a", "a1", "a2"), fetched("rss-a", "a1", "a2")])

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    with monkeypatch.context() as patched:
        patched.setattr(polling, "ingest_posts", broken)
        failed = polling.poll_source(rss, now=NOW, client_factory=factory)
    rss.refresh_from_db()
    assert failed.status == "failed"
    assert rss.cursor == {"last": "a0"}  # not moved past posts that were not stored
    assert "入库失败" in rss.config["last_errors"]["messages"][0]
    assert not Post.objects.filter(source=rss).exists()

    # The next poll asks from the old cursor again and stores the posts.
    again = polling.poll_source(rss, now=NOW + datetime.timedelta(minutes=10), client_factory=factory)
    rss.refresh_from_db()
    assert again.status == "ok" and again.created == 2
    assert [cursor for _code, cursor in factory.calls] == [{"last": "a0"}, {"last": "a0"}]
    assert rss.cursor == {"last": "a2"}


def test_a_source_under_someone_elses_lease_is_not_polled(rss):
    factory = Factory(rss_a=[fetched("rss-a", "a1")])

    with polling.source_lease(rss.pk) as mine:
        assert mine
        with polling.source_lease(rss.pk) as theirs:
            assert not theirs
        outcomes = polling.poll_due_sources(now=NOW, client_factory=factory)

    assert [o.status for o in outcomes] == ["locked"]
    assert factory.calls == []
    # Released: the next run polls it.
    assert [o.status for o in polling.poll_due_sources(now=NOW, client_factory=factory)] == ["ok"]


def test_a_source_polled_meanwhile_by_another_runner_is_not_polled_again(rss):
    factory = Factory(rss_a=[fetched("rss-a", "a1"), fetched("rss-a", "a2")])
    stale = Source.objects.get(pk=rss.pk)  # what a second runner read before the first one polled

    polling.poll_source(rss, now=NOW, client_factory=factory)
    outcome = polling.poll_source(stale, now=NOW + datetime.timedelta(seconds=5), client_factory=factory)

    assert outcome.status == "skipped"
    assert len(factory.calls) == 1


def test_disabled_sources_and_kinds_without_a_client_are_left_alone(rss, db):
    rss.enabled = False
    rss.save()
    Source.objects.create(code="vendor-x", name="服务商", kind=SourceKind.VENDOR)
    Source.objects.create(code="hotline", name="热线", kind=SourceKind.HOTLINE)
    factory = Factory()

    assert polling.poll_due_sources(now=NOW, client_factory=factory) == []
    assert factory.calls == []


def test_the_job_polls_a_real_feed_through_the_registered_client(db):
    feeds = FakeFeeds().start()
    try:
        source = Source.objects.create(
            code="rss-jlcity",
            name="吉林市人民政府网站",
            kind=SourceKind.RSS,
            url=feeds.url + "rss.xml",
            config={"place": "吉林市", "retries": 0, "timeout": 2.0},
        )
        assert jobs.poll_sources() == {"sources": 1, "fetched": 5, "created": 5, "ok": 1}
        source.refresh_from_db()
        assert source.cursor["etag"] and len(source.cursor["seen"]) == 5
        assert Post.objects.filter(source=source, kind="article").count() == 5

        # Forced again at once: the feed answers 304 with the stored validators, nothing new.
        outcome = polling.poll_source(source, force=True)
        assert (outcome.status, outcome.fetched, outcome.created) == ("ok", 0, 0)
        assert feeds.calls("/rss.xml") == 2
    finally:
        feeds.stop()
