"""Reads of the outbox."""

from __future__ import annotations

from django.db.models import QuerySet

from gongkai.core.outbox.channels import normalize_phone
from gongkai.core.outbox.models import DeliveryAttempt, OutboxMessage


def outbox_message_list(
    *, status: str | None = None, channel: str | None = None, recipient: str | None = None
) -> QuerySet[OutboxMessage]:
    """Messages newest first. ``recipient`` matches exactly (lists only ever show it masked)."""
    messages = OutboxMessage.objects.select_related("source_content_type").order_by("-created_at", "-pk")
    if status:
        messages = messages.filter(status=status)
    if channel:
        messages = messages.filter(channel=channel)
    if recipient:
        recipient = recipient.strip()
        messages = messages.filter(recipient__in={recipient, normalize_phone(recipient)})
    return messages


def outbox_message_get(message_id: int) -> OutboxMessage | None:
    return OutboxMessage.objects.select_related("source_content_type").filter(pk=message_id).first()


def outbox_attempts(message: OutboxMessage) -> QuerySet[DeliveryAttempt]:
    return message.delivery_attempts.order_by("number", "pk")
