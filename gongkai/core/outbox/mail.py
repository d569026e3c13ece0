"""Django's e-mail goes through the outbox too (``EMAIL_BACKEND``).

``send_mail``/``EmailMessage.send`` (password resets, notifications) enqueue one ``email`` row per
message; the row is then delivered by the email channel's real backend (SMTP or log, per
``GONGKAI_EMAIL_BACKEND``). That backend builds its own SMTP connection and never goes through
``EMAIL_BACKEND`` again, so there is no recursion.
"""

from __future__ import annotations

import logging

from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils.translation import gettext as _

from gongkai.core.outbox.channels import OutboxPayloadError
from gongkai.core.outbox.services import outbox_enqueue

logger = logging.getLogger("gongkai.outbox")


def email_payload(message) -> dict:
    payload: dict = {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": {str(k): str(v) for k, v in message.extra_headers.items() if k.lower() != "message-id"},
    }
    for content, mimetype in getattr(message, "alternatives", []) or []:
        if mimetype == "text/html":
            payload["html_body"] = str(content)
    return payload


class OutboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        count = 0
        for message in email_messages or []:
            try:
                if message.attachments:
                    raise OutboxPayloadError(_("外发邮件暂不支持附件。"))
                to = list(message.to) or list(message.recipients())
                with transaction.atomic():
                    outbox_enqueue(channel="email", recipient=", ".join(to), payload=email_payload(message))
            except Exception:
                if not self.fail_silently:
                    raise
                logger.exception("outbox: could not queue an e-mail")
                continue
            count += 1
        return count
