"""Polling the outside sources (RSS/Atom, Weibo, WeChat comments) on their interval.

The periodic job (``gongkai.opinion.jobs.poll_sources``, every minute) calls
:func:`poll_due_sources`. For every enabled :class:`Source` whose kind has a client
(``sources.polled_kinds()``) and whose interval has passed since ``last_polled_at``
(``config["interval_minutes"]``, default 10), :func:`poll_source`:

1. takes the source's **lease** (:func:`source_lease`, a cache key added atomically with a
   timeout): a second job runner, or a run that overlaps the previous one, skips the source
   instead of polling it twice at once; the row is read again under the lease, so a source just
   polled by the other runner is not polled again;
2. builds the client (``client_for``) and fetches from the stored cursor;
3. stores the posts through ``services.ingest_posts`` (idempotent by source and external id),
   in batches of 5,000;
4. saves the new cursor **only when every batch was stored** — a failed ingest leaves the old
   cursor, so the next poll fetches the same posts again and the idempotent ingest takes what is
   missing — and always ``last_polled_at`` (a failing source is retried at its interval, not every
   minute);
5. records what went wrong on the row, ``config["last_errors"]`` = ``{"at", "messages", "more"}``
   (the client's lines, posts refused by ingest, a configuration or authorisation error, an ingest
   failure), and logs it; a clean poll removes the key.

A source that fails never stops the others: every error is caught per source. The job stops
starting new polls after ``GONGKAI_OPINION_POLL_BUDGET_SECONDS`` (45 s) so that runs do not pile
up; the sources left are the most overdue of the next run.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from gongkai.opinion.analysis.types import RawPost
from gongkai.opinion.models import Source
from gongkai.opinion.services import IngestResult, ingest_posts
from gongkai.opinion.sources import SourceAuthError, SourceClient, SourceError, client_for, polled_kinds

logger = logging.getLogger("gongkai.opinion.polling")

INTERVAL_KEY = "interval_minutes"
LAST_ERRORS_KEY = "last_errors"
DEFAULT_INTERVAL_MINUTES = 10
MIN_INTERVAL_MINUTES = 1
MAX_INTERVAL_MINUTES = 7 * 24 * 60
#: A source is due this much before its interval is over (the job runs every minute: without it a
#: 10-minute source would be polled every 11 minutes).
DUE_SLACK = datetime.timedelta(seconds=30)
MAX_ERROR_LINES = 20
INGEST_BATCH = 5000
LEASE_PREFIX = "gk:opinion:source-lease:"

ClientFactory = Callable[..., SourceClient]


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


# --- The lease ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def source_lease(source_id: int, *, seconds: float | None = None) -> Iterator[bool]:
    """Hold the source's lease for the ``with`` block; yields False if someone else holds it.

    ``cache.add`` is atomic (Redis ``SET NX``; the database cache's primary key), so of two
    runners only one gets it. The lease expires by itself after ``seconds``
    (``GONGKAI_OPINION_POLL_LEASE_SECONDS``, 15 minutes) when its holder died; it is released
    at the end of the block only if it is still this holder's (a holder that overran its lease
    does not release the next one's).
    """
    if seconds is None:
        seconds = float(_setting("GONGKAI_OPINION_POLL_LEASE_SECONDS", 900))
    key = f"{LEASE_PREFIX}{source_id}"
    token = uuid.uuid4().hex
    acquired = bool(cache.add(key, token, timeout=seconds))
    try:
        yield acquired
    finally:
        if acquired and cache.get(key) == token:
            cache.delete(key)


# --- Due --------------------------------------------------------------------------------------------


def source_interval(source: Source) -> tuple[datetime.timedelta, str]:
    """The source's polling interval and, when its ``interval_minutes`` is unusable, why
    (the default is used then)."""
    config = source.config if isinstance(source.config, dict) else {}
    value = config.get(INTERVAL_KEY, DEFAULT_INTERVAL_MINUTES)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not MIN_INTERVAL_MINUTES <= value <= MAX_INTERVAL_MINUTES
    ):
        problem = (
            f"配置项 {INTERVAL_KEY} 应为 {MIN_INTERVAL_MINUTES}–{MAX_INTERVAL_MINUTES} 之间的分钟数，"
            f"现为 {value!r}；按默认 {DEFAULT_INTERVAL_MINUTES} 分钟抓取。"
        )
        return datetime.timedelta(minutes=DEFAULT_INTERVAL_MINUTES), problem
    return datetime.timedelta(minutes=float(value)), ""


def source_due(source: Source, now: datetime.datetime) -> bool:
    """Never polled, or its interval (less a little slack) has passed since the last poll."""
    if source.last_polled_at is None:
        return True
    interval, _problem = source_interval(source)
    return source.last_polled_at + interval - DUE_SLACK <= now


# --- One source -----------------------------------------------------------------------------------


@dataclass(slots=True)
class PollOutcome:
    """What one poll of one source did.

    ``status``: ``ok`` (clean), ``errors`` (posts taken, some lines in ``errors``), ``failed``
    (nothing stored: configuration, authorisation, fetch or ingest failure; cursor kept),
    ``locked`` (another runner holds the lease), ``skipped`` (not due, disabled, or no client).
    """

    source: str
    status: str
    fetched: int = 0
    created: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _ingest(source: Source, posts: Sequence[RawPost]) -> IngestResult:
    total = IngestResult()
    for start in range(0, len(posts), INGEST_BATCH):
        total.add(ingest_posts(source, posts[start : start + INGEST_BATCH], index_offset=start))
    return total


def _problem_lines(result: IngestResult) -> list[str]:
    lines = [
        f"第 {problem.index + 1} 条（{problem.external_id or '无编号'}）未入库：{problem.field} {problem.message}"
        for problem in result.errors[:MAX_ERROR_LINES]
    ]
    if len(result.errors) > MAX_ERROR_LINES:
        lines.append(f"另有 {len(result.errors) - MAX_ERROR_LINES} 条未入库。")
    return lines


def record_poll(
    source: Source,
    *,
    at: datetime.datetime,
    errors: Sequence[str],
    cursor: dict[str, Any] | None = None,
) -> None:
    """Save the poll's time, the cursor (``None``: keep the stored one) and the errors on the row.

    The row is read again under a lock, so an operator's edit of the config made during the poll
    is kept: only ``last_errors`` is replaced (or removed after a clean poll).
    """
    with transaction.atomic():
        row = Source.objects.select_for_update().get(pk=source.pk)
        config = dict(row.config) if isinstance(row.config, dict) else {}
        if errors:
            config[LAST_ERRORS_KEY] = {
                "at": at.isoformat(),
                "messages": [str(line)[:1000] for line in errors[:MAX_ERROR_LINES]],
                "more": max(0, len(errors) - MAX_ERROR_LINES),
            }
        else:
            config.pop(LAST_ERRORS_KEY, None)
        row.config = config
        row.last_polled_at = at
        fields = ["config", "last_polled_at"]
        if cursor is not None:
            row.cursor = cursor
            fields.append("cursor")
        row.save(update_fields=fields)
    source.config, source.last_polled_at = row.config, row.last_polled_at
    if cursor is not None:
        source.cursor = row.cursor


def poll_source(
    source: Source,
    *,
    now: datetime.datetime | None = None,
    force: bool = False,
    client_factory: ClientFactory | None = None,
) -> PollOutcome:
    """Poll one source if it is due (``force``: even if not), under its lease; never raises for
    what the source, its client or the ingest did (see the module docstring)."""
    started = time.monotonic()
    now = now or timezone.now()
    factory = client_factory or client_for
    with source_lease(source.pk) as leased:
        if not leased:
            return PollOutcome(source.code, "locked")
        fresh = Source.objects.filter(pk=source.pk).first()
        if fresh is None or not fresh.enabled or fresh.kind not in polled_kinds():
            return PollOutcome(source.code, "skipped")
        if not force and not source_due(fresh, now):
            return PollOutcome(source.code, "skipped")
        source = fresh
        outcome = _poll(source, now, factory)
    outcome.seconds = time.monotonic() - started
    if outcome.errors:
        log = logger.error if outcome.status == "failed" else logger.warning
        log(
            "opinion source %s: %s; %s",
            source.code,
            outcome.status,
            " | ".join(outcome.errors[:5]) + (" …" if len(outcome.errors) > 5 else ""),
        )
    return outcome


def _poll(source: Source, now: datetime.datetime, factory: ClientFactory) -> PollOutcome:
    outcome = PollOutcome(source.code, "ok")
    _interval, problem = source_interval(source)
    if problem:
        outcome.errors.append(problem)
    config = {key: value for key, value in (source.config or {}).items() if key != LAST_ERRORS_KEY}
    cursor = dict(source.cursor) if isinstance(source.cursor, dict) else {}
    try:
        client = factory(source.kind, config, source=source.code, url=source.url)
        result = client.fetch(cursor)
    except SourceError as exc:
        what = "授权失败，请重新授权账号" if isinstance(exc, SourceAuthError) else "配置无法使用"
        outcome.status = "failed"
        outcome.errors.append(f"{what}：{exc.zh}")
        record_poll(source, at=now, errors=outcome.errors)
        return outcome
    except Exception as exc:  # a client's bug must not stop the other sources
        logger.exception("opinion source %s: the client failed", source.code)
        outcome.status = "failed"
        outcome.errors.append(f"抓取出错：{type(exc).__name__}: {exc}"[:1000])
        record_poll(source, at=now, errors=outcome.errors)
        return outcome
    outcome.fetched = len(result.posts)
    outcome.errors.extend(result.errors)
    try:
        ingested = _ingest(source, result.posts)
    except Exception as exc:  # the database refused the batch: keep the old cursor, fetch again later
        logger.exception("opinion source %s: storing %s posts failed", source.code, len(result.posts))
        outcome.status = "failed"
        outcome.errors.append(f"入库失败（拉取位置未前移，下次重新拉取）：{type(exc).__name__}: {exc}"[:1000])
        record_poll(source, at=now, errors=outcome.errors)
        return outcome
    outcome.created = ingested.created
    outcome.duplicates = ingested.duplicates_skipped
    outcome.errors.extend(_problem_lines(ingested))
    if outcome.errors:
        outcome.status = "errors"
    record_poll(source, at=now, errors=outcome.errors, cursor=dict(result.cursor or {}))
    return outcome


# --- Every due source ---------------------------------------------------------------------------------


def poll_due_sources(
    *,
    now: datetime.datetime | None = None,
    budget_seconds: float | None = None,
    client_factory: ClientFactory | None = None,
) -> list[PollOutcome]:
    """Poll every enabled, due source of a polled kind, most overdue first (the periodic job).

    Stops starting new polls once ``budget_seconds`` (``GONGKAI_OPINION_POLL_BUDGET_SECONDS``,
    45) have passed; returns one outcome per source it tried.
    """
    if budget_seconds is None:
        budget_seconds = float(_setting("GONGKAI_OPINION_POLL_BUDGET_SECONDS", 45))
    started = time.monotonic()
    given = now
    now = now or timezone.now()
    candidates = list(
        Source.objects.filter(enabled=True, kind__in=sorted(polled_kinds())).order_by(
            F("last_polled_at").asc(nulls_first=True), "pk"
        )
    )
    outcomes: list[PollOutcome] = []
    for source in candidates:
        if not source_due(source, now):
            continue
        if time.monotonic() - started > budget_seconds:
            logger.info("opinion polling: time budget used; the other due sources wait for the next run")
            break
        try:
            at = given or timezone.now()  # each poll stamped with its own start, unless told
            outcomes.append(poll_source(source, now=at, client_factory=client_factory))
        except Exception as exc:  # e.g. the database went away while recording: go on with the next
            logger.exception("opinion source %s: the poll failed", source.code)
            outcomes.append(PollOutcome(source.code, "failed", errors=[f"{type(exc).__name__}: {exc}"]))
    return outcomes


def summary(outcomes: Sequence[PollOutcome]) -> dict[str, int]:
    """Counts for the job's result: sources by status, posts fetched and created."""
    counts: dict[str, int] = {"sources": len(outcomes), "fetched": 0, "created": 0}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
        counts["fetched"] += outcome.fetched
        counts["created"] += outcome.created
    return counts
