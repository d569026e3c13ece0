"""Wagtail search backend on the Chinese index (``WAGTAILSEARCH_BACKENDS`` points here).

Wagtail's own database backends tokenise with the database's word parser, which sees a run of
Chinese characters as one "word": searching 国庆节 or 通知 in a page titled 关于国庆节放假的通知 finds
nothing. This backend sends Wagtail's indexing (page publish/unpublish/delete signals,
``update_index``) to :mod:`gongkai.core.search` and answers ``Page.objects.search(...)``, the admin
page search and every other Wagtail listing search from the same index.

Rules and quirks:

* Objects are keyed by their root model (``wagtailcore.Page`` for every page type) and pk, as
  Wagtail's signal handlers index the specific instance of a page under its base model.
* An object whose model uses :class:`~gongkai.core.search.documents.Searchable` is indexed with its
  own ``search_document()``; any other object with the values of its ``search_fields``: the
  ``title`` SearchField as title, every other SearchField and AutocompleteField as body.
* A page is public when it is live and has no view restriction; other Wagtail models (images,
  documents, snippets) are indexed as non-public, so the public search never returns them.
* Queryset filters and ordering are Django's: the search only restricts the queryset to the
  matched primary keys (``pk IN (subquery)``) and, when ordering by relevance, orders by title hit,
  then whole-word hit, then newest pk.
* Search and autocomplete are the same (every query is a substring search already). ``fields``
  limited to ``["title"]`` searches titles only; other field lists search title and body.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any, cast

from django.db import connection, models
from django.db.models import Count
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.encoding import force_str
from modelsearch.backends.base import (
    BaseIndex,
    BaseSearchBackend,
    BaseSearchQueryCompiler,
    BaseSearchResults,
    FilterFieldError,
)
from modelsearch.index import AutocompleteField, Indexed, RelatedFields, SearchField, get_indexed_models
from modelsearch.query import Boost, MatchAll, Phrase, PlainText

from gongkai.core.search import services, storage, text
from gongkai.core.search.documents import Searchable, SearchDocument, root_content_type


def _root_content_type_id(model: type[models.Model]) -> int:
    return root_content_type(model).pk


def _prepare_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return "\n".join(_prepare_value(item) for item in value)
    if isinstance(value, dict):
        return "\n".join(_prepare_value(item) for item in value.values())
    return force_str(value)


def _field_values(obj: models.Model, field: Any) -> Iterator[tuple[str, str]]:
    """Yield (field_name, text) for one search_fields entry, following RelatedFields."""
    if isinstance(field, SearchField | AutocompleteField):
        yield field.field_name, _prepare_value(field.get_value(obj))
    elif isinstance(field, RelatedFields):
        related = field.get_value(obj)
        if related is None:
            return
        if isinstance(related, models.Manager):
            related_objs = list(related.all())
        else:
            related_objs = [related() if callable(related) else related]
        for related_obj in related_objs:
            for sub_field in field.fields:
                for _name, value in _field_values(related_obj, sub_field):
                    yield field.field_name, value


def document_for(obj: models.Model) -> SearchDocument | None:
    """Return the search document Wagtail's indexing writes for ``obj``."""
    content_type_id = _root_content_type_id(type(obj))
    if isinstance(obj, Searchable):
        document = obj.search_document()
        if document is not None:
            document.content_type_id = content_type_id
        return document
    titles: list[str] = []
    bodies: list[str] = []
    seen: set[tuple[str, str]] = set()
    # Only Wagtail-indexed models (modelsearch's ``Indexed`` mixin) reach this point.
    for field in cast(Indexed, obj).get_search_fields():
        for name, value in _field_values(obj, field):
            value = value.strip()
            if not value:
                continue
            if name == "title" and isinstance(field, SearchField | AutocompleteField):
                if value not in titles:
                    titles.append(value)
            elif (name, value) not in seen:
                seen.add((name, value))
                bodies.append(value)
    # Title values the body already holds (an AutocompleteField("title") beside SearchField("title")).
    bodies = [b for b in bodies if b not in titles]
    from wagtail.models import Page

    date: datetime.date | None = None
    url = ""
    is_public = False
    if isinstance(obj, Page):
        is_public = bool(obj.live) and not obj.get_view_restrictions().exists()
        published = obj.last_published_at or obj.first_published_at
        date = timezone.localdate(published) if published else None
        try:
            url = obj.get_url() or ""
        except Exception:  # noqa: BLE001 - a page outside any site has no URL; index it anyway
            url = ""
    specific = type(obj)._meta
    return SearchDocument(
        content_type_id=content_type_id,
        object_id=int(obj.pk),
        title="\n".join(titles),
        body="\n".join(bodies),
        doc_type=f"{specific.app_label}.{specific.model_name}",
        date=date,
        url=url,
        is_public=is_public,
    )


class ChineseIndex(BaseIndex):
    """The single index: SearchEntry rows for Wagtail-indexed models."""

    def add_items(self, model, items):
        documents = []
        remove = []
        for obj in items:
            document = document_for(obj)
            if document is None:
                remove.append((_root_content_type_id(type(obj)), int(obj.pk)))
            else:
                documents.append(document)
        if remove:
            services.remove_keys(remove)
        services.index_documents(documents)

    def delete_item(self, item):
        services.remove_keys([(_root_content_type_id(type(item)), int(item.pk))])

    def reset(self):
        """Forget every Wagtail-indexed object (documents other apps index stay)."""
        services.remove_content_types(sorted({_root_content_type_id(m) for m in get_indexed_models()}))

    def refresh(self):
        storage.optimize()


class ChineseRebuilder:
    """``update_index``: empty the Wagtail part of the index, re-add everything, optimise."""

    def __init__(self, index):
        self.index = index

    def start(self):
        self.index.reset()
        return self.index

    def finish(self):
        self.index.refresh()


class ChineseSearchQueryCompiler(BaseSearchQueryCompiler):
    DEFAULT_OPERATOR = "and"
    HANDLES_ORDER_BY_EXPRESSIONS = True

    def term_groups(self) -> list[list[text.Term]] | None:
        """Return alternatives of all-required terms (OR of ANDs), ``None`` for "match all"."""
        return self._groups(self.query)

    def _groups(self, query) -> list[list[text.Term]] | None:
        if isinstance(query, MatchAll):
            return None
        if isinstance(query, Boost):
            return self._groups(query.subquery)
        if isinstance(query, Phrase | PlainText):
            terms = text.parse_query(query.query_string[: text.MAX_QUERY_LENGTH * 2])
            if not terms:
                return []
            if isinstance(query, PlainText) and query.operator == "or":
                return [[term] for term in terms]
            return [terms]
        raise NotImplementedError(
            f"{type(query).__name__} queries are not supported by the Chinese search backend."
        )

    @property
    def title_only(self) -> bool:
        return bool(self.fields) and set(self.fields) == {"title"}


class ChineseSearchResults(BaseSearchResults):
    supports_facet = True

    def _matched_queryset(self) -> models.QuerySet:
        compiler = self.query_compiler
        queryset = compiler.queryset
        groups = compiler.term_groups()
        if groups is None:
            return queryset
        if not groups:
            return queryset.none()
        filters = storage.Filters(
            public_only=False,
            content_type_ids=[_root_content_type_id(queryset.model)],
            title_only=compiler.title_only,
        )
        condition = models.Q()
        for terms in groups:
            sql, params = storage.matching_object_ids_sql(terms, filters)
            condition |= models.Q(pk__in=RawSQL(sql, params))  # noqa: S611 - parameterized
        return queryset.filter(condition)

    def _rank_expression(self) -> RawSQL | None:
        groups = self.query_compiler.term_groups()
        if not groups:
            return None
        model = self.query_compiler.queryset.model
        outer = f"{connection.ops.quote_name(model._meta.db_table)}.{connection.ops.quote_name(model._meta.pk.column)}"
        terms = [term for group in groups for term in group]
        sql, params = storage.rank_subquery_sql(terms, _root_content_type_id(model), outer)
        return RawSQL(sql, params, output_field=models.FloatField())  # noqa: S611 - parameterized

    def get_queryset(self) -> models.QuerySet:
        queryset = self._matched_queryset()
        if self.query_compiler.order_by_relevance:
            rank = self._rank_expression()
            if rank is not None:
                queryset = queryset.annotate(_search_rank=rank).order_by("-_search_rank", "-pk")
        elif not queryset.query.order_by:
            queryset = queryset.order_by("-pk")
        return queryset

    def _do_search(self):
        queryset = self.get_queryset()
        if self._score_field:
            rank = self._rank_expression()
            queryset = queryset.annotate(
                **{self._score_field: rank if rank is not None else models.Value(0.0, models.FloatField())}
            )
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        return list(queryset[self.start : self.stop])

    def _do_count(self):
        return self._matched_queryset()[self.start : self.stop].count()

    def facet(self, field_name):
        field = self.query_compiler._get_filterable_field(field_name)
        if field is None:
            raise FilterFieldError(
                f'Cannot facet search results with field "{field_name}". Please add '
                f'index.FilterField("{field_name}") to {self.query_compiler.queryset.model.__name__}.search_fields.',
                field_name=field_name,
            )
        rows = (
            self._matched_queryset()
            .order_by()
            .values(field.get_attname(self.query_compiler.queryset.model))
            .annotate(count=Count("pk"))
        )
        attname = field.get_attname(self.query_compiler.queryset.model)
        return dict(sorted(((row[attname], row["count"]) for row in rows), key=lambda item: -item[1]))


class ChineseSearchBackend(BaseSearchBackend):
    query_compiler_class = ChineseSearchQueryCompiler
    autocomplete_query_compiler_class = ChineseSearchQueryCompiler
    index_class = ChineseIndex
    results_class = ChineseSearchResults
    rebuilder_class = ChineseRebuilder

    def __init__(self, params):
        super().__init__(params)


SearchBackend = ChineseSearchBackend


def rebuild_all(*, batch_size: int = 500) -> Iterator[tuple[str, int]]:
    """Re-index every Wagtail-indexed model; yields (model label, objects indexed)."""
    index = ChineseIndex(ChineseSearchBackend({}))
    index.reset()
    for model in get_indexed_models():
        number = 0
        queryset = model.get_indexed_objects().order_by("pk")
        batch: list[models.Model] = []
        for obj in queryset.iterator(chunk_size=batch_size):
            batch.append(obj)
            if len(batch) >= batch_size:
                index.add_items(model, batch)
                number += len(batch)
                batch = []
        if batch:
            index.add_items(model, batch)
            number += len(batch)
        yield model._meta.label, number
