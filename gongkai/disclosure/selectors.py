"""Reads of disclosure applications: what a user may see, lists, the clock board, timelines, actions.

Department isolation: every staff read starts from ``application_queryset_for(user=…)`` (the
disclosure office sees every department, a department's clerk only their own and below, anyone
without ``disclosure.view_application`` nothing).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from gongkai.accounts.access import can_access_department, scope_queryset
from gongkai.core.workcalendar import selectors as calendar
from gongkai.core.workflow import TransitionNotAllowed
from gongkai.disclosure.models import (
    OPEN_STATUSES,
    Application,
    Consultation,
    ConsultationAnswer,
    CorrectionNotice,
    Extension,
    FeeNotice,
    LogEntry,
    Reply,
    ReviewCase,
    Status,
)
from gongkai.disclosure.workflow import APPROVE_EXTENSION, GRAPH, HANDLE

VIEW = "disclosure.view_application"
#: Running statuses whose reply clock counts (unless a consultation is open).
RUNNING = (Status.REGISTERED, Status.REVIEWING, Status.HANDLING)
#: "Due soon" means due within this many working days.
DUE_SOON_DAYS = 3


def _today() -> datetime.date:
    from gongkai.disclosure.services import today

    return today()


def application_queryset_for(*, user: Any) -> QuerySet[Application]:
    """The applications ``user`` may see (department isolation)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.has_perm(VIEW):
        return Application.objects.none()
    return scope_queryset(user, Application.objects.select_related("department", "handler"))


def application_get_for(*, user: Any, pk: Any) -> Application | None:
    """One application if ``user`` may see it, else ``None`` (missing and forbidden look the same)."""
    try:
        return application_queryset_for(user=user).get(pk=int(pk))
    except (Application.DoesNotExist, TypeError, ValueError, OverflowError):
        return None


def _pending_consultation() -> Exists:
    return Exists(Consultation.objects.filter(application=OuterRef("pk"), answer=ConsultationAnswer.PENDING))


def application_list(
    *,
    user: Any,
    status: str | list[str] | None = None,
    department: Any = None,
    q: str = "",
    received_from: datetime.date | None = None,
    received_to: datetime.date | None = None,
    applicant_type: str = "",
    channel: str = "",
    reply_type: str = "",
    handler: Any = None,
    overdue: bool | None = None,
    open_only: bool = False,
    ordering: str = "-received_on",
) -> QuerySet[Application]:
    """Filter the applications ``user`` may see. ``q`` matches the tracking number, the description
    and the applicant's name; ``overdue`` compares ``reply_due_on`` with today for running ones."""
    rows = application_queryset_for(user=user)
    if status:
        rows = rows.filter(status__in=[status] if isinstance(status, str) else list(status))
    if open_only:
        rows = rows.filter(status__in=OPEN_STATUSES)
    if department is not None:
        rows = rows.filter(department=department)
    if q:
        text = q.strip()[:100]
        rows = rows.filter(
            Q(tracking_number__icontains=text)
            | Q(description__icontains=text)
            | Q(applicant_name__icontains=text)
        )
    if received_from:
        rows = rows.filter(received_on__gte=received_from)
    if received_to:
        rows = rows.filter(received_on__lte=received_to)
    if applicant_type:
        rows = rows.filter(applicant_type=applicant_type)
    if channel:
        rows = rows.filter(channel=channel)
    if reply_type:
        rows = rows.filter(reply_type=reply_type)
    if handler is not None:
        rows = rows.filter(handler=handler)
    if overdue is not None:
        late = Q(status__in=RUNNING, reply_due_on__lt=_today())
        rows = rows.filter(late) if overdue else rows.exclude(late)
    allowed = {
        "received_on",
        "-received_on",
        "reply_due_on",
        "-reply_due_on",
        "tracking_number",
        "-tracking_number",
    }
    return rows.order_by(ordering if ordering in allowed else "-received_on", "-pk")


# --- The clock board --------------------------------------------------------------------------


@dataclass
class Bucket:
    key: str
    label: str
    count: int
    rows: list[Application] = field(default_factory=list)


BUCKETS: tuple[tuple[str, str], ...] = (
    ("overdue", "已超期"),
    ("due_soon", "3个工作日内到期"),
    ("consulting", "征求意见中（暂停计时）"),
    ("waiting_applicant", "等待申请人补正或缴费"),
    ("extension_pending", "延期待审批"),
    ("replied_undelivered", "已答复待送达"),
    ("to_archive", "待归档"),
)


def clock_board(*, user: Any, today: datetime.date | None = None, limit: int = 50) -> list[Bucket]:
    """The dashboard of the clocks for ``user``'s departments: one bucket per concern, each with its
    count and its first ``limit`` rows (most urgent first)."""
    day = today or _today()
    soon = calendar.add_working_days(start=day, days=DUE_SOON_DAYS)
    base = application_queryset_for(user=user).annotate(consulting=_pending_consultation())
    running = base.filter(status__in=RUNNING, consulting=False, reply_due_on__isnull=False)
    delivered = Reply.objects.filter(application=OuterRef("pk"), delivered_on__isnull=False)
    pending_extension = Extension.objects.filter(
        application=OuterRef("pk"), approved_at__isnull=True, refused=False
    )
    querysets: dict[str, QuerySet[Application]] = {
        "overdue": running.filter(reply_due_on__lt=day).order_by("reply_due_on", "pk"),
        "due_soon": running.filter(reply_due_on__gte=day, reply_due_on__lte=soon).order_by(
            "reply_due_on", "pk"
        ),
        "consulting": base.filter(status__in=OPEN_STATUSES, consulting=True).order_by("reply_due_on", "pk"),
        "waiting_applicant": base.filter(status__in=(Status.CORRECTION, Status.AWAITING_FEE)).order_by(
            "applicant_due_on", "pk"
        ),
        "extension_pending": base.filter(status=Status.HANDLING)
        .filter(Exists(pending_extension))
        .order_by("reply_due_on", "pk"),
        "replied_undelivered": base.filter(status=Status.REPLIED)
        .exclude(Exists(delivered))
        .order_by("concluded_on", "pk"),
        "to_archive": base.filter(
            Q(status=Status.TERMINATED) | Q(Q(status=Status.REPLIED) & Exists(delivered))
        ).order_by("concluded_on", "pk"),
    }
    return [
        Bucket(key=key, label=_(label), count=querysets[key].count(), rows=list(querysets[key][:limit]))
        for key, label in BUCKETS
    ]


# --- Timeline and actions -----------------------------------------------------------------------


def application_timeline(*, application: Application, public_only: bool) -> list[LogEntry]:
    """The application's history, oldest first; the applicant sees only the public steps."""
    rows = LogEntry.objects.filter(application=application).select_related("actor")
    if public_only:
        rows = rows.filter(public=True)
    return list(rows.order_by("at", "pk"))


def pending_extension(application: Application) -> Extension | None:
    return Extension.objects.filter(application=application, approved_at__isnull=True, refused=False).first()


def open_consultations(application: Application) -> list[Consultation]:
    return list(application.consultations.filter(answer=ConsultationAnswer.PENDING).order_by("due_on", "pk"))


@dataclass(frozen=True)
class Action:
    name: str
    label: str


def available_actions(*, application: Application, user: Any) -> list[Action]:
    """The steps ``user`` may take on ``application`` now (buttons in the workspace, hints in the
    API): the graph's transitions the user may run, less those a service rule would refuse."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    if not can_access_department(user, application.department_id):
        return []
    from gongkai.disclosure import services

    day = _today()
    notice = CorrectionNotice.objects.filter(application=application).first()
    extension = Extension.objects.filter(application=application).first()
    fee_notice = FeeNotice.objects.filter(application=application).first()
    reply = Reply.objects.filter(application=application).first()
    consulting = bool(open_consultations(application))

    def feasible(name: str) -> bool:
        if name == "request_correction":
            return notice is None and day <= services.correction_deadline(application)
        if name == "receive_correction":
            return notice is not None
        if name == "lapse_correction":
            return user.has_perm(HANDLE) and notice is not None and day > notice.due_on
        if name == "lapse_fee":
            return user.has_perm(HANDLE) and fee_notice is not None and day > fee_notice.pay_by
        if name == "record_consultation":
            return consulting
        if name == "request_extension":
            if extension is not None:
                return False
            status = services.reply_clock_status(application)
            return status is None or day <= status.due_date
        if name == "decide_extension":
            return (
                extension is not None
                and extension.approved_at is None
                and not extension.refused
                and extension.requested_by_id != user.pk
                and user.has_perm(APPROVE_EXTENSION)
            )
        if name == "issue_fee_notice":
            return fee_notice is None
        if name == "reply":
            return not consulting
        if name == "record_delivery":
            return reply is not None and reply.delivered_on is None
        if name == "archive":
            return application.status == Status.TERMINATED or (
                reply is not None and reply.delivered_on is not None
            )
        return True

    actions = []
    for transition in GRAPH.transitions:
        try:
            GRAPH.check(application, transition.name, user)
        except TransitionNotAllowed:
            continue
        if feasible(transition.name):
            actions.append(Action(transition.name, str(transition.label)))
    return actions


# --- Public view (the applicant's page and the public lookup endpoint) ---------------------------


def public_view(application: Application) -> dict[str, Any]:
    """What the applicant sees after the lookup: no personal data beyond what they entered."""
    from gongkai.disclosure.services import MISSING_ITEM_LABELS

    reply = Reply.objects.filter(application=application).first()
    return {
        "tracking_number": application.tracking_number,
        "department": application.department.name,
        "status": application.status,
        "status_label": str(Status(application.status).label),
        "received_on": application.received_on,
        "reply_due_on": application.reply_due_on,
        "applicant_due_on": application.applicant_due_on,
        "missing_items": list(application.missing_items or []),
        "missing_item_labels": [
            _(MISSING_ITEM_LABELS.get(code, code)) for code in application.missing_items or []
        ],
        "reply_type": application.reply_type,
        "reply_type_label": application.get_reply_type_display() if application.reply_type else "",
        "replied_on": reply.replied_on if reply else None,
        "delivered_on": reply.delivered_on if reply else None,
        "concluded_on": application.concluded_on,
        "timeline": [
            {"at": entry.at, "action": entry.action, "text": entry.public_text}
            for entry in application_timeline(application=application, public_only=True)
        ],
    }


# --- Table 4 cases --------------------------------------------------------------------------------


def review_case_queryset_for(*, user: Any) -> QuerySet[ReviewCase]:
    if (
        user is None
        or not getattr(user, "is_authenticated", False)
        or not user.has_perm("disclosure.view_reviewcase")
    ):
        return ReviewCase.objects.none()
    return scope_queryset(user, ReviewCase.objects.select_related("department", "application"))
