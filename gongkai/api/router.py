"""The REST API under /api/v1/ with its OpenAPI document at /api/v1/openapi.json."""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from gongkai.api.auth import ApiTokenAuth, SessionStaffAuth
from gongkai.api.errors import ApiError
from gongkai.api.throttling import FixedWindowThrottle
from gongkai.core.workflow import TransitionNotAllowed


class StrictJSONParser(Parser):
    """Reject malformed JSON with the standard error instead of a 500."""

    def parse_body(self, request: HttpRequest):
        try:
            return json.loads(request.body or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ApiError(
                _("请求体不是有效的 JSON。"), code="malformed_json", details={"error": str(exc)}
            ) from exc


api = NinjaAPI(
    title="Gongkai API",
    version="1",
    description="吉林市政府信息公开与回应关切平台接口 / Gongkai: disclosure and public-concern response API",
    urls_namespace="api-v1",
    auth=[ApiTokenAuth(), SessionStaffAuth()],
    parser=StrictJSONParser(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    # Per client IP for anonymous callers, per token/user for staff; counted in the shared cache.
    throttle=[
        FixedWindowThrottle(lambda: settings.GONGKAI_API_ANON_RATE, scope="api", who="anon"),
        FixedWindowThrottle(lambda: settings.GONGKAI_API_AUTH_RATE, scope="api", who="auth"),
    ],
)


def _error(request: HttpRequest, status: int, code: str, message: str, details=None):
    return api.create_response(
        request, {"code": code, "message": str(message), "details": details}, status=status
    )


@api.exception_handler(ApiError)
def _api_error(request, exc: ApiError):
    return _error(request, exc.status, exc.code, str(exc.message), exc.details)


@api.exception_handler(TransitionNotAllowed)
def _transition_refused(request, exc: TransitionNotAllowed):
    status = 403 if exc.code == "permission_denied" else 409
    return _error(request, status, exc.code, exc.message)


@api.exception_handler(OverflowError)
def _overflow(request, exc: OverflowError):
    # A number too large for the database column (e.g. a 40-digit id): bad input, not a crash.
    return _error(request, 422, "validation_error", _("数值超出允许范围。"))


@api.exception_handler(SuspiciousOperation)
def _suspicious(request, exc: SuspiciousOperation):
    # Too many query parameters, a body over DATA_UPLOAD_MAX_MEMORY_SIZE…: bad input, answered in
    # the API's format (Django's own answer would be an HTML page in English), logged as Django would.
    logging.getLogger(f"django.security.{exc.__class__.__name__}").warning(str(exc))
    return _error(request, 400, "bad_request", _("请求无效：参数过多或请求体过大。"))


@api.exception_handler(NinjaValidationError)
def _validation_error(request, exc: NinjaValidationError):
    details = [
        {
            "field": ".".join(str(part) for part in err.get("loc", []) if part not in ("body", "payload")),
            "type": err.get("type"),
            "message": err.get("msg"),
        }
        for err in exc.errors
    ]
    return _error(request, 422, "validation_error", _("提交的数据有误，请检查后重试。"), details)


@api.exception_handler(DjangoValidationError)
def _django_validation_error(request, exc: DjangoValidationError):
    details = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return _error(request, 422, "validation_error", _("提交的数据有误，请检查后重试。"), details)


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return _error(request, 401, "not_authenticated", _("需要登录或有效的接口令牌。"))


@api.exception_handler(DjangoPermissionDenied)
def _forbidden(request, exc):
    return _error(request, 403, "permission_denied", _("无权执行此操作。"))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, 404, "not_found", _("未找到，或无权查看。"))


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    # django-ninja wraps a parser failure in HttpError(400); answer with the parser's own error.
    if isinstance(exc.__cause__, ApiError):
        return _api_error(request, exc.__cause__)
    messages = {
        400: ("bad_request", _("请求无效。")),
        401: ("not_authenticated", _("需要登录或有效的接口令牌。")),
        403: ("permission_denied", _("无权执行此操作。")),
        404: ("not_found", _("未找到，或无权查看。")),
        405: ("method_not_allowed", _("不支持此请求方法。")),
        429: ("too_many_requests", _("请求过于频繁，请稍后再试。")),
    }
    code, message = messages.get(exc.status_code, ("http_error", _("请求无法处理。")))
    return _error(request, exc.status_code, code, message)


from gongkai.api import endpoints  # noqa: E402  (registers the routers of every app)

endpoints.register(api)
