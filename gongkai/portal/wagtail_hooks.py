"""Wagtail hooks of the public portal."""

from __future__ import annotations

from typing import Any

from wagtail import hooks

from gongkai.core.pagecache import mark_cacheable


@hooks.register("before_serve_page")
def cache_public_pages(page: Any, request: Any, serve_args: Any, serve_kwargs: Any) -> None:
    """A page with no view restriction (password, login, groups) is the same for every anonymous
    reader: let the page cache keep it. Restricted pages are never stored."""
    from gongkai.core.pagecache import ttl

    if ttl() > 0 and not page.get_view_restrictions().exists():
        mark_cacheable(request)
