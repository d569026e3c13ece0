"""The outbox: one row per external side effect, written in the transaction that causes it.

See docs/outbox.md for the guarantees and the state graph.
"""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """A message to deliver to the outside world (SMS, e-mail, webhook, …), with its delivery state."""

    class Status(models.TextChoices):
        # Waiting for its next attempt: just enqueued, or after a transient failure (see next_attempt_at).
        PENDING = "pending", _("待发送")
        # Claimed by a worker that holds a lease until claimed_until; if the lease runs out the
        # worker is presumed dead and the message is "in doubt" (it may or may not have gone out).
        SENDING = "sending", _("发送中")
        # The provider accepted the message (or confirmed it had accepted it). Final.
        SENT = "sent", _("已发送")
        # Dead: a permanent error, or OUTBOX_MAX_ATTEMPTS transient failures. Staff may retry it.
        FAILED = "failed", _("发送失败")
        # Withdrawn by staff before it went out. Final.
        CANCELLED = "cancelled", _("已取消")

    channel = models.CharField(_("渠道"), max_length=32)
    recipient = models.CharField(_("接收方"), max_length=500)
    payload = models.JSONField(_("内容"), default=dict)
    idempotency_key = models.CharField(_("幂等键"), max_length=200, unique=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), default=timezone.now)
    claimed_until = models.DateTimeField(_("租约到期时间"), null=True, blank=True)
    claimed_by = models.CharField(_("认领者"), max_length=120, blank=True)
    # True when an attempt may have reached the provider without us learning the outcome (the worker
    # died mid-send, or the request timed out after it was sent). The next attempt asks the backend
    # whether it has the message before sending it again.
    in_doubt = models.BooleanField(_("结果待确认"), default=False)
    last_error = models.TextField(_("最近错误"), blank=True)
    provider_message_id = models.CharField(_("服务商消息编号"), max_length=200, blank=True)
    # What a multi-step provider call has achieved so far (e.g. WeChat's draft media_id and
    # publish_id), saved by the backend as it goes (outbox_save_provider_state), so that the next
    # attempt resumes where the last one stopped instead of creating a second copy.
    provider_state = models.JSONField(_("服务商处理进度"), default=dict, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    source_content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("来源类型"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source_object_id = models.CharField(_("来源编号"), max_length=64, blank=True)
    source = GenericForeignKey("source_content_type", "source_object_id")

    class Meta:
        verbose_name = _("外发消息")
        verbose_name_plural = _("外发消息")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The sweep: pending rows that are due, and sending rows whose lease ran out.
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
            models.Index(fields=["status", "claimed_until"], name="outbox_lease_idx"),
            models.Index(fields=["source_content_type", "source_object_id"], name="outbox_source_idx"),
            models.Index(fields=["-created_at"], name="outbox_created_idx"),
        ]
        permissions = [("manage_outbox", _("可重试、取消外发消息"))]

    def __str__(self) -> str:
        return f"{self.channel}#{self.pk} {self.get_status_display()}"

    @property
    def masked_recipient(self) -> str:
        from gongkai.core.outbox.channels import mask_recipient

        return mask_recipient(self.channel, self.recipient)

    @property
    def is_final(self) -> bool:
        return self.status in {self.Status.SENT, self.Status.CANCELLED}


class DeliveryAttempt(models.Model):
    """One try at delivering a message: who tried, when, and what happened."""

    class Outcome(models.TextChoices):
        # The worker is calling the backend right now (or died doing so: see INTERRUPTED).
        IN_PROGRESS = "in_progress", _("进行中")
        # The backend accepted the message.
        SENT = "sent", _("已发送")
        # An in-doubt message turned out to have been accepted already; nothing was resent.
        CONFIRMED = "confirmed", _("已确认送达，未重发")
        # A temporary failure (network, throttling, provider outage); it will be retried.
        TRANSIENT = "transient", _("临时失败")
        # The provider refused the message for good (e.g. an invalid phone number).
        PERMANENT = "permanent", _("永久失败")
        # The worker's lease expired before it recorded an outcome (it crashed or hung).
        INTERRUPTED = "interrupted", _("中断")
        # The worker finished after its lease had expired and another worker had taken over.
        LEASE_LOST = "lease_lost", _("租约已失效")

    message = models.ForeignKey(
        OutboxMessage, verbose_name=_("外发消息"), on_delete=models.CASCADE, related_name="delivery_attempts"
    )
    number = models.PositiveIntegerField(_("第几次"))
    worker = models.CharField(_("执行者"), max_length=120, blank=True)
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices, default=Outcome.IN_PROGRESS)
    error = models.TextField(_("错误"), blank=True)
    response_excerpt = models.TextField(_("响应摘录"), blank=True)

    class Meta:
        verbose_name = _("投递记录")
        verbose_name_plural = _("投递记录")
        ordering = ["message", "number", "pk"]

    def __str__(self) -> str:
        return f"{self.message_id}/{self.number} {self.outcome}"
