"""What an app hands to the index, and how a model declares what it indexes."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.contrib.contenttypes.models import ContentType
from django.db import models


def root_content_type(model: type[models.Model]) -> ContentType:
    """Return the content type objects of ``model`` are indexed under."""
    while model._meta.parents:
        model = next(iter(model._meta.parents))
    return ContentType.objects.get_for_model(model, for_concrete_model=True)


@dataclass
class SearchDocument:
    """The searchable text and facets of one object.

    ``body`` is plain text (strip HTML before handing it over). ``is_public`` decides whether the
    public search and API may return the object; staff searches pass ``public_only=False``.
    """

    content_type_id: int
    object_id: int
    title: str
    body: str
    doc_type: str
    department_code: str | None = None
    date: datetime.date | None = None
    url: str | None = None
    is_public: bool = True
    extra: dict[str, Any] = field(default_factory=dict)
    language: str = "zh-hans"

    @classmethod
    def for_object(cls, obj: models.Model, **values: Any) -> SearchDocument:
        """Build the document of a saved model instance, keyed by its root model and pk.

        The root model is the top of a multi-table inheritance chain (``wagtailcore.Page`` for every
        page type), the key Wagtail's indexing uses too, so both paths write the same entry.
        """
        content_type = root_content_type(type(obj))
        return cls(content_type_id=content_type.pk, object_id=int(obj.pk), **values)


class Searchable:
    """Mixin for a model whose instances are in the search index.

    Implement :meth:`search_document`; call ``services.index_searchable(obj)`` from the service that
    saves it and ``services.remove_object(obj)`` from the one that deletes it (no signals: writes go
    through services). ``gongkai search rebuild`` re-indexes every model with this mixin.
    """

    #: The ``doc_type`` of this model's documents (the ``type`` filter of the public search).
    search_doc_type: ClassVar[str] = ""

    def search_document(self) -> SearchDocument | None:
        """Return the document to index, or ``None`` to keep this object out of the index."""
        raise NotImplementedError

    @classmethod
    def search_queryset(cls) -> models.QuerySet:
        """Return the objects a rebuild indexes (override to add select_related or exclusions)."""
        return cls._default_manager.all()  # type: ignore[attr-defined]
