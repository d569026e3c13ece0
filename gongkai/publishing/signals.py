"""Keep the disclosure catalogue in step with the pages, whatever saves them.

Wagtail publishes, unpublishes, schedules and moves pages through its own actions (admin, workflow,
``publish_scheduled``), which all end in ``Page.save()``; listening to ``post_save`` is the one
place every route passes through. The handler only calls ``services.catalogue_sync``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_save
from wagtail.models import Page


def _document_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    from gongkai.publishing import services

    services.catalogue_sync(instance)


def _page_saved(sender: Any, instance: Page, raw: bool = False, **kwargs: Any) -> None:
    """A page saved through the base class (tree operations): sync it if it is one of ours."""
    if raw or instance.content_type_id is None:
        return
    from gongkai.publishing.models import DOCUMENT_MODELS

    content_types = ContentType.objects.get_for_models(*DOCUMENT_MODELS.values())
    if instance.content_type_id not in {ct.pk for ct in content_types.values()}:
        return
    from gongkai.publishing import services

    services.catalogue_sync(instance.specific)


def connect() -> None:
    from gongkai.publishing.models import DOCUMENT_MODELS

    for model in DOCUMENT_MODELS.values():
        post_save.connect(
            _document_saved, sender=model, dispatch_uid=f"publishing_catalogue_{model.__name__}"
        )
    post_save.connect(_page_saved, sender=Page, dispatch_uid="publishing_catalogue_page")
