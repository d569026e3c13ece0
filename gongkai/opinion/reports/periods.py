"""Report periods in the city's time (Asia/Shanghai) and the time buckets of their charts.

Periods are half-open ``[start, end)`` and aware; the database holds UTC. A period of up to two
days is charted by the hour, a longer one by the day.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

HOUR = "hour"
DAY = "day"
HOURLY_UP_TO = datetime.timedelta(days=2)
#: The longest period the statistics accept (a year and a day: a leap year's report fits).
MAX_PERIOD = datetime.timedelta(days=367)


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=local_tz())


def day_period(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The local calendar day ``day``."""
    return local_midnight(day), local_midnight(day + datetime.timedelta(days=1))


def week_period(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The local week (Monday 00:00 to the next Monday 00:00) that contains ``day``."""
    monday = day - datetime.timedelta(days=day.weekday())
    return local_midnight(monday), local_midnight(monday + datetime.timedelta(days=7))


def previous_day(now: datetime.datetime | None = None) -> datetime.date:
    now = now or timezone.now()
    return now.astimezone(local_tz()).date() - datetime.timedelta(days=1)


def previous_week_monday(now: datetime.datetime | None = None) -> datetime.date:
    today = (now or timezone.now()).astimezone(local_tz()).date()
    return today - datetime.timedelta(days=today.weekday() + 7)


def granularity_for(start: datetime.datetime, end: datetime.datetime) -> str:
    return HOUR if end - start <= HOURLY_UP_TO else DAY


def truncate(moment: datetime.datetime, granularity: str) -> datetime.datetime:
    local = moment.astimezone(local_tz())
    if granularity == HOUR:
        return local.replace(minute=0, second=0, microsecond=0)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def buckets(start: datetime.datetime, end: datetime.datetime, granularity: str) -> list[datetime.datetime]:
    """The local bucket starts covering ``[start, end)``: hours or days, in order."""
    result = []
    moment = truncate(start, granularity)
    tz = local_tz()
    while moment < end:
        result.append(moment)
        if granularity == HOUR:
            moment = (moment.astimezone(datetime.UTC) + datetime.timedelta(hours=1)).astimezone(tz)
        else:
            moment = local_midnight(moment.date() + datetime.timedelta(days=1))
    return result


def bucket_label(moment: datetime.datetime, granularity: str, *, multi_day: bool) -> str:
    """A short axis label: ``08时`` (or ``06-01 08时`` over two days) by the hour, ``06-01`` by the day."""
    local = moment.astimezone(local_tz())
    if granularity == HOUR:
        return local.strftime("%m-%d %H时") if multi_day else local.strftime("%H时")
    return local.strftime("%m-%d")
