"""Periodic job: warn when the year ahead has no calendar (scheduled in gongkai/settings/schedule.py)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from gongkai.core.workcalendar import services


@shared_task(name="gongkai.core.workcalendar.tasks.check_next_year", ignore_result=True)
def check_next_year() -> str | None:
    """Log (and e-mail administrators once a day) the missing-year warning, from 1 December."""
    return services.calendar_missing_year_notify(today=timezone.localdate())
