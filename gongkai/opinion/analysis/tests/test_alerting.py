"""Alert rules: once per threshold crossing, re-arming with hysteresis, state across restarts."""

from __future__ import annotations

import json

import pytest

from gongkai.opinion.analysis.alerting import AlertEvaluator, AlertRule

HOT = AlertRule(kind="hotness", threshold=80.0, name="热度80")


def _run(evaluator: AlertEvaluator, values, subject=5, kind="hotness") -> list[int]:
    """Feed a series of values; return the indexes of the evaluations that fired."""
    fired = []
    for i, value in enumerate(values):
        if evaluator.evaluate({(kind, subject): value}, now=1000.0 + i):
            fired.append(i)
    return fired


def test_fires_once_per_upward_crossing_not_once_per_post():
    evaluator = AlertEvaluator([HOT])
    # climbs over 80 and keeps growing with every new post: one firing
    assert _run(evaluator, [10, 40, 79.9, 80, 85, 90, 120, 150, 140, 100, 81, 79, 70, 65]) == [3]


def test_rearms_only_below_threshold_times_ratio_then_fires_again():
    evaluator = AlertEvaluator([HOT], rearm_ratio=0.8)
    series = [85, 70, 90, 65, 63.9, 70, 79, 80, 200]
    # 70 and 65 are not below 64: no re-arm, so 90 does not fire; 63.9 re-arms, 80 fires again
    assert _run(evaluator, series) == [0, 7]


def test_firing_carries_rule_subject_value_and_time():
    evaluator = AlertEvaluator([HOT])
    (firing,) = evaluator.evaluate({("hotness", 12): 99.5, ("spike", 12): 50.0}, now=42.0)
    assert (firing.rule, firing.subject, firing.value, firing.at) == (HOT, 12, 99.5, 42.0)
    assert firing.kind == "hotness" and firing.threshold == 80.0
    assert not evaluator.armed(HOT, 12) and evaluator.armed(HOT, 13)


def test_each_subject_and_each_rule_has_its_own_state():
    watch = AlertRule(kind="hotness", threshold=50.0)
    evaluator = AlertEvaluator([watch, HOT])
    firings = evaluator.evaluate({("hotness", 1): 60.0, ("hotness", 2): 100.0}, now=0.0)
    assert sorted((f.rule.rule_id, f.subject) for f in firings) == [
        ("hotness>=50", 1),
        ("hotness>=50", 2),
        ("热度80", 2),
    ]
    firings = evaluator.evaluate({("hotness", 1): 100.0, ("hotness", 2): 100.0}, now=1.0)
    assert [(f.rule.rule_id, f.subject) for f in firings] == [("热度80", 1)]


def test_unobserved_subjects_keep_their_state_and_are_forgotten_after_a_while():
    evaluator = AlertEvaluator([HOT], forget_after_seconds=3600.0)
    assert evaluator.evaluate({("hotness", 1): 90.0}, now=0.0)
    assert evaluator.evaluate({("hotness", 2): 10.0}, now=60.0) == []
    assert evaluator.evaluate({("hotness", 1): 90.0}, now=120.0) == []  # still disarmed
    evaluator.evaluate({}, now=120.0 + 3601.0)  # not observed for more than an hour
    assert evaluator.armed(HOT, 1)


def test_negative_share_needs_a_minimum_volume():
    rule = AlertRule(kind="negative_share", threshold=0.6)
    evaluator = AlertEvaluator([rule], min_volume=20)
    # 3 negative posts out of 4 is 75 %, but it is 4 posts: nothing
    assert evaluator.evaluate({("negative_share", 7): 0.75, ("volume", 7): 4}, now=0.0) == []
    # no volume given: ignored as well
    assert evaluator.evaluate({("negative_share", 7): 0.75}, now=1.0) == []
    (firing,) = evaluator.evaluate({("negative_share", 7): 0.7, ("volume", 7): 40}, now=2.0)
    assert firing.subject == 7
    # a small-volume low share does not re-arm it either
    evaluator.evaluate({("negative_share", 7): 0.1, ("volume", 7): 3}, now=3.0)
    assert not evaluator.armed(rule, 7)


def test_sensitive_and_rumor_counts_fire_once_per_subject():
    rules = [AlertRule(kind="sensitive", threshold=1), AlertRule(kind="rumor", threshold=3)]
    evaluator = AlertEvaluator(rules)
    fired = []
    for i, (sensitive, rumor) in enumerate([(0, 0), (1, 1), (2, 3), (5, 4), (6, 9)]):
        firings = evaluator.evaluate({("sensitive", 3): sensitive, ("rumor", 3): rumor}, now=float(i))
        fired += [(i, f.kind) for f in firings]
    assert fired == [(1, "sensitive"), (2, "rumor")]


def test_topic_rules_apply_to_the_topic_and_its_events_only():
    rule = AlertRule(kind="spike", threshold=4.0, topic_id=9)
    evaluator = AlertEvaluator([rule])
    observations = {
        ("spike", "topic:9"): 6.0,
        ("spike", "topic:3"): 8.0,
        ("spike", 21): 7.0,
        ("spike", 22): 7.0,
    }
    firings = evaluator.evaluate(observations, now=0.0, topics={21: [9, 3], 22: [3]})
    assert sorted(str(f.subject) for f in firings) == ["21", "topic:9"]


def test_state_survives_a_restart():
    evaluator = AlertEvaluator([HOT])
    evaluator.evaluate({("hotness", 1): 90.0, ("hotness", "topic:2"): 95.0}, now=0.0)
    saved = json.loads(json.dumps(evaluator.dump()))

    restarted = AlertEvaluator([HOT, AlertRule(kind="spike", threshold=3)])
    restarted.load(saved)
    assert restarted.evaluate({("hotness", 1): 91.0, ("hotness", "topic:2"): 99.0}, now=10.0) == []
    assert [f.subject for f in restarted.evaluate({("hotness", 3): 91.0}, now=11.0)] == [3]

    # the state of a rule that no longer exists is dropped
    other = AlertEvaluator([AlertRule(kind="hotness", threshold=80.0, name="另一条")])
    other.load(saved)
    assert len(other.evaluate({("hotness", 1): 91.0}, now=12.0)) == 1


def test_bad_rules_and_values_are_refused_or_ignored():
    with pytest.raises(ValueError):
        AlertEvaluator([AlertRule(kind="volume", threshold=1)])
    with pytest.raises(ValueError):
        AlertEvaluator([AlertRule(kind="hotness", threshold=0)])
    with pytest.raises(ValueError):
        AlertEvaluator([HOT], rearm_ratio=1.5)
    with pytest.raises(ValueError):
        AlertEvaluator([HOT]).load({"version": 2})
    evaluator = AlertEvaluator([HOT])
    assert evaluator.evaluate({("hotness", 1): float("nan"), ("nonsense", 1): 1e9}, now=0.0) == []
