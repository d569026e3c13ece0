"""Reads of the response loop: who is on duty, what the alert rules observe, clocks, suggestions,
the rumor's volume around its clarification, and what each user may see."""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from gongkai.accounts.models import Department
from gongkai.accounts.roles import user_has_role
from gongkai.opinion.analysis.hotness import HotnessTracker, SpikeDetector
from gongkai.opinion.models import (
    ClustererState,
    Event,
    Post,
    PostTopic,
    SensitiveLevel,
    SensitiveWord,
    Topic,
)
from gongkai.opinion.response.models import (
    DUE_SOON_HOURS,
    AlertKind,
    AnalystDuty,
    CaseStatus,
    EventCase,
    Forwarding,
    ResponseClock,
)
from gongkai.opinion.response.workflow import is_department_user, is_opinion_staff, may_read_cases

CHUNK = 1000


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# --- Who is on duty ----------------------------------------------------------------------------------


def on_duty_users(*, at: datetime.datetime | None = None) -> list[Any]:
    """The active users on the duty roster at ``at``; if nobody is, every active opinion analyst
    (an alert must reach someone)."""
    at = at or timezone.now()
    User = get_user_model()
    ids = AnalystDuty.objects.filter(starts_at__lte=at, ends_at__gt=at).values_list("user_id", flat=True)
    users = list(User.objects.filter(pk__in=list(ids), is_active=True).order_by("username"))
    if users:
        return users
    return list(
        User.objects.filter(is_active=True, groups__role__code="opinion_analyst")
        .distinct()
        .order_by("username")
    )


def department_users(department: Department) -> list[Any]:
    """The handlers and approvers of ``department`` (who answer a forwarding)."""
    User = get_user_model()
    return list(
        User.objects.filter(
            is_active=True, department=department, groups__role__code__in=("handler", "approver")
        )
        .distinct()
        .order_by("username")
    )


def leaders() -> list[Any]:
    User = get_user_model()
    return list(
        User.objects.filter(is_active=True, groups__role__code="leader").distinct().order_by("username")
    )


# --- What the alert rules observe --------------------------------------------------------------------


@dataclass
class Observed:
    """Observations for ``AlertEvaluator.evaluate``: ``values[(kind, event_id)]``, the topics of each
    event (for topic-scoped rules) and the events themselves."""

    values: dict[tuple[str, int | str], float]
    topics: dict[int | str, list[int]]
    events: dict[int, Event]


def _stage_options(stage: str) -> dict[str, Any]:
    return dict(_setting("GONGKAI_OPINION_STAGE_OPTIONS", {}).get(stage, {}))


def decayed_hotness(event: Event, now: datetime.datetime) -> float:
    """The event's stored hotness (computed by the pipeline when its last batch came in, at
    ``updated_at``) decayed to ``now`` with the hotness half-life (``hotness.hotness``'s age factor)."""
    half_life = float(_stage_options("hotness").get("half_life_hours", 12.0))
    age_hours = max((now - event.updated_at).total_seconds(), 0.0) / 3600.0
    return float(event.hotness) * 2.0 ** (-age_hours / half_life)


def _hotness_values(events: dict[int, Event], now: datetime.datetime) -> dict[int, float]:
    """Each event's hotness at ``now``, as the opinion app's ``events_refresh_hotness`` computes it:
    from the hotness tracker its pipeline slot saved (``ClustererState``), scored at ``now``; an
    event the tracker forgot has gone cold (0). An event updated after its slot's last save (or
    of no saved slot) has its stored value, the batch's, decayed since the batch. Only the
    ``hotness`` part of each saved state is read."""
    from gongkai.opinion.pipeline import KEY_BITS

    options = _stage_options("hotness")
    slots: dict[int, tuple[datetime.datetime, HotnessTracker]] = {}
    for pk, part, saved_at in ClustererState.objects.values_list("pk", "state__hotness", "updated_at"):
        if not part:
            continue
        tracker = HotnessTracker(**options)
        try:
            tracker.load(part)
        except (ValueError, KeyError, TypeError, IndexError):
            continue
        slots[pk] = (saved_at, tracker)
    stamp = now.timestamp()
    values = {}
    for pk, event in events.items():
        slot = slots.get(event.key >> KEY_BITS)
        if slot is None or event.updated_at > slot[0]:
            values[pk] = decayed_hotness(event, now)
        else:
            values[pk] = float(slot[1].score(event.key, stamp))
    return values


def _bucket_sql(first: datetime.datetime, size: float) -> tuple[str, list[Any]]:
    """SQL for the bucket index of a post: whole ``size``-second steps since ``first``."""
    column = f"{connection.ops.quote_name(Post._meta.db_table)}.{connection.ops.quote_name('published_at')}"
    if connection.vendor == "postgresql":
        return f"FLOOR((EXTRACT(EPOCH FROM {column}) - %s) / %s)", [first.timestamp(), size]
    # SQLite keeps UTC text; julianday() reads it (to about a tenth of a millisecond).
    return f"CAST(((julianday({column}) - 2440587.5) * 86400.0 - %s) / %s AS INTEGER)", [
        first.timestamp(),
        size,
    ]


def _spike_values(event_ids: list[int], now: datetime.datetime) -> dict[int, float]:
    """The z-score of each event's posts in the last bucket (10 minutes) against the buckets before
    it, through ``hotness.SpikeDetector``. The buckets end at ``now`` (a sliding window), so the
    current bucket is always a whole one and a burst cannot re-arm its rule by crossing a bucket
    boundary. Events without enough posts in the last bucket observe 0. One ``GROUP BY (event,
    bucket)`` over the posts of the last ``history + 1`` buckets."""
    options = _stage_options("spikes")
    bucket = float(options.get("bucket_seconds", 600.0))
    history = int(_setting("GONGKAI_OPINION_SPIKE_HISTORY_BUCKETS", 36))
    first = now - datetime.timedelta(seconds=bucket * (history + 1))
    sql, params = _bucket_sql(first, bucket)
    counts: dict[int, list[int]] = {}
    for chunk in _chunks(event_ids):
        rows = (
            Post.objects.filter(event_id__in=chunk, published_at__gte=first, published_at__lt=now)
            .annotate(bucket=RawSQL(sql, params))  # noqa: S611 (no user input: two numbers)
            .order_by()
            .values_list("event_id", "bucket")
            .annotate(n=Count("pk"))
        )
        for event_id, index, n in rows:
            position = min(max(int(index), 0), history)  # float rounding at the edges
            counts.setdefault(event_id, [0] * (history + 1))[position] += n
    values = dict.fromkeys(event_ids, 0.0)
    min_count = float(options.get("min_count", 10.0))
    for key, per_bucket in counts.items():
        if per_bucket[-1] < min_count:  # too few posts now to be a spike, whatever came before
            continue
        detector = SpikeDetector(
            bucket_seconds=bucket,
            alpha=float(options.get("alpha", 0.05)),
            min_count=min_count,
            z_threshold=-math.inf,  # the rules hold the thresholds; observe every z
        )
        for i, n in enumerate(per_bucket):
            detector.add(key, i * bucket, n)
        spike = detector.check(key, history * bucket)
        values[key] = float(spike.z) if spike is not None else 0.0
    return values


def _sensitive_values(event_ids: list[int], since: datetime.datetime) -> dict[int, float]:
    """Posts of each event since ``since`` carrying a word of level 警示 or 严重 (notices only
    mark posts for reading, they do not alert)."""
    words = set(
        SensitiveWord.objects.filter(
            enabled=True, level__in=(SensitiveLevel.WARNING, SensitiveLevel.SEVERE)
        ).values_list("word", flat=True)
    )
    values = dict.fromkeys(event_ids, 0.0)
    if not words:
        return values
    for chunk in _chunks(event_ids):
        rows = (
            Post.objects.filter(event_id__in=chunk, published_at__gte=since)
            .exclude(sensitive_words=[])
            .values_list("event_id", "sensitive_words")
        )
        for event_id, found in rows:
            if isinstance(found, list) and words.intersection(str(w) for w in found):
                values[event_id] += 1.0
    return values


def _event_topics(event_ids: list[int], since: datetime.datetime) -> dict[int | str, list[int]]:
    topics: dict[int, set[int]] = defaultdict(set)
    for chunk in _chunks(event_ids):
        rows = (
            PostTopic.objects.filter(post__event_id__in=chunk, published_at__gte=since)
            .values_list("post__event_id", "topic_id")
            .distinct()
        )
        for event_id, topic_id in rows:
            topics[event_id].add(topic_id)
    return {event_id: sorted(ids) for event_id, ids in topics.items()}


def alert_observations(
    *, now: datetime.datetime, kinds: Iterable[str], with_topics: bool = False
) -> Observed:
    """What the rules of ``kinds`` observe at ``now`` on the stored events active in the window
    (``GONGKAI_OPINION_ALERT_WINDOW_HOURS``, 48; at most ``GONGKAI_OPINION_ALERT_MAX_EVENTS``, the
    hottest first). Every kind is computed only if a rule needs it:

    - ``hotness``: ``_hotness_values`` (the saved tracker's score at ``now``);
    - ``spike``: ``_spike_values`` (z-score of the last 10 minutes);
    - ``negative_share``: negative posts / posts, with ``("volume", event)`` = posts, so that the
      evaluator ignores shares over fewer than its minimum volume;
    - ``sensitive``: ``_sensitive_values`` over the window;
    - ``rumor``: the event's rumor-candidate posts.
    """
    kinds = set(kinds)
    window = float(_setting("GONGKAI_OPINION_ALERT_WINDOW_HOURS", 48))
    limit = int(_setting("GONGKAI_OPINION_ALERT_MAX_EVENTS", 5000))
    since = now - datetime.timedelta(hours=window)
    events = {
        event.pk: event
        for event in Event.objects.filter(last_seen__gte=since)
        .defer("top_terms")
        .order_by("-hotness", "-pk")[:limit]
    }
    values: dict[tuple[str, int | str], float] = {}
    ids = list(events)
    if not ids or not kinds:
        return Observed(values=values, topics={}, events=events)
    if AlertKind.HOTNESS in kinds:
        for pk, hot in _hotness_values(events, now).items():
            values[(AlertKind.HOTNESS, pk)] = hot
    for pk, event in events.items():
        if AlertKind.NEGATIVE_SHARE in kinds and event.post_count:
            values[(AlertKind.NEGATIVE_SHARE, pk)] = event.negative_count / event.post_count
            values[("volume", pk)] = float(event.post_count)
        if AlertKind.RUMOR in kinds:
            values[(AlertKind.RUMOR, pk)] = float(event.rumor_candidate_count)
    if AlertKind.SPIKE in kinds:
        for pk, z in _spike_values(ids, now).items():
            values[(AlertKind.SPIKE, pk)] = z
    if AlertKind.SENSITIVE in kinds:
        for pk, count in _sensitive_values(ids, since).items():
            values[(AlertKind.SENSITIVE, pk)] = count
    topics = _event_topics(ids, since) if with_topics else {}
    return Observed(values=values, topics=topics, events=events)


# --- Cases: clocks, suggestions -------------------------------------------------------------------------


def clock_state(clock: ResponseClock, now: datetime.datetime) -> str:
    """``met`` / ``met_late`` / ``cancelled`` / ``overdue`` / ``due_soon`` / ``running``."""
    if clock.met_at is not None:
        return "met" if clock.met_at <= clock.due_at else "met_late"
    if clock.cancelled_at is not None:
        return "cancelled"
    if now >= clock.due_at:
        return "overdue"
    if now >= clock.due_at - datetime.timedelta(hours=DUE_SOON_HOURS[clock.kind]):
        return "due_soon"
    return "running"


def case_clocks(case: EventCase, *, all_rounds: bool = False) -> list[ResponseClock]:
    clocks = case.clocks.all() if all_rounds else case.clocks.filter(round=case.round)
    return list(clocks.order_by("round", "due_at", "pk"))


def running_clocks() -> QuerySet[ResponseClock]:
    """Clocks of the current round of open cases, neither met nor cancelled (what the sweep looks at)."""
    from django.db.models import F

    return ResponseClock.objects.filter(
        met_at__isnull=True,
        cancelled_at__isnull=True,
        case__status__in=[s for s in CaseStatus.values if s != CaseStatus.CLOSED],
        round=F("case__round"),
    )


def suggest_departments(event: Event) -> list[dict[str, Any]]:
    """Who should answer first (属地管理、谁主管谁负责): the government of the event's district
    (属地), then the departments that own the topics its posts matched (主管). The analyst may
    choose any other department."""
    found: list[dict[str, Any]] = []
    seen: set[int] = set()
    if event.district:
        local = Department.objects.filter(code=event.district, is_active=True).first()
        if local is not None:
            found.append({"department": local, "reason": "local"})
            seen.add(local.pk)
    topic_ids = (
        PostTopic.objects.filter(post__event_id=event.pk).values_list("topic_id", flat=True).distinct()[:50]
    )
    owners = (
        Topic.objects.filter(
            pk__in=list(topic_ids), owner_department__isnull=False, owner_department__is_active=True
        )
        .select_related("owner_department")
        .order_by("name")
    )
    for topic in owners:
        department = topic.owner_department
        assert department is not None
        if department.pk not in seen:
            found.append({"department": department, "reason": "topic", "topic": topic.name})
            seen.add(department.pk)
    return found


def case_list(
    *, status: str | None = None, overdue: bool | None = None, now: datetime.datetime | None = None
) -> QuerySet[EventCase]:
    now = now or timezone.now()
    queryset = EventCase.objects.select_related("event", "responsible_department")
    if status:
        queryset = queryset.filter(status=status)
    if overdue is not None:
        late = running_clocks().filter(due_at__lte=now).values("case_id")
        queryset = queryset.filter(pk__in=late) if overdue else queryset.exclude(pk__in=late)
    return queryset.order_by("-updated_at", "-pk")


# --- Forwardings: who sees which ----------------------------------------------------------------------


def forwardings_visible(user: Any) -> QuerySet[Forwarding]:
    """Opinion staff and leaders see every forwarding; a department's handlers and approvers see
    the forwardings sent to their department and the departments under it; others none."""
    queryset = Forwarding.objects.select_related("case__event", "department", "work_order")
    if may_read_cases(user):
        return queryset
    if is_department_user(user):
        department = user.department
        if department is not None and department.path:
            return queryset.filter(department__path__startswith=department.path)
    return queryset.none()


def may_list_forwardings(user: Any) -> bool:
    return may_read_cases(user) or is_department_user(user)


def may_manage_rules(user: Any) -> bool:
    """Alert rules and the duty roster: opinion staff (the office keeps its own roster)."""
    return is_opinion_staff(user) and (user.is_superuser or user_has_role(user, "opinion_analyst"))


# --- The rumor's volume around its clarification ------------------------------------------------------


@dataclass
class VolumeSeries:
    published_at: datetime.datetime
    hours: int
    before: list[dict[str, Any]]
    after: list[dict[str, Any]]
    before_per_hour: float
    after_per_hour: float
    change: float | None  # (after − before) / before; None when there was nothing before
    before_hours: float
    after_hours: float


def rumor_volume(
    case: EventCase, *, hours: int = 24, now: datetime.datetime | None = None
) -> VolumeSeries | None:
    """Posts per hour of the rumor's event in the ``hours`` before and after its clarification was
    published (buckets aligned on the publication time), the mean rates and their relative change.

    The "before" rate is over the hours the event existed (from its first post) within the window,
    the "after" rate over the hours elapsed since publication (at most ``hours``). ``None`` when no
    published clarification is linked.
    """
    page = case.clarification
    if page is None or page.first_published_at is None:
        return None
    now = now or timezone.now()
    published = page.first_published_at
    hour = datetime.timedelta(hours=1)
    starts = [published + hour * offset for offset in range(-hours, hours)]
    aggregates: dict[str, Any] = {}
    for i, start in enumerate(starts):
        window = Q(published_at__gte=start, published_at__lt=start + hour)
        aggregates[f"p{i}"] = Count("pk", filter=window)
        aggregates[f"r{i}"] = Count("pk", filter=window & Q(rumor_candidate=True))
    counts = Post.objects.filter(
        event_id=case.event_id, published_at__gte=starts[0], published_at__lt=published + hour * hours
    ).aggregate(**aggregates)

    def bucket(i: int, start: datetime.datetime) -> dict[str, Any]:
        return {
            "start": start,
            "offset_hours": i - hours,
            "posts": int(counts[f"p{i}"] or 0),
            "rumor_candidates": int(counts[f"r{i}"] or 0),
        }

    before = [bucket(i, start) for i, start in enumerate(starts[:hours])]
    after = [bucket(hours + i, start) for i, start in enumerate(starts[hours:]) if start < now]
    first_seen = case.event.first_seen
    before_from = max(starts[0], min(first_seen, published))
    before_hours = max((published - before_from).total_seconds() / 3600.0, 0.0)
    after_hours = min(max((now - published).total_seconds() / 3600.0, 0.0), float(hours))
    before_total = sum(b["posts"] for b in before)
    after_total = sum(b["posts"] for b in after)
    before_rate = before_total / before_hours if before_hours > 0 else 0.0
    after_rate = after_total / after_hours if after_hours > 0 else 0.0
    change = (after_rate - before_rate) / before_rate if before_rate > 0 and after_hours > 0 else None
    return VolumeSeries(
        published_at=published,
        hours=hours,
        before=before,
        after=after,
        before_per_hour=round(before_rate, 3),
        after_per_hour=round(after_rate, 3),
        change=round(change, 4) if change is not None else None,
        before_hours=round(before_hours, 3),
        after_hours=round(after_hours, 3),
    )
