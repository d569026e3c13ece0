"""Incremental clustering of posts into events: grouping, separation, retirement, persistence."""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from typing import Any

import pytest

from gongkai.opinion.analysis.events import STOP_WORDS, EventClusterer, bench_events, first_sentence, terms

DAY = 86400.0

WATER = [
    "松花江水质出现异常，江边能闻到一股刺鼻的味道",
    "今天去松花江边散步，发现江水颜色发黄，水质是不是出问题了",
    "松花江上游有化工厂排污？江水有异味，自来水还能喝吗",
    "听说松花江水质检测超标了，家里的自来水不敢喝了",
    "松花江江面漂着死鱼，水质污染得厉害，环保部门管不管",
    "自来水有一股怪味，是不是松花江水源被污染了",
    "松花江水源地水质怎么样，有没有官方的检测数据",
    "超市的矿泉水都被抢光了，大家都担心松花江水质",
    "松花江水质污染的消息传得很快，自来水公司赶紧出来说明一下",
    "江边的死鱼越来越多，松花江水质到底出了什么事",
    "市生态环境局说松花江水质监测正常，江水异味正在排查",
    "松花江下游的村民说江水发臭，洗衣服都不敢用",
    "自来水公司回应：松花江取水口水质达标，自来水可以放心饮用",
    "松花江边钓鱼的人说最近江水浑浊，鱼都死了不少",
    "希望环保部门公布松花江水质检测结果，让市民放心",
    "松花江污染是真的吗？家里老人不敢用自来水做饭了",
    "水质监测站的数据显示松花江部分断面氨氮超标",
    "松花江的水怎么变成黄色了，还有一股化学品的味道",
    "我们小区的自来水发浑，跟松花江水质有关系吗",
    "松花江水质问题已经好几天了，什么时候能有个说法",
    "化工厂偷排废水导致松花江污染，要严查",
    "松花江沿岸的居民都在囤水，水质的事情越传越多",
    "松花江江水异味来源查到了吗，环保部门给个说法",
    "拍到松花江上一片白色泡沫，水质肯定有问题",
    "松花江水质检测报告什么时候发布，市民等着看",
    "饮用水安全不能马虎，松花江水源保护要加强",
    "松花江死鱼事件，环保部门已经派人采样检测水质",
    "江水浑浊有异味，松花江水质让人担心",
    "松花江水质恶化，自来水厂有没有加强净化处理",
    "松花江边的排污口还在往江里排黑水",
]

HEATING = [
    "今年供热温度太低了，家里暖气摸着都是凉的",
    "交了取暖费暖气还不热，室温才十四度，供热公司管不管",
    "供热公司的热线一直打不通，暖气不热找谁",
    "家里暖气片上热下凉，是不是管道堵了，供热公司什么时候来修",
    "室温不达标能不能退取暖费，供热太差了",
    "老人孩子在家冻得受不了，暖气一点都不热",
    "供热季开始了，我家的暖气还是冰凉的",
    "楼上暖气热，楼下暖气不热，供热公司说是正常的",
    "室内温度只有十五度，穿着羽绒服在家，供热不达标",
    "供热管网维修，整个小区暖气停了两天",
    "暖气不热投诉了三次，供热公司一直没人上门",
    "今年的取暖费涨了，暖气反而不如去年热",
    "供热公司上门测温，室温十六度，说达标了，可是家里很冷",
    "暖气漏水了，找供热公司报修，等了一天还没来",
    "供热不好，家里只能开电暖器，电费又贵",
    "供热公司能不能把温度再调高一点，暖气太凉了",
    "供热站锅炉坏了，附近几个小区都没有暖气",
    "暖气片放水以后还是不热，供热公司说管线压力不够",
    "这个冬天太冷了，暖气温度上不去，供热公司给个说法",
    "室温低于十八度可以申请退取暖费吗",
    "我们单元的暖气一直不热，物业说找供热公司，供热公司说找物业",
    "供热热线说会派人来测温，已经过了一周了",
    "暖气阀门打开了也不热，是不是供热公司在省钱",
    "小区换热站故障，暖气停了，晚上冻得睡不着",
    "取暖费交了两千多，暖气还是凉的，太气人了",
    "供热公司回复说正在排查管网，暖气很快就能热起来",
    "暖气管道老化，供热改造什么时候能轮到我们小区",
    "家里暖气忽冷忽热，供热一点都不稳定",
    "供热投诉太多了，希望供热公司重视",
    "暖气片烫手的是别人家，我家的暖气一直温乎",
]


def _stream(seed: int) -> list[tuple[str, str, float, list[int]]]:
    labelled = [("water", text) for text in WATER] + [("heating", text) for text in HEATING]
    random.Random(seed).shuffle(labelled)
    return [
        (f"{label}:{i}", text, 1_700_000_000.0 + 60.0 * i, []) for i, (label, text) in enumerate(labelled)
    ]


def _by_event(items, keys) -> dict[int, Counter]:
    groups: dict[int, Counter] = defaultdict(Counter)
    for (post_key, *_rest), event in zip(items, keys, strict=True):
        groups[event][post_key.split(":")[0]] += 1
    return groups


@pytest.mark.parametrize("seed", range(6))
def test_posts_about_one_matter_gather_in_few_pure_events(seed):
    items = _stream(seed)
    keys = EventClusterer().assign_many(items)
    groups = _by_event(items, keys)

    # no event mixes the two matters
    purity = sum(counts.most_common(1)[0][1] for counts in groups.values()) / len(items)
    assert purity == 1.0
    # few events: most posts of each matter sit in its largest event
    assert len(groups) <= 12
    for label in ("water", "heating"):
        largest = max(counts[label] for counts in groups.values())
        assert largest >= 15, (label, sorted(groups.values(), key=lambda c: -sum(c.values())))
    # and the posts that end elsewhere are mostly alone, not a second big group of strays
    singletons = sum(1 for counts in groups.values() if sum(counts.values()) == 1)
    assert singletons <= 6


def test_event_keys_are_increasing_ints_starting_at_one():
    clusterer = EventClusterer()
    first = clusterer.assign("a", "松花江水质出现异常", 0.0)
    second = clusterer.assign("b", "供热公司的暖气不热", 10.0)
    third = clusterer.assign("c", "松花江水质检测超标了，江水出现异常", 20.0)
    assert (first, second) == (1, 2)
    assert third == first


def test_snapshot_describes_each_event():
    clusterer = EventClusterer()
    items = _stream(1)
    clusterer.assign_many(items)
    states = clusterer.snapshot()
    assert sum(state.size for state in states) == len(items)
    biggest = max(states, key=lambda state: state.size)
    assert 1 <= len(biggest.top_terms) <= 5
    assert all(len(term) >= 2 and term not in STOP_WORDS for state in states for term in state.top_terms)
    assert ({"松花江", "水质"} <= set(biggest.top_terms)) or ({"供热", "暖气"} <= set(biggest.top_terms))
    assert biggest.label and len(biggest.label) <= 40
    assert biggest.representative.split(":")[0] in ("water", "heating")
    assert biggest.first_seen <= biggest.last_seen
    assert clusterer.states([biggest.key, 999_999]) == [biggest]


def test_events_idle_longer_than_the_window_are_retired():
    clusterer = EventClusterer(window_seconds=3 * DAY)
    first = clusterer.assign("a", "松花江水质出现异常，江水有异味", 0.0)
    assert clusterer.assign("b", "松花江水质异常，江水异味很重", 2 * DAY) == first  # inside the window
    later = clusterer.assign("c", "松花江水质异常，江水有异味", 5.5 * DAY)  # 3.5 days after the last post
    assert later != first
    assert [state.key for state in clusterer.snapshot()] == [later]
    retired = clusterer.pop_retired()
    assert [(state.key, state.size) for state in retired] == [(first, 2)]
    assert clusterer.pop_retired() == []


def test_retire_before_retires_without_a_new_post():
    clusterer = EventClusterer(window_seconds=DAY)
    clusterer.assign("a", "供热公司的暖气不热", 0.0)
    clusterer.retire_before(2 * DAY)
    assert clusterer.snapshot() == []


def test_memory_is_bounded_by_max_events_least_recently_active_first():
    clusterer = EventClusterer(max_events=3)
    texts = [
        "松花江水质异常",
        "供热公司暖气不热",
        "丰满区道路坑洼积水",
        "昌邑区菜市场涨价",
        "船营区公交车晚点",
    ]
    keys = [clusterer.assign(f"p{i}", text, float(i)) for i, text in enumerate(texts[:3])]
    clusterer.assign("again", "松花江水质异常，江水有异味", 3.0)  # the first event is active again
    clusterer.assign("p3", texts[3], 4.0)
    clusterer.assign("p4", texts[4], 5.0)
    live = [state.key for state in clusterer.snapshot()]
    assert len(live) == 3
    assert keys[0] in live and keys[1] not in live and keys[2] not in live


def test_dump_and_load_give_the_same_assignments():
    items = _stream(3)
    rng = random.Random(5)
    more = [(f"x{i}", rng.choice(WATER + HEATING), 1_700_010_000.0 + i, []) for i in range(40)]
    original = EventClusterer()
    original.assign_many(items[:35])
    saved = json.loads(json.dumps(original.dump()))  # what the app stores is JSON

    restored = EventClusterer()
    restored.load(saved)
    assert restored.snapshot() == original.snapshot()
    rest = items[35:] + more
    assert restored.assign_many(rest) == original.assign_many(rest)
    assert restored.snapshot() == original.snapshot()


def test_load_refuses_something_else():
    with pytest.raises(ValueError):
        EventClusterer().load({"version": 99})


def test_shared_topic_adds_a_bonus():
    text_a = "松花江水质出现异常，江边能闻到一股刺鼻的味道"
    text_b = "今天去江边散步，看到很多人在钓鱼，风景很好"  # shares one word: similarity ≈ 0.17
    plain = EventClusterer()
    a = plain.assign("a", text_a, 0.0)
    assert plain.assign("b", text_b, 1.0) != a
    with_topic = EventClusterer()  # + 0.10 reaches the bar of a one-post event (0.21)
    a = with_topic.assign("a", text_a, 0.0, [7])
    assert with_topic.assign("b", text_b, 1.0, [7]) == a
    assert with_topic.snapshot()[0].topics == [7]


def test_posts_without_usable_words_do_not_break_anything():
    clusterer = EventClusterer()
    first = clusterer.assign("a", "", 0.0)
    second = clusterer.assign("b", "的 了 吗 ！！！ 123", 1.0)
    assert first != second
    assert clusterer.assign("c", "松花江水质异常", 2.0) not in (first, second)


def test_long_articles_keep_their_heaviest_words_only():
    clusterer = EventClusterer(max_post_terms=10)
    article = "，".join(WATER)
    clusterer.assign("a", article, 0.0)
    (state,) = clusterer.snapshot()
    assert len(clusterer.dump()["events"][0]["vec"]) == 10
    assert state.size == 1


def test_caller_may_pass_its_segmentation():
    with_words = EventClusterer()
    plain = EventClusterer()
    items = _stream(2)
    keys_words = [with_words.assign(k, t, ts, tp, words=terms(t)) for k, t, ts, tp in items]
    assert keys_words == plain.assign_many(items)


def test_terms_and_first_sentence():
    words = terms("松花江水质出现异常，我们都很担心的")
    assert "松花江" in words and "水质" in words
    assert "我们" not in words and "的" not in words
    assert first_sentence("！松花江水质出现异常。市民担心") == "松花江水质出现异常"
    assert first_sentence("网传要停水72小时 :scream: 转发 :url: 。后面") == "网传要停水72小时 转发"
    assert len(first_sentence("很" * 100)) == 40


def test_bench_events_reports_posts_per_second():
    assert bench_events(500) > 0
    assert bench_events(500, cpu=True) > 0


def test_dump_and_load_are_exact_under_pruning_and_eviction():
    from gongkai.opinion.analysis.events import _synthetic_posts

    posts = _synthetic_posts(3000, 200, seed=3)
    options = {"max_events": 60, "max_postings": 6, "top_k": 6, "max_candidates": 5}
    original = EventClusterer(**options)
    original.assign_many(posts[:1500])
    restored = EventClusterer(**options)
    restored.load(json.loads(json.dumps(original.dump())))
    assert restored.assign_many(posts[1500:]) == original.assign_many(posts[1500:])
    assert restored.dump() == original.dump()
    assert len(original) <= 60
    assert all(len(keys) <= 9 for _term, keys in original.dump()["index"])  # 6 × 1.5


def test_a_copy_joins_its_originals_event_without_being_matched():
    clusterer = EventClusterer()
    water = clusterer.assign("w", WATER[0], 0.0, [3])
    heating = clusterer.assign("h", HEATING[0], 1.0)
    before = clusterer.dump()
    # a copy that, matched on its own words, would go elsewhere: it follows its original
    copy = clusterer.assign("c", HEATING[1], 2.0, [5], duplicate_of="w")
    assert copy == water != heating
    after = clusterer.dump()
    event = next(e for e in after["events"] if e["key"] == water)
    old = next(e for e in before["events"] if e["key"] == water)
    assert event["size"] == 2 and event["last_seen"] == 2.0
    assert event["vec"] == old["vec"] and event["norm2"] == old["norm2"]  # the centroid is unchanged
    assert after["df"] == before["df"] and after["n_docs"] == before["n_docs"]  # words not counted again
    assert dict(event["topics"]) == {3: 1, 5: 1}
    assert event["rep_key"] == "w"  # a copy never becomes the representative
    assert clusterer.states([water])[0].size == 2


def test_a_copy_of_an_unknown_or_retired_post_is_matched_as_usual():
    clusterer = EventClusterer(window_seconds=100.0, max_recent_posts=2)
    first = clusterer.assign("a", WATER[0], 0.0)
    # unknown original: matched on its words (it is about the water, so it joins the water event)
    assert clusterer.assign("b", WATER[1], 1.0, duplicate_of="nobody") == first
    clusterer.assign("c", HEATING[0], 2.0)
    clusterer.assign("d", HEATING[1], 3.0)  # "a" falls out of the 2 recent posts
    assert "a" not in dict(clusterer.dump()["recent"])
    # original retired with its event: the copy is matched and starts a new event
    late = clusterer.assign("e", WATER[2], 1000.0, duplicate_of="d")
    assert late not in (first,)
    assert clusterer.assign_many([("f", WATER[3], 1001.0, [], "e")]) == [late]


def test_dump_and_load_keep_the_posts_copies_can_join():
    clusterer = EventClusterer()
    keys = clusterer.assign_many(_stream(2))
    restored = EventClusterer()
    restored.load(json.loads(json.dumps(clusterer.dump())))
    first_key = _stream(2)[0][0]
    copy = ("copy", HEATING[5], 1_700_004_000.0, [], first_key)
    assert restored.assign_many([copy]) == clusterer.assign_many([copy]) == [keys[0]]
    # a dump made before this existed (no "recent") still loads: copies are then matched
    old = clusterer.dump()
    del old["recent"]
    EventClusterer().load(old)


# --- the compiled path (``_events_core``) against the Python one ------------------------------------

compiled_only = pytest.mark.skipif(
    EventClusterer()._core is None, reason="gongkai.opinion.analysis._events_core is not built"
)


def _varied_posts(n: int, seed: int) -> list[tuple[Any, ...]]:
    """Generated posts with topics, long articles (more than ``max_post_terms`` words), posts
    without usable words, words passed by the caller and copies of recent posts."""
    from gongkai.opinion.analysis.events import _synthetic_posts

    rng = random.Random(seed)
    base = _synthetic_posts(n, 150, seed=seed)
    items: list[tuple[Any, ...]] = []
    for i, (key, text, stamp, _topics) in enumerate(base):
        roll = rng.random()
        if roll < 0.08:  # a long article: several posts in one
            text = "。".join([text] + [other[1] for other in rng.sample(base, 4)])
        elif roll < 0.1:
            text = rng.choice(["哈哈哈", "！！！", "12345 :joy:", ""])
        topics = rng.sample(range(1, 9), rng.randint(1, 2)) if rng.random() < 0.5 else []
        stamp = stamp * 40.0  # a few posts' worth of days: events expire
        if i and rng.random() < 0.15:
            items.append((key, text, stamp, topics, items[rng.randrange(max(0, i - 50), i)][0]))
        else:
            items.append((key, text, stamp, topics))
    return items


def _run(clusterer: EventClusterer, items: list[tuple[Any, ...]], with_words: bool) -> list[int]:
    out = []
    for item in items:
        words = terms(item[1]) if with_words and len(item) == 4 else None
        duplicate_of = item[4] if len(item) > 4 else None
        out.append(clusterer.assign(*item[:4], words=words, duplicate_of=duplicate_of))
    return out


@compiled_only
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"max_events": 40, "max_postings": 5, "top_k": 6, "max_candidates": 4, "max_post_terms": 8},
        {"threshold": 0.2, "topic_bonus": 0.0, "young_discount": 0.0, "df_halving_posts": 300},
    ],
)
@pytest.mark.parametrize("with_words", [False, True])
def test_the_compiled_path_gives_the_python_paths_events_bit_for_bit(options, with_words):
    items = _varied_posts(2500, seed=11)
    python = EventClusterer(compiled=False, **options)
    compiled = EventClusterer(**options)
    assert python._core is None and compiled._core is not None
    assert _run(compiled, items, with_words) == _run(python, items, with_words)
    # every float of the state, the posting lists' order, the document frequencies
    assert compiled.dump() == python.dump()
    assert compiled.snapshot() == python.snapshot()
    assert compiled.pop_retired() == python.pop_retired()


@compiled_only
def test_the_compiled_path_continues_a_python_paths_dump_identically():
    items = _varied_posts(1200, seed=5)
    python = EventClusterer(compiled=False)
    python.assign_many(items[:600])
    compiled = EventClusterer()
    compiled.load(json.loads(json.dumps(python.dump())))
    assert compiled.assign_many(items[600:]) == python.assign_many(items[600:])
    assert compiled.dump() == python.dump()
