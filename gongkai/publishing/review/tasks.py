"""Periodic jobs of the review chain (listed in gongkai/settings/schedule.py)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="gongkai.publishing.review.tasks.deadlines_notify")
def deadlines_notify() -> dict[str, int]:
    """Hourly: warn the disclosure office at 15 and past 20 working days; once per document and threshold."""
    from gongkai.publishing.review.services_notify import deadlines_notify as run

    return run()


@shared_task(name="gongkai.publishing.review.tasks.rereviews_notify")
def rereviews_notify() -> int:
    """Daily: remind the disclosure office of withheld documents due for their Art. 18 re-review."""
    from gongkai.publishing.review.services_notify import rereviews_notify as run

    return run()


@shared_task(name="gongkai.publishing.review.tasks.publish_scheduled")
def publish_scheduled() -> None:
    """Every minute: publish approved revisions whose go-live time has come (and unpublish expired pages)."""
    from django.core.management import call_command

    call_command("publish_scheduled")
