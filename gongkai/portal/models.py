"""The public website's pages."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page


class HomePage(Page):
    """The portal's home page: headlines, the emergency banner, the entries to each section."""

    intro = models.TextField(_("导语"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]

    template = "portal/home_page.html"

    class Meta:
        verbose_name = _("门户首页")
