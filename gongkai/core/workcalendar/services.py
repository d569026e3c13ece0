"""Writes: import a year, edit a day, and start/pause/resume/extend/restart/stop deadline clocks.

Every change to the calendar bumps the year's ``revision`` and clears this process's cache (at once
and again after commit); other processes notice the new revision within
``GONGKAI_CALENDAR_CACHE_SECONDS``.
"""

from __future__ import annotations

import datetime
import logging

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongkai.api.errors import ApiError, Conflict
from gongkai.core.workcalendar import cache
from gongkai.core.workcalendar.errors import CalendarImportError, CalendarNotAvailable
from gongkai.core.workcalendar.importfile import HolidayNotice
from gongkai.core.workcalendar.models import (
    CalendarDay,
    CalendarYear,
    ClockExtension,
    ClockPause,
    ClockUnit,
    DayKind,
    DaySource,
    DeadlineClock,
)

logger = logging.getLogger(__name__)


def _audit(*, actor, action: str, target, old: dict, new: dict, request=None, note: str = "") -> None:
    """Record an audit event through gongkai.core.audit (in the caller's transaction)."""
    try:
        from gongkai.core.audit.services import audit_record
    except ImportError:  # pragma: no cover - the audit app is part of core; kept for partial checkouts
        logger.warning("audit unavailable: %s %s %s -> %s", action, target, old, new)
        return
    audit_record(actor=actor, action=action, target=target, old=old, new=new, request=request, note=note)


def _calendar_changed() -> None:
    cache.invalidate()
    transaction.on_commit(cache.invalidate)


# --- Calendar -----------------------------------------------------------------------------------


def _kind_for(*, day: datetime.date, is_working_day: bool, holiday_name: str) -> str:
    weekend = day.weekday() >= 5
    if is_working_day:
        return DayKind.MAKEUP_WORKDAY if weekend else DayKind.WORKDAY
    if weekend and not holiday_name:
        return DayKind.WEEKEND
    return DayKind.HOLIDAY


@transaction.atomic
def calendar_day_update(
    *,
    day: datetime.date,
    is_working_day: bool,
    reason: str,
    holiday_name: str = "",
    actor=None,
    request=None,
) -> CalendarDay:
    """Make ``day`` a working or a non-working day, with the reason; audited as ``calendar.day_changed``.

    Rules: the year must be known; ``reason`` is required. The kind follows from the weekday: a
    worked Saturday/Sunday is 调休上班, a non-working weekday is a holiday (named by
    ``holiday_name``, or the reason when empty), a non-working weekend day stays a weekend unless
    named. Permission is the caller's job (``workcalendar.change_calendarday``).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ApiError(_("修改工作日历必须填写原因。"), code="reason_required", status=422)
    try:
        row = CalendarDay.objects.select_for_update().get(date=day)
    except CalendarDay.DoesNotExist:
        raise CalendarNotAvailable(day.year) from None
    holiday_name = (holiday_name or "").strip()[:50]
    if not is_working_day and not holiday_name and day.weekday() < 5:
        holiday_name = reason[:50]
    if is_working_day and day.weekday() >= 5 and not holiday_name:
        holiday_name = row.holiday_name
    old = {
        "is_working_day": row.is_working_day,
        "kind": row.kind,
        "holiday_name": row.holiday_name,
        "note": row.note,
    }
    row.is_working_day = is_working_day
    row.kind = _kind_for(day=day, is_working_day=is_working_day, holiday_name=holiday_name)
    row.holiday_name = "" if row.kind == DayKind.WORKDAY else holiday_name
    row.source = DaySource.EDITED
    row.note = reason[:200]
    row.full_clean()
    row.save()
    CalendarYear.objects.filter(year=day.year).update(revision=F("revision") + 1, updated_at=timezone.now())
    new = {
        "is_working_day": row.is_working_day,
        "kind": row.kind,
        "holiday_name": row.holiday_name,
        "note": row.note,
    }
    _audit(
        actor=actor, action="calendar.day_changed", target=row, old=old, new=new, request=request, note=reason
    )
    _calendar_changed()
    return row


@transaction.atomic
def calendar_year_import(
    *, notice: HolidayNotice, replace: bool = False, actor=None, request=None, note: str = ""
) -> CalendarYear:
    """Write every day of ``notice.year`` and mark the year known; audited as ``calendar.year_imported``.

    Rules: days not named in the notice are working days Monday–Friday and weekends otherwise; a
    year already known is refused unless ``replace`` (which also overwrites manual edits). All or
    nothing: any failure leaves the table as it was.
    """
    year = notice.year
    existing = CalendarYear.objects.select_for_update().filter(year=year).first()
    if existing is not None and not replace:
        raise CalendarImportError([_("%(year)s 年的日历已存在；确需覆盖请使用 --replace。") % {"year": year}])
    holiday_of = {day: item.name for item in notice.holidays for day in item.days()}
    workday_of = {item.date: item.name for item in notice.workdays}
    rows = []
    day = datetime.date(year, 1, 1)
    while day.year == year:
        if day in holiday_of:
            kind, working, name = DayKind.HOLIDAY, False, holiday_of[day]
        elif day in workday_of:
            kind, working, name = DayKind.MAKEUP_WORKDAY, True, workday_of[day]
        elif day.weekday() >= 5:
            kind, working, name = DayKind.WEEKEND, False, ""
        else:
            kind, working, name = DayKind.WORKDAY, True, ""
        rows.append(
            CalendarDay(
                date=day, is_working_day=working, kind=kind, holiday_name=name, source=DaySource.IMPORTED
            )
        )
        day += datetime.timedelta(days=1)
    CalendarDay.objects.filter(date__year=year).delete()
    CalendarDay.objects.bulk_create(rows, batch_size=500)
    if existing is None:
        calendar_year = CalendarYear.objects.create(year=year, source=DaySource.IMPORTED, note=note[:200])
        old: dict = {}
    else:
        old = {"source": existing.source, "revision": existing.revision}
        existing.source = DaySource.IMPORTED
        existing.revision = existing.revision + 1
        existing.note = note[:200]
        existing.save()
        calendar_year = existing
    new = {
        "year": year,
        "holidays": [[item.start, item.end, item.name] for item in notice.holidays],
        "workdays": [[item.date, item.name] for item in notice.workdays],
    }
    _audit(
        actor=actor, action="calendar.year_imported", target=calendar_year, old=old, new=new, request=request
    )
    _calendar_changed()
    return calendar_year


# --- Deadline clocks ----------------------------------------------------------------------------


class ClockStateError(Conflict):
    code = "clock_state"


def _now(at: datetime.datetime | None) -> datetime.datetime:
    moment = at or timezone.now()
    if timezone.is_naive(moment):
        raise ValueError("clock times must be aware datetimes")
    return moment


def _locked(clock: DeadlineClock) -> DeadlineClock:
    """Lock the clock's row and reload the caller's instance, which the service then updates.

    The lock makes two concurrent pauses impossible (the second sees the first's open pause);
    reloading the same instance keeps the caller's object in step with the database.
    """
    DeadlineClock.objects.select_for_update().filter(pk=clock.pk).values_list("pk", flat=True).get()
    clock.refresh_from_db()
    getattr(clock, "_prefetched_objects_cache", {}).clear()
    return clock


def _open_pause(clock: DeadlineClock) -> ClockPause | None:
    return clock.pauses.filter(resumed_at__isnull=True).first()


@transaction.atomic
def clock_start(
    *,
    owner: models.Model,
    purpose: str,
    unit: str,
    budget: int,
    started_at: datetime.datetime | None = None,
) -> DeadlineClock:
    """Start a clock of ``budget`` working days or working hours on ``owner`` (one per ``purpose``).

    Rules: ``budget`` ≥ 1; ``started_at`` defaults to now. Starting a second clock with the same
    owner and purpose is refused (``clock_state``); use ``clock_restart`` instead.
    """
    if unit not in ClockUnit.values:
        raise ValueError(f"unknown clock unit {unit!r}")
    if budget < 1:
        raise ValueError("budget must be at least 1")
    owner_type = ContentType.objects.get_for_model(owner)
    if DeadlineClock.objects.filter(owner_type=owner_type, owner_id=owner.pk, purpose=purpose).exists():
        raise ClockStateError(_("该事项的期限时钟已经开始。"))
    return DeadlineClock.objects.create(
        owner_type=owner_type,
        owner_id=owner.pk,
        purpose=purpose,
        unit=unit,
        budget=budget,
        started_at=_now(started_at),
    )


@transaction.atomic
def clock_pause(
    *, clock: DeadlineClock, reason: str, at: datetime.datetime | None = None, actor=None
) -> ClockPause:
    """Pause a running clock (e.g. waiting for the citizen's correction or a third party's opinion).

    Rules: refused when stopped, already paused, before the start or before the last resume.
    """
    at = _now(at)
    locked = _locked(clock)
    if locked.stopped_at is not None:
        raise ClockStateError(_("期限时钟已停止，不能暂停。"))
    if _open_pause(locked) is not None:
        raise ClockStateError(_("期限时钟已处于暂停状态。"))
    last = locked.pauses.filter(resumed_at__isnull=False).order_by("-resumed_at").first()
    if at < locked.started_at or (last is not None and last.resumed_at is not None and at < last.resumed_at):
        raise ClockStateError(_("暂停时间不能早于起算时间或上次恢复时间。"))
    if not (reason or "").strip():
        raise ApiError(_("暂停必须填写原因。"), code="reason_required", status=422)
    return ClockPause.objects.create(clock=locked, paused_at=at, reason=reason.strip()[:200], actor=actor)


@transaction.atomic
def clock_resume(*, clock: DeadlineClock, at: datetime.datetime | None = None) -> ClockPause:
    """Resume a paused clock; the working time since the pause is added to the due date."""
    at = _now(at)
    locked = _locked(clock)
    pause = _open_pause(locked)
    if pause is None:
        raise ClockStateError(_("期限时钟未暂停。"))
    if at < pause.paused_at:
        raise ClockStateError(_("恢复时间不能早于暂停时间。"))
    pause.resumed_at = at
    pause.save(update_fields=["resumed_at"])
    return pause


@transaction.atomic
def clock_extend(
    *, clock: DeadlineClock, amount: int, reason: str, at: datetime.datetime | None = None, actor=None
) -> ClockExtension:
    """Grant ``amount`` more working days or hours (the clock's unit), e.g. an approved 延期."""
    at = _now(at)
    locked = _locked(clock)
    if locked.stopped_at is not None:
        raise ClockStateError(_("期限时钟已停止，不能延期。"))
    if amount < 1:
        raise ValueError("amount must be at least 1")
    if not (reason or "").strip():
        raise ApiError(_("延期必须填写原因。"), code="reason_required", status=422)
    return ClockExtension.objects.create(
        clock=locked, amount=amount, granted_at=at, reason=reason.strip()[:200], actor=actor
    )


@transaction.atomic
def clock_restart(*, clock: DeadlineClock, at: datetime.datetime | None = None) -> DeadlineClock:
    """Count the whole budget again from ``at`` (e.g. from receipt of a corrected application).

    Rules: an open pause is closed at ``at``; pauses and extensions before ``at`` no longer count
    (they stay in history); a stopped clock runs again.
    """
    at = _now(at)
    locked = _locked(clock)
    pause = _open_pause(locked)
    if pause is not None:
        pause.resumed_at = max(at, pause.paused_at)
        pause.save(update_fields=["resumed_at"])
    locked.started_at = at
    locked.stopped_at = None
    locked.restarted_count += 1
    locked.save(update_fields=["started_at", "stopped_at", "restarted_count", "updated_at"])
    return locked


@transaction.atomic
def clock_stop(*, clock: DeadlineClock, at: datetime.datetime | None = None) -> DeadlineClock:
    """Stop the clock when the matter is done; its status is then fixed at ``at``."""
    at = _now(at)
    locked = _locked(clock)
    if locked.stopped_at is not None:
        raise ClockStateError(_("期限时钟已停止。"))
    pause = _open_pause(locked)
    if pause is not None:
        pause.resumed_at = max(at, pause.paused_at)
        pause.save(update_fields=["resumed_at"])
    locked.stopped_at = at
    locked.save(update_fields=["stopped_at", "updated_at"])
    return locked


# --- Missing-year warning -----------------------------------------------------------------------


def _alert_recipients() -> list[str]:
    from django.conf import settings
    from django.contrib.auth import get_user_model

    configured = getattr(settings, "GONGKAI_CALENDAR_ALERT_EMAILS", None)
    if configured:
        return list(configured)
    # Who may fix the calendar is who must hear that it is missing.
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    return sorted(
        {
            user.email
            for user in users
            if user.is_superuser or user.has_perm("workcalendar.change_calendarday")
        }
    )


@transaction.atomic
def calendar_missing_year_notify(*, today: datetime.date) -> str | None:
    """Log the missing-year warning and queue one e-mail a day to the calendar's administrators.

    Returns the warning, or ``None`` when the calendar is complete. The e-mail goes through the
    outbox with the idempotency key ``calendar:missing-year:<year>:<today>``, so the job may run
    every few hours without sending more than one message a day.
    """
    from gongkai.core.workcalendar import selectors

    warning = selectors.missing_next_year_warning(today=today)
    if warning is None:
        return None
    logger.warning("%s", warning)
    recipients = _alert_recipients()
    if recipients:
        from gongkai.core.outbox.services import outbox_enqueue

        missing = today.year if not selectors.is_year_known(year=today.year) else today.year + 1
        outbox_enqueue(
            channel="email",
            recipient=",".join(recipients),
            payload={"subject": _("工作日历提醒：%(year)s 年日历缺失") % {"year": missing}, "body": warning},
            idempotency_key=f"calendar:missing-year:{missing}:{today.isoformat()}",
        )
    return warning
