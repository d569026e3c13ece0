from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from gongkai.core.audit import views


@hooks.register("register_admin_urls")
def register_audit_urls():
    return [
        path("audit/", views.audit_index, name="audit_index"),
        path("audit/<int:pk>/", views.audit_detail, name="audit_detail"),
    ]


class AuditMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("audit.view_auditevent")


@hooks.register("register_settings_menu_item")
def register_audit_menu_item():
    return AuditMenuItem(_("审计记录"), reverse("audit_index"), icon_name="history", order=900)
