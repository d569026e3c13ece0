"""The response loop's REST API under /api/v1/opinion/response/: alerts, rules and the duty roster,
assessment (研判), forwarding, responses, rumor clarifications, and the departments' forwardings.

Thin endpoints: check who may act, turn codes and ids into objects, call the one service of the
verb, serialize. Opinion staff (舆情分析员, 新闻办) work on cases; leaders read them; a department's
handlers and approvers see and answer only the forwardings sent to their department (another
department gets 404, as for a missing one). Refused transitions answer 409 (403 for
``permission_denied``), bad input 422, both in the project's error format.

No ``from __future__ import annotations`` here: django-ninja needs real annotations for Query schemas.
"""

import datetime
from typing import Any, Literal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja import Status as Reply

from gongkai.accounts.models import Department
from gongkai.api.errors import ApiError, NotFound, PermissionDenied
from gongkai.api.types import Id
from gongkai.opinion.models import Event, Topic
from gongkai.opinion.response import selectors, services
from gongkai.opinion.response.models import (
    CLOCK_HOURS,
    Alert,
    AlertKind,
    AlertRuleConfig,
    AnalystDuty,
    CaseStatus,
    ClockKind,
    EventCase,
    Forwarding,
    ForwardingStatus,
    Response,
    ResponseClock,
)
from gongkai.opinion.response.workflow import (
    CASE_GRAPH,
    FORWARDING_GRAPH,
    is_opinion_staff,
    may_read_cases,
)

router = Router(tags=["opinion-response"])

PREFIX = "/api/v1/opinion/response"
ALERT_KINDS = Literal["hotness", "spike", "negative_share", "sensitive", "rumor"]
LEVELS = Literal["general", "larger", "major", "especially_major"]
RESPONSE_KINDS = Literal["statement", "press_conference", "interview", "document"]
CASE_STATUSES = Literal["open", "assessed", "forwarded", "responded", "closed"]
FORWARDING_STATUSES = Literal["sent", "accepted", "answered", "overdue", "withdrawn"]
CODE = Field(..., min_length=1, max_length=50, description="机构代码 / department code")


class StrictIn(Schema):
    model_config = {"extra": "forbid"}


# --- Helpers ---------------------------------------------------------------------------------------


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied()


def _staff(request: HttpRequest) -> Any:
    user = _user(request)
    _require(is_opinion_staff(user))
    return user


def _reader(request: HttpRequest) -> Any:
    user = _user(request)
    _require(may_read_cases(user))
    return user


def _person(user: Any) -> dict | None:
    if user is None:
        return None
    return {"username": user.get_username(), "name": user.get_full_name() or user.get_username()}


def _ref(department: Department | None) -> dict | None:
    if department is None:
        return None
    return {"code": department.code, "name": department.short_name or department.name}


def _department(code: str | None, *, field: str = "department", required: bool = True) -> Department | None:
    code = (code or "").strip()
    if not code:
        if required:
            raise ValidationError({field: _("请选择单位。")})
        return None
    department = Department.objects.filter(code=code).first()
    if department is None:
        raise ValidationError({field: _("单位“%(code)s”不存在。") % {"code": code[:60]}})
    return department


def _event(event_id: int) -> Event:
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        raise NotFound()
    return event


def _page(page: int, page_size: int) -> tuple[int, int]:
    start = (page - 1) * page_size
    return start, start + page_size


# --- Alerts ----------------------------------------------------------------------------------------


class EventRefOut(Schema):
    id: int
    title: str
    district: str
    post_count: int
    hotness: float
    is_rumor: bool


class AlertOut(Schema):
    id: int
    kind: str
    kind_label: str
    rule: int | None
    rule_name: str
    threshold: float
    value: float
    event: EventRefOut | None
    subject: str
    fired_at: datetime.datetime
    notified: int
    acknowledged_by: dict | None
    acknowledged_at: datetime.datetime | None


class AlertPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[AlertOut]


class AlertFilter(Schema):
    acknowledged: bool | None = None
    kind: ALERT_KINDS | None = None
    event: Id | None = None
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=200)


def _event_ref(event: Event | None) -> dict | None:
    if event is None:
        return None
    return {
        "id": event.pk,
        "title": event.display_title,
        "district": event.district,
        "post_count": event.post_count,
        "hotness": round(event.hotness, 2),
        "is_rumor": event.is_rumor,
    }


def _alert_out(alert: Alert) -> dict:
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "kind_label": str(AlertKind(alert.kind).label),
        "rule": alert.rule_id,
        "rule_name": alert.rule_name,
        "threshold": alert.threshold,
        "value": round(alert.value, 4),
        "event": _event_ref(alert.event),
        "subject": alert.subject,
        "fired_at": alert.fired_at,
        "notified": alert.notified,
        "acknowledged_by": _person(alert.acknowledged_by),
        "acknowledged_at": alert.acknowledged_at,
    }


@router.get("/alerts", response=AlertPageOut, summary="预警收件箱 / The alert inbox")
def alert_list(request: HttpRequest, filters: Query[AlertFilter]):
    """Newest first; ``acknowledged=false`` is the inbox."""
    _reader(request)
    queryset = Alert.objects.select_related("event", "acknowledged_by")
    if filters.acknowledged is not None:
        queryset = queryset.filter(acknowledged_at__isnull=not filters.acknowledged)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.event:
        queryset = queryset.filter(event_id=filters.event)
    count = queryset.count()
    start, stop = _page(filters.page, filters.page_size)
    return {
        "count": count,
        "page": filters.page,
        "page_size": filters.page_size,
        "results": [_alert_out(a) for a in queryset.order_by("-fired_at", "-pk")[start:stop]],
    }


@router.post("/alerts/{alert_id}/acknowledge", response=AlertOut, summary="确认预警 / Acknowledge an alert")
def alert_acknowledge(request: HttpRequest, alert_id: Id):
    user = _staff(request)
    alert = Alert.objects.filter(pk=alert_id).first()
    if alert is None:
        raise NotFound()
    services.alert_acknowledge(alert=alert, actor=user, request=request)
    return _alert_out(Alert.objects.select_related("event", "acknowledged_by").get(pk=alert.pk))


# --- Rules and the duty roster -----------------------------------------------------------------------


class RuleOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    threshold: float
    topic: dict | None
    enabled: bool
    updated_at: datetime.datetime


class RuleIn(StrictIn):
    name: str = Field("", max_length=100)
    kind: ALERT_KINDS
    threshold: float = Field(..., gt=0, le=1e9)
    topic: Id | None = None
    enabled: bool = True


class RulePatchIn(StrictIn):
    name: str | None = Field(None, max_length=100)
    threshold: float | None = Field(None, gt=0, le=1e9)
    topic: Id | None = None
    enabled: bool | None = None


def _rule_out(rule: AlertRuleConfig) -> dict:
    return {
        "id": rule.pk,
        "name": str(rule),
        "kind": rule.kind,
        "kind_label": str(AlertKind(rule.kind).label),
        "threshold": rule.threshold,
        "topic": {"id": rule.topic.pk, "name": rule.topic.name} if rule.topic else None,
        "enabled": rule.enabled,
        "updated_at": rule.updated_at,
    }


def _rule_manager(request: HttpRequest) -> Any:
    user = _user(request)
    _require(selectors.may_manage_rules(user))
    return user


def _topic(topic_id: int | None) -> Topic | None:
    if topic_id is None:
        return None
    topic = Topic.objects.filter(pk=topic_id).first()
    if topic is None:
        raise ValidationError({"topic": _("专题不存在。")})
    return topic


def _rule(rule_id: int) -> AlertRuleConfig:
    rule = AlertRuleConfig.objects.select_related("topic").filter(pk=rule_id).first()
    if rule is None:
        raise NotFound()
    return rule


@router.get("/rules", response=list[RuleOut], summary="预警规则 / Alert rules")
def rule_list(request: HttpRequest):
    _reader(request)
    return [_rule_out(r) for r in AlertRuleConfig.objects.select_related("topic")]


@router.post("/rules", response={201: RuleOut}, summary="新建预警规则 / Create an alert rule")
def rule_create(request: HttpRequest, payload: RuleIn):
    user = _rule_manager(request)
    rule = services.rule_create(
        kind=payload.kind,
        threshold=payload.threshold,
        name=payload.name,
        topic=_topic(payload.topic),
        enabled=payload.enabled,
        actor=user,
        request=request,
    )
    return Reply(201, _rule_out(rule))


@router.patch("/rules/{rule_id}", response=RuleOut, summary="修改预警规则 / Change an alert rule")
def rule_change(request: HttpRequest, rule_id: Id, payload: RulePatchIn):
    """A new threshold or topic re-arms the rule for every event."""
    user = _rule_manager(request)
    rule = _rule(rule_id)
    changes: dict[str, Any] = {}
    given = payload.model_fields_set
    for name in ("name", "threshold", "enabled"):
        if name in given and getattr(payload, name) is not None:
            changes[name] = getattr(payload, name)
    if "topic" in given:
        changes["topic"] = _topic(payload.topic)
    rule = services.rule_update(rule=rule, actor=user, request=request, **changes)
    return _rule_out(_rule(rule.pk))


@router.delete("/rules/{rule_id}", response={204: None}, summary="删除预警规则 / Delete an alert rule")
def rule_delete(request: HttpRequest, rule_id: Id):
    user = _rule_manager(request)
    services.rule_delete(rule=_rule(rule_id), actor=user, request=request)
    return Reply(204, None)


class DutyOut(Schema):
    id: int
    user: dict
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    note: str
    on_duty_now: bool


class DutyIn(StrictIn):
    username: str = Field(..., min_length=1, max_length=150)
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    note: str = Field("", max_length=200)


def _duty_out(duty: AnalystDuty, now: datetime.datetime) -> dict:
    return {
        "id": duty.pk,
        "user": _person(duty.user),
        "starts_at": duty.starts_at,
        "ends_at": duty.ends_at,
        "note": duty.note,
        "on_duty_now": duty.starts_at <= now < duty.ends_at,
    }


@router.get("/duty", response=list[DutyOut], summary="舆情值班表 / The duty roster")
def duty_list(request: HttpRequest):
    """Current and future shifts, and those of the last day."""
    _reader(request)
    now = timezone.now()
    shifts = AnalystDuty.objects.filter(ends_at__gte=now - datetime.timedelta(days=1)).select_related("user")
    return [_duty_out(d, now) for d in shifts.order_by("starts_at", "pk")[:500]]


@router.post("/duty", response={201: DutyOut}, summary="安排值班 / Add a shift")
def duty_create(request: HttpRequest, payload: DutyIn):
    user = _rule_manager(request)
    on_duty = get_user_model().objects.filter(username=payload.username, is_active=True).first()
    if on_duty is None or not is_opinion_staff(on_duty):
        raise ValidationError({"username": _("值班人员须为在职的舆情分析员或新闻办工作人员。")})
    duty = services.duty_create(
        user=on_duty,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        note=payload.note,
        actor=user,
        request=request,
    )
    return Reply(201, _duty_out(duty, timezone.now()))


@router.delete("/duty/{duty_id}", response={204: None}, summary="取消值班 / Remove a shift")
def duty_delete(request: HttpRequest, duty_id: Id):
    user = _rule_manager(request)
    duty = AnalystDuty.objects.select_related("user").filter(pk=duty_id).first()
    if duty is None:
        raise NotFound()
    services.duty_delete(duty=duty, actor=user, request=request)
    return Reply(204, None)


# --- Cases -----------------------------------------------------------------------------------------


def _clock_state_label(state: str) -> str:
    labels = {
        "met": _("按时完成"),
        "met_late": _("超时完成"),
        "cancelled": _("已取消"),
        "overdue": _("已超期"),
        "due_soon": _("即将到期"),
        "running": _("计时中"),
    }
    return labels[state]


class ClockOut(Schema):
    id: int
    round: int
    kind: str
    label: str
    hours: int
    started_at: datetime.datetime
    due_at: datetime.datetime
    due_soon_at: datetime.datetime
    met_at: datetime.datetime | None
    met_by: int | None
    cancelled_at: datetime.datetime | None
    state: str
    state_label: str


class ForwardingOut(Schema):
    id: int
    event: EventRefOut
    level: str
    level_label: str
    department: dict
    instructions: str
    deadline: datetime.datetime
    status: str
    status_label: str
    is_overdue: bool
    work_order: str | None
    sent_by: dict | None
    sent_at: datetime.datetime
    accepted_by: dict | None
    accepted_at: datetime.datetime | None
    answer: str
    answered_by: dict | None
    answered_at: datetime.datetime | None
    answered_late: bool
    withdrawn_reason: str
    actions: list[dict]


class ResponseOut(Schema):
    id: int
    round: int
    kind: str
    kind_label: str
    at: datetime.datetime
    summary: str
    url: str
    page: dict | None
    department: dict | None
    spokesperson: str
    recorded_by: dict | None
    recorded_at: datetime.datetime


class CaseOut(Schema):
    event: EventRefOut
    exists: bool
    status: str
    status_label: str
    round: int
    level: str
    level_label: str
    is_major_emergency: bool
    responsible_department: dict | None
    assessment_note: str
    assessed_by: dict | None
    assessed_at: datetime.datetime | None
    clock_started_at: datetime.datetime | None
    clocks: list[ClockOut]
    overdue: bool
    forwardings: list[ForwardingOut]
    responses: list[ResponseOut]
    clarification: dict | None
    closed_at: datetime.datetime | None
    close_reason: str
    suggested_departments: list[dict]
    actions: list[dict]


class CaseSummaryOut(Schema):
    event: EventRefOut
    status: str
    status_label: str
    level: str
    level_label: str
    is_major_emergency: bool
    responsible_department: dict | None
    next_due_at: datetime.datetime | None
    overdue: bool
    updated_at: datetime.datetime


class CasePageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[CaseSummaryOut]


class CaseFilter(Schema):
    status: CASE_STATUSES | None = None
    overdue: bool | None = None
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=200)


def _clock_out(clock: ResponseClock, now: datetime.datetime) -> dict:
    state = selectors.clock_state(clock, now)
    return {
        "id": clock.pk,
        "round": clock.round,
        "kind": clock.kind,
        "label": str(ClockKind(clock.kind).label),
        "hours": CLOCK_HOURS[clock.kind],
        "started_at": clock.started_at,
        "due_at": clock.due_at,
        "due_soon_at": clock.due_soon_at,
        "met_at": clock.met_at,
        "met_by": clock.met_by_id,
        "cancelled_at": clock.cancelled_at,
        "state": state,
        "state_label": _clock_state_label(state),
    }


FORWARDING_ENDPOINTS = {"accept": "accept", "answer": "answer", "withdraw": "withdraw"}


def _forwarding_out(forwarding: Forwarding, user: Any, now: datetime.datetime) -> dict:
    case = forwarding.case
    actions = [
        {
            "name": t.name,
            "label": str(t.label),
            "endpoint": f"{PREFIX}/forwardings/{forwarding.pk}/{FORWARDING_ENDPOINTS[t.name]}",
        }
        for t in FORWARDING_GRAPH.available(forwarding, user)
        if t.name in FORWARDING_ENDPOINTS
    ]
    open_statuses = (ForwardingStatus.SENT, ForwardingStatus.ACCEPTED, ForwardingStatus.OVERDUE)
    return {
        "id": forwarding.pk,
        "event": _event_ref(case.event),
        "level": case.level,
        "level_label": case.get_level_display() if case.level else "",
        "department": _ref(forwarding.department),
        "instructions": forwarding.instructions,
        "deadline": forwarding.deadline,
        "status": forwarding.status,
        "status_label": forwarding.get_status_display(),
        "is_overdue": forwarding.status in open_statuses and now >= forwarding.deadline,
        "work_order": forwarding.work_order.tracking_number if forwarding.work_order else None,
        "sent_by": _person(forwarding.sent_by),
        "sent_at": forwarding.sent_at,
        "accepted_by": _person(forwarding.accepted_by),
        "accepted_at": forwarding.accepted_at,
        "answer": forwarding.answer,
        "answered_by": _person(forwarding.answered_by),
        "answered_at": forwarding.answered_at,
        "answered_late": forwarding.answered_late,
        "withdrawn_reason": forwarding.withdrawn_reason,
        "actions": actions,
    }


def _page_ref(page: Any, request: HttpRequest) -> dict | None:
    if page is None:
        return None
    try:
        url = page.get_url(request)
    except Exception:  # a page outside every site has no URL; the reference is still useful
        url = None
    return {"id": page.pk, "title": page.title, "url": url, "first_published_at": page.first_published_at}


def _response_out(response: Response, request: HttpRequest) -> dict:
    return {
        "id": response.pk,
        "round": response.round,
        "kind": response.kind,
        "kind_label": response.get_kind_display(),
        "at": response.at,
        "summary": response.summary,
        "url": response.url,
        "page": _page_ref(response.page, request),
        "department": _ref(response.department),
        "spokesperson": response.spokesperson,
        "recorded_by": _person(response.recorded_by),
        "recorded_at": response.recorded_at,
    }


CASE_ENDPOINTS = {
    "assess": "assess",
    "reassess": "assess",
    "forward": "forward",
    "respond": "responses",
    "link_clarification": "clarification",
    "close": "close",
    "dismiss": "dismiss",
    "reopen": "reopen",
}


def _case_actions(case: EventCase, event: Event, user: Any) -> list[dict]:
    return [
        {
            "name": t.name,
            "label": str(t.label),
            "endpoint": f"{PREFIX}/events/{event.pk}/{CASE_ENDPOINTS[t.name]}",
        }
        for t in CASE_GRAPH.available(case, user)
        if t.name in CASE_ENDPOINTS
    ]


def _case_out(event: Event, request: HttpRequest) -> dict:
    user = _user(request)
    now = timezone.now()
    case = (
        EventCase.objects.select_related("responsible_department", "assessed_by", "clarification")
        .filter(event=event)
        .first()
    )
    exists = case is not None
    if case is None:
        case = EventCase(event=event)  # not saved: an event nobody worked on yet
    clocks = selectors.case_clocks(case, all_rounds=True) if exists else []
    forwardings = (
        list(
            case.forwardings.select_related(
                "department", "work_order", "sent_by", "accepted_by", "answered_by", "case__event"
            ).order_by("sent_at", "pk")
        )
        if exists
        else []
    )
    responses = (
        list(case.responses.select_related("page", "department", "recorded_by").order_by("at", "pk"))
        if exists
        else []
    )
    return {
        "event": _event_ref(event),
        "exists": exists,
        "status": case.status,
        "status_label": case.get_status_display(),
        "round": case.round,
        "level": case.level,
        "level_label": case.get_level_display() if case.level else "",
        "is_major_emergency": case.is_major_emergency,
        "responsible_department": _ref(case.responsible_department),
        "assessment_note": case.assessment_note,
        "assessed_by": _person(case.assessed_by),
        "assessed_at": case.assessed_at,
        "clock_started_at": case.clock_started_at,
        "clocks": [_clock_out(c, now) for c in clocks],
        "overdue": any(
            selectors.clock_state(c, now) == "overdue"
            for c in clocks
            if c.round == case.round and case.status != CaseStatus.CLOSED
        ),
        "forwardings": [_forwarding_out(f, user, now) for f in forwardings],
        "responses": [_response_out(r, request) for r in responses],
        "clarification": _page_ref(case.clarification, request),
        "closed_at": case.closed_at,
        "close_reason": case.close_reason,
        "suggested_departments": [
            {
                "code": s["department"].code,
                "name": s["department"].short_name or s["department"].name,
                "reason": s["reason"],
                "topic": s.get("topic", ""),
            }
            for s in selectors.suggest_departments(event)
        ],
        # An unsaved case is open: only assess and dismiss, neither with a condition on related rows.
        "actions": _case_actions(case, event, user),
    }


@router.get("/cases", response=CasePageOut, summary="舆情处置列表 / Cases")
def case_list(request: HttpRequest, filters: Query[CaseFilter]):
    """Events someone has worked on, most recently changed first; ``overdue=true``: a clock of the
    current round passed its deadline unmet."""
    _reader(request)
    now = timezone.now()
    queryset = selectors.case_list(status=filters.status, overdue=filters.overdue, now=now)
    count = queryset.count()
    start, stop = _page(filters.page, filters.page_size)
    cases = list(queryset[start:stop])
    running: dict[int, list[ResponseClock]] = {}
    for clock in selectors.running_clocks().filter(case__in=cases):
        running.setdefault(clock.case_id, []).append(clock)
    results = []
    for case in cases:
        clocks = running.get(case.pk, [])
        results.append(
            {
                "event": _event_ref(case.event),
                "status": case.status,
                "status_label": case.get_status_display(),
                "level": case.level,
                "level_label": case.get_level_display() if case.level else "",
                "is_major_emergency": case.is_major_emergency,
                "responsible_department": _ref(case.responsible_department),
                "next_due_at": min((c.due_at for c in clocks), default=None),
                "overdue": any(now >= c.due_at for c in clocks),
                "updated_at": case.updated_at,
            }
        )
    return {"count": count, "page": filters.page, "page_size": filters.page_size, "results": results}


@router.get("/events/{event_id}", response=CaseOut, summary="事件的研判与回应 / An event's case")
def case_detail(request: HttpRequest, event_id: Id):
    """Assessment, clocks (with their state: 计时中/即将到期/已超期/按时完成/超时完成/已取消),
    forwardings, responses, the clarification, suggested departments and the actions allowed now."""
    _reader(request)
    return _case_out(_event(event_id), request)


class AssessIn(StrictIn):
    level: LEVELS
    is_major_emergency: bool
    department: str = CODE
    note: str = Field("", max_length=5000)
    is_rumor: bool | None = None
    clock_started_at: datetime.datetime | None = Field(
        None, description="计时起点，默认为本轮首次预警时间或研判时间 / default: first alert, else now"
    )


@router.post("/events/{event_id}/assess", response=CaseOut, summary="研判 / Assess an event")
def case_assess(request: HttpRequest, event_id: Id, payload: AssessIn):
    """First assessment or a new one; the clocks follow (5 h + 24 h for major emergencies, 48 h
    otherwise, calendar hours)."""
    user = _staff(request)
    event = _event(event_id)
    services.case_assess(
        event=event,
        level=payload.level,
        is_major_emergency=payload.is_major_emergency,
        department=_department(payload.department),
        note=payload.note,
        is_rumor=payload.is_rumor,
        clock_started_at=payload.clock_started_at,
        actor=user,
        request=request,
    )
    return _case_out(_event(event_id), request)


class ForwardIn(StrictIn):
    department: str = CODE
    instructions: str = Field(..., min_length=1, max_length=5000)
    deadline: datetime.datetime | None = Field(
        None, description="默认为最近的回应期限 / default: the next clock"
    )
    work_order: str = Field("", max_length=30, description="关联工单受理编号 / a hotline tracking number")


@router.post(
    "/events/{event_id}/forward", response={201: ForwardingOut}, summary="转办 / Forward to a department"
)
def case_forward(request: HttpRequest, event_id: Id, payload: ForwardIn):
    user = _staff(request)
    forwarding = services.case_forward(
        event=_event(event_id),
        department=_department(payload.department),
        instructions=payload.instructions,
        deadline=payload.deadline,
        work_order_number=payload.work_order,
        actor=user,
        request=request,
    )
    found = selectors.forwardings_visible(user).get(pk=forwarding.pk)
    return Reply(201, _forwarding_out(found, user, timezone.now()))


class ResponseIn(StrictIn):
    kind: RESPONSE_KINDS
    summary: str = Field(..., min_length=1, max_length=5000)
    at: datetime.datetime | None = Field(
        None, description="默认为文件首次发布时间或现在 / default: publication, else now"
    )
    url: str = Field("", max_length=1000)
    page: Id | None = Field(None, description="已发布的公开文件页面 / a published document page")
    department: str | None = Field(None, max_length=50)
    spokesperson: str = Field("", max_length=100)


@router.post(
    "/events/{event_id}/responses", response={201: ResponseOut}, summary="登记回应 / Record a response"
)
def case_respond(request: HttpRequest, event_id: Id, payload: ResponseIn):
    user = _staff(request)
    response = services.case_record_response(
        event=_event(event_id),
        kind=payload.kind,
        summary=payload.summary,
        at=payload.at,
        url=payload.url,
        page_id=payload.page,
        department=_department(payload.department, required=False),
        spokesperson=payload.spokesperson,
        actor=user,
        request=request,
    )
    return Reply(201, _response_out(response, request))


class ClarificationIn(StrictIn):
    page: Id


@router.post(
    "/events/{event_id}/clarification", response=CaseOut, summary="关联辟谣 / Link the clarification"
)
def case_clarification(request: HttpRequest, event_id: Id, payload: ClarificationIn):
    """The event must be assessed as a rumor and the 辟谣 page published; its publication is
    recorded as a response."""
    user = _staff(request)
    services.case_link_clarification(
        event=_event(event_id), page_id=payload.page, actor=user, request=request
    )
    return _case_out(_event(event_id), request)


class ReasonIn(StrictIn):
    reason: str = Field("", max_length=500)


@router.post("/events/{event_id}/close", response=CaseOut, summary="办结 / Close a responded case")
def case_close(request: HttpRequest, event_id: Id, payload: ReasonIn):
    user = _staff(request)
    services.case_close(event=_event(event_id), reason=payload.reason, actor=user, request=request)
    return _case_out(_event(event_id), request)


@router.post(
    "/events/{event_id}/dismiss", response=CaseOut, summary="无需回应 / Close as needing no response"
)
def case_dismiss(request: HttpRequest, event_id: Id, payload: ReasonIn):
    user = _staff(request)
    services.case_dismiss(event=_event(event_id), reason=payload.reason, actor=user, request=request)
    return _case_out(_event(event_id), request)


@router.post("/events/{event_id}/reopen", response=CaseOut, summary="重新打开 / Reopen")
def case_reopen(request: HttpRequest, event_id: Id, payload: ReasonIn):
    user = _staff(request)
    services.case_reopen(event=_event(event_id), reason=payload.reason, actor=user, request=request)
    return _case_out(_event(event_id), request)


class VolumeBucketOut(Schema):
    start: datetime.datetime
    offset_hours: int
    posts: int
    rumor_candidates: int


class VolumeOut(Schema):
    clarification: dict
    published_at: datetime.datetime
    hours: int
    before: list[VolumeBucketOut]
    after: list[VolumeBucketOut]
    before_per_hour: float
    after_per_hour: float
    change: float | None = Field(..., description="(后−前)/前；前为 0 时为空 / (after − before) / before")


class VolumeQuery(Schema):
    hours: int = Field(24, ge=1, le=72)


@router.get("/events/{event_id}/rumor-volume", response=VolumeOut, summary="谣言热度对比 / Rumor volume")
def case_rumor_volume(request: HttpRequest, event_id: Id, query: Query[VolumeQuery]):
    """Posts per hour of the event in the ``hours`` before and after its clarification was
    published, and the change of the mean rate."""
    _reader(request)
    case = EventCase.objects.select_related("event", "clarification").filter(event_id=event_id).first()
    series = selectors.rumor_volume(case, hours=query.hours) if case is not None else None
    if case is None or series is None:
        if not Event.objects.filter(pk=event_id).exists():
            raise NotFound()
        raise ApiError(_("该事件尚未关联已发布的辟谣信息。"), code="no_clarification", status=404)
    return {
        "clarification": _page_ref(case.clarification, request),
        "published_at": series.published_at,
        "hours": series.hours,
        "before": series.before,
        "after": series.after,
        "before_per_hour": series.before_per_hour,
        "after_per_hour": series.after_per_hour,
        "change": series.change,
    }


# --- Forwardings (the departments' side) -------------------------------------------------------------


class ForwardingPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[ForwardingOut]


class ForwardingFilter(Schema):
    status: FORWARDING_STATUSES | None = None
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=200)


def _forwarding(request: HttpRequest, forwarding_id: int) -> Forwarding:
    found = selectors.forwardings_visible(_user(request)).filter(pk=forwarding_id).first()
    if found is None:
        raise NotFound()
    return found


@router.get("/forwardings", response=ForwardingPageOut, summary="转办任务 / Forwardings")
def forwarding_list(request: HttpRequest, filters: Query[ForwardingFilter]):
    """A department sees the forwardings sent to it (and to the departments under it), newest first."""
    user = _user(request)
    _require(selectors.may_list_forwardings(user))
    queryset = selectors.forwardings_visible(user).select_related("sent_by", "accepted_by", "answered_by")
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    count = queryset.count()
    start, stop = _page(filters.page, filters.page_size)
    now = timezone.now()
    rows = queryset.order_by("-sent_at", "-pk")[start:stop]
    return {
        "count": count,
        "page": filters.page,
        "page_size": filters.page_size,
        "results": [_forwarding_out(f, user, now) for f in rows],
    }


@router.get("/forwardings/{forwarding_id}", response=ForwardingOut, summary="转办详情 / One forwarding")
def forwarding_detail(request: HttpRequest, forwarding_id: Id):
    return _forwarding_out(_forwarding(request, forwarding_id), _user(request), timezone.now())


def _forwarding_done(request: HttpRequest, forwarding: Forwarding) -> dict:
    return _forwarding_out(_forwarding(request, forwarding.pk), _user(request), timezone.now())


@router.post("/forwardings/{forwarding_id}/accept", response=ForwardingOut, summary="签收 / Sign for it")
def forwarding_accept(request: HttpRequest, forwarding_id: Id):
    forwarding = _forwarding(request, forwarding_id)
    services.forwarding_accept(forwarding=forwarding, actor=_user(request), request=request)
    return _forwarding_done(request, forwarding)


class AnswerIn(StrictIn):
    answer: str = Field(..., min_length=1, max_length=5000)


@router.post("/forwardings/{forwarding_id}/answer", response=ForwardingOut, summary="答复 / Answer it")
def forwarding_answer(request: HttpRequest, forwarding_id: Id, payload: AnswerIn):
    forwarding = _forwarding(request, forwarding_id)
    services.forwarding_answer(
        forwarding=forwarding, answer=payload.answer, actor=_user(request), request=request
    )
    return _forwarding_done(request, forwarding)


class WithdrawIn(StrictIn):
    reason: str = Field(..., min_length=1, max_length=500)


@router.post("/forwardings/{forwarding_id}/withdraw", response=ForwardingOut, summary="撤回 / Withdraw it")
def forwarding_withdraw(request: HttpRequest, forwarding_id: Id, payload: WithdrawIn):
    user = _staff(request)
    forwarding = _forwarding(request, forwarding_id)
    services.forwarding_withdraw(forwarding=forwarding, reason=payload.reason, actor=user, request=request)
    return _forwarding_done(request, forwarding)
