"""Database-specific reads and writes of the index (PostgreSQL tsvector + GIN, SQLite FTS5).

Everything above this module (services, selectors, the Wagtail backend) is database-neutral.

SQL here is assembled from constants (table names, aliases, fragments built in this module);
every value, query terms included, is a bound parameter.
"""

# ruff: noqa: S608

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from gongkai.core.search import text
from gongkai.core.search.models import SearchEntry

ENTRY_TABLE = SearchEntry._meta.db_table
FTS_TABLE = "search_fts"


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


# --- Writes ---------------------------------------------------------------------------------------


def insert_entries(rows: Sequence[tuple[SearchEntry, text.Chunk]], *, batch_size: int = 500) -> None:
    """Insert new entries with their match structures (the caller deletes old ones first)."""
    if not rows:
        return
    if is_postgres():
        for entry, chunk in rows:
            entry.terms = chunk.tsvector()
        SearchEntry.objects.bulk_create([entry for entry, _ in rows], batch_size=batch_size)
        return
    created = SearchEntry.objects.bulk_create([entry for entry, _ in rows], batch_size=batch_size)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {FTS_TABLE} (rowid, uni, bi, w) VALUES (%s, %s, %s, %s)",
            [(entry.pk, *chunk.fts_columns()) for entry, (_, chunk) in zip(created, rows, strict=True)],
        )


def delete_entries(entry_ids: Iterable[int]) -> int:
    """Delete entries by id, with their FTS5 rows on SQLite."""
    ids = list(entry_ids)
    if not ids:
        return 0
    if not is_postgres():
        # A contentless FTS5 table forgets a row only when told the exact terms it was given;
        # they are rebuilt from the stored text (the tokenizer is deterministic).
        fts_rows = []
        for entry in SearchEntry.objects.filter(pk__in=ids).only("pk", "title", "body_text", "chunk"):
            chunk = chunk_for_entry(entry)
            fts_rows.append((entry.pk, *chunk.fts_columns()))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, uni, bi, w) VALUES ('delete', %s, %s, %s, %s)",
                fts_rows,
            )
    deleted, _ = SearchEntry.objects.filter(pk__in=ids).delete()
    return deleted


def delete_all() -> None:
    """Empty the whole index (a rebuild starts here)."""
    if not is_postgres():
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('delete-all')")
    SearchEntry.objects.all().delete()


def chunk_for_entry(entry: SearchEntry) -> text.Chunk:
    """Rebuild the terms an entry was indexed with from its stored text."""
    title = text.normalize(entry.title)[: text.TITLE_INDEX_LIMIT]
    body = text.normalize(entry.body_text)
    return text._build_chunk(entry.chunk, title, body, 0, len(body))


def optimize() -> None:
    """Merge index segments after a bulk load (SQLite FTS5) or refresh planner statistics."""
    with connection.cursor() as cursor:
        if is_postgres():
            cursor.execute(f"ANALYZE {ENTRY_TABLE}")
        else:
            cursor.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('optimize')")


# --- Reads ----------------------------------------------------------------------------------------


@dataclass
class Filters:
    doc_types: Sequence[str] | None = None
    department_code: str | None = None
    year: int | None = None
    public_only: bool = True
    content_type_ids: Sequence[int] | None = None
    #: Match the title only (Wagtail ``fields=["title"]``).
    title_only: bool = False


def _match_clause(terms: list[text.Term], alias: str) -> tuple[str, list[Any]]:
    """Return a WHERE fragment that is true when row ``alias`` matches every term."""
    if is_postgres():
        # The GIN index narrows to rows with every bigram; strpos confirms the substring (exact).
        sql = f"{alias}.terms @@ %s::tsquery"
        params: list[Any] = [text.pg_tsquery(terms)]
        for term in terms:
            if len(term.codes) > 2:
                sql += (
                    f" AND (strpos(lower({alias}.title), %s) > 0 OR strpos(lower({alias}.body_text), %s) > 0)"
                )
                params += [term.text, term.text]
        return sql, params
    return f"{alias}.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)", [
        text.fts_match(terms)
    ]


def _word_clause(terms: list[text.Term], alias: str) -> tuple[str, list[Any]]:
    """Return an expression true when row ``alias`` has every word of the terms as a whole word.

    Only evaluated on at most :data:`RANK_LIMIT` rows, so PostgreSQL tests each row's terms; SQLite
    asks FTS5 once for the set of rows with the words.
    """
    if is_postgres():
        query = text.pg_word_tsquery(terms)
        if query is None:
            return "FALSE", []
        return f"{alias}.terms @@ %s::tsquery", [query]
    query = text.fts_word_match(terms)
    if query is None:
        return "0", []
    return f"{alias}.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)", [query]


def _filter_clause(filters: Filters, alias: str) -> tuple[str, list[Any]]:
    parts: list[str] = []
    params: list[Any] = []
    if filters.public_only:
        parts.append(f"{alias}.is_public = %s")
        params.append(True)
    if filters.doc_types:
        parts.append(f"{alias}.doc_type IN ({', '.join(['%s'] * len(filters.doc_types))})")
        params.extend(filters.doc_types)
    if filters.department_code:
        parts.append(f"{alias}.department_code = %s")
        params.append(filters.department_code)
    if filters.year is not None:
        parts.append(f"{alias}.year = %s")
        params.append(filters.year)
    if filters.content_type_ids is not None:
        ids = list(filters.content_type_ids) or [0]
        parts.append(f"{alias}.content_type_id IN ({', '.join(['%s'] * len(ids))})")
        params.extend(ids)
    return " AND ".join(parts) or "1 = 1", params


def _base_where(terms: list[text.Term], filters: Filters) -> tuple[str, list[Any]]:
    """Return the WHERE clause for ``e``: matches, filters, and one row per object.

    An object split into chunks may match in several of them; only its first matching chunk
    counts (the NOT EXISTS runs for chunk > 0 only, which almost no row is).
    """
    match_sql, match_params = _match_clause(terms, "e")
    inner_match_sql, inner_match_params = _match_clause(terms, "p")
    filter_sql, filter_params = _filter_clause(filters, "e")
    if filters.title_only:
        title_sql, title_params = _title_hit(terms)
        filter_sql += f" AND {title_sql}"
        filter_params = [*filter_params, *title_params]
    sql = (
        f"{match_sql} AND {filter_sql} AND (e.chunk = 0 OR NOT EXISTS ("
        f"SELECT 1 FROM {ENTRY_TABLE} p WHERE p.content_type_id = e.content_type_id"
        f" AND p.object_id = e.object_id AND p.chunk < e.chunk AND {inner_match_sql}))"
    )
    return sql, [*match_params, *filter_params, *inner_match_params]


def _title_hit(terms: list[text.Term]) -> tuple[str, list[Any]]:
    func = "strpos(lower(e.title), %s) > 0" if is_postgres() else "instr(lower(e.title), %s) > 0"
    return "(" + " AND ".join([func] * len(terms)) + ")", [t.text for t in terms]


@dataclass
class Row:
    id: int
    content_type_id: int
    object_id: int
    chunk: int
    title: str
    body_text: str
    doc_type: str
    department_code: str
    date: Any
    url: str
    is_public: bool
    extra: dict
    title_hit: bool
    word_hit: bool


#: Result sets up to this size are ranked (title hit, whole-word hit, newest) and counted exactly;
#: larger ones are listed newest first and reported as "more than RANK_LIMIT".
RANK_LIMIT = 1000


def _capped_count(where_sql: str, where_params: list[Any], cap: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {ENTRY_TABLE} e WHERE {where_sql} LIMIT %s) capped",
            [*where_params, cap + 1],
        )
        return cursor.fetchone()[0]


def search_page(
    terms: list[text.Term], filters: Filters, *, offset: int, limit: int
) -> tuple[int, bool, list[Row]]:
    """Return (total, total_is_exact, rows of the page).

    Up to :data:`RANK_LIMIT` matches: all terms in the title first, then whole-word hits, then
    newest, with the exact total. More matches: newest first, so that the date index stops after
    one page instead of ranking and counting tens of thousands of rows; the total is then
    ``RANK_LIMIT + 1`` with ``total_is_exact`` false ("more than 1,000"). On PostgreSQL undated
    entries come first in that case (the index's ``DESC`` order puts NULLs first).
    """
    where_sql, where_params = _base_where(terms, filters)
    title_sql, title_params = _title_hit(terms)
    nulls_last = "NULLS LAST" if is_postgres() else ""
    capped = _capped_count(where_sql, where_params, RANK_LIMIT)
    exact = True
    if capped <= RANK_LIMIT:
        total = capped
        word_sql, word_params = _word_clause(terms, "e")
        order = f"title_hit DESC, word_hit DESC, e.date DESC {nulls_last}, e.id DESC"
    else:
        total, exact = capped, False
        word_sql, word_params = ("FALSE" if is_postgres() else "0"), []
        # Exactly the order of the search_entry_recent index, so it is walked, not sorted.
        order = "e.date DESC, e.id DESC"
    sql = (
        "SELECT e.id, e.content_type_id, e.object_id, e.chunk, e.title, e.body_text, e.doc_type,"
        " e.department_code, e.date, e.url, e.is_public, e.extra,"
        f" {title_sql} AS title_hit, {word_sql} AS word_hit"
        f" FROM {ENTRY_TABLE} e WHERE {where_sql} ORDER BY {order} LIMIT %s OFFSET %s"
    )
    params = [*title_params, *word_params, *where_params, limit, offset]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        raw = cursor.fetchall()
    rows = []
    for r in raw:
        extra = r[11]
        if isinstance(extra, str):
            extra = json.loads(extra)
        date = r[8]
        if isinstance(date, str):
            date = datetime.date.fromisoformat(date)
        rows.append(Row(*r[:8], date, r[9], bool(r[10]), extra or {}, bool(r[12]), bool(r[13])))
    return total, exact, rows


def count(terms: list[text.Term], filters: Filters) -> int:
    where_sql, where_params = _base_where(terms, filters)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {ENTRY_TABLE} e WHERE {where_sql}", where_params)
        return cursor.fetchone()[0]


def matching_keys(terms: list[text.Term], filters: Filters) -> list[tuple[int, int]]:
    """Return every matching (content_type_id, object_id), unordered (for checks and Wagtail)."""
    where_sql, where_params = _base_where(terms, filters)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT e.content_type_id, e.object_id FROM {ENTRY_TABLE} e WHERE {where_sql}", where_params
        )
        return [(r[0], r[1]) for r in cursor.fetchall()]


def ranked_object_ids(terms: list[text.Term], filters: Filters) -> list[int]:
    """Return matching object ids, best first (same order as :func:`search_page`)."""
    where_sql, where_params = _base_where(terms, filters)
    title_sql, title_params = _title_hit(terms)
    word_sql, word_params = _word_clause(terms, "e")
    nulls_last = "NULLS LAST" if is_postgres() else ""
    sql = (
        f"SELECT e.object_id, {title_sql} AS title_hit, {word_sql} AS word_hit FROM {ENTRY_TABLE} e"
        f" WHERE {where_sql} ORDER BY title_hit DESC, word_hit DESC, e.date DESC {nulls_last}, e.id DESC"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*title_params, *word_params, *where_params])
        return [r[0] for r in cursor.fetchall()]


def matching_object_ids_sql(terms: list[text.Term], filters: Filters) -> tuple[str, list[Any]]:
    """Return ``SELECT object_id ...`` of the matches, for ``pk__in=RawSQL(...)``."""
    where_sql, where_params = _base_where(terms, filters)
    return f"SELECT e.object_id FROM {ENTRY_TABLE} e WHERE {where_sql}", where_params


def rank_subquery_sql(terms: list[text.Term], content_type_id: int, outer_pk: str) -> tuple[str, list[Any]]:
    """Return a correlated scalar subquery ranking the object whose pk is ``outer_pk``.

    2 for a title hit plus 1 for a whole-word hit, as :func:`search_page` orders.
    """
    title_sql, title_params = _title_hit(terms)
    word_sql, word_params = _word_clause(terms, "e")
    sql = (
        f"(SELECT max((CASE WHEN {title_sql} THEN 2 ELSE 0 END) + (CASE WHEN {word_sql} THEN 1 ELSE 0 END))"
        f" FROM {ENTRY_TABLE} e WHERE e.content_type_id = %s AND e.object_id = {outer_pk})"
    )
    return sql, [*title_params, *word_params, content_type_id]
