"""Run the periodic jobs of CELERY_BEAT_SCHEDULE in-process (embedded mode, no broker).

Production runs the same schedule with Celery beat and workers. Here one loop calls each task
function directly when it is due; a failing job is logged and retried at its next interval, and it
never stops the others.
"""

from __future__ import annotations

import importlib
import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger("gongkai.jobs")


@dataclass
class Job:
    name: str
    task: str
    interval: float
    next_run: float = 0.0

    def resolve(self) -> Callable[[], object]:
        module_name, _, attr = self.task.rpartition(".")
        task = getattr(importlib.import_module(module_name), attr)
        # A Celery task object runs its body when called directly; a plain function just runs.
        return task


def load_jobs(schedule: dict | None = None) -> list[Job]:
    schedule = settings.CELERY_BEAT_SCHEDULE if schedule is None else schedule
    jobs = []
    for name, entry in schedule.items():
        interval = entry["schedule"]
        seconds = interval.total_seconds() if hasattr(interval, "total_seconds") else float(interval)
        jobs.append(Job(name=name, task=entry["task"], interval=seconds))
    return jobs


def run_due(jobs: list[Job], now: float) -> list[str]:
    """Run every job whose time has come; return the names that ran."""
    ran = []
    for job in jobs:
        if now < job.next_run:
            continue
        job.next_run = now + job.interval
        close_old_connections()
        try:
            job.resolve()()
        except Exception:
            logger.exception("job %s failed; it runs again in %.0f s", job.name, job.interval)
        finally:
            close_old_connections()
        ran.append(job.name)
    return ran


def run_forever(jobs: list[Job] | None = None, tick: float = 1.0) -> None:
    jobs = load_jobs() if jobs is None else jobs
    stopping = False

    def _stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    logger.info("embedded job runner: %s", ", ".join(j.name for j in jobs))
    while not stopping:
        run_due(jobs, time.monotonic())
        time.sleep(tick)
