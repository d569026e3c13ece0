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

from django.db import connection, transaction

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


#: The expression the ``pg_trgm`` GIN index covers (migration 0003). A term without whitespace
#: never spans the space, so ``LIKE '%term%'`` on it is exactly "in the title or in the body".
PG_TEXT = "({alias}.title || ' ' || {alias}.body_text)"


def _match_clause(terms: list[text.Term], alias: str, *, fts_joined: bool = False) -> tuple[str, list[Any]]:
    """Return a WHERE fragment that is true when row ``alias`` matches every term (index-driven).

    PostgreSQL: one- and two-character terms are a unigram / bigram lookup in the tsvector's GIN
    index (exact); longer terms are ``LIKE`` / ``ILIKE '%term%'`` on the text, which the
    ``pg_trgm`` GIN index answers and rechecks (exact). A longer term pg_trgm cannot index falls
    back to its bigrams in the tsvector plus :func:`_substring_test`.
    """
    if is_postgres():
        parts: list[str] = []
        params: list[Any] = []
        tsquery = text.pg_tsquery(terms)
        if tsquery is not None:
            parts.append(f"{alias}.terms @@ %s::tsquery")
            params.append(tsquery)
        for term in terms:
            if len(term.codes) <= 2:
                continue
            if term.trigram_indexable:
                operator = "LIKE" if term.caseless else "ILIKE"
                parts.append(f"{PG_TEXT.format(alias=alias)} {operator} %s")
                params.append(text.like_pattern(term))
            else:
                sql, term_params = _substring_test(term, alias)
                parts.append(sql)
                params += term_params
        return " AND ".join(parts), params
    if fts_joined:  # the FTS5 table is joined on rowid = alias.id and drives the query
        return f"{FTS_TABLE} MATCH %s", [text.fts_match(terms)]
    return f"{alias}.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)", [
        text.fts_match(terms)
    ]


def _substring_test(term: text.Term, alias: str) -> tuple[str, list[Any]]:
    """Return a test of "the term is a substring of the title or the body" on the stored text.

    No index can use it (it is evaluated row by row: a recheck, or the newest-first walk). A
    caseless term (CJK, digits, punctuation) is compared with the text as it is; ``lower()``
    costs more than the search itself.
    """
    func = "strpos" if is_postgres() else "instr"
    if term.caseless:
        title, body = f"{alias}.title", f"{alias}.body_text"
    else:
        title, body = f"lower({alias}.title)", f"lower({alias}.body_text)"
    return f"({func}({title}, %s) > 0 OR {func}({body}, %s) > 0)", [term.text, term.text]


def _scan_clause(terms: list[text.Term], alias: str) -> tuple[str, list[Any]]:
    """Return a row-by-row test that row ``alias`` matches every term (no index)."""
    parts: list[str] = []
    params: list[Any] = []
    for term in terms:
        sql, term_params = _substring_test(term, alias)
        parts.append(sql)
        params += term_params
    return " AND ".join(parts), params


def _scannable(terms: list[text.Term]) -> bool:
    """True when :func:`_scan_clause` matches exactly what the index matches.

    SQLite's ``lower()`` only folds ASCII, so a term with other cased letters is left to FTS5.
    """
    return is_postgres() or all(term.caseless or term.text.isascii() for term in terms)


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


def _base_where(
    terms: list[text.Term], filters: Filters, *, scan: bool = False, fts_joined: bool = False
) -> tuple[str, list[Any]]:
    """Return the WHERE clause for ``e``: matches, filters, and one row per object.

    An object split into chunks may match in several of them; only its first matching chunk
    counts (the NOT EXISTS runs for chunk > 0 only, which almost no row is). ``scan`` tests the
    terms row by row (:func:`_scan_clause`) instead of through the indexes; ``fts_joined`` (SQLite)
    expects the FTS5 table joined on ``rowid = e.id``.
    """
    if scan:
        match_sql, match_params = _scan_clause(terms, "e")
        inner_match_sql, inner_match_params = _scan_clause(terms, "p")
    else:
        match_sql, match_params = _match_clause(terms, "e", fts_joined=fts_joined)
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
    func = "strpos" if is_postgres() else "instr"
    parts = [f"{func}(e.title, %s) > 0" if t.caseless else f"{func}(lower(e.title), %s) > 0" for t in terms]
    return "(" + " AND ".join(parts) + ")", [t.text for t in terms]


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
#: Newest first, undated last, on both databases; exactly the order of the search_entry_newest
#: index (migration 0003), so that it is walked, not sorted.
NEWEST = "e.date DESC NULLS LAST, e.id DESC"
#: The newest-first walk of a large result set tests at most this many rows (plus
#: WALK_ROWS_PER_HIT per hit of the page) before it gives up and lets the indexes answer.
WALK_ROWS = 5000
WALK_ROWS_PER_HIT = 100
#: Rows of the probe for very common terms and of its sample (:func:`_more_than`).
PROBE_ROWS = 5000
PROBE_SAMPLE = 400
ROW_COLUMNS = (
    "e.id, e.content_type_id, e.object_id, e.chunk, e.title, e.body_text, e.doc_type,"
    " e.department_code, e.date, e.url, e.is_public, e.extra"
)


def _ids_param(ids: list[int]) -> tuple[str, Any]:
    if is_postgres():
        return "e.id = ANY(%s)", ids
    return "e.id IN (SELECT value FROM json_each(%s))", json.dumps(ids)


def _matching_ids(terms: list[text.Term], filters: Filters, cap: int) -> list[int]:
    """Return the ids of up to ``cap`` matching entries (one per object), in no particular order.

    The indexes answer. On PostgreSQL plain scans are switched off for this statement: with
    common terms the planner would otherwise filter a sequential scan with ``terms @@ …``, which
    detoasts a tsvector of several KB per row (50+ ms), where the GIN bitmap costs a few.
    """
    where_sql, where_params = _base_where(terms, filters, fts_joined=not is_postgres())
    if not is_postgres():
        # FTS5 drives: it stops after `cap` rows instead of materialising every match for IN.
        sql = (
            f"SELECT e.id FROM {FTS_TABLE} JOIN {ENTRY_TABLE} e ON e.id = {FTS_TABLE}.rowid"
            f" WHERE {where_sql} LIMIT %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*where_params, cap])
            return [r[0] for r in cursor.fetchall()]
    sql = f"SELECT e.id FROM {ENTRY_TABLE} e WHERE {where_sql} LIMIT %s"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off")
        cursor.execute(sql, [*where_params, cap])
        ids = [r[0] for r in cursor.fetchall()]
        cursor.execute("RESET enable_seqscan; RESET enable_indexscan")
    return ids


def _more_than(terms: list[text.Term], filters: Filters, cap: int) -> bool:
    """Return True when the table's first pages alone hold more than ``cap`` matches.

    Reading the first pages sequentially and testing each row (:func:`_scan_clause`, about a
    microsecond a row) answers "more than 1,000" for very common terms several times faster than
    the GIN index can list tens of thousands of rows. A sample of PROBE_SAMPLE rows decides
    whether the probe of up to PROBE_ROWS rows is worth it. False says nothing: the indexes are
    then asked.
    """
    if filters.title_only or not _scannable(terms):
        return False
    filter_sql, filter_params = _filter_clause(filters, "e")
    where_sql, where_params = _base_where(terms, Filters(public_only=False), scan=True)
    sql = (
        f"SELECT count(*) FROM (SELECT 1 FROM (SELECT {ROW_COLUMNS} FROM {ENTRY_TABLE} e"
        f" WHERE {filter_sql} LIMIT %s) e WHERE {where_sql} LIMIT %s) probe"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*filter_params, PROBE_SAMPLE, *where_params, PROBE_SAMPLE])
        sampled = cursor.fetchone()[0]
        if sampled * PROBE_ROWS < (cap + 1) * PROBE_SAMPLE * 1.2:
            return False
        cursor.execute(sql, [*filter_params, PROBE_ROWS, *where_params, cap + 1])
        return cursor.fetchone()[0] > cap


def _fetch_rows(sql: str, params: list[Any]) -> list[Row]:
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
        rows.append(
            Row(
                id=r[0],
                content_type_id=r[1],
                object_id=r[2],
                chunk=r[3],
                title=r[4],
                body_text=r[5],
                doc_type=r[6],
                department_code=r[7],
                date=date,
                url=r[9],
                is_public=bool(r[10]),
                extra=extra or {},
                title_hit=bool(r[12]),
                word_hit=bool(r[13]),
            )
        )
    return rows


def _ranked_page(terms: list[text.Term], ids: list[int], *, offset: int, limit: int) -> list[Row]:
    title_sql, title_params = _title_hit(terms)
    word_sql, word_params = _word_clause(terms, "e")
    ids_sql, ids_param = _ids_param(ids)
    sql = (
        f"SELECT {ROW_COLUMNS}, {title_sql} AS title_hit, {word_sql} AS word_hit FROM {ENTRY_TABLE} e"
        f" WHERE {ids_sql} ORDER BY title_hit DESC, word_hit DESC, {NEWEST} LIMIT %s OFFSET %s"
    )
    return _fetch_rows(sql, [*title_params, *word_params, ids_param, limit, offset])


def _newest_page_walk(
    terms: list[text.Term], filters: Filters, *, offset: int, limit: int
) -> list[Row] | None:
    """Return the page of a large result set by walking the newest entries, or None.

    The walk takes entries newest first from the search_entry_newest index and tests each
    (:func:`_scan_clause`, a few µs), stopping at the end of the page: a result set of more than
    RANK_LIMIT documents is at least 1 % of the index, so a page is usually found within a few
    thousand rows. None when the page is not complete within the budget (matches clustered in
    old entries, a deep page): the caller then sorts the indexes' answer.
    """
    if filters.title_only:
        return None
    filter_sql, filter_params = _filter_clause(filters, "e")
    where_sql, where_params = _base_where(terms, Filters(public_only=False), scan=True)
    false = "FALSE" if is_postgres() else "0"
    budget = WALK_ROWS + WALK_ROWS_PER_HIT * (offset + limit)
    # The subquery's rows come in index order. PostgreSQL knows it and does not sort again;
    # SQLite would sort all `budget` rows for an outer ORDER BY, but keeps a co-routine's order.
    order = f" ORDER BY {NEWEST}" if is_postgres() else ""
    sql = (
        f"SELECT {ROW_COLUMNS}, {false}, {false} FROM ("
        f"SELECT {ROW_COLUMNS} FROM {ENTRY_TABLE} e WHERE {filter_sql} ORDER BY {NEWEST} LIMIT %s) e"
        f" WHERE {where_sql}{order} LIMIT %s OFFSET %s"
    )
    rows = _fetch_rows(sql, [*filter_params, budget, *where_params, limit, offset])
    return rows if len(rows) == limit else None


def _newest_page_sorted(terms: list[text.Term], filters: Filters, *, offset: int, limit: int) -> list[Row]:
    where_sql, where_params = _base_where(terms, filters)
    false = "FALSE" if is_postgres() else "0"
    sql = (
        f"SELECT {ROW_COLUMNS}, {false}, {false} FROM {ENTRY_TABLE} e WHERE {where_sql}"
        f" ORDER BY {NEWEST} LIMIT %s OFFSET %s"
    )
    return _fetch_rows(sql, [*where_params, limit, offset])


def search_page(
    terms: list[text.Term], filters: Filters, *, offset: int, limit: int
) -> tuple[int, bool, list[Row]]:
    """Return (total, total_is_exact, rows of the page).

    Up to :data:`RANK_LIMIT` matches: all terms in the title first, then whole-word hits, then
    newest, with the exact total. More matches: newest first (undated last), and the total is
    ``RANK_LIMIT + 1`` with ``total_is_exact`` false ("more than 1,000").

    Steps: a probe of the first rows for very common terms (:func:`_more_than`); otherwise the
    ids of up to RANK_LIMIT + 1 matches from the indexes (:func:`_matching_ids`); then either the
    ranked page of those ids, or the newest-first walk (:func:`_newest_page_walk`), with a sort of
    the indexes' answer as the fallback.
    """
    if _more_than(terms, filters, RANK_LIMIT):
        ids = None
    else:
        ids = _matching_ids(terms, filters, RANK_LIMIT + 1)
    if ids is not None and len(ids) <= RANK_LIMIT:
        if not ids or offset >= len(ids):
            return len(ids), True, []
        return len(ids), True, _ranked_page(terms, ids, offset=offset, limit=limit)
    rows = None
    if _scannable(terms):
        rows = _newest_page_walk(terms, filters, offset=offset, limit=limit)
    if rows is None:
        rows = _newest_page_sorted(terms, filters, offset=offset, limit=limit)
    return RANK_LIMIT + 1, False, rows


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
    sql = (
        f"SELECT e.object_id, {title_sql} AS title_hit, {word_sql} AS word_hit FROM {ENTRY_TABLE} e"
        f" WHERE {where_sql} ORDER BY title_hit DESC, word_hit DESC, {NEWEST}"
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
