"""What the server benchmarks share: one child process per database, with its own PostgreSQL
database (created and dropped) and, on PostgreSQL, a private Redis; REPORT lines passed on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pg_admin(server: str, sql: str) -> str | None:
    """Run ``sql`` on the server's maintenance database; the first line of the error, or ``None``."""
    try:
        import psycopg

        with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute(sql)
    except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


def run_child(module: str, db: str, env: dict, report: Callable) -> None:
    """``python -m <module> --child <db>``: its REPORT lines go to ``report``, the rest is printed;
    stderr is drained as it comes (a full pipe would block the child) and shown if it fails."""
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", module, "--child", db],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    stderr_lines: list[str] = []

    def drain() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            stderr_lines.append(line)
            del stderr_lines[:-200]

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        for line in proc.stdout:
            line = line.rstrip("\n")
            if line.startswith("REPORT "):
                name, value, unit = json.loads(line[7:])
                report(name, value, unit)
            elif line:
                print(line, flush=True)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)
    reader.join(timeout=5)
    if proc.returncode != 0:
        print(f"# {module.removeprefix('bench.')}.{db} failed:\n{''.join(stderr_lines)[-4000:]}", flush=True)


def run_databases(
    *,
    module: str,
    dbs: list[str],
    pg_server: str,
    pg_database: str,
    secret_key: str,
    report: Callable,
    start_redis: Callable[[], tuple[subprocess.Popen | None, str | None]],
) -> None:
    """Run the group's child once per database in ``dbs`` (``pg``, ``sqlite``) with the benchmark
    settings; PostgreSQL gets a fresh database (dropped after) and a private Redis when there is one."""
    name = module.removeprefix("bench.")
    base_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings_bench",
        "SECRET_KEY": secret_key,
        "PYTHONPATH": str(ROOT),
    }
    base_env.pop("REDIS_URL", None)
    base_env.pop("CELERY_BROKER_URL", None)
    for db in dbs:
        if db == "pg":
            problem = pg_admin(pg_server, f"DROP DATABASE IF EXISTS {pg_database} WITH (FORCE)") or pg_admin(
                pg_server, f"CREATE DATABASE {pg_database}"
            )
            if problem:
                print(f"# {name}.pg skipped: PostgreSQL unreachable at {pg_server} ({problem})", flush=True)
                continue
            redis, redis_url = start_redis()
            env = {**base_env, "DATABASE_URL": f"{pg_server}/{pg_database}"}
            if redis_url:
                env["REDIS_URL"] = redis_url
            else:
                print(f"# {name}.pg: no redis-server; rate limits in the database cache", flush=True)
            try:
                run_child(module, "pg", env, report)
            finally:
                if redis is not None:
                    redis.terminate()
                    redis.wait(timeout=10)
                pg_admin(pg_server, f"DROP DATABASE IF EXISTS {pg_database} WITH (FORCE)")
        elif db == "sqlite":
            with tempfile.TemporaryDirectory(prefix=f"gongkai-bench-{name}-") as tmp:
                env = {**base_env, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3", "GONGKAI_DATA_DIR": tmp}
                run_child(module, "sqlite", env, report)
        else:
            print(f"# {name}: unknown database {db!r} (pg, sqlite)", flush=True)
