"""How the review chain reads the publishing app's documents, without importing its models.

A *document* is any concrete page model with a ``disclosure_attribute`` field (the publishing
app's ``DisclosureDocumentPage`` subclasses). A *policy* has ``needs_interpretation``; an
*interpretation* has a ``policy`` foreign key; an *emergency* page is ``EmergencyEventPage``.
"""

from __future__ import annotations

import datetime
from functools import cache
from typing import Any

from django.contrib.contenttypes.models import ContentType
from wagtail.models import Page, get_page_models

PROACTIVE = "proactive"
ON_REQUEST = "on_request"
WITHHELD = "withheld"


def _field_names(model: Any) -> set[str]:
    return {field.name for field in model._meta.get_fields()}


@cache
def document_models() -> tuple[type[Page], ...]:
    """The concrete page models that are disclosure documents (computed once, after app loading)."""
    return tuple(model for model in get_page_models() if "disclosure_attribute" in _field_names(model))


def document_content_type_ids() -> frozenset[int]:
    """Content type ids of the document models (Django caches the lookups)."""
    models = document_models()
    if not models:
        return frozenset()
    return frozenset(ct.pk for ct in ContentType.objects.get_for_models(*models).values())


def is_document_model(model: type) -> bool:
    return model in document_models()


def specific(page: Any) -> Any:
    """The specific page object (a no-op for an object that already is specific)."""
    if isinstance(page, Page) and type(page) is Page:
        return page.specific
    return page


def is_document(page: Any) -> bool:
    return type(specific(page)) in document_models()


def is_policy(page: Any) -> bool:
    return hasattr(specific(page), "needs_interpretation")


def needs_interpretation(page: Any) -> bool:
    return bool(getattr(specific(page), "needs_interpretation", False))


def interpretation_policy(page: Any) -> Page | None:
    """The policy an interpretation explains, or None for any other page."""
    page = specific(page)
    if "policy" not in _field_names(type(page)):
        return None
    policy_id = getattr(page, "policy_id", None)
    return Page.objects.filter(pk=policy_id).first() if policy_id else None


def is_emergency(page: Any) -> bool:
    return type(specific(page)).__name__ == "EmergencyEventPage"


def disclosure_attribute(page: Any) -> str:
    return str(getattr(specific(page), "disclosure_attribute", PROACTIVE) or PROACTIVE)


def department_id(page: Any) -> int | None:
    return getattr(specific(page), "department_id", None)


def formed_at(page: Any) -> datetime.date | None:
    value = getattr(specific(page), "formed_at", None)
    if isinstance(value, datetime.datetime):
        return value.date()
    return value


def review_text(page: Any) -> str:
    """The text the sensitive-word pre-check reads: ``review_text()`` if the page has it."""
    page = specific(page)
    method = getattr(page, "review_text", None)
    if callable(method):
        return str(method() or "")
    return " ".join(str(part) for part in (page.title, getattr(page, "body", "")) if part)


def document_type_label(page: Any) -> str:
    page = specific(page)
    label = getattr(page, "document_type_label", None)
    if callable(label):
        label = label()
    return str(label or type(page)._meta.verbose_name)
