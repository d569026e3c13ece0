"""Writes for 局长接待日: sessions, bookings (race-free slot counting), walk-ins, visits → work orders.

Rules the callers must know:

- ``booking_create`` locks the session row (``select_for_update``) and checks the free slots and the
  per-phone limits inside the lock; ``booked_count`` is raised in the same transaction, and the
  check constraint ``booked_count <= slots`` refuses an overbooking even if two writers got past the
  check (then the loser sees the same "full" message). Nothing is written when a booking is refused.
- Walk-ins (``walk_in_register``) do not use a slot: the official receives whoever comes.
- ``booking_mark_attended`` / ``walk_in_register`` turn the visit into a hotline work order through
  ``gongkai.hotline.services.work_order_create(channel="reception_day")``; the source reference
  ``reception:<booking code>`` makes a second click return the same order.
- SMS go through the outbox inside the transaction, with idempotency keys naming the cause.
"""

from __future__ import annotations

import datetime
import re
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongkai.api.errors import ApiError
from gongkai.core.audit.services import audit_record
from gongkai.core.personal_data import resident_id_is_valid
from gongkai.hotline.models import Channel, OrderType, RoutingCategory, WorkOrder
from gongkai.hotline.reception.models import (
    HOLDING_STATUSES,
    BookingSource,
    BookingStatus,
    ReceptionBooking,
    ReceptionSession,
    SessionStatus,
)

#: Active (booked, upcoming) bookings one phone number may hold at once across all sessions.
DEFAULT_MAX_ACTIVE_PER_PHONE = 2
MAX_MATTER = 2000
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read out over the phone
CODE_LENGTH = 8

SMS_TEMPLATES = {
    "booked": "SMS_RECEPTION_BOOKED",  # params: code, date, time, place
    "cancelled": "SMS_RECEPTION_CANCELLED",  # params: code, date
    "session_cancelled": "SMS_RECEPTION_SESSION_CANCELLED",  # params: code, date, reason
}


class BookingRefused(ApiError):
    """A booking rule refused the request (409): full, closed, limit reached. Nothing was written."""

    status = 409
    code = "booking_refused"


# --- Validation helpers ----------------------------------------------------------------------------

_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def _text(value: Any, *, field: str, label: str, max_length: int, required: bool = True) -> str:
    text = str(value or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise ValidationError({field: _("请填写%(label)s。") % {"label": label}})
    if len(text) > max_length:
        raise ValidationError(
            {field: _("%(label)s不能超过 %(max)s 个字。") % {"label": label, "max": max_length}}
        )
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in text) or "\ufffd" in text:
        raise ValidationError({field: _("%(label)s含有无法识别的字符，请检查编码。") % {"label": label}})
    return text


def normalize_mobile(value: Any, *, field: str = "phone") -> str:
    """A mainland mobile number (11 digits; ``+86``, spaces and dashes accepted), or raise."""
    digits = re.sub(r"[\s\-()（）]", "", str(value or ""))
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if not _MOBILE.match(digits):
        raise ValidationError({field: _("请填写正确的 11 位手机号码。")})
    return digits


def normalize_id_number(value: Any) -> str:
    """An 18-character resident ID number with a valid check character, or ``""``; else raise."""
    text = str(value or "").strip().upper()
    if not text:
        return ""
    if not resident_id_is_valid(text, birth_date=False):
        raise ValidationError({"id_number": _("身份证号码格式不正确。")})
    return text


def normalize_code(value: Any) -> str:
    return re.sub(r"[\s\-]", "", str(value or "")).upper()[:CODE_LENGTH]


def time_windows(session: ReceptionSession) -> list[str]:
    """The session's time windows (``09:00-09:30`` …) a citizen may prefer."""
    day = datetime.date(2000, 1, 1)
    start = datetime.datetime.combine(day, session.start_time)
    end = datetime.datetime.combine(day, session.end_time)
    step = datetime.timedelta(minutes=max(10, session.slot_minutes or 30))
    windows: list[str] = []
    while start < end and len(windows) < 48:
        stop = min(start + step, end)
        windows.append(f"{start:%H:%M}-{stop:%H:%M}")
        start = stop
    return windows


def session_starts_at(session: ReceptionSession) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(session.date, session.start_time))


def booking_is_open(session: ReceptionSession, *, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        session.status == SessionStatus.OPEN
        and session.booking_opens_at <= now < session.booking_closes_at
        and now < session_starts_at(session)
    )


def _max_active_per_phone() -> int:
    return int(getattr(settings, "GONGKAI_RECEPTION_MAX_ACTIVE_PER_PHONE", DEFAULT_MAX_ACTIVE_PER_PHONE))


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _date_text(session: ReceptionSession) -> str:
    return f"{session.date:%Y-%m-%d}"


def _time_text(session: ReceptionSession) -> str:
    return f"{session.start_time:%H:%M}-{session.end_time:%H:%M}"


def _sms(booking: ReceptionBooking, *, kind: str, params: dict[str, Any], key: str) -> None:
    from gongkai.core.outbox.services import outbox_enqueue

    if not _MOBILE.match(booking.phone or ""):
        return
    templates = {**SMS_TEMPLATES, **getattr(settings, "GONGKAI_RECEPTION_SMS_TEMPLATES", {})}
    outbox_enqueue(
        channel="sms",
        recipient=booking.phone,
        payload={"template": templates[kind], "params": params},
        idempotency_key=key[:200],
        source=booking,
    )


# --- Sessions --------------------------------------------------------------------------------------


def session_validate(session: ReceptionSession) -> None:
    """Field and cross-field checks for a session (the admin form and the demo both call this)."""
    errors: dict[str, str] = {}
    if session.start_time and session.end_time and session.end_time <= session.start_time:
        errors["end_time"] = _("结束时间必须晚于开始时间。")
    if session.booking_opens_at and session.booking_closes_at:
        if session.booking_closes_at <= session.booking_opens_at:
            errors["booking_closes_at"] = _("预约截止时间必须晚于预约开始时间。")
        elif session.date and session.start_time and session.booking_closes_at > session_starts_at(session):
            errors["booking_closes_at"] = _("预约截止时间不能晚于接待开始时间。")
    if session.pk and session.slots is not None and session.slots < session.booked_count:
        errors["slots"] = _("已有 %(n)s 人预约，名额不能少于已预约人数。") % {"n": session.booked_count}
    if errors:
        raise ValidationError(errors)


#: The fields of a session staff set (the admin form, the API); the rest are kept by the services.
SESSION_FIELDS = (
    "department",
    "official_name",
    "official_title",
    "date",
    "start_time",
    "end_time",
    "place",
    "topic",
    "slots",
    "slot_minutes",
    "booking_opens_at",
    "booking_closes_at",
    "status",
    "note",
)


_SESSION_TEXTS = {
    "official_name": (gettext_lazy("接待领导姓名"), 50, True),
    "official_title": (gettext_lazy("接待领导职务"), 100, True),
    "place": (gettext_lazy("接待地点"), 200, True),
    "topic": (gettext_lazy("接待范围"), 2000, True),
    "note": (gettext_lazy("备注"), 2000, False),
}


def _session_texts(fields: dict[str, Any]) -> dict[str, Any]:
    """Trim the text fields and refuse control characters and broken encodings in them."""
    cleaned = dict(fields)
    for name, (label, max_length, required) in _SESSION_TEXTS.items():
        if name in cleaned:
            cleaned[name] = _text(
                cleaned[name], field=name, label=str(label), max_length=max_length, required=required
            )
    return cleaned


def _session_audit_value(value: Any) -> Any:
    return value.pk if hasattr(value, "pk") else value


def _session_check(session: ReceptionSession, *, actor: Any) -> None:
    """Field checks (``full_clean``), the cross-field rules and the actor's right to the department."""
    from gongkai.hotline.reception.access import may_manage_department

    if session.status == SessionStatus.CANCELLED:
        raise ValidationError({"status": _("取消接待日请使用“取消接待日”，并填写取消原因。")})
    session.full_clean(exclude=["created_by", "booked_count", "cancel_reason"])
    session_validate(session)
    if not may_manage_department(actor, session.department_id):
        raise ValidationError({"department": _("无权为该单位安排接待日。")})


@transaction.atomic
def session_create(*, actor: Any, request: Any = None, **fields: Any) -> ReceptionSession:
    """Announce a new session (the admin form and the API). Audited as ``reception.session_created``.

    ``fields`` are ``SESSION_FIELDS`` (unknown names raise ``TypeError``). The hotline office may
    plan sessions for any department, a department's handlers for their own and the units under it.
    A session cannot be created cancelled.
    """
    from gongkai.hotline.reception.access import may_create_session

    unknown = set(fields) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(f"unknown session fields: {sorted(unknown)}")
    if not may_create_session(actor):
        raise ApiError(_("无权执行此操作。"), code="permission_denied", status=403)
    session = ReceptionSession(**_session_texts(fields))
    session.created_by = actor if getattr(actor, "is_authenticated", False) else None
    _session_check(session, actor=actor)
    session.save(force_insert=True)
    audit_record(
        actor=actor,
        action="reception.session_created",
        target=session,
        new={name: _session_audit_value(getattr(session, name)) for name in SESSION_FIELDS},
        request=request,
    )
    return session


@transaction.atomic
def session_update(
    *, session: ReceptionSession | int, actor: Any, request: Any = None, **fields: Any
) -> ReceptionSession:
    """Change a session's schedule, slots, booking window or status (planned/open/closed).

    Locks the row, so ``booked_count`` cannot change while the slots are checked (never fewer than
    already booked). A cancelled session cannot be changed; cancelling is ``session_cancel``.
    Audited as ``reception.session_changed`` with only the changed values (nothing when none did).
    """
    from gongkai.hotline.reception.access import can_manage_session

    unknown = set(fields) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(f"unknown session fields: {sorted(unknown)}")
    pk = session.pk if isinstance(session, ReceptionSession) else int(session)
    locked = ReceptionSession.objects.select_for_update().get(pk=pk)
    if not can_manage_session(actor, locked):
        raise ApiError(_("无权执行此操作。"), code="permission_denied", status=403)
    if locked.status == SessionStatus.CANCELLED:
        raise BookingRefused(_("该接待日已取消。"), code="session_cancelled")
    before = {name: _session_audit_value(getattr(locked, name)) for name in SESSION_FIELDS}
    for name, value in _session_texts(fields).items():
        setattr(locked, name, value)
    _session_check(locked, actor=actor)
    after = {name: _session_audit_value(getattr(locked, name)) for name in SESSION_FIELDS}
    changed = [name for name in SESSION_FIELDS if before[name] != after[name]]
    if not changed:
        return locked
    locked.save(update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor,
        action="reception.session_changed",
        target=locked,
        old={name: before[name] for name in changed},
        new={name: after[name] for name in changed},
        request=request,
    )
    return locked


@transaction.atomic
def session_cancel(
    *, session: ReceptionSession | int, actor: Any, reason: str, request: Any = None
) -> ReceptionSession:
    """Call off a session: every booked citizen's booking is cancelled and they are told by SMS."""
    reason = _text(reason, field="reason", label=_("取消原因"), max_length=300)
    pk = session.pk if isinstance(session, ReceptionSession) else int(session)
    locked = ReceptionSession.objects.select_for_update().get(pk=pk)
    if locked.status == SessionStatus.CANCELLED:
        raise BookingRefused(_("该接待日已取消。"), code="session_cancelled")
    now = timezone.now()
    booked = list(locked.bookings.filter(status=BookingStatus.BOOKED))
    for booking in booked:
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = now
        booking.cancel_reason = reason
        booking.save(update_fields=["status", "cancelled_at", "cancel_reason"])
        _sms(
            booking,
            kind="session_cancelled",
            params={"code": booking.code, "date": _date_text(locked), "reason": reason[:20]},
            key=f"reception:booking:{booking.pk}:session-cancelled:sms",
        )
    old_status = locked.status
    locked.status = SessionStatus.CANCELLED
    locked.cancel_reason = reason
    locked.booked_count = 0
    locked.save(update_fields=["status", "cancel_reason", "booked_count", "updated_at"])
    audit_record(
        actor=actor,
        action="reception.session_cancelled",
        target=locked,
        old={"status": old_status},
        new={"status": locked.status, "bookings_cancelled": len(booked)},
        request=request,
        note=reason,
    )
    return locked


# --- Bookings ------------------------------------------------------------------------------------


def booking_create(
    *,
    session: ReceptionSession | int,
    citizen_name: str,
    phone: str,
    matter: str,
    id_number: str = "",
    preferred_time: str = "",
    source: str = BookingSource.ONLINE,
    actor: Any = None,
    request: Any = None,
    now: datetime.datetime | None = None,
) -> ReceptionBooking:
    """Book one slot of ``session``; raise ``ValidationError`` (input) or ``BookingRefused`` (rules).

    Refused, with nothing written: the session is not open for booking, it is full, this phone
    already holds a place in it, or this phone already holds the maximum of upcoming bookings
    (``GONGKAI_RECEPTION_MAX_ACTIVE_PER_PHONE``, default 2). The citizen gets the booking code by SMS.
    """
    citizen_name = _text(citizen_name, field="citizen_name", label=_("姓名"), max_length=50)
    phone = normalize_mobile(phone)
    id_number = normalize_id_number(id_number)
    matter = _text(matter, field="matter", label=_("反映事项"), max_length=MAX_MATTER)
    if len(matter) < 5:
        raise ValidationError({"matter": _("请把反映的事项写得具体一些（至少 5 个字）。")})
    preferred_time = str(preferred_time or "").strip()
    if source not in BookingSource.values or source == BookingSource.WALK_IN:
        raise ValidationError({"source": _("预约来源无效。")})
    from gongkai.hotline.reception.selectors import valid_pk

    pk = session.pk if isinstance(session, ReceptionSession) else valid_pk(session)
    now = now or timezone.now()
    try:
        with transaction.atomic():
            # The lock serialises bookings of one session: the count below cannot change under us.
            try:
                if pk is None:  # an unsaved session or an id that cannot be one
                    raise ReceptionSession.DoesNotExist
                locked = ReceptionSession.objects.select_for_update().select_related("department").get(pk=pk)
            except (ReceptionSession.DoesNotExist, ValueError, TypeError):
                raise BookingRefused(_("找不到该接待日。"), code="session_not_found", status=404) from None
            if preferred_time and preferred_time not in time_windows(locked):
                raise ValidationError({"preferred_time": _("请选择本次接待的时段。")})
            if not booking_is_open(locked, now=now):
                raise BookingRefused(_("该接待日目前不接受预约。"), code="not_open")
            if locked.booked_count >= locked.slots:
                raise BookingRefused(
                    _("该接待日的 %(n)s 个名额已经约满，请选择其他接待日。") % {"n": locked.slots},
                    code="full",
                )
            if locked.bookings.filter(phone=phone, status__in=HOLDING_STATUSES).exists():
                raise BookingRefused(_("该手机号码已预约本次接待，请勿重复预约。"), code="duplicate")
            active = ReceptionBooking.objects.filter(
                phone=phone, status=BookingStatus.BOOKED, session__date__gte=timezone.localdate(now)
            ).count()
            if active >= _max_active_per_phone():
                raise BookingRefused(
                    _("该手机号码已有 %(n)s 个未到期的预约，请先参加或取消后再预约。") % {"n": active},
                    code="phone_limit",
                )
            booking = ReceptionBooking(
                session=locked,
                code=_new_code(),
                source=source,
                citizen_name=citizen_name,
                phone=phone,
                id_number=id_number,
                matter=matter,
                preferred_time=preferred_time,
                created_at=now,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            booking.save(force_insert=True)
            ReceptionSession.objects.filter(pk=locked.pk).update(booked_count=F("booked_count") + 1)
            audit_record(
                actor=actor,
                action="reception.booked",
                target=booking,
                new={"session": locked.pk, "code": booking.code, "source": source},
                request=request,
            )
            _sms(
                booking,
                kind="booked",
                params={
                    "code": booking.code,
                    "date": _date_text(locked),
                    "time": booking.preferred_time or _time_text(locked),
                    "place": locked.place[:20],
                },
                key=f"reception:booking:{booking.pk}:booked:sms",
            )
    except IntegrityError as exc:
        # The check constraint (full) or the one-per-phone constraint, from a writer that raced us.
        message = str(exc).lower()
        if "phone" in message:
            raise BookingRefused(_("该手机号码已预约本次接待，请勿重复预约。"), code="duplicate") from None
        raise BookingRefused(_("该接待日的名额已经约满，请选择其他接待日。"), code="full") from None
    return booking


def booking_lookup(*, code: str, phone: str) -> ReceptionBooking | None:
    """The booking with this code *and* phone, else ``None`` (the same for a wrong code or phone)."""
    code = normalize_code(code)
    try:
        phone = normalize_mobile(phone)
    except ValidationError:
        return None
    if len(code) != CODE_LENGTH:
        return None
    return (
        ReceptionBooking.objects.select_related("session", "session__department")
        .filter(code=code, phone=phone)
        .first()
    )


def _release_slot(booking: ReceptionBooking) -> None:
    if booking.source != BookingSource.WALK_IN:
        ReceptionSession.objects.filter(pk=booking.session_id, booked_count__gt=0).update(
            booked_count=F("booked_count") - 1
        )


def booking_cancel(
    *, code: str, phone: str, reason: str = "", actor: Any = None, request: Any = None
) -> ReceptionBooking:
    """Cancel a booked place (citizen: code + phone; staff pass the same); the slot is free again."""
    reason = _text(reason, field="reason", label=_("取消原因"), max_length=300, required=False)
    found = booking_lookup(code=code, phone=phone)
    if found is None:
        raise BookingRefused(_("预约码或手机号码不正确。"), code="not_found", status=404)
    with transaction.atomic():
        ReceptionSession.objects.select_for_update().filter(pk=found.session_id).first()
        booking = ReceptionBooking.objects.select_for_update().select_related("session").get(pk=found.pk)
        if booking.status != BookingStatus.BOOKED:
            raise BookingRefused(
                _("该预约当前状态为“%(status)s”，不能取消。") % {"status": booking.get_status_display()},
                code="not_cancellable",
            )
        if timezone.now() >= session_starts_at(booking.session):
            raise BookingRefused(_("接待已经开始，不能在网上取消。"), code="too_late")
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = timezone.now()
        booking.cancel_reason = reason
        booking.save(update_fields=["status", "cancelled_at", "cancel_reason"])
        _release_slot(booking)
        audit_record(
            actor=actor,
            action="reception.booking_cancelled",
            target=booking,
            old={"status": BookingStatus.BOOKED},
            new={"status": booking.status},
            request=request,
            note=reason,
        )
        _sms(
            booking,
            kind="cancelled",
            params={"code": booking.code, "date": _date_text(booking.session)},
            key=f"reception:booking:{booking.pk}:cancelled:sms",
        )
    return booking


def _create_order(
    booking: ReceptionBooking,
    *,
    actor: Any,
    matter: str,
    order_type: str,
    category: RoutingCategory | None,
    notes: str,
    request: Any,
) -> WorkOrder:
    from gongkai.hotline.services import work_order_create

    session = booking.session
    content = matter
    if notes:
        content = _("%(matter)s\n\n接待记录：%(notes)s") % {"matter": matter, "notes": notes}
    order, _code = work_order_create(
        channel=Channel.RECEPTION_DAY,
        content=content[:5000],
        order_type=order_type,
        category=category,
        caller_name=booking.citizen_name,
        caller_phone=booking.phone,
        caller_id_number=booking.id_number,
        title="",
        source_reference=f"reception:{booking.code}",
        raw_source={
            "reception_session": session.pk,
            "department": session.department_id,
            "official": f"{session.official_title} {session.official_name}",
            "date": _date_text(session),
            "booking_code": booking.code,
            "source": booking.source,
        },
        actor=actor,
        request=request,
    )
    return order


def _order_type(value: str) -> str:
    if value not in OrderType.values:
        raise ValidationError({"order_type": _("诉求类型无效。")})
    return value


def _lock_booking(pk: int) -> ReceptionBooking:
    booking = ReceptionBooking.objects.select_for_update().get(pk=pk)
    booking.session = ReceptionSession.objects.select_related("department").get(pk=booking.session_id)
    return booking


def booking_mark_attended(
    *,
    booking: ReceptionBooking | int,
    actor: Any,
    matter: str = "",
    order_type: str = OrderType.OTHER,
    category: RoutingCategory | None = None,
    notes: str = "",
    at: datetime.datetime | None = None,
    request: Any = None,
) -> ReceptionBooking:
    """The citizen came: record the matter and create the work order (channel ``reception_day``).

    ``matter`` defaults to what the citizen wrote when booking. A booking marked no-show by mistake
    may still be marked attended. Calling it twice returns the booking with its one order.
    """
    from gongkai.hotline.reception.access import can_manage_session

    pk = booking.pk if isinstance(booking, ReceptionBooking) else int(booking)
    order_type = _order_type(order_type)
    notes = _text(notes, field="notes", label=_("接待记录"), max_length=MAX_MATTER, required=False)
    with transaction.atomic():
        locked = _lock_booking(pk)
        if not can_manage_session(actor, locked.session):
            raise ApiError(_("无权执行此操作。"), code="permission_denied", status=403)
        if locked.status == BookingStatus.ATTENDED and locked.work_order_id:
            return locked
        if locked.status not in (BookingStatus.BOOKED, BookingStatus.NO_SHOW):
            raise BookingRefused(
                _("该预约当前状态为“%(status)s”，不能登记接待。") % {"status": locked.get_status_display()},
                code="not_attendable",
            )
        text = _text(matter or locked.matter, field="matter", label=_("反映事项"), max_length=MAX_MATTER)
        order = _create_order(
            locked,
            actor=actor,
            matter=text,
            order_type=order_type,
            category=category,
            notes=notes,
            request=request,
        )
        old = locked.status
        locked.status = BookingStatus.ATTENDED
        locked.attended_at = at or timezone.now()
        locked.handled_by = actor if getattr(actor, "is_authenticated", False) else None
        locked.work_order = order
        locked.matter = text
        locked.reception_notes = notes
        locked.save(
            update_fields=["status", "attended_at", "handled_by", "work_order", "matter", "reception_notes"]
        )
        audit_record(
            actor=actor,
            action="reception.attended",
            target=locked,
            old={"status": old},
            new={"status": locked.status, "work_order": order.tracking_number},
            request=request,
        )
    return locked


def booking_mark_no_show(
    *, booking: ReceptionBooking | int, actor: Any, request: Any = None
) -> ReceptionBooking:
    """The citizen did not come (the slot stays used: the session is over)."""
    from gongkai.hotline.reception.access import can_manage_session

    pk = booking.pk if isinstance(booking, ReceptionBooking) else int(booking)
    with transaction.atomic():
        locked = _lock_booking(pk)
        if not can_manage_session(actor, locked.session):
            raise ApiError(_("无权执行此操作。"), code="permission_denied", status=403)
        if locked.status != BookingStatus.BOOKED:
            raise BookingRefused(
                _("该预约当前状态为“%(status)s”，不能标记未到场。") % {"status": locked.get_status_display()},
                code="not_no_show",
            )
        locked.status = BookingStatus.NO_SHOW
        locked.handled_by = actor if getattr(actor, "is_authenticated", False) else None
        locked.save(update_fields=["status", "handled_by"])
        audit_record(
            actor=actor,
            action="reception.no_show",
            target=locked,
            old={"status": BookingStatus.BOOKED},
            new={"status": locked.status},
            request=request,
        )
    return locked


def walk_in_register(
    *,
    session: ReceptionSession | int,
    actor: Any,
    citizen_name: str,
    phone: str,
    matter: str,
    id_number: str = "",
    order_type: str = OrderType.OTHER,
    category: RoutingCategory | None = None,
    notes: str = "",
    at: datetime.datetime | None = None,
    request: Any = None,
) -> ReceptionBooking:
    """Register a citizen who came without booking, and create the work order at once.

    Walk-ins use no slot. If the same phone already booked this session, that booking is marked
    attended instead (one person, one visit, one order).
    """
    from gongkai.hotline.reception.access import can_manage_session

    citizen_name = _text(citizen_name, field="citizen_name", label=_("姓名"), max_length=50)
    phone = normalize_mobile(phone)
    id_number = normalize_id_number(id_number)
    matter = _text(matter, field="matter", label=_("反映事项"), max_length=MAX_MATTER)
    order_type = _order_type(order_type)
    pk = session.pk if isinstance(session, ReceptionSession) else int(session)
    with transaction.atomic():
        locked = ReceptionSession.objects.select_for_update().select_related("department").get(pk=pk)
        if not can_manage_session(actor, locked):
            raise ApiError(_("无权执行此操作。"), code="permission_denied", status=403)
        if locked.status == SessionStatus.CANCELLED:
            raise BookingRefused(_("该接待日已取消。"), code="session_cancelled")
        existing = locked.bookings.filter(
            phone=phone, status__in=[BookingStatus.BOOKED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW]
        ).first()
        if existing is not None:
            return booking_mark_attended(
                booking=existing,
                actor=actor,
                matter=matter,
                order_type=order_type,
                category=category,
                notes=notes,
                at=at,
                request=request,
            )
        now = at or timezone.now()
        booking = ReceptionBooking.objects.create(
            session=locked,
            code=_new_code(),
            source=BookingSource.WALK_IN,
            citizen_name=citizen_name,
            phone=phone,
            id_number=id_number,
            matter=matter,
            status=BookingStatus.ATTENDED,
            created_at=now,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            attended_at=now,
            handled_by=actor if getattr(actor, "is_authenticated", False) else None,
            reception_notes=notes,
        )
        booking.session = locked
        order = _create_order(
            booking,
            actor=actor,
            matter=matter,
            order_type=order_type,
            category=category,
            notes=notes,
            request=request,
        )
        booking.work_order = order
        booking.save(update_fields=["work_order"])
        audit_record(
            actor=actor,
            action="reception.walk_in",
            target=booking,
            new={"session": locked.pk, "code": booking.code, "work_order": order.tracking_number},
            request=request,
        )
    return booking
