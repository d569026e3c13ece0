"""The KPI page's chart data: the series come from ``selectors.kpi_chart_series``; this adds the
chart titles for ECharts (the JS only draws)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext as _

from gongkai.accounts.models import Department
from gongkai.hotline import selectors


def chart_data(*, start: datetime.date, end: datetime.date, department: Department | None) -> dict[str, Any]:
    """JSON-ready series for ECharts; labels are translated here, the JS only draws."""
    return {
        **selectors.kpi_chart_series(department=department, start=start, end=end),
        "titles": {
            "per_day": _("每日受理量（按渠道）"),
            "statuses": _("状态分布"),
            "categories": _("诉求最多的分类"),
        },
        "empty": _("所选范围内没有工单。"),
    }
