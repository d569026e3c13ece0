"""Department-scoped visibility: the few functions every app uses to decide what a user may see.

Rules (docs/accounts.md "Scoping"):

- anonymous and inactive users see no department;
- superusers and holders of a city-wide role (``roles.RoleScope.CITY``) see every department;
- holders of department-scoped roles see their own department and everything under it
  (a district handler sees the district's streets); a user without a department sees nothing.

``access_object_or_404`` answers "missing" and "forbidden" with the same ``Http404``, so a
probing user cannot tell whether a work order with someone's phone number exists (Zulip style).
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404

from gongkai.accounts.models import Department
from gongkai.accounts.roles import ROLES, RoleScope, user_is_city_wide, user_role_codes

M = TypeVar("M", bound=models.Model)


def _has_department_scope(user: Any) -> bool:
    return any(ROLES[code].scope == RoleScope.DEPARTMENT for code in user_role_codes(user) if code in ROLES)


def _home_department_path(user: Any) -> str | None:
    """The path of the subtree a department-scoped user sees, or None if they see none."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if not user.department_id or not _has_department_scope(user):
        return None
    department = user.department
    if department is None or not department.path:
        return None
    return department.path


def visible_departments(user: Any) -> QuerySet[Department]:
    """Return the departments ``user`` may see (inactive departments included: history stays visible)."""
    if user_is_city_wide(user):
        return Department.objects.all()
    path = _home_department_path(user)
    if path is None:
        return Department.objects.none()
    return Department.objects.filter(path__startswith=path)


def can_access_department(user: Any, department: Department | int | None) -> bool:
    """Return whether ``user`` may see ``department`` (a Department or its pk)."""
    if department is None:
        return False
    if user_is_city_wide(user):
        return True
    path = _home_department_path(user)
    if path is None:
        return False
    if not isinstance(department, Department):
        department = Department.objects.filter(pk=department).only("path").first()
        if department is None:
            return False
    return department.path.startswith(path)


def scope_queryset(user: Any, queryset: QuerySet[M], *, department_field: str = "department") -> QuerySet[M]:
    """Filter any model's ``queryset`` to rows whose ``department_field`` the user may see.

    ``department_field`` is a lookup path to a ``Department`` foreign key, e.g. ``"department"``
    or ``"work_order__lead_department"``. Rows with no department are visible only to city-wide
    users. One query, no subquery: the filter is a prefix match on the department's path.
    """
    if user_is_city_wide(user):
        return queryset
    path = _home_department_path(user)
    if path is None:
        return queryset.none()
    return queryset.filter(Q(**{f"{department_field}__path__startswith": path}))


def access_object_or_404(
    user: Any, queryset: QuerySet[M], pk: Any, *, department_field: str = "department"
) -> M:
    """Return the object ``pk`` of ``queryset`` if ``user`` may see it, else raise ``Http404``.

    The same exception, with the same message, for a missing and a forbidden object.
    """
    try:
        return scope_queryset(user, queryset, department_field=department_field).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError, ValidationError) as exc:
        raise Http404("not found") from exc


def access_department_or_404(user: Any, pk: Any) -> Department:
    """``access_object_or_404`` for a department itself."""
    try:
        return visible_departments(user).get(pk=pk)
    except (Department.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
        raise Http404("not found") from exc
