"""Wagtail's user create/edit forms plus the staff fields: department, job title, phone.

``gongkai.accounts.viewsets.UserViewSet`` uses these in place of Wagtail's own forms.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm, UserEditForm

from gongkai.accounts.models import Department, RoleGroup
from gongkai.accounts.roles import ROLES, user_has_role
from gongkai.accounts.selectors import department_tree_flat

# Mainland mobile numbers: 11 digits from 13x to 19x, optionally written with +86 or 86.
_MOBILE = re.compile(r"(?:\+?86)?(1[3-9]\d{9})")
# Landlines: area code (010, 02x, or four digits from 03xx to 09xx), a 7- or 8-digit number not
# starting with 0 or 1, optionally an extension after "-", "转" or "#".
_LANDLINE = re.compile(r"(0(?:10|2\d|[3-9]\d{2}))-?([2-9]\d{6,7})(?:(?:-|转|#)(\d{1,6}))?")
_SEPARATORS = re.compile(r"[\s\u3000()（）]+")


def phone_normalize(value: str) -> str:
    """Return a phone number in the stored form (``13912345678``, ``0432-62012345-801``).

    Raise ``ValidationError`` unless it is a mainland mobile number or a landline with area code.
    Spaces, full-width spaces and brackets around the area code are ignored.
    """
    compact = _SEPARATORS.sub("", value).replace("－", "-").replace("—", "-")
    if mobile := _MOBILE.fullmatch(compact.replace("-", "")):
        return mobile.group(1)
    if landline := _LANDLINE.fullmatch(compact):
        area, number, extension = landline.groups()
        return f"{area}-{number}" + (f"-{extension}" if extension else "")
    raise ValidationError(
        _("请输入 11 位手机号码，或带区号的固定电话（如 0432-62012345）。"), code="invalid_phone"
    )


def user_may_see_phone(user: Any) -> bool:
    """Staff phone numbers are personal data: only superusers and 系统管理员 see and edit them."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser or user_has_role(user, "administrator"))


class DepartmentTreeChoiceField(forms.ModelChoiceField):
    """Active departments in tree order, each indented by its depth (as in the 机构 list).

    The choices are computed once (one query) when the form is built; the queryset, which
    validates the submitted value, is limited to the same departments plus ``keep`` (the
    user's current department, even if it has been deactivated since).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Department.objects.none(), **kwargs)

    def load(self, *, keep: Department | None = None) -> None:
        pairs = department_tree_flat(active_only=True)
        pks = [department.pk for _depth, department in pairs]
        choices: list[tuple[Any, str]] = [("", "---------")]
        choices += [(department.pk, "\u3000" * depth + department.name) for depth, department in pairs]
        if keep is not None and keep.pk not in pks:
            pks.append(keep.pk)
            choices.append((keep.pk, gettext("%(name)s（已停用）") % {"name": keep.name}))
        self.queryset = Department.objects.filter(pk__in=pks)
        self.choices = choices


class StaffFieldsMixin(forms.ModelForm):
    """Adds department, job title and phone to a Wagtail user form.

    ``for_user`` is the person using the form: the phone field is removed for anyone who is not
    an administrator (``user_may_see_phone``), and the 管理员 (superuser) box for anyone who is
    not a superuser, so a 系统管理员 cannot hand out more power than they have.
    """

    department = DepartmentTreeChoiceField(
        label=_("所属机构"),
        required=False,
        help_text=_("承办人、起草人、审核人、审批人须选择所属机构；只能看到本机构及下级机构的数据。"),
    )
    phone = forms.CharField(
        label=_("联系电话"),
        required=False,
        max_length=30,
        help_text=_("11 位手机号码，或带区号的固定电话（如 0432-62012345）。仅系统管理员可见。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )

    def __init__(self, *args: Any, for_user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.for_user = for_user
        field = self.fields["department"]
        assert isinstance(field, DepartmentTreeChoiceField)
        field.load(keep=self.instance.department if self.instance.department_id else None)
        if not user_may_see_phone(for_user):
            del self.fields["phone"]
        if "is_superuser" in self.fields and not getattr(for_user, "is_superuser", False):
            del self.fields["is_superuser"]

    def clean_phone(self) -> str:
        value = (self.cleaned_data.get("phone") or "").strip()
        return phone_normalize(value) if value else ""

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned_data = self.cleaned_data
        if cleaned_data.get("department") is None and "department" not in self.errors:
            is_superuser = cleaned_data.get("is_superuser", self.instance.is_superuser)
            groups = cleaned_data.get("groups")
            if not is_superuser and groups is not None:
                local_codes = [code for code, role in ROLES.items() if not role.is_city_wide]
                local_roles = RoleGroup.objects.filter(group__in=groups, code__in=local_codes)
                names = sorted(local_roles.values_list("group__name", flat=True))
                if names:
                    self.add_error(
                        "department",
                        ValidationError(
                            _("%(roles)s只能办理本机构的事务，须选择所属机构。"),
                            code="department_required",
                            params={"roles": "、".join(names)},
                        ),
                    )
        return cleaned_data


class StaffUserCreationForm(StaffFieldsMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = UserCreationForm.Meta.fields | {"department", "job_title", "phone"}


class StaffUserEditForm(StaffFieldsMixin, UserEditForm):
    class Meta(UserEditForm.Meta):
        fields = UserEditForm.Meta.fields | {"department", "job_title", "phone"}
