"""GET /api/v1/search/: the public full-text search."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from gongkai.api.errors import ApiError
from gongkai.core.search import selectors, text

router = Router(tags=["search"])


class SearchParams(Schema):
    q: str = Field(
        "", description="检索词；以空格分隔的多个词须同时出现 / query; space-separated terms must all occur"
    )
    type: list[str] | None = Field(None, description="文档类型，可重复 / document type, repeatable")
    department: str | None = Field(None, max_length=64, description="部门代码 / department code")
    year: int | None = Field(None, ge=1900, le=2100)
    offset: int = Field(0, ge=0, le=10_000)
    limit: int = Field(20, ge=1, le=100)


class SearchHitOut(Schema):
    content_type: str
    object_id: int
    doc_type: str
    title: str
    title_html: str = Field(description="标题，命中处以 <mark> 标出（已转义）/ escaped title, hits in <mark>")
    snippet: str = Field(description="摘要，命中处以 <mark> 标出（已转义）/ escaped snippet, hits in <mark>")
    url: str
    date: datetime.date | None
    department_code: str
    score: float


class SearchResultsOut(Schema):
    query: str
    total: int
    total_is_exact: bool = Field(
        description="为 false 时表示结果多于 total - 1 条 / when false, more than total - 1 documents match"
    )
    offset: int
    limit: int
    hits: list[SearchHitOut]


@router.get("/", response=SearchResultsOut, auth=None, summary="全文检索 / Full-text search")
def search_public(request: HttpRequest, params: Query[SearchParams]):
    """Search public documents: every term must occur in the title or body (exact substring match)."""
    if len(params.q) > text.MAX_QUERY_LENGTH:
        raise ApiError(
            _("检索词过长：最多 %(limit)s 个字符。") % {"limit": text.MAX_QUERY_LENGTH},
            code="query_too_long",
            status=422,
            details={"field": "q", "max_length": text.MAX_QUERY_LENGTH},
        )
    if not params.q.strip():
        raise ApiError(_("请输入检索词。"), code="query_empty", status=422, details={"field": "q"})
    try:
        results = selectors.search(
            params.q,
            doc_types=[t for t in (params.type or []) if t] or None,
            department_code=params.department,
            year=params.year,
            public_only=True,
            offset=params.offset,
            limit=params.limit,
        )
    except selectors.InvalidQuery as exc:
        raise ApiError(exc.message, code=exc.code, status=422, details={"field": "q"}) from exc
    return results
