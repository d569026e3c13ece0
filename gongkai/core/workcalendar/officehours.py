"""Office hours: the periods of a working day during which working-hour clocks run."""

from __future__ import annotations

import datetime
import re
from functools import lru_cache

from django.conf import settings
from django.utils.translation import gettext as _

from gongkai.core.workcalendar.errors import OfficeHoursMisconfigured

_PERIOD = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

Period = tuple[datetime.time, datetime.time]


@lru_cache(maxsize=8)
def parse_office_hours(text: str) -> tuple[Period, ...]:
    """Parse ``"08:30-12:00,13:00-17:00"`` into ordered ``(start, end)`` periods.

    Rules: at least one period; each ``HH:MM-HH:MM`` with start before end, inside one day;
    periods in ascending order and not overlapping. Raises ``OfficeHoursMisconfigured`` otherwise.
    """
    periods: list[Period] = []
    for chunk in (text or "").split(","):
        match = _PERIOD.match(chunk)
        if not match:
            raise OfficeHoursMisconfigured(
                _("配置项 GONGKAI_OFFICE_HOURS 格式不正确：“%(value)s”。应写成 08:30-12:00,13:00-17:00。")
                % {"value": text}
            )
        start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
        try:
            start, end = datetime.time(start_h, start_m), datetime.time(end_h, end_m)
        except ValueError:
            raise OfficeHoursMisconfigured(
                _("配置项 GONGKAI_OFFICE_HOURS 含有无效的时间：“%(value)s”。") % {"value": chunk.strip()}
            ) from None
        if start >= end:
            raise OfficeHoursMisconfigured(
                _("配置项 GONGKAI_OFFICE_HOURS 的时段“%(value)s”结束时间须晚于开始时间。")
                % {"value": chunk.strip()}
            )
        if periods and start < periods[-1][1]:
            raise OfficeHoursMisconfigured(
                _("配置项 GONGKAI_OFFICE_HOURS 的时段须按时间先后排列且互不重叠：“%(value)s”。")
                % {"value": text}
            )
        periods.append((start, end))
    return tuple(periods)


def office_hours() -> tuple[Period, ...]:
    """The configured office periods (``settings.GONGKAI_OFFICE_HOURS``)."""
    return parse_office_hours(getattr(settings, "GONGKAI_OFFICE_HOURS", "08:30-12:00,13:00-17:00"))
