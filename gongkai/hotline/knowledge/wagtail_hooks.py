"""The "热线知识库" menu of the staff workspace: articles (with filters and search) and the 待复核 list.

Edits go through the same services as everywhere (revision, audit, search index); who may edit is
``permissions.may_edit_knowledge`` (the hotline office and administrators), who may read is every
active staff member — by role, so no Django model permission has to be granted to a group.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from gongkai.hotline.knowledge import selectors, services
from gongkai.hotline.knowledge.models import ArticleStatus, KnowledgeArticle
from gongkai.hotline.knowledge.permissions import may_edit_knowledge, may_read_knowledge


class KnowledgePermissionPolicy(ModelPermissionPolicy):
    """view: every active staff member; add/change/delete: the hotline office and administrators."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        if action == "view":
            return may_read_knowledge(user)
        if action in {"add", "change", "delete"}:
            return may_edit_knowledge(user)
        return False

    def user_has_any_permission(self, user: Any, actions: Any) -> bool:
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        return self.user_has_permission(user, action)

    def user_has_any_permission_for_instance(self, user: Any, actions: Any, instance: Any) -> bool:
        return self.user_has_any_permission(user, actions)

    def instances_user_has_any_permission_for(self, user: Any, actions: Any) -> Any:
        if "view" in actions and not may_edit_knowledge(user):
            return selectors.article_visible(user)
        return super().instances_user_has_any_permission_for(user, actions)


knowledge_permission_policy = KnowledgePermissionPolicy(KnowledgeArticle)
register_permission_policy(KnowledgeArticle, knowledge_permission_policy)


class ArticleFilterSet(WagtailFilterSet):
    review_due = django_filters.BooleanFilter(label=_("待复核"), method="filter_review_due")

    class Meta:
        model = KnowledgeArticle
        fields = ["status", "category", "department"]

    def filter_review_due(self, queryset: Any, name: str, value: Any) -> Any:
        return queryset.filter(selectors.article_review_due_q()) if value else queryset


def _add_service_errors(form: Any, exc: ValidationError) -> None:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, messages in errors.items():
        form.add_error(field if field in form.fields else None, messages)


def _form_values(form: Any) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in services.EDITABLE_FIELDS if name in form.cleaned_data}


class ArticleIndexView(generic.IndexView):
    def get_base_queryset(self) -> Any:
        return selectors.article_visible(self.request.user)


class ArticleCreateView(generic.CreateView):
    def save_instance(self) -> KnowledgeArticle:
        return services.article_create(
            actor=self.request.user, request=self.request, **_form_values(self.form)
        )

    def form_valid(self, form: Any) -> Any:
        try:
            return super().form_valid(form)
        except ValidationError as exc:
            _add_service_errors(form, exc)
            return self.form_invalid(form)


class ArticleEditView(generic.EditView):
    def save_instance(self) -> KnowledgeArticle:
        return services.article_update(
            article=self.object.pk, actor=self.request.user, request=self.request, **_form_values(self.form)
        )

    def form_valid(self, form: Any) -> Any:
        try:
            return super().form_valid(form)
        except ValidationError as exc:
            _add_service_errors(form, exc)
            return self.form_invalid(form)


class ArticleDeleteView(generic.DeleteView):
    def delete_action(self) -> None:
        services.article_delete(article=self.object.pk, actor=self.request.user, request=self.request)


class KnowledgeArticleViewSet(ModelViewSet):
    model = KnowledgeArticle
    icon = "help"
    menu_label = _("知识条目")
    add_to_admin_menu = False
    url_prefix = "knowledge"
    index_view_class = ArticleIndexView
    add_view_class = ArticleCreateView
    edit_view_class = ArticleEditView
    delete_view_class = ArticleDeleteView
    filterset_class = ArticleFilterSet
    search_fields = ["title", "questions", "answer"]
    list_display = ["title", "category", "department", "status", "review_due", "usage_count", "updated_at"]
    list_per_page = 50
    form_fields = [
        "title",
        "questions",
        "answer",
        "category",
        "department",
        "policy_basis",
        "source_url",
        "valid_from",
        "valid_until",
        "status",
        "review_due",
    ]
    inspect_view_enabled = True
    add_to_reference_index = False


knowledge_viewset = KnowledgeArticleViewSet("knowledge")


@hooks.register("register_admin_viewset")
def register_knowledge_viewset() -> KnowledgeArticleViewSet:
    return knowledge_viewset


class _ReaderMenuItem(MenuItem):
    def is_shown(self, request: Any) -> bool:
        return may_read_knowledge(request.user)


class _EditorMenuItem(MenuItem):
    def is_shown(self, request: Any) -> bool:
        return may_edit_knowledge(request.user)


@hooks.register("register_admin_menu_item")
def register_knowledge_menu() -> SubmenuMenuItem:
    index = reverse(knowledge_viewset.get_url_name("index"))
    published = f"{index}?status={ArticleStatus.PUBLISHED}"
    return SubmenuMenuItem(
        _("热线知识库"),
        Menu(
            items=[
                _ReaderMenuItem(
                    _("知识条目"), published, name="knowledge-articles", icon_name="help", order=100
                ),
                _EditorMenuItem(
                    _("全部条目（含草稿）"), index, name="knowledge-all", icon_name="list-ul", order=200
                ),
                _EditorMenuItem(
                    _("待复核"),
                    f"{index}?review_due=true",
                    name="knowledge-review",
                    icon_name="time",
                    order=300,
                ),
            ]
        ),
        name="knowledge",
        icon_name="help",
        order=410,
    )
