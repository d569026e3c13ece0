"""Alerts from the stored events: once per threshold crossing, to the analysts on duty."""

from __future__ import annotations

import datetime

import pytest

from gongkai.api.errors import Conflict
from gongkai.core.outbox.models import OutboxMessage
from gongkai.opinion.models import PostTopic, SensitiveLevel, SensitiveWord, Topic
from gongkai.opinion.response import selectors, services
from gongkai.opinion.response.models import Alert, AlertKind, AlertRuleConfig, AlertState, AnalystDuty

from .conftest import HOUR, MINUTE, NOW, set_event

pytestmark = pytest.mark.django_db


def rule(kind, threshold, **extra):
    return services.rule_create(kind=kind, threshold=threshold, actor=None, **extra)


def test_hotness_alerts_once_per_crossing_not_per_batch(clock, users, make_event):
    rule(AlertKind.HOTNESS, 80)
    event = make_event(hotness=50, posts=10)
    assert services.evaluate_alerts(now=NOW)["alerts"] == 0
    # Batches keep coming in: the event crosses 80 and climbs; one alert only.
    for minute, hot in ((1, 82), (2, 90), (3, 101), (4, 95), (5, 70)):
        at = NOW + minute * MINUTE
        set_event(event, at, hotness=hot, post_count=10 + minute * 20)
        services.evaluate_alerts(now=at)
    assert Alert.objects.count() == 1
    alert = Alert.objects.get()
    assert (alert.event, alert.kind, alert.value, alert.threshold) == (event, "hotness", 82, 80)
    # It cools under 80% of the threshold (64): re-armed; back over 80: a second alert.
    set_event(event, NOW + 10 * MINUTE, hotness=60)
    services.evaluate_alerts(now=NOW + 10 * MINUTE)
    set_event(event, NOW + 20 * MINUTE, hotness=85)
    services.evaluate_alerts(now=NOW + 20 * MINUTE)
    assert Alert.objects.count() == 2
    assert AlertState.objects.get().evaluated_at == NOW + 20 * MINUTE


def test_stored_hotness_decays_with_time_and_rearms(clock, users, make_event):
    rule(AlertKind.HOTNESS, 80)
    event = make_event(hotness=100)
    assert selectors.decayed_hotness(event, NOW + 12 * HOUR) == pytest.approx(50)
    services.evaluate_alerts(now=NOW)
    services.evaluate_alerts(now=NOW + 12 * HOUR)  # 50 < 64: re-armed without any new post
    set_event(event, NOW + 13 * HOUR, hotness=90)
    services.evaluate_alerts(now=NOW + 13 * HOUR)
    assert Alert.objects.count() == 2


def test_negative_share_needs_a_minimum_volume(clock, users, make_event):
    rule(AlertKind.NEGATIVE_SHARE, 0.6)
    event = make_event(posts=10, negative=9)
    services.evaluate_alerts(now=NOW)
    assert not Alert.objects.exists()  # 90% of 10 posts is not yet opinion
    set_event(event, NOW + MINUTE, post_count=30, negative_count=20)
    services.evaluate_alerts(now=NOW + MINUTE)
    alert = Alert.objects.get()
    assert alert.value == pytest.approx(20 / 30)


def test_rumor_candidates_and_sensitive_words(clock, users, make_event, make_posts):
    rule(AlertKind.RUMOR, 3)
    rule(AlertKind.SENSITIVE, 2)
    SensitiveWord.objects.create(word="投毒", level=SensitiveLevel.SEVERE)
    SensitiveWord.objects.create(word="停水", level=SensitiveLevel.NOTICE)
    rumor = make_event(rumor=3, posts=5)
    quiet = make_event(rumor=2, posts=5)
    make_posts(quiet, [NOW - MINUTE] * 5, sensitive_words=["停水"])  # notice level: no alert
    make_posts(rumor, [NOW - MINUTE] * 2, sensitive_words=["投毒", "停水"])
    services.evaluate_alerts(now=NOW)
    fired = sorted((a.kind, a.event_id) for a in Alert.objects.all())
    assert fired == [("rumor", rumor.pk), ("sensitive", rumor.pk)]


def test_spike_of_the_last_ten_minutes(clock, users, make_event, make_posts):
    rule(AlertKind.SPIKE, 4)
    event = make_event(posts=100)
    steady = [NOW - 6 * HOUR + i * 10 * MINUTE + MINUTE for i in range(35)]  # one post per 10 minutes
    make_posts(event, steady)
    services.evaluate_alerts(now=NOW)
    assert not Alert.objects.exists()
    make_posts(event, [NOW + i * 20 * datetime.timedelta(seconds=1) for i in range(30)])
    services.evaluate_alerts(now=NOW + 10 * MINUTE)
    services.evaluate_alerts(now=NOW + 11 * MINUTE)  # the same burst, a minute later: no second alert
    alert = Alert.objects.get()
    assert alert.kind == "spike" and alert.value > 4


def test_topic_rule_only_for_events_of_the_topic(clock, users, make_event, make_posts):
    water = Topic.objects.create(name="供水", rule="停水")
    rule(AlertKind.HOTNESS, 80, topic=water)
    inside, outside = make_event(hotness=90), make_event(hotness=95)
    (post,) = make_posts(inside, [NOW - MINUTE])
    PostTopic.objects.create(post=post, topic=water, published_at=post.published_at)
    make_posts(outside, [NOW - MINUTE])
    services.evaluate_alerts(now=NOW)
    assert list(Alert.objects.values_list("event_id", flat=True)) == [inside.pk]


def test_changing_a_threshold_rearms_the_rule(clock, users, make_event):
    hot = rule(AlertKind.HOTNESS, 80)
    make_event(hotness=90)
    services.evaluate_alerts(now=NOW)
    services.rule_update(rule=hot, threshold=85, actor=users["analyst"])
    services.evaluate_alerts(now=NOW + MINUTE)
    assert Alert.objects.count() == 2
    services.rule_update(rule=hot, enabled=False, actor=users["analyst"])
    services.evaluate_alerts(now=NOW + 2 * MINUTE)
    assert Alert.objects.count() == 2


def test_notices_go_to_the_analysts_on_duty(clock, users, make_event):
    rule(AlertKind.HOTNESS, 80)
    AnalystDuty.objects.create(user=users["analyst"], starts_at=NOW - HOUR, ends_at=NOW + 7 * HOUR)
    AnalystDuty.objects.create(user=users["analyst2"], starts_at=NOW + 7 * HOUR, ends_at=NOW + 15 * HOUR)
    make_event(hotness=90)
    services.evaluate_alerts(now=NOW)
    alert = Alert.objects.get()
    sent = OutboxMessage.objects.filter(idempotency_key__startswith=f"opinion-alert:{alert.pk}:")
    assert sorted(sent.values_list("channel", "recipient")) == [
        ("email", "a@example.org"),
        ("sms", "13900000001"),
    ]
    assert alert.notified == 1


def test_nobody_on_duty_tells_every_analyst(clock, users, make_event):
    rule(AlertKind.HOTNESS, 80)
    make_event(hotness=90)
    services.evaluate_alerts(now=NOW)
    emails = OutboxMessage.objects.filter(channel="email").values_list("recipient", flat=True)
    assert sorted(emails) == ["a2@example.org", "a@example.org"]


def test_old_events_are_not_observed(clock, users, make_event):
    rule(AlertKind.RUMOR, 1)
    make_event(rumor=5, at=NOW - 72 * HOUR)
    assert services.evaluate_alerts(now=NOW) == {"events": 0, "alerts": 0, "notified": 0}


def test_acknowledge_once(clock, users, make_event):
    rule(AlertKind.HOTNESS, 80)
    make_event(hotness=90)
    services.evaluate_alerts(now=NOW)
    alert = Alert.objects.get()
    services.alert_acknowledge(alert=alert, actor=users["analyst"])
    with pytest.raises(Conflict):
        services.alert_acknowledge(alert=alert, actor=users["analyst2"])
    alert.refresh_from_db()
    assert alert.acknowledged_by == users["analyst"]


def test_bad_rules_are_refused(db):
    from django.core.exceptions import ValidationError

    for kind, threshold in (
        ("loud", 1),
        ("hotness", 0),
        ("hotness", -3),
        ("negative_share", 1.5),
        ("hotness", True),
    ):
        with pytest.raises(ValidationError):
            rule(kind, threshold)


def test_many_alerts_at_once_go_out_as_one_digest(clock, users, make_event):
    AnalystDuty.objects.create(user=users["analyst"], starts_at=NOW - HOUR, ends_at=NOW + HOUR)
    for n in range(12):
        make_event(hotness=81 + n, title=f"事件{n}")
    rule(AlertKind.HOTNESS, 80)  # a new rule over events already hot
    assert services.evaluate_alerts(now=NOW) == {"events": 12, "alerts": 12, "notified": 1}
    (email,) = OutboxMessage.objects.filter(channel="email")
    assert "12" in email.payload["subject"] and "事件11" in email.payload["body"]
    assert OutboxMessage.objects.filter(channel="sms").count() == 1
    assert set(Alert.objects.values_list("notified", flat=True)) == {1}


def test_starter_rules_of_the_migration(clock, users, make_event):
    import importlib

    from django.apps import apps

    starter = importlib.import_module("gongkai.opinion.response.migrations.0002_default_alert_rules")
    starter.add_rules(apps, None)
    starter.add_rules(apps, None)  # only into an empty table
    assert sorted(AlertRuleConfig.objects.values_list("kind", "threshold")) == [
        ("hotness", 80.0),
        ("hotness", 120.0),
        ("negative_share", 0.6),
        ("rumor", 3.0),
        ("sensitive", 1.0),
        ("spike", 4.0),
    ]
    make_event(hotness=130, posts=40, negative=30, rumor=4)
    services.evaluate_alerts(now=NOW)
    assert sorted(Alert.objects.values_list("rule_name", flat=True)) == sorted(
        ["热度关注（80）", "热度高（120）", "负面占比过六成", "疑似谣言三条以上"]
    )


def test_hotness_is_scored_from_the_saved_tracker(clock, users, make_event):
    from gongkai.opinion.analysis.hotness import HotnessTracker
    from gongkai.opinion.models import ClustererState
    from gongkai.opinion.pipeline import KEY_BITS

    slot = ClustererState.objects.create(name="default")
    tracked, fresh, forgotten = ((slot.pk << KEY_BITS) + n for n in (1, 2, 3))
    tracker = HotnessTracker()
    for i in range(60):
        tracker.add(tracked, (NOW - 2 * HOUR).timestamp() + i * 30, reach=5000)
    ClustererState.objects.filter(pk=slot.pk).update(state={"hotness": tracker.dump()}, updated_at=NOW)
    old = make_event(hotness=150, at=NOW - 2 * HOUR, key=tracked)  # stored when its last batch came in
    new = make_event(hotness=90, at=NOW + MINUTE, key=fresh)  # a batch after the slot was saved
    cold = make_event(hotness=70, at=NOW - HOUR, key=forgotten)  # the tracker forgot it: cold
    later = NOW + 3 * HOUR
    values = selectors._hotness_values({e.pk: e for e in (old, new, cold)}, later)
    assert values[old.pk] == pytest.approx(tracker.score(tracked, later.timestamp()))
    assert values[old.pk] < selectors.decayed_hotness(old, later) < 150
    assert values[new.pk] == pytest.approx(selectors.decayed_hotness(new, later))
    assert values[cold.pk] == 0.0
