"""Reads: working days, deadline arithmetic, the known years and the December warning.

Conventions every function follows:

* A date in a year the calendar does not know raises ``CalendarNotAvailable`` (422
  ``calendar_not_available`` in the API). Nothing ever falls back to "Monday to Friday".
* Day counts exclude the starting day (期间开始的日不计算在内): the first day counted is the next
  working day, so ``add_working_days(start=2026-09-30, days=1) == 2026-10-08``.
* Working hours are counted in Asia/Shanghai local time within ``settings.GONGKAI_OFFICE_HOURS`` on
  working days. Datetimes must be aware; results are aware datetimes in Asia/Shanghai.
* The calendar is cached per year in memory (see ``cache.py``): these functions do not query the
  database on every call.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from gongkai.core.workcalendar.cache import calendar_cache
from gongkai.core.workcalendar.errors import CalendarNotAvailable
from gongkai.core.workcalendar.models import CalendarDay, CalendarYear, DayKind
from gongkai.core.workcalendar.officehours import office_hours

#: The city's time zone: office hours and day boundaries are local to Jilin City.
CALENDAR_TZ = ZoneInfo("Asia/Shanghai")

_ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class DayInfo:
    date: datetime.date
    is_working_day: bool
    kind: str
    holiday_name: str

    @property
    def kind_label(self) -> str:
        return str(DayKind(self.kind).label)


# --- Days ---------------------------------------------------------------------------------------


def is_working_day(*, day: datetime.date) -> bool:
    """Say whether ``day`` is a working day (holidays off, 调休 make-up weekends on)."""
    return calendar_cache.year(day.year).is_working(day)


def day_info(*, day: datetime.date) -> DayInfo:
    """Describe ``day``: working or not, its kind and its holiday name (from the cache)."""
    year = calendar_cache.year(day.year)
    index = year.index(day)
    return DayInfo(day, year.working[index], year.kinds[index], year.names[index])


def add_working_days(*, start: datetime.date, days: int) -> datetime.date:
    """Return the date ``days`` working days after ``start``.

    Rules: ``start`` itself is never counted, whether or not it is a working day; the result is
    always a working day when ``days >= 1``; ``days == 0`` returns ``start``. Negative ``days``
    count backwards (the working day ``-days`` working days before ``start``).
    """
    if days == 0:
        return start
    step = _ONE_DAY if days > 0 else -_ONE_DAY
    remaining = abs(days)
    day = start
    year = calendar_cache.year(start.year)
    # Ends: every known year has working days, and an unknown year raises CalendarNotAvailable.
    while True:
        day += step
        if day.year != year.year:
            year = calendar_cache.year(day.year)
        if year.is_working(day):
            remaining -= 1
            if remaining == 0:
                return day


def working_days_between(*, start: datetime.date, end: datetime.date) -> int:
    """Count the working days after ``start`` up to and including ``end``.

    The inverse of ``add_working_days``: ``working_days_between(start=s, end=add_working_days(start=s,
    days=n)) == n``. Returns a negative count when ``end`` is before ``start``, 0 when equal.
    """
    if end < start:
        return -working_days_between(start=end, end=start)
    if end == start:
        return 0
    first = calendar_cache.year(start.year)
    if start.year == end.year:
        return first.working_days_through(end) - first.working_days_through(start)
    count = first.total_working_days - first.working_days_through(start)
    for year in range(start.year + 1, end.year):
        count += calendar_cache.year(year).total_working_days
    return count + calendar_cache.year(end.year).working_days_through(end)


def next_working_day(*, day: datetime.date) -> datetime.date:
    """The first working day after ``day``."""
    return add_working_days(start=day, days=1)


# --- Working hours ------------------------------------------------------------------------------


def _local(value: datetime.datetime, name: str) -> datetime.datetime:
    if timezone.is_naive(value):
        raise ValueError(f"{name} must be an aware datetime")
    return value.astimezone(CALENDAR_TZ)


def _as_timedelta(hours: int | float | Decimal | datetime.timedelta) -> datetime.timedelta:
    if isinstance(hours, datetime.timedelta):
        return hours
    return datetime.timedelta(seconds=round(float(hours) * 3600, 6))


def _office_periods(day: datetime.date) -> list[tuple[datetime.datetime, datetime.datetime]]:
    return [
        (datetime.datetime.combine(day, start, CALENDAR_TZ), datetime.datetime.combine(day, end, CALENDAR_TZ))
        for start, end in office_hours()
    ]


def add_working_hours(
    *, start: datetime.datetime, hours: int | float | Decimal | datetime.timedelta
) -> datetime.datetime:
    """Return the moment ``hours`` office hours after ``start``, in Asia/Shanghai time.

    Rules: only office hours (``GONGKAI_OFFICE_HOURS``) of working days count; a start outside
    office hours begins counting at the next office period; a budget that runs out exactly at
    the end of a period ends there (17:00), not at the next morning; ``hours == 0`` returns
    ``start``. ``start`` must be aware.
    """
    current = _local(start, "start")
    remaining = _as_timedelta(hours)
    if remaining < datetime.timedelta(0):
        raise ValueError("hours must not be negative")
    if not remaining:
        return current
    day = current.date()
    year = calendar_cache.year(day.year)
    # Ends: every known year has office hours, and an unknown year raises CalendarNotAvailable.
    while True:
        if day.year != year.year:
            year = calendar_cache.year(day.year)
        if year.is_working(day):
            for period_start, period_end in _office_periods(day):
                begin = max(current, period_start)
                if begin >= period_end:
                    continue
                available = period_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += _ONE_DAY


def working_hours_between(*, start: datetime.datetime, end: datetime.datetime) -> datetime.timedelta:
    """Office time between two aware datetimes (negative when ``end`` is before ``start``)."""
    begin, finish = _local(start, "start"), _local(end, "end")
    if finish < begin:
        return -working_hours_between(start=end, end=start)
    total = datetime.timedelta(0)
    day = begin.date()
    while day <= finish.date():
        if calendar_cache.year(day.year).is_working(day):
            for period_start, period_end in _office_periods(day):
                overlap = min(finish, period_end) - max(begin, period_start)
                if overlap > datetime.timedelta(0):
                    total += overlap
        day += _ONE_DAY
    return total


def local_date(*, moment: datetime.datetime) -> datetime.date:
    """The Asia/Shanghai calendar date of an aware datetime."""
    return _local(moment, "moment").date()


def end_of_day(*, day: datetime.date) -> datetime.datetime:
    """The last moment of ``day`` in Asia/Shanghai (a working-day deadline runs to the end of its day)."""
    return datetime.datetime.combine(day, datetime.time.max, CALENDAR_TZ)


# --- The table ----------------------------------------------------------------------------------


def known_years() -> list[int]:
    """The years whose every day is in the calendar, ascending."""
    return sorted(calendar_cache.known_revisions())


def is_year_known(*, year: int) -> bool:
    return year in calendar_cache.known_revisions()


def calendar_year_list():
    """The ``CalendarYear`` rows (for status pages), ascending."""
    return CalendarYear.objects.order_by("year")


def calendar_day_list(*, year: int, month: int | None = None):
    """The ``CalendarDay`` rows of a known year (or one month of it), in date order.

    Raises ``CalendarNotAvailable`` for an unknown year. Reads the table (with source and note),
    not the cache: for admin pages and the API listing, not for arithmetic.
    """
    if not CalendarYear.objects.filter(year=year).exists():
        raise CalendarNotAvailable(year)
    days = CalendarDay.objects.filter(date__year=year)
    if month is not None:
        days = days.filter(date__month=month)
    return days.order_by("date")


def missing_next_year_warning(*, today: datetime.date) -> str | None:
    """Return the warning to show when the calendar lacks the year ahead, else ``None``.

    From 1 December, next year must be known (deadlines started in December already run into
    January). The current year missing is reported at any time of year.
    """
    known = calendar_cache.known_revisions()
    if today.year not in known:
        return _(
            "%(year)s 年的工作日历缺失，所有跨入该年的期限都无法计算。请立即根据国务院办公厅的放假通知导入。"
        ) % {"year": today.year}
    if today.month == 12 and today.year + 1 not in known:
        return _(
            "%(year)s 年的工作日历尚未导入。国务院办公厅发布放假通知后，请用“gongkai calendar import”"
            "或在“工作日历”页面录入，否则跨年的期限将无法计算。"
        ) % {"year": today.year + 1}
    return None


# --- Deadline clocks ----------------------------------------------------------------------------


def clock_get(*, owner, purpose: str):
    """The ``DeadlineClock`` of ``owner`` for ``purpose``, or ``None``."""
    from django.contrib.contenttypes.models import ContentType

    from gongkai.core.workcalendar.models import DeadlineClock

    return (
        DeadlineClock.objects.filter(
            owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk, purpose=purpose
        )
        .prefetch_related("pauses", "extensions")
        .first()
    )


def clock_spec(*, clock):
    """The ``ClockSpec`` (pure rule) of a stored clock. Prefetch ``pauses`` and ``extensions`` for lists."""
    from gongkai.core.workcalendar.clocks import ClockSpec, ExtensionGrant, PauseSpan

    return ClockSpec(
        unit=clock.unit,
        budget=clock.budget,
        started_at=clock.started_at,
        stopped_at=clock.stopped_at,
        pauses=tuple(PauseSpan(p.paused_at, p.resumed_at, p.reason) for p in clock.pauses.all()),
        extensions=tuple(ExtensionGrant(e.amount, e.granted_at, e.reason) for e in clock.extensions.all()),
    )


def clock_status(*, clock, now: datetime.datetime | None = None):
    """Evaluate a stored clock at ``now`` (default: the current time): due date, remaining, overdue, rule."""
    return clock_spec(clock=clock).status(now=now or timezone.now())


def edited_day_count() -> int:
    """How many days an administrator changed by hand."""
    from gongkai.core.workcalendar.models import DaySource

    return CalendarDay.objects.filter(source=DaySource.EDITED).count()
