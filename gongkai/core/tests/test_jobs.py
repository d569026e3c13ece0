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
