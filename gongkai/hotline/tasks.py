"""Periodic work of the hotline (listed in gongkai/settings/schedule.py)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="gongkai.hotline.tasks.sweep_deadlines")
def sweep_deadlines() -> dict[str, int]:
    """Every 5 minutes: 催办/督办 notices for due-soon and overdue orders, escalation; idempotent."""
    from gongkai.hotline.services import deadlines_sweep

    return deadlines_sweep()
