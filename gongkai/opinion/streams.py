"""The city's own streams as opinion: 12345 hotline work orders and the website's messages.

A surge of appeals about one matter (a residential area without heating, a street without water)
is public opinion too: the periodic job (``gongkai.opinion.jobs.city_streams``, every minute)
hands the new appeals and messages to the same pipeline as Weibo posts, so they join (or make)
events, raise hotness and alerts, and show in the feed and the reports.

Two sources, created on the first run (``Source`` rows of kind ``hotline`` and ``website``, codes
``hotline`` and ``website``; an operator may disable them):

* **hotline** — every new ``WorkOrder`` (any channel) → ``RawPost(kind="appeal")``:
  ``external_id`` = the tracking number, ``title`` and ``text`` = the order's title and content
  **redacted**, ``place`` = its district and street (else its location, masked),
  ``published_at`` = when it was received. Orders already marked invalid are left out.
* **website** — the messages the public leaves on the city's channels → ``kind="message"``:
  the new-media messages (``InboundMessage``: WeChat, Weibo, e-mail, the provincial platform;
  ``external_id`` ``inbound-<id>``, time received) and the mayor's-mailbox letters published on the
  website (信件公开, ``external_id`` ``letter-<tracking number>``, the staff-checked public title
  and content, time of publication, ``parent_external_id`` = the order's tracking number).

Personal data never leaves the hotline: the caller's or sender's name, phone, ID number, e-mail
and address are not copied into any field (``author`` stays empty), and the text goes through :func:`redact`:
``core.personal_data.redact_text`` (phones, ID numbers, e-mails), the caller's own name and
address (like ``hotline.services.public_text``), and :func:`mask_door_numbers` (building, unit and room numbers:
3号楼2单元501室 → *号楼*单元*室, 3-2-501 → *-*-*).

Cursors (in the Source row, per stream): the last id taken, and for the first run the time it
started from (``GONGKAI_OPINION_STREAM_LOOKBACK_DAYS``, 7: older history is not fed in). Ids grow,
but a transaction that took an id may commit after a later one; each run therefore looks again at
the ``OVERLAP`` ids below the cursor and takes those not stored yet. Letters are followed by their
publication time, looked at again ``LETTER_OVERLAP`` back. Ingest is idempotent by external id, so
nothing is stored twice; the cursor is saved only after the posts are stored. Each source runs
under its lease (``polling.source_lease``), so two job runners never read the same stream at once.
"""

from __future__ import annotations

import datetime
import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongkai.core.personal_data import mask_address, mask_name, mask_phone, redact_text
from gongkai.opinion.analysis.types import RawPost
from gongkai.opinion.models import MAX_PLACE, MAX_TEXT, MAX_TITLE, Post, Source, SourceKind
from gongkai.opinion.polling import PollOutcome, record_poll, source_lease
from gongkai.opinion.services import IngestResult, ingest_posts

logger = logging.getLogger("gongkai.opinion.streams")

HOTLINE = SourceKind.HOTLINE.value
WEBSITE = SourceKind.WEBSITE.value
SOURCE_NAMES = {HOTLINE: _("12345热线工单"), WEBSITE: _("政府网站及新媒体留言")}
#: Ids below the cursor looked at again on each run (rows committed after a later id).
OVERLAP = 200
#: Publication times looked at again on each run (letters).
LETTER_OVERLAP = datetime.timedelta(minutes=30)
#: Rows taken per query; a run goes on until the stream is empty or its time budget is used.
BATCH = 500

# Building, unit, room and household numbers: the digits go, the words stay.
_DOOR = re.compile(r"(?<![\d.])\d{1,5}(?=\s*(?:号楼|栋|幢|单元|室(?![温内外])|号门|门洞))")
_DOOR_SHORT = re.compile(r"(?<![\d-])\d{1,3}-\d{1,2}-\d{2,4}(?![\d-])")


def mask_door_numbers(text: str) -> str:
    """3号楼2单元501室 → *号楼*单元*室; the shorthand 3-2-501 → *-*-*."""
    if not text:
        return text
    text = _DOOR_SHORT.sub("*-*-*", text)
    return _DOOR.sub("*", text)


def redact(
    text: str,
    *,
    names: Iterable[str] = (),
    phones: Iterable[str] = (),
    addresses: Iterable[str] = (),
) -> str:
    """``text`` with phones, ID numbers, e-mails, door numbers and the given people's names,
    phones and addresses masked (what may go into the opinion store). An address keeps its
    residential area when it has door numbers to mask (江城嘉园小区*号楼*单元*室), else its first
    six characters (``mask_address``)."""
    text = redact_text(text or "")
    for address in addresses:
        address = (address or "").strip()
        if len(address) >= 6:
            # The building, unit and room go; the residential area stays (a surge is about it).
            masked = mask_door_numbers(address)
            text = text.replace(address, masked if masked != address else mask_address(address))
    for phone in phones:
        phone = (phone or "").strip()
        if len(phone) >= 5:
            text = text.replace(phone, mask_phone(phone))
    for name in names:
        name = (name or "").strip()
        if len(name) >= 2:
            text = text.replace(name, mask_name(name))
    return mask_door_numbers(text)


def _cut(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


# --- The rows as posts ----------------------------------------------------------------------------


def appeal_post(order: Any) -> RawPost:
    """A work order as an appeal, redacted (the caller's fields are never copied)."""

    def clean(value: str) -> str:
        return redact(
            value,
            names=[order.caller_name],
            phones=[order.caller_phone],
            addresses=[order.caller_address],
        )

    content = clean(order.content)
    # A title the hotline cut from the content (its first 30 characters) could end in the middle of
    # a name or a number, which no replacement finds: cut it again from the redacted content.
    stem = order.title.rstrip("…")
    if stem and order.content.startswith(stem):
        first = content.split("\n", 1)[0].strip()
        title = first if len(first) <= 30 else first[:30] + "…"
    else:
        title = clean(order.title)
    place = " ".join(
        part
        for part in (
            (order.district.short_name or order.district.name) if order.district_id else "",
            (order.street.short_name or order.street.name) if order.street_id else "",
        )
        if part
    )
    if not place and order.location:
        place = mask_address(mask_door_numbers(order.location))
    return RawPost(
        source=HOTLINE,
        external_id=order.tracking_number,
        kind="appeal",
        title=_cut(title, MAX_TITLE),
        text=_cut(content, MAX_TEXT),
        published_at=order.created_at,
        place=_cut(place, MAX_PLACE),
    )


def inbound_post(message: Any) -> RawPost:
    """A new-media message as a message, redacted (the sender's fields are never copied)."""
    text = redact(
        message.text,
        names=[message.sender_name, message.sender_handle],
        phones=[message.sender_phone],
    )
    return RawPost(
        source=WEBSITE,
        external_id=f"inbound-{message.pk}",
        kind="message",
        text=_cut(text, MAX_TEXT),
        published_at=message.received_at,
    )


def letter_post(order: Any) -> RawPost:
    """A published mailbox letter (its staff-checked public copy, redacted once more)."""

    def clean(value: str) -> str:
        return redact(
            value, names=[order.caller_name], phones=[order.caller_phone], addresses=[order.caller_address]
        )

    return RawPost(
        source=WEBSITE,
        external_id=f"letter-{order.tracking_number}",
        kind="message",
        parent_external_id=order.tracking_number,
        title=_cut(clean(order.public_title), MAX_TITLE),
        text=_cut(clean(order.public_content) or clean(order.public_title), MAX_TEXT),
        published_at=order.publication_approved_at,
    )


# --- Reading the streams ----------------------------------------------------------------------------


def _lookback(now: datetime.datetime) -> datetime.datetime:
    days = float(getattr(settings, "GONGKAI_OPINION_STREAM_LOOKBACK_DAYS", 7))
    return now - datetime.timedelta(days=days)


def _since(cursor: dict[str, Any], now: datetime.datetime) -> datetime.datetime:
    value = cursor.get("since")
    if isinstance(value, str):
        try:
            parsed = datetime.datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and timezone.is_aware(parsed):
            return parsed
    return _lookback(now)


def _stored(source: Source, external_ids: Sequence[str]) -> set[str]:
    if not external_ids:
        return set()
    return set(
        Post.objects.filter(source=source, external_id__in=list(external_ids)).values_list(
            "external_id", flat=True
        )
    )


def _by_id(
    source: Source,
    queryset: QuerySet,
    cursor: dict[str, Any],
    *,
    now: datetime.datetime,
    natural_key: str,
    post_key: Callable[[int, Any], str],
    to_post: Callable[[Any], RawPost],
    time_field: str,
) -> tuple[list[RawPost], dict[str, Any], bool]:
    """One batch of an id-ordered stream: the rows above ``last_id`` and the ones below it (within
    ``OVERLAP``) not stored yet. ``post_key(pk, natural key)`` is the external id a row's post gets
    (known before the row is loaded). Returns the posts, the cursor after them and whether more
    rows may wait."""
    last_id = cursor.get("last_id", 0)
    last_id = last_id if isinstance(last_id, int) and not isinstance(last_id, bool) and last_id > 0 else 0
    since = _since(cursor, now)
    queryset = queryset.filter(pk__gt=max(0, last_id - OVERLAP), **{f"{time_field}__gte": since})
    keys = [
        (pk, post_key(pk, natural))
        for pk, natural in queryset.order_by("pk").values_list("pk", natural_key)[: OVERLAP + BATCH]
    ]
    stored = _stored(source, [key for _pk, key in keys])
    wanted = [pk for pk, key in keys if key not in stored]
    posts: list[RawPost] = []
    if wanted:
        rows = {row.pk: row for row in queryset.filter(pk__in=wanted)}
        posts = [to_post(rows[pk]) for pk in wanted if pk in rows]
    highest = max([last_id, *(pk for pk, _key in keys)])
    more = len(keys) == OVERLAP + BATCH and highest > last_id
    return posts, {"last_id": highest, "since": since.isoformat()}, more


def _hotline_batch(
    source: Source, cursor: dict[str, Any], now: datetime.datetime
) -> tuple[list[RawPost], dict[str, Any], bool]:
    from gongkai.hotline.models import Status, WorkOrder

    queryset = WorkOrder.objects.exclude(status=Status.INVALID).select_related("district", "street")
    return _by_id(
        source,
        queryset,
        cursor,
        now=now,
        natural_key="tracking_number",
        post_key=lambda _pk, number: str(number),
        to_post=appeal_post,
        time_field="created_at",
    )


def _inbound_batch(
    source: Source, cursor: dict[str, Any], now: datetime.datetime
) -> tuple[list[RawPost], dict[str, Any], bool]:
    from gongkai.hotline.models import InboundMessage

    return _by_id(
        source,
        InboundMessage.objects.all(),
        cursor,
        now=now,
        natural_key="pk",
        post_key=lambda pk, _natural: f"inbound-{pk}",
        to_post=inbound_post,
        time_field="received_at",
    )


def _letters_batch(
    source: Source, cursor: dict[str, Any], now: datetime.datetime
) -> tuple[list[RawPost], dict[str, Any], bool]:
    from gongkai.hotline.selectors import public_reply_list

    since = _since(cursor, now)
    queryset = public_reply_list().filter(publication_approved_at__gte=since - LETTER_OVERLAP)
    rows = list(queryset.order_by("publication_approved_at", "pk")[: BATCH * 4])
    stored = _stored(source, [f"letter-{row.tracking_number}" for row in rows])
    posts = [letter_post(row) for row in rows if f"letter-{row.tracking_number}" not in stored]
    newest = max([since, *(row.publication_approved_at for row in rows if row.publication_approved_at)])
    return posts, {"since": newest.isoformat()}, False


STREAMS = {
    HOTLINE: (("orders", _hotline_batch),),
    WEBSITE: (("inbound", _inbound_batch), ("letters", _letters_batch)),
}


# --- Running them ----------------------------------------------------------------------------------------


def stream_source(kind: str) -> Source:
    """The Source row of a city stream (``hotline`` or ``website``), created the first time."""
    if kind not in STREAMS:
        raise ValueError(f"unknown city stream {kind!r}")
    source = Source.objects.filter(kind=kind).order_by("pk").first()
    if source is None:
        source, _created = Source.objects.get_or_create(
            code=kind, defaults={"name": str(SOURCE_NAMES[kind]), "kind": kind}
        )
    return source


@dataclass(slots=True)
class _Totals:
    created: int = 0
    duplicates: int = 0
    fetched: int = 0


def run_stream(
    kind: str, *, now: datetime.datetime | None = None, budget_seconds: float = 45.0
) -> PollOutcome:
    """Feed one city stream's new rows to the pipeline (see the module docstring); never raises
    for what a row or the ingest did: the error is recorded on the Source and logged."""
    started = time.monotonic()
    now = now or timezone.now()
    source = stream_source(kind)
    outcome = PollOutcome(source.code, "ok")
    with source_lease(source.pk) as leased:
        if not leased:
            outcome.status = "locked"
            return outcome
        source.refresh_from_db()
        if not source.enabled:
            outcome.status = "skipped"
            return outcome
        cursor = dict(source.cursor) if isinstance(source.cursor, dict) else {}
        totals = _Totals()
        try:
            for name, batch in STREAMS[kind]:
                part = dict(cursor.get(name) or {}) if isinstance(cursor.get(name), dict) else {}
                while True:
                    posts, part, more = batch(source, part, now)
                    result: IngestResult = ingest_posts(source, posts) if posts else IngestResult()
                    totals.fetched += len(posts)
                    totals.created += result.created
                    totals.duplicates += result.duplicates_skipped
                    outcome.errors.extend(
                        f"{problem.external_id}：{problem.field} {problem.message}"
                        for problem in result.errors
                    )
                    # The stream's position moves only once its posts are stored.
                    cursor[name] = part
                    record_poll(source, at=now, errors=outcome.errors, cursor=dict(cursor))
                    if not more or time.monotonic() - started > budget_seconds:
                        break
        except Exception as exc:
            logger.exception("opinion stream %s failed", kind)
            outcome.status = "failed"
            outcome.errors.append(
                f"读取或入库失败（位置未前移，下次重试）：{type(exc).__name__}: {exc}"[:1000]
            )
            record_poll(source, at=now, errors=outcome.errors)
        else:
            if outcome.errors:
                outcome.status = "errors"
                logger.warning("opinion stream %s: %s", kind, " | ".join(outcome.errors[:5]))
    outcome.fetched, outcome.created, outcome.duplicates = totals.fetched, totals.created, totals.duplicates
    outcome.seconds = time.monotonic() - started
    return outcome


def run_streams(*, now: datetime.datetime | None = None) -> list[PollOutcome]:
    """Both city streams; one failing does not stop the other."""
    outcomes = []
    for kind in STREAMS:
        try:
            outcomes.append(run_stream(kind, now=now))
        except Exception as exc:  # e.g. the Source row could not be created
            logger.exception("opinion stream %s failed", kind)
            outcomes.append(PollOutcome(kind, "failed", errors=[f"{type(exc).__name__}: {exc}"]))
    return outcomes
