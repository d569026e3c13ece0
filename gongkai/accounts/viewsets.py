"""Wagtail's user editor with the staff fields, and an audit event for every change of a user.

Registered through ``GongkaiUsersAppConfig.user_viewset`` (``gongkai/accounts/users_app.py``),
the way Wagtail documents for custom user forms.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from wagtail.users.views import users as wagtail_users

from gongkai.accounts.models import User
from gongkai.accounts.services import (
    staff_user_audit,
    staff_user_snapshot,
    user_deletion_actor_clear,
    user_deletion_actor_set,
    user_deletion_by,
)
from gongkai.accounts.user_forms import StaffUserCreationForm, StaffUserEditForm


def _password_changed(form: Any) -> bool:
    return bool(form.cleaned_data.get("password1"))


class CreateView(wagtail_users.CreateView):
    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["for_user"] = self.request.user
        return kwargs

    def save_instance(self) -> User:
        # Wagtail runs this inside transaction.atomic(): the audit event commits with the user.
        user = super().save_instance()
        staff_user_audit(
            actor=self.request.user,
            user=user,
            before=None,
            password_changed=_password_changed(self.form),
            request=self.request,
        )
        return user


class EditView(wagtail_users.EditView):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # Whoever can set a superuser's password can become them: only superusers may.
        # (Wagtail itself applies this rule only to deleting users.)
        if self.object.is_superuser and not request.user.is_superuser:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["for_user"] = self.request.user
        return kwargs

    def save_instance(self) -> User:
        # The form has already written the new values onto self.object; read the old ones from
        # the database (locked, so a concurrent edit cannot slip between snapshot and save).
        before = staff_user_snapshot(User.objects.select_for_update().get(pk=self.object.pk))
        user = super().save_instance()
        staff_user_audit(
            actor=self.request.user,
            user=user,
            before=before,
            password_changed=_password_changed(self.form),
            request=self.request,
        )
        return user


class DeleteView(wagtail_users.DeleteView):
    def delete_action(self) -> None:
        # The pre_delete signal writes ``accounts.user_deleted``; this names who deleted the user.
        with user_deletion_by(self.request.user, self.request):
            super().delete_action()


# Wagtail's user list also has bulk actions ("assign role", "mark active/inactive") that change
# users without the editor; these two run (as the "before/after_bulk_action" hooks registered in
# wagtail_hooks.py) inside the bulk action's transaction and audit each user it changed.
_BULK_SNAPSHOTS = "_gongkai_user_snapshots"


def users_snapshot_before_bulk_action(request: Any, action_type: str, objects: Any, action: Any) -> None:
    users = [obj for obj in objects if isinstance(obj, User)]
    if users and action_type == "delete":
        # The delete itself runs between the two hooks; the pre_delete signal audits each user.
        user_deletion_actor_set(request.user, request)
    elif users:
        setattr(action, _BULK_SNAPSHOTS, {user.pk: staff_user_snapshot(user) for user in users})


def users_audit_after_bulk_action(request: Any, action_type: str, objects: Any, action: Any) -> None:
    if action_type == "delete":
        user_deletion_actor_clear()
        return
    snapshots = getattr(action, _BULK_SNAPSHOTS, None)
    if not snapshots:
        return
    for user in User.objects.filter(pk__in=snapshots).select_related("department"):
        staff_user_audit(actor=request.user, user=user, before=snapshots[user.pk], request=request)


class UserViewSet(wagtail_users.UserViewSet):
    add_view_class = CreateView
    edit_view_class = EditView
    delete_view_class = DeleteView
    create_template_name = "accounts/users/create.html"
    edit_template_name = "accounts/users/edit.html"

    def get_form_class(self, for_update: bool = False) -> type[StaffUserCreationForm | StaffUserEditForm]:
        if for_update:
            return StaffUserEditForm
        return StaffUserCreationForm
