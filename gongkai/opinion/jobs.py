"""Periodic jobs of the opinion sources (listed in gongkai/settings/schedule.py).

`gongkai jobs` (embedded mode) imports these by their dotted names; under Celery the worker must
import this module too (``CELERY_IMPORTS`` or a ``tasks`` module that imports it; see
docs/opinion-demo.md).
"""

from __future__ import annotations

from celery import shared_task


@shared_task(name="gongkai.opinion.jobs.poll_sources", ignore_result=True)
def poll_sources() -> dict[str, int]:
    """Every minute: poll the RSS, Weibo and WeChat sources whose interval has passed
    (``config["interval_minutes"]``, default 10), each under its lease; errors are recorded on
    the source and never stop the others."""
    from gongkai.opinion import polling

    return polling.summary(polling.poll_due_sources())


@shared_task(name="gongkai.opinion.jobs.city_streams", ignore_result=True)
def city_streams() -> dict[str, int]:
    """Every minute: new hotline work orders (appeals) and website / new-media messages, redacted,
    into the opinion pipeline; one cursor per stream in its Source row."""
    from gongkai.opinion import polling, streams

    return polling.summary(streams.run_streams())
