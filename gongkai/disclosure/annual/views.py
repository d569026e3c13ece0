"""The portal's pages of the annual reports (政府信息公开工作年度报告), mounted at
/disclosure/annual-reports/ (``disclosure_annual`` namespace).

Only released reports are public, and only as they were released: the page shows the frozen
``snapshot`` and the downloads are the DOCX and PDF stored at release, so what a citizen reads
never changes with later data. A withdrawn report (back to draft) disappears from here.

The pages are the same for every anonymous reader, so they go into the portal's page cache
(``mark_cacheable``); saving a report bumps the cache generation (``pagecache.WATCHED_MODELS``),
so a release or withdrawal shows at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby
from pathlib import PurePath
from typing import Any

from django.db.models import F, QuerySet
from django.db.models.fields.json import KT
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from gongkai.core.pagecache import mark_cacheable
from gongkai.disclosure.annual import render as report_render
from gongkai.disclosure.annual.models import AnnualReport, ReportStatus

#: Download formats: file field and content type.
FILES = {
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "pdf": ("pdf", "application/pdf"),
}


def released_reports() -> QuerySet[AnnualReport]:
    """Every released report: newest year first, the city government's before the departments'."""
    return (
        AnnualReport.objects.filter(status=ReportStatus.RELEASED)
        .select_related("department")
        .order_by("-year", F("department").asc(nulls_first=True), "department__path", "pk")
    )


def _released(year: int, code: str | None) -> AnnualReport:
    reports = released_reports().filter(year=year)
    if code is None:
        report = reports.filter(department__isnull=True).first()
    else:
        report = reports.filter(department__code=code).first()
    if report is None or not report.snapshot:
        raise Http404("no released report")
    return report


def _listed(reports: QuerySet[AnnualReport]) -> QuerySet[AnnualReport]:
    """Reports for a list: the title and agency read out of the snapshot by the database, not the
    whole snapshot per report."""
    return reports.defer("snapshot").annotate(
        listed_title=KT("snapshot__title"), listed_agency=KT("snapshot__agency__name")
    )


def _snapshot_value(report: AnnualReport, listed: str, *keys: str) -> str:
    if hasattr(report, listed):
        return str(getattr(report, listed) or "")
    node: Any = report.snapshot or {}
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return str(node or "")


def agency_name(report: AnnualReport) -> str:
    """The agency as the released report names it (the department's name at release)."""
    name = _snapshot_value(report, "listed_agency", "agency", "name")
    if name:
        return name
    return report.department.name if report.department is not None else "吉林市人民政府"


def report_title(report: AnnualReport) -> str:
    title = _snapshot_value(report, "listed_title", "title")
    return title or f"{agency_name(report)}{report.year}年政府信息公开工作年度报告"


def report_urls(report: AnnualReport) -> dict[str, str]:
    """The public addresses of a released report: its page and its two downloads."""
    if report.department is None:
        return {
            "url": reverse("disclosure_annual:city", args=[report.year]),
            "docx_url": reverse("disclosure_annual:city_file", args=[report.year, "docx"]),
            "pdf_url": reverse("disclosure_annual:city_file", args=[report.year, "pdf"]),
        }
    code = report.department.code
    return {
        "url": reverse("disclosure_annual:department", args=[report.year, code]),
        "docx_url": reverse("disclosure_annual:department_file", args=[report.year, code, "docx"]),
        "pdf_url": reverse("disclosure_annual:department_file", args=[report.year, code, "pdf"]),
    }


def _entry(report: AnnualReport) -> dict[str, Any]:
    code = report.department.code if report.department is not None else None
    return {
        **report_urls(report),
        "report": report,
        "year": report.year,
        "code": code,
        "agency": agency_name(report),
        "title": report_title(report),
        "consolidated": report.department_id is None,
        "has_docx": bool(report.docx),
        "has_pdf": bool(report.pdf),
    }


def _by_year(reports: Iterable[AnnualReport]) -> list[tuple[int, list[dict[str, Any]]]]:
    return [(year, [_entry(r) for r in group]) for year, group in groupby(reports, key=lambda r: r.year)]


@require_safe
def report_index(request: HttpRequest) -> HttpResponse:
    """Released reports by year: the city government's first, then the departments'."""
    years = _by_year(_listed(released_reports()))
    mark_cacheable(request)
    return render(request, "disclosure_annual/portal/index.html", {"years": years, "section": "annual"})


@require_safe
def report_detail(request: HttpRequest, year: int, code: str | None = None) -> HttpResponse:
    """One released report as it was released, with its downloads and the agency's other years."""
    report = _released(year, code)
    body = report_render.render_html(report.snapshot or {}, standalone=False)
    others = _listed(released_reports()).filter(department=report.department).exclude(pk=report.pk)
    context = {
        "entry": _entry(report),
        "body": body,
        "others": [_entry(r) for r in others],
        "section": "annual",
    }
    mark_cacheable(request)
    return render(request, "disclosure_annual/portal/detail.html", context)


@require_safe
def report_file(request: HttpRequest, year: int, fmt: str, code: str | None = None) -> FileResponse:
    """The DOCX or PDF stored when the report was released."""
    if fmt not in FILES:
        raise Http404("format")
    report = _released(year, code)
    field_name, content_type = FILES[fmt]
    stored = getattr(report, field_name)
    if not stored:
        raise Http404("file")
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("file") from exc
    filename = f"{report_title(report)}.{PurePath(stored.name).suffix.lstrip('.') or fmt}"
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
