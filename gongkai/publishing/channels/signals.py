"""Wagtail's page_published / page_unpublished → the release services (no logic here).

Every route that publishes or unpublishes a page (admin, workflow, scheduled publishing, a
command) sends these signals, so this is the one place releases start from.
"""

from __future__ import annotations

from typing import Any

from wagtail.signals import page_published, page_unpublished


def _published(sender: Any, instance: Any, revision: Any = None, **kwargs: Any) -> None:
    from gongkai.publishing.channels.services import releases_for_published_page

    releases_for_published_page(page=instance, revision=revision)


def _unpublished(sender: Any, instance: Any, **kwargs: Any) -> None:
    from gongkai.publishing.channels.services import releases_for_unpublished_page

    releases_for_unpublished_page(page=instance)


def connect() -> None:
    page_published.connect(_published, dispatch_uid="publishing_channels.published")
    page_unpublished.connect(_unpublished, dispatch_uid="publishing_channels.unpublished")
