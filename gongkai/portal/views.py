"""Public pages that are not Wagtail pages: the site-wide search and robots.txt."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

MAX_QUERY_LENGTH = 100
PAGE_SIZE = 20
#: Deepest page of results offered (the search ranks at most this many hits a query).
MAX_PAGES = 50


def _filters(request: HttpRequest, options: dict[str, Any]) -> dict[str, Any]:
    """Read ``type``, ``department`` and ``year``; values not offered are ignored (never errors)."""
    doc_type = (request.GET.get("type") or "").strip()
    department = (request.GET.get("department") or "").strip()
    year_text = (request.GET.get("year") or "").strip()
    known_types = {value for value, _label in options["types"]}
    known_departments = {code for code, _name in options["departments"]}
    year = int(year_text) if year_text.isascii() and year_text.isdigit() and len(year_text) == 4 else None
    return {
        "type": doc_type if doc_type in known_types else "",
        "department": department if department in known_departments else "",
        "year": year if year in options["years"] else None,
    }


def search(request: HttpRequest) -> HttpResponse:
    """``/search/?q=…&type=…&department=…&year=…&page=…`` over all public content.

    Without a type filter every public entry of the search index is searched (documents, and
    whatever else other apps index as public); the filters offer what the public documents have.
    """
    from gongkai.core.pagecache import mark_cacheable
    from gongkai.core.parsing import parse_id
    from gongkai.core.search.selectors import InvalidQuery
    from gongkai.core.search.selectors import search as search_documents
    from gongkai.publishing.selectors import search_filter_options

    mark_cacheable(request)  # the same answer for every anonymous reader until content changes
    query = (request.GET.get("q") or "").replace("\x00", "").strip()
    options = search_filter_options()
    filters = _filters(request, options)
    number = min(parse_id(request.GET.get("page") or "1") or 1, MAX_PAGES)
    error = None
    results = None
    if len(query) > MAX_QUERY_LENGTH:
        error = _("关键词太长，请不超过 %(n)s 个字。") % {"n": MAX_QUERY_LENGTH}
    elif query:
        try:
            results = search_documents(
                query,
                doc_types=[filters["type"]] if filters["type"] else None,
                department_code=filters["department"] or None,
                year=filters["year"],
                public_only=True,
                offset=(number - 1) * PAGE_SIZE,
                limit=PAGE_SIZE,
            )
        except InvalidQuery as exc:
            error = str(exc.message)
    type_labels = dict(options["types"])
    department_names = dict(options["departments"])
    pages = None
    if results is not None:
        for hit in results.hits:
            hit.type_label = type_labels.get(hit.doc_type, "")  # type: ignore[attr-defined]
            hit.department_name = department_names.get(hit.department_code, "")  # type: ignore[attr-defined]
        last = min(MAX_PAGES, max(1, -(-results.total // PAGE_SIZE)))
        params = request.GET.copy()
        params.pop("page", None)
        base = params.urlencode()
        pages = {
            "number": number,
            "last": last,
            "previous": f"?{base}&page={number - 1}" if number > 1 else "",
            "next": f"?{base}&page={number + 1}" if number < last else "",
        }
    return TemplateResponse(
        request,
        "portal/search.html",
        {
            "query": query,
            "results": results,
            "error": error,
            "filters": filters,
            "options": options,
            "pages": pages,
            "has_filters": bool(filters["type"] or filters["department"] or filters["year"]),
        },
    )


@never_cache
def set_language(request: HttpRequest) -> HttpResponse:
    """``/language/?language=en&next=/zwgk/``: choose the portal's language (a cookie), go back.

    A plain link instead of Django's POST ``set_language``: the header's switch then needs no CSRF
    token, so public pages carry nothing per-reader and can be cached whole (core/pagecache.py).
    Switching the language changes nothing but the reader's own display preference.
    """
    code = (request.GET.get("language") or "").strip()
    next_url = request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if code in dict(settings.LANGUAGES) and check_for_language(code):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


def robots_txt(request: HttpRequest) -> HttpResponse:
    """Crawlers may read the public site, not the staff admin or the API; the sitemap is named."""
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /django-admin/",
        "Disallow: /api/",
        "Disallow: /accounts/",
        "Disallow: /search/",
        f"Sitemap: {sitemap}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
