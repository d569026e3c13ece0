"""The in-process cache of the work calendar: one compact object per year.

Deadline arithmetic runs thousands of times per request or job (dashboards, overdue sweeps), so
each process keeps every year it has used in memory and asks the database only:

* when a year is first needed (one query for the year's 365/366 rows);
* at most every ``GONGKAI_CALENDAR_CACHE_SECONDS`` (default 60) to compare each known year's
  ``revision`` with the cached one: an edit made by another process (web node, worker) is seen
  within that delay. The process that makes a change calls ``invalidate()`` and sees it at once.

Comparing revisions for equality (not "greater than") also drops data read inside a transaction
that was later rolled back.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import datetime
import threading
import time
from dataclasses import dataclass

from django.conf import settings

from gongkai.core.workcalendar.errors import CalendarNotAvailable


@dataclass(frozen=True, slots=True)
class YearCalendar:
    """Every day of one year, indexed by day of year (0 = 1 January)."""

    year: int
    revision: int
    working: tuple[bool, ...]
    kinds: tuple[str, ...]
    names: tuple[str, ...]
    # cumulative[i] = number of working days among the first i days of the year.
    cumulative: tuple[int, ...]

    def index(self, day: datetime.date) -> int:
        return day.timetuple().tm_yday - 1

    def is_working(self, day: datetime.date) -> bool:
        return self.working[self.index(day)]

    def working_days_through(self, day: datetime.date) -> int:
        """Working days from 1 January up to and including ``day``."""
        return self.cumulative[self.index(day) + 1]

    @property
    def total_working_days(self) -> int:
        return self.cumulative[-1]


class _CalendarCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._years: dict[int, YearCalendar] = {}
        self._known: dict[int, int] | None = None  # year -> revision
        self._checked_at = 0.0

    def invalidate(self) -> None:
        with self._lock:
            self._years.clear()
            self._known = None

    def _ttl(self) -> float:
        return float(getattr(settings, "GONGKAI_CALENDAR_CACHE_SECONDS", 60))

    def known_revisions(self) -> dict[int, int]:
        now = time.monotonic()
        known = self._known
        if known is None or now - self._checked_at > self._ttl():
            from gongkai.core.workcalendar.models import CalendarYear

            known = dict(CalendarYear.objects.values_list("year", "revision"))
            with self._lock:
                self._known = known
                self._checked_at = now
                for year in [
                    year for year, cached in self._years.items() if known.get(year) != cached.revision
                ]:
                    del self._years[year]
        return known

    def year(self, year: int) -> YearCalendar:
        known = self.known_revisions()
        if year not in known:
            raise CalendarNotAvailable(year)
        cached = self._years.get(year)
        if cached is not None and cached.revision == known[year]:
            return cached
        loaded = self._load(year, known[year])
        with self._lock:
            self._years[year] = loaded
        return loaded

    def _load(self, year: int, revision: int) -> YearCalendar:
        from gongkai.core.workcalendar.models import CalendarDay

        rows = list(
            CalendarDay.objects.filter(
                date__gte=datetime.date(year, 1, 1), date__lte=datetime.date(year, 12, 31)
            )
            .order_by("date")
            .values_list("is_working_day", "kind", "holiday_name")
        )
        if len(rows) != (366 if _stdlib_calendar.isleap(year) else 365):
            # A "known" year with missing days is damaged: refuse rather than guess.
            raise CalendarNotAvailable(year)
        working = tuple(row[0] for row in rows)
        cumulative = [0]
        for is_working in working:
            cumulative.append(cumulative[-1] + (1 if is_working else 0))
        return YearCalendar(
            year=year,
            revision=revision,
            working=working,
            kinds=tuple(row[1] for row in rows),
            names=tuple(row[2] for row in rows),
            cumulative=tuple(cumulative),
        )


calendar_cache = _CalendarCache()


def invalidate() -> None:
    """Forget every cached year in this process (call after any change to the calendar tables)."""
    calendar_cache.invalidate()
