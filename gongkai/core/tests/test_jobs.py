import pytest

from gongkai.core import jobs

CALLS: list[str] = []


def good():
    CALLS.append("good")


def bad():
    CALLS.append("bad")
    raise RuntimeError("boom")


@pytest.mark.django_db
def test_due_jobs_run_and_a_failure_does_not_stop_the_others():
    CALLS.clear()
    schedule = {
        "a": {"task": "gongkai.core.tests.test_jobs.bad", "schedule": 10.0},
        "b": {"task": "gongkai.core.tests.test_jobs.good", "schedule": 5.0},
    }
    loaded = jobs.load_jobs(schedule)
    assert jobs.run_due(loaded, now=100.0) == ["a", "b"]
    assert CALLS == ["bad", "good"]
    # Nothing is due one second later; b is due again after its 5 s interval, a after 10 s.
    assert jobs.run_due(loaded, now=101.0) == []
    assert jobs.run_due(loaded, now=105.0) == ["b"]
    assert jobs.run_due(loaded, now=110.0) == ["a", "b"]


def test_every_scheduled_task_can_be_imported():
    for job in jobs.load_jobs():
        assert callable(job.resolve()), job.task


def test_a_celery_worker_registers_every_scheduled_task():
    """A production worker finds tasks through autodiscovery of ``<app>.tasks`` modules only; a
    fresh interpreter, since this test process has imported every job module already."""
    import os
    import subprocess
    import sys

    script = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from gongkai.celery import app\n"
        "app.loader.import_default_modules()\n"
        "missing = [e['task'] for e in settings.CELERY_BEAT_SCHEDULE.values() if e['task'] not in app.tasks]\n"
        "print('MISSING', missing)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "gongkai.settings.test"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    assert "MISSING []" in out.stdout, out.stdout + out.stderr
