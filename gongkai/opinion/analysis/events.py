"""Incremental clustering of posts into events (事件), one post at a time, in bounded memory.

Words. rjieba segments the (already normalized: simplified, lower-case, half-width) text; stop words,
single characters and tokens without a letter or ideograph are dropped (``terms``).

Post vector. Each word weighs ``(1 + ln tf) * recurrence * event-IDF``, and the vector is scaled to
length 1 (long articles keep their ``max_post_terms`` heaviest words):

* event-IDF = ``ln((E + 1) / (e + 1)) + 1`` where E is the number of live events and e the number
  whose centroid has the word: words spread over many events (公司、希望、市民) weigh little, words of one
  event weigh much. Unlike a post-level IDF it does not punish the words of a hot event for being
  frequent: 松花江 in ten thousand posts of one event is still the word of one event.
* recurrence = ``ln(1 + df) / ln(6)`` for a word seen in df < 5 recent posts, 1 otherwise (df is counted
  over the stream and halved every ``df_halving_posts`` posts): a word no other post has used cannot link
  the post to anything and would only dilute it. On short posts this matters more than anything else:
  two posts about the same matter typically share 2 of 7 words.

Events. An event is the sum of its posts' vectors (its centroid), pruned to its ``top_k`` heaviest
words when it reaches twice that; the norm keeps counting the pruned words, so pruning never raises a
similarity. The similarity of a post and an event is their cosine, plus ``topic_bonus`` (0.10) when
they share a monitoring topic (专题). The post joins the most similar live event whose similarity
reaches the event's bar, else it starts a new event with the next integer key. The bar is
``threshold * (1 - young_discount / size)``: 0.21 for a one-post event, 0.28 for two posts, 0.35 (the
threshold) for large ones, because a one-post centroid is one noisy sample of its matter. Weights are
fixed when a post joins.

Candidates. An inverted index word → live events (in insertion order) gives the candidates: a post is
only compared with events sharing one of its words, never with all of them. The lists are walked
rarest word first; the walk stops when the norm of the post's words not yet walked (an upper bound,
by Cauchy-Schwarz, of the similarity of any event not met yet) is under the best similarity found, or
after ``max_candidates`` (12) events have been scored, exactly, on the words they can share. A
posting list keeps at most ``max_postings`` events (pruned at one and a half times that, keeping the
events where the word weighs most: a one-post event for which the word is minor loses it, the event
that is about the word keeps it). The budget makes the search approximate: an event that shares only
common words with a post, behind a dozen others, is not considered; since the rarest words are walked
first this is the least likely match.

Copies. A post the dedupe stage found to be a near-duplicate (``duplicate_of``) of one of the last
``max_recent_posts`` (20,000) matched posts joins that post's event if it is still live, without being
segmented, weighed or matched: it counts for the event's size, time span and topics, not for its
centroid or the word counts (a repost storm is one post's words, not thousands of witnesses). Matched
on their own, 98 % of the copies of the opinion bench's stream went to their original's event anyway;
this makes it 100 % and skips a fifth of the work. A copy of an older or unknown post is matched.

Compiled path. ``_events_core.c`` (built by ``pip install -e .``, see ``setup.py``) does the per-word
work of ``_vectorize``, ``_best_event`` and the centroid update of ``_add_to_event`` on the same
dicts, with the same floating-point operations in the same order (no fused multiply-add): the
events, the dumps and the snapshots are the Python path's, bit for bit (the tests compare them).
``EventClusterer(compiled=False)``, or a machine without a C compiler, runs the Python methods.
Any change to the method has to be made in both.

Retirement. Events whose last post is older than ``window_seconds`` before the newest timestamp seen
are retired, and so is the least recently active event when there are more than ``max_events``;
``pop_retired()`` hands their final states to the app. ``dump()`` and ``load()`` carry the whole state
as a JSON-compatible dict (posting-list order included), so a restored clusterer makes exactly the
same assignments as the one that was dumped.
"""

from __future__ import annotations

import math
import random
import re
import time
from collections import OrderedDict, _count_elements, deque  # type: ignore[attr-defined]
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from operator import itemgetter, mul
from typing import Any

import rjieba

try:  # the compiled hot path (setup.py); without it the Python methods below do the same
    from gongkai.opinion.analysis import _events_core
except ImportError:  # pragma: no cover - a machine without a C compiler
    _events_core = None  # type: ignore[assignment]

__all__ = ["STOP_WORDS", "EventClusterer", "EventState", "bench_events", "first_sentence", "terms"]

# Function words and the filler of social-media posts. Single characters are dropped anyway.
STOP_WORDS: frozenset[str] = frozenset(
    """
    我们 你们 他们 她们 它们 咱们 大家 自己 别人 人家 这个 那个 这些 那些 这样 那样 这么 那么 这里 那里
    这边 那边 哪里 哪儿 什么 怎么 怎样 怎么样 为什么 为何 如何 多少 几个 一个 一些 一点 一下 一直 一定
    一起 一样 一般 一切 有些 有点 有的 没有 不是 就是 还是 只是 但是 可是 而是 于是 所以 因为 因此 如果
    虽然 然后 而且 并且 或者 还有 以及 以后 以前 之后 之前 之间 现在 今天 昨天 明天 刚刚 刚才 已经 曾经
    正在 马上 终于 其实 真的 确实 当然 非常 特别 比较 十分 太多 很多 好多 许多 所有 每个 各种 其他 其它
    可以 可能 能够 应该 需要 必须 不能 不会 不要 不用 不过 而已 罢了 的话 的确 一下子 可不可以 是不是
    有没有 能不能 会不会 要不要 关于 对于 由于 根据 通过 按照 为了 除了 以上 以下 以来 左右 时候 时间
    地方 事情 东西 问题 情况 方面 目前 本来 原来 后来 起来 出来 下来 上来 过来 回来 进来 出去 下去 上去
    过去 回去 进去 知道 觉得 认为 感觉 希望 看到 听到 看看 说说 表示 进行 出现 发生 存在 成为 作为 不少
    还要 还会 还能 也是 也有 都是 都有 就要 就会 就能 只有 只要 只能 总是 又是 再次 一次 这次 那次 每次
    到底 几天 好几天 这几天 求助 请问 哈哈 哈哈哈 呵呵 嘿嘿 啊啊 真是 简直 怎么办 咋办 咋回事 回事 啥时候 为啥 干嘛 好像 似乎 据说 听说
    网友 博主 评论 转发 点赞 微博 视频 图片 链接 全文 原文 网页 来源 http https www com cn
    """.split()
)

_SENTENCE_END = re.compile(r"[。！？!?；;\n]+")
_PRUNE_FACTOR = 2  # a centroid is pruned to top_k when it reaches top_k * _PRUNE_FACTOR terms
# A word seen in fewer than _RECURRENT_DF recent posts weighs _RECURRENCE[df] = ln(1 + df) / ln(1 + 5) of
# a recurring one: a word no other post has used cannot link the post to anything and would only dilute it.
_RECURRENT_DF = 5
_RECURRENCE = [0.0] + [math.log(1 + df) / math.log(1 + _RECURRENT_DF) for df in range(1, _RECURRENT_DF)]
# ln(1 + n) for the lengths of posting lists (the event-IDF), computed once
_LN1P_SIZE = 1024
_LN1P = [math.log(1 + n) for n in range(_LN1P_SIZE)]


def _keepable(word: str) -> bool:
    if len(word) < 2 or word in STOP_WORDS:
        return False
    # at least one CJK ideograph or letter: drops numbers, punctuation runs, spaces and emoji codes
    return any("\u4e00" <= ch <= "\u9fff" or ch.isalpha() for ch in word)


# Words already classified by ``_keepable``: the kept ones, and all of them (bounded: cleared when full).
_KEEP: set[str] = set()
_KNOWN: set[str] = set()
_KEEP_CACHE_MAX = 300_000


def terms(text: str) -> list[str]:
    """The words of ``text`` that count for clustering (rjieba, without stop words and single characters)."""
    return _filter(rjieba.cut(text))


def _classify(words: Sequence[str]) -> set[str]:
    """``_KEEP`` once the words not seen before are classified (each distinct word once, ever, until
    the cache is full: a post's ~60 tokens then cost one set difference and one set lookup each)."""
    keep = _KEEP
    new = set(words).difference(_KNOWN)
    if new:
        if len(_KNOWN) + len(new) > _KEEP_CACHE_MAX:
            _KNOWN.clear()
            keep.clear()
        _KNOWN.update(new)
        keep.update(word for word in new if _keepable(word))
    return keep


def _filter(words: Sequence[str]) -> list[str]:
    """The words to keep, in order."""
    keep = _classify(words)
    return [word for word in words if word in keep]


_TOKEN = re.compile(r"\s*:[a-z0-9_+\-]+:\s*")  # normalize()'s emoji and link tokens (:joy:, :url:)


def first_sentence(text: str, limit: int = 40) -> str:
    """The first non-empty sentence of ``text``, at most ``limit`` characters (with … when cut).
    An event's title for people: normalize()'s emoji and link tokens are left out."""
    for part in _SENTENCE_END.split(_TOKEN.sub(" ", text)):
        part = part.strip(" \t，,、：:“”\"'#")
        if part:
            return part if len(part) <= limit else part[: limit - 1] + "…"
    return ""


@dataclass(slots=True)
class EventState:
    """What the app stores about a live (or just retired) event."""

    key: int
    first_seen: float
    last_seen: float
    size: int  # number of posts assigned
    top_terms: list[str]  # the 5 heaviest words of the centroid
    label: str  # short title: the first sentence of the most central post, else the top terms
    topics: list[int] = field(default_factory=list)  # topics seen in its posts, most frequent first
    representative: str = ""  # key of the most central post (the one the label comes from)


class _Event:
    __slots__ = (
        "key",
        "first_seen",
        "last_seen",
        "size",
        "vec",
        "norm2",
        "norm",
        "topics",
        "rep_key",
        "rep_text",
        "rep_sim",
    )

    def __init__(self, key: int, timestamp: float) -> None:
        self.key = key
        self.first_seen = timestamp
        self.last_seen = timestamp
        self.size = 0
        self.vec: dict[str, float] = {}
        self.norm2 = 0.0
        self.norm = 0.0
        self.topics: dict[int, int] = {}
        self.rep_key = ""
        self.rep_text = ""
        self.rep_sim = -1.0


class EventClusterer:
    """Single-pass clustering of a post stream into events; see the module docstring for the method."""

    def __init__(
        self,
        *,
        threshold: float = 0.35,
        window_seconds: float = 3 * 86400.0,
        max_events: int = 5000,
        top_k: int = 40,
        max_postings: int = 64,
        max_candidates: int = 12,
        max_post_terms: int = 24,
        topic_bonus: float = 0.10,
        young_discount: float = 0.4,
        df_halving_posts: int = 200_000,
        max_vocabulary: int = 300_000,
        max_recent_posts: int = 20_000,
        compiled: bool = True,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        if not 0.0 <= young_discount < 1.0 or topic_bonus < 0.0:
            raise ValueError("young_discount must be in [0, 1) and topic_bonus not negative")
        if min(window_seconds, max_events, top_k, max_postings, max_candidates, max_post_terms) <= 0:
            raise ValueError(
                "window_seconds, max_events, top_k, max_postings, max_candidates, max_post_terms > 0"
            )
        self.threshold = threshold
        self.window_seconds = float(window_seconds)
        self.max_events = max_events
        self.top_k = top_k
        self.max_postings = max_postings
        self.max_candidates = max_candidates
        self.max_post_terms = max_post_terms
        self.topic_bonus = topic_bonus
        self.young_discount = young_discount
        self.df_halving_posts = df_halving_posts
        self.max_vocabulary = max_vocabulary
        self.max_recent_posts = max_recent_posts
        # the compiled hot path when it is built (same results: docs/opinion-events.md, "Speed")
        self._core = _events_core if compiled else None
        self._crowd = max_postings * 3 // 2  # a posting list longer than this is pruned
        self._reset()

    def _reset(self) -> None:
        self._events: OrderedDict[int, _Event] = OrderedDict()  # least recently active first
        # term -> the live events whose centroid has it (a dict used as an insertion-ordered set)
        self._index: dict[str, dict[int, None]] = {}
        self._df: dict[str, int] = {}  # recent posts containing the word (halved now and then)
        self._n_docs = 0
        self._next_key = 1
        self._now = -math.inf
        self._retired: deque[_Event] = deque(maxlen=max(1000, self.max_events * 2))
        # post key -> event key of the most recent posts that were matched (not copies): a copy of
        # one of them joins that event without being matched (``assign(duplicate_of=...)``)
        self._recent: OrderedDict[str, int] = OrderedDict()

    # ------------------------------------------------------------------ assignment

    def __len__(self) -> int:
        return len(self._events)

    def assign(
        self,
        key: str,
        text: str,
        timestamp: float,
        topics: list[int] | None = None,
        *,
        words: Sequence[str] | None = None,
        duplicate_of: str | None = None,
    ) -> int:
        """Put one post into an event and return the event's key.

        ``key`` is the post's key (``RawPost.key``), kept for the event's most central post; ``words``
        may pass the post's segmentation when the caller has it already (it is filtered like ``terms``).
        ``duplicate_of`` is the key of the post this one is a near-duplicate of (the dedupe stage's
        answer): when that post is among the ``max_recent_posts`` last matched and its event is
        live, the copy joins that event as it is (size, time span, topics) without being segmented,
        weighed or matched, and adds nothing to the centroid or the word counts — a repost storm is
        one post's words, not thousands of independent witnesses. Otherwise it is matched like
        any post.
        """
        if timestamp > self._now:
            self._now = timestamp
            self._retire_expired()
        events = self._events
        if duplicate_of is not None:
            original = self._recent.get(duplicate_of)
            if original is not None and original in events:
                event = events[original]
                events.move_to_end(original)
                self._add_to_event(event, key, text, timestamp, {}, topics, -math.inf)
                return original
        if self._core is not None:
            return self._assign_compiled(key, text, timestamp, topics, words)
        vector = self._vectorize(terms(text) if words is None else _filter(words))
        best_key, best_sim = self._best_event(vector, set(topics) if topics else None)
        if best_key < 0:
            event = _Event(self._next_key, timestamp)
            self._next_key += 1
            events[event.key] = event
            best_sim = 1.0 if vector else 0.0
            if len(events) > self.max_events:
                self._retire(next(iter(events)))
        else:
            event = events[best_key]
            events.move_to_end(best_key)
        self._add_to_event(event, key, text, timestamp, vector, topics, best_sim)
        recent = self._recent
        recent[key] = event.key
        if len(recent) > self.max_recent_posts:
            recent.popitem(last=False)
        return event.key

    def _assign_compiled(
        self, key: str, text: str, timestamp: float, topics: list[int] | None, words: Sequence[str] | None
    ) -> int:
        """``assign``'s matching through ``_events_core``: the same steps as ``_vectorize``,
        ``_best_event`` and ``_add_to_event``, on the same objects, with the same arithmetic."""
        core = self._core
        assert core is not None
        tokens = rjieba.cut(text) if words is None else list(words)  # a list of its own
        events = self._events
        arguments = (
            _KNOWN,
            _KEEP,
            self._df,
            self._index,
            math.log(len(events) + 1) + 1.0,
            _LN1P,
            _RECURRENCE,
            self.max_post_terms,
        )
        post = core.vectorize(tokens, *arguments)
        if post is False:  # a token not classified yet
            _classify(tokens)
            post = core.vectorize(tokens, *arguments)
        if post is None:
            post_terms: list[str] = []
            weights: list[float] = []
            best_key, best_sim = -1, 0.0
        else:
            post_terms, weights, lengths = post
            self._n_docs += 1
            if self._n_docs >= self.df_halving_posts or len(self._df) > self.max_vocabulary:
                self._halve_df()
            topic_set = set(topics) if topics else None
            best_key, best_sim = core.best_event(
                post_terms,
                weights,
                lengths,
                self._index,
                events,
                topic_set,
                self.topic_bonus if topic_set is not None else 0.0,
                self.threshold,
                self.young_discount,
                self.max_candidates,
            )
        if best_key < 0:
            event = _Event(self._next_key, timestamp)
            self._next_key += 1
            events[event.key] = event
            best_sim = 1.0 if post_terms else 0.0
            if len(events) > self.max_events:
                self._retire(next(iter(events)))
        else:
            event = events[best_key]
            events.move_to_end(best_key)
        self._add_to_event(event, key, text, timestamp, {}, topics, best_sim)
        if post_terms:
            event.norm2, crowded = core.add_vector(
                event.vec, post_terms, weights, event.norm2, self._index, event.key, self._crowd
            )
            event.norm = math.sqrt(event.norm2)
            for term in crowded:
                self._prune_postings(term)
            if len(event.vec) >= self.top_k * _PRUNE_FACTOR:
                self._prune_event(event)
        recent = self._recent
        recent[key] = event.key
        if len(recent) > self.max_recent_posts:
            recent.popitem(last=False)
        return event.key

    def assign_many(self, items: Iterable[Sequence[Any]]) -> list[int]:
        """``assign`` for each ``(key, text, timestamp, topics)`` or ``(key, text, timestamp, topics,
        duplicate_of)`` in order."""
        assign = self.assign
        return [
            assign(item[0], item[1], item[2], item[3], duplicate_of=item[4] if len(item) > 4 else None)
            for item in items
        ]

    def _best_event(self, vector: dict[str, float], topic_set: set[int] | None) -> tuple[int, float]:
        """The live event most similar to ``vector`` that reaches its bar, else (-1, 0)."""
        if not vector:
            return -1, 0.0
        index = self._index
        index_get = index.get
        bonus = self.topic_bonus if topic_set is not None else 0.0
        # Posting lists are walked rarest word first. remaining[i] bounds the similarity of an event
        # that has none of the words before i: by Cauchy-Schwarz, the norm of the rest of the post
        # (plus the topic bonus). Once it is under the best similarity found (at least the lowest bar),
        # no event not yet met can win and the walk stops; it also stops after max_candidates events.
        ranked = [
            (len(postings), term, weight) for term, weight in vector.items() if (postings := index_get(term))
        ]
        if not ranked:
            return -1, 0.0
        ranked.sort()
        n = len(ranked)
        words = [term for _length, term, _weight in ranked]
        weights = [weight for _length, _term, weight in ranked]
        # squares[n - 1 - i] = the squared norm of the words i.. (summed from the last word, as always)
        squares = list(accumulate([weight * weight for weight in reversed(weights)]))
        zeros = [0.0] * n
        sqrt = math.sqrt
        threshold = self.threshold
        young_discount = self.young_discount
        best_key = -1
        best_sim = threshold * (1.0 - young_discount)  # the lowest bar: a one-post event
        events = self._events
        seen: set[int] = set()
        budget = self.max_candidates
        for i in range(n):
            if sqrt(squares[n - 1 - i]) + bonus < best_sim:
                break
            # an event first met in list i is in none of the lists before: only words i.. can match
            suffix_words: list[str] | None = None
            suffix_weights: list[float] = weights
            for ev_key in index[words[i]]:
                if ev_key in seen:
                    continue
                seen.add(ev_key)
                event = events[ev_key]
                if suffix_words is None:
                    suffix_words, suffix_weights = words[i:], weights[i:]
                # the dot product on the words i.., in their order (a missing word adds 0.0)
                dot = sum(map(mul, suffix_weights, map(event.vec.get, suffix_words, zeros)))
                sim = dot / event.norm
                if bonus and not topic_set.isdisjoint(event.topics):  # type: ignore[union-attr]
                    sim += bonus
                if sim >= best_sim and sim >= threshold * (1.0 - young_discount / event.size):
                    if sim > best_sim or best_key < 0 or ev_key < best_key:
                        best_key, best_sim = ev_key, sim
                budget -= 1
                if budget <= 0:
                    return best_key, (best_sim if best_key >= 0 else 0.0)
        return best_key, (best_sim if best_key >= 0 else 0.0)

    def _vectorize(self, words: list[str]) -> dict[str, float]:
        """The post's unit vector: (1 + ln tf) * recurrence * event-IDF, see the module docstring."""
        if not words:
            return {}
        counts: dict[str, int] = {}
        _count_elements(counts, words)
        df = self._df
        df_get = df.get
        index_get = self._index.get
        log = math.log
        log_e = log(len(self._events) + 1) + 1.0
        ln1p = _LN1P
        recurrence = _RECURRENCE
        vector = {}
        for word, count in counts.items():
            seen = df_get(word, 0) + 1
            df[word] = seen
            postings = index_get(word)
            if postings:
                length = len(postings)
                weight = log_e - (ln1p[length] if length < _LN1P_SIZE else log(length + 1))
            else:
                weight = log_e
            if seen < _RECURRENT_DF:
                weight *= recurrence[seen]
            if count > 1:
                weight *= 1.0 + log(count)
            vector[word] = weight
        self._n_docs += 1
        if self._n_docs >= self.df_halving_posts or len(df) > self.max_vocabulary:
            self._halve_df()
        if len(vector) > self.max_post_terms:  # long articles: their heaviest words only
            # heaviest first, equal weights by word: sorted by word, then (stable) by weight
            items = sorted(vector.items())
            items.sort(key=itemgetter(1), reverse=True)
            vector = dict(items[: self.max_post_terms])
        inv = 1.0 / math.sqrt(sum([w * w for w in vector.values()]))
        return {word: weight * inv for word, weight in vector.items()}

    def _halve_df(self) -> None:
        self._df = {word: count // 2 for word, count in self._df.items() if count >= 2}
        self._n_docs //= 2

    def _add_to_event(
        self,
        event: _Event,
        post_key: str,
        text: str,
        timestamp: float,
        vector: dict[str, float],
        topics: list[int] | None,
        sim: float,
    ) -> None:
        event.size += 1
        if timestamp > event.last_seen:
            event.last_seen = timestamp
        elif timestamp < event.first_seen:
            event.first_seen = timestamp
        if topics:
            event_topics = event.topics
            for topic in topics:
                event_topics[topic] = event_topics.get(topic, 0) + 1
        if sim > event.rep_sim:
            event.rep_sim = sim
            event.rep_key = post_key
            event.rep_text = first_sentence(text)
        if not vector:
            return
        vec = event.vec
        vec_get = vec.get
        index = self._index
        ev_key = event.key
        crowd = self.max_postings * 3 // 2
        crowded: list[str] = []
        norm2 = event.norm2
        for term, weight in vector.items():
            old = vec_get(term)
            if old is None:
                vec[term] = weight
                norm2 += weight * weight
                postings = index.get(term)
                if postings is None:
                    index[term] = {ev_key: None}
                else:
                    postings[ev_key] = None
                    if len(postings) > crowd:
                        crowded.append(term)
            else:
                new = old + weight
                vec[term] = new
                norm2 += new * new - old * old
        event.norm2 = norm2
        event.norm = math.sqrt(norm2)
        for term in crowded:
            self._prune_postings(term)
        if len(vec) >= self.top_k * _PRUNE_FACTOR:
            self._prune_event(event)

    def _prune_event(self, event: _Event) -> None:
        """Keep the ``top_k`` heaviest words of a centroid.

        The norm is left as it is: it still counts the dropped words, so the cosine stays the one with
        the whole centroid (the dropped words just no longer match) and pruning never raises a similarity.
        """
        # heaviest first, equal weights by word: sorted by word, then (stable) by weight
        ranked = sorted(event.vec.items())
        ranked.sort(key=itemgetter(1), reverse=True)
        index = self._index
        ev_key = event.key
        for term, _weight in ranked[self.top_k :]:
            postings = index.get(term)
            if postings is not None:
                postings.pop(ev_key, None)
                if not postings:
                    del index[term]
        event.vec = dict(ranked[: self.top_k])

    def _prune_postings(self, term: str) -> None:
        """Keep the ``max_postings`` events of a crowded posting list where the word weighs most.

        The others lose the word (and keep their norm, as in ``_prune_event``): they are mostly
        one-post events for which the word is a minor part, while the event that is really about the
        word keeps it with a heavy weight.
        """
        postings = self._index[term]
        events = self._events
        ranked = sorted((-events[ev_key].vec[term] / events[ev_key].norm, ev_key) for ev_key in postings)
        for _neg, ev_key in ranked[self.max_postings :]:
            del events[ev_key].vec[term]
        kept = {ev_key for _neg, ev_key in ranked[: self.max_postings]}
        self._index[term] = {ev_key: None for ev_key in postings if ev_key in kept}

    def _drop_posting(self, term: str, ev_key: int) -> None:
        postings = self._index.get(term)
        if postings is not None:
            postings.pop(ev_key, None)
            if not postings:
                del self._index[term]

    # ------------------------------------------------------------------ retirement

    def _retire_expired(self) -> None:
        cutoff = self._now - self.window_seconds
        events = self._events
        while events:
            event = next(iter(events.values()))
            if event.last_seen >= cutoff:
                break
            self._retire(event.key)

    def _retire(self, ev_key: int) -> None:
        event = self._events.pop(ev_key)
        for term in event.vec:
            self._drop_posting(term, ev_key)
        self._retired.append(event)

    def retire_before(self, now: float) -> None:
        """Retire the events idle for longer than the window at ``now`` (without a new post)."""
        if now > self._now:
            self._now = now
        self._retire_expired()

    def pop_retired(self) -> list[EventState]:
        """The final states of the events retired since the last call (the most recent few thousand)."""
        out = [self._state(event) for event in self._retired]
        self._retired.clear()
        return out

    # ------------------------------------------------------------------ reading and persistence

    def _state(self, event: _Event) -> EventState:
        top = [term for term, _w in sorted(event.vec.items(), key=lambda kv: (-kv[1], kv[0]))[:5]]
        label = event.rep_text or "、".join(top[:3])
        topics = [t for t, _c in sorted(event.topics.items(), key=lambda kv: (-kv[1], kv[0]))]
        return EventState(
            key=event.key,
            first_seen=event.first_seen,
            last_seen=event.last_seen,
            size=event.size,
            top_terms=top,
            label=label,
            topics=topics,
            representative=event.rep_key,
        )

    def snapshot(self) -> list[EventState]:
        """The live events, least recently active first."""
        return [self._state(event) for event in self._events.values()]

    def states(self, keys: Iterable[int]) -> list[EventState]:
        """The states of the live events among ``keys`` (unknown or retired keys are left out)."""
        events = self._events
        return [self._state(events[key]) for key in keys if key in events]

    def dump(self) -> dict[str, Any]:
        """The whole state as a JSON-compatible dict (see ``load``)."""
        return {
            "version": 1,
            "next_key": self._next_key,
            "now": None if self._now == -math.inf else self._now,
            "n_docs": self._n_docs,
            "df": dict(self._df),
            "events": [
                {
                    "key": e.key,
                    "first_seen": e.first_seen,
                    "last_seen": e.last_seen,
                    "size": e.size,
                    "vec": dict(e.vec),
                    "norm2": e.norm2,
                    "topics": [[t, c] for t, c in e.topics.items()],
                    "rep_key": e.rep_key,
                    "rep_text": e.rep_text,
                    "rep_sim": e.rep_sim,
                }
                for e in self._events.values()
            ],
            # the posting lists in their order, which decides which events are met first
            "index": [[term, list(postings)] for term, postings in self._index.items()],
            # the posts a copy can join the event of, oldest first
            "recent": [[post, event] for post, event in self._recent.items()],
        }

    def load(self, states: dict[str, Any]) -> None:
        """Replace the state with one returned by ``dump()`` (of this or another process).

        The final states waiting in ``pop_retired()`` are not part of a dump: pop them before dumping.
        """
        if not isinstance(states, dict) or states.get("version") != 1:
            raise ValueError("not a dump of EventClusterer (version 1)")
        self._reset()
        self._next_key = int(states["next_key"])
        self._now = -math.inf if states["now"] is None else float(states["now"])
        self._n_docs = int(states["n_docs"])
        self._df = {str(k): int(v) for k, v in states["df"].items()}
        for raw in states["events"]:
            event = _Event(int(raw["key"]), float(raw["first_seen"]))
            event.last_seen = float(raw["last_seen"])
            event.size = int(raw["size"])
            event.vec = {str(k): float(v) for k, v in raw["vec"].items()}
            event.norm2 = float(raw["norm2"])
            event.norm = math.sqrt(event.norm2)
            event.topics = {int(t): int(c) for t, c in raw["topics"]}
            event.rep_key = str(raw["rep_key"])
            event.rep_text = str(raw["rep_text"])
            event.rep_sim = float(raw["rep_sim"])
            self._events[event.key] = event
        events = self._events
        for term, keys in states["index"]:
            postings = {int(k): None for k in keys}
            if not postings or any(k not in events or term not in events[k].vec for k in postings):
                raise ValueError(f"the posting list of {term!r} does not match the events")
            self._index[str(term)] = postings
        if sum(len(p) for p in self._index.values()) != sum(len(e.vec) for e in events.values()):
            raise ValueError("the posting lists do not cover the events' words")
        # absent from dumps made before copies joined their original's event: they are matched
        self._recent = OrderedDict((str(post), int(event)) for post, event in states.get("recent", ()))


# ---------------------------------------------------------------------- benchmark

_DISTRICTS = [
    "船营区",
    "昌邑区",
    "龙潭区",
    "丰满区",
    "蛟河市",
    "桦甸市",
    "舒兰市",
    "磐石市",
    "永吉县",
    "高新区",
]
_ISSUES = [
    ("停水", "自来水 水压 供水 管道 抢修 水管 蓄水 通知"),
    ("供热", "暖气 温度 供暖 室温 锅炉 热力 暖气片 退费"),
    ("水质", "自来水 异味 浑浊 饮用水 检测 水源 发黄 净水"),
    ("噪音", "施工 夜间 扰民 工地 休息 凌晨 机器 投诉"),
    ("道路", "坑洼 破损 积水 维修 出行 井盖 路面 翻修"),
    ("物业", "收费 服务 电梯 维修 业主 保安 卫生 物业费"),
    ("拆迁", "补偿 安置 征收 协议 房屋 棚改 评估 回迁"),
    ("停电", "供电 线路 抢修 变压器 照明 电表 跳闸 电力"),
    ("污染", "排放 异味 烟尘 工厂 环保 污水 黑烟 监测"),
    ("交通", "拥堵 红绿灯 公交 停车 路口 车辆 交警 绕行"),
    ("学校", "学生 家长 校车 食堂 老师 放学 课外 收费"),
    ("医院", "挂号 医生 排队 看病 医保 急诊 护士 药品"),
    ("菜价", "涨价 市场 蔬菜 超市 价格 猪肉 摊位 物价"),
    ("燃气", "天然气 泄漏 安全 检查 燃气费 管线 阀门 气味"),
    ("垃圾", "清运 垃圾桶 堆放 臭味 环卫 分类 苍蝇 清理"),
]
_COMMON = "市民 反映 有关部门 尽快 解决 处理 居民 附近 这几天 周边 街道 社区 严重 影响 生活 麻烦".split()
_TEMPLATES = [
    "{d}{a}{b}{i}问题，{c0}{x0}，{t0}{x1}{x2}。{t1}",
    "{a}这边{x0}，{x1}，{i}好几天了，{c0}{t0}！",
    "求助：{d}{a}，{b}{x0}，{x1}，{x2}，{c0}{c1}{t0}",
    "#{i}# {a}的{x0}到底什么时候{c0}？{x2}，{b}{t0}{t1}",
    "{t0}，{d}{b}{i}，{x1}，{x0}，{a}{c1}",
]
_SYLLABLES = (
    "江山河湖松柏桦林青龙凤华兴安和平泰康宁德顺昌盛丰源光明新阳春东西南北中长永吉福金玉宝石田禾木水火土"
    "云雨雪风花月星辰海川岭峰溪泉桥城园村镇街巷楼台亭阁书画诗文礼乐仁义智信忠孝廉勤俭朴真善美家国天下"
)


def _pseudo_words(rng: random.Random, n: int) -> list[str]:
    """``n`` distinct two-character words that rjieba keeps whole (a stand-in for names and jargon)."""
    pool = [
        a + b for a in _SYLLABLES for b in _SYLLABLES if rjieba.cut(a + b) == [a + b] and _keepable(a + b)
    ]
    if n > len(pool):
        raise ValueError(f"at most {len(pool)} generated words (asked for {n})")
    rng.shuffle(pool)
    return pool[:n]


def _synthetic_posts(n_posts: int, n_matters: int, seed: int) -> list[tuple[str, str, float, list[int]]]:
    """Posts about ``n_matters`` matters, with a tenth of chatter about nothing in particular.

    A matter has a district, an issue (with its jargon) and seven words of its own (names of places,
    companies and people, details); a post takes two names, two details, the issue and one of its words,
    and everyday chatter (Zipf-distributed over 600 words). The post key ends in ``#<matter>``
    (``#-1``: chatter).
    """
    rng = random.Random(seed)
    vocab = _pseudo_words(rng, 7 * n_matters + 600)
    chatter = vocab[7 * n_matters :]
    chatter_weights = [1.0 / (i + 1) for i in range(len(chatter))]
    matters: list[tuple[str, list[str], list[str], str, list[str]]] = []
    for m in range(n_matters):
        issue, jargon = rng.choice(_ISSUES)
        own = vocab[7 * m : 7 * m + 7]
        matters.append((rng.choice(_DISTRICTS), own[:3], own[3:], issue, jargon.split()))
    weights = [1.0 / (i + 1) ** 0.8 for i in range(n_matters)]
    picks = rng.choices(range(n_matters), weights, k=n_posts)
    posts: list[tuple[str, str, float, list[int]]] = []
    for i, m in enumerate(picks):
        talk = rng.choices(chatter, chatter_weights, k=4)
        if rng.random() < 0.1:
            m = -1
            text = f"{talk[0]}，{talk[1]}{rng.choice(_COMMON)}，{talk[2]}！{talk[3]}"
        else:
            district, names, details, issue, words = matters[m]
            a, b = rng.sample(names, 2)
            x1, x2 = rng.sample(details, 2)
            c = rng.sample(_COMMON, 2)
            text = rng.choice(_TEMPLATES).format(
                d=district,
                a=a,
                b=b,
                i=issue,
                x0=rng.choice(words),
                x1=x1,
                x2=x2,
                c0=c[0],
                c1=c[1],
                t0=talk[0],
                t1=talk[1],
            )
        posts.append((f"bench:{i}#{m}", text, float(i), []))
    return posts


def bench_events(n_posts: int, *, cpu: bool = False) -> float:
    """Posts per second through ``EventClusterer.assign`` (rjieba segmentation included).

    Generated stream: 1,000 matters with Zipf-like popularity and a tenth of unrelated chatter (see
    ``_synthetic_posts``). The clusterer (``max_events=500``) is warmed up with 5,000 posts first, so
    the ``n_posts`` timed ones meet 500 live events; the texts are built before the clock starts.
    The clock is the wall clock, or with ``cpu=True`` the process's CPU time (steadier on a busy machine).
    """
    warm = 5000
    posts = _synthetic_posts(warm + n_posts, 1000, seed=7)
    clusterer = EventClusterer(max_events=500)
    clusterer.assign_many(posts[:warm])
    timed = posts[warm:]
    clock = time.process_time if cpu else time.perf_counter
    start = clock()
    clusterer.assign_many(timed)
    elapsed = clock() - start
    return n_posts / elapsed if elapsed > 0 else float("inf")
