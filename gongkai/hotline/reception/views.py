"""Public pages of 局长接待日: upcoming sessions, the booking form, the confirmation, check/cancel.

Every POST is CSRF-protected, rate-limited per IP address and per phone (Django's cache) and has a
honeypot field. The confirmation page shows the booking code once, from the session of the browser
that booked (never from a guessable URL).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gongkai.accounts.models import Department
from gongkai.core.parsing import parse_id
from gongkai.hotline.reception import ratelimit, selectors, services
from gongkai.hotline.reception.forms import BookingForm, LookupForm
from gongkai.hotline.reception.models import BookingStatus, ReceptionSession

CONFIRM_KEY = "reception_booked"


def _limits() -> dict[str, tuple[int, int]]:
    defaults = {
        "book_ip": (20, 3600),  # booking attempts per IP address per hour
        "book_phone": (5, 86400),  # booking attempts per phone per day
        "lookup_ip": (30, 3600),  # check/cancel attempts per IP address per hour
        "lookup_phone": (10, 3600),  # check/cancel attempts per phone per hour
    }
    return {**defaults, **getattr(settings, "GONGKAI_RECEPTION_RATE_LIMITS", {})}


def _allowed(scope: str, key: str) -> bool:
    limit, window = _limits()[scope]
    return ratelimit.hit(scope, key, limit=limit, window=window)


def session_list(request: HttpRequest) -> HttpResponse:
    raw_department = request.GET.get("department") or ""
    department_id = parse_id(raw_department)
    sessions = list(selectors.sessions_upcoming(department_id=department_id))
    departments = Department.objects.filter(
        pk__in=selectors.sessions_upcoming().values("department_id")
    ).order_by("path")
    rows = [{"session": s, "open": services.booking_is_open(s), "free": s.free_slots} for s in sessions]
    return render(
        request,
        "reception/session_list.html",
        {"rows": rows, "departments": departments, "department_id": department_id},
    )


def _session_or_404(pk: int) -> ReceptionSession:
    session = selectors.session_public_get(pk)
    if session is None:
        raise Http404(_("找不到该接待日。"))
    return session


@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_or_404(pk)
    is_open = services.booking_is_open(session)
    form = BookingForm(request.POST or None, session=session)
    error = ""
    status = 200
    if request.method == "POST" and is_open:
        if form.is_valid():
            data = form.cleaned_data
            phone_key = "".join(ch for ch in data["phone"] if ch.isdigit())[-11:]
            if data["website"]:
                # A bot filled the honeypot: answer like a refusal, store nothing.
                error, status = _("提交失败，请稍后再试。"), 400
            elif not _allowed("book_ip", ratelimit.client_ip(request)) or not _allowed(
                "book_phone", phone_key
            ):
                error, status = _("提交过于频繁，请稍后再试。"), 429
            else:
                try:
                    booking = services.booking_create(
                        session=session,
                        citizen_name=data["citizen_name"],
                        phone=data["phone"],
                        id_number=data["id_number"],
                        matter=data["matter"],
                        preferred_time=data["preferred_time"],
                        request=request,
                    )
                except ValidationError as exc:
                    for field, messages in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, messages)
                    status = 400
                except services.BookingRefused as exc:
                    error, status = str(exc.message), exc.status
                else:
                    request.session[CONFIRM_KEY] = booking.pk
                    return redirect("reception:booked")
        else:
            status = 400
    elif request.method == "POST":
        error, status = _("该接待日目前不接受预约。"), 409
    return render(
        request,
        "reception/book.html",
        {"session": session, "form": form, "is_open": is_open, "error": error},
        status=status,
    )


def booked(request: HttpRequest) -> HttpResponse:
    from gongkai.hotline.reception.models import ReceptionBooking

    pk = request.session.get(CONFIRM_KEY)
    booking = (
        ReceptionBooking.objects.select_related("session", "session__department").filter(pk=pk).first()
        if pk is not None
        else None
    )
    if booking is None:
        return redirect("reception:lookup")
    return render(
        request, "reception/booked.html", {"booking": booking, "masked": selectors.booking_masked(booking)}
    )


@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    form = LookupForm(request.POST or None)
    booking = None
    error = ""
    message = ""
    status = 200
    if request.method == "POST":
        if not form.is_valid() or form.cleaned_data.get("website"):
            error, status = _("请填写预约码和手机号码。"), 400
        else:
            data = form.cleaned_data
            phone_key = "".join(ch for ch in data["phone"] if ch.isdigit())[-11:]
            if not _allowed("lookup_ip", ratelimit.client_ip(request)) or not _allowed(
                "lookup_phone", phone_key
            ):
                error, status = _("查询过于频繁，请稍后再试。"), 429
            elif request.POST.get("action") == "cancel":
                try:
                    booking = services.booking_cancel(
                        code=data["code"], phone=data["phone"], reason=_("群众网上取消"), request=request
                    )
                    message = _("预约已取消，名额已释放。")
                except services.BookingRefused as exc:
                    error, status = str(exc.message), exc.status
                    booking = services.booking_lookup(code=data["code"], phone=data["phone"])
            else:
                booking = services.booking_lookup(code=data["code"], phone=data["phone"])
                if booking is None:
                    error, status = _("预约码或手机号码不正确。"), 404
    can_cancel = bool(
        booking is not None
        and booking.status == BookingStatus.BOOKED
        and services.session_starts_at(booking.session) > timezone.now()
    )
    return render(
        request,
        "reception/lookup.html",
        {
            "form": form,
            "booking": booking,
            "masked": selectors.booking_masked(booking) if booking else None,
            "error": error,
            "message": message,
            "can_cancel": can_cancel,
        },
        status=status,
    )
