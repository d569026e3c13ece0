"""Periodic jobs of the opinion app itself (the sub-apps have their own ``tasks.py``)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="gongkai.opinion.tasks.refresh_hotness", ignore_result=True)
def refresh_hotness() -> int:
    """Every few minutes: the stored hotness of events that got no new post cools down."""
    from gongkai.opinion.services import events_refresh_hotness

    return events_refresh_hotness()


# Celery's autodiscovery imports ``tasks`` modules only: the source jobs live in jobs.py.
from gongkai.opinion import jobs as _source_jobs  # noqa: E402,F401
