"""Who may use the disclosure workspace, and which rows they see.

The workspace belongs to the city's disclosure office (公开办, ``disclosure_office``, city-wide) and
to the departments' clerks (部门公开专员, ``disclosure_clerk``, their department and the units under
it). The checks are model permissions, so an administrator who takes a permission away from a group
takes the page away too; the rows are scoped with ``accounts.access`` (department isolation: a row
the user may not see is answered 404, like a missing one).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from gongkai.accounts.roles import user_is_city_wide
from gongkai.disclosure import selectors
from gongkai.disclosure.models import Application, ReviewCase

VIEW = "disclosure.view_application"
ADD = "disclosure.add_application"
HANDLE = "disclosure.handle_application"
APPROVE_EXTENSION = "disclosure.approve_extension"
VIEW_IDENTITY = "disclosure.view_applicant_identity"


def _active(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def is_workspace_user(user: Any) -> bool:
    """The office, the clerks and superusers: whoever may read applications."""
    return _active(user) and user.has_perm(VIEW)


def may_register(user: Any) -> bool:
    """登记申请: applications received on paper, by fax or orally."""
    return is_workspace_user(user) and user.has_perm(ADD)


def may_handle(user: Any) -> bool:
    return is_workspace_user(user) and user.has_perm(HANDLE)


def may_approve_extension(user: Any) -> bool:
    """The office head's approval of a longer reply period (条例第三十三条)."""
    return is_workspace_user(user) and user.has_perm(APPROVE_EXTENSION)


def may_see_identity(user: Any) -> bool:
    return is_workspace_user(user) and user.has_perm(VIEW_IDENTITY)


def is_city_wide(user: Any) -> bool:
    """The disclosure office (and superusers): every department, the per-department table."""
    return is_workspace_user(user) and user_is_city_wide(user)


def may_see_cases(user: Any) -> bool:
    return _active(user) and user.has_perm("disclosure.view_reviewcase")


def may_add_cases(user: Any) -> bool:
    return may_see_cases(user) and user.has_perm("disclosure.add_reviewcase")


def may_change_cases(user: Any) -> bool:
    return may_see_cases(user) and user.has_perm("disclosure.change_reviewcase")


def applications_visible(user: Any) -> QuerySet[Application]:
    """The applications of the departments the user sees (``selectors.application_queryset_for``)."""
    return selectors.application_queryset_for(user=user)


def application_or_404(user: Any, pk: Any) -> Application:
    try:
        return applications_visible(user).select_related("department").get(pk=pk)
    except (Application.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("not found") from exc


def cases_visible(user: Any) -> QuerySet[ReviewCase]:
    return selectors.review_case_queryset_for(user=user)


def case_or_404(user: Any, pk: Any) -> ReviewCase:
    try:
        return cases_visible(user).select_related("department", "application").get(pk=pk)
    except (ReviewCase.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("not found") from exc
