"""The audit trail: an append-only record of state changes and of views of personal data."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[override]
        raise AuditImmutableError(_("审计记录只能追加，不能修改。"))

    def delete(self):  # type: ignore[override]
        raise AuditImmutableError(_("审计记录只能追加，不能删除。"))


class AuditImmutableError(Exception):
    """Raised on any attempt to change or delete an audit event through the application."""


class AuditEvent(models.Model):
    """One audited fact. Rows are never updated or deleted (database triggers enforce it too)."""

    class Kind(models.TextChoices):
        # A state or data change: the old and new values are recorded.
        CHANGE = "change", _("变更")
        # Somebody looked at a citizen's personal data (phone, ID number, address…).
        PERSONAL_DATA_VIEW = "personal_data_view", _("查看个人信息")
        # Security-relevant events: logins, lockouts, 2FA, token use.
        SECURITY = "security", _("安全")

    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True, editable=False)
    kind = models.CharField(
        _("类别"), max_length=24, choices=Kind.choices, default=Kind.CHANGE, db_index=True
    )
    action = models.CharField(_("动作"), max_length=80, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        # DO_NOTHING: removing a user must not rewrite history; actor_repr keeps the name.
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
        db_constraint=False,
    )
    # Kept as text so the record stays readable after the user is renamed or removed.
    actor_repr = models.CharField(_("操作人（记录时）"), max_length=200, blank=True)
    target_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("对象类型"),
    )
    target_id = models.CharField(_("对象编号"), max_length=64, blank=True, db_index=True)
    target_repr = models.CharField(_("对象"), max_length=300, blank=True)
    old_values = models.JSONField(_("原值"), null=True, blank=True)
    new_values = models.JSONField(_("新值"), null=True, blank=True)
    fields = models.JSONField(_("涉及字段"), default=list, blank=True)
    note = models.TextField(_("说明"), blank=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    user_agent = models.CharField(_("客户端"), max_length=300, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id", "-created_at"], name="audit_target_idx")]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_repr or '-'} {self.action} {self.target_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AuditImmutableError(_("审计记录只能追加，不能修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutableError(_("审计记录只能追加，不能删除。"))
