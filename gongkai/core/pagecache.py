"""A whole-page cache for anonymous readers of the public portal, emptied when content changes.

Government portals are read far more than they are written: the home page, the disclosure
catalogue, a document page and popular searches are the same bytes for every anonymous reader
until something is published. Rendering one costs 10–100 ms of Wagtail, template and query work;
returning it from the cache costs well under a millisecond (docs/adr/0014-public-page-cache.md).

What is cached: only responses a view opted in to (:func:`mark_cacheable`: Wagtail pages without
view restrictions and the site search), to anonymous ``GET`` requests without a session, with
status 200, no cookie set and no ``Cache-Control: private/no-store``. The key holds the scheme,
host, full path with query, the reader's language and the content *generation*.

Invalidation: any change to published content (Wagtail's publish/unpublish, a page or snippet
saved or deleted, the disclosure catalogue, the site settings) bumps the generation kept in the
shared cache, so every process stops using the old entries at once; each process re-reads the
generation at most every ``GONGKAI_PAGE_CACHE_CHECK_SECONDS`` (1 s). Entries also expire after
``GONGKAI_PAGE_CACHE_SECONDS`` (300 s; 0 turns the cache off).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import translation

logger = logging.getLogger(__name__)

GENERATION_KEY = "gongkai:pagecache:generation"
HEADER = "X-Gongkai-Cache"
#: Cookies that do not change what an anonymous reader is shown (the language is in the key).
_NEUTRAL_COOKIES = frozenset({"csrftoken", "django_language"})
#: Headers not replayed from a stored response (recomputed by outer middleware or the server).
_SKIP_HEADERS = frozenset({"set-cookie", "date", HEADER.lower()})

_generation_lock = threading.Lock()
_generation: tuple[float, int] = (0.0, 0)


def _pages() -> Any:
    """Where pages are stored: the ``pages`` cache when configured, else the default one."""
    return caches["pages"] if "pages" in settings.CACHES else cache


def ttl() -> int:
    return int(getattr(settings, "GONGKAI_PAGE_CACHE_SECONDS", 300))


def mark_cacheable(request: HttpRequest) -> None:
    """The view says: what I answer to an anonymous reader is the same for every such reader."""
    request.gongkai_page_cache = True  # type: ignore[attr-defined]


def generation() -> int:
    """The current content generation (shared cache), re-read at most once a second per process."""
    global _generation
    checked_at, value = _generation
    now = time.monotonic()
    if now - checked_at < float(getattr(settings, "GONGKAI_PAGE_CACHE_CHECK_SECONDS", 1.0)):
        return value
    try:
        current = cache.get(GENERATION_KEY)
    except Exception:  # a cache outage must not take the portal down: serve uncached
        logger.warning("page cache: generation unreadable", exc_info=True)
        return -1
    if current is None:
        current = int(time.time())  # a fresh cache: start from a value no old entry can carry
        cache.add(GENERATION_KEY, current, timeout=None)
        current = cache.get(GENERATION_KEY, current)
    with _generation_lock:
        _generation = (now, int(current))
    return int(current)


def invalidate() -> None:
    """Everything published may have changed: forget every cached page (all processes)."""
    global _generation
    try:
        try:
            value = cache.incr(GENERATION_KEY)
        except ValueError:  # missing key
            value = int(time.time())
            if not cache.add(GENERATION_KEY, value, timeout=None):
                value = cache.incr(GENERATION_KEY)
    except Exception:
        logger.warning("page cache: could not bump the generation", exc_info=True)
        return
    with _generation_lock:
        _generation = (time.monotonic(), int(value))


def _eligible(request: HttpRequest) -> bool:
    if request.method != "GET":
        return False
    cookies = request.COOKIES
    if cookies and any(name not in _NEUTRAL_COOKIES for name in cookies):
        return False  # a session, messages, or anything that might change the page
    path = request.path_info
    return not path.startswith(("/admin/", "/api/", "/django-admin/", "/accounts/"))


def _key(request: HttpRequest, gen: int) -> str:
    language = translation.get_language_from_request(request)
    raw = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    digest = hashlib.blake2b(raw.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()
    return f"gongkai:page:{gen}:{language}:{digest}"


def _storable(request: HttpRequest, response: HttpResponseBase) -> bool:
    if not getattr(request, "gongkai_page_cache", False):
        return False
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    control = (response.get("Cache-Control") or "").lower()
    return not any(word in control for word in ("private", "no-store", "no-cache"))


class PageCacheMiddleware:
    """Answer anonymous readers from the page cache; place it right after WhiteNoise."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        seconds = ttl()
        if seconds <= 0 or not _eligible(request):
            return self.get_response(request)
        gen = generation()
        if gen < 0:
            return self.get_response(request)
        try:
            key = _key(request, gen)
            stored = _pages().get(key)
        except Exception:  # DisallowedHost is raised again (and answered 400) by the view path
            return self.get_response(request)
        if stored is not None:
            return self._replay(stored)
        response = self.get_response(request)
        if _storable(request, response):
            assert isinstance(response, HttpResponse)
            headers = [(k, v) for k, v in response.items() if k.lower() not in _SKIP_HEADERS]
            try:
                _pages().set(key, (response.content, headers), timeout=seconds)
            except Exception:
                logger.warning("page cache: could not store %s", request.path, exc_info=True)
            response[HEADER] = "miss"
        return response

    @staticmethod
    def _replay(stored: Any) -> HttpResponse:
        content, headers = stored
        response = HttpResponse(content)
        for name, value in headers:
            response[name] = value
        response[HEADER] = "hit"
        return response


# --- Invalidation ---------------------------------------------------------------------------------

#: Models whose rows change what the public portal shows (besides every Wagtail page type).
WATCHED_MODELS = frozenset(
    {
        "wagtailcore.site",
        "wagtailcore.pageviewrestriction",
        "wagtailcore.locale",
        "wagtaildocs.document",
        "wagtailimages.image",
        "wagtailimages.rendition",
        # A released annual report on /disclosure/annual-reports/ (released, withdrawn, replaced).
        "disclosure_annual.annualreport",
    }
)
#: Apps whose every model is public content or its settings.
WATCHED_APPS = frozenset({"publishing", "portal"})
#: Bookkeeping in those apps that never changes a public page.
IGNORED_MODELS = frozenset({"publishing.indexnumbercounter"})


def _watched(sender: Any) -> bool:
    from wagtail.models import Page

    meta = getattr(sender, "_meta", None)
    if meta is None:
        return False
    label = meta.label_lower
    if label in IGNORED_MODELS:
        return False
    return label in WATCHED_MODELS or meta.app_label in WATCHED_APPS or issubclass(sender, Page)


def invalidate_on_commit(using: str | None = None) -> None:
    """Bump the generation when the current transaction commits (once per transaction).

    Not before: a reader between the bump and the commit would render the old content and store it
    under the new generation. The callback is registered once per list of pending commit hooks; a
    rollback replaces that list, so a later change registers again.
    """
    from django.db import transaction

    if ttl() <= 0:
        return
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        invalidate()
        return
    hooks = connection.run_on_commit
    if getattr(connection, "_gongkai_pagecache_hooks", None) is hooks:
        return
    connection._gongkai_pagecache_hooks = hooks  # type: ignore[attr-defined]
    transaction.on_commit(invalidate, using=using, robust=True)


def _on_change(sender: Any, **kwargs: Any) -> None:
    if _watched(sender):
        invalidate_on_commit(kwargs.get("using"))


def _on_page_event(sender: Any, **kwargs: Any) -> None:
    invalidate_on_commit()


def connect_signals() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save
    from wagtail.signals import page_published, page_unpublished, post_page_move

    post_save.connect(_on_change, dispatch_uid="gongkai.pagecache.save")
    post_delete.connect(_on_change, dispatch_uid="gongkai.pagecache.delete")
    m2m_changed.connect(_on_change, dispatch_uid="gongkai.pagecache.m2m")
    page_published.connect(_on_page_event, dispatch_uid="gongkai.pagecache.published")
    page_unpublished.connect(_on_page_event, dispatch_uid="gongkai.pagecache.unpublished")
    post_page_move.connect(_on_page_event, dispatch_uid="gongkai.pagecache.moved")


# --- Derived values kept until content changes ------------------------------------------------------


def memo(name: str, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per content generation (shared by processes), e.g. a catalogue's count or
    the departments offered as a filter: what a page cache miss would otherwise recount from
    100,000 rows. Computed every time when the page cache is off."""
    seconds = ttl()
    if seconds <= 0:
        return compute()
    gen = generation()
    if gen < 0:
        return compute()
    key = f"gongkai:memo:{gen}:" + hashlib.blake2b(name.encode(), digest_size=16).hexdigest()
    try:
        value = cache.get(key)
    except Exception:
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, timeout=seconds)
        except Exception:
            logger.warning("page cache: could not keep %s", name, exc_info=True)
    return value
