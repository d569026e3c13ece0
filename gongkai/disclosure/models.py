"""Disclosure applications (依申请公开) and what happens to them (条例第二十七条至第四十五条).

An ``Application`` goes 登记 → 审核 → 办理 → 答复 → 归档 (Art. 45; the graph is in
``workflow.py``, drawn in docs/workflows/disclosure-application.md). Its statutory reply clock
is a ``workcalendar.DeadlineClock`` (purpose ``reply``): 20 working days from the receipt date of
Art. 31, restarted when a corrected application arrives (Art. 30), paused while a third party or
another agency is consulted (Arts. 32–34) and while a fee notice is unpaid, extended once by at
most 20 working days with the office head's approval (Art. 33). ``reply_due_on`` keeps the
clock's due date on the row for lists, the dashboard and overdue queries; services refresh it
after every clock change.

Change rows only through ``services``; read them through ``selectors``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongkai.disclosure.grounds import Ground, Outcome, ReplyType
from gongkai.hotline.models import private_storage


class ApplicantType(models.TextChoices):
    """申请人类型: the seven columns of Table 3 without 总计."""

    NATURAL_PERSON = "natural_person", _("自然人")
    COMMERCIAL = "commercial", _("商业企业")
    RESEARCH = "research", _("科研机构")
    NONPROFIT = "nonprofit", _("社会公益组织")
    LEGAL_SERVICE = "legal_service", _("法律服务机构")
    OTHER_ORGANISATION = "other_organisation", _("其他")

    @classmethod
    def organisations(cls) -> tuple[str, ...]:
        return tuple(value for value in cls.values if value != cls.NATURAL_PERSON)


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    PASSPORT = "passport", _("护照")
    HK_MACAO_TAIWAN = "hmt_permit", _("港澳台居民居住证或通行证")
    OTHER = "other", _("其他有效身份证件")
    CREDIT_CODE = "credit_code", _("统一社会信用代码")


class IntakeChannel(models.TextChoices):
    """How the application arrived; decides the receipt date (条例第三十一条)."""

    # 通过互联网渠道提交：以双方确认之日为收到申请之日（本系统即时回执，即提交当日）
    ONLINE = "online", _("网上申请")
    # 当面提交：以提交之日为收到申请之日
    IN_PERSON = "in_person", _("当面提交")
    # 以邮寄方式提交：以行政机关签收之日为收到申请之日
    POST = "post", _("邮寄（需签收）")
    # 以平常信函等无需签收的邮寄方式提交：以行政机关与申请人确认之日为收到申请之日
    ORDINARY_LETTER = "ordinary_letter", _("平常信函")
    # 通过传真提交：以双方确认之日为收到申请之日
    FAX = "fax", _("传真")
    # 口头提出、由工作人员代为填写（第二十九条）：以提出之日为收到申请之日
    ORAL = "oral", _("口头提出（代为填写）")


class ProvisionForm(models.TextChoices):
    """所需信息的指定提供载体形式."""

    PAPER = "paper", _("纸质")
    ELECTRONIC = "electronic", _("电子文档")
    MEDIA = "media", _("光盘、磁盘等存储介质")


class ProvisionChannel(models.TextChoices):
    """获取信息的方式."""

    POST = "post", _("邮寄")
    PICKUP = "pickup", _("当面领取")
    EMAIL = "email", _("电子邮件")
    ONLINE = "online", _("网上查看")
    FAX = "fax", _("传真")


class Status(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    REVIEWING = "reviewing", _("审核中")
    CORRECTION = "correction", _("待补正")
    HANDLING = "handling", _("办理中")
    AWAITING_FEE = "awaiting_fee", _("待缴费")
    REPLIED = "replied", _("已答复")
    TERMINATED = "terminated", _("已终止")
    ARCHIVED = "archived", _("已归档")


#: The states in which the application is still being handled (the report's 结转下年度).
OPEN_STATUSES: tuple[str, ...] = (
    Status.REGISTERED,
    Status.REVIEWING,
    Status.CORRECTION,
    Status.HANDLING,
    Status.AWAITING_FEE,
)


class TrackingCounter(models.Model):
    """The last application sequence handed out per year (numbers ``YSQ2026-000123``)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("申请编号计数器")
        verbose_name_plural = _("申请编号计数器")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Application(models.Model):
    """One 政府信息公开申请 to one agency (a department of the city, or the city government)."""

    tracking_number = models.CharField(_("申请编号"), max_length=20, unique=True)
    query_code_hash = models.CharField(_("查询码摘要"), max_length=128, editable=False)
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        related_name="disclosure_applications",
        verbose_name=_("受理机关"),
    )

    # --- the applicant (条例第二十九条) ------------------------------------------------------
    applicant_type = models.CharField(_("申请人类型"), max_length=20, choices=ApplicantType.choices)
    #: A person's name, or the organisation's full name.
    applicant_name = models.CharField(_("申请人姓名或名称"), max_length=100)
    id_type = models.CharField(_("证件类型"), max_length=20, choices=IdType.choices, blank=True)
    id_number = models.CharField(_("证件号码"), max_length=40, blank=True)
    #: Organisations: the legal representative (法定代表人或负责人) and the contact person.
    legal_representative = models.CharField(_("法定代表人或负责人"), max_length=50, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    address = models.CharField(_("通信地址"), max_length=200, blank=True)
    postal_code = models.CharField(_("邮政编码"), max_length=6, blank=True)

    #: What the application lacked when it arrived (条例第二十九条), listed on the correction notice.
    missing_items = models.JSONField(_("缺少的申请要素"), default=list, blank=True)

    # --- what is asked for ------------------------------------------------------------------
    description = models.TextField(_("所需政府信息的名称、文号或者便于查询的其他特征性描述"))
    #: The text as first received, kept when a correction replaces ``description``.
    original_description = models.TextField(_("原申请内容"), blank=True)
    provision_form = models.CharField(
        _("提供载体形式"), max_length=20, choices=ProvisionForm.choices, blank=True
    )
    provision_channel = models.CharField(
        _("获取方式"), max_length=20, choices=ProvisionChannel.choices, blank=True
    )

    # --- arrival (条例第三十一条) -----------------------------------------------------------
    channel = models.CharField(_("提交方式"), max_length=20, choices=IntakeChannel.choices)
    submitted_at = models.DateTimeField(_("提交时间"))
    #: The date the statutory clock counts from (Art. 31 by channel), in Asia/Shanghai.
    received_on = models.DateField(_("收到申请日期"), db_index=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="disclosure_applications",
        verbose_name=_("承办人"),
    )

    # --- state and clock --------------------------------------------------------------------
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.REGISTERED)
    #: The reply clock's due date (refreshed by services from the DeadlineClock); null when stopped.
    reply_due_on = models.DateField(_("答复期限"), null=True, blank=True, db_index=True)
    #: The applicant's deadline to send the correction (or to pay the fee), while waiting for it.
    applicant_due_on = models.DateField(_("申请人补正或缴费期限"), null=True, blank=True)

    # --- the conclusion (Table 3) -----------------------------------------------------------
    reply_type = models.CharField(_("答复类型"), max_length=30, choices=ReplyType.choices, blank=True)
    ground = models.CharField(_("办理结果依据"), max_length=40, choices=Ground.choices, blank=True)
    outcome = models.CharField(_("办理结果"), max_length=20, choices=Outcome.choices, blank=True)
    #: The date the application was concluded (replied to or terminated), Asia/Shanghai.
    concluded_on = models.DateField(_("办结日期"), null=True, blank=True, db_index=True)
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("政府信息公开申请")
        verbose_name_plural = _("政府信息公开申请")
        ordering = ["-received_on", "-pk"]
        permissions = [
            ("handle_application", _("办理政府信息公开申请")),
            ("approve_extension", _("批准延长答复期限（公开工作机构负责人）")),
            ("view_applicant_identity", _("查看申请人完整身份信息")),
        ]
        indexes = [
            models.Index(fields=["department", "status"], name="disclosure_app_dept_status"),
            models.Index(fields=["status", "reply_due_on"], name="disclosure_app_status_due"),
            models.Index(fields=["department", "received_on"], name="disclosure_app_dept_received"),
            models.Index(fields=["department", "concluded_on"], name="disclosure_app_dept_concluded"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(concluded_on__isnull=True) | ~models.Q(ground=""),
                name="disclosure_app_concluded_has_ground",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_number}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_organisation(self) -> bool:
        return self.applicant_type != ApplicantType.NATURAL_PERSON


class LogEntry(models.Model):
    """One step of the application's history; ``public`` steps are shown to the applicant."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="log_entries")
    at = models.DateTimeField(_("时间"))
    action = models.CharField(_("操作"), max_length=40)
    public_text = models.CharField(_("向申请人显示的说明"), max_length=500, blank=True)
    note = models.TextField(_("内部备注"), blank=True)
    public = models.BooleanField(_("申请人可见"), default=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")

    def __str__(self) -> str:
        return f"{self.application_id} {self.action} {self.at:%Y-%m-%d}"


class CorrectionNotice(models.Model):
    """补正告知书: at most one per application, within 7 working days of receipt (Art. 30)."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="correction_notice"
    )
    issued_on = models.DateField(_("告知日期"))
    items = models.TextField(_("需要补正的事项"))
    #: The reasonable period the applicant is given (set by the office; default in settings).
    due_on = models.DateField(_("补正期限"))
    corrected_on = models.DateField(_("收到补正日期"), null=True, blank=True)
    corrected_description = models.TextField(_("补正后的申请内容"), blank=True)
    lapsed = models.BooleanField(_("逾期未补正"), default=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("补正告知")
        verbose_name_plural = _("补正告知")

    def __str__(self) -> str:
        return f"{self.application_id} {self.issued_on}"


class ConsultationKind(models.TextChoices):
    THIRD_PARTY = "third_party", _("征求第三方意见（第三十二条）")
    AGENCY = "agency", _("征求其他机关意见（第三十四条）")


class ConsultationAnswer(models.TextChoices):
    PENDING = "pending", _("等待意见")
    CONSENT = "consent", _("同意公开")
    OBJECTION = "objection", _("不同意公开")
    #: 第三十四条：逾期未提出意见的视为同意公开 (agencies); a third party's silence is recorded too.
    NO_ANSWER = "no_answer", _("逾期未提出意见")


class Consultation(models.Model):
    """A letter asking a third party or another agency for its view; 15 working days (Arts. 32, 34).

    The time it takes is not counted in the reply clock: each consultation pauses it.
    """

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="consultations")
    kind = models.CharField(_("征求对象类型"), max_length=20, choices=ConsultationKind.choices)
    party_name = models.CharField(_("被征求意见方"), max_length=100)
    party_contact = models.CharField(_("联系方式"), max_length=200, blank=True)
    sent_on = models.DateField(_("发出征求意见书日期"))
    due_on = models.DateField(_("提出意见期限"))
    answered_on = models.DateField(_("收到意见日期"), null=True, blank=True)
    answer = models.CharField(
        _("意见"), max_length=20, choices=ConsultationAnswer.choices, default=ConsultationAnswer.PENDING
    )
    answer_text = models.TextField(_("意见内容"), blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["sent_on", "pk"]
        verbose_name = _("征求意见")
        verbose_name_plural = _("征求意见")

    def __str__(self) -> str:
        return f"{self.application_id} {self.party_name}"


class Extension(models.Model):
    """延长答复期限: once, at most 20 working days, approved by the office head (Art. 33)."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="extension")
    days = models.PositiveSmallIntegerField(
        _("延长工作日数"), validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    reason = models.TextField(_("延长理由"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("申请人"),
    )
    requested_at = models.DateTimeField(_("提出时间"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("批准人"),
    )
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    refused = models.BooleanField(_("未获批准"), default=False)
    #: The date the extension notice (延期答复告知书) went to the applicant.
    notified_on = models.DateField(_("告知申请人日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("延期答复")
        verbose_name_plural = _("延期答复")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(days__gte=1, days__lte=20), name="disclosure_extension_at_most_20"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} +{self.days}"


class FeeMethod(models.TextChoices):
    """国办函〔2020〕109号第三条: by count or by quantity, progressive, never both."""

    PER_APPLICATION = "per_application", _("按件计收")
    PER_PAGE = "per_page", _("按量计收")


class FeeNotice(models.Model):
    """收费通知: the amount, how it was computed, and whether it was paid in time."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="fee_notice")
    method = models.CharField(_("计收方式"), max_length=20, choices=FeeMethod.choices)
    #: Per application: this application's rank among the applicant's in the calendar month.
    #: Per page: the number of pages provided.
    quantity = models.PositiveIntegerField(_("件数序号或页数"))
    amount = models.DecimalField(_("收费金额（元）"), max_digits=10, decimal_places=2)
    #: The computation as shown on the notice, e.g. "第31–100页 70页×10元".
    breakdown = models.JSONField(_("计算明细"), default=list)
    issued_on = models.DateField(_("发出收费通知日期"))
    pay_by = models.DateField(_("缴费期限"))
    paid_on = models.DateField(_("缴费日期"), null=True, blank=True)
    lapsed = models.BooleanField(_("逾期未缴费"), default=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("收费通知")
        verbose_name_plural = _("收费通知")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=Decimal("0")), name="disclosure_fee_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} ¥{self.amount}"


class Reply(models.Model):
    """答复: the letter (告知书) with its type, ground and delivery."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="reply")
    reply_type = models.CharField(_("答复类型"), max_length=30, choices=ReplyType.choices)
    ground = models.CharField(_("办理结果依据"), max_length=40, choices=Ground.choices)
    #: A partial disclosure names why the rest is withheld (one of the 不予公开 grounds).
    partial_withheld_ground = models.CharField(
        _("不予公开部分的理由"), max_length=40, choices=Ground.choices, blank=True
    )
    replied_on = models.DateField(_("答复日期"))
    #: The letter's own text (reasons, how to obtain, where to turn), before the template wraps it.
    body = models.TextField(_("答复内容"))
    #: 不属于本机关负责公开: the agency that is (name and contact), when it can be determined.
    other_agency = models.CharField(_("负责公开的机关"), max_length=200, blank=True)
    other_agency_contact = models.CharField(_("该机关联系方式"), max_length=200, blank=True)
    #: The letters name the applicant: kept in the private storage (never under MEDIA_ROOT, which
    #: the web server serves to anyone), handed out by the workspace and to the session of the lookup.
    letter_docx = models.FileField(
        _("答复书（DOCX）"), upload_to="disclosure/letters/", storage=private_storage, blank=True
    )
    letter_pdf = models.FileField(
        _("答复书（PDF）"), upload_to="disclosure/letters/", storage=private_storage, blank=True
    )
    delivered_on = models.DateField(_("送达日期"), null=True, blank=True)
    delivery_channel = models.CharField(
        _("送达方式"), max_length=20, choices=ProvisionChannel.choices, blank=True
    )
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("答复")
        verbose_name_plural = _("答复")

    def __str__(self) -> str:
        return f"{self.application_id} {self.reply_type}"


class ReviewKind(models.TextChoices):
    """The three blocks of Table 4."""

    RECONSIDERATION = "reconsideration", _("行政复议")
    LITIGATION_DIRECT = "litigation_direct", _("行政诉讼（未经复议直接起诉）")
    LITIGATION_AFTER_RECONSIDERATION = "litigation_after", _("行政诉讼（复议后起诉）")


class ReviewOutcome(models.TextChoices):
    UPHELD = "upheld", _("结果维持")
    CORRECTED = "corrected", _("结果纠正")
    OTHER = "other", _("其他结果")
    PENDING = "pending", _("尚未审结")


class ReviewCase(models.Model):
    """An administrative reconsideration or lawsuit about an application (Table 4)."""

    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("被申请或被诉机关")
    )
    application = models.ForeignKey(
        Application,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="review_cases",
        verbose_name=_("相关申请"),
    )
    kind = models.CharField(_("类型"), max_length=20, choices=ReviewKind.choices)
    case_number = models.CharField(_("案号"), max_length=60, blank=True)
    body = models.CharField(_("复议机关或法院"), max_length=100)
    filed_on = models.DateField(_("立案日期"), db_index=True)
    outcome = models.CharField(
        _("结果"), max_length=20, choices=ReviewOutcome.choices, default=ReviewOutcome.PENDING
    )
    concluded_on = models.DateField(_("审结日期"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["-filed_on", "-pk"]
        verbose_name = _("复议诉讼案件")
        verbose_name_plural = _("复议诉讼案件")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(outcome="pending") & models.Q(concluded_on__isnull=True))
                | (~models.Q(outcome="pending") & models.Q(concluded_on__isnull=False)),
                name="disclosure_review_concluded_iff_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.case_number}"

    def outcome_on(self, day: datetime.date) -> str:
        """The outcome as it stood at the end of ``day`` (pending if concluded later)."""
        if self.concluded_on is None or self.concluded_on > day:
            return ReviewOutcome.PENDING
        return self.outcome
