"""Template tags of the portal's base template."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def disclosure_section_url(context: dict[str, Any]) -> str:
    """URL of the 政府信息公开 section (the first live, public one), or "" if there is none.

    Remembered on the request, so the navigation and the footer cost one query together.
    """
    request = context.get("request")
    cached = getattr(request, "_gongkai_section_url", None)
    if cached is not None:
        return cached
    from gongkai.publishing.models import DisclosureSectionPage
    from gongkai.publishing.selectors import only_public

    section = only_public(DisclosureSectionPage.objects.live()).order_by("path").first()
    url = (section.get_url(request=request) or "") if section is not None else ""
    if request is not None:
        request._gongkai_section_url = url
    return url
