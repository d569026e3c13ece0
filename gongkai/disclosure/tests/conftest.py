"""Shared fixtures of the disclosure tests: a small org tree, one user per disclosure role, a clock.

Helpers that need more (an application walked to a state…) add fixtures here, next to these.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from gongkai.accounts.models import DepartmentKind
from gongkai.accounts.services import department_upsert, staff_user_upsert

TZ = ZoneInfo("Asia/Shanghai")
# A Monday morning in a known calendar year (the seeded work calendar knows 2026).
START = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=TZ)


@pytest.fixture
def clock(db):
    """Travel to START; ``clock.shift(datetime.timedelta(days=…))`` moves on."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def tree(db):
    city, _ = department_upsert(code="city", name="吉林市人民政府", kind=DepartmentKind.GOVERNMENT)
    office, _ = department_upsert(
        code="gov-office", name="吉林市人民政府办公室", parent=city, kind=DepartmentKind.GOVERNMENT_OFFICE
    )
    dept_a, _ = department_upsert(
        code="dept-a", name="吉林市住房和城乡建设局", short_name="市住建局", parent=city
    )
    dept_b, _ = department_upsert(code="dept-b", name="吉林市教育局", short_name="市教育局", parent=city)
    return {"city": city, "office": office, "dept_a": dept_a, "dept_b": dept_b}


@pytest.fixture
def users(tree):
    def make(username, department, roles, **extra):
        user, _ = staff_user_upsert(
            username=username, password=None, department=department, roles=roles, **extra
        )
        return user

    return {
        # The city's disclosure office: every department, approves extensions (office head).
        "office": make("gkb", tree["office"], ["disclosure_office"], email="gkb@example.org"),
        "office_head": make("gkb-head", tree["office"], ["disclosure_office"], phone="13900000009"),
        "clerk_a": make("clerk-a", tree["dept_a"], ["disclosure_clerk"], email="a@example.org"),
        "clerk_b": make("clerk-b", tree["dept_b"], ["disclosure_clerk"]),
        "handler_a": make("handler-a", tree["dept_a"], ["handler"]),
    }
