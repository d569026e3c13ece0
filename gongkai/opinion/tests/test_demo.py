"""The opinion demo: a generated week through the real pipeline, the response loop on top, loaded once."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone

from gongkai.opinion import demo, demo_text
from gongkai.opinion.models import Event, Post, PostTopic, SensitiveWord, Source, Topic

SCALE = 0.35  # about 1,800 posts: every matter keeps its shape, the test stays quick


def test_the_stream_is_deterministic_and_shaped_like_the_story():
    now = datetime.datetime(2026, 11, 28, 10, 0, tzinfo=datetime.UTC)
    first = demo_text.generate(now=now)
    again = demo_text.generate(now=now)
    assert [(p.source, p.external_id, p.text, p.published_at) for p in first.posts] == [
        (p.source, p.external_id, p.text, p.published_at) for p in again.posts
    ]
    posts = first.posts
    assert 3000 <= len(posts) <= 6000
    assert all(now - datetime.timedelta(days=7) <= p.published_at <= now for p in posts)
    assert posts == sorted(posts, key=lambda p: p.published_at)
    assert {p.source for p in posts} == {
        demo_text.WEIBO,
        demo_text.WECHAT,
        demo_text.RSS_CITY,
        demo_text.RSS_NEWS,
        demo_text.VENDOR,
    }
    assert {p.kind for p in posts} == {"post", "comment", "article"}
    assert any(p.verified and p.followers > 100_000 for p in posts)
    assert any("//@" in p.text for p in posts)  # reposts
    assert any(char in p.text for p in posts for char in "熱區氣後")  # traditional-character copies
    comments = [p for p in posts if p.kind == "comment"]
    assert comments and all(p.parent_external_id for p in comments)
    # The heating surge: the last hour is much busier than an average hour of the week.
    heating = {key for key in first.by_matter["heating"]}
    in_matter = [p for p in posts if (p.source, p.external_id) in heating]
    last_hour = sum(1 for p in in_matter if p.published_at > now - datetime.timedelta(hours=1))
    assert last_hour > 5 * len(in_matter) / (7 * 24)
    # The rumor stops spreading after its clarification.
    rumor = {key for key in first.by_matter["rumor"]}
    clarified = now - datetime.timedelta(hours=demo_text.RUMOR_CLARIFIED_HOURS)
    spreading = [
        p
        for p in posts
        if (p.source, p.external_id) in rumor and "谣言" not in p.text and "辟谣" not in p.text
    ]
    before = sum(
        1 for p in spreading if clarified - datetime.timedelta(hours=6) <= p.published_at < clarified
    )
    after = sum(1 for p in spreading if clarified <= p.published_at < clarified + datetime.timedelta(hours=6))
    assert before > 3 * after


@pytest.fixture
def city(db):
    from gongkai.accounts import demo as accounts_demo

    accounts_demo.load(stdout=io.StringIO())


def test_the_demo_loads_through_the_pipeline_and_the_response_loop_once(city):
    from gongkai.hotline.models import WorkOrder
    from gongkai.opinion.reports.models import Report
    from gongkai.opinion.response.models import Alert, CaseStatus, EventCase, Forwarding, Level

    now = timezone.now()
    out = io.StringIO()
    made = demo.load(stdout=out, now=now, scale=SCALE)

    assert made["created"] > 1500 and made["refused"] == 0
    assert "opinion:" in out.getvalue()
    # What the pipeline made of it: topics, sensitive words, sentiment, districts, duplicates, events.
    assert Topic.objects.count() == len(demo.TOPICS)
    assert set(SensitiveWord.objects.values_list("word", flat=True)) == {
        w for w, _level in demo.SENSITIVE_WORDS
    }
    assert PostTopic.objects.filter(topic__name="城市供热").count() > 200
    assert Post.objects.exclude(sensitive_words=[]).exists()
    assert Post.objects.filter(duplicate_of__isnull=False).exists()
    assert (
        Post.objects.filter(district="chuanying").exists()
        and Post.objects.filter(district="fengman").exists()
    )
    assert set(Post.objects.values_list("sentiment", flat=True)) >= {"negative", "positive"}
    traditional = Post.objects.filter(text__contains="暖氣").first()
    assert traditional is not None and "暖气" in traditional.normalized_text
    assert not Source.objects.get(code=demo_text.WEIBO).enabled  # no credentials in the demo: not polled

    # The heating surge and the rumor are events.
    cases = {case.event_id: case for case in EventCase.objects.select_related("event", "clarification")}
    heating = next(case for case in cases.values() if case.level == Level.GENERAL)
    rumor = next(case for case in cases.values() if case.level == Level.MAJOR)
    assert heating.event.post_count > 200 and heating.event.district == "chuanying"
    assert "暖气" in heating.event.top_terms or "嘉园" in heating.event.top_terms
    assert rumor.event.is_rumor and rumor.event.rumor_candidate_count > 20
    assert "停水" in rumor.event.top_terms
    assert rumor.event.pk != heating.event.pk

    # The city's streams: the heating appeals came in through the hotline, redacted, into the surge.
    appeals = Post.objects.filter(source__code="hotline", text__contains="江城嘉园")
    assert appeals.count() == len(demo_text.HEATING_APPEALS)
    assert appeals.filter(event=heating.event).count() >= len(demo_text.HEATING_APPEALS) // 2
    for order in WorkOrder.objects.filter(source_reference__startswith="opinion-demo-"):
        assert not Post.objects.filter(text__contains=order.caller_phone).exists()
        assert not Post.objects.filter(text__contains=order.caller_name).exists()
    assert Post.objects.filter(source__code="website", kind="message").exists()

    # The response loop: alerts, assessment, forwarding, the rumor's clarification, reports.
    assert Alert.objects.filter(event=heating.event).exists()
    assert Alert.objects.filter(event=rumor.event, kind="rumor").exists()
    assert heating.status == CaseStatus.FORWARDED
    forwarding = Forwarding.objects.get(case=heating)
    assert forwarding.department.code == "chuanying"
    assert rumor.status == CaseStatus.RESPONDED
    assert rumor.clarification is not None and rumor.clarification.live
    assert rumor.clarification.title == demo.CLARIFICATION_TITLE
    assert rumor.responses.filter(page=rumor.clarification).exists()
    assert rumor.clocks.filter(met_at__isnull=False).exists()
    assert Report.objects.filter(kind="daily", scheduled=True).count() == 1
    assert Report.objects.filter(kind="event", event=heating.event).exists()

    # A second load adds nothing.
    counts = (
        Post.objects.count(),
        Event.objects.count(),
        Topic.objects.count(),
        Alert.objects.count(),
        EventCase.objects.count(),
        Report.objects.count(),
        WorkOrder.objects.count(),
    )
    again = io.StringIO()
    assert demo.load(stdout=again, now=now + datetime.timedelta(minutes=5), scale=SCALE) == {}
    assert "跳过" in again.getvalue()
    assert counts == (
        Post.objects.count(),
        Event.objects.count(),
        Topic.objects.count(),
        Alert.objects.count(),
        EventCase.objects.count(),
        Report.objects.count(),
        WorkOrder.objects.count(),
    )
