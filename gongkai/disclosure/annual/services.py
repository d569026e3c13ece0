"""Writes of the annual reports: create, edit the sections, enter figures, release, withdraw, remind.

Every service checks the actor's permission and department (``selectors.may``), validates its
input with Chinese messages (``ValidationError``), changes everything or nothing (one
transaction), and writes an audit event. A released report refuses every change until it is
withdrawn (``ReportReleased``, 409 in the API).

Release (``report_release``) runs the consistency checks on the report's data first and refuses
while any fails (``ChecksFailed``, with the failing cells); then it freezes the data in
``snapshot`` and stores the DOCX and PDF made from it by ``render``.
"""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongkai.accounts.models import Department, DepartmentKind
from gongkai.api.errors import Conflict
from gongkai.api.errors import PermissionDenied as ApiPermissionDenied
from gongkai.core.audit.services import audit_record
from gongkai.disclosure.annual import checks, compute, schema, selectors
from gongkai.disclosure.annual.models import AnnualReport, FigureSource, ProactiveFigure, ReportStatus

logger = logging.getLogger(__name__)

#: The longest narrative a section may hold (characters).
MAX_SECTION_CHARS = 50_000
#: The largest Table 2 figure accepted.
MAX_FIGURE = Decimal("999999999999")


class ReportReleased(Conflict):
    code = "report_released"

    def __init__(self) -> None:
        super().__init__(_("年度报告已发布，不能修改；如需修改请先撤回。"))


class ChecksFailed(Conflict):
    """Release refused: the failed checks are in ``details`` (table, row, column, message)."""

    code = "checks_failed"

    def __init__(self, failed: list[dict[str, Any]]):
        message = _("年度报告未通过一致性校验，不能发布：%(cells)s") % {
            "cells": checks.failure_message(failed)
        }
        super().__init__(message, details={"checks": failed})


def _refuse_unless(actor: Any, action: str, department: Department | None) -> None:
    if not selectors.may(actor, action, department):
        raise ApiPermissionDenied()


def _validate_year(year: int) -> None:
    if not isinstance(year, int) or year < 2019:
        raise ValidationError(
            {"year": [_("年度报告按现行格式从 2019 年度开始，年度不能早于 2019 年。")]}, code="year_too_early"
        )
    if year > selectors.today().year:
        raise ValidationError({"year": [_("不能为尚未开始的年度编制年度报告。")]}, code="year_in_future")


def _locked(report: AnnualReport | int) -> AnnualReport:
    pk = report.pk if isinstance(report, AnnualReport) else int(report)
    return AnnualReport.objects.select_for_update(of=("self",)).select_related("department").get(pk=pk)


# --- Reports ----------------------------------------------------------------------------------


def report_create(
    *, year: int, department: Department | None, actor: Any, request: Any = None
) -> AnnualReport:
    """A draft report of ``department`` (None: the city government's) on ``year``, with the
    sections prefilled (the overview from the figures, 六 with the fees line)."""
    _validate_year(year)
    _refuse_unless(actor, "add", department)
    if department is not None and not department.is_active:
        raise ValidationError({"department": [_("该机构已停用。")]}, code="department_inactive")
    fmt = schema.format_for_year(year)
    agency = compute.agency_of(department)
    tables = compute.tables_data(year=year, department=department, fmt=fmt)
    texts = compute.default_sections(
        year=year, department=department, agency_name=agency["name"], tables=tables
    )
    try:
        with transaction.atomic():
            report = AnnualReport.objects.create(
                year=year,
                department=department,
                format_code=fmt.code,
                created_by=actor,
                updated_by=actor,
                **texts,
            )
            audit_record(
                actor=actor,
                action="annual_report.created",
                target=report,
                new={"year": year, "department": agency["code"], "format": fmt.code},
                request=request,
            )
    except IntegrityError as exc:
        raise ValidationError(
            {
                "year": [
                    _("%(agency)s %(year)s 年度的年度报告已经存在。")
                    % {"agency": agency["name"], "year": year}
                ]
            },
            code="report_exists",
        ) from exc
    return report


def report_update_sections(
    *, report: AnnualReport | int, actor: Any, sections: dict[str, str | None], request: Any = None
) -> AnnualReport:
    """Replace the texts of the sections given (``AnnualReport.SECTION_FIELDS`` names); a draft only."""
    unknown = sorted(set(sections) - set(AnnualReport.SECTION_FIELDS))
    if unknown:
        raise ValidationError({name: [_("没有这一部分。")] for name in unknown}, code="unknown_section")
    errors = {
        name: [_("内容不能超过 %(n)s 个字符。") % {"n": MAX_SECTION_CHARS}]
        for name, text in sections.items()
        if text is not None and len(text) > MAX_SECTION_CHARS
    }
    if errors:
        raise ValidationError(errors, code="too_long")
    with transaction.atomic():
        report = _locked(report)
        _refuse_unless(actor, "change", report.department)
        if report.is_released:
            raise ReportReleased()
        old: dict[str, str] = {}
        new: dict[str, str] = {}
        for name, text in sections.items():
            if text is None:
                continue
            text = text.replace("\r\n", "\n").strip()
            if getattr(report, name) != text:
                old[name] = getattr(report, name)
                new[name] = text
                setattr(report, name, text)
        if new:
            report.updated_by = actor
            report.save(update_fields=[*new, "updated_by", "updated_at"])
            audit_record(
                actor=actor,
                action="annual_report.sections_updated",
                target=report,
                old=old,
                new=new,
                request=request,
            )
    return report


def _render_files(data: dict[str, Any]) -> dict[str, bytes]:
    """The DOCX and PDF of ``data``, from the render module (absent: no files, logged)."""
    try:
        from gongkai.disclosure.annual import render
    except ImportError:  # pragma: no cover - only before the renderers exist
        logger.warning("gongkai.disclosure.annual.render is missing: the report is released without files")
        return {}
    return {"docx": render.render_docx(data), "pdf": render.render_pdf(data)}


def report_release(*, report: AnnualReport | int, actor: Any, request: Any = None) -> AnnualReport:
    """Release (publish) a draft: refused while a consistency check fails; freezes the data and
    stores its DOCX and PDF."""
    pk = report.pk if isinstance(report, AnnualReport) else int(report)
    current = AnnualReport.objects.select_related("department").get(pk=pk)
    _refuse_unless(actor, "release", current.department)
    if current.is_released:
        raise ReportReleased()
    data = compute.report_data(year=current.year, department=current.department, report=current)
    failed = checks.failures(data["checks"])
    if failed:
        raise ChecksFailed(failed)
    files = _render_files(data)
    with transaction.atomic():
        report = _locked(pk)
        if report.is_released:
            raise ReportReleased()
        if report.updated_at != current.updated_at:
            raise Conflict(_("年度报告在发布时被修改，请重新发布。"), code="report_changed")
        report.status = ReportStatus.RELEASED
        report.released_at = timezone.now()
        report.released_by = actor
        report.snapshot = data
        stem = f"annual-report-{report.year}-{data['agency']['code']}"
        if "docx" in files:
            report.docx.save(f"{stem}.docx", ContentFile(files["docx"]), save=False)
        if "pdf" in files:
            report.pdf.save(f"{stem}.pdf", ContentFile(files["pdf"]), save=False)
        report.save()
        audit_record(
            actor=actor,
            action="annual_report.released",
            target=report,
            old={"status": ReportStatus.DRAFT},
            new={"status": ReportStatus.RELEASED, "year": report.year, "agency": data["agency"]["code"]},
            request=request,
        )
    return report


def report_withdraw(
    *, report: AnnualReport | int, actor: Any, reason: str, request: Any = None
) -> AnnualReport:
    """Take a released report back to draft (to correct it); the reason is audited."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请说明撤回的原因。")]}, code="reason_required")
    with transaction.atomic():
        report = _locked(report)
        _refuse_unless(actor, "release", report.department)
        if not report.is_released:
            raise Conflict(_("年度报告尚未发布，无需撤回。"), code="report_not_released")
        old = {
            "status": report.status,
            "released_at": report.released_at.isoformat() if report.released_at else None,
        }
        for field in (report.docx, report.pdf):
            if field:
                field.delete(save=False)
        report.status = ReportStatus.DRAFT
        report.released_at = None
        report.released_by = None
        report.snapshot = None
        report.updated_by = actor
        report.save()
        audit_record(
            actor=actor,
            action="annual_report.withdrawn",
            target=report,
            old=old,
            new={"status": ReportStatus.DRAFT},
            note=reason,
            request=request,
        )
    return report


# --- Table 2 figures --------------------------------------------------------------------------


def figure_cells(year: int) -> dict[tuple[str, str, str], bool]:
    """The Table 2 cells of ``year``'s format: (block, row, column) → whether money."""
    cells = {}
    for block in schema.format_for_year(year).table("table2").blocks:
        for row in block.rows:
            for column in block.columns():
                cells[(block.code, row.code, column.code)] = column.code in compute.MONEY_COLUMNS
    return cells


def _figure_value(raw: Any, *, money: bool) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(_("不是有效的数字")) from exc
    if not value.is_finite():
        raise ValueError(_("不是有效的数字"))
    if value < 0:
        raise ValueError(_("不能为负数"))
    if value > MAX_FIGURE:
        raise ValueError(_("数值过大"))
    if not money and value != value.to_integral_value():
        raise ValueError(_("件数须为整数"))
    if money and value != value.quantize(Decimal("0.0001")):
        raise ValueError(_("金额最多保留四位小数（万元）"))
    return value


def figures_save(
    *,
    year: int,
    department: Department | None,
    figures: list[dict[str, Any]],
    actor: Any,
    source: str = FigureSource.ENTERED,
    request: Any = None,
) -> list[ProactiveFigure]:
    """Enter Table 2 figures: each ``{"block", "row", "column", "value"}`` (schema codes); an empty
    value removes the figure (a computed count is used again). All or nothing."""
    _validate_year(year)
    _refuse_unless(actor, "figures", department)
    cells = figure_cells(year)
    errors: dict[str, list[str]] = {}
    cleaned: list[tuple[tuple[str, str, str], Decimal | None]] = []
    for index, item in enumerate(figures):
        key = (str(item.get("block", "")), str(item.get("row", "")), str(item.get("column", "")))
        where = _("第%(n)s行") % {"n": item["line"]} if item.get("line") else str(index + 1)
        if key not in cells:
            errors.setdefault(where, []).append(
                _("%(year)s 年度的表二没有这一格（%(cell)s）。") % {"year": year, "cell": "/".join(key)}
            )
            continue
        try:
            cleaned.append((key, _figure_value(item.get("value"), money=cells[key])))
        except ValueError as exc:
            errors.setdefault(where, []).append(
                _("表二%(cell)s：%(problem)s。") % {"cell": figure_label(year, key), "problem": exc}
            )
    if errors:
        raise ValidationError(errors, code="invalid_figures")
    saved: list[ProactiveFigure] = []
    with transaction.atomic():
        report = (
            AnnualReport.objects.select_for_update(of=("self",))
            .filter(year=year, department=department)
            .first()
        )
        if report is not None and report.is_released:
            raise ReportReleased()
        existing = {
            (f.block, f.row, f.column): f
            for f in ProactiveFigure.objects.select_for_update().filter(year=year, department=department)
        }
        old: dict[str, Any] = {}
        new: dict[str, Any] = {}
        for key, value in cleaned:
            label = "/".join(key)
            figure = existing.get(key)
            if value is None:
                if figure is not None:
                    old[label] = str(figure.value)
                    new[label] = None
                    figure.delete()
                continue
            if figure is None:
                figure = ProactiveFigure(
                    year=year, department=department, block=key[0], row=key[1], column=key[2]
                )
            elif figure.value == value and figure.source == source:
                saved.append(figure)
                continue
            old[label] = str(figure.value) if figure.pk else None
            new[label] = str(value)
            figure.value = value
            figure.source = source
            figure.updated_by = actor
            figure.save()
            saved.append(figure)
        if new:
            audit_record(
                actor=actor,
                action="annual_figures.imported"
                if source == FigureSource.IMPORTED
                else "annual_figures.saved",
                target=report,
                old=old,
                new={"year": year, "department": department.code if department else None, **new},
                request=request,
            )
    return saved


def figure_label(year: int, key: tuple[str, str, str]) -> str:
    """ "第二十条第（五）项“行政许可”行“本年处理决定数量”列" for a cell key."""
    for block in schema.format_for_year(year).table("table2").blocks:
        if block.code != key[0]:
            continue
        row = next((r.label for r in block.rows if r.code == key[1]), key[1])
        column = next((c.label for c in block.columns() if c.code == key[2]), key[2])
        return f"{block.title}“{row}”行“{column}”列"
    return "/".join(key)


def figures_import_csv(
    *, year: int, text: str, actor: Any, department: Department | None = None, request: Any = None
) -> dict[str, int]:
    """Import Table 2 figures from CSV (see ``importing``); rows may name their department (机关代码),
    else ``department``. All or nothing. Returns ``{"figures": n, "departments": m}``."""
    from gongkai.disclosure.annual import importing

    parsed = importing.parse_figures_csv(text, year=year, department=department)
    total = 0
    with transaction.atomic():
        for target, figures in parsed.items():
            total += len(
                figures_save(
                    year=year,
                    department=target,
                    figures=figures,
                    actor=actor,
                    source=FigureSource.IMPORTED,
                    request=request,
                )
            )
    return {"figures": total, "departments": len(parsed)}


# --- Reminders (条例第四十九条) ---------------------------------------------------------------

#: Days before the deadline on which a reminder goes out (besides the first one on 1 January).
REMINDER_DAYS_BEFORE = (7, 1)
#: After the deadline, an escalation every this many days until the report is released.
OVERDUE_EVERY_DAYS = 7

DEFAULT_SMS_TEMPLATE = "SMS_DISCLOSURE_ANNUAL_REPORT"  # params: year, agency, deadline, stage


def _sms_template() -> str:
    templates = getattr(settings, "GONGKAI_DISCLOSURE_SMS_TEMPLATES", {}) or {}
    return str(templates.get("annual_report", DEFAULT_SMS_TEMPLATE))


def reminder_stage(*, today: datetime.date, year: int, deadline: datetime.date) -> str | None:
    """Which reminder is due on ``today`` for a report on ``year``: ``start`` (from 1 January),
    ``due-7``/``due-1`` (days before the deadline), ``overdue-N`` (the N-th week after it); None
    before 1 January or after the end of the following year. Sending the current stage only, once
    per stage, makes the job idempotent and lets a missed day be caught up."""
    if today < datetime.date(year + 1, 1, 1) or today > datetime.date(year + 1, 12, 31):
        return None
    if today > deadline:
        return f"overdue-{(today - deadline).days // OVERDUE_EVERY_DAYS + 1}"
    for days in sorted(REMINDER_DAYS_BEFORE):
        if today >= deadline - datetime.timedelta(days=days):
            return f"due-{days}"
    return "start"


def _reminder_text(*, agency: str, year: int, deadline: datetime.date, stage: str) -> tuple[str, str]:
    deadline_text = f"{deadline.year}年{deadline.month}月{deadline.day}日"
    if stage.startswith("overdue"):
        subject = _("【逾期】%(agency)s %(year)s 年政府信息公开工作年度报告尚未发布") % {
            "agency": agency,
            "year": year,
        }
        body = _(
            "%(agency)s %(year)s 年政府信息公开工作年度报告应于 %(deadline)s 前发布（《政府信息公开条例》"
            "第四十九条），目前已逾期，请尽快完成编制、校验并发布。"
        ) % {"agency": agency, "year": year, "deadline": deadline_text}
    else:
        subject = _("请编制 %(agency)s %(year)s 年政府信息公开工作年度报告") % {
            "agency": agency,
            "year": year,
        }
        body = _(
            "%(agency)s %(year)s 年政府信息公开工作年度报告须于 %(deadline)s 前发布（《政府信息公开条例》"
            "第四十九条）。请填写表二数据和各部分内容，通过一致性校验后发布。"
        ) % {"agency": agency, "year": year, "deadline": deadline_text}
    return subject, body


def annual_reminders_send(*, today: datetime.date | None = None) -> dict[str, int]:
    """Remind whoever has not released last year's report yet (daily job; idempotent).

    Departments with disclosure clerks: the clerks, until 31 January; after it, the clerks again
    and the city's disclosure office (escalation), weekly. The city government's report: the
    disclosure office until 31 March; after it, the office and the leaders, weekly.
    """
    from gongkai.accounts.selectors import users_with_role
    from gongkai.core.outbox.services import outbox_notify_users

    today = today or selectors.today()
    year = today.year - 1
    if year < 2019:
        return {"reminded": 0, "escalated": 0}
    released = set(
        AnnualReport.objects.filter(year=year, status=ReportStatus.RELEASED).values_list(
            "department_id", flat=True
        )
    )
    reports = {r.department_id: r for r in AnnualReport.objects.filter(year=year)}
    counts = {"reminded": 0, "escalated": 0}

    def notify(users: Any, *, key: str, agency: str, deadline: datetime.date, stage: str, source: Any) -> int:
        subject, body = _reminder_text(agency=agency, year=year, deadline=deadline, stage=stage)
        return outbox_notify_users(
            users,
            key=key,
            subject=subject,
            body=body,
            sms_template=_sms_template(),
            sms_params={"year": year, "agency": agency, "deadline": deadline.isoformat(), "stage": stage},
            source=source,
        )

    office = users_with_role("disclosure_office")
    department_deadline = selectors.report_deadline(year=year, consolidated=False)
    stage = reminder_stage(today=today, year=year, deadline=department_deadline)
    if stage is not None:
        clerk_departments = (
            Department.objects.filter(
                is_active=True, staff__groups__role__code="disclosure_clerk", staff__is_active=True
            )
            .exclude(parent__isnull=True, kind=DepartmentKind.GOVERNMENT)
            .distinct()
            .order_by("path")
        )
        for department in clerk_departments:
            if department.pk in released:
                continue
            key = f"disclosure-annual:{year}:d{department.pk}:{stage}"
            source = reports.get(department.pk)
            clerks = users_with_role("disclosure_clerk", department=department)
            counts["reminded"] += notify(
                clerks,
                key=key,
                agency=department.name,
                deadline=department_deadline,
                stage=stage,
                source=source,
            )
            if stage.startswith("overdue"):
                counts["escalated"] += notify(
                    office,
                    key=f"{key}:office",
                    agency=department.name,
                    deadline=department_deadline,
                    stage=stage,
                    source=source,
                )

    government_deadline = selectors.report_deadline(year=year, consolidated=True)
    stage = reminder_stage(today=today, year=year, deadline=government_deadline)
    if stage is not None and None not in released:
        agency = compute.agency_of(None)["name"]
        key = f"disclosure-annual:{year}:city:{stage}"
        source = reports.get(None)
        counts["reminded"] += notify(
            office, key=key, agency=agency, deadline=government_deadline, stage=stage, source=source
        )
        if stage.startswith("overdue"):
            counts["escalated"] += notify(
                users_with_role("leader"),
                key=f"{key}:leaders",
                agency=agency,
                deadline=government_deadline,
                stage=stage,
                source=source,
            )
    return counts
