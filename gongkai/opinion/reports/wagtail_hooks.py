"""The reports' admin pages, their items in the 舆情监测 menu and the dashboard panel.

The menu group is declared by ``gongkai/opinion/wagtail_hooks.py`` (``MENU_HOOK``, the same string
here so this module does not depend on it); the leader's dashboard (领导驾驶舱) and the report list
show for whoever may read reports (analysts and leaders). The admin's home page gets a small panel
with today's figures and a link to the dashboard.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, SubmenuMenuItem
from wagtail.admin.ui.components import Component

from gongkai.core.admin_menu import ShownMenuItem
from gongkai.opinion.reports import selectors, urls

MENU_HOOK = "register_gongkai_opinion_menu_item"


@hooks.register("register_admin_urls")
def register_report_urls():
    return [path("opinion-reports/", include(urls, namespace="opinion_reports"))]


@hooks.register(MENU_HOOK)
def register_dashboard():
    return ShownMenuItem(
        _("领导驾驶舱"),
        reverse("opinion_reports:dashboard"),
        name="opinion-dashboard",
        icon_name="view",
        shown=selectors.may_read_reports,
        order=5,
    )


@hooks.register(MENU_HOOK)
def register_reports():
    return ShownMenuItem(
        _("舆情报告"),
        reverse("opinion_reports:list"),
        name="opinion-reports",
        icon_name="doc-full-inverse",
        shown=selectors.may_read_reports,
        order=60,
    )


if importlib.util.find_spec("gongkai.opinion.wagtail_hooks") is None:  # pragma: no cover
    # Without the 舆情监测 group (the opinion app's own hooks), the items get a group of their own.

    @hooks.register("register_admin_menu_item")
    def register_own_group():
        return SubmenuMenuItem(
            _("舆情报告"),
            Menu(register_hook_name=MENU_HOOK),
            name="opinion-reports-group",
            icon_name="pick",
            order=311,
        )


class DashboardPanel(Component):
    """Today's opinion figures on the admin's home page, with the way to the dashboard."""

    name = "opinion_dashboard"
    order = 60
    template_name = "opinion_reports/panel.html"

    def get_context_data(self, parent_context: Any) -> dict[str, Any]:
        today = selectors.dashboard_data()["today"]
        totals = today["totals"]
        share = totals.get("negative_share")
        return {
            "posts": totals["posts"],
            "negative_percent": "—" if share is None else f"{share * 100:.1f}%",
            "rumors": totals["rumor_candidates"],
            "top_event": (today.get("events") or [None])[0],
        }


@hooks.register("construct_homepage_panels")
def add_dashboard_panel(request, panels):
    if selectors.may_read_reports(request.user):
        panels.append(DashboardPanel())
