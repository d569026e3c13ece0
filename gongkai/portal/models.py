"""The public website's pages."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page

#: How many items each block of the home page shows.
HEADLINES = 5
LATEST = 6


class HomePage(Page):
    """The portal's home page: headlines, the emergency banner, the entries to each section."""

    intro = models.TextField(_("导语"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]

    template = "portal/home_page.html"

    class Meta:
        verbose_name = _("门户首页")

    def get_context(self, request: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Headlines (press releases), open emergencies, latest policies, interpretations and
        announcements, and the 政府信息公开 section with its lists (``gongkai.publishing``)."""
        context = super().get_context(request, *args, **kwargs)
        from gongkai.publishing import selectors
        from gongkai.publishing.models import DisclosureSectionPage, DocumentIndexPage

        section = (
            selectors.only_public(DisclosureSectionPage.objects.live().descendant_of(self))
            .order_by("path")
            .first()
        )
        lists = (
            list(selectors.only_public(DocumentIndexPage.objects.live().child_of(section)).order_by("path"))
            if section is not None
            else []
        )
        blocks = {
            "headlines": selectors.latest(["press_release"], limit=HEADLINES),
            "policies": selectors.latest(["policy"], limit=LATEST),
            "interpretations": selectors.latest(["interpretation"], limit=LATEST),
            "announcements": selectors.latest(["announcement", "event", "rumor"], limit=LATEST),
        }
        for entries in blocks.values():
            for entry in entries:
                entry.url = entry.page.get_url(request=request)  # type: ignore[attr-defined]
        list_by_type = {item.document_type: item for item in lists}
        context.update(blocks)
        context.update(
            {
                "emergencies": list(selectors.open_emergencies()[:3]),
                "section": section,
                "section_lists": lists,
                "list_by_type": list_by_type,
                "feed_page": section,
            }
        )
        return context
