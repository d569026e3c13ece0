"""Channel releases under /api/v1/publishing/ (staff token or staff session; see gongkai.api.auth).

Viewing needs ``publishing_channels.view_channelrelease``; retrying needs
``publishing_channels.retry_channelrelease`` (or a superuser).
"""

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from gongkai.api.errors import ApiError, NotFound, PermissionDenied
from gongkai.publishing.channels.access import can_view_releases
from gongkai.publishing.channels.models import ChannelRelease, ReleaseChannel, ReleaseStatus
from gongkai.publishing.channels.selectors import channel_release_get, channel_release_list
from gongkai.publishing.channels.services import channel_release_retry

router = Router(tags=["publishing"])


class ChannelReleaseOut(Schema):
    id: int
    page: int
    page_title: str
    revision: int | None
    channel: str
    channel_label: str
    status: str
    status_label: str
    remote_id: str
    remote_url: str
    error: str
    retries: int
    outbox_message: int | None
    withdrawal_message: int | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    withdrawn_at: dt.datetime | None


def release_out(release: ChannelRelease) -> dict[str, Any]:
    return {
        "id": release.pk,
        "page": release.page_id,
        "page_title": release.page.title,
        "revision": release.revision_id,
        "channel": release.channel,
        "channel_label": str(release.get_channel_display()),
        "status": release.status,
        "status_label": str(release.get_status_display()),
        "remote_id": release.remote_id,
        "remote_url": release.remote_url,
        "error": release.error,
        "retries": release.retries,
        "outbox_message": release.outbox_message_id,
        "withdrawal_message": release.withdrawal_message_id,
        "created_at": release.created_at,
        "sent_at": release.sent_at,
        "withdrawn_at": release.withdrawn_at,
    }


def _viewer(request):
    if not can_view_releases(request.auth):
        raise PermissionDenied()
    return request.auth


@router.get("/releases", response=list[ChannelReleaseOut], url_name="publishing-releases")
@paginate(LimitOffsetPagination)
def channel_release_list_api(
    request, page: int | None = None, channel: str | None = None, status: str | None = None
):
    """Per-channel releases of published documents, newest first; filter by page, channel, status."""
    _viewer(request)
    if channel and channel not in ReleaseChannel.values:
        raise ApiError(
            _("未知的渠道：%(channel)s。") % {"channel": channel}, code="invalid_filter", status=422
        )
    if status and status not in ReleaseStatus.values:
        raise ApiError(_("未知的状态：%(status)s。") % {"status": status}, code="invalid_filter", status=422)
    if page is not None and not 0 < page < 2**63:
        raise ApiError(_("页面编号无效。"), code="invalid_filter", status=422)
    return [release_out(r) for r in channel_release_list(page_id=page, channel=channel, status=status)]


@router.post("/releases/{release_id}/retry", response=ChannelReleaseOut, url_name="publishing-release-retry")
def channel_release_retry_api(request, release_id: int):
    """Queue a failed Weibo/WeChat release again (new outbox message; needs the retry permission)."""
    user = _viewer(request)
    if not 0 < release_id < 2**63:
        raise NotFound()
    release = channel_release_retry(release_id=release_id, actor=user, request=request)
    fresh = channel_release_get(release.pk)  # in embedded mode it may already be delivered
    return release_out(fresh or release)
