"""One error format for the whole API.

Every error answer is ``{"code": "...", "message": "...", "details": ...}``: ``code`` is a stable
machine-readable string, ``message`` is in the request's language (zh-hans by default, English with
``Accept-Language: en``), ``details`` carries per-field problems where there are any.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class ApiError(Exception):
    """Raise from any endpoint or service to answer with the standard error body."""

    status = 400
    code = "bad_request"
    message: Any = _("请求无效。")

    def __init__(
        self, message: Any = None, *, code: str | None = None, status: int | None = None, details: Any = None
    ):
        super().__init__(str(message or self.message))
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details = details


class NotFound(ApiError):
    status = 404
    code = "not_found"
    message = _("未找到，或无权查看。")


class PermissionDenied(ApiError):
    status = 403
    code = "permission_denied"
    message = _("无权执行此操作。")


class Conflict(ApiError):
    status = 409
    code = "conflict"
    message = _("当前状态不允许此操作。")
