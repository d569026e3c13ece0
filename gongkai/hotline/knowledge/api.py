"""Knowledge-base and suggestion endpoints under /api/v1/knowledge/ (staff only).

Reads for every staff member (published articles; editors also see drafts and expired ones), the
operator form's suggestions while typing, and the dispatcher's routing and duplicate suggestions.
Edits go through the Wagtail admin (same services).
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from ninja.responses import Status

from gongkai.api.errors import ApiError, PermissionDenied
from gongkai.hotline import selectors as hotline_selectors
from gongkai.hotline.knowledge import selectors, services, suggest
from gongkai.hotline.knowledge.models import KnowledgeArticle
from gongkai.hotline.knowledge.permissions import may_read_knowledge, may_use_routing

router = Router(tags=["knowledge"])

#: Largest primary key accepted (a larger integer would overflow the database's integer type).
MAX_ID = 2**31 - 1

StatusFilter = Literal["draft", "published", "expired"]


class RefOut(Schema):
    id: int
    code: str
    name: str


class ArticleOut(Schema):
    id: int
    title: str
    questions: list[str]
    answer: str
    category: RefOut | None
    department: RefOut | None
    policy_basis: str
    source_url: str
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    status: str
    status_label: str
    review_due: datetime.date | None
    version: int
    usage_count: int
    updated_at: datetime.datetime


class ArticlePage(Schema):
    total: int
    offset: int
    limit: int
    items: list[ArticleOut]


class ArticleSuggestionOut(Schema):
    article: ArticleOut
    score: float
    matched_terms: list[str]


class RoutingSuggestionOut(Schema):
    category: RefOut | None
    department: RefOut | None
    score: float
    reason: str
    source: str


class DuplicateOut(Schema):
    id: int
    tracking_number: str
    title: str
    status: str
    created_at: datetime.datetime
    score: float
    reasons: list[str]


def _ref(obj: Any) -> dict | None:
    if obj is None:
        return None
    return {"id": obj.pk, "code": obj.code, "name": getattr(obj, "full_name", None) or obj.name}


def _article_out(article: KnowledgeArticle) -> dict:
    return {
        "id": article.pk,
        "title": article.title,
        "questions": article.question_list,
        "answer": article.answer,
        "category": _ref(article.category),
        "department": _ref(article.department),
        "policy_basis": article.policy_basis,
        "source_url": article.source_url,
        "valid_from": article.valid_from,
        "valid_until": article.valid_until,
        "status": article.status,
        "status_label": str(article.get_status_display()),
        "review_due": article.review_due,
        "version": article.version,
        "usage_count": article.usage_count,
        "updated_at": article.updated_at,
    }


def _reader(request: HttpRequest) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not may_read_knowledge(user):
        raise PermissionDenied(_("仅限工作人员。"))
    return user


@router.get("/articles", response=ArticlePage, summary="知识条目列表与检索 / Articles")
def article_list_api(
    request: HttpRequest,
    q: str = Query("", max_length=100, description="检索词：空格分隔，须全部出现"),
    category: int | None = Query(None, ge=1, le=MAX_ID, description="派单目录分类（含下级）"),
    department: int | None = Query(None, ge=1, le=MAX_ID),
    status: StatusFilter | None = Query(None, description="状态"),  # noqa: B008
    review_due: bool = Query(False, description="只看待复核"),
    offset: int = Query(0, ge=0, le=100_000),
    limit: int = Query(20, ge=1, le=100),
):
    user = _reader(request)
    try:
        total, items = selectors.article_list(
            user=user,
            q=q.strip(),
            category=category,
            department=department,
            status=status,
            review_due=review_due,
            offset=offset,
            limit=limit,
        )
    except selectors.InvalidQuery as exc:
        raise ApiError(exc.message, code=exc.code, status=422) from exc
    return {"total": total, "offset": offset, "limit": limit, "items": [_article_out(a) for a in items]}


@router.get("/articles/{article_id}", response=ArticleOut, summary="知识条目 / Article")
def article_get_api(request: HttpRequest, article_id: int = Path(..., ge=1, le=MAX_ID)):
    user = _reader(request)
    return _article_out(selectors.access_article(user, article_id))


@router.post("/articles/{article_id}/use", response={204: None}, summary="记录一次即时答复使用 / Count a use")
def article_use_api(request: HttpRequest, article_id: int = Path(..., ge=1, le=MAX_ID)):
    user = _reader(request)
    article = selectors.access_article(user, article_id)
    services.article_record_use(article=article, actor=user)
    return Status(204, None)


@router.get("/suggest", response=list[ArticleSuggestionOut], summary="输入时推荐知识条目 / Suggest articles")
def article_suggest_api(
    request: HttpRequest,
    text: str = Query(..., min_length=1, max_length=2000),
    limit: int = Query(5, ge=1, le=20),
):
    _reader(request)
    return [
        {"article": _article_out(s.article), "score": s.score, "matched_terms": s.matched_terms}
        for s in selectors.article_suggest(text, limit=limit)
    ]


def _router_user(request: HttpRequest) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not may_use_routing(user):
        raise PermissionDenied(_("仅限市长电话室、话务员和督查人员。"))
    return user


@router.get("/routing/suggest", response=list[RoutingSuggestionOut], summary="派单建议 / Routing suggestions")
def routing_suggest_api(
    request: HttpRequest,
    text: str = Query(..., min_length=1, max_length=5000),
    limit: int = Query(3, ge=1, le=10),
):
    _router_user(request)
    return [
        {
            "category": _ref(s.category),
            "department": _ref(s.department),
            "score": s.score,
            "reason": s.reason,
            "source": s.source,
        }
        for s in suggest.suggest_routing(text, limit=limit)
    ]


@router.get("/duplicates/{order_id}", response=list[DuplicateOut], summary="疑似重复工单 / Likely duplicates")
def duplicates_api(
    request: HttpRequest,
    order_id: int = Path(..., ge=1, le=MAX_ID),
    days: int = Query(30, ge=1, le=365),
    limit: int = Query(5, ge=1, le=50),
):
    user = _router_user(request)
    order = hotline_selectors.access_work_order(user, order_id)
    candidates = suggest.find_duplicates(order, days=days, limit=limit)
    visible = set(
        hotline_selectors.work_order_visible(user)
        .filter(pk__in=[c.order.pk for c in candidates])
        .values_list("pk", flat=True)
    )
    return [
        {
            "id": c.order.pk,
            "tracking_number": c.order.tracking_number,
            "title": c.order.title,
            "status": c.order.status,
            "created_at": c.order.created_at,
            "score": c.score,
            "reasons": c.reasons,
        }
        for c in candidates
        if c.order.pk in visible
    ]
