"""Reads of channel releases."""

from __future__ import annotations

from django.db.models import QuerySet

from gongkai.publishing.channels.models import ChannelRelease


def channel_release_list(
    *, page_id: int | None = None, channel: str | None = None, status: str | None = None
) -> QuerySet[ChannelRelease]:
    """Releases newest first, with their page and messages (one query)."""
    releases = ChannelRelease.objects.select_related("page", "outbox_message", "withdrawal_message").order_by(
        "-created_at", "-pk"
    )
    if page_id is not None:
        releases = releases.filter(page_id=page_id)
    if channel:
        releases = releases.filter(channel=channel)
    if status:
        releases = releases.filter(status=status)
    return releases


def channel_release_get(release_id: int) -> ChannelRelease | None:
    return channel_release_list().filter(pk=release_id).first()
