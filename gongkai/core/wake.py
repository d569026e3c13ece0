"""Coalesced wake-ups: one background task for many writes, soon after they commit.

A write that leaves work for a background task (an outbox message to deliver, an intake to
record) wants that task to run soon, but publishing one Celery task per write cost more than the
write itself on the public intake (bench/hotline.py). A :class:`Waker` publishes at most one task
per process per ``window`` seconds, with ``countdown=window``: every write whose commit callback
ran inside the window committed before the task starts, so the task sees it. A lost wake-up only
delays the work until the task's periodic run (gongkai/settings/schedule.py).

In embedded mode (``CELERY_TASK_ALWAYS_EAGER``) there is no broker: the task runs right away,
in the committing thread.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string


class Waker:
    def __init__(self, task_path: str, *, window: float = 0.25) -> None:
        self.task_path = task_path
        self.window = window
        self._lock = threading.Lock()
        self._until = 0.0

    def _task(self) -> Any:
        # The task object itself (its module may not be imported yet in a web process).
        return import_string(self.task_path)

    def wake(self) -> None:
        """Run (eager) or schedule (broker) the task now; call after the write has committed."""
        if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
            self._task().delay()
            return
        now = time.monotonic()
        with self._lock:
            if now < self._until:
                return
            self._until = now + self.window
        self._task().apply_async(countdown=self.window)

    def wake_on_commit(self) -> None:
        transaction.on_commit(self.wake, robust=True)
