"""API throttles: a fixed window per caller, counted in one cache round trip.

ninja's ``SimpleRateThrottle`` keeps a list of request timestamps per caller and reads and writes
it on every request (two round trips, and a list that grows with the rate). These count hits with
:func:`gongkai.core.cache.incr_many`: one pipeline on Redis, a window that opens with the caller's
first request and lasts the rate's period. A caller may get up to twice the rate across the end of
one window and the start of the next; that is the usual trade of a fixed window, and what the
limits here are for (keeping scripts from flooding public forms) allows it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from gongkai.core.cache import incr_many

_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"10/m"`` → ``(10, 60)``; also ``"5/10m"`` (five per ten minutes)."""
    number, _, period = rate.partition("/")
    digits = "".join(ch for ch in period if ch.isdigit())
    unit = period[len(digits) :]
    return int(number), int(digits or 1) * _PERIODS[unit]


class FixedWindowThrottle(BaseThrottle):
    """At most ``rate`` requests per period for one caller.

    ``who``: ``"anon"`` counts anonymous callers by client address (and lets authenticated ones
    through), ``"auth"`` counts authenticated callers by user (and lets anonymous ones through),
    ``"ip"`` counts every caller by address (public operations, logged in or not). ``rate`` is a
    string or a callable returning one (read on every request, so settings can change it).
    """

    def __init__(self, rate: str | Callable[[], str], *, scope: str = "api", who: str = "anon") -> None:
        if who not in {"anon", "auth", "ip"}:
            raise ValueError(who)
        self.rate = rate
        self.scope = scope
        self.who = who
        # Overrides the rate when set (tests lower a limit without touching settings).
        self.num_requests: int | None = None
        self._retry_after = 1.0

    def _rate(self) -> tuple[int, int]:
        rate = self.rate() if callable(self.rate) else self.rate
        number, period = parse_rate(rate)
        return (self.num_requests if self.num_requests is not None else number), period

    def _ident(self, request: HttpRequest) -> str | None:
        user = getattr(request, "auth", None) or getattr(request, "user", None)
        authenticated = bool(user is not None and getattr(user, "is_authenticated", False))
        if self.who == "anon" and authenticated:
            return None
        if self.who == "auth":
            if not authenticated:
                return None
            return f"user:{user.pk}"  # type: ignore[union-attr]
        return f"ip:{self.get_ident(request)}"

    def counter(self, request: HttpRequest) -> tuple[str, int, int] | None:
        """``(cache key, period, limit)`` of this caller's counter, or ``None`` if not counted.
        For a view that counts it together with other counters in one round trip."""
        ident = self._ident(request)
        if ident is None:
            return None
        limit, period = self._rate()
        digest = hashlib.blake2b(ident.encode(), digest_size=12).hexdigest()
        return f"gk:throttle:{self.scope}:{self.who}:{digest}", period, limit

    def refuse(self, count: int, period: int, limit: int) -> bool:
        """True (and Retry-After set) when ``count`` hits go over ``limit``."""
        if count > limit:
            # The window's end is not known without another round trip; a whole period is the
            # honest upper bound for Retry-After.
            self._retry_after = float(period)
            return True
        return False

    def allow_request(self, request: HttpRequest) -> bool:
        counter = self.counter(request)
        if counter is None:
            return True
        key, period, limit = counter
        (count,) = incr_many([(key, period)])
        if count > limit:
            # The window's end is not known without another round trip; a whole period is the
            # honest upper bound for Retry-After.
            self._retry_after = float(period)
            return False
        return True

    def wait(self) -> float:
        return self._retry_after
