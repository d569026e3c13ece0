"""Near-duplicate index: copies found, distinct posts kept apart, the window, chains, batches, memory,
and the Redis-backed index shared by two workers."""

from __future__ import annotations

import random
import uuid

import pytest

from gongkai.opinion.analysis.dedupe import NearDuplicateIndex, RedisNearDuplicateIndex, jaccard
from gongkai.opinion.analysis.normalize import normalize

ORIGINAL = "#吉林市暴雨# 船营区解放路积水已经没过膝盖了，公交车都开不过去，希望有关部门尽快处理！"

COMMON = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而"
    "方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应"
    "开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命"
    "此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老"
)


def random_post(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(COMMON) for _ in range(length))


def edit(text: str, rng: random.Random, count: int) -> str:
    chars = list(text)
    for _ in range(count):
        i = rng.randrange(len(chars))
        op = rng.random()
        if op < 0.34:
            chars.insert(i, rng.choice(COMMON))
        elif op < 0.67:
            del chars[i]
        else:
            chars[i] = rng.choice(COMMON)
    return "".join(chars)


def stream(n: int, seed: int = 7, span: float = 3 * 86400.0) -> list[tuple[str, str, float]]:
    """``n`` normalized posts sorted by time, about a third of them light copies of earlier ones."""
    rng = random.Random(seed)
    posts: list[tuple[str, str, float]] = []
    for i in range(n):
        t = span * i / n
        if posts and rng.random() < 0.35:
            source = rng.choice(posts[-200:])[1]
            text = rng.choice(
                [
                    lambda s: "转发微博//@江城观察:" + s,
                    lambda s: s + " 说得对",
                    lambda s: edit(s, rng, 2),
                    lambda s: "😂" + s.replace("，", " "),
                ]
            )(source)
        else:
            text = random_post(rng, rng.randint(20, 120))
        posts.append((f"p{i}", normalize(text), t))
    return posts


def test_copies_of_a_post_are_found():
    index = NearDuplicateIndex()
    assert index.check_and_add("weibo:1", normalize(ORIGINAL), 0.0) is None
    copies = [
        "转发微博//@江城观察:" + ORIGINAL,
        "@吉林发布 " + ORIGINAL,
        ORIGINAL.replace("，", "。").replace("！", "！！！") + "😂😂",
        ORIGINAL.replace("解放路", "解放街").replace("尽快", "赶快"),  # a few characters replaced
        ORIGINAL.replace("已经", "") + "[怒]",  # deleted, and an emoticon
        "#吉林市暴雨# 船營區解放路積水已經沒過膝蓋了，公交車都開不過去，希望有關部門儘快處理！",
        ORIGINAL + " 太离谱了，我家那边也是",  # an appended comment
        "太离谱了//@老吉林人:" + ORIGINAL + " http://t.cn/A6xyz12",
        "＃吉林市暴雨＃　船营区解放路积水已经没过膝盖了，公交车都开不过去，希望有关部门尽快处理！",
    ]
    answers = index.check_and_add_many(
        [(f"weibo:c{i}", normalize(text), 60.0 * (i + 1)) for i, text in enumerate(copies)]
    )
    assert answers == ["weibo:1"] * len(copies)
    assert len(index) == 1 + len(copies)


def test_distinct_posts_are_not_merged():
    rng = random.Random(3)
    posts = [(f"p{i}", random_post(rng, rng.randint(20, 140)), float(i)) for i in range(3000)]
    index = NearDuplicateIndex()
    assert index.check_and_add_many(posts) == [None] * len(posts)


def test_posts_sharing_a_phrase_but_saying_different_things_are_not_merged():
    index = NearDuplicateIndex()
    texts = [
        "船营区解放路积水严重，车都开不过去，希望有关部门尽快处理",
        "船营区解放路积水严重，我家楼下的超市也进水了，老板一早上都在往外舀水，太辛苦了",
        "昌邑区重庆路今天早上堵了一个多小时，公交车都开不过去，上班的人全迟到了",
        "希望有关部门尽快处理江南公园门口的垃圾，夏天一到味道实在太大",
    ]
    for i, text in enumerate(texts):
        for j in range(i):
            assert jaccard(normalize(text), normalize(texts[j])) < 0.7
    assert index.check_and_add_many([(f"p{i}", normalize(t), float(i)) for i, t in enumerate(texts)]) == [
        None
    ] * len(texts)


def test_very_short_posts_are_never_near_duplicates():
    index = NearDuplicateIndex()
    answers = index.check_and_add_many(
        [(f"p{i}", normalize(t), 0.0) for i, t in enumerate(["转发微博", "转发微博", "顶！", "顶！"])]
    )
    assert answers == [None] * 4


def test_window_expiry():
    index = NearDuplicateIndex(window_seconds=3600.0)
    text = normalize(ORIGINAL)
    assert index.check_and_add("a", text, 0.0) is None
    assert index.check_and_add("b", text + "顶", 3599.0) == "a"
    # an hour after "a", "a" has left the window; "b" is still in it and knows its original
    assert index.check_and_add("c", text + "顶顶", 3600.5) == "a"
    assert len(index) == 2
    # while a copy is in the window the chain goes on; an hour without one, a new chain starts
    assert index.check_and_add("d", text, 3599.0 + 3600.5) == "a"
    assert index.check_and_add("e", text, 3599.0 + 3600.5 + 3600.0 + 1.0) is None
    assert len(index) == 1
    assert index.expire(100_000.0) == 1
    assert len(index) == 0
    assert index.check_and_add("f", text, 100_001.0) is None
    assert index.expire(100_001.0) == 0


def test_chains_collapse_onto_the_original():
    rng = random.Random(11)
    a = random_post(rng, 60)
    b = a[:54] + random_post(rng, 6)  # A with its tail rewritten
    c = random_post(rng, 6) + b[6:]  # B with its head rewritten
    assert jaccard(a, b) >= 0.7 and jaccard(b, c) >= 0.7 and jaccard(a, c) < 0.7
    index = NearDuplicateIndex()
    assert index.check_and_add_many([("A", a, 1.0), ("B", b, 2.0)]) == [None, "A"]
    assert index.check_and_add("C", c, 3.0) == "A"
    # and a post similar to two chains is answered with the earlier original
    x = random_post(rng, 60)
    index.check_and_add("X", x, 4.0)
    assert index.check_and_add("Y", x[:30] + a[30:], 5.0) in (None, "A", "X")
    assert index.check_and_add("Z", a[:58] + x[58:], 6.0) == "A"


def test_batch_answers_equal_one_by_one_answers():
    posts = stream(3000)
    one_by_one = NearDuplicateIndex(window_seconds=86400.0)
    expected = [one_by_one.check_and_add(*post) for post in posts]
    assert sum(answer is not None for answer in expected) > 800
    for size in (7, 100, 1000, 3000):
        batched = NearDuplicateIndex(window_seconds=86400.0)
        answers: list[str | None] = []
        for start in range(0, len(posts), size):
            answers.extend(batched.check_and_add_many(posts[start : start + size]))
        assert answers == expected, size
        assert len(batched) == len(one_by_one)


def test_copies_answer_with_their_source_in_a_stream():
    posts = stream(3000, seed=5)
    index = NearDuplicateIndex()
    answers = index.check_and_add_many(posts)
    texts = {key: text for key, text, _ in posts}
    for (_key, text, _t), answer in zip(posts, answers, strict=True):
        if answer is not None:
            assert jaccard(text, texts[answer]) > 0.2  # the original, or the head of a chain


def test_long_texts_are_compared_on_a_sample():
    rng = random.Random(2)
    article = random_post(rng, 3000)
    index = NearDuplicateIndex()
    assert index.check_and_add("article", article, 0.0) is None
    assert index.check_and_add("reprint", "转载：" + edit(article, rng, 30), 1.0) == "article"
    assert index.check_and_add("other", random_post(rng, 3000), 2.0) is None


def test_memory_stays_under_a_kilobyte_per_post_and_shrinks_after_expiry():
    rng = random.Random(9)
    index = NearDuplicateIndex(window_seconds=1000.0)
    posts = [(f"weibo:{i:09d}", random_post(rng, rng.randint(20, 140)), i * 0.01) for i in range(30_000)]
    for start in range(0, len(posts), 1000):
        index.check_and_add_many(posts[start : start + 1000])
        held = index.memory_bytes() - index.fixed_bytes()
        assert held <= 1024 * len(index)
    before = index.memory_bytes() - index.fixed_bytes()
    index.expire(posts[-1][2] + 999.5)  # most of the window goes
    assert len(index) < 100
    after = index.memory_bytes() - index.fixed_bytes()
    assert after < before / 10


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError):
        NearDuplicateIndex(threshold=0)
    with pytest.raises(ValueError):
        NearDuplicateIndex(window_seconds=0)
    with pytest.raises(ValueError):
        NearDuplicateIndex(bands=0)
    index = NearDuplicateIndex()
    assert index.check_and_add_many([]) == []
    with pytest.raises(ValueError):
        index.check_and_add("a", normalize(ORIGINAL), float("nan"))
    assert len(index) == 0  # nothing was taken


# ---- Redis ---------------------------------------------------------------------------------------


@pytest.fixture
def redis_client():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url("redis://127.0.0.1:6379/12", socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    yield client
    client.close()


@pytest.fixture
def prefix(redis_client):
    name = f"gk-test-dedupe-{uuid.uuid4().hex}"
    yield name
    RedisNearDuplicateIndex(redis_client, prefix=name).clear()


def test_redis_index_is_shared_by_two_workers(redis_client, prefix):
    first = RedisNearDuplicateIndex(redis_client, prefix=prefix)
    second = RedisNearDuplicateIndex(redis_client, prefix=prefix)
    text = normalize(ORIGINAL)
    assert first.check_and_add("weibo:1", text, 0.0) is None
    assert second.check_and_add_many(
        [
            ("weibo:2", normalize("转发微博//@江城观察:" + ORIGINAL), 5.0),
            ("weibo:3", "完全不同的另一条微博内容在这里", 6.0),
        ]
    ) == ["weibo:1", None]
    assert first.check_and_add("weibo:4", text + "顶", 7.0) == "weibo:1"
    assert len(first) == len(second) == 4


def test_redis_index_answers_like_the_local_index(redis_client, prefix):
    # two days of posts through a 12-hour window: several time slices live and retired, buckets
    # filled across batches and workers, chains
    posts = stream(4000, seed=13, span=2 * 86400.0)
    local = NearDuplicateIndex(window_seconds=43200.0)
    workers = [RedisNearDuplicateIndex(redis_client, prefix=prefix, window_seconds=43200.0) for _ in range(2)]
    expected: list[str | None] = []
    answers: list[str | None] = []
    for start in range(0, len(posts), 100):
        batch = posts[start : start + 100]
        expected.extend(local.check_and_add_many(batch))
        answers.extend(workers[(start // 100) % 2].check_and_add_many(batch))
    assert answers == expected
    assert sum(answer is not None for answer in answers) > 1000
    assert len(workers[0]) == len(local)
    assert workers[1].expire(posts[-1][2] + 43200.0 - 1.0) == local.expire(posts[-1][2] + 43200.0 - 1.0)
    assert len(workers[0]) == len(local) > 0


def test_redis_index_window_and_cleanup(redis_client, prefix):
    index = RedisNearDuplicateIndex(redis_client, prefix=prefix, window_seconds=3600.0)
    text = normalize(ORIGINAL)
    assert index.check_and_add("a", text, 0.0) is None
    assert index.check_and_add("b", text + "顶", 3599.0) == "a"
    assert index.check_and_add("c", text + "顶顶", 3600.5) == "a"
    assert len(index) == 2
    assert index.expire(100_000.0) == 2
    assert len(index) == 0
    assert index.check_and_add("d", text, 100_001.0) is None
    keys = list(redis_client.scan_iter(match="{" + prefix + "}:*"))
    assert keys and all(redis_client.pttl(k) > 0 for k in keys)  # everything expires on its own too
    assert index.clear() == len(keys)
    assert list(redis_client.scan_iter(match="{" + prefix + "}:*")) == []


def test_redis_buckets_fill_across_batches(redis_client, prefix):
    """A copy in a later batch joins the original's buckets (they hold bucket_size posts each)."""
    index = RedisNearDuplicateIndex(redis_client, prefix=prefix, window_seconds=3600.0)
    text = normalize(ORIGINAL)
    assert index.check_and_add("a", text, 0.0) is None
    assert index.check_and_add("b", text, 1.0) == "a"
    assert index.check_and_add("c", text, 2.0) == "a"
    slices = [name.decode() for name in redis_client.hkeys(index.prefix + "sb")]
    band_keys = index._hasher.batch([text]).band_keys & 0xFFFFFFFFFFFF
    for band in band_keys.tolist():
        field = band.to_bytes(6, "big")
        held = b"".join(redis_client.hget(index.prefix + "b:" + s, field) or b"" for s in slices)
        assert [int.from_bytes(held[i : i + 6], "big") for i in range(0, len(held), 6)] == [0, 1]


# --- the compiled exact-Jaccard step (``_dedupe_core``) against numpy's -----------------------------


def _compiled_built() -> bool:
    from gongkai.opinion.analysis import dedupe

    return dedupe._dedupe_core is not None


compiled_only = pytest.mark.skipif(not _compiled_built(), reason="_dedupe_core is not built")


@compiled_only
def test_the_compiled_jaccard_equals_numpys_on_sampled_and_wrapped_sets():
    import numpy as np

    from gongkai.opinion.analysis.dedupe import (
        _FULL,
        MAX_STORED,
        _jaccard_compiled,
        _jaccard_with_batch,
        shingle_sets,
    )

    rng = random.Random(4)
    texts = [random_post(rng, rng.choice([3, 40, 120, 400, 900])) for _ in range(60)]
    texts += [edit(text, rng, 3) for text in texts[:30]]
    values, counts, cutoffs = shingle_sets(texts)
    starts = np.cumsum(counts) - counts
    tagged = (np.repeat(np.arange(counts.size, dtype=np.uint32), counts) << np.uint32(16)) | values
    # the stored sets in a ring that wraps: set k starts at offsets[k] modulo the ring's size
    size = int(counts.sum()) + 17
    ring = np.zeros(size, dtype=np.uint16)
    offsets = (np.cumsum(counts) - counts + size - 500) % size
    for k in range(counts.size):
        ring[(offsets[k] + np.arange(counts[k])) % size] = values[starts[k] : starts[k] + counts[k]]
    pairs = [(a, b) for a in range(counts.size) for b in range(counts.size) if rng.random() < 0.3]
    posts = np.array([a for a, _b in pairs], dtype=np.int64)
    stored = np.array([b for _a, b in pairs], dtype=np.int64)
    pair_cutoffs = np.minimum(cutoffs[posts], cutoffs[stored])
    assert (pair_cutoffs < _FULL).any() and (counts == MAX_STORED).any()
    arguments = (tagged, starts, counts, posts, ring, offsets[stored], counts[stored], pair_cutoffs)
    expected = _jaccard_with_batch(*arguments)
    assert (expected >= 0.7).sum() > 20 and ((expected > 0) & (expected < 0.7)).sum() > 20
    assert np.array_equal(_jaccard_compiled(*arguments), expected)


@compiled_only
def test_the_compiled_index_answers_like_the_numpy_one():
    rng = random.Random(3)
    posts = stream(4000, seed=11, span=2 * 86400.0)
    posts += [
        (f"long{i}", normalize(edit(random_post(rng, 1500), rng, 5)), 2 * 86400.0 + i) for i in range(5)
    ]
    for size in (9, 700, 5000):
        compiled = NearDuplicateIndex(window_seconds=40000.0)
        numpy_only = NearDuplicateIndex(window_seconds=40000.0, compiled=False)
        assert compiled._jaccard is not numpy_only._jaccard
        for start in range(0, len(posts), size):
            chunk = posts[start : start + size]
            assert compiled.check_and_add_many(chunk) == numpy_only.check_and_add_many(chunk), (size, start)
