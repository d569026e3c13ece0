"""The ingest service: idempotent storage of analysed batches, per-post errors, events, state."""

from __future__ import annotations

import dataclasses
import datetime
import importlib.util
import uuid

import pytest

from gongkai.opinion import pipeline as pipelines
from gongkai.opinion import services
from gongkai.opinion.models import ClustererState, Event, Post, PostTopic, SensitiveWord, Topic
from gongkai.opinion.tests.conftest import raw

pytestmark = pytest.mark.django_db


def _has(stage: str) -> bool:
    return importlib.util.find_spec(f"gongkai.opinion.analysis.{stage}") is not None


needs = {
    stage: pytest.mark.skipif(not _has(stage), reason=f"analysis.{stage} not there yet")
    for stage in pipelines.STAGES
}


class KeywordSentiment:
    """A stand-in model: negative when the text complains."""

    def predict_many(self, texts):
        return [("negative", 0.9) if "投诉" in text or "不满" in text else ("neutral", 0.1) for text in texts]


WATER = [
    "松江路停水三天了，居民投诉什么时候恢复供水",
    "松江路又停水了，自来水公司什么时候恢复供水",
    "松江路停水第三天，供水抢修还没完成",
]


def test_a_batch_is_analysed_and_stored(source):
    topic = Topic.objects.create(name="供水", rule="停水 OR 供水")
    SensitiveWord.objects.create(word="投诉")
    posts = [
        raw("1", "松江路停水三天了，居民投诉无人管", author="张三", followers=120, verified=True, likes=3,
            url="https://weibo.com/1", place="吉林市昌邑区"),
        raw("2", "今天天气不错", minutes=1),
    ]  # fmt: skip
    result = services.ingest_posts(source, posts)
    assert (result.received, result.created, result.duplicates_skipped, result.errors) == (2, 2, 0, [])
    stored = Post.objects.get(external_id="1")
    assert stored.source == source and stored.author == "张三" and stored.followers == 120 and stored.verified
    assert stored.text == "松江路停水三天了，居民投诉无人管" and stored.normalized_text
    assert stored.published_at == posts[0].published_at and stored.url == "https://weibo.com/1"
    assert stored.fingerprint != 0 and stored.fingerprint == services.pipelines.Pipeline().fingerprint(
        stored.normalized_text
    )
    if _has("rules"):
        assert list(stored.topics.all()) == [topic] and stored.sensitive_words == ["投诉"]
        assert PostTopic.objects.get().published_at == stored.published_at
        assert not Post.objects.get(external_id="2").topics.exists()
    if _has("places"):
        assert stored.district == "changyi"
    if _has("events"):
        assert stored.event_key is not None


def test_a_resent_batch_creates_nothing_twice(source):
    posts = [raw(str(i), WATER[i % 3], minutes=i) for i in range(6)]
    first = services.ingest_posts(source, posts)
    events_before = list(Event.objects.values_list("key", "post_count", "negative_count"))
    again = services.ingest_posts(source, posts)
    assert (first.created, first.duplicates_skipped) == (6, 0)
    assert (again.created, again.duplicates_skipped, again.errors) == (0, 6, [])
    assert Post.objects.count() == 6
    assert list(Event.objects.values_list("key", "post_count", "negative_count")) == events_before


def test_part_of_a_batch_already_stored_is_skipped_and_the_rest_taken(source):
    services.ingest_posts(source, [raw("1"), raw("2", "今天天气不错")])
    result = services.ingest_posts(source, [raw("2", "今天天气不错"), raw("3", "公园的花开了")])
    assert (result.created, result.duplicates_skipped) == (1, 1)
    assert sorted(Post.objects.values_list("external_id", flat=True)) == ["1", "2", "3"]


def test_a_repeat_inside_a_batch_is_stored_once(source):
    result = services.ingest_posts(source, [raw("1"), raw("1", "别的内容"), raw("2", "今天天气不错")])
    assert (result.created, result.duplicates_skipped) == (2, 1)
    assert Post.objects.get(external_id="1").text == raw("1").text


def test_a_batch_racing_the_same_batch_stores_each_post_once(source):
    """The storage step itself skips stored posts (ON CONFLICT DO NOTHING), whatever the check before said."""
    pipeline = pipelines.Pipeline()
    posts = [raw("1"), raw("2", "今天天气不错", minutes=1)]
    services.ingest_posts(source, posts[:1], pipeline=pipeline)
    created, _events = services._store(source, posts, *services._analyse(pipeline, posts))
    assert created == 1 and Post.objects.count() == 2


@needs["events"]
@needs["dedupe"]
def test_a_batch_stored_in_chunks_while_the_next_is_analysed_is_stored_as_one(source, settings, monkeypatch):
    """PostgreSQL: chunk k is stored while chunk k + 1 is analysed in a thread, in one transaction;
    copies of posts of earlier chunks, events created mid-batch: all as one chunk would store them."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the chunked path is PostgreSQL's")
    settings.GONGKAI_OPINION_EVENT_MIN_POSTS = 3
    text = "紧急扩散：松江路明天全天停水，请大家提前储水，转发告知家人朋友邻居"
    posts = [raw("0", text)] + [raw(str(i), WATER[i % 3], minutes=i) for i in range(1, 6)]
    posts += [raw("copy", "转发：" + text, minutes=7), raw("7", "今天天气不错", minutes=8)]

    def stored(chunk: int, slot_source: str) -> list[tuple]:
        monkeypatch.setattr(services, "STORE_CHUNK", chunk)
        batch = [dataclasses.replace(post, source=slot_source) for post in posts]
        pipeline = pipelines.Pipeline(key_offset=chunk << pipelines.KEY_BITS)  # its own event keys
        result = services.ingest_posts(slot_source, batch, pipeline=pipeline)
        assert result.created == len(posts) and not result.errors
        rows = Post.objects.filter(source__code=slot_source).order_by("external_id")
        return [
            (p.external_id, p.duplicate_of.external_id if p.duplicate_of else None,
             p.event.post_count if p.event else None, p.event.label if p.event else None,
             sorted(p.topic_links.values_list("topic_id", flat=True)))
            for p in rows.select_related("duplicate_of", "event")
        ]  # fmt: skip

    other = services.source_create(code="vendor-b", name="b", kind=source.kind)
    assert stored(2, source.code) == stored(len(posts), other.code)
    copy = Post.objects.get(source=source, external_id="copy")
    assert copy.duplicate_of.external_id == "0" and copy.event_id is not None


def test_bad_posts_are_reported_by_index_and_the_others_taken(source):
    naive = raw("naive")
    naive.published_at = datetime.datetime(2026, 6, 1, 9, 0)  # noqa: DTZ001 (the mistake under test)
    posts = [
        raw("ok-1"),
        raw("x" * 201),
        naive,
        raw("other-source", source="weibo"),
        raw("no-text", ""),
        raw("bad-count", likes=-1),
        "not a post",
        raw("ok-2", "今天天气不错"),
    ]
    result = services.ingest_posts(source, posts, index_offset=100)
    assert result.created == 2 and result.duplicates_skipped == 0
    assert [(e.index, e.field) for e in result.errors] == [
        (101, "external_id"),
        (102, "published_at"),
        (103, "source"),
        (104, "text"),
        (105, "likes"),
        (106, ""),
    ]
    assert all(e.message for e in result.errors)
    assert sorted(Post.objects.values_list("external_id", flat=True)) == ["ok-1", "ok-2"]


def test_nul_characters_and_lone_surrogates_are_dropped_not_fatal(source):
    result = services.ingest_posts(source, [raw("1", "停水\x00三天\ud800了", author="张\x00三")])
    assert result.created == 1
    stored = Post.objects.get()
    assert stored.text == "停水三天了" and stored.author == "张三"


def test_an_unknown_source_is_refused():
    with pytest.raises(services.OpinionError) as refused:
        services.ingest_posts("nope", [raw("1", source="nope")])
    assert refused.value.code == "unknown_source"


@needs["events"]
def test_an_event_gets_its_row_when_it_has_enough_posts_and_keeps_counting(source, settings):
    settings.GONGKAI_OPINION_EVENT_MIN_POSTS = 3
    pipeline = pipelines.Pipeline(sentiment_model=KeywordSentiment())
    services.ingest_posts(source, [raw("1", WATER[0]), raw("2", WATER[1], minutes=1)], pipeline=pipeline)
    assert not Event.objects.exists()  # two posts are not an event yet
    assert Post.objects.filter(event__isnull=True).exclude(event_key=None).count() == 2

    result = services.ingest_posts(source, [raw("3", WATER[2], minutes=2)], pipeline=pipeline)
    event = Event.objects.get()
    assert result.events_created == 1
    assert set(event.posts.values_list("external_id", flat=True)) == {"1", "2", "3"}
    assert (event.post_count, event.negative_count) == (3, 1)
    assert event.first_seen == raw("1").published_at and event.last_seen == raw("3", minutes=2).published_at
    assert event.label and "停水" in event.top_terms

    services.ingest_posts(source, [raw("4", WATER[0] + "，又有人投诉", minutes=30)], pipeline=pipeline)
    event.refresh_from_db()
    assert (event.post_count, event.negative_count) == (4, 2)
    assert event.last_seen == raw("4", minutes=30).published_at
    assert Post.objects.get(external_id="4").event == event
    if _has("hotness"):
        assert event.hotness >= 0.0


@needs["places"]
def test_an_event_moves_to_the_district_most_of_its_posts_are_about(source, settings):
    settings.GONGKAI_OPINION_EVENT_MIN_POSTS = 3
    pipeline = pipelines.Pipeline(sentiment_model=KeywordSentiment())
    first = [raw(str(i), text, minutes=i, place="丰满区") for i, text in enumerate(WATER)]
    services.ingest_posts(source, first, pipeline=pipeline)
    event = Event.objects.get()
    assert event.district == "fengman"
    later = [raw(f"c{i}", WATER[i % 3], minutes=10 + i, place="船营区") for i in range(5)]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        services.ingest_posts(source, later, pipeline=pipeline)
    event.refresh_from_db()
    assert event.post_count == 8 and event.district == "chuanying"
    assert event.district_counts == {"fengman": 3, "chuanying": 5}
    # The counts are kept, not recounted: no query groups the event's posts by district.
    assert not [q for q in queries.captured_queries if "GROUP BY" in q["sql"] and '"district"' in q["sql"]]
    # A batch without places leaves the counts and the district as they are.
    services.ingest_posts(source, [raw("d", WATER[0], minutes=30)], pipeline=pipeline)
    event.refresh_from_db()
    assert event.post_count == 9 and event.district_counts == {"fengman": 3, "chuanying": 5}
    assert event.district == "chuanying"


@needs["places"]
def test_the_migration_counts_the_districts_of_stored_events(source, settings):
    """opinion.0005 fills district_counts of the events stored before it from their posts."""
    import importlib

    from django.apps import apps as global_apps

    settings.GONGKAI_OPINION_EVENT_MIN_POSTS = 3
    pipeline = pipelines.Pipeline(sentiment_model=KeywordSentiment())
    posts = [raw(str(i), WATER[i % 3], minutes=i, place="丰满区" if i < 2 else "") for i in range(4)]
    services.ingest_posts(source, posts, pipeline=pipeline)
    Event.objects.update(district_counts={})
    migration = importlib.import_module("gongkai.opinion.migrations.0005_event_district_counts")
    migration.count_districts(global_apps, None)
    assert Event.objects.get().district_counts == {"fengman": 2}


@needs["dedupe"]
def test_near_duplicates_point_at_the_first_post_inside_and_across_batches(source):
    text = "紧急扩散：松江路明天全天停水，请大家提前储水，转发告知家人朋友邻居"
    services.ingest_posts(source, [raw("orig", text), raw("copy-1", text + "！！", minutes=1)])
    services.ingest_posts(source, [raw("copy-2", "转发：" + text, minutes=5)])
    original = Post.objects.get(external_id="orig")
    assert original.duplicate_of is None
    assert Post.objects.get(external_id="copy-1").duplicate_of == original
    assert Post.objects.get(external_id="copy-2").duplicate_of == original


@needs["events"]
@needs["dedupe"]
def test_a_near_duplicate_is_in_its_originals_event_inside_and_across_batches():
    pipeline = pipelines.Pipeline()
    text = "紧急扩散：松江路明天全天停水，请大家提前储水，转发告知家人朋友邻居"
    first = pipeline.process([raw("orig", text), raw("other", "今年供热温度太低了，家里暖气摸着都是凉的", minutes=1),
                              raw("copy-1", text + "！！", minutes=2)])  # fmt: skip
    second = pipeline.process([raw("copy-2", "转发：" + text, minutes=5)])
    assert first[2].duplicate_of == second[0].duplicate_of == "vendor-a:orig"
    assert first[0].event_key == first[2].event_key == second[0].event_key != first[1].event_key
    (state,) = pipeline.clusterer.states([first[0].event_key])
    assert state.size == 3 and state.representative == "vendor-a:orig"


@needs["rules"]
def test_topics_are_reloaded_when_they_change(source):
    services.ingest_posts(source, [raw("1", "暖气不热，室温只有十五度")])
    topic = Topic.objects.create(name="供热", rule="暖气 AND 不热")
    services.ingest_posts(source, [raw("2", "暖气不热，孩子冻感冒了", minutes=1)])
    assert list(topic.posts.values_list("external_id", flat=True)) == ["2"]  # no retroactive matching
    topic.enabled = False
    topic.save()
    services.ingest_posts(source, [raw("3", "暖气还是不热", minutes=2)])
    assert list(topic.posts.values_list("external_id", flat=True)) == ["2"]


@needs["events"]
def test_a_released_slot_is_resumed_by_the_next_process(source):
    services.ingest_posts(source, [raw(str(i), WATER[i % 3], minutes=i) for i in range(3)])
    with pipelines.worker_pipeline() as pipeline:
        slot, next_key = pipeline.slot, pipeline.clusterer.dump()["next_key"]
    first_event = Post.objects.get(external_id="0").event_key
    assert first_event >> pipelines.KEY_BITS == slot  # the slot's range of event keys

    pipelines.worker_pipeline_reset(release=True)  # the process stops; the next one starts
    row = ClustererState.objects.get(pk=slot)
    assert row.claimed_by == "" and row.claimed_until is None and row.version >= 1
    with pipelines.worker_pipeline() as resumed:
        assert resumed.slot == slot and resumed.clusterer.dump()["next_key"] == next_key
    services.ingest_posts(source, [raw("9", WATER[0], minutes=10)])
    assert Post.objects.get(external_id="9").event_key == first_event  # joined the same event


@needs["events"]
def test_two_processes_have_their_own_slots_and_event_keys(source, settings):
    settings.GONGKAI_OPINION_EVENT_MIN_POSTS = 1
    with pipelines.worker_pipeline() as first:
        services.ingest_posts(source, [raw("a", WATER[0])])
    other = pipelines._build()  # another process starts while the first one runs
    assert other.slot != first.slot and other.key_offset != first.key_offset
    services.ingest_posts(source, [raw("b", WATER[1], minutes=1)], pipeline=other)
    keys = dict(Post.objects.values_list("external_id", "event_key"))
    assert keys["a"] >> pipelines.KEY_BITS == first.slot and keys["b"] >> pipelines.KEY_BITS == other.slot
    assert Event.objects.count() == 2  # each process's event has its own row, nothing mixed up
    assert pipelines.pipeline_save_state(other) is not None
    assert ClustererState.objects.get(pk=other.slot).state["events"]["next_key"] == 2


def test_a_slot_whose_lease_ran_out_is_taken_over(source, settings):
    import datetime as dt

    from django.utils import timezone

    stale = ClustererState.objects.create(
        name="slot-old", state={}, claimed_by="gone:1", claimed_until=timezone.now() - dt.timedelta(seconds=1)
    )
    ClustererState.objects.create(
        name="slot-busy", claimed_by="alive:2", claimed_until=timezone.now() + dt.timedelta(minutes=5)
    )
    with pipelines.worker_pipeline() as pipeline:
        assert pipeline.slot == stale.pk
    # The process that stalled past its lease does not save over the new owner's state.
    ClustererState.objects.filter(pk=stale.pk).update(claimed_by="someone-else")
    with pipelines.worker_pipeline() as pipeline:
        assert pipelines.pipeline_save_state(pipeline) is None


def _redis_or_skip():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    return client


@pytest.mark.skipif(not _has("dedupe"), reason="analysis.dedupe not there yet")
def test_with_redis_the_processes_share_the_near_duplicate_window(source, settings):
    from gongkai.opinion.analysis import dedupe

    if not hasattr(dedupe, "RedisNearDuplicateIndex"):
        pytest.skip("no shared index yet")
    client = _redis_or_skip()
    prefix = f"gk:test:opinion:{uuid.uuid4().hex[:8]}"
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    settings.GONGKAI_OPINION_DEDUPE_PREFIX = prefix
    try:
        text = "紧急扩散：松江路明天全天停水，请大家提前储水，转发告知家人朋友邻居"
        with pipelines.worker_pipeline() as first:
            assert type(first.dedupe).__name__ == "RedisNearDuplicateIndex"
            services.ingest_posts(source, [raw("orig", text)])
        other = pipelines._build()  # another worker process
        services.ingest_posts(source, [raw("copy", "转发：" + text, minutes=3)], pipeline=other)
        assert Post.objects.get(external_id="copy").duplicate_of == Post.objects.get(external_id="orig")
    finally:
        for key in client.scan_iter(match="{" + prefix + "}*"):
            client.delete(key)


def test_a_state_that_does_not_load_is_ignored():
    pipeline = pipelines.Pipeline()
    assert pipeline.load_state({"format": 99}) == []
    restored = pipeline.load_state({"format": pipelines.STATE_FORMAT, "events": {"version": -1}})
    assert "events" not in restored


def test_the_pipeline_analyses_a_repeated_text_once():
    calls = []

    class Counting(KeywordSentiment):
        def predict_many(self, texts):
            calls.append(list(texts))
            return super().predict_many(texts)

    pipeline = pipelines.Pipeline(sentiment_model=Counting())
    posts = [raw("1", "居民投诉停水"), raw("2", "居民投诉停水"), raw("3", "今天天气不错")]
    results = pipeline.process(posts)
    assert len(calls[0]) == 2
    assert [r.sentiment for r in results] == ["negative", "negative", "neutral"]
    assert results[0].fingerprint == results[1].fingerprint != results[2].fingerprint
    assert dataclasses.asdict(results[0])["text"] == pipeline.normalize("居民投诉停水")


def test_the_stages_whose_module_is_missing_are_skipped(monkeypatch):
    real = pipelines._module
    monkeypatch.setattr(pipelines, "_module", lambda name: None if name != "normalize" else real(name))
    pipeline = pipelines.Pipeline(topics={1: "停水"}, sensitive_words=["投诉"])
    assert pipeline.stages == (["normalize"] if _has("normalize") else [])
    (result,) = pipeline.process([raw("1", "居民投诉停水")])
    assert result.topics == [] and result.event_key is None and result.sentiment == "neutral"


@needs["hotness"]
def test_the_hotness_of_events_without_new_posts_cools_down(source, settings):
    from django.utils import timezone

    settings.GONGKAI_OPINION_EVENT_MIN_POSTS = 2
    now = timezone.now()
    posts = [raw(str(i), WATER[i % 3], followers=5000) for i in range(4)]
    for i, post in enumerate(posts):
        post.published_at = now - datetime.timedelta(minutes=10 - i)
    services.ingest_posts(source, posts)
    event = Event.objects.get()
    assert event.hotness > 10
    with pipelines.worker_pipeline() as pipeline:
        pipelines.pipeline_save_state(pipeline)
    assert services.events_refresh_hotness(now=now + datetime.timedelta(days=3)) == 1
    event.refresh_from_db()
    cooled = event.hotness
    assert 0 <= cooled < 10
    # An event changed after its slot's state was saved keeps its (fresher) value.
    Event.objects.filter(pk=event.pk).update(hotness=50, updated_at=now + datetime.timedelta(days=1))
    assert services.events_refresh_hotness(now=now + datetime.timedelta(days=3)) == 0
    assert Event.objects.get().hotness == 50


# --- What the database no longer checks on every post (ADR 0019) ---------------------------------


def test_without_database_constraints_django_still_applies_on_delete(source):
    """The post's source and event and the topic links have no foreign-key constraint in
    PostgreSQL; deleting what they point to still does what the models say."""
    from django.db.models import ProtectedError

    topic = Topic.objects.create(name="供水", rule="停水 OR 供水")
    services.ingest_posts(source, [raw("1", WATER[0]), raw("2", WATER[1], minutes=1)])
    post = Post.objects.get(external_id="1")
    assert PostTopic.objects.filter(topic=topic).count() == 2
    topic.delete()  # CASCADE
    assert not PostTopic.objects.exists() and Post.objects.count() == 2
    event = Event.objects.create(
        key=987654321, label="测试", first_seen=post.published_at, last_seen=post.published_at
    )
    Post.objects.filter(pk=post.pk).update(event=event)
    event.delete()  # SET_NULL
    post.refresh_from_db()
    assert post.event_id is None
    with pytest.raises(ProtectedError):  # PROTECT
        source.delete()
    assert Post.objects.count() == 2


def test_ingest_constraints_and_indexes_in_the_database():
    """PostgreSQL: no per-row check of the four foreign keys; copies and corrections indexed only
    where set; no index on the fingerprint. The plans of the workspace's lookups use them."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps the constraints inside its table definitions")
    with connection.cursor() as cursor:
        post = connection.introspection.get_constraints(cursor, "opinion_post")
        links = connection.introspection.get_constraints(cursor, "opinion_posttopic")
        foreign = {tuple(c["columns"]) for c in [*post.values(), *links.values()] if c["foreign_key"]}
        assert foreign == {("duplicate_of_id",), ("sentiment_corrected_by_id",)}
        indexed = {tuple(c["columns"]) for c in post.values() if c["index"] and not c["primary_key"]}
        assert ("fingerprint",) not in indexed
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'opinion_post' AND indexname LIKE '%%_nn'"
        )
        partial = dict(cursor.fetchall())
        assert set(partial) == {"opinion_post_duplicate_nn", "opinion_post_corrected_nn"}
        assert all("IS NOT NULL" in definition for definition in partial.values())
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT id FROM opinion_post WHERE duplicate_of_id = 5")
        assert "opinion_post_duplicate_nn" in " ".join(row[0] for row in cursor.fetchall())


def test_a_batch_after_a_rolled_back_one_is_stored(source):
    """PostgreSQL stages each batch in a temporary table made inside the transaction: a batch whose
    transaction was rolled back leaves nothing behind, and the next one creates the table again."""
    from django.db import transaction

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        services.ingest_posts(source, [raw("1", WATER[0])])
        raise Boom
    assert not Post.objects.exists()
    result = services.ingest_posts(source, [raw("1", WATER[0]), raw("2", WATER[1], minutes=1)])
    assert result.created == 2 and result.errors == []
    assert sorted(Post.objects.values_list("external_id", flat=True)) == ["1", "2"]


def test_two_batches_in_one_transaction_keep_their_own_posts(source):
    """Rows of one batch staged earlier in the same transaction are not inserted again by the next."""
    from django.db import transaction

    with transaction.atomic():
        first = services.ingest_posts(
            source, [raw(str(i), f"{WATER[i % 3]} 第{i}条", minutes=i) for i in range(3)]
        )
        second = services.ingest_posts(
            source, [raw(str(i), f"{WATER[i % 3]} 第{i}条", minutes=i) for i in range(2, 6)]
        )
    assert (first.created, second.created, second.duplicates_skipped) == (3, 3, 1)
    assert Post.objects.count() == 6
    ordered = list(Post.objects.order_by("pk").values_list("external_id", flat=True))
    assert ordered == ["0", "1", "2", "3", "4", "5"]  # each batch inserted in its order
