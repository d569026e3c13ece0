"""The registry of channels: what a payload must look like, how to show it, which backend sends it.

A channel is registered once (at import time of the app that owns it) with
:func:`register_channel`. The backend is chosen when a message is *delivered*, from settings, so a
deployment can switch from ``log`` to a real provider without touching queued rows.

Built-in channels:

* ``sms`` — recipient a mainland mobile number; payload ``{"template": "SMS_123", "params": {...}}``.
  Backend per ``GONGKAI_SMS_BACKEND``: ``log`` or ``aliyun``.
* ``email`` — recipient one or more addresses separated by commas; payload ``{"subject", "body",
  optional "html_body", "from_email", "cc", "bcc", "reply_to", "headers"}``. Backend per
  ``GONGKAI_EMAIL_BACKEND``: ``log`` or ``smtp``.
* ``webhook`` — recipient an http(s) URL; payload ``{"event": "...", "data": <JSON>}``. Backend
  ``http`` when ``GONGKAI_WEBHOOK_BACKEND`` says so (default: ``log`` in embedded mode, ``http``
  otherwise).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongkai.api.errors import ApiError
from gongkai.core.outbox.backends.base import Backend


class OutboxPayloadError(ApiError, ValueError):
    """The channel is unknown, or the recipient or payload is not valid for the channel."""

    status = 422
    code = "invalid_payload"


@dataclass(frozen=True)
class Channel:
    name: str
    label: Any
    #: Raise OutboxPayloadError if ``(recipient, payload)`` cannot be sent on this channel;
    #: return the normalised recipient.
    validate: Callable[[str, dict], str]
    #: A readable rendering of a message (for the log backend and the admin).
    render: Callable[[str, dict], str]
    #: Hide personal data in lists.
    mask: Callable[[str], str]
    #: Build the backend that delivers this channel's messages, from settings.
    backend: Callable[[], Backend]


_REGISTRY: dict[str, Channel] = {}


def register_channel(channel: Channel) -> Channel:
    """Add (or replace) a channel. Call at import time, e.g. from an app's ``AppConfig.ready``."""
    _REGISTRY[channel.name] = channel
    return channel


def get_channel(name: str) -> Channel:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise OutboxPayloadError(
            _("未知的外发渠道：%(channel)s。") % {"channel": name}, code="unknown_channel"
        ) from None


def all_channels() -> list[Channel]:
    return list(_REGISTRY.values())


def channel_label(name: str) -> str:
    channel = _REGISTRY.get(name)
    return str(channel.label) if channel else name


def mask_recipient(channel: str, recipient: str) -> str:
    found = _REGISTRY.get(channel)
    return found.mask(recipient) if found else mask_text(recipient)


# --- masking --------------------------------------------------------------------------------------


def mask_text(value: str) -> str:
    if len(value) <= 2:
        return "*" * len(value)
    return value[0] + "*" * min(len(value) - 2, 6) + value[-1]


def mask_phone(phone: str) -> str:
    """138****1234: keep the first three and the last four digits."""
    if len(phone) >= 8:
        return phone[:3] + "****" + phone[-4:]
    return mask_text(phone)


def mask_email(addresses: str) -> str:
    masked = []
    for address in split_addresses(addresses):
        local, _sep, domain = address.rpartition("@")
        masked.append(f"{local[:1]}***@{domain}" if local else mask_text(address))
    return ", ".join(masked)


def mask_url(url: str) -> str:
    """Keep scheme and host; paths and queries often carry tokens."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…" if parts.netloc else mask_text(url)


# --- sms ------------------------------------------------------------------------------------------

_PHONE = re.compile(r"^1[3-9]\d{9}$")
_TEMPLATE = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


def is_mobile_number(phone: str) -> bool:
    """A mainland mobile number as stored (11 digits, 1[3-9]…): one an SMS can reach."""
    return bool(_PHONE.match(phone or ""))


def normalize_phone(recipient: str) -> str:
    phone = re.sub(r"[\s\-]", "", recipient or "")
    for prefix in ("+86", "0086", "86"):
        if phone.startswith(prefix) and len(phone) == len(prefix) + 11:
            phone = phone[len(prefix) :]
    return phone


def validate_sms(recipient: str, payload: dict) -> str:
    phone = normalize_phone(recipient)
    if not _PHONE.match(phone):
        raise OutboxPayloadError(_("手机号码格式不正确：%(phone)s。") % {"phone": mask_phone(phone)})
    template = payload.get("template")
    if not isinstance(template, str) or not _TEMPLATE.match(template):
        raise OutboxPayloadError(_("短信内容缺少有效的模板编号（template）。"))
    params = payload.get("params", {})
    if not isinstance(params, dict) or not all(
        isinstance(key, str) and isinstance(value, str | int | float) and not isinstance(value, bool)
        for key, value in params.items()
    ):
        raise OutboxPayloadError(_("短信模板参数（params）必须是“名称: 文字或数字”的映射。"))
    return phone


def render_sms(recipient: str, payload: dict) -> str:
    params = json.dumps(payload.get("params", {}), ensure_ascii=False, sort_keys=True)
    return _("短信 → %(phone)s；模板 %(template)s；参数 %(params)s") % {
        "phone": mask_phone(recipient),
        "template": payload.get("template", ""),
        "params": params,
    }


def sms_backend() -> Backend:
    if settings.GONGKAI_SMS_BACKEND == "aliyun":
        from gongkai.core.outbox.backends.aliyun_sms import AliyunSmsBackend

        return AliyunSmsBackend.from_settings()
    from gongkai.core.outbox.backends.log import LogBackend

    return LogBackend()


# --- email ----------------------------------------------------------------------------------------


def split_addresses(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _check_addresses(values: Any, field: str) -> None:
    if values in (None, []):
        return
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise OutboxPayloadError(_("邮件字段 %(field)s 必须是地址列表。") % {"field": field})
    for value in values:
        try:
            validate_email(value)
        except ValidationError:
            raise OutboxPayloadError(_("邮件地址格式不正确：%(address)s。") % {"address": value}) from None


def validate_email_message(recipient: str, payload: dict) -> str:
    addresses = split_addresses(recipient)
    if not addresses:
        raise OutboxPayloadError(_("邮件缺少收件人。"))
    _check_addresses(addresses, "to")
    for field in ("cc", "bcc", "reply_to"):
        _check_addresses(payload.get(field), field)
    for field in ("subject", "body"):
        if not isinstance(payload.get(field), str):
            raise OutboxPayloadError(_("邮件缺少字段 %(field)s。") % {"field": field})
    if "\n" in payload["subject"] or "\r" in payload["subject"]:
        raise OutboxPayloadError(_("邮件主题不能包含换行。"))
    for field in ("html_body", "from_email"):
        if payload.get(field) is not None and not isinstance(payload[field], str):
            raise OutboxPayloadError(_("邮件字段 %(field)s 必须是文字。") % {"field": field})
    headers = payload.get("headers", {})
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise OutboxPayloadError(_("邮件字段 %(field)s 必须是文字映射。") % {"field": "headers"})
    return ", ".join(addresses)


def render_email(recipient: str, payload: dict) -> str:
    return _("邮件 → %(to)s\n主题：%(subject)s\n\n%(body)s") % {
        "to": mask_email(recipient),
        "subject": payload.get("subject", ""),
        "body": payload.get("body", ""),
    }


def email_backend() -> Backend:
    if settings.GONGKAI_EMAIL_BACKEND == "smtp":
        from gongkai.core.outbox.backends.smtp import SmtpBackend

        return SmtpBackend()
    from gongkai.core.outbox.backends.log import LogBackend

    return LogBackend()


# --- webhook --------------------------------------------------------------------------------------


def validate_webhook(recipient: str, payload: dict) -> str:
    parts = urlsplit(recipient or "")
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise OutboxPayloadError(_("回调地址必须是 http 或 https 网址。"))
    if not isinstance(payload.get("event"), str) or not payload["event"]:
        raise OutboxPayloadError(_("回调内容缺少事件名（event）。"))
    return recipient


def render_webhook(recipient: str, payload: dict) -> str:
    return _("回调 → %(url)s；事件 %(event)s；数据 %(data)s") % {
        "url": mask_url(recipient),
        "event": payload.get("event", ""),
        "data": json.dumps(payload.get("data"), ensure_ascii=False, sort_keys=True),
    }


def webhook_backend() -> Backend:
    choice = getattr(settings, "GONGKAI_WEBHOOK_BACKEND", "log" if settings.EMBEDDED else "http")
    if choice == "http":
        from gongkai.core.outbox.backends.webhook import WebhookBackend

        return WebhookBackend.from_settings()
    from gongkai.core.outbox.backends.log import LogBackend

    return LogBackend()


register_channel(Channel("sms", gettext_lazy("短信"), validate_sms, render_sms, mask_phone, sms_backend))
register_channel(
    Channel(
        "email", gettext_lazy("电子邮件"), validate_email_message, render_email, mask_email, email_backend
    )
)
register_channel(
    Channel("webhook", gettext_lazy("回调"), validate_webhook, render_webhook, mask_url, webhook_backend)
)
