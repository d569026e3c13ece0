"""Work-calendar endpoints under /api/v1/calendar/ (read-only; staff session or API token).

An unknown year answers 422 ``calendar_not_available``; a malformed date 422 ``validation_error``.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from gongkai.api.errors import ApiError
from gongkai.core.workcalendar import selectors
from gongkai.core.workcalendar.models import DayKind

router = Router(tags=["calendar"])


class DayOut(Schema):
    date: datetime.date
    weekday: int = Field(description="1 = 星期一 … 7 = 星期日")
    is_working_day: bool
    kind: str
    kind_label: str
    holiday_name: str
    source: str


class DaysOut(Schema):
    year: int
    month: int | None
    days: list[DayOut]


class DaysQuery(Schema):
    year: int = Field(ge=1900, le=2200)
    month: int | None = Field(default=None, ge=1, le=12)


@router.get("/days", response=DaysOut, summary="某年（某月）的日历 / The days of a year or month")
def days(request, query: Query[DaysQuery]):
    rows = selectors.calendar_day_list(year=query.year, month=query.month)
    return {
        "year": query.year,
        "month": query.month,
        "days": [
            {
                "date": row.date,
                "weekday": row.date.isoweekday(),
                "is_working_day": row.is_working_day,
                "kind": row.kind,
                "kind_label": str(DayKind(row.kind).label),
                "holiday_name": row.holiday_name,
                "source": row.source,
            }
            for row in rows
        ],
    }


class IsWorkingDayOut(Schema):
    date: datetime.date
    is_working_day: bool
    kind: str
    kind_label: str
    holiday_name: str


@router.get("/is-working-day", response=IsWorkingDayOut, summary="是否工作日 / Is it a working day")
def is_working_day(request, date: datetime.date):
    info = selectors.day_info(day=date)
    return {
        "date": info.date,
        "is_working_day": info.is_working_day,
        "kind": info.kind,
        "kind_label": info.kind_label,
        "holiday_name": info.holiday_name,
    }


class AddWorkingDaysOut(Schema):
    start: datetime.date
    days: int
    result: datetime.date


@router.get(
    "/add-working-days",
    response=AddWorkingDaysOut,
    summary="起始日之后第 N 个工作日 / The Nth working day after a date",
    description="起始日不计入：start=2026-09-30, days=1 → 2026-10-08。",
)
def add_working_days(request, start: datetime.date, days: int = Query(..., ge=0, le=3650)):  # noqa: B008
    return {"start": start, "days": days, "result": selectors.add_working_days(start=start, days=days)}


class AddWorkingHoursOut(Schema):
    start: datetime.datetime
    hours: float
    result: datetime.datetime


@router.get(
    "/add-working-hours",
    response=AddWorkingHoursOut,
    summary="起始时刻之后 N 个工作小时 / N office hours after a moment",
    description="按 GONGKAI_OFFICE_HOURS 的办公时段计算，北京时间；不带时区的时刻按北京时间理解。",
)
def add_working_hours(request, start: datetime.datetime, hours: float = Query(..., ge=0, le=10000)):  # noqa: B008
    if timezone.is_naive(start):
        start = start.replace(tzinfo=selectors.CALENDAR_TZ)
    try:
        result = selectors.add_working_hours(start=start, hours=hours)
    except OverflowError:
        raise ApiError(_("时间超出可计算的范围。"), code="validation_error", status=422) from None
    return {"start": start.astimezone(selectors.CALENDAR_TZ), "hours": hours, "result": result}
