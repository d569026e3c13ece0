"""The KPI page's filter and rows: the seven rates of the core KPI selectors, scoped to the user."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongkai.accounts.access import visible_departments
from gongkai.accounts.models import Department
from gongkai.accounts.roles import user_is_city_wide
from gongkai.hotline import selectors
from gongkai.hotline.workspace.forms import DepartmentChoiceField

DEFAULT_DAYS = 30

RATES = [
    ("on_time_sign_for_rate", _("按时签收率"), "signed_on_time", "sign_for_due"),
    ("on_time_closure_rate", _("按时办结率"), "replied_on_time", "reply_due"),
    ("callback_rate", _("回访率"), "called_back", "reply_approved"),
    ("satisfaction_rate", _("满意率"), "satisfied", "rated"),
    ("reopen_rate", _("重办率"), "reopened", "orders"),
    ("return_rate", _("退单率"), "returned", "orders"),
    ("first_contact_resolution_rate", _("一次性解决率"), "first_contact", "orders"),
]
#: Rates where lower is better (shown without the "good" colour when high).
LOWER_IS_BETTER = {"reopen_rate", "return_rate"}


def city_wide(user: Any) -> bool:
    return bool(user.is_superuser or user_is_city_wide(user))


class KpiFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("受理日期自"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    department = DepartmentChoiceField(
        label=_("单位（含下级）"), required=False, queryset=Department.objects.none(), empty_label=_("全市")
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        cast(forms.ModelChoiceField, self.fields["department"]).queryset = visible_departments(user).order_by(
            "path"
        )
        if not city_wide(user):
            cast(forms.ModelChoiceField, self.fields["department"]).empty_label = None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("起始日期不能晚于截止日期。"))
        return data

    def range_and_department(self) -> tuple[datetime.date, datetime.date, Department | None]:
        today = timezone.localdate()
        start = today - datetime.timedelta(days=DEFAULT_DAYS - 1)
        end = today
        department = None
        if self.is_bound and self.is_valid():
            start = self.cleaned_data.get("date_from") or start
            end = self.cleaned_data.get("date_to") or end
            department = self.cleaned_data.get("department")
        if start > end:
            start, end = end, start
        if department is None and not city_wide(self.user):
            # A department's staff see their own unit (and the units under it), never the city's.
            department = getattr(self.user, "department", None)
        return start, end, department


def _rates(kpi: selectors.Kpi) -> list[dict[str, Any]]:
    rows = []
    for name, label, part, whole in RATES:
        value = getattr(kpi, name)
        rows.append(
            {
                "name": name,
                "label": label,
                "value": value,
                "percent": None if value is None else round(value * 100, 1),
                "part": getattr(kpi, part),
                "whole": getattr(kpi, whole),
                "lower_is_better": name in LOWER_IS_BETTER,
            }
        )
    return rows


def kpi_rows(*, user: Any, start: datetime.date, end: datetime.date, department: Department | None) -> dict:
    """The rates of the chosen unit (with its subtree) and, for the city, a table per lead department."""
    kpi = selectors.kpi_for_department(department=department, start=start, end=end, include_descendants=True)
    table = []
    if department is None and city_wide(user):
        by_department = selectors.kpi_by_department(start=start, end=end)
        names = {d.pk: d for d in Department.objects.filter(pk__in=list(by_department))}
        for pk, row in sorted(by_department.items(), key=lambda item: -item[1].orders)[:40]:
            if pk in names:
                table.append({"department": names[pk], "orders": row.orders, "rates": _rates(row)})
    return {
        "kpi": kpi,
        "rates": _rates(kpi),
        "table": table,
        "rate_labels": [label for _n, label, _p, _w in RATES],
    }
