"""Reads from the search index: the one search function every app and the API use."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from gongkai.core.search import snippets, storage, text


class InvalidQuery(ValueError):
    """The query cannot be searched; ``message`` is user-facing, ``code`` is stable."""

    def __init__(self, message: Any, *, code: str) -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code


@dataclass
class SearchHit:
    content_type: str  # "app_label.model"
    object_id: int
    doc_type: str
    title: str
    #: Title and snippet are HTML: escaped text with the hits in <mark>.
    title_html: str
    snippet: str
    url: str
    date: datetime.date | None
    department_code: str
    score: float
    is_public: bool
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class SearchResults:
    query: str
    total: int
    #: False when more than storage.RANK_LIMIT documents match: ``total`` is then
    #: RANK_LIMIT + 1 ("more than 1,000") and the hits are newest first.
    total_is_exact: bool
    offset: int
    limit: int
    hits: list[SearchHit]


def parse(query: str) -> list[text.Term]:
    """Return the query's terms, or raise :class:`InvalidQuery` if it is empty or too long."""
    if len(query) > text.MAX_QUERY_LENGTH:
        raise InvalidQuery(
            _("检索词过长：最多 %(limit)s 个字符。") % {"limit": text.MAX_QUERY_LENGTH}, code="query_too_long"
        )
    terms = text.parse_query(query)
    if not terms:
        raise InvalidQuery(_("请输入检索词。"), code="query_empty")
    return terms


def search(
    query: str,
    *,
    doc_types: Sequence[str] | None = None,
    department_code: str | None = None,
    year: int | None = None,
    public_only: bool = True,
    offset: int = 0,
    limit: int = 20,
) -> SearchResults:
    """Search titles and bodies; every whitespace-separated term must occur (as a substring).

    Matches are exactly those of ``LIKE '%term%'`` on title or body, case-insensitive. Order: all
    terms in the title first, then documents where the terms are whole words, then newest first;
    beyond ``storage.RANK_LIMIT`` matches, newest first and the total is only "more than".
    Raises :class:`InvalidQuery` for an empty or over-long query.
    """
    terms = parse(query)
    filters = storage.Filters(
        doc_types=list(doc_types) if doc_types else None,
        department_code=department_code or None,
        year=year,
        public_only=public_only,
    )
    offset = max(0, int(offset))
    limit = max(1, min(int(limit), 200))
    total, exact, rows = storage.search_page(terms, filters, offset=offset, limit=limit)
    labels = _content_type_labels({row.content_type_id for row in rows})
    hits = [
        SearchHit(
            content_type=labels.get(row.content_type_id, ""),
            object_id=row.object_id,
            doc_type=row.doc_type,
            title=row.title,
            title_html=snippets.highlight(row.title, terms),
            snippet=snippets.snippet(row.body_text, terms),
            url=row.url,
            date=row.date,
            department_code=row.department_code,
            score=1.0 + 2.0 * row.title_hit + 1.0 * row.word_hit,
            is_public=row.is_public,
            extra=row.extra,
        )
        for row in rows
    ]
    return SearchResults(
        query=query, total=total, total_is_exact=exact, offset=offset, limit=limit, hits=hits
    )


def matching_keys(
    query: str,
    *,
    doc_types: Sequence[str] | None = None,
    public_only: bool = False,
    content_type_ids: Sequence[int] | None = None,
) -> set[tuple[int, int]]:
    """Return every matching (content_type_id, object_id), for checks and bulk work."""
    filters = storage.Filters(doc_types=doc_types, public_only=public_only, content_type_ids=content_type_ids)
    return set(storage.matching_keys(parse(query), filters))


def _content_type_labels(ids: set[int]) -> dict[int, str]:
    labels = {}
    for content_type_id in ids:
        content_type = ContentType.objects.get_for_id(content_type_id)
        labels[content_type_id] = f"{content_type.app_label}.{content_type.model}"
    return labels
