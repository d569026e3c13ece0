"""Chinese text helpers of the knowledge base and the routing model: words, key terms, bigrams.

Segmentation is rjieba (jieba's dictionary, HMM off), the same as the search component's word
layer. Everything here is pure and fast (tens of microseconds for an appeal), so the operator form
can call it on every keystroke.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import rjieba

#: Words that say nothing about the matter of an appeal (greetings, question words, fillers,
#: hotline boilerplate). Single characters are dropped anyway.
STOPWORDS = frozenset(
    """
    你好 您好 请问 问一下 想问 咨询 一下 我们 你们 他们 自己 这个 那个 这些 那些 这样 那样 这里
    那里 哪里 哪儿 什么 怎么 怎么办 怎样 如何 为什么 为何 是否 能否 可否 可以 能够 需要 应该
    已经 现在 目前 最近 一直 还是 还有 而且 但是 可是 因为 所以 如果 然后 就是 不是 没有 一个
    问题 反映 希望 要求 请求 麻烦 帮忙 帮助 解决 处理 相关 部门 有关 情况 谢谢 感谢 市民 来电
    来电人 本人 家里 我家 我们家 这边 那边 时候 时间 知道 告诉 联系 电话 热线 12345 的话 一些
    多少 几个 之后 之前 以后 以前 左右 非常 特别 比较 十分 很多 不能 不会 不要 不了 不到
    """.split()
)

_WORD_CHARS = re.compile(r"[\w\u3400-\u9fff]", re.UNICODE)
_DIGITS = re.compile(r"^[\d.]+$")
_DROP = re.compile(r"[\s\W_]+", re.UNICODE)


def normalize(text: str) -> str:
    """NFKC (full-width letters and digits to half-width), lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def words(text: str) -> list[str]:
    """rjieba words of ``text`` (2+ characters, no punctuation, no pure numbers, no stopwords).

    Used by the routing model's word features; module-level so that a pickled model refers to it
    by name (``gongkai.hotline.knowledge.text.words``) — don't move or rename it without
    retraining.
    """
    out = []
    for word in rjieba.cut(normalize(text)):
        word = word.strip()
        if len(word) < 2 or word in STOPWORDS or _DIGITS.match(word):
            continue
        if not _WORD_CHARS.search(word):
            continue
        out.append(word)
    return out


def key_terms(text: str, *, limit: int = 8) -> list[str]:
    """The terms of ``text`` worth searching for: distinct words, longest first, at most ``limit``.

    Longer words are more specific (供暖费 before 供暖), and the order is stable for equal lengths
    (first occurrence first).
    """
    seen: dict[str, int] = {}
    for position, word in enumerate(words(text)):
        seen.setdefault(word, position)
    ranked = sorted(seen, key=lambda word: (-len(word), seen[word]))
    return ranked[:limit]


@lru_cache(maxsize=4096)
def _bigrams_cached(text: str) -> frozenset[str]:
    compact = _DROP.sub("", normalize(text))
    if len(compact) < 2:
        return frozenset({compact}) if compact else frozenset()
    return frozenset(compact[i : i + 2] for i in range(len(compact) - 1))


def bigrams(text: str) -> frozenset[str]:
    """The set of adjacent character pairs of ``text`` without spaces and punctuation."""
    return _bigrams_cached(text or "")


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a ∩ b| / |a ∪ b|; 0.0 for two empty sets."""
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)
