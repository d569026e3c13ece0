"""The 12345热线 admin menu: the routing catalogue (派单目录) and the deadline rules.

The staff workspace (queues, order pages, KPIs) adds its own items to this menu with
``@hooks.register(MENU_HOOK)``.
"""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from gongkai.hotline.models import DeadlineRule, RoutingCategory

MENU_HOOK = "register_gongkai_hotline_menu_item"
"""Other hotline modules add items to the 12345热线 menu with ``@hooks.register(MENU_HOOK)``."""


class IndentedCategoryColumn(TitleColumn):
    def get_value(self, instance):
        return format_html("{}{}", "\u3000" * (instance.depth - 1), instance.name)


class RoutingCategoryViewSet(ModelViewSet):
    model = RoutingCategory
    icon = "list-ul"
    menu_label = _("派单目录")
    menu_name = "hotline_categories"
    add_to_admin_menu = False
    url_prefix = "hotline/categories"
    ordering = ["path"]
    search_fields = ["name", "code", "keywords"]
    list_filter = ["is_active", "default_type"]
    list_per_page = 100
    form_fields = [
        "name",
        "code",
        "parent",
        "default_department",
        "default_type",
        "keywords",
        "description",
        "sort_order",
        "is_active",
    ]
    add_to_reference_index = False

    @property
    def list_display(self):
        return [
            IndentedCategoryColumn("name", label=_("名称"), url_name=self.get_url_name("edit")),
            Column("code", label=_("代码")),
            Column("default_department", label=_("默认主办单位")),
            Column("default_type", label=_("默认诉求类型"), accessor="get_default_type_display"),
            Column("is_active", label=_("启用")),
        ]


class DeadlineRuleViewSet(ModelViewSet):
    model = DeadlineRule
    icon = "time"
    menu_label = _("办理时限规则")
    menu_name = "hotline_deadline_rules"
    add_to_admin_menu = False
    url_prefix = "hotline/deadline-rules"
    list_filter = ["order_type", "urgency", "unit", "is_active"]
    form_fields = [
        "category",
        "order_type",
        "urgency",
        "unit",
        "reply_budget",
        "sign_for_hours",
        "callback_days",
        "note",
        "is_active",
    ]
    add_to_reference_index = False

    @property
    def list_display(self):
        return [
            TitleColumn("scope_text", label=_("适用范围"), url_name=self.get_url_name("edit")),
            Column("budget_text", label=_("答复时限")),
            Column("sign_for_hours", label=_("签收时限（工作小时）")),
            Column("callback_days", label=_("回访时限（工作日）")),
            Column("note", label=_("依据或说明")),
            Column("is_active", label=_("启用")),
        ]


class HotlineGroup(ViewSetGroup):
    menu_label = _("12345热线")
    menu_icon = "mail"
    menu_order = 300
    items = (RoutingCategoryViewSet, DeadlineRuleViewSet)
    submenu_hook = MENU_HOOK


@hooks.register("register_admin_viewset")
def register_hotline_group():
    return HotlineGroup()


from gongkai.hotline.workspace import hooks as _workspace_hooks  # noqa: E402,F401
