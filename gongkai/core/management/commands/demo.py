"""`gongkai demo load`: load the demo city (Jilin City) once; a second run reuses it.

Each app that has demo data provides ``<app>/demo.py`` with ``load(*, stdout) -> None``, written to
be idempotent (get-or-create by natural keys). Apps load in INSTALLED_APPS order, so departments
(accounts) exist before anything that refers to them.
"""

from __future__ import annotations

import importlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = "载入演示城市（吉林市）/ Load the demo city (Jilin City)"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["load"], help="load")

    def handle(self, *args, **options):
        loaded = []
        for app in settings.GONGKAI_APPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name == f"{app}.demo":
                    continue
                raise
            with transaction.atomic():
                module.load(stdout=self.stdout)
            loaded.append(app)
        if not loaded:
            raise CommandError("没有可载入的演示数据 / no demo data found")
        self.stdout.write(self.style.SUCCESS("演示数据已就绪 / demo data ready: " + ", ".join(loaded)))
