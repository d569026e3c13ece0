"""Periodic work of the knowledge base (entries to add to gongkai/settings/schedule.py)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="gongkai.hotline.knowledge.tasks.routing_train_weekly")
def routing_train_weekly() -> dict:
    """Weekly: retrain the routing model on the dispatched history (no-op while history is too small)."""
    from gongkai.hotline.knowledge.services import routing_train

    result = routing_train()
    return {k: v for k, v in result.items() if isinstance(v, (int, float, str, bool))}


@shared_task(name="gongkai.hotline.knowledge.tasks.articles_expire")
def articles_expire() -> int:
    """Daily: mark published articles past their validity as expired."""
    from gongkai.hotline.knowledge.services import articles_expire_due

    return articles_expire_due()
