"""The post_migrate handler creates the default workflows only when its tables exist."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps

from gongkai.publishing.review import signals

REPO = Path(__file__).resolve().parents[4]


def test_handler_does_nothing_for_other_apps_or_without_its_tables(monkeypatch):
    called = []
    monkeypatch.setattr(
        "gongkai.publishing.review.defaults.defaults_ensure", lambda **kwargs: called.append(kwargs)
    )
    signals.defaults_after_migrate(apps.get_app_config("outbox"), using="default")
    monkeypatch.setattr(signals, "tables_ready", lambda using: False)
    signals.defaults_after_migrate(apps.get_app_config("publishing_review"), using="default")
    assert called == []


@pytest.mark.django_db
def test_handler_runs_when_the_tables_exist(monkeypatch):
    called = []
    monkeypatch.setattr(
        "gongkai.publishing.review.defaults.defaults_ensure", lambda **kwargs: called.append(kwargs)
    )
    assert signals.tables_ready("default")
    signals.defaults_after_migrate(apps.get_app_config("publishing_review"), using="default")
    assert called == [{}]


@pytest.mark.slow
def test_migrating_another_app_on_a_fresh_database_succeeds(tmp_path):
    """``migrate outbox`` on an empty database (the outbox crash test's workers) must not fail here."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gongkai.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        "PYTHONPATH": str(REPO),
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate", "outbox", "--verbosity", "0"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
