"""The backend interface.

A backend has ``send(message) -> Result`` and, optionally, ``confirm(message) -> bool | None``:

* ``send`` returns a :class:`Result` for every outcome it understands. An exception escaping
  ``send`` is treated as a transient failure that *may* have reached the provider.
* ``confirm`` answers "does the provider already have this message (matched by its idempotency
  key)?" for a message in doubt: ``True`` (yes: mark it sent, do not resend), a non-empty ``str``
  (yes, and this is the provider's id of it), ``False`` (no: send it), ``None`` (this backend
  cannot tell: resend with the same idempotency key and rely on the receiver to drop the
  duplicate). Raising means "could not ask now": the message stays in doubt and is retried later,
  so a provider outage never turns into a duplicate.
* A backend that needs several calls per message saves its progress with
  ``gongkai.core.outbox.services.outbox_save_provider_state`` and reads it back from
  ``message.provider_state`` on the next attempt. ``Result.sent(provider_message_id=…)`` is stored
  on the message (``provider_message_id``): the provider's id of what it created.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from gongkai.core.outbox.models import OutboxMessage

EXCERPT_LIMIT = 2000


class Kind(enum.Enum):
    SENT = "sent"
    TRANSIENT = "transient"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class Result:
    """What a backend learned from one ``send``."""

    kind: Kind
    provider_message_id: str = ""
    error: str = ""
    response_excerpt: str = ""
    # For TRANSIENT: the request may have reached the provider (e.g. a read timeout), so the next
    # attempt confirms before resending.
    maybe_sent: bool = False

    @classmethod
    def sent(cls, provider_message_id: str = "", response: str = "") -> Result:
        return cls(Kind.SENT, provider_message_id=provider_message_id, response_excerpt=excerpt(response))

    @classmethod
    def transient(cls, error: str, response: str = "", *, maybe_sent: bool = False) -> Result:
        return cls(Kind.TRANSIENT, error=error, response_excerpt=excerpt(response), maybe_sent=maybe_sent)

    @classmethod
    def permanent(cls, error: str, response: str = "") -> Result:
        return cls(Kind.PERMANENT, error=error, response_excerpt=excerpt(response))


class Backend(Protocol):
    def send(self, message: OutboxMessage) -> Result: ...


class ConfirmError(Exception):
    """``confirm`` could not reach the provider; try again later."""


def excerpt(text: str | bytes | None, limit: int = EXCERPT_LIMIT) -> str:
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return text if len(text) <= limit else text[: limit - 1] + "…"
