"""Extension point: routing and duplicate suggestions for the operator and the dispatcher.

The knowledge-base and ML-routing modules register suggesters; the workspace calls
:func:`suggest`. The built-in suggester matches the routing catalogue's keywords, so that something
useful appears before a model is trained.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gongkai.hotline.models import RoutingCategory


@dataclass
class Suggestion:
    kind: str  # "category", "department", "duplicate", "article"
    object_id: int
    label: str
    score: float
    source: str
    extra: dict[str, Any] = field(default_factory=dict)


Suggester = Callable[..., list[Suggestion]]
_SUGGESTERS: list[Suggester] = []


def register_suggester(function: Suggester) -> Suggester:
    """Register ``function(*, text, district=None, limit) -> list[Suggestion]`` (usable as a decorator)."""
    if function not in _SUGGESTERS:
        _SUGGESTERS.append(function)
    return function


def suggest(*, text: str, district: Any = None, limit: int = 5) -> list[Suggestion]:
    """All registered suggestions for ``text``, best first per kind; a failing suggester is skipped."""
    results: list[Suggestion] = []
    for function in [keyword_suggester, *_SUGGESTERS]:
        try:
            results.extend(function(text=text, district=district, limit=limit))
        except Exception:  # a broken model must not break the operator's form
            import logging

            logging.getLogger(__name__).exception("suggester %r failed", function)
    results.sort(key=lambda s: (s.kind, -s.score))
    return results


def keyword_suggester(*, text: str, district: Any = None, limit: int = 5) -> list[Suggestion]:
    """Categories whose keywords occur in ``text``, scored by how many (and how long) match."""
    text = text or ""
    scored = []
    for category in (
        RoutingCategory.objects.filter(is_active=True)
        .exclude(keywords="")
        .select_related("default_department")
    ):
        words = [
            w.strip() for w in category.keywords.replace("，", ",").replace("\n", ",").split(",") if w.strip()
        ]
        hits = [w for w in words if w in text]
        if hits:
            scored.append((sum(len(w) for w in hits) + category.depth * 0.1, category, hits))
    scored.sort(key=lambda item: -item[0])
    return [
        Suggestion(
            kind="category",
            object_id=category.pk,
            label=category.full_name,
            score=float(score),
            source="keywords",
            extra={"keywords": hits, "department_id": category.default_department_id},
        )
        for score, category, hits in scored[:limit]
    ]
