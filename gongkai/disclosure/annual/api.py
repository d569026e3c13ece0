"""The annual reports in the REST API, under /api/v1/disclosure/annual-reports/.

- ``GET /`` lists the reports the caller may see (``year``, ``status`` filters);
  ``POST /`` creates a draft (``{"year", "department": code or null}``; null: the city
  government's consolidated report), its sections prefilled;
- ``GET /data?year=&department=`` the report data (``compute.report_data``: sections, Tables 2–4,
  checks) of any agency and year, whether or not a report exists;
- ``GET /figures?year=&department=`` and ``PUT /figures`` the Table 2 figures entered for a year;
  ``POST /figures/import`` imports them from CSV text (``importing``);
- ``GET /{id}`` a report with its data (frozen once released); ``PATCH /{id}`` edits the sections
  of a draft; ``POST /{id}/release`` releases it (409 ``checks_failed`` with the failing cells in
  ``details.checks``); ``POST /{id}/withdraw`` takes it back to draft;
- ``GET /{id}/docx`` and ``/{id}/pdf`` download it (a draft's files are made now and marked 草稿).

Staff only, department isolation: a department's clerks see and edit their department's report;
the consolidated report and releasing are for the city's disclosure office. No ``from __future__
import annotations``: django-ninja needs the real annotations.
"""

import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja import Status as Reply

from gongkai.accounts.models import Department
from gongkai.api.errors import ApiError, NotFound, PermissionDenied
from gongkai.api.types import StorableSchema
from gongkai.core.audit.services import audit_record
from gongkai.disclosure.annual import compute, selectors, services
from gongkai.disclosure.annual.models import AnnualReport

router = Router(tags=["disclosure-annual-reports"])


class ReportFilter(StorableSchema):
    year: int | None = Field(None, ge=2019, le=9999)
    status: Literal["draft", "released"] | None = None


class AgencyQuery(StorableSchema):
    year: int = Field(..., ge=1, le=9999, description="报告年度")
    department: str | None = Field(None, max_length=50, description="机构代码；不填为市人民政府（全市汇总）")


class ReportCreateIn(StorableSchema):
    year: int = Field(..., ge=1, le=9999)
    department: str | None = Field(None, max_length=50, description="机构代码；null 为市人民政府")


class ReportPatchIn(StorableSchema):
    overview: str | None = Field(None, max_length=services.MAX_SECTION_CHARS)
    proactive_intro: str | None = Field(None, max_length=services.MAX_SECTION_CHARS)
    applications_intro: str | None = Field(None, max_length=services.MAX_SECTION_CHARS)
    reviews_intro: str | None = Field(None, max_length=services.MAX_SECTION_CHARS)
    problems: str | None = Field(None, max_length=services.MAX_SECTION_CHARS)
    other_matters: str | None = Field(None, max_length=services.MAX_SECTION_CHARS)


class FigureIn(StorableSchema):
    block: str = Field(..., max_length=20)
    row: str = Field(..., max_length=40)
    column: str = Field(..., max_length=40)
    value: float | str | None = Field(None, description="件数或金额（万元）；空值删除该数据")


class FiguresIn(StorableSchema):
    year: int = Field(..., ge=1, le=9999)
    department: str | None = Field(None, max_length=50)
    figures: list[FigureIn] = Field(..., max_length=500)


class FiguresImportIn(StorableSchema):
    year: int = Field(..., ge=1, le=9999)
    department: str | None = Field(None, max_length=50, description="未写机关代码的行归属的机构")
    csv: str = Field(..., max_length=1_000_000)


class WithdrawIn(StorableSchema):
    reason: str = Field(..., max_length=500)


class FigureOut(Schema):
    block: str
    row: str
    column: str
    label: str
    value: float
    source: str
    updated_at: datetime.datetime


class ReportSummaryOut(Schema):
    id: int
    year: int
    format: str
    agency: dict[str, Any]
    title: str
    status: str
    status_label: str
    released_at: datetime.datetime | None
    released_by: str | None
    updated_at: datetime.datetime
    docx_url: str
    pdf_url: str


class ReportDetailOut(ReportSummaryOut):
    sections: dict[str, str]
    data: dict[str, Any]
    actions: list[str]


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _name(user: Any) -> str | None:
    if user is None:
        return None
    return str(user.get_full_name() or user.get_username())


def _department(code: str | None) -> Department | None:
    code = (code or "").strip()
    if not code:
        return None
    department = selectors.department_by_code(code)
    if department is None:
        raise ApiError(
            _("没有代码为“%(code)s”的机构。") % {"code": code},
            code="validation_error",
            status=422,
            details={"department": [_("不存在。")]},
        )
    return department


def _year(year: int) -> int:
    if year < 2019:
        raise ApiError(
            _("年度报告按现行格式从 2019 年度开始，年度不能早于 2019 年。"),
            code="validation_error",
            status=422,
            details={"year": [_("不能早于 2019 年。")]},
        )
    return year


def _summary(report: AnnualReport) -> dict[str, Any]:
    agency = compute.agency_of(report.department)
    base = f"/api/v1/disclosure/annual-reports/{report.pk}"
    return {
        "id": report.pk,
        "year": report.year,
        "format": report.format_code,
        "agency": agency,
        "title": compute.report_title(agency_name=agency["name"], year=report.year),
        "status": report.status,
        "status_label": str(report.get_status_display()),
        "released_at": report.released_at,
        "released_by": _name(report.released_by),
        "updated_at": report.updated_at,
        "docx_url": f"{base}/docx",
        "pdf_url": f"{base}/pdf",
    }


def _actions(report: AnnualReport, user: Any) -> list[str]:
    department = report.department
    if report.is_released:
        return ["withdraw"] if selectors.may(user, "release", department) else []
    actions = []
    if selectors.may(user, "change", department):
        actions.append("edit")
    if selectors.may(user, "figures", department):
        actions.append("figures")
    if selectors.may(user, "release", department):
        actions.append("release")
    return actions


def _detail(report: AnnualReport, user: Any) -> dict[str, Any]:
    return {
        **_summary(report),
        "sections": {name: getattr(report, name) for name in AnnualReport.SECTION_FIELDS},
        "data": selectors.report_data(report),
        "actions": _actions(report, user),
    }


def _access(request: HttpRequest, report_id: int) -> tuple[AnnualReport, Any]:
    user = _user(request)
    report = AnnualReport.objects.select_related("department", "released_by").filter(pk=report_id).first()
    if report is None or not selectors.may(user, "view", report.department):
        raise NotFound()
    return report, user


@router.get("/", response=list[ReportSummaryOut], summary="年度报告列表 / Annual reports")
def report_list(request: HttpRequest, filters: Query[ReportFilter]):
    user = _user(request)
    if not user.has_perm("disclosure_annual.view_annualreport"):
        raise PermissionDenied()
    reports = selectors.reports_visible(user)
    if filters.year is not None:
        reports = reports.filter(year=filters.year)
    if filters.status is not None:
        reports = reports.filter(status=filters.status)
    return [_summary(report) for report in reports[:500]]


@router.post("/", response={201: ReportDetailOut}, summary="新建年度报告 / Create a draft")
def report_create(request: HttpRequest, payload: ReportCreateIn):
    user = _user(request)
    department = _department(payload.department)
    report = services.report_create(
        year=_year(payload.year), department=department, actor=user, request=request
    )
    return Reply(201, _detail(report, user))


@router.get("/data", response=dict[str, Any], summary="年度报告数据 / The report data of an agency and year")
def report_data(request: HttpRequest, query: Query[AgencyQuery]):
    user = _user(request)
    department = _department(query.department)
    year = _year(query.year)
    if not selectors.may(user, "view", department):
        raise PermissionDenied()
    report = selectors.report_get(year=year, department=department)
    if report is not None:
        return selectors.report_data(report)
    return compute.report_data(year=year, department=department)


def _figures_out(year: int, department: Department | None) -> list[dict[str, Any]]:
    return [
        {
            "block": figure.block,
            "row": figure.row,
            "column": figure.column,
            "label": services.figure_label(year, (figure.block, figure.row, figure.column)),
            "value": float(figure.value),
            "source": figure.source,
            "updated_at": figure.updated_at,
        }
        for figure in selectors.figures_for(year=year, department=department)
    ]


@router.get("/figures", response=list[FigureOut], summary="表二填报数据 / Table 2 figures entered")
def figures_list(request: HttpRequest, query: Query[AgencyQuery]):
    user = _user(request)
    department = _department(query.department)
    year = _year(query.year)
    if not selectors.may(user, "view", department):
        raise PermissionDenied()
    return _figures_out(year, department)


@router.put("/figures", response=list[FigureOut], summary="填报表二数据 / Enter Table 2 figures")
def figures_put(request: HttpRequest, payload: FiguresIn):
    user = _user(request)
    department = _department(payload.department)
    year = _year(payload.year)
    services.figures_save(
        year=year,
        department=department,
        figures=[item.dict() for item in payload.figures],
        actor=user,
        request=request,
    )
    return _figures_out(year, department)


@router.post(
    "/figures/import", response=dict[str, int], summary="导入表二数据 / Import Table 2 figures (CSV)"
)
def figures_import(request: HttpRequest, payload: FiguresImportIn):
    user = _user(request)
    department = _department(payload.department)
    if not selectors.may(user, "figures", department):
        raise PermissionDenied()
    return services.figures_import_csv(
        year=_year(payload.year), text=payload.csv, department=department, actor=user, request=request
    )


@router.get("/{report_id}", response=ReportDetailOut, summary="年度报告详情 / One report")
def report_detail(request: HttpRequest, report_id: int):
    report, user = _access(request, report_id)
    return _detail(report, user)


@router.patch("/{report_id}", response=ReportDetailOut, summary="修改报告内容 / Edit a draft's sections")
def report_patch(request: HttpRequest, report_id: int, payload: ReportPatchIn):
    report, user = _access(request, report_id)
    report = services.report_update_sections(
        report=report, actor=user, sections=payload.dict(exclude_none=True), request=request
    )
    return _detail(report, user)


@router.post("/{report_id}/release", response=ReportDetailOut, summary="发布年度报告 / Release")
def report_release(request: HttpRequest, report_id: int):
    """409 ``checks_failed`` while a consistency rule fails; ``details.checks`` lists the cells."""
    report, user = _access(request, report_id)
    return _detail(services.report_release(report=report, actor=user, request=request), user)


@router.post("/{report_id}/withdraw", response=ReportDetailOut, summary="撤回年度报告 / Withdraw")
def report_withdraw(request: HttpRequest, report_id: int, payload: WithdrawIn):
    report, user = _access(request, report_id)
    return _detail(
        services.report_withdraw(report=report, actor=user, reason=payload.reason, request=request), user
    )


CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _download(request: HttpRequest, report_id: int, fmt: str) -> HttpResponse:
    from gongkai.opinion.reports.fonts import FontMissing

    report, user = _access(request, report_id)
    stored = getattr(report, fmt)
    if report.is_released and stored:
        with stored.open("rb") as handle:
            content = handle.read()
    else:
        from gongkai.disclosure.annual import render

        data = selectors.report_data(report)
        try:
            renderer = render.render_pdf if fmt == "pdf" else render.render_docx
            content = renderer(data, draft=not report.is_released)
        except FontMissing as exc:
            raise ApiError(str(exc), code="font_missing", status=503) from exc
    audit_record(
        actor=user, action="annual_report.downloaded", target=report, new={"format": fmt}, request=request
    )
    agency = compute.agency_of(report.department)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = (
        f'attachment; filename="annual-report-{report.year}-{agency["code"]}.{fmt}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@router.get("/{report_id}/pdf", response={200: None}, summary="下载 PDF / Download as PDF")
def report_pdf(request: HttpRequest, report_id: int):
    return _download(request, report_id, "pdf")


@router.get("/{report_id}/docx", response={200: None}, summary="下载 DOCX / Download as DOCX")
def report_docx(request: HttpRequest, report_id: int):
    return _download(request, report_id, "docx")
