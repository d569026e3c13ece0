"""E-mail through Django's SMTP backend.

The SMTP connection is built explicitly: ``settings.EMAIL_BACKEND`` is the outbox itself, so going
through ``get_connection()`` would enqueue the message again instead of sending it.

Each message carries a ``Message-ID`` derived from its idempotency key, so a resend after an
ambiguous failure (see docs/outbox.md) has the same Message-ID and mail clients and most mail
servers show it once.
"""

from __future__ import annotations

import hashlib
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend as DjangoSmtpBackend

from gongkai.core.outbox.backends.base import Result
from gongkai.core.outbox.channels import split_addresses


def message_id_for(idempotency_key: str) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >") or "gongkai.local"
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    return f"<outbox.{digest}@{domain}>"


def build_email(message, connection=None) -> EmailMultiAlternatives:
    payload = message.payload
    headers = dict(payload.get("headers") or {})
    headers["Message-ID"] = message_id_for(message.idempotency_key)
    email = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload.get("from_email") or settings.DEFAULT_FROM_EMAIL,
        to=split_addresses(message.recipient),
        cc=payload.get("cc") or [],
        bcc=payload.get("bcc") or [],
        reply_to=payload.get("reply_to") or [],
        headers=headers,
        connection=connection,
    )
    if payload.get("html_body"):
        email.attach_alternative(payload["html_body"], "text/html")
    return email


class SmtpBackend:
    def __init__(self, connection: DjangoSmtpBackend | None = None):
        self.connection = connection

    def send(self, message) -> Result:
        connection = self.connection or DjangoSmtpBackend(fail_silently=False)
        email = build_email(message, connection=connection)
        message_id = email.extra_headers["Message-ID"]
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            return Result.permanent(f"SMTP recipients refused: {exc.recipients!r}")
        except smtplib.SMTPResponseException as exc:
            text = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"
            # 5xx is a permanent refusal; 4xx asks us to try again later.
            return Result.permanent(text) if 500 <= exc.smtp_code < 600 else Result.transient(text)
        except (smtplib.SMTPServerDisconnected, TimeoutError) as exc:
            # The connection broke: the server may have queued the message before it did.
            return Result.transient(f"SMTP: {exc!r}", maybe_sent=True)
        except (smtplib.SMTPException, OSError) as exc:
            return Result.transient(f"SMTP: {exc!r}")
        return Result.sent(provider_message_id=message_id)

    def confirm(self, message) -> bool | None:
        # SMTP cannot tell whether a message was queued; resend with the same Message-ID.
        return None
