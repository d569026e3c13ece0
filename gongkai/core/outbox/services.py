"""Writes of the outbox: enqueue, deliver, and the staff verbs retry and cancel.

Delivery protocol (see docs/outbox.md for the full argument):

1. **Claim** in a short transaction of its own: a message is claimable when it is ``pending`` and
   due, or ``sending`` with an expired lease (its worker died or hung). Claiming sets ``sending``,
   a fresh lease (``claimed_until``, ``claimed_by``), counts the attempt and opens a
   ``DeliveryAttempt``. On PostgreSQL the row is locked with ``SELECT … FOR UPDATE SKIP LOCKED`` so
   workers never wait on each other; on SQLite one conditional ``UPDATE … WHERE <claimable>`` does
   the same atomically. Only one worker can hold a live lease.
2. **Call the backend outside any transaction**, so a slow provider never holds a database lock.
   A message claimed from an expired lease is *in doubt*: it may have gone out. If the backend can
   ``confirm`` (Aliyun: QuerySendDetails by phone + date, matching OutId = idempotency key), ask
   first and mark it sent without resending if the provider has it. Otherwise resend with the same
   idempotency key (OutId, Message-ID, ``Idempotency-Key`` header) so the receiver can drop the
   duplicate.
3. **Record the outcome** in another short transaction, only if this worker still holds the claim.
   Transient errors go back to ``pending`` with exponential backoff and jitter, until
   ``OUTBOX_MAX_ATTEMPTS``; then, like permanent errors, ``failed`` (dead).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import random
import socket
import uuid
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from gongkai.api.errors import Conflict, NotFound, PermissionDenied
from gongkai.core import fastinsert
from gongkai.core.outbox.access import can_manage_outbox
from gongkai.core.outbox.backends.base import Kind, Result, excerpt
from gongkai.core.outbox.channels import OutboxPayloadError, get_channel
from gongkai.core.outbox.models import DeliveryAttempt, OutboxMessage
from gongkai.core.outbox.signals import notify_status_changed
from gongkai.core.wake import Waker

logger = logging.getLogger("gongkai.outbox")

Status = OutboxMessage.Status
Outcome = DeliveryAttempt.Outcome


class OutboxStateError(Conflict):
    code = "outbox_state"


# --- settings -------------------------------------------------------------------------------------


def max_attempts() -> int:
    return int(getattr(settings, "OUTBOX_MAX_ATTEMPTS", 8))


def lease_seconds() -> float:
    """How long a claim lasts. Must exceed the longest backend call (confirm + send with timeouts)."""
    return float(getattr(settings, "OUTBOX_LEASE_SECONDS", 120))


def backoff_delay(attempts: int, *, rng=random.random) -> dt.timedelta:
    """Delay before the next try after ``attempts`` failed tries: exponential, with equal jitter.

    The ceiling doubles from ``OUTBOX_BACKOFF_BASE_SECONDS`` (30 s) up to
    ``OUTBOX_BACKOFF_MAX_SECONDS`` (1 h); the delay is uniform in [ceiling/2, ceiling], so retries
    after a provider outage spread out instead of arriving together.
    """
    base = float(getattr(settings, "OUTBOX_BACKOFF_BASE_SECONDS", 30))
    cap = float(getattr(settings, "OUTBOX_BACKOFF_MAX_SECONDS", 3600))
    ceiling = min(cap, base * 2 ** max(attempts - 1, 0))
    return dt.timedelta(seconds=ceiling / 2 + rng() * ceiling / 2)


def worker_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}"


# --- enqueue --------------------------------------------------------------------------------------


_WAKER = Waker("gongkai.core.outbox.tasks.deliver_due")


def _schedule_delivery(message_id: int) -> None:
    """Have the message delivered soon after its transaction committed.

    Embedded mode (tasks run eagerly): this message is delivered right here, as before. With a
    broker, one task per message cost more than the rest of an appeal's intake (bench/hotline.py):
    the wake-ups are coalesced (``gongkai.core.wake``) into one ``deliver_due`` task per process
    every quarter second, which delivers every message due. A lost wake-up only delays: the
    periodic ``deliver_due`` sweep (every 5 s) finds the message.
    """
    from gongkai.core.outbox.tasks import deliver_message

    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        deliver_message.delay(message_id)
        return
    _WAKER.wake()


def outbox_enqueue(
    *,
    channel: str,
    recipient: str,
    payload: dict[str, Any],
    idempotency_key: str | None = None,
    source: Any = None,
    not_before: dt.datetime | None = None,
    fresh: bool = False,
) -> OutboxMessage:
    """Queue an external side effect; call it inside the transaction of the change that causes it.

    - The row commits or rolls back with the caller's transaction: no change, no message.
    - Same ``idempotency_key`` twice returns the existing row (whatever its state); there is never
      a second message. Without a key, a random one is generated. Callers should pass a key that
      names the cause, e.g. ``f"workorder:{pk}:replied:sms"``.
    - After commit an immediate delivery attempt is scheduled (``deliver_message.delay``: in-process
      in embedded mode, through the broker otherwise). If that is lost, the periodic ``deliver_due``
      sweep delivers it. With ``not_before`` in the future only the sweep does, once it is due.
    - Raises ``OutboxPayloadError`` (Chinese message) for an unknown channel or an invalid
      recipient or payload.
    - ``fresh=True``: the caller vouches that the key is new (it names an object created in this
      same transaction, e.g. ``f"hotline:{order.pk}:received:sms"``). The look-up for an earlier
      message and the savepoint that guards the insert are skipped: one statement instead of
      five. A duplicate key then fails the caller's transaction (IntegrityError), never doubles.
    """
    recipient, key = _validated(channel, recipient, payload, idempotency_key)
    if fresh:
        return _enqueue_fresh(channel, recipient, payload, key, source, not_before)
    with transaction.atomic():
        return _enqueue_checked(channel, recipient, payload, key, source, not_before)


def outbox_notify_users(
    users: Any,
    *,
    key: str,
    subject: str,
    body: str,
    sms_template: str,
    sms_params: dict[str, Any],
    source: Any = None,
) -> int:
    """Queue an e-mail (and an SMS when the user's phone is a mobile number) to each staff user;
    returns how many users were reached. ``key`` names the cause: the same cause never sends twice
    (``<key>:u<user>:email`` / ``:sms``)."""
    from gongkai.core.outbox.channels import is_mobile_number

    told = 0
    for user in users:
        reached = False
        if user.email:
            outbox_enqueue(
                channel="email",
                recipient=user.email,
                payload={"subject": subject, "body": body},
                idempotency_key=f"{key}:u{user.pk}:email"[:200],
                source=source,
            )
            reached = True
        if is_mobile_number(getattr(user, "phone", "")):
            outbox_enqueue(
                channel="sms",
                recipient=user.phone,
                payload={"template": sms_template, "params": sms_params},
                idempotency_key=f"{key}:u{user.pk}:sms"[:200],
                source=source,
            )
            reached = True
        told += reached
    return told


def _validated(channel: str, recipient: str, payload: Any, idempotency_key: str | None) -> tuple[str, str]:
    spec = get_channel(channel)
    if not isinstance(payload, dict):
        raise OutboxPayloadError(_("外发消息内容必须是 JSON 对象。"))
    try:
        json.dumps(payload)
    except (TypeError, ValueError):
        raise OutboxPayloadError(_("外发消息内容无法保存为 JSON。")) from None
    recipient = spec.validate(recipient, payload)
    key = (idempotency_key or f"outbox:{uuid.uuid4().hex}").strip()
    if not key or len(key) > 200:
        raise OutboxPayloadError(_("幂等键不能为空，且不能超过 200 个字符。"))
    return recipient, key


def outbox_message_new(
    *, channel: str, recipient: str, payload: dict[str, Any], idempotency_key: str, source: Any = None
) -> OutboxMessage:
    """A validated, UNSAVED message with a fresh key, for a caller that writes it together with the
    row that causes it (``gongkai.core.fastinsert.insert_together``) and then calls
    :func:`outbox_written` once it has committed. Same checks as :func:`outbox_enqueue`."""
    recipient, key = _validated(channel, recipient, payload, idempotency_key)
    fields, _now = _fields(channel, recipient, payload, key, source, None)
    return fastinsert.new(OutboxMessage, **fields)  # type: ignore[return-value]


def outbox_written(message: OutboxMessage) -> None:
    """Schedule the delivery of a message written by the caller (after its transaction commits)."""
    transaction.on_commit(partial(_schedule_delivery, message.pk), robust=True)


def _fields(channel, recipient, payload, key, source, not_before) -> tuple[dict[str, Any], dt.datetime]:
    now = timezone.now()
    fields: dict[str, Any] = {
        "channel": channel,
        "recipient": recipient,
        "payload": payload,
        "idempotency_key": key,
        "next_attempt_at": max(now, not_before) if not_before else now,
        "created_at": now,
    }
    if source is not None:
        fields["source_content_type"] = ContentType.objects.get_for_model(source)
        fields["source_object_id"] = str(source.pk)
    return fields, now


def _after_commit(message: OutboxMessage, not_before: dt.datetime | None, now: dt.datetime) -> None:
    if not_before is None or not_before <= now:
        transaction.on_commit(partial(_schedule_delivery, message.pk), robust=True)


def _enqueue_fresh(channel, recipient, payload, key, source, not_before) -> OutboxMessage:
    fields, now = _fields(channel, recipient, payload, key, source, not_before)
    message = OutboxMessage(**fields)
    message.save(force_insert=True)
    _after_commit(message, not_before, now)
    return message


def _enqueue_checked(channel, recipient, payload, key, source, not_before) -> OutboxMessage:
    existing = OutboxMessage.objects.filter(idempotency_key=key).first()
    if existing is not None:
        _warn_if_different(existing, channel, recipient)
        return existing
    fields, now = _fields(channel, recipient, payload, key, source, not_before)
    try:
        # A savepoint, so that losing a race on the unique key leaves the caller's transaction usable.
        with transaction.atomic():
            message = OutboxMessage.objects.create(**fields)
    except IntegrityError:
        existing = OutboxMessage.objects.filter(idempotency_key=key).first()
        if existing is None:
            raise
        _warn_if_different(existing, channel, recipient)
        return existing
    _after_commit(message, not_before, now)
    return message


def _warn_if_different(existing: OutboxMessage, channel: str, recipient: str) -> None:
    if existing.channel != channel or existing.recipient != recipient:
        logger.warning(
            "outbox: idempotency key %s reused for a different channel or recipient; kept message %s",
            existing.idempotency_key,
            existing.pk,
        )


# --- deliver --------------------------------------------------------------------------------------


def _claimable(now: dt.datetime) -> Q:
    return Q(status=Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Status.SENDING, claimed_until__lt=now
    )


def _claim(message_id: int) -> tuple[OutboxMessage, DeliveryAttempt] | None:
    now = timezone.now()
    token = f"{worker_id()}:{uuid.uuid4().hex[:8]}"
    lease_until = now + dt.timedelta(seconds=lease_seconds())
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            # PostgreSQL: lock the row, skipping it if another worker is claiming it right now.
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(_claimable(now), pk=message_id)
                .first()
            )
            if message is None:
                return None
            message.in_doubt = message.in_doubt or message.status == Status.SENDING
            message.status = Status.SENDING
            message.attempts += 1
            message.claimed_until = lease_until
            message.claimed_by = token
            message.save(
                update_fields=["in_doubt", "status", "attempts", "claimed_until", "claimed_by", "updated_at"]
            )
        else:
            # SQLite: one conditional UPDATE is atomic; the CASE reads the row's old status.
            claimed = OutboxMessage.objects.filter(_claimable(now), pk=message_id).update(
                in_doubt=Case(When(status=Status.SENDING, then=Value(True)), default=F("in_doubt")),
                status=Status.SENDING,
                attempts=F("attempts") + 1,
                claimed_until=lease_until,
                claimed_by=token,
                updated_at=now,
            )
            if not claimed:
                return None
            message = OutboxMessage.objects.get(pk=message_id)
        # An attempt still "in progress" belongs to a worker whose lease ran out.
        message.delivery_attempts.filter(outcome=Outcome.IN_PROGRESS).update(
            outcome=Outcome.INTERRUPTED, finished_at=now, error=_("执行者在租约到期前未报告结果。")
        )
        attempt = DeliveryAttempt.objects.create(
            message=message,
            number=message.delivery_attempts.count() + 1,
            worker=token,
            started_at=now,
        )
    return message, attempt


def _finish(
    message: OutboxMessage,
    attempt: DeliveryAttempt,
    result: Result,
    *,
    confirmed: bool = False,
    keep_doubt: bool = False,
) -> OutboxMessage:
    now = timezone.now()
    fields: dict[str, Any] = {"claimed_until": None, "updated_at": now}
    if result.kind is Kind.SENT:
        outcome = Outcome.CONFIRMED if confirmed else Outcome.SENT
        fields |= {
            "status": Status.SENT,
            "sent_at": now,
            "in_doubt": False,
            "last_error": "",
            "provider_message_id": result.provider_message_id[:200],
        }
    elif result.kind is Kind.PERMANENT:
        outcome = Outcome.PERMANENT
        fields |= {"status": Status.FAILED, "in_doubt": False, "last_error": result.error}
    else:
        outcome = Outcome.TRANSIENT
        # Once in doubt, a message stays in doubt until a confirm or a send gives a clear answer.
        in_doubt = result.maybe_sent or (message.in_doubt and keep_doubt)
        fields |= {"in_doubt": in_doubt, "last_error": result.error}
        if message.attempts >= max_attempts():
            fields["status"] = Status.FAILED
        else:
            fields |= {"status": Status.PENDING, "next_attempt_at": now + backoff_delay(message.attempts)}
    with transaction.atomic():
        # Only the holder of the claim may record an outcome: after a lease expiry another worker
        # owns the message and will confirm or resend it.
        held = OutboxMessage.objects.filter(
            pk=message.pk, status=Status.SENDING, claimed_by=attempt.worker
        ).update(**fields)
        attempt.outcome = outcome if held else Outcome.LEASE_LOST
        attempt.finished_at = now
        attempt.error = result.error
        if not held:
            attempt.error = _("租约已失效，结果未记录（本次结果：%(outcome)s）。%(error)s") % {
                "outcome": outcome.label,
                "error": result.error,
            }
        attempt.response_excerpt = result.response_excerpt
        attempt.save(update_fields=["outcome", "finished_at", "error", "response_excerpt"])
        message.refresh_from_db()
        if held:
            notify_status_changed(message)
    if not held:
        logger.warning("outbox: lost the lease on message %s before recording %s", message.pk, outcome)
    return message


def outbox_save_provider_state(message: OutboxMessage, values: dict[str, Any]) -> bool:
    """Record a backend's progress on a message while it still holds the claim; return whether it did.

    For providers that need several calls (WeChat: draft, then publish, then poll), a backend saves
    what each call achieved (ids) as soon as it has it, so that the next attempt — after a
    transient error, a crash or a lease expiry — resumes instead of creating a second copy. Values
    are merged into ``provider_state``; a value of None removes the key. Runs in its own short
    transaction; call it outside any transaction, like the backend call itself.
    """
    state = dict(message.provider_state or {})
    for key, value in values.items():
        if value is None:
            state.pop(key, None)
        else:
            state[key] = value
    held = OutboxMessage.objects.filter(
        pk=message.pk, status=Status.SENDING, claimed_by=message.claimed_by
    ).update(provider_state=state, updated_at=timezone.now())
    message.provider_state = state
    return bool(held)


def outbox_deliver(message_id: int) -> OutboxMessage | None:
    """Try to deliver one message now; return it, or None if it is not claimable (not due, final,
    or held by another worker's live lease).

    Never raises for a backend failure: every outcome is recorded on the message and its attempts.
    Call it outside a transaction: the backend call must not hold database locks.
    """
    claimed = _claim(message_id)
    if claimed is None:
        return None
    message, attempt = claimed
    try:
        backend = get_channel(message.channel).backend()
    except Exception as exc:  # a misconfigured backend is an operator problem: retry later
        logger.exception("outbox: cannot build the backend for message %s", message.pk)
        return _finish(message, attempt, Result.transient(f"backend: {exc!r}"), keep_doubt=True)

    if message.in_doubt:
        confirm = getattr(backend, "confirm", None)
        known = None
        if confirm is not None:
            try:
                known = confirm(message)
            except Exception as exc:
                # Could not ask: wait and ask again rather than risk a duplicate.
                logger.warning("outbox: confirm failed for message %s: %r", message.pk, exc)
                return _finish(message, attempt, Result.transient(f"confirm: {exc!r}"), keep_doubt=True)
        if known is True or (isinstance(known, str) and known):
            # A backend may answer with the provider's id of what it found (a str).
            provider_id = known if isinstance(known, str) else message.provider_message_id
            return _finish(
                message,
                attempt,
                Result.sent(provider_id, _("服务商已有此消息（按幂等键确认），未重发。")),
                confirmed=True,
            )
        # known is False (the provider does not have it) or None (cannot tell): send, with the
        # same idempotency key so that the receiver can drop a duplicate.

    try:
        result = backend.send(message)
    except Exception as exc:
        logger.exception("outbox: backend raised for message %s", message.pk)
        result = Result.transient(f"{type(exc).__name__}: {exc}", maybe_sent=True)
    return _finish(message, attempt, result)


def outbox_deliver_due(limit: int = 100) -> int:
    """Deliver up to ``limit`` due messages (and messages whose lease expired); return how many
    this call attempted. Safe to run in several workers at once."""
    now = timezone.now()
    ids = list(
        OutboxMessage.objects.filter(_claimable(now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in ids if outbox_deliver(pk) is not None)


# --- staff verbs ----------------------------------------------------------------------------------


def _snapshot(message: OutboxMessage) -> dict[str, Any]:
    return {
        "status": message.status,
        "attempts": message.attempts,
        "next_attempt_at": message.next_attempt_at.isoformat() if message.next_attempt_at else None,
    }


def _audit(*, actor, action: str, message: OutboxMessage, old: dict, new: dict, request=None) -> None:
    try:
        from gongkai.core.audit.services import audit_record
    except ImportError:  # the audit app is not there yet: keep a log line at least
        logger.info("outbox audit %s by %s on %s: %s -> %s", action, actor, message.pk, old, new)
        return
    audit_record(actor=actor, action=action, target=message, old=old, new=new, request=request)


def _locked_for_staff(message_id: int, actor) -> OutboxMessage:
    if actor is not None and not can_manage_outbox(actor):
        raise PermissionDenied()
    message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
    if message is None:
        raise NotFound()
    return message


@transaction.atomic
def outbox_retry(message_id: int, actor=None, *, request=None) -> OutboxMessage:
    """Send a pending or failed message again now, with a fresh budget of attempts.

    ``actor`` None means the system (the ``outbox retry`` command). Sent, cancelled and in-flight
    messages cannot be retried. The idempotency key is unchanged, and a message that was in doubt
    is still confirmed before it is resent.
    """
    message = _locked_for_staff(message_id, actor)
    if message.status not in {Status.PENDING, Status.FAILED}:
        raise OutboxStateError(
            _("状态为“%(status)s”的消息不能重试。") % {"status": message.get_status_display()}
        )
    old = _snapshot(message)
    message.status = Status.PENDING
    message.attempts = 0
    message.next_attempt_at = timezone.now()
    message.claimed_until = None
    message.save(update_fields=["status", "attempts", "next_attempt_at", "claimed_until", "updated_at"])
    notify_status_changed(message)
    _audit(
        actor=actor,
        action="outbox.retried",
        message=message,
        old=old,
        new=_snapshot(message),
        request=request,
    )
    transaction.on_commit(partial(_schedule_delivery, message.pk), robust=True)
    return message


@transaction.atomic
def outbox_cancel(message_id: int, actor=None, *, request=None) -> OutboxMessage:
    """Withdraw a pending or failed message so that it is never sent.

    A message being sent right now cannot be cancelled (it may already be with the provider).
    """
    message = _locked_for_staff(message_id, actor)
    if message.status not in {Status.PENDING, Status.FAILED}:
        raise OutboxStateError(
            _("状态为“%(status)s”的消息不能取消。") % {"status": message.get_status_display()}
        )
    old = _snapshot(message)
    message.status = Status.CANCELLED
    message.claimed_until = None
    message.save(update_fields=["status", "claimed_until", "updated_at"])
    notify_status_changed(message)
    _audit(
        actor=actor,
        action="outbox.cancelled",
        message=message,
        old=old,
        new=_snapshot(message),
        request=request,
    )
    return message


def payload_excerpt(message: OutboxMessage) -> str:
    return excerpt(json.dumps(message.payload, ensure_ascii=False, indent=2))
