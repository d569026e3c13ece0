"""The ``log`` backend, the embedded default for every channel.

It "delivers" by writing a readable rendering of the message to the ``gongkai.outbox`` logger and
to the delivery attempt's response excerpt, which staff read in the admin (外发消息). It counts as
sent. Nothing leaves the machine.
"""

from __future__ import annotations

import logging

from gongkai.core.outbox.backends.base import Result

logger = logging.getLogger("gongkai.outbox")


class LogBackend:
    def send(self, message) -> Result:
        from gongkai.core.outbox.channels import get_channel

        rendering = get_channel(message.channel).render(message.recipient, message.payload)
        logger.info("outbox %s [%s]\n%s", message.pk, message.idempotency_key, rendering)
        return Result.sent(provider_message_id=f"log:{message.pk}", response=rendering)

    def confirm(self, message) -> bool | None:
        # Logging again is harmless; there is nobody to ask.
        return None
