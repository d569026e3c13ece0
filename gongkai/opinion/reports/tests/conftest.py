"""A small hand-built day of posts whose statistics are known, and users with the report roles.

The day is 2026-06-01 in Asia/Shanghai (UTC+8):

====  =======  ======  =========  ========  ==========  =====
hour  source   event   district   sentiment  rumor      topic
====  =======  ======  =========  ========  ==========  =====
08    weibo    water   changyi    negative             water
08    weibo    water   changyi    negative             water
08    weibo    water   changyi    neutral
09    news     smell   longtan    negative   yes
09    news     smell   longtan    positive
23    weibo    —       —          neutral
====  =======  ======  =========  ========  ==========  =====

plus one post the evening before (the previous period) and one at midnight after (outside).
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from gongkai.accounts.models import DepartmentKind
from gongkai.accounts.services import department_upsert, staff_user_upsert
from gongkai.opinion.models import Event, EventStatus, Post, PostTopic, Source, SourceKind, Topic

TZ = ZoneInfo("Asia/Shanghai")
DAY = datetime.date(2026, 6, 1)


def local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TZ)


@pytest.fixture
def users(db):
    def make(username, roles):
        user, _ = staff_user_upsert(username=username, password=None, department=None, roles=roles)
        return user

    return {
        "analyst": make("analyst", ["opinion_analyst"]),
        "leader": make("leader", ["leader"]),
        "operator": make("operator", ["operator"]),
    }


@pytest.fixture
def dataset(db):
    city, _ = department_upsert(code="jilin", name="吉林市人民政府", kind=DepartmentKind.GOVERNMENT)
    department_upsert(
        code="changyi",
        name="吉林市昌邑区人民政府",
        short_name="昌邑区",
        parent=city,
        kind=DepartmentKind.DISTRICT,
    )
    department_upsert(
        code="longtan",
        name="吉林市龙潭区人民政府",
        short_name="龙潭区",
        parent=city,
        kind=DepartmentKind.DISTRICT,
    )
    weibo = Source.objects.create(code="weibo", name="新浪微博", kind=SourceKind.WEIBO)
    news = Source.objects.create(code="news", name="江城日报网", kind=SourceKind.RSS)
    water = Event.objects.create(
        key=1,
        label="松江路停水",
        top_terms=["停水", "松江路"],
        first_seen=local(DAY, 8),
        last_seen=local(DAY, 8, 30),
        post_count=3,
        negative_count=2,
        hotness=50.0,
        district="changyi",
    )
    smell = Event.objects.create(
        key=2,
        label="化工厂异味",
        first_seen=local(DAY, 9),
        last_seen=local(DAY, 9, 30),
        post_count=2,
        negative_count=1,
        rumor_candidate_count=1,
        hotness=80.0,
        district="longtan",
        status=EventStatus.ASSESSED,
        is_rumor=True,
    )
    topic = Topic.objects.create(name="供水保障", rule="停水 OR 供水")
    counter = iter(range(1, 1000))

    def post(when, source, sentiment, *, event=None, district="", rumor=False, topics=()):
        row = Post.objects.create(
            source=source,
            external_id=str(next(counter)),
            text="测试帖子",
            published_at=when,
            sentiment=sentiment,
            event=event,
            event_key=event.key if event else None,
            district=district,
            rumor_candidate=rumor,
        )
        for t in topics:
            PostTopic.objects.create(post=row, topic=t, published_at=when)
        return row

    post(local(DAY, 8, 5), weibo, "negative", event=water, district="changyi", topics=[topic])
    post(local(DAY, 8, 10), weibo, "negative", event=water, district="changyi", topics=[topic])
    post(local(DAY, 8, 59), weibo, "neutral", event=water, district="changyi")
    post(local(DAY, 9, 0), news, "negative", event=smell, district="longtan", rumor=True)
    post(local(DAY, 9, 30), news, "positive", event=smell, district="longtan")
    post(local(DAY, 23, 30), weibo, "neutral")
    post(local(DAY, 0) - datetime.timedelta(minutes=1), weibo, "neutral")  # the day before
    post(local(DAY + datetime.timedelta(days=1), 0), weibo, "negative")  # the day after
    return {"weibo": weibo, "news": news, "water": water, "smell": smell, "topic": topic}
