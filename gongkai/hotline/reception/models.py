"""局长接待日: department heads' reception sessions and the citizens' bookings.

A ``ReceptionSession`` is one scheduled reception (a department head receives citizens on a date,
at a place, with a number of slots); a ``ReceptionBooking`` is one citizen's place in it, booked
online or registered at the door (walk-in). Each visit becomes a hotline work order (channel
``reception_day``) linked from the booking. Write only through ``reception.services``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class SessionStatus(models.TextChoices):
    # Announced; booking has not opened yet (or the office opens it by hand).
    PLANNED = "planned", _("计划中")
    # Open for booking between ``booking_opens_at`` and ``booking_closes_at``.
    OPEN = "open", _("开放预约")
    # No more bookings (full, past, or closed by staff); the reception itself may still take place.
    CLOSED = "closed", _("已截止")
    # Called off; the citizens who booked are told by SMS.
    CANCELLED = "cancelled", _("已取消")


class BookingStatus(models.TextChoices):
    # Holds a slot; the citizen is expected.
    BOOKED = "booked", _("已预约")
    # Cancelled by the citizen or by staff; the slot is free again.
    CANCELLED = "cancelled", _("已取消")
    # The citizen came and was received; the matter is a work order.
    ATTENDED = "attended", _("已接待")
    # The citizen did not come.
    NO_SHOW = "no_show", _("未到场")


#: Statuses that hold one of the session's slots.
HOLDING_STATUSES = (BookingStatus.BOOKED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW)


class BookingSource(models.TextChoices):
    ONLINE = "online", _("网上预约")
    WALK_IN = "walk_in", _("现场登记")
    PHONE = "phone", _("电话预约")


class ReceptionSession(models.Model):
    """One 局长接待日 of one department: who receives, when, where, on what, with how many slots."""

    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("接待单位")
    )
    official_name = models.CharField(_("接待领导姓名"), max_length=50)
    official_title = models.CharField(_("接待领导职务"), max_length=100)
    date = models.DateField(_("接待日期"), db_index=True)
    start_time = models.TimeField(_("开始时间"))
    end_time = models.TimeField(_("结束时间"))
    place = models.CharField(_("接待地点"), max_length=200)
    topic = models.TextField(
        _("接待范围"), help_text=_("本次接待受理的事项范围，例如：供热、物业、老旧小区改造。")
    )
    slots = models.PositiveSmallIntegerField(
        _("预约名额"), validators=[MinValueValidator(1), MaxValueValidator(500)], default=20
    )
    slot_minutes = models.PositiveSmallIntegerField(
        _("每个时段（分钟）"), validators=[MinValueValidator(10), MaxValueValidator(240)], default=30
    )
    booking_opens_at = models.DateTimeField(_("预约开始时间"))
    booking_closes_at = models.DateTimeField(_("预约截止时间"))
    status = models.CharField(
        _("状态"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )
    # Denormalised count of bookings holding a slot, kept by the services under the row lock; the
    # check constraint below makes overbooking impossible even for a write path that forgets the lock.
    booked_count = models.PositiveSmallIntegerField(_("已预约人数"), default=0, editable=False)
    note = models.TextField(_("备注"), blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("局长接待日")
        verbose_name_plural = _("局长接待日")
        ordering = ["date", "start_time", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(booked_count__lte=F("slots")), name="reception_not_overbooked"
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="reception_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(booking_closes_at__gt=F("booking_opens_at")), name="reception_booking_window"
            ),
        ]
        indexes = [models.Index(fields=["status", "date"], name="reception_session_list")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.department} {self.official_name}"

    @property
    def free_slots(self) -> int:
        return max(0, self.slots - self.booked_count)


class ReceptionBooking(models.Model):
    """One citizen's place in a session (online booking or walk-in) and, once received, its work order."""

    session = models.ForeignKey(
        ReceptionSession, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("接待日")
    )
    code = models.CharField(_("预约码"), max_length=12, unique=True)
    source = models.CharField(
        _("来源"), max_length=10, choices=BookingSource.choices, default=BookingSource.ONLINE
    )
    citizen_name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=20, db_index=True)
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True)
    matter = models.TextField(_("反映事项"))
    preferred_time = models.CharField(_("希望时段"), max_length=20, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.BOOKED
    )
    work_order = models.OneToOneField(
        "hotline.WorkOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reception_booking",
        verbose_name=_("工单"),
    )
    reception_notes = models.TextField(_("接待记录"), blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("预约时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    attended_at = models.DateTimeField(_("接待时间"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )

    class Meta:
        verbose_name = _("接待预约")
        verbose_name_plural = _("接待预约")
        ordering = ["session", "created_at", "pk"]
        constraints = [
            # One slot per phone number per session (a cancelled booking does not count).
            models.UniqueConstraint(
                fields=["session", "phone"],
                condition=Q(status__in=["booked", "attended", "no_show"]),
                name="reception_one_booking_per_phone",
            ),
        ]
        indexes = [models.Index(fields=["phone", "status"], name="reception_booking_phone")]

    def __str__(self) -> str:
        return f"{self.code} ({self.get_status_display()})"

    @property
    def holds_slot(self) -> bool:
        return self.status in HOLDING_STATUSES
