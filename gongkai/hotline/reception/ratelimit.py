"""A fixed-window counter in Django's cache, for the public forms (per IP address and per phone)."""

from __future__ import annotations

import hashlib

from django.core.cache import cache


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hit(scope: str, key: str, *, limit: int, window: int) -> bool:
    """Count one request; ``False`` once ``limit`` requests were counted in the current window."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache_key = f"reception:rl:{scope}:{digest}"
    if cache.add(cache_key, 1, timeout=window):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window)
        return True
    return count <= limit
