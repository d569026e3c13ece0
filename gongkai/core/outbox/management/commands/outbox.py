"""`gongkai outbox`: deliver, list and retry outbox messages."""

from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gongkai.api.errors import ApiError
from gongkai.core.outbox.channels import channel_label
from gongkai.core.outbox.models import OutboxMessage
from gongkai.core.outbox.selectors import outbox_message_list
from gongkai.core.outbox.services import outbox_deliver_due, outbox_retry


class Command(BaseCommand):
    help = "外发消息：投递、查看、重试 / outbox: deliver, list, retry"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        deliver = sub.add_parser("deliver", help="投递到期的消息 / deliver due messages")
        deliver.add_argument("--loop", action="store_true", help="持续运行 / keep running")
        deliver.add_argument("--interval", type=float, default=1.0, help="空闲时的轮询间隔（秒）")
        deliver.add_argument("--limit", type=int, default=100, help="每轮最多投递条数")
        listing = sub.add_parser("list", help="列出消息 / list messages")
        listing.add_argument("--status", choices=OutboxMessage.Status.values)
        listing.add_argument("--channel")
        listing.add_argument("--limit", type=int, default=50)
        retry = sub.add_parser("retry", help="重试一条消息 / retry one message")
        retry.add_argument("message_id", type=int)

    def handle(self, *args, action: str, **options):
        getattr(self, f"handle_{action}")(**options)

    def handle_deliver(self, *, loop: bool, interval: float, limit: int, **options) -> None:
        if not loop:
            count = outbox_deliver_due(limit=limit)
            self.stdout.write(_("已处理 %(count)s 条。") % {"count": count})
            return
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while not stopping:
            count = outbox_deliver_due(limit=limit)
            if count == 0 and not stopping:
                time.sleep(interval)

    def handle_list(self, *, status: str | None, channel: str | None, limit: int, **options) -> None:
        for message in outbox_message_list(status=status, channel=channel)[:limit]:
            self.stdout.write(
                f"{message.pk:>8}  {message.created_at:%Y-%m-%d %H:%M:%S}  {channel_label(message.channel):<6}  "
                f"{message.masked_recipient:<24}  {message.get_status_display():<6}  "
                f"{message.attempts:>2}  {message.idempotency_key}"
            )

    def handle_retry(self, *, message_id: int, **options) -> None:
        try:
            message = outbox_retry(message_id, actor=None)
        except ApiError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(_("消息 %(id)s 已重新排队。") % {"id": message.pk})
