"""The 发布渠道 menu item, its admin URLs, and a link from each page's header menu."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.menus.pages import PageMenuItem

from gongkai.publishing.channels import urls
from gongkai.publishing.channels.access import can_view_releases


class ReleasesMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return can_view_releases(request.user)


@hooks.register("register_admin_urls")
def register_release_urls():
    return [path("publishing/releases/", include(urls, namespace="publishing_channels"))]


@hooks.register("register_admin_menu_item")
def register_release_menu_item():
    return ReleasesMenuItem(
        _("发布渠道"), reverse("publishing_channels:index"), name="releases", icon_name="globe", order=8900
    )


@hooks.register("register_page_header_buttons")
def release_status_button(page, user, view_name, next_url=None):
    if can_view_releases(user) and page.pk:
        yield PageMenuItem(
            _("各渠道发布状态"),
            reverse("publishing_channels:index") + f"?page={page.pk}",
            icon_name="globe",
            priority=66,
            page=page,
        )


@hooks.register("register_permissions")
def register_release_permissions():
    return Permission.objects.filter(
        content_type__app_label="publishing_channels",
        codename__in=["view_channelrelease", "retry_channelrelease"],
    )
