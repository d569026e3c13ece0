"""The outbox API under /api/v1/outbox/ (staff token or staff session; see gongkai.api.auth).

Recipients are always masked here. Viewing needs ``outbox.view_outboxmessage``; retrying needs
``outbox.manage_outbox`` (or a superuser).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from gongkai.api.errors import ApiError, NotFound, PermissionDenied
from gongkai.core.outbox.access import can_read_content, can_view_outbox
from gongkai.core.outbox.channels import all_channels, channel_label
from gongkai.core.outbox.models import OutboxMessage
from gongkai.core.outbox.selectors import outbox_attempts, outbox_message_get, outbox_message_list
from gongkai.core.outbox.services import outbox_retry

router = Router(tags=["outbox"])


class OutboxMessageOut(Schema):
    id: int
    channel: str
    channel_label: str
    recipient: str
    status: str
    status_label: str
    attempts: int
    in_doubt: bool
    idempotency_key: str
    next_attempt_at: dt.datetime | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    last_error: str
    provider_message_id: str
    source_type: str | None
    source_id: str | None


class DeliveryAttemptOut(Schema):
    number: int
    worker: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    outcome: str
    outcome_label: str
    error: str
    response_excerpt: str


class OutboxMessageDetailOut(OutboxMessageOut):
    payload: dict[str, Any]
    delivery_attempts: list[DeliveryAttemptOut]


def message_out(message: OutboxMessage) -> dict[str, Any]:
    content_type = message.source_content_type
    return {
        "id": message.pk,
        "channel": message.channel,
        "channel_label": channel_label(message.channel),
        "recipient": message.masked_recipient,
        "status": message.status,
        "status_label": str(message.get_status_display()),
        "attempts": message.attempts,
        "in_doubt": message.in_doubt,
        "idempotency_key": message.idempotency_key,
        "next_attempt_at": message.next_attempt_at
        if message.status == OutboxMessage.Status.PENDING
        else None,
        "created_at": message.created_at,
        "sent_at": message.sent_at,
        "last_error": message.last_error,
        "provider_message_id": message.provider_message_id,
        "source_type": f"{content_type.app_label}.{content_type.model}" if content_type else None,
        "source_id": message.source_object_id or None,
    }


def _viewer(request):
    user = request.auth
    if not can_view_outbox(user):
        raise PermissionDenied()
    return user


@router.get("/messages", response=list[OutboxMessageOut], url_name="outbox-messages")
@paginate(LimitOffsetPagination)
def outbox_message_list_api(
    request, status: str | None = None, channel: str | None = None, recipient: str | None = None
):
    """Outbox messages, newest first; filter by status, channel, or an exact recipient."""
    _viewer(request)
    if status and status not in OutboxMessage.Status.values:
        raise ApiError(_("未知的状态：%(status)s。") % {"status": status}, code="invalid_filter", status=422)
    if channel and channel not in {c.name for c in all_channels()}:
        raise ApiError(
            _("未知的外发渠道：%(channel)s。") % {"channel": channel}, code="invalid_filter", status=422
        )
    return [message_out(m) for m in outbox_message_list(status=status, channel=channel, recipient=recipient)]


@router.get("/messages/{message_id}", response=OutboxMessageDetailOut, url_name="outbox-message")
def outbox_message_detail_api(request, message_id: int):
    """One message with its payload and every delivery attempt.

    E-mail content (which may hold a password-reset link) is shown to superusers only; others get
    ``payload: {}`` and empty response excerpts.
    """
    user = _viewer(request)
    message = outbox_message_get(message_id)
    if message is None:
        raise NotFound()
    readable = can_read_content(user, message)
    return {
        **message_out(message),
        "payload": message.payload if readable else {},
        "delivery_attempts": [
            {
                "number": a.number,
                "worker": a.worker,
                "started_at": a.started_at,
                "finished_at": a.finished_at,
                "outcome": a.outcome,
                "outcome_label": str(a.get_outcome_display()),
                "error": a.error,
                "response_excerpt": a.response_excerpt if readable else "",
            }
            for a in outbox_attempts(message)
        ],
    }


@router.post("/messages/{message_id}/retry", response=OutboxMessageOut, url_name="outbox-message-retry")
def outbox_message_retry_api(request, message_id: int):
    """Queue a pending or failed message for immediate delivery (needs outbox.manage_outbox)."""
    user = _viewer(request)
    message = outbox_retry(message_id, actor=user, request=request)
    message.refresh_from_db()  # in embedded mode it may already have been delivered
    return message_out(message)
