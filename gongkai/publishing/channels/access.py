"""Who may see and retry channel releases."""

from __future__ import annotations

VIEW_PERMISSION = "publishing_channels.view_channelrelease"
RETRY_PERMISSION = "publishing_channels.retry_channelrelease"


def can_view_releases(user) -> bool:
    return bool(
        user is not None
        and user.is_active
        and user.is_staff
        and (user.is_superuser or user.has_perm(VIEW_PERMISSION) or user.has_perm(RETRY_PERMISSION))
    )


def can_retry_releases(user) -> bool:
    return bool(
        user is not None
        and user.is_active
        and user.is_staff
        and (user.is_superuser or user.has_perm(RETRY_PERMISSION))
    )
