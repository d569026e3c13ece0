"""Writes of the opinion monitor: ingest, vendors' keys and quotas, topics, sentiment corrections.

The one entry point for posts is :func:`ingest_posts` (the ingest API, the file import, the pollers
and connectors all call it). For a batch it:

1. checks each post (:func:`validation.raw_post_check`) and reports the bad ones by index;
2. drops the posts already stored (same source and external id) and repeats inside the batch —
   they are counted as ``duplicates_skipped`` and never reach the pipeline, so a resent batch
   changes nothing, not even the events' counters;
3. runs the rest through this process's pipeline (``pipeline.worker_pipeline``);
4. stores them in ONE transaction: the posts in bulk (``INSERT … ON CONFLICT DO NOTHING RETURNING``,
   so a batch racing the same batch in another worker still stores each post once), their topics,
   their near-duplicate links, and the events: an event's row is created once the clusterer has put
   ``GONGKAI_OPINION_EVENT_MIN_POSTS`` (3) posts in it (its earlier posts are linked then), and its
   counters, time span, label and hotness are updated with the rows locked.

Input problems raise :class:`ApiError` subclasses with Chinese messages (the API answers them with
the standard error body); every change made for a staff member is written to the audit log.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import json
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.conf import settings
from django.core.cache import cache as django_cache
from django.db import connection, models, transaction
from django.db.models.constants import OnConflict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gongkai.api.errors import ApiError
from gongkai.core.audit.models import AuditEvent
from gongkai.core.audit.services import audit_record
from gongkai.opinion import pipeline as pipelines
from gongkai.opinion.analysis.types import SENTIMENT_NEGATIVE, Analysis, RawPost
from gongkai.opinion.models import (
    MAX_DISTRICT,
    Event,
    IngestClient,
    Post,
    PostTopic,
    Sentiment,
    Source,
    Topic,
)
from gongkai.opinion.validation import BEIJING, PostProblem, raw_post_check

MAX_BATCH = 5000
MAX_RULE = 2000
KEY_PREFIX = "gko_"


class OpinionError(ApiError):
    """An opinion rule refused the request (422 unless the subclass says otherwise)."""

    status = 422
    code = "opinion_error"


class TopicRuleError(OpinionError):
    """A topic rule that does not parse; ``details`` has the position (0-based) and the reason."""

    code = "invalid_rule"


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def source_get(code_or_source: Source | str) -> Source:
    if isinstance(code_or_source, Source):
        return code_or_source
    source = Source.objects.filter(code=code_or_source).first()
    if source is None:
        raise OpinionError(
            _("没有代码为 %(code)s 的舆情来源。") % {"code": code_or_source}, code="unknown_source"
        )
    return source


def source_create(*, code: str, name: str, kind: str, url: str = "", actor: Any = None) -> Source:
    """Create a source (the import's ``--create-source``, the admin does the same through its form)."""
    source = Source(code=code, name=name or code, kind=kind, url=url)
    source.full_clean()
    with transaction.atomic():
        source.save(force_insert=True)
        audit_record(
            actor=actor, action="opinion_source.created", target=source, new={"code": code, "kind": kind}
        )
    return source


# --- Ingest -------------------------------------------------------------------------------------------


@dataclass(slots=True)
class IngestResult:
    """What became of a batch: ``created`` + ``duplicates_skipped`` + ``len(errors)`` = posts received."""

    received: int = 0
    created: int = 0
    duplicates_skipped: int = 0
    errors: list[PostProblem] = field(default_factory=list)
    events_created: int = 0

    def add(self, other: IngestResult) -> None:
        self.received += other.received
        self.created += other.created
        self.duplicates_skipped += other.duplicates_skipped
        self.errors.extend(other.errors)
        self.events_created += other.events_created


def _chunks(values: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _stored_ids(source: Source, external_ids: Sequence[str]) -> set[str]:
    """Those of ``external_ids`` stored already for ``source``. PostgreSQL: one statement with the
    ids as one binary array (a 5,000-value ``IN`` list costs the server a parse of each value)."""
    if connection.vendor == "postgresql":
        with _binary_cursor() as cursor:
            cursor.execute(
                f"SELECT external_id FROM {Post._meta.db_table} "  # noqa: S608 (our table name)
                "WHERE source_id = %b AND external_id = ANY(%b::text[])",
                [source.pk, list(external_ids)],
            )
            return {external_id for (external_id,) in cursor.fetchall()}
    stored: set[str] = set()
    for chunk in _chunks(external_ids, 2000):
        stored.update(
            Post.objects.filter(source=source, external_id__in=chunk).values_list("external_id", flat=True)
        )
    return stored


def ingest_posts(
    source: Source | str,
    raw_posts: Sequence[RawPost],
    *,
    pipeline: pipelines.Pipeline | None = None,
    index_offset: int = 0,
) -> IngestResult:
    """Analyse and store a batch of posts of ``source``; idempotent by ``(source, external_id)``.

    - Each post must carry ``source.code``; a post that can't be stored is reported in ``errors``
      by its index (plus ``index_offset``) and the others are taken.
    - ``pipeline`` defaults to this process's (:func:`pipeline.worker_pipeline`, rules reloaded
      when they changed); its state is saved to ``ClustererState`` from time to time.
    - Batches of up to 5,000 posts are usual; any size works (the caller decides the transaction size).
    """
    source = source_get(source)
    result = IngestResult(received=len(raw_posts))
    candidates: list[RawPost] = []
    seen: set[str] = set()
    for index, post in enumerate(raw_posts):
        if not isinstance(post, RawPost):
            result.errors.append(PostProblem(index + index_offset, "", "", "not a RawPost"))
            continue
        problem = raw_post_check(post)
        if problem is None and post.source != source.code:
            problem = ("source", f"the post is of source {post.source!r}, not {source.code!r}")
        if problem is not None:
            result.errors.append(PostProblem(index + index_offset, str(post.external_id)[:200], *problem))
            continue
        if post.external_id in seen:
            result.duplicates_skipped += 1
            continue
        seen.add(post.external_id)
        candidates.append(post)
    if not candidates:
        return result
    stored = _stored_ids(source, [post.external_id for post in candidates])
    fresh = [post for post in candidates if post.external_id not in stored]
    result.duplicates_skipped += len(candidates) - len(fresh)
    if not fresh:
        return result

    if pipeline is not None:
        created, events_created = _analyse_and_store(source, fresh, pipeline)
    else:
        with pipelines.worker_pipeline() as worker:
            created, events_created = _analyse_and_store(source, fresh, worker)
            pipelines.pipeline_save_state_if_due(worker)
    result.created = created
    result.duplicates_skipped += len(fresh) - created
    result.events_created = events_created
    return result


# Post columns written by ingest, with their PostgreSQL array types (the fast path sends one array
# per column and unnests them: one statement, one parameter per column, whatever the batch size).
POST_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source_id", "bigint"),
    ("external_id", "text"),
    ("kind", "text"),
    ("parent_external_id", "text"),
    ("author", "text"),
    ("author_id", "text"),
    ("followers", "bigint"),
    ("verified", "boolean"),
    ("title", "text"),
    ("text", "text"),
    ("normalized_text", "text"),
    ("url", "text"),
    ("published_at", "timestamptz"),
    ("ingested_at", "timestamptz"),
    ("reposts", "bigint"),
    ("comments", "bigint"),
    ("likes", "bigint"),
    ("place", "text"),
    ("district", "text"),
    ("sentiment", "text"),
    ("negative_probability", "float8"),
    ("sentiment_corrected_by_id", "bigint"),
    ("sentiment_corrected_at", "timestamptz"),
    ("fingerprint", "bigint"),
    ("duplicate_of_id", "bigint"),
    ("event_id", "bigint"),
    ("event_key", "bigint"),
    ("rumor_candidate", "boolean"),
    ("sensitive_words", "jsonb"),
)


def _post_values(
    source: Source,
    post: RawPost,
    analysis: Analysis,
    now: datetime.datetime,
    duplicate_of: int | None,
    event: int | None,
) -> tuple[Any, ...]:
    """One post's values in the order of :data:`POST_COLUMNS` (``sensitive_words`` as a list)."""
    return (
        source.pk,
        post.external_id,
        post.kind,
        post.parent_external_id,
        post.author,
        post.author_id,
        post.followers,
        post.verified,
        post.title,
        post.text,
        analysis.text,
        post.url,
        post.published_at,
        now,
        post.reposts,
        post.comments,
        post.likes,
        post.place,
        analysis.district[:MAX_DISTRICT],
        analysis.sentiment,
        float(analysis.negative_probability),
        None,
        None,
        analysis.fingerprint,
        duplicate_of,
        event,
        analysis.event_key,
        analysis.rumor_candidate,
        list(analysis.sensitive),
    )


def _binary_cursor() -> Any:
    """A psycopg cursor on Django's connection that binds on the server and sends the ``%b``
    parameters in binary: the arrays of a 5,000-post batch then cost half as much as in text.
    Django's cursor (client-side binding) can't send binary parameters; this bypasses its query
    log, which is why only the two bulk INSERTs of ingest use it."""
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


#: The session's staging table of the posts being inserted (PostgreSQL; emptied at each commit).
_STAGE = "opinion_post_incoming"
_stage_numbers = itertools.count(1)


@cache
def _stage_sql() -> tuple[str, str, str]:
    """``CREATE`` of the staging table, the ``COPY`` into it and the ``INSERT`` from it."""
    table = Post._meta.db_table
    names = ", ".join(name for name, _kind in POST_COLUMNS)
    columns = ", ".join(f"{name} {'text' if kind == 'jsonb' else kind}" for name, kind in POST_COLUMNS)
    selected = ", ".join(f"{name}::jsonb" if kind == "jsonb" else name for name, kind in POST_COLUMNS)
    return (
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE} (stage bigint NOT NULL, position integer NOT NULL, "
        f"{columns}) ON COMMIT DELETE ROWS",
        f"COPY {_STAGE} (stage, position, {names}) FROM STDIN (FORMAT BINARY)",
        f"INSERT INTO {table} ({names}) "  # noqa: S608 (names are ours, values are parameters)
        f"SELECT {selected} FROM {_STAGE} WHERE stage = %b ORDER BY position "
        "ON CONFLICT (source_id, external_id) DO NOTHING RETURNING id, external_id",
    )


def _stage_types() -> list[str]:
    return ["bigint", "integer", *("text" if kind == "jsonb" else kind for _name, kind in POST_COLUMNS)]


def _insert_posts(rows: list[tuple[Any, ...]]) -> dict[str, int]:
    """INSERT the posts, skipping any whose (source, external_id) is stored already (a batch racing
    the same batch elsewhere); returns ``{external_id: pk}`` of the posts inserted.

    PostgreSQL: the rows are copied (binary ``COPY``, whose rows psycopg writes in C) into a
    temporary staging table, then one ``INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING``
    moves them, in their order. Sending them as one array per column instead cost the worker
    8.5–9.7 µs of CPU per post (psycopg builds binary arrays in Python), ``COPY`` 1.5 µs (ADR
    0019). Elsewhere: Django's bulk
    INSERT with ``ON CONFLICT DO NOTHING RETURNING`` in chunks.
    """
    if not rows:
        return {}
    inserted: dict[str, int] = {}
    if connection.vendor == "postgresql":
        json_at = [i + 2 for i, (_name, kind) in enumerate(POST_COLUMNS) if kind == "jsonb"]
        create, copy_sql, insert = _stage_sql()
        stage = next(_stage_numbers)
        dumps = json.dumps
        with _binary_cursor() as cursor:
            cursor.execute(create)
            with cursor.copy(copy_sql) as copy:
                copy.set_types(_stage_types())
                write = copy.write_row
                for position, values in enumerate(rows):
                    row = [stage, position, *values]
                    for index in json_at:
                        row[index] = dumps(row[index], ensure_ascii=False)
                    write(row)
            cursor.execute(insert, [stage])
            inserted.update((external_id, pk) for pk, external_id in cursor.fetchall())
        return inserted
    opts = Post._meta
    by_attname = {field.attname: field for field in opts.concrete_fields}
    fields = [by_attname[name] for name, _kind in POST_COLUMNS]
    objs = [
        Post(**{field.attname: value for field, value in zip(fields, values, strict=True)}) for values in rows
    ]
    returning = [opts.pk, opts.get_field("external_id")]
    size = max(1, connection.ops.bulk_batch_size(fields, objs))
    for chunk in _chunks(objs, min(size, 2000)):
        returned = Post._base_manager._insert(  # type: ignore[attr-defined]
            list(chunk), fields=fields, returning_fields=returning, on_conflict=OnConflict.IGNORE
        )
        inserted.update((external_id, pk) for pk, external_id in returned)
    return inserted


def _split_key(key: str) -> tuple[str, str]:
    code, _sep, external_id = key.partition(":")
    return code, external_id


def _resolve_keys(keys: Iterable[str]) -> dict[str, int]:
    """Post keys (``source:external_id``) → primary keys of the stored posts among them."""
    by_source: dict[str, list[str]] = defaultdict(list)
    for key in set(keys):
        code, external_id = _split_key(key)
        by_source[code].append(external_id)
    found: dict[str, int] = {}
    if connection.vendor == "postgresql":
        with _binary_cursor() as cursor:
            for code, external_ids in by_source.items():
                cursor.execute(
                    f"SELECT p.external_id, p.id FROM {Post._meta.db_table} p "  # noqa: S608 (our names)
                    f"JOIN {Source._meta.db_table} s ON s.id = p.source_id "
                    "WHERE s.code = %b AND p.external_id = ANY(%b::text[])",
                    [code, external_ids],
                )
                found.update((f"{code}:{external_id}", pk) for external_id, pk in cursor.fetchall())
        return found
    for code, external_ids in by_source.items():
        for chunk in _chunks(external_ids, 2000):
            for external_id, pk in Post.objects.filter(source__code=code, external_id__in=chunk).values_list(
                "external_id", "pk"
            ):
                found[f"{code}:{external_id}"] = pk
    return found


#: Posts analysed, then stored, at a time: while PostgreSQL stores one chunk, the next is analysed.
STORE_CHUNK = 1000
_Analysed = tuple[list[Analysis], dict[int, Any], dict[int, float]]


def _analyse(pipeline: pipelines.Pipeline, posts: Sequence[RawPost]) -> _Analysed:
    """The analyses of ``posts``, with their events' states and hotness right after them."""
    analyses = pipeline.process(posts)
    keys = {a.event_key for a in analyses if a.event_key is not None}
    return analyses, pipeline.event_states(keys), pipeline.event_hotness(keys)


def _analyse_and_store(source: Source, posts: list[RawPost], pipeline: pipelines.Pipeline) -> tuple[int, int]:
    """Analyse and store ``posts`` in one transaction; returns ``(posts created, events created)``.

    On PostgreSQL a batch of more than ``STORE_CHUNK`` posts goes in chunks, in order: a thread
    analyses chunk k + 1 while this one stores chunk k's posts, topics and duplicate links, so the
    pipeline's CPU and the database's work overlap (psycopg releases the GIL while it waits for the
    server). Only that thread touches the pipeline meanwhile, and only this one the database
    connection. A post of a later chunk finds its original of an earlier chunk in the database
    (same transaction), as one of a later batch does. The events are updated once, after the last
    chunk, from the pipeline's states then, exactly as for a batch stored at once.
    """
    if connection.vendor != "postgresql" or len(posts) <= STORE_CHUNK:
        return _store(source, posts, *_analyse(pipeline, posts))
    chunks = [list(chunk) for chunk in _chunks(posts, STORE_CHUNK)]
    created: list[tuple[RawPost, Analysis, int]] = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="opinion-analyse") as executor:
        with transaction.atomic():
            events: dict[int, int] = {}  # the events' rows as the batch found them (new ones: at the end)
            pending = executor.submit(pipeline.process, chunks[0])
            for index, chunk in enumerate(chunks):
                analyses = pending.result()
                if index + 1 < len(chunks):
                    pending = executor.submit(pipeline.process, chunks[index + 1])
                known = {a.event_key for a in analyses if a.event_key is not None} - events.keys()
                events.update(_event_ids(known))
                created.extend(_store_posts(source, chunk, analyses, events))
            # the helper thread is idle now: the pipeline is this thread's again
            keys = {analysis.event_key for _post, analysis, _pk in created if analysis.event_key is not None}
            events_created = _update_events(
                created, events, pipeline.event_states(keys), pipeline.event_hotness(keys)
            )
    return len(created), events_created


def _store(
    source: Source,
    posts: list[RawPost],
    analyses: list[Analysis],
    states: dict[int, Any],
    hotness: dict[int, float],
) -> tuple[int, int]:
    """Store the analysed posts in one transaction (or the caller's); ``states`` and ``hotness``
    of their events as the pipeline had them after these posts. Returns ``(posts created, events
    created)``."""
    event_keys = {a.event_key for a in analyses if a.event_key is not None}
    with transaction.atomic():
        events = _event_ids(event_keys)
        created = _store_posts(source, posts, analyses, events)
        if not created:
            return 0, 0
        events_created = _update_events(created, events, states, hotness)
    return len(created), events_created


def _store_posts(
    source: Source, posts: list[RawPost], analyses: list[Analysis], events: dict[int, int]
) -> list[tuple[RawPost, Analysis, int]]:
    """INSERT the posts (``events``: event key → row of the events that have one), their topics
    and their links to originals of the same posts; returns ``(post, analysis, pk)`` of those
    inserted. Inside the caller's transaction."""
    now = timezone.now()
    batch_keys = {post.key for post in posts}
    earlier_keys = {a.duplicate_of for a in analyses if a.duplicate_of and a.duplicate_of not in batch_keys}
    originals = _resolve_keys(earlier_keys) if earlier_keys else {}
    rows = [
        _post_values(
            source,
            post,
            analysis,
            now,
            originals.get(analysis.duplicate_of) if analysis.duplicate_of else None,
            events.get(analysis.event_key) if analysis.event_key is not None else None,
        )
        for post, analysis in zip(posts, analyses, strict=True)
    ]
    inserted = _insert_posts(rows)
    if not inserted:
        return []
    created = [
        (post, analysis, inserted[post.external_id])
        for post, analysis in zip(posts, analyses, strict=True)
        if post.external_id in inserted
    ]
    _link_topics(created)
    _link_batch_duplicates(source, created, inserted)
    return created


def _event_ids(keys: set[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for chunk in _chunks(sorted(keys), 2000):
        found.update(Event.objects.filter(key__in=chunk).values_list("key", "pk"))
    return found


def _link_topics(created: list[tuple[RawPost, Analysis, int]]) -> None:
    links = [
        (pk, topic_id, post.published_at)
        for post, analysis, pk in created
        for topic_id in dict.fromkeys(analysis.topics)
    ]
    if not links:
        return
    # A topic deleted while the batch was analysed is not linked (the links have no foreign-key
    # constraint: ADR 0019). All the topics' ids: a few hundred integers, no parameter to bind.
    live = set(Topic.objects.values_list("pk", flat=True))
    links = [link for link in links if link[1] in live]
    if connection.vendor == "postgresql":
        # The posts were inserted by this transaction, so no link of theirs can exist yet: COPY.
        table = PostTopic._meta.db_table
        with _binary_cursor() as cursor:
            with cursor.copy(
                f"COPY {table} (post_id, topic_id, published_at) FROM STDIN (FORMAT BINARY)"
            ) as copy:
                copy.set_types(["bigint", "bigint", "timestamptz"])
                for link in links:
                    copy.write_row(link)
        return
    PostTopic.objects.bulk_create(
        [PostTopic(post_id=pk, topic_id=topic, published_at=at) for pk, topic, at in links],
        batch_size=2000,
        ignore_conflicts=True,
    )


def _link_batch_duplicates(
    source: Source, created: list[tuple[RawPost, Analysis, int]], inserted: dict[str, int]
) -> None:
    """Near-duplicates of posts of the same batch: their original's key is known only now."""
    updates = []
    for _post, analysis, pk in created:
        original = analysis.duplicate_of
        if not original:
            continue
        code, external_id = _split_key(original)
        if code == source.code and external_id in inserted and inserted[external_id] != pk:
            updates.append((inserted[external_id], pk))
    if updates:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {Post._meta.db_table} SET duplicate_of_id = %s WHERE id = %s",  # noqa: S608
                updates,
            )


def _event_min_posts() -> int:
    return max(1, int(_setting("GONGKAI_OPINION_EVENT_MIN_POSTS", 3)))


def _update_events(
    created: list[tuple[RawPost, Analysis, int]],
    events: dict[int, int],
    states: dict[int, Any],
    hotness: dict[int, float],
) -> int:
    """Create the events that reached the minimum size, update the counters of the others."""
    per_key: dict[int, list[tuple[RawPost, Analysis]]] = defaultdict(list)
    for post, analysis, _pk in created:
        if analysis.event_key is not None:
            per_key[analysis.event_key].append((post, analysis))
    if not per_key:
        return 0
    minimum = _event_min_posts()
    new_keys = [key for key in per_key if key not in events and key in states and states[key].size >= minimum]
    events_created = _create_events(new_keys, states, hotness) if new_keys else 0
    existing = sorted(key for key in per_key if key in events)
    if existing:
        _add_to_events(existing, per_key, states, hotness)
    return events_created


def _district_of(counts: dict[str, int]) -> str:
    """An event belongs where most of its posts are (属地); ties go to the larger code."""
    return max(counts, key=lambda d: (counts[d], d)) if counts else ""


def _add_to_events(
    keys: list[int],
    per_key: dict[int, list[tuple[RawPost, Analysis]]],
    states: dict[int, Any],
    hotness: dict[int, float],
) -> None:
    """Add this batch's posts to events that existed before it, their rows locked in key order (so
    two workers never wait on each other in a cycle), in one ``executemany``. The posts naming a
    place add to the event's ``district_counts``, and the district follows the most posts: an event
    whose first posts came from elsewhere moves to its real district."""
    ops = connection.ops
    json_field = Event._meta.get_field("top_terms")
    counts_field = Event._meta.get_field("district_counts")
    now = ops.adapt_datetimefield_value(timezone.now())
    updates = []
    for chunk in _chunks(keys, 2000):
        current = (
            Event.objects.select_for_update()
            .filter(key__in=chunk)
            .order_by("key")
            .values_list(
                "pk",
                "key",
                "hotness",
                "post_count",
                "negative_count",
                "rumor_candidate_count",
                "first_seen",
                "last_seen",
                "label",
                "top_terms",
                "district_counts",
            )
        )
        for pk, key, hot, count, negative, rumor, first, last, label, top_terms, districts in current:
            batch = per_key[key]
            state = states.get(key)
            if state is not None:
                label, top_terms = state.label[:200], list(state.top_terms)
            districts = dict(districts or {})
            for _post, analysis in batch:
                if analysis.district:
                    districts[analysis.district] = districts.get(analysis.district, 0) + 1
            updates.append(
                (
                    count + len(batch),
                    negative + sum(1 for _p, a in batch if a.sentiment == SENTIMENT_NEGATIVE),
                    rumor + sum(1 for _p, a in batch if a.rumor_candidate),
                    ops.adapt_datetimefield_value(min(first, *(p.published_at for p, _a in batch))),
                    ops.adapt_datetimefield_value(max(last, *(p.published_at for p, _a in batch))),
                    label,
                    json_field.get_db_prep_save(top_terms, connection),
                    hotness.get(key, hot),
                    counts_field.get_db_prep_save(districts, connection) if districts else None,
                    _district_of(districts),
                    now,
                    pk,
                )
            )
    with connection.cursor() as cursor:
        # An event with no counted district keeps the district it has (set by hand or before
        # district_counts existed).
        cursor.executemany(
            f"UPDATE {Event._meta.db_table} SET post_count = %s, negative_count = %s, "  # noqa: S608
            "rumor_candidate_count = %s, first_seen = %s, last_seen = %s, label = %s, top_terms = %s, "
            "hotness = %s, district_counts = COALESCE(%s, district_counts), "
            "district = COALESCE(NULLIF(%s, ''), district), updated_at = %s WHERE id = %s",
            updates,
        )


def _create_events(keys: list[int], states: dict[int, Any], hotness: dict[int, float]) -> int:
    """Create the rows of events that just reached the minimum size and link their posts."""
    pending = Post.objects.filter(event_key__in=keys, event__isnull=True)
    counts = {
        row["event_key"]: row
        for row in pending.values("event_key").annotate(
            n=models.Count("pk"),
            negative=models.Count("pk", filter=models.Q(sentiment=SENTIMENT_NEGATIVE)),
            rumor=models.Count("pk", filter=models.Q(rumor_candidate=True)),
            first=models.Min("published_at"),
            last=models.Max("published_at"),
        )
    }
    district_votes: dict[int, dict[str, int]] = defaultdict(dict)
    for key, district, n in (
        pending.exclude(district="").values_list("event_key", "district").annotate(n=models.Count("pk"))
    ):
        district_votes[key][district] = n
    rows = []
    for key in keys:
        state, count = states[key], counts.get(key)
        if count is None:
            continue
        votes = district_votes.get(key)
        rows.append(
            Event(
                key=key,
                label=state.label[:200],
                top_terms=list(state.top_terms),
                first_seen=count["first"],
                last_seen=count["last"],
                post_count=count["n"],
                negative_count=count["negative"],
                rumor_candidate_count=count["rumor"],
                district=_district_of(votes or {}),
                district_counts=dict(votes or {}),
                hotness=hotness.get(key, 0.0),
            )
        )
    if not rows:
        return 0
    # ON CONFLICT: another worker may have created the row meanwhile; its posts are linked below too.
    opts = Event._meta
    fields = [f for f in opts.concrete_fields if not f.primary_key]
    Event._base_manager._insert(rows, fields=fields, on_conflict=OnConflict.IGNORE)  # type: ignore[attr-defined]
    # Link the posts that waited for their event's row (through the partial index of such posts).
    event_table, post_table = opts.db_table, Post._meta.db_table
    made = [row.key for row in rows]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {post_table} SET event_id = (SELECT e.id FROM {event_table} e "  # noqa: S608
            f"WHERE e.key = {post_table}.event_key) "
            f"WHERE event_id IS NULL AND event_key IN ({', '.join(['%s'] * len(made))})",
            made,
        )
    return len(rows)


def events_refresh_hotness(*, now: datetime.datetime | None = None) -> int:
    """Let the stored hotness of events cool down; returns the number of events changed.

    An event's hotness is written when posts join it; one that gets no more posts keeps that value
    until this runs (every few minutes, ``tasks.refresh_hotness``). It reads each pipeline slot's
    saved hotness tracker (``ClustererState``), scores the slot's events at ``now``, and writes
    the new values — not over events updated after the slot's state was saved (their value is the
    fresher one). An event its tracker has forgotten (gone cold) gets 0.
    """
    from gongkai.opinion.models import ClustererState

    hotness = pipelines._module("hotness")
    if hotness is None:
        return 0
    moment = now or timezone.now()
    options = dict(_setting("GONGKAI_OPINION_STAGE_OPTIONS", {}).get("hotness", {}))
    slots: dict[int, tuple[datetime.datetime, dict[int, float]]] = {}
    for pk, state, saved_at in ClustererState.objects.values_list("pk", "state", "updated_at"):
        part = (state or {}).get("hotness")
        if not part:
            continue
        tracker = hotness.HotnessTracker(**options)
        try:
            tracker.load(part)
        except (ValueError, KeyError, TypeError, IndexError):
            continue
        slots[pk] = (saved_at, tracker.scores(moment.timestamp()))
    updates = []
    for pk, key, value, updated_at in Event.objects.filter(hotness__gt=0).values_list(
        "pk", "key", "hotness", "updated_at"
    ):
        slot = slots.get(key >> pipelines.KEY_BITS)
        if slot is None or updated_at > slot[0]:
            continue
        fresh = round(float(slot[1].get(key, 0.0)), 3)
        if abs(fresh - value) >= 0.01:
            updates.append((fresh, pk))
    if updates:
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {Event._meta.db_table} SET hotness = %s WHERE id = %s", updates)  # noqa: S608
    return len(updates)


# --- Vendors' keys and quotas ------------------------------------------------------------------------


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def ingest_client_create(
    *,
    name: str,
    source: Source | str,
    per_minute_quota: int | None = None,
    per_day_quota: int | None = None,
    actor: Any = None,
    request: Any = None,
) -> tuple[IngestClient, str]:
    """Create a vendor's client; returns it and its key, which is shown this once and never stored."""
    source = source_get(source)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    client = IngestClient(
        name=name.strip(),
        source=source,
        key_prefix=key[:12],
        key_hash=_key_hash(key),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if per_minute_quota is not None:
        client.per_minute_quota = per_minute_quota
    if per_day_quota is not None:
        client.per_day_quota = per_day_quota
    client.full_clean()
    with transaction.atomic():
        client.save(force_insert=True)
        audit_record(
            actor=actor, action="opinion_ingest_client.created", target=client, request=request,
            kind=AuditEvent.Kind.SECURITY,
            new={
                "name": client.name, "source": source.code, "key_prefix": client.key_prefix,
                "per_minute_quota": client.per_minute_quota, "per_day_quota": client.per_day_quota,
            },
        )  # fmt: skip
    return client, key


def ingest_client_authenticate(key: str) -> IngestClient | None:
    """The active client whose key this is, or ``None``."""
    if not key or len(key) > 200 or not key.startswith(KEY_PREFIX):
        return None
    client = (
        IngestClient.objects.select_related("source").filter(key_hash=_key_hash(key), active=True).first()
    )
    if client is None:
        return None
    now = timezone.now()
    if client.last_used_at is None or now - client.last_used_at > datetime.timedelta(minutes=1):
        IngestClient.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
    return client


@dataclass(frozen=True, slots=True)
class QuotaRefusal:
    """Why a batch was refused: the window (``minute``/``day``), its limit, what is left, when to retry."""

    window: str
    limit: int
    remaining: int
    retry_after: int
    batch_too_large: bool = False


def _counter_add(key: str, amount: int, ttl: int) -> int:
    django_cache.add(key, 0, timeout=ttl)
    try:
        return int(django_cache.incr(key, amount))
    except ValueError:  # expired between add() and incr()
        django_cache.set(key, amount, timeout=ttl)
        return amount


def _counter_take_back(key: str, amount: int) -> None:
    try:
        django_cache.decr(key, amount)
    except ValueError:
        pass


def ingest_quota_take(
    client: IngestClient, count: int, *, now: datetime.datetime | None = None
) -> QuotaRefusal | None:
    """Count ``count`` posts against the client's per-minute and per-day quotas, or refuse them all.

    Windows are fixed: the clock minute, and the day in Beijing time. A refused batch is not
    counted (it can be sent again when ``retry_after`` seconds have passed); a batch larger than
    a whole window's quota is refused with ``batch_too_large`` (sending it again can't help).
    """
    now = now or timezone.now()
    epoch = int(now.timestamp())
    local = now.astimezone(BEIJING)
    tomorrow = datetime.datetime.combine(
        local.date() + datetime.timedelta(days=1), datetime.time.min, BEIJING
    )
    windows = [
        (
            "minute",
            client.per_minute_quota,
            f"gk:opinion:quota:{client.pk}:m:{epoch // 60}",
            120,
            60 - epoch % 60,
        ),
        (
            "day",
            client.per_day_quota,
            f"gk:opinion:quota:{client.pk}:d:{local:%Y%m%d}",
            2 * 86400,
            max(1, int((tomorrow - local).total_seconds())),
        ),
    ]
    for window, limit, _key, _ttl, retry_after in windows:
        if count > limit:
            return QuotaRefusal(window, limit, limit, retry_after, batch_too_large=True)
    taken: list[str] = []
    for window, limit, key, ttl, retry_after in windows:
        total = _counter_add(key, count, ttl)
        taken.append(key)
        if total > limit:
            for counted in taken:
                _counter_take_back(counted, count)
            return QuotaRefusal(window, limit, max(0, limit - (total - count)), retry_after)
    return None


# --- Topics ------------------------------------------------------------------------------------------


def _rules_module() -> Any:
    return pipelines._module("rules")


def topic_rule_check(rule: str) -> str:
    """Return the rule stripped, or raise :class:`TopicRuleError` with the position of the mistake."""
    text = (rule or "").strip()
    if not text:
        raise TopicRuleError(
            _("规则不能为空。"),
            details={"rule": {"position": 0, "code": "empty", "message": _("规则不能为空。")}},
        )
    if len(rule) > MAX_RULE:
        message = _("规则最长 %(max)s 个字符。") % {"max": MAX_RULE}
        raise TopicRuleError(
            message, details={"rule": {"position": MAX_RULE, "code": "too_long", "message": message}}
        )
    rules = _rules_module()
    if rules is None:
        return text
    try:
        rules.parse_rule(
            text, normalize=pipelines.Pipeline.term_normalizer_for(pipelines._module("normalize"), rules)
        )
    except rules.RuleSyntaxError as exc:
        english = (translation.get_language() or "").startswith("en")
        reason = exc.message_en if english else exc.message
        raise TopicRuleError(
            _("规则第 %(position)s 个字符处有误：%(reason)s")
            % {"position": exc.position + 1, "reason": reason},
            details={"rule": {"position": exc.position, "code": exc.code, "message": reason}},
        ) from exc
    return text


_TOPIC_FIELDS = ("name", "rule", "description", "enabled", "owner_department_id")


def _topic_values(topic: Topic) -> dict[str, Any]:
    return {name: getattr(topic, name) for name in _TOPIC_FIELDS}


def topic_create(
    *,
    actor: Any,
    name: str,
    rule: str,
    description: str = "",
    enabled: bool = True,
    owner_department: Any = None,
    request: Any = None,
) -> Topic:
    """Create a monitoring topic; a rule that does not parse is refused with its position."""
    topic = Topic(
        name=name.strip(),
        rule=topic_rule_check(rule),
        description=description.strip(),
        enabled=enabled,
        owner_department=owner_department,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    topic.full_clean()
    with transaction.atomic():
        topic.save(force_insert=True)
        audit_record(
            actor=actor,
            action="opinion_topic.created",
            target=topic,
            new=_topic_values(topic),
            request=request,
        )
    return topic


def topic_update(*, topic: Topic, actor: Any, request: Any = None, **changes: Any) -> Topic:
    """Change a topic's ``name``, ``rule``, ``description``, ``enabled`` or ``owner_department``."""
    unknown = set(changes) - {"name", "rule", "description", "enabled", "owner_department"}
    if unknown:
        raise TypeError(f"unknown topic fields: {sorted(unknown)}")
    if "rule" in changes:
        changes["rule"] = topic_rule_check(changes["rule"])
    for name in ("name", "description"):
        if name in changes:
            changes[name] = changes[name].strip()
    with transaction.atomic():
        topic = Topic.objects.select_for_update().get(pk=topic.pk)
        before = _topic_values(topic)
        for name, value in changes.items():
            setattr(topic, name, value)
        topic.full_clean()
        after = _topic_values(topic)
        old = {k: v for k, v in before.items() if after[k] != v}
        if old:
            topic.save()
            audit_record(
                actor=actor, action="opinion_topic.changed", target=topic, request=request,
                old=old, new={k: after[k] for k in old},
            )  # fmt: skip
    return topic


def topic_delete(*, topic: Topic, actor: Any, request: Any = None) -> None:
    """Delete a topic; its posts stay, only their link to it goes."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="opinion_topic.deleted",
            target=topic,
            old=_topic_values(topic),
            request=request,
        )
        topic.delete()


# --- Analysts' corrections -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RetrainResult:
    corrections: int  # corrected posts used (distinct texts)
    path: str  # where the model was written; every pipeline loads it at its next batch


def sentiment_retrain(*, base: bool = True, actor: Any = None, path: Any = None) -> RetrainResult:
    """Retrain the sentiment model with the analysts' corrections and put it where the pipelines
    load it from (``pipeline.sentiment_model_path()``): they pick it up at their next batch.

    ``base``: train on the shipped data too, corrections weighing more (the usual; takes a while).
    The file is written beside and then renamed over, so a pipeline never reads half a model.
    Raises :class:`OpinionError` when there is no correction yet or no sentiment module.
    """
    import os
    from pathlib import Path

    sentiment = pipelines._module("sentiment")
    target = Path(path) if path is not None else pipelines.sentiment_model_path()
    if sentiment is None or target is None:
        raise OpinionError(_("情感模型不可用。"), code="sentiment_unavailable")
    rows = list(
        Post.objects.filter(sentiment_corrected_at__isnull=False)
        .order_by("sentiment_corrected_at", "pk")
        .values_list("normalized_text", "sentiment")
    )
    if not rows:
        raise OpinionError(_("还没有分析员校正过的情感，无需重新训练。"), code="no_corrections")
    model = sentiment.train([text for text, _label in rows], [label for _text, label in rows], base=base)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial.npz")
    model.save(partial)
    os.replace(partial, target)
    corrections = int(model.info.get("corrections", len(rows)))
    audit_record(
        actor=actor,
        action="opinion_sentiment.retrained",
        new={"corrections": corrections, "base": base, "path": str(target)},
    )
    return RetrainResult(corrections=corrections, path=str(target))


def post_sentiment_correct(*, post: Post, sentiment: str, actor: Any, request: Any = None) -> Post:
    """Record an analyst's sentiment for a post (kept as training data for the next model).

    The model's probability stays as it was; the event's count of negative posts follows the change.
    """
    if sentiment not in Sentiment.values:
        raise OpinionError(_("情感只能是正面、中性或负面。"), code="invalid_sentiment")
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        old = {"sentiment": post.sentiment, "sentiment_corrected_by": post.sentiment_corrected_by_id}
        was_negative = post.sentiment == SENTIMENT_NEGATIVE
        post.sentiment = sentiment
        post.sentiment_corrected_by = actor
        post.sentiment_corrected_at = timezone.now()
        post.save(update_fields=["sentiment", "sentiment_corrected_by", "sentiment_corrected_at"])
        change = int(sentiment == SENTIMENT_NEGATIVE) - int(was_negative)
        if change and post.event_id is not None:
            Event.objects.filter(pk=post.event_id).update(
                negative_count=models.Case(
                    models.When(negative_count__lt=-change, then=models.Value(0)),
                    default=models.F("negative_count") + change,
                )
            )
        audit_record(
            actor=actor, action="opinion_post.sentiment_corrected", target=post, request=request,
            old=old, new={"sentiment": sentiment, "sentiment_corrected_by": post.sentiment_corrected_by_id},
        )  # fmt: skip
    return post
