"""Rumor candidates (疑似谣言): cheap heuristics that flag posts for an analyst, not a verdict.

A post is scored from marker phrases found in its (normalized: simplified, lower-case) text, all in one
Aho–Corasick pass:

=================  ======  =====================================================================
group              weight  examples
=================  ======  =====================================================================
hearsay            +0.35   网传 听说 据说 有人说 朋友圈都在传 群里都在说 内部消息 小道消息 知情人
spread             +0.25   紧急扩散 转发告知 速转 扩散周知 互相转告 告诉家人 赶紧转发
doubt              +0.25   是真的吗 真的假的 求证 求辟谣 是谣言吗 有没有人知道
claim              +0.30   disasters (地震 决堤 爆炸 泄漏 污染 疫情 投毒 塌方 火灾 死鱼 …),
                           closures (停水 停电 封路 封城 停课 停运 关闭 封控 …), price changes (涨价 上调
                           取消补贴 收费 …), deaths (死亡 身亡 遇难 死了 出人命 …), arrests and seizures
alarm              +0.10   震惊 千万不要 注意了 速看 马上删 必看
source             −0.30   官方 通报 公告 新闻发布会 据新华社 记者 市政府 应急管理局 公安局 发布
clarification      −0.60   辟谣 系谣言 不实 经核实 谣言止于智者 (a clarification is not a rumor)
=================  ======  =====================================================================

Each group counts once. ``rumor_score`` is the sum clipped to [0, 1]; ``is_rumor_candidate`` is
``score >= 0.5``, which takes, e.g., hearsay + claim (网传明天全市停水), spread + claim + alarm
(紧急扩散！化工厂爆炸了), doubt + claim (明天停水是真的吗), but not hearsay alone (听说这家店好吃), a
claim alone (昌邑区一仓库发生火灾), or a sourced report (市应急管理局通报：……火灾).
Exaggeration idioms that contain a claim word (笑死、累死、热死、气死、价格屠夫 …) are masked first.

Limits, honestly: these are surface markers. Negation (没有停水), irony, rumors phrased as plain
statements with no marker (明天全市停水), and markers quoted inside a real clarification that does not
use a clarification word all fool it; a sourced-sounding fake (据官方消息) lowers the score. Recall
on rumors that carry a hearsay, spread or doubt marker is good; precision is moderate on purpose —
the result only puts a post in front of an analyst, who links the rumor to its clarification.
"""

from __future__ import annotations

import ahocorasick

__all__ = ["CANDIDATE_THRESHOLD", "GROUPS", "is_rumor_candidate", "rumor_score", "rumor_signals"]

CANDIDATE_THRESHOLD = 0.5

GROUPS: dict[str, tuple[float, tuple[str, ...]]] = {
    "hearsay": (
        0.35,
        (
            "网传",
            "网上传",
            "网上都在传",
            "听说",
            "据说",
            "有人说",
            "听人说",
            "朋友圈都在传",
            "朋友圈疯传",
            "朋友圈在传",
            "群里都在说",
            "群里都在传",
            "群里说",
            "都在传",
            "疯传",
            "内部消息",
            "小道消息",
            "知情人",
            "知情人士",
            "有网友爆料",
            "网友爆料",
            "刚刚得到消息",
            "内部人士",
            "据传",
            "传言",
            "传闻",
        ),
    ),
    "spread": (
        0.25,
        (
            "紧急扩散",
            "转发告知",
            "速转",
            "扩散周知",
            "互相转告",
            "相互转告",
            "告诉家人",
            "赶紧转发",
            "请转发",
            "求扩散",
            "帮忙扩散",
            "转给家人",
            "扩散出去",
            "紧急通知",
        ),
    ),
    "doubt": (
        0.25,
        (
            "是真的吗",
            "真的假的",
            "真的吗",
            "是不是真的",
            "求证",
            "求辟谣",
            "求官方辟谣",
            "是谣言吗",
            "有没有人知道",
            "谁知道",
            "有官方消息吗",
            "靠谱吗",
        ),
    ),
    "claim": (
        0.30,
        (
            # disasters and accidents
            "地震",
            "洪水",
            "决堤",
            "溃坝",
            "爆炸",
            "泄漏",
            "泄露",
            "污染",
            "有毒",
            "投毒",
            "中毒",
            "疫情",
            "传染",
            "病毒",
            "塌方",
            "坍塌",
            "塌了",
            "火灾",
            "着火",
            "大火",
            "死鱼",
            "辐射",
            "放射",
            # closures and suspensions
            "停水",
            "停电",
            "停气",
            "停暖",
            "封路",
            "封城",
            "封控",
            "封闭",
            "停课",
            "停运",
            "停航",
            "停工",
            "关闭",
            "倒闭",
            "跑路",
            "限行",
            "戒严",
            # prices, fees and money
            "涨价",
            "上调",
            "大涨",
            "取消补贴",
            "取消医保",
            "收费",
            "罚款",
            "降价",
            "抢购",
            # deaths and casualties, crime
            "死亡",
            "身亡",
            "遇难",
            "丧生",
            "死了",
            "出人命",
            "去世",
            "伤亡",
            "人贩子",
            "拐卖",
            "抢孩子",
            "被抓",
            "抓走",
        ),
    ),
    "alarm": (
        0.10,
        ("震惊", "千万不要", "千万别", "注意了", "速看", "马上删", "必看", "紧急", "重磅"),
    ),
    "source": (
        -0.30,
        (
            "官方",
            "通报",
            "公告",
            "新闻发布会",
            "发布会",
            "据新华社",
            "新华社",
            "人民日报",
            "央视",
            "日报",
            "记者",
            "市政府",
            "区政府",
            "应急管理局",
            "公安局",
            "生态环境局",
            "发布",
            "官网",
            "官微",
        ),
    ),
    "clarification": (
        -0.60,
        (
            "辟谣",
            "系谣言",
            "是谣言",
            "纯属谣言",
            "不实",
            "经核实",
            "谣言止于智者",
            "不信谣",
            "不传谣",
            "造谣",
        ),
    ),
}

# Idioms that contain a claim word without claiming anything: masked before the claims are counted.
_IDIOMS = (
    "笑死",
    "累死",
    "热死",
    "冷死",
    "气死",
    "饿死",
    "困死",
    "烦死",
    "吓死",
    "美死",
    "急死",
    "忙死",
    "死了都",
    "爱死",
    "价格屠夫",
    "信息污染",
    "噪音污染",
    "光污染",
)

# "求辟谣" asks for a clarification (doubt) and must not count as one; "是谣言吗" likewise.
_NOT_CLARIFICATION = ("求辟谣", "求官方辟谣", "是谣言吗")


def _build() -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    entries: dict[str, list[str]] = {}
    for group, (_weight, phrases) in GROUPS.items():
        for phrase in phrases:
            entries.setdefault(phrase, []).append(group)
    for phrase in _IDIOMS:
        entries.setdefault(phrase, []).append("idiom")
    for phrase in _NOT_CLARIFICATION:
        entries.setdefault(phrase, []).append("not_clarification")
    for phrase, groups in entries.items():
        automaton.add_word(phrase, (len(phrase), tuple(groups)))
    automaton.make_automaton()
    return automaton


_AUTOMATON = _build()
_WEIGHTS = {group: weight for group, (weight, _phrases) in GROUPS.items()}


def rumor_signals(text: str) -> dict[str, list[str]]:
    """The marker phrases found in ``text``, by group (for explaining a score to an analyst)."""
    found: list[tuple[int, int, str, tuple[str, ...]]] = []
    for end, (length, groups) in _AUTOMATON.iter(text):
        found.append((end - length + 1, end, text[end - length + 1 : end + 1], groups))
    masked: list[tuple[int, int]] = [(s, e) for s, e, _p, g in found if "idiom" in g]
    asked: list[tuple[int, int]] = [(s, e) for s, e, _p, g in found if "not_clarification" in g]

    def inside(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
        return any(s <= end and start <= e for s, e in spans)

    out: dict[str, list[str]] = {}
    for start, end, phrase, groups in found:
        for group in groups:
            if group in ("idiom", "not_clarification"):
                continue
            if group == "claim" and inside(start, end, masked):
                continue
            if group == "clarification" and inside(start, end, asked):
                continue
            if phrase not in out.setdefault(group, []):
                out[group].append(phrase)
    return out


def rumor_score(text: str) -> float:
    """The rumor-candidate score of ``text`` in [0, 1]; see the module docstring for the rules."""
    if not text:
        return 0.0
    groups: set[str] = set()
    for _end, (_length, hit) in _AUTOMATON.iter(text):
        groups.update(hit)
    if not groups:
        return 0.0
    if "idiom" in groups or "not_clarification" in groups:  # rare: needs the positions
        groups = set(rumor_signals(text))
    score = sum([_WEIGHTS[group] for group in groups])
    return min(1.0, max(0.0, round(score, 6)))


def is_rumor_candidate(text: str) -> bool:
    """True when ``rumor_score(text) >= 0.5``."""
    return rumor_score(text) >= CANDIDATE_THRESHOLD
