"""Delivery backends: the code that talks to a provider. See :mod:`.base` for the interface."""

from gongkai.core.outbox.backends.base import Backend, Result

__all__ = ["Backend", "Result"]
