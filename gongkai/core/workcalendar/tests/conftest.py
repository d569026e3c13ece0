from __future__ import annotations

import pytest

from gongkai.core.workcalendar import cache


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    """Each test sees the calendar of its own (rolled-back) transaction, not a previous test's."""
    cache.invalidate()
    yield
    cache.invalidate()


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(
        username="admin", password="x-Very-long-pw-1", email="a@x.cn"
    )


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(username="staff", password="x-Very-long-pw-1", is_staff=True)
