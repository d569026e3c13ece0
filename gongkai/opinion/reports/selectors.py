"""Reads of the opinion reports: the statistics of a period, the reports themselves, who may see them.

:func:`statistics` answers with plain JSON-ready data (what a report freezes as its snapshot, what
the API and the dashboard show). Everything is counted by the database with grouped aggregates
over the posts of the period (the ``opinion_post_feed`` index on ``published_at`` bounds the scan);
no Python loop ever walks the posts. A period costs about a dozen queries (five grouped
counts, the previous period's count, new events, and the names of what was counted), whatever the
number of posts.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDay, TruncHour
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from gongkai.opinion.models import Event, EventStatus, Post, PostTopic, Sentiment, Source, SourceKind, Topic
from gongkai.opinion.reports import periods
from gongkai.opinion.reports.models import Report, ReportKind, ReportStatus

logger = logging.getLogger(__name__)

DEFAULT_TOP = 10
MAX_TOP = 50
#: Bumped when the snapshot's shape changes, so renderers can tell old snapshots apart.
SNAPSHOT_VERSION = 1

NEGATIVE = Q(sentiment=Sentiment.NEGATIVE)


@dataclass(frozen=True)
class Scope:
    """What to count: a half-open period, optionally narrowed to a topic, an event or a district."""

    start: datetime.datetime
    end: datetime.datetime
    topic_id: int | None = None
    event_id: int | None = None
    district: str = ""

    def posts(self) -> QuerySet[Post]:
        return self._narrow(Post.objects.filter(published_at__gte=self.start, published_at__lt=self.end))

    def previous(self, shift: datetime.timedelta | None = None) -> Scope:
        """The period just before (or ``shift`` earlier: yesterday's same hours for "today so far")."""
        shift = shift or (self.end - self.start)
        return Scope(self.start - shift, self.end - shift, self.topic_id, self.event_id, self.district)

    def _narrow(self, posts: QuerySet[Post]) -> QuerySet[Post]:
        if self.topic_id is not None:
            # The link row carries the post's time: the topic's index bounds the join.
            posts = posts.filter(
                topic_links__topic_id=self.topic_id,
                topic_links__published_at__gte=self.start,
                topic_links__published_at__lt=self.end,
            )
        if self.event_id is not None:
            posts = posts.filter(event_id=self.event_id)
        if self.district:
            posts = posts.filter(district=self.district)
        return posts


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _iso(moment: datetime.datetime | None) -> str | None:
    return moment.astimezone(periods.local_tz()).isoformat() if moment is not None else None


def district_names(codes: set[str] | list[str]) -> dict[str, str]:
    """Department code → the short name (昌邑区) or the full name, for the codes that exist."""
    from gongkai.accounts.models import Department

    wanted = {code for code in codes if code}
    if not wanted:
        return {}
    return {
        code: short or name
        for code, short, name in Department.objects.filter(code__in=wanted).values_list(
            "code", "short_name", "name"
        )
    }


def district_label(code: str, names: dict[str, str]) -> str:
    if not code:
        return _("未识别地域")
    return names.get(code, code)


def _volume(scope: Scope, granularity: str) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Posts per bucket and sentiment, plus the totals (one grouped query)."""
    trunc = TruncHour if granularity == periods.HOUR else TruncDay
    rows = (
        scope.posts()
        .annotate(bucket=trunc("published_at", tzinfo=periods.local_tz()))
        .values("bucket", "sentiment")
        .annotate(n=Count("pk"), rumors=Count("pk", filter=Q(rumor_candidate=True)))
        .order_by()
    )
    by_bucket: dict[datetime.datetime, dict[str, int]] = {}
    totals = {"posts": 0, "rumor_candidates": 0, **{s: 0 for s in Sentiment.values}}
    for row in rows:
        moment = periods.truncate(row["bucket"], granularity)
        counts = by_bucket.setdefault(moment, {})
        counts[row["sentiment"]] = counts.get(row["sentiment"], 0) + row["n"]
        totals["posts"] += row["n"]
        totals["rumor_candidates"] += row["rumors"]
        if row["sentiment"] in totals:
            totals[row["sentiment"]] += row["n"]
    multi_day = scope.end - scope.start > datetime.timedelta(days=1)
    series = []
    for moment in periods.buckets(scope.start, scope.end, granularity):
        counts = by_bucket.get(moment, {})
        series.append(
            {
                "t": moment.isoformat(),
                "label": periods.bucket_label(moment, granularity, multi_day=multi_day),
                "posts": sum(counts.values()),
                **{s: counts.get(s, 0) for s in Sentiment.values},
            }
        )
    return series, totals


def _sources(scope: Scope) -> list[dict[str, Any]]:
    rows = list(
        scope.posts()
        .values("source_id")
        .annotate(n=Count("pk"), negative=Count("pk", filter=NEGATIVE))
        .order_by("-n", "source_id")
    )
    sources = {
        s.pk: s
        for s in Source.objects.filter(pk__in=[r["source_id"] for r in rows]).only("code", "name", "kind")
    }
    result = []
    for row in rows:
        source = sources.get(row["source_id"])
        kind = source.kind if source else ""
        result.append(
            {
                "id": row["source_id"],
                "code": source.code if source else "",
                "name": source.name if source else str(row["source_id"]),
                "kind": kind,
                "kind_label": str(SourceKind(kind).label) if kind in SourceKind.values else kind,
                "posts": row["n"],
                "negative": row["negative"],
                "negative_share": _share(row["negative"], row["n"]),
            }
        )
    return result


def _source_kinds(sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The sources folded by kind (微博, 微信, 新闻网站 …): the report's pie."""
    kinds: dict[str, dict[str, Any]] = {}
    for row in sources:
        entry = kinds.setdefault(
            row["kind"],
            {"kind": row["kind"], "label": row["kind_label"] or _("其他"), "posts": 0, "negative": 0},
        )
        entry["posts"] += row["posts"]
        entry["negative"] += row["negative"]
    result = sorted(kinds.values(), key=lambda e: (-e["posts"], e["kind"]))
    for entry in result:
        entry["negative_share"] = _share(entry["negative"], entry["posts"])
    return result


def _districts(scope: Scope, top: int) -> list[dict[str, Any]]:
    rows = list(
        scope.posts()
        .values("district")
        .annotate(n=Count("pk"), negative=Count("pk", filter=NEGATIVE))
        .order_by("-n", "district")
    )
    names = district_names([r["district"] for r in rows])
    result = [
        {
            "code": row["district"],
            "name": district_label(row["district"], names),
            "posts": row["n"],
            "negative": row["negative"],
            "negative_share": _share(row["negative"], row["n"]),
        }
        for row in rows
    ]
    return _top_with_rest(result, top, name_key="name", rest_name=_("其他地域"))


def _top_with_rest(
    rows: list[dict[str, Any]], top: int, *, name_key: str, rest_name: str
) -> list[dict[str, Any]]:
    """The first ``top`` rows and one row adding up the rest (so the shares still sum to the total)."""
    if len(rows) <= top:
        return rows
    rest = rows[top:]
    posts = sum(r["posts"] for r in rest)
    negative = sum(r["negative"] for r in rest)
    folded: dict[str, Any] = {key: None for key in rows[0]}
    folded.update(
        {name_key: rest_name, "posts": posts, "negative": negative, "negative_share": _share(negative, posts)}
    )
    folded["rest"] = len(rest)
    return [*rows[:top], folded]


def _event_row(event: Event, counts: Any, names: dict[str, str]) -> dict[str, Any]:
    posts = counts.get("n", 0)
    negative = counts.get("negative", 0)
    return {
        "id": event.pk,
        "title": event.display_title,
        "top_terms": list(event.top_terms or [])[:8],
        "hotness": round(event.hotness, 2),
        "posts": posts,
        "negative": negative,
        "negative_share": _share(negative, posts),
        "total_posts": event.post_count,
        "status": event.status,
        "status_label": str(EventStatus(event.status).label) if event.status in EventStatus.values else "",
        "is_rumor": event.is_rumor,
        "district": event.district,
        "district_name": district_label(event.district, names) if event.district else "",
        "first_seen": _iso(event.first_seen),
        "last_seen": _iso(event.last_seen),
    }


def _events(scope: Scope, top: int, order: str) -> list[dict[str, Any]]:
    """The period's top events: by the posts they had in the period, or by their hotness now."""
    posts = scope.posts().filter(event__isnull=False)
    if order == "hotness":
        events_qs = Event.objects.filter(last_seen__gte=scope.start, first_seen__lt=scope.end)
        if scope.event_id is not None:
            events_qs = events_qs.filter(pk=scope.event_id)
        if scope.district:
            events_qs = events_qs.filter(district=scope.district)
        events = list(events_qs.order_by("-hotness", "-pk")[:top])
        ids = [e.pk for e in events]
        counted: dict[int, Any] = {
            r["event_id"]: r
            for r in posts.filter(event_id__in=ids)
            .values("event_id")
            .annotate(n=Count("pk"), negative=Count("pk", filter=NEGATIVE))
            .order_by()
        }
    else:
        ranked = list(
            posts.values("event_id")
            .annotate(n=Count("pk"), negative=Count("pk", filter=NEGATIVE))
            .order_by("-n", "event_id")[:top]
        )
        counted = {r["event_id"]: r for r in ranked}
        rows = Event.objects.in_bulk([r["event_id"] for r in ranked])
        events = [rows[r["event_id"]] for r in ranked if r["event_id"] in rows]
    names = district_names({e.district for e in events})
    result = [_event_row(e, counted.get(e.pk, {}), names) for e in events]
    _add_assessments(result)
    return result


ASSESSMENT_APP = "gongkai.opinion.response"
ASSESSMENT_MODELS = ("EventCase", "Assessment")


def _assessment_model() -> Any:
    """The response app's per-event model (``EventCase``), or ``None`` when the app is absent."""
    config = next((c for c in apps.get_app_configs() if c.name == ASSESSMENT_APP), None)
    if config is None:
        return None
    for name in ASSESSMENT_MODELS:
        model = next((m for m in config.get_models() if m.__name__ == name), None)
        if model is not None and any(f.name == "event" for f in model._meta.get_fields()):
            return model
    return None


def _add_assessments(rows: list[dict[str, Any]]) -> None:
    """The assessment (研判) of each event — level, state, first responsible department — when the
    response app (``gongkai.opinion.response``) is installed.

    That app is written alongside; its model is found by name and read loosely (whichever of the
    fields it has), so the reports work with or without it and never fail because of it.
    """
    for row in rows:
        row.setdefault("assessment", None)
    if not rows:
        return
    try:
        model = _assessment_model()
        if model is None:
            return
        fields = {f.name for f in model._meta.get_fields()}
        wanted = [name for name in ("level", "status") if name in fields]
        items = model._default_manager.filter(event_id__in=[r["id"] for r in rows]).order_by("pk")
        if "responsible_department" in fields:
            items = items.select_related("responsible_department")
        found: dict[int, dict[str, Any]] = {}
        for item in items:
            entry: dict[str, Any] = {}
            for name in wanted:
                value = getattr(item, name)
                display = getattr(item, f"get_{name}_display", None)
                entry[name] = value
                entry[f"{name}_label"] = str(display()) if callable(display) and value else ""
            department = getattr(item, "responsible_department", None)
            if department is not None:
                entry["department"] = department.short_name or department.name
            found[item.event_id] = entry  # the latest one wins
        for row in rows:
            row["assessment"] = found.get(row["id"])
    except Exception:  # the sibling app is optional and may be mid-change: never break a report
        logger.warning("opinion reports: the assessments could not be read", exc_info=True)


def _topics(scope: Scope, top: int) -> list[dict[str, Any]]:
    links = PostTopic.objects.filter(published_at__gte=scope.start, published_at__lt=scope.end)
    if scope.topic_id is not None:
        links = links.filter(topic_id=scope.topic_id)
    if scope.event_id is not None:
        links = links.filter(post__event_id=scope.event_id)
    if scope.district:
        links = links.filter(post__district=scope.district)
    rows = list(
        links.values("topic_id")
        .annotate(n=Count("pk"), negative=Count("pk", filter=Q(post__sentiment=Sentiment.NEGATIVE)))
        .order_by("-n", "topic_id")[:top]
    )
    names = dict(Topic.objects.filter(pk__in=[r["topic_id"] for r in rows]).values_list("pk", "name"))
    return [
        {
            "id": row["topic_id"],
            "name": names.get(row["topic_id"], str(row["topic_id"])),
            "posts": row["n"],
            "negative": row["negative"],
            "negative_share": _share(row["negative"], row["n"]),
        }
        for row in rows
    ]


def _new_events(scope: Scope) -> int:
    events = Event.objects.filter(first_seen__gte=scope.start, first_seen__lt=scope.end)
    if scope.event_id is not None:
        events = events.filter(pk=scope.event_id)
    if scope.district:
        events = events.filter(district=scope.district)
    if scope.topic_id is not None:
        events = events.filter(pk__in=scope.posts().filter(event__isnull=False).values("event_id"))
    return events.count()


def _scope_description(scope: Scope) -> dict[str, Any]:
    described: dict[str, Any] = {"topic": None, "event": None, "district": None}
    if scope.topic_id is not None:
        topic = Topic.objects.filter(pk=scope.topic_id).only("name").first()
        described["topic"] = {"id": scope.topic_id, "name": topic.name if topic else ""}
    if scope.event_id is not None:
        event = Event.objects.filter(pk=scope.event_id).first()
        if event is not None:
            names = district_names({event.district})
            described["event"] = _event_row(event, {}, names)
            described["event"].pop("posts")
            described["event"].pop("negative")
            described["event"].pop("negative_share")
    if scope.district:
        names = district_names({scope.district})
        described["district"] = {"code": scope.district, "name": district_label(scope.district, names)}
    return described


def statistics(
    *,
    start: datetime.datetime,
    end: datetime.datetime,
    topic_id: int | None = None,
    event_id: int | None = None,
    district: str = "",
    top: int = DEFAULT_TOP,
    events_order: str = "volume",
    granularity: str | None = None,
    previous_shift: datetime.timedelta | None = None,
) -> dict[str, Any]:
    """The statistics of ``[start, end)`` (aware datetimes), optionally of one topic, event, district.

    - ``volume``: posts per hour (periods up to two days) or per local day, by sentiment, every
      bucket present (zeros too);
    - ``totals``: posts, per sentiment, the negative share, rumor candidates, events that started
      in the period, and the previous period of the same length for comparison (环比; or the same
      period ``previous_shift`` earlier);
    - ``sentiment``, ``events`` (top ``top`` by posts in the period or, ``events_order="hotness"``,
      by hotness, each with its negative share and assessment when known), ``sources`` (and
      ``source_kinds``), ``districts`` (names from the departments' codes) and ``topics``.

    Shares are fractions (0.1234), ``None`` when nothing was counted.
    """
    top = max(1, min(int(top), MAX_TOP))
    scope = Scope(start, end, topic_id, event_id, district or "")
    granularity = granularity or periods.granularity_for(start, end)
    volume, totals = _volume(scope, granularity)
    previous = scope.previous(previous_shift).posts().count()
    sources = _sources(scope)
    posts = totals["posts"]
    return {
        "version": SNAPSHOT_VERSION,
        "period": {
            "start": _iso(start),
            "end": _iso(end),
            "granularity": granularity,
            "timezone": str(periods.local_tz()),
        },
        "scope": _scope_description(scope),
        "totals": {
            "posts": posts,
            "positive": totals[Sentiment.POSITIVE],
            "neutral": totals[Sentiment.NEUTRAL],
            "negative": totals[Sentiment.NEGATIVE],
            "negative_share": _share(totals[Sentiment.NEGATIVE], posts),
            "rumor_candidates": totals["rumor_candidates"],
            "new_events": _new_events(scope),
            "previous_posts": previous,
            "change": round((posts - previous) / previous, 4) if previous else None,
        },
        "volume": volume,
        "sentiment": [
            {
                "key": key,
                "label": str(label),
                "count": totals[key],
                "share": _share(totals[key], posts),
            }
            for key, label in Sentiment.choices
        ],
        "events": _events(scope, top, events_order),
        "sources": _top_with_rest(sources, top, name_key="name", rest_name=_("其他来源")),
        "source_kinds": _source_kinds(sources),
        "districts": _districts(scope, top),
        "topics": _topics(scope, top),
        "generated_at": _iso(timezone.now()),
    }


# --- Reports ------------------------------------------------------------------------------------


def may_read_reports(user: Any) -> bool:
    """Analysts and leaders (and whoever an administrator gave the permission to)."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and user.is_staff
        and user.has_perm("opinion_reports.view_report")
    )


def may_write_reports(user: Any) -> bool:
    return may_read_reports(user) and bool(
        user.has_perm("opinion_reports.add_report") and user.has_perm("opinion_reports.change_report")
    )


def may_release_reports(user: Any) -> bool:
    return may_read_reports(user) and bool(user.has_perm("opinion_reports.release_report"))


def report_list(
    *, kind: str | None = None, status: str | None = None, event_id: int | None = None
) -> QuerySet[Report]:
    reports = Report.objects.select_related("event", "released_by")
    if kind:
        reports = reports.filter(kind=kind)
    if status:
        reports = reports.filter(status=status)
    if event_id is not None:
        reports = reports.filter(event_id=event_id)
    return reports.order_by("-period_start", "-pk")


def access_report(user: Any, pk: Any) -> Report:
    """The report, or 404 alike for a missing report and a user who may not read reports."""
    from gongkai.core.parsing import parse_id

    report_pk = parse_id(pk)
    if report_pk is None or not may_read_reports(user):
        raise Http404("report")
    report = (
        Report.objects.select_related("event", "topic", "created_by", "released_by")
        .filter(pk=report_pk)
        .first()
    )
    if report is None:
        raise Http404("report")
    return report


def latest_reports(limit: int = 5) -> dict[str, list[Report]]:
    """The newest reports of each kind (the dashboard's links)."""
    return {
        kind: list(Report.objects.filter(kind=kind).order_by("-period_start", "-pk")[:limit])
        for kind in ReportKind.values
    }


def scheduled_report_exists(kind: str, period_start: datetime.datetime) -> bool:
    return Report.objects.filter(kind=kind, period_start=period_start, scheduled=True).exists()


# --- The leader's dashboard (领导驾驶舱) ------------------------------------------------------------

DASHBOARD_CACHE_SECONDS = 120
DASHBOARD_TOP = 8


def dashboard_data(now: datetime.datetime | None = None, *, use_cache: bool = True) -> dict[str, Any]:
    """Today so far and this week so far (from Monday), each beside the same hours a day (a week)
    before, the week's hottest events with their assessment. Cached for two minutes: every leader
    and analyst opening the dashboard shares one computation."""
    from django.core.cache import cache

    now = now or timezone.now()
    today = now.astimezone(periods.local_tz()).date()
    key = f"opinion_reports:dashboard:{today.isoformat()}"
    if use_cache:
        cached = cache.get(key)
        if cached is not None:
            return cached
    day_start = periods.local_midnight(today)
    week_start, _week_end = periods.week_period(today)
    end = max(now, day_start + datetime.timedelta(seconds=1))
    data = {
        "today": statistics(
            start=day_start,
            end=end,
            granularity=periods.HOUR,
            previous_shift=datetime.timedelta(days=1),
            top=DASHBOARD_TOP,
            events_order="hotness",
        ),
        "week": statistics(
            start=week_start,
            end=end,
            granularity=periods.DAY,
            previous_shift=datetime.timedelta(days=7),
            top=DASHBOARD_TOP,
            events_order="hotness",
        ),
        "computed_at": _iso(now),
    }
    if use_cache:
        cache.set(key, data, DASHBOARD_CACHE_SECONDS)
    return data


__all__ = [
    "ReportStatus",
    "Scope",
    "access_report",
    "district_names",
    "latest_reports",
    "may_read_reports",
    "may_release_reports",
    "may_write_reports",
    "report_list",
    "statistics",
]
