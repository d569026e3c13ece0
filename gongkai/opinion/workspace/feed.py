"""The live feed's reads: filters, keyset pages, the "new posts" count, and what each row shows.

The feed is ordered by ``(-published_at, -id)``, the order of the ``opinion_post_feed`` index, and
paged with a keyset cursor (the last row's time and id), so page 100 costs what page 1 costs and
nothing counts the whole table. Rows are decorated in a fixed number of queries whatever the page
size: the posts with their source and event, their topics, their duplicate counts.

New posts are the ones stored after the page was shown: their id is larger than the largest id the
page knew (ids grow with ingestion, while a vendor may deliver a post published minutes ago).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from gongkai.opinion.analysis import rules
from gongkai.opinion.models import Post, PostKind, PostTopic, Sentiment

PER_PAGE = 50
NEW_LIMIT = 100  # the "new posts" banner says "100+" past this; the count never scans further
PERIODS = {"1h": 1, "6h": 6, "24h": 24, "7d": 24 * 7, "30d": 24 * 30}


@cache
def text_normalizer() -> Callable[[str], str]:
    """How the pipeline normalizes texts (simplified, half-width, lowercase), for search and preview."""
    try:
        from gongkai.opinion.analysis.normalize import normalize
    except ImportError:  # the normalizer not installed yet: the rules' own term normalizer
        return rules.normalize_term
    return lambda text: normalize(text).strip()


# --- Districts ----------------------------------------------------------------------------------------


def district_choices() -> list[tuple[str, str]]:
    """``(code, name)`` of the districts the place tagger knows, named as the org tree names them."""
    from gongkai.accounts.models import Department
    from gongkai.opinion.analysis.places import JILIN_CITY_PLACES

    names = {
        code: short or name
        for code, short, name in Department.objects.filter(code__in=list(JILIN_CITY_PLACES)).values_list(
            "code", "short_name", "name"
        )
    }
    return [(code, names.get(code) or aliases[0]) for code, aliases in JILIN_CITY_PLACES.items()]


def district_names() -> dict[str, str]:
    return dict(district_choices())


# --- The cursor -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """A position in the feed: rows strictly after ``(published_at, id)`` in feed order."""

    published_at: datetime.datetime
    id: int

    def encode(self) -> str:
        return f"{int(self.published_at.timestamp() * 1_000_000)}_{self.id}"

    @classmethod
    def decode(cls, value: str | None) -> Cursor | None:
        """Parse ``encode``'s text; anything else (a hand-edited link) is None: the first page."""
        if not value or "_" not in value or len(value) > 60:
            return None
        micro, _sep, pk = value.partition("_")
        try:
            when = datetime.datetime.fromtimestamp(int(micro) / 1_000_000, tz=datetime.UTC)
            number = int(pk)
        except (ValueError, OverflowError, OSError):
            return None
        if number <= 0:
            return None
        return cls(when, number)

    @classmethod
    def of(cls, post: Post) -> Cursor:
        return cls(post.published_at, post.pk)


def after(queryset: QuerySet[Post], cursor: Cursor | None) -> QuerySet[Post]:
    if cursor is None:
        return queryset
    return queryset.filter(
        Q(published_at__lt=cursor.published_at) | Q(published_at=cursor.published_at, pk__lt=cursor.id)
    )


# --- Filters ----------------------------------------------------------------------------------------


def apply_filters(
    queryset: QuerySet[Post], data: dict[str, Any], *, now: datetime.datetime | None = None
) -> QuerySet[Post]:
    """Filter posts by the cleaned data of ``forms.FeedFilterForm`` (missing keys mean no filter)."""
    if data.get("source"):
        queryset = queryset.filter(source=data["source"])
    if data.get("topic"):
        # A semi-join: the planner may walk the topic's own (topic, -published_at) index instead.
        queryset = queryset.filter(pk__in=PostTopic.objects.filter(topic=data["topic"]).values("post_id"))
    if data.get("sentiment"):
        queryset = queryset.filter(sentiment=data["sentiment"])
    if data.get("district"):
        queryset = queryset.filter(district=data["district"])
    if data.get("event"):
        queryset = queryset.filter(event_id=data["event"])
    if data.get("rumor"):
        queryset = queryset.filter(rumor_candidate=True)
    if data.get("sensitive"):
        queryset = queryset.exclude(sensitive_words=[])
    if not data.get("duplicates"):
        queryset = queryset.filter(duplicate_of__isnull=True)
    now = now or timezone.now()
    period = PERIODS.get(data.get("period") or "")
    if period:
        queryset = queryset.filter(published_at__gte=now - datetime.timedelta(hours=period))
    tz = timezone.get_current_timezone()
    if data.get("date_from"):
        queryset = queryset.filter(
            published_at__gte=datetime.datetime.combine(data["date_from"], datetime.time.min, tz)
        )
    if data.get("date_to"):
        end = data["date_to"] + datetime.timedelta(days=1)
        queryset = queryset.filter(published_at__lt=datetime.datetime.combine(end, datetime.time.min, tz))
    text = (data.get("q") or "").strip()
    if text:
        for word in text_normalizer()(text).split():
            queryset = queryset.filter(normalized_text__contains=word)
    return queryset


def feed_page(
    data: dict[str, Any], *, cursor: Cursor | None, per_page: int = PER_PAGE
) -> tuple[list[Post], Cursor | None]:
    """One page of the feed after ``cursor`` and the cursor of the next page (None on the last)."""
    queryset = after(apply_filters(Post.objects.all(), data), cursor)
    rows = list(
        queryset.select_related("source", "event", "sentiment_corrected_by").order_by("-published_at", "-pk")[
            : per_page + 1
        ]
    )
    more = len(rows) > per_page
    rows = rows[:per_page]
    return rows, (Cursor.of(rows[-1]) if more and rows else None)


def newer(data: dict[str, Any], *, since_id: int, limit: int = NEW_LIMIT) -> list[Post]:
    """Posts matching the filters stored after ``since_id``, newest first (at most ``limit``)."""
    queryset = apply_filters(Post.objects.filter(pk__gt=since_id), data)
    return list(
        queryset.select_related("source", "event", "sentiment_corrected_by").order_by("-published_at", "-pk")[
            :limit
        ]
    )


def newer_count(data: dict[str, Any], *, since_id: int, limit: int = NEW_LIMIT) -> int:
    """How many such posts, counted up to ``limit`` + 1 (enough to say "100+")."""
    queryset = apply_filters(Post.objects.filter(pk__gt=since_id), data)
    return len(queryset.order_by("pk").values_list("pk", flat=True)[: limit + 1])


# --- What each row shows ------------------------------------------------------------------------------


def compact_number(value: int) -> str:
    """12,345 → "1.2万"; 123,456,789 → "1.2亿" (the way Chinese counts reach)."""
    if value >= 100_000_000:
        return f"{value / 100_000_000:.1f}".rstrip("0").rstrip(".") + "亿"
    if value >= 10_000:
        return f"{value / 10_000:.1f}".rstrip("0").rstrip(".") + "万"
    return str(value)


def decorate(posts: Iterable[Post], *, districts: dict[str, str] | None = None) -> list[Post]:
    """Add ``topic_list``, ``duplicate_count``, ``district_name`` and the reach texts to each post.

    Two queries for the whole page (topics, duplicate counts), none per row."""
    posts = list(posts)
    ids = [post.pk for post in posts]
    topics: dict[int, list[Any]] = defaultdict(list)
    duplicates: dict[int, int] = {}
    if ids:
        for link in PostTopic.objects.filter(post_id__in=ids).select_related("topic").order_by("topic__name"):
            topics[link.post_id].append(link.topic)
        duplicates = dict(
            Post.objects.filter(duplicate_of_id__in=ids)
            .values_list("duplicate_of_id")
            .annotate(n=Count("pk"))
            .values_list("duplicate_of_id", "n")
        )
    names = districts if districts is not None else district_names() if any(p.district for p in posts) else {}
    sentiments = {value: str(label) for value, label in Sentiment.choices}
    kinds = {value: str(label) for value, label in PostKind.choices if value != PostKind.POST}
    correct = reverse("opinion_workspace:post_sentiment", args=[0]).replace("/0/", "/{}/")
    event = reverse("opinion_workspace:event", args=[0]).replace("/0/", "/{}/")
    for post in posts:
        # Texts and links computed here once, not by the template for each card (50 a page).
        post.sentiment_label = sentiments.get(post.sentiment, post.sentiment)  # type: ignore[attr-defined]
        post.kind_label = kinds.get(post.kind, "")  # type: ignore[attr-defined]
        post.long_text = len(post.text) > 280  # type: ignore[attr-defined]
        post.correct_url = correct.format(post.pk)  # type: ignore[attr-defined]
        post.event_url = event.format(post.event_id) if post.event_id else ""  # type: ignore[attr-defined]
        corrector = post.sentiment_corrected_by if post.sentiment_corrected_by_id else None
        post.corrected_by_name = (corrector.get_full_name() or corrector.get_username()) if corrector else ""  # type: ignore[attr-defined]
        post.topic_list = topics.get(post.pk, [])  # type: ignore[attr-defined]
        post.duplicate_count = duplicates.get(post.pk, 0)  # type: ignore[attr-defined]
        post.district_name = names.get(post.district, post.district)  # type: ignore[attr-defined]
        post.followers_text = compact_number(post.followers)  # type: ignore[attr-defined]
    return posts
