"""Near-duplicate detection over a sliding time window, in bounded memory.

A post is a near-duplicate of an earlier one when the Jaccard similarity of their sets of
character bigrams is at least ``threshold`` (0.7). The bigrams are taken after the repost noise is
dropped: ``//@user:`` chains and ``@user`` mentions, 转发微博 / 转发 / 回复 markers, emoji tokens and
``:url:``, Weibo's bracket emoticons, punctuation and spaces. The answer is the *original*: the
earliest post of the chain (when B copies A and C copies B, C is answered with A even when C is no
longer similar to A, and even when A has left the window). Feed it ``normalize``d text.

How (docs/opinion-dedupe.md has the figures and the reasons):

1. **Shingles**, for a whole batch at once in numpy: the texts are joined, the noise removed by one
   regex pass, the characters folded (letters lowercased, everything that is not a letter, digit or
   ideograph dropped), consecutive pairs hashed to 16 bits and sorted per post. A post keeps its
   sorted 16-bit set (2 bytes a bigram; a long text keeps its 200 smallest hashes, a bottom-k sample
   whose cut-off is stored, and two samples are compared below the lower cut-off).
2. **MinHash**: ``bands × rows`` random permutations of the 16-bit space (one uint16 table) give
   each post a signature; each band of ``rows`` values is hashed into one 64-bit band key.
3. **Buckets**: one open-addressing hash table in two numpy arrays (32-bit key fingerprint, 32-bit
   post number), a multimap holding at most ``bucket_size`` live posts per band key. Lookups and
   inserts are vectorised over the batch; entries of expired posts are skipped and their slots
   reused, and the table is rebuilt from its live entries when it fills up or empties out.
4. **Verification**: each candidate pair (a post and an earlier post sharing a band key) gets its
   exact Jaccard from the two stored sets, vectorised over all the pairs of the batch; pairs at or
   above the threshold are near-duplicates, and the post's original is the earliest original among
   them.
5. **Window**: posts live in a ring of numpy arrays in arrival order (time, original, where the set
   is, how many bucket entries the post owns, the original's key); ``expire`` moves the head past
   the posts older than ``now - window_seconds``, which retires their bucket entries and sets at
   once. A post that owns no bucket entry (most copies of a viral post: its band keys are already
   there) keeps neither set nor key, only its 33 bytes of ring.

Answers of a batch equal those of the same posts one by one, except that a batch is checked
against the window as of its first post (posts that expire in the middle of a batch go after it).

``RedisNearDuplicateIndex`` keeps the same state in Redis, so that several workers share it: the
shingles and band keys are computed in the worker, and one Lua script per batch does steps 3–5
atomically, so the answers equal those of one ``NearDuplicateIndex`` fed the batches in the order
Redis ran them.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

try:  # the compiled exact-Jaccard step (setup.py); without it the numpy one does the same
    from gongkai.opinion.analysis import _dedupe_core
except ImportError:  # pragma: no cover - a machine without a C compiler
    _dedupe_core = None  # type: ignore[assignment]

__all__ = ["NearDuplicateIndex", "RedisNearDuplicateIndex", "shingle_sets", "jaccard"]

U16 = npt.NDArray[np.uint16]
U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

# Repost noise removed before shingling. ``\x00`` separates the texts of a batch: no pattern crosses it.
_NOISE = re.compile(
    r"//@[^\s:：/\x00]{1,30}[:：]?"
    r"|@[\w\-]{1,20}"
    r"|转发微博|转发|转自|回复|网页链接|展开全文"
    r"|:[a-z_]{1,24}:"
    r"|\[[^\[\]\x00]{1,8}\]"
)
MAX_STORED = 200  # bigrams kept per post (a bottom-k sample beyond)
_FULL = 1 << 16  # cut-off of a complete set
_SCALAR_TAIL = 32  # probes left when the table's vectorised rounds hand over to a plain loop
_CHUNK = 65535  # posts per internal chunk, and pairs per verification chunk (16-bit ids)
_M2 = np.uint64(0xBF58476D1CE4E5B9)
_M3 = np.uint64(0x94D049BB133111EB)


def _fold_table() -> U32:
    """For each BMP code point, what the shingler sees (0 = dropped)."""
    table = np.zeros(1 << 16, dtype=np.uint32)
    for low, high in (
        (0x30, 0x39),  # digits
        (0x61, 0x7A),  # a-z
        (0x3040, 0x30FF),  # kana
        (0x3400, 0x4DBF),  # CJK extension A
        (0x4E00, 0x9FFF),  # CJK unified ideographs
        (0xAC00, 0xD7AF),  # hangul
        (0xF900, 0xFAFF),  # CJK compatibility ideographs
    ):
        table[low : high + 1] = np.arange(low, high + 1, dtype=np.uint32)
    for c in range(0x41, 0x5B):
        table[c] = c + 32
    for c in range(0xC0, 0x250):  # Latin letters with diacritics, lowercased
        lower = chr(c).lower()
        table[c] = ord(lower) if len(lower) == 1 and lower.isalpha() else 0
    for c in range(0xFF10, 0xFF1A):  # full-width digits and letters, in case the text is raw
        table[c] = c - 0xFEE0
    for c in range(0xFF21, 0xFF3B):
        table[c] = c - 0xFEE0 + 32
    for c in range(0xFF41, 0xFF5B):
        table[c] = c - 0xFEE0
    return table


_FOLD = _fold_table()
_PERMUTATIONS: dict[tuple[int, int], U16] = {}


def _permutations(seed: int, count: int) -> U16:
    """``count`` random permutations of 0..65535 as the columns of a (65536, count) table (shared)."""
    table = _PERMUTATIONS.get((seed, count))
    if table is None:
        rng = np.random.default_rng([seed, 0x5E1D])
        table = np.empty((1 << 16, count), dtype=np.uint16)
        for k in range(count):
            table[:, k] = rng.permutation(1 << 16)
        _PERMUTATIONS[(seed, count)] = table
    return table


def _mix(x: U64) -> U64:
    """splitmix64's finaliser, vectorised (a bijection of uint64)."""
    x = x ^ (x >> np.uint64(30))
    x *= _M2
    x ^= x >> np.uint64(27)
    x *= _M3
    x ^= x >> np.uint64(31)
    return x


def _ranges(starts: I64, lengths: I64) -> I64:
    """``concatenate([arange(s, s + n) for s, n in zip(starts, lengths)])``, vectorised."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    return np.arange(total, dtype=np.int64) + np.repeat(starts - (ends - lengths), lengths)


def shingle_sets(texts: Sequence[str], seed: int = 1) -> tuple[U16, I64, I64]:
    """The bigram sets of ``texts``: ``(values, counts, cutoffs)``.

    ``values`` holds each text's sorted, distinct 16-bit bigram hashes, one text after the other
    (``counts[i]`` of them for text ``i``); a text with more than ``MAX_STORED`` keeps the smallest
    ones and ``cutoffs[i]`` is the first value left out (65536 for a complete set).
    """
    n = len(texts)
    if n > _CHUNK:
        parts = [shingle_sets(texts[i : i + _CHUNK], seed) for i in range(0, n, _CHUNK)]
        return (
            np.concatenate([p[0] for p in parts]),
            np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]),
        )
    joined = "\x00".join(texts)
    if joined.count("\x00") != n - 1:
        joined = "\x00".join(t.replace("\x00", " ") for t in texts)
    cp = np.frombuffer(_NOISE.sub("", joined).encode("utf-32-le"), dtype=np.uint32)
    owner = np.cumsum(cp == 0, dtype=np.int64)
    folded = _FOLD[cp & np.uint32(0xFFFF)]
    astral = np.flatnonzero(cp >= 0x10000)
    if astral.size:  # CJK extensions B-G are ideographs too; other astral characters go
        high = cp[astral]
        folded[astral] = np.where((high >= 0x20000) & (high < 0x40000), high, 0)
    keep = np.flatnonzero(folded)
    chars = folded[keep].astype(np.uint64)
    owner = owner[keep]
    same = np.flatnonzero(owner[1:] == owner[:-1])
    pairs = (chars[same] << np.uint64(21)) | chars[same + 1]
    pairs += np.uint64((seed * 0x2545F4914F6CDD1D + 0x632BE59BD9B4E019) & 0xFFFFFFFFFFFFFFFF)
    hashes = (_mix(pairs) >> np.uint64(48)).astype(np.uint32)
    combined = np.sort((owner[same].astype(np.uint32) << np.uint32(16)) | hashes, kind="stable")
    if combined.size:
        distinct = np.empty(combined.size, dtype=bool)
        distinct[0] = True
        np.not_equal(combined[1:], combined[:-1], out=distinct[1:])
        combined = combined[distinct]
    values = (combined & np.uint32(0xFFFF)).astype(np.uint16)
    counts = np.bincount(combined >> np.uint32(16), minlength=n).astype(np.int64)
    cutoffs = np.full(n, _FULL, dtype=np.int64)
    big = np.flatnonzero(counts > MAX_STORED)
    if big.size:
        starts = np.cumsum(counts) - counts
        cutoffs[big] = values[starts[big] + MAX_STORED]
        rank = np.arange(values.size) - np.repeat(starts, counts)
        values = values[rank < MAX_STORED]
        counts = np.minimum(counts, MAX_STORED)
    return values, counts, cutoffs


def jaccard(a: str, b: str, seed: int = 1) -> float:
    """Exact Jaccard similarity of two texts' bigram sets, as the index measures it."""
    values, counts, _ = shingle_sets([a, b], seed)
    first, second = set(values[: counts[0]].tolist()), set(values[counts[0] :].tolist())
    union = len(first | second)
    return len(first & second) / union if union else 0.0


def _jaccard_with_batch(
    tagged: U32,
    starts: I64,
    counts: I64,
    posts: I64,
    ring: U16,
    b_starts: I64,
    b_lengths: I64,
    cutoffs: I64,
) -> npt.NDArray[np.float64]:
    """Exact Jaccard of pairs (a post of the batch, a stored set), vectorised over the pairs.

    ``tagged`` holds the batch's sets as sorted ``post << 16 | value`` (``starts``/``counts`` per
    post); pair ``p`` is post ``posts[p]`` against the stored set at ``b_starts[p]`` (indexes into
    ``ring`` modulo its size), ``b_lengths[p]`` long. Only values below the pair's cut-off count,
    on both sides (bottom-k samples). Each stored value is looked up in the batch's sorted keys,
    so the batch side is never copied per pair.
    """
    p = posts.size
    pair_ids = np.arange(p, dtype=np.int64)
    b = ring[_ranges(b_starts, b_lengths) % ring.size].astype(np.uint32)
    b_pair = np.repeat(pair_ids, b_lengths)
    size_a = counts[posts]
    sampled = np.flatnonzero(cutoffs < _FULL)
    if sampled.size:
        keep = b < cutoffs[b_pair]
        b, b_pair = b[keep], b_pair[keep]
        bounds = (posts[sampled].astype(np.uint32) << np.uint32(16)) | cutoffs[sampled].astype(np.uint32)
        size_a = size_a.copy()
        size_a[sampled] = np.searchsorted(tagged, bounds) - starts[posts[sampled]]
    size_b = np.bincount(b_pair, minlength=p)
    if b.size == 0 or tagged.size == 0:
        return np.zeros(p)
    keys = (posts[b_pair].astype(np.uint32) << np.uint32(16)) | b
    at = np.searchsorted(tagged, keys)
    at[at == tagged.size] = 0
    inter = np.bincount(b_pair[tagged[at] == keys], minlength=p)
    union = size_a + size_b - inter
    return np.divide(inter, union, out=np.zeros(p), where=union > 0)


def _jaccard_compiled(
    tagged: U32,
    starts: I64,
    counts: I64,
    posts: I64,
    ring: U16,
    b_starts: I64,
    b_lengths: I64,
    cutoffs: I64,
) -> npt.NDArray[np.float64]:
    """``_jaccard_with_batch`` in C (``_dedupe_core``): each pair is one merge of its two sorted
    sets, instead of a lookup of every stored value among all the batch's values. Same counts, same
    division: the same answers."""
    assert _dedupe_core is not None
    out = np.zeros(posts.size)
    if posts.size:
        _dedupe_core.jaccard_pairs(
            np.ascontiguousarray(tagged, dtype=np.uint32),
            np.ascontiguousarray(starts, dtype=np.int64),
            np.ascontiguousarray(counts, dtype=np.int64),
            np.ascontiguousarray(posts, dtype=np.int64),
            np.ascontiguousarray(ring, dtype=np.uint16),
            np.ascontiguousarray(b_starts, dtype=np.int64),
            np.ascontiguousarray(b_lengths, dtype=np.int64),
            np.ascontiguousarray(cutoffs, dtype=np.int64),
            out,
        )
    return out


@dataclass(slots=True)
class _Batch:
    """What the index needs of a batch of texts, computed once in numpy."""

    values: U16  # the bigram sets, one after the other
    counts: I64
    starts: I64
    cutoffs: I64
    tagged: U32  # the same as sorted post << 16 | value
    band_keys: U64  # band keys of the indexed posts, post after post (bands per post)
    band_post: I64  # the batch index of each band key's post


class _Hasher:
    """Shingles, signatures and band keys (shared by the local and the Redis index)."""

    def __init__(self, seed: int, bands: int, rows: int, min_shingles: int) -> None:
        self.seed, self.bands, self.rows, self.min_shingles = seed, bands, rows, min_shingles
        self.permutations = _permutations(seed, bands * rows)
        rng = np.random.default_rng([seed, 0xBA4D])
        self.salts = rng.integers(1, 2**63, size=bands, dtype=np.int64).astype(np.uint64)

    def batch(self, texts: Sequence[str]) -> _Batch:
        values, counts, cutoffs = shingle_sets(texts, self.seed)
        starts = np.cumsum(counts) - counts
        tagged = (np.repeat(np.arange(counts.size, dtype=np.uint32), counts) << np.uint32(16)) | values
        indexed = np.flatnonzero(counts >= self.min_shingles)
        if indexed.size == 0:
            none = np.zeros(0, dtype=np.uint64)
            return _Batch(values, counts, starts, cutoffs, tagged, none, none.astype(np.int64))
        signatures = self._signatures(values, counts[indexed], starts[indexed])
        m, b, r = indexed.size, self.bands, self.rows
        signatures = signatures.reshape(m, b, r).astype(np.uint64)
        keys = np.broadcast_to(self.salts, (m, b)).copy()
        for j in range(r):
            keys = _mix(keys ^ signatures[:, :, j])
        return _Batch(values, counts, starts, cutoffs, tagged, keys.reshape(-1), np.repeat(indexed, b))

    def _signatures(self, values: U16, counts: I64, starts: I64) -> U16:
        """MinHash signatures, one row per post: column by column over posts sorted by length
        (numpy's reduceat over rows of 48 is slow; a few posts go through it all the same)."""
        perm = self.permutations
        if counts.size < 32:
            rows = perm[values[_ranges(starts, counts)]]
            return np.minimum.reduceat(rows, np.cumsum(counts) - counts, axis=0)
        order = np.argsort(-counts, kind="stable")
        lengths = counts[order]
        firsts = starts[order]
        k = self.permutations.shape[1]
        out = np.full((order.size, k), 0xFFFF, dtype=np.uint16)
        longest = int(lengths[0])
        # how many posts have more than j bigrams, for each column j
        active = np.searchsorted(-lengths, -np.arange(longest), side="left")
        for j in range(longest):
            n = int(active[j])
            np.minimum(out[:n], perm[values[firsts[:n] + j]], out=out[:n])
        signatures = np.empty_like(out)
        signatures[order] = out
        return signatures


class _Buckets:
    """Open-addressing multimap: band key → post number, in two numpy arrays of 32-bit integers.

    A slot holds the key's high 32 bits (its fingerprint; 0 marks an empty slot) and the post's
    number minus ``base``. The home slot is a hash of the fingerprint, so the table can be rebuilt
    from itself; two keys are confused only when their fingerprints are equal (one in 4 billion,
    and a confusion costs one needless verification). Entries of posts numbered below ``oldest``
    are expired: lookups skip them, inserts reuse their slots. Linear probing, vectorised: each
    round moves every unfinished probe one slot on.
    """

    MAX_LOAD = 0.75  # of slots ever written (live or expired): then rebuild
    TARGET_LOAD = 0.45  # of live entries, after a rebuild
    MIN_LOAD = 0.25  # of live entries: below it, rebuild smaller
    MIN_CAPACITY = 1024

    def __init__(self, capacity: int = MIN_CAPACITY, base: int = 0) -> None:
        self.fingerprints = np.zeros(capacity, dtype=np.uint32)
        self.values = np.zeros(capacity, dtype=np.int32)
        self.base = base
        self.used = 0  # slots written since the table was built (live or expired)

    @property
    def capacity(self) -> int:
        return int(self.fingerprints.size)

    @property
    def nbytes(self) -> int:
        return int(self.fingerprints.nbytes + self.values.nbytes)

    @staticmethod
    def fingerprints_of(keys: U64) -> U32:
        fingerprints = (keys >> np.uint64(32)).astype(np.uint32)
        fingerprints[fingerprints == 0] = 1
        return fingerprints

    def _homes(self, fingerprints: U32) -> I64:
        scrambled = (fingerprints.astype(np.uint64) * np.uint64(0x9E3779B1)) & np.uint64(0xFFFFFFFF)
        return ((scrambled * np.uint64(self.capacity)) >> np.uint64(32)).astype(np.int64)

    def lookup(self, fingerprints: U32, oldest: int) -> tuple[I64, I64]:
        """(index into ``fingerprints``, post number) of every live entry under one of them."""
        slots = self._homes(fingerprints)
        floor = oldest - self.base
        capacity = self.capacity
        active = np.arange(fingerprints.size, dtype=np.int64)
        found_q: list[I64] = []
        found_v: list[I64] = []
        table_f, table_v = self.fingerprints, self.values
        while active.size > _SCALAR_TAIL:
            f = table_f[slots]
            hit = np.flatnonzero(f == fingerprints[active])
            if hit.size:
                v = table_v[slots[hit]]
                live = v >= floor
                found_q.append(active[hit[live]])
                found_v.append(v[live].astype(np.int64) + self.base)
            go = np.flatnonzero(f)
            active = active[go]
            slots = slots[go] + 1
            slots[slots == capacity] = 0
        if active.size:  # the last few long probes, one by one (cheaper than numpy rounds)
            tail_q: list[int] = []
            tail_v: list[int] = []
            for q, slot in zip(active.tolist(), slots.tolist(), strict=True):
                want = int(fingerprints[q])
                while (f_slot := int(table_f[slot])) != 0:
                    if f_slot == want and (v_slot := int(table_v[slot])) >= floor:
                        tail_q.append(q)
                        tail_v.append(v_slot + self.base)
                    slot = slot + 1 if slot + 1 < capacity else 0
            found_q.append(np.array(tail_q, dtype=np.int64))
            found_v.append(np.array(tail_v, dtype=np.int64))
        if not found_q:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(found_q), np.concatenate(found_v)

    def insert(self, fingerprints: U32, posts: I64, oldest: int) -> None:
        slots = self._homes(fingerprints)
        values = (posts - self.base).astype(np.int32)
        floor = oldest - self.base
        capacity = self.capacity
        pending = np.arange(fingerprints.size, dtype=np.int64)
        table_f, table_v = self.fingerprints, self.values
        while pending.size > _SCALAR_TAIL:
            f = table_f[slots]
            free = np.flatnonzero((f == 0) | (table_v[slots] < floor))
            if free.size:
                at, who = slots[free], pending[free]
                table_f[at] = fingerprints[who]  # when several want one slot, one write wins
                table_v[at] = values[who]
                won = (table_v[at] == values[who]) & (table_f[at] == fingerprints[who])
                self.used += int(np.count_nonzero(won & (f[free] == 0)))
                stay = np.ones(pending.size, dtype=bool)
                stay[free[won]] = False
                pending, slots = pending[stay], slots[stay]
            slots = slots + 1
            slots[slots == capacity] = 0
        for item, position in zip(pending.tolist(), slots.tolist(), strict=True):
            while (f_slot := int(table_f[position])) != 0 and int(table_v[position]) >= floor:
                position = position + 1 if position + 1 < capacity else 0
            table_f[position] = fingerprints[item]
            table_v[position] = values[item]
            self.used += f_slot == 0

    def live_count(self, oldest: int) -> int:
        return int(np.count_nonzero((self.fingerprints != 0) & (self.values >= oldest - self.base)))

    def rebuilt(self, oldest: int, extra: int) -> _Buckets:
        """A new table of the live entries, sized for them and ``extra`` more, based at ``oldest``."""
        alive = np.flatnonzero((self.fingerprints != 0) & (self.values >= oldest - self.base))
        capacity = max(self.MIN_CAPACITY, int((alive.size + extra) / self.TARGET_LOAD))
        table = _Buckets(capacity, base=oldest)
        table.insert(self.fingerprints[alive], self.values[alive].astype(np.int64) + self.base, oldest)
        return table


class NearDuplicateIndex:
    """Near-duplicates of short posts over a sliding time window (see the module docstring).

    ``threshold``: the Jaccard similarity of bigram sets from which two posts are near-duplicates.
    ``bands`` × ``rows``: the MinHash LSH shape; a pair of similarity *s* becomes a candidate with
    probability ``1 - (1 - s**rows)**bands`` (0.96 at 0.7, 0.99 at 0.8 with the defaults).
    ``bucket_size``: live posts kept per band key (the first ones that arrive).
    ``min_shingles``: posts with fewer bigrams (after the noise is dropped) are neither checked nor
    indexed; exact duplicates of such short posts are the fingerprint's job.
    """

    def __init__(
        self,
        *,
        window_seconds: float = 86400.0,
        threshold: float = 0.7,
        seed: int = 1,
        bands: int = 12,
        rows: int = 4,
        bucket_size: int = 2,
        min_shingles: int = 4,
        compiled: bool = True,
    ) -> None:
        if not window_seconds > 0 or not 0 < threshold <= 1:
            raise ValueError("window_seconds must be > 0 and threshold in (0, 1]")
        if not 1 <= bands <= 64 or not 1 <= rows <= 16 or not 1 <= bucket_size <= 64:
            raise ValueError("bands in 1..64, rows in 1..16, bucket_size in 1..64")
        self.window_seconds = float(window_seconds)
        self.threshold = float(threshold)
        self.seed = int(seed)
        self.bucket_size = int(bucket_size)
        self._hasher = _Hasher(self.seed, int(bands), int(rows), max(2, int(min_shingles)))
        # the exact Jaccard of the candidate pairs: compiled when built (same answers)
        self._jaccard = _jaccard_compiled if compiled and _dedupe_core is not None else _jaccard_with_batch
        self._now = float("-inf")
        self._head = 0  # number of the oldest post in the window
        self._next = 0  # number of the next post
        self._alloc_ring(1024)
        self._sets = np.zeros(4096, dtype=np.uint16)  # ring of the stored sets
        self._sets_head = 0  # index in _sets of the oldest stored value
        self._sets_used = 0
        self._buckets = _Buckets()
        self._entries = 0  # live bucket entries
        self._key_bytes = 0  # sys.getsizeof of the key strings the ring holds

    # ---- the ring of posts: post number p lives at p % capacity -----------------------------

    def _alloc_ring(self, capacity: int) -> None:
        self._ts = np.zeros(capacity, dtype=np.float64)
        self._root = np.zeros(capacity, dtype=np.int64)  # number of the post's original
        self._set_at = np.zeros(capacity, dtype=np.int32)  # index of its set in _sets
        self._set_len = np.zeros(capacity, dtype=np.int16)
        self._cutoff = np.zeros(capacity, dtype=np.uint16)  # 0: the complete set
        self._owned = np.zeros(capacity, dtype=np.int8)  # bucket entries the post inserted
        self._keys = np.full(capacity, None, dtype=object)  # its original's key, when owned > 0

    def _ring_arrays(self) -> tuple[npt.NDArray[Any], ...]:
        return (self._ts, self._root, self._set_at, self._set_len, self._cutoff, self._owned, self._keys)

    @property
    def _capacity(self) -> int:
        return int(self._ts.size)

    def _resize_ring(self, capacity: int) -> None:
        live = np.arange(self._head, self._next, dtype=np.int64)
        src = live % self._capacity
        old = self._ring_arrays()
        self._alloc_ring(capacity)
        dst = live % capacity
        for new, previous in zip(self._ring_arrays(), old, strict=True):
            new[dst] = previous[src]

    def _resize_sets(self, capacity: int) -> None:
        """Copy the stored sets, oldest first, to the start of a new ring of ``capacity`` values."""
        size = self._sets.size
        head, used = self._sets_head, self._sets_used
        sets = np.zeros(capacity, dtype=np.uint16)
        first = min(used, size - head)  # the values up to the ring's end, then those from its start
        sets[:first] = self._sets[head : head + first]
        sets[first:used] = self._sets[: used - first]
        live = np.arange(self._head, self._next, dtype=np.int64) % self._capacity
        stored = live[self._set_len[live] > 0]
        self._set_at[stored] = (self._set_at[stored].astype(np.int64) - self._sets_head) % size
        self._sets = sets
        self._sets_head = 0

    # ---- public interface -----------------------------------------------------------------

    def __len__(self) -> int:
        return self._next - self._head

    def expire(self, now: float) -> int:
        """Drop the posts older than ``now - window_seconds`` (in arrival order); how many went."""
        self._now = max(self._now, float(now))
        cutoff = self._now - self.window_seconds
        dropped = 0
        while self._head < self._next:
            stop = min(self._next, self._head + 4096)
            slots = np.arange(self._head, stop, dtype=np.int64) % self._capacity
            old = self._ts[slots] < cutoff
            count = int(old.size) if old.all() else int(np.argmin(old))
            if count == 0:
                break
            gone = slots[:count]
            owners = gone[self._owned[gone] > 0]
            self._entries -= int(self._owned[owners].sum())
            self._key_bytes -= sum(map(sys.getsizeof, self._keys[owners]))
            self._keys[owners] = None
            freed = int(self._set_len[owners].sum())
            self._sets_head = (self._sets_head + freed) % self._sets.size
            self._sets_used -= freed
            self._head += count
            dropped += count
            if count < slots.size:
                break
        if dropped:
            self._shrink()
        return dropped

    def _shrink(self) -> None:
        live = self._next - self._head
        if self._capacity > 1024 and live < self._capacity * 0.6:
            self._resize_ring(max(1024, live * 5 // 4))
        if self._sets.size > 4096 and self._sets_used < self._sets.size * 0.6:
            self._resize_sets(max(4096, self._sets_used * 5 // 4))
        table = self._buckets
        if table.capacity > _Buckets.MIN_CAPACITY and self._entries < table.capacity * _Buckets.MIN_LOAD:
            self._buckets = table.rebuilt(self._head, 0)

    def memory_bytes(self) -> int:
        """Bytes held: every numpy array as allocated (capacity, not use), the key strings held
        (each reference counted: an upper bound, references to one original's key are shared) and
        ``fixed_bytes()``."""
        ring = sum(int(a.nbytes) for a in self._ring_arrays())
        return ring + int(self._sets.nbytes) + self._buckets.nbytes + self._key_bytes + self.fixed_bytes()

    def fixed_bytes(self) -> int:
        """The part of ``memory_bytes`` that does not grow with the posts: the permutation table
        (65536 × bands × rows × 2 bytes, shared by the indexes of one seed and shape)."""
        return int(self._hasher.permutations.nbytes)

    def check_and_add(self, key: str, text: str, timestamp: float) -> str | None:
        """The key of the original this post near-duplicates in the window, or None; then add it."""
        return self.check_and_add_many([(key, text, timestamp)])[0]

    def check_and_add_many(self, items: Sequence[tuple[str, str, float]]) -> list[str | None]:
        """``check_and_add`` for a batch, in order (a post may duplicate an earlier one of the batch)."""
        if len(items) > _CHUNK:
            out: list[str | None] = []
            for i in range(0, len(items), _CHUNK):
                out.extend(self.check_and_add_many(items[i : i + _CHUNK]))
            return out
        n = len(items)
        if n == 0:
            return []
        keys = [item[0] for item in items]
        stamps = np.fromiter((item[2] for item in items), dtype=np.float64, count=n)
        if not np.isfinite(stamps).all():
            raise ValueError("timestamps must be finite")
        self.expire(float(stamps[0]))
        batch = self._hasher.batch([item[1] for item in items])
        if self._next + n - self._buckets.base >= 2**31 - 1:  # keep post numbers within int32
            self._buckets = self._buckets.rebuilt(self._head, 0)
        seq0 = self._next
        root = np.arange(seq0, seq0 + n, dtype=np.int64)
        via: list[str | None] = list(keys)  # the key of each post's original
        owned = np.zeros(n, dtype=np.int64)
        fingerprints = _Buckets.fingerprints_of(batch.band_keys)
        inserting = np.zeros(0, dtype=np.int64)
        pair_post = pair_cand = np.zeros(0, dtype=np.int64)
        if fingerprints.size:
            # 1. what the window's buckets hold under each band key of the batch
            q_found, seq_found = self._buckets.lookup(fingerprints, self._head)
            in_table = np.bincount(q_found, minlength=fingerprints.size)
            # 2. the batch itself, band key by band key in batch order: a post enters a bucket that
            #    holds fewer than bucket_size posts, and is compared with those that entered before
            order = np.argsort(fingerprints, kind="stable")
            sorted_f = fingerprints[order]
            first = np.empty(order.size, dtype=bool)
            first[0] = True
            np.not_equal(sorted_f[1:], sorted_f[:-1], out=first[1:])
            positions = np.arange(order.size, dtype=np.int64)
            group_start = np.maximum.accumulate(np.where(first, positions, 0))
            rank = positions - group_start
            room = np.maximum(0, self.bucket_size - in_table[order])
            inserting = order[rank < room]
            seen = np.minimum(rank, room)
            post_in_batch = batch.band_post[np.repeat(order, seen)]
            cand_in_batch = batch.band_post[order[_ranges(group_start, seen)]] + seq0
            owned = np.bincount(batch.band_post[inserting], minlength=n)
            pair_post = np.concatenate([batch.band_post[q_found], post_in_batch])
            pair_cand = np.concatenate([seq_found, cand_in_batch])
        # 3. the batch joins the ring; the posts that own a bucket entry store their set (only
        #    they can be candidates, in this batch or later)
        self._append(batch, stamps, owned)
        # 4. verify the candidate pairs, pick each post's original
        if pair_post.size:
            pair_post, pair_cand = self._unique_pairs(pair_post, pair_cand)
            slots = pair_cand % self._capacity
            cutoffs = self._cutoff[slots].astype(np.int64)
            cutoffs[cutoffs == 0] = _FULL
            cutoffs = np.minimum(cutoffs, batch.cutoffs[pair_post])
            size_a = batch.counts[pair_post]
            size_b = self._set_len[slots].astype(np.int64)
            # Jaccard ≤ smaller / larger: skip the pairs whose sizes alone rule them out
            could = (cutoffs < _FULL) | (
                np.minimum(size_a, size_b) >= self.threshold * np.maximum(size_a, size_b)
            )
            pair_post, pair_cand, slots = pair_post[could], pair_cand[could], slots[could]
            similarity = self._jaccard(
                batch.tagged,
                batch.starts,
                batch.counts,
                pair_post,
                self._sets,
                self._set_at[slots].astype(np.int64),
                size_b[could],
                cutoffs[could],
            )
            near = similarity >= self.threshold
            self._assign_roots(pair_post[near], pair_cand[near], seq0, root, via)
        result: list[str | None] = [None] * n
        for i in np.flatnonzero(root < np.arange(seq0, seq0 + n)).tolist():
            result[i] = via[i]
        # 5. remember originals and bucket entries
        slots = np.arange(seq0, seq0 + n, dtype=np.int64) % self._capacity
        self._root[slots] = root
        self._owned[slots] = owned
        owners = np.flatnonzero(owned)
        if owners.size:
            held = [via[i] for i in owners.tolist()]
            self._keys[slots[owners]] = held
            self._key_bytes += sum(map(sys.getsizeof, held))
        if inserting.size:
            self._insert(fingerprints[inserting], batch.band_post[inserting] + seq0)
        self._entries += int(owned.sum())
        self.expire(float(stamps.max()))
        return result

    # ---- steps ----------------------------------------------------------------------------

    def _append(self, batch: _Batch, stamps: npt.NDArray[np.float64], owned: I64) -> None:
        n = stamps.size
        if self._next - self._head + n > self._capacity:
            self._resize_ring((self._next - self._head + n) * 5 // 4)
        keep = np.flatnonzero(owned)
        lengths = batch.counts[keep]
        total = int(lengths.sum())
        if self._sets_used + total > self._sets.size:
            self._resize_sets((self._sets_used + total) * 5 // 4)
        slots = np.arange(self._next, self._next + n, dtype=np.int64) % self._capacity
        self._ts[slots] = stamps
        self._set_len[slots] = 0
        self._owned[slots] = 0
        self._keys[slots] = None
        if total:
            size = self._sets.size
            tail = (self._sets_head + self._sets_used) % size
            at = (tail + np.cumsum(lengths) - lengths) % size
            self._set_at[slots[keep]] = at
            self._set_len[slots[keep]] = lengths
            cutoffs = batch.cutoffs[keep]
            self._cutoff[slots[keep]] = np.where(cutoffs >= _FULL, 0, cutoffs)
            src = _ranges(batch.starts[keep], lengths)
            self._sets[(tail + np.arange(total, dtype=np.int64)) % size] = batch.values[src]
            self._sets_used += total
        self._next += n

    @staticmethod
    def _unique_pairs(post: I64, cand: I64) -> tuple[I64, I64]:
        base = int(cand.min())
        code = np.unique((post << 40) | (cand - base))
        return code >> 40, (code & ((1 << 40) - 1)) + base

    def _assign_roots(self, post: I64, cand: I64, seq0: int, root: I64, via: list[str | None]) -> None:
        """Each post's original: the earliest original among its near-duplicate candidates."""
        if post.size == 0:
            return
        from_window = cand < seq0
        if from_window.any():
            wp, wc = post[from_window], cand[from_window]
            wroot = self._root[wc % self._capacity]
            order = np.lexsort((wroot, wp))
            wp, wc, wroot = wp[order], wc[order], wroot[order]
            first = np.ones(wp.size, dtype=bool)
            first[1:] = wp[1:] != wp[:-1]
            wp, wc, wroot = wp[first], wc[first], wroot[first]
            root[wp] = wroot
            for i, key in zip(wp.tolist(), self._keys[wc % self._capacity].tolist(), strict=True):
                via[i] = key
        in_batch = np.flatnonzero(~from_window)
        if in_batch.size:  # in batch order: an earlier post's original is settled before it is used
            for i, j in zip(post[in_batch].tolist(), (cand[in_batch] - seq0).tolist(), strict=True):
                if root[j] < root[i]:
                    root[i] = root[j]
                    via[i] = via[j]

    def _insert(self, fingerprints: U32, posts: I64) -> None:
        table = self._buckets
        if table.used + fingerprints.size > table.capacity * _Buckets.MAX_LOAD:
            table = self._buckets = table.rebuilt(self._head, fingerprints.size)
        table.insert(fingerprints, posts, self._head)


# One batch, atomically: expire; read the buckets of the batch's band keys from the live time slices
# and the records of the candidates they name (a few calls per batch); then for each post in order:
# look up, enter the buckets with room, verify the candidates (exact Jaccard of the stored sets),
# answer with the earliest original; write the current slice back. Making strings is what costs in
# Redis' Lua, so the worker sends everything pre-built and the script reads bytes into numbers.
#
# KEYS[1]: the key prefix. ARGV: window, threshold, bucket_size, ttl_ms, n, slice_seconds, u, then
# the u distinct band keys of the batch (6 bytes each), then per post: key, record tail (3 bytes
# cut-off, 2 bytes key length, key, set as big-endian uint16), band keys (3-byte indexes into the
# distinct ones; "" when the post is not indexed); then the n timestamps. With n = 0: ARGV[8] is the
# time to expire to.
# State: <p>m (hash now, head, next), <p>q (list of timestamps, in arrival order: the first is the
# post numbered head), <p>sb (hash slice → its first post), per slice <p>b:<slice> (hash band key →
# 6-byte post numbers) and <p>r:<slice> (hash 6-byte post number → 6 bytes original + record tail).
# A slice goes when its last post has expired.
_LUA_BATCH = """
local P = KEYS[1]
local window, threshold = tonumber(ARGV[1]), tonumber(ARGV[2])
local bucket_size, ttl, n = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local slice_seconds, u = tonumber(ARGV[6]), tonumber(ARGV[7])
local CHUNK = 3000
local byte, char, sub, floor = string.byte, string.char, string.sub, math.floor
local meta = redis.call('HMGET', P .. 'm', 'now', 'head', 'next')
local now = tonumber(meta[1] or 'x') or -math.huge
local head = tonumber(meta[2] or '0')
local next_post = tonumber(meta[3] or '0')

local function expire(t)
  if t > now then now = t end
  local cutoff = now - window
  local dropped = 0
  while true do
    local stamps = redis.call('LRANGE', P .. 'q', 0, 1023)
    local count = 0
    for _, stamp in ipairs(stamps) do
      if tonumber(stamp) >= cutoff then break end
      count = count + 1
    end
    if count > 0 then redis.call('LTRIM', P .. 'q', count, -1) end
    head = head + count
    dropped = dropped + count
    if count < 1024 then break end
  end
  return dropped
end

local slices = {}
local flat = redis.call('HGETALL', P .. 'sb')
for i = 1, #flat, 2 do slices[#slices + 1] = {flat[i], tonumber(flat[i + 1])} end
table.sort(slices, function(a, b) return a[2] < b[2] end)

local function drop_dead_slices()
  while #slices > 0 do
    local last = (#slices >= 2) and slices[2][2] or next_post
    if last > head then break end
    redis.call('DEL', P .. 'b:' .. slices[1][1], P .. 'r:' .. slices[1][1])
    redis.call('HDEL', P .. 'sb', slices[1][1])
    table.remove(slices, 1)
  end
end

local function slice_of(post)
  local found = nil
  for _, slice in ipairs(slices) do
    if slice[2] <= post then found = slice[1] else break end
  end
  return found
end

local function six(number)
  local b6 = number % 256
  number = floor(number / 256)
  local b5 = number % 256
  number = floor(number / 256)
  local b4 = number % 256
  number = floor(number / 256)
  local b3 = number % 256
  number = floor(number / 256)
  return char(floor(number / 256), number % 256, b3, b4, b5, b6)
end

local function posts_of(value)
  local bytes = {byte(value, 1, -1)}
  local posts = {}
  for j = 1, #bytes, 6 do
    posts[#posts + 1] = ((((bytes[j] * 256 + bytes[j + 1]) * 256 + bytes[j + 2]) * 256 + bytes[j + 3])
      * 256 + bytes[j + 4]) * 256 + bytes[j + 5]
  end
  return posts
end

local function values_of(text, first)
  local bytes = {byte(text, first, -1)}
  local values = {}
  for j = 1, #bytes, 2 do values[#values + 1] = bytes[j] * 256 + bytes[j + 1] end
  return values
end

-- a record: {original, cut-off, key length, the string (tail at offset), offset, set or nil}
local function from_tail(root, text, offset)
  local c1, c2, c3, l1, l2 = byte(text, offset, offset + 4)
  return {root, (c1 * 256 + c2) * 256 + c3, l1 * 256 + l2, text, offset, nil}
end

local function set_of(record)
  if not record[6] then record[6] = values_of(record[4], record[5] + 5 + record[3]) end
  return record[6]
end

local function key_of(record)
  return sub(record[4], record[5] + 5, record[5] + 4 + record[3])
end

local function similar(a, b, cut)
  local na, nb = #a, #b
  if cut < 65536 then
    while na > 0 and a[na] >= cut do na = na - 1 end
    while nb > 0 and b[nb] >= cut do nb = nb - 1 end
  elseif na < threshold * nb or nb < threshold * na then
    return false
  end
  -- J >= t needs an intersection of at least t (na + nb) / (1 + t): give up once out of reach
  local need = threshold * (na + nb) / (1 + threshold) - 1e-9
  local i, j, inter = 1, 1, 0
  while i <= na and j <= nb do
    local x, y = a[i], b[j]
    if x == y then
      inter = inter + 1
      i = i + 1
      j = j + 1
    else
      if x < y then i = i + 1 else j = j + 1 end
      if inter + math.min(na - i, nb - j) + 1 < need then return false end
    end
  end
  local union = na + nb - inter
  return union > 0 and inter / union >= threshold
end

local base = 8 + u
local dropped = expire(tonumber(n == 0 and ARGV[8] or ARGV[base + 3 * n]))
drop_dead_slices()
local results = {}
if n > 0 then
  local current = string.format('%d', floor(now / slice_seconds))
  if #slices == 0 or tonumber(slices[#slices][1]) < tonumber(current) then
    slices[#slices + 1] = {current, next_post}
    redis.call('HSET', P .. 'sb', current, next_post)
  else
    current = slices[#slices][1]
  end
  -- what the live slices hold under the batch's band keys: for the i-th distinct key (ARGV[7 + i]),
  -- count[i] live posts in held[(i - 1) * bucket_size + 1 ...] (flat tables: no table per key)
  local count, held, in_current = {}, {}, {}
  local wanted, wanted_list = {}, {}
  for _, slice in ipairs(slices) do
    local name = P .. 'b:' .. slice[1]
    for c = 1, u, CHUNK do
      local upto = math.min(c + CHUNK - 1, u)
      local stored = redis.call('HMGET', name, unpack(ARGV, 7 + c, 7 + upto))
      for k = c, upto do
        local value = stored[k - c + 1]
        if value then
          local have = count[k] or 0
          for j = 1, #value, 6 do
            local b1, b2, b3, b4, b5, b6 = byte(value, j, j + 5)
            local post = ((((b1 * 256 + b2) * 256 + b3) * 256 + b4) * 256 + b5) * 256 + b6
            if post >= head and have < bucket_size then
              have = have + 1
              held[(k - 1) * bucket_size + have] = post
              if not wanted[post] then
                wanted[post] = true
                wanted_list[#wanted_list + 1] = post
              end
            end
          end
          count[k] = have
          if slice[1] == current then in_current[k] = value end
        end
      end
    end
  end
  -- the records of the candidates from the window, slice by slice
  local records, by_slice = {}, {}
  for _, post in ipairs(wanted_list) do
    local slice = slice_of(post)
    if slice then
      by_slice[slice] = by_slice[slice] or {}
      table.insert(by_slice[slice], post)
    end
  end
  for slice, posts in pairs(by_slice) do
    for c = 1, #posts, CHUNK do
      local upto = math.min(c + CHUNK - 1, #posts)
      local names = {}
      for k = c, upto do names[#names + 1] = six(posts[k]) end
      local stored = redis.call('HMGET', P .. 'r:' .. slice, unpack(names))
      for k = c, upto do
        local record = stored[k - c + 1]
        if record then records[posts[k]] = from_tail(posts_of(sub(record, 1, 6))[1], record, 7) end
      end
    end
  end
  -- the posts, in order
  local dirty, dirty_list = {}, {}
  local new_records = {}
  local seen, candidates = {}, {}
  for i = 1, n do
    local at = base + (i - 1) * 3
    local key, tail, bands = ARGV[at], ARGV[at + 1], ARGV[at + 2]
    local post = next_post
    next_post = next_post + 1
    local root, root_key = post, key
    if #bands > 0 then
      local post_bytes = nil
      local found, owns = 0, 0
      for j = 1, #bands, 3 do
        local k1, k2, k3 = byte(bands, j, j + 2)
        local k = (k1 * 256 + k2) * 256 + k3 + 1
        local have = count[k] or 0
        local first = (k - 1) * bucket_size
        for r = first + 1, first + have do
          local other = held[r]
          if seen[other] ~= post then
            seen[other] = post
            found = found + 1
            candidates[found] = other
          end
        end
        if have < bucket_size then
          count[k] = have + 1
          held[first + have + 1] = post
          post_bytes = post_bytes or six(post)
          if not dirty[k] then
            dirty[k] = true
            dirty_list[#dirty_list + 1] = k
          end
          in_current[k] = (in_current[k] or '') .. post_bytes
          owns = owns + 1
        end
      end
      local me = from_tail(post, tail, 1)
      local best = nil
      for c = 1, found do
        local record = records[candidates[c]]
        if record and record[1] < root and similar(set_of(me), set_of(record), math.min(me[2], record[2])) then
          root, best = record[1], record
        end
      end
      if best then root_key = key_of(best) end
      if owns > 0 then
        me[1] = root
        if best then
          -- the stored record carries the original's key, not the post's own
          local c1, c2, c3 = byte(tail, 1, 3)
          tail = char(c1, c2, c3, floor(#root_key / 256), #root_key % 256) .. root_key .. sub(tail, 6 + me[3])
          me = from_tail(root, tail, 1)
        end
        records[post] = me
        new_records[#new_records + 1] = post_bytes
        new_records[#new_records + 1] = six(root) .. tail
      end
    end
    if root < post then results[i] = root_key else results[i] = '' end
  end
  -- write the current slice back, and the arrival queue
  local name = P .. 'b:' .. current
  local out = {}
  for _, k in ipairs(dirty_list) do
    out[#out + 1] = ARGV[7 + k]
    out[#out + 1] = in_current[k]
    if #out >= 2 * CHUNK then
      redis.call('HSET', name, unpack(out))
      out = {}
    end
  end
  if #out > 0 then redis.call('HSET', name, unpack(out)) end
  for c = 1, #new_records, 2 * CHUNK do
    redis.call('HSET', P .. 'r:' .. current, unpack(new_records, c, math.min(c + 2 * CHUNK - 1, #new_records)))
  end
  local stamps = base + 3 * n
  local latest = -math.huge
  for c = stamps, stamps + n - 1, CHUNK do
    local upto = math.min(c + CHUNK - 1, stamps + n - 1)
    redis.call('RPUSH', P .. 'q', unpack(ARGV, c, upto))
    for k = c, upto do
      local t = tonumber(ARGV[k])
      if t > latest then latest = t end
    end
  end
  redis.call('PEXPIRE', name, ttl)
  if #new_records > 0 then redis.call('PEXPIRE', P .. 'r:' .. current, ttl) end
  dropped = dropped + expire(latest)
  drop_dead_slices()
end
redis.call('HSET', P .. 'm', 'now', string.format('%.17g', now), 'head', string.format('%d', head),
  'next', string.format('%d', next_post))
for _, name in ipairs({'m', 'q', 'sb'}) do redis.call('PEXPIRE', P .. name, ttl) end
results[n + 1] = dropped
return results
"""


class RedisNearDuplicateIndex:
    """``NearDuplicateIndex`` with its state in Redis, shared by every worker using the same prefix.

    The worker computes the bigram sets and band keys (numpy, as the local index does); one Lua
    script per batch then looks up, verifies, answers and adds atomically, so the answers equal
    those of a single ``NearDuplicateIndex`` fed the batches in the order Redis ran them. Every key
    (``{prefix}:…``, one Redis Cluster hash slot) expires ``ttl_factor × window_seconds`` of wall
    time after its last write, so a stream that stops leaves nothing behind; within the window,
    posts expire by their own timestamps, as in the local index.
    """

    def __init__(
        self,
        client: Any,
        *,
        prefix: str = "gk:opinion:dedupe",
        window_seconds: float = 86400.0,
        threshold: float = 0.7,
        seed: int = 1,
        bands: int = 12,
        rows: int = 4,
        bucket_size: int = 2,
        min_shingles: int = 4,
        ttl_factor: float = 2.0,
    ) -> None:
        if not window_seconds > 0 or not 0 < threshold <= 1:
            raise ValueError("window_seconds must be > 0 and threshold in (0, 1]")
        self.client = client
        self.prefix = "{" + prefix + "}:"
        self.window_seconds = float(window_seconds)
        self.threshold = float(threshold)
        self.bucket_size = int(bucket_size)
        self.ttl_ms = max(1000, int(self.window_seconds * ttl_factor * 1000))
        self.slice_seconds = self.window_seconds / 4
        self._hasher = _Hasher(int(seed), int(bands), int(rows), max(2, int(min_shingles)))
        self._script = client.register_script(_LUA_BATCH)

    def _run(self, n: int, args: list[Any]) -> list[Any]:
        head = [repr(self.window_seconds), repr(self.threshold), self.bucket_size, self.ttl_ms, n]
        return list(self._script(keys=[self.prefix], args=[*head, repr(self.slice_seconds), *args]))

    def check_and_add(self, key: str, text: str, timestamp: float) -> str | None:
        return self.check_and_add_many([(key, text, timestamp)])[0]

    def check_and_add_many(self, items: Sequence[tuple[str, str, float]]) -> list[str | None]:
        """As ``NearDuplicateIndex.check_and_add_many``, on the shared state (one script run)."""
        n = len(items)
        if n == 0:
            return []
        stamps = [float(item[2]) for item in items]
        if not all(np.isfinite(stamps)):
            raise ValueError("timestamps must be finite")
        batch = self._hasher.batch([item[1] for item in items])
        # the distinct band keys (their low 48 bits, 6 bytes each) and each post's 3-byte indexes
        distinct, inverse = np.unique(batch.band_keys & np.uint64(0xFFFFFFFFFFFF), return_inverse=True)
        six = distinct.astype(">u8").view(np.uint8).reshape(-1, 8)[:, 2:].tobytes()
        fields = [six[i : i + 6] for i in range(0, len(six), 6)]
        three = inverse.astype(">u4").view(np.uint8).reshape(-1, 4)[:, 1:].tobytes()
        per_post = 3 * self._hasher.bands
        bands = [b""] * n
        for rank, i in enumerate(batch.band_post[:: self._hasher.bands].tolist()):
            bands[i] = three[rank * per_post : (rank + 1) * per_post]
        sets = batch.values.astype(">u2").tobytes()
        starts = (batch.starts * 2).tolist()
        ends = ((batch.starts + batch.counts) * 2).tolist()
        cutoffs = batch.cutoffs.tolist()
        args: list[Any] = [len(fields), *fields]
        for i, item in enumerate(items):
            key = item[0].encode()
            tail = (
                cutoffs[i].to_bytes(3, "big") + len(key).to_bytes(2, "big") + key + sets[starts[i] : ends[i]]
            )
            args += [key, tail, bands[i]]
        args += [repr(stamp) for stamp in stamps]
        out: list[str | None] = []
        for answer in self._run(n, args)[:n]:
            text = answer.decode() if isinstance(answer, bytes) else str(answer)
            out.append(text or None)
        return out

    def expire(self, now: float) -> int:
        """Drop the posts older than ``now - window_seconds``; how many went."""
        return int(self._run(0, [0, repr(float(now))])[-1])

    def __len__(self) -> int:
        return int(self.client.llen(self.prefix + "q"))

    def clear(self) -> int:
        """Delete every key of this prefix (tests, resets); how many."""
        deleted = 0
        pattern = self.prefix.replace("{", "\\{").replace("}", "\\}") + "*"
        batch: list[Any] = []
        for name in self.client.scan_iter(match=pattern, count=1000):
            batch.append(name)
            if len(batch) >= 1000:
                deleted += int(self.client.delete(*batch))
                batch = []
        if batch:
            deleted += int(self.client.delete(*batch))
        return deleted
