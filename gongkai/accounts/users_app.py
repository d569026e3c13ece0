"""Wagtail's user admin (``wagtail.users``) with Gongkai's user editor.

Listed in ``INSTALLED_APPS`` in place of ``"wagtail.users"``: same app, same label
(``wagtailusers``), templates and migrations; only the user viewset is ours.
"""

from __future__ import annotations

from wagtail.users.apps import WagtailUsersAppConfig


class GongkaiUsersAppConfig(WagtailUsersAppConfig):
    user_viewset = "gongkai.accounts.viewsets.UserViewSet"
