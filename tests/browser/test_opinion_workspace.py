"""Browser test of the opinion workspace: an analyst reads the live feed, sees new posts arrive,
corrects a sentiment in place, writes a topic (the bad rule's character is marked, the preview
highlights what the fixed rule matches), opens the event board and an event, and acknowledges an
alert. Every page is checked with axe-core (WCAG 2.1 A/AA; serious or critical violations fail).
Screenshots go to test-results/opinion-*.png."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

SHOTS = Path(__file__).resolve().parents[2] / "test-results"
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PASSWORD = "Opinion-test-2026!"  # noqa: S105 (test accounts only)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def monitor():
    """An analyst, a clerk, sources, a topic, two events with their posts, an alert."""
    from django.utils import timezone

    from gongkai.accounts.services import staff_user_upsert
    from gongkai.opinion.models import Event, Post, PostTopic, Sentiment, Source, SourceKind, Topic
    from gongkai.opinion.response.models import Alert

    analyst, _ = staff_user_upsert(
        username="analyst",
        password=PASSWORD,
        department=None,
        roles=["opinion_analyst"],
        last_name="周",
        first_name="杰",
    )
    staff_user_upsert(username="clerk", password=PASSWORD, department=None, roles=["operator"])
    weibo = Source.objects.create(code="weibo", name="新浪微博", kind=SourceKind.WEIBO)
    news = Source.objects.create(code="rss-jlrb", name="江城日报", kind=SourceKind.RSS)
    topic = Topic.objects.create(name="停水", rule="停水 OR 断水 OR 没水")
    now = timezone.now()
    water = Event.objects.create(
        key=1,
        title="船营区松江路停水",
        first_seen=now - datetime.timedelta(hours=6),
        last_seen=now,
        post_count=0,
        hotness=128.4,
        district="chuanying",
        top_terms=["停水", "松江路", "自来水", "水务", "恢复供水"],
        rumor_candidate_count=1,
    )
    park = Event.objects.create(
        key=2,
        title="北山公园灯会",
        first_seen=now - datetime.timedelta(hours=9),
        last_seen=now - datetime.timedelta(hours=1),
        hotness=42.0,
        district="chuanying",
        top_terms=["灯会", "北山公园"],
    )
    texts = [
        ("松江路停水三天了，什么时候恢复供水？家里老人孩子都没法洗漱。", Sentiment.NEGATIVE, water, True),
        ("#船营区停水# 听说是水管爆了，要停一个星期？有没有官方消息", Sentiment.NEGATIVE, water, True),
        ("水务集团回复：松江路段管网抢修，预计今晚恢复供水。", Sentiment.NEUTRAL, water, True),
        ("北山公园灯会太美了，推荐晚上去！", Sentiment.POSITIVE, park, False),
        ("灯会人有点多，停车难。", Sentiment.NEGATIVE, park, False),
        ("我们小区也没水了，物业说等通知。", Sentiment.NEGATIVE, water, True),
        ("江城日报：我市加快老旧管网改造，今年完成120公里。", Sentiment.NEUTRAL, None, False),
    ]
    posts = []
    for i, (text, sentiment, event, about_water) in enumerate(texts):
        published = now - datetime.timedelta(minutes=7 + i * 37)
        post = Post.objects.create(
            source=news if text.startswith("江城日报") else weibo,
            external_id=f"w{i}",
            author="江城日报" if text.startswith("江城日报") else f"网友{i:03d}",
            followers=[5120, 230_000, 1_250_000, 820, 64, 3100, 880_000][i],
            verified=i in (2, 6),
            text=text,
            normalized_text=text.lower(),
            published_at=published,
            sentiment=sentiment,
            negative_probability=0.9 if sentiment == Sentiment.NEGATIVE else 0.1,
            event=event,
            district="chuanying" if event else "",
            reposts=i * 13,
            comments=i * 5,
            likes=i * 21,
            rumor_candidate=i == 1,
            sensitive_words=["爆了"] if i == 1 else [],
        )
        if about_water:
            PostTopic.objects.create(post=post, topic=topic, published_at=published)
        posts.append(post)
    # Near-duplicates of the first post (reposts of the same text).
    for j in range(3):
        Post.objects.create(
            source=weibo,
            external_id=f"d{j}",
            author=f"转发者{j}",
            text=posts[0].text,
            normalized_text=posts[0].normalized_text,
            published_at=posts[0].published_at + datetime.timedelta(minutes=j + 1),
            duplicate_of=posts[0],
            event=water,
        )
    for event in (water, park):
        event.post_count = Post.objects.filter(event=event).count()
        event.negative_count = Post.objects.filter(event=event, sentiment=Sentiment.NEGATIVE).count()
        event.save()
    alert = Alert.objects.create(
        kind="hotness",
        threshold=120,
        rule_name="热度超过120",
        event=water,
        subject=str(water.pk),
        value=128.4,
        fired_at=now - datetime.timedelta(minutes=3),
    )
    return {
        "analyst": analyst,
        "posts": posts,
        "water": water,
        "topic": topic,
        "alert": alert,
        "weibo": weibo,
    }


def _login(browser, live_server, username):
    page = browser.new_page(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page.goto(live_server.url + "/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/admin/login" not in page.url
    return page


def check_axe(page, name: str) -> None:
    """axe-core over the page (Wagtail's chrome included); serious or critical violations fail."""
    # A settled page: a message still fading in (Wagtail's .messages, a 0.5 s opacity transition)
    # would measure half its contrast.
    page.wait_for_function(
        "() => [...document.querySelectorAll('.messages > ul')].every(e => getComputedStyle(e).opacity === '1')",
        timeout=5000,
    )
    page.evaluate(
        "Promise.race([Promise.all(document.getAnimations().map(a => a.finished.catch(() => null))),"
        " new Promise(r => setTimeout(r, 3000))])"
    )
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    (SHOTS / f"opinion-axe-{name}.json").write_text(
        json.dumps(result["violations"], ensure_ascii=False, indent=1)
    )
    bad = [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]
    assert not bad, [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:5]) for v in bad]


def test_analyst_works_the_feed_topics_events_and_alerts(live_server, browser, monitor):
    from django.utils import timezone

    from gongkai.opinion.models import Post, Topic
    from gongkai.opinion.response.models import Alert

    SHOTS.mkdir(exist_ok=True)
    page = _login(browser, live_server, "analyst")

    # The 舆情监测 menu leads to the feed.
    page.get_by_role("button", name="舆情监测").click()
    page.get_by_role("link", name="舆情信息流").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", level=1).inner_text().strip() == "舆情信息流"
    first = monitor["posts"][0]
    assert page.locator(f"#post-{first.pk}").get_by_text("重复 3 条").is_visible()
    assert page.locator(".ow-post").count() == 7  # the three reposts are folded into their original
    page.screenshot(path=str(SHOTS / "opinion-feed.png"), full_page=True)
    check_axe(page, "feed")

    # Filters: negative posts about the water topic.
    page.get_by_label("专题").select_option(label="停水")
    page.get_by_label("情感", exact=True).select_option(label="负面")
    with page.expect_navigation():
        page.get_by_role("button", name="筛选", exact=True).click()
    assert page.locator(".ow-post").count() == 3
    page.goto(live_server.url + "/admin/opinion/feed/")

    # A post arrives: the next poll shows the button, a click puts it on top, with the focus.
    fresh = Post.objects.create(
        source=monitor["weibo"],
        external_id="fresh",
        author="江城热心市民",
        followers=15200,
        text="刚刚看到松江路有水务的抢修车，应该快来水了。",
        normalized_text="刚刚看到松江路有水务的抢修车，应该快来水了。",
        published_at=timezone.now(),
    )
    page.evaluate("window.owFeedPoll()")
    new_button = page.locator("#ow-new")
    new_button.wait_for(state="visible")
    assert "有 1 条新信息" in new_button.inner_text()
    new_button.click()
    page.wait_for_selector(f"#post-{fresh.pk}.ow-post--new")
    assert page.locator(".ow-post").first.get_attribute("id") == f"post-{fresh.pk}"
    assert page.evaluate("document.activeElement.id") == f"post-{fresh.pk}"
    page.screenshot(path=str(SHOTS / "opinion-feed-new-post.png"), full_page=True)

    # Correct the sentiment of the newspaper's post in place (no reload): recorded who and when.
    paper = monitor["posts"][6]
    card = page.locator(f"#post-{paper.pk}")
    card.get_by_text("校正情感").click()
    card.get_by_role("button", name="正面").click()
    card.locator(".ow-sent", has_text="已校正").wait_for()
    assert "正面" in card.locator("[data-sentiment-badge]").inner_text()
    assert "周杰 于" in card.locator(".ow-correct__who").inner_text()
    paper.refresh_from_db()
    assert paper.sentiment == "positive" and paper.sentiment_corrected_by == monitor["analyst"]
    card.screenshot(path=str(SHOTS / "opinion-feed-corrected.png"))

    # A new topic: the wrong character of the rule is marked while typing; the preview follows.
    page.goto(live_server.url + "/admin/opinion/topics/")
    page.get_by_role("link", name="新建专题").click()
    page.wait_for_load_state("networkidle")
    page.get_by_label("名称").fill("停水谣言")
    rule = page.locator("#id_rule")
    rule.fill("(停水 OR 没水 AND 一个星期")
    page.wait_for_selector("#ow-rule-error mark.ow-rule-bad")
    assert "第 1 个字符处有误" in page.inner_text("#ow-rule-error")
    assert page.inner_text("#ow-rule-error mark.ow-rule-bad") == "("
    page.screenshot(path=str(SHOTS / "opinion-topic-error.png"), full_page=True)
    check_axe(page, "topic-error")
    rule.fill("(停水 OR 没水) AND (一个星期 OR 官方)")
    page.wait_for_selector("#ow-preview .ow-preview__list li")
    assert not page.locator("#ow-rule-error mark").count()
    assert "匹配 1 条" in page.inner_text("#ow-preview")
    assert page.locator("#ow-preview mark").all_inner_texts() == ["停水", "一个星期", "官方"]
    page.screenshot(path=str(SHOTS / "opinion-topic-preview.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name="创建专题").click()
    assert "专题“停水谣言”已创建" in page.content()
    assert Topic.objects.get(name="停水谣言").rule == "(停水 OR 没水) AND (一个星期 OR 官方)"
    page.screenshot(path=str(SHOTS / "opinion-topics.png"), full_page=True)
    check_axe(page, "topics")

    # The event board: hottest first, with the trend; the event page has the timeline and the posts.
    page.get_by_role("navigation", name="舆情监测").get_by_role("link", name="事件看板").click()
    page.wait_for_load_state("networkidle")
    rows = page.locator("table.ow-board tbody tr")
    assert "船营区松江路停水" in rows.nth(0).inner_text() and "北山公园灯会" in rows.nth(1).inner_text()
    assert page.locator("svg.ow-spark").count() == 2
    page.screenshot(path=str(SHOTS / "opinion-board.png"), full_page=True)
    check_axe(page, "board")
    page.get_by_role("link", name="船营区松江路停水").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", level=1).inner_text().strip() == "船营区松江路停水"
    assert page.locator("svg.ow-timeline rect").count() >= 6
    assert page.get_by_role("link", name="恢复供水").is_visible()
    page.screenshot(path=str(SHOTS / "opinion-event.png"), full_page=True)
    check_axe(page, "event")

    # The alert inbox: the tab shows one; acknowledge it.
    alerts_tab = page.get_by_role("navigation", name="舆情监测").get_by_role("link", name="预警 1")
    alerts_tab.click()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(SHOTS / "opinion-alerts.png"), full_page=True)
    check_axe(page, "alerts")
    with page.expect_navigation():
        page.get_by_role("button", name="确认预警：热度，船营区松江路停水").click()
    assert "没有待确认的预警" in page.content()
    assert Alert.objects.get(pk=monitor["alert"].pk).acknowledged_by == monitor["analyst"]
    page.close()


def test_staff_without_the_role_get_a_clear_403(live_server, browser, monitor):
    page = _login(browser, live_server, "clerk")
    response = page.goto(live_server.url + "/admin/opinion/feed/")
    assert response is not None and response.status == 403
    assert "舆情分析员" in page.inner_text("main")
    assert page.get_by_role("button", name="舆情监测").count() == 0
    page.close()
