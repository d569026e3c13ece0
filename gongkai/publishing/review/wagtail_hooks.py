"""The review chain in the staff workspace: configuration, reports, and the admin's publish refusal."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from gongkai.publishing.review import access, documents, guard, urls
from gongkai.publishing.review.models import (
    InterpretationExemption,
    OnDutyAssignment,
    ReviewApproval,
    SecrecyEscalation,
    SensitiveRule,
    SensitiveWord,
)

# --- Refuse publishing a document from the editor ------------------------------------------------


@hooks.register("before_publish_page")
def refuse_publish_without_review(request, page):
    """The editor's "publish" button never publishes a document: the just-saved revision was not reviewed."""
    if not documents.is_document(page):
        return None
    try:
        guard.check_revision_may_go_live(page=page.specific, revision_id=page.latest_revision_id)
    except guard.PublishRefused as exc:
        messages.error(request, str(exc.message))
        return redirect("wagtailadmin_pages:edit", page.pk)
    return None


@hooks.register("construct_page_action_menu")
def hide_publish_for_documents(menu_items, request, context):
    page = context.get("page")
    if page is None or not documents.is_document(page):
        return
    menu_items[:] = [item for item in menu_items if getattr(item, "name", "") != "action-publish"]


# --- Configuration and records -------------------------------------------------------------------


class SensitiveWordViewSet(ModelViewSet):
    model = SensitiveWord
    icon = "warning"
    menu_label = _("敏感词")
    add_to_admin_menu = False
    list_display = ["word", "category", "severity", "active", "updated_at"]
    list_filter = ["category", "severity", "active"]
    search_fields = ["word", "note"]
    form_fields = ["word", "category", "severity", "note", "active"]


class SensitiveRuleViewSet(ModelViewSet):
    model = SensitiveRule
    icon = "lock"
    menu_label = _("须上级审批的信息")
    add_to_admin_menu = False
    list_display = ["__str__", "include_subdepartments", "active", "note"]
    form_fields = ["document_type", "department", "include_subdepartments", "note", "active"]

    def get_form_class(self, for_update=False):
        form_class = super().get_form_class(for_update=for_update)
        field = form_class.base_fields.get("document_type")
        if field is not None:
            from django.contrib.contenttypes.models import ContentType

            # Lazy: the form class is built when the URLs load, before any query may run.
            labels = [(m._meta.app_label, m._meta.model_name) for m in documents.document_models()]
            condition = Q(pk__in=[])
            for app_label, model_name in labels:
                condition |= Q(app_label=app_label, model=model_name)
            field.queryset = ContentType.objects.filter(condition).order_by("model")
        return form_class


class OnDutyAssignmentViewSet(ModelViewSet):
    model = OnDutyAssignment
    icon = "user"
    menu_label = _("值班安排")
    add_to_admin_menu = False
    list_display = ["leader", "starts_on", "ends_on", "note"]
    form_fields = ["leader", "starts_on", "ends_on", "note"]


class _ViewOnlyPolicy(ModelPermissionPolicy):
    """Records of decisions are written by the services only; staff with ``view_*`` may read them."""

    def user_has_permission(self, user, action):
        return action in ("view", "inspect") and super().user_has_permission(user, "view")

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)


for _record_model in (SecrecyEscalation, InterpretationExemption, ReviewApproval):
    register_permission_policy(_record_model, _ViewOnlyPolicy(_record_model))


class _ReadOnlyViewSet(ModelViewSet):
    add_to_admin_menu = False
    inspect_view_enabled = True


class SecrecyEscalationViewSet(_ReadOnlyViewSet):
    model = SecrecyEscalation
    icon = "help"
    menu_label = _("保密审查请示")
    list_display = ["page", "authority", "escalated_by", "escalated_at", "decision", "answered_at"]
    form_fields = ["authority"]


class InterpretationExemptionViewSet(_ReadOnlyViewSet):
    model = InterpretationExemption
    icon = "doc-empty"
    menu_label = _("免于同步解读")
    list_display = ["policy", "user", "reason", "created_at"]
    form_fields = ["reason"]


class ReviewApprovalViewSet(_ReadOnlyViewSet):
    model = ReviewApproval
    icon = "tick"
    menu_label = _("审核通过的版本")
    list_display = ["page", "revision", "kind", "approved_by", "approved_at"]
    form_fields = ["note"]


class ReviewViewSetGroup(ViewSetGroup):
    menu_label = _("发布审核")
    menu_icon = "clipboard-list"
    menu_order = 310
    items = (
        SensitiveWordViewSet("publishing_review_words"),
        SensitiveRuleViewSet("publishing_review_rules"),
        OnDutyAssignmentViewSet("publishing_review_duty"),
        SecrecyEscalationViewSet("publishing_review_escalations"),
        InterpretationExemptionViewSet("publishing_review_exemptions"),
        ReviewApprovalViewSet("publishing_review_approvals"),
    )


@hooks.register("register_admin_viewset")
def register_review_viewsets():
    return ReviewViewSetGroup()


# --- Reports --------------------------------------------------------------------------------------


class _DeadlinesMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return access.can_view_deadlines(request.user)


class _ReReviewMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return access.can_rereview(request.user)


@hooks.register("register_admin_urls")
def register_review_urls():
    return [path("publishing-review/", include(urls, namespace="publishing_review"))]


@hooks.register("register_reports_menu_item")
def register_deadlines_menu_item():
    return _DeadlinesMenuItem(
        _("公开时限（20 个工作日）"), reverse("publishing_review:deadlines"), icon_name="time", order=900
    )


@hooks.register("register_reports_menu_item")
def register_rereview_menu_item():
    return _ReReviewMenuItem(
        _("不予公开信息定期审查"),
        reverse("publishing_review:rereview_queue"),
        icon_name="doc-full",
        order=901,
    )


@hooks.register("register_permissions")
def register_review_permissions():
    return Permission.objects.filter(content_type__app_label="publishing_review")
