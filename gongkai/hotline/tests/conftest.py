"""Fixtures: a small org tree, one user per role, and orders walked to any state."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from gongkai.accounts.models import DepartmentKind
from gongkai.accounts.services import department_upsert, staff_user_upsert
from gongkai.hotline import services
from gongkai.hotline.models import CallbackOutcome, OrderType, Satisfaction, Status

TZ = ZoneInfo("Asia/Shanghai")
# A Monday morning in a known calendar year.
START = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=TZ)


@pytest.fixture(autouse=True)
def _fresh_process_copies():
    """What a process keeps between requests (the intake's block of numbers and keys, its copy of
    the routing catalogue) does not outlive a test, whose database is rolled back or emptied."""
    from gongkai.hotline import selectors

    yield
    services.INTAKE_KEYS.clear()
    selectors.forget_categories()


@pytest.fixture
def clock(db):
    """Travel to START; ``clock.shift(...)`` moves on."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def tree(db):
    city, _ = department_upsert(code="city", name="吉林市人民政府", kind=DepartmentKind.GOVERNMENT)
    rexian, _ = department_upsert(
        code="rexian", name="12345热线", parent=city, kind=DepartmentKind.GOVERNMENT_OFFICE
    )
    dept_a, _ = department_upsert(
        code="dept-a", name="吉林市住房和城乡建设局", short_name="市住建局", parent=city
    )
    dept_b, _ = department_upsert(code="dept-b", name="吉林市教育局", short_name="市教育局", parent=city)
    district, _ = department_upsert(
        code="district", name="昌邑区人民政府", parent=city, kind=DepartmentKind.DISTRICT
    )
    street, _ = department_upsert(
        code="street", name="延安街道办事处", parent=district, kind=DepartmentKind.STREET
    )
    return {
        "city": city,
        "rexian": rexian,
        "dept_a": dept_a,
        "dept_b": dept_b,
        "district": district,
        "street": street,
    }


@pytest.fixture
def users(tree):
    def make(username, department, roles, **extra):
        user, _ = staff_user_upsert(
            username=username, password=None, department=department, roles=roles, **extra
        )
        return user

    return {
        "operator": make("op", tree["rexian"], ["operator"]),
        "dispatcher": make("disp", tree["rexian"], ["dispatcher"]),
        "leader": make("lead", tree["city"], ["leader"]),
        "handler_a": make("ha", tree["dept_a"], ["handler"], email="ha@example.org", phone="13900000001"),
        "handler_b": make("hb", tree["dept_b"], ["handler"]),
        "handler_district": make("hd", tree["district"], ["handler"]),
        "handler_street": make("hs", tree["street"], ["handler"]),
    }


@pytest.fixture
def make_order(db):
    def make(**kwargs):
        values = {
            "channel": "phone",
            "content": "小区门前路灯不亮已经一周，晚上出行很不方便。",
            "order_type": OrderType.COMPLAINT,
            "caller_name": "张三",
            "caller_phone": "13812345678",
        }
        values.update(kwargs)
        order, _code = services.work_order_create(**values)
        return order

    return make


@pytest.fixture
def walk(users, tree, make_order):
    """``walk(state)`` returns a fresh order brought to ``state`` through the services."""
    u = users

    def to(state, **kwargs):
        order = make_order(**kwargs)
        if state == Status.RECEIVED:
            return order
        if state == Status.INVALID:
            return services.work_order_mark_invalid(work_order=order, actor=u["operator"], reason="骚扰电话")
        if state == Status.MERGED:
            lead = make_order()
            return services.work_order_merge(
                work_order=order, actor=u["dispatcher"], into=lead, reason="重复"
            )
        order = services.work_order_dispatch(
            work_order=order, actor=u["dispatcher"], department=tree["dept_a"]
        )
        if state == Status.DISPATCHED:
            return order
        if state == Status.RETURNED:
            return services.work_order_return(
                work_order=order, actor=u["handler_a"], reason="不属于本单位职责"
            )
        order = services.work_order_accept(work_order=order, actor=u["handler_a"])
        if state == Status.IN_PROGRESS:
            return order
        order = services.work_order_reply(
            work_order=order, actor=u["handler_a"], reply_text="已修复路灯，电话13812345678。"
        )
        if state == Status.REPLIED:
            return order
        order = services.work_order_approve_reply(work_order=order, actor=u["dispatcher"])
        if state == Status.AWAITING_CALLBACK:
            return order
        order = services.work_order_record_callback(
            work_order=order,
            actor=u["operator"],
            outcome=CallbackOutcome.REACHED,
            satisfaction=Satisfaction.SATISFIED,
        )
        assert state == Status.CLOSED
        return order

    return to
