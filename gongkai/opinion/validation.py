"""Turn what a source sends (a JSON object, a CSV row) into a :class:`RawPost`, or say what is wrong.

The ingest API and the file import read posts one by one with :func:`raw_post_parse`: a post that
fails is reported with its index (or line) and the reason, and the others are taken. The rules:

- ``external_id``, ``text`` and ``published_at`` are required; a post with no text but a title
  takes its title as text;
- ``published_at`` is ISO 8601 (or seconds since the epoch); without a time zone it is Beijing
  time; it may not be before 2000 or more than ten minutes in the future;
- counts are whole numbers from 0 to 2,147,483,647; ``url`` is http(s); strings are bounded (see
  ``models.MAX_*``); NUL characters and unpaired surrogates are dropped (PostgreSQL stores neither);
- unknown fields are refused, so a misspelt field name is noticed instead of silently ignored.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gongkai.opinion import models as m
from gongkai.opinion.analysis.types import RawPost

BEIJING = ZoneInfo("Asia/Shanghai")
EARLIEST = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
FUTURE_SLACK = datetime.timedelta(minutes=10)
_KINDS = frozenset(m.PostKind.values)
POST_KINDS = Literal["post", "comment", "article", "appeal", "message"]
#: The fields a post may carry (a CSV file's columns).
FIELDS = (
    "external_id",
    "text",
    "published_at",
    "title",
    "url",
    "author",
    "author_id",
    "followers",
    "verified",
    "reposts",
    "comments",
    "likes",
    "place",
    "kind",
    "parent_external_id",
)


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def clean_text(value: str) -> str:
    """``value`` without NUL characters and unpaired surrogates (neither can be stored)."""
    if _UNSTORABLE.search(value) is None:
        return value
    return _UNSTORABLE.sub("", value)


def _text(max_length: int, **extra: Any) -> Any:
    return Field("", max_length=max_length, **extra)


def _count(description: str) -> Any:
    return Field(0, ge=0, le=m.MAX_COUNT, description=description)


class PostIn(BaseModel):
    """One post as a source sends it (the items of the ingest API's ``posts``)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_id: str = Field(
        ...,
        min_length=1,
        max_length=m.MAX_EXTERNAL_ID,
        description="来源内唯一编号 / unique id within the source",
    )
    text: str = Field("", max_length=m.MAX_TEXT, description="正文（必填，或只有标题）/ text (or a title)")
    published_at: datetime.datetime = Field(
        ..., description="发布时间，ISO 8601；无时区按北京时间 / ISO 8601; Beijing time without a zone"
    )
    title: str = _text(m.MAX_TITLE)
    url: str = _text(m.MAX_URL, description="http(s) 链接 / http(s) link")
    author: str = _text(m.MAX_AUTHOR)
    author_id: str = _text(m.MAX_AUTHOR)
    followers: int = _count("粉丝数 / followers")
    verified: bool = Field(False, description="认证用户 / verified account")
    reposts: int = _count("转发数 / reposts")
    comments: int = _count("评论数 / comments")
    likes: int = _count("点赞数 / likes")
    place: str = _text(m.MAX_PLACE, description="地点（自由文本）/ place, free text")
    kind: POST_KINDS = "post"
    parent_external_id: str = _text(m.MAX_EXTERNAL_ID, description="评论所属帖子编号 / post commented on")

    @field_validator("*", mode="before")
    @classmethod
    def _clean_strings(cls, value: Any) -> Any:
        return clean_text(value) if isinstance(value, str) else value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not value.lower().startswith(("http://", "https://")):
            raise ValueError("url must start with http:// or https://")
        if any(ch.isspace() for ch in value):
            raise ValueError("url must not contain spaces")
        return value

    @field_validator("published_at")
    @classmethod
    def _sane_time(cls, value: datetime.datetime) -> datetime.datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            value = value.replace(tzinfo=BEIJING)
        if value < EARLIEST:
            raise ValueError("published_at is before 2000")
        if value > timezone.now() + FUTURE_SLACK:
            raise ValueError("published_at is in the future")
        return value.astimezone(datetime.UTC)


@dataclass(slots=True)
class PostProblem:
    """Why one post of a batch (or one line of a file) was not taken."""

    index: int  # position in the batch (0-based), or line number in a file (1-based)
    external_id: str
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "external_id": self.external_id,
            "field": self.field,
            "message": self.message,
        }


def _first_error(exc: ValidationError) -> tuple[str, str]:
    error = exc.errors(include_url=False)[0]
    field = ".".join(str(part) for part in error.get("loc", ()))
    message = str(error.get("msg", "invalid"))
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return field, message


def raw_post_parse(data: Any, *, source_code: str, index: int) -> RawPost | PostProblem:
    """The :class:`RawPost` in ``data`` (a mapping), or the :class:`PostProblem` that stops it."""
    if not isinstance(data, Mapping):
        return PostProblem(index, "", "", "a post must be a JSON object")
    candidate = data.get("external_id")
    if isinstance(candidate, int) and not isinstance(candidate, bool):
        candidate = str(candidate)  # vendors often send numeric ids
        data = {**data, "external_id": candidate}
    external_id = clean_text(candidate)[: m.MAX_EXTERNAL_ID] if isinstance(candidate, str) else ""
    try:
        post = PostIn.model_validate(data)
    except ValidationError as exc:
        field, message = _first_error(exc)
        return PostProblem(index, external_id, field, message)
    text = post.text or post.title
    if not text:
        return PostProblem(index, external_id, "text", "text (or title) is required")
    return RawPost(
        source=source_code,
        external_id=post.external_id,
        text=text,
        published_at=post.published_at,
        title=post.title,
        url=post.url,
        author=post.author,
        author_id=post.author_id,
        followers=post.followers,
        verified=post.verified,
        reposts=post.reposts,
        comments=post.comments,
        likes=post.likes,
        place=post.place,
        kind=post.kind,
        parent_external_id=post.parent_external_id,
    )


_STRING_LIMITS = (
    ("external_id", m.MAX_EXTERNAL_ID),
    ("title", m.MAX_TITLE),
    ("text", m.MAX_TEXT),
    ("url", m.MAX_URL),
    ("author", m.MAX_AUTHOR),
    ("author_id", m.MAX_AUTHOR),
    ("place", m.MAX_PLACE),
    ("parent_external_id", m.MAX_EXTERNAL_ID),
)
_COUNTS = ("followers", "reposts", "comments", "likes")


def raw_post_check(post: RawPost) -> tuple[str, str] | None:
    """``(field, reason)`` if a :class:`RawPost` built by code (a poller, a connector) can't be stored.

    Cleans its strings in place (NUL, unpaired surrogates) as :func:`raw_post_parse` does.
    """
    search = _UNSTORABLE.search
    for name, limit in _STRING_LIMITS:
        value = getattr(post, name)
        if type(value) is not str:
            return name, "must be a string"
        if search(value) is not None:
            value = _UNSTORABLE.sub("", value)
            setattr(post, name, value)
        if len(value) > limit:
            return name, f"longer than {limit} characters"
    if not post.external_id:
        return "external_id", "required"
    if not post.text:
        return "text", "required"
    if post.kind not in _KINDS:
        return "kind", "unknown kind"
    published = post.published_at
    if not isinstance(published, datetime.datetime) or published.tzinfo is None:
        return "published_at", "must be a timezone-aware datetime"
    for name in _COUNTS:
        value = getattr(post, name)
        if type(value) is not int or not 0 <= value <= m.MAX_COUNT:
            return name, f"must be a whole number from 0 to {m.MAX_COUNT}"
    if type(post.verified) is not bool:
        return "verified", "must be true or false"
    return None
