"""RSS 2.0 and Atom feeds of the 政府信息公开 section and of each document list.

``/feeds/<page id>/rss/`` and ``/feeds/<page id>/atom/`` for a live, public
``DisclosureSectionPage`` (every public document under it) or ``DocumentIndexPage`` (its type);
anything else is 404. Items are the newest public catalogue rows (``selectors.public_entries``),
so only live 主动公开 documents ever appear. Pages link them with ``<link rel="alternate">``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from gongkai.publishing.models import CatalogueEntry, DisclosureSectionPage, DocumentIndexPage, DocumentType

#: Items in one feed.
FEED_SIZE = 30


def feed_pages() -> tuple[type, ...]:
    return (DisclosureSectionPage, DocumentIndexPage)


class DocumentsFeed(Feed):
    """RSS 2.0 feed of one section or list page."""

    def get_object(self, request: HttpRequest, page_id: int) -> Any:
        from wagtail.models import Page

        from gongkai.publishing.selectors import only_public

        page = only_public(Page.objects.live().filter(pk=page_id)).first()
        specific = page.specific if page is not None else None
        if specific is None or not isinstance(specific, feed_pages()):
            raise Http404
        self.request = request
        return specific

    def title(self, obj: Any) -> str:
        return _("%(title)s · 吉林市人民政府") % {"title": obj.title}

    def link(self, obj: Any) -> str:
        return obj.get_url(request=getattr(self, "request", None)) or "/"

    def description(self, obj: Any) -> str:
        return getattr(obj, "intro", "") or _("%(title)s的最新公开信息。") % {"title": obj.title}

    def items(self, obj: Any) -> list[CatalogueEntry]:
        from gongkai.publishing.selectors import public_entries

        entries = public_entries().filter(page__path__startswith=obj.path)
        if isinstance(obj, DocumentIndexPage):
            entries = entries.filter(doc_type=obj.document_type)
        return list(entries[:FEED_SIZE])

    def item_title(self, item: CatalogueEntry) -> str:
        return item.title

    def item_description(self, item: CatalogueEntry) -> str:
        return item.summary

    def item_link(self, item: CatalogueEntry) -> str:
        return item.page.get_url(request=getattr(self, "request", None)) or "/"

    def item_guid(self, item: CatalogueEntry) -> str:
        return item.index_number or str(item.page_id)

    item_guid_is_permalink = False

    def item_pubdate(self, item: CatalogueEntry) -> datetime.datetime | None:
        return item.published_at

    def item_updateddate(self, item: CatalogueEntry) -> datetime.datetime | None:
        return item.page.last_published_at or item.published_at

    def item_author_name(self, item: CatalogueEntry) -> str:
        return item.department.name if item.department_id else ""

    def item_categories(self, item: CatalogueEntry) -> list[str]:
        labels = [str(DocumentType(item.doc_type).label)]
        if item.category is not None:
            labels.append(item.category.name)
        return labels


class DocumentsAtomFeed(DocumentsFeed):
    """The same items as an Atom 1.0 feed."""

    feed_type = Atom1Feed

    def subtitle(self, obj: Any) -> str:
        return self.description(obj)
