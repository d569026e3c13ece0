"""Writes of the response loop: duty roster, alert rules, alert evaluation, assessment (研判),
forwarding, responses, rumor clarifications, closing, and the periodic sweep of clocks.

Every case and forwarding verb runs one transition of ``workflow.CASE_GRAPH`` /
``FORWARDING_GRAPH`` through ``run_transition`` (row locked, state + permission + conditions
checked, audited); a refused transition raises ``TransitionNotAllowed`` and changes nothing. Bad
input raises ``ValidationError`` (field → Chinese message) before anything is written. Notices go
through the outbox inside the transaction of their cause, with idempotency keys naming the cause.

The opinion app's ``Event`` is not edited here, except two of its existing fields kept in step:
``status`` (open / assessed / closed, for the event board) and ``is_rumor`` (set by the assessment).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongkai.accounts.models import Department
from gongkai.api.errors import Conflict, PermissionDenied
from gongkai.core.audit.services import audit_record
from gongkai.core.workflow import run_transition
from gongkai.opinion.analysis.alerting import AlertEvaluator, AlertRule
from gongkai.opinion.models import Event, EventStatus, Topic
from gongkai.opinion.response import selectors
from gongkai.opinion.response.models import (
    CLOCK_HOURS,
    DUE_SOON_HOURS,
    MAX_TEXT,
    MEETS,
    OPEN_FORWARDING_STATUSES,
    Alert,
    AlertKind,
    AlertRuleConfig,
    AlertState,
    AnalystDuty,
    CaseStatus,
    ClockKind,
    EventCase,
    Forwarding,
    ForwardingStatus,
    Level,
    Response,
    ResponseClock,
    ResponseKind,
    clock_kinds_for,
)
from gongkai.opinion.response.workflow import CASE_GRAPH, FORWARDING_GRAPH, is_opinion_staff

logger = logging.getLogger("gongkai.opinion.response")

DEFAULT_SMS_TEMPLATES = {
    "alert": "SMS_OPINION_ALERT",  # params: kind, title, value (to the analysts on duty)
    "clock": "SMS_OPINION_CLOCK",  # params: title, clock, due, state (due soon / overdue)
    "forwarded": "SMS_OPINION_FORWARDED",  # params: title, deadline (to the department)
    "forwarding": "SMS_OPINION_FORWARDING",  # params: title, department, state (answered / overdue)
    "leaders": "SMS_OPINION_LEADERS",  # params: title, level (特别重大: to the leaders)
}

#: How far back or ahead an analyst may date a clock start or a response (and ahead, for clock skew).
MAX_PAST = datetime.timedelta(days=30)
MAX_SKEW = datetime.timedelta(minutes=5)
MAX_FORWARDING_DAYS = 30


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def sms_template(kind: str) -> str:
    return {**DEFAULT_SMS_TEMPLATES, **_setting("GONGKAI_OPINION_SMS_TEMPLATES", {})}[kind]


def _user_or_none(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _local(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


def _clean_text(value: Any, *, field: str, max_length: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: _("必须是文本。")})
    value = value.strip()
    if required and not value:
        raise ValidationError({field: _("此项不能为空。")})
    if len(value) > max_length:
        raise ValidationError({field: _("不能超过 %(n)s 个字符。") % {"n": max_length}})
    return value


def _moment(
    value: Any, *, field: str, now: datetime.datetime, future: datetime.timedelta = MAX_SKEW
) -> datetime.datetime:
    if not isinstance(value, datetime.datetime):
        raise ValidationError({field: _("时间格式不正确。")})
    if timezone.is_naive(value):
        raise ValidationError({field: _("时间须带时区。")})
    if value > now + future:
        raise ValidationError({field: _("时间不能晚于现在。")})
    if value < now - MAX_PAST:
        raise ValidationError({field: _("时间不能早于 30 天前。")})
    return value


def _active_department(department: Any, *, field: str = "department") -> Department:
    if not isinstance(department, Department):
        raise ValidationError({field: _("请选择单位。")})
    if not department.is_active:
        raise ValidationError({field: _("所选单位已停用。")})
    return department


# --- Notices -------------------------------------------------------------------------------------


def notify_users(
    users: Iterable[Any],
    *,
    key: str,
    subject: str,
    body: str,
    sms_kind: str,
    sms_params: dict[str, str],
    source: Any = None,
) -> int:
    """Queue an e-mail (and an SMS to a mobile number) to each user; returns how many were told.
    ``key`` names the cause: the same cause never sends twice."""
    from gongkai.core.outbox.services import outbox_notify_users

    return outbox_notify_users(
        users,
        key=key,
        subject=subject,
        body=body,
        sms_template=sms_template(sms_kind),
        sms_params=sms_params,
        source=source,
    )


# --- Duty roster --------------------------------------------------------------------------------


def duty_create(
    *,
    user: Any,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    note: str = "",
    actor: Any,
    request: Any = None,
) -> AnalystDuty:
    if user is None or not getattr(user, "is_active", False):
        raise ValidationError({"user": _("请选择在职的值班人员。")})
    for field, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not isinstance(value, datetime.datetime) or timezone.is_naive(value):
            raise ValidationError({field: _("时间格式不正确。")})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("结束时间须晚于开始时间。")})
    if ends_at - starts_at > datetime.timedelta(days=31):
        raise ValidationError({"ends_at": _("一次值班不能超过 31 天。")})
    note = _clean_text(note, field="note", max_length=200)
    with transaction.atomic():
        duty = AnalystDuty.objects.create(user=user, starts_at=starts_at, ends_at=ends_at, note=note)
        audit_record(
            actor=actor,
            action="opinion_duty.created",
            target=duty,
            new={"user": user.get_username(), "starts_at": starts_at, "ends_at": ends_at},
            request=request,
        )
    return duty


def duty_delete(*, duty: AnalystDuty, actor: Any, request: Any = None) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="opinion_duty.deleted",
            target=duty,
            old={"user": duty.user.get_username(), "starts_at": duty.starts_at, "ends_at": duty.ends_at},
            request=request,
        )
        duty.delete()


# --- Alert rules ---------------------------------------------------------------------------------


def _rule_values(rule: AlertRuleConfig) -> dict[str, Any]:
    return {
        "name": rule.name,
        "kind": rule.kind,
        "threshold": rule.threshold,
        "topic": rule.topic_id,
        "enabled": rule.enabled,
    }


def _check_rule(kind: Any, threshold: Any, topic: Any) -> None:
    if kind not in AlertKind.values:
        raise ValidationError({"kind": _("未知的预警类型。")})
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not threshold > 0:
        raise ValidationError({"threshold": _("阈值须为正数。")})
    if threshold > 1e9:
        raise ValidationError({"threshold": _("阈值过大。")})
    if kind == AlertKind.NEGATIVE_SHARE and threshold > 1:
        raise ValidationError({"threshold": _("负面占比的阈值须在 0 到 1 之间。")})
    if topic is not None and not isinstance(topic, Topic):
        raise ValidationError({"topic": _("请选择专题。")})


def rule_create(
    *,
    kind: str,
    threshold: float,
    name: str = "",
    topic: Topic | None = None,
    enabled: bool = True,
    actor: Any,
    request: Any = None,
) -> AlertRuleConfig:
    _check_rule(kind, threshold, topic)
    name = _clean_text(name, field="name", max_length=100)
    with transaction.atomic():
        rule = AlertRuleConfig.objects.create(
            name=name,
            kind=kind,
            threshold=float(threshold),
            topic=topic,
            enabled=bool(enabled),
            created_by=_user_or_none(actor),
        )
        audit_record(
            actor=actor,
            action="opinion_alert_rule.created",
            target=rule,
            new=_rule_values(rule),
            request=request,
        )
    return rule


def rule_update(*, rule: AlertRuleConfig, actor: Any, request: Any = None, **changes: Any) -> AlertRuleConfig:
    """Change ``name``, ``threshold``, ``topic`` or ``enabled``. A new threshold or topic re-arms
    the rule for every event (it is another rule for the evaluator)."""
    unknown = set(changes) - {"name", "threshold", "topic", "enabled"}
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("不能修改此项。")})
    threshold = changes.get("threshold", rule.threshold)
    topic = changes["topic"] if "topic" in changes else rule.topic
    _check_rule(rule.kind, threshold, topic)
    name = _clean_text(changes.get("name", rule.name), field="name", max_length=100)
    with transaction.atomic():
        rule = AlertRuleConfig.objects.select_for_update().get(pk=rule.pk)
        old = _rule_values(rule)
        rule.name, rule.threshold, rule.topic = name, float(threshold), topic
        if "enabled" in changes:
            rule.enabled = bool(changes["enabled"])
        rule.save()
        new = _rule_values(rule)
        diff = [key for key in new if new[key] != old[key]]
        if diff:
            audit_record(
                actor=actor,
                action="opinion_alert_rule.changed",
                target=rule,
                old={key: old[key] for key in diff},
                new={key: new[key] for key in diff},
                request=request,
            )
    return rule


def rule_delete(*, rule: AlertRuleConfig, actor: Any, request: Any = None) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="opinion_alert_rule.deleted",
            target=rule,
            old=_rule_values(rule),
            request=request,
        )
        rule.delete()


# --- Alert evaluation -----------------------------------------------------------------------------


def _evaluator(rules: list[AlertRuleConfig]) -> AlertEvaluator:
    return AlertEvaluator(
        [
            AlertRule(kind=r.kind, threshold=r.threshold, name=r.evaluator_id, topic_id=r.topic_id)
            for r in rules
        ],
        rearm_ratio=float(_setting("GONGKAI_OPINION_ALERT_REARM_RATIO", 0.8)),
        min_volume=float(_setting("GONGKAI_OPINION_ALERT_MIN_VOLUME", 20)),
    )


def _alert_value(kind: str, value: float) -> str:
    return f"{value:.0%}" if kind == AlertKind.NEGATIVE_SHARE else f"{value:.4g}"


def _alert_notice(alert: Alert, event: Event, recipients: list[Any]) -> int:
    kind = str(AlertKind(alert.kind).label)
    value = _alert_value(alert.kind, alert.value)
    title = event.display_title
    return notify_users(
        recipients,
        key=f"opinion-alert:{alert.pk}",
        subject=_("【舆情预警】%(kind)s：%(title)s") % {"kind": kind, "title": title[:60]},
        body=_(
            "事件“%(title)s”（编号 %(id)s）的%(kind)s达到 %(value)s（预警阈值 %(threshold)s），"
            "预警时间 %(at)s。现有帖子 %(posts)s 条，负面 %(negative)s 条，疑似谣言 %(rumor)s 条。请尽快研判。"
        )
        % {
            "title": title,
            "id": event.pk,
            "kind": kind,
            "value": value,
            "threshold": _alert_value(alert.kind, alert.threshold),
            "at": _local(alert.fired_at),
            "posts": event.post_count,
            "negative": event.negative_count,
            "rumor": event.rumor_candidate_count,
        },
        sms_kind="alert",
        sms_params={"kind": kind, "title": title[:20], "value": value},
        source=alert,
    )


DIGEST_LINES = 20


def _alert_digest(alerts: list[tuple[Alert, Event]], recipients: list[Any]) -> int:
    """One notice for many alerts of one evaluation (a new rule over old data, a city-wide storm):
    the duty phone gets one SMS, not hundreds."""
    lines = [
        _("%(kind)s %(value)s：%(title)s（编号 %(id)s）")
        % {
            "kind": AlertKind(alert.kind).label,
            "value": _alert_value(alert.kind, alert.value),
            "title": event.display_title,
            "id": event.pk,
        }
        for alert, event in sorted(alerts, key=lambda pair: (pair[0].kind, -pair[0].value))[:DIGEST_LINES]
    ]
    more = len(alerts) - len(lines)
    if more > 0:
        lines.append(_("……另有 %(n)s 条，见预警收件箱。") % {"n": more})
    first, last = alerts[0][0], alerts[-1][0]
    count = str(len(alerts))
    return notify_users(
        recipients,
        key=f"opinion-alert-digest:{first.pk}-{last.pk}",
        subject=_("【舆情预警】%(time)s 共 %(n)s 条预警") % {"time": _local(first.fired_at), "n": count},
        body="\n".join(lines),
        sms_kind="alert",
        sms_params={"kind": str(_("多项")), "title": str(_("%(n)s 条预警") % {"n": count}), "value": count},
        source=first,
    )


def evaluate_alerts(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Evaluate the enabled rules on the stored events at ``now``; create and announce the alerts.

    The evaluator's armed state is kept in the ``AlertState`` row, locked for the whole evaluation,
    so two runs at once wait for each other and an event alerts once per threshold crossing, never
    once per post or per run. Each alert is announced to the analysts on duty; more than
    ``GONGKAI_OPINION_ALERT_DIGEST_OVER`` (10) alerts at once go out as one digest. Returns
    ``{"events": observed events, "alerts": alerts created, "notified": notices sent}``.
    """
    now = now or timezone.now()
    rules = list(AlertRuleConfig.objects.filter(enabled=True).order_by("pk"))
    counts = {"events": 0, "alerts": 0, "notified": 0}
    with transaction.atomic():
        try:
            with transaction.atomic():
                row, _created = AlertState.objects.get_or_create(name="default")
        except IntegrityError:  # created by a concurrent run a moment ago
            pass
        row = AlertState.objects.select_for_update().get(name="default")
        evaluator = _evaluator(rules)
        if row.state:
            try:
                evaluator.load(row.state)
            except (ValueError, KeyError, TypeError, IndexError):
                logger.warning("opinion alerts: the saved state does not load; every rule starts armed")
        observed = selectors.alert_observations(
            now=now, kinds={r.kind for r in rules}, with_topics=any(r.topic_id for r in rules)
        )
        counts["events"] = len(observed.events)
        firings = evaluator.evaluate(observed.values, now.timestamp(), topics=observed.topics)
        by_id = {r.evaluator_id: r for r in rules}
        created: list[tuple[Alert, Event]] = []
        for firing in firings:
            rule = by_id[firing.rule.rule_id]
            event = observed.events.get(int(firing.subject)) if isinstance(firing.subject, int) else None
            alert = Alert.objects.create(
                rule=rule,
                kind=rule.kind,
                threshold=rule.threshold,
                rule_name=str(rule)[:100],
                event=event,
                subject=str(firing.subject)[:100],
                value=firing.value,
                fired_at=now,
            )
            counts["alerts"] += 1
            if event is not None:
                created.append((alert, event))
        if created:
            recipients = selectors.on_duty_users(at=now)
            if len(created) > int(_setting("GONGKAI_OPINION_ALERT_DIGEST_OVER", 10)):
                told = _alert_digest(created, recipients)
                Alert.objects.filter(pk__in=[alert.pk for alert, _event in created]).update(notified=told)
                counts["notified"] = told
            else:
                for alert, event in created:
                    alert.notified = _alert_notice(alert, event, recipients)
                    Alert.objects.filter(pk=alert.pk).update(notified=alert.notified)
                    counts["notified"] += alert.notified
        row.state = evaluator.dump()
        row.evaluated_at = now
        row.save(update_fields=["state", "evaluated_at", "updated_at"])
    return counts


def alert_acknowledge(*, alert: Alert, actor: Any, request: Any = None) -> Alert:
    """Mark an alert read; a second acknowledgement is refused (409) and changes nothing."""
    if not is_opinion_staff(actor):
        raise PermissionDenied()
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.acknowledged_at is not None:
            raise Conflict(_("该预警已确认。"), code="already_acknowledged")
        alert.acknowledged_by = actor
        alert.acknowledged_at = timezone.now()
        alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
        audit_record(
            actor=actor,
            action="opinion_alert.acknowledged",
            target=alert,
            new={"acknowledged_at": alert.acknowledged_at},
            request=request,
        )
    return alert


# --- Cases ---------------------------------------------------------------------------------------


def case_for_event(event: Event) -> EventCase:
    """The event's case, created (open) the first time someone works on it."""
    case = EventCase.objects.filter(event=event).first()
    if case is not None:
        return case
    try:
        with transaction.atomic():
            return EventCase.objects.create(event=event)
    except IntegrityError:  # created by a concurrent request
        return EventCase.objects.get(event=event)


_EVENT_STATUS: dict[str, str] = {
    CaseStatus.OPEN: EventStatus.OPEN,
    CaseStatus.ASSESSED: EventStatus.ASSESSED,
    CaseStatus.FORWARDED: EventStatus.ASSESSED,
    CaseStatus.RESPONDED: EventStatus.ASSESSED,
    CaseStatus.CLOSED: EventStatus.CLOSED,
}


def _sync_event_status(case: EventCase) -> None:
    """Keep the board's ``Event.status`` in step (not ``updated_at``: it dates the stored hotness)."""
    Event.objects.filter(pk=case.event_id).exclude(status=_EVENT_STATUS[case.status]).update(
        status=_EVENT_STATUS[case.status]
    )


def _run_case(
    target: Event | EventCase,
    name: str | Callable[[EventCase], str],
    actor: Any,
    apply: Callable[[EventCase], Iterable[str]] | None,
    *,
    request: Any = None,
    note: str = "",
) -> EventCase:
    """Run a case transition; the case of an event is created (open) in the same transaction, so a
    refused transition leaves no trace, not even an empty case."""

    def applied(c: EventCase) -> list[str]:
        changed = list(apply(c) or ()) if apply is not None else []
        _sync_event_status(c)
        return changed

    with transaction.atomic():
        case = case_for_event(target) if isinstance(target, Event) else target
        verb = name(case) if callable(name) else name
        return run_transition(
            CASE_GRAPH,
            model=EventCase,
            pk=case.pk,
            name=verb,
            actor=actor,
            apply=applied,
            request=request,
            note=note[:500],
            audit_action=f"opinion_case.{verb}",
        )


def _first_alert_since(case: EventCase) -> datetime.datetime | None:
    alerts = Alert.objects.filter(event_id=case.event_id)
    if case.reopened_at is not None:
        alerts = alerts.filter(fired_at__gte=case.reopened_at)
    return alerts.order_by("fired_at").values_list("fired_at", flat=True).first()


def _meet_clocks(case: EventCase) -> None:
    """Stop each running clock of the round with the earliest response of a kind that meets it."""
    for clock in case.clocks.filter(round=case.round, met_at__isnull=True, cancelled_at__isnull=True):
        response = (
            case.responses.filter(round=case.round, kind__in=MEETS[clock.kind]).order_by("at", "pk").first()
        )
        if response is not None:
            clock.met_at, clock.met_by = response.at, response
            clock.save(update_fields=["met_at", "met_by"])


def _sync_clocks(case: EventCase, *, now: datetime.datetime) -> None:
    """The round's clocks as the assessment says: the needed ones exist and run from
    ``clock_started_at``; the others, if not met, are cancelled. Met clocks are history."""
    assert case.clock_started_at is not None
    start = case.clock_started_at
    required = clock_kinds_for(is_major_emergency=case.is_major_emergency)
    existing = {clock.kind: clock for clock in case.clocks.filter(round=case.round)}
    for kind in required:
        due = start + datetime.timedelta(hours=CLOCK_HOURS[kind])
        clock = existing.get(kind)
        if clock is None:
            ResponseClock.objects.create(case=case, round=case.round, kind=kind, started_at=start, due_at=due)
        elif clock.met_at is None and (clock.cancelled_at is not None or clock.due_at != due):
            if clock.due_at != due:
                clock.due_soon_notified_at = clock.overdue_notified_at = None
            clock.started_at, clock.due_at, clock.cancelled_at = start, due, None
            clock.save()
    for kind, clock in existing.items():
        if kind not in required and clock.met_at is None and clock.cancelled_at is None:
            clock.cancelled_at = now
            clock.save(update_fields=["cancelled_at"])
    _meet_clocks(case)


def case_assess(
    *,
    event: Event,
    level: str,
    is_major_emergency: bool,
    department: Department | None,
    note: str = "",
    is_rumor: bool | None = None,
    clock_started_at: datetime.datetime | None = None,
    actor: Any,
    request: Any = None,
) -> EventCase:
    """Assess (研判) the event, or assess it again: level, major emergency or not, the first
    responsible department, the clocks.

    The clocks start when the office learned of the event: the first alert on it (in this round),
    or the assessment itself if no alert fired; ``clock_started_at`` overrides (e.g. a phone call
    came first). Major emergencies get 5 h (authoritative information) and 24 h (press conference),
    other events 48 h (a response), in calendar hours. Reassessing keeps the start unless a new
    one is given, cancels the clocks no longer needed and starts the new ones.
    """
    now = timezone.now()
    if level not in Level.values:
        raise ValidationError({"level": _("请选择舆情等级。")})
    if not isinstance(is_major_emergency, bool):
        raise ValidationError({"is_major_emergency": _("请选择是否涉及重大突发事件。")})
    department = _active_department(department)
    note = _clean_text(note, field="note", max_length=MAX_TEXT)
    if clock_started_at is not None:
        clock_started_at = _moment(clock_started_at, field="clock_started_at", now=now)
    previous: dict[str, str] = {}

    def verb(c: EventCase) -> str:
        previous["level"] = c.level
        return "assess" if c.status == CaseStatus.OPEN else "reassess"

    def apply(c: EventCase) -> list[str]:
        c.level = level
        c.is_major_emergency = is_major_emergency
        c.responsible_department = department
        c.assessment_note = note
        c.assessed_by = _user_or_none(actor)
        c.assessed_at = now
        c.clock_started_at = clock_started_at or c.clock_started_at or _first_alert_since(c) or now
        _sync_clocks(c, now=now)
        if is_rumor is not None and bool(is_rumor) != event.is_rumor:
            Event.objects.filter(pk=event.pk).update(is_rumor=bool(is_rumor))
            audit_record(
                actor=actor,
                action="opinion_event.rumor_marked",
                target=event,
                old={"is_rumor": event.is_rumor},
                new={"is_rumor": bool(is_rumor)},
                request=request,
            )
            event.is_rumor = bool(is_rumor)
        if level == Level.ESPECIALLY_MAJOR and previous.get("level") != Level.ESPECIALLY_MAJOR:
            _tell_leaders(c, event)
        return [
            "level",
            "is_major_emergency",
            "responsible_department_id",
            "assessment_note",
            "assessed_by_id",
            "assessed_at",
            "clock_started_at",
        ]

    return _run_case(event, verb, actor, apply, request=request, note=note)


def _tell_leaders(case: EventCase, event: Event) -> None:
    """特别重大: the government's principal leaders guide the response (国办发〔2016〕61号)."""
    title = event.display_title
    notify_users(
        selectors.leaders(),
        key=f"opinion-case:{case.pk}:r{case.round}:especially-major",
        subject=_("【特别重大舆情】%(title)s") % {"title": title[:60]},
        body=_("舆情事件“%(title)s”研判为特别重大，请本级政府主要负责同志指导、协调、督促做好回应。")
        % {"title": title},
        sms_kind="leaders",
        sms_params={"title": title[:20], "level": str(Level.ESPECIALLY_MAJOR.label)},
        source=case,
    )


def _work_order_by_number(number: str) -> Any:
    from gongkai.hotline.models import WorkOrder

    number = _clean_text(number, field="work_order", max_length=30)
    if not number:
        return None
    order = WorkOrder.objects.filter(tracking_number=number).first()
    if order is None:
        raise ValidationError({"work_order": _("受理编号“%(number)s”的工单不存在。") % {"number": number}})
    return order


def case_forward(
    *,
    event: Event,
    department: Department | None,
    instructions: str,
    deadline: datetime.datetime | None = None,
    work_order_number: str = "",
    actor: Any,
    request: Any = None,
) -> Forwarding:
    """Forward (转办) the event to a department for verification and an answer, as a tracked task.

    ``deadline`` defaults to the earliest running clock's deadline (the public answer cannot wait
    for the department), or 24 hours when none runs. A hotline work order about the same matter
    can be linked by its tracking number. The department's handlers and approvers are told.
    """
    now = timezone.now()
    department = _active_department(department)
    instructions = _clean_text(instructions, field="instructions", max_length=MAX_TEXT, required=True)
    if deadline is not None:
        if not isinstance(deadline, datetime.datetime) or timezone.is_naive(deadline):
            raise ValidationError({"deadline": _("时间格式不正确。")})
        if deadline <= now:
            raise ValidationError({"deadline": _("答复期限须晚于现在。")})
        if deadline > now + datetime.timedelta(days=MAX_FORWARDING_DAYS):
            raise ValidationError({"deadline": _("答复期限不能超过 30 天。")})
    work_order = _work_order_by_number(work_order_number)
    created: list[Forwarding] = []

    def apply(c: EventCase) -> list[str]:
        if c.forwardings.filter(department=department, status__in=OPEN_FORWARDING_STATUSES).exists():
            raise ValidationError({"department": _("已转办该单位，尚未答复。")})
        due = deadline
        if due is None:
            running = (
                c.clocks.filter(round=c.round, met_at__isnull=True, cancelled_at__isnull=True, due_at__gt=now)
                .order_by("due_at")
                .values_list("due_at", flat=True)
                .first()
            )
            due = running or now + datetime.timedelta(hours=24)
        forwarding = Forwarding.objects.create(
            case=c,
            department=department,
            instructions=instructions,
            deadline=due,
            work_order=work_order,
            sent_by=_user_or_none(actor),
            sent_at=now,
        )
        created.append(forwarding)
        audit_record(
            actor=actor,
            action="opinion_forwarding.sent",
            target=forwarding,
            new={
                "event": event.pk,
                "department": department.code,
                "deadline": due,
                "work_order": work_order.tracking_number if work_order else "",
            },
            request=request,
        )
        title = event.display_title
        notify_users(
            selectors.department_users(department),
            key=f"opinion-forwarding:{forwarding.pk}:sent",
            subject=_("【舆情转办】%(title)s") % {"title": title[:60]},
            body=_(
                "舆情事件“%(title)s”已转请贵单位核实并答复，答复期限 %(deadline)s。\n转办要求：%(instructions)s"
            )
            % {"title": title, "deadline": _local(due), "instructions": instructions},
            sms_kind="forwarded",
            sms_params={"title": title[:20], "deadline": _local(due)},
            source=forwarding,
        )
        return []

    _run_case(event, "forward", actor, apply, request=request, note=instructions)
    return created[0]


def _run_forwarding(
    forwarding: Forwarding,
    name: str,
    actor: Any,
    apply: Callable[[Forwarding], Iterable[str]] | None,
    *,
    request: Any = None,
    note: str = "",
) -> Forwarding:
    return run_transition(
        FORWARDING_GRAPH,
        model=Forwarding,
        pk=forwarding.pk,
        name=name,
        actor=actor,
        apply=apply,
        request=request,
        note=note[:500],
        audit_action=f"opinion_forwarding.{name}",
    )


def forwarding_accept(*, forwarding: Forwarding, actor: Any, request: Any = None) -> Forwarding:
    def apply(f: Forwarding) -> list[str]:
        f.accepted_by, f.accepted_at = actor, timezone.now()
        return ["accepted_by_id", "accepted_at"]

    return _run_forwarding(forwarding, "accept", actor, apply, request=request)


def forwarding_answer(*, forwarding: Forwarding, answer: str, actor: Any, request: Any = None) -> Forwarding:
    """The department's answer; the analysts on duty and the sender are told."""
    answer = _clean_text(answer, field="answer", max_length=MAX_TEXT, required=True)

    def apply(f: Forwarding) -> list[str]:
        f.answer, f.answered_by, f.answered_at = answer, actor, timezone.now()
        title = f.case.event.display_title
        recipients = {u.pk: u for u in selectors.on_duty_users()}
        if f.sent_by is not None and f.sent_by.is_active:
            recipients[f.sent_by.pk] = f.sent_by
        notify_users(
            recipients.values(),
            key=f"opinion-forwarding:{f.pk}:answered",
            subject=_("【舆情转办答复】%(department)s：%(title)s")
            % {"department": f.department.name, "title": title[:60]},
            body=_("%(department)s已答复舆情事件“%(title)s”：\n%(answer)s")
            % {"department": f.department.name, "title": title, "answer": answer},
            sms_kind="forwarding",
            sms_params={"title": title[:20], "department": f.department.name[:20], "state": _("已答复")},
            source=f,
        )
        return ["answer", "answered_by_id", "answered_at"]

    return _run_forwarding(forwarding, "answer", actor, apply, request=request, note=answer)


def forwarding_withdraw(
    *, forwarding: Forwarding, reason: str, actor: Any, request: Any = None
) -> Forwarding:
    reason = _clean_text(reason, field="reason", max_length=500, required=True)

    def apply(f: Forwarding) -> list[str]:
        f.withdrawn_reason = reason
        return ["withdrawn_reason"]

    return _run_forwarding(forwarding, "withdraw", actor, apply, request=request, note=reason)


def _withdraw_open_forwardings(case: EventCase, *, actor: Any, reason: str, request: Any) -> None:
    for forwarding in case.forwardings.filter(status__in=OPEN_FORWARDING_STATUSES):
        forwarding_withdraw(forwarding=forwarding, reason=reason, actor=actor, request=request)


def _published_page(page_id: Any, *, field: str) -> Any:
    """The live disclosure document ``page_id`` (a press release, a clarification …), specific."""
    from wagtail.models import Page

    from gongkai.publishing.models import DisclosureDocumentPage

    if isinstance(page_id, bool) or not isinstance(page_id, int) or not 0 < page_id < 2**63:
        raise ValidationError({field: _("请选择已发布的文件。")})
    page = Page.objects.filter(pk=page_id).first()
    specific = page.specific if page is not None else None
    if (
        not isinstance(specific, DisclosureDocumentPage)
        or not specific.live
        or specific.first_published_at is None
    ):
        raise ValidationError({field: _("所选页面不是已发布的公开文件。")})
    return specific


def case_record_response(
    *,
    event: Event,
    kind: str,
    summary: str,
    at: datetime.datetime | None = None,
    url: str = "",
    page_id: int | None = None,
    department: Department | None = None,
    spokesperson: str = "",
    actor: Any,
    request: Any = None,
) -> Response:
    """Record a public response; the round's clocks it meets stop (a press conference meets the
    24 h press-conference clock; any kind meets the 5 h and 48 h clocks). ``at`` defaults to the
    document's first publication, else now; it may not be in the future."""
    now = timezone.now()
    if kind not in ResponseKind.values:
        raise ValidationError({"kind": _("请选择回应方式。")})
    summary = _clean_text(summary, field="summary", max_length=MAX_TEXT, required=True)
    url = _clean_text(url, field="url", max_length=1000)
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise ValidationError({"url": _("链接格式不正确。")}) from None
    page = _published_page(page_id, field="page") if page_id is not None else None
    if kind == ResponseKind.DOCUMENT and page is None and not url:
        raise ValidationError({"page": _("发布文件须选择已发布的页面或填写链接。")})
    if at is None:
        at = page.first_published_at if page is not None else now
    at = _moment(at, field="at", now=now)
    if department is not None:
        department = _active_department(department)
    spokesperson = _clean_text(spokesperson, field="spokesperson", max_length=100)
    return _record_response(
        event,
        kind=kind,
        summary=summary,
        at=at,
        url=url,
        page=page,
        department=department,
        spokesperson=spokesperson,
        actor=actor,
        request=request,
    )


def _record_response(target: Event | EventCase, *, actor: Any, request: Any, **values: Any) -> Response:
    created: list[Response] = []

    def apply(c: EventCase) -> list[str]:
        response = Response.objects.create(case=c, round=c.round, recorded_by=_user_or_none(actor), **values)
        created.append(response)
        audit_record(
            actor=actor,
            action="opinion_response.recorded",
            target=response,
            new={
                "kind": response.kind,
                "at": response.at,
                "page": response.page_id,
                "url": response.url,
                "summary": response.summary[:200],
            },
            request=request,
        )
        _meet_clocks(c)
        return []

    _run_case(target, "respond", actor, apply, request=request, note=str(values.get("summary", ""))[:200])
    return created[0]


def case_link_clarification(*, event: Event, page_id: int, actor: Any, request: Any = None) -> EventCase:
    """Link the rumor's published clarification (辟谣); from then on its volume is followed before
    and after the publication (``selectors.rumor_volume``). Its publication is a public response:
    it is recorded as one (a published document) unless it already was, which stops the clocks."""
    from gongkai.publishing.models import RumorClarificationPage

    if not event.is_rumor:
        raise ValidationError({"event": _("该事件未被研判为谣言。")})
    page = _published_page(page_id, field="page")
    if not isinstance(page, RumorClarificationPage):
        raise ValidationError({"page": _("请选择已发布的辟谣信息。")})
    with transaction.atomic():

        def apply(c: EventCase) -> list[str]:
            c.clarification = page
            c.clarification_linked_at = timezone.now()
            return ["clarification_id", "clarification_linked_at"]

        case = _run_case(event, "link_clarification", actor, apply, request=request, note=page.title)
        if (
            case.status != CaseStatus.CLOSED
            and not case.responses.filter(round=case.round, page_id=page.pk).exists()
        ):
            _record_response(
                case,
                kind=ResponseKind.DOCUMENT,
                summary=_("发布辟谣信息：%(title)s") % {"title": page.title},
                at=page.first_published_at,
                url="",
                page=page,
                department=page.department if page.department.is_active else None,
                spokesperson="",
                actor=actor,
                request=request,
            )
    return EventCase.objects.get(pk=case.pk)


def case_close(*, event: Event, reason: str = "", actor: Any, request: Any = None) -> EventCase:
    """Close (办结) a responded case; forwardings still open are withdrawn. Clocks still running
    stay as they are (shown as not met): closing does not excuse a missed deadline."""
    reason = _clean_text(reason, field="reason", max_length=500)

    def apply(c: EventCase) -> list[str]:
        c.closed_at, c.close_reason = timezone.now(), reason
        _withdraw_open_forwardings(c, actor=actor, reason=_("事件已办结。"), request=request)
        return ["closed_at", "close_reason"]

    return _run_case(event, "close", actor, apply, request=request, note=reason)


def case_dismiss(*, event: Event, reason: str, actor: Any, request: Any = None) -> EventCase:
    """Close an event that needs no response (无需回应), with the reason; its running clocks are
    cancelled and its open forwardings withdrawn."""
    reason = _clean_text(reason, field="reason", max_length=500, required=True)

    def apply(c: EventCase) -> list[str]:
        now = timezone.now()
        c.closed_at, c.close_reason = now, reason
        c.clocks.filter(round=c.round, met_at__isnull=True, cancelled_at__isnull=True).update(
            cancelled_at=now
        )
        _withdraw_open_forwardings(c, actor=actor, reason=_("事件无需回应。"), request=request)
        return ["closed_at", "close_reason"]

    return _run_case(event, "dismiss", actor, apply, request=request, note=reason)


def case_reopen(*, event: Event, reason: str, actor: Any, request: Any = None) -> EventCase:
    """Reopen a closed case (the opinion flared up again): a new round, assessed afresh, with new
    clocks from its first alert after now; the earlier round stays as history."""
    reason = _clean_text(reason, field="reason", max_length=500, required=True)

    def apply(c: EventCase) -> list[str]:
        c.round += 1
        c.reopened_at = timezone.now()
        c.clock_started_at = None
        c.closed_at = None
        return ["round", "reopened_at", "clock_started_at", "closed_at"]

    return _run_case(event, "reopen", actor, apply, request=request, note=reason)


# --- The sweep -------------------------------------------------------------------------------------


def _claim(model: Any, pk: int, field: str, now: datetime.datetime) -> bool:
    """Set ``field`` to ``now`` if it is still empty; True for the one caller that did (so a notice
    goes out once however many sweeps run at once)."""
    return bool(model.objects.filter(pk=pk, **{f"{field}__isnull": True}).update(**{field: now}))


class _People:
    """The analysts on duty and the departments' people, each read once per sweep."""

    def __init__(self, now: datetime.datetime) -> None:
        self.now = now
        self._on_duty: list[Any] | None = None
        self._departments: dict[int, list[Any]] = {}

    def on_duty(self) -> list[Any]:
        if self._on_duty is None:
            self._on_duty = selectors.on_duty_users(at=self.now)
        return self._on_duty

    def of(self, department: Department) -> list[Any]:
        if department.pk not in self._departments:
            self._departments[department.pk] = selectors.department_users(department)
        return self._departments[department.pk]


def _clock_notice(clock: ResponseClock, *, overdue: bool, people: _People) -> int:
    case = clock.case
    event = case.event
    title = event.display_title
    kind = str(ClockKind(clock.kind).label)
    state = _("已超期") if overdue else _("即将到期")
    users = {u.pk: u for u in people.on_duty()}
    if overdue and case.responsible_department is not None:
        users.update({u.pk: u for u in people.of(case.responsible_department)})
    return notify_users(
        users.values(),
        key=f"opinion-clock:{clock.pk}:{clock.due_at.timestamp():.0f}:{'overdue' if overdue else 'due-soon'}",
        subject=_("【舆情回应%(state)s】%(kind)s：%(title)s")
        % {"state": state, "kind": kind, "title": title[:60]},
        body=_(
            "舆情事件“%(title)s”（%(level)s%(major)s）应在 %(due)s 前%(kind)s（%(hours)s 小时，自 %(start)s 起算），"
            "目前%(state)s，尚未登记。"
        )
        % {
            "title": title,
            "level": case.get_level_display(),
            "major": _("，涉及重大突发事件") if case.is_major_emergency else "",
            "due": _local(clock.due_at),
            "kind": kind,
            "hours": CLOCK_HOURS[clock.kind],
            "start": _local(clock.started_at),
            "state": state,
        },
        sms_kind="clock",
        sms_params={"title": title[:20], "clock": kind, "due": _local(clock.due_at), "state": state},
        source=clock,
    )


def _forwarding_due_soon_at(forwarding: Forwarding) -> datetime.datetime:
    """A quarter of the time given, at most 8 hours, before the deadline."""
    span = forwarding.deadline - forwarding.sent_at
    return forwarding.deadline - min(span / 4, datetime.timedelta(hours=8))


def _forwarding_notice(forwarding: Forwarding, *, overdue: bool, people: _People) -> int:
    title = forwarding.case.event.display_title
    state = _("已超期") if overdue else _("即将到期")
    users = {u.pk: u for u in people.of(forwarding.department)}
    if overdue:
        users.update({u.pk: u for u in people.on_duty()})
    return notify_users(
        users.values(),
        key=f"opinion-forwarding:{forwarding.pk}:{'overdue' if overdue else 'due-soon'}",
        subject=_("【舆情转办%(state)s】%(title)s") % {"state": state, "title": title[:60]},
        body=_(
            "转请%(department)s答复的舆情事件“%(title)s”答复期限为 %(deadline)s，目前%(state)s，请尽快答复。"
        )
        % {
            "department": forwarding.department.name,
            "title": title,
            "deadline": _local(forwarding.deadline),
            "state": state,
        },
        sms_kind="forwarding",
        sms_params={"title": title[:20], "department": forwarding.department.name[:20], "state": state},
        source=forwarding,
    )


def sweep(*, now: datetime.datetime | None = None, limit: int = 1000) -> dict[str, int]:
    """Due-soon and overdue notices for the running clocks and the open forwardings; forwardings past
    their deadline become ``overdue``. Each notice goes out once per clock (per deadline) and per
    forwarding, however often and however many times at once this runs."""
    now = now or timezone.now()
    people = _People(now)
    counts = {"clocks_due_soon": 0, "clocks_overdue": 0, "forwardings_due_soon": 0, "forwardings_overdue": 0}
    running = selectors.running_clocks().select_related("case__event", "case__responsible_department")
    overdue = running.filter(overdue_notified_at__isnull=True, due_at__lte=now).order_by("due_at")[:limit]
    for clock in overdue:
        with transaction.atomic():
            if _claim(ResponseClock, clock.pk, "overdue_notified_at", now):
                if clock.due_soon_notified_at is None:  # never warned: the overdue notice says it all
                    ResponseClock.objects.filter(pk=clock.pk).update(due_soon_notified_at=now)
                _clock_notice(clock, overdue=True, people=people)
                counts["clocks_overdue"] += 1
    soon = running.filter(due_soon_notified_at__isnull=True, due_at__gt=now).order_by("due_at")[:limit]
    for clock in soon:
        if now < clock.due_soon_at:
            continue
        with transaction.atomic():
            if _claim(ResponseClock, clock.pk, "due_soon_notified_at", now):
                _clock_notice(clock, overdue=False, people=people)
                counts["clocks_due_soon"] += 1

    late = Forwarding.objects.filter(
        status__in=(ForwardingStatus.SENT, ForwardingStatus.ACCEPTED), deadline__lte=now
    ).select_related("case__event", "department")[:limit]
    for forwarding in late:
        try:
            with transaction.atomic():
                _run_forwarding(forwarding, "mark_overdue", None, None)
                if _claim(Forwarding, forwarding.pk, "overdue_notified_at", now):
                    _forwarding_notice(forwarding, overdue=True, people=people)
                counts["forwardings_overdue"] += 1
        except Exception:  # one bad row (or a department that answered meanwhile) must not stop the sweep
            logger.info("opinion sweep: forwarding %s not marked overdue", forwarding.pk, exc_info=True)
    pending = Forwarding.objects.filter(
        status__in=(ForwardingStatus.SENT, ForwardingStatus.ACCEPTED),
        deadline__gt=now,
        due_soon_notified_at__isnull=True,
    ).select_related("case__event", "department")[:limit]
    for forwarding in pending:
        if now < _forwarding_due_soon_at(forwarding):
            continue
        with transaction.atomic():
            if _claim(Forwarding, forwarding.pk, "due_soon_notified_at", now):
                _forwarding_notice(forwarding, overdue=False, people=people)
                counts["forwardings_due_soon"] += 1
    return counts


__all__ = [
    "DUE_SOON_HOURS",
    "alert_acknowledge",
    "case_assess",
    "case_close",
    "case_dismiss",
    "case_for_event",
    "case_forward",
    "case_link_clarification",
    "case_record_response",
    "case_reopen",
    "duty_create",
    "duty_delete",
    "evaluate_alerts",
    "forwarding_accept",
    "forwarding_answer",
    "forwarding_withdraw",
    "notify_users",
    "rule_create",
    "rule_delete",
    "rule_update",
    "sweep",
]
