"""Fixtures: a small org tree, one user per role, events and posts written as the pipeline stores them."""

from __future__ import annotations

import datetime
import itertools

import pytest
import time_machine

from gongkai.accounts.models import DepartmentKind
from gongkai.accounts.services import department_upsert, staff_user_upsert
from gongkai.opinion.models import Event, Post, Source, SourceKind

NOW = datetime.datetime(2026, 6, 1, 1, 0, tzinfo=datetime.UTC)  # 09:00 in Jilin
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)

_keys = itertools.count(1000)


@pytest.fixture(autouse=True)
def _without_starter_rules(request):
    """Tests write the rules they need (the migration's starter rules have a test of their own)."""
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("db")
    from gongkai.opinion.response.models import AlertRuleConfig

    AlertRuleConfig.objects.all().delete()


@pytest.fixture
def clock(db):
    """Travel to NOW; ``clock.shift(seconds)`` or ``clock.move_to(moment)`` moves on."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def tree(db):
    city, _ = department_upsert(code="jilin", name="吉林市人民政府", kind=DepartmentKind.GOVERNMENT)
    press, _ = department_upsert(
        code="xinwenban",
        name="吉林市人民政府新闻办公室",
        short_name="市新闻办",
        parent=city,
        kind=DepartmentKind.GOVERNMENT_OFFICE,
    )
    water, _ = department_upsert(code="shuiwu", name="吉林市水务局", short_name="市水务局", parent=city)
    school, _ = department_upsert(code="jiaoyu", name="吉林市教育局", short_name="市教育局", parent=city)
    district, _ = department_upsert(
        code="changyi",
        name="吉林市昌邑区人民政府",
        short_name="昌邑区",
        parent=city,
        kind=DepartmentKind.DISTRICT,
    )
    street, _ = department_upsert(
        code="changyi-yanan", name="昌邑区延安街道办事处", parent=district, kind=DepartmentKind.STREET
    )
    return {
        "city": city,
        "press": press,
        "water": water,
        "school": school,
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
        "analyst": make(
            "analyst", tree["press"], ["opinion_analyst"], email="a@example.org", phone="13900000001"
        ),
        "analyst2": make("analyst2", tree["press"], ["opinion_analyst"], email="a2@example.org"),
        "press": make("press", tree["press"], ["press_office"], email="p@example.org"),
        "leader": make("leader", tree["city"], ["leader"], email="l@example.org"),
        "water": make("water", tree["water"], ["handler"], email="w@example.org", phone="13900000002"),
        "school": make("school", tree["school"], ["handler"], email="s@example.org"),
        "district": make("district", tree["district"], ["handler"], email="d@example.org"),
        "street": make("street", tree["street"], ["handler"], email="st@example.org"),
        "clerk": make("clerk", tree["city"], ["operator"], email="c@example.org"),
    }


@pytest.fixture
def source(db):
    return Source.objects.create(code="vendor-a", name="数据服务商甲", kind=SourceKind.VENDOR)


@pytest.fixture
def make_event(db):
    """An event as the ingest stores it; ``updated_at`` is when its hotness was computed."""

    def make(
        *, hotness=0.0, posts=0, negative=0, rumor=0, district="changyi", at=None, title="松江路停水", **extra
    ):
        at = at or NOW
        event = Event.objects.create(
            key=extra.pop("key", None) or next(_keys),
            label=title,
            first_seen=extra.pop("first_seen", at - 2 * HOUR),
            last_seen=extra.pop("last_seen", at),
            post_count=posts,
            negative_count=negative,
            rumor_candidate_count=rumor,
            hotness=hotness,
            district=district,
            **extra,
        )
        Event.objects.filter(pk=event.pk).update(updated_at=at)
        event.refresh_from_db()
        return event

    return make


@pytest.fixture
def make_posts(source):
    """``make_posts(event, times, **fields)``: one post per time, linked to the event."""
    counter = itertools.count(1)

    def make(event, times, **fields):
        rows = [
            Post(
                source=source,
                external_id=f"p{next(counter)}",
                text=fields.get("text", "松江路停水三天了，什么时候恢复供水？"),
                published_at=moment,
                event=event,
                event_key=event.key if event is not None else None,
                **{k: v for k, v in fields.items() if k != "text"},
            )
            for moment in times
        ]
        return Post.objects.bulk_create(rows)

    return make


def set_event(event: Event, at: datetime.datetime, **values) -> Event:
    """What the ingest does when a batch joins the event: new counters, hotness computed at ``at``."""
    Event.objects.filter(pk=event.pk).update(updated_at=at, last_seen=at, **values)
    event.refresh_from_db()
    return event
