"""Staff views of the outbox inside the Wagtail admin (外发消息)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongkai.api.errors import ApiError
from gongkai.core.outbox.access import can_manage_outbox, can_read_content, can_view_outbox
from gongkai.core.outbox.channels import all_channels, channel_label, get_channel
from gongkai.core.outbox.models import OutboxMessage
from gongkai.core.outbox.selectors import outbox_attempts, outbox_message_get, outbox_message_list
from gongkai.core.outbox.services import outbox_cancel, outbox_retry, payload_excerpt

PER_PAGE = 50


def _require_view(request: HttpRequest) -> None:
    if not can_view_outbox(request.user):
        raise PermissionDenied


def outbox_index(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    status = request.GET.get("status") or ""
    channel = request.GET.get("channel") or ""
    recipient = (request.GET.get("recipient") or "").strip()
    if status not in OutboxMessage.Status.values:
        status = ""
    if channel not in {c.name for c in all_channels()}:
        channel = ""
    queryset = outbox_message_list(
        status=status or None, channel=channel or None, recipient=recipient or None
    )
    page = Paginator(queryset, PER_PAGE).get_page(request.GET.get("p"))
    rows = [
        {
            "message": message,
            "channel_label": channel_label(message.channel),
            "recipient": message.masked_recipient,
        }
        for message in page.object_list
    ]
    query = request.GET.copy()
    query.pop("p", None)
    return TemplateResponse(
        request,
        "outbox/index.html",
        {
            "page_title": _("外发消息"),
            "page": page,
            "rows": rows,
            "statuses": OutboxMessage.Status.choices,
            "channels": [(c.name, c.label) for c in all_channels()],
            "status": status,
            "channel": channel,
            "recipient": recipient,
            "query": query.urlencode(),
        },
    )


def outbox_detail(request: HttpRequest, message_id: int) -> HttpResponse:
    _require_view(request)
    message = outbox_message_get(message_id)
    if message is None:
        raise Http404
    readable = can_read_content(request.user, message)
    try:
        rendering = (
            get_channel(message.channel).render(message.recipient, message.payload) if readable else ""
        )
    except Exception:  # an unregistered channel (e.g. an app removed): show the raw payload only
        rendering = ""
    return TemplateResponse(
        request,
        "outbox/detail.html",
        {
            "page_title": _("外发消息 %(id)s") % {"id": message.pk},
            "message": message,
            "channel_label": channel_label(message.channel),
            "recipient": message.masked_recipient,
            "rendering": rendering,
            "readable": readable,
            "payload": payload_excerpt(message) if readable else "",
            "attempts": outbox_attempts(message),
            "can_manage": can_manage_outbox(request.user),
            "can_retry": message.status in {OutboxMessage.Status.PENDING, OutboxMessage.Status.FAILED},
            "can_cancel": message.status in {OutboxMessage.Status.PENDING, OutboxMessage.Status.FAILED},
        },
    )


def _staff_action(request: HttpRequest, message_id: int, action, done: str) -> HttpResponse:
    if not can_manage_outbox(request.user):
        raise PermissionDenied
    try:
        action(message_id, actor=request.user, request=request)
    except ApiError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done % {"id": message_id})
    return redirect("outbox:detail", message_id=message_id)


@require_POST
def outbox_retry_view(request: HttpRequest, message_id: int) -> HttpResponse:
    return _staff_action(request, message_id, outbox_retry, _("消息 %(id)s 已重新排队发送。"))


@require_POST
def outbox_cancel_view(request: HttpRequest, message_id: int) -> HttpResponse:
    return _staff_action(request, message_id, outbox_cancel, _("消息 %(id)s 已取消。"))
