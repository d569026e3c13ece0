"""Writes about departments, staff and their roles. Admin, API, demo and commands all call these."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.db import transaction
from django.http import HttpRequest

from gongkai.accounts.models import Department, RoleGroup, User, phone_mask
from gongkai.accounts.roles import role_get
from gongkai.core.audit.models import AuditEvent
from gongkai.core.audit.services import audit_record

STAFF_AUDIT_FIELDS = (
    "username",
    "last_name",
    "first_name",
    "email",
    "department",
    "job_title",
    "phone",
    "is_active",
    "is_superuser",
    "roles",
)
"""What ``staff_user_audit`` compares. Never the password hash: a new password is only named."""


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
    if department is None:
        department = Department(code=code)
    department.name = name
    department.parent = parent
    for field_name, value in fields.items():
        setattr(department, field_name, value)
    department.full_clean()
    department.save()
    return department, created


@transaction.atomic
def user_roles_set(*, user: User, codes: Iterable[str]) -> None:
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
) -> tuple[User, bool]:
    """Create or update the staff user ``username``; return ``(user, created)``.

    - ``password`` is set only when the user is created (``None``: unusable password), so a
      re-run never undoes a password the person changed.
    - Staff always get ``is_staff``; ``roles`` replaces the user's role groups.
    """
    user = User.objects.select_for_update().filter(username=username).first()
    created = user is None
    if user is None:
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


def staff_user_snapshot(user: User) -> dict[str, Any]:
    """The audited values of ``user`` (``STAFF_AUDIT_FIELDS``), read from the database for roles.

    Take it before a change and pass it to ``staff_user_audit`` afterwards.
    """
    department = user.department
    return {
        "username": user.username,
        "last_name": user.last_name,
        "first_name": user.first_name,
        "email": user.email,
        "department": {"pk": department.pk, "name": department.name} if department is not None else None,
        "job_title": user.job_title,
        "phone": user.phone,
        "is_active": user.is_active,
        "is_superuser": user.is_superuser,
        "roles": sorted(user.groups.values_list("name", flat=True)) if user.pk is not None else [],
    }


def staff_user_audit(
    *,
    actor: Any,
    user: User,
    before: Mapping[str, Any] | None,
    password_changed: bool = False,
    request: HttpRequest | None = None,
) -> AuditEvent | None:
    """Record what changed on ``user`` since the snapshot ``before`` (``None``: the user is new).

    ``accounts.user_created`` lists the new user's non-empty values; ``accounts.user_changed``
    only the values that changed, and nothing at all is written when none did. The phone number
    is recorded masked, the password only as the name ``password`` in ``fields``. Call it inside
    the transaction of the change.
    """
    after = staff_user_snapshot(user)
    if before is None:
        changed = [name for name in STAFF_AUDIT_FIELDS if after[name] not in (None, "", [], False)]
    else:
        changed = [name for name in STAFF_AUDIT_FIELDS if before.get(name) != after[name]]
    if not changed and not password_changed:
        return None

    def shown(values: Mapping[str, Any]) -> dict[str, Any]:
        return {name: phone_mask(values[name] or "") if name == "phone" else values[name] for name in changed}

    return audit_record(
        actor=actor,
        action="accounts.user_created" if before is None else "accounts.user_changed",
        target=user,
        old=shown(before) if before is not None else None,
        new=shown(after),
        request=request,
        fields=[*changed, *(["password"] if password_changed else [])],
    )


# --- Deleting a user ---------------------------------------------------------------------------

# Who is deleting users right now, in this thread/context: set by the admin views around their
# delete (``user_deletion_by``), read by ``staff_user_deletion_audit`` (called from the pre_delete
# signal, so a delete through the ORM, a command or Django's admin is recorded too, with no actor).
_DELETING: contextvars.ContextVar[tuple[Any, HttpRequest | None] | None] = contextvars.ContextVar(
    "gongkai_user_deletion", default=None
)


@contextlib.contextmanager
def user_deletion_by(actor: Any, request: HttpRequest | None = None) -> Iterator[None]:
    """Attribute the user deletions made inside this block to ``actor`` (and ``request``)."""
    token = _DELETING.set((actor, request))
    try:
        yield
    finally:
        _DELETING.reset(token)


def user_deletion_actor_set(actor: Any, request: HttpRequest | None = None) -> None:
    """Like ``user_deletion_by`` for callers that cannot wrap the delete (Wagtail's bulk-action
    hooks); ``user_deletion_actor_clear`` (also run when the request finishes) ends it."""
    _DELETING.set((actor, request))


def user_deletion_actor_clear() -> None:
    _DELETING.set(None)


def staff_user_deletion_audit(*, user: User) -> AuditEvent:
    """Record that ``user`` is being deleted (``accounts.user_deleted``), with who deleted whom.

    Called for every deleted user by the ``pre_delete`` signal, inside the delete's transaction,
    while the user's roles still exist. The actor is the one ``user_deletion_by`` set, else none
    (a delete through the ORM, a management command or Django's admin). The event keeps the
    user's audited values (``STAFF_AUDIT_FIELDS``, phone masked): the account itself is gone after.
    """
    actor, request = _DELETING.get() or (None, None)
    before = staff_user_snapshot(user)
    before["phone"] = phone_mask(before["phone"] or "")
    return audit_record(
        actor=actor,
        action="accounts.user_deleted",
        target=user,
        old=before,
        request=request,
        note=str(user.get_username()),
    )
