from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gongkai.core.outbox.backends.base import Result
from gongkai.core.outbox.models import DeliveryAttempt, OutboxMessage
from gongkai.core.outbox.services import (
    _claim,
    _finish,
    backoff_delay,
    outbox_deliver,
    outbox_deliver_due,
    outbox_enqueue,
)

pytestmark = pytest.mark.django_db
Status = OutboxMessage.Status


def expire_lease(message: OutboxMessage) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(claimed_until=timezone.now() - dt.timedelta(seconds=1))


def make_due(message: OutboxMessage) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())


# --- claim ----------------------------------------------------------------------------------------


def test_claim_takes_a_lease_and_blocks_a_second_claim(sms, settings):
    settings.OUTBOX_LEASE_SECONDS = 60
    message = sms()
    claimed, attempt = _claim(message.pk)
    assert claimed.status == Status.SENDING
    assert claimed.attempts == 1
    assert claimed.claimed_by == attempt.worker
    assert claimed.claimed_until > timezone.now() + dt.timedelta(seconds=50)
    assert attempt.outcome == DeliveryAttempt.Outcome.IN_PROGRESS
    assert not claimed.in_doubt
    assert _claim(message.pk) is None  # the lease is live
    assert outbox_deliver(message.pk) is None


def test_claim_ignores_messages_that_are_not_due_or_final(sms):
    waiting = sms("a")
    OutboxMessage.objects.filter(pk=waiting.pk).update(
        next_attempt_at=timezone.now() + dt.timedelta(minutes=5)
    )
    sent = sms("b")
    OutboxMessage.objects.filter(pk=sent.pk).update(status=Status.SENT)
    cancelled = sms("c")
    OutboxMessage.objects.filter(pk=cancelled.pk).update(status=Status.CANCELLED)
    assert [_claim(m.pk) for m in (waiting, sent, cancelled)] == [None, None, None]


def test_expired_lease_makes_the_message_in_doubt_and_closes_the_dead_attempt(sms):
    message = sms()
    _claim(message.pk)  # a worker claims it and dies
    expire_lease(message)
    claimed, attempt = _claim(message.pk)
    assert claimed.in_doubt
    assert claimed.attempts == 2
    assert attempt.number == 2
    first = claimed.delivery_attempts.get(number=1)
    assert first.outcome == DeliveryAttempt.Outcome.INTERRUPTED
    assert first.finished_at is not None


def test_a_worker_that_lost_its_lease_does_not_overwrite_the_new_holder(sms):
    message = sms()
    slow_message, slow_attempt = _claim(message.pk)
    expire_lease(message)
    _new_message, new_attempt = _claim(message.pk)
    _finish(slow_message, slow_attempt, Result.permanent("late answer"))
    message.refresh_from_db()
    assert message.status == Status.SENDING
    assert message.claimed_by == new_attempt.worker
    slow_attempt.refresh_from_db()
    assert slow_attempt.outcome == DeliveryAttempt.Outcome.LEASE_LOST


# --- outcomes -------------------------------------------------------------------------------------


def test_log_backend_counts_as_sent(sms):
    message = outbox_deliver(sms().pk)
    assert message.status == Status.SENT
    assert message.sent_at is not None
    assert message.claimed_until is None
    assert message.provider_message_id == f"log:{message.pk}"


def test_backoff_is_exponential_with_jitter_and_capped(settings):
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 30
    settings.OUTBOX_BACKOFF_MAX_SECONDS = 3600
    lowest = [backoff_delay(n, rng=lambda: 0.0).total_seconds() for n in range(1, 10)]
    highest = [backoff_delay(n, rng=lambda: 1.0).total_seconds() for n in range(1, 10)]
    assert highest == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert lowest == [h / 2 for h in highest]
    middle = backoff_delay(3).total_seconds()
    assert 60 <= middle <= 120


def test_transient_errors_back_off_then_go_dead_after_max_attempts(aliyun, sms, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    aliyun.fail_codes = ["isv.BUSINESS_LIMIT_CONTROL", "Throttling.User", "isp.SYSTEM_ERROR"]
    message = sms()
    before = timezone.now()
    message = outbox_deliver(message.pk)
    assert message.status == Status.PENDING
    assert "isv.BUSINESS_LIMIT_CONTROL" in message.last_error
    assert (
        before + dt.timedelta(seconds=14)
        <= message.next_attempt_at
        <= timezone.now() + dt.timedelta(seconds=31)
    )
    assert outbox_deliver(message.pk) is None  # backing off
    make_due(message)
    assert outbox_deliver(message.pk).status == Status.PENDING
    make_due(message)
    message = outbox_deliver(message.pk)
    assert message.status == Status.FAILED
    assert message.attempts == 3
    assert list(message.delivery_attempts.values_list("outcome", flat=True)) == ["transient"] * 3
    assert aliyun.sent_count_by_out_id() == {}


def test_permanent_error_goes_dead_at_once(aliyun, sms):
    aliyun.fail_codes = ["isv.MOBILE_NUMBER_ILLEGAL"]
    message = outbox_deliver(sms().pk)
    assert message.status == Status.FAILED
    assert message.attempts == 1
    assert message.last_error.startswith("isv.MOBILE_NUMBER_ILLEGAL")
    assert message.delivery_attempts.get().outcome == "permanent"


def test_a_backend_that_raises_is_a_transient_failure_in_doubt(sms, monkeypatch):
    from gongkai.core.outbox.backends.log import LogBackend

    def explode(self, message):
        raise RuntimeError("boom")

    monkeypatch.setattr(LogBackend, "send", explode)
    message = outbox_deliver(sms().pk)
    assert message.status == Status.PENDING
    assert message.in_doubt
    assert "boom" in message.last_error


# --- in doubt -------------------------------------------------------------------------------------


def test_in_doubt_message_the_provider_has_is_confirmed_not_resent(aliyun, sms):
    message = sms()
    # A worker sent it, Aliyun accepted it, and the worker died before recording the outcome.
    claimed, _attempt = _claim(message.pk)
    from gongkai.core.outbox.backends.aliyun_sms import AliyunSmsBackend

    assert AliyunSmsBackend.from_settings().send(claimed).kind.value == "sent"
    expire_lease(message)

    message = outbox_deliver(message.pk)
    assert message.status == Status.SENT
    assert not message.in_doubt
    assert message.delivery_attempts.get(number=2).outcome == DeliveryAttempt.Outcome.CONFIRMED
    assert aliyun.sent_count_by_out_id() == {message.idempotency_key: 1}
    assert [r["Action"] for r in aliyun.requests] == ["SendSms", "QuerySendDetails"]


def test_in_doubt_message_the_provider_lacks_is_resent_once(aliyun, sms):
    message = sms()
    _claim(message.pk)  # the worker died before its request reached Aliyun
    expire_lease(message)
    message = outbox_deliver(message.pk)
    assert message.status == Status.SENT
    assert message.delivery_attempts.get(number=2).outcome == DeliveryAttempt.Outcome.SENT
    assert aliyun.sent_count_by_out_id() == {message.idempotency_key: 1}


def test_in_doubt_message_waits_when_the_provider_cannot_be_asked(aliyun, sms):
    message = sms()
    _claim(message.pk)
    expire_lease(message)
    aliyun.query_fail_codes = ["isp.SYSTEM_ERROR"]
    message = outbox_deliver(message.pk)
    assert message.status == Status.PENDING
    assert message.in_doubt  # still: the next attempt asks again
    assert "confirm" in message.last_error
    assert aliyun.sent_count_by_out_id() == {}
    make_due(message)
    assert outbox_deliver(message.pk).status == Status.SENT
    assert aliyun.sent_count_by_out_id() == {message.idempotency_key: 1}


def test_read_timeout_leaves_the_message_in_doubt_and_confirm_prevents_a_duplicate(aliyun, sms, settings):
    settings.ALIYUN_SMS_TIMEOUT = 0.3
    message = sms()
    aliyun.block(message.idempotency_key, after_record=True)  # accepted, but the answer never comes
    message = outbox_deliver(message.pk)
    aliyun.release.set()
    assert message.status == Status.PENDING
    assert message.in_doubt
    make_due(message)
    message = outbox_deliver(message.pk)
    assert message.status == Status.SENT
    assert aliyun.sent_count_by_out_id() == {message.idempotency_key: 1}


def test_in_doubt_webhook_is_resent_with_the_same_idempotency_key(settings, monkeypatch):
    settings.GONGKAI_WEBHOOK_BACKEND = "http"
    seen = []

    from gongkai.core.outbox.backends import webhook

    def fake_send(self, message):
        seen.append(message.idempotency_key)
        return Result.sent()

    monkeypatch.setattr(webhook.WebhookBackend, "send", fake_send)
    message = outbox_enqueue(
        channel="webhook",
        recipient="https://example.com/hook",
        payload={"event": "x"},
        idempotency_key="hook:1",
    )
    _claim(message.pk)
    expire_lease(message)
    assert outbox_deliver(message.pk).status == Status.SENT
    assert seen == ["hook:1"]


# --- sweep ----------------------------------------------------------------------------------------


def test_deliver_due_takes_due_and_expired_messages_only(sms):
    sms("due")
    later = sms("later")
    OutboxMessage.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now() + dt.timedelta(minutes=1))
    stuck = sms("stuck")
    _claim(stuck.pk)
    expire_lease(stuck)
    busy = sms("busy")
    _claim(busy.pk)

    assert outbox_deliver_due(limit=10) == 2
    statuses = dict(OutboxMessage.objects.values_list("idempotency_key", "status"))
    assert statuses == {"due": "sent", "later": "pending", "stuck": "sent", "busy": "sending"}


def test_deliver_due_task_is_registered_under_the_scheduled_name():
    from gongkai.core.outbox import tasks
    from gongkai.settings.schedule import BEAT_SCHEDULE

    assert tasks.deliver_due.name == BEAT_SCHEDULE["outbox-deliver"]["task"]
    assert tasks.deliver_due.delay().get() == 0
