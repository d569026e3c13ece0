from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from gongkai.core.outbox.channels import OutboxPayloadError, mask_email, mask_phone
from gongkai.core.outbox.models import OutboxMessage
from gongkai.core.outbox.services import outbox_enqueue

pytestmark = pytest.mark.django_db


def test_enqueue_writes_a_pending_row_with_its_source(django_user_model):
    source = django_user_model.objects.create_user(username="citizen")
    message = outbox_enqueue(
        channel="sms",
        recipient="+86 138-1234-1234",
        payload={"template": "SMS_1", "params": {"no": "2024001"}},
        idempotency_key="workorder:1:replied:sms",
        source=source,
    )
    assert message.status == OutboxMessage.Status.PENDING
    assert message.recipient == "13812341234"
    assert message.attempts == 0
    assert message.source == source
    assert message.masked_recipient == "138****1234"


def test_enqueue_same_key_twice_returns_the_existing_row():
    first = outbox_enqueue(
        channel="sms", recipient="13812341234", payload={"template": "SMS_1"}, idempotency_key="k"
    )
    second = outbox_enqueue(
        channel="sms", recipient="13812341234", payload={"template": "SMS_1"}, idempotency_key="k"
    )
    assert first.pk == second.pk
    assert OutboxMessage.objects.count() == 1


def test_enqueue_without_key_generates_a_unique_one():
    a = outbox_enqueue(channel="email", recipient="a@example.com", payload={"subject": "s", "body": "b"})
    b = outbox_enqueue(channel="email", recipient="a@example.com", payload={"subject": "s", "body": "b"})
    assert a.idempotency_key != b.idempotency_key


@pytest.mark.parametrize(
    ("channel", "recipient", "payload", "message"),
    [
        ("fax", "1", {}, "未知的外发渠道：fax。"),
        ("sms", "12345", {"template": "SMS_1"}, "手机号码格式不正确"),
        ("sms", "13812341234", {}, "模板编号"),
        ("sms", "13812341234", {"template": "SMS_1", "params": {"a": ["x"]}}, "params"),
        ("email", "not-an-address", {"subject": "s", "body": "b"}, "邮件地址格式不正确"),
        ("email", "a@example.com", {"body": "b"}, "subject"),
        ("email", "a@example.com", {"subject": "a\nBcc: x@y.z", "body": "b"}, "换行"),
        ("webhook", "ftp://example.com/", {"event": "e"}, "http"),
        ("webhook", "https://example.com/hook", {}, "event"),
        ("sms", "13812341234", {"template": "SMS_1", "params": {"when": dt.date(2024, 1, 1)}}, "JSON"),
    ],
)
def test_enqueue_refuses_invalid_input_with_a_chinese_message(channel, recipient, payload, message):
    with pytest.raises(OutboxPayloadError) as caught:
        outbox_enqueue(channel=channel, recipient=recipient, payload=payload)
    assert message in str(caught.value.message)
    assert not OutboxMessage.objects.exists()


def test_rollback_of_the_causing_transaction_leaves_no_row(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError):
        with transaction.atomic():
            outbox_enqueue(channel="sms", recipient="13812341234", payload={"template": "SMS_1"})
            raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.exists()
    assert callbacks == []


def test_enqueue_schedules_an_immediate_delivery_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = outbox_enqueue(channel="sms", recipient="13812341234", payload={"template": "SMS_1"})
    assert len(callbacks) == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING  # nothing happens before commit

    callbacks[0]()  # the commit: in embedded mode the Celery task runs eagerly
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    attempt = message.delivery_attempts.get()
    assert attempt.outcome == "sent"
    assert "SMS_1" in attempt.response_excerpt  # the log backend's readable rendering


def test_enqueue_with_not_before_in_the_future_waits_for_the_sweep(django_capture_on_commit_callbacks):
    later = timezone.now() + dt.timedelta(hours=1)
    with django_capture_on_commit_callbacks() as callbacks:
        message = outbox_enqueue(
            channel="sms", recipient="13812341234", payload={"template": "SMS_1"}, not_before=later
        )
    assert callbacks == []
    assert message.next_attempt_at == later


def test_masking():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_email("zhang.san@example.com, li@jl.gov.cn") == "z***@example.com, l***@jl.gov.cn"
