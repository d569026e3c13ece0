"""Near-duplicate detection for the opinion pipeline: recall, precision, memory and rate.

A labelled stream of short Chinese posts (Weibo-like, 20–140 characters) is generated
deterministically (``generate(n, seed)``): original posts about a dozen Jilin City matters written
from a small grammar (choices, places, roads, times, numbers), and near-duplicates of them —
reposts with ``//@user:`` chains, mentions, 转发 markers, emoji and punctuation changes, a few
characters inserted / deleted / replaced, traditional-character copies, full-width copies, links
and appended comments — some made from an earlier copy rather than the original (chains). Every
post carries the key of its original, so the truth is known by construction.

The stream runs through ``normalize`` and ``NearDuplicateIndex.check_and_add_many`` in batches.
Figures:

* ``opinion.dedupe.recall`` — copies whose answer is a post of their own cluster;
* ``opinion.dedupe.precision`` — answers that are in the post's own cluster;
* ``opinion.dedupe.label_noise`` — wrong answers whose exact bigram Jaccard with the answer is
  nevertheless ≥ the threshold (distinct originals the grammar happened to make alike);
* ``opinion.dedupe.bytes_per_post`` — ``memory_bytes() / len(index)`` at the end of the stream
  (the window holds a day of it), checked against tracemalloc (``…bytes_per_post.tracemalloc``);
  ``…bytes_per_distinct_post`` the same on a stream without any copy (the worst case);
* ``opinion.dedupe.posts_per_s`` — ``check_and_add_many`` on normalized texts in batches of
  1,000, beside ``opinion.dedupe.baseline.exact_posts_per_s`` (fingerprint + set lookup, the
  exact-duplicate check every pipeline does anyway) and ``opinion.normalize.us_per_post``;
* ``opinion.dedupe.redis.posts_per_s`` — the shared index on the local Redis, when reachable.

``BENCH_DEDUPE_POSTS`` (default 100,000) sets the stream's size.
"""

from __future__ import annotations

import os
import random
import re
import time
import tracemalloc
from dataclasses import dataclass

_DISTRICTS = "船营区 昌邑区 龙潭区 丰满区 高新区 经开区 永吉县 蛟河市 桦甸市 舒兰市 磐石市".split()
_ROADS = (
    "解放路 重庆路 吉林大街 松江路 北京路 越山路 遵义路 长春路 珲春街 致和街 河南街 天津街 "
    "光华路 青岛街 黄河路 深圳街 长江路 滨江东路 滨江南路 新华街 东市场路 延安路 泰山路 "
    "江湾路 华山路 沈阳街 大连街 厦门街 松花江大桥 临江门大桥"
).split()
_PLACES = (
    "世纪广场 江南公园 北山公园 火车站 万达广场 东市场 市人民医院 市中心医院 第一中学 "
    "吉林北站 雾凇岛 松花湖 朱雀山 龙潭山 客运站 欧亚商都 财富广场 市图书馆 博物馆 "
    "体育中心 植物园 江城广场 北华大学 东北电力大学 化工学院 长途客运站 丰满大坝"
).split()
_COMPOUNDS = (
    "江湾小区 丰华小区 松江花园 北山家园 滨江花园 华山小区 天合小区 电力小区 铁路小区 "
    "东方家园 碧桂园 万科城 恒大绿洲 吉化宿舍 紫光苑 世纪名城 江畔人家 龙华园 春光小区"
).split()
_TIMES = (
    "早上七点 早上八点多 中午 下午三点 下午五点半 晚上九点 昨晚十点 凌晨两点 凌晨四点 "
    "今天上午 今天下午 刚才 半小时前 一大早 昨天傍晚 周末"
).split()
_USERS = (
    "吉林发布 江城观察 吉林新闻网 吉林市交警 老吉林人 松花江畔 雾凇小王 江城小李 吉林吃货 "
    "北山晨练 船营小张 龙潭老刘 丰满二姐 昌邑大叔 吉林生活圈 江城热线 桦甸阿强 蛟河小美"
).split()
_EMOJI = "😂 😭 😡 👍 🙏 ❤️ 😱 🤔 😤 👏 🔥 💪 😅 🙄 😢 🌹 [哈哈] [怒] [泪] [赞] [doge] [允悲] [吃瓜]".split()

_MATTERS: dict[str, list[str]] = {
    "暴雨": [
        "<district><road>{积水|水}{已经|都}{没过|淹到}{膝盖|小腿|腰}了，{车|公交|出租车}{都开不过去|全趴窝了|只能绕行}",
        "<time>{暴雨|大雨|雷阵雨}{下了|持续了}<n>个小时，<compound>{地下车库|一楼|门口}{进水了|全淹了|成了河}",
        "<road>{下穿桥|涵洞|桥洞}{又|再次}{积水|被淹}，{已经|目前}有<n>辆车{熄火|被困}",
        "{气象台|市气象局}发布{暴雨橙色预警|暴雨红色预警|雷电黄色预警}，<district>{部分学校|中小学}{停课|延迟到校}",
    ],
    "停水": [
        "<compound>{又|突然}停水了，{从|}<time>{到现在|一直没来}，{也没有|没看到}{通知|公告}",
        "<district>{因管网维修|自来水管爆裂|水厂检修}，<n>个小区{停水|水压不足}，{居民|大家}{只能|都去}{买水|接水}",
        "{听说|据说}<road>{主管道|自来水管}{爆了|破裂}，<district>{大面积|一大片}停水<n>小时",
    ],
    "供暖": [
        "<compound>{暖气|供暖}{不热|温度不够}，{屋里|家里}才<n>度，{老人孩子|全家人}{冻得睡不着|都感冒了}",
        "{打了|拨了}<n>次{热线|12345|供热公司电话}，<compound>的暖气{还是不热|没人来修|问题没解决}",
        "{供热公司|热力公司}{说|称}<district>{管网改造|换热站故障}，{预计|可能}<n>天{后|以后}恢复",
    ],
    "交通": [
        "<road>{堵|堵车|堵死了}，<time>{走了|开了}<n>分钟才{挪了|走了}{几百米|一公里|两个路口}",
        "<road>{修路|施工|封路}{快|已经}<n>个月了，{周边|附近}{商户|店铺}{生意|客流}{少了一半|受影响很大}",
        "<place>{附近|门口}{发生|出了}{车祸|追尾|事故}，<n>辆车{相撞|追尾}，{交警|警察}{已到场|正在处理}",
        "<n>路公交{改线|停运|减班}了，{住在|家在}<compound>的{老人|上班族|学生}{出行|上班|上学}{很不方便|太难了}",
    ],
    "雾凇": [
        "{今年|今天}<place>的雾凇{太美了|真漂亮|绝了}，{来了|拍了}<n>{次|张照片}{还没看够|都不想走}",
        "{雾凇节|冰雪节}{期间|这几天}<place>{人山人海|人太多了|挤爆了}，{停车|打车|排队}{要|得}<n>分钟",
        "{外地|南方}{朋友|游客}{说|都说}吉林{雾凇|冰雪}{名不虚传|值得一来|比照片还美}，<place>{门票|车位}{一票难求|紧张}",
    ],
    "物价": [
        "<place>{白菜|猪肉|鸡蛋|土豆}{涨到|卖到}<n>块{一斤|钱一斤}了，{比上周|比去年}{贵了不少|涨了一倍}",
        "{超市|菜市场}<n>块钱的{菜|东西}{现在|如今}{要|得}{翻倍|多花一半}，{退休金|工资}{不涨|没涨}",
    ],
    "物业": [
        "<compound>物业{不作为|乱收费|服务差}，{电梯|楼道灯|门禁}{坏了|坏了<n>天}{没人修|也不管}",
        "<compound>{物业费|停车费}{一下|突然}涨到<n>元，{业主|大家}{没开会|不同意|要求公示}",
    ],
    "环保": [
        "<district>{有一股|飘着}{刺鼻|难闻|臭}的味道，{从|}<time>{开始|一直}{没散|到现在}，{怀疑|是不是}{化工厂|污水厂}",
        "<road>{附近|边上}的{工地|烧烤摊|工厂}{扬尘|油烟|噪音}{严重|太大}，{投诉了|反映了}<n>次{没用|没结果}",
        "松花江<road>段{发现|漂着}{大量|很多}{死鱼|垃圾|油污}，{希望|请}{环保部门|有关部门}{查查|去看看}",
    ],
    "教育": [
        "<district>{学区划分|入学政策|招生计划}{又改了|公布了}，<compound>的孩子{要去|被划到}<n>公里外{上学|读书}",
        "{第一中学|北华大学附中|实验小学}{补课|收费|作业}{问题|太多}，{家长|孩子们}{压力|负担}{太大|很重}",
    ],
    "医疗": [
        "<place>{挂号|排队|看急诊}{等了|排了}<n>个小时，{医生|护士}{态度|服务}{很好|一般|太差}",
        "{医保|异地就医|慢病}{报销|结算}{又|还是}{麻烦|卡住了}，{跑了|去了}<n>趟{还没办完|都没办成}",
    ],
    "就业": [
        "{吉林市|<district>}{招聘会|公招|事业单位考试}{来了|开始报名}，<n>个{岗位|职位}{报名|竞争}{的人|人数}{太多|破千}",
        "{工厂|单位|公司}{欠薪|拖欠工资}<n>个月，{工人|员工}{讨薪|维权}{无门|没结果}，{求|希望}{劳动监察|有关部门}{帮忙|介入}",
    ],
    "谣言": [
        "{网传|有人说|听说}<district>{化工厂|加油站|仓库}{爆炸|着火|泄漏}，{死了|伤了}<n>个人，{是真的吗|求证实|有知道的吗}",
        "{网传|群里都在说}<district>{要封城|自来水被污染|要停电三天}，{吓得|大家}{赶紧|都去}{囤货|买水|抢购}",
    ],
}
_PERSONAL = [
    "我家就在附近",
    "今天上班迟到了半小时",
    "孩子学校也发了通知",
    "我妈说她年轻时也遇到过",
    "刚下班路过看到的",
    "{朋友|同事|邻居}{发|拍}给我的",
    "住了<n>年第一次遇到",
    "我也是刚听说",
    "一家老小都在家",
    "{早上|晚上}出门才发现",
    "我们单元已经有人去问了",
    "外卖都送不进来",
    "打电话给社区没人接",
    "{邻居|楼上|对门}大爷{说|讲}的",
    "{开车|骑车|坐公交}路过的时候看见",
]
_REACTIONS = [
    "希望有关部门尽快处理",
    "太离谱了",
    "这都第<n>次了",
    "有没有人管管",
    "大家出行注意安全",
    "心疼一线工作人员",
    "点赞",
    "求转发",
    "等一个官方回应",
    "{真的|实在}受不了了",
    "{辛苦|感谢}{环卫工人|消防员|交警|社区工作人员}",
    "不知道什么时候能好",
    "{呼吁|建议}{相关部门|政府}{重视|管管}",
    "{转给|@}{需要|有需要}的人",
    "{太|真}{吓人|可怕|气人}了",
    "{支持|期待}{整改|调查}",
    "已经{打了|拨打}12345",
    "吉林加油",
    "{求|等}{辟谣|官方说法}",
    "{大家|朋友们}{怎么看|有同感吗}",
    "{无语|服了}",
]
_COMMENTS = [
    "说得对",
    "同感",
    "太真实了",
    "顶",
    "转发扩散",
    "支持",
    "确实是这样",
    "我家那边也是",
    "坐等后续",
    "已转",
    "这也太过分了吧",
    "帮忙转发",
    "希望早日解决",
    "哈哈哈",
    "真的假的",
    "求官方回应",
    "关注",
    "加油",
    "离谱",
    "我也遇到过",
    "心疼",
    "扩散一下",
    "赞同楼上",
]
_INSERT_CHARS = "的了是在也就都还很太又啊吧呢吗哦真好人们这那"

_CHOICE = re.compile(r"\{([^{}]*)\}")


def _expand(template: str, rng: random.Random) -> str:
    text = template
    while "{" in text:
        text = _CHOICE.sub(lambda m: rng.choice(m.group(1).split("|")), text)
    for slot, pool in (
        ("<district>", _DISTRICTS),
        ("<road>", _ROADS),
        ("<place>", _PLACES),
        ("<compound>", _COMPOUNDS),
        ("<time>", _TIMES),
    ):
        while slot in text:
            text = text.replace(slot, rng.choice(pool), 1)
    while "<n>" in text:
        text = text.replace(
            "<n>", str(rng.choice([rng.randint(2, 9), rng.randint(10, 99), rng.randint(100, 999)])), 1
        )
    return text


def _original(rng: random.Random) -> str:
    while True:
        matter = rng.choice(list(_MATTERS))
        parts = [_expand(rng.choice(_MATTERS[matter]), rng)]
        if rng.random() < 0.5:
            parts.insert(0, _expand(rng.choice(_PERSONAL), rng))
        if rng.random() < 0.5:
            parts.append(_expand(rng.choice(_MATTERS[matter]), rng))
        parts.extend(_expand(rng.choice(_REACTIONS), rng) for _ in range(rng.randint(1, 2)))
        text = "，".join(parts) + rng.choice(["。", "！", "！！", "", "？", "…"])
        if rng.random() < 0.4:
            text = f"#{matter}#" + text
        if 20 <= len(text) <= 140:
            return text


def _edit(text: str, rng: random.Random, edits: int) -> str:
    chars = list(text)
    for _ in range(edits):
        i = rng.randrange(len(chars) + 1)
        op = rng.random()
        if op < 0.4 or len(chars) < 10:
            chars.insert(i, rng.choice(_INSERT_CHARS))
        elif op < 0.7:
            del chars[min(i, len(chars) - 1)]
        else:
            chars[min(i, len(chars) - 1)] = rng.choice(_INSERT_CHARS)
    return "".join(chars)


_FULLWIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}


def _copy(text: str, rng: random.Random, s2t) -> tuple[str, str]:
    """A near-duplicate of ``text`` and the kind of change."""
    kind = rng.choices(
        ["repost", "mention", "emoji", "punct", "edit", "traditional", "fullwidth", "link", "comment"],
        weights=[18, 8, 12, 10, 16, 8, 5, 5, 18],
    )[0]
    user = rng.choice(_USERS)
    if kind == "repost":
        text = rng.choice(["", "转发微博", rng.choice(_COMMENTS)]) + f"//@{user}:" + text
    elif kind == "mention":
        text = f"@{user} {text}" if rng.random() < 0.5 else f"{text} @{user}"
    elif kind == "emoji":
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(text) + 1)
            text = text[:i] + rng.choice(_EMOJI) + text[i:]
    elif kind == "punct":
        text = re.sub(
            r"[，。！？…]", lambda m: rng.choice(["，", "。", "！！", " ", "", "~", ",", "!"]), text
        )
    elif kind == "edit":
        text = _edit(text, rng, rng.randint(1, max(1, len(text) // 20)))
    elif kind == "traditional":
        text = s2t.convert(text)
    elif kind == "fullwidth":
        text = text.translate(_FULLWIDTH)
    elif kind == "link":
        link = "http://t.cn/" + "".join(rng.choice("ABCDEFGHJKabcdefhk0123456789") for _ in range(7))
        text = f"{text} {link}" if rng.random() < 0.7 else f"{text} 网页链接 {link}"
    else:  # an appended comment
        comment = rng.choice(_COMMENTS) + rng.choice(["", "！", "，" + rng.choice(_COMMENTS)])
        text = f"{text} {comment}" if rng.random() < 0.5 else f"{comment}//@{user}:{text}"
    if rng.random() < 0.25:  # and a second, small change
        text = rng.choice(_EMOJI) + text if rng.random() < 0.5 else _edit(text, rng, 1)
    return text, kind


@dataclass(slots=True)
class Post:
    key: str
    text: str
    timestamp: float
    cluster: str  # key of the original
    kind: str  # "original" or the change that made the copy


def generate(n: int, *, seed: int = 20261101, copies: float = 0.45, days: float = 3.0) -> list[Post]:
    """``n`` posts over ``days`` days, about ``copies`` of them near-duplicates, sorted by time.

    Copies follow their source by minutes to hours (always well within a day), a quarter of them
    copy an earlier copy (a chain) rather than the original.
    """
    import opencc

    s2t = opencc.OpenCC("s2t")
    rng = random.Random(seed)
    span = days * 86400.0
    posts: list[Post] = []
    n_orig = max(1, round(n * (1 - copies)))
    for i in range(n_orig):
        posts.append(Post(f"weibo:{i}", _original(rng), rng.uniform(0, span), f"weibo:{i}", "original"))
    # popular originals get many copies (a few go viral), most get none
    weights = [rng.paretovariate(1.2) for _ in range(n_orig)]
    sources = rng.choices(range(n_orig), weights=weights, k=n - n_orig)
    family: dict[int, list[Post]] = {}
    for j, src in enumerate(sources):
        base = posts[src]
        earlier = family.setdefault(src, [])
        parent = rng.choice(earlier) if earlier and rng.random() < 0.25 else base
        text, kind = _copy(parent.text, rng, s2t)
        delay = rng.expovariate(1 / 3600.0) % 43200.0 + 1.0
        post = Post(f"weibo:c{j}", text, parent.timestamp + delay, base.key, kind)
        earlier.append(post)
        posts.append(post)
    posts.sort(key=lambda p: p.timestamp)
    return posts


def _evaluate(
    posts: list[Post], answers: list[str | None]
) -> tuple[dict[str, float], list[tuple[Post, str]]]:
    """Recall and precision against the clusters, overall and by kind of copy."""
    cluster = {p.key: p.cluster for p in posts}
    true_pos = false_pos = false_neg = 0
    by_kind: dict[str, list[int]] = {}
    wrong: list[tuple[Post, str]] = []
    for post, answer in zip(posts, answers, strict=True):
        is_copy = post.kind != "original"
        if is_copy:
            hit = answer is not None and cluster[answer] == post.cluster
            by_kind.setdefault(post.kind, [0, 0])
            by_kind[post.kind][0] += int(hit)
            by_kind[post.kind][1] += 1
        if answer is not None:
            if is_copy and cluster[answer] == post.cluster:
                true_pos += 1
            else:
                false_pos += 1
                wrong.append((post, answer))
        elif is_copy:
            false_neg += 1
    figures = {
        "recall": true_pos / max(1, true_pos + false_neg),
        "precision": true_pos / max(1, true_pos + false_pos),
        "false_positives": float(false_pos),
    }
    for kind, (found, total) in sorted(by_kind.items()):
        figures[f"recall.{kind}"] = found / total
    return figures, wrong


def run(report) -> None:
    from gongkai.opinion.analysis.dedupe import NearDuplicateIndex, RedisNearDuplicateIndex, jaccard
    from gongkai.opinion.analysis.normalize import fingerprint, normalize

    n = int(os.environ.get("BENCH_DEDUPE_POSTS", "100000"))
    posts = generate(n)
    copies = sum(p.kind != "original" for p in posts)
    report("opinion.dedupe.posts", n, "posts")
    report("opinion.dedupe.copies", copies, "posts")
    report("opinion.dedupe.chars_per_post", sum(len(p.text) for p in posts) / n, "chars")

    started = time.perf_counter()
    texts = [normalize(p.text) for p in posts]
    report("opinion.normalize.us_per_post", (time.perf_counter() - started) / n * 1e6, "us")
    sixty = [t[:60] for t in texts[:20000] if len(t) >= 60]
    started = time.perf_counter()
    for text in sixty:
        normalize(text)
    report(
        "opinion.normalize.us_per_60_chars", (time.perf_counter() - started) / max(1, len(sixty)) * 1e6, "us"
    )

    # the baseline: what an exact-duplicate check costs (fingerprint + set lookup), same posts, same run
    started = time.perf_counter()
    seen: set[int] = set()
    exact = 0
    for text in texts:
        key = fingerprint(text)
        if key in seen:
            exact += 1
        else:
            seen.add(key)
    report("opinion.dedupe.baseline.exact_posts_per_s", n / (time.perf_counter() - started), "posts/s")
    report("opinion.dedupe.baseline.exact_found", exact, "posts")

    items = [(p.key, text, p.timestamp) for p, text in zip(posts, texts, strict=True)]
    index = NearDuplicateIndex()
    window_full_at = posts[0].timestamp + index.window_seconds
    answers: list[str | None] = []
    spent = 0.0
    per_post: list[float] = []
    for start in range(0, n, 1000):
        batch = items[start : start + 1000]
        t0 = time.perf_counter()
        answers.extend(index.check_and_add_many(batch))
        spent += time.perf_counter() - t0
        if batch[-1][2] >= window_full_at:
            per_post.append((index.memory_bytes() - index.fixed_bytes()) / len(index))
    report("opinion.dedupe.posts_per_s", n / spent, "posts/s")
    report("opinion.dedupe.us_per_post", spent / n * 1e6, "us")

    figures, wrong = _evaluate(posts, answers)
    for name, value in figures.items():
        report(
            f"opinion.dedupe.{name}",
            value,
            "ratio" if "." in name or name in ("recall", "precision") else "posts",
        )
    # A wrong answer is label noise when the post is in fact that similar (exact Jaccard ≥ threshold)
    # to an earlier post of the answer's cluster: two originals the grammar happened to write alike
    # and their copies (``label_noise``). A copy that joins a chain through such a post is answered
    # with that chain's original (``label_noise.chained``: similar to an earlier post the index had
    # answered with the same original). What remains is the index's own error.
    text_of = dict(zip((p.key for p in posts), texts, strict=True))
    members: dict[str, list[Post]] = {}
    chains: dict[str, list[Post]] = {}
    for p, answer in zip(posts, answers, strict=True):
        members.setdefault(p.cluster, []).append(p)
        chains.setdefault(answer or p.key, []).append(p)
    cluster_of = {p.key: p.cluster for p in posts}
    noise = chained = 0
    for post, answer in wrong:
        text = text_of[post.key]
        earlier = [m for m in members[cluster_of[answer]] if m.timestamp < post.timestamp][-300:]
        if any(jaccard(text, text_of[m.key]) >= index.threshold for m in earlier):
            noise += 1
            continue
        chain = [m for m in chains[answer] if m.timestamp < post.timestamp][-300:]
        chained += any(jaccard(text, text_of[m.key]) >= index.threshold for m in chain)
    report("opinion.dedupe.label_noise", noise, "posts")
    report("opinion.dedupe.label_noise.chained", chained, "posts")
    report("opinion.dedupe.own_errors", len(wrong) - noise - chained, "posts")

    report("opinion.dedupe.window_posts", len(index), "posts")
    report("opinion.dedupe.bytes_per_post", per_post[-1] if per_post else 0.0, "B")
    report("opinion.dedupe.bytes_per_post.max", max(per_post) if per_post else 0.0, "B")
    report("opinion.dedupe.fixed_bytes", index.fixed_bytes(), "B")

    # memory cross-checked with tracemalloc: a fresh index (own seed, so its permutation table is
    # allocated under tracing too, and fresh key strings) over the first 30,000 posts (one window)
    sample = items[:30000]
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    traced = NearDuplicateIndex(window_seconds=1e9, seed=20261101)
    for start in range(0, len(sample), 1000):
        fresh = [(key.encode().decode(), text, stamp) for key, text, stamp in sample[start : start + 1000]]
        traced.check_and_add_many(fresh)
        del fresh
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    fixed = traced.fixed_bytes()
    report("opinion.dedupe.bytes_per_post.tracemalloc", (held - fixed) / len(traced), "B")
    report("opinion.dedupe.bytes_per_post.reported", (traced.memory_bytes() - fixed) / len(traced), "B")
    del traced

    # the worst case for memory: a window of distinct posts only (every post owns its buckets and set)
    originals = [item for item, p in zip(items, posts, strict=True) if p.kind == "original"][:30000]
    distinct = NearDuplicateIndex(window_seconds=1e9)
    for start in range(0, len(originals), 1000):
        distinct.check_and_add_many(originals[start : start + 1000])
    report(
        "opinion.dedupe.bytes_per_distinct_post",
        (distinct.memory_bytes() - distinct.fixed_bytes()) / len(distinct),
        "B",
    )
    del distinct

    _redis(report, items[:20000], NearDuplicateIndex, RedisNearDuplicateIndex)


def _redis(report, items, local_class, redis_class) -> None:
    """The shared index on the local Redis: rate, memory, and the same answers as the local index."""
    try:
        import redis

        client = redis.Redis.from_url(os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"))
        client.ping()
    except Exception:  # noqa: BLE001 - no Redis, no figure
        print("# no Redis on 127.0.0.1:6379: opinion.dedupe.redis.* skipped", flush=True)
        return
    prefix = f"gk-bench-dedupe-{os.getpid()}"
    workers = [redis_class(client, prefix=prefix) for _ in range(2)]
    workers[0].clear()
    try:
        used_before = int(client.info("memory")["used_memory"])
        answers: list[str | None] = []
        started = time.perf_counter()
        for start in range(0, len(items), 1000):
            answers.extend(workers[(start // 1000) % 2].check_and_add_many(items[start : start + 1000]))
        spent = time.perf_counter() - started
        used = int(client.info("memory")["used_memory"]) - used_before
        local = local_class()
        expected: list[str | None] = []
        for start in range(0, len(items), 1000):
            expected.extend(local.check_and_add_many(items[start : start + 1000]))
        report("opinion.dedupe.redis.posts_per_s", len(items) / spent, "posts/s")
        report("opinion.dedupe.redis.bytes_per_post", used / max(1, len(workers[0])), "B")
        report("opinion.dedupe.redis.same_answers", float(answers == expected), "bool")
    finally:
        workers[0].clear()
