"""The opinion monitor's REST API under /api/v1/opinion/.

- ``POST /ingest``: licensed data vendors push batches of up to 5,000 posts with their client key
  (``Authorization: Bearer gko_…``, an :class:`IngestClient`, not a staff token). Each post is
  checked on its own: the bad ones are reported by index with the reason and the others are taken;
  a resent batch creates nothing twice. Quotas per client, posts per minute and per day: a batch
  over quota is refused whole (429, ``Retry-After``) and not counted.
- Staff (the opinion analyst role): the feed with filters, one post, a sentiment correction, the
  event board, topics (专题) with a preview of what a rule matches among recent posts, sources.
- Administrators: vendors' clients (the key is shown once, when created).

Thin endpoints: parse, check access (``selectors.may_analyse``), call one service or selector,
serialize. No ``from __future__ import annotations``: django-ninja needs the real annotations.
"""

import json
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja import Status as Reply
from ninja.security import HttpBearer

from gongkai.accounts.models import Department
from gongkai.api.errors import ApiError, Conflict, NotFound, PermissionDenied
from gongkai.api.types import Id
from gongkai.opinion import selectors, services
from gongkai.opinion.api_schemas import (
    INGEST_BODY_SCHEMA,
    ClientCreatedOut,
    ClientIn,
    ClientOut,
    EventFilter,
    EventOut,
    EventPageOut,
    IngestOut,
    PostDetailOut,
    PostFilter,
    PostPageOut,
    PreviewIn,
    PreviewOut,
    SentimentIn,
    SourceOut,
    TopicIn,
    TopicOut,
    TopicPatchIn,
)
from gongkai.opinion.models import Event, IngestClient, Post, Topic
from gongkai.opinion.validation import PostProblem, raw_post_parse

router = Router(tags=["opinion"])


class IngestKeyAuth(HttpBearer):
    """``Authorization: Bearer gko_…`` — the key of an active ingest client; ``request.auth`` is the client."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> IngestClient | None:
        return services.ingest_client_authenticate(token)


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied()


def _analyst(request: HttpRequest) -> Any:
    user = _user(request)
    _require(selectors.may_analyse(user))
    return user


# --- Ingest ------------------------------------------------------------------------------------------


def _max_body() -> int:
    return int(getattr(settings, "GONGKAI_OPINION_INGEST_MAX_BYTES", 32 * 1024 * 1024))


def _read_batch(request: HttpRequest) -> list[Any]:
    """The ``posts`` of the body, read within ``GONGKAI_OPINION_INGEST_MAX_BYTES`` (32 MB: 5,000 long
    posts; Django's own 5 MB limit for request bodies is meant for forms)."""
    limit = _max_body()
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise ApiError(
            _("请求体过大：最多 %(mb)s MB。") % {"mb": limit // (1024 * 1024)},
            code="body_too_large",
            status=413,
        )
    raw = request.read(limit + 1)
    if len(raw) > limit:
        raise ApiError(
            _("请求体过大：最多 %(mb)s MB。") % {"mb": limit // (1024 * 1024)},
            code="body_too_large",
            status=413,
        )
    try:
        body = json.loads(raw or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ApiError(
            _("请求体不是有效的 JSON。"), code="malformed_json", details={"error": str(exc)[:200]}
        ) from exc
    if not isinstance(body, dict) or not isinstance(body.get("posts"), list) or set(body) != {"posts"}:
        raise ApiError(
            _('请求体须为 {"posts": [...]}。'),
            code="validation_error",
            status=422,
            details=[
                {"field": "posts", "type": "missing", "message": "a JSON object with the list posts only"}
            ],
        )
    posts = body["posts"]
    if not posts:
        raise ApiError(_("posts 不能为空。"), code="validation_error", status=422)
    if len(posts) > services.MAX_BATCH:
        raise ApiError(
            _("每批最多 %(max)s 条，本批 %(count)s 条。") % {"max": services.MAX_BATCH, "count": len(posts)},
            code="batch_too_large",
            status=422,
        )
    return posts


def _quota_refused(request: HttpRequest, refusal: services.QuotaRefusal) -> HttpResponse:
    from gongkai.api.router import api

    window = _("每分钟") if refusal.window == "minute" else _("每天")
    if refusal.batch_too_large:
        body = {
            "code": "batch_over_quota",
            "message": _("本批条数超过%(window)s配额 %(limit)s 条，请分成更小的批次。")
            % {"window": window, "limit": refusal.limit},
            "details": {"window": refusal.window, "limit": refusal.limit},
        }
        return api.create_response(request, body, status=422)
    body = {
        "code": "quota_exceeded",
        "message": _(
            "已超过接入配额（%(window)s %(limit)s 条，剩余 %(remaining)s 条），请 %(seconds)s 秒后再试。"
        )
        % {
            "window": window,
            "limit": refusal.limit,
            "remaining": refusal.remaining,
            "seconds": refusal.retry_after,
        },
        "details": {
            "window": refusal.window,
            "limit": refusal.limit,
            "remaining": refusal.remaining,
            "retry_after": refusal.retry_after,
        },
    }
    response = api.create_response(request, body, status=429)
    response["Retry-After"] = str(refusal.retry_after)
    return response


@router.post(
    "/ingest",
    auth=IngestKeyAuth(),
    throttle=[],
    response={200: IngestOut},
    summary="推送帖子 / Push a batch of posts (data vendors)",
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": INGEST_BODY_SCHEMA}}}
    },
)
def ingest(request: HttpRequest):
    """A batch of at most 5,000 posts of the client's source. Posts are idempotent by
    ``external_id``: resending a batch (after a timeout, say) stores nothing twice. Each bad post
    is listed in ``errors`` with its index and the reason; the others are taken. Quotas count the
    posts of each batch (valid or not), per minute and per day (Beijing time); a batch over quota
    is refused whole with 429 and ``Retry-After``, and not counted."""
    client: IngestClient = _user(request)
    if not client.source.enabled:
        raise Conflict(_("该来源已停用，暂不接收数据。"), code="source_disabled")
    items = _read_batch(request)
    refusal = services.ingest_quota_take(client, len(items))
    if refusal is not None:
        return _quota_refused(request, refusal)
    posts = []
    positions = []
    problems: list[PostProblem] = []
    source_code = client.source.code
    for index, item in enumerate(items):
        parsed = raw_post_parse(item, source_code=source_code, index=index)
        if isinstance(parsed, PostProblem):
            problems.append(parsed)
        else:
            posts.append(parsed)
            positions.append(index)
    result = services.ingest_posts(client.source, posts)
    for problem in result.errors:
        problem.index = positions[problem.index]
    problems.extend(result.errors)
    problems.sort(key=lambda problem: problem.index)
    return {
        "received": len(items),
        "created": result.created,
        "duplicates_skipped": result.duplicates_skipped,
        "rejected": len(problems),
        "errors": [problem.as_dict() for problem in problems],
    }


# --- Posts -------------------------------------------------------------------------------------------


def _post_out(post: Post) -> dict:
    return {
        "id": post.pk,
        "source": post.source.code,
        "external_id": post.external_id,
        "kind": post.kind,
        "author": post.author,
        "followers": post.followers,
        "verified": post.verified,
        "title": post.title,
        "text": post.text,
        "url": post.url,
        "published_at": post.published_at,
        "reposts": post.reposts,
        "comments": post.comments,
        "likes": post.likes,
        "place": post.place,
        "district": post.district,
        "sentiment": post.sentiment,
        "negative_probability": post.negative_probability,
        "sentiment_corrected": post.sentiment_corrected_at is not None,
        "rumor_candidate": post.rumor_candidate,
        "sensitive_words": list(post.sensitive_words or []),
        "topics": [{"id": topic.pk, "name": topic.name} for topic in post.topics.all()],
        "event": post.event_id,
        "duplicate_of": post.duplicate_of_id,
    }


def _post_detail(post: Post) -> dict:
    corrector = post.sentiment_corrected_by
    return {
        **_post_out(post),
        "author_id": post.author_id,
        "parent_external_id": post.parent_external_id,
        "normalized_text": post.normalized_text,
        "ingested_at": post.ingested_at,
        "fingerprint": post.fingerprint,
        "sentiment_corrected_by": (corrector.get_full_name() or corrector.get_username())
        if corrector
        else "",
        "sentiment_corrected_at": post.sentiment_corrected_at,
    }


@router.get("/posts", response=PostPageOut, summary="舆情信息流 / The feed")
def post_list(request: HttpRequest, filters: Query[PostFilter]):
    """Newest first; ``next_cursor`` gives the next page. ``since``/``until`` bound the publication time."""
    _analyst(request)
    cursor = None
    if filters.cursor:
        cursor = selectors.parse_feed_cursor(filters.cursor)
        if cursor is None:
            raise ApiError(_("分页参数无效。"), code="validation_error", status=422)
    rows, next_cursor = selectors.post_list(
        source=filters.source,
        topic=filters.topic,
        sentiment=filters.sentiment,
        district=filters.district,
        event=filters.event,
        rumor_candidate=filters.rumor_candidate,
        since=filters.since,
        until=filters.until,
        q=filters.q,
        cursor=cursor,
        limit=filters.limit,
    )
    return {"results": [_post_out(post) for post in rows], "next_cursor": next_cursor}


def _post(post_id: int) -> Post:
    post = selectors.post_get(post_id)
    if post is None:
        raise NotFound()
    return post


@router.get("/posts/{post_id}", response=PostDetailOut, summary="帖子详情 / One post")
def post_detail(request: HttpRequest, post_id: Id):
    _analyst(request)
    return _post_detail(_post(post_id))


@router.post(
    "/posts/{post_id}/sentiment", response=PostDetailOut, summary="校正情感 / Correct a post's sentiment"
)
def post_sentiment(request: HttpRequest, post_id: Id, payload: SentimentIn):
    """The analyst's sentiment replaces the model's (kept for retraining); the event's negative count follows."""
    user = _analyst(request)
    post = _post(post_id)
    services.post_sentiment_correct(post=post, sentiment=payload.sentiment, actor=user, request=request)
    return _post_detail(_post(post_id))


@router.get("/sources", response=list[SourceOut], summary="舆情来源 / Sources")
def source_list(request: HttpRequest):
    _analyst(request)
    return list(selectors.sources())


# --- Events ------------------------------------------------------------------------------------------


def _event_out(event: Event) -> dict:
    return {
        "id": event.pk,
        "key": event.key,
        "title": event.display_title,
        "label": event.label,
        "top_terms": list(event.top_terms or []),
        "first_seen": event.first_seen,
        "last_seen": event.last_seen,
        "post_count": event.post_count,
        "negative_count": event.negative_count,
        "negative_share": round(event.negative_count / event.post_count, 4) if event.post_count else 0.0,
        "rumor_candidate_count": event.rumor_candidate_count,
        "hotness": round(event.hotness, 2),
        "district": event.district,
        "status": event.status,
        "status_label": str(event.get_status_display()),
        "is_rumor": event.is_rumor,
    }


@router.get("/events", response=EventPageOut, summary="事件看板 / The event board")
def event_list(request: HttpRequest, filters: Query[EventFilter]):
    """Hottest first (``order=hot``) or most recently active first (``order=recent``)."""
    _analyst(request)
    queryset = selectors.event_list(
        status=filters.status,
        district=filters.district,
        min_posts=filters.min_posts,
        since=filters.since,
        q=filters.q,
        order=filters.order,
    )
    start = (filters.page - 1) * filters.page_size
    return {
        "count": queryset.count(),
        "page": filters.page,
        "page_size": filters.page_size,
        "results": [_event_out(event) for event in queryset[start : start + filters.page_size]],
    }


@router.get("/events/{event_id}", response=EventOut, summary="事件详情 / One event")
def event_detail(request: HttpRequest, event_id: Id):
    """The event; its posts are ``GET /opinion/posts?event=<id>``."""
    _analyst(request)
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        raise NotFound()
    return _event_out(event)


# --- Topics ------------------------------------------------------------------------------------------


def _topic_out(topic: Topic) -> dict:
    creator = topic.created_by
    return {
        "id": topic.pk,
        "name": topic.name,
        "rule": topic.rule,
        "description": topic.description,
        "enabled": topic.enabled,
        "owner_department": topic.owner_department.code if topic.owner_department else None,
        "created_by": (creator.get_full_name() or creator.get_username()) if creator else "",
        "created_at": topic.created_at,
        "updated_at": topic.updated_at,
    }


def _department(code: str | None) -> Department | None:
    if not code:
        return None
    department = Department.objects.filter(code=code, is_active=True).first()
    if department is None:
        raise ApiError(
            _("没有代码为 %(code)s 的机构。") % {"code": code},
            code="validation_error",
            status=422,
            details={"owner_department": [_("没有这个机构。")]},
        )
    return department


def _topic(topic_id: int) -> Topic:
    topic = selectors.topic_list().filter(pk=topic_id).first()
    if topic is None:
        raise NotFound()
    return topic


@router.get("/topics", response=list[TopicOut], summary="舆情专题 / Topics")
def topic_list(request: HttpRequest):
    _analyst(request)
    return [_topic_out(topic) for topic in selectors.topic_list()]


@router.post("/topics", response={201: TopicOut}, summary="新建专题 / Create a topic")
def topic_create(request: HttpRequest, payload: TopicIn):
    """A rule that does not parse is refused (422 ``invalid_rule``) with the position of the mistake
    in ``details.rule.position`` (0-based) and the reason."""
    user = _analyst(request)
    topic = services.topic_create(
        actor=user,
        name=payload.name,
        rule=payload.rule,
        description=payload.description,
        enabled=payload.enabled,
        owner_department=_department(payload.owner_department),
        request=request,
    )
    return Reply(201, _topic_out(_topic(topic.pk)))


@router.post(
    "/topics/preview", response=PreviewOut, summary="规则预览 / What a rule matches among recent posts"
)
def topic_preview(request: HttpRequest, payload: PreviewIn):
    """Runs the rule over the ``scan`` most recent posts and returns up to ``limit`` matches with the
    spans to highlight. A bad rule is refused like on create (422 ``invalid_rule`` with its position)."""
    _analyst(request)
    rule = services.topic_rule_check(payload.rule)
    scanned, matched, results = selectors.topic_preview(rule, scan=payload.scan, limit=payload.limit)
    return {
        "scanned": scanned,
        "matched": matched,
        "results": [
            {"post": _post_out(post), "text": post.normalized_text, "spans": spans} for post, spans in results
        ],
    }


@router.get("/topics/{topic_id}", response=TopicOut, summary="专题详情 / One topic")
def topic_detail(request: HttpRequest, topic_id: Id):
    _analyst(request)
    return _topic_out(_topic(topic_id))


@router.patch("/topics/{topic_id}", response=TopicOut, summary="修改专题 / Change a topic")
def topic_change(request: HttpRequest, topic_id: Id, payload: TopicPatchIn):
    user = _analyst(request)
    topic = _topic(topic_id)
    changes = payload.dict(exclude_unset=True)
    if "owner_department" in changes:
        changes["owner_department"] = _department(changes["owner_department"])
    for name in ("name", "rule", "enabled"):
        if name in changes and changes[name] is None:
            raise ApiError(
                _("提交的数据有误，请检查后重试。"),
                code="validation_error",
                status=422,
                details={name: "null"},
            )
    if "description" in changes and changes["description"] is None:
        changes["description"] = ""
    services.topic_update(topic=topic, actor=user, request=request, **changes)
    return _topic_out(_topic(topic_id))


@router.delete("/topics/{topic_id}", response={204: None}, summary="删除专题 / Delete a topic")
def topic_delete(request: HttpRequest, topic_id: Id):
    """The topic goes; its posts stay (without the link to it)."""
    user = _analyst(request)
    services.topic_delete(topic=_topic(topic_id), actor=user, request=request)
    return Reply(204, None)


# --- Vendors' clients --------------------------------------------------------------------------------


def _client_out(client: IngestClient) -> dict:
    return {
        "id": client.pk,
        "name": client.name,
        "source": client.source.code,
        "key_prefix": client.key_prefix,
        "per_minute_quota": client.per_minute_quota,
        "per_day_quota": client.per_day_quota,
        "active": client.active,
        "created_at": client.created_at,
        "last_used_at": client.last_used_at,
    }


@router.get("/clients", response=list[ClientOut], summary="数据接入客户端 / Vendors' ingest clients")
def client_list(request: HttpRequest):
    _require(selectors.may_manage_clients(_user(request)))
    return [
        _client_out(client) for client in IngestClient.objects.select_related("source").order_by("name", "pk")
    ]


@router.post(
    "/clients", response={201: ClientCreatedOut}, summary="新建接入客户端 / Create a vendor's client"
)
def client_create(request: HttpRequest, payload: ClientIn):
    """The answer carries the key, shown this once: only its digest is kept."""
    user = _user(request)
    _require(selectors.may_manage_clients(user))
    with transaction.atomic():
        client, key = services.ingest_client_create(
            name=payload.name,
            source=payload.source,
            per_minute_quota=payload.per_minute_quota,
            per_day_quota=payload.per_day_quota,
            actor=user,
            request=request,
        )
    return Reply(201, {**_client_out(client), "key": key})
