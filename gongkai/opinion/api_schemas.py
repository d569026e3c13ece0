"""Input and output schemas of the opinion API (gongkai.opinion.api).

Inputs forbid unknown fields and bound every string. The ingest body is read by hand (see
``api.ingest``) so that one bad post does not refuse the batch; :data:`INGEST_BODY_SCHEMA` documents
it in the OpenAPI document.

No ``from __future__ import annotations`` here: django-ninja needs real annotations for Query schemas.
"""

import datetime
from typing import Literal

from ninja import Field, Schema

from gongkai.opinion.services import MAX_BATCH, MAX_RULE
from gongkai.opinion.validation import PostIn

SENTIMENTS = Literal["positive", "neutral", "negative"]
EVENT_STATUSES = Literal["open", "assessed", "closed"]

INGEST_BODY_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["posts"],
    "properties": {
        "posts": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_BATCH,
            "items": PostIn.model_json_schema(),
            "description": "至多 5000 条 / at most 5,000 posts",
        }
    },
}


class StrictIn(Schema):
    model_config = {"extra": "forbid"}


# --- Ingest --------------------------------------------------------------------------------------


class PostProblemOut(Schema):
    index: int = Field(..., description="在 posts 中的位置（从 0 起）/ position in posts, from 0")
    external_id: str
    field: str
    message: str


class IngestOut(Schema):
    received: int
    created: int = Field(..., description="新存入 / stored now")
    duplicates_skipped: int = Field(..., description="已存入过，未重复存入 / stored before, skipped")
    rejected: int = Field(..., description="有误未收 / refused, see errors")
    errors: list[PostProblemOut]


# --- Posts ---------------------------------------------------------------------------------------


class RefOut(Schema):
    id: int
    name: str


class SourceOut(Schema):
    code: str
    name: str
    kind: str
    url: str
    enabled: bool
    last_polled_at: datetime.datetime | None


class PostOut(Schema):
    id: int
    source: str
    external_id: str
    kind: str
    author: str
    followers: int
    verified: bool
    title: str
    text: str
    url: str
    published_at: datetime.datetime
    reposts: int
    comments: int
    likes: int
    place: str
    district: str
    sentiment: str
    negative_probability: float
    sentiment_corrected: bool
    rumor_candidate: bool
    sensitive_words: list[str]
    topics: list[RefOut]
    event: int | None
    duplicate_of: int | None


class PostDetailOut(PostOut):
    author_id: str
    parent_external_id: str
    normalized_text: str
    ingested_at: datetime.datetime
    fingerprint: int
    sentiment_corrected_by: str
    sentiment_corrected_at: datetime.datetime | None


class PostPageOut(Schema):
    results: list[PostOut]
    next_cursor: str | None = Field(..., description="下一页 / pass as cursor for the next page")


class PostFilter(Schema):
    source: str | None = Field(None, max_length=60, description="来源代码 / source code")
    topic: int | None = Field(None, ge=1, le=2**63 - 1, description="专题 / topic id")
    sentiment: SENTIMENTS | None = None
    district: str | None = Field(None, max_length=50, description="区县机构代码 / district code")
    event: int | None = Field(None, ge=1, le=2**63 - 1, description="事件 / event id")
    rumor_candidate: bool | None = None
    since: datetime.datetime | None = Field(None, description="发布时间起（含）/ published at or after")
    until: datetime.datetime | None = Field(None, description="发布时间止（不含）/ published before")
    q: str | None = Field(None, max_length=100, description="正文包含 / text contains")
    cursor: str | None = Field(None, max_length=60)
    limit: int = Field(50, ge=1, le=200)


class SentimentIn(StrictIn):
    sentiment: SENTIMENTS


# --- Events --------------------------------------------------------------------------------------


class EventOut(Schema):
    id: int
    key: int
    title: str
    label: str
    top_terms: list[str]
    first_seen: datetime.datetime
    last_seen: datetime.datetime
    post_count: int
    negative_count: int
    negative_share: float
    rumor_candidate_count: int
    hotness: float
    district: str
    status: str
    status_label: str
    is_rumor: bool


class EventPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[EventOut]


class EventFilter(Schema):
    status: EVENT_STATUSES | None = None
    district: str | None = Field(None, max_length=50)
    min_posts: int = Field(0, ge=0, le=2**31 - 1)
    since: datetime.datetime | None = Field(None, description="最近出现不早于 / last seen at or after")
    q: str | None = Field(None, max_length=100, description="标题包含 / title contains")
    order: Literal["hot", "recent"] = "hot"
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=200)


# --- Topics --------------------------------------------------------------------------------------


class TopicOut(Schema):
    id: int
    name: str
    rule: str
    description: str
    enabled: bool
    owner_department: str | None
    created_by: str
    created_at: datetime.datetime
    updated_at: datetime.datetime


class TopicIn(StrictIn):
    name: str = Field(..., min_length=1, max_length=100)
    rule: str = Field(..., min_length=1, max_length=MAX_RULE)
    description: str = Field("", max_length=300)
    enabled: bool = True
    owner_department: str | None = Field(None, max_length=50, description="机构代码 / department code")


class TopicPatchIn(StrictIn):
    name: str | None = Field(None, min_length=1, max_length=100)
    rule: str | None = Field(None, min_length=1, max_length=MAX_RULE)
    description: str | None = Field(None, max_length=300)
    enabled: bool | None = None
    owner_department: str | None = Field(
        None, max_length=50, description="机构代码，空串清除 / code, '' clears"
    )


class PreviewIn(StrictIn):
    rule: str = Field(..., min_length=1, max_length=MAX_RULE)
    scan: int = Field(2000, ge=1, le=20000, description="检查最近多少条 / how many recent posts to scan")
    limit: int = Field(50, ge=1, le=200, description="最多返回多少条命中 / at most this many matches")


class PreviewMatchOut(Schema):
    post: PostOut
    text: str = Field(..., description="规范化文本 / the normalized text the spans refer to")
    spans: list[tuple[int, int]] = Field(..., description="命中位置 [起, 止) / highlighted [start, end)")


class PreviewOut(Schema):
    scanned: int
    matched: int
    results: list[PreviewMatchOut]


# --- Ingest clients ------------------------------------------------------------------------------


class ClientOut(Schema):
    id: int
    name: str
    source: str
    key_prefix: str
    per_minute_quota: int
    per_day_quota: int
    active: bool
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None


class ClientCreatedOut(ClientOut):
    key: str = Field(..., description="只显示这一次 / shown only once")


class ClientIn(StrictIn):
    name: str = Field(..., min_length=1, max_length=100)
    source: str = Field(..., min_length=1, max_length=60, description="来源代码 / source code")
    per_minute_quota: int = Field(20000, ge=1, le=2**31 - 1)
    per_day_quota: int = Field(2000000, ge=1, le=2**31 - 1)
