"""Reads of the opinion monitor: who may see it, the live feed, the event board, topic previews.

The feed is newest first and pages with a cursor (the last post's time and id), so a page costs one
index range scan (``opinion_post_feed`` or the per-source, per-district, per-event and per-topic
indexes) however deep it is and however many posts there are; no total is counted.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from gongkai.accounts.roles import user_has_role
from gongkai.opinion import pipeline as pipelines
from gongkai.opinion.models import Event, Post, PostTopic, Source, Topic


def _active_staff(user: Any) -> bool:
    return bool(
        user is not None and getattr(user, "is_authenticated", False) and user.is_active and user.is_staff
    )


def may_analyse(user: Any) -> bool:
    """The feed, the events, topics and corrections: opinion analysts (and superusers)."""
    return _active_staff(user) and (user.is_superuser or user_has_role(user, "opinion_analyst"))


def may_manage_clients(user: Any) -> bool:
    """Vendors' ingest clients (keys, quotas): administrators (and superusers)."""
    return _active_staff(user) and (user.is_superuser or user_has_role(user, "administrator"))


# --- The feed ----------------------------------------------------------------------------------------


def feed_cursor(post: Post) -> str:
    """The cursor of the page after ``post``: its time (microseconds since the epoch) and its id."""
    stamp = int(post.published_at.timestamp()) * 1_000_000 + post.published_at.microsecond
    return f"{stamp}:{post.pk}"


def parse_feed_cursor(cursor: str) -> tuple[datetime.datetime, int] | None:
    stamp, _sep, pk = cursor.partition(":")
    if not (stamp.isascii() and stamp.isdigit() and pk.isascii() and pk.isdigit()) or len(stamp) > 18:
        return None
    if len(pk) > 18:
        return None
    seconds, micro = divmod(int(stamp), 1_000_000)
    try:
        moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC).replace(microsecond=micro)
    except (OverflowError, OSError, ValueError):
        return None
    return moment, int(pk)


def _normalized_query(text: str) -> str:
    module = pipelines._module("normalize")
    return module.normalize(text) if module is not None else " ".join(text.split())


def post_queryset() -> QuerySet[Post]:
    return Post.objects.select_related("source").prefetch_related(
        Prefetch("topics", queryset=Topic.objects.only("pk", "name").order_by("pk"))
    )


def post_list(
    *,
    source: str | None = None,
    topic: int | None = None,
    sentiment: str | None = None,
    district: str | None = None,
    event: int | None = None,
    rumor_candidate: bool | None = None,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
    q: str | None = None,
    cursor: tuple[datetime.datetime, int] | None = None,
    limit: int = 50,
) -> tuple[list[Post], str | None]:
    """One page of the feed, newest first, and the cursor of the next page (``None``: the last)."""
    queryset = post_queryset()
    if source:
        queryset = queryset.filter(source__code=source)
    if topic:
        links = PostTopic.objects.filter(topic_id=topic)
        if since:
            links = links.filter(published_at__gte=since)
        if until:
            links = links.filter(published_at__lt=until)
        queryset = queryset.filter(pk__in=links.values("post_id"))
    if sentiment:
        queryset = queryset.filter(sentiment=sentiment)
    if district:
        queryset = queryset.filter(district=district)
    if event:
        queryset = queryset.filter(event_id=event)
    if rumor_candidate is not None:
        queryset = queryset.filter(rumor_candidate=rumor_candidate)
    if since:
        queryset = queryset.filter(published_at__gte=since)
    if until:
        queryset = queryset.filter(published_at__lt=until)
    text = _normalized_query(q or "").strip()
    if text:
        queryset = queryset.filter(normalized_text__contains=text)
    if cursor is not None:
        moment, pk = cursor
        queryset = queryset.filter(Q(published_at__lt=moment) | Q(published_at=moment, pk__lt=pk))
    rows = list(queryset.order_by("-published_at", "-pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (feed_cursor(rows[-1]) if more and rows else None)


def post_get(pk: int) -> Post | None:
    return post_queryset().select_related("sentiment_corrected_by").filter(pk=pk).first()


def sources() -> QuerySet[Source]:
    return Source.objects.order_by("code")


# --- Events ------------------------------------------------------------------------------------------


def event_list(
    *,
    status: str | None = None,
    district: str | None = None,
    min_posts: int = 0,
    since: datetime.datetime | None = None,
    q: str | None = None,
    order: str = "hot",
) -> QuerySet[Event]:
    """The event board: hottest first (``order="hot"``) or most recently active first."""
    queryset = Event.objects.all()
    if status:
        queryset = queryset.filter(status=status)
    if district:
        queryset = queryset.filter(district=district)
    if min_posts:
        queryset = queryset.filter(post_count__gte=min_posts)
    if since:
        queryset = queryset.filter(last_seen__gte=since)
    text = (q or "").strip()
    if text:
        queryset = queryset.filter(Q(title__contains=text) | Q(label__contains=text))
    ordering = ("-hotness", "-last_seen", "-pk") if order == "hot" else ("-last_seen", "-pk")
    return queryset.order_by(*ordering)


# --- Topics ------------------------------------------------------------------------------------------


def topic_list() -> QuerySet[Topic]:
    return Topic.objects.select_related("owner_department", "created_by").order_by("name", "pk")


def topic_preview(
    rule: str, *, scan: int = 2000, limit: int = 50
) -> tuple[int, int, list[tuple[Post, list]]]:
    """Run ``rule`` over the ``scan`` most recent posts: ``(scanned, matched, [(post, spans)…])``.

    Raises ``RuleSyntaxError`` for a bad rule (the API turns it into the refusal with the position);
    spans are ``(start, end)`` in the post's normalized text. At most ``limit`` matches are returned.
    """
    rules = pipelines._module("rules")
    recent = list(Post.objects.order_by("-published_at", "-pk").values_list("pk", "normalized_text")[:scan])
    if rules is None:
        return len(recent), 0, []
    normalize = pipelines.Pipeline.term_normalizer_for(pipelines._module("normalize"), rules)
    hits = rules.preview(rule, [text for _pk, text in recent], normalize=normalize)
    wanted = {recent[index][0]: spans for index, spans in hits[:limit]}
    posts = {post.pk: post for post in post_queryset().filter(pk__in=wanted)}
    results = [(posts[pk], [list(span) for span in spans]) for pk, spans in wanted.items() if pk in posts]
    return len(recent), len(hits), results
