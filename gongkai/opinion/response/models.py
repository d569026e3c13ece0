"""Alerts, assessment (研判) and the response loop of public-opinion events.

- :class:`AnalystDuty` — who is on duty (值班) when; alerts and clock notices go to them.
- :class:`AlertRuleConfig` — alert rules (hotness, spike, negative share, sensitive hits, rumor
  candidates), evaluated every minute by ``services.evaluate_alerts`` with the armed state of
  ``analysis.alerting.AlertEvaluator`` kept in :class:`AlertState`; each firing is an :class:`Alert`.
- :class:`EventCase` — the response loop of one ``opinion.Event`` (a OneToOne: the opinion app's
  ``Event`` keeps what the pipeline found, this keeps what the office decided and did): assessment,
  state (``workflow.CASE_GRAPH``), clocks (:class:`ResponseClock`), forwardings to departments
  (:class:`Forwarding`), responses (:class:`Response`) and, for a rumor, its clarification.

Write only through ``services``; read through ``selectors``. Times are stored in UTC; the clocks
count calendar hours (国办发〔2016〕61号、80号: emergencies do not wait for working days).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_TEXT = 5000


class AnalystDuty(models.Model):
    """An analyst on duty (舆情值班) from ``starts_at`` to ``ends_at`` (shifts; the office runs 7×24)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("值班人员")
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("舆情值班")
        verbose_name_plural = _("舆情值班")
        ordering = ["-starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="opinion_response_duty_range"
            )
        ]
        indexes = [models.Index(fields=["ends_at", "starts_at"], name="opinion_resp_duty_time")]

    def __str__(self) -> str:
        return f"{self.user} {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%Y-%m-%d %H:%M}"


class AlertKind(models.TextChoices):
    # The event's hotness (热度, hotness.py's scale: 80 "watch", 120 "hot").
    HOTNESS = "hotness", _("热度")
    # Posts in the last ten minutes far above the event's usual rate (z-score).
    SPIKE = "spike", _("突增")
    # Share of negative posts (0–1), only over enough posts.
    NEGATIVE_SHARE = "negative_share", _("负面占比")
    # Posts carrying a sensitive word of level 警示 or 严重.
    SENSITIVE = "sensitive", _("敏感信息")
    # Rumor-candidate posts (疑似谣言).
    RUMOR = "rumor", _("疑似谣言")


class AlertRuleConfig(models.Model):
    """An alert rule: fires once when an event's value reaches ``threshold``, again only after it
    fell under 80% of it and came back (``analysis.alerting``)."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=AlertKind.choices)
    threshold = models.FloatField(_("阈值"))
    topic = models.ForeignKey(
        "opinion.Topic",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("限定专题"),
        help_text=_("留空则适用于所有事件；选定后只对命中该专题的事件预警。"),
    )
    enabled = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("预警规则")
        verbose_name_plural = _("预警规则")
        ordering = ["kind", "threshold", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(threshold__gt=0), name="opinion_response_rule_threshold")
        ]

    def __str__(self) -> str:
        return self.name or f"{self.get_kind_display()} ≥ {self.threshold:g}"

    @property
    def evaluator_id(self) -> str:
        """The rule's id in the evaluator's saved state: a changed threshold or topic re-arms it."""
        return f"r{self.pk}:{self.kind}>={self.threshold:g}@{self.topic_id or ''}"


class AlertState(models.Model):
    """The evaluator's armed/disarmed pairs (``AlertEvaluator.dump()``), so a restart does not re-alert."""

    name = models.CharField(max_length=60, unique=True, default="default")
    state = models.JSONField(default=dict)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("预警状态")
        verbose_name_plural = _("预警状态")

    def __str__(self) -> str:
        return self.name


class Alert(models.Model):
    """One firing of a rule on one event: what was seen, when, and who acknowledged it."""

    rule = models.ForeignKey(
        AlertRuleConfig,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("预警规则"),
    )
    # The rule as it was when it fired (the rule may be edited or deleted later).
    kind = models.CharField(_("类型"), max_length=20, choices=AlertKind.choices)
    threshold = models.FloatField(_("阈值"))
    rule_name = models.CharField(_("规则名称"), max_length=100, blank=True)
    event = models.ForeignKey(
        "opinion.Event",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("事件"),
    )
    subject = models.CharField(_("对象"), max_length=100, help_text=_("事件编号或“topic:专题编号”等。"))
    value = models.FloatField(_("观测值"))
    fired_at = models.DateTimeField(_("预警时间"))
    notified = models.PositiveSmallIntegerField(_("已通知人数"), default=0)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认人"),
    )
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("舆情预警")
        verbose_name_plural = _("舆情预警")
        ordering = ["-fired_at", "-pk"]
        indexes = [
            models.Index(fields=["-fired_at", "-id"], name="opinion_resp_alert_recent"),
            models.Index(fields=["event", "fired_at"], name="opinion_resp_alert_event"),
            # The inbox: alerts nobody acknowledged yet.
            models.Index(
                fields=["-fired_at"],
                name="opinion_resp_alert_inbox",
                condition=Q(acknowledged_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject} {self.value:g}"


class Level(models.TextChoices):
    """The event's level (舆情等级)."""

    GENERAL = "general", _("一般")
    LARGER = "larger", _("较大")
    MAJOR = "major", _("重大")
    ESPECIALLY_MAJOR = "especially_major", _("特别重大")


class CaseStatus(models.TextChoices):
    # Seen (an alert, the board); nobody has assessed it yet.
    OPEN = "open", _("待研判")
    # Assessed: level, responsible department, clocks running.
    ASSESSED = "assessed", _("已研判")
    # Forwarded to one or more departments for their answer.
    FORWARDED = "forwarded", _("已转办")
    # A public response was made (statement, press conference, interview, document).
    RESPONDED = "responded", _("已回应")
    # Over: answered, or not worth following (dismissed, with the reason).
    CLOSED = "closed", _("已关闭")


ACTIVE_CASE_STATUSES = (CaseStatus.OPEN, CaseStatus.ASSESSED, CaseStatus.FORWARDED, CaseStatus.RESPONDED)


class EventCase(models.Model):
    """The response loop of one event (舆情处置). ``round`` goes up at each reopen; clocks and
    responses belong to a round, so a reopened event gets new clocks and keeps the old ones as history."""

    event = models.OneToOneField(
        "opinion.Event", on_delete=models.CASCADE, related_name="response_case", verbose_name=_("事件")
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.OPEN, db_index=True
    )
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    # Assessment (研判).
    level = models.CharField(_("舆情等级"), max_length=20, choices=Level.choices, blank=True)
    is_major_emergency = models.BooleanField(
        _("涉及重大突发事件"),
        default=False,
        help_text=_("涉及特别重大、重大突发事件：5 小时内发布权威信息，24 小时内举行新闻发布会。"),
    )
    responsible_department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("第一责任单位"),
    )
    assessment_note = models.TextField(_("研判意见"), max_length=MAX_TEXT, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("研判人"),
    )
    assessed_at = models.DateTimeField(_("研判时间"), null=True, blank=True)
    clock_started_at = models.DateTimeField(
        _("计时起点"), null=True, blank=True, help_text=_("本轮首次预警时间；无预警则为研判时间。")
    )
    # Rumor (谣言) and its clarification (辟谣).
    clarification = models.ForeignKey(
        "publishing.RumorClarificationPage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("辟谣信息"),
    )
    clarification_linked_at = models.DateTimeField(_("关联辟谣时间"), null=True, blank=True)
    # Closing and reopening.
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    close_reason = models.CharField(_("关闭说明"), max_length=500, blank=True)
    reopened_at = models.DateTimeField(_("重新打开时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("舆情处置")
        verbose_name_plural = _("舆情处置")
        ordering = ["-updated_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.event} ({self.get_status_display()})"

    @property
    def is_assessed(self) -> bool:
        return self.assessed_at is not None and bool(self.level)


class ClockKind(models.TextChoices):
    # 国办发〔2016〕80号: major emergencies, authoritative information within 5 hours.
    AUTHORITATIVE_INFO = "info", _("发布权威信息")
    # 国办发〔2016〕61号/80号: major emergencies, a press conference within 24 hours.
    PRESS_CONFERENCE = "press_conference", _("举行新闻发布会")
    # 国办发〔2016〕61号: other government-related opinion, a response within 48 hours.
    RESPONSE = "response", _("回应")


class ResponseKind(models.TextChoices):
    # 发布权威信息: a statement, a notice (通报) on the website or the official accounts.
    STATEMENT = "statement", _("发布声明（通报）")
    # 召开新闻发布会或吹风会.
    PRESS_CONFERENCE = "press_conference", _("新闻发布会（吹风会）")
    # 接受媒体采访.
    INTERVIEW = "interview", _("接受媒体采访")
    # A published document (press release, clarification, notice) on the portal.
    DOCUMENT = "document", _("发布文件")


#: Hours from the clock's start to its deadline (calendar hours).
CLOCK_HOURS: dict[str, int] = {
    ClockKind.AUTHORITATIVE_INFO: 5,
    ClockKind.PRESS_CONFERENCE: 24,
    ClockKind.RESPONSE: 48,
}
#: The due-soon notice goes out this many hours before the deadline.
DUE_SOON_HOURS: dict[str, int] = {
    ClockKind.AUTHORITATIVE_INFO: 1,
    ClockKind.PRESS_CONFERENCE: 4,
    ClockKind.RESPONSE: 8,
}
#: The response kinds that stop each clock.
MEETS: dict[str, frozenset[str]] = {
    ClockKind.AUTHORITATIVE_INFO: frozenset(ResponseKind.values),
    ClockKind.PRESS_CONFERENCE: frozenset({ResponseKind.PRESS_CONFERENCE}),
    ClockKind.RESPONSE: frozenset(ResponseKind.values),
}


def clock_kinds_for(*, is_major_emergency: bool) -> tuple[str, ...]:
    """The clocks an assessment starts: 5 h + 24 h for major emergencies, 48 h otherwise."""
    if is_major_emergency:
        return (ClockKind.AUTHORITATIVE_INFO, ClockKind.PRESS_CONFERENCE)
    return (ClockKind.RESPONSE,)


class ResponseClock(models.Model):
    """One deadline of a case's round; stopped by the first response of a kind that meets it."""

    case = models.ForeignKey(
        EventCase, on_delete=models.CASCADE, related_name="clocks", verbose_name=_("处置")
    )
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    kind = models.CharField(_("时限类型"), max_length=20, choices=ClockKind.choices)
    started_at = models.DateTimeField(_("起算时间"))
    due_at = models.DateTimeField(_("期限"))
    met_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    met_by = models.ForeignKey(
        "Response",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("完成的回应"),
    )
    cancelled_at = models.DateTimeField(
        _("取消时间"), null=True, blank=True, help_text=_("改判为不需要此时限，或事件无需回应而关闭。")
    )
    due_soon_notified_at = models.DateTimeField(_("临期提醒时间"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(_("超期提醒时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("回应时限")
        verbose_name_plural = _("回应时限")
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "round", "kind"], name="opinion_response_clock_unique")
        ]
        indexes = [
            # The sweep: running clocks by deadline.
            models.Index(
                fields=["due_at"],
                name="opinion_resp_clock_running",
                condition=Q(met_at__isnull=True, cancelled_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def hours(self) -> int:
        return CLOCK_HOURS[self.kind]

    @property
    def due_soon_at(self) -> datetime.datetime:
        return self.due_at - datetime.timedelta(hours=DUE_SOON_HOURS[self.kind])

    @property
    def met_on_time(self) -> bool | None:
        return None if self.met_at is None else self.met_at <= self.due_at


class ForwardingStatus(models.TextChoices):
    # Sent to the department; not signed for yet.
    SENT = "sent", _("已转办")
    # The department signed for it.
    ACCEPTED = "accepted", _("已签收")
    # The department answered.
    ANSWERED = "answered", _("已答复")
    # The deadline passed without an answer (set by the sweep; the department may still answer).
    OVERDUE = "overdue", _("已超期")
    # Taken back (the case was closed, or sent to the wrong department).
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_FORWARDING_STATUSES = (ForwardingStatus.SENT, ForwardingStatus.ACCEPTED, ForwardingStatus.OVERDUE)


class Forwarding(models.Model):
    """A request to a department (转办) to verify and answer: a tracked task with a deadline.

    A hotline work order about the same matter can be linked by its tracking number
    (``work_order``); the hotline's own channels are a fixed list, so the work order itself is
    not created from here.
    """

    case = models.ForeignKey(
        EventCase, on_delete=models.CASCADE, related_name="forwardings", verbose_name=_("处置")
    )
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("承办单位")
    )
    instructions = models.TextField(_("转办要求"), max_length=MAX_TEXT)
    deadline = models.DateTimeField(_("答复期限"))
    status = models.CharField(
        _("状态"), max_length=10, choices=ForwardingStatus.choices, default=ForwardingStatus.SENT
    )
    work_order = models.ForeignKey(
        "hotline.WorkOrder",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("关联工单"),
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("转办人"),
    )
    sent_at = models.DateTimeField(_("转办时间"), default=timezone.now)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("签收人"),
    )
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    answer = models.TextField(_("答复内容"), max_length=MAX_TEXT, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("答复人"),
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    due_soon_notified_at = models.DateTimeField(_("临期提醒时间"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(_("超期提醒时间"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("撤回原因"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("舆情转办")
        verbose_name_plural = _("舆情转办")
        ordering = ["-sent_at", "-pk"]
        indexes = [
            models.Index(fields=["department", "status", "-sent_at"], name="opinion_resp_fwd_dept"),
            models.Index(
                fields=["deadline"],
                name="opinion_resp_fwd_open",
                condition=Q(status__in=["sent", "accepted"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.get_status_display()}"

    @property
    def answered_late(self) -> bool:
        return self.answered_at is not None and self.answered_at > self.deadline


class Response(models.Model):
    """A public response (回应) to the event: who spoke, how, when, and where it can be read."""

    case = models.ForeignKey(
        EventCase, on_delete=models.CASCADE, related_name="responses", verbose_name=_("处置")
    )
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    kind = models.CharField(_("回应方式"), max_length=20, choices=ResponseKind.choices)
    at = models.DateTimeField(_("回应时间"))
    summary = models.TextField(_("回应内容"), max_length=MAX_TEXT)
    url = models.URLField(_("链接"), max_length=1000, blank=True)
    page = models.ForeignKey(
        "wagtailcore.Page",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发布的文件"),
    )
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("回应单位"),
    )
    spokesperson = models.CharField(_("发布人"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("舆情回应")
        verbose_name_plural = _("舆情回应")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"
