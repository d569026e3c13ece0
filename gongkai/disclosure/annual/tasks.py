"""Periodic work of the annual reports (listed in gongkai/settings/schedule.py)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="gongkai.disclosure.annual.tasks.annual_reminders")
def annual_reminders() -> dict[str, int]:
    """Daily: remind the departments' clerks (by 31 January) and the disclosure office (the city
    government's report, by 31 March) until last year's reports are released, and escalate when
    overdue. Idempotent: each reminder stage goes out once (outbox keys)."""
    from gongkai.disclosure.annual.services import annual_reminders_send

    return annual_reminders_send()
