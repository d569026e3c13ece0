"""The disclosure demo: two years of 依申请公开 in Jilin City, up to today, in every state.

``load(*, stdout)`` plans, for about two dozen applications a month from 1 December of the year
before last until today (``timezone.localdate()``, Asia/Shanghai), who applied to which agency and
how, and what happened: review, the one correction notice (answered or lapsed), consultations of a
third party or another agency (answered or silent), the extension (approved, once refused), fee
notices (per application or per page; paid or lapsed), the reply of each type with its Table 3
ground, delivery and archiving. Every reply type and every Table 3 ground occurs in last year;
applications carry over from the year before last into last year and from last year into this
one; and the newest applications stay open in every state the disclosure dashboard shows
(registered, reviewing, waiting for a correction or a fee, paused for a consultation, awaiting an
extension decision, due soon, overdue). Last year also gets a few reconsideration and litigation
cases (Table 4), the Table 2 figures of the departments, the 规章/规范性文件 tags of the demo policy
documents, and the annual reports (the city's draft, one department's released).

Backdating without time travel: the services stamp today's date on the steps they take (a
correction notice is issued "today", a fee notice too…), so the demo writes the rows itself, the
way the services do, in bulk: the same records, the same timeline texts (``LogEntry``; a test keeps
them in step with ``services.py``), and the reply clock (``DeadlineClock`` purpose ``reply`` with
its ``ClockPause`` and ``ClockExtension`` rows) as ``workcalendar.services`` records it when the
services drive it, at the moments they use (00:00 of the day each step stands for). No audit
events, SMS or e-mail are written for these invented steps. Reply letters are rendered only for
the archived example the loader prints; the workspace renders the others when downloaded.

Deterministic (seeded) for a given today. The applications are loaded once: if the demo's exist
(their ``submitted`` timeline entry carries ``DEMO_NOTE``), none are added. The documents, the
Table 2 figures and the reports are added only when missing (or different), so a second run
changes nothing. See docs/disclosure-demo.md.
"""

from __future__ import annotations

import datetime
import operator
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gongkai.accounts.credit_code import credit_code_build
from gongkai.accounts.models import Department
from gongkai.core.personal_data import redact_text
from gongkai.core.workcalendar import selectors as calendar
from gongkai.core.workcalendar.clocks import ClockSpec, ExtensionGrant, PauseSpan
from gongkai.core.workcalendar.errors import CalendarNotAvailable
from gongkai.core.workcalendar.models import ClockExtension, ClockPause, ClockUnit, DeadlineClock
from gongkai.disclosure import demo_text as text
from gongkai.disclosure import fees, services
from gongkai.disclosure.grounds import Ground, ReplyType, outcome_of
from gongkai.disclosure.models import (
    ApplicantType,
    Application,
    Consultation,
    ConsultationAnswer,
    ConsultationKind,
    CorrectionNotice,
    Extension,
    FeeMethod,
    FeeNotice,
    IdType,
    IntakeChannel,
    LogEntry,
    ProvisionChannel,
    ProvisionForm,
    Reply,
    ReviewKind,
    ReviewOutcome,
    Status,
    TrackingCounter,
)
from gongkai.disclosure.services import correction_days, fee_days

SEED = 20261201
#: Marks the demo's applications (internal note of their ``submitted`` timeline entry).
DEMO_NOTE = "演示数据（gongkai demo load）"
#: Applications received per month, on average.
PER_MONTH = 22
REPLY_DAYS = 20
CONSULTATION_DAYS = 15

#: The agencies that receive applications, with their share (the city government is ``jilin``).
DEPARTMENT_WEIGHTS = {
    "jilin": 14,
    "zhujian": 16,
    "ziran": 14,
    "jiaoyu": 9,
    "gongan": 9,
    "shengtai": 7,
    "caizheng": 6,
    "renshe": 5,
    "shijian": 6,
    "weijian": 4,
    "chengguan": 5,
    "jiaotong": 4,
}
#: Departments with a demo clerk (accounts/demo.py); the others are handled by ``gongkaiban``.
CLERKS = {
    "zhujian": "clerk.zhujian",
    "ziran": "clerk.ziran",
    "jiaoyu": "clerk.jiaoyu",
    "gongan": "clerk.gongan",
}
OFFICE_USER = "gongkaiban"
OFFICE_HEAD = "disclosure"
APPLICANT_WEIGHTS = {
    ApplicantType.NATURAL_PERSON: 80,
    ApplicantType.COMMERCIAL: 7,
    ApplicantType.RESEARCH: 2,
    ApplicantType.NONPROFIT: 3,
    ApplicantType.LEGAL_SERVICE: 5,
    ApplicantType.OTHER_ORGANISATION: 3,
}
CHANNEL_WEIGHTS = {
    IntakeChannel.ONLINE: 55,
    IntakeChannel.IN_PERSON: 15,
    IntakeChannel.POST: 16,
    IntakeChannel.ORDINARY_LETTER: 5,
    IntakeChannel.FAX: 3,
    IntakeChannel.ORAL: 6,
}
#: (reply type, ground, weight) of an ordinary application.
OUTCOME_WEIGHTS: tuple[tuple[str, str, int], ...] = (
    (ReplyType.DISCLOSED, Ground.DISCLOSED, 30),
    (ReplyType.ALREADY_PUBLIC, Ground.DISCLOSED, 9),
    (ReplyType.PARTIAL, Ground.PARTIAL, 8),
    (ReplyType.WITHHELD, Ground.WITHHELD_THIRD_PARTY, 2),
    (ReplyType.WITHHELD, Ground.WITHHELD_PROCESS_INFO, 2),
    (ReplyType.WITHHELD, Ground.WITHHELD_INTERNAL_AFFAIRS, 1),
    (ReplyType.WITHHELD, Ground.WITHHELD_ENFORCEMENT_FILE, 1),
    (ReplyType.NOT_EXIST, Ground.UNAVAILABLE_NOT_HELD, 15),
    (ReplyType.NOT_EXIST, Ground.UNAVAILABLE_NEEDS_CREATION, 3),
    (ReplyType.NOT_THIS_AGENCY, Ground.UNAVAILABLE_NOT_HELD, 5),
    (ReplyType.SPECIAL_PROCEDURE, Ground.WITHHELD_ADMINISTRATIVE_QUERY, 3),
    (ReplyType.NOT_PROCESSED, Ground.NOT_PROCESSED_PETITION, 3),
    (ReplyType.NOT_PROCESSED, Ground.NOT_PROCESSED_PUBLICATION, 1),
    (ReplyType.NOT_PROCESSED, Ground.NOT_PROCESSED_CONFIRMATION, 1),
    (ReplyType.TERMINATED, Ground.OTHER_NO_CORRECTION, 2),
    (ReplyType.TERMINATED, Ground.OTHER_OTHER, 1),
)

MINUTE = datetime.timedelta(minutes=1)


# --- Dates --------------------------------------------------------------------------------------


def day_start(day: datetime.date) -> datetime.datetime:
    """The clock moment standing for ``day`` (as ``services.day_start``)."""
    return datetime.datetime.combine(day, datetime.time.min, calendar.CALENDAR_TZ)


def local_moment(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), calendar.CALENDAR_TZ)


def wd(day: datetime.date, days: int) -> datetime.date:
    return calendar.add_working_days(start=day, days=days)


def working_on_or_after(day: datetime.date) -> datetime.date:
    return day if calendar.is_working_day(day=day) else wd(day, 1)


def _fmt(day: datetime.date | None) -> str:
    return day.strftime("%Y-%m-%d") if day else ""


# --- The plan -----------------------------------------------------------------------------------


@dataclass
class Applicant:
    applicant_type: str
    name: str
    id_type: str
    id_number: str
    legal_representative: str = ""
    contact_name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    postal_code: str = ""


@dataclass
class Spec:
    """What should happen to one application (the planner turns it into dated events)."""

    received: datetime.date
    department: str
    applicant: Applicant
    channel: str
    reply_type: str
    ground: str
    seed: int
    withheld_ground: str = ""
    #: "" / "intake" (incomplete when it arrived) / "clerk" (unclear, notice from the clerk)
    correction: str = ""
    #: "" / "third_party" / "agency"
    consult: str = ""
    consult_answer: str = ConsultationAnswer.CONSENT
    #: "" / "approved" / "refused"
    extension: str = ""
    #: "" / "per_page" / "per_application"
    fee: str = ""
    fee_pages: int = 0
    fee_lapse: bool = False
    #: Working days the reply comes after the due date (the overdue rows of the dashboard).
    late: int = 0
    #: Answered on the spot (当场答复).
    same_day: bool = False
    #: Working days of the clock used before the reply (None: drawn).
    reply_after: int | None = None
    subject: str = ""
    description: str = ""
    provision_form: str = ""
    provision_channel: str = ""
    #: Why this one exists ("open:overdue", "heavy", …), for the loader's own bookkeeping.
    tag: str = ""
    #: Nothing happens from the first event of this kind on (an open application waits there).
    hold: str = ""
    #: The submission moment, when it must be exact (an application received minutes ago).
    submitted_at: datetime.datetime | None = None


@dataclass
class Event:
    at: datetime.datetime
    kind: str
    status: str
    data: dict[str, Any] = field(default_factory=dict)
    #: Clock operations, in order: ("start"|"pause"|"resume"|"restart"|"extend"|"stop", moment, …).
    clock: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass
class SimPause:
    paused_at: datetime.datetime
    reason: str
    resumed_at: datetime.datetime | None = None
    actor: Any = None


class SimClock:
    """The reply clock as ``workcalendar.services`` records it when ``disclosure.services`` drives
    it (``_sync_pause``, ``clock_restart``, ``clock_extend``, ``clock_stop``): used to plan the
    dates, and written as the ``DeadlineClock`` with its pauses and extensions."""

    def __init__(self, start: datetime.date) -> None:
        self.started_at = day_start(start)
        self.pauses: list[SimPause] = []
        self.extensions: list[tuple[int, datetime.datetime, Any]] = []
        self.stopped_at: datetime.datetime | None = None
        self.restarted_count = 0

    @property
    def paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1].resumed_at is None

    def _close(self, at: datetime.datetime) -> None:
        if self.paused:
            self.pauses[-1].resumed_at = max(at, self.pauses[-1].paused_at)

    def pause(self, day: datetime.date, reason: str) -> tuple[Any, ...]:
        resumed = [p.resumed_at for p in self.pauses if p.resumed_at is not None]
        floor = max([self.started_at, *resumed])
        at = max(day_start(day), floor)
        self.pauses.append(SimPause(at, reason))
        return ("pause", at, reason)

    def resume(self, day: datetime.date) -> tuple[Any, ...]:
        at = max(day_start(day), self.pauses[-1].paused_at)
        self.pauses[-1].resumed_at = at
        return ("resume", at)

    def restart(self, day: datetime.date) -> tuple[Any, ...]:
        at = day_start(day)
        self._close(at)
        self.started_at = at
        self.stopped_at = None
        self.restarted_count += 1
        return ("restart", at)

    def extend(self, days: int, day: datetime.date) -> tuple[Any, ...]:
        at = max(day_start(day), self.started_at)
        self.extensions.append((days, at, None))
        return ("extend", at, days)

    def stop(self, day: datetime.date) -> tuple[Any, ...]:
        at = max(day_start(day), self.started_at)
        self._close(at)
        self.stopped_at = at
        return ("stop", at)

    def apply(self, op: tuple[Any, ...], *, actor: Any = None) -> None:
        """Replay an operation the planner recorded (with the actor the services would record)."""
        name, at = op[0], op[1]
        if name == "pause":
            self.pauses.append(SimPause(at, op[2], actor=actor))
        elif name == "resume":
            self.pauses[-1].resumed_at = at
        elif name == "restart":
            self._close(at)
            self.started_at = at
            self.stopped_at = None
            self.restarted_count += 1
        elif name == "extend":
            self.extensions.append((op[2], at, actor))
        elif name == "stop":
            self._close(at)
            self.stopped_at = at

    def spec(self) -> ClockSpec:
        return ClockSpec(
            unit=ClockUnit.WORKING_DAYS,
            budget=REPLY_DAYS,
            started_at=self.started_at,
            pauses=tuple(PauseSpan(p.paused_at, p.resumed_at) for p in self.pauses),
            extensions=tuple(ExtensionGrant(amount, at) for amount, at, _actor in self.extensions),
            stopped_at=self.stopped_at,
        )

    def due(self, *, now: datetime.datetime) -> datetime.date:
        return self.spec().status(now=now).due_date


def replay_clock(events: list[Event], received: datetime.date) -> SimClock:
    sim = SimClock(received)
    for event in events:
        for op in event.clock:
            if op[0] != "start":
                sim.apply(op)
    return sim


@dataclass
class Plan:
    spec: Spec
    events: list[Event] = field(default_factory=list)

    def upto(self, now: datetime.datetime) -> list[Event]:
        return [event for event in self.events if event.at <= now]

    def state(self, now: datetime.datetime) -> dict[str, Any]:
        """Status, waiting flags and clock of the application as it stands at ``now``."""
        events = self.upto(now)
        status = events[-1].status if events else ""
        pending = 0
        extension = ""
        for event in events:
            if event.kind == "consult_start":
                pending += 1
            elif event.kind == "consult_answer":
                pending -= 1
            elif event.kind == "ext_request":
                extension = "requested"
            elif event.kind == "ext_decide":
                extension = "approved" if event.data["approve"] else "refused"
        sim = replay_clock(events, self.spec.received)
        remaining = None
        if status in (Status.REGISTERED, Status.REVIEWING, Status.HANDLING) and not sim.paused:
            remaining = sim.spec().status(now=now).remaining
        return {
            "status": status,
            "consulting": pending > 0,
            "extension": extension,
            "remaining": remaining,
        }


class Planner:
    """Turns a ``Spec`` into dated events, as the services would record them."""

    def __init__(self, *, now: datetime.datetime) -> None:
        self.now = now

    def build(self, spec: Spec) -> Plan:
        plan = Plan(spec)
        try:
            self._build(plan, random.Random(spec.seed))
        except CalendarNotAvailable:
            # A step would fall in a year the calendar does not know yet: it is in the future
            # (today's year is known), so the application simply stays where it is.
            pass
        if spec.hold:
            kinds = [event.kind for event in plan.events]
            if spec.hold in kinds:
                plan.events = plan.events[: kinds.index(spec.hold)]
        return plan

    # Moments: staff act in office hours, each step after the previous one.
    def _staff_at(self, plan: Plan, rng: random.Random, day: datetime.date) -> datetime.datetime:
        last = plan.events[-1].at if plan.events else None
        start = local_moment(day, 8, 30)
        if last is not None and calendar.local_date(moment=last) == day:
            start = max(start, last + MINUTE)
        end = local_moment(day, 17, 0)
        if start >= end:
            return start + rng.randint(1, 9) * MINUTE
        minutes = int((end - start).total_seconds() // 60)
        return start + rng.randint(1, max(1, min(minutes, 150))) * MINUTE

    def _job_at(self, plan: Plan, day: datetime.date) -> datetime.datetime:
        moment = local_moment(day, 1, 5)
        last = plan.events[-1].at if plan.events else None
        return max(moment, last + MINUTE) if last else moment

    def _add(self, plan: Plan, event: Event) -> None:
        plan.events.append(event)

    def _build(self, plan: Plan, rng: random.Random) -> None:  # noqa: C901 - one story, in order
        spec = plan.spec
        received = spec.received
        sim = SimClock(received)
        staff = spec.channel != IntakeChannel.ONLINE
        if spec.submitted_at is not None:
            submitted = spec.submitted_at
        elif spec.channel == IntakeChannel.ONLINE:
            submitted = local_moment(received, 0, 0) + rng.randint(7 * 60, 23 * 60 + 30) * MINUTE
        elif spec.channel == IntakeChannel.POST:
            submitted = local_moment(received, 9, 0) + rng.randint(0, 400) * MINUTE
        else:
            submitted = local_moment(received, 8, 40) + rng.randint(0, 440) * MINUTE
        missing = ["id_number"] if spec.correction == "intake" else []
        status = Status.CORRECTION if missing else Status.REGISTERED
        self._add(
            plan,
            Event(
                submitted,
                "submit",
                status,
                {"staff": staff, "missing": missing},
                [("start", day_start(received))],
            ),
        )
        # The first working moment the office sees it.
        day = working_on_or_after(received if submitted.hour < 16 else received + datetime.timedelta(days=1))
        if spec.channel != IntakeChannel.ONLINE:
            day = received

        if spec.correction == "intake":
            issued = received
            due = wd(issued, correction_days())
            op = sim.pause(issued, "correction")
            self._add(
                plan,
                Event(
                    submitted + MINUTE,
                    "correction_issue",
                    Status.CORRECTION,
                    {
                        "issued_on": issued,
                        "due_on": due,
                        "items": "",
                        "actor": "system" if not staff else "staff",
                    },
                    [op],
                ),
            )
        else:
            if not spec.same_day:
                day = wd(day, rng.choice((0, 0, 0, 1))) if calendar.is_working_day(day=day) else day
            self._add(plan, Event(self._staff_at(plan, rng, day), "review", Status.REVIEWING))
            if spec.correction == "clerk":
                last_day = wd(received, 7)
                issued = min(wd(day, rng.randint(0, 3)), last_day)
                issued = max(issued, day)
                due = wd(issued, correction_days())
                op = sim.pause(issued, "correction")
                self._add(
                    plan,
                    Event(
                        self._staff_at(plan, rng, issued),
                        "correction_issue",
                        Status.CORRECTION,
                        {
                            "issued_on": issued,
                            "due_on": due,
                            "items": rng.choice(text.CORRECTION_ITEMS[:1] + text.CORRECTION_ITEMS[3:]),
                        },
                        [op],
                    ),
                )
        if spec.correction:
            notice = plan.events[-1].data
            due = notice["due_on"]
            if spec.ground == Ground.OTHER_NO_CORRECTION:
                lapse_day = due + datetime.timedelta(days=1)
                op = sim.stop(lapse_day)
                self._add(
                    plan,
                    Event(
                        self._job_at(plan, lapse_day),
                        "correction_lapse",
                        Status.TERMINATED,
                        {"on": lapse_day},
                        [op],
                    ),
                )
                self._archive(plan, rng, lapse_day)
                return
            corrected = wd(notice["issued_on"], rng.randint(2, 11))
            corrected = min(corrected, due)
            op = sim.restart(corrected)
            self._add(
                plan,
                Event(
                    self._staff_at(plan, rng, corrected),
                    "correction_receive",
                    Status.REVIEWING,
                    {"on": corrected},
                    [op],
                ),
            )
            day = corrected
        # Accept (审核 → 办理).
        if not spec.same_day:
            day = wd(day, rng.choice((0, 0, 1, 1, 2)))
        self._add(plan, Event(self._staff_at(plan, rng, day), "accept", Status.HANDLING))
        status = Status.HANDLING

        if spec.same_day:
            self._reply(plan, rng, sim, day)
            return

        if spec.ground == Ground.OTHER_OTHER:
            withdrawn = wd(day, rng.randint(2, 8))
            op = sim.stop(withdrawn)
            self._add(
                plan,
                Event(
                    self._staff_at(plan, rng, withdrawn),
                    "terminate",
                    Status.TERMINATED,
                    {"ground": Ground.OTHER_OTHER, "reason": text.WITHDRAWAL_NOTE, "on": withdrawn},
                    [op],
                ),
            )
            self._archive(plan, rng, withdrawn)
            return

        if spec.consult:
            sent = wd(day, rng.randint(1, 4))
            consult_due = wd(sent, CONSULTATION_DAYS)
            ops = [] if sim.paused else [sim.pause(sent, "consult")]
            if spec.consult == ConsultationKind.THIRD_PARTY:
                party = self._third_party(rng, spec)
                contact = (
                    text.mobile(rng)
                    if not party.endswith("公司")
                    else f"0432-6{rng.randint(1000000, 9999999)}"
                )
            else:
                party = text.CONSULTED_AGENCIES.get(spec.department, "吉林市人民政府办公厅")
                contact = f"0432-6{rng.randint(1000000, 9999999)}"
            self._add(
                plan,
                Event(
                    self._staff_at(plan, rng, sent),
                    "consult_start",
                    Status.HANDLING,
                    {
                        "kind": spec.consult,
                        "party": party,
                        "contact": contact,
                        "sent_on": sent,
                        "due_on": consult_due,
                    },
                    ops,
                ),
            )
            if spec.consult_answer == ConsultationAnswer.NO_ANSWER:
                answered = consult_due
                op = sim.resume(answered)
                moment = self._job_at(plan, consult_due + datetime.timedelta(days=1))
                system = True
            else:
                answered = wd(sent, rng.randint(3, 13))
                op = sim.resume(answered)
                moment = self._staff_at(plan, rng, answered)
                system = False
            if spec.consult_answer == ConsultationAnswer.OBJECTION:
                # A company objects to its business secrets, a person to their privacy.
                answer_text = text.OBJECTION_TEXTS[0 if party.endswith("公司") else 1]
            elif spec.consult_answer == ConsultationAnswer.CONSENT:
                answer_text = rng.choice(text.CONSENT_TEXTS)
            else:
                answer_text = ""
            self._add(
                plan,
                Event(
                    moment,
                    "consult_answer",
                    Status.HANDLING,
                    {"answer": spec.consult_answer, "text": answer_text, "on": answered, "system": system},
                    [op],
                ),
            )
            day = answered if not system else working_on_or_after(consult_due + datetime.timedelta(days=1))

        if spec.fee:
            issued = wd(day, rng.randint(1, 3))
            pay_by = wd(issued, fee_days())
            fee_op = sim.pause(issued, "fee") if not sim.paused else None
            self._add(
                plan,
                Event(
                    self._staff_at(plan, rng, issued),
                    "fee_issue",
                    Status.AWAITING_FEE,
                    {
                        "method": spec.fee,
                        "pages": spec.fee_pages or None,
                        "issued_on": issued,
                        "pay_by": pay_by,
                    },
                    [fee_op] if fee_op else [],
                ),
            )
            if spec.fee_lapse:
                lapse_day = pay_by + datetime.timedelta(days=1)
                op = sim.stop(lapse_day)
                self._add(
                    plan,
                    Event(
                        self._job_at(plan, lapse_day), "fee_lapse", Status.TERMINATED, {"on": lapse_day}, [op]
                    ),
                )
                self._archive(plan, rng, lapse_day)
                return
            paid = wd(issued, rng.randint(1, 10))
            op = sim.resume(paid)
            self._add(
                plan,
                Event(self._staff_at(plan, rng, paid), "fee_paid", Status.HANDLING, {"paid_on": paid}, [op]),
            )
            day = paid

        if spec.extension:
            due = sim.due(now=day_start(day) + datetime.timedelta(hours=12))
            requested = max(wd(due, -rng.randint(2, 4)), wd(day, 1))
            if requested > due:
                requested = due
            days = rng.choice((10, 15, 20, 20))
            self._add(
                plan,
                Event(
                    self._staff_at(plan, rng, requested),
                    "ext_request",
                    Status.HANDLING,
                    {"days": days, "reason": rng.choice(text.EXTENSION_REASONS)},
                ),
            )
            decided = min(wd(requested, rng.choice((0, 1))), due)
            approve = spec.extension == "approved"
            ops = [sim.extend(days, decided)] if approve else []
            # The approval states the new due date: a year the calendar does not know yet stops
            # the plan here (CalendarNotAvailable), the request waiting for the office head.
            sim.due(now=day_start(decided))
            self._add(
                plan,
                Event(
                    self._staff_at(plan, rng, decided),
                    "ext_decide",
                    Status.HANDLING,
                    {"approve": approve, "notified_on": decided, "days": days},
                    ops,
                ),
            )
            day = decided
        self._reply(plan, rng, sim, day)

    def _third_party(self, rng: random.Random, spec: Spec) -> str:
        for company in text.COMPANIES:
            if company in spec.description:
                return company
        if spec.ground == Ground.WITHHELD_THIRD_PARTY or rng.random() < 0.5:
            return text.person(rng)
        return rng.choice(text.COMPANIES)

    def _reply(self, plan: Plan, rng: random.Random, sim: SimClock, day: datetime.date) -> None:
        spec = plan.spec
        due = sim.due(now=day_start(day) + datetime.timedelta(hours=12))
        if spec.same_day:
            replied = day
        elif spec.late:
            replied = wd(due, spec.late)
        else:
            spec_clock = sim.spec()
            lost = spec_clock.status(now=day_start(day) + datetime.timedelta(hours=12)).paused
            assert isinstance(lost, int)
            extension = sum(amount for amount, _at, _actor in sim.extensions)
            after = spec.reply_after
            if after is None:
                after = min(REPLY_DAYS, max(3, round(rng.triangular(4, REPLY_DAYS, 15))))
                if extension:
                    after = REPLY_DAYS + rng.randint(max(1, extension // 2), extension)
            start_day = calendar.local_date(moment=sim.started_at)
            replied = wd(start_day, after + lost)
            replied = min(max(replied, wd(day, 1)), due)
            if replied < day:
                replied = day
        op = sim.stop(replied)
        self._add(
            plan,
            Event(self._staff_at(plan, rng, replied), "reply", Status.REPLIED, {"on": replied}, [op]),
        )
        channel = spec.provision_channel or ProvisionChannel.POST
        if channel in (ProvisionChannel.EMAIL, ProvisionChannel.ONLINE, ProvisionChannel.FAX):
            delivered = replied
        elif channel == ProvisionChannel.PICKUP:
            delivered = wd(replied, rng.randint(1, 5))
        else:
            delivered = replied + datetime.timedelta(days=rng.randint(2, 4))
        moment = (
            self._staff_at(plan, rng, delivered)
            if calendar.is_working_day(day=delivered)
            else local_moment(delivered, 10, rng.randint(0, 59))
        )
        if moment <= plan.events[-1].at:
            moment = plan.events[-1].at + MINUTE
        self._add(plan, Event(moment, "deliver", Status.REPLIED, {"on": delivered, "channel": channel}))
        self._archive(plan, rng, delivered)

    def _archive(self, plan: Plan, rng: random.Random, day: datetime.date) -> None:
        archived = wd(day, rng.randint(2, 15))
        self._add(plan, Event(self._staff_at(plan, rng, archived), "archive", Status.ARCHIVED))


# --- Writing: the rows the services would have written ------------------------------------------


@dataclass
class Draft:
    """One application's rows, built in memory and written in bulk with the others."""

    app: Application
    clock: SimClock
    logs: list[LogEntry] = field(default_factory=list)
    notice: CorrectionNotice | None = None
    consultations: list[Consultation] = field(default_factory=list)
    extension: Extension | None = None
    fee: FeeNotice | None = None
    reply: Reply | None = None
    last_at: datetime.datetime | None = None
    #: The application's rank among the applicant's in its month at this agency (fees by count).
    rank: int = 0


class Writer:
    """Turns plans into the rows ``services`` would have written, step by step, and saves them in
    bulk (a few dozen queries for the whole demo instead of thousands)."""

    def __init__(self, *, users: dict[str, Any], departments: dict[str, Department], now: datetime.datetime):
        self.users = users
        self.departments = departments
        self.now = now
        self.drafts: list[Draft] = []
        #: (department, applicant id, year, month) → applications so far (国办函〔2020〕109号第四条).
        self.month_counts: dict[tuple[str, str, int, int], int] = {}
        self.numbers: dict[int, int] = {}

    def clerk(self, department: str) -> Any:
        return self.users.get(CLERKS.get(department, OFFICE_USER)) or self.users[OFFICE_USER]

    def _log(
        self,
        draft: Draft,
        event: Event,
        action: str,
        *,
        actor: Any,
        public_text: str = "",
        note: str = "",
    ) -> None:
        """As ``services._log``: public when it has a public text."""
        draft.logs.append(
            LogEntry(
                application=draft.app,
                at=event.at,
                action=action,
                public_text=public_text[:500],
                note=note,
                public=bool(public_text),
                actor=actor,
            )
        )

    def tracking_number(self, year: int) -> str:
        """As ``services.next_tracking_number``, from the counter read once (saved in ``save``)."""
        if year not in self.numbers:
            counter = TrackingCounter.objects.filter(year=year).first()
            self.numbers[year] = counter.last if counter else 0
        self.numbers[year] += 1
        return f"YSQ{year}-{self.numbers[year]:06d}"

    def draft(self, plan: Plan) -> Draft | None:  # noqa: C901 - one branch per kind of step
        events = plan.upto(self.now)
        if not events:
            return None
        spec = plan.spec
        clerk = self.clerk(spec.department)
        head = self.users[OFFICE_HEAD]
        draft = self._submit(plan, events[0], clerk)
        app = draft.app
        sim = draft.clock
        for event in events[1:]:
            kind = event.kind
            data = event.data
            actor = {
                "correction_lapse": None,
                "fee_lapse": None,
                "ext_decide": head,
                "consult_answer": None if data.get("system") else clerk,
                "correction_issue": None if data.get("actor") == "system" else clerk,
            }.get(kind, clerk)
            for op in event.clock:
                sim.apply(op, actor=actor)
            app.status = event.status
            if kind == "correction_issue":
                self._correction_issue(draft, event, actor)
            elif kind == "review":
                app.handler = clerk
                self._log(draft, event, "review", actor=clerk, public_text=_("申请已进入审核。"))
            elif kind == "correction_receive":
                self._correction_receive(draft, spec, event, clerk)
            elif kind == "correction_lapse":
                assert draft.notice is not None
                draft.notice.lapsed = True
                self._conclude(app, ReplyType.TERMINATED, Ground.OTHER_NO_CORRECTION, data["on"])
                self._log(
                    draft,
                    event,
                    "correction_lapsed",
                    actor=None,
                    public_text=_("申请人逾期（%(date)s）未补正，视为放弃申请，本机关不再处理。")
                    % {"date": _fmt(draft.notice.due_on)},
                )
            elif kind == "accept":
                if app.handler is None:
                    app.handler = clerk
                self._log(draft, event, "accept", actor=clerk, public_text=_("申请已受理，正在办理。"))
            elif kind == "consult_start":
                draft.consultations.append(
                    Consultation(
                        application=app,
                        kind=data["kind"],
                        party_name=data["party"],
                        party_contact=data["contact"],
                        sent_on=data["sent_on"],
                        due_on=data["due_on"],
                        sent_by=clerk,
                    )
                )
                label = _("第三方") if data["kind"] == ConsultationKind.THIRD_PARTY else _("其他机关")
                self._log(
                    draft,
                    event,
                    "consultation_started",
                    actor=clerk,
                    public_text=_("已于 %(date)s 书面征求%(party)s意见，征求意见所需时间不计入答复期限。")
                    % {"date": _fmt(data["sent_on"]), "party": label},
                    note=f"{data['party']} {data['contact']}".strip(),
                )
            elif kind == "consult_answer":
                consultation = draft.consultations[-1]
                consultation.answer = data["answer"]
                consultation.answer_text = data["text"]
                consultation.answered_on = data["on"]
                if (
                    data["answer"] == ConsultationAnswer.NO_ANSWER
                    and consultation.kind == ConsultationKind.AGENCY
                ):
                    public = _("被征求意见机关逾期未提出意见，视为同意公开（条例第三十四条）。")
                else:
                    public = _("已收到征求意见的回复（%(date)s）。") % {"date": _fmt(data["on"])}
                label = str(ConsultationAnswer(data["answer"]).label)
                self._log(
                    draft,
                    event,
                    "consultation_answered",
                    actor=actor,
                    public_text=public,
                    note=f"{consultation.party_name}: {label} {data['text']}".strip(),
                )
            elif kind == "ext_request":
                draft.extension = Extension(
                    application=app,
                    days=data["days"],
                    reason=data["reason"],
                    requested_by=clerk,
                    requested_at=event.at,
                )
                self._log(
                    draft,
                    event,
                    "extension_requested",
                    actor=clerk,
                    note=_("申请延长 %(days)s 个工作日：%(reason)s")
                    % {"days": data["days"], "reason": data["reason"]},
                )
            elif kind == "ext_decide":
                extension = draft.extension
                assert extension is not None
                extension.approved_by = head
                extension.approved_at = event.at
                if not data["approve"]:
                    extension.refused = True
                    self._log(draft, event, "extension_refused", actor=head, note=_("延期申请未获批准。"))
                else:
                    extension.notified_on = data["notified_on"]
                    public = _(
                        "因%(reason)s，经政府信息公开工作机构负责人同意，答复期限延长 %(days)s 个工作日，至 %(due)s。"
                    ) % {
                        "reason": extension.reason,
                        "days": extension.days,
                        "due": _fmt(sim.due(now=event.at)),
                    }
                    self._log(draft, event, "extension_approved", actor=head, public_text=public)
            elif kind == "fee_issue":
                self._fee_issue(draft, event, clerk)
            elif kind == "fee_paid":
                assert draft.fee is not None
                draft.fee.paid_on = data["paid_on"]
                app.applicant_due_on = None
                self._log(
                    draft,
                    event,
                    "fee_paid",
                    actor=clerk,
                    public_text=_("已收到信息处理费（%(date)s），继续办理。")
                    % {"date": _fmt(data["paid_on"])},
                )
            elif kind == "fee_lapse":
                assert draft.fee is not None
                draft.fee.lapsed = True
                self._conclude(app, ReplyType.TERMINATED, Ground.OTHER_NO_FEE, data["on"])
                self._log(
                    draft,
                    event,
                    "fee_lapsed",
                    actor=None,
                    public_text=_("申请人逾期（%(date)s）未缴纳信息处理费，视为放弃申请，本机关不再处理。")
                    % {"date": _fmt(draft.fee.pay_by)},
                )
            elif kind == "reply":
                self._reply(draft, spec, event, clerk)
            elif kind == "terminate":
                self._conclude(app, ReplyType.TERMINATED, data["ground"], data["on"])
                self._log(
                    draft,
                    event,
                    "terminated",
                    actor=clerk,
                    public_text=_("申请已终止处理：%(reason)s") % {"reason": redact_text(data["reason"])},
                )
            elif kind == "deliver":
                assert draft.reply is not None
                draft.reply.delivered_on = data["on"]
                draft.reply.delivery_channel = data["channel"]
                self._log(
                    draft,
                    event,
                    "delivered",
                    actor=clerk,
                    public_text=_("答复书已于 %(date)s 送达（%(channel)s）。")
                    % {"date": _fmt(data["on"]), "channel": ProvisionChannel(data["channel"]).label},
                )
            elif kind == "archive":
                app.archived_at = event.at
                self._log(draft, event, "archived", actor=clerk, public_text=_("办理完毕，已归档。"))
            else:  # pragma: no cover - every kind the planner makes is handled
                raise ValueError(kind)
        # reply_due_on as services._refresh_due leaves it: the clock's due date while it runs or waits.
        app.reply_due_on = None
        if sim.stopped_at is None and app.status != Status.CORRECTION:
            try:
                app.reply_due_on = sim.due(now=self.now)
            except CalendarNotAvailable:
                app.reply_due_on = None
        draft.last_at = events[-1].at
        self.drafts.append(draft)
        return draft

    def _submit(self, plan: Plan, event: Event, clerk: Any) -> Draft:
        spec = plan.spec
        person = spec.applicant
        received = spec.received
        number = self.tracking_number(received.year)
        code = query_code(number)
        staff = event.data["staff"]
        missing = event.data["missing"]
        app = Application(
            tracking_number=number,
            query_code_hash=services.query_code_hash(tracking_number=number, query_code=code),
            department=self.departments[spec.department],
            applicant_type=person.applicant_type,
            applicant_name=person.name,
            id_type=person.id_type if "id_number" not in missing else "",
            id_number=person.id_number if "id_number" not in missing else "",
            legal_representative=person.legal_representative,
            contact_name=person.contact_name,
            phone=person.phone,
            email=person.email,
            address=person.address,
            postal_code=person.postal_code,
            description=spec.description,
            provision_form=spec.provision_form,
            provision_channel=spec.provision_channel,
            channel=spec.channel,
            submitted_at=event.at,
            received_on=received,
            registered_by=clerk if staff else None,
            status=event.status,
        )
        app.missing_items = services.missing_items_of(app)
        key = (spec.department, person.id_number, received.year, received.month)
        self.month_counts[key] = self.month_counts.get(key, 0) + 1
        draft = Draft(app=app, clock=SimClock(received), rank=self.month_counts[key])
        self._log(
            draft,
            event,
            "submitted",
            actor=clerk if staff else None,
            public_text=_("已收到您的政府信息公开申请（%(channel)s），收到申请日期为 %(date)s。")
            % {"channel": app.get_channel_display(), "date": _fmt(received)},
            note=DEMO_NOTE,
        )
        return draft

    def _correction_issue(self, draft: Draft, event: Event, actor: Any) -> None:
        data = event.data
        app = draft.app
        items = data["items"] or services.missing_items_text(app.missing_items)
        draft.notice = CorrectionNotice(
            application=app, issued_on=data["issued_on"], items=items, due_on=data["due_on"], issued_by=actor
        )
        app.applicant_due_on = data["due_on"]
        public = _(
            "请在 %(due)s 前补正以下内容（一次性告知）：\n%(items)s\n答复期限自收到补正后的申请之日起重新计算。"
        ) % {"due": _fmt(data["due_on"]), "items": items}
        self._log(draft, event, "correction_requested", actor=actor, public_text=public)

    def _correction_receive(self, draft: Draft, spec: Spec, event: Event, clerk: Any) -> None:
        app = draft.app
        notice = draft.notice
        assert notice is not None
        on = event.data["on"]
        if not app.original_description:
            app.original_description = app.description
        if "id_number" in app.missing_items:
            app.id_type = spec.applicant.id_type
            app.id_number = spec.applicant.id_number
        else:
            rng = random.Random(f"{SEED}:{app.tracking_number}:correction")
            app.description += text.CORRECTED_SUFFIX[rng.randrange(len(text.CORRECTED_SUFFIX))].format(
                year=on.year - 1
            )
        app.missing_items = services.missing_items_of(app)
        app.applicant_due_on = None
        notice.corrected_on = on
        notice.corrected_description = app.description
        self._log(
            draft,
            event,
            "correction_received",
            actor=clerk,
            public_text=_("已收到补正后的申请（%(date)s），答复期限自该日起重新计算。") % {"date": _fmt(on)},
        )

    def _fee_issue(self, draft: Draft, event: Event, clerk: Any) -> None:
        data = event.data
        app = draft.app
        if data["method"] == FeeMethod.PER_PAGE:
            quote = fees.fee_per_page(pages=data["pages"])
        else:
            quote = fees.fee_per_application(rank=draft.rank)
        if not quote.is_due:
            raise AssertionError(f"demo fee of {app.tracking_number} is not due: {quote}")
        draft.fee = FeeNotice(
            application=app,
            method=quote.method,
            quantity=quote.quantity,
            amount=quote.amount,
            breakdown=quote.breakdown(),
            issued_on=data["issued_on"],
            pay_by=data["pay_by"],
            issued_by=clerk,
        )
        app.applicant_due_on = data["pay_by"]
        public = _(
            "需缴纳信息处理费 %(amount)s 元（%(method)s），请在 %(due)s 前缴纳，逾期未缴纳视为放弃申请。"
        ) % {"amount": quote.amount, "method": FeeMethod(quote.method).label, "due": _fmt(data["pay_by"])}
        self._log(draft, event, "fee_notice_issued", actor=clerk, public_text=public)

    def _reply(self, draft: Draft, spec: Spec, event: Event, clerk: Any) -> None:
        app = draft.app
        on = event.data["on"]
        rng = random.Random(f"{SEED}:{app.tracking_number}:reply")
        agency: tuple[str, str] | None = None
        if spec.reply_type == ReplyType.NOT_THIS_AGENCY:
            agency = text.OTHER_AGENCIES.get(spec.department, ("所在区人民政府", "0432-12345"))
        body = text.reply_body(
            rng,
            reply_type=spec.reply_type,
            ground=spec.ground,
            subject=spec.subject,
            pages=spec.fee_pages or rng.randint(2, 24),
            published_on=on - datetime.timedelta(days=rng.randint(40, 400)),
            other_agency=agency,
            withheld_ground=spec.withheld_ground,
            channel=spec.provision_channel,
        )
        draft.reply = Reply(
            application=app,
            reply_type=spec.reply_type,
            ground=spec.ground,
            partial_withheld_ground=spec.withheld_ground if spec.reply_type == ReplyType.PARTIAL else "",
            replied_on=on,
            body=body,
            other_agency=agency[0] if agency else "",
            other_agency_contact=agency[1] if agency else "",
            replied_by=clerk,
        )
        self._conclude(app, spec.reply_type, spec.ground, on)
        self._log(
            draft,
            event,
            "replied",
            actor=clerk,
            public_text=_("已于 %(date)s 作出答复：%(type)s。")
            % {"date": _fmt(on), "type": ReplyType(spec.reply_type).label},
        )

    def _conclude(self, app: Application, reply_type: str, ground: str, on: datetime.date) -> None:
        """As ``services._conclude`` (the clock is stopped by the event's clock operation)."""
        app.reply_type = reply_type
        app.ground = ground
        app.outcome = outcome_of(ground)
        app.concluded_on = on
        app.applicant_due_on = None

    # --- Saving ------------------------------------------------------------------------------

    def save(self) -> None:
        drafts = self.drafts
        apps = [draft.app for draft in drafts]
        Application.objects.bulk_create(apps, batch_size=200)
        # auto_now_add/auto_now stamped the load time: give the rows their own history.
        for draft in drafts:
            draft.app.created_at = draft.app.submitted_at
            draft.app.updated_at = draft.last_at or draft.app.submitted_at
        Application.objects.bulk_update(apps, ["created_at", "updated_at"], batch_size=200)
        for year, last in self.numbers.items():
            TrackingCounter.objects.update_or_create(year=year, defaults={"last": last})
        owner_type = ContentType.objects.get_for_model(Application)
        clock_rows = [
            DeadlineClock(
                owner_type=owner_type,
                owner_id=draft.app.pk,
                purpose=services.REPLY_CLOCK,
                unit=ClockUnit.WORKING_DAYS,
                budget=REPLY_DAYS,
                started_at=draft.clock.started_at,
                stopped_at=draft.clock.stopped_at,
                restarted_count=draft.clock.restarted_count,
            )
            for draft in drafts
        ]
        DeadlineClock.objects.bulk_create(clock_rows, batch_size=200)
        reasons = {
            "correction": _("等待申请人补正"),
            "fee": _("等待缴纳信息处理费"),
            "consult": _("征求意见"),
        }
        pauses, extensions = [], []
        for draft, clock in zip(drafts, clock_rows, strict=True):
            for pause in draft.clock.pauses:
                pauses.append(
                    ClockPause(
                        clock=clock,
                        paused_at=pause.paused_at,
                        resumed_at=pause.resumed_at,
                        reason=reasons[pause.reason],
                        actor=pause.actor,
                    )
                )
            for amount, granted_at, actor in draft.clock.extensions:
                extensions.append(
                    ClockExtension(
                        clock=clock,
                        amount=amount,
                        granted_at=granted_at,
                        reason=_("经政府信息公开工作机构负责人同意延长答复期限"),
                        actor=actor,
                    )
                )
        ClockPause.objects.bulk_create(pauses, batch_size=500)
        ClockExtension.objects.bulk_create(extensions, batch_size=500)
        CorrectionNotice.objects.bulk_create([d.notice for d in drafts if d.notice], batch_size=200)
        Consultation.objects.bulk_create([c for d in drafts for c in d.consultations], batch_size=200)
        Extension.objects.bulk_create([d.extension for d in drafts if d.extension], batch_size=200)
        FeeNotice.objects.bulk_create([d.fee for d in drafts if d.fee], batch_size=200)
        Reply.objects.bulk_create([d.reply for d in drafts if d.reply], batch_size=200)
        LogEntry.objects.bulk_create([log for d in drafts for log in d.logs], batch_size=500)


# --- What to load -------------------------------------------------------------------------------

SEASON = {1: 0.9, 2: 0.6, 3: 1.1, 4: 1.0, 5: 1.05, 6: 1.1, 7: 1.0, 8: 0.9, 9: 1.1, 10: 0.75, 11: 1.1, 12: 1.0}
#: Provision form and channel by intake channel (what applicants usually tick).
PROVISION = {
    IntakeChannel.ONLINE: (
        (ProvisionForm.ELECTRONIC, ProvisionChannel.EMAIL, 6),
        (ProvisionForm.ELECTRONIC, ProvisionChannel.ONLINE, 2),
        (ProvisionForm.PAPER, ProvisionChannel.POST, 3),
    ),
    IntakeChannel.IN_PERSON: (
        (ProvisionForm.PAPER, ProvisionChannel.PICKUP, 5),
        (ProvisionForm.PAPER, ProvisionChannel.POST, 2),
    ),
    IntakeChannel.POST: (
        (ProvisionForm.PAPER, ProvisionChannel.POST, 8),
        (ProvisionForm.ELECTRONIC, ProvisionChannel.EMAIL, 1),
    ),
    IntakeChannel.ORDINARY_LETTER: ((ProvisionForm.PAPER, ProvisionChannel.POST, 1),),
    IntakeChannel.FAX: (
        (ProvisionForm.PAPER, ProvisionChannel.FAX, 1),
        (ProvisionForm.PAPER, ProvisionChannel.POST, 1),
    ),
    IntakeChannel.ORAL: (
        (ProvisionForm.PAPER, ProvisionChannel.PICKUP, 2),
        (ProvisionForm.PAPER, ProvisionChannel.POST, 1),
    ),
}


class Loader:
    def __init__(self, *, now: datetime.datetime, seed: int = SEED) -> None:
        self.now = now
        self.today = calendar.local_date(moment=now)
        self.last_year = self.today.year - 1
        self.start = datetime.date(self.today.year - 2, 12, 1)
        self.rng = random.Random(seed)
        self.seeds = random.Random(seed + 1)
        self.people: list[Applicant] = []
        self.organisations: dict[str, Applicant] = {}
        self.planner = Planner(now=now)

    # --- Applicants ----------------------------------------------------------------------------

    def applicant(self, applicant_type: str | None = None, *, repeat: bool = True) -> Applicant:
        rng = self.rng
        if applicant_type is None:
            types, weights = zip(*APPLICANT_WEIGHTS.items(), strict=True)
            applicant_type = rng.choices(types, weights)[0]
        if applicant_type == ApplicantType.NATURAL_PERSON:
            if repeat and self.people and rng.random() < 0.12:
                return rng.choice(self.people)
            place, postal = text.address(rng)
            person = Applicant(
                applicant_type=applicant_type,
                name=text.person(rng),
                id_type=IdType.RESIDENT_ID,
                id_number=text.resident_id(rng),
                phone=text.mobile(rng),
                email=text.email(rng) if rng.random() < 0.5 else "",
                address=place,
                postal_code=postal,
            )
            self.people.append(person)
            return person
        name = text.organisation(rng, applicant_type)
        if name not in self.organisations:
            place, postal = text.address(rng)
            self.organisations[name] = Applicant(
                applicant_type=applicant_type,
                name=name,
                id_type=IdType.CREDIT_CODE,
                id_number=organisation_credit_code(name, applicant_type),
                legal_representative=text.person(rng),
                contact_name=text.person(rng),
                phone=f"0432-6{rng.randint(1000000, 9999999)}" if rng.random() < 0.5 else text.mobile(rng),
                email=text.email(rng),
                address=place.split("号")[0] + "号",
                postal_code=postal,
            )
        return self.organisations[name]

    # --- Specs ---------------------------------------------------------------------------------

    def spec(
        self,
        *,
        received: datetime.date,
        department: str | None = None,
        reply_type: str | None = None,
        ground: str | None = None,
        applicant: Applicant | None = None,
        applicant_type: str | None = None,
        channel: str | None = None,
        **extra: Any,
    ) -> Spec:
        rng = self.rng
        if reply_type is None or ground is None:
            reply_type, ground, _weight = rng.choices(OUTCOME_WEIGHTS, [w for _r, _g, w in OUTCOME_WEIGHTS])[
                0
            ]
        specials = text.special_departments(ground, reply_type=reply_type)
        any_department = any(
            code is None
            for code, _s, _d in text.SPECIAL_REQUESTS.get(
                "not_this_agency" if reply_type == ReplyType.NOT_THIS_AGENCY else ground, ()
            )
        )
        if department is None:
            codes, weights = zip(*DEPARTMENT_WEIGHTS.items(), strict=True)
            department = rng.choices(codes, weights)[0]
            if specials and not any_department and department not in specials:
                department = rng.choice(specials)
        if channel is None:
            channels, weights = zip(*CHANNEL_WEIGHTS.items(), strict=True)
            channel = rng.choices(channels, weights)[0]
        if channel != IntakeChannel.ONLINE:
            received = working_on_or_after(received)
        person = applicant or self.applicant(applicant_type)
        subject, description = text.request_for(
            rng, department=department, ground=ground, reply_type=reply_type, year=received.year
        )
        forms = PROVISION[IntakeChannel(channel)]
        form, provision, _weight = rng.choices(forms, [w for _f, _c, w in forms])[0]
        if provision == ProvisionChannel.EMAIL and not person.email:
            provision = ProvisionChannel.POST
            form = ProvisionForm.PAPER
        values: dict[str, Any] = {
            "received": received,
            "department": department,
            "applicant": person,
            "channel": channel,
            "reply_type": reply_type,
            "ground": ground,
            "seed": self.seeds.randrange(2**31),
            "subject": subject,
            "description": description,
            "provision_form": form,
            "provision_channel": provision,
        }
        values.update(self._features(reply_type, ground))
        values.update(extra)
        return Spec(**values)

    def _features(self, reply_type: str, ground: str) -> dict[str, Any]:
        rng = self.rng
        features: dict[str, Any] = {}
        roll = rng.random()
        if ground == Ground.OTHER_NO_CORRECTION:
            features["correction"] = "clerk" if roll < 0.6 else "intake"
        elif ground == Ground.UNAVAILABLE_STILL_UNCLEAR:
            features["correction"] = "clerk"
        elif roll < 0.05:
            features["correction"] = "clerk"
        elif roll < 0.08:
            features["correction"] = "intake"
        if ground == Ground.WITHHELD_THIRD_PARTY:
            features.update(consult=ConsultationKind.THIRD_PARTY, consult_answer=ConsultationAnswer.OBJECTION)
        elif reply_type == ReplyType.PARTIAL:
            features["withheld_ground"] = rng.choice(
                (
                    Ground.WITHHELD_THIRD_PARTY,
                    Ground.WITHHELD_THIRD_PARTY,
                    Ground.WITHHELD_PROCESS_INFO,
                    Ground.WITHHELD_INTERNAL_AFFAIRS,
                )
            )
            if features["withheld_ground"] == Ground.WITHHELD_THIRD_PARTY and rng.random() < 0.6:
                features.update(
                    consult=ConsultationKind.THIRD_PARTY, consult_answer=ConsultationAnswer.OBJECTION
                )
        elif reply_type == ReplyType.DISCLOSED:
            consult_roll = rng.random()
            if consult_roll < 0.03:
                features.update(consult=ConsultationKind.AGENCY, consult_answer=ConsultationAnswer.NO_ANSWER)
            elif consult_roll < 0.07:
                features.update(consult=ConsultationKind.AGENCY, consult_answer=ConsultationAnswer.CONSENT)
            elif consult_roll < 0.10:
                features.update(
                    consult=ConsultationKind.THIRD_PARTY, consult_answer=ConsultationAnswer.CONSENT
                )
        if (
            reply_type in (ReplyType.DISCLOSED, ReplyType.PARTIAL, ReplyType.NOT_EXIST)
            and rng.random() < 0.05
        ):
            features["extension"] = "approved"
        elif reply_type == ReplyType.ALREADY_PUBLIC and rng.random() < 0.15:
            features["same_day"] = True
            features["correction"] = ""
        return features

    def generic(self) -> list[Spec]:
        """About ``PER_MONTH`` applications a month from ``start`` to today."""
        specs = []
        month = self.start
        while month <= self.today:
            last_day = (month.replace(day=28) + datetime.timedelta(days=4)).replace(
                day=1
            ) - datetime.timedelta(days=1)
            end = min(last_day, self.today)
            days = [month + datetime.timedelta(days=n) for n in range((end - month).days + 1)]
            share = len(days) / last_day.day
            count = round(PER_MONTH * SEASON[month.month] * share)
            weights = [1.0 if calendar.is_working_day(day=d) else 0.25 for d in days]
            for _n in range(count):
                received = self.rng.choices(days, weights)[0]
                specs.append(self.spec(received=received, tag="generic"))
            month = last_day + datetime.timedelta(days=1)
        return specs

    def last_year_day(self, index: int, total: int) -> datetime.date:
        """Spread ``total`` forced applications over February–August of last year."""
        first = datetime.date(self.last_year, 2, 1)
        span = (datetime.date(self.last_year, 8, 31) - first).days
        return first + datetime.timedelta(days=round(span * (index + 0.5) / total))

    def forced_last_year(self) -> list[Spec]:
        """Every reply type, ground, channel, applicant type and handling step in last year."""
        A, C, G, R = ApplicantType, IntakeChannel, Ground, ReplyType
        K, N = ConsultationKind, ConsultationAnswer

        def wish(reply_type: str, ground: str, **options: Any) -> dict[str, Any]:
            return {"reply_type": reply_type, "ground": ground, **options}

        third_party_objects = {"consult": K.THIRD_PARTY, "consult_answer": N.OBJECTION}
        wanted: list[dict[str, Any]] = [
            # Every reply type and Table 3 ground.
            wish(R.DISCLOSED, G.DISCLOSED, applicant_type=A.NONPROFIT, department="shengtai"),
            wish(R.ALREADY_PUBLIC, G.DISCLOSED, channel=C.IN_PERSON, same_day=True),
            wish(
                R.PARTIAL,
                G.PARTIAL,
                withheld_ground=G.WITHHELD_THIRD_PARTY,
                department="zhujian",
                **third_party_objects,
            ),
            wish(
                R.PARTIAL,
                G.PARTIAL,
                withheld_ground=G.WITHHELD_PROCESS_INFO,
                extension="approved",
                applicant_type=A.LEGAL_SERVICE,
            ),
            *[
                wish(R.WITHHELD, ground)
                for ground in (
                    G.WITHHELD_STATE_SECRET,
                    G.WITHHELD_LAW_PROHIBITED,
                    G.WITHHELD_SECURITY_STABILITY,
                    G.WITHHELD_INTERNAL_AFFAIRS,
                    G.WITHHELD_PROCESS_INFO,
                    G.WITHHELD_ADMINISTRATIVE_QUERY,
                )
            ],
            wish(R.WITHHELD, G.WITHHELD_THIRD_PARTY, applicant_type=A.COMMERCIAL),
            wish(R.WITHHELD, G.WITHHELD_ENFORCEMENT_FILE, applicant_type=A.LEGAL_SERVICE),
            wish(R.NOT_EXIST, G.UNAVAILABLE_NOT_HELD, channel=C.FAX),
            wish(R.NOT_EXIST, G.UNAVAILABLE_NEEDS_CREATION, applicant_type=A.RESEARCH),
            wish(R.NOT_THIS_AGENCY, G.UNAVAILABLE_NOT_HELD, channel=C.ORDINARY_LETTER),
            wish(R.SPECIAL_PROCEDURE, G.WITHHELD_ADMINISTRATIVE_QUERY, department="ziran"),
            wish(R.NOT_PROCESSED, G.NOT_PROCESSED_PETITION, channel=C.ORAL),
            wish(R.NOT_PROCESSED, G.NOT_PROCESSED_PUBLICATION),
            wish(R.NOT_PROCESSED, G.NOT_PROCESSED_CONFIRMATION, applicant_type=A.OTHER_ORGANISATION),
            wish(R.NOT_PROCESSED, G.UNAVAILABLE_STILL_UNCLEAR, correction="clerk"),
            wish(R.TERMINATED, G.OTHER_NO_CORRECTION, correction="clerk"),
            wish(R.TERMINATED, G.OTHER_NO_CORRECTION, correction="intake", channel=C.ONLINE),
            wish(R.TERMINATED, G.OTHER_OTHER),
            # Every handling step.
            wish(R.DISCLOSED, G.DISCLOSED, correction="intake", channel=C.ONLINE),
            wish(R.DISCLOSED, G.DISCLOSED, correction="clerk", department="jiaoyu"),
            wish(
                R.DISCLOSED,
                G.DISCLOSED,
                consult=K.THIRD_PARTY,
                consult_answer=N.CONSENT,
                applicant_type=A.COMMERCIAL,
            ),
            wish(
                R.PARTIAL,
                G.PARTIAL,
                withheld_ground=G.WITHHELD_THIRD_PARTY,
                consult=K.THIRD_PARTY,
                consult_answer=N.NO_ANSWER,
            ),
            wish(R.DISCLOSED, G.DISCLOSED, consult=K.AGENCY, consult_answer=N.CONSENT, department="ziran"),
            wish(R.DISCLOSED, G.DISCLOSED, consult=K.AGENCY, consult_answer=N.NO_ANSWER, department="jilin"),
            wish(R.DISCLOSED, G.DISCLOSED, extension="approved", department="zhujian"),
            wish(R.NOT_EXIST, G.UNAVAILABLE_NOT_HELD, extension="approved"),
            wish(R.DISCLOSED, G.DISCLOSED, extension="refused", department="caizheng"),
            wish(
                R.DISCLOSED,
                G.DISCLOSED,
                fee=FeeMethod.PER_PAGE,
                fee_pages=85,
                applicant_type=A.COMMERCIAL,
                department="ziran",
            ),
            wish(
                R.DISCLOSED,
                G.DISCLOSED,
                fee=FeeMethod.PER_PAGE,
                fee_pages=45,
                applicant_type=A.RESEARCH,
                department="shengtai",
            ),
            wish(
                R.TERMINATED,
                G.OTHER_NO_FEE,
                fee=FeeMethod.PER_PAGE,
                fee_pages=160,
                fee_lapse=True,
                applicant_type=A.LEGAL_SERVICE,
                department="zhujian",
            ),
            # Every kind of applicant, every channel.
            wish(R.DISCLOSED, G.DISCLOSED, applicant_type=A.OTHER_ORGANISATION, department="zhujian"),
            wish(R.DISCLOSED, G.DISCLOSED, applicant_type=A.NONPROFIT),
            wish(R.NOT_EXIST, G.UNAVAILABLE_NOT_HELD, applicant_type=A.RESEARCH),
            wish(R.DISCLOSED, G.DISCLOSED, applicant_type=A.LEGAL_SERVICE, channel=C.POST),
        ]
        specs = []
        for index, wished in enumerate(wanted):
            given = dict(wished)
            features = {
                k: given.pop(k)
                for k in list(given)
                if k not in ("reply_type", "ground", "department", "applicant_type", "channel")
            }
            given.setdefault("applicant_type", ApplicantType.NATURAL_PERSON)
            spec = self.spec(received=self.last_year_day(index, len(wanted)), tag="forced", **given)
            # The wished features replace the drawn ones.
            for name in ("correction", "consult", "extension", "fee", "same_day"):
                if name not in features:
                    setattr(spec, name, Spec.__dataclass_fields__[name].default)
            for name, value in features.items():
                setattr(spec, name, value)
            if spec.same_day:
                spec.correction = ""
            specs.append(spec)
        return specs

    def heavy_applicant(self) -> list[Spec]:
        """One person's 14 applications to 市住建局 in a month of last year: the 11th on are charged
        (按件计收, 100元 each); one fee goes unpaid. A second person asks the city government six
        times in two weeks and the sixth is not processed (条例第三十五条)."""
        R, G = ReplyType, Ground
        person = self.applicant(ApplicantType.NATURAL_PERSON, repeat=False)
        person.email = person.email or text.email(self.rng)
        month = datetime.date(self.last_year, 5, 1)
        day = working_on_or_after(month)
        outcomes = [
            (R.DISCLOSED, G.DISCLOSED),
            (R.NOT_EXIST, G.UNAVAILABLE_NOT_HELD),
            (R.DISCLOSED, G.DISCLOSED),
            (R.ALREADY_PUBLIC, G.DISCLOSED),
            (R.DISCLOSED, G.DISCLOSED),
            (R.NOT_EXIST, G.UNAVAILABLE_NOT_HELD),
            (R.WITHHELD, G.WITHHELD_PROCESS_INFO),
            (R.DISCLOSED, G.DISCLOSED),
            (R.NOT_EXIST, G.UNAVAILABLE_NOT_HELD),
            (R.DISCLOSED, G.DISCLOSED),
            (R.DISCLOSED, G.DISCLOSED),
            (R.DISCLOSED, G.DISCLOSED),
            (R.TERMINATED, G.OTHER_NO_FEE),
            (R.DISCLOSED, G.DISCLOSED),
        ]
        specs = []
        for rank, (reply_type, ground) in enumerate(outcomes, start=1):
            spec = self.spec(
                received=day,
                department="zhujian",
                reply_type=reply_type,
                ground=ground,
                applicant=person,
                channel=IntakeChannel.ONLINE,
                tag="heavy",
            )
            spec.correction = spec.consult = spec.extension = ""
            spec.same_day = False
            if rank > 10:
                spec.fee = FeeMethod.PER_APPLICATION
                spec.fee_lapse = ground == G.OTHER_NO_FEE
            specs.append(spec)
            day = wd(day, 1)
        repeat = self.applicant(ApplicantType.NATURAL_PERSON, repeat=False)
        day = working_on_or_after(datetime.date(self.last_year, 6, 8))
        for n in range(6):
            last = n == 5
            spec = self.spec(
                received=day,
                department="jilin",
                reply_type=R.NOT_PROCESSED if last else R.NOT_EXIST,
                ground=G.NOT_PROCESSED_EXCESSIVE if last else G.UNAVAILABLE_NOT_HELD,
                applicant=repeat,
                channel=IntakeChannel.ONLINE,
                tag="excessive",
            )
            spec.correction = spec.consult = spec.extension = ""
            spec.same_day = False
            specs.append(spec)
            day = wd(day, 2)
        return specs

    def duplicates(self, plans: list[Plan]) -> list[Spec]:
        """Applicants asking again for what they were already given (条例第三十六条第（六）项)."""
        specs = []
        sources = [
            plan
            for plan in plans
            if plan.spec.tag == "generic"
            and plan.spec.applicant.applicant_type == ApplicantType.NATURAL_PERSON
            and plan.spec.reply_type in (ReplyType.DISCLOSED, ReplyType.WITHHELD, ReplyType.NOT_EXIST)
            and any(e.kind == "reply" for e in plan.events)
        ]
        wanted_last_year = 2
        wanted_this_year = 2
        for plan in sources:
            replied = next(e for e in plan.events if e.kind == "reply").data["on"]
            received = replied + datetime.timedelta(days=self.rng.randint(10, 60))
            in_last = received.year == self.last_year and received.month <= 10
            in_this = received.year == self.today.year and received <= wd(self.today, -25)
            if (in_last and wanted_last_year) or (in_this and wanted_this_year):
                spec = self.spec(
                    received=received,
                    department=plan.spec.department,
                    reply_type=ReplyType.DUPLICATE,
                    ground=Ground.NOT_PROCESSED_DUPLICATE,
                    applicant=plan.spec.applicant,
                    tag="duplicate",
                )
                spec.subject, spec.description = plan.spec.subject, plan.spec.description
                spec.correction = spec.consult = spec.extension = ""
                spec.same_day = False
                specs.append(spec)
                if in_last:
                    wanted_last_year -= 1
                else:
                    wanted_this_year -= 1
            if not (wanted_last_year or wanted_this_year):
                break
        return specs

    def open_now(self) -> list[Spec]:
        """The dashboard's rows: applications open today in every state, mostly in the demo
        clerks' departments and the city government's."""
        R, G, K = ReplyType, Ground, ConsultationKind
        today = self.today
        now = self.now
        rows: list[Spec] = []

        def add(tag: str, received: datetime.date, department: str, hold: str, **extra: Any) -> None:
            reply_type = extra.pop("reply_type", R.DISCLOSED)
            ground = extra.pop("ground", G.DISCLOSED)
            channel = extra.pop("channel", None)
            spec = self.spec(
                received=received,
                department=department,
                reply_type=reply_type,
                ground=ground,
                channel=channel,
                tag=f"open:{tag}",
            )
            spec.correction = spec.consult = spec.extension = spec.fee = ""
            spec.same_day = False
            spec.hold = hold
            for name, value in extra.items():
                setattr(spec, name, value)
            rows.append(spec)

        # Received minutes or hours ago, not yet taken up (登记).
        since_midnight = int((now - local_moment(today, 0, 0)).total_seconds() // 60)
        for n, department in enumerate(("jilin", "zhujian", "gongan")):
            if since_midnight > 20 + n * 10:
                moment = now - (5 + self.rng.randint(0, min(since_midnight - 15, 300))) * MINUTE
                received = today
            else:
                moment = local_moment(today - datetime.timedelta(days=1), 20, 10 * n)
                received = today - datetime.timedelta(days=1)
            add(
                "registered",
                received,
                department,
                "review",
                channel=IntakeChannel.ONLINE,
                submitted_at=moment,
            )
        # Taken up, being reviewed (审核).
        for department, back in (("ziran", 2), ("jiaoyu", 2), ("shengtai", 3)):
            add("reviewing", wd(today, -back), department, "accept", channel=IntakeChannel.POST)
        # Waiting for the applicant's correction.
        add(
            "correction",
            wd(today, -5),
            "zhujian",
            "correction_receive",
            correction="clerk",
            channel=IntakeChannel.POST,
        )
        add(
            "correction",
            wd(today, -3),
            "jilin",
            "correction_receive",
            correction="intake",
            channel=IntakeChannel.ONLINE,
        )
        add(
            "correction",
            wd(today, -6),
            "jiaoyu",
            "correction_receive",
            correction="clerk",
            channel=IntakeChannel.IN_PERSON,
        )
        # Being handled, the clock running.
        for department, back in (("ziran", 8), ("caizheng", 6), ("zhujian", 10), ("gongan", 12)):
            add("handling", wd(today, -back), department, "reply", channel=IntakeChannel.IN_PERSON)
        add("handling", wd(today, -14), "jiaoyu", "reply", correction="clerk", channel=IntakeChannel.POST)
        # Due within three working days, and due today.
        for department, back in (("gongan", 18), ("jilin", 17), ("ziran", 20)):
            add("due_soon", wd(today, -back), department, "reply", channel=IntakeChannel.POST)
        # Overdue: the 20 working days have passed without a reply.
        for department, back in (("zhujian", 23), ("jilin", 25), ("weijian", 22)):
            add("overdue", wd(today, -back), department, "reply", channel=IntakeChannel.POST, late=8)
        # Paused: waiting for a third party's or another agency's opinion.
        add(
            "paused",
            wd(today, -9),
            "zhujian",
            "consult_answer",
            consult=K.THIRD_PARTY,
            reply_type=R.PARTIAL,
            ground=G.PARTIAL,
            withheld_ground=G.WITHHELD_THIRD_PARTY,
            channel=IntakeChannel.POST,
        )
        add(
            "paused",
            wd(today, -10),
            "ziran",
            "consult_answer",
            consult=K.AGENCY,
            channel=IntakeChannel.IN_PERSON,
        )
        add(
            "paused",
            wd(today, -11),
            "jiaoyu",
            "consult_answer",
            consult=K.THIRD_PARTY,
            channel=IntakeChannel.POST,
        )
        # An extension asked for, the office head has not decided yet.
        add(
            "awaiting_extension",
            wd(today, -19),
            "ziran",
            "ext_decide",
            extension="approved",
            channel=IntakeChannel.POST,
        )
        add(
            "awaiting_extension",
            wd(today, -19),
            "jilin",
            "ext_decide",
            extension="approved",
            channel=IntakeChannel.IN_PERSON,
        )
        # Extended: replying in the extra time.
        add("extended", wd(today, -27), "zhujian", "reply", extension="approved", channel=IntakeChannel.POST)
        add("extended", wd(today, -26), "gongan", "reply", extension="approved", channel=IntakeChannel.POST)
        # Waiting for the fee.
        add(
            "awaiting_fee",
            wd(today, -10),
            "zhujian",
            "fee_paid",
            fee=FeeMethod.PER_PAGE,
            fee_pages=126,
            channel=IntakeChannel.POST,
        )
        add(
            "awaiting_fee",
            wd(today, -12),
            "jilin",
            "fee_paid",
            fee=FeeMethod.PER_PAGE,
            fee_pages=64,
            channel=IntakeChannel.IN_PERSON,
        )
        # Replied, the letter not yet delivered; delivered, not yet archived.
        add("replied", wd(today, -12), "zhujian", "deliver", channel=IntakeChannel.POST, reply_after=8)
        add("delivered", wd(today, -15), "ziran", "archive", channel=IntakeChannel.POST, reply_after=8)
        for spec in rows:
            if spec.tag in ("open:handling", "open:due_soon"):
                spec.reply_after = REPLY_DAYS
        return rows


def organisation_credit_code(name: str, applicant_type: str) -> str:
    """A stable, valid (invented) 统一社会信用代码 for a demo organisation."""
    import hashlib

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    digest = int(hashlib.sha256(name.encode()).hexdigest(), 16)
    body = "".join(alphabet[(digest >> (5 * i)) % len(alphabet)] for i in range(8))
    authority, kind = {
        ApplicantType.COMMERCIAL: ("9", "1"),
        ApplicantType.RESEARCH: ("1", "2"),
        ApplicantType.NONPROFIT: ("5", "2"),
        ApplicantType.LEGAL_SERVICE: ("3", "1"),
        ApplicantType.OTHER_ORGANISATION: ("N", "2"),
    }[ApplicantType(applicant_type)]
    return credit_code_build(authority=authority, kind=kind, division="220200", organization_body=body)


# --- Reconsideration and litigation (Table 4) ---------------------------------------------------

#: (kind, outcome as it ends, concluded: "last" year / "this" year / None = still pending)
REVIEW_CASES: tuple[tuple[str, str, str | None], ...] = (
    (ReviewKind.RECONSIDERATION, ReviewOutcome.UPHELD, "last"),
    (ReviewKind.RECONSIDERATION, ReviewOutcome.UPHELD, "last"),
    (ReviewKind.RECONSIDERATION, ReviewOutcome.CORRECTED, "last"),
    (ReviewKind.RECONSIDERATION, ReviewOutcome.OTHER, "last"),
    (ReviewKind.RECONSIDERATION, ReviewOutcome.UPHELD, "this"),
    (ReviewKind.LITIGATION_DIRECT, ReviewOutcome.UPHELD, "last"),
    (ReviewKind.LITIGATION_DIRECT, ReviewOutcome.CORRECTED, "this"),
    (ReviewKind.LITIGATION_AFTER_RECONSIDERATION, ReviewOutcome.UPHELD, "last"),
    (ReviewKind.LITIGATION_AFTER_RECONSIDERATION, ReviewOutcome.OTHER, "last"),
    (ReviewKind.LITIGATION_AFTER_RECONSIDERATION, ReviewOutcome.PENDING, None),
)
COURTS = {
    "吉林市船营区人民法院": "吉0204",
    "吉林市昌邑区人民法院": "吉0202",
    "吉林市中级人民法院": "吉02",
    "吉林市丰满区人民法院": "吉0211",
}


def load_review_cases(*, actor: Any, today: datetime.date, rng: random.Random) -> int:
    """Cases about last year's replies that were contested (withheld, not held, partly disclosed…)."""
    last_year = today.year - 1
    contested = list(
        Application.objects.filter(
            concluded_on__year=last_year,
            concluded_on__month__lte=9,
            reply_type__in=(
                ReplyType.WITHHELD,
                ReplyType.NOT_EXIST,
                ReplyType.PARTIAL,
                ReplyType.NOT_THIS_AGENCY,
            ),
        )
        .select_related("department")
        .order_by("concluded_on", "pk")
    )
    if not contested:
        return 0
    step = max(1, len(contested) // len(REVIEW_CASES))
    count = 0
    numbers: dict[str, int] = {}
    for index, (kind, outcome, concluded_in) in enumerate(REVIEW_CASES):
        application = contested[min(index * step, len(contested) - 1)]
        assert application.concluded_on is not None
        filed = application.concluded_on + datetime.timedelta(days=rng.randint(15, 50))
        body = rng.choice(text.REVIEW_BODIES[kind])
        year = filed.year
        numbers[body] = numbers.get(body, rng.randint(3, 20)) + rng.randint(1, 9)
        if kind == ReviewKind.RECONSIDERATION:
            prefix = "吉市府" if body == "吉林市人民政府" else "吉政"
            case_number = f"{prefix}复决字〔{year}〕第{numbers[body]}号"
        else:
            case_number = f"（{year}）{COURTS.get(body, '吉02')}行初{numbers[body]}号"
        concluded: datetime.date | None = None
        if concluded_in == "last":
            concluded = min(
                filed + datetime.timedelta(days=rng.randint(35, 80)), datetime.date(last_year, 12, 28)
            )
        elif concluded_in == "this":
            concluded = min(
                datetime.date(today.year, 1, 1) + datetime.timedelta(days=rng.randint(10, 60)), today
            )
            filed = min(filed, datetime.date(last_year, 12, 20))
        if concluded is not None and concluded < filed:
            concluded = filed
        services.review_case_save(
            actor=actor,
            department=application.department,
            kind=kind,
            body=body,
            filed_on=filed,
            case_number=case_number,
            application=application,
            outcome=outcome if concluded else ReviewOutcome.PENDING,
            concluded_on=concluded,
            note=text.REVIEW_NOTES[outcome if concluded else ReviewOutcome.PENDING],
        )
        count += 1
    return count


# --- Table 2, the normative documents and the annual reports -------------------------------------

#: Documents the demo adds so that Table 2's 规章 and 行政规范性文件 rows move last year:
#: (department, title, number template, kind, written (years before today's year, month, day),
#: repealed (same) or None, genre). The numbers take the year the document was written.
NORMATIVE_DOCUMENTS: tuple[
    tuple[str, str, str, str, tuple[int, int, int], tuple[int, int, int] | None, str], ...
] = (
    ("jilin", "吉林市城市供热管理办法", "吉林市人民政府令第{n}号", "rules", (3, 9, 15), None, "办法"),
    (
        "jilin",
        "吉林市城市市容和环境卫生管理规定",
        "吉林市人民政府令第{n}号",
        "rules",
        (1, 4, 18),
        None,
        "规定",
    ),
    (
        "jilin",
        "吉林市人民政府关于公布吉林市城镇土地使用税税额标准的通知",
        "吉市政发〔{year}〕{n}号",
        "normative",
        (4, 3, 2),
        (1, 6, 30),
        "通知",
    ),
    (
        "zhujian",
        "吉林市住房和城乡建设局关于国有土地上房屋征收评估工作的实施意见",
        "吉市住建发〔{year}〕{n}号",
        "normative",
        (4, 5, 12),
        (1, 8, 1),
        "意见",
    ),
    (
        "zhujian",
        "吉林市住房和城乡建设局关于规范住宅专项维修资金使用管理的通知",
        "吉市住建发〔{year}〕{n}号",
        "normative",
        (1, 7, 22),
        None,
        "通知",
    ),
)
#: Demo policy documents (by a part of the title) that are 行政规范性文件.
NORMATIVE_TITLES = (
    "最低生活保障标准",
    "城市供热保障工作",
    "优化调整市区部分公交线路",
    "政务公开工作考核办法",
    "高校毕业生就业创业",
)
NORMATIVE_REASON = "演示数据：年度报告表二的规章和行政规范性文件"


def load_normative_documents(*, today: datetime.date) -> int:
    """Tag the demo policies that are 行政规范性文件 and add a few 规章 and 规范性文件 (some
    repealed last year). Returns how many documents changed; nothing when done before."""
    try:
        from gongkai.publishing import importer
        from gongkai.publishing import services as publishing_services
        from gongkai.publishing.models import DisclosureSectionPage, NormativeKind, PolicyDocumentPage
        from gongkai.publishing.review.guard import review_bypass
    except ImportError:  # pragma: no cover - publishing without the Table 2 fields
        return 0
    section = DisclosureSectionPage.objects.first()
    if section is None:
        return 0
    changed = 0
    with review_bypass(reason=NORMATIVE_REASON, user=None, release=False):
        # Oldest first: publishing an amending document may republish the one it amends.
        matches = PolicyDocumentPage.objects.filter(live=True, normative_kind="").filter(
            reduce(operator.or_, (Q(title__contains=part) for part in NORMATIVE_TITLES))
        )
        for pk in list(matches.order_by("written_on", "pk").values_list("pk", flat=True)):
            page = PolicyDocumentPage.objects.get(pk=pk)
            page.normative_kind = NormativeKind.NORMATIVE
            publishing_services.document_save(page=page, publish=True, action="publishing.document_imported")
            changed += 1
    departments = {
        d.code: d for d in Department.objects.filter(code__in={row[0] for row in NORMATIVE_DOCUMENTS})
    }
    rows = []
    for n, (code, title, number, kind, written, repealed, genre) in enumerate(NORMATIVE_DOCUMENTS, start=1):
        if code not in departments or PolicyDocumentPage.objects.filter(title=title).exists():
            continue
        written_on = datetime.date(today.year - written[0], written[1], written[2])
        repealed_on = datetime.date(today.year - repealed[0], repealed[1], repealed[2]) if repealed else None
        if written_on > today or (repealed_on and repealed_on > today):
            continue
        rows.append(
            {
                "type": "policy",
                "title": title,
                "department": code,
                "category": "城乡建设、环境保护",
                "genre": genre,
                "document_number": number.format(year=written_on.year, n=10 + n * 7),
                "written_on": written_on,
                "published_at": local_moment(wd(written_on, 3), 9, 30),
                "normative_kind": kind,
                "validity": "repealed" if repealed_on else "valid",
                "repealed_on": repealed_on,
                "summary": f"《{title}》全文。" + ("（已废止）" if repealed_on else ""),
                "body": f"{title}\n第一条 为加强管理，根据有关法律法规，结合本市实际，制定本文件。\n"
                "第二条 本文件适用于本市行政区域内的相关活动。\n第三条 本文件自发布之日起施行。",
            }
        )
    if rows:
        result = importer.import_rows(
            importer.rows_from_dicts(rows), publish=True, section=section, reason=NORMATIVE_REASON
        )
        changed += len(result.created)
    return changed


def report_figures(*, year: int, department: Department | None) -> dict[str, Any]:
    """The numbers the narrative of the annual report quotes, from the report's own tables."""
    from gongkai.disclosure import grounds
    from gongkai.disclosure.annual import compute, schema

    fmt = schema.format_for_year(year)
    table2, _sources = compute.table2_cells(year=year, department=department, fmt=fmt)
    table3 = compute.table3_cells(year=year, department=department, fmt=fmt)
    cases = compute.table4_cells(year=year, department=department)["cases"]

    def total(row: str, column: str = "total") -> int:
        return int(table3.get(row, {}).get(column, 0))

    def group(codes: tuple[str, ...]) -> int:
        return sum(total(code) for code in codes)

    def figure(block: str, row: str, column: str) -> str:
        value = Decimal(table2.get(block, {}).get(row, {}).get(column, 0))
        if value == value.to_integral_value():
            return str(int(value))
        return f"{value.normalize():f}"

    return {
        "new": total("new"),
        "carried": total("carried_over"),
        "concluded": total("total"),
        "forward": total("carried_forward"),
        "natural": total("new", "natural_person"),
        "organisations": total("new") - total("new", "natural_person"),
        "disclosed": total(Ground.DISCLOSED),
        "partial": total(Ground.PARTIAL),
        "withheld": group(grounds.WITHHELD_GROUNDS),
        "unavailable": group(grounds.UNAVAILABLE_GROUNDS),
        "not_processed": group(grounds.NOT_PROCESSED_GROUNDS),
        "other": group(grounds.OTHER_GROUNDS),
        "reconsideration": cases["reconsideration_total"],
        "litigation": cases["litigation_direct_total"] + cases["litigation_after_total"],
        "licensing": figure("item5", "licensing", "decisions"),
        "penalty": figure("item6", "penalty", "decisions"),
        "enforcement": figure("item6", "enforcement", "decisions"),
        "fees": figure("item8", "fees", "fee_amount"),
        "normative_issued": figure("item1", "normative", "issued"),
        "fee_line": compute.fee_line(year=year, department=department),
    }


def load_annual(*, today: datetime.date, users: dict[str, Any]) -> dict[str, int]:
    """Last year's Table 2 figures of the demo departments, the city's consolidated report (a
    draft) and 市住建局's report (released). Idempotent: figures are upserted, reports created once."""
    try:
        from gongkai.disclosure.annual import services as annual
        from gongkai.disclosure.annual.models import AnnualReport
    except ImportError:  # pragma: no cover - the annual report app is part of the disclosure app
        return {}
    year = today.year - 1
    head = users[OFFICE_HEAD]
    departments = {d.code: d for d in Department.objects.filter(code__in=text.TABLE2_FIGURES)}
    figures = 0
    for code, (licensing, penalty, enforcement, fee) in text.TABLE2_FIGURES.items():
        if code not in departments:
            continue
        cells = [
            ("item5", "licensing", "decisions", licensing),
            ("item6", "penalty", "decisions", penalty),
            ("item6", "enforcement", "decisions", enforcement),
            ("item8", "fees", "fee_amount", fee),
        ]
        if AnnualReport.objects.filter(year=year, department=departments[code], status="released").exists():
            continue
        annual.figures_save(
            year=year,
            department=departments[code],
            actor=head,
            figures=[{"block": b, "row": r, "column": c, "value": str(v)} for b, r, c, v in cells],
        )
        figures += len(cells)
    reports = 0
    for department, release in ((None, False), (departments.get("zhujian"), True)):
        if release and department is None:
            continue
        if AnnualReport.objects.filter(year=year, department=department).exists():
            continue
        report = annual.report_create(year=year, department=department, actor=head)
        agency = department.name if department else "吉林市人民政府"
        sections = text.annual_sections(
            agency_name=agency,
            year=year,
            consolidated=department is None,
            figures=report_figures(year=year, department=department),
        )
        report = annual.report_update_sections(
            report=report, actor=head, sections={name: value for name, value in sections.items()}
        )
        if release:
            annual.report_release(report=report, actor=head)
        reports += 1
    return {"figures": figures, "reports": reports}


# --- Loading ------------------------------------------------------------------------------------


def demo_users() -> dict[str, Any]:
    names = [OFFICE_USER, OFFICE_HEAD, *CLERKS.values()]
    return {
        user.username: user for user in get_user_model().objects.filter(username__in=names, is_active=True)
    }


def query_code(tracking_number: str) -> str:
    """The query code of a demo application (derived from its number, so the docs and the loader
    can tell it; real applications get a random one, stored only as a hash)."""
    return f"{random.Random(f'{SEED}:{tracking_number}').randrange(10**6):06d}"


def tracking_examples() -> list[tuple[str, str, str]]:
    """A few demo applications to look up on the public tracking page: (number, code, status)."""
    examples = []
    for status in (Status.HANDLING, Status.CORRECTION, Status.ARCHIVED):
        # The archived example is a disclosed one, so that the page shows a reply letter.
        extra = {"reply__reply_type": ReplyType.DISCLOSED} if status == Status.ARCHIVED else {}
        application = (
            Application.objects.filter(
                status=status, log_entries__action="submitted", log_entries__note=DEMO_NOTE, **extra
            )
            .order_by("-received_on", "-pk")
            .first()
        )
        if application is not None:
            code = query_code(application.tracking_number)
            if services.query_code_hash(tracking_number=application.tracking_number, query_code=code) == (
                application.query_code_hash
            ):
                examples.append((application.tracking_number, code, application.get_status_display()))
    return examples


def attach_example_letters() -> int:
    """Render the reply letters of the printed examples (the public page offers only stored
    letters; the workspace renders a missing one when it is downloaded)."""
    from gongkai.disclosure import letters

    count = 0
    for number, _code, _status in tracking_examples():
        reply = Reply.objects.filter(application__tracking_number=number).first()
        if reply is not None and not reply.letter_docx:
            with transaction.atomic():
                letters.reply_letter_attach(reply=reply)
            count += 1
    return count


def is_loaded() -> bool:
    return LogEntry.objects.filter(action="submitted", note=DEMO_NOTE).exists()


def load_applications(*, now: datetime.datetime, stdout: Any) -> dict[str, int]:
    """Plan and write the applications and the review cases; return counts."""
    users = demo_users()
    departments = {d.code: d for d in Department.objects.filter(code__in=DEPARTMENT_WEIGHTS)}
    loader = Loader(now=now)
    specs = [*loader.generic(), *loader.forced_last_year(), *loader.heavy_applicant(), *loader.open_now()]
    plans = [loader.planner.build(spec) for spec in specs]
    plans += [loader.planner.build(spec) for spec in loader.duplicates(plans)]
    plans = [plan for plan in plans if plan.upto(now)]
    plans.sort(key=lambda plan: (plan.spec.received, plan.events[0].at))
    writer = Writer(users=users, departments=departments, now=now)
    for plan in plans:
        writer.draft(plan)
    writer.save()
    written = len(writer.drafts)
    cases = load_review_cases(actor=users[OFFICE_HEAD], today=loader.today, rng=random.Random(SEED + 2))
    return {"applications": written, "review_cases": cases}


def load(*, stdout: Any) -> None:
    started = time.monotonic()
    if getattr(settings, "PRODUCTION", False):
        stdout.write("disclosure: 生产环境不载入演示申请 / no demo applications in production")
        return
    users = demo_users()
    missing = {OFFICE_USER, OFFICE_HEAD} - set(users)
    if missing:
        stdout.write(f"disclosure: 缺少演示账号 {sorted(missing)}，跳过 / demo accounts missing, skipped")
        return
    now = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        if is_loaded():
            counts = {"applications": 0}
            total = Application.objects.filter(
                log_entries__action="submitted", log_entries__note=DEMO_NOTE
            ).count()
            stdout.write(
                f"disclosure: 演示申请已存在（{total} 件）/ demo applications already loaded ({total})"
            )
        else:
            with transaction.atomic():
                counts = load_applications(now=now, stdout=stdout)
            stdout.write(
                f"disclosure: {counts['applications']} 件政府信息公开申请，{counts['review_cases']} 件复议诉讼案件"
                f" / {counts['applications']} applications, {counts['review_cases']} review cases"
            )
        loaded = time.monotonic()
        today = calendar.local_date(moment=now)
        with transaction.atomic():
            documents = load_normative_documents(today=today)
        tagged = time.monotonic()
        with transaction.atomic():
            annual = load_annual(today=today, users=users)
        stdout.write(
            f"disclosure: 表二 {annual.get('figures', 0)} 项数据，{documents} 件规章和规范性文件，"
            f"{annual.get('reports', 0)} 份年度报告 / Table 2 figures, documents and annual reports"
            f" (applications {loaded - started:.1f} s, documents {tagged - loaded:.1f} s,"
            f" reports {time.monotonic() - tagged:.1f} s)"
        )
        examples = "；".join(
            f"{number} 查询码 {code}（{status}）" for number, code, status in tracking_examples()
        )
        if examples:
            attach_example_letters()
            stdout.write(f"disclosure: 申请进度查询示例 / try the public tracking page: {examples}")
