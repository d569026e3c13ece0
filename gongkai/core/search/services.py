"""Writes to the search index. Other apps call these; nothing else writes SearchEntry rows."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.apps import apps
from django.db import models, transaction

from gongkai.core.search import storage, text
from gongkai.core.search.documents import Searchable, SearchDocument, root_content_type
from gongkai.core.search.models import SearchEntry


def _entries(document: SearchDocument) -> list[tuple[SearchEntry, text.Chunk]]:
    title = document.title or ""
    body = document.body or ""
    chunks = text.chunk_document(text.normalize(title), text.normalize(body))
    date = document.date
    if isinstance(date, datetime.datetime):
        date = date.date()
    rows = []
    for chunk in chunks:
        entry = SearchEntry(
            content_type_id=document.content_type_id,
            object_id=document.object_id,
            chunk=chunk.number,
            language=document.language,
            title=title,
            body_text=body[chunk.start : chunk.end],
            doc_type=document.doc_type,
            department_code=document.department_code or "",
            date=date,
            year=date.year if date else None,
            url=document.url or "",
            is_public=document.is_public,
            extra=document.extra or {},
        )
        rows.append((entry, chunk))
    return rows


def _existing_ids(keys: list[tuple[int, int]]) -> list[int]:
    ids: list[int] = []
    by_type: dict[int, list[int]] = {}
    for content_type_id, object_id in keys:
        by_type.setdefault(content_type_id, []).append(object_id)
    for content_type_id, object_ids in by_type.items():
        for start in range(0, len(object_ids), 500):
            ids.extend(
                SearchEntry.objects.filter(
                    content_type_id=content_type_id, object_id__in=object_ids[start : start + 500]
                ).values_list("pk", flat=True)
            )
    return ids


def index_documents(
    documents: Iterable[SearchDocument], *, batch_size: int = 500, replace: bool = True
) -> int:
    """Index many documents in bulk, replacing what was indexed for the same objects.

    Returns the number of documents indexed. ``replace=False`` skips the look-up of old entries
    (for a rebuild into an empty index). Each batch is one transaction.
    """
    total = 0
    batch: list[SearchDocument] = []

    def flush() -> None:
        nonlocal total
        with transaction.atomic():
            if replace:
                storage.delete_entries(_existing_ids([(d.content_type_id, d.object_id) for d in batch]))
            rows = [row for document in batch for row in _entries(document)]
            storage.insert_entries(rows, batch_size=batch_size)
        total += len(batch)
        batch.clear()

    for document in documents:
        batch.append(document)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    return total


def index_object(
    obj: models.Model,
    *,
    title: str,
    body: str,
    doc_type: str,
    department_code: str | None = None,
    date: datetime.date | None = None,
    url: str | None = None,
    is_public: bool = True,
    extra: dict[str, Any] | None = None,
    language: str = "zh-hans",
) -> int:
    """Index (or re-index) one saved object; returns the number of chunks written.

    Call it from the service that saves the object, inside its transaction: the entry then
    commits or rolls back with the object. Re-indexing replaces all previous chunks.
    """
    document = SearchDocument.for_object(
        obj,
        title=title,
        body=body,
        doc_type=doc_type,
        department_code=department_code,
        date=date,
        url=url,
        is_public=is_public,
        extra=extra or {},
        language=language,
    )
    with transaction.atomic():
        storage.delete_entries(_existing_ids([(document.content_type_id, document.object_id)]))
        rows = _entries(document)
        storage.insert_entries(rows)
    return len(rows)


def remove_object(obj: models.Model) -> int:
    """Remove an object from the index (no error if it was not indexed); returns chunks removed."""
    return remove_keys([(root_content_type(type(obj)).pk, int(obj.pk))])


def remove_keys(keys: list[tuple[int, int]]) -> int:
    """Remove objects given as (content_type_id, object_id) pairs."""
    with transaction.atomic():
        return storage.delete_entries(_existing_ids(keys))


def remove_content_types(content_type_ids: list[int]) -> int:
    """Remove every object of the given content types (a model's rebuild starts here)."""
    with transaction.atomic():
        ids = list(
            SearchEntry.objects.filter(content_type_id__in=content_type_ids).values_list("pk", flat=True)
        )
        return storage.delete_entries(ids)


def index_searchable(obj: Searchable) -> int:
    """Index an object of a :class:`Searchable` model, or remove it if it declares no document."""
    document = obj.search_document()
    if document is None:
        return remove_object(obj)  # type: ignore[arg-type]
    with transaction.atomic():
        storage.delete_entries(_existing_ids([(document.content_type_id, document.object_id)]))
        rows = _entries(document)
        storage.insert_entries(rows)
    return len(rows)


def searchable_models() -> list[type[models.Model]]:
    """Return every installed concrete model that uses the :class:`Searchable` mixin.

    Models Wagtail indexes (pages with the mixin) are left out: Wagtail's indexing covers them.
    """
    from modelsearch.index import class_is_indexed

    return [
        m
        for m in apps.get_models()
        if issubclass(m, Searchable) and not m._meta.abstract and not class_is_indexed(m)
    ]


def _documents_of(model: type[models.Model], chunk_size: int) -> Iterator[SearchDocument]:
    queryset = model.search_queryset().order_by("pk")  # type: ignore[attr-defined]
    for obj in queryset.iterator(chunk_size=chunk_size):
        document = obj.search_document()
        if document is not None:
            yield document


def rebuild(*, progress: Callable[[str, int], None] | None = None, batch_size: int = 500) -> dict[str, int]:
    """Re-index every :class:`Searchable` model and every Wagtail-indexed model from scratch.

    Each model is emptied and re-filled batch by batch, so searches keep working (partially)
    during a rebuild. Returns ``{"app_label.Model": documents}``.
    """
    from gongkai.core.search import wagtail_backend

    counts: dict[str, int] = {}
    for model in searchable_models():
        remove_content_types([root_content_type(model).pk])
        counts[model._meta.label] = index_documents(
            _documents_of(model, batch_size), batch_size=batch_size, replace=False
        )
        if progress:
            progress(model._meta.label, counts[model._meta.label])
    for label, number in wagtail_backend.rebuild_all(batch_size=batch_size):
        counts[label] = number
        if progress:
            progress(label, number)
    storage.optimize()
    return counts
