"""Writes of channel releases: fan-out on publish, withdrawal on unpublish, mirroring, staff retry.

- Only pages whose specific object has ``disclosure_attribute == "proactive"`` (主动公开) are
  released; other page types and other attributes are ignored.
- The website release is recorded as done at once; each enabled external channel
  (``GONGKAI_RELEASE_CHANNELS``) gets one outbox message, enqueued in the same transaction, with the
  idempotency key ``release:<page>:<revision>:<channel>``. Each message is delivered on its own, so
  a channel that is down delays only its own copy.
- Publishing a new revision of a page that is already on the website does not post it to any
  channel: corrections stay on the website (also for pages that were released to the website
  only, such as imported documents); withdraw (unpublish) and publish to post anew.
- Documents published inside ``review_bypass`` (imports of historical documents, the demo) get
  the website release only, unless the bypass was opened with ``release=True``.
- A release mirrors its outbox messages (``channel_release_sync``, an outbox listener).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongkai.api.errors import Conflict, NotFound, PermissionDenied
from gongkai.core.outbox.channels import OutboxPayloadError
from gongkai.core.outbox.models import OutboxMessage
from gongkai.core.outbox.services import OutboxStateError, outbox_cancel, outbox_enqueue
from gongkai.publishing.channels import content
from gongkai.publishing.channels.access import can_retry_releases
from gongkai.publishing.channels.models import ChannelRelease, ReleaseChannel, ReleaseStatus

logger = logging.getLogger("gongkai.publishing")

EXTERNAL = (ReleaseChannel.WEIBO, ReleaseChannel.WECHAT_MP)
# Channels whose copies can be taken down again (Weibo statuses/destroy, WeChat freepublish/delete).
WITHDRAWABLE = {ReleaseChannel.WEIBO, ReleaseChannel.WECHAT_MP}
# A copy that is out, or on its way: a new revision does not post again.
ACTIVE = (ReleaseStatus.PENDING, ReleaseStatus.SENT)
MessageStatus = OutboxMessage.Status


class ReleaseStateError(Conflict):
    code = "release_state"


def enabled_channels() -> list[str]:
    """External channels from GONGKAI_RELEASE_CHANNELS, in order, without repeats."""
    seen: list[str] = []
    for name in getattr(settings, "GONGKAI_RELEASE_CHANNELS", []):
        if name in EXTERNAL and name not in seen:
            seen.append(name)
    return seen


def external_release_allowed() -> bool:
    """False for publications inside the review chain's ``review_bypass`` (imports of historical
    documents, the demo) unless that bypass asked for channel release: those are recorded on the
    website only, never posted to Weibo or WeChat."""
    try:
        from gongkai.publishing.review.guard import bypass_releases_allowed
    except ImportError:  # pragma: no cover - the review chain is not installed
        return True
    return bypass_releases_allowed()


def is_proactive(page) -> bool:
    """主动公开 documents only; other page types (no such field) are never released."""
    return getattr(page.specific, "disclosure_attribute", None) == "proactive"


@transaction.atomic
def releases_for_published_page(*, page, revision) -> list[ChannelRelease]:
    """Record the website release and queue one outbox message per enabled external channel.

    Idempotent per revision: a replay of the same publication returns without new rows or messages.
    """
    if not is_proactive(page):
        return []
    specific = page.specific
    if revision is not None and ChannelRelease.objects.filter(revision=revision).exists():
        return list(ChannelRelease.objects.filter(revision=revision))
    now = timezone.now()
    url = content.public_url(specific)
    rows = [
        ChannelRelease(
            page_id=page.pk,
            revision=revision,
            channel=ReleaseChannel.WEBSITE,
            status=ReleaseStatus.SENT,
            remote_url=url,
            created_at=now,
            sent_at=now,
        )
    ]
    # A new revision of a page that is already on the website is a correction: it stays on the
    # website. That holds for pages released to the website only (imported historical documents),
    # which a later correction must not suddenly post to Weibo or WeChat.
    already_live = ChannelRelease.objects.filter(
        page_id=page.pk, channel=ReleaseChannel.WEBSITE, status=ReleaseStatus.SENT
    ).exists()
    channels = enabled_channels() if external_release_allowed() and not already_live else []
    if channels and url:
        active = set(
            ChannelRelease.objects.filter(
                page_id=page.pk, channel__in=channels, status__in=ACTIVE
            ).values_list("channel", flat=True)
        )
        revision_key = revision.pk if revision is not None else f"t{int(now.timestamp())}"
        for channel in channels:
            if channel in active:
                continue
            release = ChannelRelease(
                page_id=page.pk,
                revision=revision,
                channel=channel,
                status=ReleaseStatus.PENDING,
                created_at=now,
            )
            try:
                release.outbox_message = _enqueue_post(
                    page, specific, channel, url, f"{revision_key}:{channel}"
                )
            except OutboxPayloadError as exc:
                # This channel cannot take this page as it is; the others still get theirs.
                release.status, release.error = ReleaseStatus.FAILED, str(exc.message)
            rows.append(release)
    elif channels:
        logger.warning("publishing: page %s has no public URL; released to the website only", page.pk)
    return ChannelRelease.objects.bulk_create(rows)


@transaction.atomic
def releases_for_unpublished_page(*, page) -> list[ChannelRelease]:
    """Take the page's copies down: the website at once, each channel through a withdrawal message.

    A copy that has certainly not gone out yet (its message is pending or dead, not in doubt) is
    cancelled instead, and is withdrawn at once.
    """
    # Lock the messages before the releases, in the order a worker recording an outcome does
    # (message, then its releases through the listener), so the two never deadlock.
    message_ids = ChannelRelease.objects.filter(
        page_id=page.pk, status__in=[*ACTIVE, ReleaseStatus.FAILED], outbox_message__isnull=False
    ).values_list("outbox_message_id", flat=True)
    list(
        OutboxMessage.objects.select_for_update().filter(pk__in=list(message_ids)).order_by("pk").values("pk")
    )
    releases = list(
        # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to the message.
        ChannelRelease.objects.select_for_update(of=("self",))
        .filter(page_id=page.pk, status__in=[*ACTIVE, ReleaseStatus.FAILED])
        .select_related("outbox_message")
        .order_by("pk")
    )
    now = timezone.now()
    changed: list[ChannelRelease] = []
    for release in releases:
        post = release.outbox_message
        never_sent = (
            post is not None
            and not post.in_doubt
            and post.status
            in {
                MessageStatus.PENDING,
                MessageStatus.FAILED,
                MessageStatus.CANCELLED,
            }
        )
        if never_sent and post is not None and post.status != MessageStatus.CANCELLED:
            try:
                outbox_cancel(post.pk, actor=None)
            except OutboxStateError:
                never_sent = False  # a worker took it meanwhile: withdraw it once it is out
        if release.channel == ReleaseChannel.WEBSITE or never_sent or post is None:
            release.status = ReleaseStatus.WITHDRAWN
            release.withdrawn_at = now
            release.save(update_fields=["status", "withdrawn_at", "updated_at"])
        elif release.channel in WITHDRAWABLE:
            _enqueue_withdrawal(release, suffix="")
        else:
            continue
        changed.append(release)
    return changed


def _enqueue_post(page, specific, channel: str, url: str, key: str) -> OutboxMessage:
    return outbox_enqueue(
        channel=channel,
        recipient=content.account_for(channel),
        payload=content.payload_for(channel, specific, url),
        idempotency_key=f"release:{page.pk}:{key}",
        source=page,
    )


def _enqueue_withdrawal(release: ChannelRelease, *, suffix: str) -> None:
    post = release.outbox_message
    id_field = "status_id" if release.channel == ReleaseChannel.WEIBO else "article_id"
    payload: dict[str, Any] = {"action": "withdraw", id_field: release.remote_id}
    if post is not None:
        payload["of_message"] = post.pk
    message = outbox_enqueue(
        channel=release.channel,
        recipient=post.recipient if post is not None else content.account_for(release.channel),
        payload=payload,
        idempotency_key=f"release:{release.pk}:withdraw{suffix}",
        source=release.page,
    )
    release.withdrawal_message = message
    release.status = ReleaseStatus.WITHDRAW_PENDING
    release.error = ""
    release.save(update_fields=["withdrawal_message", "status", "error", "updated_at"])


def channel_release_sync(message: OutboxMessage) -> None:
    """Mirror an outbox message's state on the releases it belongs to (an outbox listener)."""
    if message.channel not in EXTERNAL:
        return
    for release in ChannelRelease.objects.select_for_update().filter(outbox_message=message):
        _sync_post(release, message)
    for release in ChannelRelease.objects.select_for_update().filter(withdrawal_message=message):
        _sync_withdrawal(release, message)


def _sync_post(release: ChannelRelease, message: OutboxMessage) -> None:
    fields = ["updated_at"]
    if message.status == MessageStatus.SENT:
        release.remote_id = message.provider_message_id
        release.remote_url = _remote_url(release.channel, message)
        release.sent_at = message.sent_at
        fields += ["remote_id", "remote_url", "sent_at"]
    if release.status in {ReleaseStatus.WITHDRAW_PENDING, ReleaseStatus.WITHDRAWN}:
        # Unpublished meanwhile: the withdrawal decides the state; keep the ids for it.
        release.save(update_fields=fields)
        return
    if message.status == MessageStatus.SENT:
        release.status, release.error = ReleaseStatus.SENT, ""
    elif message.status == MessageStatus.FAILED:
        release.status, release.error = ReleaseStatus.FAILED, message.last_error
    elif message.status == MessageStatus.CANCELLED:
        release.status, release.error = ReleaseStatus.FAILED, _("外发消息已被取消。")
    else:
        release.status, release.error = ReleaseStatus.PENDING, message.last_error
    release.save(update_fields=[*fields, "status", "error"])


def _sync_withdrawal(release: ChannelRelease, message: OutboxMessage) -> None:
    if message.status == MessageStatus.SENT:
        release.status, release.error, release.withdrawn_at = ReleaseStatus.WITHDRAWN, "", message.sent_at
    elif message.status in {MessageStatus.FAILED, MessageStatus.CANCELLED}:
        release.status = ReleaseStatus.FAILED
        release.error = _("撤回失败：%(error)s") % {"error": message.last_error or _("外发消息已被取消。")}
    else:
        release.status, release.error = ReleaseStatus.WITHDRAW_PENDING, message.last_error
    release.save(update_fields=["status", "error", "withdrawn_at", "updated_at"])


def _remote_url(channel: str, message: OutboxMessage) -> str:
    if channel == ReleaseChannel.WECHAT_MP:
        return str((message.provider_state or {}).get("article_url") or "")[:500]
    from gongkai.core.outbox.backends.weibo import weibo_status_url

    if message.provider_message_id.startswith("log:"):
        return ""
    return weibo_status_url(message.provider_message_id)


def _snapshot(release: ChannelRelease) -> dict[str, Any]:
    return {
        "status": release.status,
        "outbox_message": release.outbox_message_id,
        "withdrawal_message": release.withdrawal_message_id,
        "retries": release.retries,
    }


@transaction.atomic
def channel_release_retry(*, release_id: int, actor, request=None) -> ChannelRelease:
    """Queue a failed release again through the outbox, as a new message with a new key; audited.

    A failed post is posted again (same content as before) if the page is still live; a failed
    withdrawal is withdrawn again.
    """
    if not can_retry_releases(actor):
        raise PermissionDenied()
    release = (
        ChannelRelease.objects.select_for_update(of=("self",))
        .select_related("outbox_message", "page")
        .filter(pk=release_id)
        .first()
    )
    if release is None:
        raise NotFound()
    if release.status != ReleaseStatus.FAILED or release.channel not in EXTERNAL:
        raise ReleaseStateError(
            _("只有发布失败的微博、公众号发布可以重试（当前状态：%(status)s）。")
            % {"status": release.get_status_display()}
        )
    old = _snapshot(release)
    release.retries += 1
    if release.withdrawal_message_id is not None:
        _enqueue_withdrawal(release, suffix=f":retry{release.retries}")
        release.save(update_fields=["retries", "updated_at"])
    else:
        post = release.outbox_message
        if not release.page.live:
            raise ReleaseStateError(_("页面已撤下，不能再发布到渠道。"))
        key = f"{release.revision_id}:{release.channel}:retry{release.retries}"
        try:
            if post is None:
                # It never reached the outbox (the channel refused its content): build it afresh.
                specific = release.page.specific
                url = content.public_url(specific)
                message = _enqueue_post(release.page, specific, release.channel, url, key)
            else:
                message = outbox_enqueue(
                    channel=release.channel,
                    recipient=post.recipient,
                    payload=post.payload,
                    idempotency_key=f"release:{release.page_id}:{key}",
                    source=release.page,
                )
        except OutboxPayloadError as exc:
            raise ReleaseStateError(str(exc.message)) from exc
        release.outbox_message = message
        release.status = ReleaseStatus.PENDING
        release.error = ""
        release.save(update_fields=["outbox_message", "status", "error", "retries", "updated_at"])
    from gongkai.core.audit.services import audit_record

    audit_record(
        actor=actor,
        action="publishing.release_retried",
        target=release,
        old=old,
        new=_snapshot(release),
        request=request,
    )
    return release
