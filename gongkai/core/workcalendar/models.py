"""The work calendar (one row per day of every known year) and pausable deadline clocks."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    # An ordinary Monday–Friday working day.
    WORKDAY = "workday", _("工作日")
    # Saturday or Sunday with no special arrangement: no work.
    WEEKEND = "weekend", _("休息日")
    # A statutory holiday or a day of its 调休 bridge (any weekday or weekend day inside the range).
    HOLIDAY = "holiday", _("节假日")
    # A Saturday or Sunday worked in exchange for a bridge day (调休上班).
    MAKEUP_WORKDAY = "makeup_workday", _("调休上班")


class DaySource(models.TextChoices):
    # Written by the seed migration from the chinese-calendar package.
    SEEDED = "seeded", _("内置数据")
    # Written by `gongkai calendar import` from the State Council notice.
    IMPORTED = "imported", _("导入")
    # Changed by an administrator in the admin.
    EDITED = "edited", _("人工修改")


class CalendarDay(models.Model):
    """One day of a known year: working or not, and why.

    Every day of a known year has a row, so a missing row means "calendar not available", never
    "working day". Read through ``selectors`` (cached per year), write through ``services``.
    """

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("是否工作日"))
    kind = models.CharField(_("类型"), max_length=20, choices=DayKind.choices)
    holiday_name = models.CharField(_("节日名称"), max_length=50, blank=True)
    source = models.CharField(_("来源"), max_length=20, choices=DaySource.choices, default=DaySource.SEEDED)
    note = models.CharField(_("备注"), max_length=200, blank=True, help_text=_("人工修改的原因。"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("日历日")
        verbose_name_plural = _("日历日")
        constraints = [
            models.CheckConstraint(
                name="workcalendar_day_kind_matches_working",
                condition=(
                    models.Q(is_working_day=True, kind__in=["workday", "makeup_workday"])
                    | models.Q(is_working_day=False, kind__in=["weekend", "holiday"])
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()}"


class CalendarYear(models.Model):
    """A year whose every day is in ``CalendarDay``: the calendar "knows" it.

    ``revision`` grows with every change to the year's days; the in-process cache compares it to
    notice edits made by other processes.
    """

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("来源"), max_length=20, choices=DaySource.choices, default=DaySource.SEEDED)
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("已知年份")
        verbose_name_plural = _("已知年份")

    def __str__(self) -> str:
        return str(self.year)


class ClockUnit(models.TextChoices):
    # Budget counted in working days; the day the clock starts is not counted.
    WORKING_DAYS = "working_days", _("工作日")
    # Budget counted in office hours (settings.GONGKAI_OFFICE_HOURS) on working days.
    WORKING_HOURS = "working_hours", _("工作小时")


class DeadlineClock(models.Model):
    """A statutory or service-level clock attached to any object (a work order, an application…).

    Due = start + budget + extensions + working time lost while paused. Create and change clocks
    only through ``services.clock_*``; read their state with ``selectors.clock_status``.
    """

    owner_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, verbose_name=_("所属对象类型"))
    owner_id = models.PositiveBigIntegerField(_("所属对象编号"))
    owner = GenericForeignKey("owner_type", "owner_id")
    purpose = models.CharField(
        _("用途"), max_length=50, help_text=_("同一对象上区分多个时钟，如 reply（答复）、sign_for（签收）。")
    )
    unit = models.CharField(_("计时单位"), max_length=20, choices=ClockUnit.choices)
    budget = models.PositiveIntegerField(_("时限"))
    started_at = models.DateTimeField(_("起算时间"))
    stopped_at = models.DateTimeField(_("停止时间"), null=True, blank=True)
    restarted_count = models.PositiveSmallIntegerField(_("重新起算次数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("期限时钟")
        verbose_name_plural = _("期限时钟")
        constraints = [
            models.UniqueConstraint(
                fields=["owner_type", "owner_id", "purpose"], name="workcalendar_clock_one_per_purpose"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner_type_id}:{self.owner_id}:{self.purpose}"


class ClockPause(models.Model):
    """A period during which a clock did not run (waiting for the citizen, a third party…)."""

    clock = models.ForeignKey(DeadlineClock, on_delete=models.CASCADE, related_name="pauses")
    paused_at = models.DateTimeField(_("暂停时间"))
    resumed_at = models.DateTimeField(_("恢复时间"), null=True, blank=True)
    reason = models.CharField(_("暂停原因"), max_length=200)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["paused_at", "pk"]
        verbose_name = _("时钟暂停")
        verbose_name_plural = _("时钟暂停")
        constraints = [
            models.UniqueConstraint(
                fields=["clock"],
                condition=models.Q(resumed_at__isnull=True),
                name="workcalendar_one_open_pause",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.paused_at:%Y-%m-%d %H:%M} – {self.resumed_at or '…'}: {self.reason}"


class ClockExtension(models.Model):
    """Extra time granted to a clock (延期), in the clock's unit."""

    clock = models.ForeignKey(DeadlineClock, on_delete=models.CASCADE, related_name="extensions")
    amount = models.PositiveIntegerField(_("延长"))
    granted_at = models.DateTimeField(_("批准时间"))
    reason = models.CharField(_("延期原因"), max_length=200)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["granted_at", "pk"]
        verbose_name = _("时钟延期")
        verbose_name_plural = _("时钟延期")

    def __str__(self) -> str:
        return f"+{self.amount} ({self.reason})"
