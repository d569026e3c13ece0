"""Periodic jobs of the response loop (listed in gongkai/settings/schedule.py)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="gongkai.opinion.response.tasks.evaluate_alerts", ignore_result=True)
def evaluate_alerts() -> dict[str, int]:
    """Every minute: the alert rules over the stored events; once per threshold crossing."""
    from gongkai.opinion.response.services import evaluate_alerts as run

    return run()


@shared_task(name="gongkai.opinion.response.tasks.sweep", ignore_result=True)
def sweep() -> dict[str, int]:
    """Every minute: due-soon and overdue notices of the response clocks and forwardings; idempotent."""
    from gongkai.opinion.response.services import sweep as run

    return run()
