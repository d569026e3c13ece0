"""Fixtures of the workspace tests: an analyst, a clerk without the role, sources, topics, posts, events.

Posts are written with the ORM (as ingest would have stored them) so that each test controls every
field; the ingest path itself is tested in gongkai/opinion/tests.
"""

from __future__ import annotations

import datetime
import itertools

import pytest
import time_machine

from gongkai.accounts.services import staff_user_upsert
from gongkai.opinion.models import Event, Post, PostTopic, Source, SourceKind, Topic

NOW = datetime.datetime(2026, 6, 1, 9, 30, tzinfo=datetime.UTC)  # 17:30 in Jilin
_ids = itertools.count(1)


@pytest.fixture
def clock(db):
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def analyst(db):
    user, _ = staff_user_upsert(
        username="analyst",
        password=None,
        department=None,
        roles=["opinion_analyst"],
        last_name="周",
        first_name="杰",
    )
    return user


@pytest.fixture
def clerk(db):
    user, _ = staff_user_upsert(username="clerk", password=None, department=None, roles=["operator"])
    return user


@pytest.fixture
def login(client):
    def as_(user):
        client.force_login(user)
        return client

    return as_


@pytest.fixture
def weibo(db):
    return Source.objects.create(code="weibo", name="新浪微博", kind=SourceKind.WEIBO)


@pytest.fixture
def news(db):
    return Source.objects.create(code="rss-news", name="江城日报", kind=SourceKind.RSS)


@pytest.fixture
def make_post(weibo):
    def make(text: str, *, minutes: int = 0, source=None, topics=(), **fields) -> Post:
        published = NOW - datetime.timedelta(minutes=minutes)
        post = Post.objects.create(
            source=source or weibo,
            external_id=f"p{next(_ids)}",
            text=text,
            normalized_text=fields.pop("normalized_text", text.lower()),
            published_at=published,
            **fields,
        )
        for topic in topics:
            PostTopic.objects.create(post=post, topic=topic, published_at=published)
        return post

    return make


@pytest.fixture
def make_event(db):
    def make(title: str, *, hotness: float = 1.0, **fields) -> Event:
        return Event.objects.create(
            key=next(_ids),
            title=title,
            first_seen=fields.pop("first_seen", NOW - datetime.timedelta(hours=5)),
            last_seen=fields.pop("last_seen", NOW),
            hotness=hotness,
            **fields,
        )

    return make


@pytest.fixture
def heating(db):
    return Topic.objects.create(name="供热", rule="(供热 OR 暖气) AND 不热")
