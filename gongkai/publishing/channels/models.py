"""One row per page, revision and channel: where a published document went, and how that went."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReleaseChannel(models.TextChoices):
    # The public portal: released the moment the page is published.
    WEBSITE = "website", _("网站")
    # The city's Weibo account (statuses/share).
    WEIBO = "weibo", _("微博")
    # The city's WeChat official account (draft → free publish).
    WECHAT_MP = "wechat_mp", _("微信公众号")


class ReleaseStatus(models.TextChoices):
    # Queued in the outbox (or being retried after a temporary failure).
    PENDING = "pending", _("待发布")
    # Out on the channel; remote_id names it there.
    SENT = "sent", _("已发布")
    # The channel refused it for good, or retries ran out (or its withdrawal failed); staff may retry.
    FAILED = "failed", _("发布失败")
    # The page was unpublished; the withdrawal is queued.
    WITHDRAW_PENDING = "withdraw_pending", _("撤回中")
    # Taken down from the channel (or never sent because the page was unpublished first).
    WITHDRAWN = "withdrawn", _("已撤回")


class ChannelRelease(models.Model):
    """The copy of one published revision of a page on one channel."""

    page = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("页面"), on_delete=models.CASCADE, related_name="channel_releases"
    )
    revision = models.ForeignKey(
        "wagtailcore.Revision",
        verbose_name=_("版本"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    channel = models.CharField(_("渠道"), max_length=16, choices=ReleaseChannel.choices)
    status = models.CharField(_("状态"), max_length=16, choices=ReleaseStatus.choices)
    outbox_message = models.ForeignKey(
        "outbox.OutboxMessage",
        verbose_name=_("发布消息"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdrawal_message = models.ForeignKey(
        "outbox.OutboxMessage",
        verbose_name=_("撤回消息"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The provider's id of the copy: Weibo status id, WeChat article_id.
    remote_id = models.CharField(_("渠道内编号"), max_length=200, blank=True)
    remote_url = models.URLField(_("渠道内网址"), max_length=500, blank=True)
    error = models.TextField(_("错误"), blank=True)
    retries = models.PositiveIntegerField(_("人工重试次数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    sent_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("渠道发布")
        verbose_name_plural = _("渠道发布")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["revision", "channel"], name="release_one_per_revision_channel"),
        ]
        indexes = [
            models.Index(fields=["page", "channel", "status"], name="release_page_channel_idx"),
            models.Index(fields=["status", "-created_at"], name="release_status_idx"),
        ]
        permissions = [("retry_channelrelease", _("可重试失败的渠道发布"))]

    def __str__(self) -> str:
        return f"{self.page_id}/{self.channel} {self.status}"
