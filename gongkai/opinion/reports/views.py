"""Admin pages of the opinion reports: the leader's dashboard (领导驾驶舱), the report list, one
report (read, edit while a draft, refresh, release, delete, download) and an event's reports.

Thin views: a permission check, one selector or service, a template. Charts are drawn in the
browser with the ECharts file the hotline already serves (``hotline/vendor/echarts.min.js``) from
the data the page writes with ``json_script``; the same numbers as the exported PDF and DOCX.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongkai.core.parsing import parse_id
from gongkai.core.workflow import TransitionNotAllowed
from gongkai.opinion.models import Event, Sentiment
from gongkai.opinion.reports import periods, selectors, services
from gongkai.opinion.reports.fonts import FontMissing
from gongkai.opinion.reports.models import MAX_COMMENT, MAX_SUMMARY, MAX_TITLE, Report, ReportKind, Section
from gongkai.opinion.reports.workflow import GRAPH


class Denied(Exception):
    """The user may not open this page: a plain 403 page, not Wagtail's silent redirect."""


def _require(allowed: bool) -> None:
    if not allowed:
        raise Denied


def reports_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Denied:
            return TemplateResponse(
                request, "opinion_reports/forbidden.html", {"header_title": _("无权访问")}, status=403
            )

    return wrapper


def _error_text(exc: Exception) -> str:
    if isinstance(exc, TransitionNotAllowed):
        return exc.message
    if isinstance(exc, ValidationError):
        return "；".join(str(m) for m in exc.messages)
    return str(exc)


# --- Chart data for ECharts -----------------------------------------------------------------------


def _chart_data(stats: dict[str, Any]) -> dict[str, Any]:
    """What static/opinion_reports/charts.js draws: series ready for ECharts, labels translated."""
    volume = stats.get("volume") or []
    return {
        "empty": _("暂无数据"),
        "names": {"negative": _("负面"), "other": _("非负面")},
        "titles": {
            "volume": _("信息量走势"),
            "sentiment": _("情感分布"),
            "districts": _("地域分布"),
            "sources": _("来源分布"),
        },
        "volume": {
            "labels": [b["label"] for b in volume],
            "series": [
                {"key": key, "name": str(label), "data": [b.get(key, 0) for b in volume]}
                for key, label in (
                    (Sentiment.NEGATIVE, Sentiment.NEGATIVE.label),
                    (Sentiment.NEUTRAL, Sentiment.NEUTRAL.label),
                    (Sentiment.POSITIVE, Sentiment.POSITIVE.label),
                )
            ],
        },
        "sentiment": [
            {"key": s["key"], "name": str(Sentiment(s["key"]).label), "value": s["count"]}
            for s in stats.get("sentiment") or []
            if s["count"]
        ],
        "districts": [
            {"name": d["name"], "value": d["posts"], "negative": d["negative"]}
            for d in stats.get("districts") or []
        ],
        "sources": [{"name": k["label"], "value": k["posts"]} for k in stats.get("source_kinds") or []],
    }


def _event_link(user: Any, event_id: int | None) -> str | None:
    """The analysts' event page (the workspace), when the user may open it and it exists."""
    if event_id is None:
        return None
    try:
        from gongkai.opinion.workspace.access import is_analyst
    except ImportError:
        return None
    if not is_analyst(user):
        return None
    try:
        return reverse("opinion_workspace:event", args=[event_id])
    except NoReverseMatch:
        return None


def _figures(stats: dict[str, Any]) -> list[dict[str, Any]]:
    totals = stats["totals"]
    change = totals.get("change")
    share = totals.get("negative_share")
    return [
        {
            "label": _("信息总量"),
            "value": totals["posts"],
            "note": _("上期 %(n)s") % {"n": totals["previous_posts"]},
        },
        {
            "label": _("环比"),
            "value": "—" if change is None else f"{change * 100:+.1f}%",
            "alert": change is not None and change >= 0.5,
        },
        {
            "label": _("负面占比"),
            "value": "—" if share is None else f"{share * 100:.1f}%",
            "note": _("负面 %(n)s 条") % {"n": totals["negative"]},
            "alert": share is not None and share >= 0.3,
        },
        {
            "label": _("疑似谣言"),
            "value": totals["rumor_candidates"],
            "alert": totals["rumor_candidates"] > 0,
        },
        {"label": _("新增事件"), "value": totals["new_events"]},
    ]


def _events(user: Any, stats: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for event in stats.get("events") or []:
        share = event.get("negative_share")
        rows.append(
            {
                **event,
                "negative_percent": "—" if share is None else f"{share * 100:.1f}%",
                "url": _event_link(user, event["id"]),
            }
        )
    return rows


# --- The leader's dashboard -------------------------------------------------------------------------


@reports_view
def dashboard(request: HttpRequest) -> HttpResponse:
    _require(selectors.may_read_reports(request.user))
    data = selectors.dashboard_data()
    today, week = data["today"], data["week"]
    latest = selectors.latest_reports(limit=5)
    context = {
        "header_title": _("领导驾驶舱"),
        "today": today,
        "week": week,
        "today_figures": _figures(today),
        "week_figures": _figures(week),
        "events": _events(request.user, week),
        "latest": [(str(label), latest[kind]) for kind, label in ReportKind.choices],
        "computed_at": datetime.datetime.fromisoformat(data["computed_at"]),
        "chart_data": {"today": _chart_data(today), "week": _chart_data(week)},
        "may_write": selectors.may_write_reports(request.user),
    }
    return TemplateResponse(request, "opinion_reports/dashboard.html", context)


# --- Reports ------------------------------------------------------------------------------------------


class ReportCreateForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("类型"),
        choices=[(ReportKind.DAILY, ReportKind.DAILY.label), (ReportKind.WEEKLY, ReportKind.WEEKLY.label)],
    )
    date = forms.DateField(
        label=gettext_lazy("日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("日报：当日；周报：该周任一日。只能是已经结束的日期或周。"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") and data.get("date"):
            start, end = (
                periods.day_period(data["date"])
                if data["kind"] == ReportKind.DAILY
                else periods.week_period(data["date"])
            )
            if end > timezone.now():
                raise ValidationError(_("只能为已经结束的日期或周生成报告。"))
        return data


class ReportEditForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("标题"), max_length=MAX_TITLE)
    summary = forms.CharField(
        label=gettext_lazy("摘要"),
        max_length=MAX_SUMMARY,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in Section.choices:
            self.fields[f"comment_{key}"] = forms.CharField(
                label=_("分析意见：%(section)s") % {"section": label},
                max_length=MAX_COMMENT,
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def comments(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(f"comment_{key}", "") for key in Section.values}


@reports_view
def report_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(selectors.may_read_reports(user))
    may_write = selectors.may_write_reports(user)
    form = ReportCreateForm(request.POST or None)
    if request.method == "POST":
        _require(may_write)
        if form.is_valid():
            report, created = services.report_regular_ensure(
                kind=form.cleaned_data["kind"], day=form.cleaned_data["date"], actor=user, request=request
            )
            if not created:
                messages.info(request, _("该时段的报告已存在。"))
            return redirect("opinion_reports:detail", pk=report.pk)
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    reports = selectors.report_list(
        kind=kind if kind in ReportKind.values else None,
        status=status if status in ("draft", "released") else None,
    )
    page = Paginator(reports, 30).get_page(request.GET.get("page"))
    context = {
        "header_title": _("舆情报告"),
        "page": page,
        "kind": kind,
        "status": status,
        "kinds": ReportKind.choices,
        "form": form,
        "may_write": may_write,
    }
    return TemplateResponse(request, "opinion_reports/list.html", context)


def _report(request: HttpRequest, pk: Any) -> Report:
    try:
        return selectors.access_report(request.user, pk)
    except Http404:
        if not selectors.may_read_reports(request.user):
            raise Denied from None
        raise


@reports_view
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    report = _report(request, pk)
    actions = {t.name for t in GRAPH.available(report, user)}
    form = None
    if "edit" in actions:
        initial = {"title": report.title, "summary": report.summary}
        initial.update({f"comment_{key}": text for key, text in (report.comments or {}).items()})
        form = ReportEditForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                services.report_update(
                    report_id=report.pk,
                    actor=user,
                    title=form.cleaned_data["title"],
                    summary=form.cleaned_data["summary"],
                    comments=form.comments(),
                    request=request,
                )
            except (TransitionNotAllowed, ValidationError) as exc:
                messages.error(request, _error_text(exc))
            else:
                messages.success(request, _("已保存。"))
                return redirect("opinion_reports:detail", pk=report.pk)
    elif request.method == "POST":
        messages.error(request, _("报告已签发，不能再修改。"))
        return redirect("opinion_reports:detail", pk=report.pk)
    stats = report.statistics or {}
    comments = report.comments or {}
    context = {
        "header_title": report.title,
        "report": report,
        "stats": stats,
        "figures": _figures(stats) if stats.get("totals") else [],
        "events": _events(user, stats),
        "sections": [(key, label, comments.get(key, "")) for key, label in Section.choices],
        "form": form,
        "actions": actions,
        "chart_data": _chart_data(stats) if stats else {},
        "event_url": _event_link(user, report.event_id),
    }
    return TemplateResponse(request, "opinion_reports/detail.html", context)


ACTIONS = {"refresh", "release", "delete"}


@reports_view
def report_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    report = _report(request, pk)
    if request.method != "POST" or name not in ACTIONS:
        return redirect("opinion_reports:detail", pk=report.pk)
    try:
        if name == "refresh":
            services.report_refresh(report_id=report.pk, actor=request.user, request=request)
            messages.success(request, _("已按当前数据重新统计。"))
        elif name == "release":
            services.report_release(report_id=report.pk, actor=request.user, request=request)
            messages.success(request, _("报告已签发。"))
        else:
            services.report_delete(report_id=report.pk, actor=request.user, request=request)
            messages.success(request, _("草稿已删除。"))
            return redirect("opinion_reports:list")
    except TransitionNotAllowed as exc:
        messages.error(request, _error_text(exc))
    return redirect("opinion_reports:detail", pk=report.pk)


@reports_view
def report_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    report = _report(request, pk)
    if fmt not in services.EXPORT_FORMATS:
        raise Http404("format")
    try:
        data, filename, content_type = services.report_export(
            report=report, fmt=fmt, actor=request.user, request=request
        )
    except FontMissing as exc:
        messages.error(request, str(exc))
        return redirect("opinion_reports:detail", pk=report.pk)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@reports_view
def event_reports(request: HttpRequest, event_pk: int) -> HttpResponse:
    """An event's reports (事件专报), and a button to make one up to now."""
    user = request.user
    _require(selectors.may_read_reports(user))
    event_id = parse_id(event_pk)
    event = Event.objects.filter(pk=event_id).first() if event_id else None
    if event is None:
        raise Http404("event")
    may_write = selectors.may_write_reports(user)
    if request.method == "POST":
        _require(may_write)
        report = services.report_event_generate(event=event, actor=user, request=request)
        messages.success(request, _("事件专报已生成。"))
        return redirect("opinion_reports:detail", pk=report.pk)
    context = {
        "header_title": _("事件专报：%(title)s") % {"title": event.display_title},
        "event": event,
        "reports": selectors.report_list(event_id=event.pk),
        "may_write": may_write,
        "event_url": _event_link(user, event.pk),
    }
    return TemplateResponse(request, "opinion_reports/event.html", context)
