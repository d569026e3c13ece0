"""Hotness (热度) of events and spike (突增) detection, incremental and in bounded memory.

Hotness
-------
::

    hotness = (20 * log10(1 + volume) + 20 * log10(1 + velocity) + 10 * log10(1 + reach / 1000))
              * 2 ** (-age_hours / half_life_hours)

* ``volume``: posts (for ``HotnessTracker``: decayed with ``half_life_hours``, so a post 12 hours old
  counts for one half);
* ``velocity``: posts per hour recently (for the tracker: a decayed count with a 1-hour half-life,
  times ln 2 per hour, which equals the rate when the rate is steady);
* ``reach``: the audience, summed over posts (see ``post_reach``: followers, doubled when verified,
  plus 10 per repost, 3 per comment and 1 per like), decayed like the volume;
* ``age_hours``: hours since the last post. The tracker's counters are decayed already, so it passes 0.

Each factor is logarithmic, so in the tracker, where the counters halve every half-life, an event
that gets no new post loses about 6 points of volume and 3 of reach per half-life once its counts are
large, and fades to nothing when they fall under one (30 posts in half an hour: 70 at once, 28 a day
later, under 2 after five days). Each factor is logarithmic: ten times the posts adds 20 points, ten times the audience 10 points.
Typical figures (age 0): one post by an author with 500 followers ≈ 12; 20 posts at 20 per hour with
50,000 reach ≈ 70; 200 posts at 100 per hour with 5 million reach ≈ 123; 5,000 posts at 1,000 per hour
with 50 million reach ≈ 181. Thresholds for alerts are set on this scale (e.g. 80 for "watch", 120 for "hot").

Spikes
------
``SpikeDetector`` counts posts per key (an event, a topic, a district: any int or str) in fixed buckets
(10 minutes by default) and keeps, per key, an exponentially weighted mean and variance of the counts
of the past buckets (empty buckets count as zeros). The current bucket is a spike when its count is at
least ``min_count`` and its z-score ``(count - mean) / sqrt(variance + mean + 1)`` reaches ``z_threshold``;
the ``mean + 1`` in the denominator is the Poisson floor, so a key that was quiet (or new) needs
``min_count`` posts, not 2, to spike. The current bucket is compared with the baseline of the buckets
before it, so a burst does not hide itself.

Both classes have ``dump()``/``load()`` with JSON-compatible state so that they survive restarts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = ["HotnessTracker", "Spike", "SpikeDetector", "hotness", "post_reach"]

_LN2 = math.log(2.0)
VELOCITY_HALF_LIFE_HOURS = 1.0


def hotness(
    *, volume: float, velocity: float, reach: float, age_hours: float, half_life_hours: float = 12.0
) -> float:
    """The hotness of an event; see the module docstring for the formula and the scale."""
    if half_life_hours <= 0:
        raise ValueError("half_life_hours must be positive")
    base = (
        20.0 * math.log10(1.0 + max(volume, 0.0))
        + 20.0 * math.log10(1.0 + max(velocity, 0.0))
        + 10.0 * math.log10(1.0 + max(reach, 0.0) / 1000.0)
    )
    return base * 2.0 ** (-max(age_hours, 0.0) / half_life_hours)


def post_reach(
    *, followers: int = 0, verified: bool = False, reposts: int = 0, comments: int = 0, likes: int = 0
) -> float:
    """The audience of one post: followers (×2 if verified) + 10 per repost + 3 per comment + 1 per like."""
    return (
        max(followers, 0) * (2.0 if verified else 1.0)
        + 10.0 * max(reposts, 0)
        + 3.0 * max(comments, 0)
        + max(likes, 0)
    )


class HotnessTracker:
    """Per-event decayed counters: volume and reach (``half_life_hours``), velocity (1 hour).

    ``add`` is O(1). Events whose hotness has decayed under ``forget_below`` are dropped by ``scores``.
    Posts may arrive out of order: an older post is added already decayed to the event's clock.
    """

    def __init__(self, *, half_life_hours: float = 12.0, forget_below: float = 0.5) -> None:
        if half_life_hours <= 0:
            raise ValueError("half_life_hours must be positive")
        self.half_life_hours = half_life_hours
        self.forget_below = forget_below
        self._hl = half_life_hours * 3600.0
        self._hl_fast = VELOCITY_HALF_LIFE_HOURS * 3600.0
        # event -> [clock, volume, fast, reach]; the counters are decayed to ``clock``
        self._state: dict[int, list[float]] = {}

    def __len__(self) -> int:
        return len(self._state)

    def __contains__(self, event_key: object) -> bool:
        return event_key in self._state

    def add(self, event_key: int, timestamp: float, reach: float) -> None:
        """Count one post of ``event_key`` at ``timestamp`` (seconds) with audience ``reach``."""
        st = self._state.get(event_key)
        if st is None:
            self._state[event_key] = [timestamp, 1.0, 1.0, max(reach, 0.0)]
            return
        clock = st[0]
        if timestamp >= clock:
            dt = timestamp - clock
            if dt:
                slow = 2.0 ** (-dt / self._hl)
                st[1] *= slow
                st[3] *= slow
                st[2] *= 2.0 ** (-dt / self._hl_fast)
                st[0] = timestamp
            st[1] += 1.0
            st[2] += 1.0
            st[3] += max(reach, 0.0)
        else:  # a late post: add its contribution as it is worth at the clock
            dt = clock - timestamp
            slow = 2.0 ** (-dt / self._hl)
            st[1] += slow
            st[3] += max(reach, 0.0) * slow
            st[2] += 2.0 ** (-dt / self._hl_fast)

    def _components(self, st: list[float], now: float) -> tuple[float, float, float]:
        dt = max(now - st[0], 0.0)
        slow = 2.0 ** (-dt / self._hl)
        fast = 2.0 ** (-dt / self._hl_fast)
        volume = st[1] * slow
        velocity = st[2] * fast * _LN2 / VELOCITY_HALF_LIFE_HOURS
        reach = st[3] * slow
        return volume, velocity, reach

    def components(self, event_key: int, now: float) -> tuple[float, float, float]:
        """(decayed volume, velocity in posts/hour, decayed reach) of an event at ``now``."""
        st = self._state.get(event_key)
        if st is None:
            return 0.0, 0.0, 0.0
        return self._components(st, now)

    def score(self, event_key: int, now: float) -> float:
        """The hotness of ``event_key`` at ``now`` (0 for an unknown event)."""
        st = self._state.get(event_key)
        if st is None:
            return 0.0
        volume, velocity, reach = self._components(st, now)
        return hotness(
            volume=volume, velocity=velocity, reach=reach, age_hours=0.0, half_life_hours=self.half_life_hours
        )

    def scores(self, now: float) -> dict[int, float]:
        """The hotness of every tracked event at ``now``; forgets the events that went cold."""
        out: dict[int, float] = {}
        cold = []
        for key, st in self._state.items():
            volume, velocity, reach = self._components(st, now)
            value = hotness(
                volume=volume,
                velocity=velocity,
                reach=reach,
                age_hours=0.0,
                half_life_hours=self.half_life_hours,
            )
            if value < self.forget_below and now >= st[0]:
                cold.append(key)
            else:
                out[key] = value
        for key in cold:
            del self._state[key]
        return out

    def forget(self, event_key: int) -> None:
        self._state.pop(event_key, None)

    def dump(self) -> dict[str, Any]:
        return {
            "version": 1,
            "half_life_hours": self.half_life_hours,
            "events": [[k, *v] for k, v in self._state.items()],
        }

    def load(self, state: dict[str, Any]) -> None:
        if not isinstance(state, dict) or state.get("version") != 1:
            raise ValueError("not a dump of HotnessTracker (version 1)")
        self._state = {int(row[0]): [float(x) for x in row[1:5]] for row in state["events"]}


@dataclass(slots=True)
class Spike:
    key: int | str
    bucket_start: float  # seconds, start of the bucket that spiked
    count: float  # posts in that bucket (so far)
    expected: float  # the baseline mean per bucket
    z: float  # (count - expected) / sqrt(variance + expected + 1)


class SpikeDetector:
    """Spikes in per-key post counts over fixed time buckets, against an EWMA baseline.

    ``alpha`` is the weight of each finished bucket in the baseline (0.05: a half-life of about 14
    buckets, 2.3 hours with 10-minute buckets). ``add`` is O(1) except when a key skips buckets, which
    costs one step per skipped bucket up to 200 (after that the baseline is simply zero).
    """

    def __init__(
        self,
        *,
        bucket_seconds: float = 600.0,
        alpha: float = 0.05,
        z_threshold: float = 3.0,
        min_count: float = 10.0,
        idle_seconds: float = 7 * 86400.0,
    ) -> None:
        if bucket_seconds <= 0 or not 0.0 < alpha < 1.0:
            raise ValueError("bucket_seconds must be positive and alpha in (0, 1)")
        self.bucket_seconds = float(bucket_seconds)
        self.alpha = alpha
        self.z_threshold = z_threshold
        self.min_count = min_count
        self.idle_seconds = idle_seconds
        # key -> [bucket index, count in that bucket, mean, variance]
        self._state: dict[int | str, list[float]] = {}

    def __len__(self) -> int:
        return len(self._state)

    def _bucket(self, timestamp: float) -> int:
        return math.floor(timestamp / self.bucket_seconds)

    def _roll(self, st: list[float], bucket: int) -> None:
        """Close the key's current bucket and the empty ones up to ``bucket`` into the baseline."""
        alpha = self.alpha
        mean, var = st[2], st[3]
        value = st[1]
        steps = int(bucket - st[0])
        for i in range(min(steps, 200)):
            diff = value - mean
            incr = alpha * diff
            mean += incr
            var = (1.0 - alpha) * (var + diff * incr)
            if i == 0:
                value = 0.0
        if steps > 200:
            mean, var = 0.0, 0.0
        st[0], st[1], st[2], st[3] = float(bucket), 0.0, mean, var

    def add(self, key: int | str, timestamp: float, count: float = 1) -> None:
        """Count ``count`` posts for ``key`` at ``timestamp``. Posts older than the key's bucket count in it."""
        bucket = self._bucket(timestamp)
        st = self._state.get(key)
        if st is None:
            self._state[key] = [float(bucket), float(count), 0.0, 0.0]
            return
        if bucket > st[0]:
            self._roll(st, bucket)
        st[1] += count

    def _z(self, count: float, mean: float, var: float) -> float:
        return (count - mean) / math.sqrt(var + mean + 1.0)

    def check(self, key: int | str, now: float) -> Spike | None:
        """The spike of ``key`` at ``now``, if its current (or just finished) bucket is one."""
        st = self._state.get(key)
        if st is None:
            return None
        current = self._bucket(now)
        if st[0] < current - 1:  # nothing in this bucket nor the previous one
            return None
        count, mean, var = st[1], st[2], st[3]
        if count < self.min_count:
            return None
        z = self._z(count, mean, var)
        if z < self.z_threshold:
            return None
        return Spike(key=key, bucket_start=st[0] * self.bucket_seconds, count=count, expected=mean, z=z)

    def spikes(self, now: float) -> list[Spike]:
        """The keys spiking at ``now``, highest z first; forgets keys idle for ``idle_seconds``."""
        out = []
        idle_before = self._bucket(now - self.idle_seconds)
        stale = []
        for key, st in self._state.items():
            if st[0] < idle_before:
                stale.append(key)
                continue
            spike = self.check(key, now)
            if spike is not None:
                out.append(spike)
        for key in stale:
            del self._state[key]
        out.sort(key=lambda s: (-s.z, str(s.key)))
        return out

    def baseline(self, key: int | str) -> tuple[float, float]:
        """(mean, variance) of the key's counts per bucket, before its current bucket."""
        st = self._state.get(key)
        return (st[2], st[3]) if st is not None else (0.0, 0.0)

    def dump(self) -> dict[str, Any]:
        return {
            "version": 1,
            "bucket_seconds": self.bucket_seconds,
            "keys": [[key, *st] for key, st in self._state.items()],
        }

    def load(self, state: dict[str, Any]) -> None:
        if not isinstance(state, dict) or state.get("version") != 1:
            raise ValueError("not a dump of SpikeDetector (version 1)")
        if float(state["bucket_seconds"]) != self.bucket_seconds:
            raise ValueError("the dump was made with another bucket size")
        self._state = {row[0]: [float(x) for x in row[1:5]] for row in state["keys"]}
