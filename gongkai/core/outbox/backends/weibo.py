"""Weibo (新浪微博开放平台, API v2) over its documented HTTP API; no SDK is needed.

Implemented from the open platform's documentation:

* ``POST 2/statuses/share.json`` (第三方分享一条链接到微博, the current posting endpoint), form
  fields ``access_token``, ``status`` (at most 140 Chinese characters, no ``#话题#``, and at least
  one link to a page on the app's 安全域名) and ``rip`` (the real IP of the operating user). The
  answer is the new status (``id``, ``idstr``, ``mid``, ``text``, …); we keep ``idstr``.
* ``POST 2/statuses/destroy.json`` with ``id``: withdraws a status of the authorised account.
* ``GET 2/statuses/user_timeline.json`` (``count``, ``trim_user=1``): the account's latest
  statuses; used to confirm a post that is in doubt before sending it again.
* ``POST oauth2/access_token`` with ``grant_type=refresh_token``, ``client_id`` (App Key),
  ``client_secret`` (App Secret) and ``refresh_token`` → ``{"access_token", "expires_in", …}``.
* Errors are HTTP 4xx/5xx with ``{"error", "error_code", "request"}``. Codes starting with 1 are
  system-level, with 2 service-level (the second and third digits name the module).

Classification:

* token codes (``21314``–``21319``, ``21327`` expired_token, ``21332`` invalid_access_token,
  ``21501``): the token is refreshed (when App Key, App Secret and a refresh token are configured)
  and the call is made once more; otherwise a transient error that an operator fixes by
  re-authorising the account.
* system-level (1xxxx) errors retry — the platform is busy (``10001``–``10003``, ``10009``–``10011``),
  a rate limit was hit (``10022``–``10024``), the app or IP lacks a permission an operator can fix —
  except those that say the request itself is wrong (``10008``, ``10016``, ``10017``, …).
* service-level (2xxxx) errors are about the post itself (too long, repeated, illegal link or
  content, not our status …) and are permanent, except ``20016`` (posting too often) which retries.

The access token in use is kept in Django's cache with its expiry, so every worker shares a
refreshed token.
"""

from __future__ import annotations

import hashlib
import re

import httpx
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from gongkai.core.outbox.backends.base import Result

TOKEN_CODES = frozenset({21314, 21315, 21316, 21317, 21319, 21327, 21332, 21501})
# System-level codes that say the request itself is malformed: sending it again cannot help.
PERMANENT_SYSTEM_CODES = frozenset({10007, 10008, 10016, 10017, 10018, 10026, 10027, 10028, 10029})
# Service-level codes that are worth retrying.
RETRY_SERVICE_CODES = frozenset({20016, 20032})
# destroy: "Target weibo does not exist" — already withdrawn.
GONE_CODES = frozenset({20101})

_URL = re.compile(r"https?://[^\s]+")


def weibo_status_url(status_id: str) -> str:
    return f"https://m.weibo.cn/status/{status_id}" if status_id else ""


def classify(code: int | None, http_status: int, text: str, *, what: str, mutating: bool) -> Result:
    """Turn a Weibo error answer into a Result (token codes are handled by the caller)."""
    error = f"{what} HTTP {http_status}" + (f" error_code {code}" if code is not None else "")
    if code is None:
        # Not Weibo's error format (a proxy page, a 502 …): the request may have gone through.
        return Result.transient(error, text, maybe_sent=mutating and http_status >= 500)
    if code in TOKEN_CODES:
        return Result.transient(error + "：访问令牌已失效，请重新授权微博账号。", text)
    if 10000 <= code < 20000:
        if code in PERMANENT_SYSTEM_CODES:
            return Result.permanent(error, text)
        return Result.transient(error, text, maybe_sent=mutating and http_status >= 500)
    if code in RETRY_SERVICE_CODES:
        return Result.transient(error, text)
    if 21000 <= code < 22000:
        # Other authorisation problems (app not approved, scope missing …): an operator fixes them.
        return Result.transient(error, text)
    return Result.permanent(error, text)


class WeiboTokens:
    """The account's access token: the configured one, or a refreshed one from the cache."""

    def __init__(self, *, access_token: str, app_key: str, app_secret: str, refresh_token: str, base: str):
        self.configured = access_token
        self.app_key = app_key
        self.app_secret = app_secret
        self.refresh_token = refresh_token
        self.base = base
        fingerprint = hashlib.sha256(f"{app_key}:{access_token}".encode()).hexdigest()[:16]
        self.key = f"outbox:weibo:token:{fingerprint}"
        self.refresh_key = f"outbox:weibo:refresh:{fingerprint}"

    def current(self) -> str:
        return cache.get(self.key) or self.configured

    @property
    def can_refresh(self) -> bool:
        return bool(self.app_key and self.app_secret and (cache.get(self.refresh_key) or self.refresh_token))

    def refresh(self, client: httpx.Client) -> bool:
        """Get a new access token with the refresh token; return whether it worked."""
        if not self.can_refresh:
            return False
        try:
            response = client.post(
                f"{self.base}oauth2/access_token",
                data={
                    "client_id": self.app_key,
                    "client_secret": self.app_secret,
                    "grant_type": "refresh_token",
                    "refresh_token": cache.get(self.refresh_key) or self.refresh_token,
                },
            )
            data = response.json()
        except (httpx.HTTPError, ValueError):
            return False
        token = data.get("access_token") if isinstance(data, dict) else None
        if not token:
            return False
        expires_in = int(data.get("expires_in") or 3600)
        cache.set(self.key, token, max(expires_in - 300, 60))
        if data.get("refresh_token"):
            cache.set(self.refresh_key, data["refresh_token"], None)
        return True

    def forget(self) -> None:
        cache.delete(self.key)


class WeiboBackend:
    def __init__(
        self,
        *,
        base: str,
        access_token: str,
        rip: str,
        app_key: str = "",
        app_secret: str = "",
        refresh_token: str = "",
        timeout: float = 10.0,
    ):
        self.base = base if base.endswith("/") else base + "/"
        self.rip = rip
        self.tokens = WeiboTokens(
            access_token=access_token,
            app_key=app_key,
            app_secret=app_secret,
            refresh_token=refresh_token,
            base=self.base,
        )
        self.timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0))

    @classmethod
    def from_settings(cls) -> WeiboBackend:
        token = getattr(settings, "WEIBO_ACCESS_TOKEN", None)
        rip = getattr(settings, "WEIBO_RIP", None)
        if not token or not rip:
            missing = "WEIBO_ACCESS_TOKEN" if not token else "WEIBO_RIP"
            raise ImproperlyConfigured(
                f"配置项 {missing} 未设置，微博接口（GONGKAI_WEIBO_BACKEND=http）需要它。 / "
                f"Setting {missing} is missing; the Weibo API backend (GONGKAI_WEIBO_BACKEND=http) needs it."
            )
        return cls(
            base=settings.WEIBO_API_BASE,
            access_token=token,
            rip=rip,
            app_key=getattr(settings, "WEIBO_APP_KEY", "") or "",
            app_secret=getattr(settings, "WEIBO_APP_SECRET", "") or "",
            refresh_token=getattr(settings, "WEIBO_REFRESH_TOKEN", "") or "",
            timeout=float(getattr(settings, "WEIBO_TIMEOUT", 10.0)),
        )

    # --- requests ----------------------------------------------------------------------------------

    def _call(
        self,
        client: httpx.Client,
        method: str,
        path: str,
        params: dict[str, str],
        *,
        mutating: bool,
        gone_codes: frozenset[int] = frozenset(),
    ) -> dict | Result:
        """Make one API call, refreshing the token once if Weibo says it expired.

        Returns the decoded JSON answer (``{"gone": True}`` for an error code in ``gone_codes``),
        or a Result describing the failure.
        """
        what = path.removeprefix("2/").removesuffix(".json")
        for round_ in (1, 2):
            fields = {**params, "access_token": self.tokens.current()}
            try:
                if method == "GET":
                    response = client.get(f"{self.base}{path}", params=fields)
                else:
                    response = client.post(f"{self.base}{path}", data=fields)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                return Result.transient(f"{what} connect: {exc!r}")
            except httpx.HTTPError as exc:
                return Result.transient(f"{what}: {exc!r}", maybe_sent=mutating)
            try:
                data = response.json()
            except ValueError:
                data = None
            if response.status_code == 200 and isinstance(data, dict) and "error_code" not in data:
                return data
            code = None
            if isinstance(data, dict) and "error_code" in data:
                try:
                    code = int(data["error_code"])
                except (TypeError, ValueError):
                    code = None
            if code in gone_codes:
                return {"gone": True}
            if code in TOKEN_CODES and round_ == 1:
                self.tokens.forget()
                if self.tokens.refresh(client):
                    continue
            return classify(code, response.status_code, response.text, what=what, mutating=mutating)
        raise AssertionError("unreachable")  # pragma: no cover

    # --- interface ---------------------------------------------------------------------------------

    def send(self, message) -> Result:
        payload = message.payload
        with httpx.Client(timeout=self.timeout) as client:
            if payload.get("action") == "withdraw":
                return self._withdraw(client, message)
            answer = self._call(
                client,
                "POST",
                "2/statuses/share.json",
                {"status": payload["text"], "rip": self.rip},
                mutating=True,
            )
        if isinstance(answer, Result):
            return answer
        status_id = str(answer.get("idstr") or answer.get("id") or "")
        if not status_id:
            return Result.transient("statuses/share: no id in the answer", str(answer), maybe_sent=True)
        return Result.sent(provider_message_id=status_id, response=str(answer)[:2000])

    def _withdraw(self, client: httpx.Client, message) -> Result:
        status_id, waiting = resolve_target(message, "status_id")
        if waiting is not None:
            return waiting
        if not status_id:
            return Result.sent(response="原微博未发出，无需撤回。")
        answer = self._call(
            client, "POST", "2/statuses/destroy.json", {"id": status_id}, mutating=True, gone_codes=GONE_CODES
        )
        if isinstance(answer, Result):
            return answer
        if answer.get("gone"):
            return Result.sent(provider_message_id=status_id, response="微博已不存在（已撤回）。")
        return Result.sent(provider_message_id=status_id, response=str(answer)[:2000])

    def confirm(self, message) -> bool | str | None:
        """Look for the post on the account's latest statuses (before sending it again).

        Weibo shortens links, so a status matches when its text starts with the post's text up to
        its first link. Returns the status id if found, False if not, None when there is nothing to
        match on (a withdrawal, or a text that starts with its link). Raises if Weibo cannot be asked.
        """
        from gongkai.core.outbox.backends.base import ConfirmError

        payload = message.payload
        if payload.get("action") == "withdraw":
            return None
        prefix = _URL.split(payload.get("text", ""), maxsplit=1)[0].strip()
        if not prefix:
            return None
        with httpx.Client(timeout=self.timeout) as client:
            answer = self._call(
                client,
                "GET",
                "2/statuses/user_timeline.json",
                {"count": "50", "trim_user": "1"},
                mutating=False,
            )
        if isinstance(answer, Result):
            raise ConfirmError(answer.error)
        for status in answer.get("statuses") or []:
            if str(status.get("text", "")).startswith(prefix):
                return str(status.get("idstr") or status.get("id") or "") or True
        return False


def resolve_target(message, id_field: str) -> tuple[str, Result | None]:
    """The provider id a withdrawal acts on: from its payload, or from the post it withdraws.

    Returns ``(id, None)``, or ``("", Result)`` to wait while the post is still being delivered.
    An id of ``""`` with no Result means the post never went out: there is nothing to withdraw.
    """
    from gongkai.core.outbox.models import OutboxMessage

    payload = message.payload
    target = str(payload.get(id_field) or "")
    if target or not payload.get("of_message"):
        return target, None
    post = (
        OutboxMessage.objects.filter(pk=payload["of_message"]).only("status", "provider_message_id").first()
    )
    if post is None:
        return "", None
    if post.status == OutboxMessage.Status.SENT:
        return post.provider_message_id, None
    if post.status in {OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING}:
        return "", Result.transient("原消息尚未发出，稍后再撤回。")
    return "", None
