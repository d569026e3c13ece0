"""The report's two states and what may happen in each: a draft is edited, refreshed and released;
a released report is frozen (no transition leaves ``released``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from gongkai.core.workflow import StateGraph, Transition
from gongkai.opinion.reports.models import ReportStatus


def _may_write(actor: Any, report: Any) -> bool:
    from gongkai.opinion.reports.selectors import may_write_reports

    return may_write_reports(actor)


def _may_release(actor: Any, report: Any) -> bool:
    from gongkai.opinion.reports.selectors import may_release_reports

    return may_release_reports(actor)


GRAPH = StateGraph(
    name="opinion_report",
    states=ReportStatus,
    transitions=[
        Transition("edit", source={ReportStatus.DRAFT}, target=None, permission=_may_write, label=_("编辑")),
        Transition(
            "refresh", source={ReportStatus.DRAFT}, target=None, permission=_may_write, label=_("更新数据")
        ),
        Transition(
            "delete", source={ReportStatus.DRAFT}, target=None, permission=_may_write, label=_("删除")
        ),
        Transition(
            "release",
            source={ReportStatus.DRAFT},
            target=ReportStatus.RELEASED,
            permission=_may_release,
            label=_("签发"),
        ),
    ],
)
