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


# --- Applications (added by the handling services) -----------------------------------------------

#: A valid 18-digit resident ID (check digit 8) and an organisation's valid credit code.
RESIDENT_ID = "220202198001010018"


def _credit_code() -> str:
    from gongkai.accounts.credit_code import credit_code_build

    return credit_code_build(authority="9", kind="1", division="220200", organization_body="12345678")


#: Everything 条例第二十九条 asks of a natural person: such an application goes straight to 登记.
COMPLETE_APPLICATION = {
    "applicant_type": "natural_person",
    "applicant_name": "张三",
    "phone": "13800000001",
    "email": "zhang@example.org",
    "address": "吉林市船营区北京路1号",
    "postal_code": "132011",
    "id_type": "resident_id",
    "id_number": RESIDENT_ID,
    "description": "2025年船营区老旧小区改造项目的资金使用情况",
    "provision_form": "electronic",
    "provision_channel": "email",
}


@pytest.fixture
def make_application(tree, clock):
    """``make_application(**overrides)`` submits a complete online application to dept_a (at START
    unless the clock moved); the query code is on ``application.query_code``."""
    from gongkai.disclosure.services import application_submit

    def make(**overrides):
        values = {**COMPLETE_APPLICATION, "department": tree["dept_a"], **overrides}
        application, code = application_submit(**values)
        application.query_code = code
        return application

    return make


@pytest.fixture
def walk_application(make_application, users):
    """``walk_application(state, **overrides)``: an application (of dept_a unless ``department=``)
    walked by clerk_a (the office for other departments) to
    ``state`` (any ``Status`` value) on the day of the clock; returns it fresh from the database.

    registered → as submitted; reviewing → reviewed; handling → accepted; correction → submitted
    without a description; awaiting_fee → a per-page fee notice for 50 pages; replied → disclosed;
    terminated → withdrawn (other_other); archived → replied, delivered, archived."""
    from gongkai.disclosure import services
    from gongkai.disclosure.models import Application

    def walk(state, **overrides):
        # clerk_a for dept_a; the city's disclosure office for any other department.
        department = overrides.get("department")
        clerk = users["clerk_a"] if department is None or department.code == "dept-a" else users["office"]
        if state == "correction":
            overrides.setdefault("description", "")
        app = make_application(**overrides)
        code = app.query_code
        if state in ("registered", "correction"):
            pass
        elif state == "reviewing":
            services.application_review(application=app, actor=clerk)
        elif state == "terminated":
            services.application_terminate(
                application=app, actor=clerk, ground="other_other", reason="申请人撤回申请"
            )
        else:
            services.application_accept(application=app, actor=clerk)
            if state == "awaiting_fee":
                services.fee_notice_issue(application=app, actor=clerk, method="per_page", pages=50)
            elif state in ("replied", "archived"):
                services.application_reply(
                    application=app,
                    actor=clerk,
                    reply_type="disclosed",
                    ground="disclosed",
                    body="经查，现将所申请的信息提供给您（见附件）。",
                )
                if state == "archived":
                    services.delivery_record(application=app, actor=clerk, channel="email")
                    services.application_archive(application=app, actor=clerk)
            elif state != "handling":
                raise ValueError(f"walk_application: unknown state {state!r}")
        fresh = Application.objects.get(pk=app.pk)
        fresh.query_code = code
        assert fresh.status == state, (fresh.status, state)
        return fresh

    return walk
