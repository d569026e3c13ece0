"""Several workers (docs/opinion-scale.md): the shared near-duplicate window and idempotent ingest.

* Two pipelines with their own in-process state, sharing one ``RedisNearDuplicateIndex``, taking
  batches in turn, find every near-duplicate exactly as one pipeline fed the same batches does —
  also when the original was seen by the other worker.
* Two worker *processes* running at the same time do so too (the answers of a copy do not depend
  on which process ran which batch first, since the copies of a phase answer with originals of the
  phase before).
* Two workers ingesting the same batch at the same time store each post once (PostgreSQL: the
  unique ``(source, external_id)`` and ``ON CONFLICT DO NOTHING``), with and without the shared index.
* A batch redelivered after its worker died mid-batch (analysed, nothing stored) is stored once by
  the next worker, with the same duplicate links as a batch processed once.

The Redis tests use the real Redis on 127.0.0.1:6379 (database 15, a prefix of their own, removed
afterwards) and are skipped when it is unreachable. Nothing at module level needs Django: the
worker processes import this module.
"""

from __future__ import annotations

import datetime
import multiprocessing
import os
import queue
import random
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

REDIS_URL = "redis://127.0.0.1:6379/15"
NOW = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC)
SOURCE = "vendor-a"  # the conftest's source

COMMON = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而"
    "方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应"
    "开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命"
)
MATTERS = (
    "松江路停水三天了",
    "解放路积水没过膝盖",
    "北山家园暖气不热",
    "吉林大街堵车一小时",
    "江南公园雾凇太美",
    "东市场猪肉涨价",
    "化工厂附近有刺鼻气味",
    "市人民医院挂号排队",
)


def _original(rng: random.Random, i: int) -> str:
    """A post about a city matter with details of its own (distinct posts share few bigrams)."""
    details = "".join(rng.choice(COMMON) for _ in range(rng.randint(30, 70)))
    return f"{rng.choice(MATTERS)}，{details}（{i}楼）"


def _copy(rng: random.Random, text: str) -> str:
    """A near-duplicate: repost chain, appended comment, emoji, or a couple of characters edited."""
    kind = rng.randrange(4)
    if kind == 0:
        return f"转发微博//@江城观察{rng.randint(1, 99)}:{text}"
    if kind == 1:
        return text + rng.choice([" 说得对", " 同感！", " 求官方回应"])
    if kind == 2:
        return rng.choice(["😂", "[怒]", "👍"]) + text
    chars = list(text)
    for _ in range(2):
        chars.insert(rng.randrange(len(chars)), rng.choice("的了是也都还很"))
    return "".join(chars)


def stream(n: int, seed: int = 5, copies: float = 0.35) -> list[tuple[str, str, int]]:
    """``(external_id, text, minute)`` in time order; ``copies`` of them copies of a recent post
    (a copy of a copy now and then: chains)."""
    rng = random.Random(seed)
    posts: list[tuple[str, str, int]] = []
    for i in range(n):
        if posts and rng.random() < copies:
            text = _copy(rng, rng.choice(posts[-150:])[1])
        else:
            text = _original(rng, i)
        posts.append((f"s{seed}-{i}", text, i))
    return posts


def raw_posts(items: list[tuple[str, str, int]], source: str = SOURCE) -> list[Any]:
    from gongkai.opinion.analysis.types import RawPost

    return [
        RawPost(
            source=source,
            external_id=external_id,
            text=text,
            published_at=NOW + datetime.timedelta(minutes=minute),
            followers=minute % 500,
        )
        for external_id, text, minute in items
    ]


def chunks(values: list[Any], size: int) -> list[list[Any]]:
    return [values[start : start + size] for start in range(0, len(values), size)]


def _redis_client() -> Any:
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    return client


@pytest.fixture
def shared_prefix() -> Iterator[str]:
    """A Redis prefix of this test's own; its keys are deleted afterwards."""
    from gongkai.opinion.analysis.dedupe import RedisNearDuplicateIndex

    client = _redis_client()
    prefix = f"gk:test:scale:{uuid.uuid4().hex[:12]}"
    yield prefix
    RedisNearDuplicateIndex(client, prefix=prefix).clear()
    client.close()


def _shared_pipeline(prefix: str, *, key_offset: int = 0) -> Any:
    """A worker's pipeline: its own stages and state, the near-duplicate window in Redis."""
    import redis

    from gongkai.opinion.analysis.dedupe import RedisNearDuplicateIndex
    from gongkai.opinion.pipeline import Pipeline

    index = RedisNearDuplicateIndex(redis.Redis.from_url(REDIS_URL), prefix=prefix)
    return Pipeline(dedupe_index=index, key_offset=key_offset)


# --- Two pipelines, one window ------------------------------------------------------------------------


def test_two_workers_sharing_the_redis_window_answer_like_one_worker(shared_prefix):
    from gongkai.opinion.pipeline import KEY_SPAN, Pipeline

    batches = chunks(raw_posts(stream(1200)), 60)
    one = Pipeline()  # one worker, the window in its memory
    workers = [_shared_pipeline(shared_prefix, key_offset=slot * KEY_SPAN) for slot in (1, 2)]
    expected: dict[str, str | None] = {}
    answers: dict[str, str | None] = {}
    worker_of: dict[str, int] = {}
    event_keys: list[set[int]] = [set(), set()]
    for number, batch in enumerate(batches):
        for post, result in zip(batch, one.process(batch), strict=True):
            expected[post.key] = result.duplicate_of
        worker = number % 2  # the broker hands the batches out in turn
        for post, result in zip(batch, workers[worker].process(batch), strict=True):
            answers[post.key] = result.duplicate_of
            worker_of[post.key] = worker
            event_keys[worker].add(result.event_key)
    assert answers == expected
    found = {key: original for key, original in answers.items() if original is not None}
    assert len(found) > 300
    across = [key for key, original in found.items() if worker_of[key] != worker_of[original]]
    assert len(across) > 100  # copies whose original the other worker saw
    # the events are each worker's own (its clusterer), in its own range of keys
    for slot, keys in zip((1, 2), event_keys, strict=True):
        assert keys and all(slot * KEY_SPAN <= key < (slot + 1) * KEY_SPAN for key in keys)


def _worker_process(
    prefix: str, phases: list[list[list[tuple[str, str, int]]]], barrier: Any, out: Any
) -> None:
    """A worker process: a pipeline of its own on the shared window, its batches phase by phase."""
    try:
        pipeline = _shared_pipeline(prefix)
        answers: dict[str, str | None] = {}
        for phase in phases:
            barrier.wait(timeout=120)
            for items in phase:
                batch = raw_posts(items)
                for post, result in zip(batch, pipeline.process(batch), strict=True):
                    answers[post.key] = result.duplicate_of
        out.put((os.getpid(), answers, None))
    except BaseException as exc:  # reported to the test, which fails with it
        out.put((os.getpid(), {}, repr(exc)))
        raise


@pytest.mark.slow
def test_two_worker_processes_at_once_find_the_copies_of_each_others_posts(shared_prefix):
    from gongkai.opinion.pipeline import Pipeline

    rng = random.Random(11)
    originals = [(f"o{i}", _original(rng, i), i) for i in range(240)]
    copies = []
    source_of = {}  # copy's key → its original's key
    for j in range(240):
        external_id, text, _minute = originals[rng.randrange(len(originals))]
        copies.append((f"c{j}", _copy(rng, text), 300 + j))
        source_of[f"{SOURCE}:c{j}"] = f"{SOURCE}:{external_id}"
    # one worker, one order: every original is new and every copy answers with its original, so
    # any interleaving of the batches of a phase gives the same answers
    one = Pipeline()
    expected = {}
    for items in (originals, copies):
        batch = raw_posts(items)
        for post, result in zip(batch, one.process(batch), strict=True):
            expected[post.key] = result.duplicate_of
    assert all(expected[f"{SOURCE}:{external_id}"] is None for external_id, _t, _m in originals)
    assert all(expected[key] == source_of[key] for key in source_of)

    # two processes; each analyses half of the originals, then half of the copies, at the same time
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    out = context.Queue()
    plans = [
        [
            chunks(originals[half::2], 30),
            chunks(copies[1 - half :: 2], 30),
        ]  # the copies of the other's originals too
        for half in (0, 1)
    ]
    processes = [
        context.Process(target=_worker_process, args=(shared_prefix, plan, barrier, out)) for plan in plans
    ]
    for process in processes:
        process.start()
    try:
        reports = [out.get(timeout=240) for _ in processes]
    except queue.Empty:
        pytest.fail("a worker process did not report")
    finally:
        for process in processes:
            process.join(timeout=60)
            if process.is_alive():
                process.terminate()
    assert [error for _pid, _answers, error in reports] == [None, None]
    assert len({pid for pid, _answers, _error in reports}) == 2
    answers: dict[str, str | None] = {}
    handled_by: dict[str, int] = {}
    for worker, (_pid, part, _error) in enumerate(reports):
        answers.update(part)
        handled_by.update(dict.fromkeys(part, worker))
    assert answers == expected
    across = [key for key in source_of if handled_by[key] != handled_by[source_of[key]]]
    assert len(across) > 50


# --- Ingest by several workers ------------------------------------------------------------------------


def _ingest_at_once(source: Any, batch: list[Any], pipelines: list[Any], *, race: bool = False) -> list[Any]:
    """``ingest_posts`` of ``batch`` by each pipeline in a thread of its own (its own database
    connection), started together. With ``race``, each worker waits after analysing the batch until
    all have: every one of them then found none of the posts stored and inserts them all."""
    from django.db import connection

    from gongkai.opinion import services

    start = threading.Barrier(len(pipelines))
    analysed = threading.Barrier(len(pipelines))
    results: list[Any] = [None] * len(pipelines)

    def work(number: int) -> None:
        pipeline = pipelines[number]
        process = pipeline.process

        def process_then_wait(posts: Any) -> Any:
            analyses = process(posts)
            analysed.wait(timeout=60)
            return analyses

        if race:
            pipeline.process = process_then_wait
        try:
            start.wait(timeout=30)
            results[number] = services.ingest_posts(source, batch, pipeline=pipeline)
        except BaseException as exc:
            results[number] = exc
        finally:
            if race:
                del pipeline.process
            connection.close()

    threads = [threading.Thread(target=work, args=(number,)) for number in range(len(pipelines))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _postgres_or_skip() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("two writers at the same time: run with DATABASE_URL on PostgreSQL")


@pytest.mark.django_db(transaction=True)  # the marker, not the fixture: conftest adds serialized rollback
@pytest.mark.parametrize("shared", [False, True], ids=["own-windows", "shared-window"])
def test_the_same_batch_ingested_by_two_workers_at_once_is_stored_once(request, shared):
    from gongkai.opinion.models import Post, Source, SourceKind
    from gongkai.opinion.pipeline import KEY_SPAN, Pipeline

    _postgres_or_skip()
    source = Source.objects.create(code=SOURCE, name="数据服务商甲", kind=SourceKind.VENDOR)
    if shared:
        prefix = request.getfixturevalue("shared_prefix")
        pipelines = [_shared_pipeline(prefix, key_offset=slot * KEY_SPAN) for slot in (1, 2)]
    else:
        pipelines = [Pipeline(key_offset=slot * KEY_SPAN) for slot in (1, 2)]
    items = stream(600, seed=21)
    batch = raw_posts(items)
    results = _ingest_at_once(source, batch, pipelines, race=True)
    assert not [result for result in results if isinstance(result, BaseException)], results
    assert sum(result.created for result in results) == len(batch)
    assert all(result.created + result.duplicates_skipped == len(batch) for result in results)
    stored = list(Post.objects.filter(source=source).values_list("external_id", flat=True))
    assert sorted(stored) == sorted(external_id for external_id, _t, _m in items)
    # the near-duplicate links are those of one worker, none pointing at the post itself
    expected = {
        post.key: result.duplicate_of for post, result in zip(batch, Pipeline().process(batch), strict=True)
    }
    links = dict(Post.objects.filter(source=source).values_list("external_id", "duplicate_of__external_id"))
    assert {
        f"{SOURCE}:{external_id}": f"{SOURCE}:{original}" if original else None
        for external_id, original in links.items()
    } == expected
    assert sum(original is not None for original in links.values()) > 100
    # a resent batch, again by both at once, changes nothing
    again = _ingest_at_once(source, batch, pipelines)
    assert [(result.created, result.duplicates_skipped) for result in again] == [(0, len(batch))] * 2
    assert Post.objects.filter(source=source).count() == len(batch)


def test_a_batch_redelivered_after_its_worker_died_is_stored_once_with_the_same_links(source, shared_prefix):
    from gongkai.opinion import services
    from gongkai.opinion.models import Post
    from gongkai.opinion.pipeline import KEY_SPAN, Pipeline

    first, second = chunks(raw_posts(stream(400, seed=31)), 200)
    one = Pipeline()
    expected = {}
    for batch in (first, second):
        for post, result in zip(batch, one.process(batch), strict=True):
            expected[post.external_id] = (
                result.duplicate_of.partition(":")[2] if result.duplicate_of else None
            )
    dying = _shared_pipeline(shared_prefix, key_offset=1 * KEY_SPAN)
    services.ingest_posts(source, first, pipeline=dying)
    dying.process(second)  # analysed, then the worker dies: nothing of the batch stored, not acked
    assert Post.objects.filter(source=source).count() == len(first)

    # the broker redelivers the batch to another worker (acks_late + reject_on_worker_lost)
    other = _shared_pipeline(shared_prefix, key_offset=2 * KEY_SPAN)
    result = services.ingest_posts(source, second, pipeline=other)
    assert (result.created, result.duplicates_skipped) == (len(second), 0)
    links = dict(Post.objects.filter(source=source).values_list("external_id", "duplicate_of__external_id"))
    assert links == expected
    assert sum(original is not None for original in links.values()) > 100
    # and delivered once more (the worker had stored it, then died before the ack): nothing twice
    result = services.ingest_posts(
        source, second, pipeline=_shared_pipeline(shared_prefix, key_offset=3 * KEY_SPAN)
    )
    assert (result.created, result.duplicates_skipped) == (0, len(second))
    assert Post.objects.filter(source=source).count() == len(first) + len(second)


WATER = [
    "松江路停水三天了，居民投诉什么时候恢复供水",
    "松江路又停水了，自来水公司什么时候恢复供水",
    "松江路停水第三天，供水抢修还没完成",
]
HEATING = [
    "北山家园暖气不热，室温只有十二度，供热公司电话打不通",
    "北山家园的暖气还是不热，老人孩子都冻感冒了",
    "北山家园供热不达标，暖气片冰凉，投诉好几次了",
]


def test_a_slot_resumed_after_its_worker_died_does_not_reuse_event_keys(source, settings):
    from django.utils import timezone

    from gongkai.opinion import pipeline as pipelines
    from gongkai.opinion import services
    from gongkai.opinion.models import ClustererState, Event, Post
    from gongkai.opinion.tests.conftest import raw

    settings.GONGKAI_OPINION_EVENT_MIN_POSTS = 3
    with pipelines.worker_pipeline() as pipeline:
        slot = pipeline.slot
        pipelines.pipeline_save_state(pipeline)  # the last save before the crash
    services.ingest_posts(source, [raw(f"w{i}", text, minutes=i) for i, text in enumerate(WATER)])
    water = Event.objects.get()
    # the worker dies (no release, no save); its lease runs out; the next worker takes the slot
    pipelines.worker_pipeline_reset()
    ClustererState.objects.filter(pk=slot).update(
        claimed_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    with pipelines.worker_pipeline() as resumed:
        assert resumed.slot == slot
    services.ingest_posts(source, [raw(f"h{i}", text, minutes=10 + i) for i, text in enumerate(HEATING)])
    heating_events = set(Post.objects.filter(external_id__startswith="h").values_list("event_id", flat=True))
    assert water.pk not in heating_events  # the heating posts are not counted in the water event
    water.refresh_from_db()
    assert water.post_count == 3
