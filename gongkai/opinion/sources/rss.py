"""RSS 2.0 / Atom poller for news and government sites (feedparser does the parsing).

Config (a Source row of kind ``rss``): ``url`` (required, http or https), ``place`` (used when an
article has no dateline, e.g. "吉林市" for the city's own site), ``max_bytes`` (default 5 MB),
``timeout`` (seconds, default 10), ``retries`` (default 2).

Cursor: ``{"etag", "modified", "newest", "seen"}`` — the validators of the last good answer (sent
back as ``If-None-Match`` / ``If-Modified-Since``, so an unchanged feed costs a 304), the newest
publication time seen (ISO, UTC) and the ids of the items in the last answers (at most 500).

An item is new when its id is not in ``seen`` and it is not older than ``newest`` by more than
a day (a backdated article still counts; an old item that drops out of the feed and comes back
does not). Items: id = guid, else link, else a hash of title and date; text = content, else
summary, HTML stripped; time = published, else updated, else the time of the poll.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from typing import Any
from urllib.parse import urlsplit

import feedparser

from gongkai.opinion.analysis.types import RawPost
from gongkai.opinion.sources.base import (
    FetchError,
    FetchResult,
    Http,
    ItemErrors,
    SourceConfigError,
    bounded_id,
    config_float,
    config_int,
    fit,
    html_to_text,
    utc_from_struct,
)

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
SEEN_LIMIT = 500
BACKDATED_SLACK = dt.timedelta(days=1)

# A dateline at the start of an article: "新华社长春5月20日电", "本报吉林5月3日讯", "吉林市讯（记者 …）".
_DATELINE = re.compile(
    r"^[\s【\[（(]*(?:新华社|中新社|中新网|人民网|新华网|央视网|本报|本刊|本台|本网)?"
    r"(?P<place>[\u4e00-\u9fff]{2,8}?)"
    r"(?:\s*\d{1,2}\s*月\s*\d{1,2}\s*日)?\s*(?:电|讯)"
    r"(?=[\s（(：:】\]—-]|$)"
)
_NOT_PLACES = ("报", "网", "台", "刊", "社", "站", "综合", "记者", "通讯", "简")


def dateline_place(text: str) -> str:
    """The place of an obvious Chinese news dateline at the start of ``text``, else ""."""
    match = _DATELINE.match(text[:40])
    if not match:
        return ""
    place = match.group("place")
    if place.endswith(_NOT_PLACES) or place.startswith(("本", "据")):
        return ""
    return place


class RssClient:
    def __init__(
        self,
        url: str,
        *,
        source: str = "rss",
        place: str = "",
        max_bytes: int = DEFAULT_MAX_BYTES,
        timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 0.5,
        sleep=None,
    ):
        parts = urlsplit(url or "")
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise SourceConfigError(
                f"RSS/Atom 订阅地址无效：{url!r}（须以 http:// 或 https:// 开头）。",
                f"The RSS/Atom feed URL {url!r} is not an http(s) URL.",
            )
        if max_bytes <= 0 or timeout <= 0:
            raise SourceConfigError(
                "max_bytes 和 timeout 必须大于 0。", "max_bytes and timeout must be positive."
            )
        self.url = url
        self.source = source
        self.place = place
        self.max_bytes = max_bytes
        self.http_options: dict[str, Any] = {
            "timeout": timeout,
            "retries": retries,
            "backoff": backoff,
            "max_bytes": max_bytes,
            "follow_redirects": True,
        }
        if sleep is not None:
            self.http_options["sleep"] = sleep

    @classmethod
    def from_config(cls, config: dict[str, Any], *, source: str) -> RssClient:
        return cls(
            str(config.get("url") or ""),
            source=source,
            place=str(config.get("place") or ""),
            max_bytes=config_int(config, "max_bytes", DEFAULT_MAX_BYTES),
            timeout=config_float(config, "timeout", 10.0),
            retries=config_int(config, "retries", 2, minimum=0, maximum=5),
        )

    def fetch(self, cursor: dict[str, Any] | None) -> FetchResult:
        cursor = dict(cursor or {})
        what = f"订阅源 {self.url}"
        headers = {"Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"}
        if cursor.get("etag"):
            headers["If-None-Match"] = str(cursor["etag"])
        if cursor.get("modified"):
            headers["If-Modified-Since"] = str(cursor["modified"])
        try:
            with Http(**self.http_options) as http:
                answer = http.request("GET", self.url, what=what, headers=headers)
        except FetchError as exc:
            return FetchResult([], cursor, [str(exc)])
        if answer.status_code == 304:
            return FetchResult([], cursor, [])
        if answer.status_code != 200:
            return FetchResult([], cursor, [f"{what}：HTTP {answer.status_code}，本次未取到内容。"])

        # A stream, never bytes or str: feedparser opens a str URL itself and tries any other
        # bytes/str as a local file name first (a body "/etc/passwd" would be read from disk).
        parsed = feedparser.parse(
            io.BytesIO(answer.content),
            response_headers={
                "content-type": answer.headers.get("Content-Type", "application/xml"),
                "content-location": answer.url or self.url,
            },
        )
        errors: list[str] = []
        if parsed.bozo and not parsed.entries:
            problem = getattr(parsed, "bozo_exception", None)
            return FetchResult([], cursor, [f"{what}：不是有效的 RSS/Atom 订阅源（{problem}）。"])
        if not parsed.get("version") and not parsed.entries:
            return FetchResult([], cursor, [f"{what}：不是 RSS/Atom 订阅源（未识别出格式）。"])
        if parsed.bozo and not isinstance(
            getattr(parsed, "bozo_exception", None), feedparser.CharacterEncodingOverride
        ):
            errors.append(f"{what}：订阅源格式有误（{parsed.bozo_exception}），已尽量解析。")

        now = dt.datetime.now(dt.UTC)
        newest = _parse_iso(cursor.get("newest"))
        seen = {str(item) for item in cursor.get("seen") or []}
        current: list[str] = []
        in_current: set[str] = set()
        latest = newest
        posts: list[RawPost] = []
        bad = ItemErrors()
        for number, entry in enumerate(parsed.entries, start=1):
            post = self._post(entry, now)
            if post is None:
                bad.add(f"{what}：第 {number} 条没有标题和正文，已跳过。")
                continue
            published = post.published_at if _dated(entry) else None
            if published is not None and published <= now and (latest is None or published > latest):
                latest = published
            if post.external_id in in_current:
                continue  # the same item twice in one answer
            current.append(post.external_id)
            in_current.add(post.external_id)
            if post.external_id in seen:
                continue
            if published is not None and newest is not None and published < newest - BACKDATED_SLACK:
                continue
            posts.append(post)
        bad.drain_into(errors)

        kept = current + [str(item) for item in cursor.get("seen") or [] if str(item) not in in_current]
        new_cursor: dict[str, Any] = {
            "etag": answer.headers.get("ETag", ""),
            "modified": answer.headers.get("Last-Modified", ""),
            "newest": latest.isoformat() if latest else "",
            "seen": kept[:SEEN_LIMIT],
        }
        return FetchResult(posts, new_cursor, errors)

    def _post(self, entry: Any, now: dt.datetime) -> RawPost | None:
        title = html_to_text(str(entry.get("title") or ""))
        body = ""
        for content in entry.get("content") or []:
            body = html_to_text(str(content.get("value") or ""))
            if body:
                break
        if not body:
            body = html_to_text(str(entry.get("summary") or ""))
        if not body and not title:
            return None
        parsed_time = entry.get("published_parsed") or entry.get("updated_parsed")
        published = utc_from_struct(parsed_time) if parsed_time else now
        link = str(entry.get("link") or "")
        raw_id = str(entry.get("id") or link or "")
        if not raw_id:
            digest = hashlib.sha1(f"{title}\n{published.isoformat()}".encode(), usedforsecurity=False)
            raw_id = "sha1:" + digest.hexdigest()
        return fit(
            RawPost(
                source=self.source,
                external_id=bounded_id(raw_id),
                text=body or title,
                published_at=published,
                title=title,
                url=link,
                author=html_to_text(str(entry.get("author") or "")),
                place=dateline_place(body) or self.place,
                kind="article",
            )
        )


def _dated(entry: Any) -> bool:
    return bool(entry.get("published_parsed") or entry.get("updated_parsed"))


def _parse_iso(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
