"""Periodic work of disclosure applications (listed in gongkai/settings/schedule.py)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="gongkai.disclosure.tasks.disclosure_clocks_tick")
def disclosure_clocks_tick() -> dict[str, int]:
    """Every hour: lapses (correction, fee), agencies' silence, due dates of paused clocks, reminders
    3 working days before the due date and overdue notices to the disclosure office; idempotent."""
    from gongkai.disclosure.services import clocks_tick

    return clocks_tick()
