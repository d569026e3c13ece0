"""Webhooks: POST the payload as JSON, signed, with an ``Idempotency-Key`` header.

Headers:

* ``Idempotency-Key``: the outbox idempotency key. The same for every attempt of one message —
  receivers must treat a second request with a key they have already processed as a success
  (answer 2xx) and not act on it again. This is how a resend after an ambiguous failure stays
  exactly-once at the receiver.
* ``X-Gongkai-Timestamp``: Unix seconds. ``X-Gongkai-Signature``: ``sha256=<hex>`` of
  HMAC-SHA256(secret, ``"{timestamp}.{body}"``), with the secret from ``OUTBOX_WEBHOOK_SECRET``
  (default: derived from ``SECRET_KEY``).

2xx is sent; 408, 425, 429 and 5xx are retried; any other status is a permanent refusal.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import httpx
from django.conf import settings
from django.utils.crypto import salted_hmac

from gongkai.core.outbox.backends.base import Result

RETRY_STATUSES = {408, 425, 429}


def webhook_secret() -> str:
    configured = getattr(settings, "OUTBOX_WEBHOOK_SECRET", None)
    return configured or salted_hmac("gongkai.outbox.webhook", "secret").hexdigest()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class WebhookBackend:
    def __init__(self, *, secret: str, timeout: float = 10.0):
        self.secret = secret
        self.timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0))

    @classmethod
    def from_settings(cls) -> WebhookBackend:
        return cls(secret=webhook_secret(), timeout=float(getattr(settings, "OUTBOX_WEBHOOK_TIMEOUT", 10.0)))

    def send(self, message) -> Result:
        body = json.dumps(
            {
                "event": message.payload["event"],
                "data": message.payload.get("data"),
                "id": message.idempotency_key,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": message.idempotency_key,
            "X-Gongkai-Timestamp": timestamp,
            "X-Gongkai-Signature": signature(self.secret, timestamp, body),
            "User-Agent": "Gongkai-Outbox/1",
        }
        try:
            with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
                response = client.post(message.recipient, content=body, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            return Result.transient(f"webhook connect: {exc!r}")
        except httpx.HTTPError as exc:
            return Result.transient(f"webhook: {exc!r}", maybe_sent=True)
        status = response.status_code
        if 200 <= status < 300:
            return Result.sent(
                provider_message_id=response.headers.get("X-Request-Id", ""), response=response.text
            )
        error = f"HTTP {status}"
        if status in RETRY_STATUSES or status >= 500:
            return Result.transient(error, response.text, maybe_sent=status >= 500)
        return Result.permanent(error, response.text)

    def confirm(self, message) -> bool | None:
        # A receiver cannot be asked; resend with the same Idempotency-Key.
        return None
