"""Staff pages of the annual reports in the Wagtail admin (政府信息公开 › 年度报告).

* the list of the reports the user may see (department isolation: a clerk sees their
  department's, the disclosure office every one), with whether the consistency checks pass, and
  the form to create a draft (a clerk: their own department; the office: the city government's
  consolidated report or any department's);
* one report: the tables computed now (a draft) or as released, the failing cells highlighted and
  the checks' messages listed, release and withdrawal, downloads (DOCX, PDF, HTML);
* the narrative sections; the Table 2 figures (a form made from the year's Table 2 blocks, with
  the computed counts shown, a CSV import, and a live preview of Table 2 and its checks).

Thin views: a permission check, one selector or service, a template. Every write goes through
``services`` (which checks permissions and departments again and audits).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Max, Sum
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongkai.api.errors import ApiError
from gongkai.core.audit.services import audit_record
from gongkai.core.parsing import parse_id
from gongkai.disclosure.annual import checks, compute, forms, render, schema, selectors, services
from gongkai.disclosure.annual.models import AnnualReport, FigureSource, ProactiveFigure, ReportStatus

#: How long the list keeps a draft's check result (the data changes with the applications).
CHECKS_CACHE_SECONDS = 120
PER_PAGE = 30
DOWNLOADS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
}
SOURCE_LABELS: dict[str, Any] = {
    FigureSource.ENTERED: FigureSource.ENTERED.label,
    FigureSource.IMPORTED: FigureSource.IMPORTED.label,
    FigureSource.COMPUTED: FigureSource.COMPUTED.label,
}


class Denied(Exception):
    """The user may not open annual reports at all: a plain 403 page."""


def may_open(user: Any) -> bool:
    """Whether the 年度报告 pages (and menu item) are for ``user``."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.has_perm("disclosure_annual.view_annualreport")
    )


def annual_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            if not may_open(request.user):
                raise Denied
            return view(request, *args, **kwargs)
        except Denied:
            return TemplateResponse(
                request, "disclosure_annual/admin/forbidden.html", {"header_title": _("无权访问")}, status=403
            )

    return wrapper


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(str(m) for m in exc.messages)
    if isinstance(exc, ApiError):
        return str(exc.message)
    return str(exc)


def _report(request: HttpRequest, pk: Any) -> AnnualReport:
    """The report, if the user may see it; missing and out of scope answer the same 404."""
    report_id = parse_id(pk)
    report = (
        AnnualReport.objects.select_related("department", "released_by", "updated_by")
        .filter(pk=report_id)
        .first()
        if report_id
        else None
    )
    if report is None or not selectors.may(request.user, "view", report.department):
        raise Http404("annual report")
    return report


def _agency(report: AnnualReport) -> str:
    return str(compute.agency_of(report.department)["name"])


def _title(report: AnnualReport) -> str:
    return compute.report_title(agency_name=_agency(report), year=report.year)


def _actions(report: AnnualReport, user: Any) -> set[str]:
    department = report.department
    if report.is_released:
        return {"withdraw"} if selectors.may(user, "release", department) else set()
    actions = set()
    if selectors.may(user, "change", department):
        actions.add("edit")
    if selectors.may(user, "figures", department):
        actions.add("figures")
    if selectors.may(user, "release", department):
        actions.add("release")
    return actions


def _failures_count(report: AnnualReport, figures_stamp: Any = None) -> int | None:
    """How many checks fail on a draft (cached a little: the list shows many), 0 for a released one.

    The cache key holds the report's and the newest figure's change times, so an edit shows at
    once; new applications show within ``CHECKS_CACHE_SECONDS``.
    """
    if report.is_released:
        return 0
    stamp = figures_stamp.timestamp() if figures_stamp else 0
    key = f"gongkai:disclosure-annual:failures:{report.pk}:{report.updated_at.timestamp()}:{stamp}"
    count = cache.get(key)
    if count is None:
        try:
            data = selectors.report_data(report)
        except Exception:  # the list must show even if one report's data cannot be computed
            return None
        count = len(checks.failures(data["checks"]))
        cache.set(key, count, CHECKS_CACHE_SECONDS)
    return int(count)


# --- The list and creating a draft -------------------------------------------------------------


@annual_view
def report_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    create_form = forms.ReportCreateForm(request.POST or None, user=user)
    may_create = bool(forms.agency_choices(user))
    if request.method == "POST":
        if not may_create:
            raise Denied
        if create_form.is_valid():
            try:
                report = services.report_create(
                    year=create_form.cleaned_data["year"],
                    department=create_form.department(),
                    actor=user,
                    request=request,
                )
            except ValidationError as exc:
                create_form.add_error(
                    "year" if "year" in getattr(exc, "error_dict", {}) else None, exc.messages
                )
            except ApiError as exc:
                create_form.add_error(None, _error_text(exc))
            else:
                messages.success(request, _("已创建年度报告草稿，各部分已按统计数据预填。"))
                return redirect("disclosure_annual_admin:detail", pk=report.pk)
    year = parse_id(request.GET.get("year") or "")
    status = request.GET.get("status", "")
    reports = (
        selectors.reports_visible(user)
        .defer("snapshot")
        .order_by("-year", F("department").asc(nulls_first=True), "department__path", "pk")
    )
    if year:
        reports = reports.filter(year=year)
    if status in ReportStatus.values:
        reports = reports.filter(status=status)
    page = Paginator(reports, PER_PAGE).get_page(request.GET.get("page"))
    figures_stamp = ProactiveFigure.objects.filter(year__in={r.year for r in page}).aggregate(
        latest=Max("updated_at")
    )["latest"]
    rows = [
        {
            "report": report,
            "agency": _agency(report),
            "format": schema.format_for_year(report.year),
            "failures": _failures_count(report, figures_stamp),
            "deadline": selectors.report_deadline(
                year=report.year, consolidated=report.department_id is None
            ),
        }
        for report in page
    ]
    years = sorted(set(selectors.reports_visible(user).values_list("year", flat=True)), reverse=True)
    context = {
        "header_title": _("政府信息公开工作年度报告"),
        "page": page,
        "rows": rows,
        "years": years,
        "year": year,
        "status": status,
        "statuses": ReportStatus.choices,
        "create_form": create_form,
        "may_create": may_create,
    }
    return TemplateResponse(
        request, "disclosure_annual/admin/list.html", context, status=400 if create_form.errors else 200
    )


# --- One report ------------------------------------------------------------------------------------


@annual_view
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    report = _report(request, pk)
    data = selectors.report_data(report)
    failures = checks.failures(data.get("checks") or [])
    actions = _actions(report, user)
    context = {
        "header_title": _title(report),
        "report": report,
        "agency": _agency(report),
        "format": schema.format_for_year(report.year),
        "deadline": selectors.report_deadline(year=report.year, consolidated=report.department_id is None),
        "failures": failures,
        "checks_total": len(data.get("checks") or []),
        "preview": render.render_html(data, standalone=False, draft=not report.is_released),
        "actions": actions,
        "withdraw_form": forms.WithdrawForm() if "withdraw" in actions else None,
        "public_url": _public_url(report) if report.is_released else None,
    }
    return TemplateResponse(request, "disclosure_annual/admin/detail.html", context)


def _public_url(report: AnnualReport) -> str:
    from gongkai.disclosure.annual.views import report_urls

    return report_urls(report)["url"]


@annual_view
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    report = _report(request, pk)
    if "edit" not in _actions(report, user):
        messages.error(request, _("该报告已发布或您无权修改；如需修改请先撤回。"))
        return redirect("disclosure_annual_admin:detail", pk=report.pk)
    form = forms.SectionsForm(request.POST or None, report=report)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_update_sections(
                report=report, actor=user, sections=form.sections(), request=request
            )
        except ValidationError as exc:
            for name, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                form.add_error(name if name in form.fields else None, errors)
        except ApiError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("已保存。"))
            return redirect("disclosure_annual_admin:detail", pk=report.pk)
    context = {
        "header_title": _("编辑报告正文：%(title)s") % {"title": _title(report)},
        "report": report,
        "form": form,
    }
    return TemplateResponse(
        request, "disclosure_annual/admin/edit.html", context, status=400 if form.errors else 200
    )


# --- Table 2 figures ----------------------------------------------------------------------------


def _entered(report: AnnualReport) -> dict[tuple[str, str, str], ProactiveFigure]:
    return {
        (f.block, f.row, f.column): f
        for f in selectors.figures_for(year=report.year, department=report.department)
    }


def _fallbacks(report: AnnualReport) -> dict[tuple[str, str, str], Any]:
    """What a Table 2 cell shows without an entered figure: the count of the published policy
    documents (第二十条第（一）项), or for the city government the departments' sum."""
    fmt = schema.format_for_year(report.year)
    out: dict[tuple[str, str, str], Any] = {}
    counts = compute.document_counts(year=report.year, department=report.department, fmt=fmt)
    for row, columns in counts.items():
        for column, value in columns.items():
            out[("item1", row, column)] = value
    if report.department_id is None:
        sums = (
            ProactiveFigure.objects.filter(year=report.year, department__isnull=False)
            .values("block", "row", "column")
            .annotate(total=Sum("value"))
            .order_by()
        )
        for entry in sums:
            key = (entry["block"], entry["row"], entry["column"])
            if key not in out:
                out[key] = entry["total"]
    return out


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _with_figures(
    report: AnnualReport, figures: list[dict[str, Any]], data: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The report's data as it would be with the figures of the form (not saved): Table 2's cells
    replaced and the checks run again."""
    data = copy.deepcopy(data) if data is not None else selectors.report_data(report)
    fallbacks = _fallbacks(report)
    given = {(f["block"], f["row"], f["column"]): f["value"] for f in figures}
    for table in data.get("tables") or []:
        if table.get("code") != "table2":
            continue
        for block in table.get("blocks") or []:
            codes = block.get("column_codes") or []
            for row in block.get("rows") or []:
                cells = list(row.get("cells") or [])
                for index, column in enumerate(codes):
                    key = (block["code"], row["code"], column)
                    if key not in given or index >= len(cells):
                        continue
                    text = str(given[key] or "").strip().replace(",", "")
                    if text:
                        try:
                            cells[index] = float(text) if "." in text else int(text)
                        except ValueError:
                            cells[index] = text
                    else:
                        cells[index] = _number(fallbacks.get(key, 0))
                row["cells"] = cells
    previous = None
    if schema.format_for_year(report.year).code == "2021":
        previous = compute.in_force_counts(year=report.year - 1, department=report.department)
    try:
        data["checks"] = checks.run(data, previous_in_force=previous)
    except TypeError:  # a figure that is not a number: the form says so, the checks wait for it
        data["checks"] = []
    return data


def _table2_preview(data: dict[str, Any]) -> dict[str, Any]:
    fmt = render.report_format(data)
    table = fmt.table("table2")
    table_data = next((t for t in data.get("tables") or [] if t.get("code") == "table2"), None)
    grid = render.table_grid(table, table_data, data.get("checks") or [])
    failures = checks.failures(data.get("checks") or [])
    context = {
        "failures": [f["message"] for f in failures if f.get("table") == "table2"],
        "other_failures": len([f for f in failures if f.get("table") != "table2"]),
    }
    return {
        **context,
        "html": render_to_string("disclosure_annual/_grid.html", {"grid": grid}),
        "checks_html": render_to_string("disclosure_annual/admin/_live_checks.html", context),
    }


def _figure_blocks(
    report: AnnualReport, form: forms.FiguresForm, data: dict[str, Any]
) -> list[dict[str, Any]]:
    """The form's fields laid out as Table 2: block by block, a row per row, a cell per column,
    each with the value it has in the report now and where that comes from."""
    current: dict[tuple[str, str, str], tuple[Any, str]] = {}
    for table in data.get("tables") or []:
        if table.get("code") != "table2":
            continue
        for block in table.get("blocks") or []:
            codes = block.get("column_codes") or []
            for row in block.get("rows") or []:
                sources = row.get("sources") or [""] * len(codes)
                for column, value, source in zip(codes, row.get("cells") or [], sources, strict=False):
                    current[(block["code"], row["code"], column)] = (value, source)
    fallbacks = _fallbacks(report)
    blocks: list[dict[str, Any]] = []
    by_block: dict[str, dict[str, Any]] = {}
    for cell in form.cells:
        entry = by_block.get(cell.block.code)
        if entry is None:
            entry = {"block": cell.block, "columns": cell.block.columns(), "rows": {}}
            by_block[cell.block.code] = entry
            blocks.append(entry)
        row = entry["rows"].setdefault(cell.row.code, {"row": cell.row, "cells": []})
        value, source = current.get(cell.key, (None, ""))
        fallback = fallbacks.get(cell.key)
        entry_source = str(SOURCE_LABELS.get(source, _("未填报（按 0 计）")))
        if source == FigureSource.COMPUTED and report.department_id is None and cell.block.code != "item1":
            entry_source = _("各部门合计")
        elif source == "computed":
            entry_source = _("按已发布文件统计")
        row["cells"].append(
            {
                "field": form[cell.name],
                "value": render.format_value(value),
                "source": entry_source,
                "fallback": None if fallback is None else render.format_value(fallback),
            }
        )
    for entry in blocks:
        entry["rows"] = list(entry["rows"].values())
    return blocks


@annual_view
def report_figures(request: HttpRequest, pk: int) -> HttpResponse:
    """Table 2's figures: enter or correct them, import a CSV, preview the table and its checks."""
    user = request.user
    report = _report(request, pk)
    if "figures" not in _actions(report, user):
        messages.error(request, _("该报告已发布或您无权填报；如需修改请先撤回。"))
        return redirect("disclosure_annual_admin:detail", pk=report.pk)
    entered = {key: figure.value for key, figure in _entered(report).items()}
    form = forms.FiguresForm(request.POST or None, year=report.year, entered=entered)
    import_form = forms.FiguresImportForm()
    data = selectors.report_data(report)
    status = 200
    preview: dict[str, Any] | None = None
    if request.method == "POST":
        if form.is_valid():
            if "preview" in request.POST:
                preview = _table2_preview(_with_figures(report, form.figures(), data))
            else:
                try:
                    services.figures_save(
                        year=report.year,
                        department=report.department,
                        figures=form.figures(),
                        actor=user,
                        request=request,
                    )
                except ValidationError as exc:
                    form.add_service_errors(exc)
                except ApiError as exc:
                    form.add_error(None, _error_text(exc))
                else:
                    messages.success(request, _("表二数据已保存。"))
                    return redirect("disclosure_annual_admin:figures", pk=report.pk)
        if form.errors:
            status = 400
    if preview is None:
        shown = _with_figures(report, form.figures(), data) if form.is_bound and form.is_valid() else data
        preview = _table2_preview(shown)
    context = {
        "header_title": _("表二数据：%(title)s") % {"title": _title(report)},
        "report": report,
        "form": form,
        "blocks": _figure_blocks(report, form, data),
        "import_form": import_form,
        "preview": preview,
    }
    return TemplateResponse(request, "disclosure_annual/admin/figures.html", context, status=status)


@annual_view
@require_POST
def report_figures_preview(request: HttpRequest, pk: int) -> JsonResponse:
    """The live preview of the figures page: Table 2 and its failing checks with the typed values."""
    report = _report(request, pk)
    if "figures" not in _actions(report, request.user):
        return JsonResponse({"error": _("该报告已发布或您无权填报。")}, status=409)
    form = forms.FiguresForm(request.POST, year=report.year, entered={})
    if not form.is_valid():
        return JsonResponse({"error": _("请检查填写的数据。")}, status=400)
    return JsonResponse(_table2_preview(_with_figures(report, form.figures())))


@annual_view
@require_POST
def report_figures_import(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    report = _report(request, pk)
    if "figures" not in _actions(report, user):
        messages.error(request, _("该报告已发布或您无权填报；如需修改请先撤回。"))
        return redirect("disclosure_annual_admin:detail", pk=report.pk)
    import_form = forms.FiguresImportForm(request.POST, request.FILES)
    if import_form.is_valid():
        try:
            counts = services.figures_import_csv(
                year=report.year,
                text=import_form.cleaned_data["file"],
                actor=user,
                department=report.department,
                request=request,
            )
        except ValidationError as exc:
            lines = (
                [f"{where}：{'；'.join(errors)}" for where, errors in exc.message_dict.items()]
                if hasattr(exc, "error_dict")
                else list(exc.messages)
            )
            import_form.add_error("file", lines)
        except ApiError as exc:
            import_form.add_error("file", _error_text(exc))
        else:
            messages.success(
                request,
                _("已导入 %(figures)s 项数据（%(departments)s 个机关）。")
                % {"figures": counts["figures"], "departments": counts["departments"]},
            )
            return redirect("disclosure_annual_admin:figures", pk=report.pk)
    entered = {key: figure.value for key, figure in _entered(report).items()}
    form = forms.FiguresForm(year=report.year, entered=entered)
    data = selectors.report_data(report)
    context = {
        "header_title": _("表二数据：%(title)s") % {"title": _title(report)},
        "report": report,
        "form": form,
        "blocks": _figure_blocks(report, form, data),
        "import_form": import_form,
        "import_open": True,
        "preview": _table2_preview(data),
    }
    return TemplateResponse(request, "disclosure_annual/admin/figures.html", context, status=400)


# --- Release, withdraw, download -------------------------------------------------------------------


@annual_view
@require_POST
def report_release(request: HttpRequest, pk: int) -> HttpResponse:
    from gongkai.opinion.reports.fonts import FontMissing

    report = _report(request, pk)
    try:
        services.report_release(report=report, actor=request.user, request=request)
    except services.ChecksFailed as exc:
        failed = (exc.details or {}).get("checks") or []
        messages.error(
            request,
            _("未发布：%(n)s 项一致性校验未通过，已在下方表格中标出。") % {"n": len(failed)},
        )
    except (ApiError, ValidationError, FontMissing) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("年度报告已发布，门户网站已公布。"))
    return redirect("disclosure_annual_admin:detail", pk=report.pk)


@annual_view
@require_POST
def report_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    form = forms.WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请说明撤回的原因。"))
        return redirect("disclosure_annual_admin:detail", pk=report.pk)
    try:
        services.report_withdraw(
            report=report, actor=request.user, reason=form.cleaned_data["reason"], request=request
        )
    except (ApiError, ValidationError) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("年度报告已撤回为草稿，门户网站不再公布。"))
    return redirect("disclosure_annual_admin:detail", pk=report.pk)


@annual_view
def report_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The report as DOCX, PDF or HTML: a released one as stored, a draft made now (marked 草稿)."""
    from gongkai.opinion.reports.fonts import FontMissing

    report = _report(request, pk)
    if fmt not in DOWNLOADS:
        raise Http404("format")
    stored = getattr(report, fmt, None) if fmt != "html" else None
    if report.is_released and stored:
        with stored.open("rb") as handle:
            content = handle.read()
    else:
        data = selectors.report_data(report)
        draft = not report.is_released
        try:
            if fmt == "pdf":
                content = render.render_pdf(data, draft=draft)
            elif fmt == "docx":
                content = render.render_docx(data, draft=draft)
            else:
                content = render.render_html(data, draft=draft).encode("utf-8")
        except FontMissing as exc:
            messages.error(request, str(exc))
            return redirect("disclosure_annual_admin:detail", pk=report.pk)
    audit_record(
        actor=request.user,
        action="annual_report.downloaded",
        target=report,
        new={"format": fmt},
        request=request,
    )
    response = HttpResponse(content, content_type=DOWNLOADS[fmt])
    suffix = "" if report.is_released else _("（草稿）")
    filename = f"{_title(report)}{suffix}.{fmt}"
    from django.utils.http import content_disposition_header

    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
