"""WeChat official accounts (微信公众平台) over their documented HTTP API; no SDK is needed.

Implemented from the platform's documentation (all JSON bodies are sent as raw UTF-8: WeChat
shows ``\\uXXXX`` escapes literally):

* ``POST cgi-bin/stable_token`` ``{"grant_type": "client_credential", "appid", "secret",
  "force_refresh": false}`` → ``{"access_token", "expires_in"}`` (at most 7200 s; in the normal
  mode the platform hands out the current token, so every worker and process shares one). The
  token is kept in Django's cache until shortly before it expires.
* ``POST cgi-bin/material/add_material?type=thumb`` (multipart, file field ``media``) →
  ``{"media_id", "url"}``: the article cover, uploaded once and cached, unless
  ``WECHAT_MP_THUMB_MEDIA_ID`` names a permanent material already.
* ``POST cgi-bin/draft/add`` ``{"articles": [{"title", "author", "digest", "content",
  "content_source_url", "thumb_media_id", "need_open_comment", "only_fans_can_comment"}]}`` →
  ``{"media_id"}`` (the draft).
* ``POST cgi-bin/freepublish/submit`` ``{"media_id"}`` → ``{"errcode": 0, "publish_id",
  "msg_data_id"}``: publishing is asynchronous.
* ``POST cgi-bin/freepublish/get`` ``{"publish_id"}`` → ``{"publish_status", "article_id",
  "article_detail": {"item": [{"idx", "article_url"}]}, "fail_idx"}``; status 0 published, 1 in
  progress, 2 原创 check failed, 3 general failure, 4 rejected by the platform's review, 5 deleted
  by the account, 6 blocked by the platform.
* ``POST cgi-bin/freepublish/delete`` ``{"article_id", "index": 0}`` (0: every article of it).
* Errors: ``{"errcode", "errmsg"}`` with HTTP 200.

Each step saves what it achieved (``media_id``, ``publish_id``) on the message
(``outbox_save_provider_state``), so a retry after a failure or a crash resumes: no second draft,
no second publication. A publication still in progress after ``WECHAT_MP_PUBLISH_POLLS`` checks is
a transient result; the outbox asks again after its backoff. The message's
``provider_message_id`` becomes the ``article_id``; ``provider_state`` keeps ``publish_id`` and
``article_url``.

Classification: ``40001``/``40014``/``42001`` (token invalid or expired) → a fresh token and one
more try; ``-1`` (busy), ``45009``/``45011`` (daily/minute quota) and every unlisted code → retry
with backoff (account and permission problems are for an operator to fix; the article itself is
fine); the codes in ``PERMANENT_CODES`` (the article is too long, malformed or refused) → dead.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from gongkai.core.outbox.backends.base import Result
from gongkai.core.outbox.backends.weibo import resolve_target

TOKEN_CODES = frozenset({40001, 40014, 42001})
PERMANENT_CODES = frozenset(
    {
        40008,  # invalid message type
        44002,  # empty post data
        44003,  # empty news data
        44004,  # empty content
        45002,  # content size out of limit
        45003,  # title size out of limit
        45004,  # description size out of limit
        45005,  # url size out of limit
        45166,  # invalid content
        47001,  # data format error
        53503,  # the draft did not pass the publish check
        53504,  # the draft must be published on the official website
        53505,  # the draft must be saved by hand first
    }
)
INVALID_MEDIA = 40007
PUBLISH_FAILURES = {
    2: "原创声明校验失败",
    3: "常规失败",
    4: "平台审核不通过",
    5: "发布成功后已被账号删除",
    6: "发布成功后被平台封禁",
}
DEFAULT_THUMB = Path(__file__).resolve().parent.parent / "data" / "wechat_cover.jpg"


class WechatError(Exception):
    def __init__(self, result: Result, code: int | None = None):
        super().__init__(result.error)
        self.result = result
        self.code = code


class WechatMpBackend:
    def __init__(
        self,
        *,
        base: str,
        app_id: str,
        app_secret: str,
        thumb_media_id: str = "",
        thumb_image: str = "",
        timeout: float = 10.0,
        polls: int = 3,
        poll_seconds: float = 1.0,
    ):
        self.base = base if base.endswith("/") else base + "/"
        self.app_id = app_id
        self.app_secret = app_secret
        self.thumb_media_id = thumb_media_id
        self.thumb_image = Path(thumb_image) if thumb_image else DEFAULT_THUMB
        self.timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0))
        self.polls = polls
        self.poll_seconds = poll_seconds
        self.token_key = f"outbox:wechat_mp:token:{app_id}"

    @classmethod
    def from_settings(cls) -> WechatMpBackend:
        app_id = getattr(settings, "WECHAT_MP_APP_ID", None)
        secret = getattr(settings, "WECHAT_MP_APP_SECRET", None)
        if not app_id or not secret:
            missing = "WECHAT_MP_APP_ID" if not app_id else "WECHAT_MP_APP_SECRET"
            raise ImproperlyConfigured(
                f"配置项 {missing} 未设置，微信公众号接口（GONGKAI_WECHAT_BACKEND=http）需要它。 / "
                f"Setting {missing} is missing; the WeChat API backend (GONGKAI_WECHAT_BACKEND=http) needs it."
            )
        return cls(
            base=settings.WECHAT_MP_API_BASE,
            app_id=app_id,
            app_secret=secret,
            thumb_media_id=getattr(settings, "WECHAT_MP_THUMB_MEDIA_ID", "") or "",
            thumb_image=getattr(settings, "WECHAT_MP_THUMB_IMAGE", "") or "",
            timeout=float(getattr(settings, "WECHAT_MP_TIMEOUT", 10.0)),
            polls=int(getattr(settings, "WECHAT_MP_PUBLISH_POLLS", 3)),
            poll_seconds=float(getattr(settings, "WECHAT_MP_PUBLISH_POLL_SECONDS", 1.0)),
        )

    # --- token -------------------------------------------------------------------------------------

    def _token(self, client: httpx.Client) -> str:
        token = cache.get(self.token_key)
        if token:
            return token
        try:
            response = client.post(
                f"{self.base}cgi-bin/stable_token",
                content=_json(
                    {
                        "grant_type": "client_credential",
                        "appid": self.app_id,
                        "secret": self.app_secret,
                        "force_refresh": False,
                    }
                ),
                headers={"Content-Type": "application/json; charset=utf-8"},
            )
        except httpx.HTTPError as exc:
            raise WechatError(Result.transient(f"stable_token: {exc!r}")) from exc
        data = _decode(response)
        if not data.get("access_token"):
            raise WechatError(
                Result.transient(
                    f"stable_token errcode {data.get('errcode')}: {data.get('errmsg', '')}", response.text
                )
            )
        expires_in = int(data.get("expires_in") or 7200)
        cache.set(self.token_key, data["access_token"], max(expires_in - 120, 30))
        return data["access_token"]

    # --- requests ----------------------------------------------------------------------------------

    def _call(
        self,
        client: httpx.Client,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        query: dict[str, str] | None = None,
        files: dict | None = None,
        mutating: bool,
    ) -> dict[str, Any]:
        """POST to ``cgi-bin/<path>``; return the answer with errcode 0, else raise WechatError.

        An invalid or expired token is dropped from the cache and the call made once more.
        """
        for round_ in (1, 2):
            params = {**(query or {}), "access_token": self._token(client)}
            try:
                if files is not None:
                    response = client.post(f"{self.base}cgi-bin/{path}", params=params, files=files)
                else:
                    response = client.post(
                        f"{self.base}cgi-bin/{path}",
                        params=params,
                        content=_json(body or {}),
                        headers={"Content-Type": "application/json; charset=utf-8"},
                    )
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                raise WechatError(Result.transient(f"{path} connect: {exc!r}")) from exc
            except httpx.HTTPError as exc:
                raise WechatError(Result.transient(f"{path}: {exc!r}", maybe_sent=mutating)) from exc
            try:
                data = response.json()
            except ValueError:
                data = None
            if not isinstance(data, dict):
                raise WechatError(
                    Result.transient(
                        f"{path} HTTP {response.status_code}: not JSON",
                        response.text,
                        maybe_sent=mutating and response.status_code >= 500,
                    )
                )
            code = int(data.get("errcode") or 0)
            if code == 0:
                return data
            if code in TOKEN_CODES and round_ == 1:
                cache.delete(self.token_key)
                continue
            error = f"{path} errcode {code}: {data.get('errmsg', '')}"
            if code in PERMANENT_CODES:
                raise WechatError(Result.permanent(error, response.text), code)
            raise WechatError(Result.transient(error, response.text, maybe_sent=False), code)
        raise AssertionError("unreachable")  # pragma: no cover

    def _thumb(self, client: httpx.Client, payload: dict) -> tuple[str, bool]:
        """The cover's permanent media id, and whether it came from our cached upload."""
        chosen = payload.get("thumb_media_id") or self.thumb_media_id
        if chosen:
            return chosen, False
        content = self.thumb_image.read_bytes()
        key = f"outbox:wechat_mp:thumb:{self.app_id}:{hashlib.sha256(content).hexdigest()[:16]}"
        cached = cache.get(key)
        if cached:
            return cached, True
        answer = self._call(
            client,
            "material/add_material",
            query={"type": "thumb"},
            files={"media": (self.thumb_image.name, content, "image/jpeg")},
            mutating=True,
        )
        media_id = str(answer.get("media_id") or "")
        if not media_id:
            raise WechatError(Result.transient("material/add_material: no media_id", str(answer)))
        cache.set(key, media_id, None)  # a permanent material
        return media_id, True

    # --- interface ---------------------------------------------------------------------------------

    def send(self, message) -> Result:
        from gongkai.core.outbox.services import outbox_save_provider_state

        payload = message.payload
        try:
            with httpx.Client(timeout=self.timeout) as client:
                if payload.get("action") == "withdraw":
                    return self._withdraw(client, message)
                state = dict(message.provider_state or {})
                if not state.get("publish_id"):
                    if not state.get("media_id"):
                        thumb, uploaded = self._thumb(client, payload)
                        try:
                            draft = self._call(
                                client, "draft/add", body=_draft(payload, thumb), mutating=True
                            )
                        except WechatError as exc:
                            if uploaded and exc.code == INVALID_MEDIA:
                                _forget_thumb(self)
                            raise
                        media_id = str(draft.get("media_id") or "")
                        if not media_id:
                            return Result.transient("draft/add: no media_id", str(draft))
                        outbox_save_provider_state(message, {"media_id": media_id})
                        state["media_id"] = media_id
                    try:
                        submitted = self._call(
                            client, "freepublish/submit", body={"media_id": state["media_id"]}, mutating=True
                        )
                    except WechatError as exc:
                        if exc.code == INVALID_MEDIA:
                            # The draft is gone (deleted by hand): make a new one next time.
                            outbox_save_provider_state(message, {"media_id": None})
                            return Result.transient(exc.result.error, exc.result.response_excerpt)
                        raise
                    publish_id = str(submitted.get("publish_id") or "")
                    if not publish_id:
                        return Result.transient("freepublish/submit: no publish_id", str(submitted))
                    outbox_save_provider_state(
                        message,
                        {"publish_id": publish_id, "msg_data_id": str(submitted.get("msg_data_id") or "")},
                    )
                    state["publish_id"] = publish_id
                return self._poll(client, message, state["publish_id"])
        except WechatError as exc:
            return exc.result

    def _poll(self, client: httpx.Client, message, publish_id: str) -> Result:
        from gongkai.core.outbox.services import outbox_save_provider_state

        for number in range(max(self.polls, 1)):
            if number:
                time.sleep(self.poll_seconds)
            answer = self._call(client, "freepublish/get", body={"publish_id": publish_id}, mutating=False)
            status = int(answer.get("publish_status", 1))
            if status == 0:
                article_id = str(answer.get("article_id") or "")
                items = (answer.get("article_detail") or {}).get("item") or []
                url = str(items[0].get("article_url") or "") if items else ""
                outbox_save_provider_state(message, {"article_url": url})
                return Result.sent(
                    provider_message_id=article_id, response=json.dumps(answer, ensure_ascii=False)
                )
            if status in PUBLISH_FAILURES:
                # Start afresh (new draft) if staff retry it after fixing the article.
                outbox_save_provider_state(message, {"media_id": None, "publish_id": None})
                return Result.permanent(
                    f"freepublish publish_status {status}: {PUBLISH_FAILURES[status]}，"
                    f"fail_idx {answer.get('fail_idx')}",
                    json.dumps(answer, ensure_ascii=False),
                )
        return Result.transient(f"freepublish/get: 发布中（publish_id {publish_id}）")

    def _withdraw(self, client: httpx.Client, message) -> Result:
        article_id, waiting = resolve_target(message, "article_id")
        if waiting is not None:
            return waiting
        if not article_id:
            return Result.sent(response="原文章未发布，无需撤回。")
        try:
            answer = self._call(
                client, "freepublish/delete", body={"article_id": article_id, "index": 0}, mutating=True
            )
        except WechatError as exc:
            if exc.code == INVALID_MEDIA:
                # The platform no longer knows the article: it was deleted already.
                return Result.sent(provider_message_id=article_id, response="文章已不存在（已删除）。")
            raise
        return Result.sent(provider_message_id=article_id, response=json.dumps(answer, ensure_ascii=False))

    def confirm(self, message) -> bool | None:
        # A post resumes from its saved progress; a deletion is harmless to repeat.
        return None


def _forget_thumb(backend: WechatMpBackend) -> None:
    """Drop a cached cover the platform no longer knows, so the next attempt uploads it again."""
    content = backend.thumb_image.read_bytes()
    cache.delete(f"outbox:wechat_mp:thumb:{backend.app_id}:{hashlib.sha256(content).hexdigest()[:16]}")


def _draft(payload: dict, thumb_media_id: str) -> dict[str, Any]:
    return {
        "articles": [
            {
                "article_type": "news",
                "title": payload["title"],
                "author": payload.get("author", ""),
                "digest": payload.get("digest", ""),
                "content": payload["content"],
                "content_source_url": payload.get("content_source_url", ""),
                "thumb_media_id": thumb_media_id,
                "need_open_comment": 0,
                "only_fans_can_comment": 0,
            }
        ]
    }


def _json(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _decode(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
