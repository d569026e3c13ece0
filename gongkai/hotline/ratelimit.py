"""Fixed-window rate limits for the citizen pages, kept in Django's cache.

The cache is shared by every web process (Redis in production, the database cache in the embedded
mode), so a limit holds across workers. Counters are ``cache.incr`` on one key per
(limit, identity, window): atomic on Redis and on the local-memory cache; on the database cache two
simultaneous hits may count once, which only ever lets one extra request through.

Identities (IP addresses, phone numbers) are hashed with the secret key before they become cache
keys, so the cache holds no personal data.

Limits can be tuned without a code change::

    GONGKAI_HOTLINE_RATE_LIMITS = {"appeal-phone": (5, 86400), "appeal-ip": (20, 3600)}
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

from gongkai.core.cache import decr_many, incr_many


@dataclass(frozen=True)
class Limit:
    """At most ``limit`` hits per ``window`` seconds for one identity."""

    scope: str
    limit: int
    window: int

    def tuned(self) -> Limit:
        override = getattr(settings, "GONGKAI_HOTLINE_RATE_LIMITS", {}).get(self.scope)
        if not override:
            return self
        limit, window = override
        return Limit(self.scope, int(limit), int(window))


#: New appeals per phone number per day (mailbox letters and web appeals together).
APPEALS_PER_PHONE = Limit("appeal-phone", 5, 24 * 3600)
#: New appeals per client address per hour.
APPEALS_PER_IP = Limit("appeal-ip", 20, 3600)
#: Failed lookups (unknown number or wrong query code) per client address per 10 minutes.
FAILED_LOOKUPS_PER_IP = Limit("lookup-failed-ip", 10, 600)
#: Ratings submitted per client address per hour (each order can be rated once anyway).
RATINGS_PER_IP = Limit("rating-ip", 20, 3600)


def client_ip(request) -> str:
    """The client's address.

    ``REMOTE_ADDR`` unless ``GONGKAI_TRUSTED_PROXY_COUNT`` (the number of reverse proxies in front
    of the app, e.g. 1 for nginx) says how many right-most ``X-Forwarded-For`` entries to skip.
    Trusting the header without proxies would let anybody choose their own address.
    """
    proxies = int(getattr(settings, "GONGKAI_TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies][:64]
    return (request.META.get("REMOTE_ADDR") or "unknown")[:64]


def _key(limit: Limit, identity: str, now: float) -> str:
    digest = salted_hmac("gongkai.hotline.ratelimit", f"{limit.scope}:{identity}").hexdigest()[:32]
    return f"gk:hotline:rl:{limit.scope}:{digest}:{int(now // limit.window)}"


def count(limit: Limit, identity: str) -> int:
    """Hits recorded for ``identity`` in the current window."""
    limit = limit.tuned()
    return int(cache.get(_key(limit, identity, time.time()), 0))


def is_exceeded(limit: Limit, identity: str) -> bool:
    """True if another hit would go over the limit."""
    return count(limit, identity) >= limit.tuned().limit


def keys_of(pairs: Iterable[tuple[Limit, str]]) -> list[tuple[Limit, str]]:
    """``(tuned limit, cache key)`` of each pair's current window, to read with other counters."""
    now = time.time()
    return [(limit.tuned(), _key(limit.tuned(), identity, now)) for limit, identity in pairs]


def any_exceeded(pairs: Iterable[tuple[Limit, str]]) -> Limit | None:
    """The first ``(limit, identity)`` another hit would put over its limit, else ``None``.

    ``is_exceeded`` for several counters in one cache round trip (``cache.get_many``).
    """
    now = time.time()
    keyed = [(limit.tuned(), identity) for limit, identity in pairs]
    keys = [_key(limit, identity, now) for limit, identity in keyed]
    counts = cache.get_many(keys) if keys else {}
    for (limit, _identity), key in zip(keyed, keys, strict=True):
        if int(counts.get(key, 0)) >= limit.limit:
            return limit
    return None


def hit(limit: Limit, identity: str) -> int:
    """Count one hit; return the count in the current window (atomic where the cache is)."""
    limit = limit.tuned()
    (count,) = incr_many([(_key(limit, identity, time.time()), limit.window + 60)])
    return count


def refund(limit: Limit, identity: str) -> None:
    """Take back one hit (the request it counted turned out not to consume anything)."""
    limit = limit.tuned()
    decr_many([_key(limit, identity, time.time())])


def refund_many(pairs: Iterable[tuple[Limit, str]]) -> None:
    """``refund`` for several counters in one cache round trip."""
    now = time.time()
    decr_many([_key(limit.tuned(), identity, now) for limit, identity in pairs if identity])


def hit_many(pairs: Iterable[tuple[Limit, str]]) -> None:
    """``hit`` for several counters in one cache round trip."""
    now = time.time()
    tuned = [(limit.tuned(), identity) for limit, identity in pairs if identity]
    incr_many([(_key(limit, identity, now), limit.window + 60) for limit, identity in tuned])


def reserve(
    pairs: Iterable[tuple[Limit, str]], *, throttle: Any = None, request: Any = None
) -> Limit | Any | None:
    """Count one hit on every ``(limit, identity)``; if any goes over, take them all back.

    Returns the first limit exceeded (nothing is counted then), or ``None`` when the request may
    go ahead. Counting first and checking after keeps concurrent requests from slipping through.
    All the counters are counted in one cache round trip (``incr_many``: one Redis script), with
    an API operation's per-address ``throttle`` (``gongkai.api.throttling.FixedWindowThrottle``,
    counted on every call: never given back) when one is passed with its ``request``; it is
    returned when it is the one exceeded.
    """
    now = time.time()
    taken = [(limit.tuned(), identity) for limit, identity in pairs if identity]
    keys = [_key(limit, identity, now) for limit, identity in taken]
    counters = [(key, limit.window + 60) for key, (limit, _) in zip(keys, taken, strict=True)]
    counter = throttle.counter(request) if throttle is not None else None
    if counter is not None:
        counters.append((counter[0], counter[1]))
    counts = incr_many(counters)
    if counter is not None and throttle.refuse(counts[-1], counter[1], counter[2]):
        decr_many(keys)
        return throttle
    for (limit, _identity), count in zip(taken, counts, strict=False):
        if count > limit.limit:
            decr_many(keys)
            return limit
    return None


def minutes_left(limit: Limit) -> int:
    """Whole minutes (at least 1) until the current window of ``limit`` ends."""
    limit = limit.tuned()
    now = time.time()
    seconds = limit.window - (now % limit.window)
    return max(1, int((seconds + 59) // 60))
