"""Fixtures: two departments, staff of each role that matters, and a session open for booking."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from gongkai.accounts.models import DepartmentKind
from gongkai.accounts.services import department_upsert, staff_user_upsert
from gongkai.hotline.reception.models import ReceptionSession, SessionStatus


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def tree(db):
    city, _ = department_upsert(code="city", name="吉林市人民政府", kind=DepartmentKind.GOVERNMENT)
    rexian, _ = department_upsert(
        code="rexian", name="12345热线", parent=city, kind=DepartmentKind.GOVERNMENT_OFFICE
    )
    zhujian, _ = department_upsert(
        code="zhujian", name="吉林市住房和城乡建设局", short_name="市住建局", parent=city
    )
    jiaoyu, _ = department_upsert(code="jiaoyu", name="吉林市教育局", short_name="市教育局", parent=city)
    return {"city": city, "rexian": rexian, "zhujian": zhujian, "jiaoyu": jiaoyu}


@pytest.fixture
def users(tree):
    def make(username, department, roles):
        user, _ = staff_user_upsert(username=username, password=None, department=department, roles=roles)
        return user

    return {
        "dispatcher": make("disp", tree["rexian"], ["dispatcher"]),
        "handler_zhujian": make("hz", tree["zhujian"], ["handler"]),
        "handler_jiaoyu": make("hj", tree["jiaoyu"], ["handler"]),
        "drafter": make("dr", tree["zhujian"], ["drafter"]),
    }


@pytest.fixture
def make_session(tree):
    def make(**kwargs):
        now = timezone.now()
        day = timezone.localdate() + datetime.timedelta(days=7)
        values = {
            "department": tree["zhujian"],
            "official_name": "王建国",
            "official_title": "局长",
            "date": day,
            "start_time": datetime.time(9, 0),
            "end_time": datetime.time(11, 30),
            "place": "市住建局一楼接待室",
            "topic": "供热、物业、老旧小区改造",
            "slots": 3,
            "booking_opens_at": now - datetime.timedelta(days=1),
            "booking_closes_at": now + datetime.timedelta(days=5),
            "status": SessionStatus.OPEN,
        }
        values.update(kwargs)
        return ReceptionSession.objects.create(**values)

    return make


@pytest.fixture
def session(make_session):
    return make_session()
