"""Public pages that are not Wagtail pages: the site-wide search."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

MAX_QUERY_LENGTH = 100


def search(request: HttpRequest) -> HttpResponse:
    from gongkai.core.search.selectors import InvalidQuery
    from gongkai.core.search.selectors import search as search_documents

    query = (request.GET.get("q") or "").strip()
    error = None
    results = None
    if len(query) > MAX_QUERY_LENGTH:
        error = _("关键词太长，请不超过 %(n)s 个字。") % {"n": MAX_QUERY_LENGTH}
    elif query:
        try:
            results = search_documents(query, public_only=True, offset=0, limit=20)
        except InvalidQuery as exc:
            error = str(exc.message)
    return TemplateResponse(
        request, "portal/search.html", {"query": query, "results": results, "error": error}
    )
