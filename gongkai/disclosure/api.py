"""The disclosure applications API under /api/v1/disclosure/: the public application and lookup,
staff handling (one POST per step), the clock board and Table 4 cases.

Thin endpoints: parse the input, check access (``selectors.application_get_for`` gives the same
404 for a missing and a forbidden application), call the one service of the step, serialize.
Refusals: the services' ``ValidationError`` answers 422 and ``TransitionNotAllowed`` 409 (403 for
``permission_denied``), both through the API router's handlers, in the request's language.

Personal data: lists mask the applicant; the detail shows it unmasked to holders of
``disclosure.view_applicant_identity`` and records each such view with ``audit_personal_data_view``.
The query code's hash never leaves the server; the code itself only once, in the answer to the
public submission.

Public operations (``auth=None``): submit an application and look one up with its query code, each
limited per client address (and submissions per phone number), like the hotline's.

No ``from __future__ import annotations`` here: django-ninja needs real annotations for Query schemas.
"""

import datetime
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router
from ninja import Status as Answer

from gongkai.accounts.access import visible_departments
from gongkai.accounts.models import Department
from gongkai.api.errors import ApiError, NotFound, PermissionDenied
from gongkai.api.throttling import FixedWindowThrottle
from gongkai.api.types import StorableSchema
from gongkai.core.audit.services import audit_personal_data_view
from gongkai.core.personal_data import mask_address, mask_id_number, mask_name, mask_phone, redact_text
from gongkai.disclosure import selectors, services
from gongkai.disclosure.api_schemas import (
    APPLICANT_TYPES,
    CHANNELS,
    REPLY_TYPES,
    STATUSES,
    ActionOut,
    ActionResultOut,
    ApplicantIn,
    ApplicationDetailOut,
    ApplicationPageOut,
    BucketOut,
    ConsultationAnswerIn,
    ConsultationIn,
    ConsultationOut,
    CorrectionReceiveIn,
    CorrectionRequestIn,
    DeliveryIn,
    ExtensionDecisionIn,
    ExtensionOut,
    ExtensionRequestIn,
    FeeNoticeIn,
    FeePaymentIn,
    LogEntryOut,
    LookupIn,
    PublicViewOut,
    ReplyIn,
    ReviewCaseIn,
    ReviewCaseOut,
    ReviewIn,
    StaffApplicationIn,
    SubmittedOut,
    TerminateIn,
)
from gongkai.disclosure.models import (
    Application,
    Consultation,
    CorrectionNotice,
    Extension,
    FeeNotice,
    Reply,
    ReviewCase,
    Status,
)
from gongkai.hotline import ratelimit

router = Router(tags=["disclosure"])

IDENTITY = "disclosure.view_applicant_identity"

# --- Rate limits of the public operations -------------------------------------------------------

SUBMIT_THROTTLE = FixedWindowThrottle(
    lambda: getattr(settings, "GONGKAI_DISCLOSURE_SUBMIT_RATE", "10/m"), scope="disclosure_submit", who="ip"
)
LOOKUP_THROTTLE = FixedWindowThrottle(
    lambda: getattr(settings, "GONGKAI_DISCLOSURE_LOOKUP_RATE", "10/m"), scope="disclosure_lookup", who="ip"
)
#: New applications per client address per hour and per phone number per day (tunable like the
#: hotline's: ``GONGKAI_HOTLINE_RATE_LIMITS = {"disclosure-submit-ip": (20, 3600)}``).
SUBMITS_PER_IP = ratelimit.Limit("disclosure-submit-ip", 20, 3600)
SUBMITS_PER_PHONE = ratelimit.Limit("disclosure-submit-phone", 10, 24 * 3600)
FAILED_LOOKUPS_PER_IP = ratelimit.Limit("disclosure-lookup-failed-ip", 10, 600)
FAILED_LOOKUPS_PER_NUMBER = ratelimit.Limit("disclosure-lookup-failed-number", 10, 3600)


def _too_many() -> ApiError:
    return ApiError(_("请求过于频繁，请稍后再试。"), code="too_many_requests", status=429)


# --- Helpers -------------------------------------------------------------------------------------


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _ref(department: Department) -> dict:
    return {"code": department.code, "name": department.short_name or department.name}


def _application(request: HttpRequest, application_id: int) -> Application:
    application = selectors.application_get_for(user=_user(request), pk=application_id)
    if application is None:
        raise NotFound()
    return application


def _department(code: str, *, field: str = "department") -> Department:
    department = Department.objects.filter(code=(code or "").strip()).first()
    if department is None or not department.is_active:
        raise ValidationError({field: _("受理机关“%(code)s”不存在。") % {"code": (code or "")[:60]}})
    return department


ACTION_ENDPOINTS = {
    "review": "review",
    "accept": "accept",
    "request_correction": "correction-request",
    "receive_correction": "correction-receive",
    "lapse_correction": "correction-lapse",
    "consult": "consultations",
    "record_consultation": "consultations/{consultation_id}/answer",
    "request_extension": "extension-request",
    "decide_extension": "extension-decision",
    "issue_fee_notice": "fee-notice",
    "record_payment": "fee-payment",
    "lapse_fee": "fee-lapse",
    "reply": "reply",
    "terminate": "terminate",
    "record_delivery": "delivery",
    "archive": "archive",
}


def _actions(application: Application, user: Any) -> list[dict]:
    return [
        {
            "name": action.name,
            "label": action.label,
            "endpoint": f"/api/v1/disclosure/applications/{application.pk}/{ACTION_ENDPOINTS[action.name]}",
        }
        for action in selectors.available_actions(application=application, user=user)
        if action.name in ACTION_ENDPOINTS
    ]


def _summary(application: Application, today: datetime.date) -> dict:
    name = application.applicant_name
    return {
        "id": application.pk,
        "tracking_number": application.tracking_number,
        "department": _ref(application.department),
        "status": application.status,
        "status_label": str(Status(application.status).label),
        "applicant_type": application.applicant_type,
        "applicant_name": name if application.is_organisation else mask_name(name),
        "channel": application.channel,
        "received_on": application.received_on,
        "reply_due_on": application.reply_due_on,
        "applicant_due_on": application.applicant_due_on,
        "is_overdue": bool(
            application.status in selectors.RUNNING
            and application.reply_due_on is not None
            and application.reply_due_on < today
        ),
        "reply_type": application.reply_type,
        "ground": application.ground,
        "outcome": application.outcome,
        "concluded_on": application.concluded_on,
        "handler": (application.handler.get_full_name() or application.handler.get_username())
        if application.handler
        else "",
    }


def _result(application: Application, user: Any) -> dict:
    application = Application.objects.select_related("department").get(pk=application.pk)
    return {
        "id": application.pk,
        "tracking_number": application.tracking_number,
        "status": application.status,
        "status_label": str(Status(application.status).label),
        "reply_due_on": application.reply_due_on,
        "actions": _actions(application, user),
    }


def _run(request: HttpRequest, application_id: int, call: Callable[[Application, Any], Any]) -> dict:
    """Check access (404), run the service, answer the new state and the next actions."""
    user = _user(request)
    application = _application(request, application_id)
    call(application, user)
    return _result(application, user)


def _username(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


# --- Public: apply and look up ---------------------------------------------------------------------


def _submitted_out(application: Application, code: str) -> dict:
    if application.status == Status.CORRECTION:
        message = _("申请已登记，但缺少部分申请要素，请按补正告知在期限内补正。请妥善保管申请编号和查询码。")
    else:
        message = _("申请已收到，请妥善保管申请编号和查询码（查询码只显示这一次）。")
    return {
        "id": application.pk,
        "tracking_number": application.tracking_number,
        "query_code": code,
        "status": application.status,
        "status_label": str(Status(application.status).label),
        "received_on": application.received_on,
        "reply_due_on": application.reply_due_on,
        "missing_items": [_(services.MISSING_ITEM_LABELS[item]) for item in application.missing_items],
        "message": message,
    }


@router.post(
    "/applications",
    auth=None,
    throttle=[],
    response={201: SubmittedOut},
    summary="提交政府信息公开申请 / Submit an application (public)",
)
def application_submit(request: HttpRequest, payload: ApplicantIn):
    """The online application (条例第二十九条). Bad values answer 422; missing elements do not: the
    application is registered and the correction notice listing them goes out (status
    ``correction``). The query code is in this answer only. Limited per address and phone number."""
    department = _department(payload.department)
    pairs = [(SUBMITS_PER_IP, ratelimit.client_ip(request))]
    if payload.phone.strip():
        pairs.append((SUBMITS_PER_PHONE, payload.phone.strip()))
    if ratelimit.reserve(pairs, throttle=SUBMIT_THROTTLE, request=request) is not None:
        raise _too_many()
    values = payload.dict()
    values.pop("department")
    try:
        application, code = services.application_submit(department=department, request=request, **values)
    except ValidationError:
        ratelimit.refund_many(pairs)
        raise
    return Answer(201, _submitted_out(application, code))


@router.post(
    "/applications/lookup",
    auth=None,
    throttle=[],
    response=PublicViewOut,
    summary="查询申请办理进度 / Look up an application (public)",
)
def application_lookup(request: HttpRequest, payload: LookupIn):
    """Tracking number + query code → status, public timeline, due date, reply type. The same 404
    for an unknown number and a wrong code; failures are limited per address and per number."""
    number = payload.tracking_number.strip().upper()
    pairs = [(FAILED_LOOKUPS_PER_IP, ratelimit.client_ip(request)), (FAILED_LOOKUPS_PER_NUMBER, number)]
    if ratelimit.reserve([], throttle=LOOKUP_THROTTLE, request=request) is not None:
        raise _too_many()
    if ratelimit.any_exceeded(pairs) is not None:
        raise _too_many()
    application = services.application_lookup(tracking_number=number, query_code=payload.query_code)
    if application is None:
        ratelimit.hit_many(pairs)
        raise NotFound()
    return selectors.public_view(application)


# --- Staff: list, detail, timeline ----------------------------------------------------------------


class ApplicationFilter(StorableSchema):
    status: STATUSES | None = None
    department: str | None = Field(None, max_length=60, description="受理机关代码")
    q: str | None = Field(None, max_length=100, description="申请编号、申请人或申请内容")
    received_from: datetime.date | None = None
    received_to: datetime.date | None = None
    applicant_type: APPLICANT_TYPES | None = None
    channel: CHANNELS | None = None
    reply_type: REPLY_TYPES | None = None
    overdue: bool | None = None
    open_only: bool = False
    ordering: str = Field("-received_on", max_length=30)
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=200)


@router.get("/applications", response=ApplicationPageOut, summary="申请列表 / List applications")
def application_list(request: HttpRequest, filters: Query[ApplicationFilter]):
    """The applications of the user's departments, filtered; the applicant's name masked."""
    user = _user(request)
    department = None
    if filters.department:
        department = visible_departments(user).filter(code=filters.department).first()
        if department is None:
            raise ValidationError({"department": _("受理机关不存在或无权查看。")})
    rows = selectors.application_list(
        user=user,
        status=filters.status,
        department=department,
        q=filters.q or "",
        received_from=filters.received_from,
        received_to=filters.received_to,
        applicant_type=filters.applicant_type or "",
        channel=filters.channel or "",
        reply_type=filters.reply_type or "",
        overdue=filters.overdue,
        open_only=filters.open_only,
        ordering=filters.ordering,
    )
    start = (filters.page - 1) * filters.page_size
    today = services.today()
    return {
        "count": rows.count(),
        "page": filters.page,
        "page_size": filters.page_size,
        "results": [_summary(a, today) for a in rows[start : start + filters.page_size]],
    }


def _applicant(application: Application, user: Any, request: HttpRequest) -> dict:
    fields = (
        "applicant_name",
        "id_number",
        "phone",
        "email",
        "address",
        "legal_representative",
        "contact_name",
    )
    if user.has_perm(IDENTITY):
        shown = [name for name in fields if getattr(application, name)]
        if shown:
            audit_personal_data_view(
                actor=user, target=application, fields=shown, request=request, purpose=_("接口查看申请详情")
            )
        return {
            "masked": False,
            "name": application.applicant_name,
            "id_type": application.id_type,
            "id_number": application.id_number,
            "legal_representative": application.legal_representative,
            "contact_name": application.contact_name,
            "phone": application.phone,
            "email": application.email,
            "address": application.address,
            "postal_code": application.postal_code,
        }
    organisation = application.is_organisation
    return {
        "masked": True,
        "name": application.applicant_name if organisation else mask_name(application.applicant_name),
        "id_type": application.id_type,
        "id_number": mask_id_number(application.id_number),
        "legal_representative": application.legal_representative if organisation else "",
        "contact_name": mask_name(application.contact_name),
        "phone": mask_phone(application.phone),
        "email": redact_text(application.email),
        "address": mask_address(application.address),
        "postal_code": application.postal_code,
    }


def _letter_url(application: Application, fmt: str) -> str:
    return reverse("disclosure_workspace:letter", args=[application.pk, "reply", fmt])


def _clock(application: Application) -> dict | None:
    status = services.reply_clock_status(application)
    if status is None:
        return None
    return {
        "due_on": status.due_date,
        "remaining": int(status.remaining),
        "paused": int(status.paused),
        "extension": status.extension,
        "is_paused": status.is_paused,
        "is_overdue": status.is_overdue,
        "is_stopped": status.is_stopped,
        "rule_text": status.rule_text,
    }


def _consultation(c: Consultation) -> dict:
    return {
        "id": c.pk,
        "kind": c.kind,
        "party_name": c.party_name,
        "party_contact": c.party_contact,
        "sent_on": c.sent_on,
        "due_on": c.due_on,
        "answered_on": c.answered_on,
        "answer": c.answer,
        "answer_text": c.answer_text,
    }


def _extension(e: Extension | None) -> dict | None:
    if e is None:
        return None
    return {
        "id": e.pk,
        "days": e.days,
        "reason": e.reason,
        "requested_by": _username(e.requested_by),
        "requested_at": e.requested_at,
        "approved_by": _username(e.approved_by),
        "approved_at": e.approved_at,
        "refused": e.refused,
        "notified_on": e.notified_on,
    }


@router.post(
    "/applications/register",
    response={201: SubmittedOut},
    summary="登记线下申请 / Register an offline application",
)
def application_register(request: HttpRequest, payload: StaffApplicationIn):
    """Staff register an application received in person, by post, letter, fax or orally, with the
    receipt date of 条例第三十一条. The query code is in this answer, for the receipt (回执)."""
    user = _user(request)
    values = payload.dict()
    department = _department(values.pop("department"))
    application, code = services.application_submit(
        department=department, actor=user, request=request, **values
    )
    return Answer(201, _submitted_out(application, code))


@router.get("/applications/{application_id}", response=ApplicationDetailOut, summary="申请详情 / Detail")
def application_detail(request: HttpRequest, application_id: int):
    """The whole application: applicant (masked unless permitted; full views audited), clock,
    correction, consultations, extension, fee notice, reply and the actions the user may take."""
    user = _user(request)
    application = _application(request, application_id)
    unmasked = user.has_perm(IDENTITY)
    show = (lambda text: text) if unmasked else redact_text
    correction = CorrectionNotice.objects.filter(application=application).first()
    fee = FeeNotice.objects.filter(application=application).first()
    reply = Reply.objects.filter(application=application).first()
    return {
        **_summary(application, services.today()),
        "applicant": _applicant(application, user, request),
        "description": show(application.description),
        "original_description": show(application.original_description),
        "provision_form": application.provision_form,
        "provision_channel": application.provision_channel,
        "missing_items": list(application.missing_items or []),
        "submitted_at": application.submitted_at,
        "archived_at": application.archived_at,
        "clock": _clock(application),
        "correction": {
            "issued_on": correction.issued_on,
            "items": correction.items,
            "due_on": correction.due_on,
            "corrected_on": correction.corrected_on,
            "lapsed": correction.lapsed,
        }
        if correction
        else None,
        "consultations": [_consultation(c) for c in application.consultations.order_by("sent_on", "pk")],
        "extension": _extension(Extension.objects.filter(application=application).first()),
        "fee_notice": {
            "method": fee.method,
            "quantity": fee.quantity,
            "amount": fee.amount,
            "breakdown": fee.breakdown,
            "issued_on": fee.issued_on,
            "pay_by": fee.pay_by,
            "paid_on": fee.paid_on,
            "lapsed": fee.lapsed,
        }
        if fee
        else None,
        "reply": {
            "reply_type": reply.reply_type,
            "ground": reply.ground,
            "partial_withheld_ground": reply.partial_withheld_ground,
            "replied_on": reply.replied_on,
            "body": show(reply.body),
            "other_agency": reply.other_agency,
            "other_agency_contact": reply.other_agency_contact,
            "delivered_on": reply.delivered_on,
            "delivery_channel": reply.delivery_channel,
            # The files are private (no media URL): the workspace hands them out.
            "letter_docx": _letter_url(application, "docx") if reply.letter_docx else "",
            "letter_pdf": _letter_url(application, "pdf") if reply.letter_pdf else "",
        }
        if reply
        else None,
        "actions": _actions(application, user),
    }


@router.get(
    "/applications/{application_id}/timeline", response=list[LogEntryOut], summary="办理记录 / Timeline"
)
def application_timeline(request: HttpRequest, application_id: int):
    """Every step, oldest first; notes redacted for users who see masked data."""
    user = _user(request)
    application = _application(request, application_id)
    show = (lambda text: text) if user.has_perm(IDENTITY) else redact_text
    return [
        {
            "at": entry.at,
            "action": entry.action,
            "public": entry.public,
            "public_text": entry.public_text,
            "note": show(entry.note),
            "actor": _username(entry.actor),
        }
        for entry in selectors.application_timeline(application=application, public_only=False)
    ]


@router.get(
    "/applications/{application_id}/actions", response=list[ActionOut], summary="可执行的操作 / Actions"
)
def application_actions(request: HttpRequest, application_id: int):
    return _actions(_application(request, application_id), _user(request))


# --- Staff: one POST per step ---------------------------------------------------------------------

ACTION: dict[str, Any] = {"response": ActionResultOut}


@router.post("/applications/{application_id}/review", **ACTION, summary="审核 / Take up for review")
def action_review(request: HttpRequest, application_id: int, payload: ReviewIn):
    handler = None
    if payload.handler:
        handler = get_user_model().objects.filter(username=payload.handler, is_active=True).first()
        if handler is None:
            raise ValidationError({"handler": _("承办人不存在。")})
    return _run(
        request,
        application_id,
        lambda app, user: services.application_review(
            application=app, actor=user, handler=handler, request=request
        ),
    )


@router.post("/applications/{application_id}/accept", **ACTION, summary="转入办理 / Accept for handling")
def action_accept(request: HttpRequest, application_id: int):
    return _run(
        request,
        application_id,
        lambda app, user: services.application_accept(application=app, actor=user, request=request),
    )


@router.post(
    "/applications/{application_id}/correction-request", **ACTION, summary="补正告知 / Ask for a correction"
)
def action_correction_request(request: HttpRequest, application_id: int, payload: CorrectionRequestIn):
    return _run(
        request,
        application_id,
        lambda app, user: services.correction_request(
            application=app, actor=user, items=payload.items, due_on=payload.due_on, request=request
        ),
    )


@router.post(
    "/applications/{application_id}/correction-receive", **ACTION, summary="登记补正 / Record a correction"
)
def action_correction_receive(request: HttpRequest, application_id: int, payload: CorrectionReceiveIn):
    values = {k: v for k, v in payload.dict().items() if v is not None}
    description = values.pop("description", "")
    corrected_on = values.pop("corrected_on", None)
    return _run(
        request,
        application_id,
        lambda app, user: services.correction_receive(
            application=app,
            actor=user,
            description=description,
            corrected_on=corrected_on,
            request=request,
            **values,
        ),
    )


@router.post(
    "/applications/{application_id}/correction-lapse", **ACTION, summary="逾期未补正 / Correction lapsed"
)
def action_correction_lapse(request: HttpRequest, application_id: int):
    return _run(
        request,
        application_id,
        lambda app, user: services.correction_lapse(application=app, actor=user, request=request),
    )


@router.post(
    "/applications/{application_id}/consultations",
    response={201: ConsultationOut},
    summary="征求意见 / Consult",
)
def action_consult(request: HttpRequest, application_id: int, payload: ConsultationIn):
    user = _user(request)
    application = _application(request, application_id)
    consultation = services.consultation_start(
        application=application,
        actor=user,
        kind=payload.kind,
        party_name=payload.party_name,
        party_contact=payload.party_contact,
        sent_on=payload.sent_on,
        request=request,
    )
    return Answer(201, _consultation(consultation))


@router.post(
    "/applications/{application_id}/consultations/{consultation_id}/answer",
    **ACTION,
    summary="登记意见 / Record the opinion",
)
def action_consultation_answer(
    request: HttpRequest, application_id: int, consultation_id: int, payload: ConsultationAnswerIn
):
    user = _user(request)
    application = _application(request, application_id)
    consultation = Consultation.objects.filter(pk=consultation_id, application=application).first()
    if consultation is None:
        raise NotFound()
    services.consultation_answer(
        consultation=consultation,
        actor=user,
        answer=payload.answer,
        answer_text=payload.answer_text,
        answered_on=payload.answered_on,
        request=request,
    )
    return _result(application, user)


@router.post(
    "/applications/{application_id}/extension-request",
    response={201: ExtensionOut},
    summary="申请延期 / Extension",
)
def action_extension_request(request: HttpRequest, application_id: int, payload: ExtensionRequestIn):
    application = _application(request, application_id)
    extension = services.extension_request(
        application=application,
        actor=_user(request),
        days=payload.days,
        reason=payload.reason,
        request=request,
    )
    return Answer(201, _extension(extension))


@router.post(
    "/applications/{application_id}/extension-decision", **ACTION, summary="审批延期 / Decide extension"
)
def action_extension_decision(request: HttpRequest, application_id: int, payload: ExtensionDecisionIn):
    def call(app: Application, user: Any) -> None:
        extension = selectors.pending_extension(app)
        if extension is None:
            raise ApiError(_("没有待审批的延期申请。"), code="no_pending_extension", status=409)
        services.extension_decide(
            extension=extension,
            actor=user,
            approve=payload.approve,
            notified_on=payload.notified_on,
            request=request,
        )

    return _run(request, application_id, call)


@router.post("/applications/{application_id}/fee-notice", **ACTION, summary="收费通知 / Fee notice")
def action_fee_notice(request: HttpRequest, application_id: int, payload: FeeNoticeIn):
    return _run(
        request,
        application_id,
        lambda app, user: services.fee_notice_issue(
            application=app, actor=user, method=payload.method, pages=payload.pages, request=request
        ),
    )


@router.post("/applications/{application_id}/fee-payment", **ACTION, summary="登记缴费 / Record payment")
def action_fee_payment(request: HttpRequest, application_id: int, payload: FeePaymentIn):
    return _run(
        request,
        application_id,
        lambda app, user: services.fee_payment_record(
            application=app, actor=user, paid_on=payload.paid_on, request=request
        ),
    )


@router.post("/applications/{application_id}/fee-lapse", **ACTION, summary="逾期未缴费 / Fee lapsed")
def action_fee_lapse(request: HttpRequest, application_id: int):
    return _run(
        request,
        application_id,
        lambda app, user: services.fee_lapse(application=app, actor=user, request=request),
    )


@router.post("/applications/{application_id}/reply", **ACTION, summary="答复 / Reply")
def action_reply(request: HttpRequest, application_id: int, payload: ReplyIn):
    return _run(
        request,
        application_id,
        lambda app, user: services.application_reply(
            application=app, actor=user, request=request, **payload.dict()
        ),
    )


@router.post("/applications/{application_id}/terminate", **ACTION, summary="终止处理 / Terminate")
def action_terminate(request: HttpRequest, application_id: int, payload: TerminateIn):
    return _run(
        request,
        application_id,
        lambda app, user: services.application_terminate(
            application=app, actor=user, ground=payload.ground, reason=payload.reason, request=request
        ),
    )


@router.post("/applications/{application_id}/delivery", **ACTION, summary="登记送达 / Record delivery")
def action_delivery(request: HttpRequest, application_id: int, payload: DeliveryIn):
    return _run(
        request,
        application_id,
        lambda app, user: services.delivery_record(
            application=app,
            actor=user,
            channel=payload.channel,
            delivered_on=payload.delivered_on,
            request=request,
        ),
    )


@router.post("/applications/{application_id}/archive", **ACTION, summary="归档 / Archive")
def action_archive(request: HttpRequest, application_id: int):
    return _run(
        request,
        application_id,
        lambda app, user: services.application_archive(application=app, actor=user, request=request),
    )


# --- The clock board ------------------------------------------------------------------------------


@router.get("/clock-board", response=list[BucketOut], summary="期限看板 / The clock board")
def clock_board(request: HttpRequest, limit: int = Query(20, ge=0, le=200)):
    """Overdue, due within 3 working days, paused for consultation, waiting for the applicant,
    extension awaiting approval, replied not delivered, to archive: counts and the first rows."""
    user = _user(request)
    if not user.has_perm(selectors.VIEW):
        raise PermissionDenied()
    today = services.today()
    return [
        {
            "key": bucket.key,
            "label": bucket.label,
            "count": bucket.count,
            "rows": [_summary(a, today) for a in bucket.rows],
        }
        for bucket in selectors.clock_board(user=user, today=today, limit=limit)
    ]


# --- Table 4: reconsideration and litigation ---------------------------------------------------------


def _case_out(case: ReviewCase) -> dict:
    return {
        "id": case.pk,
        "department": _ref(case.department),
        "application": case.application.tracking_number if case.application else "",
        "kind": case.kind,
        "kind_label": case.get_kind_display(),
        "case_number": case.case_number,
        "body": case.body,
        "filed_on": case.filed_on,
        "outcome": case.outcome,
        "outcome_label": case.get_outcome_display(),
        "concluded_on": case.concluded_on,
        "note": case.note,
    }


def _case(request: HttpRequest, case_id: int) -> ReviewCase:
    case = selectors.review_case_queryset_for(user=_user(request)).filter(pk=case_id).first()
    if case is None:
        raise NotFound()
    return case


def _case_values(request: HttpRequest, payload: ReviewCaseIn) -> dict:
    values = payload.dict()
    department = _department(values.pop("department"))
    number = values.pop("application")
    application = None
    if number:
        application = (
            selectors.application_queryset_for(user=_user(request)).filter(tracking_number=number).first()
        )
        if application is None:
            raise ValidationError({"application": _("申请编号不存在或无权查看。")})
    return {**values, "department": department, "application": application}


@router.get("/review-cases", response=list[ReviewCaseOut], summary="复议诉讼案件 / Review cases")
def review_case_list(request: HttpRequest, year: int | None = Query(None, ge=2008, le=2100)):
    rows = selectors.review_case_queryset_for(user=_user(request))
    if year:
        rows = rows.filter(filed_on__year=year)
    return [_case_out(case) for case in rows[:1000]]


@router.post("/review-cases", response={201: ReviewCaseOut}, summary="登记复议诉讼案件 / Record a case")
def review_case_create(request: HttpRequest, payload: ReviewCaseIn):
    case = services.review_case_save(actor=_user(request), request=request, **_case_values(request, payload))
    return Answer(201, _case_out(case))


@router.get("/review-cases/{case_id}", response=ReviewCaseOut, summary="案件详情 / One case")
def review_case_detail(request: HttpRequest, case_id: int):
    return _case_out(_case(request, case_id))


@router.put("/review-cases/{case_id}", response=ReviewCaseOut, summary="修改案件 / Update a case")
def review_case_update(request: HttpRequest, case_id: int, payload: ReviewCaseIn):
    case = _case(request, case_id)
    case = services.review_case_save(
        actor=_user(request), case=case, request=request, **_case_values(request, payload)
    )
    return _case_out(case)


@router.delete("/review-cases/{case_id}", response={204: None}, summary="删除案件 / Delete a case")
def review_case_delete(request: HttpRequest, case_id: int):
    services.review_case_delete(actor=_user(request), case=_case(request, case_id), request=request)
    return Answer(204, None)


__all__ = ["router"]
