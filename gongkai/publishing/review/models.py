"""The review chain of documents before they are published: Wagtail tasks and the records they keep.

The chain itself is Wagtail's (``Workflow`` → ``WorkflowTask`` → ``Task``; ``WorkflowState`` →
``TaskState`` per page and revision; see docs/adr/0011-publishing-review-wagtail-workflows.md).
This module adds the three task types of the city's chain and the records that Wagtail does not
keep: escalations to the secrecy authority, exemptions from 三同步, the approvals the publish guard
checks, 20-working-day notices and Art. 18 re-reviews. Pages are referred to as
``wagtailcore.Page`` so that this app does not depend on the publishing app's migrations; the
document fields (``department``, ``disclosure_attribute``, ``formed_at`` …) are read from
``page.specific``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import AbstractGroupApprovalTask, Task

from gongkai.publishing.review.tasks_logic import (
    EmergencyApprovalBehaviour,
    SecrecyReviewBehaviour,
    SuperiorApprovalBehaviour,
)

# --- The tasks ------------------------------------------------------------------------------------
# Behaviour (actions, forms, who may act, auto-skip) lives in ``tasks_logic.py`` as mixins so that
# this module stays declarations; the concrete models only combine them with Wagtail's bases.


class SecrecyReviewTask(SecrecyReviewBehaviour, AbstractGroupApprovalTask):
    """保密审查 (Regulations Art. 17): approve, request changes, or escalate to the secrecy authority.

    Members of the chosen groups act on documents of departments they may see. While an
    escalation is open the task waits: the only action is recording the authority's answer.
    """

    class Meta:
        verbose_name = _("保密审查")
        verbose_name_plural = _("保密审查")


class SuperiorApprovalTask(SuperiorApprovalBehaviour, AbstractGroupApprovalTask):
    """上级审批: required for the document types × departments configured as sensitive.

    When no ``SensitiveRule`` matches, the task skips itself on start and records why. Members of
    the chosen groups act on documents of their department and the departments below it, unless
    they approved an earlier step of the same run (separation of duties).
    """

    class Meta:
        verbose_name = _("上级审批")
        verbose_name_plural = _("上级审批")


class EmergencyApprovalTask(EmergencyApprovalBehaviour, Task):
    """突发事件快速审批: the leader on duty (``OnDutyAssignment``) approves within minutes."""

    class Meta:
        verbose_name = _("值班领导审批")
        verbose_name_plural = _("值班领导审批")


# --- Configuration --------------------------------------------------------------------------------


class SensitiveRule(models.Model):
    """One cell of the "sensitive" matrix: documents of this type from this department need 上级审批.

    An empty type means every document type; an empty department means every department. A
    document is sensitive when any active rule matches it.
    """

    document_type = models.ForeignKey(
        "contenttypes.ContentType",
        verbose_name=_("文档类型"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("留空表示所有类型。"),
    )
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("发布机构"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("留空表示所有机构。"),
    )
    include_subdepartments = models.BooleanField(_("含下级机构"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("须上级审批的信息")
        verbose_name_plural = _("须上级审批的信息")
        ordering = ["department_id", "document_type_id", "pk"]

    def __str__(self) -> str:
        kind = self.document_type.name if self.document_type is not None else _("所有类型")
        dept = self.department.name if self.department is not None else _("所有机构")
        return f"{dept} · {kind}"


class OnDutyAssignment(models.Model):
    """The leader on duty for emergency releases over a date range (both days included, local dates)."""

    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("值班领导"), on_delete=models.CASCADE, related_name="+"
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("值班安排")
        verbose_name_plural = _("值班安排")
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="publishing_review_duty_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.leader} {self.starts_on}–{self.ends_on}"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("结束日期不能早于开始日期。")})


class SensitiveWord(models.Model):
    """A word or phrase the pre-check flags in a document's text before review."""

    class Category(models.TextChoices):
        # Marks of classified or internal material: 机密, 内部资料 …
        SECRECY = "secrecy", _("涉密标识")
        # Personal data that must not be published: ID numbers, private addresses …
        PERSONAL = "personal", _("个人信息")
        # Wording that needs a second look: politically sensitive or inflammatory terms.
        POLITICAL = "political", _("敏感表述")
        # Anything else the office wants flagged.
        OTHER = "other", _("其他")

    class Severity(models.TextChoices):
        # Must be resolved before approval; listed with context.
        HIGH = "high", _("高")
        # Worth a look.
        MEDIUM = "medium", _("中")
        # Informational.
        LOW = "low", _("低")

    word = models.CharField(_("词语"), max_length=60, unique=True)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices, default=Category.OTHER)
    severity = models.CharField(
        _("严重程度"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("敏感词")
        verbose_name_plural = _("敏感词")
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word

    def clean(self) -> None:
        self.word = (self.word or "").strip()
        if not self.word:
            raise ValidationError({"word": _("词语不能为空。")})


# --- Records of the chain -------------------------------------------------------------------------


class SecrecyEscalation(models.Model):
    """A 保密审查 question sent to the secrecy authority (保密行政管理部门) and its answer.

    Open while ``answered_at`` is empty; the review task waits meanwhile. One open escalation per
    task state at most.
    """

    class Decision(models.TextChoices):
        # The authority found nothing secret: the document may be published.
        MAY_PUBLISH = "may_publish", _("可以公开")
        # Parts must be removed before publishing.
        PARTIAL = "partial", _("删除涉密内容后公开")
        # The document must not be published.
        MUST_NOT_PUBLISH = "must_not_publish", _("不得公开")

    task_state = models.ForeignKey(
        "wagtailcore.TaskState", verbose_name=_("审核环节"), on_delete=models.CASCADE, related_name="+"
    )
    page = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("文档"), on_delete=models.CASCADE, related_name="+"
    )
    revision = models.ForeignKey(
        "wagtailcore.Revision",
        verbose_name=_("版本"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    authority = models.CharField(_("报送机关"), max_length=100)
    question = models.TextField(_("请示内容"))
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报送人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    escalated_at = models.DateTimeField(_("报送时间"), default=timezone.now)
    decision = models.CharField(_("答复结论"), max_length=20, choices=Decision.choices, blank=True)
    answer = models.TextField(_("答复内容"), blank=True)
    answer_reference = models.CharField(_("答复文号"), max_length=100, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("答复录入时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("保密审查请示")
        verbose_name_plural = _("保密审查请示")
        ordering = ["-escalated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["task_state"],
                condition=Q(answered_at__isnull=True),
                name="publishing_review_one_open_escalation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.authority} · {self.escalated_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


class InterpretationExemption(models.Model):
    """An approver's record that a policy may be approved without an approved interpretation (三同步)."""

    policy = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("政策文件"), on_delete=models.CASCADE, related_name="+"
    )
    revision = models.ForeignKey(
        "wagtailcore.Revision",
        verbose_name=_("版本"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("理由"))
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("免于同步解读")
        verbose_name_plural = _("免于同步解读")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.policy_id}: {self.reason[:30]}"


class ReviewApproval(models.Model):
    """A revision that may go live: its workflow finished, or it was imported as already approved.

    The publish guard (``guard.py``) lets a document's revision become live or scheduled only if
    a row here names that revision.
    """

    class Kind(models.TextChoices):
        # Every task of the page's workflow approved (or skipped with a recorded reason).
        WORKFLOW = "workflow", _("审核流程通过")
        # Approved outside this system (import of documents already published); reason required.
        IMPORTED = "imported", _("导入（系统外已审核）")

    page = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("文档"), on_delete=models.CASCADE, related_name="+"
    )
    revision = models.OneToOneField(
        "wagtailcore.Revision", verbose_name=_("版本"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("方式"), max_length=20, choices=Kind.choices, default=Kind.WORKFLOW)
    workflow_state = models.ForeignKey(
        "wagtailcore.WorkflowState",
        verbose_name=_("审核流程"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最后审批人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("通过时间"), default=timezone.now)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("审核通过的版本")
        verbose_name_plural = _("审核通过的版本")
        ordering = ["-approved_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.page_id}@{self.revision_id}"


class DeadlineNotice(models.Model):
    """One 20-working-day warning sent for a document, threshold and formation date (never twice)."""

    page = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("文档"), on_delete=models.CASCADE, related_name="+"
    )
    formed_at = models.DateField(_("信息形成日期"))
    threshold = models.PositiveSmallIntegerField(_("工作日阈值"))
    notified_at = models.DateTimeField(_("提醒时间"), default=timezone.now)

    class Meta:
        verbose_name = _("公开时限提醒")
        verbose_name_plural = _("公开时限提醒")
        constraints = [
            models.UniqueConstraint(
                fields=["page", "formed_at", "threshold"], name="publishing_review_notice_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.page_id} {self.formed_at} ≥{self.threshold}"


class ReReview(models.Model):
    """A periodic re-review (定期评估审查, Regulations Art. 18) of a withheld or on-request document."""

    class Decision(models.TextChoices):
        # Circumstances unchanged: the document stays as it is.
        KEEP = "keep", _("维持原公开属性")
        # Circumstances changed: the document becomes 主动公开 and goes through the review chain.
        TO_PROACTIVE = "to_proactive", _("转为主动公开")
        # A withheld document may now be given out on request.
        TO_ON_REQUEST = "to_on_request", _("转为依申请公开")

    page = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("文档"), on_delete=models.CASCADE, related_name="+"
    )
    previous_attribute = models.CharField(_("原公开属性"), max_length=20)
    decision = models.CharField(_("结论"), max_length=20, choices=Decision.choices)
    reason = models.TextField(_("理由"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审查人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审查时间"), default=timezone.now)
    next_due_on = models.DateField(_("下次审查日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("不予公开信息定期审查")
        verbose_name_plural = _("不予公开信息定期审查")
        ordering = ["-decided_at", "-pk"]
        indexes = [models.Index(fields=["page", "-decided_at"], name="publishing_review_rr_page")]

    def __str__(self) -> str:
        return f"{self.page_id} {self.get_decision_display()}"
