"""The cache: Django's Redis backend without a new client per call, and counters in one round trip.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` object for every cache
call; redis-py fills ~170 response callbacks into a case-insensitive dict each time, which cost
more than the round trip itself (bench/hotline.py: 9 cache calls per appeal, ~0.25 ms each in
client construction alone). :class:`RedisCache` keeps one client per connection pool (a
``redis.Redis`` is thread-safe; the pool hands each call its own connection).

:func:`incr_many` counts hits on several fixed-window counters in one round trip (one Lua script on
Redis: ``SET … NX EX`` + ``INCR`` per key), the building block of the API throttles
(``gongkai.api.throttling``) and the citizen pages' limits (``gongkai.hotline.ratelimit``). On
the database cache of the embedded mode it reads every counter in one ``SELECT`` and writes them
in one upsert, in one transaction (Django's ``add`` + ``incr`` took ~8 statements and three
transactions per counter, each ``set`` counting the whole table). On other caches (the
local-memory cache of the tests) it falls back to ``add`` + ``incr`` per key.
"""

from __future__ import annotations

import base64
import datetime
import itertools
import pickle
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class RedisCache(DjangoRedisCache):
    """``django.core.cache.backends.redis.RedisCache`` with one client per pool."""

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient


def incr_many(counters: Sequence[tuple[str, int]], *, alias: str = "default") -> list[int]:
    """Add one hit to each ``(key, ttl_seconds)`` counter; return the new counts, in order.

    A counter starts at the first hit and expires ``ttl`` seconds after it (a fixed window that
    opens with the first request). The keys are cache keys (``make_key`` is applied), so
    ``cache.get(key)`` reads the same counter.
    """
    if not counters:
        return []
    cache = caches[alias]
    if isinstance(cache, DjangoRedisCache):
        return _redis_counters(cache, counters, ())[0]
    if isinstance(cache, DatabaseCache):
        return _database_counters(cache, counters, ())[0]
    counts = []
    for key, ttl in counters:
        cache.add(key, 0, timeout=max(int(ttl), 1))
        try:
            counts.append(int(cache.incr(key)))
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=max(int(ttl), 1))
            counts.append(1)
    return counts


def incr_and_read(
    counters: Sequence[tuple[str, int]], keys: Sequence[str], *, alias: str = "default"
) -> tuple[list[int], list[int]]:
    """``incr_many(counters)`` and the current values of ``keys`` (0 when absent), in one round trip.

    The public lookup counts its per-address rate and reads its two failure counters with this.
    """
    cache = caches[alias]
    if isinstance(cache, DjangoRedisCache):
        return _redis_counters(cache, counters, keys)
    if isinstance(cache, DatabaseCache):
        return _database_counters(cache, counters, keys)
    counts = incr_many(counters, alias=alias)
    found = cache.get_many(list(keys)) if keys else {}
    return counts, [int(found.get(key, 0) or 0) for key in keys]


def decr_many(keys: Sequence[str], *, alias: str = "default") -> None:
    """Take one hit back from each counter that still exists (never below zero)."""
    if not keys:
        return
    cache = caches[alias]
    if isinstance(cache, DjangoRedisCache):
        client = cache._cache.get_client(write=True)
        full = [cache.make_and_validate_key(key) for key in keys]
        # DECR only where the counter is still positive: a refund after expiry must not go below 0
        # (a negative counter would let the next window through with extra requests).
        client.eval(_DECR_POSITIVE, len(full), *full)
        return
    for key in keys:
        try:
            if int(cache.get(key, 0)) > 0:
                cache.decr(key)
        except ValueError:
            pass


# One command for any number of counters and reads (a pipeline costs several times more in
# redis-py). KEYS: the counters, then the keys to read; ARGV: the number of counters, then each
# counter's TTL. SET … NX EX opens a window at the first hit; INCR keeps its TTL.
_COUNTERS = """
local n = tonumber(ARGV[1])
local out = {}
for i = 1, #KEYS do
  if i <= n then
    redis.call('SET', KEYS[i], 0, 'EX', ARGV[i + 1], 'NX')
    out[i] = redis.call('INCR', KEYS[i])
  else
    out[i] = tonumber(redis.call('GET', KEYS[i]) or '0') or 0
  end
end
return out
"""
_SCRIPTS: dict[int, Any] = {}


def _redis_counters(
    cache: DjangoRedisCache, counters: Sequence[tuple[str, int]], keys: Sequence[str]
) -> tuple[list[int], list[int]]:
    client = cache._cache.get_client(write=True)
    script = _SCRIPTS.get(id(client))
    if script is None:
        script = _SCRIPTS[id(client)] = client.register_script(_COUNTERS)
    names = [cache.make_and_validate_key(key) for key, _ttl in counters]
    names += [cache.make_and_validate_key(key) for key in keys]
    result = script(keys=names, args=[len(counters), *(max(int(ttl), 1) for _key, ttl in counters)])
    values = [int(value) for value in result]
    return values[: len(counters)], values[len(counters) :]


_DECR_POSITIVE = """
for i, key in ipairs(KEYS) do
  local value = tonumber(redis.call('GET', key) or '0')
  if value and value > 0 then redis.call('DECR', key) end
end
return 0
"""


# --- The database cache ----------------------------------------------------------------------------

#: Every this many counting calls a process deletes the expired rows of the cache table (Django's
#: own ``set`` does it when the table is over its ``MAX_ENTRIES``; the counters never call it).
DATABASE_PURGE_EVERY = 500
_database_calls = itertools.count(1)


def _expires_expression() -> Any:
    from django.db import models

    return models.Expression(output_field=models.DateTimeField())


def _database_counters(
    cache: DatabaseCache, counters: Sequence[tuple[str, int]], keys: Sequence[str]
) -> tuple[list[int], list[int]]:
    """:func:`incr_and_read` on Django's database cache, with its row format (a base64 pickle and
    an expiry time), so ``cache.get`` reads the same counters: one ``SELECT`` of every counter and
    key, one upsert of the counters, in one transaction. SQLite's transactions are ``IMMEDIATE``
    here (settings/base.py), so two processes never count from the same value. On PostgreSQL two
    transactions counting the same key at the same moment may both write the same count, as
    Django's own ``incr`` (a read, then a write) may: production counts in Redis (atomic)."""
    from django.db import connections, router, transaction
    from django.utils import timezone

    db = router.db_for_write(cache.cache_model_class)
    connection = connections[db]
    quote = connection.ops.quote_name
    table = quote(cache._table)  # type: ignore[attr-defined]
    names = [cache.make_and_validate_key(key) for key, _ttl in counters]
    read = [cache.make_and_validate_key(key) for key in keys]
    wanted = list(dict.fromkeys(names + read))
    now = timezone.now().replace(microsecond=0)
    tz = datetime.UTC if settings.USE_TZ else None
    if tz is None:
        now = timezone.make_naive(now)
    expression = _expires_expression()
    with transaction.atomic(using=db), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT cache_key, value, expires FROM {table} WHERE cache_key IN ({', '.join(['%s'] * len(wanted))})",  # noqa: S608
            wanted,
        )
        converters = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        found: dict[str, tuple[Any, datetime.datetime]] = {}
        for key, value, expires in cursor.fetchall():
            for converter in converters:
                expires = converter(expires, expression, connection)
            if expires >= now:
                pickled = base64.b64decode(connection.ops.process_clob(value).encode())
                found[key] = (pickle.loads(pickled), expires)  # noqa: S301 (the cache's own rows)
        counts: list[int] = []
        rows: dict[str, tuple[str, Any]] = {}
        for name, (_key, ttl) in zip(names, counters, strict=True):
            current = found.get(name)
            if current is not None and isinstance(current[0], int):
                count, expires = current[0] + 1, current[1]
            else:
                count, expires = 1, now + datetime.timedelta(seconds=max(int(ttl), 1))
            found[name] = (count, expires)
            counts.append(count)
            encoded = base64.b64encode(pickle.dumps(count, cache.pickle_protocol)).decode("latin1")
            rows[name] = (encoded, connection.ops.adapt_datetimefield_value(expires))
        if rows:
            cursor.execute(
                f"INSERT INTO {table} (cache_key, value, expires) VALUES "  # noqa: S608
                f"{', '.join(['(%s, %s, %s)'] * len(rows))} "
                f"ON CONFLICT (cache_key) DO UPDATE SET value = excluded.value, expires = excluded.expires",
                [value for name, (encoded, expires) in rows.items() for value in (name, encoded, expires)],
            )
        if next(_database_calls) % DATABASE_PURGE_EVERY == 0:
            cursor.execute(
                f"DELETE FROM {table} WHERE {quote('expires')} < %s",  # noqa: S608
                [connection.ops.adapt_datetimefield_value(now)],
            )
    values = []
    for name in read:
        current = found.get(name)
        values.append(int(current[0]) if current is not None and isinstance(current[0], int) else 0)
    return counts, values
