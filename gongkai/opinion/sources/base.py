"""What every polled opinion source shares: the client interface, its errors, and careful HTTP.

A client is built once from a Source row's kind and config (``client_for`` in the package) and
called by the periodic job as ``result = client.fetch(source.cursor)``; the job then stores
``result.posts`` through ``ingest_posts`` and saves ``result.cursor`` on the row. ``fetch``:

* never raises for what a later poll may cure (timeouts, 5xx, rate limits, a malformed answer,
  a malformed item): those become lines in ``result.errors`` and the cursor does not move past
  anything not yet collected, so the next poll asks again. Items are collected at least once;
  ingest is idempotent by (source, external id), so a repeat costs nothing;
* raises :class:`SourceAuthError` when the provider refuses our credentials and a new token could
  not be obtained: no later poll can cure that, an operator must re-authorise the account;
* takes and returns a plain JSON-serialisable dict (``{}`` the first time).

Constructors raise :class:`SourceConfigError` for a config that cannot work (missing token, bad URL).
Both errors carry a Chinese and an English message, like the outbox's configuration errors.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import html
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Protocol

import httpx

from gongkai.opinion.analysis.types import RawPost

USER_AGENT = "Gongkai-Opinion/1.0 (+https://www.jlcity.gov.cn/)"
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
EXTERNAL_ID_MAX = 200  # longer ids (some feeds use whole URLs as guid) are hashed to fit
# The store's limits (gongkai.opinion.models MAX_*): a client cuts a long value rather than have
# the whole post refused at ingest.
FIELD_LIMITS = {"title": 300, "text": 20_000, "author": 100, "author_id": 100, "place": 100}
URL_MAX = 1000
COUNT_MAX = 2**31 - 1
MAX_ITEM_ERRORS = 20  # per fetch: one line per malformed item up to this, then a count


@dataclass(slots=True)
class FetchResult:
    """What one poll collected: new posts, the cursor to store, and what went wrong."""

    posts: list[RawPost] = field(default_factory=list)
    cursor: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class SourceClient(Protocol):
    source: str  # Source.code written on every RawPost

    def fetch(self, cursor: dict[str, Any] | None) -> FetchResult: ...


class SourceError(Exception):
    """A source that cannot be polled until someone changes its configuration or credentials."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en


class SourceConfigError(SourceError):
    """The source's config cannot work (a missing token, an unusable URL, an unknown kind …)."""


class SourceAuthError(SourceConfigError):
    """The provider refused our credentials (expired or revoked token, wrong secret, no permission)."""


class FetchError(Exception):
    """One request failed for good after its retries (network, 5xx, too large); a later poll may work."""


# --- HTTP --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Answer:
    """A whole HTTP answer, read within the size limit."""

    status_code: int
    headers: httpx.Headers
    content: bytes
    url: str = ""

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The decoded JSON body; ``ValueError`` if it is not JSON."""
        return json.loads(self.content.decode("utf-8"))


class Http:
    """An httpx client with timeouts, a response size limit and retries with backoff.

    Retried: connection errors, timeouts and 5xx answers (``retries`` more times, waiting
    ``backoff``, 2×``backoff``, 4×``backoff`` … seconds). Not retried: 4xx, which say the request
    itself is wrong or unauthorised — the caller reads them. Use as a context manager; ``client``
    is the underlying ``httpx.Client`` for code that wants one (the Weibo token refresh).
    """

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = 2,
        backoff: float = 0.5,
        max_bytes: int = DEFAULT_MAX_BYTES,
        follow_redirects: bool = False,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.retries = max(0, retries)
        self.backoff = max(0.0, backoff)
        self.max_bytes = max_bytes
        self.sleep = sleep
        self.client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            headers={"User-Agent": USER_AGENT},
            follow_redirects=follow_redirects,
        )

    def __enter__(self) -> Http:
        return self

    def __exit__(self, *exc_info) -> None:
        self.client.close()

    def request(self, method: str, url: str, *, what: str, **kwargs: Any) -> Answer:
        """Make the request; return the answer (any status below 500) or raise FetchError."""
        problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                with self.client.stream(method, url, **kwargs) as response:
                    answer = Answer(
                        response.status_code, response.headers, self._read(response, what), str(response.url)
                    )
            except httpx.TimeoutException as exc:
                problem = f"{what}：请求超时（{type(exc).__name__}）"
                continue
            except httpx.TransportError as exc:
                problem = f"{what}：连接失败（{type(exc).__name__}: {exc}）"
                continue
            if answer.status_code >= 500:
                problem = f"{what}：HTTP {answer.status_code} {_excerpt(answer.text)}".rstrip()
                continue
            return answer
        tries = "" if not self.retries else f"，已重试 {self.retries} 次"
        raise FetchError(problem + tries)

    def _read(self, response: httpx.Response, what: str) -> bytes:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(f"{what}：响应过大（{declared} 字节，上限 {self.max_bytes} 字节）")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError(f"{what}：响应过大（超过上限 {self.max_bytes} 字节）")
            chunks.append(chunk)
        return b"".join(chunks)


def _excerpt(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- helpers for the clients ---------------------------------------------------------------------------


def utc_from_timestamp(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def utc_from_struct(value: time.struct_time) -> dt.datetime:
    """feedparser's ``*_parsed`` fields are UTC struct_times."""
    return dt.datetime.fromtimestamp(calendar.timegm(value), dt.UTC)


def bounded_id(value: str) -> str:
    """An external id that fits the store: long ones become ``sha1:<hex>`` of themselves."""
    value = value.strip()
    if len(value) <= EXTERNAL_ID_MAX:
        return value
    return "sha1:" + hashlib.sha1(value.encode("utf-8"), usedforsecurity=False).hexdigest()


def fit(post: RawPost) -> RawPost:
    """Cut ``post``'s text fields and counts to what the store takes; a too-long link is dropped."""
    for name, limit in FIELD_LIMITS.items():
        value = getattr(post, name)
        if len(value) > limit:
            setattr(post, name, value[: limit - 1] + "…")
    if len(post.url) > URL_MAX:
        post.url = ""
    for name in ("followers", "reposts", "comments", "likes"):
        if getattr(post, name) > COUNT_MAX:
            setattr(post, name, COUNT_MAX)
    return post


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one (provider answers are not trusted)."""
    return value if isinstance(value, dict) else {}


def to_int(value: Any, default: int = 0) -> int:
    """A count from a provider's JSON (int, numeric string, null, garbage) as a non-negative int."""
    if isinstance(value, bool):
        return int(value)
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return max(number, 0)


class ItemErrors:
    """Collects one line per malformed item, up to ``MAX_ITEM_ERRORS``, then counts the rest."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.more = 0

    def add(self, line: str) -> None:
        if len(self.lines) < MAX_ITEM_ERRORS:
            self.lines.append(line)
        else:
            self.more += 1

    def drain_into(self, errors: list[str]) -> None:
        errors.extend(self.lines)
        if self.more:
            errors.append(f"另有 {self.more} 条格式不对的条目被跳过。")


_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "tr", "table", "section", "article", "blockquote", "h1", "h2",
     "h3", "h4", "h5", "h6", "pre", "hr", "figure", "figcaption", "header", "footer"}
)  # fmt: skip
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title"})


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIP_TAGS:
            self.skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(value: str) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, one line per block."""
    if not value:
        return ""
    if "<" not in value and "&" not in value:
        text = value
    else:
        parser = _TextExtractor()
        try:
            parser.feed(value)
            parser.close()
            text = "".join(parser.parts)
        except Exception:  # HTMLParser is lenient, but never let a feed's HTML stop a poll
            text = html.unescape(value)
    lines = (
        " ".join(line.replace("\u00a0", " ").replace("\u3000", " ").split()) for line in text.splitlines()
    )
    return "\n".join(line for line in lines if line)


def first(values: Iterable[str]) -> str:
    for value in values:
        if value:
            return value
    return ""


def config_int(
    config: dict[str, Any], key: str, default: int, *, minimum: int = 1, maximum: int | None = None
) -> int:
    """An integer config value within [minimum, maximum], else SourceConfigError."""
    value = config.get(key, default)
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < minimum
        or (maximum is not None and value > maximum)
    ):
        bounds = f"{minimum}–{maximum}" if maximum is not None else f"≥ {minimum}"
        raise SourceConfigError(
            f"配置项 {key} 必须是整数（{bounds}），现为 {value!r}。",
            f"Config key {key} must be an integer ({bounds}), got {value!r}.",
        )
    return value


def config_float(config: dict[str, Any], key: str, default: float) -> float:
    value = config.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise SourceConfigError(
            f"配置项 {key} 必须是正数，现为 {value!r}。",
            f"Config key {key} must be a positive number, got {value!r}.",
        )
    return float(value)
