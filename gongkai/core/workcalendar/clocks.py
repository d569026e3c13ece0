"""Deadline clocks as plain values: start, budget, pauses, extensions → due date, remaining, overdue.

``ClockSpec`` is the whole rule; ``ClockSpec.status(now=...)`` computes everything from it with the
work calendar. The ``DeadlineClock`` model stores a spec for any object (see ``services.clock_*``);
an app that prefers to keep its own columns can build a ``ClockSpec`` from them and get the same
arithmetic.

Rules:

* Working days: the starting day is not counted; the deadline is the end of the due day
  (Asia/Shanghai). Days are consumed one by one as working days go by, today included.
* Working hours: only office hours of working days count; the deadline is an exact moment.
* Due = start + budget + extensions + working time lost while paused.
* A pause from P to R loses the working time after P up to R: working days d with P < d ≤ R
  (pausing and resuming the same day loses nothing), or the office hours between P and R.
* A restart (``started_at`` moved forward) leaves the earlier pauses and extensions out: only
  those at or after the current start count.
* While paused, the due date is shown as if the clock resumed now, and remaining time is frozen.
* A stopped clock (case closed) is evaluated at ``stopped_at``: ``is_overdue`` then says whether
  it finished late.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from gongkai.core.workcalendar import selectors
from gongkai.core.workcalendar.models import ClockUnit


@dataclass(frozen=True, slots=True)
class PauseSpan:
    paused_at: datetime.datetime
    resumed_at: datetime.datetime | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ExtensionGrant:
    amount: int
    granted_at: datetime.datetime
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ClockStatus:
    unit: str
    budget: int
    #: Sum of the extensions that count (in the clock's unit).
    extension: int
    #: Working time lost while paused: an ``int`` of working days or a ``timedelta`` of office hours.
    paused: int | datetime.timedelta
    #: Remaining time at the reference moment: working days (``int``, 0 = due today, negative =
    #: days overdue) or office time (``timedelta``, negative when overdue).
    remaining: int | datetime.timedelta
    due_date: datetime.date
    #: The exact deadline (end of ``due_date`` for working days), aware, Asia/Shanghai.
    due_at: datetime.datetime
    is_overdue: bool
    is_paused: bool
    is_stopped: bool
    rule_text: str


def _hours_text(value: datetime.timedelta) -> str:
    hours = value.total_seconds() / 3600
    return f"{hours:.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True, slots=True)
class ClockSpec:
    unit: str
    budget: int
    started_at: datetime.datetime
    pauses: tuple[PauseSpan, ...] = ()
    extensions: tuple[ExtensionGrant, ...] = ()
    stopped_at: datetime.datetime | None = None
    #: Free text shown after the rule, e.g. "依申请公开条例第三十三条".
    basis: str = field(default="")

    def __post_init__(self) -> None:
        if self.unit not in ClockUnit.values:
            raise ValueError(f"unknown clock unit {self.unit!r}")

    # --- the parts that count ---------------------------------------------------------------

    def counted_pauses(self) -> list[PauseSpan]:
        return [pause for pause in self.pauses if pause.paused_at >= self.started_at]

    def counted_extension(self) -> int:
        return sum(grant.amount for grant in self.extensions if grant.granted_at >= self.started_at)

    def _reference(self, now: datetime.datetime) -> datetime.datetime:
        return self.stopped_at if self.stopped_at is not None else now

    def is_paused(self, *, now: datetime.datetime) -> bool:
        reference = self._reference(now)
        return any(
            pause.paused_at <= reference and (pause.resumed_at is None or pause.resumed_at > reference)
            for pause in self.counted_pauses()
        )

    # --- status -----------------------------------------------------------------------------

    def status(self, *, now: datetime.datetime) -> ClockStatus:
        """Evaluate the clock at ``now`` (or at ``stopped_at`` if the clock is stopped)."""
        reference = self._reference(now)
        extension = self.counted_extension()
        total = self.budget + extension
        paused_now = self.is_paused(now=now)
        if self.unit == ClockUnit.WORKING_DAYS:
            start_day = selectors.local_date(moment=self.started_at)
            reference_day = selectors.local_date(moment=reference)
            lost = 0
            for pause in self.counted_pauses():
                if pause.paused_at > reference:
                    continue
                end = min(pause.resumed_at or reference, reference)
                lost += max(
                    0,
                    selectors.working_days_between(
                        start=selectors.local_date(moment=pause.paused_at),
                        end=selectors.local_date(moment=end),
                    ),
                )
            due_date = selectors.add_working_days(start=start_day, days=total + lost)
            consumed = max(0, selectors.working_days_between(start=start_day, end=reference_day)) - lost
            return ClockStatus(
                unit=self.unit,
                budget=self.budget,
                extension=extension,
                paused=lost,
                remaining=total - consumed,
                due_date=due_date,
                due_at=selectors.end_of_day(day=due_date),
                is_overdue=reference_day > due_date,
                is_paused=paused_now,
                is_stopped=self.stopped_at is not None,
                rule_text=self._rule_text(extension=extension, lost=lost, paused_now=paused_now),
            )
        lost_time = datetime.timedelta(0)
        for pause in self.counted_pauses():
            if pause.paused_at > reference:
                continue
            end = min(pause.resumed_at or reference, reference)
            lost_time += selectors.working_hours_between(start=pause.paused_at, end=end)
        budget_time = datetime.timedelta(hours=total)
        due_at = selectors.add_working_hours(start=self.started_at, hours=budget_time + lost_time)
        consumed_time = selectors.working_hours_between(start=self.started_at, end=reference) - lost_time
        return ClockStatus(
            unit=self.unit,
            budget=self.budget,
            extension=extension,
            paused=lost_time,
            remaining=budget_time - max(consumed_time, datetime.timedelta(0)),
            due_date=selectors.local_date(moment=due_at),
            due_at=due_at,
            is_overdue=reference > due_at,
            is_paused=paused_now,
            is_stopped=self.stopped_at is not None,
            rule_text=self._rule_text(extension=extension, lost=lost_time, paused_now=paused_now),
        )

    def _rule_text(self, *, extension: int, lost: int | datetime.timedelta, paused_now: bool) -> str:
        """E.g. "20个工作日（延长 20 个工作日，暂停 3 个工作日）"."""
        days = self.unit == ClockUnit.WORKING_DAYS
        if days:
            text = _("%(budget)s个工作日") % {"budget": self.budget}
        else:
            text = _("%(budget)s个工作小时") % {"budget": self.budget}
        parts: list[str] = []
        if extension:
            if days:
                parts.append(_("延长 %(amount)s 个工作日") % {"amount": extension})
            else:
                parts.append(_("延长 %(amount)s 个工作小时") % {"amount": extension})
        if isinstance(lost, int) and lost:
            parts.append(_("暂停 %(amount)s 个工作日") % {"amount": lost})
        elif isinstance(lost, datetime.timedelta) and lost:
            parts.append(_("暂停 %(amount)s 个工作小时") % {"amount": _hours_text(lost)})
        if paused_now:
            parts.append(_("暂停中"))
        if parts:
            text += _("（%(details)s）") % {"details": _("，").join(parts)}
        if self.basis:
            text += " " + self.basis
        return text
