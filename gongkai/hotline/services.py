"""Writes: intake from every channel and one service per transition of the work-order loop.

Every transition service is ``work_order_<verb>(*, work_order, actor, ...) -> WorkOrder`` built on
``gongkai.core.workflow.run_transition``: the row is locked, the state, the actor's permission and
the conditions are checked (``TransitionNotAllowed`` otherwise, and nothing changes), the fields are
saved, a ``WorkOrderEvent`` (the timeline) and an audit event are written, and messages are queued
in the outbox inside the same transaction. ``work_order`` may be an instance or a primary key; the
returned instance is the fresh, saved one. Input problems raise Django's ``ValidationError`` with
Chinese messages before anything is locked.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from gongkai.accounts.models import Department, DepartmentKind
from gongkai.accounts.selectors import users_with_role
from gongkai.api.errors import ApiError, Conflict
from gongkai.core import fastinsert
from gongkai.core.audit.services import audit_record
from gongkai.core.db import hot_cursor
from gongkai.core.outbox.models import OutboxMessage
from gongkai.core.personal_data import mask_name, redact_text, resident_id_is_valid
from gongkai.core.wake import Waker
from gongkai.core.workcalendar import selectors as calendar
from gongkai.core.workcalendar import services as clocks
from gongkai.core.workcalendar.models import ClockUnit, DeadlineClock
from gongkai.core.workflow import run_transition
from gongkai.hotline.models import (
    DISSATISFIED_LEVELS,
    OPEN_STATUSES,
    SATISFIED_LEVELS,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Attachment,
    CallbackAttempt,
    CallbackOutcome,
    Channel,
    DeadlineRule,
    DecisionStatus,
    EventType,
    ExtensionRequest,
    InboundMessage,
    InboundStatus,
    OrderType,
    ReturnRequest,
    ReturnRuling,
    RoutingCategory,
    Satisfaction,
    Status,
    SupervisionKind,
    SupervisionNotice,
    TrackingCounter,
    Urgency,
    WorkOrder,
    WorkOrderEvent,
)
from gongkai.hotline.workflow import GRAPH, INBOUND_GRAPH

logger = logging.getLogger(__name__)

REPLY_CLOCK = "reply"
#: Reopenings and transfers after which an order is escalated (提级督办), per local practice.
ESCALATE_AFTER_REOPENINGS = 3
ESCALATE_AFTER_TRANSFERS = 3
#: Unreachable callback attempts after which the order is closed as unreachable.
MAX_CALLBACK_ATTEMPTS = 3

MAX_CONTENT = 5000
MAX_REPLY = 10000
MAX_REASON = 1000
MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_RAW_SOURCE_BYTES = 256 * 1024

DEFAULT_SMS_TEMPLATES = {
    "received": "SMS_HOTLINE_RECEIVED",  # params: tracking_number, query_code
    "replied": "SMS_HOTLINE_REPLIED",  # params: tracking_number
    "assigned": "SMS_HOTLINE_ASSIGNED",  # params: tracking_number, deadline (to handlers)
    "supervision": "SMS_HOTLINE_SUPERVISION",  # params: tracking_number, kind (to handlers)
}


class WorkOrderError(ApiError):
    """A hotline rule refused the request (409 unless the subclass says otherwise)."""

    status = 409
    code = "workorder_error"


# --- Small helpers -------------------------------------------------------------------------------


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def sms_template(kind: str) -> str:
    """The SMS template code for ``kind`` (``GONGKAI_HOTLINE_SMS_TEMPLATES`` overrides the defaults)."""
    return {**DEFAULT_SMS_TEMPLATES, **_setting("GONGKAI_HOTLINE_SMS_TEMPLATES", {})}[kind]


def _pk(work_order: WorkOrder | int) -> int:
    return work_order.pk if isinstance(work_order, WorkOrder) else int(work_order)


def _actor_department_id(actor: Any) -> int | None:
    return getattr(actor, "department_id", None) if actor is not None else None


def _user_or_none(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _event(
    order: WorkOrder,
    type: str,
    *,
    actor: Any = None,
    department: Department | int | None = None,
    public: bool = False,
    note: str = "",
    data: dict | None = None,
    at: datetime.datetime | None = None,
) -> WorkOrderEvent:
    department_id = department.pk if isinstance(department, Department) else department
    return WorkOrderEvent.objects.create(
        work_order=order,
        type=type,
        actor=_user_or_none(actor),
        department_id=department_id,
        is_public=public,
        note=note,
        data=data or {},
        created_at=at or timezone.now(),
    )


#: Control characters other than tab and newline, and U+FFFD (what a wrong encoding leaves).
_UNREADABLE = re.compile(r"[\x00-\x08\x0b-\x1f\ufffd]")


def _clean_text(
    value: str | None, *, field: str, label: str | Promise, max_length: int, required: bool = False
) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise ValidationError({field: _("请填写%(label)s。") % {"label": label}})
    if len(text) > max_length:
        raise ValidationError(
            {field: _("%(label)s不能超过 %(max)s 个字。") % {"label": label, "max": max_length}}
        )
    if _UNREADABLE.search(text):
        raise ValidationError({field: _("%(label)s含有无法识别的字符，请检查编码。") % {"label": label}})
    return text


def _reason(value: str | None, *, label: str | None = None) -> str:
    return _clean_text(value, field="reason", label=label or _("理由"), max_length=MAX_REASON, required=True)


_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^(0\d{2,3})-?(\d{7,8})(?:-(\d{1,6}))?$")
_LOCAL = re.compile(r"^\d{7,8}$")
_SERVICE = re.compile(r"^(?:95\d{3,6}|400\d{7}|800\d{7}|123\d{2})$")


def normalize_phone(value: str | None) -> str:
    """Return a mainland mobile (11 digits) or landline (``0432-62012345``) number, or raise.

    ``+86``/``0086`` prefixes, spaces and dashes are accepted in a mobile number; a landline keeps
    its area code separated by a dash. An empty value is returned as ``""``.
    """
    raw = (value or "").strip()
    if not raw:
        return ""
    compact = re.sub(r"[\s()（）]", "", raw)
    digits = compact.replace("-", "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
            compact = compact[len(prefix) :].lstrip("-")
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if _MOBILE.match(digits):
        return digits
    match = _LANDLINE.match(compact) or _LANDLINE.match(digits)
    if match and not digits.startswith("1"):
        area, number, extension = match.groups()
        return f"{area}-{number}" + (f"-{extension}" if extension else "")
    if _LOCAL.match(digits) or _SERVICE.match(digits):
        return digits
    raise ValidationError({"caller_phone": _("请填写正确的手机号码或带区号的固定电话。")})


def is_mobile(phone: str) -> bool:
    return bool(_MOBILE.match(phone or ""))


def _validate_id_number(value: str) -> str:
    value = (value or "").strip().upper()
    if not value:
        return ""
    if not resident_id_is_valid(value, birth_date=False):
        raise ValidationError({"caller_id_number": _("身份证号码格式不正确。")})
    return value


@functools.cache
def _choice_values(choices: Any) -> frozenset[str]:
    # ``TextChoices.values`` builds its list (and every label) anew on each access.
    return frozenset(choices.values)


def _choice(value: Any, choices: Any, *, field: str, label: str | Promise) -> str:
    if not isinstance(value, str) or value not in _choice_values(choices):
        raise ValidationError({field: _("%(label)s无效。") % {"label": label}})
    return str(value)


# --- Tracking numbers and query codes ---------------------------------------------------------


def tracking_number_take(
    *, day: datetime.date, reference: tuple[str, str] | None = None
) -> tuple[str, int | None]:
    """The next tracking number of ``day`` (``YYMMDD`` + a 4-digit sequence, then 5…) from one
    atomic ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` on the day's counter row, in its own
    transaction before the order's (concurrent intakes never share a number; a failed intake leaves
    a gap, never a duplicate); and, on PostgreSQL, the id of the order already taken in with
    ``reference`` (``(channel, source_reference)``) in the same statement: one round trip.
    Elsewhere the reference is looked up separately. (The public intake on PostgreSQL takes its
    number and keys from :class:`IntakeKeys` instead.)"""
    table = connection.ops.quote_name("hotline_trackingcounter")
    upsert = (
        f"INSERT INTO {table} (day, last) VALUES (%s, 1) "  # noqa: S608 - the table name is ours
        f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last"
    )
    params: list[Any] = [connection.ops.adapt_datefield_value(day)]
    existing: int | None = None
    if connection.vendor == "postgresql" and reference:
        orders = connection.ops.quote_name(WorkOrder._meta.db_table)
        column = f"(SELECT id FROM {orders} WHERE channel = %s AND source_reference = %s LIMIT 1)"  # noqa: S608
        params += list(reference)
        sql = f"WITH c AS ({upsert}) SELECT c.last, {column} FROM c"  # noqa: S608 - our identifiers
        if not connection.in_atomic_block:
            # This statement is its own transaction: it need not wait for its WAL flush. If the
            # order is then committed (synchronously), that flush covers this earlier record too;
            # if the server crashed before, the number was never shown and may be handed out
            # again. One fsync wait per appeal instead of two (bench/hotline.py).
            sql = sql.replace(
                "WITH c AS (", "WITH s AS (SELECT set_config('synchronous_commit', 'off', true)), c AS (", 1
            ).replace(" FROM c", " FROM c, s")
        with hot_cursor() as cursor:
            cursor.execute(sql, params)
            sequence, existing = cursor.fetchone()
    else:
        if reference:
            found = work_order_by_reference(channel=reference[0], reference=reference[1])
            existing = found.pk if found is not None else None
        with connection.cursor() as cursor:
            cursor.execute(upsert, params)
            (sequence,) = cursor.fetchone()
    return f"{day:%y%m%d}{int(sequence):04d}", existing


class IntakeKeys:
    """Tracking numbers and primary keys for the public intake on PostgreSQL, taken a block at a time.

    Each public appeal needs the day's next tracking number (the SMS carries it, and the query
    code's hash is salted with it) and the keys of its order and messages, before its one INSERT
    statement. Taking them costs a statement of its own; under load this process takes a block of
    them in that statement instead, and hands them out one by one (the "hi/lo" pattern):

    - The block grows while appeals come fast (doubling up to :attr:`MAX` when the last block
      lasted under a second) and falls back to one number when they come slowly (after
      :attr:`IDLE` seconds), so that at a normal pace numbers follow the order of arrival as
      before; under load, two processes' numbers interleave within a day.
    - What a block leaves unused (its day ended, the process stopped) is a gap in the day's
      numbers, as a failed intake leaves one: never a duplicate, since the counter row and the
      sequences hand each value out once, and the block's statement commits (synchronously)
      before any of its values is used.
    - Inside a transaction (a caller's, or a test's) one number is taken and nothing is kept, since
      a rollback would hand the values out again.

    Two keys per order are taken for its messages (an SMS, and an e-mail when given).
    """

    MAX = 32
    FAST = 1.0
    IDLE = 10.0
    MESSAGES_PER_ORDER = 2

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._day: datetime.date | None = None
        self._numbers: list[int] = []
        self._order_ids: list[int] = []
        self._message_ids: list[int] = []
        self._size = 1
        self._taken_at = 0.0

    def take(self, day: datetime.date) -> tuple[str, int, list[int]]:
        """``(tracking number, order key, [message keys])`` for an appeal received on ``day``."""
        if connection.in_atomic_block:
            sequence, orders, messages = self._fetch(day, 1)
            return f"{day:%y%m%d}{sequence:04d}", orders[0], messages
        with self._lock:
            if self._day != day or not self._numbers:
                now = time.monotonic()
                if self._day == day and now - self._taken_at < self.FAST:
                    self._size = min(self._size * 2, self.MAX)
                elif now - self._taken_at > self.IDLE:
                    self._size = 1
                size = self._size
                last, orders, messages = self._fetch(day, size)
                self._day, self._taken_at = day, now
                # Reversed, so that pop() hands them out in ascending order.
                self._numbers = list(range(last, last - size, -1))
                self._order_ids = orders[::-1]
                self._message_ids = messages[::-1]
            sequence = self._numbers.pop()
            order_id = self._order_ids.pop()
            message_ids = [self._message_ids.pop() for _ in range(self.MESSAGES_PER_ORDER)]
        return f"{day:%y%m%d}{sequence:04d}", order_id, message_ids

    def clear(self) -> None:
        with self._lock:
            self._day, self._numbers, self._order_ids, self._message_ids = None, [], [], []
            self._size, self._taken_at = 1, 0.0

    def _fetch(self, day: datetime.date, size: int) -> tuple[int, list[int], list[int]]:
        """One statement: ``size`` more on the day's counter, and ``size`` order keys and
        ``MESSAGES_PER_ORDER × size`` message keys from their sequences. Returns the counter's
        new last value and the keys."""
        table = connection.ops.quote_name(TrackingCounter._meta.db_table)
        orders = fastinsert.allocate_ids_sql(WorkOrder)
        messages = fastinsert.allocate_ids_sql(OutboxMessage)
        sql = (
            f"WITH c AS (INSERT INTO {table} (day, last) VALUES (%s, %s) "  # noqa: S608 - our identifiers
            f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + EXCLUDED.last RETURNING last) "
            f"SELECT c.last, ARRAY(SELECT {orders} FROM generate_series(1, %s)), "
            f"ARRAY(SELECT {messages} FROM generate_series(1, %s)) FROM c"
        )
        params = [connection.ops.adapt_datefield_value(day), size, size, size * self.MESSAGES_PER_ORDER]
        with hot_cursor() as cursor:
            cursor.execute(sql, params)
            last, order_ids, message_ids = cursor.fetchone()
        return int(last), [int(pk) for pk in order_ids], [int(pk) for pk in message_ids]


#: The public intake's numbers and keys in this process (PostgreSQL).
INTAKE_KEYS = IntakeKeys()


def query_code_hash(*, tracking_number: str, query_code: str) -> str:
    """HMAC-SHA256 of the code, keyed by SECRET_KEY and salted with the tracking number."""
    return salted_hmac(
        "gongkai.hotline.query_code", f"{tracking_number}:{query_code}", algorithm="sha256"
    ).hexdigest()


def _new_query_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


# --- Deadline rules -----------------------------------------------------------------------------


def deadline_rule_for(*, order_type: str, urgency: str, category: RoutingCategory | None) -> DeadlineRule:
    """The most specific active rule: category (deepest first) > type > urgency; lowest pk on ties.

    A rule with a category applies to that category and its descendants. Without any matching
    rule an unsaved default of 13 working days is returned, so that dispatch never fails on an
    empty rule table.
    """
    rules = DeadlineRule.objects.filter(is_active=True).select_related("category")
    best: tuple[tuple[int, int, int, int], DeadlineRule] | None = None
    for rule in rules:
        if rule.order_type and rule.order_type != order_type:
            continue
        if rule.urgency and rule.urgency != urgency:
            continue
        if rule.category_id:
            rule_category = rule.category
            if category is None or rule_category is None or not category.path.startswith(rule_category.path):
                continue
            category_rank = rule_category.depth
        else:
            category_rank = 0
        score = (category_rank, 1 if rule.order_type else 0, 1 if rule.urgency else 0, -rule.pk)
        if best is None or score > best[0]:
            best = (score, rule)
    if best is not None:
        return best[1]
    return DeadlineRule(unit=ClockUnit.WORKING_DAYS, reply_budget=13, note=_("默认时限"))


def _reply_clock(order: WorkOrder) -> DeadlineClock | None:
    return calendar.clock_get(owner=order, purpose=REPLY_CLOCK)


def _refresh_reply_due(order: WorkOrder, *, now: datetime.datetime) -> None:
    clock = _reply_clock(order)
    if clock is not None:
        order.reply_due_at = calendar.clock_status(clock=clock, now=now).due_at


def _start_deadlines(order: WorkOrder, *, at: datetime.datetime, restart_reply: bool) -> list[str]:
    """Set sign-for and reply deadlines from the rule; (re)start the reply clock when asked."""
    rule = deadline_rule_for(order_type=order.order_type, urgency=order.urgency, category=order.category)
    order.deadline_unit = rule.unit
    order.deadline_rule_text = rule.rule_text[:300]
    order.sign_for_due_at = calendar.add_working_hours(start=at, hours=Decimal(rule.sign_for_hours))
    clock = _reply_clock(order)
    if clock is None:
        clocks.clock_start(
            owner=order, purpose=REPLY_CLOCK, unit=rule.unit, budget=rule.reply_budget, started_at=at
        )
    elif restart_reply:
        if clock.unit != rule.unit or clock.budget != rule.reply_budget:
            # The rule may differ after reclassification; the clock's history stays with it.
            DeadlineClock.objects.filter(pk=clock.pk).update(unit=rule.unit, budget=rule.reply_budget)
        clocks.clock_restart(clock=clock, at=at)
    order.is_paused = False
    _refresh_reply_due(order, now=at)
    return ["deadline_unit", "deadline_rule_text", "sign_for_due_at", "reply_due_at", "is_paused"]


# --- Notifications (outbox) ---------------------------------------------------------------------


def _notify_citizen(
    order: WorkOrder, *, kind: str, params: dict[str, Any], subject: str, body: str, fresh: bool = False
) -> None:
    """Queue an SMS (mobile numbers) and/or an e-mail to the caller; keys make repeats harmless.
    ``fresh``: the order was created in this transaction, so its keys cannot exist yet."""
    from gongkai.core.outbox.services import outbox_enqueue

    cycle = f"{order.reopen_count}"
    if is_mobile(order.caller_phone):
        outbox_enqueue(
            channel="sms",
            recipient=order.caller_phone,
            payload={"template": sms_template(kind), "params": params},
            idempotency_key=f"hotline:{order.pk}:{kind}:{cycle}:sms",
            source=order,
            fresh=fresh,
        )
    if order.caller_email:
        outbox_enqueue(
            channel="email",
            recipient=order.caller_email,
            payload={"subject": subject, "body": body},
            idempotency_key=f"hotline:{order.pk}:{kind}:{cycle}:email",
            source=order,
            fresh=fresh,
        )


def _notify_handlers(
    order: WorkOrder, *, department_id: int | None, key: str, subject: str, body: str, sms_params: dict
) -> int:
    """Queue a message to every active handler of ``department_id``; returns how many were told."""
    from gongkai.core.outbox.services import outbox_notify_users

    if department_id is None:
        return 0
    department = Department.objects.filter(pk=department_id).first()
    if department is None:
        return 0
    sms_params = dict(sms_params)
    template = sms_template(sms_params.pop("_template", "assigned"))
    return outbox_notify_users(
        users_with_role("handler", department=department),
        key=key,
        subject=subject,
        body=body,
        sms_template=template,
        sms_params=sms_params,
        source=order,
    )


def _notify_assigned(order: WorkOrder, assignment: Assignment) -> None:
    due = timezone.localtime(order.reply_due_at).strftime("%Y-%m-%d %H:%M") if order.reply_due_at else ""
    _notify_handlers(
        order,
        department_id=assignment.department_id,
        key=f"hotline:{order.pk}:assigned:{assignment.pk}",
        subject=_("【12345】新工单 %(number)s 待签收") % {"number": order.tracking_number},
        body=_("工单 %(number)s《%(title)s》已派至贵单位，请及时签收办理。答复期限：%(due)s。")
        % {"number": order.tracking_number, "title": order.title, "due": due},
        sms_params={"tracking_number": order.tracking_number, "deadline": due},
    )


# --- Intake ------------------------------------------------------------------------------------


def _validate_attachment_files(files: Iterable[Any]) -> list[Any]:
    files = list(files or ())
    if len(files) > MAX_ATTACHMENTS:
        raise ValidationError({"attachments": _("附件最多 %(n)s 个。") % {"n": MAX_ATTACHMENTS}})
    return files


def _validate_location(
    district: Department | None, street: Department | None
) -> tuple[Department | None, Department | None]:
    district_kinds = {
        DepartmentKind.DISTRICT,
        DepartmentKind.COUNTY,
        DepartmentKind.COUNTY_CITY,
        DepartmentKind.DEVELOPMENT_ZONE,
    }
    if district is not None and district.kind not in district_kinds:
        raise ValidationError({"district": _("所选单位不是区县。")})
    if street is not None:
        if street.kind != DepartmentKind.STREET:
            raise ValidationError({"street": _("所选单位不是街道（乡镇）。")})
        if district is None:
            district = street.parent
        elif street.parent_id != district.pk:
            raise ValidationError({"street": _("所选街道不属于所选区县。")})
    return district, street


def _coordinate(value: Any, *, field: str, limit: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("坐标格式不正确。")}) from None
    if not -limit <= number <= limit:
        raise ValidationError({field: _("坐标超出范围。")})
    return number


def work_order_create(
    *,
    channel: str,
    content: str,
    order_type: str = OrderType.OTHER,
    caller_name: str = "",
    caller_phone: str = "",
    caller_id_number: str = "",
    caller_address: str = "",
    caller_email: str = "",
    confidential: bool = False,
    consent_to_publish: bool = False,
    category: RoutingCategory | None = None,
    title: str = "",
    urgency: str = Urgency.NORMAL,
    district: Department | None = None,
    street: Department | None = None,
    location: str = "",
    latitude: Any = None,
    longitude: Any = None,
    attachments: Iterable[Any] = (),
    source_reference: str | None = None,
    raw_source: dict | None = None,
    actor: Any = None,
    request: Any = None,
    notify: bool = True,
    received_at: datetime.datetime | None = None,
    reference_checked: bool = False,
    defer_records: bool = False,
) -> tuple[WorkOrder, str | None]:
    """Take an appeal in from any channel; return ``(order, query_code)``.

    - Validates everything (Chinese ``ValidationError`` messages keyed by field).
    - Idempotent by ``(channel, source_reference)``: the same reference again returns the existing
      order and ``None`` for the code (the code is never stored in plain text, so it cannot be
      shown twice). ``reference_checked=True`` says the caller has just looked the reference up
      itself (the public API does, before counting rate limits): the look-up is not repeated, and a
      race is still caught by the unique constraint.
    - Durable before it returns: the order, its RECEIVED event, audit event, attachments, search
      entry and the citizen's confirmation (SMS to a mobile number, e-mail if given: tracking number
      and query code) commit together. The code appears in plain text only in the outbox row.
    - ``defer_records=True`` (the public intake; citizens, no attachments): the order and the
      confirmation are written in one statement and the RECEIVED event and audit event right
      after, by ``work_orders_record_pending`` (``_insert_deferred``).
    """
    channel = _choice(channel, Channel, field="channel", label=_lazy("受理渠道"))
    order_type = _choice(order_type, OrderType, field="order_type", label=_lazy("诉求类型"))
    urgency = _choice(urgency, Urgency, field="urgency", label=_lazy("紧急程度"))
    reference = _clean_text(
        source_reference, field="source_reference", label=_lazy("来源编号"), max_length=120
    )
    # The deferred (public) intake looks the reference up in the same statement as its number.
    if reference and not reference_checked and not defer_records:
        existing = work_order_by_reference(channel=channel, reference=reference)
        if existing is not None:
            return existing, None
    content = _clean_text(
        content, field="content", label=_lazy("诉求内容"), max_length=MAX_CONTENT, required=True
    )
    title = _clean_text(title, field="title", label=_lazy("标题"), max_length=200) or _title_from(content)
    caller_name = _clean_text(caller_name, field="caller_name", label=_lazy("姓名"), max_length=50)
    caller_phone = normalize_phone(caller_phone)
    caller_address = _clean_text(caller_address, field="caller_address", label=_lazy("地址"), max_length=200)
    caller_email = (caller_email or "").strip()
    if caller_email:
        try:
            validate_email(caller_email)
        except ValidationError:
            raise ValidationError({"caller_email": _("电子邮箱格式不正确。")}) from None
    caller_id_number = _validate_id_number(caller_id_number)
    location = _clean_text(location, field="location", label=_lazy("地点"), max_length=200)
    district, street = _validate_location(district, street)
    lat = _coordinate(latitude, field="latitude", limit=90)
    lng = _coordinate(longitude, field="longitude", limit=180)
    if category is not None and not category.is_active:
        raise ValidationError({"category": _("所选派单目录已停用。")})
    raw = raw_source if raw_source is not None else {}
    if not isinstance(raw, dict):
        raise ValidationError({"raw_source": _("原始来件必须是 JSON 对象。")})
    try:
        if len(json.dumps(raw, ensure_ascii=False).encode()) > MAX_RAW_SOURCE_BYTES:
            raise ValidationError({"raw_source": _("原始来件过大。")})
    except (TypeError, ValueError):
        raise ValidationError({"raw_source": _("原始来件无法保存为 JSON。")}) from None
    files = _validate_attachment_files(attachments)
    checked_files = [_check_file(f) for f in files]

    now = received_at or timezone.now()
    code = _new_query_code()
    deferred = defer_records and not checked_files and _user_or_none(actor) is None
    # The number is taken before the order's transaction (in autocommit, its own one-statement
    # transaction), so that concurrent intakes do not queue on the day's counter row while this one
    # stores its order, events and messages (bench/hotline.py: 12 of 16 waited on it). A failed
    # intake leaves a gap in the day's numbers, never a duplicate.
    day = calendar.local_date(moment=now)
    ids: list[int] = []
    if deferred and connection.vendor == "postgresql":
        # The public intake: the number and keys from this process's block (IntakeKeys); the
        # retry's reference and the category are checked by the INSERT itself (_insert_deferred).
        number, order_id, message_ids = INTAKE_KEYS.take(day)
        ids = [order_id, *message_ids]
    else:
        number, existing_id = tracking_number_take(
            day=day,
            reference=(channel, reference) if reference and defer_records and not reference_checked else None,
        )
        if existing_id is not None:  # a retry: the number just taken is left as a gap
            return WorkOrder.objects.get(pk=existing_id), None
    if deferred and request is not None:
        raw = {**raw, "client": _client_of(request)}
    # As WorkOrder(...), without Model.__init__'s per-field work (fastinsert.new).
    order: WorkOrder = fastinsert.new(  # type: ignore[assignment]
        WorkOrder,
        tracking_number=number,
        query_code_hash=query_code_hash(tracking_number=number, query_code=code),
        channel=channel,
        source_reference=reference,
        raw_source=raw,
        caller_name=caller_name,
        caller_phone=caller_phone,
        caller_id_number=caller_id_number,
        caller_address=caller_address,
        caller_email=caller_email,
        confidential=bool(confidential),
        consent_to_publish=bool(consent_to_publish),
        order_type=order_type,
        category=category,
        urgency=urgency,
        district=district,
        street=street,
        location=location,
        latitude=lat,
        longitude=lng,
        title=title,
        content=content,
        status=Status.RECEIVED,
        received_by=_user_or_none(actor),
        created_at=now,
        updated_at=now,
        search_pending=True,
        records_pending=deferred,
    )
    confirmation: dict[str, Any] = {
        "kind": "received",
        "params": {"tracking_number": number, "query_code": code},
        # Translated only when an e-mail goes out (SMS uses a provider template).
        "subject": _("【12345】您的诉求已受理，受理编号 %(number)s") % {"number": number}
        if caller_email
        else "",
        "body": _(
            "您的诉求已受理。受理编号：%(number)s，查询码：%(code)s。"
            "请凭受理编号和查询码查询办理进度，查询码请妥善保管。"
        )
        % {"number": number, "code": code}
        if caller_email
        else "",
    }
    try:
        if deferred:
            existing = _insert_deferred(order, ids, confirmation if notify else None)
            if existing is not None:  # a retry: the number just taken is left as a gap
                return existing, None
            return order, code
        with transaction.atomic():
            order.save(force_insert=True)
            for checked in checked_files:
                _store_attachment(order, checked, actor=actor, at=now)
            _event(order, EventType.RECEIVED, actor=actor, public=True, at=now, data={"channel": channel})
            audit_record(
                actor=actor,
                action="workorder.received",
                target=order,
                new=_received_values(order),
                request=request,
            )
            # The search entry is written after the response (work_orders_index_pending), not in
            # this transaction; search_pending=True (saved with the order) keeps it from being lost.
            if notify:
                _notify_citizen(order, fresh=True, **confirmation)
    except IntegrityError:
        # Lost a race on (channel, source_reference): the other request stored the order.
        if reference:
            existing = work_order_by_reference(channel=channel, reference=reference)
            if existing is not None:
                return existing, None
        raise
    return order, code


def _received_values(order: WorkOrder) -> dict[str, Any]:
    return {
        "tracking_number": order.tracking_number,
        "channel": order.channel,
        "order_type": order.order_type,
        "status": "received",
    }


def _client_of(request: Any) -> dict[str, Any]:
    """What the audit event records of the request (its address and browser), kept on the order
    until ``work_orders_record_pending`` writes the event."""
    return {
        "ip": request.META.get("REMOTE_ADDR") or None,
        "user_agent": (request.META.get("HTTP_USER_AGENT") or "")[:300],
    }


def _insert_deferred(
    order: WorkOrder, ids: list[int], confirmation: dict[str, Any] | None, *, retry: bool = True
) -> WorkOrder | None:
    """The public intake's write: the order and the citizen's confirmation (SMS and/or e-mail).

    On PostgreSQL ONE statement (``fastinsert.insert_new_together``, keys from ``IntakeKeys``)
    that writes nothing when the order's ``(channel, source_reference)`` was taken in already (a
    retry: that order is returned) or when its category has been switched off or renamed since the
    caller read it (a ``ValidationError``, as for any inactive category). Elsewhere one
    transaction, which checks the category likewise. ``records_pending=True`` leaves the RECEIVED
    event and the audit event to ``work_orders_record_pending``, woken when this commits.
    Returns ``None`` when the order was written."""
    from gongkai.core.outbox.services import outbox_message_new, outbox_written

    def messages() -> list[OutboxMessage]:
        if confirmation is None:
            return []
        built = []
        if is_mobile(order.caller_phone):
            built.append(
                outbox_message_new(
                    channel="sms",
                    recipient=order.caller_phone,
                    payload={"template": sms_template("received"), "params": confirmation["params"]},
                    idempotency_key=f"hotline:{order.pk}:received:0:sms",
                    source=order,
                )
            )
        if order.caller_email:
            built.append(
                outbox_message_new(
                    channel="email",
                    recipient=order.caller_email,
                    payload={"subject": confirmation["subject"], "body": confirmation["body"]},
                    idempotency_key=f"hotline:{order.pk}:received:0:email",
                    source=order,
                )
            )
        return built

    category = order.category
    if ids:  # PostgreSQL: one statement (atomic by itself); a savepoint only inside a transaction
        order.pk = ids[0]
        written = messages()
        for message, pk in zip(written, ids[1:], strict=False):
            message.pk = pk
        condition = None
        if category is not None:
            table = connection.ops.quote_name(RoutingCategory._meta.db_table)
            condition = (
                f"EXISTS (SELECT 1 FROM {table} WHERE id = %s AND code = %s AND is_active)",  # noqa: S608
                [category.pk, category.code],
            )
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            stored = fastinsert.insert_new_together([order, *written], condition=condition)
        if not stored:
            if order.source_reference:
                existing = work_order_by_reference(channel=order.channel, reference=order.source_reference)
                if existing is not None:
                    return existing
            if category is not None and retry and not _category_current(category):
                # The caller's copy is stale: once more with the category its code names now.
                order.category = _category_now(category)
                return _insert_deferred(order, ids, confirmation, retry=False)
            if category is not None and not retry:
                raise ValidationError({"category": _("所选派单目录已停用。")})
            raise IntegrityError(f"work order {order.tracking_number} was not stored")
    else:
        with transaction.atomic():
            if category is not None and not _category_current(category):
                order.category = _category_now(category)
            fastinsert.insert_together([order])
            written = messages()
            fastinsert.insert_together(written)
    for message in written:
        outbox_written(message)
    _RECORDS_WAKER.wake_on_commit()
    return None


def _category_current(category: RoutingCategory) -> bool:
    """Whether ``category`` is still active under its code (the caller's copy may be older)."""
    return RoutingCategory.objects.filter(pk=category.pk, code=category.code, is_active=True).exists()


def _category_now(category: RoutingCategory) -> RoutingCategory:
    """The active category that ``category``'s code names now (deleted and created again, say),
    when the caller's copy of it is stale; the process's copies are dropped. A 422 if none."""
    from gongkai.hotline import selectors

    selectors.forget_categories()
    current = selectors.category_by_code(category.code)
    if current is None:
        raise ValidationError({"category": _("所选派单目录已停用。")})
    return current


_RECORDS_WAKER = Waker("gongkai.hotline.tasks.record_pending")
RECORD_BATCH = 200


def work_orders_record_pending(*, limit: int = 5000, ids: list[int] | None = None) -> int:
    """Write the RECEIVED events and audit events the public intake left for later; return how many
    orders were completed. Batches of ``RECORD_BATCH`` in one transaction each (rows locked with
    ``SKIP LOCKED`` on PostgreSQL, so concurrent runs share the work); each event keeps the
    intake's time, and the audit event the request's address and browser. ``ids``: only these
    orders (a staff page about to show one does it first, so its timeline is whole)."""
    from django.contrib.contenttypes.models import ContentType

    from gongkai.core.audit.models import AuditEvent

    done = 0
    content_type = ContentType.objects.get_for_model(WorkOrder)
    while done < limit:
        with transaction.atomic():
            pending = WorkOrder.objects.filter(records_pending=True).order_by("pk")
            if ids is not None:
                pending = pending.filter(pk__in=ids)
            if connection.features.has_select_for_update_skip_locked:
                pending = pending.select_for_update(skip_locked=True)
            batch = list(
                pending.only(
                    "pk", "tracking_number", "title", "channel", "order_type", "created_at", "raw_source"
                )[: min(RECORD_BATCH, limit - done)]
            )
            if not batch:
                break
            WorkOrderEvent.objects.bulk_create(
                [
                    WorkOrderEvent(
                        work_order=order,
                        type=EventType.RECEIVED,
                        is_public=True,
                        data={"channel": order.channel},
                        created_at=order.created_at,
                    )
                    for order in batch
                ]
            )
            audits = []
            for order in batch:
                client = order.raw_source.get("client") if isinstance(order.raw_source, dict) else None
                client = client if isinstance(client, dict) else {}
                audits.append(
                    AuditEvent(
                        kind=AuditEvent.Kind.CHANGE,
                        action="workorder.received",
                        target_type=content_type,
                        target_id=str(order.pk),
                        target_repr=str(order)[:300],
                        new_values=_received_values(order),
                        ip_address=client.get("ip") or None,
                        user_agent=str(client.get("user_agent") or "")[:300],
                        created_at=order.created_at,
                    )
                )
            AuditEvent.objects.bulk_create(audits)
            WorkOrder.objects.filter(pk__in=[order.pk for order in batch]).update(records_pending=False)
        done += len(batch)
    return done


def work_order_by_reference(*, channel: str, reference: str) -> WorkOrder | None:
    """The order taken in earlier with this ``(channel, source_reference)``, else ``None``.

    The usual answer is "none": that case is one ``SELECT id … LIMIT 1`` on the unique index
    (plain SQL: compiling the ORM's query cost more than running it); the whole row is loaded
    only when it exists.
    """
    table = connection.ops.quote_name(WorkOrder._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE channel = %s AND source_reference = %s LIMIT 1",  # noqa: S608
            [channel, reference],
        )
        found = cursor.fetchone()
    return WorkOrder.objects.get(pk=found[0]) if found else None


def _title_from(content: str) -> str:
    first = content.split("\n", 1)[0].strip()
    return first[:30] + ("…" if len(first) > 30 else "")


def _search_document(order: WorkOrder) -> Any:
    from gongkai.core.search.documents import SearchDocument

    return SearchDocument.for_object(
        order,
        title=f"{order.tracking_number} {order.title}",
        body=redact_text(order.content),
        doc_type="workorder",
        date=calendar.local_date(moment=order.created_at),
        is_public=False,
        extra={"tracking_number": order.tracking_number},
        language="zh-hans",
    )


INDEX_BATCH = 200


def work_orders_index_pending(*, limit: int = 5000) -> int:
    """Write the search entries of orders taken in but not yet indexed; return how many.

    Intake leaves indexing out of the citizen's request: the order is saved with
    ``search_pending=True`` in its transaction, so nothing can be lost, and this writes the entries
    later, in batches of ``INDEX_BATCH`` (each one transaction, rows locked with ``SKIP LOCKED`` on
    PostgreSQL so that concurrent callers share the work instead of indexing twice). Run by the
    periodic job ``gongkai.hotline.tasks.index_pending`` and at the start of every staff search
    (``selectors.work_order_search``), so a search always finds what was taken in before it.
    """
    from gongkai.core.search.services import index_documents

    done = 0
    while done < limit:
        with transaction.atomic():
            batch = list(
                WorkOrder.objects.filter(search_pending=True)
                .order_by("pk")
                .select_for_update(skip_locked=True, of=("self",))
                .only("pk", "tracking_number", "title", "content", "created_at")[
                    : min(INDEX_BATCH, limit - done)
                ]
            )
            if not batch:
                break
            index_documents([_search_document(order) for order in batch], batch_size=INDEX_BATCH)
            WorkOrder.objects.filter(pk__in=[order.pk for order in batch]).update(search_pending=False)
        done += len(batch)
    return done


def work_order_from_message(
    *,
    channel: str,
    external_id: str,
    text: str,
    sender_name: str = "",
    sender_phone: str = "",
    sender_email: str = "",
    raw: dict | None = None,
    order_type: str = OrderType.OTHER,
    actor: Any = None,
    request: Any = None,
    notify: bool = True,
) -> tuple[WorkOrder, str | None]:
    """Turn an inbound message (WeChat, Weibo, e-mail, provincial platform) into a work order.

    The hook the new-media connectors and the "make a work order of this message" staff action
    call. Idempotent by ``(channel, external_id)``. A sender's phone that is not a valid number is
    dropped (kept in ``raw``) rather than refusing the message.
    """
    try:
        phone = normalize_phone(sender_phone)
    except ValidationError:
        phone = ""
    return work_order_create(
        channel=channel,
        content=text,
        order_type=order_type,
        caller_name=(sender_name or "")[:50],
        caller_phone=phone,
        caller_email=sender_email,
        source_reference=external_id,
        raw_source=raw or {},
        actor=actor,
        request=request,
        notify=notify,
    )


# --- Recorded inbound messages (新媒体留言) ---------------------------------------------------------

MAX_MESSAGE_TEXT = 5000


def _raw_json(raw: Any, *, field: str = "raw") -> dict:
    raw = raw if raw is not None else {}
    if not isinstance(raw, dict):
        raise ValidationError({field: _("原始消息必须是 JSON 对象。")})
    try:
        if len(json.dumps(raw, ensure_ascii=False).encode()) > MAX_RAW_SOURCE_BYTES:
            raise ValidationError({field: _("原始消息过大。")})
    except (TypeError, ValueError):
        raise ValidationError({field: _("原始消息无法保存为 JSON。")}) from None
    return raw


def inbound_message_record(
    *,
    channel: str,
    external_id: str,
    text: str,
    sender_name: str = "",
    sender_handle: str = "",
    sender_phone: str = "",
    sender_email: str = "",
    received_at: datetime.datetime | None = None,
    raw: dict | None = None,
    actor: Any = None,
    request: Any = None,
) -> tuple[InboundMessage, bool]:
    """Store one message a new-media connector delivered; return ``(message, created)``.

    Idempotent by ``(channel, external_id)`` (a database constraint, so concurrent retries store
    one row). Nothing becomes a work order here: ``inbound_message_convert`` does that. A sender
    phone or e-mail that is not valid is kept only in ``raw``.
    """
    channel = _choice(channel, Channel, field="channel", label=_("渠道"))
    external_id = _clean_text(
        external_id, field="external_id", label=_("消息编号"), max_length=120, required=True
    )
    existing = InboundMessage.objects.filter(channel=channel, external_id=external_id).first()
    if existing is not None:
        return existing, False
    text = _clean_text(text, field="text", label=_("留言内容"), max_length=MAX_MESSAGE_TEXT, required=True)
    try:
        phone = normalize_phone(sender_phone)
    except ValidationError:
        phone = ""
    email = (sender_email or "").strip()
    try:
        if email:
            validate_email(email)
    except ValidationError:
        email = ""
    now = timezone.now()
    message = InboundMessage(
        channel=channel,
        external_id=external_id,
        sender_name=_clean_text(sender_name, field="sender_name", label=_("发送人"), max_length=100),
        sender_handle=_clean_text(
            sender_handle, field="sender_handle", label=_("发送人账号"), max_length=200
        ),
        sender_phone=phone,
        sender_email=email,
        text=text,
        received_at=received_at or now,
        raw=_raw_json(raw),
        created_at=now,
    )
    try:
        with transaction.atomic():
            message.save(force_insert=True)
            audit_record(
                actor=actor,
                action="inboundmessage.received",
                target=message,
                new={"channel": channel, "external_id": external_id},
                request=request,
            )
    except IntegrityError:
        existing = InboundMessage.objects.filter(channel=channel, external_id=external_id).first()
        if existing is None:
            raise
        return existing, False
    return message, True


def _inbound_pk(message: InboundMessage | int) -> int:
    return message.pk if isinstance(message, InboundMessage) else int(message)


def inbound_message_convert(
    *,
    message: InboundMessage | int,
    actor: Any,
    order_type: str = OrderType.OTHER,
    category: RoutingCategory | None = None,
    title: str = "",
    urgency: str = Urgency.NORMAL,
    notify: bool = True,
    request: Any = None,
) -> WorkOrder:
    """Turn a recorded message into a work order (operators and the hotline office).

    The order takes the message's channel, text and sender (``source_reference`` = the message id,
    so an order made earlier from the same message is reused). A converted message answers its
    order again; an ignored one may still be converted.
    """
    order_type = _choice(order_type, OrderType, field="order_type", label=_("诉求类型"))
    urgency = _choice(urgency, Urgency, field="urgency", label=_("紧急程度"))
    current = InboundMessage.objects.select_related("work_order").get(pk=_inbound_pk(message))
    if current.status == InboundStatus.CONVERTED and current.work_order is not None:
        return current.work_order
    now = timezone.now()
    created: list[WorkOrder] = []

    def apply(m: InboundMessage) -> list[str]:
        order, _code = work_order_create(
            channel=m.channel,
            content=m.text,
            title=title,
            order_type=order_type,
            urgency=urgency,
            category=category,
            caller_name=(m.sender_name or m.sender_handle)[:50],
            caller_phone=m.sender_phone,
            caller_email=m.sender_email,
            source_reference=m.external_id,
            raw_source={"message": m.raw, "inbound_message": m.pk, "sender_handle": m.sender_handle},
            actor=actor,
            request=request,
            notify=notify,
        )
        created.append(order)
        m.work_order = order
        m.handled_by = _user_or_none(actor)
        m.handled_at = now
        return ["work_order_id", "handled_by_id", "handled_at"]

    run_transition(
        INBOUND_GRAPH,
        model=InboundMessage,
        pk=current.pk,
        name="convert",
        actor=actor,
        apply=apply,
        request=request,
        audit_action="inboundmessage.convert",
    )
    return created[0]


def inbound_message_ignore(
    *, message: InboundMessage | int, actor: Any, reason: str, request: Any = None
) -> InboundMessage:
    """Set a message aside as no appeal (spam, chatter, thanks), with the reason; it stays recorded."""
    return _inbound_handled(
        message, name="ignore", actor=actor, reason=_reason(reason, label=_("忽略理由")), request=request
    )


def _inbound_handled(
    message: InboundMessage | int, *, name: str, actor: Any, reason: str, request: Any
) -> InboundMessage:
    """A message handled without a work order (``ignore``, ``answer``): who, when, and why."""
    now = timezone.now()

    def apply(m: InboundMessage) -> list[str]:
        m.note = reason
        m.handled_by = _user_or_none(actor)
        m.handled_at = now
        return ["note", "handled_by_id", "handled_at"]

    return run_transition(
        INBOUND_GRAPH,
        model=InboundMessage,
        pk=_inbound_pk(message),
        name=name,
        actor=actor,
        apply=apply,
        request=request,
        note=reason,
        audit_action=f"inboundmessage.{name}",
    )


def public_lookup(
    tracking_number: str, query_code: str, *, only: Iterable[str] | None = None, with_events: bool = False
) -> WorkOrder | None:
    """Return the order if the tracking number and query code match, else ``None``.

    The same ``None`` (and about the same time: the HMAC is computed and compared either way) for
    an unknown number and a wrong code. Rate limiting is the caller's job. One query (the lead and
    reply departments come with it); ``only`` limits the columns loaded to those a read-only caller
    needs (``selectors.PUBLIC_VIEW_FIELDS``; the hash is always loaded). ``with_events``: the
    order's public events come in the same round trip (for ``selectors.public_view``), whatever
    the code: they are used only once it matched.
    """
    number = (tracking_number or "").strip()[:16]
    code = (query_code or "").strip()[:6]
    order = None
    if number.isascii() and number.isdigit():
        from gongkai.hotline.selectors import fetch_precompiled

        columns = None if only is None else ("query_code_hash", *only)

        def build(values: list[Any]) -> Any:
            queryset = WorkOrder.objects.select_related("lead_department", "reply_department").filter(
                tracking_number=values[0]
            )
            if columns is not None:
                queryset = queryset.only(*columns)
            # The number is unique: no ORDER BY, at most one row.
            return queryset.order_by()[:1]

        # Compiled once per thread and column list: compiling cost as much as running it.
        if with_events and columns is not None:
            # One statement: the public events, each with the order (only the columns shown) and
            # the departments. Every order has a public 受理 event once recorded; an unknown
            # number, or an appeal whose records are still pending, falls back to the order alone.
            from gongkai.hotline.selectors import PUBLIC_EVENT_FIELDS

            events = fetch_precompiled(
                ("hotline.public_lookup_with_events", columns),
                lambda values: (
                    WorkOrderEvent.objects.filter(is_public=True, work_order__tracking_number=values[0])
                    .select_related(
                        "department", "work_order__lead_department", "work_order__reply_department"
                    )
                    .only(*PUBLIC_EVENT_FIELDS, *(f"work_order__{column}" for column in columns))
                    .order_by("created_at", "pk")
                ),
                [number],
            )
            if events:
                found = [events[0].work_order]
            else:
                found = fetch_precompiled(("hotline.public_lookup", columns), build, [number])
            if found:
                found[0]._public_events = events
        else:
            found = fetch_precompiled(("hotline.public_lookup", columns), build, [number])
        order = found[0] if found else None
    expected = order.query_code_hash if order is not None else hashlib.sha256(b"no-such-order").hexdigest()
    given = query_code_hash(tracking_number=number, query_code=code)
    if constant_time_compare(expected, given) and order is not None and code.isdigit() and len(code) == 6:
        return order
    return None


# --- Attachments -----------------------------------------------------------------------------------

ALLOWED_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "txt": "text/plain",
}


def _read_all(file: Any) -> bytes:
    if hasattr(file, "seek"):
        file.seek(0)
    if hasattr(file, "chunks"):
        data = b"".join(file.chunks())
    else:
        data = file.read()
    return data if isinstance(data, bytes) else data.encode()


def _check_file(file: Any) -> tuple[str, bytes, str]:
    """Return ``(original name, content, content type)`` or raise; the type comes from the bytes."""
    import filetype

    name = str(getattr(file, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1][:200] or "file"
    size = getattr(file, "size", None)
    if size is not None and size > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"attachments": _("附件“%(name)s”超过 10 MB。") % {"name": name}})
    data = _read_all(file)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"attachments": _("附件“%(name)s”超过 10 MB。") % {"name": name}})
    if not data:
        raise ValidationError({"attachments": _("附件“%(name)s”是空文件。") % {"name": name}})
    kind = filetype.guess(data[:8192])
    extension = kind.extension if kind is not None else None
    if extension is None and name.lower().endswith(".txt"):
        try:
            data.decode("utf-8")
            extension = "txt" if b"\x00" not in data else None
        except UnicodeDecodeError:
            extension = None
    if extension not in ALLOWED_TYPES:
        raise ValidationError(
            {
                "attachments": _(
                    "附件“%(name)s”的类型不允许；只接受图片（jpg、png、gif、webp）、pdf、doc、docx、xls、xlsx 和 txt。"
                )
                % {"name": name}
            }
        )
    return name, data, ALLOWED_TYPES[extension]


def _store_attachment(
    order: WorkOrder, checked: tuple[str, bytes, str], *, actor: Any, at: datetime.datetime
) -> Attachment:
    from django.core.files.base import ContentFile

    name, data, content_type = checked
    attachment = Attachment(
        work_order=order,
        original_name=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=_user_or_none(actor),
        created_at=at,
    )
    attachment.file.save(name, ContentFile(data), save=False)
    attachment.save()
    return attachment


@transaction.atomic
def attachment_add(
    *, work_order: WorkOrder | int, file: Any, actor: Any = None, request: Any = None
) -> Attachment:
    """Attach one more file (at most 5 per order, 10 MB each, type checked by content)."""
    order = WorkOrder.objects.select_for_update().get(pk=_pk(work_order))
    if order.attachments.count() >= MAX_ATTACHMENTS:
        raise ValidationError({"attachments": _("附件最多 %(n)s 个。") % {"n": MAX_ATTACHMENTS}})
    now = timezone.now()
    attachment = _store_attachment(order, _check_file(file), actor=actor, at=now)
    _event(order, EventType.ATTACHMENT_ADDED, actor=actor, at=now, data={"attachment": attachment.pk})
    audit_record(
        actor=actor,
        action="workorder.attachment_added",
        target=order,
        new={"attachment": attachment.pk, "sha256": attachment.sha256},
        request=request,
    )
    return attachment


def attachment_open(*, attachment: Attachment, actor: Any, request: Any = None) -> Any:
    """Open an attachment for download and record who did (audit ``hotline.attachment_downloaded``).

    The caller has checked that ``actor`` may see the order. Raises ``OSError`` when the stored file
    is missing (nothing is recorded then).
    """
    handle = attachment.file.open("rb")
    audit_record(
        actor=actor,
        action="hotline.attachment_downloaded",
        target=attachment.work_order,
        new={"attachment": attachment.pk, "sha256": attachment.sha256, "name": attachment.original_name},
        request=request,
    )
    return handle


# --- The transitions --------------------------------------------------------------------------


def _run(
    work_order: WorkOrder | int,
    name: str,
    actor: Any,
    apply: Callable[[WorkOrder], Iterable[str]] | None,
    *,
    request: Any = None,
    note: str = "",
) -> WorkOrder:
    return run_transition(
        GRAPH,
        model=WorkOrder,
        pk=_pk(work_order),
        name=name,
        actor=actor,
        apply=apply,
        request=request,
        note=note,
        audit_action=f"workorder.{name}",
    )


def _active_department(department: Department | None, *, field: str = "department") -> Department:
    if department is None:
        raise ValidationError({field: _("请选择承办单位。")})
    if not department.is_active:
        raise ValidationError({field: _("所选单位已停用。")})
    return department


def _assign(
    order: WorkOrder,
    *,
    lead: Department,
    assisting: Iterable[Department],
    actor: Any,
    at: datetime.datetime,
) -> Assignment:
    """Finish the active assignments and create the new lead (+ assisting) assignments."""
    order.assignments.filter(is_active=True).update(is_active=False, finished_at=at)
    lead_assignment = Assignment.objects.create(
        work_order=order,
        department=lead,
        role=AssignmentRole.LEAD,
        level=1,
        sign_for_due_at=order.sign_for_due_at,
        assigned_by=_user_or_none(actor),
        created_at=at,
    )
    for department in assisting:
        if department.pk == lead.pk:
            continue
        Assignment.objects.create(
            work_order=order,
            department=department,
            role=AssignmentRole.ASSISTING,
            level=1,
            parent=lead_assignment,
            sign_for_due_at=order.sign_for_due_at,
            assigned_by=_user_or_none(actor),
            created_at=at,
        )
    order.lead_department = lead
    order.current_department = lead
    return lead_assignment


def _current_assignment(order: WorkOrder) -> Assignment | None:
    return (
        order.assignments.filter(
            is_active=True,
            role=AssignmentRole.LEAD,
            department_id=order.current_department_id,  # type: ignore[misc]
        )
        .order_by("-level", "-pk")
        .first()
    )


def _escalate_inline(order: WorkOrder, *, actor: Any, reason: str, at: datetime.datetime) -> list[str]:
    """Flag the order 提级督办 (inside a running transition) and tell the handling department."""
    if order.escalated:
        return []
    order.escalated = True
    order.escalated_reason = reason[:300]
    _event(order, EventType.ESCALATED, actor=actor, department=order.lead_department_id, at=at, note=reason)
    _supervision_notice(
        order,
        kind=SupervisionKind.ESCALATE,
        reason=reason,
        actor=actor,
        at=at,
        key=f"hotline:{order.pk}:escalate",
        due_at=order.reply_due_at,
    )
    return ["escalated", "escalated_reason"]


def _dispatch_common(
    order: WorkOrder,
    *,
    department: Department,
    assisting: Iterable[Department],
    actor: Any,
    at: datetime.datetime,
    restart_reply: bool,
) -> tuple[Assignment, list[str]]:
    changed = _start_deadlines(order, at=at, restart_reply=restart_reply)
    assignment = _assign(order, lead=department, assisting=assisting, actor=actor, at=at)
    order.dispatched_at = at
    order.dispatched_by = _user_or_none(actor)
    changed += ["lead_department_id", "current_department_id", "dispatched_at", "dispatched_by_id"]
    for each in order.assignments.filter(is_active=True):
        _notify_assigned(order, each)
    return assignment, changed


def work_order_answer_directly(
    *,
    work_order: WorkOrder | int,
    actor: Any,
    reply_text: str,
    callback_requested: bool = False,
    request: Any = None,
) -> WorkOrder:
    """Answer at first contact (from the knowledge base): received → closed or awaiting_callback.

    Types listed in ``GONGKAI_HOTLINE_CLOSE_WITHOUT_CALLBACK_TYPES`` (default: consultations) close
    at once unless the caller asks for a callback; others wait for the callback. Counts as
    first-contact resolution; the reply is public only after redaction.
    """
    text = _clean_text(
        reply_text, field="reply_text", label=_("答复内容"), max_length=MAX_REPLY, required=True
    )
    order = WorkOrder.objects.only("order_type").get(pk=_pk(work_order))
    close_types = set(_setting("GONGKAI_HOTLINE_CLOSE_WITHOUT_CALLBACK_TYPES", {OrderType.CONSULTATION}))
    closes = order.order_type in close_types and not callback_requested
    now = timezone.now()

    def apply(o: WorkOrder) -> list[str]:
        o.reply_text = text
        o.public_reply = public_text(o, text)
        o.replied_at = o.reply_approved_at = now
        o.replied_by = o.reply_approved_by = _user_or_none(actor)
        o.reply_department_id = _actor_department_id(actor)
        o.first_contact_resolution = True
        changed = [
            "reply_text",
            "public_reply",
            "replied_at",
            "reply_approved_at",
            "replied_by_id",
            "reply_approved_by_id",
            "reply_department_id",
            "first_contact_resolution",
        ]
        _event(
            o, EventType.ANSWERED_DIRECTLY, actor=actor, department=o.reply_department_id, public=True, at=now
        )
        if closes:
            o.closed_at = now
            changed.append("closed_at")
            _event(o, EventType.CLOSED, actor=actor, public=True, at=now)
        else:
            o.callback_due_at = calendar.end_of_day(
                day=calendar.add_working_days(start=calendar.local_date(moment=now), days=2)
            )
            changed.append("callback_due_at")
        if o.channel != Channel.PHONE:
            _notify_replied(o)
        return changed

    name = "answer_directly" if closes else "answer_directly_with_callback"
    return _run(order, name, actor, apply, request=request)


def public_text(order: WorkOrder, text: str) -> str:
    """Redact phone, ID numbers, e-mails and the caller's own name and address before publication.

    The suggestion for every public text of an order (the public reply, a published letter's title
    and content); staff check and may edit it before it is shown.
    """
    public = redact_text(text or "")
    if order.caller_name and len(order.caller_name) >= 2:
        public = public.replace(order.caller_name, mask_name(order.caller_name))
    if order.caller_address and len(order.caller_address) >= 6:
        public = public.replace(order.caller_address, order.caller_address[:6] + "****")
    return public


def _notify_replied(order: WorkOrder) -> None:
    _notify_citizen(
        order,
        kind="replied",
        params={"tracking_number": order.tracking_number},
        subject=_("【12345】您的诉求 %(number)s 已有答复") % {"number": order.tracking_number},
        body=_("您的诉求（受理编号 %(number)s）已有答复，请凭受理编号和查询码查看答复内容。")
        % {"number": order.tracking_number},
    )


def work_order_dispatch(
    *,
    work_order: WorkOrder | int,
    actor: Any,
    department: Department,
    assisting: Iterable[Department] = (),
    category: RoutingCategory | None = None,
    order_type: str | None = None,
    urgency: str | None = None,
    note: str = "",
    request: Any = None,
) -> WorkOrder:
    """Dispatch a received order to a lead department (+ assisting ones): received → dispatched.

    The dispatcher may reclassify (category, type, urgency) at the same time. The sign-for and reply
    deadlines come from the most specific ``DeadlineRule`` and start now; the departments' handlers
    are told through the outbox. Returned orders go through ``reassign`` or ``arbitrate``, so that
    every ruling on a dispute is recorded.
    """
    department = _active_department(department)
    assisting = [_active_department(d, field="assisting") for d in assisting]
    if order_type is not None:
        _choice(order_type, OrderType, field="order_type", label=_("诉求类型"))
    if urgency is not None:
        _choice(urgency, Urgency, field="urgency", label=_("紧急程度"))
    note = _clean_text(note, field="note", label=_("派单意见"), max_length=MAX_REASON)
    now = timezone.now()

    def apply(o: WorkOrder) -> list[str]:
        changed: list[str] = []
        if category is not None:
            o.category = category
            changed.append("category_id")
        if order_type is not None:
            o.order_type = order_type
            changed.append("order_type")
        if urgency is not None:
            o.urgency = urgency
            changed.append("urgency")
        _assignment, more = _dispatch_common(
            o, department=department, assisting=assisting, actor=actor, at=now, restart_reply=True
        )
        _event(
            o,
            EventType.DISPATCHED,
            actor=actor,
            department=department,
            public=True,
            note=note,
            at=now,
            data={"assisting": [d.pk for d in assisting], "rule": o.deadline_rule_text},
        )
        return changed + more

    return _run(work_order, "dispatch", actor, apply, request=request, note=note)


def work_order_dispatch_down(
    *, work_order: WorkOrder | int, actor: Any, street: Department, note: str = "", request: Any = None
) -> WorkOrder:
    """Hand an order a district is handling down to one of its streets (level 2): in_progress → dispatched.

    The district stays the lead department (it supervises and may reply); the street signs for it
    with a fresh sign-for deadline; the reply deadline keeps running.
    """
    street = _active_department(street, field="street")
    note = _clean_text(note, field="note", label=_("派单意见"), max_length=MAX_REASON)
    now = timezone.now()

    def apply(o: WorkOrder) -> list[str]:
        if street.parent_id != o.current_department_id:
            raise ValidationError({"street": _("只能下派到本单位下属的街道（乡镇）。")})
        parent = _current_assignment(o)
        rule = deadline_rule_for(order_type=o.order_type, urgency=o.urgency, category=o.category)
        o.sign_for_due_at = calendar.add_working_hours(start=now, hours=Decimal(rule.sign_for_hours))
        assignment = Assignment.objects.create(
            work_order=o,
            department=street,
            role=AssignmentRole.LEAD,
            level=2,
            parent=parent,
            sign_for_due_at=o.sign_for_due_at,
            assigned_by=_user_or_none(actor),
            created_at=now,
        )
        o.current_department = street
        _event(o, EventType.DISPATCHED_DOWN, actor=actor, department=street, public=True, note=note, at=now)
        _notify_assigned(o, assignment)
        return ["current_department_id", "sign_for_due_at"]

    return _run(work_order, "dispatch_down", actor, apply, request=request, note=note)


def work_order_accept(*, work_order: WorkOrder | int, actor: Any, request: Any = None) -> WorkOrder:
    """Sign for the order (签收): dispatched → in_progress."""
    now = timezone.now()

    def apply(o: WorkOrder) -> list[str]:
        assignment = _current_assignment(o)
        changed = []
        if assignment is not None:
            assignment.status = AssignmentStatus.ACCEPTED
            assignment.accepted_at = now
            assignment.accepted_by = _user_or_none(actor)
            assignment.save(update_fields=["status", "accepted_at", "accepted_by"])
            if assignment.level == 1:
                o.accepted_at = now
                changed.append("accepted_at")
        _event(o, EventType.ACCEPTED, actor=actor, department=o.current_department_id, public=True, at=now)
        return changed

    return _run(work_order, "accept", actor, apply, request=request)


def work_order_return(
    *,
    work_order: WorkOrder | int,
    actor: Any,
    reason: str,
    suggested_department: Department | None = None,
    request: Any = None,
) -> WorkOrder:
    """Return a wrongly routed order (退单) with a reason: dispatched|in_progress → returned.

    A level-2 assignment (a street) returns to its district with ``work_order_return_to_district``.
    """
    reason = _reason(reason, label=_("退单理由"))
    now = timezone.now()

    def apply(o: WorkOrder) -> list[str]:
        assignment = _current_assignment(o)
        if assignment is None:
            raise Conflict(_("找不到当前的承办记录。"))
        o.assignments.filter(is_active=True).update(is_active=False, finished_at=now)
        Assignment.objects.filter(pk=assignment.pk).update(status=AssignmentStatus.RETURNED)
        ReturnRequest.objects.create(
            work_order=o,
            assignment=assignment,
            department_id=assignment.department_id,
            reason=reason,
            suggested_department=suggested_department,
            returned_by=_user_or_none(actor),
            returned_at=now,
        )
        o.return_count += 1
        department_id = o.current_department_id
        o.current_department = None
        _event(
            o,
            EventType.RETURNED,
            actor=actor,
            department=department_id,
            note=reason,
            at=now,
            data={"suggested_department": suggested_department.pk if suggested_department else None},
        )
        return ["return_count", "current_department_id"]

    return _run(work_order, "return", actor, apply, request=request, note=reason)


def work_order_return_to_district(
    *, work_order: WorkOrder | int, actor: Any, reason: str, request: Any = None
) -> WorkOrder:
    """A street returns a level-2 order to its district, which handles it again (→ in_progress)."""
    reason = _reason(reason, label=_("退单理由"))
    now = timezone.now()

    def apply(o: WorkOrder) -> list[str]:
        assignment = _current_assignment(o)
        if assignment is None or assignment.parent_id is None:
            raise Conflict(_("找不到当前的承办记录。"))
        Assignment.objects.filter(pk=assignment.pk).update(
            status=AssignmentStatus.RETURNED, is_active=False, finished_at=now
        )
        street_id = o.current_department_id
        o.current_department_id = assignment.parent.department_id  # type: ignore[union-attr]
        _event(
            o, EventType.RETURNED, actor=actor, department=street_id, note=reason, at=now, data={"level": 2}
        )
        return ["current_department_id"]

    return _run(work_order, "return_to_district", actor, apply, request=request, note=reason)


def _pending_return(order: WorkOrder) -> ReturnRequest | None:
    return order.return_requests.filter(ruling=ReturnRuling.PENDING).order_by("-returned_at", "-pk").first()


def work_order_reassign(
    *,
    work_order: WorkOrder | int,
    actor: Any,
    department: Department,
    assisting: Iterable[Department] = (),
    comment: str = "",
    request: Any = None,
) -> WorkOrder:
    """Agree with a return and send the order to another department (改派): returned → dispatched.

    Counts a transfer; the new department gets fresh deadlines. The third transfer escalates the
    order (提级督办).
    """
    department = _active_department(department)
    assisting = [_active_department(d, field="assisting") for d in assisting]
    comment = _clean_text(comment, field="comment", label=_("改派意见"), max_length=MAX_REASON)
    now = timezone.now()

    def apply(o: WorkOrder) -> list[str]:
        pending = _pending_return(o)
        previous = pending.department_id if pending else o.lead_department_id
        if pending is not None:
            pending.ruling = ReturnRuling.REASSIGNED
            pending.ruling_comment = comment
            pending.ruled_by = _user_or_none(actor)
            pending.ruled_at = now
            pending.save(update_fields=["ruling", "ruling_comment", "ruled_by", "ruled_at"])
        _assignment, changed = _dispatch_common(
            o, department=department, assisting=assisting, actor=actor, at=now, restart_reply=True
        )
        o.transfer_count += 1
        changed.append("transfer_count")
        _event(
            o,
            EventType.REASSIGNED,
            actor=actor,
            department=department,
            public=True,
            note=comment,
            at=now,
            data={"from": previous, "to": department.pk},
        )
        if o.transfer_count >= ESCALATE_AFTER_TRANSFERS:
            changed += _escalate_inline(
                o,
                actor=actor,
                at=now,
                reason=_("工单已改派 %(n)s 次，提级督办。") % {"n": o.transfer_count},
            )
        return changed

    return _run(work_order, "reassign", actor, apply, request=request, note=comment)


def work_order_arbitrate(
    *, work_order: WorkOrder | int, actor: Any, ruling: str, request: Any = None
) -> WorkOrder:
    """Rule a return unfounded and send the order back to the same department: returned → dispatched.

    The dispute (the department's reason and the ruling) is recorded; the reply clock keeps running
    from the first dispatch (the department gains no time by returning); sign-for starts again.
    """
    ruling = _reason(ruling, label=_("仲裁意见"))
    now = timezone.now()

    def apply(o: WorkOrder) -> list[str]:
        pending = _pending_return(o)
        if pending is None:
            raise Conflict(_("没有待处理的退单。"))
        pending.ruling = ReturnRuling.UPHELD
        pending.ruling_comment = ruling
        pending.ruled_by = _user_or_none(actor)
        pending.ruled_at = now
        pending.save(update_fields=["ruling", "ruling_comment", "ruled_by", "ruled_at"])
        department = pending.department
        assisting = list(
            Department.objects.filter(
                pk__in=o.assignments.filter(role=AssignmentRole.ASSISTING, parent=pending.assignment).values(
                    "department_id"
                )
            )
        )
        _assignment, changed = _dispatch_common(
            o, department=department, assisting=assisting, actor=actor, at=now, restart_reply=False
        )
        _event(
            o,
            EventType.ARBITRATED,
            actor=actor,
            department=department,
            public=True,
            note=ruling,
            at=now,
            data={"return_reason": pending.reason, "ruling": ruling, "return": pending.pk},
        )
        return changed

    return _run(work_order, "arbitrate", actor, apply, request=request, note=ruling)


def work_order_request_extension(
    *, work_order: WorkOrder | int, actor: Any, amount: int, reason: str, request: Any = None
) -> ExtensionRequest:
    """Ask the hotline office for more time (in the reply clock's unit); one pending request at a time."""
    reason = _reason(reason, label=_("延期理由"))
    if not isinstance(amount, int) or amount < 1 or amount > 60:
        raise ValidationError({"amount": _("延长时限须为 1 到 60 之间的整数。")})
    now = timezone.now()
    created: list[ExtensionRequest] = []

    def apply(o: WorkOrder) -> list[str]:
        created.append(
            ExtensionRequest.objects.create(
                work_order=o,
                department_id=_actor_department_id(actor) or o.current_department_id,  # type: ignore[misc]
                amount=amount,
                unit=o.deadline_unit or ClockUnit.WORKING_DAYS,
                reason=reason,
                requested_by=_user_or_none(actor),
                requested_at=now,
            )
        )
        _event(
            o,
            EventType.EXTENSION_REQUESTED,
            actor=actor,
            department=o.current_department_id,
            note=reason,
            at=now,
            data={"amount": amount, "request": created[0].pk},
        )
        return []

    _run(work_order, "request_extension", actor, apply, request=request, note=reason)
    return created[0]


def work_order_decide_extension(
    *,
    work_order: WorkOrder | int,
    actor: Any,
    approve: bool,
    comment: str = "",
    amount: int | None = None,
    request: Any = None,
) -> WorkOrder:
    """Approve (the reply clock is extended, possibly by less than asked) or reject the pending request."""
    comment = _clean_text(comment, field="comment", label=_("审批意见"), max_length=MAX_REASON)
    if not approve and not comment:
        raise ValidationError({"comment": _("不同意延期时请填写理由。")})
    now = timezone.now()

    def apply(o: WorkOrder) -> list[str]:
        pending = o.extension_requests.select_for_update().get(status=DecisionStatus.PENDING)
        granted = amount if amount is not None else pending.amount
        if approve and (not isinstance(granted, int) or granted < 1):
            raise ValidationError({"amount": _("延长时限须为正整数。")})
        pending.status = DecisionStatus.APPROVED if approve else DecisionStatus.REJECTED
        pending.decided_by = _user_or_none(actor)
        pending.decided_at = now
        pending.comment = comment
        pending.save(update_fields=["status", "decided_by", "decided_at", "comment"])
        changed = []
        if approve:
            clock = _reply_clock(o)
            if clock is not None:
                clocks.clock_extend(
                    clock=clock,
                    amount=granted,
                    reason=comment or pending.reason,
                    at=now,
                    actor=_user_or_none(actor),
                )
            _refresh_reply_due(o, now=now)
            changed.append("reply_due_at")
        _event(
            o,
            EventType.EXTENSION_APPROVED if approve else EventType.EXTENSION_REJECTED,
            actor=actor,
            department=pending.department_id,
            public=approve,
            note=comment,
            at=now,
            data={"amount": granted if approve else 0, "request": pending.pk},
        )
        return changed

    return _run(work_order, "decide_extension", actor, apply, request=request, note=comment)


def work_order_pause(
    *, work_order: WorkOrder | int, actor: Any, reason: str, request: Any = None
) -> WorkOrder:
    """Pause the reply clock while waiting for the citizen (补充材料) or a third party."""
    reason = _reason(reason, label=_("暂停原因"))
    now = timezone.now()

    def apply(o: WorkOrder) -> list[str]:
        clock = _reply_clock(o)
        if clock is not None:
            clocks.clock_pause(clock=clock, reason=reason[:200], at=now, actor=_user_or_none(actor))
        o.is_paused = True
        _event(
            o,
            EventType.PAUSED,
            actor=actor,
            department=o.current_department_id,
            public=True,
            note=reason,
            at=now,
        )
        return ["is_paused"]

    return _run(work_order, "pause", actor, apply, request=request, note=reason)


def work_order_resume(*, work_order: WorkOrder | int, actor: Any, request: Any = None) -> WorkOrder:
    """Resume the reply clock; the working time lost while paused moves the deadline."""
    now = timezone.now()

    def apply(o: WorkOrder) -> list[str]:
        clock = _reply_clock(o)
        if clock is not None:
            clocks.clock_resume(clock=clock, at=now)
        o.is_paused = False
        _refresh_reply_due(o, now=now)
        _event(o, EventType.RESUMED, actor=actor, department=o.current_department_id, public=True, at=now)
        return ["is_paused", "reply_due_at"]

    return _run(work_order, "resume", actor, apply, request=request)


def work_order_contribute(
    *, work_order: WorkOrder | int, actor: Any, text: str, request: Any = None
) -> WorkOrder:
    """An assisting department records its contribution (协办意见) for the lead department's reply."""
    text = _clean_text(text, field="text", label=_("协办意见"), max_length=MAX_REPLY, required=True)
    now = timezone.now()

    def apply(o: WorkOrder) -> list[str]:
        assignment = o.assignments.filter(
            department_id=actor.department_id, role=AssignmentRole.ASSISTING, is_active=True
        ).first()
        if assignment is not None:
            assignment.contribution = text
            assignment.status = AssignmentStatus.REPLIED
            assignment.replied_at = now
            if assignment.accepted_at is None:
                assignment.accepted_at = now
                assignment.accepted_by = _user_or_none(actor)
            assignment.save()
        _event(o, EventType.CONTRIBUTED, actor=actor, department=actor.department_id, at=now)
        return []

    return _run(work_order, "contribute", actor, apply, request=request)


def work_order_reply(
    *, work_order: WorkOrder | int, actor: Any, reply_text: str, request: Any = None
) -> WorkOrder:
    """The department's reply: in_progress → replied (the hotline office checks it next).

    The reply clock pauses while the office checks (a send-back resumes it; approval stops it).
    Assisting departments' contributions are optional and stay on their assignments.
    """
    text = _clean_text(
        reply_text, field="reply_text", label=_("答复内容"), max_length=MAX_REPLY, required=True
    )
    now = timezone.now()

    def apply(o: WorkOrder) -> list[str]:
        o.reply_text = text
        o.replied_at = now
        o.replied_by = _user_or_none(actor)
        o.reply_department_id = _actor_department_id(actor) or o.current_department_id
        o.assignments.filter(is_active=True, role=AssignmentRole.LEAD).update(
            status=AssignmentStatus.REPLIED, replied_at=now
        )
        clock = _reply_clock(o)
        if clock is not None and not o.is_paused:
            clocks.clock_pause(clock=clock, reason=str(_("答复待审核")), at=now, actor=_user_or_none(actor))
        o.is_paused = True
        _event(o, EventType.REPLIED, actor=actor, department=o.reply_department_id, public=True, at=now)
        return ["reply_text", "replied_at", "replied_by_id", "reply_department_id", "is_paused"]

    return _run(work_order, "reply", actor, apply, request=request)


def work_order_send_back(
    *, work_order: WorkOrder | int, actor: Any, reason: str, request: Any = None
) -> WorkOrder:
    """The hotline office finds the reply inadequate: replied → in_progress, clock resumes."""
    reason = _reason(reason, label=_("退回理由"))
    now = timezone.now()

    def apply(o: WorkOrder) -> list[str]:
        o.assignments.filter(is_active=True, role=AssignmentRole.LEAD).update(
            status=AssignmentStatus.ACCEPTED
        )
        clock = _reply_clock(o)
        if clock is not None and clock.pauses.filter(resumed_at__isnull=True).exists():
            clocks.clock_resume(clock=clock, at=now)
        o.is_paused = False
        _refresh_reply_due(o, now=now)
        _event(
            o, EventType.REPLY_SENT_BACK, actor=actor, department=o.reply_department_id, note=reason, at=now
        )
        _notify_handlers(
            o,
            department_id=o.reply_department_id or o.current_department_id,
            key=f"hotline:{o.pk}:sent-back:{now.timestamp():.0f}",
            subject=_("【12345】工单 %(number)s 答复被退回") % {"number": o.tracking_number},
            body=_("工单 %(number)s 的答复未通过审核：%(reason)s")
            % {"number": o.tracking_number, "reason": reason},
            sms_params={
                "tracking_number": o.tracking_number,
                "kind": str(_("答复退回")),
                "_template": "supervision",
            },
        )
        return ["is_paused", "reply_due_at"]

    return _run(work_order, "send_back", actor, apply, request=request, note=reason)


def work_order_approve_reply(
    *, work_order: WorkOrder | int, actor: Any, public_reply: str | None = None, request: Any = None
) -> WorkOrder:
    """Approve the reply: replied → awaiting_callback; the citizen is told by SMS/e-mail.

    The public reply is ``redact_text(reply)`` (and the caller's name/address masked) unless the
    checker supplies an edited one. The reply clock stops; the callback is due within the rule's
    working days.
    """
    edited = None
    if public_reply is not None:
        edited = _clean_text(
            public_reply, field="public_reply", label=_("公开答复"), max_length=MAX_REPLY, required=True
        )
    now = timezone.now()

    def apply(o: WorkOrder) -> list[str]:
        o.public_reply = edited if edited is not None else public_text(o, o.reply_text)
        o.reply_approved_at = now
        o.reply_approved_by = _user_or_none(actor)
        clock = _reply_clock(o)
        if clock is not None and clock.stopped_at is None:
            clocks.clock_stop(clock=clock, at=now)
        o.is_paused = False
        rule = deadline_rule_for(order_type=o.order_type, urgency=o.urgency, category=o.category)
        o.callback_due_at = calendar.end_of_day(
            day=calendar.add_working_days(start=calendar.local_date(moment=now), days=rule.callback_days)
        )
        o.assignments.filter(is_active=True).update(status=AssignmentStatus.DONE, finished_at=now)
        _event(
            o, EventType.REPLY_APPROVED, actor=actor, department=o.reply_department_id, public=True, at=now
        )
        _notify_replied(o)
        return ["public_reply", "reply_approved_at", "reply_approved_by_id", "is_paused", "callback_due_at"]

    return _run(work_order, "approve_reply", actor, apply, request=request)


def work_order_record_callback(
    *,
    work_order: WorkOrder | int,
    actor: Any,
    outcome: str,
    satisfaction: str = "",
    comment: str = "",
    request: Any = None,
) -> WorkOrder:
    """Record a callback attempt (回访).

    - reached and satisfied (非常满意/满意/基本满意), or refused to rate → closed;
    - reached and dissatisfied → stays awaiting_callback: the office reopens (重办) or closes it;
    - unreachable → counted; the third unreachable attempt closes it as unreachable.
    """
    outcome = _choice(outcome, CallbackOutcome, field="outcome", label=_("回访结果"))
    if outcome == CallbackOutcome.RATED_ONLINE:  # only the citizen's own rating records that
        raise ValidationError({"outcome": _("回访结果无效。")})
    if outcome == CallbackOutcome.REACHED:
        satisfaction = _choice(satisfaction, Satisfaction, field="satisfaction", label=_("满意度"))
    else:
        satisfaction = ""
    comment = _clean_text(comment, field="comment", label=_("回访记录"), max_length=MAX_REASON)
    now = timezone.now()
    with transaction.atomic():
        current = WorkOrder.objects.select_for_update().get(pk=_pk(work_order))
        closes = (
            (outcome == CallbackOutcome.REACHED and satisfaction in SATISFIED_LEVELS)
            or outcome == CallbackOutcome.REFUSED
            or (
                outcome == CallbackOutcome.UNREACHABLE
                and current.callback_attempts + 1 >= MAX_CALLBACK_ATTEMPTS
            )
        )

        def apply(o: WorkOrder) -> list[str]:
            CallbackAttempt.objects.create(
                work_order=o,
                outcome=outcome,
                satisfaction=satisfaction,
                comment=comment,
                attempted_by=_user_or_none(actor),
                attempted_at=now,
            )
            o.callback_attempts += 1
            changed = ["callback_attempts"]
            if outcome != CallbackOutcome.UNREACHABLE or closes:
                o.callback_outcome = outcome
                o.callback_at = now
                changed += ["callback_outcome", "callback_at"]
            if satisfaction:
                o.satisfaction = satisfaction
                changed.append("satisfaction")
            reached = outcome != CallbackOutcome.UNREACHABLE
            _event(
                o,
                EventType.CALLED_BACK if reached or closes else EventType.CALLBACK_ATTEMPTED,
                actor=actor,
                public=reached,
                note=comment,
                at=now,
                data={"outcome": outcome, "satisfaction": satisfaction, "attempt": o.callback_attempts},
            )
            if closes:
                o.closed_at = now
                changed.append("closed_at")
                _event(o, EventType.CLOSED, actor=actor, public=True, at=now)
            return changed

        return _run(
            current, "close" if closes else "record_callback", actor, apply, request=request, note=comment
        )


def work_order_close(
    *, work_order: WorkOrder | int, actor: Any, reason: str, request: Any = None
) -> WorkOrder:
    """Close an order awaiting callback without a further callback (e.g. a dissatisfied citizen whose
    demand the office judges settled). Nothing closes without a reply."""
    reason = _reason(reason, label=_("办结说明"))
    now = timezone.now()

    def apply(o: WorkOrder) -> list[str]:
        o.closed_at = now
        _event(o, EventType.CLOSED, actor=actor, public=True, note=reason, at=now)
        return ["closed_at"]

    return _run(work_order, "close", actor, apply, request=request, note=reason)


def work_order_reopen(
    *,
    work_order: WorkOrder | int,
    actor: Any,
    reason: str,
    department: Department | None = None,
    request: Any = None,
) -> WorkOrder:
    """Reopen (重办) a closed or dissatisfied order: → dispatched to the same lead department.

    Fresh deadlines; the earlier reply is kept in the REOPENED event and cleared from the order (a
    new reply is needed). The third reopening escalates the order (提级督办).
    """
    reason = _reason(reason, label=_("重办理由"))
    now = timezone.now()

    def apply(o: WorkOrder) -> list[str]:
        target = department or o.lead_department
        if target is None:
            raise ValidationError({"department": _("请选择重办的承办单位。")})
        _active_department(target)
        previous = {
            "reply_text": o.reply_text,
            "satisfaction": o.satisfaction,
            "replied_at": o.replied_at.isoformat() if o.replied_at else None,
        }
        o.reopen_count += 1
        o.reply_text = ""
        o.public_reply = ""
        o.satisfaction = ""
        o.callback_attempts = 0
        o.callback_outcome = ""
        o.closed_at = None
        o.replied_at = None
        o.reply_approved_at = None
        o.callback_due_at = None
        o.first_contact_resolution = False
        o.reopen_requested_at = None
        # A published letter comes off the list: the new reply must be checked and approved again.
        o.publication_approved_at = None
        changed = [
            "reopen_requested_at",
            "publication_approved_at",
            "reopen_count",
            "reply_text",
            "public_reply",
            "satisfaction",
            "callback_attempts",
            "callback_outcome",
            "closed_at",
            "replied_at",
            "reply_approved_at",
            "callback_due_at",
            "first_contact_resolution",
        ]
        _assignment, more = _dispatch_common(
            o, department=target, assisting=(), actor=actor, at=now, restart_reply=True
        )
        changed += more
        _event(
            o,
            EventType.REOPENED,
            actor=actor,
            department=target,
            public=True,
            note=reason,
            at=now,
            data={"previous": previous, "reopen_count": o.reopen_count},
        )
        if o.reopen_count >= ESCALATE_AFTER_REOPENINGS:
            changed += _escalate_inline(
                o, actor=actor, at=now, reason=_("工单已重办 %(n)s 次，提级督办。") % {"n": o.reopen_count}
            )
        return changed

    return _run(work_order, "reopen", actor, apply, request=request, note=reason)


MAX_CITIZEN_COMMENT = 500


def work_order_rate_by_citizen(
    *,
    work_order: WorkOrder | int,
    satisfaction: str,
    comment: str = "",
    request_reopen: bool = False,
    request: Any = None,
) -> WorkOrder:
    """The citizen rates the reply (评价答复) once, without a user: the query code is the proof, and
    the caller must have checked it with ``public_lookup``.

    Allowed once the reply is approved (awaiting callback or closed; a merged order once its lead
    order's reply is). Sets ``satisfaction`` and ``citizen_rated_at`` (a second rating is refused
    with ``already_rated``). Then:

    - satisfied (非常满意/满意/基本满意) while awaiting the callback → closed, the callback recorded
      as "群众网上评价" (``CallbackOutcome.RATED_ONLINE``);
    - dissatisfied, or ``request_reopen`` → ``reopen_requested_at`` is set and the order waits in the
      office's queue 群众申请重办 (``selectors.queue_reopen_requests``): the office reopens it
      (``work_order_reopen``) or declines with a reason (``work_order_decline_reopen``). A merged
      order's request goes to its lead order.
    """
    satisfaction = _choice(satisfaction, Satisfaction, field="satisfaction", label=_("满意度"))
    comment = _clean_text(comment, field="comment", label=_("评价意见"), max_length=MAX_CITIZEN_COMMENT)
    wants_reopen = satisfaction in DISSATISFIED_LEVELS or bool(request_reopen)
    level = str(Satisfaction(satisfaction).label)
    reason = comment or _("群众评价“%(level)s”，申请重新办理。") % {"level": level}
    now = timezone.now()
    with transaction.atomic():
        current = WorkOrder.objects.select_for_update().get(pk=_pk(work_order))
        closes = current.status == Status.AWAITING_CALLBACK and not wants_reopen

        def apply(o: WorkOrder) -> list[str]:
            o.citizen_rated_at = now
            o.citizen_comment = comment
            o.satisfaction = satisfaction
            changed = ["citizen_rated_at", "citizen_comment", "satisfaction"]
            _event(
                o,
                EventType.CITIZEN_RATED,
                public=True,
                note=comment,
                at=now,
                data={"satisfaction": satisfaction, "request_reopen": bool(request_reopen)},
            )
            if closes:
                CallbackAttempt.objects.create(
                    work_order=o,
                    outcome=CallbackOutcome.RATED_ONLINE,
                    satisfaction=satisfaction,
                    comment=comment,
                    attempted_at=now,
                )
                o.callback_attempts += 1
                o.callback_outcome = CallbackOutcome.RATED_ONLINE
                o.callback_at = o.closed_at = now
                changed += ["callback_attempts", "callback_outcome", "callback_at", "closed_at"]
                _event(o, EventType.CLOSED, public=True, at=now, data={"by": "citizen_rating"})
            if wants_reopen:
                _event(o, EventType.REOPEN_REQUESTED, public=True, note=reason, at=now)
                if o.status == Status.MERGED:
                    _flag_lead_for_reopen(o, reason=reason, at=now, request=request)
                else:
                    o.reopen_requested_at = now
                    o.reopen_request_reason = reason
                    changed += ["reopen_requested_at", "reopen_request_reason"]
            return changed

        name = "close_by_citizen_rating" if closes else "rate_by_citizen"
        return _run(current, name, None, apply, request=request, note=comment)


def _flag_lead_for_reopen(order: WorkOrder, *, reason: str, at: datetime.datetime, request: Any) -> None:
    """A merged order's citizen asks for a redo: the lead order (which holds the reply) is flagged."""
    from gongkai.hotline.selectors import work_order_effective

    lead = WorkOrder.objects.select_for_update().get(pk=work_order_effective(order).pk)
    if lead.pk == order.pk or lead.status not in (Status.AWAITING_CALLBACK, Status.CLOSED):
        return
    old = lead.reopen_requested_at
    if old is None:
        lead.reopen_requested_at = at
        lead.reopen_request_reason = reason
        lead.save(update_fields=["reopen_requested_at", "reopen_request_reason", "updated_at"])
    _event(
        lead,
        EventType.REOPEN_REQUESTED,
        note=reason,
        at=at,
        data={"from": order.pk, "tracking_number": order.tracking_number},
    )
    audit_record(
        actor=None,
        action="workorder.reopen_requested",
        target=lead,
        old={"reopen_requested_at": old},
        new={"reopen_requested_at": lead.reopen_requested_at, "from": order.tracking_number},
        request=request,
    )


def work_order_decline_reopen(
    *, work_order: WorkOrder | int, actor: Any, reason: str, request: Any = None
) -> WorkOrder:
    """The hotline office declines a citizen's request to handle the order again (不予重办).

    The order leaves the 群众申请重办 queue; the citizen sees the decision and its reason (redacted)
    on the lookup page. An order still awaiting its callback stays there (close it with
    ``work_order_close`` or record the callback).
    """
    reason = _reason(reason, label=_("不予重办理由"))
    now = timezone.now()

    def apply(o: WorkOrder) -> list[str]:
        o.reopen_requested_at = None
        _event(
            o,
            EventType.REOPEN_DECLINED,
            actor=actor,
            public=True,
            note=reason,
            at=now,
            data={"public_reason": public_text(o, reason)},
        )
        return ["reopen_requested_at"]

    return _run(work_order, "decline_reopen", actor, apply, request=request, note=reason)


MAX_PUBLIC_TITLE = 200


def work_order_approve_publication(
    *,
    work_order: WorkOrder | int,
    actor: Any,
    public_title: str,
    public_content: str,
    public_reply: str,
    request: Any = None,
) -> WorkOrder:
    """Publish a mailbox letter (信件公开) with the staff-checked, redacted title, content and reply.

    Only letters whose writer agreed to publication, not confidential, with an approved reply
    (awaiting callback or closed), by the hotline office. ``public_text()`` gives the suggestions;
    what is passed here is what the public pages show. Approving again replaces the texts.
    """
    title = _clean_text(
        public_title, field="public_title", label=_("公开标题"), max_length=MAX_PUBLIC_TITLE, required=True
    )
    content = _clean_text(
        public_content, field="public_content", label=_("公开来信内容"), max_length=MAX_CONTENT, required=True
    )
    reply = _clean_text(
        public_reply, field="public_reply", label=_("公开答复"), max_length=MAX_REPLY, required=True
    )
    now = timezone.now()

    def apply(o: WorkOrder) -> list[str]:
        o.public_title = title
        o.public_content = content
        o.public_reply = reply
        o.publication_approved_at = now
        o.publication_approved_by = _user_or_none(actor)
        _event(o, EventType.PUBLICATION_APPROVED, actor=actor, public=True, at=now)
        return [
            "public_title",
            "public_content",
            "public_reply",
            "publication_approved_at",
            "publication_approved_by_id",
        ]

    return _run(work_order, "approve_publication", actor, apply, request=request)


def work_order_withdraw_publication(
    *, work_order: WorkOrder | int, actor: Any, reason: str, request: Any = None
) -> WorkOrder:
    """Take a published letter off the public list (the texts stay for a later approval)."""
    reason = _reason(reason, label=_("撤销公开理由"))
    now = timezone.now()

    def apply(o: WorkOrder) -> list[str]:
        o.publication_approved_at = None
        _event(o, EventType.PUBLICATION_WITHDRAWN, actor=actor, public=True, note=reason, at=now)
        return ["publication_approved_at"]

    return _run(work_order, "withdraw_publication", actor, apply, request=request, note=reason)


def _supervision_notice(
    order: WorkOrder,
    *,
    kind: str,
    reason: str,
    actor: Any,
    at: datetime.datetime,
    key: str,
    due_at: datetime.datetime | None = None,
) -> SupervisionNotice:
    department_id = order.current_department_id or order.lead_department_id
    notice = SupervisionNotice.objects.create(
        work_order=order,
        kind=kind,
        department_id=department_id,
        reason=reason,
        due_at=due_at,
        idempotency_key=key[:200],
        created_by=_user_or_none(actor),
        created_at=at,
    )
    label = SupervisionKind(kind).label
    notice.recipients = _notify_handlers(
        order,
        department_id=department_id,
        key=f"{key}:notice",
        subject=_("【12345】%(kind)s：工单 %(number)s") % {"kind": label, "number": order.tracking_number},
        body=_("工单 %(number)s《%(title)s》%(kind)s：%(reason)s")
        % {"number": order.tracking_number, "title": order.title, "kind": label, "reason": reason},
        sms_params={"tracking_number": order.tracking_number, "kind": str(label), "_template": "supervision"},
    )
    notice.save(update_fields=["recipients"])
    return notice


def _supervise(
    name: str,
    kind: str,
    event_type: str,
    *,
    work_order: WorkOrder | int,
    actor: Any,
    reason: str,
    due_at: datetime.datetime | None,
    idempotency_key: str | None,
    request: Any,
) -> WorkOrder:
    reason = _reason(reason, label=_("事由"))
    if idempotency_key and SupervisionNotice.objects.filter(idempotency_key=idempotency_key).exists():
        return WorkOrder.objects.get(pk=_pk(work_order))
    now = timezone.now()
    key = idempotency_key or f"hotline:{_pk(work_order)}:{kind}:{secrets.token_hex(8)}"

    def apply(o: WorkOrder) -> list[str]:
        notice = _supervision_notice(o, kind=kind, reason=reason, actor=actor, at=now, key=key, due_at=due_at)
        _event(
            o,
            event_type,
            actor=actor,
            department=notice.department_id,
            note=reason,
            at=now,
            data={"notice": notice.pk},
        )
        return []

    return _run(work_order, name, actor, apply, request=request, note=reason)


def work_order_supervise(
    *,
    work_order: WorkOrder | int,
    actor: Any,
    reason: str,
    due_at: datetime.datetime | None = None,
    idempotency_key: str | None = None,
    request: Any = None,
) -> WorkOrder:
    """Send a 督办 notice to the handling department's handlers; the state does not change.

    With ``idempotency_key`` a second call with the same key does nothing (the sweep uses this).
    """
    return _supervise(
        "supervise",
        SupervisionKind.SUPERVISE,
        EventType.SUPERVISED,
        work_order=work_order,
        actor=actor,
        reason=reason,
        due_at=due_at,
        idempotency_key=idempotency_key,
        request=request,
    )


def work_order_urge(
    *,
    work_order: WorkOrder | int,
    actor: Any,
    reason: str,
    due_at: datetime.datetime | None = None,
    idempotency_key: str | None = None,
    request: Any = None,
) -> WorkOrder:
    """Send a 催办 reminder to the handling department's handlers; the state does not change."""
    return _supervise(
        "urge",
        SupervisionKind.URGE,
        EventType.URGED,
        work_order=work_order,
        actor=actor,
        reason=reason,
        due_at=due_at,
        idempotency_key=idempotency_key,
        request=request,
    )


def work_order_escalate(
    *, work_order: WorkOrder | int, actor: Any, reason: str, request: Any = None
) -> WorkOrder:
    """Flag the order 提级督办 and notify the handling department (once; refused when already escalated)."""
    reason = _reason(reason, label=_("提级原因"))
    now = timezone.now()

    def apply(o: WorkOrder) -> list[str]:
        return _escalate_inline(o, actor=actor, reason=reason, at=now)

    return _run(work_order, "escalate", actor, apply, request=request, note=reason)


def work_order_merge(
    *, work_order: WorkOrder | int, actor: Any, into: WorkOrder | int, reason: str = "", request: Any = None
) -> WorkOrder:
    """Merge a duplicate (并单) into a lead order: follower → merged.

    The follower then shows the lead order's progress and reply (``selectors.work_order_effective``).
    The lead must not itself be merged or invalid; chains are not allowed. The follower's reply
    clock stops and its assignments end.
    """
    reason = _clean_text(reason, field="reason", label=_("并单说明"), max_length=MAX_REASON)
    lead_pk = _pk(into)
    if lead_pk == _pk(work_order):
        raise ValidationError({"into": _("不能与自身并单。")})
    now = timezone.now()

    def apply(o: WorkOrder) -> list[str]:
        lead = WorkOrder.objects.select_for_update().get(pk=lead_pk)
        if lead.status in {Status.MERGED, Status.INVALID}:
            raise WorkOrderError(_("主工单已并单或无效，不能作为并单对象。"), code="bad_merge_target")
        o.merged_into = lead
        o.assignments.filter(is_active=True).update(
            is_active=False, finished_at=now, status=AssignmentStatus.DONE
        )
        clock = _reply_clock(o)
        if clock is not None and clock.stopped_at is None:
            clocks.clock_stop(clock=clock, at=now)
        o.is_paused = False
        _event(
            o,
            EventType.MERGED,
            actor=actor,
            public=True,
            note=reason,
            at=now,
            data={"into": lead.pk, "tracking_number": lead.tracking_number},
        )
        _event(
            lead,
            EventType.NOTE,
            actor=actor,
            note=_("工单 %(number)s 已并入本工单。") % {"number": o.tracking_number},
            at=now,
            data={"merged": o.pk},
        )
        return ["merged_into_id", "is_paused"]

    return _run(work_order, "merge", actor, apply, request=request, note=reason)


def work_order_mark_invalid(
    *, work_order: WorkOrder | int, actor: Any, reason: str, request: Any = None
) -> WorkOrder:
    """Record a harassing, empty or test call as invalid (received → invalid); never deleted."""
    reason = _reason(reason, label=_("无效原因"))[:300]
    now = timezone.now()

    def apply(o: WorkOrder) -> list[str]:
        o.invalid_reason = reason
        _event(o, EventType.MARKED_INVALID, actor=actor, note=reason, at=now)
        return ["invalid_reason"]

    return _run(work_order, "mark_invalid", actor, apply, request=request, note=reason)


@transaction.atomic
def work_order_note(
    *, work_order: WorkOrder | int, actor: Any, text: str, request: Any = None
) -> WorkOrderEvent:
    """Add an internal note to the timeline (any state; staff only — the caller checks access)."""
    text = _clean_text(text, field="text", label=_("备注"), max_length=MAX_REASON, required=True)
    order = WorkOrder.objects.get(pk=_pk(work_order))
    event = _event(order, EventType.NOTE, actor=actor, department=_actor_department_id(actor), note=text)
    audit_record(actor=actor, action="workorder.note", target=order, new={"note": text}, request=request)
    return event


# --- The periodic sweep ----------------------------------------------------------------------


def _cycle(order: WorkOrder) -> str:
    """Names the current handling cycle, so that each threshold fires once per cycle."""
    started = order.dispatched_at.timestamp() if order.dispatched_at else 0
    return f"{started:.0f}"


def deadlines_sweep(*, now: datetime.datetime | None = None, limit: int = 1000) -> dict[str, int]:
    """Send 催办/督办 notices for orders due soon or overdue, and escalate long-overdue ones.

    Thresholds, each at most once per order and dispatch (idempotency keys):

    - sign-for overdue (dispatched, sign-for deadline passed) → 催办;
    - reply due within one working day (hours-based rules: within two office hours) → 催办;
    - reply overdue → 督办;
    - reply overdue by 5 working days or more → 提级督办.

    Paused orders are skipped. Safe to run twice and concurrently (a lost race on a key is skipped).
    Returns counts per threshold.
    """
    now = now or timezone.now()
    today = calendar.local_date(moment=now)
    counts = {"sign_for_overdue": 0, "due_soon": 0, "overdue": 0, "escalated": 0}
    handling = [Status.DISPATCHED, Status.IN_PROGRESS]
    day_threshold = calendar.end_of_day(day=calendar.add_working_days(start=today, days=1))
    hour_threshold = calendar.add_working_hours(start=now, hours=2)
    long_overdue = calendar.end_of_day(day=calendar.add_working_days(start=today, days=-5))

    def fire(
        order: WorkOrder, service: Callable[..., WorkOrder], key: str, reason: str, counter: str
    ) -> None:
        if SupervisionNotice.objects.filter(idempotency_key=key).exists():
            return
        try:
            service(
                work_order=order, actor=None, reason=reason, due_at=order.reply_due_at, idempotency_key=key
            )
        except IntegrityError:  # another sweep sent it a moment ago
            return
        except Exception:  # one bad order must not stop the sweep
            logger.exception("hotline sweep failed for work order %s", order.pk)
            return
        counts[counter] += 1

    sign_for = WorkOrder.objects.filter(status=Status.DISPATCHED, sign_for_due_at__lt=now).only(
        "pk", "tracking_number", "dispatched_at", "reply_due_at", "current_department_id"
    )
    for order in sign_for[:limit]:
        fire(
            order,
            work_order_urge,
            f"hotline:{order.pk}:sweep:sign-for:{order.current_department_id}:{_cycle(order)}",
            _("工单超过签收时限仍未签收，请立即签收。"),
            "sign_for_overdue",
        )
    due_soon = (
        WorkOrder.objects.filter(status__in=handling, is_paused=False, reply_due_at__gte=now)
        .filter(
            models_q_due_soon(day_threshold=day_threshold, hour_threshold=hour_threshold),
        )
        .only("pk", "tracking_number", "dispatched_at", "reply_due_at")
    )
    for order in due_soon[:limit]:
        fire(
            order,
            work_order_urge,
            f"hotline:{order.pk}:sweep:due-soon:{_cycle(order)}",
            _("工单即将到期，请抓紧办理并按时答复。"),
            "due_soon",
        )
    overdue = WorkOrder.objects.filter(status__in=handling, is_paused=False, reply_due_at__lt=now).only(
        "pk", "tracking_number", "dispatched_at", "reply_due_at", "escalated"
    )
    for order in overdue[:limit]:
        fire(
            order,
            work_order_supervise,
            f"hotline:{order.pk}:sweep:overdue:{_cycle(order)}",
            _("工单已超过答复期限，请立即办理并说明原因。"),
            "overdue",
        )
        if not order.escalated and order.reply_due_at and order.reply_due_at < long_overdue:
            try:
                work_order_escalate(
                    work_order=order, actor=None, reason=str(_("工单超期 5 个工作日以上仍未答复，提级督办。"))
                )
                counts["escalated"] += 1
            except Exception:
                logger.exception("hotline sweep could not escalate work order %s", order.pk)
    return counts


def models_q_due_soon(*, day_threshold: datetime.datetime, hour_threshold: datetime.datetime) -> Any:
    from django.db.models import Q

    return Q(deadline_unit=ClockUnit.WORKING_HOURS, reply_due_at__lte=hour_threshold) | (
        ~Q(deadline_unit=ClockUnit.WORKING_HOURS) & Q(reply_due_at__lte=day_threshold)
    )


__all__ = [
    "DISSATISFIED_LEVELS",
    "OPEN_STATUSES",
    "WorkOrderError",
    "attachment_add",
    "attachment_open",
    "deadline_rule_for",
    "deadlines_sweep",
    "inbound_message_convert",
    "inbound_message_ignore",
    "inbound_message_record",
    "normalize_phone",
    "public_lookup",
    "query_code_hash",
    "tracking_number_take",
    "work_order_accept",
    "public_text",
    "work_order_answer_directly",
    "work_order_approve_publication",
    "work_order_approve_reply",
    "work_order_arbitrate",
    "work_order_close",
    "work_order_contribute",
    "work_order_create",
    "work_order_decide_extension",
    "work_order_dispatch",
    "work_order_decline_reopen",
    "work_order_dispatch_down",
    "work_order_escalate",
    "work_order_from_message",
    "work_order_mark_invalid",
    "work_order_merge",
    "work_order_note",
    "work_order_pause",
    "work_order_reassign",
    "work_order_rate_by_citizen",
    "work_order_reopen",
    "work_order_reply",
    "work_order_request_extension",
    "work_order_resume",
    "work_order_return",
    "work_order_return_to_district",
    "work_order_send_back",
    "work_order_supervise",
    "work_order_urge",
    "work_order_withdraw_publication",
]


# --- Inbound messages: hand to a department, answer in the channel ------------------------------

#: Working days a department has to answer a message handed to it (``GONGKAI_HOTLINE_INBOUND_ESCALATION_DAYS``).
DEFAULT_INBOUND_ESCALATION_DAYS = 3
MAX_INBOUND_ESCALATION_DAYS = 30
INBOUND_ESCALATED_SMS = "SMS_HOTLINE_INBOUND_ESCALATED"  # params: channel, deadline (to handlers)


def _inbound_notify_escalated(message: InboundMessage, department: Department) -> int:
    """Queue an e-mail and/or SMS to every active handler of ``department`` (inside the transaction)."""
    from gongkai.core.outbox.services import outbox_notify_users

    due = timezone.localtime(message.due_at).strftime("%Y-%m-%d") if message.due_at else ""
    channel = str(message.get_channel_display())
    subject = _("【12345】%(channel)s留言已转交贵单位") % {"channel": channel}
    body = _(
        "一条%(channel)s留言已转交贵单位，请在 %(due)s 前在原渠道答复，并在工作台“新媒体留言”中登记答复。\n"
        "转交说明：%(note)s\n留言内容：%(text)s"
    ) % {
        "channel": channel,
        "due": due,
        "note": message.escalation_note,
        "text": redact_text(message.text)[:500],
    }
    template = {"inbound_escalated": INBOUND_ESCALATED_SMS, **_setting("GONGKAI_HOTLINE_SMS_TEMPLATES", {})}[
        "inbound_escalated"
    ]
    # One notice per handing-over: the key names the message, the department and the moment.
    key = f"hotline:inbound:{message.pk}:escalated:{department.pk}:{message.escalated_at:%Y%m%d%H%M%S%f}"
    return outbox_notify_users(
        users_with_role("handler", department=department),
        key=key,
        subject=subject,
        body=body,
        sms_template=template,
        sms_params={"channel": channel, "deadline": due},
        source=message,
    )


def _inbound_days(days: Any) -> int:
    if days is None:
        days = _setting("GONGKAI_HOTLINE_INBOUND_ESCALATION_DAYS", DEFAULT_INBOUND_ESCALATION_DAYS)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_INBOUND_ESCALATION_DAYS:
        raise ValidationError(
            {"days": _("答复时限应为 1 至 %(max)s 个工作日。") % {"max": MAX_INBOUND_ESCALATION_DAYS}}
        )
    return days


def inbound_message_escalate(
    *,
    message: InboundMessage | int,
    actor: Any,
    department: Department,
    note: str,
    days: int | None = None,
    request: Any = None,
) -> InboundMessage:
    """Hand a recorded message to ``department`` to answer in its channel (已转交), by a deadline.

    - Operators and the hotline office; from 待处理, or again from 已转交 (to another department or
      with a new deadline: the last handing-over counts, the audit trail keeps every one).
    - ``days`` working days from today (default ``GONGKAI_HOTLINE_INBOUND_ESCALATION_DAYS``, 3; at
      most 30); the deadline is the end of that working day, Asia/Shanghai, with its rule in ``due_rule``.
    - The department's handlers are told by e-mail/SMS through the outbox in the same transaction.
    - The department then records its answer (``inbound_message_answer``); the office may still
      convert the message into a work order or ignore it.
    """
    from gongkai.core.workcalendar.errors import CalendarNotAvailable

    note = _clean_text(note, field="note", label=_("转交说明"), max_length=MAX_REASON, required=True)
    days = _inbound_days(days)
    if not isinstance(department, Department) or not department.is_active:
        raise ValidationError({"department": _("请选择启用中的单位。")})
    now = timezone.now()
    try:
        due_day = calendar.add_working_days(start=calendar.local_date(moment=now), days=days)
    except CalendarNotAvailable as exc:
        raise ValidationError({"days": str(exc.message)}) from None

    def apply(m: InboundMessage) -> list[str]:
        m.escalated_to = department
        m.escalated_at = now
        m.escalated_by = _user_or_none(actor)
        m.escalation_note = note
        m.due_at = calendar.end_of_day(day=due_day)
        m.due_rule = (_("%(days)s 个工作日内答复") % {"days": days})[:100]
        _inbound_notify_escalated(m, department)
        return ["escalated_to_id", "escalated_at", "escalated_by_id", "escalation_note", "due_at", "due_rule"]

    return run_transition(
        INBOUND_GRAPH,
        model=InboundMessage,
        pk=_inbound_pk(message),
        name="escalate",
        actor=actor,
        apply=apply,
        request=request,
        note=note,
        audit_action="inboundmessage.escalate",
    )


def inbound_message_answer(
    *, message: InboundMessage | int, actor: Any, reason: str, request: Any = None
) -> InboundMessage:
    """Record that the message was answered directly in its channel (已答复), with what was answered.

    Operators and the hotline office (from 待处理 or 已转交), and handlers of the department it was
    handed to (from 已转交). No work order is made; ``reason`` goes into ``note``.
    """
    return _inbound_handled(
        message, name="answer", actor=actor, reason=_reason(reason, label=_("答复情况")), request=request
    )


__all__ += ["inbound_message_answer", "inbound_message_escalate"]
