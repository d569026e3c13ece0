"""The hot-path helpers: prepared statements (PostgreSQL), inserts compiled once, counters."""

import datetime as dt
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from gongkai.core import fastinsert
from gongkai.core.cache import decr_many, incr_and_read, incr_many
from gongkai.core.db import hot_cursor, prepared_statements_enabled
from gongkai.core.outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_hot_cursor_prepares_its_statements_on_postgresql(settings):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are a PostgreSQL matter")
    connection.ensure_connection()
    with hot_cursor() as cursor:
        cursor.execute("SELECT %s::int + 1", [41])
        assert cursor.fetchone() == (42,)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        assert any("+ 1" in row[0] for row in cursor.fetchall())
    settings.GONGKAI_DB_PREPARED_STATEMENTS = False
    assert not prepared_statements_enabled()


def test_insert_together_writes_what_save_writes():
    now = timezone.now().replace(microsecond=123000)
    fields = {
        "channel": "sms",
        "recipient": "13800000000",
        "payload": {"template": "SMS_1", "params": {"n": "一"}},
        "next_attempt_at": now,
        "created_at": now,
    }
    saved = OutboxMessage(**fields, idempotency_key="via-save")
    saved.save(force_insert=True)
    fast = OutboxMessage(**fields, idempotency_key="via-fast")
    fast.pk = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {fastinsert.allocate_ids_sql(OutboxMessage)}")
            fast.pk = cursor.fetchone()[0]
    fastinsert.insert_together([fast])
    assert fast.pk is not None and not fast._state.adding
    a = OutboxMessage.objects.values().get(pk=saved.pk)
    b = OutboxMessage.objects.values().get(pk=fast.pk)
    for row in (a, b):
        row.pop("id"), row.pop("idempotency_key"), row.pop("updated_at")
    assert a == b and b["payload"]["params"]["n"] == "一" and b["next_attempt_at"] == now


def _new_ids(model, n: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {fastinsert.allocate_ids_sql(model)} FROM generate_series(1, %s)", [n])  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def test_insert_new_together_writes_nothing_on_a_conflict_or_a_false_condition():
    if connection.vendor != "postgresql":
        pytest.skip("insert_new_together is PostgreSQL's")
    now = timezone.now()

    def message(key: str, pk: int) -> OutboxMessage:
        row = OutboxMessage(
            channel="sms",
            recipient="13800000000",
            payload={},
            idempotency_key=key,
            next_attempt_at=now,
            created_at=now,
        )
        row.pk = pk
        return row

    ids = _new_ids(OutboxMessage, 8)
    assert fastinsert.insert_new_together([message("a", ids[0]), message("a-follower", ids[1])])
    assert OutboxMessage.objects.filter(idempotency_key__startswith="a").count() == 2
    # The first row's key is taken: neither row is written, nothing is raised.
    assert not fastinsert.insert_new_together([message("a", ids[2]), message("b-follower", ids[3])])
    assert not OutboxMessage.objects.filter(pk__in=ids[2:4]).exists()
    # A false condition writes nothing either; a true one writes both.
    assert not fastinsert.insert_new_together(
        [message("c", ids[4]), message("c-follower", ids[5])], condition=("%s", [False])
    )
    assert not OutboxMessage.objects.filter(pk__in=ids[4:6]).exists()
    rows = [message("d", ids[6]), message("d-follower", ids[7])]
    assert fastinsert.insert_new_together(rows, condition=("%s", [True]))
    assert OutboxMessage.objects.get(pk=ids[7]).idempotency_key == "d-follower"
    assert not any(row._state.adding for row in rows)


def test_new_builds_what_the_model_builds():
    """fastinsert.new is Model(**values) without its per-field work and without the init signals:
    the models it builds have no receivers of those, and the instances are the same."""
    from django.db.models.signals import post_init, pre_init

    from gongkai.hotline.models import RoutingCategory, WorkOrder

    category = RoutingCategory(pk=7, code="ludeng", name="路灯")
    now = timezone.now()
    cases = [
        (
            WorkOrder,
            {
                "tracking_number": "2611270001",
                "channel": "web",
                "category": category,
                "district": None,
                "received_by_id": None,
                "title": "路灯不亮",
                "content": "小区路灯不亮",
                "raw_source": {"form": "x"},
                "created_at": now,
                "updated_at": now,
                "records_pending": True,
            },
        ),
        (
            OutboxMessage,
            {
                "channel": "sms",
                "recipient": "13800000000",
                "payload": {},
                "idempotency_key": "k",
                "created_at": now,
                "next_attempt_at": now,
            },
        ),
    ]
    for model, values in cases:
        assert not pre_init.has_listeners(model) and not post_init.has_listeners(model)
        built, made = fastinsert.new(model, **values), model(**values)
        state_built, state_made = built.__dict__.pop("_state"), made.__dict__.pop("_state")
        assert built.__dict__ == made.__dict__
        assert state_built.adding and state_built.db is None
        assert state_built.fields_cache == state_made.fields_cache
        built._state = state_built
        assert fastinsert.new(model, **values).pk is None
    with pytest.raises(TypeError):
        fastinsert.new(OutboxMessage, no_such_field=1)
    with pytest.raises(ValueError):
        fastinsert.new(WorkOrder, category=7)


def test_counters_count_read_and_give_back():
    cache.clear()
    assert incr_many([("k1", 60), ("k2", 60)]) == [1, 1]
    assert incr_many([("k1", 60)]) == [2]
    counts, values = incr_and_read([("k3", 60)], ["k1", "k2", "missing"])
    assert counts == [1] and values == [2, 1, 0]
    decr_many(["k1", "missing"])
    assert cache.get("k1") == 1 and cache.get("missing") in (None, 0)
    cache.clear()


def test_counters_on_redis():
    import redis
    from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

    from gongkai.core.cache import RedisCache

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/9", socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis on localhost")
    backend = RedisCache(
        "redis://127.0.0.1:6379/9", {"KEY_PREFIX": f"gk-test-{dt.datetime.now().timestamp()}"}
    )
    assert isinstance(backend, DjangoRedisCache)
    from django.core import cache as cache_module

    handler = cache_module.caches
    handler._connections.default = backend  # type: ignore[attr-defined]
    try:
        assert incr_many([("a", 60), ("b", 60)]) == [1, 1]
        counts, values = incr_and_read([("a", 60)], ["b", "none"])
        assert counts == [2] and values == [1, 0]
        decr_many(["a", "none"])
        assert backend.get("a") == 1 and backend.get("none") is None
        assert backend._cache.get_client() is backend._cache.get_client()  # one client per pool
    finally:
        backend.delete_many(["a", "b"])
        del handler._connections.default  # type: ignore[attr-defined]


@pytest.mark.django_db(transaction=True)
def test_counters_on_the_database_cache(monkeypatch):
    """The embedded mode's cache: one SELECT and one upsert per call, readable by ``cache.get``,
    a window that opens at the first hit and restarts once expired, expired rows purged."""
    from django.core import cache as cache_module
    from django.core.cache.backends.db import DatabaseCache
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gongkai.core import cache as counters

    call_command("createcachetable", "gk_test_counters", verbosity=0)
    backend = DatabaseCache("gk_test_counters", {"KEY_PREFIX": "t"})
    handler = cache_module.caches
    handler._connections.default = backend  # type: ignore[attr-defined]
    try:
        with CaptureQueriesContext(connection) as queries:
            assert incr_many([("a", 60), ("b", 60)]) == [1, 1]
        statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
        assert statements.count("SELECT") == 1 and statements.count("INSERT") == 1
        assert incr_many([("a", 60)]) == [2]
        counts, values = incr_and_read([("c", 60)], ["a", "b", "none"])
        assert counts == [1] and values == [2, 1, 0]
        assert backend.get("a") == 2 and backend.get("c") == 1  # Django's own reads agree
        decr_many(["a"])
        assert incr_many([("a", 60)]) == [2]
        with connection.cursor() as cursor:  # the window of "a" is over
            cursor.execute(
                "UPDATE gk_test_counters SET expires = %s WHERE cache_key = %s",
                [connection.ops.adapt_datetimefield_value(dt.datetime(2000, 1, 1, tzinfo=dt.UTC)), "t:1:a"],
            )
        assert incr_many([("a", 60)]) == [1] and backend.get("a") == 1
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE gk_test_counters SET expires = %s WHERE cache_key = %s",
                [connection.ops.adapt_datetimefield_value(dt.datetime(2000, 1, 1, tzinfo=dt.UTC)), "t:1:b"],
            )
        monkeypatch.setattr(counters, "DATABASE_PURGE_EVERY", 1)
        incr_many([("c", 60)])
        with connection.cursor() as cursor:
            cursor.execute("SELECT cache_key FROM gk_test_counters ORDER BY cache_key")
            assert [row[0] for row in cursor.fetchall()] == ["t:1:a", "t:1:c"]
    finally:
        del handler._connections.default  # type: ignore[attr-defined]
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE gk_test_counters")


def test_hot_cursor_converts_a_long_statement_once(settings):
    """psycopg caches placeholder conversion only under 50 parameters; the hot cursor caches its own."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are a PostgreSQL matter")
    from gongkai.core import db

    values = list(range(60))
    sql = "SELECT " + " + ".join(["%s::int"] * len(values)) + " AS total"
    for _attempt in range(2):
        with hot_cursor() as cursor:
            cursor.execute(sql, values)
            assert cursor.fetchone() == (sum(values),)
    assert any(key[0] == sql.encode() for key in db._CONVERTED)
    with hot_cursor() as cursor:  # other values through the cached conversion
        cursor.execute(sql, [1] * len(values))
        assert cursor.fetchone() == (60,)


def test_the_csp_header_is_built_once(client):
    from gongkai.core import middleware

    middleware.CachedCSPMiddleware._cache.clear()
    with mock.patch.object(middleware, "build_policy", wraps=middleware.build_policy) as build:
        first = client.get("/healthz")
        second = client.get("/healthz")
    assert first.headers["Content-Security-Policy"] == second.headers["Content-Security-Policy"]
    assert build.call_count == 2  # the policy and the report-only one, for the first response only
