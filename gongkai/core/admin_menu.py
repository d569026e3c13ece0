"""A Wagtail admin menu item shown to the users a predicate lets in (the app's own access rule)."""

from __future__ import annotations

from typing import Any

from wagtail.admin.menu import MenuItem


class ShownMenuItem(MenuItem):
    """``shown(user) -> bool`` decides; the menu then offers only what the user may open."""

    def __init__(self, *args: Any, shown: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shown = shown

    def is_shown(self, request) -> bool:
        return bool(self.shown(request.user))
