"""Opinion reports (舆情报告): daily, weekly and per-event, drafted from a statistics snapshot.

A :class:`Report` is generated with the statistics of its period (``selectors.statistics``) frozen
as JSON in ``statistics``: the numbers of a report never change afterwards, whatever the pipeline
does to the posts later. While it is a draft an analyst edits the title, the summary and a comment
per section (and may take a fresh snapshot); once released (签发) nothing changes any more.

The periodic job makes one daily report per day and one weekly report per week
(``scheduled=True``; a partial unique constraint keeps it to one even if two workers race).

Write only through ``gongkai.opinion.reports.services``; read through ``selectors``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_TITLE = 200
MAX_SUMMARY = 20_000
MAX_COMMENT = 5_000


class ReportKind(models.TextChoices):
    # The previous day (00:00–24:00 Asia/Shanghai), generated every morning.
    DAILY = "daily", _("日报")
    # The previous week (Monday to Sunday), generated on Monday morning.
    WEEKLY = "weekly", _("周报")
    # One event, from its first post to the time of generation; made on demand.
    EVENT = "event", _("事件专报")


class ReportStatus(models.TextChoices):
    # Generated; analysts may edit the text and refresh the numbers.
    DRAFT = "draft", _("草稿")
    # Released (签发) to the leaders: frozen, numbers and text alike.
    RELEASED = "released", _("已签发")


class Section(models.TextChoices):
    """The report's sections, in order; each has an analyst's comment (分析意见)."""

    OVERVIEW = "overview", _("总体态势")
    VOLUME = "volume", _("声量走势")
    SENTIMENT = "sentiment", _("情感分布")
    EVENTS = "events", _("热点事件")
    SOURCES = "sources", _("来源分布")
    DISTRICTS = "districts", _("地域分布")
    TOPICS = "topics", _("专题监测")


class Report(models.Model):
    kind = models.CharField(_("类型"), max_length=10, choices=ReportKind.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    title = models.CharField(_("标题"), max_length=MAX_TITLE)
    period_start = models.DateTimeField(_("统计起始"))
    period_end = models.DateTimeField(_("统计截止"), help_text=_("不含此时刻。"))
    event = models.ForeignKey(
        "opinion.Event",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("事件"),
    )
    topic = models.ForeignKey(
        "opinion.Topic",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("专题"),
    )
    district = models.CharField(_("区县代码"), max_length=50, blank=True)
    scheduled = models.BooleanField(_("定时生成"), default=False, editable=False)
    statistics = models.JSONField(_("统计数据"), default=dict, editable=False)
    generated_at = models.DateTimeField(_("数据生成时间"), default=timezone.now, editable=False)
    summary = models.TextField(_("摘要"), blank=True)
    comments = models.JSONField(_("分析意见"), default=dict, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("创建人"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("最后编辑人"),
    )
    released_at = models.DateTimeField(_("签发时间"), null=True, blank=True, editable=False)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("签发人"),
    )
    released_digest = models.CharField(
        _("签发摘要值"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("签发时标题、正文和统计数据的 SHA-256，用于核对报告未被改动。"),
    )

    class Meta:
        verbose_name = _("舆情报告")
        verbose_name_plural = _("舆情报告")
        ordering = ["-period_start", "-pk"]
        constraints = [
            # The periodic job makes exactly one daily and one weekly report per period.
            models.UniqueConstraint(
                fields=["kind", "period_start"],
                condition=models.Q(scheduled=True),
                name="opinion_reports_one_scheduled_per_period",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gt=models.F("period_start")),
                name="opinion_reports_period_not_empty",
            ),
        ]
        indexes = [models.Index(fields=["kind", "-period_start"], name="opinion_reports_kind_period")]
        permissions = [("release_report", _("可以签发舆情报告"))]

    def __str__(self) -> str:
        return self.title

    @property
    def is_released(self) -> bool:
        return self.status == ReportStatus.RELEASED
