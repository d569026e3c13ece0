"""The analysts' workspace: who may open it, the feed's filters and pages, polling for new posts, the
audited sentiment correction, topic editing with the error's position and the preview, the event
board and the event page, the menu."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from gongkai.core.audit.models import AuditEvent
from gongkai.opinion.models import EventStatus, Post, Sentiment, Topic
from gongkai.opinion.workspace import feed

from .conftest import NOW

pytestmark = pytest.mark.usefixtures("clock")


def url(name, *args):
    return reverse(f"opinion_workspace:{name}", args=args)


def ids_in(html: str, posts) -> list[int]:
    """The posts among ``posts`` shown on the page, in the page's order."""
    found = [(html.find(f'id="post-{p.pk}"'), p.pk) for p in posts]
    return [pk for position, pk in sorted(found) if position >= 0]


# --- Access -----------------------------------------------------------------------------------------

PAGES = [
    ("feed", ()),
    ("feed_new", ()),
    ("topics", ()),
    ("topic_create", ()),
    ("topic_preview", ()),
    ("events", ()),
    ("alerts", ()),
]


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_pages_are_for_analysts_only(login, analyst, clerk, name, args):
    assert login(analyst).get(url(name, *args)).status_code == 200
    response = login(clerk).get(url(name, *args))
    assert response.status_code == 403
    assert "舆情分析员" in response.content.decode()


def test_anonymous_users_are_sent_to_the_login_page(client):
    response = client.get(url("feed"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_json_endpoints_answer_403_in_json(login, clerk):
    response = login(clerk).get(url("feed_new"), HTTP_ACCEPT="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_the_menu_is_shown_to_analysts_only(login, analyst, clerk):
    import json

    label = json.dumps("舆情监测")[1:-1]  # the sidebar is JSON, non-ASCII escaped
    page = login(analyst).get(reverse("wagtailadmin_home")).content.decode()
    assert label in page or "舆情监测" in page
    for name in ("feed", "events", "topics", "alerts"):
        assert url(name) in page
    assert "/admin/opinion/sensitive-words/" in page
    other = login(clerk).get(reverse("wagtailadmin_home")).content.decode()
    assert label not in other and "舆情监测" not in other and url("feed") not in other


def test_unknown_objects_are_404(login, analyst):
    client = login(analyst)
    assert client.get(url("event", 999)).status_code == 404
    assert client.get(url("topic_edit", 999)).status_code == 404
    assert client.post(url("post_sentiment", 999), {"sentiment": "negative"}).status_code == 404


# --- The feed ---------------------------------------------------------------------------------------


def test_feed_shows_newest_first_with_source_author_reach_and_sentiment(login, analyst, make_post):
    old = make_post("松江路停水三天了", minutes=30, author="江城小李", followers=123_456, verified=True)
    new = make_post(
        "北山公园今天人很多", minutes=1, sentiment=Sentiment.POSITIVE, reposts=7, comments=3, likes=40
    )
    page = login(analyst).get(url("feed")).content.decode()
    assert ids_in(page, [old, new]) == [new.pk, old.pk]
    assert "新浪微博" in page and "江城小李" in page and "粉丝 12.3万" in page and "认证" in page
    assert "转发 7 · 评论 3 · 点赞 40" in page
    assert 'class="ow-sent ow-sent--positive"' in page
    # Times are Beijing time: 09:29 UTC is 17:29 in Jilin.
    assert "2026-06-01 17:29" in page


def test_feed_filters(login, analyst, make_post, make_event, news, heating):
    event = make_event("松江路停水")
    water = make_post(
        "松江路停水", event=event, district="chuanying", sentiment=Sentiment.NEGATIVE, minutes=5
    )
    hot = make_post("暖气不热", topics=[heating], minutes=6)
    rumor = make_post("听说明天全市停电", rumor_candidate=True, minutes=7)
    sensitive = make_post("有人要聚集", sensitive_words=["聚集"], minutes=8)
    paper = make_post("江城日报：供水恢复", source=news, minutes=9)
    ancient = make_post("很久以前的帖子", minutes=60 * 24 * 3)
    everything = [water, hot, rumor, sensitive, paper, ancient]
    client = login(analyst)

    def shown(**params):
        return set(ids_in(client.get(url("feed"), params).content.decode(), everything))

    assert shown() == {p.pk for p in everything}
    assert shown(source=news.pk) == {paper.pk}
    assert shown(topic=heating.pk) == {hot.pk}
    assert shown(sentiment="negative") == {water.pk}
    assert shown(district="chuanying") == {water.pk}
    assert shown(event=event.pk) == {water.pk}
    assert shown(rumor="on") == {rumor.pk}
    assert shown(sensitive="on") == {sensitive.pk}
    assert shown(period="24h") == {p.pk for p in everything} - {ancient.pk}
    assert shown(date_from="2026-05-29", date_to="2026-05-29") == {ancient.pk}
    assert shown(q="停水") == {water.pk}
    assert shown(q="松江路 停水") == {water.pk}
    assert shown(q="松江路 恢复") == set()
    # Invalid filters are ignored (the page still answers), not a 500.
    assert client.get(url("feed"), {"source": "x", "event": "abc", "date_from": "nope"}).status_code == 200


def test_search_is_over_the_normalized_text(login, analyst, make_post):
    post = make_post("暖氣一點都不熱", normalized_text="暖气一点都不热")
    page = login(analyst).get(url("feed"), {"q": "暖氣"}).content.decode()
    assert ids_in(page, [post]) == [post.pk]
    page = login(analyst).get(url("feed"), {"q": "ＷＩＦＩ"}).content.decode()
    assert ids_in(page, [post]) == []


def test_duplicates_are_counted_on_the_first_post_and_hidden_unless_asked(login, analyst, make_post):
    first = make_post("停水通知", minutes=10)
    copies = [make_post("停水通知", minutes=i, duplicate_of=first) for i in range(3)]
    client = login(analyst)
    page = client.get(url("feed")).content.decode()
    assert ids_in(page, [first, *copies]) == [first.pk]
    assert "重复 3 条" in page
    page = client.get(url("feed"), {"duplicates": "on"}).content.decode()
    assert set(ids_in(page, [first, *copies])) == {first.pk, *(c.pk for c in copies)}


def test_feed_pages_by_keyset_without_overlap(login, analyst, make_post, monkeypatch):
    monkeypatch.setattr(feed, "PER_PAGE", 3)
    posts = [make_post(f"第{i}条", minutes=i // 2) for i in range(8)]  # pairs share a time
    client = login(analyst)
    seen: list[int] = []
    response = client.get(url("feed"))
    for _ in range(5):
        page = response.content.decode()
        seen += ids_in(page, posts)
        cursor = response.context["next_cursor"]
        if not cursor:
            break
        assert "回到最新" not in page or seen
        response = client.get(url("feed"), {"cursor": cursor})
    expected = [p.pk for p in sorted(posts, key=lambda p: (p.published_at, p.pk), reverse=True)]
    assert seen == expected
    # A hand-edited cursor is the first page, not an error.
    assert client.get(url("feed"), {"cursor": "garbage_x"}).status_code == 200
    assert client.get(url("feed"), {"cursor": "99999999999999999999999_1"}).status_code == 200


def test_feed_page_costs_the_same_queries_whatever_the_rows(login, analyst, make_post, make_event, heating):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    event = make_event("事件")

    def add(n):
        for i in range(n):
            post = make_post(f"暖气不热 {i}", topics=[heating], event=event, district="changyi", minutes=i)
            make_post(f"暖气不热 {i}", duplicate_of=post, minutes=i)

    client = login(analyst)
    add(3)
    client.get(url("feed"))  # warm the session and the role cache
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(url("feed")).context["rows"]) == 3
    add(40)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url("feed")).context["rows"]) == 43
    assert len(many) == len(few) <= 20


# --- New posts (polling) ----------------------------------------------------------------------------


def test_polling_counts_posts_stored_since_and_renders_them(login, analyst, make_post):
    make_post("旧帖", minutes=20)
    client = login(analyst)
    since = client.get(url("feed")).context["since"]
    assert client.get(url("feed_new"), {"since": since}).json()["count"] == 0
    fresh = make_post("刚刚：江边起火了", minutes=0, sentiment=Sentiment.NEGATIVE)
    late = make_post("一小时前的帖子，刚采集到", minutes=60)
    other = make_post("另一个来源的", minutes=0, sentiment=Sentiment.POSITIVE)
    data = client.get(url("feed_new"), {"since": since}).json()
    assert data["count"] == 3 and data["html"] == ""
    # Filters apply to the count too.
    assert client.get(url("feed_new"), {"since": since, "sentiment": "negative"}).json()["count"] == 1
    data = client.get(url("feed_new"), {"since": since, "rows": "1"}).json()
    assert ids_in(data["html"], [fresh, late, other]) == [other.pk, fresh.pk, late.pk]
    assert "ow-post--new" in data["html"] and "江边起火了" in data["html"]
    assert data["since"] >= max(fresh.pk, late.pk, other.pk)
    assert client.get(url("feed_new"), {"since": data["since"]}).json()["count"] == 0
    assert client.get(url("feed_new"), {"since": "abc"}).status_code == 200


def test_feed_page_polls_through_an_external_script(login, analyst):
    page = login(analyst).get(url("feed")).content.decode()
    assert 'data-poll-url="/admin/opinion/feed/new.json"' in page
    assert 'data-poll-seconds="15"' in page
    assert "opinion/workspace/feed.js" in page
    # No inline script of ours (the CSP may forbid them): every <script> we add has a src.
    body = page.split('id="ow-live"', 1)[1]
    assert "<script>" not in body


# --- Sentiment correction ---------------------------------------------------------------------------


def test_correcting_sentiment_records_who_and_when_and_is_audited(login, analyst, make_post, make_event):
    event = make_event("事件", post_count=1, negative_count=0)
    post = make_post("这个服务真不错", event=event)
    response = login(analyst).post(
        url("post_sentiment", post.pk), {"sentiment": "negative", "next": url("feed") + "?sentiment=neutral"}
    )
    assert response.status_code == 302 and response["Location"] == url("feed") + "?sentiment=neutral"
    post.refresh_from_db()
    assert post.sentiment == Sentiment.NEGATIVE
    assert post.sentiment_corrected_by == analyst
    assert post.sentiment_corrected_at == NOW
    event.refresh_from_db()
    assert event.negative_count == 1
    audit = AuditEvent.objects.get(action="opinion_post.sentiment_corrected")
    assert audit.actor == analyst and audit.target_id == str(post.pk)
    assert audit.old_values["sentiment"] == "neutral" and audit.new_values["sentiment"] == "negative"
    page = login(analyst).get(url("feed")).content.decode()
    assert "已校正" in page and "周杰 于 06-01 17:30 校正" in page


def test_correcting_sentiment_in_json_for_the_script(login, analyst, make_post):
    post = make_post("一般般")
    response = login(analyst).post(
        url("post_sentiment", post.pk), {"sentiment": "positive"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    assert response.json()["sentiment"] == "positive" and response.json()["label"] == "正面"
    assert Post.objects.get(pk=post.pk).sentiment == "positive"


def test_bad_corrections_change_nothing(login, analyst, clerk, make_post):
    post = make_post("一般般")
    client = login(analyst)
    response = client.post(
        url("post_sentiment", post.pk), {"sentiment": "furious"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400
    assert client.get(url("post_sentiment", post.pk)).status_code == 405
    # An offsite "next" is not followed.
    response = client.post(
        url("post_sentiment", post.pk), {"sentiment": "neutral", "next": "https://evil.example/"}
    )
    assert response["Location"] == url("feed")
    assert login(clerk).post(url("post_sentiment", post.pk), {"sentiment": "negative"}).status_code == 403
    post.refresh_from_db()
    assert post.sentiment == "neutral"
    assert not AuditEvent.objects.filter(
        action="opinion_post.sentiment_corrected", new_values__sentiment="negative"
    ).exists()


def test_correction_needs_the_csrf_token(analyst, make_post):
    post = make_post("一般般")
    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)
    assert client.post(url("post_sentiment", post.pk), {"sentiment": "negative"}).status_code == 403
    assert Post.objects.get(pk=post.pk).sentiment == "neutral"


# --- Topics -----------------------------------------------------------------------------------------


def test_topic_list_shows_rules_state_and_recent_counts(login, analyst, heating, make_post):
    make_post("暖气不热", topics=[heating], minutes=10)
    make_post("暖气不热", topics=[heating], minutes=60 * 30)
    Topic.objects.create(name="停水", rule="停水", enabled=False)
    page = login(analyst).get(url("topics")).content.decode()
    assert "(供热 OR 暖气) AND 不热" in page
    assert f"?topic={heating.pk}&amp;period=24h" in page
    assert "已停用" in page
    assert login(analyst).get(url("topics")).context["topics"][0].recent == 1


def test_creating_a_topic_goes_through_the_service(login, analyst):
    response = login(analyst).post(
        url("topic_create"), {"name": "停水", "rule": "停水 OR 断水", "description": "供水", "enabled": "on"}
    )
    assert response.status_code == 302
    topic = Topic.objects.get(name="停水")
    assert topic.rule == "停水 OR 断水" and topic.enabled and topic.created_by == analyst
    assert AuditEvent.objects.filter(action="opinion_topic.created", target_id=str(topic.pk)).exists()


@pytest.mark.parametrize(
    ("rule", "position", "char"),
    [
        ("(供热 OR 暖气 AND 不热", 0, "("),  # the unclosed parenthesis
        ("供热 OR", 3, "O"),  # nothing after OR
        ("供热 NEAR/x 不热", 3, "N"),
        ("NOT 演习", 0, "N"),  # only excludes
    ],
)
def test_a_bad_rule_is_refused_with_its_position_marked(login, analyst, rule, position, char):
    response = login(analyst).post(url("topic_create"), {"name": "坏规则", "rule": rule, "enabled": "on"})
    assert response.status_code == 400
    assert not Topic.objects.filter(name="坏规则").exists()
    page = response.content.decode()
    assert f"第 {position + 1} 个字符处有误" in page
    error = response.context["rule_error"]
    assert (error["before"], error["char"]) == (rule[:position], char)
    assert f'<mark class="ow-rule-bad">{char}</mark>' in page


def test_an_error_at_the_end_of_the_rule_marks_a_space(login, analyst):
    response = login(analyst).post(url("topic_create"), {"name": "x", "rule": "供热 AND", "enabled": "on"})
    # "AND" with nothing after it is blamed on the AND, or on the end of the rule; both are marked.
    error = response.context["rule_error"]
    assert error["char"] in ("A", " ")
    assert "ow-rule-bad" in response.content.decode()


def test_editing_and_toggling_a_topic(login, analyst, heating):
    client = login(analyst)
    page = client.get(url("topic_edit", heating.pk)).content.decode()
    assert "(供热 OR 暖气) AND 不热" in page
    response = client.post(
        url("topic_edit", heating.pk), {"name": "供热投诉", "rule": "暖气 NEAR/3 不热", "enabled": "on"}
    )
    assert response.status_code == 302
    heating.refresh_from_db()
    assert heating.name == "供热投诉" and heating.rule == "暖气 NEAR/3 不热"
    assert client.post(url("topic_toggle", heating.pk), {"enabled": "0"}).status_code == 302
    heating.refresh_from_db()
    assert not heating.enabled
    assert AuditEvent.objects.filter(action="opinion_topic.changed", target_id=str(heating.pk)).count() == 2
    client.post(url("topic_toggle", heating.pk), {"enabled": "1"})
    heating.refresh_from_db()
    assert heating.enabled
    # A bad rule on edit leaves the topic as it was.
    response = client.post(
        url("topic_edit", heating.pk), {"name": "供热投诉", "rule": "暖气 ((", "enabled": "on"}
    )
    assert response.status_code == 400
    heating.refresh_from_db()
    assert heating.rule == "暖气 NEAR/3 不热"


def test_deleting_a_topic_keeps_its_posts(login, analyst, heating, make_post):
    post = make_post("暖气不热", topics=[heating])
    assert login(analyst).post(url("topic_delete", heating.pk)).status_code == 302
    assert not Topic.objects.filter(pk=heating.pk).exists()
    assert Post.objects.filter(pk=post.pk).exists()
    assert AuditEvent.objects.filter(action="opinion_topic.deleted").exists()


def test_clerks_cannot_write_topics(login, clerk, heating):
    client = login(clerk)
    assert client.post(url("topic_create"), {"name": "x", "rule": "x"}).status_code == 403
    assert client.post(url("topic_edit", heating.pk), {"name": "x", "rule": "x"}).status_code == 403
    assert client.post(url("topic_toggle", heating.pk), {"enabled": "0"}).status_code == 403
    assert client.post(url("topic_delete", heating.pk)).status_code == 403
    heating.refresh_from_db()
    assert heating.name == "供热" and heating.enabled


def test_preview_shows_what_the_rule_matches_with_the_terms_highlighted(login, analyst, make_post):
    hit = make_post("家里暖气一点也不热，供热公司不管", minutes=1)
    make_post("暖气很热，谢谢供热公司", minutes=2)
    make_post("供热应急演习，暖气不热", minutes=3)
    make_post("暖气不热", minutes=4, duplicate_of=hit)  # duplicates are not previewed twice
    data = login(analyst).get(url("topic_preview"), {"rule": "暖气 NEAR/5 不热 NOT 演习"}).json()
    assert data["ok"] and data["scanned"] == 3 and data["matched"] == 1
    match = data["posts"][0]
    assert match["id"] == hit.pk
    assert [p["text"] for p in match["pieces"] if p["hit"]] == ["暖气", "不热"]
    assert "".join(p["text"] for p in match["pieces"]) == hit.normalized_text
    assert match["published_at"] == "06-01 17:29" and match["source"] == "新浪微博"


def test_preview_normalizes_like_the_pipeline(login, analyst, make_post):
    make_post("WiFi断了", normalized_text="wifi断了")
    data = login(analyst).post(url("topic_preview"), {"rule": "ＷｉＦｉ"}).json()
    assert data["ok"] and data["matched"] == 1


def test_preview_answers_the_error_with_its_position(login, analyst):
    data = login(analyst).post(url("topic_preview"), {"rule": "供热 AND (暖气"}).json()
    assert data["ok"] is False
    error = data["error"]
    assert error["position"] == 7 and error["number"] == 8
    assert error["before"] + error["char"] + error["after"] == "供热 AND (暖气"
    assert error["char"] == "("
    assert login(analyst).post(url("topic_preview"), {"rule": ""}).json() == {
        "ok": False,
        "empty": True,
        "error": None,
    }
    assert login(analyst).post(url("topic_preview"), {"rule": "x" * 5000}).json()["ok"] is False


def test_the_preview_button_works_without_script(login, analyst, make_post):
    make_post("松江路停水了")
    response = login(analyst).post(url("topic_create"), {"name": "停水", "rule": "停水", "preview": "1"})
    assert response.status_code == 200
    assert not Topic.objects.exists()
    page = response.content.decode()
    assert "匹配 1 条" in page and "<mark>停水</mark>" in page


def test_the_topic_form_loads_its_script_and_no_inline_one(login, analyst):
    page = login(analyst).get(url("topic_create")).content.decode()
    assert "opinion/workspace/topic.js" in page
    assert 'data-preview-url="/admin/opinion/topics/preview.json"' in page


# --- The event board and the event page ----------------------------------------------------------------


def test_board_lists_open_events_by_hotness_with_figures(login, analyst, make_event, make_post):
    cold = make_event("江边健身器材", hotness=2.0, post_count=4, negative_count=0)
    hot = make_event(
        "松江路停水",
        hotness=9.5,
        post_count=10,
        negative_count=7,
        district="chuanying",
        rumor_candidate_count=2,
    )
    assessed = make_event("供热不足", hotness=5.0, status=EventStatus.ASSESSED)
    closed = make_event("已结束", hotness=99.0, status=EventStatus.CLOSED)
    for minutes in (5, 10, 70, 75, 80):
        make_post("停水", event=hot, minutes=minutes)
    client = login(analyst)
    response = client.get(url("events"))
    page = response.content.decode()
    order = [row["event"].pk for row in response.context["rows"]]
    assert order == [hot.pk, assessed.pk, cold.pk]
    assert closed.display_title not in page
    assert "70%" in page and "船营区" in page and "疑似谣言 2" in page
    trend = response.context["rows"][0]["trend"]
    assert trend.counts[-1] == 2 and trend.counts[-2] == 3 and sum(trend.counts) == 5
    assert "<svg" in page and "polyline" in page
    assert url("event", hot.pk) in page
    # The chips: only open ones, only closed ones; the district filter; rumors only.
    assert [r["event"].pk for r in client.get(url("events"), {"view": "open"}).context["rows"]] == [
        hot.pk,
        cold.pk,
    ]
    assert [r["event"].pk for r in client.get(url("events"), {"view": "closed"}).context["rows"]] == [
        closed.pk
    ]
    assert [r["event"].pk for r in client.get(url("events"), {"district": "chuanying"}).context["rows"]] == [
        hot.pk
    ]
    assert [r["event"].pk for r in client.get(url("events"), {"rumor": "1"}).context["rows"]] == [hot.pk]
    assert client.get(url("events"), {"view": "nope", "district": "<x>", "p": "abc"}).status_code == 200


def test_event_page_has_timeline_terms_posts_and_feed_link(login, analyst, make_event, make_post):
    event = make_event(
        "松江路停水",
        first_seen=NOW - datetime.timedelta(hours=3),
        last_seen=NOW,
        post_count=5,
        negative_count=2,
        top_terms=["停水", "松江路", "自来水"],
    )
    posts = [make_post("松江路停水", event=event, minutes=m) for m in (1, 2, 61, 62, 170)]
    posts[0].sentiment = Sentiment.NEGATIVE
    posts[0].save()
    repost = make_post("松江路停水", event=event, minutes=0, duplicate_of=posts[0])
    response = login(analyst).get(url("event", event.pk))
    page = response.content.decode()
    counts = [row["count"] for row in response.context["timeline"]]
    assert counts == [1, 0, 2, 3]  # 14:00, 15:00, 16:00, 17:00 Beijing time (the repost counts)
    assert response.context["timeline"][0]["hour"].hour == 14
    assert "自来水" in page and "40%" in page
    assert set(ids_in(page, [*posts, repost])) == {p.pk for p in posts}  # reposts folded into "重复 1 条"
    assert "重复 1 条" in page
    assert f"{url('feed')}?event={event.pk}" in page
    assert [b["tick"] for b in response.context["bars"]] == ["06-01 14:00", "15:00", "16:00", "17:00"]
    assert dict((v, n) for v, _label, n in response.context["sentiments"])["negative"] == 1
    assert "<rect" in page


def test_event_page_links_to_assessment_only_when_it_exists(login, analyst, make_event, monkeypatch):
    from gongkai.opinion.workspace import links

    event = make_event("事件")
    monkeypatch.setattr(links, "EVENT_ACTIONS", (links.Link("研判", ("no_such:view",), True),))
    assert login(analyst).get(url("event", event.pk)).context["actions"] == []
    monkeypatch.setattr(
        links, "EVENT_ACTIONS", (links.Link("研判", ("no_such:view", "opinion_workspace:event"), True),)
    )
    actions = login(analyst).get(url("event", event.pk)).context["actions"]
    assert actions and actions[0]["url"] == url("event", event.pk)


# --- Alerts ---------------------------------------------------------------------------------------------


@pytest.fixture
def make_alert(db):
    from gongkai.opinion.response.models import Alert

    def make(event, *, kind="hotness", value=130.0, threshold=120.0, minutes=0, **fields):
        return Alert.objects.create(
            kind=kind,
            threshold=threshold,
            rule_name=fields.pop("rule_name", "热度超过120"),
            event=event,
            subject=str(event.pk) if event else "topic:1",
            value=value,
            fired_at=NOW - datetime.timedelta(minutes=minutes),
            **fields,
        )

    return make


def test_alert_inbox_lists_unacknowledged_alerts_first(login, analyst, make_event, make_alert):
    event = make_event("松江路停水")
    hot = make_alert(event, minutes=5)
    share = make_alert(
        event, kind="negative_share", value=0.72, threshold=0.6, rule_name="负面占比", minutes=1
    )
    done = make_alert(
        event, kind="rumor", value=3, threshold=1, minutes=30, acknowledged_by=analyst, acknowledged_at=NOW
    )
    client = login(analyst)
    response = client.get(url("alerts"))
    page = response.content.decode()
    assert [row["alert"].pk for row in response.context["rows"]] == [share.pk, hot.pk]
    assert "<strong>72%</strong> / 60%" in page and "<strong>130</strong> / 120" in page
    assert url("event", event.pk) in page and url("alert_acknowledge", hot.pk) in page
    assert "预警 <b>2</b>" in page  # the tab counts what is left to acknowledge
    acknowledged = client.get(url("alerts"), {"view": "acknowledged"}).context["rows"]
    assert [row["alert"].pk for row in acknowledged] == [done.pk]
    assert [
        r["alert"].pk for r in client.get(url("alerts"), {"view": "all", "kind": "rumor"}).context["rows"]
    ] == [done.pk]


def test_acknowledging_an_alert_is_audited_and_once_only(login, analyst, clerk, make_event, make_alert):
    alert = make_alert(make_event("事件"))
    assert login(clerk).post(url("alert_acknowledge", alert.pk)).status_code == 403
    alert.refresh_from_db()
    assert alert.acknowledged_at is None
    client = login(analyst)
    response = client.post(url("alert_acknowledge", alert.pk), {"next": url("alerts")})
    assert response.status_code == 302 and response["Location"] == url("alerts")
    alert.refresh_from_db()
    assert alert.acknowledged_by == analyst and alert.acknowledged_at == NOW
    assert (
        AuditEvent.objects.filter(action="opinion_alert.acknowledged", target_id=str(alert.pk)).count() == 1
    )
    again = client.post(url("alert_acknowledge", alert.pk), HTTP_ACCEPT="application/json")
    assert again.status_code == 409
    assert AuditEvent.objects.filter(action="opinion_alert.acknowledged").count() == 1
    assert client.post(url("alert_acknowledge", 999)).status_code == 404
    assert url("alert_acknowledge", alert.pk) not in client.get(url("alerts")).content.decode()


def test_timeline_labels_a_few_hours_only():
    from gongkai.opinion.workspace import board

    start = NOW.replace(minute=0) - datetime.timedelta(hours=29)
    rows = [{"hour": start + datetime.timedelta(hours=i), "count": i % 4} for i in range(30)]
    bars = board.timeline_bars(rows)
    ticks = [b["tick"] for b in bars if b["tick"]]
    assert len(ticks) == 6 and ticks[0] == "05-31 12:00"
    assert float(bars[-1]["y"]) < float(bars[-2]["y"])  # 29 % 4 = 1 post vs 0: the taller bar is higher
    assert all(40 <= float(b["tick_x"]) <= 680 for b in bars)


def test_event_page_shows_the_case_and_its_clocks_read_only(login, analyst, make_event):
    from gongkai.accounts.services import department_upsert
    from gongkai.opinion.response import services as response_services

    water, _ = department_upsert(code="shuiwu", name="吉林市水务局", short_name="市水务局")
    event = make_event("松江路停水")
    client = login(analyst)
    assert "尚未研判" in client.get(url("event", event.pk)).content.decode()
    response_services.case_assess(
        event=event, level="larger", is_major_emergency=True, department=water, note="", actor=analyst
    )
    page = client.get(url("event", event.pk)).content.decode()
    assert "较大" in page and "重大突发事件" in page and "市水务局" in page
    assert "发布权威信息" in page and "举行新闻发布会" in page
    assert "06-01 22:30" in page  # 5 hours after 17:30 Beijing time
    assert page.count("ow-clock--running") + page.count("ow-clock--due_soon") == 2
