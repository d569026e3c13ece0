"""Wagtail hooks of the workspace: its admin URLs and its items in the 依申请公开 menu.

Imported from ``gongkai/disclosure/wagtail_hooks.py`` (Wagtail only auto-imports that module), which
declares the menu group. Other disclosure modules (the annual report) add their items with
``@hooks.register(MENU_HOOK)`` and an ``order`` after these (10 工作台, 20 申请列表, 30 登记申请,
40 复议诉讼; 50+ is free).
"""

from __future__ import annotations

from typing import Any

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.components import Component

from gongkai.core.admin_menu import ShownMenuItem
from gongkai.disclosure.workspace import access, urls

MENU_HOOK = "register_gongkai_disclosure_menu_item"
"""The 依申请公开 menu group declared in ``gongkai/disclosure/wagtail_hooks.py`` (same string)."""


@hooks.register("register_admin_urls")
def register_workspace_urls():
    return [path("disclosure/", include(urls, namespace="disclosure_workspace"))]


@hooks.register(MENU_HOOK)
def register_dashboard():
    return ShownMenuItem(
        _("工作台"),
        reverse("disclosure_workspace:dashboard"),
        name="disclosure-dashboard",
        icon_name="time",
        order=10,
        shown=access.is_workspace_user,
    )


@hooks.register(MENU_HOOK)
def register_list():
    return ShownMenuItem(
        _("申请列表"),
        reverse("disclosure_workspace:list"),
        name="disclosure-applications",
        icon_name="list-ul",
        order=20,
        shown=access.is_workspace_user,
    )


@hooks.register(MENU_HOOK)
def register_intake():
    return ShownMenuItem(
        _("登记申请"),
        reverse("disclosure_workspace:register"),
        name="disclosure-register",
        icon_name="plus",
        order=30,
        shown=access.may_register,
    )


@hooks.register(MENU_HOOK)
def register_cases():
    return ShownMenuItem(
        _("复议诉讼"),
        reverse("disclosure_workspace:cases"),
        name="disclosure-cases",
        icon_name="folder-open-inverse",
        order=40,
        shown=access.may_see_cases,
    )


#: The buckets the admin's home page shows (the dashboard has them all).
PANEL_BUCKETS = ("overdue", "due_soon", "extension_pending", "waiting_applicant")


class ClocksPanel(Component):
    """The admin home page: the most pressing counters of the clock board, linking to the lists."""

    name = "disclosure_clocks"
    order = 55
    template_name = "disclosure/workspace/panel.html"

    def __init__(self, user: Any) -> None:
        self.user = user

    def get_context_data(self, parent_context: Any) -> dict[str, Any]:
        from gongkai.disclosure.workspace import board

        return {"buckets": [b for b in board.buckets(self.user, rows=0) if b.key in PANEL_BUCKETS]}


@hooks.register("construct_homepage_panels")
def add_clocks_panel(request, panels):
    if access.is_workspace_user(request.user):
        panels.append(ClocksPanel(request.user))
