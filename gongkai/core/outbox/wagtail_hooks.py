"""The 外发消息 (outbox) menu item of the staff workspace."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from gongkai.core.outbox import urls
from gongkai.core.outbox.access import can_view_outbox


class OutboxMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return can_view_outbox(request.user)


@hooks.register("register_admin_urls")
def register_outbox_urls():
    return [path("outbox/", include(urls, namespace="outbox"))]


@hooks.register("register_admin_menu_item")
def register_outbox_menu_item():
    return OutboxMenuItem(_("外发消息"), reverse("outbox:index"), name="outbox", icon_name="mail", order=9000)


@hooks.register("register_permissions")
def register_outbox_permissions():
    # Shown in the group editor, so that roles can be given the outbox.
    return Permission.objects.filter(
        content_type__app_label="outbox", codename__in=["view_outboxmessage", "manage_outbox"]
    )
