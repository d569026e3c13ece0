"""Reads: the effective order of a merge, the public timeline, queues per role, caller history, KPIs.

Visibility: city-wide roles (dispatcher, operator, leader …) and superusers see every order; a
handler sees the orders assigned (now or earlier) to their department or a department under it.
Queues show what needs an action *now*, so a handler's queues follow ``current_department``.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.query import get_related_populators
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from gongkai.accounts.access import scope_queryset
from gongkai.accounts.models import Department
from gongkai.accounts.roles import user_is_city_wide
from gongkai.core.db import hot_cursor
from gongkai.core.workcalendar import selectors as calendar
from gongkai.core.workcalendar.models import ClockUnit
from gongkai.hotline.models import (
    SATISFIED_LEVELS,
    Assignment,
    AssignmentRole,
    Channel,
    DecisionStatus,
    EventType,
    ExtensionRequest,
    InboundMessage,
    InboundStatus,
    ReturnRuling,
    RoutingCategory,
    Satisfaction,
    Status,
    WorkOrder,
    WorkOrderEvent,
)
from gongkai.hotline.workflow import GRAPH

HANDLING = (Status.DISPATCHED, Status.IN_PROGRESS)

# --- Access -------------------------------------------------------------------------------------


def work_order_visible(user: Any, queryset: QuerySet[WorkOrder] | None = None) -> QuerySet[WorkOrder]:
    """The orders ``user`` may see (one subquery on assignments for department-scoped users)."""
    queryset = WorkOrder.objects.all() if queryset is None else queryset
    if user_is_city_wide(user):
        return queryset
    assignments = scope_queryset(user, Assignment.objects.all(), department_field="department")
    return queryset.filter(pk__in=assignments.values("work_order_id"))


def access_work_order(user: Any, pk: Any) -> WorkOrder:
    """The order ``pk`` if ``user`` may see it, else ``Http404`` — the same for missing and forbidden."""
    try:
        return work_order_visible(user).get(pk=pk)
    except (WorkOrder.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("not found") from exc


def may_see_personal_data(user: Any, order: WorkOrder) -> bool:
    """Who needs the caller's unmasked data to do their work on this order (API and workspace).

    The hotline office and operators (they take the calls and call back) and superusers; handlers
    of the department handling the order (current or lead), unless the caller asked for
    confidentiality (要求保密). Leaders, auditors and departments that only saw it earlier see it
    masked. Each unmasked view is recorded by the caller with ``audit_personal_data_view``.
    """
    from gongkai.hotline.workflow import is_operator, may_handle

    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser or is_operator(user):
        return True
    return bool(not order.confidential and may_handle(user, order))


def _actionable(user: Any, queryset: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    if user_is_city_wide(user):
        return queryset
    return scope_queryset(user, queryset, department_field="current_department")


def work_order_actions(*, work_order: WorkOrder, user: Any) -> list[str]:
    """The transition names ``user`` may run on the order now (for buttons and API hints)."""
    return [t.name for t in GRAPH.available(work_order, user)]


# --- Merge and the public view ---------------------------------------------------------------


def work_order_effective(work_order: WorkOrder) -> WorkOrder:
    """The order whose progress and reply a (possibly merged) order shows: follows ``merged_into``."""
    seen = {work_order.pk}
    current = work_order
    while current.merged_into_id is not None and current.merged_into_id not in seen:
        seen.add(current.merged_into_id)
        current = WorkOrder.objects.select_related("lead_department", "reply_department").get(
            pk=current.merged_into_id
        )
    return current


PUBLIC_EVENT_TEXT: dict[str, Any] = {
    EventType.RECEIVED: gettext_lazy("您的诉求已受理。"),
    EventType.ANSWERED_DIRECTLY: gettext_lazy("热线已即时答复。"),
    EventType.DISPATCHED: gettext_lazy("已转交%(department)s办理。"),
    EventType.DISPATCHED_DOWN: gettext_lazy("已转交%(department)s办理。"),
    EventType.REASSIGNED: gettext_lazy("已改由%(department)s办理。"),
    EventType.ARBITRATED: gettext_lazy("已确定由%(department)s办理。"),
    EventType.ACCEPTED: gettext_lazy("%(department)s已签收，正在办理。"),
    EventType.EXTENSION_APPROVED: gettext_lazy("经批准，办理期限已延长。"),
    EventType.PAUSED: gettext_lazy("等待补充材料或第三方意见，暂停计时。"),
    EventType.RESUMED: gettext_lazy("恢复办理。"),
    EventType.REPLIED: gettext_lazy("%(department)s已答复，正在审核。"),
    EventType.REPLY_APPROVED: gettext_lazy("已答复。"),
    EventType.CALLED_BACK: gettext_lazy("已回访。"),
    EventType.CLOSED: gettext_lazy("已办结。"),
    EventType.REOPENED: gettext_lazy("已重新交办%(department)s。"),
    EventType.MERGED: gettext_lazy("与相同诉求合并办理（受理编号 %(number)s）。"),
    EventType.PUBLICATION_APPROVED: gettext_lazy("您的来信已在“信件公开”栏目公开。"),
    EventType.PUBLICATION_WITHDRAWN: gettext_lazy("您的来信已撤下公开。"),
    EventType.CITIZEN_RATED: gettext_lazy("您已评价：%(satisfaction)s。"),
    EventType.REOPEN_REQUESTED: gettext_lazy("您已申请重新办理，热线正在审核。"),
    EventType.REOPEN_DECLINED: gettext_lazy("热线审核后未同意重新办理：%(reason)s"),
}


@dataclass
class PublicEvent:
    at: datetime.datetime
    text: str


@dataclass
class PublicView:
    """What a citizen sees with the right tracking number and query code (no personal data)."""

    tracking_number: str
    status: str
    status_label: str
    order_type_label: str
    title: str
    received_at: datetime.datetime
    events: list[PublicEvent] = field(default_factory=list)
    lead_department: str = ""
    reply_due_at: datetime.datetime | None = None
    deadline_rule_text: str = ""
    reply: str = ""
    reply_department: str = ""
    replied_at: datetime.datetime | None = None
    merged_into: str = ""
    satisfaction_label: str = ""


def _department_name(department: Department | None) -> str:
    if department is None:
        return ""
    return department.short_name or department.name


#: The columns ``public_view`` reads of an order and its lead and reply departments (for a lookup
#: that loads nothing else: ``services.public_lookup(..., only=PUBLIC_VIEW_FIELDS)``).
PUBLIC_VIEW_FIELDS = (
    "tracking_number",
    "records_pending",
    "status",
    "order_type",
    "title",
    "created_at",
    "merged_into_id",
    "reply_due_at",
    "deadline_rule_text",
    "public_reply",
    "reply_approved_at",
    "satisfaction",
    "lead_department__name",
    "lead_department__short_name",
    "reply_department__name",
    "reply_department__short_name",
)


_PRECOMPILED = threading.local()


def _compiled(
    key: tuple, build: Callable[[list[Any]], QuerySet], values: list[Any]
) -> tuple[Any, Any, str, list[Any], list[Any]]:
    cache = getattr(_PRECOMPILED, "entries", None)
    if cache is None:
        cache = _PRECOMPILED.entries = {}
    entry = cache.get(key)
    if entry is None:
        sentinels: list[Any] = [
            -987_654_321 - i if isinstance(value, int) else f"\x00gk-precompiled-{i}"
            for i, value in enumerate(values)
        ]
        queryset = build(sentinels)
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        positions = [params.index(sentinel) for sentinel in sentinels]
        entry = cache[key] = (queryset.db, compiler, sql, list(params), positions, [])
    alias, compiler, sql, params, positions, plan = entry
    params = list(params)
    for position, value in zip(positions, values, strict=True):
        params[position] = value
    return alias, compiler, sql, params, plan


def _instances(alias: str, compiler: Any, rows: list[Any], plan: list[Any]) -> list[Any]:
    """Model instances of ``rows`` as the ORM builds them; ``plan`` (one per compiled statement)
    keeps the column names, the columns' value converters (``results_iter`` looks them up on
    every call: about 30 per lookup) and ``select_related`` populators, which depend only on the
    statement."""
    if not rows:
        return []
    if not plan:
        select, klass_info = compiler.select, compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        attnames = [column[0].target.attname for column in select[start:end]]
        # Django 5.2 signature (the stubs already describe 6.0's extra ``fetch_mode``).
        populators = get_related_populators(klass_info, select, alias)  # type: ignore[call-arg]
        fields = [column[0] for column in select[0 : compiler.col_count]]
        # Composite keys (none here) need results_iter's own handling.
        converters = None if compiler.has_composite_fields(fields) else compiler.get_converters(fields)
        plan[:] = [klass_info["model"], start, end, attnames, populators, converters]
    model, start, end, attnames, populators, converters = plan
    if converters is None:
        converted = compiler.results_iter([rows])
    else:
        converted = compiler.apply_converters(rows, converters) if converters else rows
    result = []
    for row in converted:
        obj = model.from_db(alias, attnames, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        result.append(obj)
    return result


def fetch_precompiled(key: tuple, build: Callable[[list[Any]], QuerySet], values: list[Any]) -> list[Any]:
    """Run ``build(values)`` (a queryset of model instances) with SQL compiled once per thread.

    Compiling a queryset's SQL costs about as much as running it on the public lookup's hot path;
    the compiled statement, its row converters and select_related populators are kept per thread
    (a compiler holds its connection) and database alias under ``key``, which must name everything
    that changes the SQL apart from ``values`` (e.g. how many ids). The values go in as parameters:
    ``build`` is called once with unique sentinels to find where they sit in the parameter list.
    The statement is prepared on PostgreSQL (``gongkai.core.db``: parsed and planned once per
    connection).
    """
    alias, compiler, sql, params, plan = _compiled(key, build, values)
    with hot_cursor(alias) as cursor:
        cursor.execute(sql, params)
        return _instances(alias, compiler, cursor.fetchall(), plan)


def active_category(code: str) -> RoutingCategory | None:
    """The active routing category with ``code`` (a prepared statement compiled once per thread)."""
    rows = fetch_precompiled(
        ("hotline.category_by_code",),
        lambda values: RoutingCategory.objects.filter(code=values[0], is_active=True).order_by()[:1],
        [code],
    )
    return rows[0] if rows else None


#: Active routing categories by code, as this process last read them (``category_by_code``).
_CATEGORIES: dict[str, RoutingCategory] = {}
_CATEGORIES_MAX = 10_000


def category_by_code(code: str) -> RoutingCategory | None:
    """The active routing category with ``code``, from this process's copy when it has one.

    For the public intake only, whose write checks that the category is still active under that
    code (``services._insert_deferred``) and calls :func:`forget_categories` when it is not: so a
    copy that has gone stale costs one refused appeal's extra query, never a wrong category. The
    copy saves the intake a query per appeal. Unknown codes are not remembered (each is a query).
    The instances are shared: read them, never change them."""
    found = _CATEGORIES.get(code)
    if found is None:
        found = active_category(code)
        if found is None:
            return None
        if len(_CATEGORIES) >= _CATEGORIES_MAX:
            _CATEGORIES.clear()
        _CATEGORIES[code] = found
    return found


def forget_categories() -> None:
    _CATEGORIES.clear()


#: Translated labels of the public view, per (language, kind, value): each ``gettext`` walks the
#: catalog chain (about a dozen catalogs) and the public lookup needs about fifteen of them.
_PUBLIC_LABELS: dict[tuple[str | None, str, str], str] = {}


def _label(kind: str, value: str, compute: Callable[[], Any]) -> str:
    key = (get_language(), kind, value)
    label = _PUBLIC_LABELS.get(key)
    if label is None:
        label = _PUBLIC_LABELS[key] = str(compute())
    return label


#: What the public view shows of an event.
PUBLIC_EVENT_FIELDS = ("type", "data", "created_at", "department__name", "department__short_name")


def public_events_queryset() -> QuerySet[WorkOrderEvent]:
    """The public events with what the public view shows of them, oldest first."""
    return (
        WorkOrderEvent.objects.filter(is_public=True)
        .select_related("department")
        .only(*PUBLIC_EVENT_FIELDS)
        .order_by("created_at", "pk")
    )


def public_view(work_order: WorkOrder) -> PublicView:
    """The public lookup page's content: public events, department names, deadline and reply.

    A merged order shows the lead order's status, deadline and reply, after its own timeline.
    """
    effective = work_order_effective(work_order)
    orders = [work_order.pk] if effective.pk == work_order.pk else [work_order.pk, effective.pk]
    prefetched = getattr(work_order, "_public_events", None)  # services.public_lookup(with_events=True)
    if prefetched is not None and len(orders) == 1:
        events = prefetched
    else:
        events = fetch_precompiled(
            ("hotline.public_events", len(orders)),
            lambda ids: public_events_queryset().filter(work_order_id__in=ids),
            orders,
        )
    public_events = []
    if work_order.records_pending and not any(event.type == EventType.RECEIVED for event in events):
        # Taken in a moment ago: its RECEIVED event is about to be written (records_pending).
        events = [
            WorkOrderEvent(
                work_order_id=work_order.pk,
                type=EventType.RECEIVED,
                data={},
                created_at=work_order.created_at,
            ),
            *events,
        ]
    for event in events:
        template = PUBLIC_EVENT_TEXT.get(event.type)
        if template is None:
            continue
        level = event.data.get("satisfaction", "")
        text = _label("event", event.type, template.__str__) % {
            "department": _department_name(event.department)
            or _label("department", "", lambda: _("相关单位")),
            "number": event.data.get("tracking_number", ""),
            "satisfaction": (
                _label("satisfaction", level, Satisfaction(level).label.__str__)
                if level in Satisfaction.values
                else ""
            ),
            "reason": event.data.get("public_reason", ""),
        }
        public_events.append(PublicEvent(at=event.created_at, text=text))
    shows_reply = effective.status in (Status.AWAITING_CALLBACK, Status.CLOSED)
    return PublicView(
        tracking_number=work_order.tracking_number,
        status=effective.status,
        status_label=_label("status", effective.status, lambda: Status(effective.status).label),
        order_type_label=_label("order_type", work_order.order_type, work_order.get_order_type_display),
        title=work_order.title,
        received_at=work_order.created_at,
        events=public_events,
        lead_department=_department_name(effective.lead_department),
        reply_due_at=effective.reply_due_at if effective.status in HANDLING else None,
        deadline_rule_text=effective.deadline_rule_text,
        reply=effective.public_reply if shows_reply else "",
        reply_department=_department_name(effective.reply_department) if shows_reply else "",
        replied_at=effective.reply_approved_at if shows_reply else None,
        merged_into=effective.tracking_number if effective.pk != work_order.pk else "",
        satisfaction_label=(
            _label("satisfaction", effective.satisfaction, effective.get_satisfaction_display)
            if effective.satisfaction
            else ""
        ),
    )


def public_reply_list(
    *, start: datetime.date | None = None, end: datetime.date | None = None
) -> QuerySet[WorkOrder]:
    """Published mailbox letters (信件公开, 国办发〔2017〕47号: 受理日期、答复日期、答复部门、答复内容).

    Only letters the hotline office approved for publication (``work_order_approve_publication``),
    whose writer agreed and did not ask for confidentiality, with an approved reply, not merged.
    Show only ``public_title``, ``public_content``, ``public_reply`` and ``reply_department``
    (the staff-checked copies); never the caller fields or the raw texts.
    """
    queryset = WorkOrder.objects.filter(
        channel=Channel.MAILBOX,
        publication_approved_at__isnull=False,
        consent_to_publish=True,
        confidential=False,
        status__in=(Status.AWAITING_CALLBACK, Status.CLOSED),
        merged_into__isnull=True,
    ).exclude(public_reply="")
    if start:
        queryset = queryset.filter(reply_approved_at__date__gte=start)
    if end:
        queryset = queryset.filter(reply_approved_at__date__lte=end)
    return queryset.select_related("reply_department").order_by("-reply_approved_at", "-pk")


@dataclass
class PublicLetter:
    """What the public letter pages show of one letter: staff-checked texts, the writer masked."""

    pk: int
    tracking_number: str
    title: str
    content: str
    reply: str
    writer: str
    received_on: datetime.date
    replied_on: datetime.date | None
    department: str


def public_letter(order: WorkOrder) -> PublicLetter:
    """One published letter for display (``order`` from ``public_reply_list``)."""
    from gongkai.core.personal_data import mask_name

    return PublicLetter(
        pk=order.pk,
        tracking_number=order.tracking_number,
        title=order.public_title,
        content=order.public_content,
        reply=order.public_reply,
        writer=mask_name(order.caller_name),
        received_on=calendar.local_date(moment=order.created_at),
        replied_on=calendar.local_date(moment=order.reply_approved_at) if order.reply_approved_at else None,
        department=_department_name(order.reply_department),
    )


def public_letters(*, query: str = "") -> QuerySet[WorkOrder]:
    """Published letters, newest answer first; ``query`` matches only the published texts (a phone
    number or a name that staff redacted finds nothing)."""
    queryset = public_reply_list()
    query = (query or "").strip()
    if query:
        queryset = queryset.filter(
            Q(public_title__icontains=query)
            | Q(public_content__icontains=query)
            | Q(public_reply__icontains=query)
        )
    return queryset


@dataclass
class MonthRow:
    """Letters received / answered / answered on time in one month (or by one department)."""

    label: str
    received: int = 0
    answered: int = 0
    on_time: int = 0
    days: list[int] = field(default_factory=list)

    @property
    def average_days(self) -> float | None:
        return round(sum(self.days) / len(self.days), 1) if self.days else None

    @property
    def on_time_rate(self) -> str:
        return f"{self.on_time * 100 / self.answered:.0f}%" if self.answered else "—"


def _month_start(day: datetime.date, back: int) -> datetime.date:
    month = day.year * 12 + day.month - 1 - back
    return datetime.date(month // 12, month % 12 + 1, 1)


def letter_statistics(*, today: datetime.date | None = None) -> dict[str, Any]:
    """Mailbox letters of the last 12 months (this one included), by month of receipt and by the
    answering department: received, answered, answered on time, average working days to answer.

    Counted over every mailbox letter (published or not), without invalid and merged ones.
    "On time" means the reply was approved by its deadline (extensions included).
    """
    today = today or calendar.local_date(moment=timezone.now())
    first = _month_start(today, 11)
    start = datetime.datetime.combine(first, datetime.time.min, calendar.CALENDAR_TZ)
    months = [MonthRow(label=f"{_month_start(today, back):%Y-%m}") for back in range(11, -1, -1)]
    index = {row.label: row for row in months}
    departments: dict[str, MonthRow] = {}
    rows = (
        WorkOrder.objects.filter(channel=Channel.MAILBOX, created_at__gte=start)
        .exclude(status__in=(Status.INVALID, Status.MERGED))
        .values_list(
            "created_at",
            "reply_approved_at",
            "reply_due_at",
            "reply_department__short_name",
            "reply_department__name",
        )
    )
    for created_at, approved_at, due_at, short_name, name in rows.iterator():
        received_on = calendar.local_date(moment=created_at)
        row = index.get(f"{received_on:%Y-%m}")
        if row is None:
            continue
        row.received += 1
        if approved_at is None:
            continue
        label = short_name or name or _("未注明")
        department = departments.setdefault(label, MonthRow(label=label))
        days = calendar.working_days_between(start=received_on, end=calendar.local_date(moment=approved_at))
        on_time = due_at is None or approved_at <= due_at
        for target in (row, department):
            target.answered += 1
            target.on_time += int(on_time)
            target.days.append(max(days, 0))
    peak = max([row.received for row in months] + [1])
    return {
        "months": months,
        "departments": sorted(departments.values(), key=lambda r: (-r.answered, r.label)),
        "peak": peak,
        "total": MonthRow(
            label=_("合计"),
            received=sum(r.received for r in months),
            answered=sum(r.answered for r in months),
            on_time=sum(r.on_time for r in months),
            days=[d for r in months for d in r.days],
        ),
    }


# --- Queues --------------------------------------------------------------------------------------


def queue_to_dispatch(user: Any) -> QuerySet[WorkOrder]:
    """Received orders waiting for the hotline office (urgent first, then oldest)."""
    return _actionable(user, WorkOrder.objects.filter(status=Status.RECEIVED)).order_by(
        "-urgency", "created_at"
    )


def queue_to_sign_for(user: Any) -> QuerySet[WorkOrder]:
    """Dispatched orders the user's department must sign for, most urgent sign-for deadline first."""
    return _actionable(user, WorkOrder.objects.filter(status=Status.DISPATCHED)).order_by("sign_for_due_at")


def queue_in_progress(user: Any) -> QuerySet[WorkOrder]:
    """Orders being handled, nearest reply deadline first."""
    return _actionable(user, WorkOrder.objects.filter(status=Status.IN_PROGRESS)).order_by("reply_due_at")


def due_soon_threshold(*, now: datetime.datetime) -> datetime.datetime:
    """End of the next working day: "due soon" means due before then."""
    return calendar.end_of_day(day=calendar.add_working_days(start=calendar.local_date(moment=now), days=1))


def queue_due_soon(user: Any, *, now: datetime.datetime | None = None) -> QuerySet[WorkOrder]:
    """Orders being handled whose reply is due within one working day (not yet overdue)."""
    now = now or timezone.now()
    queryset = WorkOrder.objects.filter(
        status__in=HANDLING, reply_due_at__gte=now, reply_due_at__lte=due_soon_threshold(now=now)
    )
    return _actionable(user, queryset).order_by("reply_due_at")


def overdue_q(now: datetime.datetime) -> Q:
    """The one "overdue" condition: dispatched and past the sign-for deadline, handled (not paused)
    and past the reply deadline, or awaiting the callback past the callback deadline. Used by
    ``queue_overdue``, the workspace filter 只看超期 and the API's ``overdue`` filter."""
    return (
        Q(status=Status.DISPATCHED, sign_for_due_at__lt=now)
        | Q(status__in=HANDLING, is_paused=False, reply_due_at__lt=now)
        | Q(status=Status.AWAITING_CALLBACK, callback_due_at__lt=now)
    )


def is_overdue(order: WorkOrder, now: datetime.datetime) -> bool:
    """``overdue_q`` for one loaded order (list rows)."""
    if order.status == Status.DISPATCHED and order.sign_for_due_at and order.sign_for_due_at < now:
        return True
    if order.status in HANDLING and not order.is_paused and order.reply_due_at and order.reply_due_at < now:
        return True
    return bool(
        order.status == Status.AWAITING_CALLBACK and order.callback_due_at and order.callback_due_at < now
    )


def queue_overdue(user: Any, *, now: datetime.datetime | None = None) -> QuerySet[WorkOrder]:
    """Orders past a deadline (``overdue_q``). Departments see only their own deadlines (sign-for
    and reply): the callback is the hotline office's."""
    now = now or timezone.now()
    queryset = WorkOrder.objects.filter(overdue_q(now))
    if not user_is_city_wide(user):
        queryset = queryset.exclude(status=Status.AWAITING_CALLBACK)
    return _actionable(user, queryset).order_by("reply_due_at")


def queue_to_call_back(user: Any) -> QuerySet[WorkOrder]:
    """Approved replies waiting for the callback, oldest callback deadline first."""
    return _actionable(user, WorkOrder.objects.filter(status=Status.AWAITING_CALLBACK)).order_by(
        "callback_due_at"
    )


def queue_reopen_requests(user: Any) -> QuerySet[WorkOrder]:
    """群众申请重办: orders whose citizen rated the reply dissatisfied or asked for a redo, waiting for
    the hotline office to reopen them or decline (oldest request first)."""
    queryset = WorkOrder.objects.filter(
        reopen_requested_at__isnull=False, status__in=(Status.AWAITING_CALLBACK, Status.CLOSED)
    )
    return _actionable(user, queryset).order_by("reopen_requested_at")


def queue_returns(user: Any) -> QuerySet[WorkOrder]:
    """Returned orders waiting for the dispatcher's ruling (reassign or arbitrate)."""
    return _actionable(user, WorkOrder.objects.filter(status=Status.RETURNED)).order_by("updated_at")


def queue_replies_to_check(user: Any) -> QuerySet[WorkOrder]:
    """Replies waiting for the hotline office's check."""
    return _actionable(user, WorkOrder.objects.filter(status=Status.REPLIED)).order_by("replied_at")


def queue_extensions(user: Any) -> QuerySet[ExtensionRequest]:
    """Pending extension requests (for the hotline office; a handler sees their department's)."""
    queryset = ExtensionRequest.objects.filter(status=DecisionStatus.PENDING).select_related(
        "work_order", "department"
    )
    if user_is_city_wide(user):
        return queryset.order_by("requested_at")
    return scope_queryset(user, queryset, department_field="department").order_by("requested_at")


def inbound_messages(*, status: str | None = None, channel: str | None = None) -> QuerySet[InboundMessage]:
    """Recorded new-media messages, newest first (the workspace list and the API; the caller checks
    the role: operators, the hotline office and leaders read them)."""
    queryset = InboundMessage.objects.select_related("work_order", "handled_by")
    if status:
        queryset = queryset.filter(status=status)
    if channel:
        queryset = queryset.filter(channel=channel)
    return queryset.order_by("-received_at", "-pk")


def queue_inbound_messages() -> QuerySet[InboundMessage]:
    """新媒体留言 still to handle (new or handed on, not converted or ignored), oldest first."""
    return (
        InboundMessage.objects.filter(status__in=(InboundStatus.NEW, InboundStatus.ESCALATED))
        .select_related("work_order")
        .order_by("received_at", "pk")
    )


def queue_extension_orders(user: Any) -> QuerySet[WorkOrder]:
    """Orders with a pending extension request (延期待审批) the user may see, nearest reply deadline
    first: the order rows of ``queue_extensions`` for lists and counts."""
    pending = ExtensionRequest.objects.filter(status=DecisionStatus.PENDING).values("work_order_id")
    return work_order_visible(user, WorkOrder.objects.filter(pk__in=pending)).order_by("reply_due_at", "pk")


def pending_return(work_order: WorkOrder):
    """The return waiting for a ruling, with the department's reason."""
    return work_order.return_requests.filter(ruling=ReturnRuling.PENDING).order_by("-returned_at").first()


# --- Caller history and search -------------------------------------------------------------


def caller_history(*, phone: str, exclude: WorkOrder | None = None, limit: int = 20) -> QuerySet[WorkOrder]:
    """The caller's earlier orders by phone number, newest first (the operator's side panel).

    The caller's personal data is on these rows: the view that shows them records
    ``audit_personal_data_view``.
    """
    from gongkai.hotline.services import normalize_phone

    try:
        number = normalize_phone(phone)
    except Exception:
        return WorkOrder.objects.none()
    if not number:
        return WorkOrder.objects.none()
    queryset = WorkOrder.objects.filter(caller_phone=number)
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude.pk)
    return queryset.order_by("-created_at")[:limit]


def work_order_search(*, user: Any, query: str, limit: int = 50) -> QuerySet[WorkOrder]:
    """Chinese full-text search of titles and contents, limited to what ``user`` may see.

    Orders taken in since the last indexing job are indexed first (intake defers it), so a search
    finds every order stored before it; with nothing pending that is one query on a partial index.
    """
    from gongkai.core.search.selectors import search
    from gongkai.hotline.services import work_orders_index_pending

    work_orders_index_pending()
    results = search(query, doc_types=["workorder"], public_only=False, limit=min(limit, 200))
    ids = [hit.object_id for hit in results.hits]
    return work_order_visible(user, WorkOrder.objects.filter(pk__in=ids)).order_by("-created_at")


def tracking_number_lookup(tracking_number: str) -> WorkOrder | None:
    """Staff lookup by tracking number (no query code; the caller must check access)."""
    return WorkOrder.objects.filter(tracking_number=(tracking_number or "").strip()).first()


# --- KPIs --------------------------------------------------------------------------------------


@dataclass
class Kpi:
    """Counts and rates of one department (or the city) over a date range; rates are 0–1 or None."""

    orders: int = 0
    sign_for_due: int = 0
    signed_on_time: int = 0
    reply_due: int = 0
    replied_on_time: int = 0
    reply_approved: int = 0
    called_back: int = 0
    rated: int = 0
    satisfied: int = 0
    reopened: int = 0
    returned: int = 0
    first_contact: int = 0

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    @property
    def on_time_sign_for_rate(self) -> float | None:
        return self._rate(self.signed_on_time, self.sign_for_due)

    @property
    def on_time_closure_rate(self) -> float | None:
        return self._rate(self.replied_on_time, self.reply_due)

    @property
    def callback_rate(self) -> float | None:
        return self._rate(self.called_back, self.reply_approved)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._rate(self.satisfied, self.rated)

    @property
    def reopen_rate(self) -> float | None:
        return self._rate(self.reopened, self.orders)

    @property
    def return_rate(self) -> float | None:
        return self._rate(self.returned, self.orders)

    @property
    def first_contact_resolution_rate(self) -> float | None:
        return self._rate(self.first_contact, self.orders)

    def as_dict(self) -> dict[str, Any]:
        names = [
            "on_time_sign_for_rate",
            "on_time_closure_rate",
            "callback_rate",
            "satisfaction_rate",
            "reopen_rate",
            "return_rate",
            "first_contact_resolution_rate",
        ]
        return {**self.__dict__, **{name: getattr(self, name) for name in names}}


def _range(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    tz = calendar.CALENDAR_TZ
    return (
        datetime.datetime.combine(start, datetime.time.min, tz),
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tz),
    )


#: What the KPI counts count: a NOT NULL column of both covering indexes (``hotline_wo_kpi_cover``,
#: ``hotline_asg_kpi_cover``), not the id, so that PostgreSQL and SQLite answer from the index alone.
#: (Django refuses ``Count("*", filter=...)``.)
_ROWS = "created_at"


def _order_aggregates(now: datetime.datetime) -> dict[str, Any]:
    replied = Q(replied_at__isnull=False)
    return {
        "orders": Count(_ROWS),
        "reply_due": Count(_ROWS, filter=Q(reply_due_at__isnull=False) & (replied | Q(reply_due_at__lt=now))),
        "replied_on_time": Count(_ROWS, filter=replied & Q(replied_at__lte=F("reply_due_at"))),
        "reply_approved": Count(_ROWS, filter=Q(reply_approved_at__isnull=False)),
        "called_back": Count(_ROWS, filter=Q(callback_attempts__gt=0)),
        "rated": Count(_ROWS, filter=~Q(satisfaction="")),
        "satisfied": Count(_ROWS, filter=Q(satisfaction__in=list(SATISFIED_LEVELS))),
        "reopened": Count(_ROWS, filter=Q(reopen_count__gt=0)),
        "returned": Count(_ROWS, filter=Q(return_count__gt=0)),
        "first_contact": Count(_ROWS, filter=Q(first_contact_resolution=True)),
    }


def _sign_for_aggregates() -> dict[str, Any]:
    return {
        "sign_for_due": Count(_ROWS, filter=Q(sign_for_due_at__isnull=False)),
        "signed_on_time": Count(
            _ROWS, filter=Q(accepted_at__isnull=False, accepted_at__lte=F("sign_for_due_at"))
        ),
    }


def kpi_for_department(
    *,
    department: Department | None,
    start: datetime.date,
    end: datetime.date,
    include_descendants: bool = False,
    now: datetime.datetime | None = None,
) -> Kpi:
    """KPIs of orders received in [start, end] (Beijing dates) led by ``department`` (None: the city).

    Two aggregate queries (orders by lead department and creation time; lead assignments by
    department and dispatch time), both index-only scans of covering indexes
    (``hotline_wo_kpi_cover``, ``hotline_asg_kpi_cover``): a busy department's year (~235k orders
    of 1M) reads about 2,500 index pages instead of the table.
    Sign-for counts every lead assignment (a reassigned order counts for each department).
    """
    now = now or timezone.now()
    since, until = _range(start, end)
    orders = WorkOrder.objects.filter(created_at__gte=since, created_at__lt=until)
    assignments = Assignment.objects.filter(
        role=AssignmentRole.LEAD, created_at__gte=since, created_at__lt=until
    )
    if department is not None:
        if include_descendants:
            orders = orders.filter(lead_department__path__startswith=department.path)
            assignments = assignments.filter(department__path__startswith=department.path)
        else:
            orders = orders.filter(lead_department=department)
            assignments = assignments.filter(department=department)
    values = orders.aggregate(**_order_aggregates(now))
    values.update(assignments.aggregate(**_sign_for_aggregates()))
    return Kpi(**{k: v or 0 for k, v in values.items()})


def kpi_by_department(
    *, start: datetime.date, end: datetime.date, now: datetime.datetime | None = None
) -> dict[int, Kpi]:
    """KPIs of every lead department over [start, end] in two GROUP BY queries: ``{department_pk: Kpi}``."""
    now = now or timezone.now()
    since, until = _range(start, end)
    result: dict[int, Kpi] = {}
    rows = (
        WorkOrder.objects.filter(created_at__gte=since, created_at__lt=until, lead_department__isnull=False)
        .values("lead_department_id")
        .annotate(**_order_aggregates(now))
        .order_by()
    )
    for row in rows:
        values: dict[str, Any] = dict(row)
        department_id = values.pop("lead_department_id")
        result[department_id] = Kpi(**values)
    sign_rows = (
        Assignment.objects.filter(role=AssignmentRole.LEAD, created_at__gte=since, created_at__lt=until)
        .values("department_id")
        .annotate(**_sign_for_aggregates())
        .order_by()
    )
    for sign_row in sign_rows:
        counts: dict[str, Any] = dict(sign_row)
        kpi = result.setdefault(counts["department_id"], Kpi())
        kpi.sign_for_due = counts["sign_for_due"]
        kpi.signed_on_time = counts["signed_on_time"]
    return result


def clock_rule_text(work_order: WorkOrder, *, now: datetime.datetime | None = None) -> str:
    """The reply deadline's rule with extensions and pauses (e.g. "13个工作日（延长 5 个工作日）")."""
    clock = calendar.clock_get(owner=work_order, purpose="reply")
    if clock is None:
        return work_order.deadline_rule_text
    return calendar.clock_status(clock=clock, now=now).rule_text


def _remaining_text(status: Any) -> str:
    remaining = status.remaining
    if isinstance(remaining, datetime.timedelta):
        hours = round(remaining.total_seconds() / 3600, 1)
        if hours < 0:
            return _("已超期 %(n)s 个工作小时") % {"n": -hours}
        return _("剩余 %(n)s 个工作小时") % {"n": hours}
    if remaining < 0:
        return _("已超期 %(n)s 个工作日") % {"n": -remaining}
    return _("剩余 %(n)s 个工作日") % {"n": remaining}


def remaining_text(work_order: WorkOrder, *, now: datetime.datetime | None = None) -> str:
    """A countdown for lists: "剩余 3 个工作日" / "剩余 2.5 个工作小时" / "已超期 1 个工作日"."""
    clock = calendar.clock_get(owner=work_order, purpose="reply")
    if clock is None:
        return ""
    return _remaining_text(calendar.clock_status(clock=clock, now=now))


def remaining_text_many(orders: list[WorkOrder], *, now: datetime.datetime | None = None) -> dict[int, str]:
    """``remaining_text`` for a page of orders: ``{order.pk: text}`` ("" without a reply clock).

    Three queries whatever the page size (the clocks, their pauses, their extensions); the work
    calendar's years are loaded once and then served from its in-memory cache.
    """
    from django.contrib.contenttypes.models import ContentType

    from gongkai.core.workcalendar.models import DeadlineClock

    if not orders:
        return {}
    now = now or timezone.now()
    clocks = DeadlineClock.objects.filter(
        owner_type=ContentType.objects.get_for_model(WorkOrder),
        owner_id__in=[o.pk for o in orders],
        purpose="reply",
    ).prefetch_related("pauses", "extensions")
    by_order = {int(c.owner_id): c for c in clocks}
    result: dict[int, str] = {}
    for order in orders:
        clock = by_order.get(order.pk)
        result[order.pk] = _remaining_text(calendar.clock_status(clock=clock, now=now)) if clock else ""
    return result


# --- Workspace charts --------------------------------------------------------------------------

TOP_CATEGORIES = 10


def kpi_chart_series(
    *, department: Department | None, start: datetime.date, end: datetime.date
) -> dict[str, Any]:
    """The KPI page's chart series over orders received in [start, end] led by ``department`` (with
    its subtree; None: the city): orders per day by channel, the status breakdown, the top ten
    categories. Three GROUP BY queries; labels translated, JSON-ready."""
    from django.db.models.functions import TruncDate

    since, until = _range(start, end)
    orders = WorkOrder.objects.filter(created_at__gte=since, created_at__lt=until)
    if department is not None:
        orders = orders.filter(lead_department__path__startswith=department.path)
    days = [start + datetime.timedelta(days=i) for i in range((end - start).days + 1)]
    per_day: dict[str, dict[datetime.date, int]] = {}
    rows = (
        orders.annotate(day=TruncDate("created_at", tzinfo=calendar.CALENDAR_TZ))
        .values("day", "channel")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        per_day.setdefault(row["channel"], {})[row["day"]] = row["n"]
    channel_labels = dict(Channel.choices)
    status_labels = dict(Status.choices)
    return {
        "days": [d.isoformat() for d in days],
        "per_day": [
            {"name": str(channel_labels.get(channel, channel)), "data": [counts.get(d, 0) for d in days]}
            for channel, counts in sorted(per_day.items(), key=lambda item: -sum(item[1].values()))
        ],
        "statuses": [
            {"name": str(status_labels.get(row["status"], row["status"])), "value": row["n"]}
            for row in orders.values("status").annotate(n=Count("pk")).order_by("-n")
        ],
        "categories": [
            {"name": row["category__name"] or _("未分类"), "value": row["n"]}
            for row in orders.values("category__name").annotate(n=Count("pk")).order_by("-n")[:TOP_CATEGORIES]
        ],
    }


__all__ = [
    "ClockUnit",
    "Kpi",
    "PublicView",
    "access_work_order",
    "caller_history",
    "inbound_messages",
    "is_overdue",
    "kpi_by_department",
    "kpi_chart_series",
    "may_see_personal_data",
    "kpi_for_department",
    "letter_statistics",
    "public_letter",
    "public_letters",
    "public_reply_list",
    "public_view",
    "remaining_text_many",
    "queue_due_soon",
    "queue_extensions",
    "overdue_q",
    "queue_extension_orders",
    "queue_in_progress",
    "queue_inbound_messages",
    "queue_overdue",
    "queue_reopen_requests",
    "queue_replies_to_check",
    "queue_returns",
    "queue_to_call_back",
    "queue_to_dispatch",
    "queue_to_sign_for",
    "work_order_actions",
    "work_order_effective",
    "work_order_search",
    "work_order_visible",
]


# --- Inbound messages by who reads them ---------------------------------------------------------


def may_read_inbound(user: Any) -> bool:
    """Operators, the hotline office, leaders and superusers read every message; handlers read the
    messages handed to their department (and the units under it)."""
    from gongkai.accounts.roles import user_has_role

    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser or user_has_role(user, "operator", "dispatcher", "leader", "handler"))


def inbound_messages_visible(user: Any) -> QuerySet[InboundMessage]:
    """The messages ``user`` may read (see ``may_read_inbound``); none for anyone else."""
    from gongkai.accounts.roles import user_has_role

    queryset = InboundMessage.objects.all()
    if not may_read_inbound(user):
        return queryset.none()
    if user.is_superuser or user_has_role(user, "operator", "dispatcher", "leader"):
        return queryset
    return scope_queryset(user, queryset.filter(escalated_to__isnull=False), department_field="escalated_to")


def inbound_messages_for(
    user: Any,
    *,
    status: str | None = None,
    channel: str | None = None,
    department_id: int | None = None,
    overdue: bool | None = None,
    q: str | None = None,
    received_from: datetime.date | None = None,
    received_to: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> QuerySet[InboundMessage]:
    """Recorded messages ``user`` may read, newest first, filtered (the API list and the workspace).

    ``department_id``: handed to that department; ``overdue``: still 已转交 after its deadline (true)
    or not (false); ``q``: words in the text, the sender's name or handle; dates in Asia/Shanghai.
    """
    now = now or timezone.now()
    queryset = inbound_messages_visible(user).select_related("work_order", "handled_by", "escalated_to")
    if status:
        queryset = queryset.filter(status=status)
    if channel:
        queryset = queryset.filter(channel=channel)
    if department_id:
        queryset = queryset.filter(escalated_to_id=department_id)
    late = Q(status=InboundStatus.ESCALATED, due_at__lt=now)
    if overdue is True:
        queryset = queryset.filter(late)
    elif overdue is False:
        queryset = queryset.exclude(late)
    text = (q or "").strip()
    if text:
        queryset = queryset.filter(
            Q(text__icontains=text) | Q(sender_name__icontains=text) | Q(sender_handle__icontains=text)
        )
    if received_from:
        queryset = queryset.filter(
            received_at__gte=calendar.end_of_day(day=received_from - datetime.timedelta(days=1))
        )
    if received_to:
        queryset = queryset.filter(received_at__lte=calendar.end_of_day(day=received_to))
    return queryset.order_by("-received_at", "-pk")


__all__ += ["inbound_messages_for", "inbound_messages_visible", "may_read_inbound"]
