"""Periodic work of the opinion reports (listed in gongkai/settings/schedule.py)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="gongkai.opinion.reports.tasks.generate_due")
def generate_due() -> dict[str, int]:
    """Every 10 minutes: the previous day's report from 08:00 and, on Monday, the previous week's;
    idempotent (what exists is not made again), so a missed run is caught up by the next one."""
    from gongkai.opinion.reports.services import reports_generate_due

    return reports_generate_due()
