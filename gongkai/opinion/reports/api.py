"""Opinion reports in the REST API, under /api/v1/opinion/reports/.

- ``GET /statistics``: the statistics of a period (``start``/``end``: ISO dates or times; a date
  ``end`` includes that day; default today so far), optionally of a topic, an event, a district.
- ``GET /`` lists reports; ``POST /`` makes one: a daily or weekly report of a finished day or
  week (the period's regular report: made once, 200 with the existing one after that), scoped to a
  topic or district if asked, or an event's report; ``GET /{id}``; ``PATCH /{id}`` edits a draft's
  title, summary and per-section comments; ``POST /{id}/refresh`` takes a fresh snapshot;
  ``POST /{id}/release`` releases (签发) it; ``DELETE /{id}`` deletes a draft.
- ``GET /{id}/pdf`` and ``/{id}/docx`` download it (each download is audited).

Staff only: analysts read and write, leaders read (``opinion_reports`` permissions through the
roles). A released report refuses every change (409). No ``from __future__ import annotations``:
django-ninja needs the real annotations.
"""

import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja import Status as Reply

from gongkai.api.errors import ApiError, PermissionDenied
from gongkai.api.types import Id
from gongkai.opinion.models import Event, Topic
from gongkai.opinion.reports import periods, selectors, services
from gongkai.opinion.reports.models import Report, ReportKind, ReportStatus, Section
from gongkai.opinion.reports.workflow import GRAPH

router = Router(tags=["opinion-reports"])

KINDS = Literal["daily", "weekly", "event"]
STATUSES = Literal["draft", "released"]
FORMATS = ("pdf", "docx")


class StatisticsFilter(Schema):
    start: str | None = Field(None, max_length=40, description="起始日期或时间（ISO 8601；无时区按北京时间）")
    end: str | None = Field(None, max_length=40, description="截止日期（含当日）或时间（不含）")
    topic: Id | None = Field(None, description="专题编号")
    event: Id | None = Field(None, description="事件编号")
    district: str | None = Field(None, max_length=50, description="区县机构代码")
    top: int = Field(selectors.DEFAULT_TOP, ge=1, le=selectors.MAX_TOP)
    events_order: Literal["volume", "hotness"] = "volume"


class ReportFilter(Schema):
    kind: KINDS | None = None
    status: STATUSES | None = None
    event: Id | None = None
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=200)


class ReportCreateIn(Schema):
    kind: KINDS
    date: datetime.date | None = Field(None, description="日报：当日；周报：该周任一日")
    event_id: Id | None = None
    topic_id: Id | None = None
    district: str | None = Field(None, max_length=50)
    title: str | None = Field(None, max_length=200)


class ReportPatchIn(Schema):
    title: str | None = Field(None, max_length=1000)
    summary: str | None = Field(None, max_length=100_000)
    comments: dict[str, str | None] | None = None


class ReportSummaryOut(Schema):
    id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    title: str
    period_start: datetime.datetime
    period_end: datetime.datetime
    event_id: int | None
    topic_id: int | None
    district: str
    scheduled: bool
    generated_at: datetime.datetime
    created_at: datetime.datetime
    released_at: datetime.datetime | None
    released_by: str | None
    posts: int
    negative_share: float | None
    pdf_url: str
    docx_url: str


class SectionOut(Schema):
    key: str
    label: str
    comment: str


class ReportDetailOut(ReportSummaryOut):
    summary: str
    sections: list[SectionOut]
    statistics: dict[str, Any]
    updated_at: datetime.datetime
    updated_by: str | None
    released_digest: str
    actions: list[str]


class ReportPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[ReportSummaryOut]


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _name(user: Any) -> str | None:
    if user is None:
        return None
    return str(user.get_full_name() or user.get_username())


def _summary(report: Report) -> dict[str, Any]:
    totals = (report.statistics or {}).get("totals") or {}
    base = f"/api/v1/opinion/reports/{report.pk}"
    return {
        "id": report.pk,
        "kind": report.kind,
        "kind_label": str(report.get_kind_display()),
        "status": report.status,
        "status_label": str(report.get_status_display()),
        "title": report.title,
        "period_start": report.period_start,
        "period_end": report.period_end,
        "event_id": report.event_id,
        "topic_id": report.topic_id,
        "district": report.district,
        "scheduled": report.scheduled,
        "generated_at": report.generated_at,
        "created_at": report.created_at,
        "released_at": report.released_at,
        "released_by": _name(report.released_by),
        "posts": int(totals.get("posts") or 0),
        "negative_share": totals.get("negative_share"),
        "pdf_url": f"{base}/pdf",
        "docx_url": f"{base}/docx",
    }


def _detail(report: Report, user: Any) -> dict[str, Any]:
    comments = report.comments or {}
    return {
        **_summary(report),
        "summary": report.summary,
        "sections": [
            {"key": key, "label": str(label), "comment": comments.get(key, "")}
            for key, label in Section.choices
        ],
        "statistics": report.statistics,
        "updated_at": report.updated_at,
        "updated_by": _name(report.updated_by),
        "released_digest": report.released_digest,
        "actions": [t.name for t in GRAPH.available(report, user)],
    }


def _reader(request: HttpRequest) -> Any:
    user = _user(request)
    if not selectors.may_read_reports(user):
        raise PermissionDenied()
    return user


def _moment(value: str, field: str, *, is_end: bool) -> datetime.datetime:
    """An ISO date (local midnight; an end date includes its day) or time (local when naive)."""
    text = value.strip()
    try:
        if len(text) == 10:
            day = datetime.date.fromisoformat(text)
            return periods.local_midnight(day + datetime.timedelta(days=1) if is_end else day)
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError) as exc:
        raise ApiError(
            _("时间格式无效，请使用 ISO 8601（如 2026-06-01 或 2026-06-01T08:00:00+08:00）。"),
            code="validation_error",
            status=422,
            details={field: [_("无效的日期或时间。")]},
        ) from exc
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=periods.local_tz())
    return moment


def _period(filters: StatisticsFilter) -> tuple[datetime.datetime, datetime.datetime]:
    now = timezone.now()
    today = now.astimezone(periods.local_tz()).date()
    start = _moment(filters.start, "start", is_end=False) if filters.start else periods.local_midnight(today)
    end = _moment(filters.end, "end", is_end=True) if filters.end else now
    if end <= start:
        raise ApiError(
            _("截止时间必须晚于起始时间。"),
            code="validation_error",
            status=422,
            details={"end": [_("早于起始时间。")]},
        )
    if end - start > periods.MAX_PERIOD:
        raise ApiError(
            _("统计时段不能超过一年。"),
            code="validation_error",
            status=422,
            details={"start": [_("时段过长。")]},
        )
    return start, end


@router.get("/statistics", response=dict[str, Any], summary="舆情统计 / Statistics of a period")
def statistics(request: HttpRequest, filters: Query[StatisticsFilter]):
    """Volume over time (hourly up to two days, daily beyond), sentiment counts and shares, top
    events, sources, districts and topics of the period, as the reports freeze them."""
    _reader(request)
    start, end = _period(filters)
    return selectors.statistics(
        start=start,
        end=end,
        topic_id=filters.topic,
        event_id=filters.event,
        district=(filters.district or "").strip(),
        top=filters.top,
        events_order=filters.events_order,
    )


@router.get("/", response=ReportPageOut, summary="舆情报告列表 / Reports")
def report_list(request: HttpRequest, filters: Query[ReportFilter]):
    _reader(request)
    reports = selectors.report_list(kind=filters.kind, status=filters.status, event_id=filters.event)
    count = reports.count()
    start = (filters.page - 1) * filters.page_size
    return {
        "count": count,
        "page": filters.page,
        "page_size": filters.page_size,
        "results": [_summary(r) for r in reports[start : start + filters.page_size]],
    }


def _finished_period(kind: str, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start, end = periods.day_period(day) if kind == ReportKind.DAILY else periods.week_period(day)
    if end > timezone.now():
        message = (
            _("只能为已经结束的日期生成日报。")
            if kind == ReportKind.DAILY
            else _("只能为已经结束的一周生成周报。")
        )
        raise ApiError(message, code="period_not_finished", status=422, details={"date": [message]})
    return start, end


@router.post(
    "/", response={200: ReportDetailOut, 201: ReportDetailOut}, summary="生成舆情报告 / Make a report"
)
def report_create(request: HttpRequest, payload: ReportCreateIn):
    """A daily or weekly report of a finished day or week (without ``topic_id``/``district`` it is
    the period's regular report: 201 when made, 200 with the one that exists), or an event's report
    (``kind=event`` with ``event_id``: always a new one, up to now)."""
    user = _reader(request)
    if not selectors.may_write_reports(user):
        raise PermissionDenied()
    if payload.kind == ReportKind.EVENT:
        if payload.event_id is None:
            raise ApiError(
                _("事件专报必须指定事件。"),
                code="validation_error",
                status=422,
                details={"event_id": [_("必填。")]},
            )
        event = Event.objects.filter(pk=payload.event_id).first()
        if event is None:
            raise ApiError(
                _("事件不存在。"), code="validation_error", status=422, details={"event_id": [_("不存在。")]}
            )
        report = services.report_event_generate(
            event=event, actor=user, title=payload.title or "", request=request
        )
        return Reply(201, _detail(report, user))
    if payload.date is None:
        raise ApiError(
            _("请指定日期。"), code="validation_error", status=422, details={"date": [_("必填。")]}
        )
    start, end = _finished_period(payload.kind, payload.date)
    topic = None
    if payload.topic_id is not None:
        topic = Topic.objects.filter(pk=payload.topic_id).first()
        if topic is None:
            raise ApiError(
                _("专题不存在。"), code="validation_error", status=422, details={"topic_id": [_("不存在。")]}
            )
    district = (payload.district or "").strip()
    if topic is None and not district:
        report, created = services.report_regular_ensure(
            kind=payload.kind, day=payload.date, actor=user, request=request
        )
    else:
        report = services.report_generate(
            kind=payload.kind,
            start=start,
            end=end,
            topic=topic,
            district=district,
            title=(payload.title or "").strip(),
            actor=user,
            request=request,
        )
        created = True
    return Reply(201 if created else 200, _detail(report, user))


@router.get("/{report_id}", response=ReportDetailOut, summary="舆情报告详情 / One report")
def report_detail(request: HttpRequest, report_id: int):
    user = _user(request)
    return _detail(selectors.access_report(user, report_id), user)


@router.patch("/{report_id}", response=ReportDetailOut, summary="修改报告草稿 / Edit a draft")
def report_patch(request: HttpRequest, report_id: int, payload: ReportPatchIn):
    """Title, summary and comments per section (``comments`` replaces only the sections given; an
    empty text removes one). 409 once the report is released."""
    user = _user(request)
    report = selectors.access_report(user, report_id)
    report = services.report_update(
        report_id=report.pk,
        actor=user,
        title=payload.title,
        summary=payload.summary,
        comments=payload.comments,
        request=request,
    )
    return _detail(report, user)


@router.post(
    "/{report_id}/refresh", response=ReportDetailOut, summary="更新报告数据 / Fresh numbers for a draft"
)
def report_refresh(request: HttpRequest, report_id: int):
    user = _user(request)
    report = selectors.access_report(user, report_id)
    return _detail(services.report_refresh(report_id=report.pk, actor=user, request=request), user)


@router.post("/{report_id}/release", response=ReportDetailOut, summary="签发报告 / Release a report")
def report_release(request: HttpRequest, report_id: int):
    user = _user(request)
    report = selectors.access_report(user, report_id)
    return _detail(services.report_release(report_id=report.pk, actor=user, request=request), user)


@router.delete("/{report_id}", response={204: None}, summary="删除报告草稿 / Delete a draft")
def report_delete(request: HttpRequest, report_id: int):
    user = _user(request)
    report = selectors.access_report(user, report_id)
    services.report_delete(report_id=report.pk, actor=user, request=request)
    return Reply(204, None)


def _download(request: HttpRequest, report_id: int, fmt: str) -> HttpResponse:
    from gongkai.opinion.reports.fonts import FontMissing

    user = _user(request)
    report = selectors.access_report(user, report_id)
    try:
        data, filename, content_type = services.report_export(
            report=report, fmt=fmt, actor=user, request=request
        )
    except FontMissing as exc:
        raise ApiError(str(exc), code="font_missing", status=503) from exc
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@router.get("/{report_id}/pdf", response={200: None}, summary="下载 PDF / Download as PDF")
def report_pdf(request: HttpRequest, report_id: int):
    return _download(request, report_id, "pdf")


@router.get("/{report_id}/docx", response={200: None}, summary="下载 DOCX / Download as DOCX")
def report_docx(request: HttpRequest, report_id: int):
    return _download(request, report_id, "docx")


__all__ = ["ReportStatus", "router"]
