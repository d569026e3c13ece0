"""Middleware of the platform."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import build_policy
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

_OVERRIDES = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)


class CachedCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with the header built once while nothing makes it vary.

    django-csp builds the policy string from the settings on every response (about 4 % of a public
    API request, bench/hotline.py). When the response carries no per-view override
    (``@csp_update`` and friends) and the page used no nonce, the header only depends on the
    settings: it is built once per settings object and reused. Anything else goes the usual way.
    """

    _cache: dict[tuple[int, int], tuple[Any, Any, str, str]] = {}

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, name, None) is not None for name in _OVERRIDES
        ):
            return super().process_response(request, response)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
        policy_ro = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None) or {}
        key = (id(policy), id(policy_ro))
        entry = self._cache.get(key)
        if entry is None or entry[0] is not policy or entry[1] is not policy_ro:
            csp = build_policy(**asdict(PolicyParts()))
            csp_ro = build_policy(**asdict(PolicyParts()), report_only=True)
            entry = self._cache[key] = (policy, policy_ro, csp, csp_ro)
        _policy, _policy_ro, csp, csp_ro = entry
        if response.status_code in (404, 500) and settings.DEBUG:
            return response
        path = request.path_info
        if csp and HEADER not in response and not getattr(response, "_csp_exempt", False):
            if not path.startswith(tuple(policy.get("EXCLUDE_URL_PREFIXES", None) or ())):
                response[HEADER] = csp
        if csp_ro and HEADER_REPORT_ONLY not in response and not getattr(response, "_csp_exempt_ro", False):
            if not path.startswith(tuple(policy_ro.get("EXCLUDE_URL_PREFIXES", None) or ())):
                response[HEADER_REPORT_ONLY] = csp_ro
        # As django-csp does: a nonce asked for after the header was written is an error.
        request.csp_nonce = self._csp_nonce_post_response_object()  # type: ignore[attr-defined]
        return response

    def _csp_nonce_post_response_object(self) -> Any:
        from csp.middleware import CheckableLazyObject

        return CheckableLazyObject(self._csp_nonce_post_response)


class UnstorableQueryMiddleware:
    """Answer 400 to a path or query string holding a NUL character.

    Forms refuse NUL in what they clean, but a view that reads ``request.GET["q"]`` or a page path
    straight into a query would reach the database with it, and PostgreSQL fails on it (a 500 that
    SQLite never shows). Refusing it once here covers every view. The API answers in its own error
    format; pages get the portal's 400 page.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            return self._refuse(request)
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest) -> HttpResponseBase:
        from django.http import JsonResponse
        from django.utils import translation
        from django.utils.translation import gettext as _

        with translation.override(translation.get_language_from_request(request)):
            message = _("请求含有无法处理的字符（空字符），请删除后重试。")
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"code": "invalid_characters", "message": message, "details": None}, status=400
                )
            from gongkai.portal.errors import bad_request

            return bad_request(request)
