"""Reads: articles by visibility, search, suggestions while typing, the review list; the routing
model's training history and its per-process cache."""

from __future__ import annotations

import datetime
import logging
import math
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from gongkai.core.search import selectors as search
from gongkai.hotline.knowledge import text as ktext
from gongkai.hotline.knowledge.models import (
    DOC_TYPE,
    ArticleStatus,
    KnowledgeArticle,
    RoutingModel,
    doc_type_for,
)
from gongkai.hotline.knowledge.permissions import may_edit_knowledge, may_read_knowledge
from gongkai.hotline.models import Status, WorkOrder

logger = logging.getLogger(__name__)

InvalidQuery = search.InvalidQuery

# --- Articles --------------------------------------------------------------------------------


def article_visible(user: Any) -> QuerySet[KnowledgeArticle]:
    """Editors see every article; other staff see published ones; anyone else nothing."""
    queryset = KnowledgeArticle.objects.select_related("category", "department")
    if may_edit_knowledge(user):
        return queryset
    if may_read_knowledge(user):
        return queryset.filter(status=ArticleStatus.PUBLISHED)
    return queryset.none()


def access_article(user: Any, pk: Any) -> KnowledgeArticle:
    """The article ``pk`` if ``user`` may see it, else ``Http404`` (same for missing and hidden)."""
    try:
        return article_visible(user).get(pk=pk)
    except (KnowledgeArticle.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("not found") from exc


def _doc_types(statuses: Iterable[str]) -> list[str]:
    return [doc_type_for(status) for status in statuses]


def article_list(
    *,
    user: Any,
    q: str = "",
    category: int | None = None,
    department: int | None = None,
    status: str | None = None,
    review_due: bool = False,
    offset: int = 0,
    limit: int = 20,
) -> tuple[int, list[KnowledgeArticle]]:
    """Articles ``user`` may see, filtered; ``q`` searches title, questions, answer and basis.

    With ``q`` (every whitespace-separated term must occur, as in the search component; raises
    ``InvalidQuery`` for an empty or over-long query) the order is: all terms in the title first,
    then most used; without ``q``, most recently updated first. ``category`` includes the category's
    descendants. Returns ``(total, page)``.
    """
    queryset = article_visible(user)
    if status:
        queryset = queryset.filter(status=status)
    if category is not None:
        # A category's path lists its ancestors and itself ("/1/7/"): "/7/" in it = 7 or under 7.
        queryset = queryset.filter(category__path__contains=f"/{int(category)}/")
    if department is not None:
        queryset = queryset.filter(department_id=department)
    if review_due:
        queryset = queryset.filter(article_review_due_q())
    if q:
        statuses = (
            [status]
            if status
            else ArticleStatus.values
            if may_edit_knowledge(user)
            else [ArticleStatus.PUBLISHED]
        )
        keys = search.matching_keys(q, doc_types=_doc_types(statuses), public_only=False)
        queryset = queryset.filter(pk__in=[object_id for _ct, object_id in keys])
        terms = q.split()
        title_hit = Q()
        for term in terms:
            title_hit &= Q(title__icontains=term)
        queryset = queryset.annotate(
            title_rank=Case(When(title_hit, then=Value(1)), default=Value(0), output_field=IntegerField())
        ).order_by("-title_rank", "-usage_count", "-updated_at", "-pk")
    total = queryset.count()
    return total, list(queryset[offset : offset + limit])


def article_review_due_q(today: datetime.date | None = None) -> Q:
    """Published articles whose review date has come, or whose validity ends within 30 days."""
    today = today or timezone.localdate()
    return Q(status=ArticleStatus.PUBLISHED) & (
        Q(review_due__lte=today) | Q(valid_until__lte=today + datetime.timedelta(days=30))
    )


def articles_review_due(*, today: datetime.date | None = None) -> QuerySet[KnowledgeArticle]:
    """The 待复核 list: due first (oldest review date first)."""
    return (
        KnowledgeArticle.objects.select_related("category", "department")
        .filter(article_review_due_q(today))
        .order_by("review_due", "valid_until", "pk")
    )


@dataclass
class ArticleSuggestion:
    article: KnowledgeArticle
    score: float
    matched_terms: list[str] = field(default_factory=list)


#: Key terms searched per suggestion (each is one indexed lookup).
SUGGEST_TERMS = 8


def article_suggest(text: str, *, limit: int = 5) -> list[ArticleSuggestion]:
    """Published articles that probably answer ``text`` (the operator's words, while typing).

    The text's key terms (rjieba words without stopwords, longest first, at most 8) are each looked
    up in the search index (OR); an article scores the sum of the IDF of the terms it contains,
    +50 % for a term in its title; ties go to the more used article. Returns at most ``limit``;
    an empty list when nothing matches or the text has no key term. Never raises for odd input.
    """
    terms = ktext.key_terms((text or "")[:2000], limit=SUGGEST_TERMS)
    if not terms:
        return []
    published = KnowledgeArticle.objects.filter(status=ArticleStatus.PUBLISHED)
    total = max(published.count(), 1)
    hits: dict[int, list[str]] = {}
    weights: dict[str, float] = {}
    for term in terms:
        try:
            keys = search.matching_keys(term, doc_types=[DOC_TYPE], public_only=False)
        except search.InvalidQuery:
            continue
        if not keys:
            continue
        weights[term] = math.log(1 + total / len(keys))
        for _ct, object_id in keys:
            hits.setdefault(object_id, []).append(term)
    if not hits:
        return []
    articles = {
        article.pk: article
        for article in published.filter(pk__in=list(hits)).select_related("category", "department")
    }
    today = timezone.localdate()
    scored = []
    for pk, matched in hits.items():
        article = articles.get(pk)
        if article is None or (article.valid_until and article.valid_until < today):
            continue
        if article.valid_from and article.valid_from > today:
            continue
        title = ktext.normalize(article.title)
        score = sum(weights[t] * (1.5 if t in title else 1.0) for t in matched)
        scored.append(ArticleSuggestion(article=article, score=round(score, 3), matched_terms=matched))
    scored.sort(key=lambda s: (-s.score, -s.article.usage_count, -s.article.pk))
    return scored[:limit]


# --- The routing model -----------------------------------------------------------------------

#: Statuses in which the lead department has signed for the order, i.e. accepted the routing.
#: ``returned`` is out (the department said it is not theirs); a reassigned order has its final
#: department in ``lead_department``.
ROUTED_STATUSES = (Status.IN_PROGRESS, Status.REPLIED, Status.AWAITING_CALLBACK, Status.CLOSED)


def routing_training_samples(*, limit: int = 200_000, since: datetime.datetime | None = None) -> list[Any]:
    """The dispatched history as ``routing.Sample(text, department_pk, category_pk)``, newest first."""
    from gongkai.hotline.knowledge.routing import Sample

    queryset = WorkOrder.objects.filter(
        status__in=ROUTED_STATUSES,
        dispatched_at__isnull=False,
        lead_department__isnull=False,
        category__isnull=False,
        merged_into__isnull=True,
    )
    if since is not None:
        queryset = queryset.filter(dispatched_at__gte=since)
    rows = queryset.order_by("-created_at").values_list(
        "title", "content", "lead_department_id", "category_id"
    )[:limit]
    return [
        Sample(text=f"{title}\n{content}", department=dept, category=cat)
        for title, content, dept, cat in rows
    ]


#: How often a process checks whether a newer model version exists.
MODEL_CHECK_SECONDS = 60.0


class _ModelCache:
    """The newest active model, loaded once per process and refreshed when a newer version appears."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.version: int | None = None
        self.predictor: Any = None
        self.row: RoutingModel | None = None
        self.checked_at = -math.inf
        self.failed_version: int | None = None

    def clear(self) -> None:
        with self.lock:
            self.version, self.predictor, self.row, self.checked_at = None, None, None, -math.inf
            self.failed_version = None

    def get(self) -> tuple[RoutingModel, Any] | None:
        now = time.monotonic()
        if now - self.checked_at < MODEL_CHECK_SECONDS:
            return self._current()
        with self.lock:
            if time.monotonic() - self.checked_at < MODEL_CHECK_SECONDS:
                return self._current()
            latest = (
                RoutingModel.objects.filter(is_active=True)
                .order_by("-version")
                .values_list("version", flat=True)
                .first()
            )
            if latest is not None and latest != self.version and latest != self.failed_version:
                self._load(latest)
            elif latest is None:
                self.version, self.predictor, self.row = None, None, None
            self.checked_at = time.monotonic()
            return self._current()

    def _current(self) -> tuple[RoutingModel, Any] | None:
        # _load() and clear() set row and predictor together.
        if self.predictor is None or self.row is None:
            return None
        return self.row, self.predictor

    def _load(self, version: int) -> None:
        try:
            from gongkai.hotline.knowledge import routing

            row = RoutingModel.objects.get(version=version)
            predictor = routing.loads(row.model_data)
        except Exception:  # a model from another scikit-learn, a missing package: fall back to rules
            logger.exception("routing model v%s could not be loaded; using keyword rules", version)
            self.failed_version = version
            self.version, self.predictor, self.row = None, None, None
            return
        row.model_data = b""  # the bytes are in the predictor now; don't keep two copies
        self.version, self.predictor, self.row = version, predictor, row


MODEL_CACHE = _ModelCache()


def routing_model_current() -> tuple[RoutingModel, Any] | None:
    """``(RoutingModel row without its bytes, predictor)`` of the newest usable version, or ``None``."""
    return MODEL_CACHE.get()


def routing_model_list() -> QuerySet[RoutingModel]:
    return RoutingModel.objects.defer("model_data").order_by("-version")
