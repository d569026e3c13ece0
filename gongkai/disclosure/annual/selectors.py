"""Reads of the annual reports: who may see and do what, which reports exist, their data.

Rules: a department's report is for the disclosure staff of that department (and the departments
above it) and for the city's disclosure office; the city government's consolidated report
(``department`` null) is for city-wide staff only. Released reports are public (the portal).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from gongkai.accounts.access import can_access_department, scope_queryset
from gongkai.accounts.models import Department
from gongkai.accounts.roles import user_is_city_wide
from gongkai.disclosure.annual.models import AnnualReport, ProactiveFigure, ReportStatus


def today() -> datetime.date:
    """Today in Asia/Shanghai."""
    return timezone.localdate()


def may_access_agency(user: Any, department: Department | None) -> bool:
    """Whether ``user`` may work on the report of ``department`` (None: the city government's)."""
    if department is None:
        return user_is_city_wide(user)
    return can_access_department(user, department)


def may(user: Any, action: str, department: Department | None) -> bool:
    """``action``: view, add, change (the report), figures (enter Table 2 figures), release."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    permission = {
        "view": "disclosure_annual.view_annualreport",
        "add": "disclosure_annual.add_annualreport",
        "change": "disclosure_annual.change_annualreport",
        "figures": "disclosure_annual.change_proactivefigure",
        "release": "disclosure_annual.release_annualreport",
    }[action]
    return bool(user.has_perm(permission)) and may_access_agency(user, department)


def reports_visible(user: Any) -> QuerySet[AnnualReport]:
    """The reports ``user`` may see as staff (department isolation; consolidated: city-wide only)."""
    if user is None or not user.has_perm("disclosure_annual.view_annualreport"):
        return AnnualReport.objects.none()
    reports = AnnualReport.objects.select_related("department", "released_by")
    return scope_queryset(user, reports)


def report_get(*, year: int, department: Department | None) -> AnnualReport | None:
    return AnnualReport.objects.filter(year=year, department=department).select_related("department").first()


def released_reports() -> QuerySet[AnnualReport]:
    """What the portal lists: released reports, newest year first, the government's first."""
    return (
        AnnualReport.objects.filter(status=ReportStatus.RELEASED)
        .select_related("department")
        .order_by("-year", "department__path", "pk")
    )


def report_data(report: AnnualReport) -> dict[str, Any]:
    """The report's data: frozen at release, computed fresh for a draft."""
    if report.is_released and report.snapshot:
        return report.snapshot
    from gongkai.disclosure.annual import compute

    return compute.report_data(year=report.year, department=report.department, report=report)


def figures_for(*, year: int, department: Department | None) -> QuerySet[ProactiveFigure]:
    return ProactiveFigure.objects.filter(year=year, department=department).order_by("block", "row", "column")


def department_by_code(code: str) -> Department | None:
    return Department.objects.filter(code=code).first()


def report_deadline(*, year: int, consolidated: bool) -> datetime.date:
    """条例第四十九条: departments by 31 January, the government by 31 March of the next year."""
    return datetime.date(year + 1, 3, 31) if consolidated else datetime.date(year + 1, 1, 31)
