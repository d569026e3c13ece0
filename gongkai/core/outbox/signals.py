"""Listeners on a message's state, for apps that mirror it on records of their own.

An app registers a function with :func:`on_status_changed` (e.g. in its ``AppConfig.ready``); it
is called with ``message`` (fresh from the database) whenever a worker records an outcome (sent, a
transient failure, failed) and when staff retry or cancel a message.

It runs inside the transaction that makes the change, so the listener's writes commit or roll
back with it, and in a savepoint of its own: a listener that raises is logged and rolled back
alone, and never stops delivery. Listeners must be quick and must not call providers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger("gongkai.outbox")

_LISTENERS: list[Callable[[Any], None]] = []


def on_status_changed(func: Callable[[Any], None]) -> Callable[[Any], None]:
    """Register ``func(message)``; registering the same function twice has no effect."""
    if func not in _LISTENERS:
        _LISTENERS.append(func)
    return func


def notify_status_changed(message) -> None:
    for listener in list(_LISTENERS):
        try:
            with transaction.atomic():
                listener(message)
        except Exception:
            logger.exception("outbox: listener %r failed for message %s", listener, message.pk)
