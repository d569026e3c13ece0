"""Weibo (新浪微博开放平台, API v2) as an opinion source: mentions, comments and keyword search.

Implemented from the open platform's documentation (open.weibo.com/wiki); no SDK:

* ``GET 2/statuses/mentions.json`` — statuses that @ the authorised account (``since_id``,
  ``max_id``, ``count``, ``page``; answer ``{"statuses": [...]}``).
* ``GET 2/comments/to_me.json`` — comments the account received (same paging; ``{"comments": [...]}``).
* ``GET 2/comments/show.json`` — comments on one status (``id`` plus the same paging), for the
  statuses listed in ``comment_statuses`` (someone else's post the city is watching).
* ``GET 2/search/statuses/limited.json`` on ``c.api.weibo.com`` — keyword search. This is a
  **commercial** (商业) interface: the public keyword search (``2/search/topics``) is no longer open,
  so it needs a commercial licence for the app. Parameters used: ``q``, ``sort=time``,
  ``starttime``/``endtime`` (Unix seconds), ``count``, ``page``; the answer is read as
  ``{"statuses": [...], "total_number"}`` like the other status lists (see docs/opinion-sources.md
  for what could not be confirmed).

Statuses and comments share their fields: ``idstr``/``id``, ``text``, ``created_at`` ("Tue May 31
17:46:55 +0800 2011"), ``user{idstr, screen_name, followers_count, verified, location}``,
``reposts_count``, ``comments_count``, ``attitudes_count``; a comment has ``status`` (the post
commented on). Ids grow with time, which the paging relies on.

Paging: newest first, ``count`` per page, moving ``max_id`` down until a page is short or reaches
``since_id``; at most ``max_pages`` pages per stream and poll. If a poll stops early (page budget,
an error) the cursor keeps a *gap* (``max_id`` … ``top``) that the next poll fills first, so a
burst of posts is collected over several polls rather than lost. The first poll of a stream takes
only the newest pages (no history back-fill). Search pages by ``page`` inside a time window.

Errors: the access token is refreshed with the outbox's ``WeiboTokens`` (App Key, App Secret and a
refresh token configured) when Weibo says it expired; if that is impossible the fetch raises
``SourceAuthError``. Rate limits (``10022`` IP, ``10023`` user) stop the poll, ``10024`` (this
interface) stops the stream; missing permissions (``10014``, ``10005``…) and other errors are
reported and the other streams go on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from gongkai.core.outbox.backends.weibo import TOKEN_CODES, WeiboTokens, weibo_status_url
from gongkai.opinion.analysis.types import RawPost
from gongkai.opinion.sources.base import (
    Answer,
    FetchError,
    FetchResult,
    Http,
    ItemErrors,
    SourceAuthError,
    SourceConfigError,
    as_dict,
    config_float,
    config_int,
    fit,
    to_int,
)

STREAMS = ("mentions", "comments_to_me", "comments_show", "search")
MENTIONS = "2/statuses/mentions.json"
COMMENTS_TO_ME = "2/comments/to_me.json"
COMMENTS_SHOW = "2/comments/show.json"
SEARCH = "2/search/statuses/limited.json"

RATE_LIMIT_ALL = frozenset({10022, 10023})  # IP / user over the hourly limit: every call would fail
RATE_LIMIT_ONE = frozenset({10024})  # user over the limit of this one interface
PERMISSION_CODES = frozenset({10004, 10005, 10014, 10019, 10030})
_SEARCH_FORBIDDEN = set('{}"“”')
MAX_COUNT = 200
MAX_SEARCH_COUNT = 50

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1
    )
}


def parse_created_at(value: Any) -> dt.datetime:
    """Weibo's ``created_at`` ("Tue May 31 17:46:55 +0800 2011") as an aware UTC datetime.

    Parsed by hand so the process locale cannot change the month names. ValueError if malformed.
    """
    parts = str(value or "").split()
    if len(parts) != 6 or parts[1] not in _MONTHS:
        raise ValueError(f"unexpected created_at {value!r}")
    _, month, day, clock, offset, year = parts
    hour, minute, second = (int(part) for part in clock.split(":"))
    if len(offset) != 5 or offset[0] not in "+-" or not offset[1:].isdigit():
        raise ValueError(f"unexpected UTC offset in {value!r}")
    delta = dt.timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
    zone = dt.timezone(delta if offset[0] == "+" else -delta)
    local = dt.datetime(int(year), _MONTHS[month], int(day), hour, minute, second, tzinfo=zone)
    return local.astimezone(dt.UTC)


class _StreamFailed(Exception):
    """This stream stops for this poll; the others go on."""


class _PollStopped(_StreamFailed):
    """Every further call would fail too (rate limit): the poll stops."""


class _HostDown(_StreamFailed):
    """The host did not answer after retries: skip the other streams on it."""


@dataclass(slots=True)
class _Bound:
    id: int
    time: int = 0  # Unix seconds (search windows)


@dataclass(slots=True)
class _Walk:
    """What one stream collected in one poll."""

    items: list[dict]
    state: dict[str, Any]
    error: str = ""
    stop_poll: bool = False  # a rate limit: every further call would fail too
    host_down: bool = False  # no answer after retries: skip the other streams on this host


class WeiboOpinionClient:
    def __init__(
        self,
        access_token: str,
        base_url: str = "https://api.weibo.com",
        keywords: Iterable[str] = (),
        *,
        source: str = "weibo",
        search_base_url: str = "https://c.api.weibo.com",
        comment_statuses: Iterable[str] = (),
        streams: Iterable[str] | None = None,
        app_key: str = "",
        app_secret: str = "",
        refresh_token: str = "",
        count: int = 50,
        search_count: int = 50,
        max_pages: int = 5,
        search_lookback_hours: float = 24.0,
        timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 0.5,
        sleep: Callable[[float], None] | None = None,
    ):
        if not access_token:
            raise SourceConfigError(
                "微博来源缺少访问令牌（access_token，或配置项 WEIBO_ACCESS_TOKEN）。",
                "The Weibo source has no access token (access_token, or the WEIBO_ACCESS_TOKEN setting).",
            )
        self.base = _base(base_url, "base_url")
        self.search_base = _base(search_base_url, "search_base_url")
        self.keywords = _keywords(keywords)
        self.comment_statuses = _status_ids(comment_statuses)
        chosen = tuple(streams) if streams is not None else STREAMS
        unknown = [name for name in chosen if name not in STREAMS]
        if unknown:
            raise SourceConfigError(
                f"未知的微博抓取类型：{', '.join(map(str, unknown))}（可选 {', '.join(STREAMS)}）。",
                f"Unknown Weibo streams {unknown}; choose from {list(STREAMS)}.",
            )
        self.streams = chosen
        self.source = source
        self.count = count
        self.search_count = search_count
        self.max_pages = max_pages
        self.search_lookback = dt.timedelta(hours=search_lookback_hours)
        self.tokens = WeiboTokens(
            access_token=access_token,
            app_key=app_key,
            app_secret=app_secret,
            refresh_token=refresh_token,
            base=self.base,
        )
        self.http_options: dict[str, Any] = {"timeout": timeout, "retries": retries, "backoff": backoff}
        if sleep is not None:
            self.http_options["sleep"] = sleep

    @classmethod
    def from_config(cls, config: dict[str, Any], *, source: str) -> WeiboOpinionClient:
        """Build from a Source row's config; credentials default to the city's account settings."""
        from django.conf import settings

        def setting(key: str, name: str) -> str:
            return str(config.get(key) or getattr(settings, name, "") or "")

        return cls(
            setting("access_token", "WEIBO_ACCESS_TOKEN"),
            setting("base_url", "WEIBO_API_BASE") or "https://api.weibo.com",
            _list(config, "keywords"),
            source=source,
            search_base_url=str(config.get("search_base_url") or "https://c.api.weibo.com"),
            comment_statuses=_list(config, "comment_statuses"),
            streams=_list(config, "streams") if "streams" in config else None,
            app_key=setting("app_key", "WEIBO_APP_KEY"),
            app_secret=setting("app_secret", "WEIBO_APP_SECRET"),
            refresh_token=setting("refresh_token", "WEIBO_REFRESH_TOKEN"),
            count=config_int(config, "count", 50, maximum=MAX_COUNT),
            search_count=config_int(config, "search_count", 50, maximum=MAX_SEARCH_COUNT),
            max_pages=config_int(config, "max_pages", 5, maximum=50),
            search_lookback_hours=config_float(config, "search_lookback_hours", 24.0),
            timeout=config_float(config, "timeout", float(getattr(settings, "WEIBO_TIMEOUT", 10.0))),
            retries=config_int(config, "retries", 2, minimum=0, maximum=5),
        )

    # --- the poll ----------------------------------------------------------------------------------

    def fetch(self, cursor: dict[str, Any] | None) -> FetchResult:
        cursor = dict(cursor or {})
        new_cursor: dict[str, Any] = {}
        posts: dict[str, RawPost] = {}
        errors: list[str] = []
        bad = ItemErrors()
        down: set[str] = set()
        stopped = False

        jobs: list[tuple[str, str, str, Callable[[Http, dict[str, Any]], _Walk]]] = []
        if "mentions" in self.streams:
            jobs.append(("mentions", "", self.base, self._ids_walker(MENTIONS, "statuses", {})))
        if "comments_to_me" in self.streams:
            jobs.append(("comments_to_me", "", self.base, self._ids_walker(COMMENTS_TO_ME, "comments", {})))
        if "comments_show" in self.streams:
            for status_id in self.comment_statuses:
                walker = self._ids_walker(COMMENTS_SHOW, "comments", {"id": status_id})
                jobs.append(("comments_show", status_id, self.base, walker))
        if "search" in self.streams:
            for keyword in self.keywords:
                jobs.append(("search", keyword, self.search_base, self._search_walker(keyword)))

        with Http(**self.http_options) as http:
            for number, (stream, key, host, walker) in enumerate(jobs, start=1):
                state = _state(cursor, stream, key)
                if stopped or host in down:
                    _put(new_cursor, stream, key, state)  # untouched: asked again next time
                    continue
                walk = walker(http, state)
                _put(new_cursor, stream, key, walk.state)
                if walk.error:
                    errors.append(f"{_label(stream, key)}：{walk.error}")
                for item in walk.items:
                    post = self._post(stream, item, bad)
                    if post is not None:
                        posts.setdefault(post.external_id, post)
                if walk.host_down:
                    down.add(host)
                if walk.stop_poll:
                    stopped = True
                    if number < len(jobs):
                        errors.append(f"其余 {len(jobs) - number} 项本次不再抓取，下次再试。")
        bad.drain_into(errors)
        return FetchResult(list(posts.values()), new_cursor, errors)

    # --- one API call ------------------------------------------------------------------------------

    def _get(self, http: Http, base: str, path: str, params: dict[str, str]) -> dict[str, Any]:
        """GET ``path``; return the JSON object, refreshing an expired token once.

        Raises SourceAuthError (credentials), _PollStopped (rate limit), _HostDown (no answer)
        or _StreamFailed (anything else).
        """
        what = path.removeprefix("2/").removesuffix(".json")
        for round_ in (1, 2):
            query = {**params, "access_token": self.tokens.current()}
            try:
                answer = http.request("GET", f"{base}{path}", what=what, params=query)
            except FetchError as exc:
                raise _HostDown(str(exc)) from exc
            data = _json(answer)
            if answer.status_code == 200 and isinstance(data, dict) and "error_code" not in data:
                return data
            code = _error_code(data)
            message = str(data.get("error") or "") if isinstance(data, dict) else ""
            if code is None:
                if answer.status_code == 200:
                    raise _StreamFailed(f"{what} 返回的不是 JSON 对象：{_short(answer.text)}")
                raise _StreamFailed(f"{what} HTTP {answer.status_code}：{_short(answer.text)}")
            if code in TOKEN_CODES or 21300 <= code < 21400:
                if round_ == 1 and code in TOKEN_CODES:
                    self.tokens.forget()
                    if self.tokens.refresh(http.client):
                        continue
                raise SourceAuthError(
                    f"微博拒绝了访问令牌（error_code {code} {message}），请重新授权微博账号。",
                    f"Weibo refused the access token (error_code {code} {message}); re-authorise the account.",
                )
            detail = f"{what} error_code {code} {message}".rstrip()
            if code in RATE_LIMIT_ALL:
                raise _PollStopped(f"{detail}：微博接口调用频率超限，本次停止抓取。")
            if code in RATE_LIMIT_ONE:
                raise _StreamFailed(f"{detail}：该接口调用频率超限，下次再试。")
            if code in PERMISSION_CODES:
                raise _StreamFailed(f"{detail}：应用无权调用该接口（商业接口须另行开通），请检查应用权限。")
            raise _StreamFailed(detail)
        raise AssertionError("unreachable")  # pragma: no cover

    # --- paging ------------------------------------------------------------------------------------

    def _ids_walker(
        self, path: str, key: str, params: dict[str, str]
    ) -> Callable[[Http, dict[str, Any]], _Walk]:
        def page(http: Http, lower: _Bound, upper: _Bound | None, number: int) -> list[Any]:
            query = {**params, "count": str(self.count)}
            if lower.id:
                query["since_id"] = str(lower.id)
            if upper is not None:
                query["max_id"] = str(upper.id)
            return _items(self._get(http, self.base, path, query), key, path)

        return lambda http, state: self._walk(
            http, state, page, self.count, moves_upper=True, first_since=None
        )

    def _search_walker(self, keyword: str) -> Callable[[Http, dict[str, Any]], _Walk]:
        def page(http: Http, lower: _Bound, upper: _Bound | None, number: int) -> list[Any]:
            query = {
                "q": keyword,
                "sort": "time",
                "count": str(self.search_count),
                "page": str(number),
                "starttime": str(lower.time),
            }
            if upper is not None:
                query["endtime"] = str(upper.time)
            return _items(self._get(http, self.search_base, SEARCH, query), "statuses", SEARCH)

        def walk(http: Http, state: dict[str, Any]) -> _Walk:
            start = int((dt.datetime.now(dt.UTC) - self.search_lookback).timestamp())
            return self._walk(http, state, page, self.search_count, moves_upper=False, first_since=start)

        return walk

    def _walk(
        self,
        http: Http,
        state: dict[str, Any],
        page: Callable[[Http, _Bound, _Bound | None, int], list[Any]],
        count: int,
        *,
        moves_upper: bool,
        first_since: int | None,
    ) -> _Walk:
        """Collect the items newer than the state's ``since`` bound, filling an earlier gap first.

        A window is (lower, upper]; pages come newest first. ``moves_upper`` pages by lowering the
        upper bound below the oldest item seen (``max_id``); otherwise by page number in a fixed
        window (search). A window is complete when a page is short or reaches the lower bound.
        """
        since = _bound(state.get("since"))
        gap = as_dict(state.get("gap")) or None
        if since is None:
            since = _Bound(0, first_since or 0)
        first_poll = gap is None and since.id == 0  # nothing collected yet: no history back-fill
        filling = gap is not None
        upper = _bound(gap.get("upper")) if gap else None
        top = _bound(gap.get("top")) if gap else None
        if filling and (upper is None or top is None):
            filling, upper, top = False, None, None  # a damaged cursor: start a fresh window
        items: list[dict] = []
        failure: _StreamFailed | None = None
        pages = 0
        number = 1
        window_top: _Bound | None = None
        window_low: _Bound | None = None
        complete = False
        while pages < self.max_pages:
            try:
                raw = page(http, since, upper, number)
            except _StreamFailed as exc:
                failure = exc
                break
            pages += 1
            full = len(raw) >= count
            reached_since = False
            for item in raw:
                bound = _item_bound(item)
                if bound is None:
                    items.append(item)  # reported as malformed when mapped
                    continue
                if bound.id <= since.id:
                    reached_since = True
                    continue
                if upper is not None and bound.id > upper.id:
                    continue
                items.append(item)
                if window_top is None or bound.id > window_top.id:
                    window_top = bound
                if window_low is None or bound.id < window_low.id:
                    window_low = bound
            if full and not reached_since and raw:
                if moves_upper:
                    if window_low is None:
                        break  # a full page of nothing usable: give up on this window for now
                    upper = _Bound(window_low.id - 1, window_low.time)
                else:
                    number += 1
                continue
            # The window is complete.
            if filling and top is not None:
                since = top  # everything up to the gap's top was collected before
                filling, upper, top = False, None, None
                window_top = window_low = None
                number = 1
                continue
            if window_top is not None:
                since = window_top
            complete = True
            break

        # Interrupted (page budget or an error): what is left of the window becomes the gap.
        new_state: dict[str, Any] = {"since": _dump(since)}
        if not complete:
            if window_low is not None:
                upper = _Bound(window_low.id - 1, window_low.time)
            if filling:
                new_state["gap"] = {"upper": _dump(upper), "top": _dump(top)}
            elif window_top is not None:
                if first_poll:
                    new_state["since"] = _dump(window_top)  # no back-fill of history on the first poll
                else:
                    new_state["gap"] = {"upper": _dump(upper), "top": _dump(window_top)}
        return _Walk(
            items,
            new_state,
            error=str(failure) if failure else "",
            stop_poll=isinstance(failure, _PollStopped),
            host_down=isinstance(failure, _HostDown),
        )

    # --- mapping -----------------------------------------------------------------------------------

    def _post(self, stream: str, item: Any, bad: ItemErrors) -> RawPost | None:
        label = "评论" if stream.startswith("comments") else "微博"
        if not isinstance(item, dict):
            bad.add(f"{label}条目不是对象，已跳过。")
            return None
        item_id = str(item.get("idstr") or item.get("id") or "")
        if not item_id.isdigit():
            bad.add(f"{label}条目缺少 id，已跳过。")
            return None
        if str(item.get("deleted") or "") == "1":
            return None  # "此微博已被作者删除。"
        try:
            published = parse_created_at(item.get("created_at"))
        except (ValueError, OverflowError):
            bad.add(f"{label} {item_id} 的时间无法解析（{item.get('created_at')!r}），已跳过。")
            return None
        user = as_dict(item.get("user"))
        text = str(item.get("text") or "").strip()
        if not text:
            bad.add(f"{label} {item_id} 没有文字，已跳过。")
            return None
        if stream.startswith("comments"):
            parent = as_dict(item.get("status"))
            parent_id = str(parent.get("idstr") or parent.get("id") or "")
            return fit(
                RawPost(
                    source=self.source,
                    external_id=f"c{item_id}",
                    text=text,
                    published_at=published,
                    url=weibo_status_url(parent_id),
                    author=str(user.get("screen_name") or ""),
                    author_id=str(user.get("idstr") or user.get("id") or ""),
                    followers=to_int(user.get("followers_count")),
                    verified=bool(user.get("verified")),
                    place=_place(item, user),
                    kind="comment",
                    parent_external_id=parent_id,
                )
            )
        repost = item.get("retweeted_status")
        if isinstance(repost, dict) and repost.get("text"):
            author = as_dict(repost.get("user")).get("screen_name")
            text = f"{text} //@{author}: {repost['text']}" if author else f"{text} // {repost['text']}"
        return fit(
            RawPost(
                source=self.source,
                external_id=item_id,
                text=text,
                published_at=published,
                url=weibo_status_url(item_id),
                author=str(user.get("screen_name") or ""),
                author_id=str(user.get("idstr") or user.get("id") or ""),
                followers=to_int(user.get("followers_count")),
                verified=bool(user.get("verified")),
                reposts=to_int(item.get("reposts_count")),
                comments=to_int(item.get("comments_count")),
                likes=to_int(item.get("attitudes_count")),
                place=_place(item, user),
                kind="post",
            )
        )


# --- small helpers ----------------------------------------------------------------------------------


def _base(url: str, key: str) -> str:
    parts = urlsplit(url or "")
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise SourceConfigError(
            f"配置项 {key} 不是 http(s) 地址：{url!r}。", f"Config key {key} is not an http(s) URL: {url!r}."
        )
    return url if url.endswith("/") else url + "/"


def _list(config: dict[str, Any], key: str) -> list[str]:
    value = config.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        raise SourceConfigError(f"配置项 {key} 必须是列表。", f"Config key {key} must be a list.")
    return [str(item) for item in value]


def _keywords(values: Iterable[str]) -> tuple[str, ...]:
    keywords: list[str] = []
    for value in values:
        keyword = " ".join(str(value).split())
        if not keyword:
            continue
        if len(keyword) > 50 or _SEARCH_FORBIDDEN & set(keyword):
            raise SourceConfigError(
                f"微博搜索关键词无效：{keyword!r}（不超过 50 个字，不能含 {{ }} 或引号）。",
                f"Invalid Weibo search keyword {keyword!r} (at most 50 characters, no braces or quotes).",
            )
        if keyword not in keywords:
            keywords.append(keyword)
    return tuple(keywords)


def _status_ids(values: Iterable[str]) -> tuple[str, ...]:
    ids = tuple(str(value).strip() for value in values if str(value).strip())
    bad = [value for value in ids if not value.isdigit()]
    if bad:
        raise SourceConfigError(
            f"comment_statuses 须为微博数字 id：{bad}。",
            f"comment_statuses must be numeric status ids: {bad}.",
        )
    return ids


def _state(cursor: dict[str, Any], stream: str, key: str) -> dict[str, Any]:
    value = cursor.get(stream)
    if key:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, dict) else {}


def _put(cursor: dict[str, Any], stream: str, key: str, state: dict[str, Any]) -> None:
    if key:
        cursor.setdefault(stream, {})[key] = state
    else:
        cursor[stream] = state


def _label(stream: str, key: str) -> str:
    names = {
        "mentions": "微博 @提及",
        "comments_to_me": "微博 收到的评论",
        "comments_show": "微博 评论",
        "search": "微博 搜索",
    }
    return f"{names[stream]}（{key}）" if key else names[stream]


def _json(answer: Answer) -> Any:
    try:
        return answer.json()
    except (ValueError, UnicodeDecodeError):
        return None


def _error_code(data: Any) -> int | None:
    if not isinstance(data, dict) or "error_code" not in data:
        return None
    try:
        return int(data["error_code"])
    except (TypeError, ValueError):
        return None


def _items(data: dict[str, Any], key: str, path: str) -> list[Any]:
    items = data.get(key)
    if items is None:
        items = []
    if not isinstance(items, list):
        raise _StreamFailed(f"{path} 的回答里 {key} 不是列表。")
    return items


def _item_bound(item: Any) -> _Bound | None:
    if not isinstance(item, dict):
        return None
    raw = str(item.get("idstr") or item.get("id") or "")
    if not raw.isdigit():
        return None
    try:
        seconds = int(parse_created_at(item.get("created_at")).timestamp())
    except (ValueError, OverflowError):
        return None  # reported when mapped
    return _Bound(int(raw), seconds)


def _bound(value: Any) -> _Bound | None:
    if not isinstance(value, dict):
        return None
    raw = str(value.get("id") or "0")
    if not raw.isdigit():
        return None
    return _Bound(int(raw), to_int(value.get("time")))


def _dump(bound: _Bound | None) -> dict[str, Any]:
    # Ids as strings: Weibo ids approach 2**53 and the cursor is JSON.
    if bound is None:
        return {"id": "0", "time": 0}
    return {"id": str(bound.id), "time": bound.time}


def _place(item: dict[str, Any], user: dict[str, Any]) -> str:
    """A check-in's place title when the status has one, else the author's profile location."""
    for annotation in item.get("annotations") or []:
        place = annotation.get("place") if isinstance(annotation, dict) else None
        if isinstance(place, dict) and place.get("title"):
            return str(place["title"])
    return str(user.get("location") or "")


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
