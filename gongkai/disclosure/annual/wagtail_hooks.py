"""The annual reports' staff pages in the Wagtail admin and their item in the 依申请公开 menu.

The menu group is declared by ``gongkai/disclosure/wagtail_hooks.py`` (``MENU_HOOK``, the same
string here so this module does not depend on it); without that group the item gets a group of
its own. The item shows for whoever may view annual reports (the disclosure office and the
departments' disclosure clerks).
"""

from __future__ import annotations

import importlib.util

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, SubmenuMenuItem

from gongkai.core.admin_menu import ShownMenuItem
from gongkai.disclosure.annual import admin_views as views

MENU_HOOK = "register_gongkai_disclosure_menu_item"

admin_urlpatterns = [
    path("", views.report_list, name="list"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/edit/", views.report_edit, name="edit"),
    path("<int:pk>/figures/", views.report_figures, name="figures"),
    path("<int:pk>/figures/preview/", views.report_figures_preview, name="figures_preview"),
    path("<int:pk>/figures/import/", views.report_figures_import, name="figures_import"),
    path("<int:pk>/release/", views.report_release, name="release"),
    path("<int:pk>/withdraw/", views.report_withdraw, name="withdraw"),
    path("<int:pk>/download/<slug:fmt>/", views.report_download, name="download"),
]


@hooks.register("register_admin_urls")
def register_annual_report_urls():
    return [
        path(
            "disclosure-annual-reports/",
            include((admin_urlpatterns, "disclosure_annual_admin"), namespace="disclosure_annual_admin"),
        )
    ]


@hooks.register(MENU_HOOK)
def register_annual_reports():
    return ShownMenuItem(
        _("年度报告"),
        reverse("disclosure_annual_admin:list"),
        name="disclosure-annual-reports",
        icon_name="doc-full",
        order=60,
        shown=views.may_open,
    )


if importlib.util.find_spec("gongkai.disclosure.wagtail_hooks") is None:  # pragma: no cover
    # Without the 依申请公开 group, the item gets a group of its own.

    @hooks.register("register_admin_menu_item")
    def register_own_group():
        return SubmenuMenuItem(
            _("政府信息公开"),
            Menu(register_hook_name=MENU_HOOK),
            name="disclosure-annual-group",
            icon_name="doc-full",
            order=321,
        )
