"""The 12345 hotline work order (GB/T 33358-2016 §3.6 工单) and what hangs off it.

One ``WorkOrder`` per appeal whatever its channel; the departments that handle it are
``Assignment`` rows (lead 主办 / assisting 协办, city → department/district on level 1, district →
street on level 2). Its timeline is ``WorkOrderEvent``; the reply deadline is a
``workcalendar.DeadlineClock`` (purpose ``reply``) whose due time is cached on the row for queues.
Write only through ``gongkai.hotline.services``; read through ``gongkai.hotline.selectors``.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongkai.core.workcalendar.models import ClockUnit

MAX_CATEGORY_DEPTH = 3


class OrderType(models.TextChoices):
    # A question about a policy or a service (answered from the knowledge base where possible).
    CONSULTATION = "consultation", _("咨询")
    # The caller needs help with a concrete difficulty.
    HELP = "help", _("求助")
    # The caller complains about a public body's or a business's conduct.
    COMPLAINT = "complaint", _("投诉")
    # The caller reports a violation of the law (举报).
    REPORT = "report", _("举报")
    # A proposal for improving government work.
    SUGGESTION = "suggestion", _("建议")
    # Praise for a department or a person.
    PRAISE = "praise", _("表扬")
    # Anything else.
    OTHER = "other", _("其他")


class Urgency(models.TextChoices):
    # Ordinary handling on the deadline of the order's type.
    NORMAL = "normal", _("一般")
    # Urgent: same working day (8 working hours by default), sign-for within half an hour.
    URGENT = "urgent", _("紧急")


class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    WEB = "web", _("网站")
    MAILBOX = "mailbox", _("市长信箱")
    WECHAT = "wechat", _("微信")
    WEIBO = "weibo", _("微博")
    EMAIL = "email", _("电子邮件")
    LETTER = "letter", _("来信")
    WALK_IN = "walk_in", _("来访")
    RECEPTION_DAY = "reception_day", _("局长接待日")
    PROVINCIAL = "provincial", _("省级平台转办")
    OPEN311 = "open311", _("Open311接口")
    OTHER = "other", _("其他")


class Status(models.TextChoices):
    # Taken in and stored; waiting for the hotline office to answer it or dispatch it.
    RECEIVED = "received", _("已受理")
    # Sent to a department, which has not signed for it yet.
    DISPATCHED = "dispatched", _("已派单")
    # Signed for; the department is handling it.
    IN_PROGRESS = "in_progress", _("办理中")
    # The department replied; the hotline office checks the reply.
    REPLIED = "replied", _("已答复")
    # The reply was approved and sent; the hotline office calls the citizen back.
    AWAITING_CALLBACK = "awaiting_callback", _("待回访")
    # Done: replied and called back (or answered at first contact).
    CLOSED = "closed", _("已办结")
    # The department returned it as wrongly routed; the dispatcher reassigns or arbitrates.
    RETURNED = "returned", _("已退回")
    # A duplicate merged into another order, whose progress and reply it shows.
    MERGED = "merged", _("已并单")
    # Not a genuine appeal (harassing, empty, test call); kept, never deleted.
    INVALID = "invalid", _("无效工单")


OPEN_STATUSES = frozenset(
    {
        Status.RECEIVED,
        Status.DISPATCHED,
        Status.IN_PROGRESS,
        Status.REPLIED,
        Status.AWAITING_CALLBACK,
        Status.RETURNED,
    }
)
FINAL_STATUSES = frozenset({Status.CLOSED, Status.MERGED, Status.INVALID})


class Satisfaction(models.TextChoices):
    # 好差评 five levels (国办发〔2019〕51号).
    VERY_SATISFIED = "very_satisfied", _("非常满意")
    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")
    VERY_DISSATISFIED = "very_dissatisfied", _("非常不满意")


SATISFIED_LEVELS = frozenset(
    {Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED}
)
DISSATISFIED_LEVELS = frozenset({Satisfaction.DISSATISFIED, Satisfaction.VERY_DISSATISFIED})


class CallbackOutcome(models.TextChoices):
    # The citizen was reached and rated the reply.
    REACHED = "reached", _("已联系上")
    # Nobody answered / the number is unreachable.
    UNREACHABLE = "unreachable", _("无法联系")
    # Reached, but the citizen declined to rate.
    REFUSED = "refused", _("拒绝评价")
    # The citizen rated the reply on the lookup page (or through the API) with the query code.
    RATED_ONLINE = "rated_online", _("群众网上评价")


# --- The routing catalogue and the deadline rules -------------------------------------------------


class RoutingCategory(models.Model):
    """One entry of the 派单目录: a tree of at most three levels, each with its default department.

    ``path`` (``/1/7/``) and ``depth`` are derived from ``parent`` in ``save()``, like accounts'
    ``Department``, so that "this category and everything under it" is one prefix match.
    """

    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级分类"),
    )
    code = models.SlugField(_("代码"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    default_department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("默认主办单位"),
    )
    default_type = models.CharField(_("默认诉求类型"), max_length=20, choices=OrderType.choices, blank=True)
    keywords = models.TextField(
        _("关键词"), blank=True, help_text=_("每行或以逗号分隔的关键词，帮助派单建议识别本分类。")
    )
    description = models.TextField(_("说明"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    path = models.CharField(_("路径"), max_length=255, editable=False, default="", db_index=True)
    depth = models.PositiveSmallIntegerField(_("层级"), editable=False, default=1)

    class Meta:
        verbose_name = _("派单目录")
        verbose_name_plural = _("派单目录")
        ordering = ["path", "sort_order"]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Derived columns kept here (like Department) so that no write path can forget them.
        old_path = self.path
        self.depth = (self.parent.depth + 1) if self.parent_id and self.parent else 1
        if self.pk is None:
            super().save(*args, **kwargs)
            kwargs.pop("force_insert", None)
            kwargs["update_fields"] = None
        parent_path = self.parent.path if self.parent_id and self.parent else "/"
        self.path = f"{parent_path}{self.pk}/"
        if "update_fields" in kwargs and kwargs["update_fields"] is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "path", "depth"}
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            for child in RoutingCategory.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                child.save()

    def clean(self) -> None:
        super().clean()
        node, depth = self.parent, 1
        while node is not None:
            if self.pk and node.pk == self.pk:
                raise ValidationError({"parent": _("上级分类不能是自身或其下级。")})
            depth += 1
            node = node.parent
        if depth > MAX_CATEGORY_DEPTH:
            raise ValidationError(
                {"parent": _("派单目录最多 %(depth)s 级。") % {"depth": MAX_CATEGORY_DEPTH}}
            )

    @property
    def full_name(self) -> str:
        names = [self.name]
        node = self.parent
        while node is not None and len(names) < MAX_CATEGORY_DEPTH + 1:
            names.append(node.name)
            node = node.parent
        return " / ".join(reversed(names))


class DeadlineRule(models.Model):
    """Deadlines for a combination of type × urgency × category; empty fields mean "any".

    The most specific rule wins: a rule naming a category beats one that does not (a deeper
    category beats its ancestors; a rule applies to the category's descendants), then a rule naming
    the type beats one that does not, then one naming the urgency. Among equals the lowest pk wins.
    """

    order_type = models.CharField(_("诉求类型"), max_length=20, choices=OrderType.choices, blank=True)
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices, blank=True)
    category = models.ForeignKey(
        RoutingCategory,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deadline_rules",
        verbose_name=_("派单目录（含下级）"),
    )
    unit = models.CharField(
        _("答复时限单位"), max_length=20, choices=ClockUnit.choices, default=ClockUnit.WORKING_DAYS
    )
    reply_budget = models.PositiveIntegerField(_("答复时限"), validators=[MinValueValidator(1)])
    sign_for_hours = models.DecimalField(
        _("签收时限（工作小时）"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("2"),
        validators=[MinValueValidator(Decimal("0.1"))],
    )
    callback_days = models.PositiveSmallIntegerField(
        _("回访时限（答复审核通过后工作日）"), default=2, validators=[MinValueValidator(1)]
    )
    note = models.CharField(_("依据或说明"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("办理时限规则")
        verbose_name_plural = _("办理时限规则")
        ordering = ["category__path", "order_type", "urgency", "pk"]

    def __str__(self) -> str:
        return self.rule_text

    @property
    def budget_text(self) -> str:
        if self.unit == ClockUnit.WORKING_HOURS:
            return _("%(n)s个工作小时") % {"n": self.reply_budget}
        return _("%(n)s个工作日") % {"n": self.reply_budget}

    @property
    def scope_text(self) -> str:
        parts = []
        if self.category_id:
            parts.append(str(self.category))
        if self.order_type:
            parts.append(str(self.get_order_type_display()))
        if self.urgency:
            parts.append(str(self.get_urgency_display()))
        return "·".join(parts) or str(_("全部诉求"))

    @property
    def rule_text(self) -> str:
        return _(
            "%(scope)s：%(budget)s内答复，%(sign)s个工作小时内签收，答复后%(callback)s个工作日内回访"
        ) % {
            "scope": self.scope_text,
            "budget": self.budget_text,
            "sign": f"{self.sign_for_hours.normalize():f}",
            "callback": self.callback_days,
        }


class TrackingCounter(models.Model):
    """The last tracking-number sequence handed out per day (Beijing date); one row per day."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("受理编号计数器")
        verbose_name_plural = _("受理编号计数器")

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


# --- The work order ----------------------------------------------------------------------------


def _attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name never contains the citizen's file name (which may hold personal data).
    return f"hotline/private/{instance.work_order_id}/{uuid.uuid4().hex}"


def private_storage() -> Any:
    """Attachments are private: a ``private`` storage if configured, else a directory outside MEDIA_ROOT."""
    from django.core.files.storage import FileSystemStorage, storages

    if "private" in settings.STORAGES:
        return storages["private"]
    default = storages["default"]
    if type(default) is FileSystemStorage:
        return FileSystemStorage(location=settings.DATA_DIR / "private", base_url=None)
    return default


def _staff_member() -> models.ForeignKey:
    """Who took a step on a work order (received, dispatched, replied, approved…): kept when the
    account goes, and indexed only where set (``WorkOrder.Meta.indexes``)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )


class WorkOrder(models.Model):
    """One appeal (诉求) from any channel, through dispatch, reply and callback to its close."""

    tracking_number = models.CharField(_("受理编号"), max_length=16, unique=True)
    query_code_hash = models.CharField(_("查询码摘要"), max_length=128, editable=False)
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    source_reference = models.CharField(_("来源编号"), max_length=120, blank=True, default="")
    raw_source = models.JSONField(_("原始来件"), default=dict, blank=True)

    caller_name = models.CharField(_("来电人姓名"), max_length=50, blank=True)
    caller_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    caller_id_number = models.CharField(_("身份证号"), max_length=18, blank=True)
    caller_address = models.CharField(_("联系地址"), max_length=200, blank=True)
    caller_email = models.EmailField(_("电子邮箱"), blank=True)
    confidential = models.BooleanField(_("要求保密"), default=False)
    consent_to_publish = models.BooleanField(_("同意公开"), default=False)

    order_type = models.CharField(_("诉求类型"), max_length=20, choices=OrderType.choices)
    category = models.ForeignKey(
        RoutingCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
        verbose_name=_("派单目录"),
    )
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    district = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所在区县"),
        db_index=False,
    )
    street = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所在街道"),
        db_index=False,
    )
    location = models.CharField(_("地点"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    content = models.TextField(_("诉求内容"))

    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    lead_department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("主办单位"),
        db_index=False,
    )
    current_department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("当前承办单位"),
        help_text=_("现在需要签收或办理的单位：一级派单时同主办单位，二级派单时为街道。"),
        db_index=False,
    )

    received_by = _staff_member()
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    dispatched_by = _staff_member()
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    replied_by = _staff_member()
    reply_approved_at = models.DateTimeField(_("答复审核时间"), null=True, blank=True)
    reply_approved_by = _staff_member()
    callback_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    # Deadlines: the reply clock lives in workcalendar; its due time is cached here for the queues.
    deadline_unit = models.CharField(_("时限单位"), max_length=20, choices=ClockUnit.choices, blank=True)
    deadline_rule_text = models.CharField(_("时限依据"), max_length=300, blank=True)
    sign_for_due_at = models.DateTimeField(_("签收期限"), null=True, blank=True)
    reply_due_at = models.DateTimeField(_("答复期限"), null=True, blank=True)
    callback_due_at = models.DateTimeField(_("回访期限"), null=True, blank=True)
    is_paused = models.BooleanField(_("暂停计时"), default=False)

    reply_text = models.TextField(_("答复内容"), blank=True)
    public_reply = models.TextField(_("公开答复"), blank=True)
    reply_department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("答复单位"),
        db_index=False,
    )

    # 信件公开: a mailbox letter is published only once staff approved these checked, redacted copies.
    publication_approved_at = models.DateTimeField(_("公开审核时间"), null=True, blank=True)
    publication_approved_by = _staff_member()
    public_title = models.CharField(_("公开标题"), max_length=200, blank=True)
    public_content = models.TextField(_("公开来信内容"), blank=True)

    satisfaction = models.CharField(_("满意度"), max_length=20, choices=Satisfaction.choices, blank=True)
    callback_attempts = models.PositiveSmallIntegerField(_("回访次数"), default=0)
    callback_outcome = models.CharField(
        _("回访结果"), max_length=20, choices=CallbackOutcome.choices, blank=True
    )
    first_contact_resolution = models.BooleanField(_("首次接触解决"), default=False)
    # The citizen's own rating (lookup page or API, proven by the query code): once per order.
    citizen_rated_at = models.DateTimeField(_("群众评价时间"), null=True, blank=True)
    citizen_comment = models.TextField(_("群众评价意见"), blank=True)
    # A citizen's request to handle it again (群众申请重办), until the office reopens or declines it.
    reopen_requested_at = models.DateTimeField(_("群众申请重办时间"), null=True, blank=True)
    reopen_request_reason = models.TextField(_("申请重办理由"), blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    return_count = models.PositiveSmallIntegerField(_("退单次数"), default=0)
    transfer_count = models.PositiveSmallIntegerField(_("改派次数"), default=0)
    escalated = models.BooleanField(_("提级督办"), default=False)
    escalated_reason = models.CharField(_("提级原因"), max_length=300, blank=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followers",
        verbose_name=_("并入工单"),
        db_index=False,
    )
    invalid_reason = models.CharField(_("无效原因"), max_length=300, blank=True)

    created_at = models.DateTimeField(_("受理时间"), db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    #: Not yet in the search index: intake sets it and leaves the indexing to
    #: ``services.work_orders_index_pending`` (the periodic job, and every staff search first).
    search_pending = models.BooleanField(_("待建检索"), default=False, editable=False)
    # The public intake writes the order (and the citizen's confirmation) in one statement and
    # leaves its RECEIVED event and audit event to ``work_orders_record_pending``, which runs
    # right after (woken on commit) and every few seconds: nothing is lost, only written later.
    records_pending = models.BooleanField(_("待补记录"), default=False, editable=False)

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "current_department", "reply_due_at"], name="hotline_wo_queue"),
            models.Index(fields=["status", "lead_department", "reply_due_at"], name="hotline_wo_lead_queue"),
            models.Index(fields=["status", "sign_for_due_at"], name="hotline_wo_signfor"),
            models.Index(fields=["caller_phone", "created_at"], name="hotline_wo_caller"),
            # Covering index of kpi_for_department / kpi_by_department: every column they count is a
            # key column (SQLite has no INCLUDE), so a department's year is an index-only scan.
            models.Index(
                fields=[
                    "lead_department",
                    "created_at",
                    "reply_due_at",
                    "replied_at",
                    "reply_approved_at",
                    "callback_attempts",
                    "satisfaction",
                    "reopen_count",
                    "return_count",
                    "first_contact_resolution",
                ],
                name="hotline_wo_kpi_cover",
            ),
            models.Index(fields=["status", "created_at"], name="hotline_wo_status_created"),
            models.Index(fields=["id"], condition=Q(search_pending=True), name="hotline_wo_search_pending"),
            models.Index(fields=["id"], condition=Q(records_pending=True), name="hotline_wo_records_pending"),
            # The foreign keys that a new order leaves empty are indexed only where they are set:
            # every query (and Django's SET NULL on a user's deletion) asks for a value, which
            # implies NOT NULL, and the intake writes 11 fewer index entries per appeal. The lead
            # department is found through hotline_wo_kpi_cover and hotline_wo_lead_queue.
            *(
                models.Index(
                    fields=[name], condition=Q(**{f"{name}__isnull": False}), name=f"hotline_wo_{short}_nn"
                )
                for name, short in (
                    ("district", "district"),
                    ("street", "street"),
                    ("current_department", "current_dept"),
                    ("received_by", "received_by"),
                    ("dispatched_by", "dispatched_by"),
                    ("replied_by", "replied_by"),
                    ("reply_approved_by", "approved_by"),
                    ("reply_department", "reply_dept"),
                    ("publication_approved_by", "pub_approved_by"),
                    ("merged_into", "merged_into"),
                )
            ),
        ]
        constraints = [
            # 件件有回复: nothing is closed without a reply (merged and invalid are other states).
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(reply_text=""), name="hotline_wo_closed_has_reply"
            ),
            models.UniqueConstraint(
                fields=["channel", "source_reference"],
                condition=~Q(source_reference=""),
                name="hotline_wo_source_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("主办")
    ASSISTING = "assisting", _("协办")


class AssignmentStatus(models.TextChoices):
    # Waiting for the department to sign for it.
    PENDING = "pending", _("待签收")
    # Signed for; being handled.
    ACCEPTED = "accepted", _("已签收")
    # Returned by the department (退单).
    RETURNED = "returned", _("已退回")
    # The department replied (lead) or contributed (assisting).
    REPLIED = "replied", _("已答复")
    # Superseded or finished (reassigned away, reopened, closed).
    DONE = "done", _("已结束")


class Assignment(models.Model):
    """One department's part in one order: lead or assisting, level 1 (city) or 2 (district → street)."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="assignments")
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("承办单位")
    )
    role = models.CharField(_("角色"), max_length=10, choices=AssignmentRole.choices)
    level = models.PositiveSmallIntegerField(_("派单层级"), default=1)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=AssignmentStatus.choices, default=AssignmentStatus.PENDING
    )
    is_active = models.BooleanField(_("有效"), default=True)
    sign_for_due_at = models.DateTimeField(_("签收期限"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    contribution = models.TextField(_("协办意见"), blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("派单时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("承办记录")
        verbose_name_plural = _("承办记录")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["department", "is_active", "status"], name="hotline_asg_queue"),
            # Covering index of the sign-for KPIs (index-only scan of a department's lead assignments).
            models.Index(
                fields=["department", "created_at", "role", "sign_for_due_at", "accepted_at"],
                name="hotline_asg_kpi_cover",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_order_id} → {self.department_id} ({self.role}/{self.level})"


class EventType(models.TextChoices):
    RECEIVED = "received", _("受理")
    ANSWERED_DIRECTLY = "answered_directly", _("即时答复")
    DISPATCHED = "dispatched", _("派单")
    DISPATCHED_DOWN = "dispatched_down", _("二级派单")
    ACCEPTED = "accepted", _("签收")
    RETURNED = "returned", _("退单")
    REASSIGNED = "reassigned", _("改派")
    ARBITRATED = "arbitrated", _("退单仲裁")
    EXTENSION_REQUESTED = "extension_requested", _("申请延期")
    EXTENSION_APPROVED = "extension_approved", _("同意延期")
    EXTENSION_REJECTED = "extension_rejected", _("不同意延期")
    PAUSED = "paused", _("暂停计时")
    RESUMED = "resumed", _("恢复计时")
    CONTRIBUTED = "contributed", _("协办意见")
    REPLIED = "replied", _("答复")
    REPLY_SENT_BACK = "reply_sent_back", _("答复退回")
    REPLY_APPROVED = "reply_approved", _("答复审核通过")
    CALLBACK_ATTEMPTED = "callback_attempted", _("回访未果")
    CALLED_BACK = "called_back", _("回访")
    CLOSED = "closed", _("办结")
    REOPENED = "reopened", _("重办")
    CITIZEN_RATED = "citizen_rated", _("群众评价")
    REOPEN_REQUESTED = "reopen_requested", _("群众申请重办")
    REOPEN_DECLINED = "reopen_declined", _("不予重办")
    PUBLICATION_APPROVED = "publication_approved", _("来信公开")
    PUBLICATION_WITHDRAWN = "publication_withdrawn", _("撤销公开")
    SUPERVISED = "supervised", _("督办")
    URGED = "urged", _("催办")
    ESCALATED = "escalated", _("提级督办")
    MERGED = "merged", _("并单")
    MARKED_INVALID = "marked_invalid", _("标记无效")
    ATTACHMENT_ADDED = "attachment_added", _("添加附件")
    NOTE = "note", _("备注")


class WorkOrderEvent(models.Model):
    """One line of the order's timeline (the domain view; audit events are written alongside)."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(_("类型"), max_length=30, choices=EventType.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("相关单位"),
    )
    is_public = models.BooleanField(_("群众可见"), default=False)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("工单流转记录")
        verbose_name_plural = _("工单流转记录")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["work_order", "created_at"], name="hotline_event_order")]

    def __str__(self) -> str:
        return f"{self.work_order_id} {self.type}"


class DecisionStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已同意")
    REJECTED = "rejected", _("未同意")


class ExtensionRequest(models.Model):
    """A department's request for more time (延期), decided by the hotline office."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="extension_requests")
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT, related_name="+")
    amount = models.PositiveIntegerField(_("延长时限"), validators=[MinValueValidator(1)])
    unit = models.CharField(_("单位"), max_length=20, choices=ClockUnit.choices)
    reason = models.TextField(_("延期理由"))
    status = models.CharField(
        _("状态"), max_length=10, choices=DecisionStatus.choices, default=DecisionStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    comment = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        constraints = [
            models.UniqueConstraint(
                fields=["work_order"], condition=Q(status="pending"), name="hotline_one_pending_extension"
            )
        ]
        indexes = [models.Index(fields=["status", "requested_at"], name="hotline_ext_queue")]

    def __str__(self) -> str:
        return f"{self.work_order_id} +{self.amount} {self.unit} ({self.status})"


class ReturnRuling(models.TextChoices):
    PENDING = "pending", _("待处理")
    # The dispatcher agreed and sent the order to another department (改派).
    REASSIGNED = "reassigned", _("改派")
    # The dispatcher ruled the routing right and sent it back to the same department (仲裁维持).
    UPHELD = "upheld", _("维持原派单")


class ReturnRequest(models.Model):
    """A department's 退单 with its reason, and the dispatcher's ruling on the dispute."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="return_requests")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("退单理由"))
    suggested_department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("建议承办单位"),
    )
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    returned_at = models.DateTimeField(_("退单时间"))
    ruling = models.CharField(
        _("处理结果"), max_length=12, choices=ReturnRuling.choices, default=ReturnRuling.PENDING
    )
    ruling_comment = models.TextField(_("处理意见"), blank=True)
    ruled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ruled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("退单记录")
        verbose_name_plural = _("退单记录")
        indexes = [models.Index(fields=["ruling", "returned_at"], name="hotline_return_queue")]

    def __str__(self) -> str:
        return f"{self.work_order_id} ← {self.department_id} ({self.ruling})"


class SupervisionKind(models.TextChoices):
    # 催办: a reminder before or at the deadline.
    URGE = "urge", _("催办")
    # 督办: formal supervision of an overdue or problematic order.
    SUPERVISE = "supervise", _("督办")
    # 提级督办: escalated supervision (three reopenings or transfers, or long overdue).
    ESCALATE = "escalate", _("提级督办")


class SupervisionNotice(models.Model):
    """A 催办/督办 notice sent to the handling department's handlers (through the outbox)."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="supervision_notices")
    kind = models.CharField(_("类型"), max_length=10, choices=SupervisionKind.choices)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("事由"))
    due_at = models.DateTimeField(_("要求办结时间"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    recipients = models.PositiveSmallIntegerField(_("通知人数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("督办通知")
        verbose_name_plural = _("督办通知")

    def __str__(self) -> str:
        return f"{self.work_order_id} {self.kind}"


class CallbackAttempt(models.Model):
    """One callback (回访) attempt: reached (with a rating), unreachable or refused."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="callback_attempts_log")
    outcome = models.CharField(_("结果"), max_length=20, choices=CallbackOutcome.choices)
    satisfaction = models.CharField(_("满意度"), max_length=20, choices=Satisfaction.choices, blank=True)
    comment = models.TextField(_("回访记录"), blank=True)
    attempted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attempted_at = models.DateTimeField(_("回访时间"))

    class Meta:
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")
        ordering = ["attempted_at", "pk"]

    def __str__(self) -> str:
        return f"{self.work_order_id} {self.outcome}"


class Attachment(models.Model):
    """A file attached to an order, stored privately; the type is detected from the content."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=_attachment_path, storage=private_storage, max_length=255)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


# --- Recorded inbound messages (新媒体留言) ---------------------------------------------------------


class InboundStatus(models.TextChoices):
    # Recorded; nobody has looked at it yet.
    NEW = "new", _("待处理")
    # Turned into a work order (``work_order``).
    CONVERTED = "converted", _("已转工单")
    # Not an appeal (spam, chatter, a thank-you); kept with the reason in ``note``.
    IGNORED = "ignored", _("已忽略")
    # Handed to a department (``escalated_to``) to answer in the channel by ``due_at``; the note says what.
    ESCALATED = "escalated", _("已转交")
    # Answered directly in the channel (by the hotline office or the department it was handed to);
    # what was answered is in ``note``. No work order.
    ANSWERED = "answered", _("已答复")


class InboundMessage(models.Model):
    """One message from a new-media channel (WeChat, Weibo, e-mail, the provincial platform) as the
    connector delivered it, before (or without) becoming a work order. Unique per channel and the
    channel's own message id, so a connector's retries are harmless."""

    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    external_id = models.CharField(_("消息编号"), max_length=120)
    sender_name = models.CharField(_("发送人"), max_length=100, blank=True)
    sender_handle = models.CharField(_("发送人账号"), max_length=200, blank=True)
    sender_phone = models.CharField(_("发送人电话"), max_length=30, blank=True)
    sender_email = models.EmailField(_("发送人邮箱"), blank=True)
    text = models.TextField(_("留言内容"))
    received_at = models.DateTimeField(_("发送时间"))
    raw = models.JSONField(_("原始消息"), default=dict, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=InboundStatus.choices, default=InboundStatus.NEW
    )
    work_order = models.ForeignKey(
        WorkOrder,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_messages",
        verbose_name=_("所转工单"),
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    note = models.TextField(_("处理说明"), blank=True)
    # 转交: the department that must answer, when, by whom, why, and its deadline in working days.
    escalated_to = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("转交单位"),
    )
    escalated_at = models.DateTimeField(_("转交时间"), null=True, blank=True)
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    escalation_note = models.TextField(_("转交说明"), blank=True)
    due_at = models.DateTimeField(_("答复期限"), null=True, blank=True)
    due_rule = models.CharField(_("时限依据"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("接收时间"))

    class Meta:
        verbose_name = _("新媒体留言")
        verbose_name_plural = _("新媒体留言")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="hotline_inbound_once"),
        ]
        indexes = [
            models.Index(fields=["status", "received_at"], name="hotline_inbound_queue"),
            models.Index(fields=["escalated_to", "status", "due_at"], name="hotline_inbound_escalated"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id}"
