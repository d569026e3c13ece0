"""Celery tasks of the outbox.

``deliver_message`` is scheduled after the enqueueing transaction commits; ``deliver_due`` runs
every few seconds (gongkai/settings/schedule.py) and picks up whatever the first missed: a lost
task, a broker outage, a crashed worker's expired lease, a retry whose backoff has elapsed. Both
are safe to run twice or concurrently: delivery claims each message with a lease first.
"""

from __future__ import annotations

from celery import shared_task

from gongkai.core.outbox.services import outbox_deliver, outbox_deliver_due


@shared_task(name="gongkai.core.outbox.tasks.deliver_message", ignore_result=True)
def deliver_message(message_id: int) -> None:
    outbox_deliver(message_id)


@shared_task(name="gongkai.core.outbox.tasks.deliver_due", ignore_result=True)
def deliver_due(limit: int = 100) -> int:
    return outbox_deliver_due(limit=limit)
