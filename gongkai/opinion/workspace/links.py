"""Links to the screens of the other opinion sub-apps (assessment, forwarding, reports, alerts).

Those sub-apps are optional for the workspace: whether their package is installed is checked once,
at import time, and each URL is reversed when a page is drawn; a name that does not resolve gives
no link, never an error. The candidate names are the ones the sub-apps declare (see their urls).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


RESPONSE = _installed("gongkai.opinion.response")
REPORTS = _installed("gongkai.opinion.reports")


def _app_installed(name: str) -> bool:
    from django.apps import apps

    return apps.is_installed(name)


#: The response sub-app (alerts, cases) is installed as a Django app: its models can be read.
RESPONSE_APP = RESPONSE and _app_installed("gongkai.opinion.response")


@dataclass(frozen=True)
class Link:
    label: Any
    names: tuple[str, ...]  # URL names tried in order; the first that resolves with the arguments wins
    installed: bool
    icon: str = "arrow-right"
    primary: bool = False


EVENT_ACTIONS: tuple[Link, ...] = (
    Link(
        _("研判"),
        ("opinion_response:assess", "opinion_response:event_assess", "opinion_response:event"),
        RESPONSE,
        "tasks",
        True,
    ),
    Link(_("转办"), ("opinion_response:forward", "opinion_response:event_forward"), RESPONSE, "redirect"),
    Link(_("回应登记"), ("opinion_response:respond", "opinion_response:event_respond"), RESPONSE, "doc-full"),
    Link(
        _("事件报告"), ("opinion_reports:event", "opinion_reports:event_report"), REPORTS, "doc-full-inverse"
    ),
)

REPORT_LIST = Link(
    _("舆情报告"),
    ("opinion_reports:list", "opinion_reports:index", "opinion_reports:reports"),
    REPORTS,
    "doc-full-inverse",
)


def resolve(link: Link, *args: Any) -> str | None:
    """The link's URL, or None when its sub-app or view is not there."""
    if not link.installed:
        return None
    for name in link.names:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return None


def event_actions(event_pk: int) -> list[dict[str, Any]]:
    """The assessment, forwarding, response and report links of an event that exist."""
    result = []
    for link in EVENT_ACTIONS:
        url = resolve(link, event_pk)
        if url:
            result.append({"label": link.label, "url": url, "icon": link.icon, "primary": link.primary})
    return result


def open_alert_count() -> int | None:
    """Alerts nobody acknowledged yet (the inbox's partial index), or None without the response app."""
    if not RESPONSE_APP:
        return None
    from gongkai.opinion.response.models import Alert

    return Alert.objects.filter(acknowledged_at__isnull=True).count()


CLOCK_STATES = {
    "met": _("按时完成"),
    "met_late": _("超时完成"),
    "cancelled": _("已取消"),
    "overdue": _("已超期"),
    "due_soon": _("即将到期"),
    "running": _("计时中"),
}


def event_case(event: Any) -> dict[str, Any] | None:
    """The event's response case as the event page shows it (read-only): status, level, responsible
    department, this round's clocks with their state, forwardings and responses. None without the
    response app or before anyone worked on the event."""
    if not RESPONSE_APP:
        return None
    from django.utils import timezone

    from gongkai.opinion.response import selectors as response_selectors
    from gongkai.opinion.response.models import EventCase

    case = (
        EventCase.objects.select_related("responsible_department", "assessed_by").filter(event=event).first()
    )
    if case is None:
        return None
    now = timezone.now()
    clocks = []
    for clock in response_selectors.case_clocks(case):
        state = response_selectors.clock_state(clock, now)
        clocks.append({"clock": clock, "state": state, "state_label": CLOCK_STATES.get(state, state)})
    return {
        "case": case,
        "clocks": clocks,
        "forwardings": list(case.forwardings.select_related("department").order_by("sent_at", "pk")),
        "responses": list(case.responses.filter(round=case.round).order_by("at", "pk")),
    }
