"""Public, read-only documents API under /api/v1/publishing/ (docs/publishing.md).

Only public documents (live and 主动公开) are listed or returned; any other id answers 404 like a
missing one. No authentication.
"""

import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.html import strip_tags
from ninja import Field, Path, Query, Router, Schema
from wagtail.rich_text import expand_db_html

from gongkai.api.errors import ApiError, NotFound
from gongkai.publishing import selectors
from gongkai.publishing.models import CatalogueEntry, DisclosureDocumentPage, DocumentType

router = Router(tags=["publishing"])

MAX_ID = 2**31 - 1


class DocumentParams(Schema):
    type: list[DocumentType] | None = Field(None, description="文档类型，可重复 / document type, repeatable")
    department: str | None = Field(None, max_length=50, description="发文机关代码 / department code")
    category: str | None = Field(None, max_length=40, description="主题分类代码 / topic code")
    year: int | None = Field(None, ge=1900, le=2100, description="年份（成文或生成日期）/ year")
    q: str = Field("", max_length=100, description="检索词 / search terms (all must occur)")
    offset: int = Field(0, ge=0, le=10_000)
    limit: int = Field(20, ge=1, le=100)


class RefOut(Schema):
    code: str
    name: str


class DocumentOut(Schema):
    id: int
    type: str
    type_label: str
    title: str
    index_number: str
    department: RefOut
    category: RefOut | None
    document_number: str
    summary: str
    formed_at: datetime.date
    year: int
    published_at: datetime.datetime | None
    url: str


class DocumentPageOut(Schema):
    total: int
    total_is_exact: bool
    offset: int
    limit: int
    items: list[DocumentOut]


class LinkOut(Schema):
    id: int
    title: str
    url: str


class AttachmentOut(Schema):
    title: str
    url: str
    file_extension: str
    size: int | None


class DocumentDetailOut(DocumentOut):
    body_html: str
    body_text: str
    metadata: list[tuple[str, str]] = Field(
        description="页面上的文件信息表 / the metadata table (label, value)"
    )
    fields: dict[str, Any] = Field(description="该类型特有的字段 / type-specific fields")
    attachments: list[AttachmentOut]
    interpretations: list[LinkOut]
    policy: LinkOut | None


def _entry_out(entry: CatalogueEntry, request: HttpRequest) -> dict[str, Any]:
    return {
        "id": entry.page_id,
        "type": entry.doc_type,
        "type_label": str(DocumentType(entry.doc_type).label),
        "title": entry.title,
        "index_number": entry.index_number,
        "department": {"code": entry.department.code, "name": entry.department.name},
        "category": {"code": entry.category.code, "name": entry.category.name} if entry.category else None,
        "document_number": entry.document_number,
        "summary": entry.summary,
        "formed_at": entry.formed_at,
        "year": entry.year,
        "published_at": entry.published_at,
        "url": entry.page.get_url(request=request) or "",
    }


def _link(page: Any, request: HttpRequest) -> dict[str, Any]:
    return {"id": page.pk, "title": page.title, "url": page.get_url(request=request) or ""}


_TYPE_FIELDS = {
    DocumentType.POLICY: ["written_on", "genre", "subject_words", "validity", "needs_interpretation"],
    DocumentType.INTERPRETATION: ["form", "author_kind", "expert_name", "expert_title", "video_url"],
    DocumentType.PRESS_RELEASE: ["release_kind", "spokesperson", "held_at", "venue"],
    DocumentType.ANNOUNCEMENT: ["valid_until"],
    DocumentType.EVENT: ["event_kind", "starts_at", "ends_at", "place", "organizer", "traffic_arrangements"],
    DocumentType.EMERGENCY: ["is_open", "level", "occurred_at", "location"],
    DocumentType.RUMOR: ["rumor", "facts", "evidence", "answers_description", "answers_url"],
}
_RICH = {"traffic_arrangements", "facts", "evidence"}


def _fields(page: DisclosureDocumentPage) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in _TYPE_FIELDS[DocumentType(page.document_type)]:
        value = getattr(page, name)
        if name in _RICH:
            value = expand_db_html(value or "")
        elif isinstance(value, datetime.datetime | datetime.date):
            value = value.isoformat()
        values[name] = value
    if page.document_type == DocumentType.EMERGENCY:
        values["timeline"] = [
            {"kind": u.kind, "kind_label": str(u.get_kind_display()), "at": u.at.isoformat(), "text": u.text}
            for u in page.timeline()  # type: ignore[attr-defined]
        ]
    return values


@router.get(
    "/documents",
    response=DocumentPageOut,
    auth=None,
    summary="公开文件目录 / Public documents",
)
def document_list_api(request: HttpRequest, params: Query[DocumentParams]):
    """List public documents, newest first; with ``q``, ranked by the Chinese search."""
    filters = selectors.CatalogueFilters(
        doc_types=[str(t.value) for t in (params.type or [])],
        department=(params.department or "").strip(),
        category=(params.category or "").strip(),
        year=params.year,
        q=params.q.strip(),
    )
    from gongkai.core.search.selectors import InvalidQuery

    try:
        total, exact, entries = selectors.entries_search(filters, offset=params.offset, limit=params.limit)
    except InvalidQuery as exc:
        raise ApiError(exc.message, code=exc.code, status=422, details={"field": "q"}) from exc
    return {
        "total": total,
        "total_is_exact": exact,
        "offset": params.offset,
        "limit": params.limit,
        "items": [_entry_out(entry, request) for entry in entries],
    }


@router.get(
    "/documents/{document_id}",
    response=DocumentDetailOut,
    auth=None,
    summary="公开文件 / One public document",
)
def document_get_api(request: HttpRequest, document_id: int = Path(..., ge=1, le=MAX_ID)):
    try:
        page = selectors.public_document(document_id)
    except CatalogueEntry.DoesNotExist:
        raise NotFound() from None
    entry = page.catalogue_entry  # type: ignore[attr-defined]
    body_html = expand_db_html(page.body or "")
    interpretations = page.public_interpretations() if hasattr(page, "public_interpretations") else []
    policy = getattr(page, "policy", None)
    attachments = page.attachments.all() if hasattr(page, "attachments") else []
    return {
        **_entry_out(entry, request),
        "body_html": body_html,
        "body_text": " ".join(strip_tags(body_html).split()),
        "metadata": page.metadata_rows(),
        "fields": _fields(page),
        "attachments": [
            {
                "title": a.display_title(),
                "url": a.document.url,
                "file_extension": a.document.file_extension,
                "size": a.document.file_size,
            }
            for a in attachments
        ],
        "interpretations": [_link(item, request) for item in interpretations],
        "policy": _link(policy, request) if policy is not None and policy.is_public else None,
    }
