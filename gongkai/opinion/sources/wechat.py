"""Comments (留言) on the city's WeChat official-account articles as an opinion source.

Implemented from the platform's documentation (评论管理 / listComment):

* ``POST cgi-bin/comment/list?access_token=…`` with ``{"msg_data_id", "index", "begin", "count",
  "type"}`` — ``msg_data_id`` as returned when the article went out, ``index`` the article within
  a multi-article message (from 0), ``begin`` the offset, ``count`` the page size (the
  documentation says 50 or more is refused, so at most 49), ``type`` 0 (normal and featured).
  Answer: ``{"errcode": 0, "errmsg", "total", "comment": [{"user_comment_id", "openid",
  "create_time", "content", "comment_type", "reply": {"content", "create_time"}}]}``.
* The access token is the publishing backend's (``WechatMpBackend``: ``cgi-bin/stable_token``,
  kept in Django's cache under the same key), so polling comments and publishing share one token.

Articles: the config's ``articles`` list (``msg_data_id``, ``index``, ``title``, ``url``), or, when
it is absent, the articles the outbox published on ``wechat_mp`` in the last ``published_days``
days (their ``msg_data_id`` is kept on the outbox message).

Paging per article: the documentation does not say in which order comments come. The client
learns it from the ids it sees: oldest first, each poll starts one page before where the last one
ended (so deleted comments cannot make it skip any); newest first, each poll starts at 0 and stops
at the first comment already collected. Either way only comments with a ``user_comment_id`` above
the highest one collected are new.

Errors: ``40001``/``40014``/``42001`` → a fresh token and one more try, then ``SourceAuthError``;
``88000`` (no comment privilege) and ``48001`` (interface not authorised) → ``SourceAuthError``;
``-1`` (busy) and ``45009``/``45011`` (quota) stop the poll; anything else is reported for that
article and the others go on.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from django.core.cache import cache

from gongkai.core.outbox.backends.wechat_mp import TOKEN_CODES, WechatError, WechatMpBackend
from gongkai.opinion.analysis.types import RawPost
from gongkai.opinion.sources.base import (
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
    utc_from_timestamp,
)

COMMENT_LIST = "cgi-bin/comment/list"
MAX_COUNT = 49  # "获取数目（>=50会被拒绝）"
AUTH_CODES = frozenset({88000, 48001, 40013, 40125, 40164, 41004, 61004})
STOP_CODES = frozenset({-1, 45009, 45011})
_ERRCODE = re.compile(r"errcode (-?\d+)")


class _ArticleFailed(Exception):
    """This article is skipped for this poll; the others go on."""


class _PollStopped(Exception):
    """Every further call would fail too (busy, quota): the poll stops."""


def article_key(msg_data_id: str, index: int) -> str:
    return f"{msg_data_id}:{index}"


def published_articles(*, days: int) -> list[dict[str, Any]]:
    """The city's articles published on WeChat through the outbox in the last ``days`` days.

    Withdrawn ones are left out. Each is ``{"msg_data_id", "index": 0, "title", "url"}``.
    """
    from django.utils import timezone

    from gongkai.core.outbox.models import OutboxMessage
    from gongkai.core.outbox.selectors import outbox_message_list

    since = timezone.now() - dt.timedelta(days=days)
    messages = list(
        outbox_message_list(status=OutboxMessage.Status.SENT, channel="wechat_mp")
        .select_related(None)
        .filter(created_at__gte=since)
        .only("pk", "payload", "provider_state", "provider_message_id", "created_at")[:1000]
    )
    withdrawn_messages = {
        m.payload.get("of_message") for m in messages if m.payload.get("action") == "withdraw"
    }
    withdrawn_articles = {
        m.payload.get("article_id") for m in messages if m.payload.get("action") == "withdraw"
    }
    articles = []
    for message in messages:
        payload = message.payload or {}
        state = message.provider_state or {}
        if payload.get("action", "post") != "post" or message.pk in withdrawn_messages:
            continue
        if message.provider_message_id and message.provider_message_id in withdrawn_articles:
            continue
        msg_data_id = str(state.get("msg_data_id") or "")
        if not msg_data_id.isdigit():
            continue
        articles.append(
            {
                "msg_data_id": msg_data_id,
                "index": 0,
                "title": str(payload.get("title") or ""),
                "url": str(state.get("article_url") or ""),
            }
        )
    return articles


class WeChatCommentsClient:
    def __init__(
        self,
        app_id: str,
        app_secret: str,
        *,
        base_url: str = "https://api.weixin.qq.com/",
        source: str = "wechat",
        articles: Iterable[dict[str, Any]] | None = None,
        published_days: int = 14,
        count: int = MAX_COUNT,
        max_pages: int = 10,
        timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 0.5,
        sleep: Callable[[float], None] | None = None,
    ):
        if not app_id or not app_secret:
            raise SourceConfigError(
                "微信来源缺少 app_id 或 app_secret（或配置项 WECHAT_MP_APP_ID / WECHAT_MP_APP_SECRET）。",
                "The WeChat source has no app_id or app_secret (or the WECHAT_MP_APP_ID / "
                "WECHAT_MP_APP_SECRET settings).",
            )
        parts = urlsplit(base_url or "")
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise SourceConfigError(
                f"配置项 base_url 不是 http(s) 地址：{base_url!r}。",
                f"Config key base_url is not an http(s) URL: {base_url!r}.",
            )
        if not 1 <= count <= MAX_COUNT:
            raise SourceConfigError(f"count 必须在 1–{MAX_COUNT} 之间。", f"count must be 1–{MAX_COUNT}.")
        self.base = base_url if base_url.endswith("/") else base_url + "/"
        self.source = source
        self.static_articles = _articles(articles) if articles is not None else None
        self.published_days = published_days
        self.count = count
        self.max_pages = max_pages
        # The publishing backend owns the token (stable_token, cached per app id): reuse it.
        self.token_source = WechatMpBackend(
            base=self.base, app_id=app_id, app_secret=app_secret, timeout=timeout
        )
        self.http_options: dict[str, Any] = {"timeout": timeout, "retries": retries, "backoff": backoff}
        if sleep is not None:
            self.http_options["sleep"] = sleep

    @classmethod
    def from_config(cls, config: dict[str, Any], *, source: str) -> WeChatCommentsClient:
        """Build from a Source row's config; credentials default to the city's account settings."""
        from django.conf import settings

        articles = config.get("articles")
        if articles is not None and not isinstance(articles, list):
            raise SourceConfigError("配置项 articles 必须是列表。", "Config key articles must be a list.")
        return cls(
            str(config.get("app_id") or getattr(settings, "WECHAT_MP_APP_ID", "") or ""),
            str(config.get("app_secret") or getattr(settings, "WECHAT_MP_APP_SECRET", "") or ""),
            base_url=str(config.get("base_url") or getattr(settings, "WECHAT_MP_API_BASE", "") or "")
            or "https://api.weixin.qq.com/",
            source=source,
            articles=articles,
            published_days=config_int(config, "published_days", 14, maximum=365),
            count=config_int(config, "count", MAX_COUNT, maximum=MAX_COUNT),
            max_pages=config_int(config, "max_pages", 10, maximum=100),
            timeout=config_float(config, "timeout", float(getattr(settings, "WECHAT_MP_TIMEOUT", 10.0))),
            retries=config_int(config, "retries", 2, minimum=0, maximum=5),
        )

    def articles(self) -> list[dict[str, Any]]:
        if self.static_articles is not None:
            return self.static_articles
        return _articles(published_articles(days=self.published_days))

    # --- the poll ----------------------------------------------------------------------------------

    def fetch(self, cursor: dict[str, Any] | None) -> FetchResult:
        cursor = dict(cursor or {})
        old_states = as_dict(cursor.get("articles"))
        states: dict[str, Any] = {}
        posts: list[RawPost] = []
        errors: list[str] = []
        bad = ItemErrors()
        articles = self.articles()
        with Http(**self.http_options) as http:
            for number, article in enumerate(articles, start=1):
                key = article_key(article["msg_data_id"], article["index"])
                state = as_dict(old_states.get(key))
                try:
                    comments, states[key] = self._walk(http, article, state)
                except _ArticleFailed as exc:
                    states[key] = state
                    errors.append(f"微信文章 {_name(article)}：{exc}")
                    continue
                except _PollStopped as exc:
                    states[key] = state
                    errors.append(f"微信文章 {_name(article)}：{exc}")
                    for rest in articles[number:]:
                        rest_key = article_key(rest["msg_data_id"], rest["index"])
                        if isinstance(old_states.get(rest_key), dict):
                            states[rest_key] = old_states[rest_key]
                    if number < len(articles):
                        errors.append(f"其余 {len(articles) - number} 篇文章本次不再抓取，下次再试。")
                    break
                for comment in comments:
                    post = self._post(article, comment, bad)
                    if post is not None:
                        posts.append(post)
        bad.drain_into(errors)
        return FetchResult(posts, {"articles": states}, errors)

    def _walk(
        self, http: Http, article: dict[str, Any], state: dict[str, Any]
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """The new comments of one article, and the article's new state."""
        max_id = to_int(state.get("max_id"))
        order = state.get("order") if state.get("order") in {"asc", "desc"} else ""
        begin = 0 if order == "desc" else max(0, to_int(state.get("begin")) - self.count)
        position = begin
        collected: list[dict[str, Any]] = []
        complete = False
        total = None
        pages = 0
        retried_shrunk = False
        while pages < self.max_pages:
            answer = self._call(
                http,
                {
                    "msg_data_id": int(article["msg_data_id"]),
                    "index": article["index"],
                    "begin": position,
                    "count": self.count,
                    "type": 0,
                },
            )
            pages += 1
            comments = answer.get("comment") or []
            if not isinstance(comments, list):
                raise _ArticleFailed("comment/list 的回答里 comment 不是列表。")
            total = to_int(answer.get("total"), default=-1)
            if not comments and position > 0 and not retried_shrunk:
                # Many comments were deleted since the last poll (the page one back is past the
                # end): read the article again from the start; max_id keeps it from repeating.
                position = 0
                retried_shrunk = True
                continue
            ids = [to_int(c.get("user_comment_id")) for c in comments if isinstance(c, dict)]
            if not order and len(ids) >= 2 and ids[0] != ids[-1]:
                order = "asc" if ids[0] < ids[-1] else "desc"
            reached_known = False
            for comment in comments:
                comment_id = to_int(comment.get("user_comment_id")) if isinstance(comment, dict) else 0
                if comment_id and comment_id <= max_id:
                    reached_known = True
                    continue
                collected.append(comment)
            position += len(comments)
            if len(comments) < self.count or (total >= 0 and position >= total):
                complete = True
                break
            if order == "desc" and reached_known:
                complete = True
                break
        new_ids = [to_int(c.get("user_comment_id")) for c in collected if isinstance(c, dict)]
        new_state: dict[str, Any] = {"begin": position, "max_id": max_id, "order": order}
        if complete or order != "desc":
            # Newest first and interrupted: keep max_id so the next poll reads the rest again.
            new_state["max_id"] = max([max_id, *new_ids])
        if order == "desc":
            new_state["begin"] = 0
        if total is not None and total >= 0:
            new_state["total"] = total
        return collected, new_state

    def _call(self, http: Http, body: dict[str, Any]) -> dict[str, Any]:
        content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        for round_ in (1, 2):
            token = self._token(http)
            try:
                answer = http.request(
                    "POST",
                    f"{self.base}{COMMENT_LIST}",
                    what="comment/list",
                    params={"access_token": token},
                    content=content,
                    headers={"Content-Type": "application/json; charset=utf-8"},
                )
            except FetchError as exc:
                raise _PollStopped(str(exc)) from exc
            try:
                data = answer.json()
            except (ValueError, UnicodeDecodeError):
                data = None
            if not isinstance(data, dict):
                text = " ".join(answer.text.split())[:200]
                raise _ArticleFailed(f"comment/list HTTP {answer.status_code}：回答不是 JSON 对象（{text}）")
            try:
                code = int(data.get("errcode") or 0)
            except (TypeError, ValueError):
                code = -2  # unreadable: reported below as this article's error
            if code == 0 and answer.status_code == 200:
                return data
            message = f"comment/list errcode {code}: {data.get('errmsg', '')}"
            if code in TOKEN_CODES:
                cache.delete(self.token_source.token_key)
                if round_ == 1:
                    continue
                raise SourceAuthError(
                    f"微信拒绝了访问令牌（{message}），请检查公众号的 AppID 和 AppSecret。",
                    f"WeChat refused the access token ({message}); check the account's AppID and AppSecret.",
                )
            if code in AUTH_CODES:
                raise SourceAuthError(
                    f"公众号没有读取留言的权限（{message}），请在公众平台开通留言功能和接口权限。",
                    f"The official account may not read comments ({message}); enable comments and the "
                    "interface permission on the platform.",
                )
            if code in STOP_CODES:
                raise _PollStopped(f"{message}：微信接口繁忙或调用次数超限，本次停止抓取。")
            if code == 0:
                raise _ArticleFailed(f"comment/list HTTP {answer.status_code}")
            raise _ArticleFailed(message)
        raise AssertionError("unreachable")  # pragma: no cover

    def _token(self, http: Http) -> str:
        try:
            return self.token_source._token(http.client)
        except WechatError as exc:
            found = _ERRCODE.search(exc.result.error)
            code = int(found.group(1)) if found else None
            if code is None or code in STOP_CODES:
                raise _PollStopped(f"获取访问令牌失败：{exc.result.error}") from exc
            raise SourceAuthError(
                f"获取微信访问令牌被拒绝（{exc.result.error}），请检查 AppID、AppSecret 和 IP 白名单。",
                f"WeChat refused the access-token request ({exc.result.error}); check the AppID, "
                "AppSecret and IP allow-list.",
            ) from exc

    def _post(self, article: dict[str, Any], comment: Any, bad: ItemErrors) -> RawPost | None:
        where = f"微信文章 {_name(article)}"
        if not isinstance(comment, dict):
            bad.add(f"{where}：一条留言不是对象，已跳过。")
            return None
        comment_id = to_int(comment.get("user_comment_id"))
        if not comment_id:
            bad.add(f"{where}：一条留言缺少 user_comment_id，已跳过。")
            return None
        created = comment.get("create_time")
        if (
            isinstance(created, bool)
            or not isinstance(created, int | float | str)
            or not str(created).isdigit()
        ):
            bad.add(f"{where}：留言 {comment_id} 的时间无效（{created!r}），已跳过。")
            return None
        content = str(comment.get("content") or "").strip()
        if not content:
            bad.add(f"{where}：留言 {comment_id} 没有内容，已跳过。")
            return None
        parent = article_key(article["msg_data_id"], article["index"])
        return fit(
            RawPost(
                source=self.source,
                external_id=f"{parent}:{comment_id}",
                text=content,
                published_at=utc_from_timestamp(int(created)),
                url=article.get("url") or "",
                author_id=str(comment.get("openid") or ""),
                kind="comment",
                parent_external_id=parent,
            )
        )


def _articles(values: Iterable[Any]) -> list[dict[str, Any]]:
    articles: list[dict[str, Any]] = []
    seen: set[str] = set()
    for value in values:
        if not isinstance(value, dict):
            raise SourceConfigError(
                "articles 的每一项必须是对象。", "Each item of articles must be an object."
            )
        msg_data_id = str(value.get("msg_data_id") or "").strip()
        index = value.get("index", 0)
        if not msg_data_id.isdigit() or isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise SourceConfigError(
                f"文章的 msg_data_id 须为数字、index 须为不小于 0 的整数：{value!r}。",
                f"An article needs a numeric msg_data_id and an index ≥ 0: {value!r}.",
            )
        key = article_key(msg_data_id, index)
        if key in seen:
            continue
        seen.add(key)
        articles.append(
            {
                "msg_data_id": msg_data_id,
                "index": index,
                "title": str(value.get("title") or ""),
                "url": str(value.get("url") or ""),
            }
        )
    return articles


def _name(article: dict[str, Any]) -> str:
    key = article_key(article["msg_data_id"], article["index"])
    return f"《{article['title']}》（{key}）" if article.get("title") else key
