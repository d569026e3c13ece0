"""Writes about departments, staff and their roles. Admin, API, demo and commands all call these."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from gongkai.accounts.models import Department, RoleGroup
from gongkai.accounts.roles import role_get


@transaction.atomic
def department_upsert(
    *, code: str, name: str, parent: Department | None = None, **fields: Any
) -> tuple[Department, bool]:
    """Create the department ``code`` or update it to the given values; return ``(department, created)``.

    Idempotent by ``code`` (the demo loader and imports run it repeatedly). Every field is
    validated with ``full_clean()`` before saving.
    """
    department = Department.objects.select_for_update().filter(code=code).first()
    created = department is None
    if created:
        department = Department(code=code)
    department.name = name
    department.parent = parent
    for field_name, value in fields.items():
        setattr(department, field_name, value)
    department.full_clean()
    department.save()
    return department, created


@transaction.atomic
def user_roles_set(*, user: Any, codes: Iterable[str]) -> None:
    """Make ``user`` hold exactly the roles ``codes``; groups that are not roles are left alone.

    Run ``roles_sync()`` first (migrate does): a role without its group raises ``RoleGroup.DoesNotExist``.
    """
    codes = set(codes)
    for code in codes:
        role_get(code)
    role_groups = {link.code: link.group for link in RoleGroup.objects.select_related("group")}
    for code, group in role_groups.items():
        if code in codes:
            user.groups.add(group)
        else:
            user.groups.remove(group)
    missing = codes - role_groups.keys()
    if missing:
        raise RoleGroup.DoesNotExist(f"roles not synced yet: {', '.join(sorted(missing))}")
    user.__dict__.pop("_gongkai_role_codes", None)


@transaction.atomic
def staff_user_upsert(
    *,
    username: str,
    password: str | None,
    department: Department | None,
    last_name: str = "",
    first_name: str = "",
    job_title: str = "",
    phone: str = "",
    email: str = "",
    roles: Iterable[str] = (),
    is_superuser: bool = False,
) -> tuple[Any, bool]:
    """Create or update the staff user ``username``; return ``(user, created)``.

    - ``password`` is set only when the user is created (``None``: unusable password), so a
      re-run never undoes a password the person changed.
    - Staff always get ``is_staff``; ``roles`` replaces the user's role groups.
    """
    User = get_user_model()
    user = User.objects.select_for_update().filter(username=username).first()
    created = user is None
    if created:
        user = User(username=username)
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
    user.department = department
    user.last_name = last_name
    user.first_name = first_name
    user.job_title = job_title
    user.phone = phone
    user.email = email
    user.is_staff = True
    user.is_superuser = is_superuser
    user.is_active = True
    user.full_clean(exclude=["password"])
    user.save()
    user_roles_set(user=user, codes=roles)
    return user, created
