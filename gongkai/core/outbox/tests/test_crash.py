"""THE CRASH TEST: kill -9 delivery workers mid-send; nothing is lost and nothing is sent twice.

Real separate processes (`manage.py outbox deliver --loop`) deliver SMS through the Aliyun backend
to the local fake Aliyun server, against a database of their own (a SQLite file, or a fresh
PostgreSQL database when the suite runs on PostgreSQL). Two workers are killed while one of
their requests is held by the fake server:

1. after Aliyun accepted the message (the worker never learns it was sent), and
2. before Aliyun accepted it (the request was on the wire).

A third worker then finishes the job. The fake server's records, keyed by OutId, must show every
message exactly once, and every row must end ``sent``.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

REPO = Path(__file__).resolve().parents[4]
COUNT = 12


class CrashDatabase:
    def __init__(self, tmp_path: Path):
        default = settings.DATABASES["default"]
        self.postgres = default["ENGINE"] == "django.db.backends.postgresql"
        if self.postgres:
            self.name = f"gk_outbox_crash_{uuid.uuid4().hex[:8]}"
            self.params = {
                "host": default.get("HOST") or "127.0.0.1",
                "port": default.get("PORT") or 5432,
                "user": default.get("USER") or "postgres",
                "password": default.get("PASSWORD") or None,
            }
            self._admin(f'CREATE DATABASE "{self.name}"')
            password = f":{self.params['password']}" if self.params["password"] else ""
            self.url = f"postgres://{self.params['user']}{password}@{self.params['host']}:{self.params['port']}/{self.name}"
        else:
            self.path = tmp_path / "crash.sqlite3"
            self.url = f"sqlite:///{self.path}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(dbname="postgres", autocommit=True, **self.params) as conn:
            conn.execute(sql)

    def rows(self) -> dict[str, str]:
        sql = "SELECT idempotency_key, status FROM outbox_outboxmessage"
        if self.postgres:
            import psycopg

            with psycopg.connect(dbname=self.name, **self.params) as conn:
                return dict(conn.execute(sql).fetchall())
        with sqlite3.connect(self.path, timeout=10) as conn:
            return dict(conn.execute(sql).fetchall())

    def outcomes(self, key: str) -> list[str]:
        sql = (
            "SELECT a.outcome FROM outbox_deliveryattempt a JOIN outbox_outboxmessage m ON m.id = a.message_id "
            "WHERE m.idempotency_key = %s ORDER BY a.number"
        )
        if self.postgres:
            import psycopg

            with psycopg.connect(dbname=self.name, **self.params) as conn:
                return [row[0] for row in conn.execute(sql, (key,)).fetchall()]
        with sqlite3.connect(self.path, timeout=10) as conn:
            return [row[0] for row in conn.execute(sql.replace("%s", "?"), (key,)).fetchall()]

    def drop(self) -> None:
        if self.postgres:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.mark.slow
def test_killed_workers_lose_nothing_and_send_nothing_twice(tmp_path, fake_aliyun):
    database = CrashDatabase(tmp_path)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gongkai.core.outbox.tests.crash_settings",
        "OUTBOX_CRASH_DATABASE_URL": database.url,
        "OUTBOX_CRASH_ALIYUN_URL": fake_aliyun.url,
        "PYTHONPATH": str(REPO),
    }
    env.pop("DATABASE_URL", None)
    workers: list[subprocess.Popen] = []

    def start_worker(name: str) -> subprocess.Popen:
        log = (tmp_path / f"{name}.log").open("w")
        command = [sys.executable, "manage.py", "outbox", "deliver", "--loop", "--interval", "0.1"]
        worker = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        workers.append(worker)
        return worker

    def kill_when_blocked(worker: subprocess.Popen) -> None:
        log = tmp_path / f"worker{len(workers)}.log"
        assert fake_aliyun.blocked.wait(timeout=30), log.read_text(errors="replace")
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        fake_aliyun.release.set()

    try:
        subprocess.run(  # noqa: S603
            [sys.executable, "-m", "gongkai.core.outbox.tests.crash_seed", str(COUNT)],
            cwd=REPO,
            env=env,
            check=True,
            timeout=60,
        )

        # Given a worker that dies after Aliyun accepted crash:3, before it hears back,
        fake_aliyun.block("crash:3", after_record=True)
        kill_when_blocked(start_worker("worker1"))
        # and a worker that dies while its request for crash:7 is on the wire,
        fake_aliyun.block("crash:7", after_record=False)
        kill_when_blocked(start_worker("worker2"))

        # when a third worker takes over,
        last = start_worker("worker3")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and set(database.rows().values()) != {"sent"}:
            time.sleep(0.2)
        last.send_signal(signal.SIGTERM)
        last.wait(timeout=10)

        # then every message went out exactly once and every row ends sent.
        assert database.rows() == {f"crash:{n}": "sent" for n in range(COUNT)}
        assert fake_aliyun.sent_count_by_out_id() == {f"crash:{n}": 1 for n in range(COUNT)}
        # crash:3 was confirmed with QuerySendDetails, not resent; crash:7 was resent.
        assert database.outcomes("crash:3") == ["interrupted", "confirmed"]
        assert database.outcomes("crash:7") == ["interrupted", "sent"]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=10)
        database.drop()
