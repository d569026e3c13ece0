"""Fixtures: a small org tree, users per role, articles, and a synthetic dispatched history."""

from __future__ import annotations

import datetime
import secrets
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from gongkai.accounts.models import DepartmentKind
from gongkai.accounts.services import department_upsert, staff_user_upsert
from gongkai.hotline.knowledge import selectors, synthetic
from gongkai.hotline.models import RoutingCategory, Status, WorkOrder

TZ = ZoneInfo("Asia/Shanghai")
START = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=TZ)


@pytest.fixture(autouse=True)
def _fresh_model_cache():
    selectors.MODEL_CACHE.clear()
    yield
    selectors.MODEL_CACHE.clear()


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def tree(db):
    city, _ = department_upsert(code="jilin", name="吉林市人民政府", kind=DepartmentKind.GOVERNMENT)
    rexian, _ = department_upsert(
        code="rexian", name="12345热线", parent=city, kind=DepartmentKind.GOVERNMENT_OFFICE
    )
    zhujian, _ = department_upsert(
        code="zhujian", name="吉林市住房和城乡建设局", short_name="市住建局", parent=city
    )
    chengguan, _ = department_upsert(
        code="chengguan", name="吉林市城市管理行政执法局", short_name="市城管执法局", parent=city
    )
    changyi, _ = department_upsert(
        code="changyi", name="昌邑区人民政府", parent=city, kind=DepartmentKind.DISTRICT
    )
    yanan, _ = department_upsert(
        code="changyi-yanan", name="延安街道办事处", parent=changyi, kind=DepartmentKind.STREET
    )
    xinghua, _ = department_upsert(
        code="changyi-xinghua", name="兴华街道办事处", parent=changyi, kind=DepartmentKind.STREET
    )
    return {
        "city": city,
        "rexian": rexian,
        "zhujian": zhujian,
        "chengguan": chengguan,
        "changyi": changyi,
        "yanan": yanan,
        "xinghua": xinghua,
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
        "admin": make("sysadmin", tree["rexian"], ["administrator"]),
        "handler": make("ha", tree["zhujian"], ["handler"]),
    }


def _department(code: str, cache: dict):
    if code not in cache:
        cache[code], _ = department_upsert(code=code, name=f"{code}单位", parent=cache["jilin"])
    return cache[code]


def _category(code: str, cache: dict):
    if code not in cache:
        spec = next(c for c in synthetic.CATALOGUE if c.code == code)
        parent = _category(spec.parent, cache) if spec.parent else None
        category = RoutingCategory.objects.filter(code=code).first()
        if category is None:
            category = RoutingCategory(code=code, name=spec.name, parent=parent, keywords=spec.keywords)
            category.save()
        cache[code] = category
    return cache[code]


@pytest.fixture
def load_history(tree):
    """``load_history(n, seed=...)`` writes ``n`` synthetic dispatched orders (bulk, for speed)."""

    def load(n: int, *, seed: int = 11, status: str = Status.IN_PROGRESS) -> list[WorkOrder]:
        departments: dict = {"jilin": tree["city"]}
        categories: dict = {}
        now = timezone.now()
        rows = []
        for i, item in enumerate(synthetic.generate_history(n, seed=seed)):
            created = item.created_at(now=now)
            rows.append(
                WorkOrder(
                    tracking_number=f"T{seed % 1000:03d}{i:08d}",
                    query_code_hash=secrets.token_hex(8),
                    channel=item.channel,
                    order_type=item.order_type,
                    category=_category(item.category, categories),
                    title=item.title,
                    content=item.content,
                    status=status,
                    lead_department=_department(item.department, departments),
                    dispatched_at=created,
                    created_at=created,
                )
            )
        return WorkOrder.objects.bulk_create(rows, batch_size=500)

    return load
