import datetime

import pytest
from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction

from gongkai.opinion.models import ClustererState, Event, Post, PostTopic, Topic

pytestmark = pytest.mark.django_db

AT = datetime.datetime(2026, 6, 1, 1, 0, tzinfo=datetime.UTC)


def test_a_post_is_unique_per_source_and_external_id(source):
    Post.objects.create(source=source, external_id="1", text="停水", published_at=AT)
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.create(source=source, external_id="1", text="又停水", published_at=AT)
    assert Post.objects.count() == 1


def test_a_topic_link_is_unique_and_carries_the_post_time(source):
    post = Post.objects.create(source=source, external_id="1", text="停水", published_at=AT)
    topic = Topic.objects.create(name="供水", rule="停水")
    PostTopic.objects.create(post=post, topic=topic, published_at=post.published_at)
    with pytest.raises(IntegrityError), transaction.atomic():
        PostTopic.objects.create(post=post, topic=topic, published_at=post.published_at)
    assert list(topic.posts.all()) == [post]


def test_event_title_falls_back_to_the_clusterer_label():
    event = Event.objects.create(key=7, label="松江路停水", first_seen=AT, last_seen=AT)
    assert str(event) == "松江路停水"
    event.title = "松江路片区停水事件"
    assert event.display_title == "松江路片区停水事件"
    assert Event(key=8, first_seen=AT, last_seen=AT).display_title == "事件 8"


def test_clusterer_state_has_one_row_per_partition():
    ClustererState.objects.create(name="default", state={"format": 1})
    with pytest.raises(IntegrityError), transaction.atomic():
        ClustererState.objects.create(name="default")


def test_the_analyst_role_gets_the_opinion_permissions(analyst):
    codenames = set(
        Permission.objects.filter(group__user=analyst, content_type__app_label="opinion").values_list(
            "codename", flat=True
        )
    )
    assert {
        "view_post",
        "view_event",
        "change_event",
        "add_topic",
        "change_topic",
        "delete_topic",
    } <= codenames
    assert "add_ingestclient" not in codenames  # vendors' keys are the administrator's
