"""What the workspace pages show, shaped for the templates from ``gongkai.disclosure.selectors``.

The dashboard's buckets are those of ``selectors.clock_board``; list rows get their clock (days
remaining, negative when overdue, and the rule text such as “20个工作日（延长 20 个工作日，暂停 3 个
工作日）”) from the stored reply clocks, loaded for a whole page in three queries.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongkai.accounts.models import Department
from gongkai.core.audit.models import AuditEvent
from gongkai.core.workcalendar import selectors as calendar
from gongkai.core.workcalendar.models import DeadlineClock
from gongkai.core.workflow import TransitionNotAllowed
from gongkai.disclosure import selectors, services
from gongkai.disclosure.grounds import ReplyType
from gongkai.disclosure.models import (
    OPEN_STATUSES,
    Application,
    Consultation,
    CorrectionNotice,
    Extension,
    FeeNotice,
    Reply,
    ReviewKind,
    ReviewOutcome,
    Status,
)
from gongkai.disclosure.workflow import GRAPH
from gongkai.disclosure.workspace import personal

#: Rows shown under each counter on the dashboard (the counter links to all of them).
DASHBOARD_ROWS = 8


# --- Dashboard ------------------------------------------------------------------------------------

#: What each bucket of ``selectors.clock_board`` means, and the counter's colour when not empty.
BUCKET_TEXT: dict[str, tuple[Any, str]] = {
    "overdue": (gettext_lazy("答复期限已过仍未答复（不含征求意见中的）。"), "alert"),
    "due_soon": (gettext_lazy("3个工作日内到期，尚未答复。"), "warn"),
    "consulting": (gettext_lazy("正在征求第三方或其他机关意见，答复期限暂停。"), ""),
    "waiting_applicant": (gettext_lazy("已发补正告知或收费通知，等待申请人。"), ""),
    "extension_pending": (gettext_lazy("已申请延期答复，等待公开工作机构负责人审批。"), "warn"),
    "replied_undelivered": (gettext_lazy("已作出答复，尚未登记送达。"), ""),
    "to_archive": (gettext_lazy("已送达或已终止，等待归档。"), ""),
}


@dataclass
class Bucket:
    key: str
    label: Any
    description: Any
    count: int
    rows: list[Application]
    #: "alert" (red), "warn" (amber) or "" for the counter's colour.
    tone: str = ""


def buckets(user: Any, *, rows: int = DASHBOARD_ROWS) -> list[Bucket]:
    """The buckets of ``clock_board`` with their counts and most urgent ``rows``."""
    result = []
    for item in selectors.clock_board(user=user, limit=rows):
        description, tone = BUCKET_TEXT.get(item.key, ("", ""))
        result.append(
            Bucket(
                key=item.key,
                label=item.label,
                description=description,
                count=item.count,
                rows=decorate(list(item.rows)),
                tone=tone,
            )
        )
    return result


#: The most rows a bucket of the list page holds (a bucket is today's work, not the archive).
BUCKET_LIMIT = 5000


def bucket_pks(user: Any, key: str) -> list[int] | None:
    """The applications of the bucket ``key`` (None for an unknown key)."""
    for item in selectors.clock_board(user=user, limit=BUCKET_LIMIT):
        if item.key == key:
            return [row.pk for row in item.rows]
    return None


def bucket_label(key: str) -> str:
    labels = dict(selectors.BUCKETS)
    return _(labels[key]) if key in labels else ""


def department_rows(user: Any) -> list[dict[str, Any]]:
    """Per department: open, overdue, concluded this year and the share of this year's replies
    given within the reply period (the reply clock stopped on or before its due date)."""
    today = services.today()
    rows = selectors.application_queryset_for(user=user).select_related(None)
    figures: dict[int, dict[str, Any]] = {}

    def slot(department_id: int) -> dict[str, Any]:
        return figures.setdefault(
            department_id, {"open": 0, "overdue": 0, "concluded": 0, "replied": 0, "on_time": 0}
        )

    for department_id, status, due in rows.filter(status__in=OPEN_STATUSES).values_list(
        "department_id", "status", "reply_due_on"
    ):
        item = slot(department_id)
        item["open"] += 1
        if status in selectors.RUNNING and due is not None and due < today:
            item["overdue"] += 1
    concluded = list(rows.filter(concluded_on__year=today.year).only("pk", "department_id", "reply_type"))
    replied = [a for a in concluded if a.reply_type and a.reply_type != ReplyType.TERMINATED]
    clocks = _clocks_for(replied)
    for application in concluded:
        slot(application.department_id)["concluded"] += 1
    for application in replied:
        item = slot(application.department_id)
        item["replied"] += 1
        clock = clocks.get(application.pk)
        late = False
        if clock is not None:
            try:
                late = calendar.clock_status(clock=clock).is_overdue
            except Exception:  # a clock beyond the known calendar is not counted late
                late = False
        if not late:
            item["on_time"] += 1
    departments = {d.pk: d for d in Department.objects.filter(pk__in=figures)}
    result = []
    for department_id, item in figures.items():
        item["department"] = departments[department_id]
        item["on_time_rate"] = 100.0 * item["on_time"] / item["replied"] if item["replied"] else None
        result.append(item)
    result.sort(key=lambda item: item["department"].path)
    return result


# --- List rows ------------------------------------------------------------------------------------


def _clocks_for(rows: list[Application]) -> dict[int, DeadlineClock]:
    if not rows:
        return {}
    owner_type = ContentType.objects.get_for_model(Application)
    clocks = DeadlineClock.objects.filter(
        owner_type=owner_type, owner_id__in=[row.pk for row in rows], purpose=services.REPLY_CLOCK
    ).prefetch_related("pauses", "extensions")
    return {clock.owner_id: clock for clock in clocks}


def decorate(rows: list[Application]) -> list[Application]:
    """Add ``due``, ``remaining`` (working days; negative = overdue), ``rule_text``, ``paused``,
    ``masked_name`` and ``due_class`` (overdue / soon / '') to list rows."""
    clocks = _clocks_for(rows)
    now = timezone.now()
    today = services.today()
    try:
        soon = calendar.add_working_days(start=today, days=3)
    except Exception:  # a date outside the known calendar: three days
        soon = today + datetime.timedelta(days=3)
    for row in rows:
        row.masked_name = personal.masked_name(row)  # type: ignore[attr-defined]
        clock = clocks.get(row.pk)
        status = None
        if clock is not None:
            try:
                status = calendar.clock_status(clock=clock, now=now)
            except Exception:  # a clock beyond the known calendar must not break the list
                status = None
        row.clock = status  # type: ignore[attr-defined]
        row.rule_text = status.rule_text if status is not None else ""  # type: ignore[attr-defined]
        running = (
            row.is_open and row.status != Status.CORRECTION and status is not None and not status.is_stopped
        )
        row.paused = bool(running and status is not None and status.is_paused)  # type: ignore[attr-defined]
        row.remaining = status.remaining if running and status is not None else None  # type: ignore[attr-defined]
        row.due = row.reply_due_on  # type: ignore[attr-defined]
        if not running or row.due is None or row.paused:  # type: ignore[attr-defined]
            row.due_class = ""  # type: ignore[attr-defined]
        elif row.due < today:  # type: ignore[attr-defined]
            row.due_class = "overdue"  # type: ignore[attr-defined]
        elif row.due <= soon:  # type: ignore[attr-defined]
            row.due_class = "soon"  # type: ignore[attr-defined]
        else:
            row.due_class = ""  # type: ignore[attr-defined]
    return rows


# --- The application page -------------------------------------------------------------------------


@dataclass
class Records:
    correction: CorrectionNotice | None
    consultations: list[Consultation]
    extension: Extension | None
    fee: FeeNotice | None
    reply: Reply | None


def records(application: Application) -> Records:
    return Records(
        correction=CorrectionNotice.objects.filter(application=application)
        .select_related("issued_by")
        .first(),
        consultations=list(application.consultations.select_related("sent_by").order_by("sent_on", "pk")),
        extension=Extension.objects.filter(application=application)
        .select_related("requested_by", "approved_by")
        .first(),
        fee=FeeNotice.objects.filter(application=application).select_related("issued_by").first(),
        reply=Reply.objects.filter(application=application).select_related("replied_by").first(),
    )


def clock_panel(application: Application) -> dict[str, Any] | None:
    """The reply clock: start, due date, remaining, pauses, extension, the rule text."""
    clock = services.reply_clock(application)
    if clock is None:
        return None
    try:
        status = calendar.clock_status(clock=clock)
    except Exception:
        return None
    pauses = [
        {
            "from": calendar.local_date(moment=p.paused_at),
            "to": calendar.local_date(moment=p.resumed_at) if p.resumed_at else None,
            "reason": p.reason,
        }
        for p in clock.pauses.all()
        if p.paused_at >= clock.started_at
    ]
    running = application.is_open and application.status != Status.CORRECTION and not status.is_stopped
    return {
        "started_on": calendar.local_date(moment=clock.started_at),
        "restarted": clock.restarted_count,
        "status": status,
        "due_on": status.due_date,
        "remaining": status.remaining if running else None,
        "running": running,
        "paused": running and status.is_paused,
        "overdue": running and status.is_overdue,
        "stopped_on": calendar.local_date(moment=clock.stopped_at) if clock.stopped_at else None,
        "pauses": pauses,
        "rule_text": status.rule_text,
        "waiting_correction": application.status == Status.CORRECTION,
    }


def letters(application: Application, recs: Records) -> list[dict[str, Any]]:
    """Every letter and notice of the application that can be downloaded now."""
    items: list[dict[str, Any]] = [{"kind": "receipt", "label": _("登记回执")}]
    if recs.correction is not None:
        items.append({"kind": "correction", "label": _("补正告知书")})
    for consultation in recs.consultations:
        items.append(
            {
                "kind": f"consultation-{consultation.pk}",
                "label": _("征求意见书（%(party)s）") % {"party": consultation.party_name},
            }
        )
    if recs.extension is not None and recs.extension.approved_at and not recs.extension.refused:
        items.append({"kind": "extension", "label": _("延期答复告知书")})
    if recs.fee is not None:
        items.append({"kind": "fee", "label": _("收费通知书")})
    if recs.reply is not None:
        items.append({"kind": "reply", "label": _("政府信息公开申请答复书"), "primary": True})
    return items


#: The log's action codes (``services._log``) as the timeline shows them.
LOG_LABELS: dict[str, Any] = {
    "submitted": gettext_lazy("收到申请"),
    "review": gettext_lazy("进入审核"),
    "accept": gettext_lazy("转入办理"),
    "correction_requested": gettext_lazy("发出补正告知"),
    "correction_received": gettext_lazy("收到补正"),
    "correction_lapsed": gettext_lazy("逾期未补正，终止"),
    "consultation_started": gettext_lazy("征求意见"),
    "consultation_answered": gettext_lazy("登记意见"),
    "extension_requested": gettext_lazy("申请延期答复"),
    "extension_approved": gettext_lazy("批准延期答复"),
    "extension_refused": gettext_lazy("延期未获批准"),
    "fee_notice_issued": gettext_lazy("发出收费通知"),
    "fee_paid": gettext_lazy("登记缴费"),
    "fee_lapsed": gettext_lazy("逾期未缴费，终止"),
    "replied": gettext_lazy("答复"),
    "terminated": gettext_lazy("终止处理"),
    "delivered": gettext_lazy("送达"),
    "archived": gettext_lazy("归档"),
}


def _who(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def timeline(application: Application) -> list[dict[str, Any]]:
    """The application's log: the steps the applicant sees and the internal notes, oldest first."""
    return [
        {
            "at": entry.at,
            "label": LOG_LABELS.get(entry.action, entry.action),
            "text": entry.public_text,
            "note": entry.note,
            "actor": _who(entry.actor),
            "public": entry.public,
        }
        for entry in selectors.application_timeline(application=application, public_only=False)
    ]


def audit_trail(application: Application) -> list[dict[str, Any]]:
    """The audit events of the application (every change, every full view, every letter download)."""
    owner_type = ContentType.objects.get_for_model(Application)
    events = AuditEvent.objects.filter(target_type=owner_type, target_id=str(application.pk)).order_by(
        "created_at", "pk"
    )
    return [
        {
            "at": event.created_at,
            "label": _audit_label(event),
            "actor": event.actor_repr or _("系统"),
            "note": event.note,
            "personal": event.kind == AuditEvent.Kind.PERSONAL_DATA_VIEW,
            "fields": event.fields,
        }
        for event in events
    ]


def _audit_label(event: AuditEvent) -> str:
    if event.kind == AuditEvent.Kind.PERSONAL_DATA_VIEW:
        return _("查看申请人完整信息")
    if event.action == "disclosure_letter.downloaded":
        return _("下载文书")
    if event.action == "disclosure_application.submitted":
        return _("登记申请")
    graph, _dot, name = event.action.partition(".")
    if graph == GRAPH.name:
        try:
            return str(GRAPH.transition(name).label)
        except TransitionNotAllowed:  # an action the graph no longer has
            pass
    return event.action


# --- Cases --------------------------------------------------------------------------------------


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("搜索"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=gettext_lazy("类型"), required=False, choices=[("", gettext_lazy("全部")), *ReviewKind.choices]
    )
    outcome = forms.ChoiceField(
        label=gettext_lazy("结果"),
        required=False,
        choices=[("", gettext_lazy("全部")), *ReviewOutcome.choices],
    )


def case_filters(data: Any) -> CaseFilterForm:
    return CaseFilterForm(data or None)
