"""Opinion monitor: posts per second analysed on one core and stored to PostgreSQL, each beside the
limit measured in the same run on the same posts.

The stream (``stream(n, seed)``) is generated deterministically: ~100-character Weibo-like posts
about a dozen Jilin City matters (the grammar of ``bench/opinion_dedupe.py``: places, roads,
compounds, times, numbers, personal remarks and reactions), a fifth of them near-duplicates of a
recent post (reposts with ``//@user:`` chains, emoji, edits, traditional or full-width copies,
appended comments; popular posts get more copies), with authors, followers, verification,
reposts / comments / likes and a place for a third of them. 200 monitoring topics of real rules
over the stream's words (a topic per matter, per matter and district, and per road or landmark with
NEAR and exclusions, ``topics()``) and a list of ~150 sensitive words (``SENSITIVE``).

1. **Analysis on one core** (a child process pinned to one CPU with ``os.sched_setaffinity``, no
   Django): ``Pipeline.process`` (normalize, dedupe, topics and sensitive words, places,
   sentiment, rumor, events, hotness — the stages that are installed) over batches of 5,000 after
   a warm-up of two batches. Beside it the **limit**, on the same posts in the same process: what
   any analysis has to do at least, ``json.loads`` of each batch as a vendor sends it (UTF-8 JSON
   of the ingest API's body) plus ``rjieba.cut`` of each text. **The figure is CPU time**
   (``time.process_time``): the machine is shared, and wall time counts other processes' turns on
   the core; wall time is reported as well (``….wall``). A breakdown per stage is printed
   (``# opinion: stage … µs/post``): stateful stages (dedupe, events, hotness) timed inside the
   run, stateless ones replayed on the same inputs; with ``BENCH_OPINION_PROFILE=1``, or when the
   pipeline misses 10,000 posts/s, the top functions of a cProfile run follow.
2. **Stored to PostgreSQL** (a child with Django on a database of its own, ``gk_bench_opinion``,
   created and dropped; no Redis, so the dedupe window is the process's own): the 200 topics and
   the sensitive words are saved as rows, then ``services.ingest_posts`` in batches of 5,000 (the
   production path: this process's pipeline, ``INSERT … ON CONFLICT DO NOTHING`` of the posts,
   their topics, duplicate links and events, one transaction per batch), after one warm-up batch.
   Wall time (the database works in other processes). Beside it, in the same run, the **limit**:
   the same rows (read back from ``opinion_post``) written into a bare table of the same columns
   (primary key only) with ``COPY``, and with ``executemany`` of one INSERT per row, one
   transaction per 5,000. Also: a resent batch (``ingest.resend``: every post skipped) and the
   share of ingest spent in the pipeline.

Sentiment (``bench/opinion_sentiment.py``) and near-duplicate (``bench/opinion_dedupe.py``)
figures come from their own groups. Figures: see docs/benchmarks.md, section "Opinion".

Environment: ``BENCH_OPINION_POSTS`` (analysis: timed posts, default 30,000), ``BENCH_OPINION_STORE_POSTS``
(stored: timed posts, default 20,000), ``BENCH_OPINION_BATCH`` (5,000), ``BENCH_OPINION_PG`` (server
URL without database, default ``postgres://postgres@127.0.0.1:5432``), ``BENCH_OPINION_PROFILE=1``.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.harness import pg_admin, run_child

PG_SERVER = os.environ.get("BENCH_OPINION_PG", "postgres://postgres@127.0.0.1:5432")
PG_DATABASE = "gk_bench_opinion"
SECRET_KEY = "gongkai-bench-opinion-not-a-secret-0123456789abcdef"  # noqa: S105 - bench only
POSTS = int(os.environ.get("BENCH_OPINION_POSTS", "30000"))
STORE_POSTS = int(os.environ.get("BENCH_OPINION_STORE_POSTS", "20000"))
BATCH = int(os.environ.get("BENCH_OPINION_BATCH", "5000"))
PROFILE = os.environ.get("BENCH_OPINION_PROFILE", "") not in ("", "0")
TARGET_ANALYSED = 10_000
TARGET_STORED = 5_000
SEED = 20140102
SOURCE = "vendor-bench"
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
START = datetime.datetime(2026, 6, 1, 6, 0, tzinfo=BEIJING)

# --- The stream ---------------------------------------------------------------------------------

# Words of each matter of the grammar (bench/opinion_dedupe.py), for the topics' rules.
MATTER_WORDS: dict[str, list[str]] = {
    "暴雨": ["积水", "暴雨", "大雨", "被淹", "进水", "预警", "下穿桥", "涵洞", "熄火"],
    "停水": ["停水", "水压", "自来水管", "主管道", "管网维修", "接水", "买水", "水厂"],
    "供暖": ["暖气", "供暖", "不热", "供热公司", "热力公司", "换热站", "冻得"],
    "交通": ["堵车", "修路", "施工", "封路", "车祸", "追尾", "公交", "改线", "停运"],
    "雾凇": ["雾凇", "冰雪节", "雾凇节", "人山人海", "游客", "门票", "一票难求"],
    "物价": ["涨到", "猪肉", "白菜", "鸡蛋", "涨了一倍", "贵了不少", "退休金"],
    "物业": ["物业", "物业费", "停车费", "电梯", "门禁", "乱收费", "楼道灯"],
    "环保": ["刺鼻", "难闻", "化工厂", "污水厂", "扬尘", "油烟", "噪音", "死鱼", "油污"],
    "教育": ["学区划分", "入学政策", "招生计划", "补课", "作业", "家长", "上学"],
    "医疗": ["挂号", "急诊", "医保", "报销", "异地就医", "看急诊", "慢病"],
    "就业": ["招聘会", "公招", "欠薪", "拖欠工资", "讨薪", "劳动监察", "岗位"],
    "谣言": ["网传", "听说", "爆炸", "泄漏", "封城", "被污染", "囤货", "抢购"],
}

SENSITIVE = (
    "爆炸 泄漏 死亡 身亡 遇难 伤亡 封城 讨薪 维权 上访 信访 集会 罢工 游行 拆迁 强拆 腐败 贪污 受贿 行贿 "
    "黑幕 打人 殴打 暴力执法 隐瞒 瞒报 谎报 中毒 食物中毒 自杀 跳楼 塌方 坍塌 火灾 着火 起火 事故 重大事故 "
    "群体事件 聚集 堵路 静坐 举报 包庇 失职 渎职 不作为 乱作为 乱收费 乱罚款 吃拿卡要 官商勾结 保护伞 黑社会 "
    "涉黑 涉恶 非法集资 传销 诈骗 电信诈骗 跑路 暴雷 爆雷 挤兑 欠薪 拖欠工资 停产 裁员 倒闭 毒奶粉 地沟油 "
    "假疫苗 问题疫苗 医疗事故 医闹 伤医 校园霸凌 猥亵 性侵 拐卖 人贩子 失踪 溺水 踩踏 爆燃 化工泄漏 "
    "水污染 空气污染 偷排 超标排放 死鱼 癌症村 辐射 核泄漏 疫情 传染 隔离 封控 断水断电 停水停电 暴雨成灾 "
    "决堤 溃坝 洪水 泥石流 地震 冰雹 冻死 冻伤 煤气中毒 一氧化碳 燃气爆炸 电梯事故 困人 高空坠物 豆腐渣 "
    "烂尾楼 烂尾 断供 退房 维稳 舆情 网暴 人肉 造谣 谣言 辟谣 不实信息 散布谣言 恐慌 抢购 囤货 哄抬物价 "
    "天价 宰客 欺诈 霸王条款 校园贷 套路贷 高利贷 暴力催收 黑车 酒驾 醉驾 肇事逃逸 飙车 闯红灯 碰瓷"
).split()


def _grammar() -> Any:
    """The dedupe bench's grammar (one place for the city's words; imported, not copied)."""
    from bench import opinion_dedupe

    return opinion_dedupe


def _short(district: str) -> str:
    return district[:-1] if len(district) > 2 else district


def topics(seed: int = SEED) -> dict[int, str]:
    """200 monitoring topics of real rules over the stream's words, ``{topic id: rule}``.

    12 per matter, 132 per matter and district, 56 per road or landmark (NEAR, quoted phrases,
    exclusions): the shapes analysts write (docs/opinion-topics.md).
    """
    grammar = _grammar()
    rng = random.Random(seed)
    rules: list[str] = []
    for words in MATTER_WORDS.values():
        rules.append(f"({' OR '.join(words[:5])}) NOT (演练 OR 演习)")
    for words in MATTER_WORDS.values():
        for district in grammar._DISTRICTS:
            picked = rng.sample(words, 4)
            rules.append(f"({' OR '.join(picked)}) AND ({district} OR {_short(district)}) -演练")
    matters = list(MATTER_WORDS.values())
    while len(rules) < 200:
        words = rng.choice(matters)
        if len(rules) % 2:
            roads = rng.sample(grammar._ROADS, 2)
            rules.append(f"({roads[0]} OR {roads[1]}) NEAR/12 ({' OR '.join(rng.sample(words, 3))})")
        else:
            place = rng.choice(grammar._PLACES + grammar._COMPOUNDS)
            rules.append(f'"{place}" AND ({" OR ".join(rng.sample(words, 3))}) -"谣言" -辟谣')
    return dict(enumerate(rules[:200], start=1))


def _original(rng: random.Random, grammar: Any) -> str:
    """A post of 70–140 characters (about 100) about one matter."""
    matter = rng.choice(list(grammar._MATTERS))
    templates = grammar._MATTERS[matter]
    target = rng.randint(66, 104)
    parts = [grammar._expand(rng.choice(templates), rng)]
    if rng.random() < 0.6:
        parts.insert(0, grammar._expand(rng.choice(grammar._PERSONAL), rng))
    while len("，".join(parts)) < target:
        pool = templates if rng.random() < 0.5 else grammar._REACTIONS
        parts.append(grammar._expand(rng.choice(pool), rng))
    text = "，".join(parts)[:138] + rng.choice(["。", "！", "！！", "？", "…"])
    return f"#{matter}#{text}" if rng.random() < 0.3 else text


def stream(n: int, seed: int = SEED, *, copies: float = 0.2, hours: float = 12.0) -> list[dict[str, Any]]:
    """``n`` posts as a vendor sends them (the ingest API's items), in time order over ``hours``.

    A post is a near-duplicate of an earlier one with probability ``copies``: the copied post is
    one of the last 3,000, popular ones (Pareto weights) more often, and a copy may copy a copy.
    """
    import opencc

    grammar = _grammar()
    s2t = opencc.OpenCC("s2t")
    rng = random.Random(seed)
    step = hours * 3600.0 / max(1, n)
    texts: list[str] = []
    weights: list[float] = []
    posts: list[dict[str, Any]] = []
    for i in range(n):
        if texts and rng.random() < copies:
            low = max(0, len(texts) - 3000)
            parent = rng.choices(range(low, len(texts)), weights=weights[low:], k=1)[0]
            text, _kind = grammar._copy(texts[parent], rng, s2t)
            text = text[:480]
            weights[parent] += 1.0
            weight = 0.5
        else:
            text = _original(rng, grammar)
            weight = rng.paretovariate(1.2)
        texts.append(text)
        weights.append(weight)
        when = START + datetime.timedelta(seconds=i * step + rng.uniform(0, step))
        followers = int(rng.paretovariate(0.9) * 50)
        post: dict[str, Any] = {
            "external_id": f"{seed}-{i}",
            "text": text,
            "published_at": when.isoformat(),
            "author": rng.choice(grammar._USERS) if rng.random() < 0.3 else f"用户{rng.randint(1, 10**7)}",
            "author_id": str(rng.randint(10**9, 10**10)),
            "followers": min(followers, 50_000_000),
            "verified": rng.random() < 0.05,
            "reposts": int(rng.paretovariate(1.5)) - 1,
            "comments": int(rng.paretovariate(1.5)) - 1,
            "likes": int(rng.paretovariate(1.1) * 2) - 2,
            "url": f"https://weibo.com/{rng.randint(10**9, 10**10)}/{seed}{i}",
        }
        if rng.random() < 0.33:
            post["place"] = rng.choice(["吉林 吉林市", "吉林省吉林市", *grammar._DISTRICTS])
        posts.append(post)
    return posts


def raw_posts(items: list[dict[str, Any]], source: str = SOURCE) -> list[Any]:
    """The items as the pipeline's ``RawPost`` (what ``validation.raw_post_parse`` makes of them)."""
    from gongkai.opinion.analysis.types import RawPost

    return [
        RawPost(
            source=source,
            external_id=item["external_id"],
            text=item["text"],
            published_at=datetime.datetime.fromisoformat(item["published_at"]),
            url=item["url"],
            author=item["author"],
            author_id=item["author_id"],
            followers=item["followers"],
            verified=item["verified"],
            reposts=item["reposts"],
            comments=item["comments"],
            likes=item["likes"],
            place=item.get("place", ""),
        )
        for item in items
    ]


def batches(values: list[Any], size: int = BATCH) -> list[list[Any]]:
    return [values[start : start + size] for start in range(0, len(values), size)]


# --- Child output -------------------------------------------------------------------------------


def emit(name: str, value: float, unit: str) -> None:
    print("REPORT " + json.dumps([name, value, unit]), flush=True)


def note(text: str) -> None:
    print(f"# opinion: {text}", flush=True)


# --- 1. Analysis on one core --------------------------------------------------------------------


def _pin() -> str:
    """Pin this process to one CPU (the last it may use); says which."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpus[-1]})
        return f"pinned to CPU {cpus[-1]} of {len(cpus)}"
    except (AttributeError, OSError) as exc:
        return f"not pinned ({exc})"


class _Timed:
    """A stage object whose batch method is timed (CPU); other attributes pass through."""

    def __init__(self, inner: Any, method: str, spent: dict[str, float], name: str) -> None:
        self._inner, self._method, self._spent, self._name = inner, method, spent, name

    def __getattr__(self, attribute: str) -> Any:
        value = getattr(self._inner, attribute)
        if attribute != self._method:
            return value

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return value(*args, **kwargs)
            finally:
                self._spent[self._name] = self._spent.get(self._name, 0.0) + time.process_time() - started

        return timed


def _stage_breakdown(make_pipeline: Callable[[], Any], warm: list[list[Any]], timed: list[list[Any]]) -> dict:
    """CPU µs per post of each stage, on a fresh pipeline fed the same batches.

    Stateful batch stages (dedupe, events, hotness) and the batch ones (topics, sentiment) are
    timed inside ``process``; the per-text stages (normalize, fingerprint, sensitive words,
    places, rumor) are replayed afterwards on the same inputs (they keep no state), and what is
    left of ``process`` is the pipeline's own work (``glue``)."""
    from gongkai.opinion.pipeline import post_text

    pipeline = make_pipeline()
    for batch in warm:
        pipeline.process(batch)
    spent: dict[str, float] = {}
    for attribute, method, name in (
        ("dedupe", "check_and_add_many", "dedupe"),
        ("topic_matcher", "match_many", "topics"),
        ("sentiment", "predict_many", "sentiment"),
        ("clusterer", "assign_many", "events"),
    ):
        inner = getattr(pipeline, attribute)
        if inner is not None:
            setattr(pipeline, attribute, _Timed(inner, method, spent, name))
    count_for_hotness = pipeline._count_for_hotness

    def hotness(*args: Any) -> None:
        started = time.process_time()
        count_for_hotness(*args)
        spent["hotness"] = spent.get("hotness", 0.0) + time.process_time() - started

    if pipeline.hotness is not None:
        pipeline._count_for_hotness = hotness
    total = 0.0
    n = sum(len(batch) for batch in timed)
    for batch in timed:
        started = time.process_time()
        pipeline.process(batch)
        total += time.process_time() - started

    # the per-text stages, replayed on the same inputs
    posts = [post for batch in timed for post in batch]

    def replay(name: str, function: Callable[[], Any]) -> None:
        started = time.process_time()
        function()
        spent[name] = time.process_time() - started

    texts = [pipeline.normalize(post_text(post)) for post in posts]
    per_batch = [list(dict.fromkeys(texts[start : start + len(b)])) for start, b in _offsets(timed)]
    distinct = [text for chunk in per_batch for text in chunk]
    replay("normalize", lambda: [pipeline.normalize(post_text(post)) for post in posts])
    replay("fingerprint", lambda: [pipeline.fingerprint(text) for text in texts])
    if pipeline.keyword_finder is not None:
        find = pipeline.keyword_finder.find
        replay("sensitive", lambda: [find(text) for text in distinct])
    if pipeline.tagger is not None:
        tag = pipeline.tagger.tag
        replay(
            "places", lambda: [tag(text, place=post.place) for text, post in zip(texts, posts, strict=True)]
        )
    if pipeline.is_rumor_candidate is not None:
        check = pipeline.is_rumor_candidate
        replay("rumor", lambda: [check(text) for text in distinct])
    stages = {name: seconds / n * 1e6 for name, seconds in spent.items()}
    stages["glue"] = max(0.0, total / n * 1e6 - sum(stages.values()))
    stages["total"] = total / n * 1e6
    stages["distinct_share"] = len(distinct) / n
    return stages


def _offsets(groups: list[list[Any]]) -> list[tuple[int, list[Any]]]:
    out, start = [], 0
    for group in groups:
        out.append((start, group))
        start += len(group)
    return out


def _profile(
    make_pipeline: Callable[[], Any], warm: list[list[Any]], timed: list[list[Any]], us_per_post: float
) -> None:
    """cProfile of ``process`` over the timed batches: the top functions by own time, as notes.

    The profiler's clock is its default (wall time on the pinned core: a CPU-time clock costs a
    system call per event and would swamp the figures); each function's share of the profiled
    total is scaled to the pipeline's measured CPU µs/post."""
    import cProfile
    import pstats

    pipeline = make_pipeline()
    for batch in warm:
        pipeline.process(batch)
    n = sum(len(batch) for batch in timed)
    profiler = cProfile.Profile()
    profiler.enable()
    for batch in timed:
        pipeline.process(batch)
    profiler.disable()
    stats = pstats.Stats(profiler)
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in table.values()) or 1.0
    rows = sorted(table.items(), key=lambda item: item[1][2], reverse=True)[:15]
    note(
        f"cProfile of process() over {n} posts: top functions by own time (share × {us_per_post:.0f} µs/post):"
    )
    for (filename, line, function), (_cc, calls, own, cumulative, _callers) in rows:
        where = filename.split("/gongkai/", 1)[-1] if "/gongkai/" in filename else os.path.basename(filename)
        note(
            f"  {own / total * us_per_post:5.1f} µs/post own, {cumulative / total * us_per_post:5.1f} with callees, "
            f"{calls / n:6.1f} calls/post  {function} ({where}:{line})"
        )


def child_analyse() -> None:
    import gc

    import rjieba

    from gongkai.opinion.pipeline import Pipeline

    pinned = _pin()
    rules = topics()
    warm_n = 2 * BATCH
    generated = time.perf_counter()
    items = stream(warm_n + POSTS)
    note(
        f"stream of {len(items)} posts generated in {time.perf_counter() - generated:.1f} s; {pinned}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    posts = raw_posts(items)
    warm = batches(posts[:warm_n])
    timed = batches(posts[warm_n:])
    bodies = [json.dumps({"posts": chunk}, ensure_ascii=False).encode() for chunk in batches(items[warm_n:])]
    n = len(posts) - warm_n
    emit("opinion.stream.posts", n, "posts")
    emit("opinion.stream.chars_per_post", sum(len(item["text"]) for item in items[warm_n:]) / n, "chars")
    emit("opinion.stream.json_bytes_per_post", sum(len(body) for body in bodies) / n, "B")

    def make_pipeline() -> Any:
        return Pipeline(topics=rules, sensitive_words=SENSITIVE)

    built = time.process_time()
    pipeline = make_pipeline()
    emit("opinion.pipeline.build_s", time.process_time() - built, "s")
    note(
        f"stages that run: {', '.join(pipeline.stages)}; {len(rules)} topics, {len(SENSITIVE)} sensitive words"
    )
    missing = [stage for stage in ("normalize", "dedupe", "rules", "sentiment", "events", "hotness")
               if stage not in pipeline.stages]  # fmt: skip
    if missing:
        note(f"NOT in this run (module or model missing): {', '.join(missing)}")
    for batch in warm:
        pipeline.process(batch)

    # the limit: JSON parsing of the vendor's body plus rjieba segmentation, same posts, same process
    cut = rjieba.cut
    gc.collect()
    cpu = wall = json_cpu = 0.0
    for body in bodies:
        c0, w0 = time.process_time(), time.perf_counter()
        parsed = json.loads(body)
        c1 = time.process_time()
        for item in parsed["posts"]:
            cut(item["text"])
        cpu += time.process_time() - c0
        wall += time.perf_counter() - w0
        json_cpu += c1 - c0
    limit = n / cpu
    emit("opinion.limit.posts_per_s", limit, "posts/s")
    emit("opinion.limit.posts_per_s.wall", n / wall, "posts/s")
    emit("opinion.limit.json_us_per_post", json_cpu / n * 1e6, "us")
    emit("opinion.limit.rjieba_us_per_post", (cpu - json_cpu) / n * 1e6, "us")

    # the pipeline
    gc.collect()
    cpu = wall = 0.0
    duplicates = events = topical = 0
    for batch in timed:
        c0, w0 = time.process_time(), time.perf_counter()
        results = pipeline.process(batch)
        cpu += time.process_time() - c0
        wall += time.perf_counter() - w0
        duplicates += sum(result.duplicate_of is not None for result in results)
        topical += sum(bool(result.topics) for result in results)
        events += sum(result.event_key is not None for result in results)
    rate = n / cpu
    emit("opinion.pipeline.posts_per_s", rate, "posts/s")
    emit("opinion.pipeline.posts_per_s.wall", n / wall, "posts/s")
    emit("opinion.pipeline.us_per_post", cpu / n * 1e6, "us")
    emit("opinion.pipeline.share_of_limit", rate / limit, "ratio")
    emit("opinion.pipeline.duplicates_found", duplicates, "posts")
    emit("opinion.pipeline.posts_with_topic", topical, "posts")
    emit("opinion.pipeline.posts_in_events", events, "posts")
    live = getattr(pipeline.clusterer, "snapshot", None)
    if callable(live):
        emit("opinion.pipeline.live_events", len(live()), "events")
    note(
        f"target >= {TARGET_ANALYSED} posts/s of CPU on one core: {'met' if rate >= TARGET_ANALYSED else 'MISSED'}"
    )

    stages = _stage_breakdown(make_pipeline, warm, timed)
    share = stages.pop("distinct_share")
    total = stages.pop("total")
    note(f"stage breakdown, CPU µs/post ({total:.1f} in all; {share:.0%} of the posts are distinct texts):")
    for name, value in sorted(stages.items(), key=lambda item: -item[1]):
        note(f"stage {name:<11} {value:6.1f} µs/post")
        emit(f"opinion.stage.{name}.us_per_post", value, "us")
    if PROFILE or rate < TARGET_ANALYSED:
        _profile(make_pipeline, warm, timed[:2], cpu / n * 1e6)


# --- 2. Stored to PostgreSQL --------------------------------------------------------------------


def _cpu_of(pid: int) -> float | None:
    """CPU seconds (user + system) of a process of this machine, from /proc; None if unreadable."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _backend_pid(cursor: Any) -> int:
    cursor.execute("SELECT pg_backend_pid()")
    return int(cursor.fetchone()[0])


def _bare_rows(columns: list[str], kinds: list[str], first_pk: int) -> list[tuple[Any, ...]]:
    """The stored posts' rows (jsonb as text), as ingest wrote them."""
    from django.db import connection

    selected = ", ".join(
        f"{name}::text" if kind == "jsonb" else name for name, kind in zip(columns, kinds, strict=True)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {selected} FROM opinion_post WHERE id >= %s ORDER BY id", [first_pk])  # noqa: S608
        return list(cursor.fetchall())


def _bare_limits(rows: list[tuple[Any, ...]]) -> None:
    """The same rows into bare tables (primary key only): COPY, and executemany of one INSERT per row."""
    import psycopg
    from django.conf import settings

    from gongkai.opinion.services import POST_COLUMNS

    db = settings.DATABASES["default"]
    columns = [name for name, _kind in POST_COLUMNS]
    definition = ", ".join(f"{name} {kind}" for name, kind in POST_COLUMNS)
    n = len(rows)
    with psycopg.connect(
        host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"], password=db["PASSWORD"] or None,
        dbname=db["NAME"],
    ) as conn:  # fmt: skip
        for table in ("bench_bare_copy", "bench_bare_insert"):
            conn.execute(f"CREATE TABLE {table} (id bigserial PRIMARY KEY, {definition})")
        conn.commit()
        with conn.cursor() as cursor:
            backend = _backend_pid(cursor)
        backend0, cpu0 = _cpu_of(backend), time.process_time()
        started = time.perf_counter()
        for chunk in batches(rows):
            with (
                conn.cursor() as cursor,
                cursor.copy(f"COPY bench_bare_copy ({', '.join(columns)}) FROM STDIN") as copy,
            ):
                for row in chunk:
                    copy.write_row(row)
            conn.commit()
        emit("opinion.store.limit.copy_posts_per_s", n / (time.perf_counter() - started), "posts/s")
        backend1, cpu = _cpu_of(backend), time.process_time() - cpu0
        if backend0 is not None and backend1 is not None:
            emit("opinion.store.limit.copy_posts_per_cpu_s", n / (cpu + backend1 - backend0), "posts/s")
        values = ", ".join("%s::jsonb" if kind == "jsonb" else "%s" for _name, kind in POST_COLUMNS)
        sql = f"INSERT INTO bench_bare_insert ({', '.join(columns)}) VALUES ({values})"  # noqa: S608
        started = time.perf_counter()
        for chunk in batches(rows):
            with conn.cursor() as cursor:
                cursor.executemany(sql, chunk)
            conn.commit()
        emit("opinion.store.limit.executemany_posts_per_s", n / (time.perf_counter() - started), "posts/s")
        copied = conn.execute("SELECT count(*) FROM bench_bare_copy").fetchone()
        inserted = conn.execute("SELECT count(*) FROM bench_bare_insert").fetchone()
        if not copied or not inserted or copied[0] != n or inserted[0] != n:
            note(f"bare tables hold {copied} and {inserted} rows, not {n}")


STORE_STEPS = (
    "ingest_posts", "raw_post_check", "_stored_ids", "_analyse_and_store", "timed_process", "_store", "_store_posts", "_resolve_keys", "_event_ids",
    "_post_values", "_insert_posts", "_link_topics", "_link_batch_duplicates", "_update_events",
    "_create_events", "_add_to_events", "pipeline_save_state_if_due",
)  # fmt: skip


def _store_steps(source: Any, batch: list[Any]) -> None:
    """cProfile of one more ``ingest_posts`` batch: wall µs/post of each step of the service
    (``timed_process`` is the pipeline), as notes."""
    import cProfile
    import pstats

    from gongkai.opinion import services

    profiler = cProfile.Profile()
    profiler.enable()
    services.ingest_posts(source, batch)
    profiler.disable()
    table: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    found: dict[str, float] = {}
    for (filename, _line, function), (_cc, _calls, _own, cumulative, _callers) in table.items():
        if function in STORE_STEPS and "opinion" in filename:
            found[function] = found.get(function, 0.0) + cumulative
    n = len(batch)
    whole = found.get("ingest_posts") or 1.0
    note(
        f"ingest_posts, one batch of {n} under cProfile (wall, profiler overhead included): "
        "µs/post per step with what it calls, and its share of the whole"
    )
    for function in STORE_STEPS:
        if function in found:
            note(
                f"  store step {function:<26} {found[function] / n * 1e6:7.1f} µs/post "
                f"{found[function] / whole:6.1%}"
            )


def child_store(db: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from gongkai.opinion import pipeline as pipelines
    from gongkai.opinion import services
    from gongkai.opinion.models import Post, SensitiveWord, Source, SourceKind, Topic

    started = time.perf_counter()
    call_command("migrate", "opinion", verbosity=0)  # the opinion tables and what they depend on
    source = Source.objects.create(code=SOURCE, name="基准测试数据服务商", kind=SourceKind.VENDOR)
    Topic.objects.bulk_create(Topic(name=f"专题{pk}", rule=rule) for pk, rule in topics().items())
    SensitiveWord.objects.bulk_create(SensitiveWord(word=word) for word in dict.fromkeys(SENSITIVE))
    items = stream(2 * BATCH + STORE_POSTS)
    posts = raw_posts(items)
    note(
        f"{db}: migrated, 200 topics, {len(SENSITIVE)} sensitive words and {len(posts)} posts generated in "
        f"{time.perf_counter() - started:.1f} s; load average {os.getloadavg()[0]:.1f}; "
        f"{connection.vendor} {getattr(connection, 'pg_version', '')}"
    )
    warm, timed, profiled = posts[:BATCH], batches(posts[BATCH:-BATCH]), posts[-BATCH:]
    result = services.ingest_posts(source, warm)  # builds this process's pipeline, loads the rules
    if result.created != len(warm):
        note(f"warm-up batch: {result.created} of {len(warm)} stored, errors {result.errors[:3]}")
    first_pk = (Post.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1

    analysis = [0.0]
    with pipelines.worker_pipeline() as worker:
        note(f"{db}: worker pipeline slot {worker.slot}, stages: {', '.join(worker.stages)}, "
             f"{len(worker.topic_rules)} topics")  # fmt: skip
        process = worker.process

        def timed_process(batch: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return process(batch)
            finally:
                analysis[0] += time.perf_counter() - t0

        worker.process = timed_process  # type: ignore[method-assign]

    n = sum(len(batch) for batch in timed)
    created = events = 0
    with connection.cursor() as cursor:
        backend = _backend_pid(cursor)
    backend0 = _cpu_of(backend)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for batch in timed:
        result = services.ingest_posts(source, batch)
        created += result.created
        events += result.events_created
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    backend1 = _cpu_of(backend)
    rate = n / wall
    emit("opinion.store.posts", n, "posts")
    emit("opinion.store.posts_per_s", rate, "posts/s")
    emit("opinion.store.us_per_post", wall / n * 1e6, "us")
    emit("opinion.store.python_cpu_us_per_post", cpu / n * 1e6, "us")
    emit("opinion.store.pipeline_share", analysis[0] / wall, "ratio")
    with connection.cursor() as cursor:
        same = _backend_pid(cursor) == backend
    if backend0 is not None and backend1 is not None and same:
        server = backend1 - backend0
        emit("opinion.store.postgres_cpu_us_per_post", server / n * 1e6, "us")
        emit("opinion.store.posts_per_cpu_s", n / (cpu + server), "posts/s")
    else:
        note(f"{db}: the PostgreSQL backend's CPU time is not readable here")
    emit("opinion.store.events_created", events, "events")
    stored = Post.objects.filter(pk__gte=first_pk).count()
    emit("opinion.store.lost", n - stored, "posts")
    if created != n or stored != n:
        note(f"{db}: {created} created and {stored} stored of {n}")
    note(
        f"{db}: target >= {TARGET_STORED} posts/s stored: {'met' if rate >= TARGET_STORED else 'MISSED'} "
        f"(wall time; pipeline {analysis[0] / n * 1e6:.0f} µs/post of {wall / n * 1e6:.0f})"
    )

    again = timed[0]
    t0 = time.perf_counter()
    result = services.ingest_posts(source, again)
    emit("opinion.store.resend_posts_per_s", len(again) / (time.perf_counter() - t0), "posts/s")
    if result.created or result.duplicates_skipped != len(again):
        note(f"{db}: the resent batch created {result.created}, skipped {result.duplicates_skipped}")

    _store_steps(source, profiled)

    from gongkai.opinion.services import POST_COLUMNS

    rows = _bare_rows([name for name, _ in POST_COLUMNS], [kind for _, kind in POST_COLUMNS], first_pk)
    _bare_limits(rows)
    pipelines.worker_pipeline_reset(release=True)


# --- The group ----------------------------------------------------------------------------------


def run(report: Callable[[str, float, str], None]) -> None:
    from bench.harness import ROOT

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings_bench",
        "SECRET_KEY": SECRET_KEY,
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    env.pop("CELERY_BROKER_URL", None)
    run_child("bench.opinion", "analyse", env, report)
    problem = pg_admin(PG_SERVER, f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)") or pg_admin(
        PG_SERVER, f"CREATE DATABASE {PG_DATABASE}"
    )
    if problem:
        print(f"# opinion.pg skipped: PostgreSQL unreachable at {PG_SERVER} ({problem})", flush=True)
        return
    try:
        run_child("bench.opinion", "pg", {**env, "DATABASE_URL": f"{PG_SERVER}/{PG_DATABASE}"}, report)
    finally:
        pg_admin(PG_SERVER, f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        if sys.argv[2] == "analyse":
            child_analyse()
        else:
            child_store(sys.argv[2])
    else:
        from bench.__main__ import report as _report

        run(_report)
