"""Views of the opinion workspace (Wagtail admin, ``/admin/opinion/``).

Thin: access is checked with ``workspace.access``, reads come from ``workspace.feed`` and
``workspace.board``, writes go through ``gongkai.opinion.services`` (which audit them).
"""

from __future__ import annotations

import datetime
import functools
import logging
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongkai.api.errors import ApiError
from gongkai.core.parsing import parse_id
from gongkai.opinion import services
from gongkai.opinion.analysis import rules
from gongkai.opinion.models import Event, EventStatus, Post, PostTopic, Sentiment, Topic
from gongkai.opinion.workspace import access, board, feed, links
from gongkai.opinion.workspace.forms import FeedFilterForm, SentimentForm, TopicForm, rule_marked

logger = logging.getLogger(__name__)

POLL_SECONDS = 15
PREVIEW_POSTS = 1000  # the preview runs the rule over this many of the newest posts
PREVIEW_SHOWN = 30
SNIPPET = 140  # characters of a matched text shown around its first highlight
EVENT_POSTS = 30
BOARD_PER_PAGE = 30


class Denied(Exception):
    """The user has no role for this page: answered 403 by ``workspace_view``."""


def _require(allowed: bool) -> None:
    if not allowed:
        raise Denied


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


def workspace_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A plain 403 page (or JSON body) when the role does not fit, rather than a silent redirect."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Denied:
            if _wants_json(request):
                return JsonResponse(
                    {"code": "permission_denied", "message": _("无权执行此操作。")}, status=403
                )
            return TemplateResponse(
                request, "opinion/workspace/forbidden.html", {"header_title": _("无权访问")}, status=403
            )

    return wrapper


def _back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _nav(active: str) -> dict[str, Any]:
    """The workspace's tabs, with the count of alerts nobody acknowledged yet (one indexed count)."""
    return {
        "nav_active": active,
        "alerts_url": reverse("opinion_workspace:alerts"),
        "alerts_open": links.open_alert_count(),
        "reports_url": links.resolve(links.REPORT_LIST),
    }


def _sentiment_buttons() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in Sentiment.choices]


# --- The live feed ------------------------------------------------------------------------------------


def _feed_form(request: HttpRequest, districts: list[tuple[str, str]]) -> FeedFilterForm:
    params = request.GET.copy()
    for name in ("cursor", "since", "format", "rows"):
        params.pop(name, None)
    bound = any(value for value in params.values())
    return FeedFilterForm(
        params if bound else None,
        topics=access.topics_visible(request.user).order_by("name"),
        districts=districts,
    )


def _filter_query(request: HttpRequest) -> str:
    query = request.GET.copy()
    for name in ("cursor", "since", "format", "rows"):
        query.pop(name, None)
    return query.urlencode()


@workspace_view
@require_GET
def feed_view(request: HttpRequest) -> HttpResponse:
    """舆情信息流: the newest posts matching the filters, a keyset page at a time."""
    _require(access.is_analyst(request.user))
    districts = feed.district_choices()
    form = _feed_form(request, districts)
    data = form.filters()
    cursor = feed.Cursor.decode(request.GET.get("cursor"))
    # Read before the page: a post stored meanwhile is then either on the page or "new", never lost.
    top_id = Post.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    rows, next_cursor = feed.feed_page(data, cursor=cursor)
    feed.decorate(rows, districts=dict(districts))
    query = _filter_query(request)
    return TemplateResponse(
        request,
        "opinion/workspace/feed.html",
        {
            "header_title": _("舆情信息流"),
            "form": form,
            "rows": rows,
            "first_page": cursor is None,
            "next_cursor": next_cursor.encode() if next_cursor else "",
            "query": query,
            "since": top_id,
            "poll_url": reverse("opinion_workspace:feed_new") + (f"?{query}" if query else ""),
            "poll_seconds": POLL_SECONDS,
            "may_correct": access.may_correct_sentiment(request.user),
            "sentiments": _sentiment_buttons(),
            "here": request.get_full_path(),
            **_nav("feed"),
        },
    )


@workspace_view
@require_GET
def feed_new_json(request: HttpRequest) -> JsonResponse:
    """Polled by the feed page: how many posts arrived after ``since``, and their rows as HTML.

    The rows are rendered by the same template as the page (escaped by Django), so the script only
    inserts them; ``since`` in the answer is the id to ask from next time."""
    _require(access.is_analyst(request.user))
    since = parse_id(request.GET.get("since", "")) or 0
    districts = feed.district_choices()
    form = _feed_form(request, districts)
    data = form.filters()
    if form.is_bound and not form.is_valid():
        return JsonResponse({"count": 0, "since": since, "html": ""})
    top_id = Post.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    count = feed.newer_count(data, since_id=since)
    html = ""
    if count and request.GET.get("rows"):
        posts = feed.decorate(feed.newer(data, since_id=since), districts=dict(districts))
        top_id = max([top_id, *(post.pk for post in posts)])
        html = render_to_string(
            "opinion/workspace/_posts.html",
            {
                "rows": posts,
                "new": True,
                "may_correct": access.may_correct_sentiment(request.user),
                "sentiments": _sentiment_buttons(),
                "here": reverse("opinion_workspace:feed"),
            },
            request=request,
        )
    return JsonResponse(
        {
            "count": min(count, feed.NEW_LIMIT),
            "more": count > feed.NEW_LIMIT,
            "since": max(top_id, since) if html or not count else since,
            "html": html,
            "checked_at": timezone.localtime().strftime("%H:%M:%S"),
        }
    )


@workspace_view
@require_POST
def post_sentiment(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a post's sentiment (recorded with who and when; audited by the service)."""
    _require(access.may_correct_sentiment(request.user))
    post = Post.objects.filter(pk=pk).first()
    if post is None:
        raise Http404("not found")
    form = SentimentForm(request.POST)
    back = _back(request, reverse("opinion_workspace:feed"))
    if not form.is_valid():
        if _wants_json(request):
            return JsonResponse({"code": "invalid", "message": _("情感只能是正面、中性或负面。")}, status=400)
        messages.error(request, _("情感只能是正面、中性或负面。"))
        return redirect(back)
    try:
        post = services.post_sentiment_correct(
            post=post, sentiment=form.cleaned_data["sentiment"], actor=request.user, request=request
        )
    except ApiError as exc:
        if _wants_json(request):
            return JsonResponse({"code": exc.code, "message": str(exc)}, status=exc.status)
        messages.error(request, _("未能校正：%(reason)s") % {"reason": str(exc)})
        return redirect(back)
    label = post.get_sentiment_display()
    user: Any = request.user
    corrected = _("%(name)s 于 %(when)s 校正") % {
        "name": user.get_full_name() or user.get_username(),
        "when": timezone.localtime(post.sentiment_corrected_at).strftime("%m-%d %H:%M"),
    }
    if _wants_json(request):
        return JsonResponse({"sentiment": post.sentiment, "label": str(label), "corrected": corrected})
    messages.success(request, _("已将情感校正为“%(label)s”。") % {"label": label})
    return redirect(back)


# --- Topics -----------------------------------------------------------------------------------------


@workspace_view
@require_GET
def topic_list(request: HttpRequest) -> HttpResponse:
    """专题: every topic with its rule, state and the posts it matched in the last 24 hours."""
    _require(access.is_analyst(request.user))
    topics = list(
        access.topics_visible(request.user).select_related("owner_department").order_by("-enabled", "name")
    )
    since = timezone.now() - datetime.timedelta(hours=24)
    counts = dict(
        PostTopic.objects.filter(topic__in=[t.pk for t in topics], published_at__gte=since)
        .values_list("topic_id")
        .annotate(n=Count("pk"))
        .values_list("topic_id", "n")
        .order_by()
    )
    for topic in topics:
        topic.recent = counts.get(topic.pk, 0)  # type: ignore[attr-defined]
    return TemplateResponse(
        request,
        "opinion/workspace/topics.html",
        {
            "header_title": _("专题"),
            "topics": topics,
            "may_add": access.may_add_topics(request.user),
            "may_edit": access.may_edit_topics(request.user),
            **_nav("topics"),
        },
    )


def _snippet(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """The text around the highlights as ``(text, highlighted)`` pieces, at most ``SNIPPET`` chars."""
    start = 0
    if spans and len(text) > SNIPPET:
        start = max(0, min(spans[0][0] - SNIPPET // 4, len(text) - SNIPPET))
    end = min(len(text), start + SNIPPET)
    pieces: list[tuple[str, bool]] = []
    if start > 0:
        pieces.append(("…", False))
    position = start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        span_start, span_end = max(span_start, start), min(span_end, end)
        if span_start > position:
            pieces.append((text[position:span_start], False))
        pieces.append((text[span_start:span_end], True))
        position = span_end
    if position < end:
        pieces.append((text[position:end], False))
    if end < len(text):
        pieces.append(("…", False))
    return pieces


def rule_preview(rule: str, *, limit: int = PREVIEW_POSTS, shown: int = PREVIEW_SHOWN) -> dict[str, Any]:
    """What ``rule`` matches among the newest ``limit`` posts, with the matched terms highlighted.

    ``{"ok": True, "scanned": n, "matched": m, "posts": [...]}`` or ``{"ok": False, "error": {...}}``
    with the position of the mistake."""
    text = (rule or "").replace("\r\n", "\n")
    if not text.strip():
        return {"ok": False, "empty": True, "error": None}
    if len(text) > TopicForm.base_fields["rule"].max_length:  # type: ignore[attr-defined]
        return {
            "ok": False,
            "error": {"position": 0, "message": _("规则太长。"), **rule_marked(text[:80], 80)},
        }
    posts = list(
        Post.objects.filter(duplicate_of__isnull=True)
        .order_by("-published_at", "-pk")
        .values_list("pk", "normalized_text", "published_at", "source__name", "sentiment")[:limit]
    )
    try:
        found = rules.preview(text, [row[1] for row in posts], normalize=feed.text_normalizer())
    except rules.RuleSyntaxError as exc:
        return {
            "ok": False,
            "error": {
                "position": exc.position,
                "number": exc.position + 1,
                "message": exc.message,
                "code": exc.code,
                **rule_marked(text, exc.position),
            },
        }
    labels = dict(Sentiment.choices)
    matches = []
    for index, spans in found[:shown]:
        pk, normalized, published_at, source_name, sentiment = posts[index]
        matches.append(
            {
                "id": pk,
                "pieces": _snippet(normalized, spans),
                "terms": sorted({normalized[a:b] for a, b in spans}),
                "published_at": timezone.localtime(published_at).strftime("%m-%d %H:%M"),
                "source": source_name,
                "sentiment": sentiment,
                "sentiment_label": str(labels.get(sentiment, sentiment)),
            }
        )
    return {"ok": True, "scanned": len(posts), "matched": len(found), "posts": matches}


@workspace_view
@require_http_methods(["GET", "POST"])
def topic_preview_json(request: HttpRequest) -> JsonResponse:
    """The live preview of the topic form: the rule's error with its position, or what it matches."""
    _require(access.is_analyst(request.user))
    rule = request.POST.get("rule") if request.method == "POST" else request.GET.get("rule")
    result = rule_preview(rule or "")
    for match in result.get("posts", []):
        match["pieces"] = [{"text": text, "hit": hit} for text, hit in match["pieces"]]
    return JsonResponse(result)


def _topic_page(
    request: HttpRequest,
    *,
    form: TopicForm,
    topic: Topic | None,
    preview: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    error = None
    if form.rule_error is not None:
        raw = (form.data.get("rule") or "").replace("\r\n", "\n")
        error = {
            "number": form.rule_error.position + 1,
            "message": form.rule_error.message,
            **rule_marked(raw, form.rule_error.position),
        }
    return TemplateResponse(
        request,
        "opinion/workspace/topic_form.html",
        {
            "header_title": topic.name if topic else _("新建专题"),
            "form": form,
            "topic": topic,
            "rule_error": error,
            "preview": preview,
            "preview_url": reverse("opinion_workspace:topic_preview"),
            "preview_posts": PREVIEW_POSTS,
            "may_delete": topic is not None and access.may_delete_topics(request.user),
            **_nav("topics"),
        },
        status=status,
    )


def _save_topic(request: HttpRequest, form: TopicForm, topic: Topic | None) -> Topic | None:
    data = form.cleaned_data
    values = {
        "name": data["name"],
        "rule": data["rule"],
        "description": data["description"],
        "enabled": data["enabled"],
        "owner_department": data["owner_department"],
    }
    try:
        if topic is None:
            return services.topic_create(actor=request.user, request=request, **values)
        return services.topic_update(topic=topic, actor=request.user, request=request, **values)
    except services.TopicRuleError as exc:
        detail = (exc.details or {}).get("rule", {})
        form.rule_error = rules.RuleSyntaxError(
            int(detail.get("position", 0)), detail.get("message", str(exc)), ""
        )
        form.add_error("rule", str(exc))
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            form.add_error(None, exc)
    except ApiError as exc:
        form.add_error(None, str(exc))
    return None


def _topic_edit(request: HttpRequest, topic: Topic | None) -> HttpResponse:
    if request.method == "POST":
        form = TopicForm(request.POST, user=request.user)
        valid = form.is_valid()
        if "preview" in request.POST:  # the Preview button: show what the rule matches, save nothing
            return _topic_page(
                request, form=form, topic=topic, preview=rule_preview(request.POST.get("rule", ""))
            )
        if valid:
            saved = _save_topic(request, form, topic)
            if saved is not None:
                messages.success(
                    request,
                    (_("专题“%(name)s”已创建。") if topic is None else _("专题“%(name)s”已保存。"))
                    % {"name": saved.name},
                )
                return redirect("opinion_workspace:topics")
        return _topic_page(request, form=form, topic=topic, status=400)
    initial = TopicForm.initial_of(topic) if topic is not None else {"enabled": True}
    form = TopicForm(initial=initial, user=request.user)
    preview = rule_preview(topic.rule) if topic is not None else None
    return _topic_page(request, form=form, topic=topic, preview=preview)


@workspace_view
@require_http_methods(["GET", "POST"])
def topic_create(request: HttpRequest) -> HttpResponse:
    _require(access.may_add_topics(request.user))
    return _topic_edit(request, None)


@workspace_view
@require_http_methods(["GET", "POST"])
def topic_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require(access.may_edit_topics(request.user))
    return _topic_edit(request, access.topic_or_404(request.user, pk))


@workspace_view
@require_POST
def topic_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """Enable or disable a topic (``enabled`` = "1" or "0")."""
    _require(access.may_edit_topics(request.user))
    topic = access.topic_or_404(request.user, pk)
    enabled = request.POST.get("enabled") == "1"
    try:
        services.topic_update(topic=topic, actor=request.user, request=request, enabled=enabled)
    except (ValidationError, ApiError) as exc:
        messages.error(
            request, _("未能更改：%(reason)s") % {"reason": "；".join(getattr(exc, "messages", [str(exc)]))}
        )
    else:
        messages.success(
            request,
            (_("专题“%(name)s”已启用。") if enabled else _("专题“%(name)s”已停用。")) % {"name": topic.name},
        )
    return redirect(_back(request, reverse("opinion_workspace:topics")))


@workspace_view
@require_POST
def topic_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require(access.may_delete_topics(request.user))
    topic = access.topic_or_404(request.user, pk)
    name = topic.name
    services.topic_delete(topic=topic, actor=request.user, request=request)
    messages.success(request, _("专题“%(name)s”已删除，已匹配的帖子保留。") % {"name": name})
    return redirect("opinion_workspace:topics")


# --- The event board and the event page ----------------------------------------------------------------


@workspace_view
@require_GET
def event_board(request: HttpRequest) -> HttpResponse:
    """事件看板: open events, hottest first, with volume, negative share, district, rumor flag, trend."""
    _require(access.is_analyst(request.user))
    view = request.GET.get("view", "")
    if view not in board.BOARD_VIEWS:
        view = ""
    districts = feed.district_choices()
    district = request.GET.get("district", "")
    if district not in dict(districts):
        district = ""
    rumor = request.GET.get("rumor") == "1"
    queryset = board.board_events(view=view, district=district, rumor=rumor)
    page = Paginator(queryset, BOARD_PER_PAGE).get_page(request.GET.get("p"))
    events = list(page.object_list)
    trends = board.trends(events)
    names = dict(districts)
    rows = [
        {
            "event": event,
            "trend": trends[event.pk],
            "negative": board.negative_share(event),
            "district": names.get(event.district, event.district),
        }
        for event in events
    ]
    query = request.GET.copy()
    query.pop("p", None)
    return TemplateResponse(
        request,
        "opinion/workspace/board.html",
        {
            "header_title": _("事件看板"),
            "rows": rows,
            "page": page,
            "view": view,
            "views": [
                ("", _("未关闭")),
                ("open", _("待研判")),
                ("assessed", _("已研判")),
                ("closed", _("已关闭")),
            ],
            "districts": districts,
            "district": district,
            "rumor": rumor,
            "query": query.urlencode(),
            "trend_hours": board.TREND_HOURS,
            **_nav("events"),
        },
    )


@workspace_view
@require_GET
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An event: its figures, timeline (posts per hour), top terms, latest posts and the next steps."""
    _require(access.is_analyst(request.user))
    event = Event.objects.filter(pk=pk).first()
    if event is None:
        raise Http404("not found")
    posts = feed.decorate(
        Post.objects.filter(event=event, duplicate_of__isnull=True)
        .select_related("source", "event", "sentiment_corrected_by")
        .order_by("-published_at", "-pk")[:EVENT_POSTS]
    )
    rows = board.timeline(event)
    bars = board.timeline_bars(rows)
    sources = list(
        Post.objects.filter(event=event)
        .values_list("source__name")
        .annotate(n=Count("pk"))
        .values_list("source__name", "n")
        .order_by("-n")[:8]
    )
    return TemplateResponse(
        request,
        "opinion/workspace/event.html",
        {
            "header_title": event.display_title,
            "event": event,
            "negative": board.negative_share(event),
            "district": feed.district_names().get(event.district, event.district),
            "timeline": rows,
            "bars": bars,
            "peak": max((row["count"] for row in rows), default=0),
            "terms": [str(term) for term in (event.top_terms or [])][:20],
            "sentiments": board.sentiment_counts(event),
            "sources": sources,
            "rows": posts,
            "actions": links.event_actions(event.pk),
            "case": links.event_case(event),
            "response_installed": links.RESPONSE_APP,
            "feed_url": reverse("opinion_workspace:feed") + f"?event={event.pk}",
            "may_correct": access.may_correct_sentiment(request.user),
            "sentiment_choices": _sentiment_buttons(),
            "here": request.get_full_path(),
            "closed": event.status == EventStatus.CLOSED,
            **_nav("events"),
        },
    )


# --- Alerts ---------------------------------------------------------------------------------------------

ALERT_VIEWS = {"": _lazy("未确认"), "acknowledged": _lazy("已确认"), "all": _lazy("全部")}
ALERTS_PER_PAGE = 50


def _alert_value(kind: str, value: float) -> str:
    """An alert's figure as people read it: a share in percent, a count or a score as a number."""
    if kind == "negative_share":
        return f"{value * 100:.0f}%" if value <= 1 else f"{value:.0f}%"
    if float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:.1f}"


@workspace_view
@require_GET
def alert_inbox(request: HttpRequest) -> HttpResponse:
    """预警: the alerts the rules fired, newest first; the unacknowledged ones by default."""
    _require(access.is_analyst(request.user))
    if not links.RESPONSE_APP:
        return TemplateResponse(
            request,
            "opinion/workspace/alerts.html",
            {"header_title": _("预警"), "missing": True, **_nav("alerts")},
        )
    from gongkai.opinion.response.models import Alert, AlertKind

    view = request.GET.get("view", "")
    if view not in ALERT_VIEWS:
        view = ""
    kind = request.GET.get("kind", "")
    if kind not in AlertKind.values:
        kind = ""
    queryset = Alert.objects.select_related("event", "acknowledged_by")
    if view == "":
        queryset = queryset.filter(acknowledged_at__isnull=True)
    elif view == "acknowledged":
        queryset = queryset.filter(acknowledged_at__isnull=False)
    if kind:
        queryset = queryset.filter(kind=kind)
    page = Paginator(queryset.order_by("-fired_at", "-pk"), ALERTS_PER_PAGE).get_page(request.GET.get("p"))
    rows = [
        {
            "alert": alert,
            "value": _alert_value(alert.kind, alert.value),
            "threshold": _alert_value(alert.kind, alert.threshold),
        }
        for alert in page.object_list
    ]
    query = request.GET.copy()
    query.pop("p", None)
    return TemplateResponse(
        request,
        "opinion/workspace/alerts.html",
        {
            "header_title": _("预警"),
            "rows": rows,
            "page": page,
            "view": view,
            "views": list(ALERT_VIEWS.items()),
            "kind": kind,
            "kinds": AlertKind.choices,
            "query": query.urlencode(),
            "may_acknowledge": access.may_acknowledge_alerts(request.user),
            "here": request.get_full_path(),
            **_nav("alerts"),
        },
    )


@workspace_view
@require_POST
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """Acknowledge one alert through the response service (audited there); twice is refused."""
    _require(access.may_acknowledge_alerts(request.user) and links.RESPONSE_APP)
    from gongkai.opinion.response import services as response_services
    from gongkai.opinion.response.models import Alert

    alert = Alert.objects.filter(pk=pk).first()
    if alert is None:
        raise Http404("not found")
    back = _back(request, reverse("opinion_workspace:alerts"))
    try:
        response_services.alert_acknowledge(alert=alert, actor=request.user, request=request)
    except ApiError as exc:
        if _wants_json(request):
            return JsonResponse({"code": exc.code, "message": str(exc)}, status=exc.status)
        messages.warning(request, str(exc))
        return redirect(back)
    if _wants_json(request):
        return JsonResponse({"acknowledged": True})
    messages.success(request, _("已确认预警：%(alert)s。") % {"alert": alert.get_kind_display()})
    return redirect(back)


# --- Home ----------------------------------------------------------------------------------------------


@workspace_view
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    _require(access.is_analyst(request.user))
    return redirect("opinion_workspace:feed")
