"""Inbound messages' later life in the staff API: /api/v1/hotline/inbound-messages/{id}/….

``hotline.api`` records messages, lists them (with filters) and converts or ignores them; this
router adds reading one, handing one to a department (``escalate``, 已转交) and recording an answer
given in the channel (``answer``, 已答复). Each calls its service, which runs the transition of
``workflow.INBOUND_GRAPH`` (refused → 409, or 403 ``permission_denied``). See
docs/workflows/inbound-messages.md.

No ``from __future__ import annotations``: django-ninja needs the real annotations.
"""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router

from gongkai.api.errors import NotFound, PermissionDenied
from gongkai.core.parsing import parse_id
from gongkai.hotline import selectors, services
from gongkai.hotline.api_schemas import InboundMessageOut, StrictIn
from gongkai.hotline.models import InboundMessage

router = Router(tags=["hotline"])


class EscalateIn(StrictIn):
    department: str = Field(..., max_length=60, description="转交单位代码")
    note: str = Field(..., max_length=services.MAX_REASON, description="转交说明：请对方做什么")
    days: int | None = Field(
        None,
        ge=1,
        le=services.MAX_INBOUND_ESCALATION_DAYS,
        description="答复时限（工作日）；不填按设置 GONGKAI_HOTLINE_INBOUND_ESCALATION_DAYS（默认 3）",
    )


class AnswerMessageIn(StrictIn):
    reason: str = Field(..., max_length=services.MAX_REASON, description="答复情况：在原渠道如何答复")


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _message(request: HttpRequest, message_id: Any) -> InboundMessage:
    """The message if the user may read it (else 403 for no role at all, 404 otherwise)."""
    user = _user(request)
    if not selectors.may_read_inbound(user):
        raise PermissionDenied()
    pk = parse_id(message_id)
    message = selectors.inbound_messages_visible(user).filter(pk=pk).first() if pk else None
    if message is None:
        raise NotFound()
    return message


def _out(message: InboundMessage) -> dict:
    from gongkai.hotline.api import _inbound_out

    fresh = InboundMessage.objects.select_related("work_order", "escalated_to").get(pk=message.pk)
    return _inbound_out(fresh)


@router.get(
    "/inbound-messages/{message_id}",
    response=InboundMessageOut,
    summary="新媒体留言详情 / One recorded message",
)
def inbound_message_get(request: HttpRequest, message_id: int):
    return _out(_message(request, message_id))


@router.post(
    "/inbound-messages/{message_id}/escalate",
    response=InboundMessageOut,
    summary="留言转交单位 / Hand a message to a department",
)
def inbound_message_escalate(request: HttpRequest, message_id: int, payload: EscalateIn):
    """Operators and the hotline office: 已转交 to ``department`` with a note and a deadline in working
    days; the department's handlers are told through the outbox."""
    from gongkai.hotline.api import _department

    message = _message(request, message_id)
    message = services.inbound_message_escalate(
        message=message,
        actor=_user(request),
        department=_department(payload.department, field="department"),
        note=payload.note,
        days=payload.days,
        request=request,
    )
    return _out(message)


@router.post(
    "/inbound-messages/{message_id}/answer",
    response=InboundMessageOut,
    summary="登记已答复 / Record the answer given in the channel",
)
def inbound_message_answer(request: HttpRequest, message_id: int, payload: AnswerMessageIn):
    """Operators and the hotline office, or a handler of the department it was handed to."""
    message = _message(request, message_id)
    message = services.inbound_message_answer(
        message=message, actor=_user(request), reason=payload.reason, request=request
    )
    return _out(message)
