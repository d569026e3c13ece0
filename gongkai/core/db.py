"""Prepared statements for the few hot paths (PostgreSQL).

Django's psycopg 3 cursors bind parameters on the client and never prepare, so PostgreSQL parses
and plans every statement anew. For the public lookup that planning cost PostgreSQL about 1 ms of
CPU per request, more than running the two queries (bench/hotline.py, measured per process).
:func:`hot_cursor` gives a cursor whose statements are bound on the server and prepared once per
connection (``execute(..., prepare=True)``); later executions only bind and run.

Prepared statements live in a database session. Behind a pooler in transaction mode (PgBouncer
before 1.21, or without ``max_prepared_statements``) they would break: set
``GONGKAI_DB_PREPARED_STATEMENTS=false`` there and these paths use Django's usual cursor.
On other databases :func:`hot_cursor` is ``connection.cursor()``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connections

# Converted statements (``%s`` placeholders to ``$1``…) of the hot paths, by text and encoding.
# psycopg caches this conversion only for statements under 4,096 bytes and 50 parameters; the
# intake's one-statement write (the order's ~50 columns and its SMS, core/fastinsert.py) is over,
# and splitting it again on every appeal cost ~0.2 ms of CPU. The hot paths are a handful of
# fixed statements, so the cache stays small; it is bounded all the same.
_CONVERTED: dict[tuple[bytes, str], Any] = {}
_CONVERTED_MAX = 256


def _query_class() -> Any:
    from psycopg._queries import PostgresQuery, _query2pg_nocache

    class CachedConversionQuery(PostgresQuery):  # type: ignore[misc,valid-type]
        def convert(self, query: Any, vars: Any) -> None:
            if vars is None or not isinstance(query, str | bytes):
                return super().convert(query, vars)
            encoding = self._tx.encoding
            text = query.encode(encoding) if isinstance(query, str) else query
            converted = _CONVERTED.get((text, encoding))
            if converted is None:
                converted = _query2pg_nocache(text, encoding)
                if len(_CONVERTED) < _CONVERTED_MAX:
                    _CONVERTED[(text, encoding)] = converted
            self.query, self._want_formats, self._order, self._parts = converted
            self.dump(vars)
            return None

    return CachedConversionQuery


def _prepared_cursor_class() -> Any:
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparedCursor(ServerBindingCursor):  # type: ignore[misc,valid-type]
        _query_cls = _query_class()

        def execute(
            self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: bool | None = None
        ) -> Any:  # type: ignore[override]
            return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)  # type: ignore[misc]

    return PreparedCursor


_CLASS: Any = None


def prepared_statements_enabled(alias: str = "default") -> bool:
    return connections[alias].vendor == "postgresql" and bool(
        getattr(settings, "GONGKAI_DB_PREPARED_STATEMENTS", True)
    )


def hot_cursor(alias: str = "default") -> Any:
    """A Django cursor (query logging, error wrapping as usual) that prepares its statements."""
    global _CLASS
    connection = connections[alias]
    if not prepared_statements_enabled(alias) or connection.queries_logged:
        # While queries are logged (DEBUG, tests capturing queries) Django's own cursor, so the
        # log shows the SQL with its values (psycopg keeps no text for a prepared execution).
        return connection.cursor()
    if _CLASS is None:
        _CLASS = _prepared_cursor_class()
    connection.ensure_connection()
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    if connection.connection.prepare_threshold is None:
        # Django turns preparing off (prepare_threshold=None) and then even prepare=True is
        # ignored. Only server-binding cursors ever prepare, and Django's own cursors bind on the
        # client: this changes nothing but the hot paths.
        connection.connection.prepare_threshold = 0
    raw = _CLASS(connection.connection)
    # As Django's create_cursor: the connection's time zone for timestamptz values.
    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    if connection.timezone != getattr(loader, "timezone", None):
        register_tzloader(connection.timezone, raw)
    return connection._prepare_cursor(raw)  # type: ignore[attr-defined]
