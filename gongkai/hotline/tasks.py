"""Periodic work of the hotline (listed in gongkai/settings/schedule.py)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="gongkai.hotline.tasks.sweep_deadlines")
def sweep_deadlines() -> dict[str, int]:
    """Every 5 minutes: 催办/督办 notices for due-soon and overdue orders, escalation; idempotent."""
    from gongkai.hotline.services import deadlines_sweep

    return deadlines_sweep()


@shared_task(name="gongkai.hotline.tasks.index_pending")
def index_pending() -> int:
    """Every 30 seconds: the search entries of orders taken in since (intake defers them)."""
    from gongkai.hotline.services import work_orders_index_pending

    return work_orders_index_pending()


@shared_task(name="gongkai.hotline.tasks.record_pending", ignore_result=True)
def record_pending() -> int:
    """Right after public intakes (woken on commit) and every 5 seconds: their RECEIVED events and
    audit events (the intake writes only the order and the confirmation)."""
    from gongkai.hotline.services import work_orders_record_pending

    return work_orders_record_pending()
