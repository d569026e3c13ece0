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

_NO_POLICY: dict[str, Any] = {}


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
        # An unset policy is the one shared empty dict, so that the cache below can hit.
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or _NO_POLICY
        policy_ro = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None) or _NO_POLICY
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


class LeanPublicApiMiddleware:
    """Serve the few anonymous public API operations without the middleware they do not use.

    The public intake (``POST /api/v1/hotline/appeals``) and lookup (``POST /api/v1/hotline/lookup``)
    are the busiest requests of the platform, anonymous JSON POSTs that read no session, user,
    message, CSRF token, lockout or redirect. The middleware after this one (sessions, locale,
    common, CSRF, authentication, OTP, staff 2FA, messages, X-Frame-Options, redirects, axes) cost
    a request about 0.4 ms of CPU, as much as the lookup's own work (bench/hotline.py; ADR 0018).
    For the addresses in ``GONGKAI_LEAN_API_PATHS`` this middleware calls the operation's view
    (django-ninja's, resolved once) itself, after doing what the skipped middleware would have
    done that such a request needs:

    - the language from ``Accept-Language`` (or the language cookie), as ``LocaleMiddleware``,
      with its ``Content-Language`` and ``Vary: Accept-Language`` headers;
    - ``request.user`` is the anonymous user (nothing is read from a session), and the
      ``X-Frame-Options`` header of ``X_FRAME_OPTIONS``.

    What comes before it (security headers, the NUL check, the CSP header) still applies. The
    operations are the same code as without it: ninja parses, validates and answers as usual, and
    they are ``auth=None`` with no CSRF check in either case.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response
        self.paths = frozenset(getattr(settings, "GONGKAI_LEAN_API_PATHS", ()))
        self._views: dict[str, Any] = {}

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        path = request.path_info
        if path not in self.paths:
            return self.get_response(request)
        match = self._views.get(path)
        if match is None:
            from django.urls import Resolver404, resolve

            try:
                match = self._views[path] = resolve(path)
            except Resolver404:
                return self.get_response(request)
        from django.contrib.auth.models import AnonymousUser
        from django.utils import translation
        from django.utils.cache import patch_vary_headers

        language = translation.get_language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()  # type: ignore[attr-defined]
        request.user = AnonymousUser()  # type: ignore[assignment]
        request.resolver_match = match
        response = match.func(request, *match.args, **match.kwargs)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)  # type: ignore[attr-defined]
        response.headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS.upper())
        return response
