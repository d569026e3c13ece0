from __future__ import annotations

import pytest

from gongkai.core.outbox.tests.fake_aliyun import ACCESS_KEY_ID, ACCESS_KEY_SECRET, FakeAliyunSms


@pytest.fixture
def fake_aliyun():
    server = FakeAliyunSms().start()
    yield server
    server.stop()


@pytest.fixture
def aliyun(settings, fake_aliyun):
    """Route the sms channel to the Aliyun backend pointed at the local fake server."""
    settings.GONGKAI_SMS_BACKEND = "aliyun"
    settings.ALIYUN_SMS_ENDPOINT = fake_aliyun.url
    settings.ALIYUN_SMS_ACCESS_KEY_ID = ACCESS_KEY_ID
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = ACCESS_KEY_SECRET
    settings.ALIYUN_SMS_SIGN_NAME = "吉林市人民政府"
    settings.ALIYUN_SMS_TIMEOUT = 2.0
    return fake_aliyun


@pytest.fixture
def sms(db):
    """Enqueue an SMS (committed as far as the test transaction goes; no delivery scheduled)."""
    from gongkai.core.outbox.services import outbox_enqueue

    def make(key: str = "workorder:1:replied:sms", phone: str = "13812341234", **params):
        return outbox_enqueue(
            channel="sms",
            recipient=phone,
            payload={"template": "SMS_100", "params": params or {"code": "A1"}},
            idempotency_key=key,
        )

    return make


@pytest.fixture
def staff_user(db, django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user(username="clerk", password="x-Password-123", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_outboxmessage"))
    return user


@pytest.fixture
def manager_user(db, django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user(username="manager", password="x-Password-123", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="view_outboxmessage"),
        Permission.objects.get(codename="manage_outbox"),
    )
    return user
