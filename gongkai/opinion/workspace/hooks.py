"""Wagtail hooks of the workspace: its admin URLs and its items in the 舆情监测 menu.

Imported from ``gongkai/opinion/wagtail_hooks.py`` (Wagtail only auto-imports that module), which
declares the menu group. Other opinion sub-apps add their items with ``@hooks.register(MENU_HOOK)``
and an ``order`` between these (10 信息流, 20 事件看板, 30 预警, 40 专题; 50+ is free).
"""

from __future__ import annotations

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from gongkai.core.admin_menu import ShownMenuItem
from gongkai.opinion.workspace import access, links, urls

MENU_HOOK = "register_gongkai_opinion_menu_item"
"""The 舆情监测 menu group declared in ``gongkai/opinion/wagtail_hooks.py`` (same string)."""


@hooks.register("register_admin_urls")
def register_workspace_urls():
    return [path("opinion/", include(urls, namespace="opinion_workspace"))]


@hooks.register(MENU_HOOK)
def register_feed():
    return ShownMenuItem(
        _("舆情信息流"),
        reverse("opinion_workspace:feed"),
        name="opinion-feed",
        icon_name="list-ul",
        order=10,
        shown=access.is_analyst,
    )


@hooks.register(MENU_HOOK)
def register_board():
    return ShownMenuItem(
        _("事件看板"),
        reverse("opinion_workspace:events"),
        name="opinion-events",
        icon_name="pick",
        order=20,
        shown=access.is_analyst,
    )


@hooks.register(MENU_HOOK)
def register_alerts():
    # The response sub-app's inbox when it is installed (it may register its own item instead).
    return ShownMenuItem(
        _("预警"),
        reverse("opinion_workspace:alerts"),
        name="opinion-alerts",
        icon_name="warning",
        order=30,
        shown=access.is_analyst,
    )


@hooks.register(MENU_HOOK)
def register_topics():
    return ShownMenuItem(
        _("专题"),
        reverse("opinion_workspace:topics"),
        name="opinion-topics",
        icon_name="tag",
        order=40,
        shown=access.is_analyst,
    )


__all__ = ["MENU_HOOK", "links"]
