"""A fixed-window counter in Django's cache, for the public forms (per IP address and per phone)."""

from __future__ import annotations

import hashlib

from gongkai.core.cache import incr_many


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hit(scope: str, key: str, *, limit: int, window: int) -> bool:
    """Count one request; ``False`` once ``limit`` requests were counted in the current window."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    (count,) = incr_many([(f"reception:rl:{scope}:{digest}", window)])
    return count <= limit
