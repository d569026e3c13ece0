"""Accounts endpoints under /api/v1/accounts/: the public org tree, the role catalogue for staff."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from gongkai.accounts.models import User
from gongkai.accounts.roles import ROLE_LIST
from gongkai.accounts.selectors import DepartmentNode, department_tree
from gongkai.api.errors import PermissionDenied

router = Router(tags=["accounts"])


class AuthenticatedRequest(HttpRequest):
    """A request that passed the router's authentication: ninja puts the user in ``auth``."""

    auth: User


class DepartmentOut(Schema):
    code: str
    name: str
    short_name: str
    kind: str
    kind_label: str
    credit_code: str
    phone: str
    address: str
    children: list[DepartmentOut]


DepartmentOut.model_rebuild()


class RoleOut(Schema):
    code: str
    name: str
    description: str
    scope: str
    permissions: list[str]


def _department_out(node: DepartmentNode) -> dict:
    department = node.department
    return {
        "code": department.code,
        "name": department.name,
        "short_name": department.short_name,
        "kind": department.kind,
        "kind_label": str(department.get_kind_display()),
        "credit_code": department.credit_code,
        "phone": department.phone,
        "address": department.address,
        "children": [_department_out(child) for child in node.children],
    }


@router.get(
    "/departments",
    response=list[DepartmentOut],
    auth=None,
    summary="机构树 / Department tree",
    description="全市机构（启用的），按上下级嵌套。公开信息，无需登录。",
)
def department_tree_api(request: HttpRequest):
    return [_department_out(root) for root in department_tree()]


@router.get("/roles", response=list[RoleOut], summary="角色 / Roles")
def role_list_api(request: AuthenticatedRequest):
    user = request.auth
    if not user.is_staff:
        raise PermissionDenied(_("仅限工作人员。"))
    return [
        {
            "code": role.code,
            "name": str(role.label),
            "description": str(role.description),
            "scope": role.scope.value,
            "permissions": list(role.permissions),
        }
        for role in ROLE_LIST
    ]
