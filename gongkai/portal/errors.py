"""The error pages (400, 403, 404, CSRF failure) in the portal's layout, in the reader's language.

Django's own pages are a line of English; a citizen who mistypes an address or whose form sat open
too long gets instead what happened, in plain words, and where to go next. The 500 page is the
standalone template ``500.html`` (Django's own handler renders it without a database or request).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

TEMPLATE = "portal/error_page.html"


def _page(request: HttpRequest, status: int, title: str, lead: str) -> HttpResponse:
    response = TemplateResponse(
        request,
        TEMPLATE,
        {"error_code": status, "error_title": title, "error_lead": lead},
        status=status,
    )
    response.render()
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 400, _("请求无效"), _("您的浏览器发来的请求无法处理。请返回上一页，检查后再试。"))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        403,
        _("无权访问"),
        _("您没有查看这个页面的权限。工作人员请先登录；如认为有误，请联系本单位管理员。"),
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 404, _("找不到该页面"), _("您要找的页面不存在，可能已被移动或删除，或者网址有误。"))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _page(
        request,
        403,
        _("页面已过期"),
        _(
            "为保护您的信息安全，这个表单已失效（可能是页面打开时间过长，或浏览器禁用了 Cookie）。请返回上一页，刷新后重新提交。"
        ),
    )
