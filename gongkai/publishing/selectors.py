"""Reads of the publishing app: the public catalogue, its filters, one public document.

Everything public goes through :func:`public_entries`: live, 主动公开 documents without a view
restriction (``CatalogueEntry.is_public``). Nothing here returns a non-public document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from wagtail.models import Page

from gongkai.core import pagecache
from gongkai.core.parsing import parse_id
from gongkai.publishing.models import (
    DOCUMENT_MODELS,
    CatalogueEntry,
    DisclosureDocumentPage,
    DocumentType,
    Topic,
)

PAGE_SIZE = 20
MAX_QUERY_LENGTH = 100


class InvalidFilter(ValueError):
    """A filter value that cannot be used; ``message`` is Chinese (translated)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class CatalogueFilters:
    """The filters of the catalogue, the lists and the API (all optional)."""

    doc_types: list[str] = field(default_factory=list)
    department: str = ""
    category: str = ""
    year: int | None = None
    q: str = ""

    def __post_init__(self) -> None:
        # NUL cannot reach PostgreSQL in a text parameter; nothing legitimate contains it.
        self.department = self.department.replace("\x00", "")
        self.category = self.category.replace("\x00", "")
        self.q = self.q.replace("\x00", "")

    @property
    def is_empty(self) -> bool:
        return not (self.doc_types or self.department or self.category or self.year or self.q)


def public_entries() -> QuerySet[CatalogueEntry]:
    """Every public document's catalogue row, newest publication first."""
    return (
        CatalogueEntry.objects.filter(is_public=True)
        .select_related("department", "category", "page")
        .order_by("-published_at", "-page_id")
    )


def filters_from(params: Any) -> CatalogueFilters:
    """Read filters from a QueryDict (a page's GET); unknown values are ignored, not errors."""
    doc_types = [value for value in params.getlist("type") if value in DocumentType.values]
    year_text = (params.get("year") or "").strip()
    year = int(year_text) if year_text.isascii() and year_text.isdigit() and len(year_text) == 4 else None
    return CatalogueFilters(
        doc_types=doc_types,
        department=(params.get("department") or "").strip()[:64],
        category=(params.get("category") or "").strip()[:64],
        year=year,
        q=(params.get("q") or "").strip()[:MAX_QUERY_LENGTH],
    )


def _apply(entries: QuerySet[CatalogueEntry], filters: CatalogueFilters) -> QuerySet[CatalogueEntry]:
    if filters.doc_types:
        entries = entries.filter(doc_type__in=filters.doc_types)
    if filters.department:
        entries = entries.filter(department__code=filters.department)
    if filters.category:
        entries = entries.filter(category__code=filters.category)
    if filters.year:
        entries = entries.filter(year=filters.year)
    return entries


def _within(entries: QuerySet[CatalogueEntry], within: Page | None) -> QuerySet[CatalogueEntry]:
    """Narrow ``entries`` to the documents below ``within`` (a section or a list page).

    Documents live only in list pages, list pages only in sections (the page types' rules), so
    the only section holds every document and the only list of a type holds every document of
    that type: the catalogue row's own columns answer without joining the page tree (the join
    with a path prefix cost a scan of every public row, ~0.3–0.7 s at 100,000 documents).
    """
    from gongkai.publishing.models import DisclosureSectionPage, DocumentIndexPage

    if within is None:
        return entries
    if isinstance(within, DocumentIndexPage):
        entries = entries.filter(doc_type=within.document_type)
        if (
            not DocumentIndexPage.objects.filter(document_type=within.document_type)
            .exclude(pk=within.pk)
            .exists()
        ):
            return entries
    elif (
        isinstance(within, DisclosureSectionPage)
        and not DisclosureSectionPage.objects.exclude(pk=within.pk).exists()
    ):
        return entries
    return entries.filter(page__path__startswith=within.path)


def entries_search(
    filters: CatalogueFilters, *, within: Page | None = None, offset: int = 0, limit: int = PAGE_SIZE
) -> tuple[int, bool, list[CatalogueEntry]]:
    """Return ``(total, total_is_exact, entries)`` of the public documents matching ``filters``.

    Without ``q`` the catalogue table answers, newest first. With ``q`` the Chinese search ranks
    the documents (type, department and year are applied by the search; a topic filter and
    ``within`` narrow its page of hits). Raises :class:`InvalidQuery` for an over-long query.
    """
    if not filters.q:
        entries = _within(_apply(public_entries(), filters), within)
        total = pagecache.memo(f"catalogue-count:{within.pk if within else ''}:{filters!r}", entries.count)
        return total, True, list(entries[offset : offset + limit])
    from gongkai.core.search import selectors as search_selectors

    if filters.department and len(filters.department) > 64:
        return 0, True, []
    results = search_selectors.search(
        filters.q,
        doc_types=filters.doc_types or list(DocumentType.values),
        department_code=filters.department or None,
        year=filters.year,
        public_only=True,
        offset=offset,
        limit=limit,
    )
    ids = [hit.object_id for hit in results.hits]
    found = {entry.page_id: entry for entry in _apply(public_entries(), filters).filter(page_id__in=ids)}
    if within is not None:
        found = {pk: e for pk, e in found.items() if e.page.path.startswith(within.path)}
    ranked = [found[pk] for pk in ids if pk in found]
    return results.total, results.total_is_exact, ranked


def department_choices(within: Page | None = None) -> list[tuple[str, str]]:
    """(code, name) of the departments that have public documents, in the org tree's order."""
    from gongkai.accounts.models import Department

    def compute() -> list[tuple[str, str]]:
        entries = _within(CatalogueEntry.objects.filter(is_public=True), within)
        ids = entries.values("department_id").distinct()
        return list(Department.objects.filter(pk__in=ids).order_by("path").values_list("code", "name"))

    return pagecache.memo(f"department-choices:{within.pk if within else ''}", compute)


def year_choices(within: Page | None = None) -> list[int]:
    def compute() -> list[int]:
        entries = _within(CatalogueEntry.objects.filter(is_public=True), within)
        return sorted(set(entries.values_list("year", flat=True).distinct()), reverse=True)

    return pagecache.memo(f"year-choices:{within.pk if within else ''}", compute)


def topic_choices() -> list[tuple[str, str]]:
    return list(Topic.objects.values_list("code", "name"))


def type_choices() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in DocumentType.choices]


def search_filter_options() -> dict[str, Any]:
    """What a search page offers as filters: types, departments and years with public documents."""
    return {"types": type_choices(), "departments": department_choices(), "years": year_choices()}


def catalogue_context(request: Any, *, section: Page | None = None, index_page: Any = None) -> dict[str, Any]:
    """Template context of the catalogue on a section page or a list page: filters, one page."""
    filters = filters_from(request.GET)
    within: Page | None = section or index_page
    if index_page is not None:
        filters.doc_types = [index_page.document_type]
    page_number = request.GET.get("page") or "1"
    number = parse_id(page_number) or 1
    error = None
    try:
        total, exact, entries = entries_search(
            filters, within=within, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE
        )
    except Exception as exc:  # noqa: BLE001 - InvalidQuery from the search: shown, not raised
        from gongkai.core.search.selectors import InvalidQuery

        if not isinstance(exc, InvalidQuery):
            raise
        total, exact, entries, error = 0, True, [], str(exc.message)
    paginator = Paginator(range(min(total, 10_000)), PAGE_SIZE)
    try:
        page_obj = paginator.page(number)
    except (EmptyPage, PageNotAnInteger):
        page_obj = paginator.page(paginator.num_pages or 1)
        entries = []
    for entry in entries:
        entry.url = entry.page.get_url(request=request)  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "filters": filters,
        "entries": entries,
        "total": total,
        "total_is_exact": exact,
        "page_obj": page_obj,
        "paginator": paginator,
        "query_string": query.urlencode(),
        "filter_error": error,
        "department_choices": department_choices(within),
        "year_choices": year_choices(within),
        "topic_choices": topic_choices(),
        "type_choices": type_choices(),
    }


def public_document(page_id: int) -> DisclosureDocumentPage:
    """Return one public document by page id; ``CatalogueEntry.DoesNotExist`` for anything else."""
    entry = public_entries().get(page_id=page_id)
    model = DOCUMENT_MODELS[entry.doc_type]
    return model.objects.select_related("department", "category").get(pk=entry.page_id)


def only_public(queryset: Any) -> Any:
    """``queryset.public()`` (Wagtail: no page under a view restriction), skipped when the site has
    no view restriction at all — the usual case. Wagtail's check joins the restrictions to the page
    table; with 100,000 pages SQLite read the whole page table for it, ~15 ms on every page view
    (bench/publishing.py). Asking whether any restriction exists reads one tiny table."""
    from wagtail.models import PageViewRestriction

    if not PageViewRestriction.objects.exists():
        return queryset
    return queryset.public()


def open_emergencies() -> QuerySet[Any]:
    """The emergency events still being handled, for the portal's banner."""
    from gongkai.publishing.models import DisclosureAttribute, EmergencyEventPage

    return only_public(
        EmergencyEventPage.objects.live()
        .filter(is_open=True, disclosure_attribute=DisclosureAttribute.PROACTIVE)
        .order_by("-first_published_at")
    )


def latest(doc_types: list[str], *, limit: int = 6) -> list[CatalogueEntry]:
    """The newest public documents of the given types (for the home page).

    One query per type, merged here: each walks the index ``publishing_cat_pub_type`` from the
    newest and stops at ``limit``; one ``doc_type IN (…)`` query would sort every public row of
    those types.
    """
    entries: list[CatalogueEntry] = []
    for doc_type in dict.fromkeys(doc_types):
        entries += public_entries().filter(doc_type=doc_type)[:limit]
    if len(doc_types) > 1:
        entries.sort(
            key=lambda entry: (entry.published_at is not None, entry.published_at, entry.page_id),
            reverse=True,
        )
    return entries[:limit]


def filter_label(filters: CatalogueFilters) -> str:
    parts = [str(DocumentType(t).label) for t in filters.doc_types]
    if filters.year:
        parts.append(_("%(year)s年") % {"year": filters.year})
    return "、".join(parts)
