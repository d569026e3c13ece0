"""The 局长接待日 part of the staff workspace: sessions (a ModelViewSet), bookings per session,
attended / no-show, walk-ins, and the work order each visit becomes.

Access follows ``reception.access`` (the hotline office manages every session, a department's
handlers their own department's), not Django model permissions, so no role needs new permissions.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from gongkai.accounts.access import visible_departments
from gongkai.api.errors import ApiError
from gongkai.hotline.reception import access, selectors, services
from gongkai.hotline.reception.forms import CancelSessionForm, SessionForm, VisitForm, WalkInForm
from gongkai.hotline.reception.models import BookingStatus, ReceptionBooking, ReceptionSession


class ReceptionPermissionPolicy(BasePermissionPolicy):
    """Role- and department-based, like the rest of the hotline (see ``reception.access``)."""

    def user_has_permission(self, user, action):
        if action == "view":
            return access.may_use_reception(user)
        if action == "delete":
            return access.is_reception_office(user)
        if action in ("add", "change"):
            return bool(access.may_create_session(user))
        return False

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions):
        from django.contrib.auth import get_user_model

        return get_user_model().objects.none()

    def user_has_permission_for_instance(self, user, action, instance):
        if action == "view":
            return access.sessions_visible(user).filter(pk=instance.pk).exists()
        if action == "delete":
            return access.is_reception_office(user) and not instance.bookings.exists()
        return access.can_manage_session(user, instance)

    def instances_user_has_any_permission_for(self, user, actions):
        if "change" in actions or "delete" in actions:
            return access.sessions_manageable(user)
        return access.sessions_visible(user)


class SessionIndexView(generic.IndexView):
    def get_base_queryset(self):
        return access.sessions_visible(self.request.user, super().get_base_queryset()).select_related(
            "department"
        )


class _ManageableMixin:
    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        if not access.can_manage_session(self.request.user, obj):
            raise Http404
        return obj

    def get_form(self, *args, **kwargs):
        form = super().get_form(*args, **kwargs)
        if "department" in form.fields and not access.is_reception_office(self.request.user):
            form.fields["department"].queryset = visible_departments(self.request.user)
        return form


class _SessionServiceMixin:
    """Save through ``services.session_create/session_update`` (audited) and show what they refuse."""

    def _session_data(self) -> dict:
        data = self.form.cleaned_data  # type: ignore[attr-defined]
        return {name: data[name] for name in services.SESSION_FIELDS if name in data}

    def form_valid(self, form):
        try:
            return super().form_valid(form)  # type: ignore[misc]
        except (ValidationError, ApiError) as exc:
            if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, _error_text(exc))
            self.produced_error_message = self.get_error_message()  # type: ignore[attr-defined]
            return self.form_invalid(form)  # type: ignore[attr-defined]


class SessionEditView(_SessionServiceMixin, _ManageableMixin, generic.EditView):
    def save_instance(self):
        return services.session_update(
            session=self.object.pk, actor=self.request.user, request=self.request, **self._session_data()
        )


class SessionCreateView(_SessionServiceMixin, _ManageableMixin, generic.CreateView):
    def save_instance(self):
        return services.session_create(actor=self.request.user, request=self.request, **self._session_data())


class SessionDeleteView(generic.DeleteView):
    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        if not access.is_reception_office(self.request.user) or obj.bookings.exists():
            raise PermissionDenied
        return obj


class SessionViewSet(ModelViewSet):
    model = ReceptionSession
    icon = "date"
    menu_label = gettext_lazy("局长接待日")
    menu_name = "reception"
    menu_order = 310
    add_to_admin_menu = True
    url_prefix = "reception/sessions"
    form_class = SessionForm
    index_view_class = SessionIndexView
    add_view_class = SessionCreateView
    edit_view_class = SessionEditView
    delete_view_class = SessionDeleteView
    ordering = ["-date", "start_time"]
    search_fields = ["official_name", "topic", "place", "department__name"]
    list_filter = ["status", "department"]
    list_per_page = 50
    add_to_reference_index = False
    inspect_view_enabled = False
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return SessionForm

    @property
    def list_display(self):
        return [
            TitleColumn("date", label=_("接待日期"), url_name=self.get_url_name("edit"), sort_key="date"),
            Column("department", label=_("接待单位")),
            Column(
                "official", label=_("接待领导"), accessor=lambda s: f"{s.official_title} {s.official_name}"
            ),
            Column("place", label=_("地点")),
            Column("slots_text", label=_("已约/名额"), accessor=lambda s: f"{s.booked_count}/{s.slots}"),
            Column("get_status_display", label=_("状态")),
            TitleColumn(
                "bookings_link",
                label=_("预约"),
                accessor=lambda s: _("查看预约"),
                get_url=lambda s: reverse("reception_admin:bookings", args=[s.pk]),
            ),
        ]


# --- Bookings per session, and the visit actions ---------------------------------------------------


def _session_for(request, pk: int, *, manage: bool = False) -> ReceptionSession:
    queryset = access.sessions_manageable(request.user) if manage else access.sessions_visible(request.user)
    return get_object_or_404(queryset.select_related("department"), pk=pk)


def _booking_for(request, pk: int) -> ReceptionBooking:
    booking = get_object_or_404(
        access.bookings_visible(request.user).select_related("session__department"), pk=pk
    )
    if not access.can_manage_session(request.user, booking.session):
        raise PermissionDenied
    return booking


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(str(m) for messages_ in exc.message_dict.values() for m in messages_)
    return str(getattr(exc, "message", exc))


def bookings_view(request, pk: int):
    if not access.may_use_reception(request.user):
        raise PermissionDenied
    session = _session_for(request, pk)
    rows = [(b, selectors.booking_masked(b)) for b in selectors.bookings_for_session(session)]
    can_manage = access.can_manage_session(request.user, session)
    return TemplateResponse(
        request,
        "reception/admin/bookings.html",
        {
            "session": session,
            "rows": rows,
            "can_manage": can_manage,
            "walk_in_form": WalkInForm() if can_manage else None,
            "cancel_form": CancelSessionForm() if can_manage else None,
            "page_title": _("接待预约"),
            "header_title": f"{session.date:%Y-%m-%d} {session.department.display_name}",
            "BookingStatus": BookingStatus,
        },
    )


def attended_view(request, pk: int):
    booking = _booking_for(request, pk)
    form = VisitForm(request.POST or None, initial={"matter": booking.matter})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            booking = services.booking_mark_attended(
                booking=booking,
                actor=request.user,
                matter=data["matter"],
                order_type=data["order_type"],
                category=data["category"],
                notes=data["notes"],
                request=request,
            )
        except (ValidationError, ApiError) as exc:
            messages.error(request, _error_text(exc))
        else:
            assert booking.work_order is not None  # booking_mark_attended() attaches the order
            messages.success(
                request,
                _("已登记接待，生成工单 %(number)s。") % {"number": booking.work_order.tracking_number},
            )
            return redirect("reception_admin:bookings", booking.session_id)
    masked = selectors.booking_masked(booking)
    return TemplateResponse(
        request,
        "reception/admin/visit.html",
        {
            "booking": booking,
            "masked": masked,
            "form": form,
            "page_title": _("登记接待"),
            "header_title": _("登记接待"),
        },
    )


@require_POST
def no_show_view(request, pk: int):
    booking = _booking_for(request, pk)
    try:
        services.booking_mark_no_show(booking=booking, actor=request.user, request=request)
        messages.success(request, _("已标记为未到场。"))
    except (ValidationError, ApiError) as exc:
        messages.error(request, _error_text(exc))
    return redirect("reception_admin:bookings", booking.session_id)


@require_POST
def walk_in_view(request, pk: int):
    session = _session_for(request, pk, manage=True)
    form = WalkInForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "；".join(
                f"{form.fields[f].label}：{' '.join(str(m) for m in e)}" for f, e in form.errors.items()
            ),
        )
        return redirect("reception_admin:bookings", session.pk)
    data = form.cleaned_data
    try:
        booking = services.walk_in_register(
            session=session,
            actor=request.user,
            citizen_name=data["citizen_name"],
            phone=data["phone"],
            id_number=data["id_number"],
            matter=data["matter"],
            order_type=data["order_type"],
            category=data["category"],
            notes=data["notes"],
            request=request,
        )
    except (ValidationError, ApiError) as exc:
        messages.error(request, _error_text(exc))
    else:
        assert booking.work_order is not None  # walk_in_register() attaches the order
        messages.success(
            request,
            _("已登记现场来访，生成工单 %(number)s。") % {"number": booking.work_order.tracking_number},
        )
    return redirect("reception_admin:bookings", session.pk)


@require_POST
def cancel_session_view(request, pk: int):
    session = _session_for(request, pk, manage=True)
    form = CancelSessionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写取消原因。"))
        return redirect("reception_admin:bookings", session.pk)
    try:
        services.session_cancel(
            session=session, actor=request.user, reason=form.cleaned_data["reason"], request=request
        )
        messages.success(request, _("接待日已取消，已短信通知预约群众。"))
    except (ValidationError, ApiError) as exc:
        messages.error(request, _error_text(exc))
    return redirect("reception_admin:bookings", session.pk)


register_permission_policy(ReceptionSession, ReceptionPermissionPolicy(ReceptionSession))


@hooks.register("register_admin_viewset")
def register_session_viewset():
    return SessionViewSet("reception_sessions")


@hooks.register("register_admin_urls")
def register_reception_urls():
    from django.urls import include

    urls = [
        path("sessions/<int:pk>/bookings/", bookings_view, name="bookings"),
        path("sessions/<int:pk>/walk-in/", walk_in_view, name="walk_in"),
        path("sessions/<int:pk>/cancel/", cancel_session_view, name="cancel_session"),
        path("bookings/<int:pk>/attended/", attended_view, name="attended"),
        path("bookings/<int:pk>/no-show/", no_show_view, name="no_show"),
    ]
    return [path("reception/", include((urls, "reception_admin"), namespace="reception_admin"))]
