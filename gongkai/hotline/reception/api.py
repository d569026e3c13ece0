"""/api/v1/reception/: public sessions and booking, booking check/cancel, staff attendance.

The public operations take no authentication (``auth=None``) and are throttled per client address
(ninja throttles) and per phone (the same cache counter as the web form). Staff operations need a
token or a staff session and the reception access rules (``reception.access``).
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.conf import settings
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.throttling import AnonRateThrottle

from gongkai.accounts.models import Department
from gongkai.api.errors import ApiError, PermissionDenied
from gongkai.api.types import Id
from gongkai.hotline.models import OrderType, RoutingCategory
from gongkai.hotline.reception import access, ratelimit, selectors, services
from gongkai.hotline.reception.models import ReceptionBooking, ReceptionSession

router = Router(tags=["reception"])

BOOKING_RATE = getattr(settings, "GONGKAI_RECEPTION_API_BOOKING_RATE", "20/h")
LOOKUP_RATE = getattr(settings, "GONGKAI_RECEPTION_API_LOOKUP_RATE", "30/h")


class SessionOut(Schema):
    id: int
    department: str
    department_id: int
    official_name: str
    official_title: str
    date: datetime.date
    start_time: datetime.time
    end_time: datetime.time
    place: str
    topic: str
    slots: int
    free_slots: int
    status: str
    booking_open: bool
    booking_opens_at: datetime.datetime
    booking_closes_at: datetime.datetime
    time_windows: list[str]


def _session_out(session: ReceptionSession) -> dict:
    return {
        "id": session.pk,
        "department": session.department.display_name,
        "department_id": session.department_id,
        "official_name": session.official_name,
        "official_title": session.official_title,
        "date": session.date,
        "start_time": session.start_time,
        "end_time": session.end_time,
        "place": session.place,
        "topic": session.topic,
        "slots": session.slots,
        "free_slots": session.free_slots,
        "status": session.status,
        "booking_open": services.booking_is_open(session),
        "booking_opens_at": session.booking_opens_at,
        "booking_closes_at": session.booking_closes_at,
        "time_windows": services.time_windows(session),
    }


class BookingIn(Schema):
    session_id: int
    citizen_name: str = Field(..., max_length=50)
    phone: str = Field(..., max_length=20)
    id_number: str = Field("", max_length=18)
    matter: str = Field(..., max_length=services.MAX_MATTER)
    preferred_time: str = Field("", max_length=20)


class BookingOut(Schema):
    code: str
    status: str
    session: SessionOut
    citizen_name: str
    phone: str
    preferred_time: str
    tracking_number: str | None = None


def _booking_out(booking: ReceptionBooking) -> dict:
    masked = selectors.booking_masked(booking)
    return {
        "code": booking.code,
        "status": booking.status,
        "session": _session_out(booking.session),
        "citizen_name": masked["citizen_name"],
        "phone": masked["phone"],
        "preferred_time": booking.preferred_time,
        "tracking_number": booking.work_order.tracking_number if booking.work_order is not None else None,
    }


class LookupIn(Schema):
    code: str = Field(..., max_length=20)
    phone: str = Field(..., max_length=20)


def _phone_limit(scope: str, phone: str) -> None:
    from gongkai.hotline.reception.views import _limits

    limit, window = _limits()[scope]
    key = "".join(ch for ch in phone if ch.isdigit())[-11:]
    if not ratelimit.hit(scope, key, limit=limit, window=window):
        raise ApiError(_("请求过于频繁，请稍后再试。"), code="too_many_requests", status=429)


@router.get("/sessions", response=list[SessionOut], auth=None, summary="Upcoming reception days")
def session_list(request: HttpRequest, department_id: Id | None = None):
    return [_session_out(s) for s in selectors.sessions_upcoming(department_id=department_id)]


@router.get("/sessions/{session_id}", response=SessionOut, auth=None, summary="One reception day")
def session_get(request: HttpRequest, session_id: int):
    session = selectors.session_public_get(session_id)
    if session is None:
        raise Http404
    return _session_out(session)


@router.post(
    "/bookings",
    response={201: BookingOut},
    auth=None,
    throttle=[AnonRateThrottle(BOOKING_RATE)],
    summary="Book a slot",
)
def booking_create(request: HttpRequest, payload: BookingIn):
    _phone_limit("book_phone", payload.phone)
    booking = services.booking_create(
        session=payload.session_id,
        citizen_name=payload.citizen_name,
        phone=payload.phone,
        id_number=payload.id_number,
        matter=payload.matter,
        preferred_time=payload.preferred_time,
        request=request,
    )
    booking = ReceptionBooking.objects.select_related("session__department").get(pk=booking.pk)
    return Status(201, _booking_out(booking))


@router.post(
    "/bookings/lookup",
    response=BookingOut,
    auth=None,
    throttle=[AnonRateThrottle(LOOKUP_RATE)],
    summary="Check a booking (code + phone)",
)
def booking_lookup(request: HttpRequest, payload: LookupIn):
    _phone_limit("lookup_phone", payload.phone)
    booking = services.booking_lookup(code=payload.code, phone=payload.phone)
    if booking is None:
        raise ApiError(_("预约码或手机号码不正确。"), code="not_found", status=404)
    return _booking_out(booking)


@router.post(
    "/bookings/cancel",
    response=BookingOut,
    auth=None,
    throttle=[AnonRateThrottle(LOOKUP_RATE)],
    summary="Cancel a booking (code + phone)",
)
def booking_cancel(request: HttpRequest, payload: LookupIn):
    _phone_limit("lookup_phone", payload.phone)
    booking = services.booking_cancel(code=payload.code, phone=payload.phone, request=request)
    return _booking_out(ReceptionBooking.objects.select_related("session__department").get(pk=booking.pk))


# --- Staff ---------------------------------------------------------------------------------------


class StaffBookingOut(Schema):
    id: int
    code: str
    source: str
    status: str
    citizen_name: str
    phone: str
    matter: str
    preferred_time: str
    tracking_number: str | None = None


def _staff_booking_out(booking: ReceptionBooking) -> dict:
    masked = selectors.booking_masked(booking)
    return {
        "id": booking.pk,
        "code": booking.code,
        "source": booking.source,
        "status": booking.status,
        "citizen_name": masked["citizen_name"],
        "phone": masked["phone"],
        "matter": booking.matter,
        "preferred_time": booking.preferred_time,
        "tracking_number": booking.work_order.tracking_number if booking.work_order is not None else None,
    }


class VisitIn(Schema):
    matter: str = Field("", max_length=services.MAX_MATTER)
    order_type: str = OrderType.OTHER
    category_id: int | None = None
    notes: str = Field("", max_length=services.MAX_MATTER)


class WalkInIn(VisitIn):
    citizen_name: str = Field(..., max_length=50)
    phone: str = Field(..., max_length=20)
    id_number: str = Field("", max_length=18)


def _user(request: HttpRequest) -> Any:
    # django-ninja sets request.auth (always the user, see gongkai.api.auth); HttpRequest doesn't declare it.
    return request.auth  # type: ignore[attr-defined]


def _category(pk: int | None) -> RoutingCategory | None:
    if pk is None:
        return None
    number = selectors.valid_pk(pk)
    category = RoutingCategory.objects.filter(pk=number, is_active=True).first() if number else None
    if category is None:
        raise ApiError(_("派单目录不存在或已停用。"), code="validation_error", status=422)
    return category


def _visible_session(request: HttpRequest, session_id: int) -> ReceptionSession:
    if selectors.valid_pk(session_id) is None:
        raise Http404
    session = access.sessions_visible(_user(request)).filter(pk=session_id).first()
    if session is None:
        raise Http404
    return session


def _visible_booking(request: HttpRequest, booking_id: int) -> ReceptionBooking:
    if selectors.valid_pk(booking_id) is None:
        raise Http404
    booking = (
        access.bookings_visible(_user(request))
        .select_related("session", "work_order")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None:
        raise Http404
    if not access.can_manage_session(_user(request), booking.session):
        raise PermissionDenied()
    return booking


@router.get(
    "/staff/sessions/{session_id}/bookings", response=list[StaffBookingOut], summary="Bookings of a session"
)
def staff_bookings(request: HttpRequest, session_id: int):
    session = _visible_session(request, session_id)
    return [_staff_booking_out(b) for b in selectors.bookings_for_session(session)]


@router.post(
    "/staff/bookings/{booking_id}/attended", response=StaffBookingOut, summary="Mark attended → work order"
)
def staff_attended(request: HttpRequest, booking_id: int, payload: VisitIn):
    booking = _visible_booking(request, booking_id)
    booking = services.booking_mark_attended(
        booking=booking,
        actor=_user(request),
        matter=payload.matter,
        order_type=payload.order_type,
        category=_category(payload.category_id),
        notes=payload.notes,
        request=request,
    )
    return _staff_booking_out(booking)


@router.post("/staff/bookings/{booking_id}/no-show", response=StaffBookingOut, summary="Mark no-show")
def staff_no_show(request: HttpRequest, booking_id: int):
    booking = _visible_booking(request, booking_id)
    return _staff_booking_out(
        services.booking_mark_no_show(booking=booking, actor=_user(request), request=request)
    )


@router.post(
    "/staff/sessions/{session_id}/walk-ins",
    response={201: StaffBookingOut},
    summary="Register a walk-in → work order",
)
def staff_walk_in(request: HttpRequest, session_id: int, payload: WalkInIn):
    session = _visible_session(request, session_id)
    if not access.can_manage_session(_user(request), session):
        raise PermissionDenied()
    booking = services.walk_in_register(
        session=session,
        actor=_user(request),
        citizen_name=payload.citizen_name,
        phone=payload.phone,
        id_number=payload.id_number,
        matter=payload.matter,
        order_type=payload.order_type,
        category=_category(payload.category_id),
        notes=payload.notes,
        request=request,
    )
    return Status(201, _staff_booking_out(booking))


# --- Staff: sessions (what 局长接待日 in the admin does) -------------------------------------------


class StaffSessionOut(SessionOut):
    booked_count: int
    slot_minutes: int
    note: str
    cancel_reason: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    can_manage: bool


class StaffSessionPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[StaffSessionOut]


def _staff_session_out(session: ReceptionSession, user: Any) -> dict:
    return {
        **_session_out(session),
        "booked_count": session.booked_count,
        "slot_minutes": session.slot_minutes,
        "note": session.note,
        "cancel_reason": session.cancel_reason,
        "created_at": session.created_at,
        "updated_at": session.updated_at,
        "can_manage": access.can_manage_session(user, session),
    }


class _StrictIn(Schema):
    model_config = {"extra": "forbid"}  # an unknown field is a mistake: 422, not silently ignored


class SessionPatchIn(_StrictIn):
    """Every field optional: only those sent change (PATCH)."""

    department_id: Id | None = None
    official_name: str | None = Field(None, max_length=50)
    official_title: str | None = Field(None, max_length=100)
    date: datetime.date | None = None
    start_time: datetime.time | None = None
    end_time: datetime.time | None = None
    place: str | None = Field(None, max_length=200)
    topic: str | None = Field(None, max_length=2000)
    slots: int | None = Field(None, ge=1, le=500)
    slot_minutes: int | None = Field(None, ge=10, le=240)
    booking_opens_at: datetime.datetime | None = None
    booking_closes_at: datetime.datetime | None = None
    status: Literal["planned", "open", "closed"] | None = None
    note: str | None = Field(None, max_length=2000)


class SessionCreateIn(_StrictIn):
    department_id: Id
    official_name: str = Field(..., max_length=50)
    official_title: str = Field(..., max_length=100)
    date: datetime.date
    start_time: datetime.time
    end_time: datetime.time
    place: str = Field(..., max_length=200)
    topic: str = Field(..., max_length=2000)
    slots: int = Field(20, ge=1, le=500)
    slot_minutes: int = Field(30, ge=10, le=240)
    booking_opens_at: datetime.datetime
    booking_closes_at: datetime.datetime
    status: Literal["planned", "open", "closed"] = "planned"
    note: str = Field("", max_length=2000)


class CancelIn(_StrictIn):
    reason: str = Field(..., max_length=300)


def _session_fields(payload: Schema, *, partial: bool) -> dict:
    data = payload.dict(exclude_unset=partial)
    if partial:
        data = {name: value for name, value in data.items() if value is not None}
    department_id = data.pop("department_id", None)
    if department_id is not None:
        department = Department.objects.filter(pk=department_id).first()
        if department is None:
            raise ApiError(
                _("单位不存在。"), code="validation_error", status=422, details={"department_id": "unknown"}
            )
        data["department"] = department
    return data


def _managed_session(request: HttpRequest, session_id: int) -> ReceptionSession:
    session = _visible_session(request, session_id)
    if not access.can_manage_session(_user(request), session):
        raise PermissionDenied()
    return session


@router.get("/staff/sessions", response=StaffSessionPageOut, summary="Reception days (staff)")
def staff_session_list(
    request: HttpRequest,
    department_id: Id | None = None,
    status: Literal["planned", "open", "closed", "cancelled"] | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    page: int = Query(1, ge=1, le=100000),
    page_size: int = Query(50, ge=1, le=200),
):
    """Sessions the user may see (the hotline office and leaders: all; a department's handlers:
    their department and the units under it), newest date first."""
    user = _user(request)
    if not access.may_use_reception(user):
        raise PermissionDenied()
    queryset = selectors.sessions_for_staff(
        user, department_id=department_id, status=status, date_from=date_from, date_to=date_to
    )
    start = (page - 1) * page_size
    return {
        "count": queryset.count(),
        "page": page,
        "page_size": page_size,
        "results": [_staff_session_out(s, user) for s in queryset[start : start + page_size]],
    }


@router.get("/staff/sessions/{session_id}", response=StaffSessionOut, summary="One reception day (staff)")
def staff_session_get(request: HttpRequest, session_id: int):
    session = _visible_session(request, session_id)
    return _staff_session_out(session, _user(request))


@router.post("/staff/sessions", response={201: StaffSessionOut}, summary="Plan a reception day")
def staff_session_create(request: HttpRequest, payload: SessionCreateIn):
    user = _user(request)
    if not access.may_create_session(user):
        raise PermissionDenied()
    session = services.session_create(actor=user, request=request, **_session_fields(payload, partial=False))
    return Status(201, _staff_session_out(_reload(session), user))


@router.patch("/staff/sessions/{session_id}", response=StaffSessionOut, summary="Change a reception day")
def staff_session_update(request: HttpRequest, session_id: int, payload: SessionPatchIn):
    session = _managed_session(request, session_id)
    session = services.session_update(
        session=session, actor=_user(request), request=request, **_session_fields(payload, partial=True)
    )
    return _staff_session_out(_reload(session), _user(request))


@router.post(
    "/staff/sessions/{session_id}/cancel",
    response=StaffSessionOut,
    summary="Cancel a reception day (bookings cancelled, citizens told by SMS)",
)
def staff_session_cancel(request: HttpRequest, session_id: int, payload: CancelIn):
    session = _managed_session(request, session_id)
    session = services.session_cancel(
        session=session, actor=_user(request), reason=payload.reason, request=request
    )
    return _staff_session_out(_reload(session), _user(request))


def _reload(session: ReceptionSession) -> ReceptionSession:
    return ReceptionSession.objects.select_related("department").get(pk=session.pk)
