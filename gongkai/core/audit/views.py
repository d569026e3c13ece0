"""The auditors' view of the audit trail in the staff admin (read-only)."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from gongkai.core.audit.models import AuditEvent
from gongkai.core.audit.selectors import audit_event_list


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("类别"), required=False, choices=[("", _("全部")), *AuditEvent.Kind.choices]
    )
    action = forms.CharField(label=_("动作"), required=False, max_length=80)
    text = forms.CharField(label=_("关键词"), required=False, max_length=100)
    date_from = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        start: datetime.date | None = data.get("date_from")
        end: datetime.date | None = data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("起始日期不能晚于截止日期。"))
        return data


@permission_required("audit.view_auditevent", raise_exception=True)
def audit_index(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    events = audit_event_list()
    if form.is_bound and form.is_valid():
        events = audit_event_list(**{k: v for k, v in form.cleaned_data.items() if v})
    page = Paginator(events, 50).get_page(request.GET.get("p"))
    query = request.GET.copy()
    query.pop("p", None)
    return TemplateResponse(
        request,
        "audit/index.html",
        {"form": form, "page": page, "query": query.urlencode(), "header_title": _("审计记录")},
    )


@permission_required("audit.view_auditevent", raise_exception=True)
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(AuditEvent.objects.select_related("target_type"), pk=pk)
    return TemplateResponse(request, "audit/detail.html", {"event": event, "header_title": _("审计记录详情")})
