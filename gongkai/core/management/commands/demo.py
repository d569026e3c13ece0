"""`gongkai demo load`: load the demo city (Jilin City) once; a second run reuses it.

Each app that has demo data provides ``<app>/demo.py`` with ``load(*, stdout) -> None``, written to
be idempotent (get-or-create by natural keys). Apps load in INSTALLED_APPS order, so departments
(accounts) exist before anything that refers to them.
"""

from __future__ import annotations

import importlib
import io
import logging
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.db import transaction


class Command(BaseCommand):
    help = "载入演示城市（吉林市）/ Load the demo city (Jilin City)"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["load"], help="load")

    def handle(self, *args, **options):
        loaded = []
        outputs: dict[str, str] = {}
        with _quiet_loggers("gongkai.outbox", "celery"):
            for app in settings.GONGKAI_APPS:
                try:
                    module = importlib.import_module(f"{app}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name == f"{app}.demo":
                        continue
                    raise
                buffer = io.StringIO()
                with transaction.atomic():
                    module.load(stdout=OutputWrapper(buffer))
                outputs[app] = buffer.getvalue()
                loaded.append(app)
        if not loaded:
            raise CommandError("没有可载入的演示数据 / no demo data found")
        # The staff accounts table (from accounts) comes last, where the person starting the demo sees it.
        for app in sorted(outputs, key=lambda name: name == "gongkai.accounts"):
            self.stdout.write(outputs[app].rstrip("\n"))
        self.stdout.write(self.style.SUCCESS("演示数据已就绪 / demo data ready: " + ", ".join(loaded)))


@contextmanager
def _quiet_loggers(*names: str):
    """Keep the demo's thousands of log-backend SMS lines off the console while it loads."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
