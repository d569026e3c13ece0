"""The sensitive-word pre-check reviewers see before deciding.

The active ``SensitiveWord`` rows are compiled once into an Aho–Corasick automaton
(pyahocorasick), which finds every occurrence of every word in one pass over the text, however
many words there are. The automaton is rebuilt when the list changes (its fingerprint is the count
and the latest ``updated_at``, read with one small query).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import ahocorasick

_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
_CONTEXT = 20


@dataclass(frozen=True)
class Hit:
    word: str
    category: str
    category_label: str
    severity: str
    severity_label: str
    start: int
    end: int
    before: str
    after: str

    @property
    def is_high(self) -> bool:
        return self.severity == "high"


@dataclass(frozen=True)
class PrecheckResult:
    hits: tuple[Hit, ...]

    @property
    def high(self) -> tuple[Hit, ...]:
        return tuple(hit for hit in self.hits if hit.is_high)

    @property
    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {"high": 0, "medium": 0, "low": 0}
        for hit in self.hits:
            counts[hit.severity] = counts.get(hit.severity, 0) + 1
        return counts

    def summary(self) -> list[dict]:
        """Each word once with its count, most severe first."""
        seen: dict[str, dict] = {}
        for hit in self.hits:
            entry = seen.setdefault(
                hit.word,
                {
                    "word": hit.word,
                    "category": hit.category_label,
                    "severity": hit.severity,
                    "severity_label": hit.severity_label,
                    "count": 0,
                },
            )
            entry["count"] += 1
        return sorted(seen.values(), key=lambda e: (_SEVERITY_ORDER.get(e["severity"], 9), e["word"]))


class _Matcher:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fingerprint: tuple | None = None
        self._automaton: ahocorasick.Automaton | None = None

    def _current_fingerprint(self) -> tuple:
        from django.db.models import Count, Max

        from gongkai.publishing.review.models import SensitiveWord

        row = SensitiveWord.objects.filter(active=True).aggregate(n=Count("pk"), latest=Max("updated_at"))
        return (row["n"], row["latest"])

    def automaton(self) -> ahocorasick.Automaton | None:
        from gongkai.publishing.review.models import SensitiveWord

        fingerprint = self._current_fingerprint()
        with self._lock:
            if fingerprint != self._fingerprint:
                automaton = ahocorasick.Automaton()
                for word in SensitiveWord.objects.filter(active=True).only("word", "category", "severity"):
                    if word.word:
                        automaton.add_word(
                            word.word,
                            (
                                word.word,
                                word.category,
                                str(word.get_category_display()),
                                word.severity,
                                str(word.get_severity_display()),
                            ),
                        )
                if len(automaton):
                    automaton.make_automaton()
                    self._automaton = automaton
                else:
                    self._automaton = None
                self._fingerprint = fingerprint
            return self._automaton

    def reset(self) -> None:
        with self._lock:
            self._fingerprint = None
            self._automaton = None


matcher = _Matcher()


def precheck_text(*, text: str) -> PrecheckResult:
    """Find every active sensitive word in ``text``, most severe first, then by position."""
    automaton = matcher.automaton()
    if automaton is None or not text:
        return PrecheckResult(hits=())
    hits = []
    for end_index, (word, category, category_label, severity, severity_label) in automaton.iter(text):
        start = end_index - len(word) + 1
        hits.append(
            Hit(
                word=word,
                category=category,
                category_label=category_label,
                severity=severity,
                severity_label=severity_label,
                start=start,
                end=end_index + 1,
                before=text[max(0, start - _CONTEXT) : start],
                after=text[end_index + 1 : end_index + 1 + _CONTEXT],
            )
        )
    hits.sort(key=lambda hit: (_SEVERITY_ORDER.get(hit.severity, 9), hit.start))
    return PrecheckResult(hits=tuple(hits))


def precheck_page(*, page) -> PrecheckResult:
    """Run the pre-check on the text of ``page`` (its latest revision when there is one)."""
    from gongkai.publishing.review.documents import review_text

    revision = getattr(page, "latest_revision", None)
    obj = revision.as_object() if revision is not None else page
    return precheck_text(text=review_text(obj))
