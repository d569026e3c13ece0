"""The ``weibo`` and ``wechat_mp`` outbox channels (政务新媒体): a post, or the withdrawal of one.

Recipient: the account's name (for now the one configured account, ``WEIBO_ACCOUNT_NAME`` /
``WECHAT_MP_ACCOUNT_NAME``; a later issue maps names to the city's account matrix).

Payloads:

* ``weibo`` post — ``{"action": "post", "text": "…"}``: at most 140 characters as Weibo counts them
  (a Chinese character 1, other characters ½, a link about 12), no ``#话题#``, and at least one
  http(s) link on a domain of ``WEIBO_SAFE_DOMAINS`` (the app's 安全域名).
* ``weibo`` withdrawal — ``{"action": "withdraw", "status_id": "…"}`` or ``{"action": "withdraw",
  "of_message": <outbox id of the post>}`` (the id is then read from that post once it is sent).
* ``wechat_mp`` post — ``{"action": "post", "title", "content" (sanitised HTML), "digest"?,
  "author"?, "content_source_url"?, "thumb_media_id"?}``.
* ``wechat_mp`` withdrawal — ``{"action": "withdraw", "article_id": "…"}`` or with ``of_message``.

Backends (``GONGKAI_WEIBO_BACKEND`` / ``GONGKAI_WECHAT_BACKEND``): ``log`` or ``http``.
"""

from __future__ import annotations

import math
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongkai.core.outbox.backends.base import Backend
from gongkai.core.outbox.channels import Channel, OutboxPayloadError, register_channel

WEIBO_MAX_LENGTH = 140
WEIBO_LINK_LENGTH = 12
WECHAT_TITLE_MAX = 64
WECHAT_AUTHOR_MAX = 16
WECHAT_DIGEST_MAX = 128
WECHAT_CONTENT_MAX = 20000

_URL = re.compile(r"https?://[^\s]+")
_TOPIC = re.compile(r"#[^#\s]+#")


def weibo_length(text: str) -> int:
    """Length as Weibo counts it: Chinese 1, other characters ½ (rounded up), a link ~12."""
    links = _URL.findall(text)
    rest = _URL.sub("", text)
    halves = sum(1 if ord(char) < 128 else 2 for char in rest)
    return math.ceil(halves / 2) + WEIBO_LINK_LENGTH * len(links)


def _host_allowed(url: str, domains: list[str]) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d.lower() or host.endswith("." + d.lower()) for d in domains if d)


def _check_account(recipient: str) -> str:
    name = (recipient or "").strip()
    if not name or len(name) > 100 or "\n" in name or "\r" in name:
        raise OutboxPayloadError(_("新媒体账号名称不能为空，且不能超过 100 个字符。"))
    return name


def _check_withdrawal(payload: dict, id_field: str) -> None:
    target = payload.get(id_field)
    of_message = payload.get("of_message")
    if target not in (None, "") and not (isinstance(target, str) and 0 < len(target) <= 200):
        raise OutboxPayloadError(_("撤回内容的 %(field)s 必须是文字。") % {"field": id_field})
    if of_message is not None and (not isinstance(of_message, int) or isinstance(of_message, bool)):
        raise OutboxPayloadError(_("撤回内容的 of_message 必须是外发消息编号。"))
    if not target and of_message is None:
        raise OutboxPayloadError(
            _("撤回内容须给出 %(field)s 或原消息编号（of_message）。") % {"field": id_field}
        )


def _action(payload: dict) -> str:
    action = payload.get("action", "post")
    if action not in {"post", "withdraw"}:
        raise OutboxPayloadError(_("新媒体消息的 action 只能是 post 或 withdraw。"))
    return action


# --- weibo ----------------------------------------------------------------------------------------


def validate_weibo(recipient: str, payload: dict) -> str:
    account = _check_account(recipient)
    if _action(payload) == "withdraw":
        _check_withdrawal(payload, "status_id")
        return account
    text = payload.get("text")
    if not isinstance(text, str) or not text.strip():
        raise OutboxPayloadError(_("微博内容（text）不能为空。"))
    if _TOPIC.search(text):
        raise OutboxPayloadError(_("分享到微博的内容不能包含“#话题#”。"))
    links = _URL.findall(text)
    domains = list(getattr(settings, "WEIBO_SAFE_DOMAINS", []))
    if not any(_host_allowed(link, domains) for link in links):
        raise OutboxPayloadError(
            _("微博内容必须包含一个安全域名（%(domains)s）下的网址。") % {"domains": ", ".join(domains)}
        )
    length = weibo_length(text)
    if length > WEIBO_MAX_LENGTH:
        raise OutboxPayloadError(
            _("微博内容过长：%(length)s 字，最多 %(max)s 字。") % {"length": length, "max": WEIBO_MAX_LENGTH}
        )
    return account


def render_weibo(recipient: str, payload: dict) -> str:
    if payload.get("action") == "withdraw":
        return _("微博 @%(account)s：撤回微博 %(id)s") % {
            "account": recipient,
            "id": payload.get("status_id") or _("（原消息 %(id)s）") % {"id": payload.get("of_message")},
        }
    return _("微博 @%(account)s：%(text)s") % {"account": recipient, "text": payload.get("text", "")}


def weibo_backend() -> Backend:
    if getattr(settings, "GONGKAI_WEIBO_BACKEND", "log") == "http":
        from gongkai.core.outbox.backends.weibo import WeiboBackend

        return WeiboBackend.from_settings()
    from gongkai.core.outbox.backends.log import LogBackend

    return LogBackend()


# --- wechat_mp ------------------------------------------------------------------------------------


def validate_wechat(recipient: str, payload: dict) -> str:
    account = _check_account(recipient)
    if _action(payload) == "withdraw":
        _check_withdrawal(payload, "article_id")
        return account
    title = payload.get("title")
    content = payload.get("content")
    if not isinstance(title, str) or not title.strip():
        raise OutboxPayloadError(_("公众号文章缺少标题（title）。"))
    if len(title) > WECHAT_TITLE_MAX:
        raise OutboxPayloadError(_("公众号文章标题不能超过 %(max)s 个字。") % {"max": WECHAT_TITLE_MAX})
    if not isinstance(content, str) or not content.strip():
        raise OutboxPayloadError(_("公众号文章缺少正文（content）。"))
    if len(content) > WECHAT_CONTENT_MAX:
        raise OutboxPayloadError(_("公众号文章正文不能超过 %(max)s 个字符。") % {"max": WECHAT_CONTENT_MAX})
    for field, limit in (("author", WECHAT_AUTHOR_MAX), ("digest", WECHAT_DIGEST_MAX)):
        value = payload.get(field, "")
        if not isinstance(value, str) or len(value) > limit:
            raise OutboxPayloadError(
                _("公众号文章字段 %(field)s 必须是不超过 %(max)s 个字的文字。")
                % {"field": field, "max": limit}
            )
    source = payload.get("content_source_url", "")
    if source and (not isinstance(source, str) or urlsplit(source).scheme not in {"http", "https"}):
        raise OutboxPayloadError(_("公众号文章的原文地址必须是 http 或 https 网址。"))
    thumb = payload.get("thumb_media_id", "")
    if not isinstance(thumb, str) or len(thumb) > 200:
        raise OutboxPayloadError(_("公众号文章的封面素材编号必须是文字。"))
    return account


def render_wechat(recipient: str, payload: dict) -> str:
    if payload.get("action") == "withdraw":
        return _("公众号 %(account)s：删除已发布文章 %(id)s") % {
            "account": recipient,
            "id": payload.get("article_id") or _("（原消息 %(id)s）") % {"id": payload.get("of_message")},
        }
    return _("公众号 %(account)s：《%(title)s》\n摘要：%(digest)s\n原文：%(url)s\n\n%(content)s") % {
        "account": recipient,
        "title": payload.get("title", ""),
        "digest": payload.get("digest", ""),
        "url": payload.get("content_source_url", ""),
        "content": payload.get("content", ""),
    }


def wechat_backend() -> Backend:
    if getattr(settings, "GONGKAI_WECHAT_BACKEND", "log") == "http":
        from gongkai.core.outbox.backends.wechat_mp import WechatMpBackend

        return WechatMpBackend.from_settings()
    from gongkai.core.outbox.backends.log import LogBackend

    return LogBackend()


def _public(name: str) -> str:
    # Account names are public; nothing to hide.
    return name


register_channel(Channel("weibo", gettext_lazy("微博"), validate_weibo, render_weibo, _public, weibo_backend))
register_channel(
    Channel("wechat_mp", gettext_lazy("微信公众号"), validate_wechat, render_wechat, _public, wechat_backend)
)
