"""The hotline demo: a year of 12345 history driven through the core services, plus open queues.

``load(*, stdout, size=3000)`` takes the appeals of ``knowledge.synthetic.generate_history`` (realistic
Jilin City matters with their category and lead department), gives each a channel, a caller and a
fate (closed through the full loop, answered at first contact, returned and reassigned, extended,
sent back, reopened, unreachable, merged, invalid …), and runs every step through
``gongkai.hotline.services``. The most recent orders stop in every staff queue (to dispatch, to
sign for, due soon, overdue, to call back, returns, extensions, replies to check), some for the
demo accounts' departments (市公安局, 昌邑区, 延安街道).

Backdating without time travel: the services stamp ``timezone.now()``. All steps of all orders are
executed in the order of their *planned* times, so the real time of execution grows with the planned
time; afterwards every timestamp written during the run is mapped from the real window of its step
to the step's planned time, in bulk, and the deadlines that derive from them (sign-for, reply,
callback) are recomputed on the work calendar. Audit events are append-only and keep the real time
at which the demo was loaded.

Idempotent: every demo order has ``source_reference`` ``demo-NNNNN``; if any exists, nothing is done.
"""

from __future__ import annotations

import bisect
import datetime
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

from gongkai.accounts.models import Department
from gongkai.core.workcalendar import selectors as calendar
from gongkai.core.workcalendar.models import ClockExtension, ClockPause, DeadlineClock
from gongkai.hotline import demo_text as text
from gongkai.hotline import services
from gongkai.hotline.knowledge import synthetic
from gongkai.hotline.models import (
    Assignment,
    CallbackAttempt,
    Channel,
    ExtensionRequest,
    OrderType,
    ReturnRequest,
    RoutingCategory,
    Satisfaction,
    Status,
    SupervisionNotice,
    Urgency,
    WorkOrder,
    WorkOrderEvent,
)

PREFIX = "demo-"
DEFAULT_SIZE = 1500
SEED = 20261127

CHANNEL_WEIGHTS = {
    Channel.PHONE: 55,
    Channel.WEB: 10,
    Channel.MAILBOX: 8,
    Channel.WECHAT: 8,
    Channel.WEIBO: 4,
    Channel.EMAIL: 3,
    Channel.LETTER: 2,
    Channel.WALK_IN: 3,
    Channel.RECEPTION_DAY: 2,
    Channel.PROVINCIAL: 5,
}
TYPE_OVERRIDES = (  # (share, type): a few orders of other types than the category's
    (0.06, OrderType.CONSULTATION),
    (0.04, OrderType.SUGGESTION),
    (0.02, OrderType.PRAISE),
    (0.03, OrderType.HELP),
)
#: Departments of the demo accounts: each gets open orders in its queues.
DEMO_HANDLER_DEPARTMENTS = ("gongan", "changyi", "changyi-yanan")

HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)


@dataclass
class Plan:
    index: int
    item: synthetic.SyntheticOrder
    channel: str
    order_type: str
    department: str
    street_down: str | None
    created: datetime.datetime
    fate: str
    steps: list[tuple[datetime.datetime, str, dict]] = field(default_factory=list)
    pk: int | None = None


class Loader:
    def __init__(self, *, size: int, now: datetime.datetime, seed: int = SEED) -> None:
        self.size = size
        self.now = now
        self.rng = random.Random(seed)
        self.departments = {d.code: d for d in Department.objects.all()}
        self.categories = self._categories()
        self.users = self._users()
        self.callers: list[tuple[str, str]] = []
        self.plans: list[Plan] = []
        self.windows: list[tuple[datetime.datetime, datetime.datetime]] = []  # (real, planned)
        self.counts: dict[str, int] = {}

    # --- Set-up ----------------------------------------------------------------------------------

    def _categories(self) -> dict[str, RoutingCategory]:
        """The starter catalogue plus the synthetic history's categories (created when missing)."""
        existing = {c.code: c for c in RoutingCategory.objects.all()}
        for order, spec in enumerate(synthetic.CATALOGUE):
            if spec.code in existing:
                continue
            parent = existing.get(spec.parent) if spec.parent else None
            category = RoutingCategory(
                code=spec.code,
                name=spec.name,
                parent=parent,
                default_department=self.departments.get(spec.department),
                default_type=spec.order_type,
                keywords=spec.keywords,
                sort_order=100 + order,
            )
            category.save()
            existing[spec.code] = category
        return existing

    def _users(self) -> dict[str, Any]:
        user_model = get_user_model()
        users = {u.username: u for u in user_model.objects.filter(is_active=True)}
        admin = users.get("admin") or user_model.objects.filter(is_superuser=True, is_active=True).first()
        handlers: dict[int, Any] = {}
        for user in user_model.objects.filter(is_active=True, groups__name="承办人").select_related(
            "department"
        ):
            if user.department_id is not None:  # handler_for() looks up by a department's pk
                handlers.setdefault(user.department_id, user)
        return {
            "dispatcher": users.get("dispatcher") or admin,
            "operator": users.get("operator") or admin,
            "admin": admin,
            "handlers": handlers,
        }

    def handler_for(self, department: Department) -> Any:
        # Departments without a demo account are handled by the superuser (who may act anywhere);
        # the reply is still the department's (reply_department falls back to the current one).
        return self.users["handlers"].get(department.pk) or self.users["admin"]

    def caller(self) -> tuple[str, str]:
        if self.callers and self.rng.random() < 0.12:
            return self.rng.choice(self.callers)  # a repeat caller: the operator sees the history
        pair = (text.person(self.rng), text.mobile(self.rng))
        self.callers.append(pair)
        return pair

    # --- Planning ------------------------------------------------------------------------------

    def _at(self, base: datetime.datetime, *, hours: float = 0, days: int = 0) -> datetime.datetime:
        """``base`` moved by working days and hours, never later than a minute before now."""
        moment = base
        if days:
            day = calendar.add_working_days(start=calendar.local_date(moment=moment), days=days)
            moment = timezone.make_aware(
                datetime.datetime.combine(day, datetime.time(9, 0)) + self.rng.randint(0, 420) * MINUTE
            )
        if hours:
            moment = moment + datetime.timedelta(hours=hours) + self.rng.randint(1, 50) * MINUTE
        # Never in the future, and always after ``base`` (the steps of an order stay in order).
        return max(min(moment, self.now - MINUTE), base + datetime.timedelta(seconds=1))

    def plan(self) -> None:
        history = synthetic.generate_history(self.size, seed=SEED)
        channels, weights = zip(*CHANNEL_WEIGHTS.items(), strict=True)
        queue_share = max(40, min(200, self.size // 15))
        # The newest ``queue_share`` orders stay open in the queues; the rest is history.
        order = sorted(range(len(history)), key=lambda i: history[i].days_ago)
        open_indices = set(order[:queue_share])
        open_fates = self._open_fates(queue_share)
        open_iter = iter(open_fates)
        for index, item in enumerate(history):
            order_type = item.order_type
            roll = self.rng.random()
            for share, override in TYPE_OVERRIDES:
                if roll < share:
                    order_type = override
                    break
                roll -= share
            department = item.department if item.department in self.departments else "rexian"
            if index in open_indices:
                fate, forced_department = next(open_iter)
                if forced_department:
                    department = forced_department
            else:
                fate = self._closed_fate(order_type)
            street_down = None
            lead = self.departments[department]
            if department == "changyi-yanan":
                department, street_down = "changyi", "changyi-yanan"
            elif (
                lead.kind == "district"
                and item.street in self.departments
                and self.departments[item.street].parent_id == lead.pk
                and self.rng.random() < 0.4
            ):
                street_down = item.street
            plan = Plan(
                index=index,
                item=item,
                channel=self.rng.choices(channels, weights)[0],
                order_type=order_type,
                department=department,
                street_down=street_down,
                created=min(item.created_at(now=self.now), self.now - self.rng.randint(90, 900) * MINUTE),
                fate=fate,
            )
            self._steps(plan)
            self.plans.append(plan)

    def _open_fates(self, total: int) -> list[tuple[str, str | None]]:
        """Open end states for the newest orders: every queue, part of it for the demo accounts."""
        shares = [
            ("received", 0.12),
            ("dispatched", 0.14),
            ("due_soon", 0.10),
            ("overdue", 0.10),
            ("in_progress", 0.14),
            ("returned", 0.06),
            ("extension", 0.06),
            ("replied", 0.10),
            ("awaiting_callback", 0.12),
            ("dissatisfied", 0.03),
            ("paused", 0.03),
        ]
        fates: list[tuple[str, str | None]] = []
        for fate, share in shares:
            count = max(2, round(total * share))
            for n in range(count):
                forced = None
                if fate not in ("received",) and n < 3:
                    forced = DEMO_HANDLER_DEPARTMENTS[n % len(DEMO_HANDLER_DEPARTMENTS)]
                    if fate in ("returned",) and forced == "changyi-yanan":
                        forced = "changyi"
                fates.append((fate, forced))
        self.rng.shuffle(fates)
        while len(fates) < total:
            fates.append(("in_progress", None))
        return fates[:total]

    def _closed_fate(self, order_type: str) -> str:
        roll = self.rng.random()
        if order_type == OrderType.CONSULTATION and roll < 0.6:
            return "direct"
        for fate, share in (
            ("invalid", 0.02),
            ("merged", 0.02),
            ("returned_reassigned", 0.04),
            ("returned_upheld", 0.02),
            ("extended", 0.04),
            ("sent_back", 0.03),
            ("reopened", 0.05),
            ("unreachable", 0.03),
            ("dissatisfied_closed", 0.02),
        ):
            if roll < share:
                return fate
            roll -= share
        return "closed"

    def _steps(self, plan: Plan) -> None:
        """The planned steps of one order (times strictly increasing, all in the past)."""
        created = plan.created
        fate = plan.fate
        steps = plan.steps
        if fate in ("due_soon", "overdue", "extension", "paused"):
            # Dispatched long enough ago for the wanted deadline state (reply clock set below).
            back = {"due_soon": 2, "overdue": 22, "extension": 6, "paused": 4}[fate]
            today = calendar.local_date(moment=self.now)
            if fate == "due_soon":
                # Due on the next working day whatever today is (a weekend or holiday included):
                # three working days (the HELP rule below) before it.
                day = calendar.add_working_days(start=calendar.add_working_days(start=today, days=1), days=-3)
            else:
                day = calendar.add_working_days(start=today, days=-back)
            created = timezone.make_aware(datetime.datetime.combine(day, datetime.time(8, 40)))
            if fate == "due_soon":
                plan.order_type = OrderType.HELP  # 3 working days: due within the next working day
            elif fate != "extension":
                plan.order_type = OrderType.COMPLAINT
            plan.created = created
        elif fate in ("received", "dispatched"):
            created = self.now - self.rng.randint(20, 600) * MINUTE
            plan.created = created
        steps.append((created, "create", {}))
        if fate == "received":
            return
        if fate == "invalid":
            steps.append((self._at(created, hours=0.2), "mark_invalid", {}))
            return
        if fate == "merged":
            steps.append((self._at(created, hours=0.5), "merge", {}))
            return
        if fate == "direct":
            steps.append((self._at(created, hours=0.05), "answer_directly", {}))
            return
        t = self._at(created, hours=0.6)
        steps.append((t, "dispatch", {}))
        if fate == "dispatched":
            if plan.street_down:
                # Handed down to a street, which has not signed for it yet.
                t = self._at(t, hours=0.2)
                steps.append((t, "accept", {}))
                steps.append((self._at(t, hours=0.1), "dispatch_down", {}))
            return
        if fate in ("returned", "returned_reassigned", "returned_upheld"):
            t = self._at(t, hours=1.5)
            steps.append((t, "return", {}))
            if fate == "returned":
                return
            t = self._at(t, hours=2)
            steps.append((t, "reassign" if fate == "returned_reassigned" else "arbitrate", {}))
        t = self._at(t, hours=1)
        steps.append((t, "accept", {}))
        if plan.street_down:
            t = self._at(t, hours=0.5)
            steps.append((t, "dispatch_down", {}))
            t = self._at(t, hours=1)
            steps.append((t, "accept_down", {}))
        if fate in ("due_soon", "overdue", "in_progress"):
            return
        if fate == "paused":
            steps.append((self._at(t, hours=3), "pause", {}))
            return
        if fate in ("extension", "extended"):
            t = self._at(t, days=1 if fate == "extension" else 3)
            steps.append((t, "request_extension", {}))
            if fate == "extension":
                return
            t = self._at(t, hours=3)
            steps.append((t, "approve_extension", {}))
        t = self._at(t, days=self.rng.randint(1, 6))
        steps.append((t, "reply", {}))
        if fate == "replied":
            return
        if fate == "sent_back":
            t = self._at(t, hours=4)
            steps.append((t, "send_back", {}))
            t = self._at(t, days=1)
            steps.append((t, "reply", {}))
        t = self._at(t, hours=self.rng.randint(2, 20))
        steps.append((t, "approve_reply", {}))
        if fate == "awaiting_callback":
            return
        t = self._at(t, days=1)
        if fate == "unreachable":
            for _n in range(3):
                steps.append((t, "callback", {"outcome": "unreachable"}))
                t = self._at(t, hours=4)
            return
        if fate in ("dissatisfied", "dissatisfied_closed", "reopened"):
            steps.append((t, "callback", {"outcome": "reached", "satisfaction": Satisfaction.DISSATISFIED}))
            if fate == "dissatisfied":
                return
            t = self._at(t, hours=3)
            if fate == "dissatisfied_closed":
                steps.append((t, "close", {}))
                return
            steps.append((t, "reopen", {}))
            t = self._at(t, hours=2)
            steps.append((t, "accept", {}))
            if plan.street_down:
                steps.append((self._at(t, hours=0.5), "dispatch_down", {}))
                t = self._at(t, hours=1.5)
                steps.append((t, "accept_down", {}))
            t = self._at(t, days=self.rng.randint(1, 5))
            steps.append((t, "reply", {}))
            t = self._at(t, hours=6)
            steps.append((t, "approve_reply", {}))
            t = self._at(t, days=1)
        satisfaction = self.rng.choices(
            [Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED],
            [45, 40, 15],
        )[0]
        if self.rng.random() < 0.04:
            steps.append((t, "callback", {"outcome": "refused"}))
        else:
            steps.append((t, "callback", {"outcome": "reached", "satisfaction": satisfaction}))

    # --- Running -------------------------------------------------------------------------------

    def run(self) -> None:
        queue = [
            (when, plan.index, number, plan, action, extra)
            for plan in self.plans
            for number, (when, action, extra) in enumerate(plan.steps)
        ]
        queue.sort(key=lambda row: (row[0], row[1], row[2]))
        for when, _index, _number, plan, action, extra in queue:
            self.windows.append((timezone.now(), when))
            self._do(plan, action, extra, when)
            self.counts[action] = self.counts.get(action, 0) + 1

    def _do(self, plan: Plan, action: str, extra: dict, when: datetime.datetime) -> None:
        rng = self.rng
        item = plan.item
        dispatcher, operator = self.users["dispatcher"], self.users["operator"]
        if action == "create":
            name, phone = self.caller()
            district = self.departments.get(item.district)
            street = self.departments.get(item.street) if item.street else None
            order, _code = services.work_order_create(
                channel=plan.channel,
                content=item.content,
                title=item.title,
                order_type=plan.order_type,
                caller_name=name,
                caller_phone=phone,
                confidential=rng.random() < 0.04,
                consent_to_publish=plan.channel in (Channel.MAILBOX, Channel.WEB) and rng.random() < 0.6,
                category=self.categories.get(item.category),
                urgency=Urgency.URGENT if rng.random() < 0.03 else Urgency.NORMAL,
                district=district if district is not None and district.kind != "street" else None,
                street=street,
                latitude=item.latitude,
                longitude=item.longitude,
                source_reference=f"{PREFIX}{plan.index:05d}",
                raw_source={"demo": True},
                actor=operator if plan.channel == Channel.PHONE else None,
                notify=False,
                received_at=when,
            )
            plan.pk = order.pk
            return
        pk = plan.pk
        if pk is None:  # pragma: no cover - every plan's first step is "create"
            raise ValueError(f"{action} before create in plan {plan.index}")
        department = self.departments[plan.department]
        if action == "mark_invalid":
            services.work_order_mark_invalid(
                work_order=pk, actor=operator, reason=rng.choice(text.INVALID_REASONS)
            )
        elif action == "merge":
            lead = self._merge_target(plan)
            if lead is None:
                services.work_order_mark_invalid(work_order=pk, actor=operator, reason="重复来电")
            else:
                services.work_order_merge(
                    work_order=pk, actor=dispatcher, into=lead, reason=rng.choice(text.MERGE_NOTES)
                )
        elif action == "answer_directly":
            services.work_order_answer_directly(
                work_order=pk, actor=operator, reply_text=rng.choice(text.DIRECT_ANSWERS)
            )
        elif action == "dispatch":
            target = department
            if plan.fate in ("returned", "returned_reassigned"):
                # Routed wrongly first: the department returns it.
                target = self._wrong_department(department)
                plan.extra_wrong = target  # type: ignore[attr-defined]
            services.work_order_dispatch(work_order=pk, actor=dispatcher, department=target)
        elif action == "return":
            wrong = getattr(plan, "extra_wrong", department)
            services.work_order_return(
                work_order=pk,
                actor=self.handler_for(wrong),
                reason=rng.choice(text.RETURN_REASONS),
                suggested_department=department if wrong != department else None,
            )
        elif action == "reassign":
            services.work_order_reassign(
                work_order=pk, actor=dispatcher, department=department, comment="同意退单，改派。"
            )
        elif action == "arbitrate":
            services.work_order_arbitrate(
                work_order=pk, actor=dispatcher, ruling=rng.choice(text.ARBITRATION)
            )
        elif action == "accept":
            services.work_order_accept(work_order=pk, actor=self.handler_for(department))
        elif action == "dispatch_down":
            street = self._street_down(plan)
            services.work_order_dispatch_down(
                work_order=pk, actor=self.handler_for(department), street=street
            )
        elif action == "accept_down":
            services.work_order_accept(work_order=pk, actor=self.handler_for(self._street_down(plan)))
        elif action == "pause":
            services.work_order_pause(
                work_order=pk, actor=self.handler_for(department), reason="等待来电人补充材料"
            )
        elif action == "request_extension":
            services.work_order_request_extension(
                work_order=pk,
                actor=self._current_handler(plan),
                amount=rng.choice([3, 5, 10]),
                reason=rng.choice(text.EXTENSION_REASONS),
            )
        elif action == "approve_extension":
            services.work_order_decide_extension(
                work_order=pk, actor=dispatcher, approve=True, comment="同意延期。"
            )
        elif action == "reply":
            services.work_order_reply(
                work_order=pk, actor=self._current_handler(plan), reply_text=text.reply(rng, item.category)
            )
        elif action == "send_back":
            services.work_order_send_back(
                work_order=pk, actor=dispatcher, reason=rng.choice(text.SEND_BACK_REASONS)
            )
        elif action == "approve_reply":
            services.work_order_approve_reply(work_order=pk, actor=dispatcher)
        elif action == "callback":
            outcome = extra["outcome"]
            comment = ""
            if outcome == "reached":
                satisfied = extra["satisfaction"] != Satisfaction.DISSATISFIED
                comment = rng.choice(text.CALLBACK_COMMENTS if satisfied else text.DISSATISFIED_COMMENTS)
            services.work_order_record_callback(
                work_order=pk,
                actor=operator,
                outcome=outcome,
                satisfaction=extra.get("satisfaction", ""),
                comment=comment,
            )
        elif action == "close":
            services.work_order_close(
                work_order=pk, actor=dispatcher, reason="经研判，诉求已依法依规答复，予以办结。"
            )
        elif action == "reopen":
            services.work_order_reopen(
                work_order=pk, actor=dispatcher, reason=rng.choice(text.REOPEN_REASONS)
            )
        else:  # pragma: no cover - a typo in the plan
            raise ValueError(action)

    def _current_handler(self, plan: Plan) -> Any:
        if plan.street_down:
            return self.handler_for(self.departments[plan.street_down])
        return self.handler_for(self.departments[plan.department])

    def _street_down(self, plan: Plan) -> Department:
        if plan.street_down is None:  # pragma: no cover - only planned when the order goes down a level
            raise ValueError(f"plan {plan.index} has no street to dispatch down to")
        return self.departments[plan.street_down]

    def _wrong_department(self, department: Department) -> Department:
        for code in ("chengguan", "zhujian", "shijian", "minzheng"):
            if code != department.code and code in self.departments:
                return self.departments[code]
        return department

    def _merge_target(self, plan: Plan) -> int | None:
        # An earlier open-or-closed order of the same category, not merged or invalid.
        for other in reversed(self.plans[: plan.index]):
            if (
                other.pk
                and other.item.category == plan.item.category
                and other.fate not in ("merged", "invalid")
            ):
                return other.pk
        return None

    # --- Backdating ----------------------------------------------------------------------------

    def backdate(self) -> None:
        reals = [real for real, _planned in self.windows]
        planned = [p for _real, p in self.windows]
        start, end = reals[0], timezone.now()

        def mapped(value: datetime.datetime | None) -> datetime.datetime | None:
            if value is None or value < start or value > end:
                return value
            i = max(0, bisect.bisect_right(reals, value) - 1)
            gap = (
                (planned[i + 1] - planned[i]) / 2 if i + 1 < len(planned) else datetime.timedelta(seconds=30)
            )
            offset = min(value - reals[i], max(gap, datetime.timedelta(0)), datetime.timedelta(seconds=30))
            return planned[i] + offset

        orders = [p.pk for p in self.plans if p.pk]
        from django.contrib.contenttypes.models import ContentType

        clock_ids = list(
            DeadlineClock.objects.filter(
                owner_type=ContentType.objects.get_for_model(WorkOrder), owner_id__in=orders
            ).values_list("pk", flat=True)
        )
        targets: list[tuple[type[models.Model], models.QuerySet, list[str]]] = [
            (
                WorkOrder,
                WorkOrder.objects.filter(pk__in=orders),
                [
                    "dispatched_at",
                    "accepted_at",
                    "replied_at",
                    "reply_approved_at",
                    "callback_at",
                    "closed_at",
                    "updated_at",
                ],
            ),
            (WorkOrderEvent, WorkOrderEvent.objects.filter(work_order_id__in=orders), ["created_at"]),
            (
                Assignment,
                Assignment.objects.filter(work_order_id__in=orders),
                ["created_at", "accepted_at", "replied_at", "finished_at"],
            ),
            (
                ExtensionRequest,
                ExtensionRequest.objects.filter(work_order_id__in=orders),
                ["requested_at", "decided_at"],
            ),
            (
                ReturnRequest,
                ReturnRequest.objects.filter(work_order_id__in=orders),
                ["returned_at", "ruled_at"],
            ),
            (CallbackAttempt, CallbackAttempt.objects.filter(work_order_id__in=orders), ["attempted_at"]),
            (SupervisionNotice, SupervisionNotice.objects.filter(work_order_id__in=orders), ["created_at"]),
            (DeadlineClock, DeadlineClock.objects.filter(pk__in=clock_ids), ["started_at", "stopped_at"]),
            (ClockPause, ClockPause.objects.filter(clock_id__in=clock_ids), ["paused_at", "resumed_at"]),
            (ClockExtension, ClockExtension.objects.filter(clock_id__in=clock_ids), ["granted_at"]),
        ]
        for model, queryset, fields in targets:
            changed = []
            for row in queryset.only("pk", *fields).iterator(chunk_size=2000):
                dirty = False
                for name in fields:
                    old = getattr(row, name)
                    new = mapped(old)
                    if new != old:
                        setattr(row, name, new)
                        dirty = True
                if dirty:
                    changed.append(row)
            _bulk_update(model, changed, fields)
        self._recompute_deadlines(orders)
        self._withdraw_history_messages(orders)

    def _withdraw_history_messages(self, orders: list[int]) -> None:
        """The SMS the services queued for this invented past (e.g. "your reply is ready" to invented
        numbers) must never go out: cancel them before the demo transaction commits."""
        from django.contrib.contenttypes.models import ContentType

        from gongkai.core.outbox.models import OutboxMessage

        OutboxMessage.objects.filter(
            source_content_type=ContentType.objects.get_for_model(WorkOrder),
            source_object_id__in=[str(pk) for pk in orders],
            status=OutboxMessage.Status.PENDING,
        ).update(status=OutboxMessage.Status.CANCELLED)

    def _recompute_deadlines(self, orders: list[int]) -> None:
        """Deadlines derive from the (now backdated) start times: recompute them on the calendar."""
        now = timezone.now()
        changed = []
        assignments = []
        for order in WorkOrder.objects.filter(pk__in=orders).exclude(
            status__in=[Status.CLOSED, Status.MERGED, Status.INVALID]
        ):
            rule = services.deadline_rule_for(
                order_type=order.order_type, urgency=order.urgency, category=order.category
            )
            clock = calendar.clock_get(owner=order, purpose=services.REPLY_CLOCK)
            if clock is not None:
                order.reply_due_at = calendar.clock_status(clock=clock, now=now).due_at
            if order.status == Status.DISPATCHED and order.current_department_id is not None:
                current = (
                    order.assignments.filter(is_active=True, department_id=order.current_department_id)
                    .order_by("-level", "-pk")
                    .first()
                )
                if current is not None:
                    due = calendar.add_working_hours(
                        start=current.created_at, hours=Decimal(rule.sign_for_hours)
                    )
                    order.sign_for_due_at = current.sign_for_due_at = due
                    assignments.append(current)
            if order.status == Status.AWAITING_CALLBACK and order.reply_approved_at:
                order.callback_due_at = calendar.end_of_day(
                    day=calendar.add_working_days(
                        start=calendar.local_date(moment=order.reply_approved_at), days=rule.callback_days
                    )
                )
            changed.append(order)
        _bulk_update(WorkOrder, changed, ["reply_due_at", "sign_for_due_at", "callback_due_at"])
        _bulk_update(Assignment, assignments, ["sign_for_due_at"])


def _bulk_update(model: type[models.Model], rows: list, fields: list[str]) -> None:
    if rows:
        model._default_manager.bulk_update(rows, fields, batch_size=500)


def demo_exists() -> bool:
    return WorkOrder.objects.filter(source_reference__startswith=PREFIX).exists()


def load(*, stdout: Any, size: int | None = None, now: datetime.datetime | None = None) -> dict[str, int]:
    """Load ``size`` demo orders once (skipped when any ``demo-`` order exists); returns step counts.

    ``size`` defaults to ``settings.GONGKAI_DEMO_HOTLINE_ORDERS`` (environment variable of the same
    name), else ``DEFAULT_SIZE``.
    """
    if size is None:
        import os

        from django.conf import settings

        size = int(
            getattr(settings, "GONGKAI_DEMO_HOTLINE_ORDERS", 0)
            or os.environ.get("GONGKAI_DEMO_HOTLINE_ORDERS", "")
            or DEFAULT_SIZE
        )
    if demo_exists():
        stdout.write("hotline: 演示工单已存在，跳过 / demo orders exist, skipped")
        return {}
    if "rexian" not in {d.code for d in Department.objects.filter(code="rexian")}:
        stdout.write("hotline: 缺少演示机构，跳过 / demo departments missing, skipped")
        return {}
    started = time.monotonic()
    loader = Loader(size=size, now=now or timezone.now())
    if loader.users["admin"] is None:
        stdout.write("hotline: 缺少管理员账号，跳过 / no superuser, skipped")
        return {}
    loader.plan()
    loader.run()
    loader.backdate()
    published = _publish_letters(loader.users["dispatcher"] or loader.users["admin"])
    trained = _train_routing(stdout)
    seconds = time.monotonic() - started
    stdout.write(
        f"hotline: {size} 件演示工单，{sum(loader.counts.values())} 步，用时 {seconds:.1f} 秒 / "
        f"{size} demo orders, {sum(loader.counts.values())} steps, {seconds:.1f} s"
    )
    stdout.write(f"hotline: 公开信件 {published} 封 / {published} letters published; {trained}")
    return loader.counts


def _publish_letters(actor: Any, *, limit: int = 60) -> int:
    """Publish the consenting mailbox letters the way staff do: the suggested redacted copies."""
    from django.db.models import Q

    candidates = WorkOrder.objects.filter(
        channel=Channel.MAILBOX,
        consent_to_publish=True,
        confidential=False,
        publication_approved_at__isnull=True,
        status__in=[Status.AWAITING_CALLBACK, Status.CLOSED],
    ).filter(~Q(public_reply=""))[:limit]
    published = 0
    for order in candidates:
        services.work_order_approve_publication(
            work_order=order,
            actor=actor,
            public_title=services.public_text(order, order.title),
            public_content=services.public_text(order, order.content),
            public_reply=order.public_reply,
        )
        published += 1
    return published


def _train_routing(stdout: Any) -> str:
    """Train the routing model on the demo history so that suggestions come from a model at once."""
    try:
        from gongkai.hotline.knowledge.services import routing_train

        metrics = routing_train()
    except Exception as exc:  # noqa: BLE001 - the demo works without a model (keyword rules)
        return f"routing model not trained ({exc.__class__.__name__}: {exc})"
    return f"routing model: {str(metrics)[:200]}"
