"""The 依申请公开 admin menu: the staff workspace (dashboard of clocks, applications, offline
registration, reconsideration and litigation cases) and whatever other disclosure modules add.

Items are added with ``@hooks.register(MENU_HOOK)``; the menu shows only the items the user may
open and disappears when there is none (a 12345 handler never sees it).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, SubmenuMenuItem

MENU_HOOK = "register_gongkai_disclosure_menu_item"
"""Other disclosure modules add items to the 依申请公开 menu with ``@hooks.register(MENU_HOOK)``."""


@hooks.register("register_admin_menu_item")
def register_disclosure_menu():
    return SubmenuMenuItem(
        _("依申请公开"),
        Menu(register_hook_name=MENU_HOOK),
        name="disclosure",
        icon_name="doc-full-inverse",
        order=320,
    )


# --- The staff workspace (gongkai/disclosure/workspace/) ----------------------------------------
from gongkai.disclosure.workspace import hooks as _workspace_hooks  # noqa: E402,F401
