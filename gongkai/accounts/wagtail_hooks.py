"""The "机构与人员" menu of the staff workspace: departments, staff with their roles, users, groups."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from gongkai.accounts.models import Department
from gongkai.accounts.viewsets import users_audit_after_bulk_action, users_snapshot_before_bulk_action

MENU_HOOK = "register_gongkai_people_menu_item"
"""Other apps add items to the 机构与人员 menu with ``@hooks.register(MENU_HOOK)``."""


class IndentedTitleColumn(TitleColumn):
    """The department name, indented by its depth in the tree."""

    def get_value(self, instance):
        return format_html("{}{}", "\u3000" * instance.depth, instance.name)


class DepartmentViewSet(ModelViewSet):
    model = Department
    icon = "site"
    menu_label = _("机构")
    menu_name = "departments"
    add_to_admin_menu = False
    menu_hook = MENU_HOOK
    url_prefix = "departments"
    ordering = ["path"]
    search_fields = ["name", "short_name", "code", "credit_code"]
    list_filter = ["kind", "is_active"]
    list_per_page = 100
    form_fields = [
        "name",
        "short_name",
        "code",
        "credit_code",
        "kind",
        "parent",
        "sort_order",
        "is_active",
        "phone",
        "address",
    ]
    add_to_reference_index = False

    @property
    def list_display(self):
        return [
            IndentedTitleColumn("name", label=_("名称"), url_name=self.get_url_name("edit"), sort_key="path"),
            Column("code", label=_("代码")),
            Column("credit_code", label=_("统一社会信用代码")),
            Column("get_kind_display", label=_("类型")),
            Column("parent", label=_("上级机构")),
            Column("is_active", label=_("启用")),
        ]


class StaffIndexView(IndexView):
    """Staff with department, job title and roles; each row opens Wagtail's user editor."""

    model = get_user_model()
    index_url_name = "gongkai_staff_index"
    index_results_url_name = "gongkai_staff_index_results"
    page_title = _("工作人员")
    header_icon = "user"
    search_fields = ["username", "first_name", "last_name", "job_title", "department__name"]
    default_ordering = "username"
    paginate_by = 50
    permission_policy = ModelPermissionPolicy(get_user_model())
    any_permission_required = ["add", "change", "delete", "view"]

    def get_base_queryset(self):
        from django.contrib.auth.models import Group

        return (
            self.model.objects.filter(is_staff=True)
            .select_related("department")
            .prefetch_related(Prefetch("groups", queryset=Group.objects.order_by("name")))
        )

    def get_edit_url(self, instance):
        return reverse("wagtailusers_users:edit", args=[instance.pk])

    @property
    def columns(self):
        return [
            TitleColumn(
                "username",
                label=_("用户名"),
                get_url=lambda user: reverse("wagtailusers_users:edit", args=[user.pk]),
                sort_key="username",
            ),
            Column("get_full_name", label=_("姓名")),
            Column("department", label=_("所属机构"), sort_key="department__path"),
            Column("job_title", label=_("职务")),
            Column(
                "role_names",
                label=_("角色"),
                accessor=lambda user: "、".join(g.name for g in user.groups.all()),
            ),
            Column("is_active", label=_("启用")),
            Column("last_login", label=_("最近登录")),
        ]


class PeopleGroup(ViewSetGroup):
    menu_label = _("机构与人员")
    menu_icon = "group"
    menu_order = 800
    items = (DepartmentViewSet,)
    submenu_hook = MENU_HOOK


class _PermissionMenuItem(MenuItem):
    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


@hooks.register("register_admin_viewset")
def register_people_group():
    return PeopleGroup()


@hooks.register("register_admin_urls")
def register_staff_urls():
    return [
        path("staff/", StaffIndexView.as_view(), name="gongkai_staff_index"),
        path("staff/results/", StaffIndexView.as_view(results_only=True), name="gongkai_staff_index_results"),
    ]


@hooks.register(MENU_HOOK)
def staff_menu_item():
    return _PermissionMenuItem(
        _("工作人员"),
        reverse("gongkai_staff_index"),
        name="staff",
        icon_name="user",
        order=2,
        permission="accounts.view_user",
    )


@hooks.register(MENU_HOOK)
def users_menu_item():
    return _PermissionMenuItem(
        _("用户账号"),
        reverse("wagtailusers_users:index"),
        name="users",
        icon_name="user",
        order=3,
        permission="accounts.change_user",
    )


@hooks.register(MENU_HOOK)
def groups_menu_item():
    return _PermissionMenuItem(
        _("角色与权限"),
        reverse("wagtailusers_groups:index"),
        name="groups",
        icon_name="group",
        order=4,
        permission="auth.change_group",
    )


@hooks.register("register_account_menu_item")
def two_factor_account_item(request):
    return {
        "url": reverse("accounts:2fa"),
        "label": _("两步验证"),
        "help_text": _("用手机身份验证器应用保护账号；管理备用码。"),
    }


# Audit role and active-state changes made with the bulk actions of Wagtail's user list.
hooks.register("before_bulk_action", users_snapshot_before_bulk_action)
hooks.register("after_bulk_action", users_audit_after_bulk_action)
