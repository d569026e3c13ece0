"""The event board's reads: events by hotness, their recent trend, and an event's timeline.

Counts per hour come from the database (``TruncHour`` in Asia/Shanghai over the
``opinion_post_event_time`` index), one grouped query for the whole board page, never one per event.
The sparklines are drawn here as SVG points, so the page needs no chart script.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncHour
from django.utils import timezone

from gongkai.opinion.models import Event, EventStatus, Post, Sentiment

TREND_HOURS = 12
TIMELINE_MAX_HOURS = 24 * 7  # the event page's chart: at most the last week of the event, per hour

BOARD_VIEWS = {
    # key: statuses shown
    "": (EventStatus.OPEN, EventStatus.ASSESSED),
    "open": (EventStatus.OPEN,),
    "assessed": (EventStatus.ASSESSED,),
    "closed": (EventStatus.CLOSED,),
}


def board_events(*, view: str = "", district: str = "", rumor: bool = False) -> QuerySet[Event]:
    statuses = BOARD_VIEWS.get(view, BOARD_VIEWS[""])
    queryset = Event.objects.filter(status__in=statuses)
    if district:
        queryset = queryset.filter(district=district)
    if rumor:
        queryset = queryset.filter(Q(is_rumor=True) | Q(rumor_candidate_count__gt=0))
    return queryset.order_by("-hotness", "-pk")


def _hour(value: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(value).replace(minute=0, second=0, microsecond=0)


def hourly_counts(event_ids: list[int], *, start: datetime.datetime) -> dict[int, Counter[datetime.datetime]]:
    """``{event id: {local hour: posts}}`` for posts published since ``start`` (one query)."""
    result: dict[int, Counter[datetime.datetime]] = {pk: Counter() for pk in event_ids}
    if not event_ids:
        return result
    rows = (
        Post.objects.filter(event_id__in=event_ids, published_at__gte=start)
        .annotate(hour=TruncHour("published_at", tzinfo=timezone.get_current_timezone()))
        .values_list("event_id", "hour")
        .annotate(n=Count("pk"))
        .values_list("event_id", "hour", "n")
        .order_by()
    )
    for event_id, hour, n in rows:
        result[event_id][_hour(hour)] += n
    return result


@dataclass(frozen=True)
class Trend:
    counts: list[int]
    points: str  # SVG polyline points in a 100×24 box
    last_hour: int
    label: str  # for screen readers: the counts in words

    @property
    def rising(self) -> bool:
        """More posts in the last three hours than in the three before."""
        return sum(self.counts[-3:]) > sum(self.counts[-6:-3])


def _points(counts: list[int], width: float = 100.0, height: float = 24.0) -> str:
    top = max(counts) or 1
    step = width / max(len(counts) - 1, 1)
    return " ".join(
        f"{i * step:.1f},{height - 1 - (n / top) * (height - 2):.1f}" for i, n in enumerate(counts)
    )


def trends(
    events: list[Event], *, now: datetime.datetime | None = None, hours: int = TREND_HOURS
) -> dict[int, Trend]:
    """The posts per hour of each event over the last ``hours`` hours, oldest hour first."""
    now = now or timezone.now()
    last = _hour(now)
    slots = [last - datetime.timedelta(hours=hours - 1 - i) for i in range(hours)]
    counts = hourly_counts([event.pk for event in events], start=slots[0])
    result = {}
    for event in events:
        series = [counts[event.pk].get(slot, 0) for slot in slots]
        result[event.pk] = Trend(
            counts=series,
            points=_points(series),
            last_hour=series[-1],
            label="、".join(str(n) for n in series),
        )
    return result


def negative_share(event: Event) -> int | None:
    """Percent of the event's posts that are negative (None before the first post)."""
    if not event.post_count:
        return None
    return round(100 * event.negative_count / event.post_count)


def timeline(event: Event) -> list[dict[str, Any]]:
    """Posts per hour over the event's life (its last week at most), empty hours included."""
    end = _hour(event.last_seen)
    start = max(_hour(event.first_seen), end - datetime.timedelta(hours=TIMELINE_MAX_HOURS - 1))
    counts = hourly_counts([event.pk], start=start)[event.pk]
    hours = int((end - start).total_seconds() // 3600) + 1
    slots = [start + datetime.timedelta(hours=i) for i in range(hours)]
    top = max(counts.values(), default=0) or 1
    return [
        {"hour": slot, "count": counts.get(slot, 0), "percent": round(100 * counts.get(slot, 0) / top)}
        for slot in slots
    ]


CHART_WIDTH = 720.0
CHART_HEIGHT = 160.0
MAX_TICKS = 6


def timeline_bars(
    rows: list[dict[str, Any]], *, width: float = CHART_WIDTH, height: float = CHART_HEIGHT
) -> list[dict[str, Any]]:
    """SVG rectangles of the timeline (x, y, w, h) and, on a few of them, the hour's label (tick)."""
    if not rows:
        return []
    bar = width / len(rows)
    top = max(row["count"] for row in rows) or 1
    step = max(1, -(-len(rows) // MAX_TICKS))  # ceil
    bars = []
    for i, row in enumerate(rows):
        h = (row["count"] / top) * (height - 4)
        centre = i * bar + bar / 2
        tick = ""
        if i % step == 0:
            hour = timezone.localtime(row["hour"])
            tick = hour.strftime("%m-%d %H:00") if i == 0 or hour.hour < step else hour.strftime("%H:00")
        bars.append(
            {
                "x": f"{i * bar:.2f}",
                "y": f"{height - h:.2f}",
                "w": f"{max(bar - 1, 0.5):.2f}",
                "h": f"{h:.2f}",
                "hour": row["hour"],
                "count": row["count"],
                "tick": tick,
                "tick_x": f"{min(max(centre, 40.0), width - 40.0):.1f}",
            }
        )
    return bars


def sentiment_counts(event: Event) -> list[tuple[str, Any, int]]:
    """``(value, label, posts)`` for each sentiment of the event's posts (one grouped query)."""
    counts = dict(
        Post.objects.filter(event=event)
        .values_list("sentiment")
        .annotate(n=Count("pk"))
        .values_list("sentiment", "n")
        .order_by()
    )
    return [(value, label, counts.get(value, 0)) for value, label in Sentiment.choices]
