"""Wagtail hooks of the workspace: its admin URLs and its items in the 舆情监测 menu.

Imported from ``gongkai/opinion/wagtail_hooks.py`` (Wagtail only auto-imports that module), which
declares the menu group. Other opinion sub-apps add their items with ``@hooks.register(MENU_HOOK)``
and an ``order`` between these (10 信息流, 20 事件看板, 30 预警, 40 专题; 50+ is free).
"""

from __future__ import annotations

from typing import Any

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from gongkai.opinion.workspace import access, links, urls

MENU_HOOK = "register_gongkai_opinion_menu_item"
"""The 舆情监测 menu group declared in ``gongkai/opinion/wagtail_hooks.py`` (same string)."""


@hooks.register("register_admin_urls")
def register_workspace_urls():
    return [path("opinion/", include(urls, namespace="opinion_workspace"))]


class WorkspaceMenuItem(MenuItem):
    def __init__(self, *args: Any, shown: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shown = shown

    def is_shown(self, request) -> bool:
        return bool(self.shown(request.user))


@hooks.register(MENU_HOOK)
def register_feed():
    return WorkspaceMenuItem(
        _("舆情信息流"),
        reverse("opinion_workspace:feed"),
        name="opinion-feed",
        icon_name="list-ul",
        order=10,
        shown=access.is_analyst,
    )


@hooks.register(MENU_HOOK)
def register_board():
    return WorkspaceMenuItem(
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
    return WorkspaceMenuItem(
        _("预警"),
        reverse("opinion_workspace:alerts"),
        name="opinion-alerts",
        icon_name="warning",
        order=30,
        shown=access.is_analyst,
    )


@hooks.register(MENU_HOOK)
def register_topics():
    return WorkspaceMenuItem(
        _("专题"),
        reverse("opinion_workspace:topics"),
        name="opinion-topics",
        icon_name="tag",
        order=40,
        shown=access.is_analyst,
    )


__all__ = ["MENU_HOOK", "links"]
