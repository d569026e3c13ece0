"""The hotline's REST API under /api/v1/hotline/: staff work on orders, intake, and the public appeal.

Thin endpoints: parse the input, check access with the core selectors (``access_work_order`` gives
the same 404 for a missing and a forbidden order), call the one service of the verb, serialize.
A refused transition (``TransitionNotAllowed``) answers 409 with its code and message (403 for
``permission_denied``), input the services reject 422: both mapped by the API router.

Personal data: lists always mask the caller; the order detail shows it unmasked only to the roles
that need it to do their work (see ``selectors.may_see_personal_data``) and records each such view with
``audit_personal_data_view``. The query code's hash never leaves the server.

Public operations (``auth=None``): file an appeal, look an order up with its query code, rate the
reply. Each has its own per-IP limit on top of the API-wide throttle, and appeals a per-phone limit.

No ``from __future__ import annotations`` here: django-ninja needs real annotations for Query schemas.
"""

import datetime
import hashlib
import json
from collections.abc import Callable
from typing import Any, Literal, overload

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema
from ninja import Status as Reply
from ninja.responses import NinjaJSONEncoder

from gongkai.accounts.access import visible_departments
from gongkai.accounts.models import Department
from gongkai.api.errors import ApiError, Conflict, NotFound, PermissionDenied
from gongkai.api.throttling import FixedWindowThrottle
from gongkai.core.audit.services import audit_personal_data_view
from gongkai.core.cache import incr_and_read
from gongkai.core.personal_data import mask_address, mask_id_number, mask_name, mask_phone, redact_text
from gongkai.hotline import public_forms, ratelimit, selectors, services
from gongkai.hotline.api_schemas import (
    ORDER_TYPES,
    QUEUES,
    ActionOut,
    ActionResultOut,
    AnswerIn,
    AppealIn,
    AppealOut,
    ApproveReplyIn,
    ArbitrateIn,
    CallbackIn,
    CallerHistoryItemOut,
    DispatchDownIn,
    DispatchIn,
    EventOut,
    ExtensionDecisionIn,
    ExtensionRequestIn,
    InboundConvertIn,
    InboundMessageIn,
    InboundMessageOut,
    InboundPageOut,
    InboundResultOut,
    IntakeIn,
    IntakeOut,
    KpiOut,
    LookupIn,
    MergeIn,
    OrderDetailOut,
    OrderPageOut,
    PublicationIn,
    PublicViewOut,
    QueueOut,
    RatingIn,
    ReasonIn,
    ReassignIn,
    ReopenIn,
    ReplyIn,
    ReturnIn,
    SuperviseIn,
    TextIn,
)
from gongkai.hotline.models import (
    Channel,
    EventType,
    InboundMessage,
    InboundStatus,
    RoutingCategory,
    Status,
    WorkOrder,
)
from gongkai.hotline.workflow import GRAPH, is_operator

router = Router(tags=["hotline"])

HANDLING = (Status.DISPATCHED, Status.IN_PROGRESS)

# --- Rate limits of the public operations -------------------------------------------------------


def _setting_throttle(*, scope: str, setting: str, default: str) -> FixedWindowThrottle:
    """Per client IP, whoever calls (a logged-in browser included), at a rate read from a setting on
    every request (so it can change without a restart and tests can lower it); its own counter per
    operation, counted in one cache round trip."""
    return FixedWindowThrottle(lambda: getattr(settings, setting, default), scope=scope, who="ip")


APPEAL_THROTTLE = _setting_throttle(
    scope="hotline_appeal", setting="GONGKAI_HOTLINE_APPEAL_RATE", default="10/m"
)
LOOKUP_THROTTLE = _setting_throttle(
    scope="hotline_lookup", setting="GONGKAI_HOTLINE_LOOKUP_RATE", default="10/m"
)
RATING_THROTTLE = _setting_throttle(
    scope="hotline_rating", setting="GONGKAI_HOTLINE_RATING_RATE", default="10/m"
)


def _too_many() -> ApiError:
    return ApiError(_("请求过于频繁，请稍后再试。"), code="too_many_requests", status=429)


# --- Helpers -------------------------------------------------------------------------------------


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _ref(obj: Any) -> dict | None:
    if obj is None:
        return None
    name = getattr(obj, "short_name", "") or obj.name
    return {"code": obj.code, "name": name}


def _is_overdue(order: WorkOrder, now: datetime.datetime) -> bool:
    return selectors.is_overdue(order, now)


#: The one rule of who sees callers unmasked (API and workspace): ``selectors.may_see_personal_data``.
may_see_personal_data = selectors.may_see_personal_data


def _summary(order: WorkOrder, now: datetime.datetime) -> dict:
    return {
        "id": order.pk,
        "tracking_number": order.tracking_number,
        "status": order.status,
        "status_label": str(order.get_status_display()),
        "channel": order.channel,
        "order_type": order.order_type,
        "urgency": order.urgency,
        "category": _ref(order.category),
        "title": order.title,
        "lead_department": _ref(order.lead_department),
        "current_department": _ref(order.current_department),
        "caller_name": mask_name(order.caller_name),
        "caller_phone": mask_phone(order.caller_phone),
        "created_at": order.created_at,
        "sign_for_due_at": order.sign_for_due_at,
        "reply_due_at": order.reply_due_at,
        "is_overdue": _is_overdue(order, now),
        "is_paused": order.is_paused,
        "escalated": order.escalated,
    }


ACTION_ENDPOINTS = {
    "answer_directly": "answer",
    "answer_directly_with_callback": "answer",
    "dispatch": "dispatch",
    "dispatch_down": "dispatch-down",
    "accept": "accept",
    "return": "return",
    "return_to_district": "return-to-district",
    "reassign": "reassign",
    "arbitrate": "arbitrate",
    "request_extension": "extension-request",
    "decide_extension": "extension-decision",
    "pause": "pause",
    "resume": "resume",
    "contribute": "contribute",
    "reply": "reply",
    "approve_reply": "approve-reply",
    "send_back": "send-back",
    "record_callback": "callback",
    "close": "close",
    "reopen": "reopen",
    "decline_reopen": "decline-reopen",
    "approve_publication": "publication",
    "withdraw_publication": "publication",
    "supervise": "supervise",
    "urge": "urge",
    "escalate": "escalate",
    "merge": "merge",
    "mark_invalid": "mark-invalid",
}


def _actions(order: WorkOrder, user: Any) -> list[dict]:
    result = []
    for transition in GRAPH.available(order, user):
        endpoint = ACTION_ENDPOINTS.get(transition.name)
        if endpoint is None:
            continue
        result.append(
            {
                "name": transition.name,
                "label": str(transition.label or transition.name),
                "endpoint": f"/api/v1/hotline/orders/{order.pk}/{endpoint}",
            }
        )
    return result


def _order_queryset() -> QuerySet[WorkOrder]:
    return WorkOrder.objects.select_related("category", "lead_department", "current_department")


def _access(request: HttpRequest, order_id: int) -> WorkOrder:
    order = selectors.access_work_order(_user(request), order_id)
    if order.records_pending:  # taken in a moment ago: its RECEIVED event and audit event first
        services.work_orders_record_pending(ids=[order.pk])
    return order


@overload
def _department(code: str, *, field: str, required: Literal[True] = ...) -> Department: ...
@overload
def _department(code: str, *, field: str, required: bool) -> Department | None: ...
def _department(code: str, *, field: str, required: bool = True) -> Department | None:
    code = (code or "").strip()
    if not code:
        if required:
            raise ValidationError({field: _("请选择单位。")})
        return None
    department = Department.objects.filter(code=code).first()
    if department is None:
        raise ValidationError({field: _("单位“%(code)s”不存在。") % {"code": code[:60]}})
    return department


def _category(code: str, *, cached: bool = False) -> RoutingCategory | None:
    """The active category with ``code``, or a 422. ``cached``: from this process's copy (the
    public intake only, whose write checks it again: ``selectors.category_by_code``)."""
    code = (code or "").strip()
    if not code:
        return None
    category = (selectors.category_by_code if cached else selectors.active_category)(code[:100])
    if category is None:
        raise ValidationError({"category": _("派单目录“%(code)s”不存在或已停用。") % {"code": code[:60]}})
    return category


def _run_action(request: HttpRequest, order_id: int, call: Callable[[WorkOrder, Any], Any]) -> dict:
    """Check access (404), run the service, answer the new state.

    A refused transition propagates: the API router answers 409 with its code (403 when the code is
    ``permission_denied``), the same for every app.
    """
    user = _user(request)
    order = _access(request, order_id)
    call(order, user)
    order = _order_queryset().get(pk=order.pk)
    return {
        "id": order.pk,
        "tracking_number": order.tracking_number,
        "status": order.status,
        "status_label": str(order.get_status_display()),
        "actions": _actions(order, user),
    }


def _require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied()


# --- Orders: list, detail, timeline, actions --------------------------------------------------


class OrderFilter(Schema):
    status: Status | None = None
    queue: QUEUES | None = None
    department: str | None = Field(None, max_length=60, description="主办或当前承办单位代码")
    order_type: ORDER_TYPES | None = None
    category: str | None = Field(None, max_length=60, description="派单目录代码（含下级）")
    channel: Channel | None = None
    created_from: datetime.date | None = None
    created_to: datetime.date | None = None
    overdue: bool | None = None
    q: str | None = Field(None, max_length=100, description="受理编号或全文检索词")
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=200)


QUEUE_SELECTORS: dict[str, Callable[[Any], QuerySet]] = {
    "to_dispatch": selectors.queue_to_dispatch,
    "to_sign_for": selectors.queue_to_sign_for,
    "in_progress": selectors.queue_in_progress,
    "due_soon": selectors.queue_due_soon,
    "overdue": selectors.queue_overdue,
    "to_call_back": selectors.queue_to_call_back,
    "returns": selectors.queue_returns,
    "reopen_requests": selectors.queue_reopen_requests,
    "replies_to_check": selectors.queue_replies_to_check,
    "extensions": selectors.queue_extension_orders,
}


def _queue_queryset(user: Any, name: str) -> QuerySet[WorkOrder]:
    return QUEUE_SELECTORS[name](user)


def _beijing_start(day: datetime.date) -> datetime.datetime:
    from gongkai.core.workcalendar import selectors as calendar

    return datetime.datetime.combine(day, datetime.time.min, calendar.CALENDAR_TZ)


def _filtered(user: Any, filters: OrderFilter) -> QuerySet[WorkOrder]:
    now = timezone.now()
    queryset = _queue_queryset(user, filters.queue) if filters.queue else WorkOrder.objects.all()
    queryset = selectors.work_order_visible(user, queryset)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.department:
        queryset = queryset.filter(
            Q(lead_department__code=filters.department) | Q(current_department__code=filters.department)
        )
    if filters.order_type:
        queryset = queryset.filter(order_type=filters.order_type)
    if filters.category:
        category = RoutingCategory.objects.filter(code=filters.category).first()
        queryset = queryset.filter(category__path__startswith=category.path) if category else queryset.none()
    if filters.channel:
        queryset = queryset.filter(channel=filters.channel)
    if filters.created_from:
        queryset = queryset.filter(created_at__gte=_beijing_start(filters.created_from))
    if filters.created_to:
        queryset = queryset.filter(
            created_at__lt=_beijing_start(filters.created_to + datetime.timedelta(days=1))
        )
    if filters.overdue is not None:
        overdue = selectors.overdue_q(now)
        queryset = queryset.filter(overdue) if filters.overdue else queryset.exclude(overdue)
    text = (filters.q or "").strip()
    if text:
        if text.isascii() and text.isdigit():
            queryset = queryset.filter(tracking_number__startswith=text)
        else:
            from gongkai.core.search.selectors import InvalidQuery

            try:
                ids = selectors.work_order_search(user=user, query=text, limit=200).values("pk")
            except InvalidQuery as exc:
                raise ValidationError({"q": _("检索词无效。")}) from exc
            queryset = queryset.filter(pk__in=list(ids))
    if not queryset.query.order_by:
        queryset = queryset.order_by("-created_at", "-pk")
    return queryset


@router.get("/orders", response=OrderPageOut, summary="工单列表与检索 / List and search work orders")
def order_list(request: HttpRequest, filters: Query[OrderFilter]):
    """Orders the user may see, filtered; callers are always masked here. ``queue`` is one of the
    role queues (what needs an action now); ``q`` is a tracking-number prefix or search words."""
    user = _user(request)
    queryset = _filtered(user, filters)
    count = queryset.count()
    start = (filters.page - 1) * filters.page_size
    rows = queryset.select_related("category", "lead_department", "current_department")[
        start : start + filters.page_size
    ]
    now = timezone.now()
    return {
        "count": count,
        "page": filters.page,
        "page_size": filters.page_size,
        "results": [_summary(order, now) for order in rows],
    }


@router.get("/orders/{order_id}", response=OrderDetailOut, summary="工单详情 / Work order detail")
def order_detail(request: HttpRequest, order_id: int):
    """The whole order. The caller's data is unmasked only for roles that need it (``caller.masked``
    says which); each unmasked view is recorded in the audit log."""
    user = _user(request)
    order = _access(request, order_id)
    order = (
        _order_queryset()
        .select_related("district", "street", "reply_department", "merged_into")
        .annotate(attachment_count=Count("attachments"))
        .get(pk=order.pk)
    )
    unmasked = may_see_personal_data(user, order)
    if unmasked:
        fields = [
            name
            for name in ("caller_name", "caller_phone", "caller_id_number", "caller_address", "caller_email")
            if getattr(order, name)
        ]
        if fields:
            audit_personal_data_view(
                actor=user, target=order, fields=fields, request=request, purpose=_("接口查看工单详情")
            )
        caller = {
            "name": order.caller_name,
            "phone": order.caller_phone,
            "id_number": order.caller_id_number,
            "address": order.caller_address,
            "email": order.caller_email,
        }
    else:
        caller = {
            "name": mask_name(order.caller_name),
            "phone": mask_phone(order.caller_phone),
            "id_number": mask_id_number(order.caller_id_number),
            "address": mask_address(order.caller_address),
            "email": redact_text(order.caller_email),
        }
    now = timezone.now()
    show = (lambda text: text) if unmasked else redact_text
    assignments = [
        {
            "department": _ref(a.department),
            "role": a.role,
            "level": a.level,
            "status": a.status,
            "is_active": a.is_active,
            "sign_for_due_at": a.sign_for_due_at,
            "accepted_at": a.accepted_at,
            "contribution": a.contribution,
            "created_at": a.created_at,
        }
        for a in order.assignments.select_related("department")
    ]
    return {
        **_summary(order, now),
        "caller": {**caller, "masked": not unmasked, "confidential": order.confidential},
        "content": show(order.content),
        "location": order.location,
        "district": _ref(order.district),
        "street": _ref(order.street),
        "latitude": float(order.latitude) if order.latitude is not None else None,
        "longitude": float(order.longitude) if order.longitude is not None else None,
        "source_reference": order.source_reference,
        "consent_to_publish": order.consent_to_publish,
        "publication_approved_at": order.publication_approved_at,
        "public_title": order.public_title,
        "public_content": order.public_content,
        "deadline_rule_text": selectors.clock_rule_text(order),
        "remaining_text": selectors.remaining_text(order) if order.status in HANDLING else "",
        "callback_due_at": order.callback_due_at,
        "reply_text": show(order.reply_text),
        "public_reply": order.public_reply,
        "reply_department": _ref(order.reply_department),
        "replied_at": order.replied_at,
        "reply_approved_at": order.reply_approved_at,
        "closed_at": order.closed_at,
        "satisfaction": order.satisfaction,
        "callback_attempts": order.callback_attempts,
        "callback_outcome": order.callback_outcome,
        "first_contact_resolution": order.first_contact_resolution,
        "reopen_count": order.reopen_count,
        "return_count": order.return_count,
        "transfer_count": order.transfer_count,
        "escalated_reason": order.escalated_reason,
        "merged_into": order.merged_into.tracking_number if order.merged_into else "",
        "invalid_reason": order.invalid_reason,
        "attachments": order.attachment_count,
        "assignments": assignments,
        "actions": _actions(order, user),
    }


@router.get("/orders/{order_id}/timeline", response=list[EventOut], summary="工单流转记录 / Timeline")
def order_timeline(request: HttpRequest, order_id: int):
    """Every event of the order, oldest first; notes are redacted for roles that see masked data."""
    user = _user(request)
    order = _access(request, order_id)
    show = (lambda text: text) if may_see_personal_data(user, order) else redact_text
    events = order.events.select_related("actor", "department").order_by("created_at", "pk")
    return [
        {
            "type": event.type,
            "label": str(EventType(event.type).label) if event.type in EventType.values else event.type,
            "at": event.created_at,
            "actor": event.actor.get_full_name() or event.actor.get_username() if event.actor else "",
            "department": _ref(event.department),
            "is_public": event.is_public,
            "note": show(event.note),
            "data": event.data if isinstance(event.data, dict) else {},
        }
        for event in events
    ]


@router.get(
    "/orders/{order_id}/actions", response=list[ActionOut], summary="当前可执行的操作 / Allowed actions"
)
def order_actions(request: HttpRequest, order_id: int):
    """The transitions of the state graph the user may run on this order now, with their endpoints."""
    order = _access(request, order_id)
    return _actions(order, _user(request))


# --- One endpoint per action ------------------------------------------------------------------

ACTION: dict[str, Any] = {"response": ActionResultOut}


@router.post("/orders/{order_id}/answer", **ACTION, summary="即时答复 / Answer at first contact")
def action_answer(request: HttpRequest, order_id: int, payload: AnswerIn):
    return _run_action(
        request,
        order_id,
        lambda o, u: services.work_order_answer_directly(
            work_order=o,
            actor=u,
            reply_text=payload.reply_text,
            callback_requested=payload.callback_requested,
            request=request,
        ),
    )


@router.post("/orders/{order_id}/dispatch", **ACTION, summary="派单 / Dispatch")
def action_dispatch(request: HttpRequest, order_id: int, payload: DispatchIn):
    department = _department(payload.department, field="department")
    assisting = [_department(code, field="assisting") for code in payload.assisting]
    category = _category(payload.category)
    return _run_action(
        request,
        order_id,
        lambda o, u: services.work_order_dispatch(
            work_order=o,
            actor=u,
            department=department,
            assisting=assisting,
            category=category,
            order_type=payload.order_type,
            urgency=payload.urgency,
            note=payload.note,
            request=request,
        ),
    )


@router.post("/orders/{order_id}/dispatch-down", **ACTION, summary="下派街道 / Hand down to a street")
def action_dispatch_down(request: HttpRequest, order_id: int, payload: DispatchDownIn):
    street = _department(payload.street, field="street")
    return _run_action(
        request,
        order_id,
        lambda o, u: services.work_order_dispatch_down(
            work_order=o, actor=u, street=street, note=payload.note, request=request
        ),
    )


@router.post("/orders/{order_id}/accept", **ACTION, summary="签收 / Sign for")
def action_accept(request: HttpRequest, order_id: int):
    return _run_action(
        request, order_id, lambda o, u: services.work_order_accept(work_order=o, actor=u, request=request)
    )


@router.post("/orders/{order_id}/return", **ACTION, summary="退单 / Return as wrongly routed")
def action_return(request: HttpRequest, order_id: int, payload: ReturnIn):
    suggested = _department(payload.suggested_department, field="suggested_department", required=False)
    return _run_action(
        request,
        order_id,
        lambda o, u: services.work_order_return(
            work_order=o, actor=u, reason=payload.reason, suggested_department=suggested, request=request
        ),
    )


@router.post("/orders/{order_id}/return-to-district", **ACTION, summary="退回区县 / Return to the district")
def action_return_to_district(request: HttpRequest, order_id: int, payload: ReasonIn):
    return _run_action(
        request,
        order_id,
        lambda o, u: services.work_order_return_to_district(
            work_order=o, actor=u, reason=payload.reason, request=request
        ),
    )


@router.post("/orders/{order_id}/reassign", **ACTION, summary="改派 / Reassign a returned order")
def action_reassign(request: HttpRequest, order_id: int, payload: ReassignIn):
    department = _department(payload.department, field="department")
    assisting = [_department(code, field="assisting") for code in payload.assisting]
    return _run_action(
        request,
        order_id,
        lambda o, u: services.work_order_reassign(
            work_order=o,
            actor=u,
            department=department,
            assisting=assisting,
            comment=payload.comment,
            request=request,
        ),
    )


@router.post("/orders/{order_id}/arbitrate", **ACTION, summary="仲裁维持 / Uphold the routing")
def action_arbitrate(request: HttpRequest, order_id: int, payload: ArbitrateIn):
    return _run_action(
        request,
        order_id,
        lambda o, u: services.work_order_arbitrate(
            work_order=o, actor=u, ruling=payload.ruling, request=request
        ),
    )


@router.post("/orders/{order_id}/extension-request", **ACTION, summary="申请延期 / Request an extension")
def action_extension_request(request: HttpRequest, order_id: int, payload: ExtensionRequestIn):
    return _run_action(
        request,
        order_id,
        lambda o, u: services.work_order_request_extension(
            work_order=o, actor=u, amount=payload.amount, reason=payload.reason, request=request
        ),
    )


@router.post("/orders/{order_id}/extension-decision", **ACTION, summary="审批延期 / Decide an extension")
def action_extension_decision(request: HttpRequest, order_id: int, payload: ExtensionDecisionIn):
    return _run_action(
        request,
        order_id,
        lambda o, u: services.work_order_decide_extension(
            work_order=o,
            actor=u,
            approve=payload.approve,
            comment=payload.comment,
            amount=payload.amount,
            request=request,
        ),
    )


@router.post("/orders/{order_id}/pause", **ACTION, summary="暂停计时 / Pause the clock")
def action_pause(request: HttpRequest, order_id: int, payload: ReasonIn):
    return _run_action(
        request,
        order_id,
        lambda o, u: services.work_order_pause(work_order=o, actor=u, reason=payload.reason, request=request),
    )


@router.post("/orders/{order_id}/resume", **ACTION, summary="恢复计时 / Resume the clock")
def action_resume(request: HttpRequest, order_id: int):
    return _run_action(
        request, order_id, lambda o, u: services.work_order_resume(work_order=o, actor=u, request=request)
    )


@router.post("/orders/{order_id}/contribute", **ACTION, summary="协办意见 / Assisting contribution")
def action_contribute(request: HttpRequest, order_id: int, payload: TextIn):
    return _run_action(
        request,
        order_id,
        lambda o, u: services.work_order_contribute(
            work_order=o, actor=u, text=payload.text, request=request
        ),
    )


@router.post("/orders/{order_id}/reply", **ACTION, summary="答复 / Reply")
def action_reply(request: HttpRequest, order_id: int, payload: ReplyIn):
    return _run_action(
        request,
        order_id,
        lambda o, u: services.work_order_reply(
            work_order=o, actor=u, reply_text=payload.reply_text, request=request
        ),
    )


@router.post("/orders/{order_id}/send-back", **ACTION, summary="答复退回 / Send the reply back")
def action_send_back(request: HttpRequest, order_id: int, payload: ReasonIn):
    return _run_action(
        request,
        order_id,
        lambda o, u: services.work_order_send_back(
            work_order=o, actor=u, reason=payload.reason, request=request
        ),
    )


@router.post("/orders/{order_id}/approve-reply", **ACTION, summary="答复审核通过 / Approve the reply")
def action_approve_reply(request: HttpRequest, order_id: int, payload: ApproveReplyIn):
    return _run_action(
        request,
        order_id,
        lambda o, u: services.work_order_approve_reply(
            work_order=o, actor=u, public_reply=payload.public_reply, request=request
        ),
    )


@router.post("/orders/{order_id}/callback", **ACTION, summary="回访 / Record a callback")
def action_callback(request: HttpRequest, order_id: int, payload: CallbackIn):
    return _run_action(
        request,
        order_id,
        lambda o, u: services.work_order_record_callback(
            work_order=o,
            actor=u,
            outcome=payload.outcome,
            satisfaction=payload.satisfaction,
            comment=payload.comment,
            request=request,
        ),
    )


@router.post("/orders/{order_id}/close", **ACTION, summary="办结 / Close after callback")
def action_close(request: HttpRequest, order_id: int, payload: ReasonIn):
    return _run_action(
        request,
        order_id,
        lambda o, u: services.work_order_close(work_order=o, actor=u, reason=payload.reason, request=request),
    )


@router.post("/orders/{order_id}/reopen", **ACTION, summary="重办 / Reopen")
def action_reopen(request: HttpRequest, order_id: int, payload: ReopenIn):
    department = _department(payload.department, field="department", required=False)
    return _run_action(
        request,
        order_id,
        lambda o, u: services.work_order_reopen(
            work_order=o, actor=u, reason=payload.reason, department=department, request=request
        ),
    )


@router.post(
    "/orders/{order_id}/decline-reopen", **ACTION, summary="不予重办 / Decline a citizen's reopen request"
)
def action_decline_reopen(request: HttpRequest, order_id: int, payload: ReasonIn):
    """The hotline office declines the citizen's request to handle the order again, with a reason
    the citizen sees (redacted) on the lookup page."""
    return _run_action(
        request,
        order_id,
        lambda o, u: services.work_order_decline_reopen(
            work_order=o, actor=u, reason=payload.reason, request=request
        ),
    )


@router.post("/orders/{order_id}/publication", **ACTION, summary="来信公开 / Publish or withdraw a letter")
def action_publication(request: HttpRequest, order_id: int, payload: PublicationIn):
    """The hotline office publishes a mailbox letter (信件公开) with the checked, redacted title,
    content and reply (``approve: true``), or takes it off the list (``approve: false`` with a
    ``reason``). Only letters whose writer agreed, not confidential, with an approved reply (409
    ``not_publishable`` otherwise)."""
    if payload.approve:
        return _run_action(
            request,
            order_id,
            lambda o, u: services.work_order_approve_publication(
                work_order=o,
                actor=u,
                public_title=payload.public_title,
                public_content=payload.public_content,
                public_reply=payload.public_reply,
                request=request,
            ),
        )
    return _run_action(
        request,
        order_id,
        lambda o, u: services.work_order_withdraw_publication(
            work_order=o, actor=u, reason=payload.reason, request=request
        ),
    )


@router.post("/orders/{order_id}/supervise", **ACTION, summary="督办 / Supervise")
def action_supervise(request: HttpRequest, order_id: int, payload: SuperviseIn):
    return _run_action(
        request,
        order_id,
        lambda o, u: services.work_order_supervise(
            work_order=o, actor=u, reason=payload.reason, due_at=payload.due_at, request=request
        ),
    )


@router.post("/orders/{order_id}/urge", **ACTION, summary="催办 / Urge")
def action_urge(request: HttpRequest, order_id: int, payload: SuperviseIn):
    return _run_action(
        request,
        order_id,
        lambda o, u: services.work_order_urge(
            work_order=o, actor=u, reason=payload.reason, due_at=payload.due_at, request=request
        ),
    )


@router.post("/orders/{order_id}/escalate", **ACTION, summary="提级督办 / Escalate")
def action_escalate(request: HttpRequest, order_id: int, payload: ReasonIn):
    return _run_action(
        request,
        order_id,
        lambda o, u: services.work_order_escalate(
            work_order=o, actor=u, reason=payload.reason, request=request
        ),
    )


@router.post("/orders/{order_id}/merge", **ACTION, summary="并单 / Merge into a lead order")
def action_merge(request: HttpRequest, order_id: int, payload: MergeIn):
    user = _user(request)
    lead = selectors.work_order_visible(user).filter(tracking_number=payload.into.strip()).first()
    if lead is None:
        raise ValidationError({"into": _("主工单不存在。")})
    return _run_action(
        request,
        order_id,
        lambda o, u: services.work_order_merge(
            work_order=o, actor=u, into=lead, reason=payload.reason, request=request
        ),
    )


@router.post("/orders/{order_id}/mark-invalid", **ACTION, summary="标记无效 / Mark invalid")
def action_mark_invalid(request: HttpRequest, order_id: int, payload: ReasonIn):
    return _run_action(
        request,
        order_id,
        lambda o, u: services.work_order_mark_invalid(
            work_order=o, actor=u, reason=payload.reason, request=request
        ),
    )


@router.post("/orders/{order_id}/notes", response={201: EventOut}, summary="备注 / Add a note")
def action_note(request: HttpRequest, order_id: int, payload: TextIn):
    """An internal note on the timeline; anyone who may see the order may add one."""
    user = _user(request)
    order = _access(request, order_id)
    event = services.work_order_note(work_order=order, actor=user, text=payload.text, request=request)
    return Reply(
        201,
        {
            "type": event.type,
            "label": str(EventType(event.type).label),
            "at": event.created_at,
            "actor": user.get_full_name() or user.get_username(),
            "department": _ref(event.department),
            "is_public": event.is_public,
            "note": event.note,
            "data": event.data,
        },
    )


# --- Intake: staff channels and new-media connectors ------------------------------------------


def _intake_out(order: WorkOrder, code: str | None, created: bool) -> dict:
    return {
        "id": order.pk,
        "tracking_number": order.tracking_number,
        "status": order.status,
        "created": created,
        "query_code": code,
    }


@router.post("/orders", response={200: IntakeOut, 201: IntakeOut}, summary="录入工单 / Staff intake")
def order_create(request: HttpRequest, payload: IntakeIn):
    """Operators take in phone calls, letters, walk-ins … (the citizen gets the query code by SMS;
    it is also returned once here to read out on the phone). With ``source_reference`` a repeat
    returns the existing order with 200."""
    user = _user(request)
    _require(is_operator(user))
    order, code = services.work_order_create(
        channel=payload.channel,
        content=payload.content,
        title=payload.title,
        order_type=payload.order_type,
        urgency=payload.urgency,
        category=_category(payload.category),
        caller_name=payload.caller_name,
        caller_phone=payload.caller_phone,
        caller_id_number=payload.caller_id_number,
        caller_address=payload.caller_address,
        caller_email=payload.caller_email,
        confidential=payload.confidential,
        consent_to_publish=payload.consent_to_publish,
        district=_department(payload.district, field="district", required=False),
        street=_department(payload.street, field="street", required=False),
        location=payload.location,
        latitude=payload.latitude,
        longitude=payload.longitude,
        source_reference=payload.source_reference or None,
        actor=user,
        request=request,
    )
    created = code is not None
    return Reply(201 if created else 200, _intake_out(order, code, created))


def _inbound_result(message: InboundMessage, created: bool) -> dict:
    order = message.work_order
    return {
        "id": order.pk if order else None,
        "tracking_number": order.tracking_number if order else None,
        "status": order.status if order else None,
        "created": created,
        "query_code": None,
        "message_id": message.pk,
        "message_status": message.status,
    }


def _auto_convert(payload: InboundMessageIn) -> bool:
    if payload.auto_convert is not None:
        return payload.auto_convert
    setting = getattr(settings, "GONGKAI_HOTLINE_INBOUND_AUTO_CONVERT", True)
    if isinstance(setting, (set, frozenset, list, tuple)):  # the channels whose messages are appeals
        return payload.channel in setting
    return bool(setting)


@router.post(
    "/inbound-messages",
    response={200: InboundResultOut, 201: InboundResultOut},
    summary="新媒体来件 / Inbound message from a connector",
)
def inbound_message(request: HttpRequest, payload: InboundMessageIn):
    """A WeChat/Weibo/e-mail/provincial connector delivers one message. It is recorded
    (``InboundMessage``, idempotent by ``(channel, external_id)``: 201 the first time, 200 after) and,
    unless ``auto_convert`` is false (default: the setting ``GONGKAI_HOTLINE_INBOUND_AUTO_CONVERT``,
    true, or a list of channels), turned into a work order at once. Unconverted messages wait in the
    workspace's 新媒体留言. Needs an operator's or dispatcher's token."""
    user = _user(request)
    _require(is_operator(user))
    message, created = services.inbound_message_record(
        channel=payload.channel,
        external_id=payload.external_id,
        text=payload.text,
        sender_name=payload.sender_name,
        sender_handle=payload.sender_handle,
        sender_phone=payload.sender_phone,
        sender_email=payload.sender_email,
        received_at=payload.sent_at,
        raw=payload.raw,
        actor=user,
        request=request,
    )
    if created and _auto_convert(payload):
        services.inbound_message_convert(
            message=message, actor=user, order_type=payload.order_type, request=request
        )
        message.refresh_from_db()
    return Reply(201 if created else 200, _inbound_result(message, created))


def _inbound_out(message: InboundMessage) -> dict:
    order = message.work_order
    return {
        "id": message.pk,
        "channel": message.channel,
        "external_id": message.external_id,
        "sender_name": message.sender_name,
        "sender_handle": message.sender_handle,
        "sender_phone": mask_phone(message.sender_phone),
        "text": redact_text(message.text),
        "received_at": message.received_at,
        "status": message.status,
        "status_label": str(message.get_status_display()),
        "work_order": order.tracking_number if order else None,
        "work_order_id": order.pk if order else None,
        "handled_at": message.handled_at,
        "note": message.note,
        "escalated_to": _ref(message.escalated_to),
        "escalated_at": message.escalated_at,
        "escalation_note": message.escalation_note,
        "due_at": message.due_at,
        "due_rule": message.due_rule,
        "is_overdue": bool(
            message.status == InboundStatus.ESCALATED and message.due_at and message.due_at < timezone.now()
        ),
    }


class InboundFilter(Schema):
    status: InboundStatus | None = None
    channel: Channel | None = None
    department: str | None = Field(None, max_length=60, description="转交单位代码")
    overdue: bool | None = Field(None, description="已转交且超过答复期限")
    q: str | None = Field(None, max_length=100, description="留言内容、发送人")
    received_from: datetime.date | None = None
    received_to: datetime.date | None = None
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=200)


def _inbound_access(request: HttpRequest, message_id: int) -> InboundMessage:
    _require(is_operator(_user(request)))
    message = InboundMessage.objects.filter(pk=message_id).first() if 0 < message_id < 2**31 else None
    if message is None:
        raise NotFound()
    return message


@router.get("/inbound-messages", response=InboundPageOut, summary="新媒体留言列表 / Recorded messages")
def inbound_message_list(request: HttpRequest, filters: Query[InboundFilter]):
    """Recorded messages, newest first (operators, the hotline office and leaders: all; handlers: those
    handed to their department); phone numbers masked and the text redacted, as in lists of orders.
    Filters: ``status``, ``channel``, ``department`` (handed to it, by code), ``overdue``, ``q``,
    ``received_from``/``received_to`` (Beijing dates)."""
    user = _user(request)
    _require(selectors.may_read_inbound(user))
    department = _department(filters.department or "", field="department", required=False)
    queryset = selectors.inbound_messages_for(
        user,
        status=filters.status,
        channel=filters.channel,
        department_id=department.pk if department else None,
        overdue=filters.overdue,
        q=filters.q,
        received_from=filters.received_from,
        received_to=filters.received_to,
    )
    start = (filters.page - 1) * filters.page_size
    return {
        "count": queryset.count(),
        "page": filters.page,
        "page_size": filters.page_size,
        "results": [_inbound_out(m) for m in queryset[start : start + filters.page_size]],
    }


@router.post(
    "/inbound-messages/{message_id}/convert",
    response=InboundResultOut,
    summary="留言转工单 / Turn a recorded message into a work order",
)
def inbound_message_convert(request: HttpRequest, message_id: int, payload: InboundConvertIn):
    message = _inbound_access(request, message_id)
    services.inbound_message_convert(
        message=message,
        actor=_user(request),
        order_type=payload.order_type,
        category=_category(payload.category),
        title=payload.title,
        urgency=payload.urgency,
        request=request,
    )
    message.refresh_from_db()
    return _inbound_result(message, False)


@router.post(
    "/inbound-messages/{message_id}/ignore",
    response=InboundMessageOut,
    summary="忽略留言 / Set a recorded message aside",
)
def inbound_message_ignore(request: HttpRequest, message_id: int, payload: ReasonIn):
    message = _inbound_access(request, message_id)
    message = services.inbound_message_ignore(
        message=message, actor=_user(request), reason=payload.reason, request=request
    )
    return _inbound_out(InboundMessage.objects.select_related("work_order").get(pk=message.pk))


# --- Caller history, queues, KPIs ----------------------------------------------------------------


@router.get("/callers/history", response=list[CallerHistoryItemOut], summary="来电人历史 / Caller history")
def caller_history(request: HttpRequest, phone: str = Query(..., min_length=1, max_length=30)):
    """The caller's earlier orders (newest 20) for the operator's side panel; operators and the
    hotline office only, each order's view of the caller's name recorded in the audit log."""
    user = _user(request)
    _require(is_operator(user))
    orders = list(selectors.caller_history(phone=phone).select_related("lead_department"))
    result = []
    for order in orders:
        audit_personal_data_view(
            actor=user, target=order, fields=["caller_name", "caller_phone"], request=request,
            purpose=_("来电人历史"),
        )  # fmt: skip
        result.append(
            {
                "id": order.pk,
                "tracking_number": order.tracking_number,
                "status": order.status,
                "status_label": str(order.get_status_display()),
                "order_type": order.order_type,
                "title": order.title,
                "caller_name": order.caller_name,
                "created_at": order.created_at,
                "lead_department": _ref(order.lead_department),
            }
        )
    return result


QUEUE_LABELS = {
    "to_dispatch": gettext_lazy("待派单"),
    "to_sign_for": gettext_lazy("待签收"),
    "in_progress": gettext_lazy("办理中"),
    "due_soon": gettext_lazy("即将到期"),
    "overdue": gettext_lazy("已超期"),
    "to_call_back": gettext_lazy("待回访"),
    "returns": gettext_lazy("待仲裁退单"),
    "reopen_requests": gettext_lazy("群众申请重办"),
    "replies_to_check": gettext_lazy("待审核答复"),
    "extensions": gettext_lazy("待审批延期"),
}


@router.get("/queues", response=list[QueueOut], summary="工作队列 / Queues with counts")
def queue_list(request: HttpRequest):
    """The role queues with their counts for this user; list one with ``GET /orders?queue=…``."""
    user = _user(request)
    return [
        {"name": name, "label": str(label), "count": _queue_queryset(user, name).count()}
        for name, label in QUEUE_LABELS.items()
    ]


class KpiFilter(Schema):
    start: datetime.date
    end: datetime.date
    department: str | None = Field(None, max_length=60, description="单位代码；不填为各主办单位")


@router.get("/kpis", response=list[KpiOut], summary="绩效指标 / KPIs per department")
def kpi_list(request: HttpRequest, filters: Query[KpiFilter]):
    """KPIs of orders received in [start, end] (at most 366 days). City-wide roles see any
    department (without ``department``: every lead department); others only their own and below."""
    user = _user(request)
    if filters.end < filters.start:
        raise ValidationError({"end": _("结束日期不能早于开始日期。")})
    if (filters.end - filters.start).days > 366:
        raise ValidationError({"end": _("统计区间不能超过 366 天。")})
    visible = visible_departments(user)
    if filters.department:
        department = visible.filter(code=filters.department).first()
        if department is None:
            raise NotFound()
        kpi = selectors.kpi_for_department(department=department, start=filters.start, end=filters.end)
        return [{"department": _ref(department), **kpi.as_dict()}]
    by_department = selectors.kpi_by_department(start=filters.start, end=filters.end)
    departments = {d.pk: d for d in visible.filter(pk__in=list(by_department))}
    return [
        {"department": _ref(departments[pk]), **kpi.as_dict()}
        for pk, kpi in sorted(by_department.items())
        if pk in departments
    ]


# --- Public: appeal, lookup, rating ---------------------------------------------------------------
#
# The same rules as the citizen pages (gongkai.hotline.public_forms): a name and a mobile number are
# required, a mailbox letter needs a title, and the per-phone and per-address limits are the pages'
# own counters (gongkai.hotline.ratelimit), so the API is no way around them.

FAILED_LOOKUPS_PER_NUMBER = ratelimit.Limit("lookup-failed-number", 20, 3600)


def _appeal_reference(key: str, phone: str) -> str:
    # The key is scoped by the phone number so that one citizen's key cannot fetch another's order.
    digest = hashlib.sha256(f"{key}\x00{phone}".encode()).hexdigest()[:48]
    return f"api:{digest}"


def _appeal_checks(payload: AppealIn) -> str:
    errors: dict[str, list[str]] = {}
    if not payload.caller_name.strip():
        errors["caller_name"] = [_("请填写您的姓名。")]
    try:
        phone = services.normalize_phone(payload.caller_phone)
    except ValidationError:
        phone = ""
    if not services.is_mobile(phone):
        errors["caller_phone"] = [_("请填写正确的11位手机号码，例如 13812345678。")]
    if payload.channel == Channel.MAILBOX and not payload.title.strip():
        errors["title"] = [_("请填写标题。")]
    if errors:
        raise ValidationError(errors)
    return phone


@router.post(
    "/appeals",
    auth=None,
    # The per-address rate is counted in the view with the other limits (one cache round trip).
    throttle=[],
    response={200: AppealOut, 201: AppealOut},
    summary="提交诉求 / File an appeal (public)",
)
def appeal_create(
    request: HttpRequest,
    payload: AppealIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=100),
):
    """The citizen pages' appeal (我要反映 / 市长信箱) as an API. A retry with the same
    ``Idempotency-Key`` header (or ``client_reference``) and phone number returns the same order:
    201 with the query code the first time, 200 without it after (the code went out by SMS).
    Limited per IP (each call) and, like the web form, per phone number and address (new appeals)."""
    phone = _appeal_checks(payload)
    category = _category(payload.category, cached=True)
    key = (idempotency_key or payload.client_reference or "").strip()
    reference = _appeal_reference(key, phone) if key else None
    # One cache round trip: the operation's per-address rate (every call) and the web form's
    # per-phone and per-address limits (new appeals). A retry of an accepted appeal is found by the
    # service (in the statement that takes the number) and its reservation given back.
    pairs = [
        (ratelimit.APPEALS_PER_PHONE, phone),
        (ratelimit.APPEALS_PER_IP, ratelimit.client_ip(request)),
    ]
    if ratelimit.reserve(pairs, throttle=APPEAL_THROTTLE, request=request) is not None:
        raise _too_many()
    try:
        order, code = services.work_order_create(
            channel=payload.channel,
            content=payload.content,
            title=payload.title,
            order_type=payload.order_type,
            category=category,
            caller_name=payload.caller_name,
            caller_phone=phone,
            caller_email=payload.caller_email,
            caller_address=payload.caller_address,
            location=payload.location,
            confidential=payload.confidential,
            consent_to_publish=payload.consent_to_publish and payload.channel == Channel.MAILBOX,
            source_reference=reference,
            defer_records=True,
            raw_source={"form": "gongkai.hotline.api"},
            request=request,
        )
    except ValidationError:
        ratelimit.refund_many(pairs)
        raise
    if code is None:  # lost a race with the same retry
        ratelimit.refund_many(pairs)
        return _appeal_response(200, _appeal_out(order, None))
    return _appeal_response(201, _appeal_out(order, code))


def _appeal_response(status: int, body: dict) -> HttpResponse:
    # Rendered directly, as the lookup's: the body has exactly AppealOut's fields, all strings
    # (a test holds them equal), so pydantic's validation of the response is skipped.
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/json; charset=utf-8"
    )


_APPEAL_TEXTS: dict[tuple[str | None, str, bool], tuple[str, str]] = {}


def _appeal_out(order: WorkOrder, code: str | None) -> dict:
    # The two texts per language and status, translated once (each gettext walks ~12 catalogs).
    key = (get_language(), order.status, bool(code))
    texts = _APPEAL_TEXTS.get(key)
    if texts is None:
        message = (
            _("您的诉求已受理，请妥善保管受理编号和查询码。")
            if code
            else _("该诉求此前已受理；查询码已通过短信或电子邮件发送。")
        )
        texts = _APPEAL_TEXTS[key] = (str(order.get_status_display()), str(message))
    return {
        "tracking_number": order.tracking_number,
        "query_code": code,
        "status_label": texts[0],
        "message": texts[1],
    }


def _lookup(
    request: HttpRequest,
    payload: LookupIn,
    *,
    only: tuple[str, ...] | None = None,
    throttle: FixedWindowThrottle | None = None,
    with_events: bool = False,
) -> WorkOrder:
    """The order for a tracking number and query code, else the same 404 for a wrong code and an
    unknown number. Failures count per address (as on the lookup page) and per tracking number
    (whether it exists or not), so a code cannot be guessed from many addresses either. Both
    failure counters are read, and the operation's per-address rate (``throttle``, when the
    operation counts it here instead of through ninja) is counted, in one cache round trip.
    ``only``: the columns to load (read-only callers)."""
    number = payload.tracking_number.strip()
    pairs = [
        (ratelimit.FAILED_LOOKUPS_PER_IP, ratelimit.client_ip(request)),
        (FAILED_LOOKUPS_PER_NUMBER, number),
    ]
    keyed = ratelimit.keys_of(pairs)
    counter = throttle.counter(request) if throttle is not None else None
    counts, values = incr_and_read(
        [(counter[0], counter[1])] if counter else [], [key for _limit, key in keyed]
    )
    if counter and throttle is not None and throttle.refuse(counts[0], counter[1], counter[2]):
        raise _too_many()
    if any(value >= limit.limit for (limit, _key), value in zip(keyed, values, strict=True)):
        raise _too_many()
    order = services.public_lookup(number, payload.query_code.strip(), only=only, with_events=with_events)
    if order is None:
        ratelimit.hit_many(pairs)
        raise NotFound()
    return order


def _public_out(order: WorkOrder) -> dict:
    view = selectors.public_view(order)
    return {**view.__dict__, "events": [event.__dict__ for event in view.events]}


@router.post(
    "/lookup",
    auth=None,
    # The per-address rate is counted in the view, in the same cache round trip as the failure
    # counters (``_lookup``), instead of by ninja (one more round trip per lookup).
    throttle=[],
    response=PublicViewOut,
    summary="查询办理进度 / Look up an appeal (public)",
)
def appeal_lookup(request: HttpRequest, payload: LookupIn):
    """Tracking number + query code → the public view (no personal data). A POST so that the code
    stays out of URLs and logs. Two queries: the order with its departments (only the columns the
    public view shows), and its public events. The body is rendered directly: ``PublicView`` has
    exactly ``PublicViewOut``'s fields (a test holds them equal), so pydantic's validation of
    the response is skipped; ``response=`` still documents it."""
    order = _lookup(
        request, payload, only=selectors.PUBLIC_VIEW_FIELDS, throttle=LOOKUP_THROTTLE, with_events=True
    )
    return HttpResponse(
        json.dumps(_public_out(order), cls=NinjaJSONEncoder), content_type="application/json; charset=utf-8"
    )


@router.post(
    "/rating",
    auth=None,
    throttle=[RATING_THROTTLE],
    response=PublicViewOut,
    summary="评价答复 / Rate the reply (public)",
)
def appeal_rate(request: HttpRequest, payload: RatingIn):
    """The citizen rates the reply once (five levels, optional comment, optionally asking for it to
    be handled again) through ``work_order_rate_by_citizen``, the same step as the lookup page's
    rating form: satisfied while awaiting the callback closes the order; dissatisfied (or
    ``request_reopen``) puts it in the office's 群众申请重办 queue. 409 ``already_rated`` when it was
    rated before, ``not_rateable`` when there is no approved reply yet."""
    order = _lookup(request, payload)
    if ratelimit.reserve([(ratelimit.RATINGS_PER_IP, ratelimit.client_ip(request))]) is not None:
        raise _too_many()
    form = public_forms.RatingForm(
        data={
            "satisfaction": payload.satisfaction,
            "comment": payload.comment,
            "request_reopen": "on" if payload.request_reopen else "",
        }
    )
    if not form.is_valid():
        raise ValidationError({name: list(messages) for name, messages in form.errors.items()})
    effective = selectors.work_order_effective(order)
    try:
        public_forms.rating_submit(form=form, order=order, effective=effective, request=request)
    except public_forms.AlreadyRated as exc:
        raise Conflict(exc.message, code=exc.code) from None
    return _public_out(WorkOrder.objects.get(pk=order.pk))


__all__ = ["may_see_personal_data", "router"]
