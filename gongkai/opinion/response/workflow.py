"""The response loop of an event and of a forwarding, declared once (``gongkai.core.workflow``).

Each transition is run by one service in ``services.py`` through ``run_transition`` (lock, check
state + permission + conditions, save, audit, on_commit). docs/workflows/opinion-event.md holds
the drawings (``python manage.py opinion_response_graph --write``) and a test keeps them in sync.

Who may act (permissions are callables ``(actor, obj) -> bool``):

- **opinion staff** — 舆情分析员 (``opinion_analyst``) and 新闻办 (``press_office``), superusers:
  every verb of the event's case, and withdrawing a forwarding;
- **the forwarding's department** — 承办人 (``handler``) and 审批人 (``approver``) of the department
  it was sent to or of a department above it: sign for it and answer it;
- ``actor=None`` is the system (the periodic sweep): only ``mark_overdue`` of a forwarding.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from gongkai.accounts.roles import user_has_role
from gongkai.core.workflow import Condition, StateGraph, Transition
from gongkai.opinion.response.models import CaseStatus, ForwardingStatus

C = CaseStatus
F = ForwardingStatus

STAFF_ROLES = ("opinion_analyst", "press_office")
DEPARTMENT_ROLES = ("handler", "approver")


def _active_staff(actor: Any) -> bool:
    return (
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and actor.is_active
        and getattr(actor, "is_staff", False)
    )


def is_opinion_staff(actor: Any) -> bool:
    """舆情分析员 and 新闻办 (and superusers): they assess, forward, respond and close."""
    return _active_staff(actor) and (actor.is_superuser or user_has_role(actor, *STAFF_ROLES))


def may_read_cases(actor: Any) -> bool:
    """Opinion staff, and leaders (督查/领导) who follow the loop without acting in it."""
    return is_opinion_staff(actor) or (_active_staff(actor) and user_has_role(actor, "leader"))


def is_department_user(actor: Any) -> bool:
    """A handler or approver of a department (who answers forwardings sent to it)."""
    return _active_staff(actor) and bool(actor.department_id) and user_has_role(actor, *DEPARTMENT_ROLES)


def may_work_case(actor: Any, case: Any) -> bool:
    return is_opinion_staff(actor)


def may_answer_forwarding(actor: Any, forwarding: Any) -> bool:
    """The forwarding's department (or one above it): its handlers and approvers; superusers."""
    if not _active_staff(actor):
        return False
    if actor.is_superuser:
        return True
    if not is_department_user(actor):
        return False
    department = actor.department
    return bool(department is not None and forwarding.department.path.startswith(department.path))


def may_sweep(actor: Any, obj: Any) -> bool:
    return actor is None


ASSESSED = Condition(lambda case: case.is_assessed, _("事件尚未研判。"), code="not_assessed")
HAS_RESPONSE = Condition(
    lambda case: case.responses.filter(round=case.round).exists(),
    _("本轮还没有登记回应，不能关闭；无需回应的事件请选择“无需回应”。"),
    code="no_response",
)


CASE_GRAPH = StateGraph(
    name="opinion_case",
    states=CaseStatus,
    transitions=[
        Transition("assess", source={C.OPEN}, target=C.ASSESSED, permission=may_work_case, label=_("研判")),
        Transition(
            "reassess",
            source={C.ASSESSED, C.FORWARDED, C.RESPONDED},
            target=None,
            permission=may_work_case,
            label=_("重新研判"),
        ),
        Transition(
            "forward",
            source={C.ASSESSED, C.FORWARDED},
            target=C.FORWARDED,
            permission=may_work_case,
            conditions=[ASSESSED],
            label=_("转办"),
        ),
        Transition(
            "respond",
            source={C.ASSESSED, C.FORWARDED, C.RESPONDED},
            target=C.RESPONDED,
            permission=may_work_case,
            conditions=[ASSESSED],
            label=_("登记回应"),
        ),
        Transition(
            "link_clarification",
            source={C.ASSESSED, C.FORWARDED, C.RESPONDED, C.CLOSED},
            target=None,
            permission=may_work_case,
            label=_("关联辟谣"),
        ),
        Transition(
            "close",
            source={C.RESPONDED},
            target=C.CLOSED,
            permission=may_work_case,
            conditions=[HAS_RESPONSE],
            label=_("办结"),
        ),
        Transition(
            "dismiss",
            source={C.OPEN, C.ASSESSED, C.FORWARDED},
            target=C.CLOSED,
            permission=may_work_case,
            label=_("无需回应"),
        ),
        Transition("reopen", source={C.CLOSED}, target=C.OPEN, permission=may_work_case, label=_("重新打开")),
    ],
)


FORWARDING_GRAPH = StateGraph(
    name="opinion_forwarding",
    states=ForwardingStatus,
    transitions=[
        Transition(
            "accept", source={F.SENT}, target=F.ACCEPTED, permission=may_answer_forwarding, label=_("签收")
        ),
        Transition(
            "answer",
            source={F.SENT, F.ACCEPTED, F.OVERDUE},
            target=F.ANSWERED,
            permission=may_answer_forwarding,
            label=_("答复"),
        ),
        Transition(
            "mark_overdue",
            source={F.SENT, F.ACCEPTED},
            target=F.OVERDUE,
            permission=may_sweep,
            label=_("超期（定时任务）"),
        ),
        Transition(
            "withdraw",
            source={F.SENT, F.ACCEPTED, F.OVERDUE},
            target=F.WITHDRAWN,
            permission=lambda actor, forwarding: is_opinion_staff(actor),
            label=_("撤回"),
        ),
    ],
)
