"""Login lock-out (django-axes) through the Wagtail admin login form."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template import engines
from django.test import RequestFactory
from django.utils import translation

from gongkai.accounts.tests.conftest import PASSWORD

LOGIN = "/admin/login/"


def login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})


@pytest.fixture
def staff(users):
    return users["handler_a"]


def test_right_password_logs_in(client, staff):
    response = login(client, staff.username, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_five_failures_lock_the_account_even_for_the_right_password(client, staff, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, staff.username, "wrong-password").status_code == 200
    assert login(client, staff.username, "wrong-password").status_code == 429
    response = login(client, staff.username, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session

    # After the cool-off the right password works again.
    time_machine.shift(datetime.timedelta(minutes=31))
    response = login(client, staff.username, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_lockout_is_per_username_and_ip(client, staff, users):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, staff.username, "wrong-password")
    other = users["handler_b"]
    assert login(client, other.username, PASSWORD).status_code == 302
    # The same username from another address is not locked either.
    response = client.post(LOGIN, {"username": staff.username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 302


def test_axes_reset_unlocks(client, staff):
    from axes.utils import reset

    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, staff.username, "wrong-password")
    reset(username=staff.username)
    assert login(client, staff.username, PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh-hans", ["已被锁定 30 分钟", "系统管理员"]), ("en", ["Account locked", "30 minutes"])],
)
def test_locked_out_page_says_for_how_long_and_whom_to_call(db, language, expected):
    source = (Path(__file__).parents[1] / "templates" / "accounts" / "locked_out.html").read_text()
    template = engines["django"].from_string(source)
    request = RequestFactory().get(LOGIN)
    request.user = AnonymousUser()
    with translation.override(language):
        html = template.render(
            {"failure_limit": 5, "cooloff_timedelta": datetime.timedelta(minutes=30), "username": "x"},
            request,
        )
    for text in expected:
        assert text in html
    assert "5" in html
