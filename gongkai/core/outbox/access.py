"""Who may see and act on outbox messages."""

from __future__ import annotations

VIEW_PERMISSION = "outbox.view_outboxmessage"
MANAGE_PERMISSION = "outbox.manage_outbox"


def can_view_outbox(user) -> bool:
    return bool(
        user is not None
        and user.is_active
        and (user.is_superuser or user.has_perm(VIEW_PERMISSION) or user.has_perm(MANAGE_PERMISSION))
    )


def can_manage_outbox(user) -> bool:
    return bool(
        user is not None and user.is_active and (user.is_superuser or user.has_perm(MANAGE_PERMISSION))
    )


# Channels whose content may carry secrets meant for one person only (password-reset links, login
# codes): their bodies are shown to superusers only, never to other staff who can view the outbox.
CONFIDENTIAL_CHANNELS = {"email"}


def can_read_content(user, message) -> bool:
    return message.channel not in CONFIDENTIAL_CHANNELS or bool(user is not None and user.is_superuser)
