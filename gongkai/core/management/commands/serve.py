"""`gongkai serve`: the web server (granian, WSGI) plus, in embedded mode, the job runner."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "启动网站与后台任务 / Serve the site (and background jobs in embedded mode)"

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=2, help="blocking threads per worker")

    def handle(self, *args, **options):
        bindir = Path(sys.executable).parent
        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE", "gongkai.settings.base"),
        )
        children: list[subprocess.Popen] = []
        if settings.EMBEDDED:
            children.append(subprocess.Popen([sys.executable, "-m", "gongkai.cli", "jobs"], env=env))  # noqa: S603
            self.stdout.write("后台任务已启动（嵌入模式）/ background jobs running (embedded mode)")
        server = [
            str(bindir / "granian"),
            "--interface", "wsgi",
            "--host", options["host"],
            "--port", str(options["port"]),
            "--workers", str(options["workers"]),
            "--blocking-threads", str(options["threads"]),
            "--log-level", "warning",
            "gongkai.wsgi:application",
        ]  # fmt: skip
        web = subprocess.Popen(server, env=env)  # noqa: S603
        children.append(web)

        def _stop(signum, frame):
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        try:
            code = web.wait()
        finally:
            _stop(None, None)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
        sys.exit(code)
