"""Aggregates for the KPI page's charts (orders per day by channel, statuses, top categories).

Plain GROUP BY queries over orders received in the range and led by the unit (with its subtree);
candidates for ``gongkai.hotline.selectors`` once the core engineer wants them there.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from gongkai.accounts.models import Department
from gongkai.core.workcalendar import selectors as calendar
from gongkai.hotline.models import Channel, Status, WorkOrder

TOP_CATEGORIES = 10


def _orders(*, start: datetime.date, end: datetime.date, department: Department | None):
    tz = calendar.CALENDAR_TZ
    since = datetime.datetime.combine(start, datetime.time.min, tz)
    until = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tz)
    queryset = WorkOrder.objects.filter(created_at__gte=since, created_at__lt=until)
    if department is not None:
        queryset = queryset.filter(lead_department__path__startswith=department.path)
    return queryset


def chart_data(*, start: datetime.date, end: datetime.date, department: Department | None) -> dict[str, Any]:
    """JSON-ready series for ECharts; labels are translated here, the JS only draws."""
    orders = _orders(start=start, end=end, department=department)
    days = []
    day = start
    while day <= end:
        days.append(day)
        day += datetime.timedelta(days=1)
    per_day: dict[str, dict[datetime.date, int]] = {}
    rows = (
        orders.annotate(day=TruncDate("created_at", tzinfo=calendar.CALENDAR_TZ))
        .values("day", "channel")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        per_day.setdefault(row["channel"], {})[row["day"]] = row["n"]
    channel_labels = dict(Channel.choices)
    series = [
        {"name": str(channel_labels.get(channel, channel)), "data": [counts.get(d, 0) for d in days]}
        for channel, counts in sorted(per_day.items(), key=lambda item: -sum(item[1].values()))
    ]
    status_labels = dict(Status.choices)
    statuses = [
        {"name": str(status_labels.get(row["status"], row["status"])), "value": row["n"]}
        for row in orders.values("status").annotate(n=Count("pk")).order_by("-n")
    ]
    categories = [
        {"name": row["category__name"] or _("未分类"), "value": row["n"]}
        for row in orders.values("category__name").annotate(n=Count("pk")).order_by("-n")[:TOP_CATEGORIES]
    ]
    return {
        "days": [d.isoformat() for d in days],
        "per_day": series,
        "statuses": statuses,
        "categories": categories,
        "titles": {
            "per_day": _("每日受理量（按渠道）"),
            "statuses": _("状态分布"),
            "categories": _("诉求最多的分类"),
        },
        "empty": _("所选范围内没有工单。"),
    }
