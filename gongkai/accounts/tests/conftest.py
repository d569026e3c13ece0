"""Fixtures for accounts tests: a small org tree and one user per kind of access."""

from __future__ import annotations

import pytest

from gongkai.accounts.models import DepartmentKind
from gongkai.accounts.services import department_upsert, staff_user_upsert

PASSWORD = "Test-password-2026"


@pytest.fixture
def tree(db):
    """city ─┬─ dept_a (公安局)
    ├─ dept_b (教育局)
    └─ district (昌邑区) ── street (延安街道)
    """
    city, _ = department_upsert(code="city", name="吉林市人民政府", kind=DepartmentKind.GOVERNMENT)
    dept_a, _ = department_upsert(code="dept-a", name="吉林市公安局", parent=city, sort_order=20)
    dept_b, _ = department_upsert(code="dept-b", name="吉林市教育局", parent=city, sort_order=10)
    district, _ = department_upsert(
        code="district", name="昌邑区人民政府", parent=city, kind=DepartmentKind.DISTRICT
    )
    street, _ = department_upsert(
        code="street", name="延安街道办事处", parent=district, kind=DepartmentKind.STREET
    )
    return {"city": city, "dept_a": dept_a, "dept_b": dept_b, "district": district, "street": street}


@pytest.fixture
def make_user(db):
    def make(username, *, department=None, roles=(), is_superuser=False, password=PASSWORD):
        user, _ = staff_user_upsert(
            username=username,
            password=password,
            department=department,
            roles=roles,
            is_superuser=is_superuser,
        )
        return user

    return make


@pytest.fixture
def users(tree, make_user):
    from django.contrib.auth.models import AnonymousUser

    return {
        "anonymous": AnonymousUser(),
        "handler_a": make_user("handler.a", department=tree["dept_a"], roles=["handler"]),
        "handler_b": make_user("handler.b", department=tree["dept_b"], roles=["handler"]),
        "handler_district": make_user("handler.district", department=tree["district"], roles=["handler"]),
        "dispatcher": make_user("dispatcher", department=tree["city"], roles=["dispatcher"]),
        "superuser": make_user("root", is_superuser=True),
    }
