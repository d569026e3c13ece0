"""Who may manage which reception sessions.

- Superusers and the hotline office (派单员, 话务员) manage every session: the 市长电话室 organises
  局长接待日 for the whole city.
- A department's handlers (承办人) manage the sessions of their own department and the units under
  it (a district's handler sees its streets' sessions), like ``accounts.access.scope_queryset``.
- Leaders (督查/领导) may view every session but change nothing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from gongkai.accounts.access import scope_queryset
from gongkai.accounts.roles import user_has_role
from gongkai.hotline.reception.models import ReceptionBooking, ReceptionSession


def _active(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def is_reception_office(user: Any) -> bool:
    return _active(user) and (user.is_superuser or user_has_role(user, "dispatcher", "operator"))


def may_use_reception(user: Any) -> bool:
    """May open the 局长接待日 part of the admin at all."""
    return _active(user) and (
        user.is_superuser or user_has_role(user, "dispatcher", "operator", "handler", "leader")
    )


def may_create_session(user: Any) -> bool:
    return is_reception_office(user) or (
        _active(user) and user_has_role(user, "handler") and user.department_id
    )


def sessions_visible(
    user: Any, queryset: QuerySet[ReceptionSession] | None = None
) -> QuerySet[ReceptionSession]:
    queryset = ReceptionSession.objects.all() if queryset is None else queryset
    if not may_use_reception(user):
        return queryset.none()
    if user.is_superuser or user_has_role(user, "dispatcher", "operator", "leader"):
        return queryset
    return scope_queryset(user, queryset, department_field="department")


def sessions_manageable(
    user: Any, queryset: QuerySet[ReceptionSession] | None = None
) -> QuerySet[ReceptionSession]:
    queryset = ReceptionSession.objects.all() if queryset is None else queryset
    if is_reception_office(user):
        return queryset
    if _active(user) and user_has_role(user, "handler"):
        return scope_queryset(user, queryset, department_field="department")
    return queryset.none()


def can_manage_session(user: Any, session: ReceptionSession) -> bool:
    if is_reception_office(user):
        return True
    return sessions_manageable(user).filter(pk=session.pk).exists()


def bookings_visible(user: Any) -> QuerySet[ReceptionBooking]:
    return ReceptionBooking.objects.filter(session__in=sessions_visible(user))


def may_manage_department(user: Any, department: Any) -> bool:
    """May create or move a session to ``department`` (a Department or its pk)."""
    if is_reception_office(user):
        return True
    if not (_active(user) and user_has_role(user, "handler") and department is not None):
        return False
    from gongkai.accounts.access import visible_departments

    pk = getattr(department, "pk", department)
    return visible_departments(user).filter(pk=pk).exists()
