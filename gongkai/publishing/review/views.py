"""Staff views (Wagtail admin): the 20-working-day report and the Art. 18 re-review queue."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from wagtail.models import Page

from gongkai.accounts.access import can_access_department
from gongkai.publishing.review import access, documents, selectors, services
from gongkai.publishing.review.forms import ReReviewForm
from gongkai.publishing.review.models import ReReview


def deadlines(request: HttpRequest) -> HttpResponse:
    if not access.can_view_deadlines(request.user):
        raise PermissionDenied
    rows = selectors.deadline_rows(user=request.user)
    return TemplateResponse(
        request,
        "publishing_review/deadlines.html",
        {
            "page_title": _("公开时限（20 个工作日）"),
            "rows": rows,
            "deadline": selectors.DEADLINE_WORKING_DAYS,
            "warning": selectors.WARNING_WORKING_DAYS,
        },
    )


def rereview_queue(request: HttpRequest) -> HttpResponse:
    if not access.can_rereview(request.user):
        raise PermissionDenied
    rows = selectors.rereview_rows(user=request.user)
    return TemplateResponse(
        request,
        "publishing_review/rereview_queue.html",
        {"page_title": _("不予公开信息定期审查"), "rows": rows},
    )


def rereview_record(request: HttpRequest, page_id: int) -> HttpResponse:
    if not access.can_rereview(request.user):
        raise PermissionDenied
    page = Page.objects.filter(pk=page_id).first()
    if page is None or not documents.is_document(page):
        raise Http404
    page = page.specific
    if not request.user.is_superuser and not can_access_department(
        request.user, documents.department_id(page)
    ):
        raise Http404
    form = ReReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.rereview_record(
                page=page,
                user=request.user,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except services.ReviewRefused as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("已记录定期审查结论。"))
            return redirect("publishing_review:rereview_queue")
    history = ReReview.objects.filter(page_id=page.pk).select_related("decided_by")
    return TemplateResponse(
        request,
        "publishing_review/rereview_form.html",
        {
            "page_title": _("定期审查：%(title)s") % {"title": page.title},
            "page": page,
            "form": form,
            "history": history,
        },
    )
