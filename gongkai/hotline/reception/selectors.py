"""Reads for 局长接待日: upcoming sessions for the public, bookings per session for staff."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from gongkai.core.personal_data import mask_id_number, mask_name, mask_phone
from gongkai.hotline.reception.models import ReceptionBooking, ReceptionSession, SessionStatus


def sessions_upcoming(
    *, department_id: int | None = None, today: datetime.date | None = None, days: int = 92
) -> QuerySet[ReceptionSession]:
    """Sessions from today for the next ``days`` days that are announced (not cancelled)."""
    today = today or timezone.localdate()
    queryset = ReceptionSession.objects.filter(
        date__gte=today,
        date__lte=today + datetime.timedelta(days=days),
        status__in=[SessionStatus.PLANNED, SessionStatus.OPEN, SessionStatus.CLOSED],
    ).select_related("department")
    if department_id:
        queryset = queryset.filter(department_id=department_id)
    return queryset.order_by("date", "start_time", "pk")


def valid_pk(value: Any) -> int | None:
    """``value`` as a primary key, or ``None`` if it cannot be one (so huge numbers never reach SQL)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def session_public_get(pk: Any) -> ReceptionSession | None:
    number = valid_pk(pk)
    if number is None:
        return None
    return (
        ReceptionSession.objects.select_related("department")
        .exclude(status=SessionStatus.CANCELLED)
        .filter(pk=number)
        .first()
    )


def bookings_for_session(session: ReceptionSession) -> QuerySet[ReceptionBooking]:
    return session.bookings.select_related("work_order").order_by("preferred_time", "created_at", "pk")


def booking_masked(booking: ReceptionBooking) -> dict[str, str]:
    """Personal data as lists show it: 张*三, 138****5678, 2202…****12."""
    return {
        "citizen_name": mask_name(booking.citizen_name),
        "phone": mask_phone(booking.phone),
        "id_number": mask_id_number(booking.id_number) if booking.id_number else "",
    }


def sessions_for_staff(
    user: Any,
    *,
    department_id: int | None = None,
    status: str | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[ReceptionSession]:
    """The sessions ``user`` may see (``access.sessions_visible``), filtered, newest date first."""
    from gongkai.hotline.reception.access import sessions_visible

    queryset = sessions_visible(user).select_related("department")
    if department_id:
        queryset = queryset.filter(department_id=department_id)
    if status:
        queryset = queryset.filter(status=status)
    if date_from:
        queryset = queryset.filter(date__gte=date_from)
    if date_to:
        queryset = queryset.filter(date__lte=date_to)
    return queryset.order_by("-date", "-start_time", "-pk")
