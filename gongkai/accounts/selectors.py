"""Reads about departments and staff. Other apps call these rather than querying the models."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from gongkai.accounts.models import PATH_SEPARATOR, Department
from gongkai.accounts.roles import role_get


@dataclass
class DepartmentNode:
    """A department with its children, as ``department_tree()`` returns it."""

    department: Department
    children: list[DepartmentNode] = field(default_factory=list)

    def walk(self, depth: int = 0):
        """Yield ``(depth, department)`` for this node and its subtree, depth-first in display order."""
        yield depth, self.department
        for child in self.children:
            yield from child.walk(depth + 1)


def department_get_by_code(code: str) -> Department:
    """Return the department with this slug code (``Department.DoesNotExist`` if none)."""
    return Department.objects.get(code=code)


def department_descendants(department: Department, *, include_self: bool = False) -> QuerySet[Department]:
    """Return every department under ``department`` (its whole subtree), ordered by path."""
    queryset = Department.objects.filter(path__startswith=department.path)
    if not include_self:
        queryset = queryset.exclude(pk=department.pk)
    return queryset


def department_ancestors(department: Department, *, include_self: bool = False) -> QuerySet[Department]:
    """Return the departments above ``department``, root first."""
    pks = [int(part) for part in department.path.split(PATH_SEPARATOR) if part]
    if not include_self:
        pks = [pk for pk in pks if pk != department.pk]
    return Department.objects.filter(pk__in=pks).order_by("depth")


def department_tree(
    *, queryset: QuerySet[Department] | None = None, active_only: bool = True
) -> list[DepartmentNode]:
    """Return the departments as a forest of ``DepartmentNode``, siblings by (sort order, name).

    One query. A department whose parent is not in ``queryset`` becomes a root, so the tree of a
    scoped queryset (``visible_departments(user)``) starts at the user's own department. With
    ``active_only`` an inactive department and everything under it are left out.
    """
    if queryset is None:
        queryset = Department.objects.all()
    departments = list(queryset)
    if active_only:
        # An inactive department hides its whole subtree (a dissolved district's streets).
        inactive = tuple(department.path for department in departments if not department.is_active)
        departments = [department for department in departments if not department.path.startswith(inactive)]
    nodes = {department.pk: DepartmentNode(department) for department in departments}
    roots: list[DepartmentNode] = []
    for node in nodes.values():
        parent_id = node.department.parent_id
        parent = nodes.get(parent_id) if parent_id is not None else None
        (parent.children if parent is not None else roots).append(node)

    def key(node: DepartmentNode) -> tuple[int, str]:
        return node.department.sort_order, node.department.name

    def sort(siblings: list[DepartmentNode]) -> None:
        siblings.sort(key=key)
        for node in siblings:
            sort(node.children)

    sort(roots)
    return roots


def department_tree_flat(
    *, queryset: QuerySet[Department] | None = None, active_only: bool = True
) -> list[tuple[int, Department]]:
    """Return ``(depth, department)`` pairs in display order (for indented lists and select boxes)."""
    return [
        pair for root in department_tree(queryset=queryset, active_only=active_only) for pair in root.walk()
    ]


def users_with_role(
    code: str, *, department: Department | None = None, include_descendants: bool = False
) -> QuerySet[Any]:
    """Return the active users holding role ``code``, optionally in ``department`` (and below)."""
    role_get(code)
    queryset = get_user_model().objects.filter(is_active=True, groups__role__code=code)
    if department is not None:
        if include_descendants:
            queryset = queryset.filter(department__path__startswith=department.path)
        else:
            queryset = queryset.filter(department=department)
    return queryset.distinct().order_by("username")
