"""Staff admin pages: a year month by month, and the form to change one day (audited)."""

from __future__ import annotations

import calendar as stdlib_calendar
import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongkai.api.errors import ApiError
from gongkai.core.workcalendar import selectors, services
from gongkai.core.workcalendar.errors import CalendarNotAvailable

EDIT_PERMISSION = "workcalendar.change_calendarday"
WEEKDAY_LABELS = [
    gettext_lazy("一"),
    gettext_lazy("二"),
    gettext_lazy("三"),
    gettext_lazy("四"),
    gettext_lazy("五"),
    gettext_lazy("六"),
    gettext_lazy("日"),
]


def can_edit_calendar(user) -> bool:
    """Superusers and holders of ``workcalendar.change_calendarday`` may change days."""
    return bool(user.is_active and (user.is_superuser or user.has_perm(EDIT_PERMISSION)))


def calendar_index(request: HttpRequest) -> HttpResponse:
    return redirect("workcalendar_year", year=timezone.localdate().year)


def calendar_year(request: HttpRequest, year: int) -> HttpResponse:
    if not 1900 <= year <= 2200:
        raise Http404
    try:
        rows = {row.date: row for row in selectors.calendar_day_list(year=year)}
    except CalendarNotAvailable as exc:
        rows, missing = {}, str(exc)
    else:
        missing = ""
    months = []
    if rows:
        weeks_of = stdlib_calendar.Calendar(firstweekday=0)
        for month in range(1, 13):
            weeks = [
                [rows.get(day) if day.month == month else None for day in week]
                for week in weeks_of.monthdatescalendar(year, month)
            ]
            months.append({"number": month, "weeks": weeks})
    return TemplateResponse(
        request,
        "workcalendar/year.html",
        {
            "header_title": _("工作日历 · %(year)s 年") % {"year": year},
            "year": year,
            "months": months,
            "missing": missing,
            "weekday_labels": WEEKDAY_LABELS,
            "known_years": selectors.known_years(),
            "warning": selectors.missing_next_year_warning(today=timezone.localdate()),
            "can_edit": can_edit_calendar(request.user),
            "working_count": sum(1 for row in rows.values() if row.is_working_day),
        },
    )


class DayEditForm(forms.Form):
    is_working_day = forms.TypedChoiceField(
        label=gettext_lazy("这一天"),
        choices=[("1", gettext_lazy("上班（工作日）")), ("0", gettext_lazy("休息（非工作日）"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    holiday_name = forms.CharField(
        label=gettext_lazy("节日名称"),
        required=False,
        max_length=50,
        help_text=gettext_lazy("如“国庆节”；工作日的休息日不填则以原因作为名称。"),
    )
    reason = forms.CharField(
        label=gettext_lazy("修改原因"),
        max_length=200,
        help_text=gettext_lazy("必填，记入审计记录，如“国办发明电〔2026〕X号调整”。"),
    )


def calendar_day_edit(request: HttpRequest, day: str) -> HttpResponse:
    if not can_edit_calendar(request.user):
        raise PermissionDenied
    try:
        date = datetime.date.fromisoformat(day)
    except ValueError:
        raise Http404 from None
    try:
        row = selectors.calendar_day_list(year=date.year).get(date=date)
    except CalendarNotAvailable:
        raise Http404 from None
    initial = {"is_working_day": "1" if row.is_working_day else "0", "holiday_name": row.holiday_name}
    form = DayEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.calendar_day_update(
                day=date,
                is_working_day=form.cleaned_data["is_working_day"],
                holiday_name=form.cleaned_data["holiday_name"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
                request=request,
            )
        except ApiError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("已修改 %(date)s。") % {"date": date.isoformat()})
            return redirect("workcalendar_year", year=date.year)
    return TemplateResponse(
        request,
        "workcalendar/day_edit.html",
        {
            "header_title": _("修改 %(date)s") % {"date": date.isoformat()},
            "day": row,
            "form": form,
        },
    )
