"""Wagtail hooks of the workspace: admin URLs, items of the 12345热线 menu, the dashboard panel.

Imported from ``gongkai/hotline/wagtail_hooks.py`` (Wagtail only auto-imports that module), which
declares the menu group.
"""

from __future__ import annotations

from typing import Any

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component

from gongkai.core.admin_menu import ShownMenuItem
from gongkai.hotline.workspace import queues, urls

MENU_HOOK = "register_gongkai_hotline_menu_item"
"""The 12345热线 menu group declared in ``gongkai/hotline/wagtail_hooks.py`` (same string; not imported,
because that module imports this one)."""


@hooks.register("register_admin_urls")
def register_workspace_urls():
    return [path("hotline/", include(urls, namespace="hotline_workspace"))]


def _queue_item(queue: queues.Queue, order: int) -> MenuItem:
    return ShownMenuItem(
        queue.label,
        reverse("hotline_workspace:queue", args=[queue.key]),
        name=f"hotline-{queue.key}",
        icon_name=queue.icon,
        order=order,
        shown=lambda user, q=queue: queues.may_see_queue(user, q),
    )


@hooks.register(MENU_HOOK)
def register_workspace_home():
    return ShownMenuItem(
        _("工作台"),
        reverse("hotline_workspace:home"),
        name="hotline-home",
        icon_name="home",
        order=10,
        shown=queues.is_workspace_user,
    )


@hooks.register(MENU_HOOK)
def register_workspace_intake():
    return ShownMenuItem(
        _("新建工单"),
        reverse("hotline_workspace:intake"),
        name="hotline-intake",
        icon_name="plus",
        order=20,
        shown=queues.may_take_calls,
        attrs={"accesskey": "n"},
    )


for _index, _queue in enumerate(queues.QUEUES.values()):
    hooks.register(MENU_HOOK, lambda q=_queue, i=_index: _queue_item(q, 100 + i * 10))


def _may_read_inbound(user):
    # Operators, the office and leaders; handlers for the messages handed to their department.
    from gongkai.hotline.selectors import may_read_inbound

    return may_read_inbound(user)


@hooks.register(MENU_HOOK)
def register_workspace_inbound():
    return ShownMenuItem(
        _("新媒体留言"),
        reverse("hotline_workspace:inbound"),
        name="hotline-inbound",
        icon_name="mail",
        order=250,
        shown=_may_read_inbound,
    )


@hooks.register(MENU_HOOK)
def register_workspace_search():
    return ShownMenuItem(
        _("工单查询"),
        reverse("hotline_workspace:orders"),
        name="hotline-orders",
        icon_name="search",
        order=300,
        shown=queues.is_workspace_user,
    )


@hooks.register(MENU_HOOK)
def register_workspace_kpi():
    return ShownMenuItem(
        _("绩效统计"),
        reverse("hotline_workspace:kpi"),
        name="hotline-kpi",
        icon_name="table",
        order=400,
        shown=queues.may_see_kpis,
    )


class QueuesPanel(Component):
    """The dashboard panel: the user's queues with their counts."""

    name = "hotline_queues"
    order = 50
    template_name = "hotline/workspace/panel.html"

    def __init__(self, user: Any) -> None:
        self.user = user

    def get_context_data(self, parent_context):
        return {
            "counts": queues.queue_counts(self.user),
            "may_take_calls": queues.may_take_calls(self.user),
        }


@hooks.register("construct_homepage_panels")
def add_queues_panel(request, panels):
    if queues.is_workspace_user(request.user):
        panels.insert(0, QueuesPanel(request.user))
