"""Hotness (volume, velocity, reach, decay) and spike detection."""

from __future__ import annotations

import json
import math

import pytest

from gongkai.opinion.analysis.hotness import HotnessTracker, SpikeDetector, hotness, post_reach

HOUR = 3600.0
T0 = 1_699_999_800.0  # a multiple of 600: buckets start at T0


# ------------------------------------------------------------------------------------------ formula


def test_hotness_rises_with_volume_velocity_and_reach():
    base = {"volume": 50.0, "velocity": 10.0, "reach": 100_000.0, "age_hours": 0.0}
    value = hotness(**base)
    assert hotness(**{**base, "volume": 500.0}) > value
    assert hotness(**{**base, "velocity": 100.0}) > value
    assert hotness(**{**base, "reach": 10_000_000.0}) > value
    assert hotness(volume=0.0, velocity=0.0, reach=0.0, age_hours=0.0) == 0.0


def test_hotness_halves_every_half_life():
    now = hotness(volume=200.0, velocity=100.0, reach=5e6, age_hours=0.0)
    assert hotness(volume=200.0, velocity=100.0, reach=5e6, age_hours=12.0) == pytest.approx(now / 2)
    assert hotness(
        volume=200.0, velocity=100.0, reach=5e6, age_hours=6.0, half_life_hours=6.0
    ) == pytest.approx(now / 2)


def test_hotness_scale_matches_the_documented_examples():
    assert hotness(volume=1, velocity=math.log(2), reach=500, age_hours=0) == pytest.approx(12.3, abs=0.5)
    assert hotness(volume=20, velocity=20, reach=50_000, age_hours=0) == pytest.approx(70, abs=1)
    assert hotness(volume=5000, velocity=1000, reach=5e7, age_hours=0) == pytest.approx(181, abs=1)


def test_hotness_refuses_a_nonsense_half_life():
    with pytest.raises(ValueError):
        hotness(volume=1, velocity=1, reach=1, age_hours=1, half_life_hours=0)


def test_post_reach_counts_followers_verification_and_interactions():
    assert post_reach(followers=1000) == 1000
    assert post_reach(followers=1000, verified=True) == 2000
    assert post_reach(reposts=2, comments=3, likes=4) == 20 + 9 + 4
    assert post_reach(followers=-5) == 0


# ------------------------------------------------------------------------------------------ tracker


def test_tracker_decays_without_new_posts():
    tracker = HotnessTracker()
    for i in range(30):
        tracker.add(1, T0 + i * 60, reach=1000)
    now = T0 + 30 * 60
    fresh = tracker.score(1, now)
    assert tracker.score(1, now + 6 * HOUR) < fresh
    assert tracker.score(1, now + 24 * HOUR) < tracker.score(1, now + 6 * HOUR)
    # the counters halve every 12 hours; on the log scale that takes a fixed number of points
    assert tracker.score(1, now + 24 * HOUR) < fresh / 2
    assert tracker.score(1, now + 5 * 24 * HOUR) < 2


def test_tracker_rewards_velocity_and_reach():
    fast, slow = HotnessTracker(), HotnessTracker()
    for i in range(20):
        fast.add(1, T0 + i * 60, reach=100)  # 20 posts in 20 minutes
        slow.add(1, T0 - 10 * HOUR + i * 30 * 60, reach=100)  # 20 posts over 10 hours
    end = T0 + 20 * 60
    assert fast.score(1, end) > slow.score(1, end)
    volume, velocity, reach = fast.components(1, end)
    assert 15 < volume <= 20 and velocity > 10 and reach > 1500

    quiet, loud = HotnessTracker(), HotnessTracker()
    for i in range(5):
        quiet.add(2, T0 + i, reach=10)
        loud.add(2, T0 + i, reach=1_000_000)
    assert loud.score(2, T0 + 10) > quiet.score(2, T0 + 10) + 10


def test_tracker_velocity_estimates_a_steady_rate():
    tracker = HotnessTracker()
    for i in range(600):  # 60 posts per hour for ten hours
        tracker.add(7, T0 + i * 60, reach=0)
    _volume, velocity, _reach = tracker.components(7, T0 + 600 * 60)
    assert velocity == pytest.approx(60, rel=0.05)


def test_tracker_takes_late_posts_and_unknown_events():
    tracker = HotnessTracker()
    tracker.add(1, T0, reach=10)
    tracker.add(1, T0 - 12 * HOUR, reach=10)  # late: worth one half at the clock
    volume, _velocity, reach = tracker.components(1, T0)
    assert volume == pytest.approx(1.5)
    assert reach == pytest.approx(15)
    assert tracker.score(99, T0) == 0.0


def test_tracker_scores_all_and_forgets_cold_events():
    tracker = HotnessTracker()
    tracker.add(1, T0, reach=100)
    tracker.add(2, T0 + 10 * 86400, reach=100)
    scores = tracker.scores(T0 + 10 * 86400)
    assert set(scores) == {2}
    assert 1 not in tracker and 2 in tracker


def test_tracker_dump_load_round_trip():
    tracker = HotnessTracker()
    for i in range(10):
        tracker.add(i % 3, T0 + i * 100, reach=i * 10)
    copy = HotnessTracker()
    copy.load(json.loads(json.dumps(tracker.dump())))
    assert copy.scores(T0 + 5000) == tracker.scores(T0 + 5000)
    with pytest.raises(ValueError):
        copy.load({"version": 0})


# ------------------------------------------------------------------------------------------ spikes


def _steady(detector: SpikeDetector, key, buckets: int, per_bucket: int, start: float = T0) -> float:
    for b in range(buckets):
        for j in range(per_bucket):
            detector.add(key, start + b * 600 + j * (600 / per_bucket))
    return start + buckets * 600


def test_steady_traffic_is_not_a_spike():
    detector = SpikeDetector()
    now = _steady(detector, "topic:1", 60, 12)
    for b in range(60, 120):  # keep checking while it stays steady
        for j in range(12):
            detector.add("topic:1", T0 + b * 600 + j * 50)
        assert detector.spikes(T0 + b * 600 + 599) == []
    mean, variance = detector.baseline("topic:1")
    assert mean == pytest.approx(12, rel=0.1)
    assert now > T0


def test_a_burst_is_a_spike():
    detector = SpikeDetector()
    end = _steady(detector, 42, 60, 5)
    for j in range(60):
        detector.add(42, end + j * 5)
    (spike,) = detector.spikes(end + 400)
    assert spike.key == 42
    assert spike.bucket_start == end
    assert spike.count == 60
    assert spike.expected == pytest.approx(5, rel=0.2)
    assert spike.z > 10
    # the bucket just finished still reports; two buckets later it does not
    assert detector.spikes(end + 700) and detector.spikes(end + 1300) == []


def test_a_few_posts_on_a_quiet_key_are_not_a_spike():
    detector = SpikeDetector(min_count=10)
    for j in range(3):
        detector.add("district:220202", T0 + j)
    assert detector.spikes(T0 + 10) == []
    for j in range(12):
        detector.add("district:220202", T0 + 20 + j)
    (spike,) = detector.spikes(T0 + 60)  # 15 posts out of nowhere is one
    assert spike.count == 15


def test_spikes_are_ordered_and_idle_keys_forgotten():
    detector = SpikeDetector(idle_seconds=86400)
    for j in range(20):
        detector.add("a", T0 + j)
    for j in range(40):
        detector.add("b", T0 + j)
    assert [s.key for s in detector.spikes(T0 + 100)] == ["b", "a"]
    detector.add("c", T0 + 3 * 86400)
    detector.spikes(T0 + 3 * 86400)
    assert len(detector) == 1


def test_long_gaps_reset_the_baseline():
    detector = SpikeDetector()
    _steady(detector, 1, 20, 30)
    detector.add(1, T0 + 400 * 86400)
    assert detector.baseline(1) == (0.0, 0.0)


def test_spike_detector_dump_load_round_trip():
    detector = SpikeDetector()
    end = _steady(detector, "t", 30, 4)
    copy = SpikeDetector()
    copy.load(json.loads(json.dumps(detector.dump())))
    for j in range(50):
        detector.add("t", end + j)
        copy.add("t", end + j)
    assert copy.spikes(end + 100) == detector.spikes(end + 100) != []
    with pytest.raises(ValueError):
        SpikeDetector(bucket_seconds=60).load(detector.dump())
