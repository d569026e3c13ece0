"""The work-order loop, declared once: every state, every transition, who may run it and when.

Each transition is run by one service in ``services.py`` through ``run_transition`` (lock, check
state + permission + conditions, save, audit, on_commit). ``GRAPH.to_mermaid()`` draws it;
docs/workflows/hotline.md holds the drawing and a test keeps the two in sync.

Who may act (permissions are callables ``(actor, order) -> bool``):

- the **hotline office** (派单员 ``dispatcher``; superusers) dispatches, rules on returns, decides
  extensions, checks replies, reopens, merges, supervises;
- **operators** (话务员) answer at first contact, mark invalid calls, and call citizens back;
- **handlers** (承办人) of the department that holds the order now (``current_department``) sign
  for, return, hand down to a street, pause, ask for extensions and reply; the lead department may
  also reply and pause while a street handles a level-2 assignment (the district keeps supervising);
- **leaders** (督查) may supervise, urge and escalate;
- ``actor=None`` is the system (the periodic sweep): only for supervise, urge and escalate; and the
  citizen, proven by the query code, for ``rate_by_citizen`` / ``close_by_citizen_rating`` (and only
  ``None`` may run those). The API layer always passes the request's user to staff actions.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from gongkai.accounts.roles import user_has_role
from gongkai.core.workflow import Condition, StateGraph, Transition
from gongkai.hotline.models import (
    DISSATISFIED_LEVELS,
    OPEN_STATUSES,
    AssignmentRole,
    DecisionStatus,
    InboundStatus,
    Status,
)

S = Status


def _is_staff_user(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False) and actor.is_active


def is_hotline_office(actor: Any) -> bool:
    """Dispatchers of the 市长电话室 (and superusers)."""
    return _is_staff_user(actor) and (actor.is_superuser or user_has_role(actor, "dispatcher"))


def is_operator(actor: Any) -> bool:
    return _is_staff_user(actor) and (actor.is_superuser or user_has_role(actor, "operator", "dispatcher"))


def _handler_of(actor: Any, department_id: int | None) -> bool:
    if not _is_staff_user(actor) or department_id is None:
        return False
    if actor.is_superuser:
        return True
    return bool(actor.department_id == department_id and user_has_role(actor, "handler"))


def may_hotline(actor: Any, order: Any) -> bool:
    return is_hotline_office(actor)


def may_operate(actor: Any, order: Any) -> bool:
    return is_operator(actor)


def may_handle_current(actor: Any, order: Any) -> bool:
    """A handler of the department that must act now."""
    return _handler_of(actor, order.current_department_id)


def may_handle(actor: Any, order: Any) -> bool:
    """A handler of the current department or of the lead department (who supervises a street)."""
    return _handler_of(actor, order.current_department_id) or _handler_of(actor, order.lead_department_id)


def may_pause(actor: Any, order: Any) -> bool:
    return may_handle(actor, order) or is_hotline_office(actor)


def may_contribute(actor: Any, order: Any) -> bool:
    if not _is_staff_user(actor) or not actor.department_id:
        return False
    if not (actor.is_superuser or user_has_role(actor, "handler")):
        return False
    return order.assignments.filter(
        department_id=actor.department_id, role=AssignmentRole.ASSISTING, is_active=True
    ).exists()


def may_rate_as_citizen(actor: Any, order: Any) -> bool:
    """The citizen, proven by the query code (checked by the caller with ``public_lookup``): no user."""
    return actor is None


def may_supervise(actor: Any, order: Any) -> bool:
    if actor is None:  # the periodic sweep
        return True
    return is_hotline_office(actor) or (_is_staff_user(actor) and user_has_role(actor, "leader"))


def _current_level(order: Any) -> int:
    assignment = (
        order.assignments.filter(is_active=True, role=AssignmentRole.LEAD).order_by("-level", "-pk").first()
    )
    return assignment.level if assignment is not None else 0


def _has_pending_extension(order: Any) -> bool:
    return order.extension_requests.filter(status=DecisionStatus.PENDING).exists()


HAS_REPLY = Condition(
    lambda o: bool((o.reply_text or "").strip()), _("没有答复的工单不能办结。"), code="no_reply"
)
LEVEL_ONE = Condition(lambda o: _current_level(o) == 1, _("该工单已下派到街道。"), code="already_down")
LEVEL_TWO = Condition(lambda o: _current_level(o) == 2, _("该工单不是下派到街道的工单。"), code="not_down")
NOT_PAUSED = Condition(lambda o: not o.is_paused, _("工单正在暂停计时。"), code="paused")
IS_PAUSED = Condition(lambda o: o.is_paused, _("工单没有暂停计时。"), code="not_paused")
NO_PENDING_EXTENSION = Condition(
    lambda o: not _has_pending_extension(o), _("已有待审批的延期申请。"), code="extension_pending"
)
PENDING_EXTENSION = Condition(_has_pending_extension, _("没有待审批的延期申请。"), code="no_extension")
NOT_ESCALATED = Condition(lambda o: not o.escalated, _("工单已提级督办。"), code="already_escalated")
REOPENABLE = Condition(
    lambda o: (
        o.status == S.CLOSED or o.satisfaction in DISSATISFIED_LEVELS or o.reopen_requested_at is not None
    ),
    _("只有不满意的工单才能在回访阶段重办。"),
    code="not_dissatisfied",
)
NOT_RATED = Condition(lambda o: o.citizen_rated_at is None, _("该诉求已评价过。"), code="already_rated")
REOPEN_REQUESTED = Condition(
    lambda o: o.reopen_requested_at is not None, _("群众没有申请重新办理。"), code="no_reopen_request"
)


def _reply_ready(order: Any) -> bool:
    """A merged order is rated on its lead order's reply: the lead must have an approved reply."""
    current, steps = order, 0
    while current.status == S.MERGED and current.merged_into_id is not None and steps < 10:
        current, steps = current.merged_into, steps + 1
    return current.status in (S.AWAITING_CALLBACK, S.CLOSED)


PUBLISHABLE = Condition(
    lambda o: (
        o.channel == "mailbox" and o.consent_to_publish and not o.confidential and o.merged_into_id is None
    ),
    _("只有写信人同意公开、未要求保密的市长信箱来信才能公开。"),
    code="not_publishable",
)
PUBLISHED = Condition(
    lambda o: o.publication_approved_at is not None, _("该来信没有公开。"), code="not_published"
)
REPLY_READY = Condition(_reply_ready, _("还没有可以评价的答复。"), code="not_rateable")
NOT_A_LEADER = Condition(
    lambda o: not o.followers.exists(), _("已有工单并入本工单，不能再并入其他工单。"), code="has_followers"
)


def _states(*states: str) -> set[str]:
    return {str(state) for state in states}


OPEN = _states(*OPEN_STATUSES)
HANDLING = _states(S.DISPATCHED, S.IN_PROGRESS)

GRAPH = StateGraph(
    name="workorder",
    states=Status,
    transitions=[
        Transition(
            "answer_directly",
            _states(S.RECEIVED),
            S.CLOSED,
            permission=may_operate,
            label=_("即时答复办结"),
        ),
        Transition(
            "answer_directly_with_callback",
            _states(S.RECEIVED),
            S.AWAITING_CALLBACK,
            permission=may_operate,
            label=_("即时答复待回访"),
        ),
        Transition("dispatch", _states(S.RECEIVED), S.DISPATCHED, permission=may_hotline, label=_("派单")),
        Transition(
            "dispatch_down",
            _states(S.IN_PROGRESS),
            S.DISPATCHED,
            permission=may_handle_current,
            conditions=[LEVEL_ONE, NOT_PAUSED],
            label=_("下派街道"),
        ),
        Transition(
            "accept", _states(S.DISPATCHED), S.IN_PROGRESS, permission=may_handle_current, label=_("签收")
        ),
        Transition(
            "return",
            HANDLING,
            S.RETURNED,
            permission=may_handle_current,
            conditions=[LEVEL_ONE],
            label=_("退单"),
        ),
        Transition(
            "return_to_district",
            HANDLING,
            S.IN_PROGRESS,
            permission=may_handle_current,
            conditions=[LEVEL_TWO],
            label=_("退回区县"),
        ),
        Transition("reassign", _states(S.RETURNED), S.DISPATCHED, permission=may_hotline, label=_("改派")),
        Transition(
            "arbitrate", _states(S.RETURNED), S.DISPATCHED, permission=may_hotline, label=_("仲裁维持")
        ),
        Transition(
            "request_extension",
            HANDLING,
            None,
            permission=may_handle,
            conditions=[NO_PENDING_EXTENSION],
            label=_("申请延期"),
        ),
        Transition(
            "decide_extension",
            HANDLING,
            None,
            permission=may_hotline,
            conditions=[PENDING_EXTENSION],
            label=_("审批延期"),
        ),
        Transition(
            "pause",
            _states(S.IN_PROGRESS),
            None,
            permission=may_pause,
            conditions=[NOT_PAUSED],
            label=_("暂停计时"),
        ),
        Transition(
            "resume",
            _states(S.IN_PROGRESS),
            None,
            permission=may_pause,
            conditions=[IS_PAUSED],
            label=_("恢复计时"),
        ),
        Transition("contribute", HANDLING, None, permission=may_contribute, label=_("协办意见")),
        Transition("reply", _states(S.IN_PROGRESS), S.REPLIED, permission=may_handle, label=_("答复")),
        Transition(
            "approve_reply",
            _states(S.REPLIED),
            S.AWAITING_CALLBACK,
            permission=may_hotline,
            label=_("答复审核通过"),
        ),
        Transition(
            "send_back", _states(S.REPLIED), S.IN_PROGRESS, permission=may_hotline, label=_("答复退回")
        ),
        Transition(
            "record_callback", _states(S.AWAITING_CALLBACK), None, permission=may_operate, label=_("回访")
        ),
        Transition(
            "close",
            _states(S.AWAITING_CALLBACK),
            S.CLOSED,
            permission=may_operate,
            conditions=[HAS_REPLY],
            label=_("办结"),
        ),
        Transition(
            "reopen",
            _states(S.CLOSED, S.AWAITING_CALLBACK),
            S.DISPATCHED,
            permission=may_hotline,
            conditions=[REOPENABLE],
            label=_("重办"),
        ),
        Transition(
            "rate_by_citizen",
            _states(S.AWAITING_CALLBACK, S.CLOSED, S.MERGED),
            None,
            permission=may_rate_as_citizen,
            conditions=[NOT_RATED, REPLY_READY],
            label=_("群众评价"),
        ),
        Transition(
            "close_by_citizen_rating",
            _states(S.AWAITING_CALLBACK),
            S.CLOSED,
            permission=may_rate_as_citizen,
            conditions=[NOT_RATED, HAS_REPLY],
            label=_("群众评价办结"),
        ),
        Transition(
            "decline_reopen",
            _states(S.AWAITING_CALLBACK, S.CLOSED),
            None,
            permission=may_hotline,
            conditions=[REOPEN_REQUESTED],
            label=_("不予重办"),
        ),
        Transition(
            "approve_publication",
            _states(S.AWAITING_CALLBACK, S.CLOSED),
            None,
            permission=may_hotline,
            conditions=[PUBLISHABLE, HAS_REPLY],
            label=_("审核公开"),
        ),
        Transition(
            "withdraw_publication",
            _states(S.AWAITING_CALLBACK, S.CLOSED),
            None,
            permission=may_hotline,
            conditions=[PUBLISHED],
            label=_("撤销公开"),
        ),
        Transition("supervise", OPEN, None, permission=may_supervise, label=_("督办")),
        Transition("urge", OPEN, None, permission=may_supervise, label=_("催办")),
        Transition(
            "escalate", OPEN, None, permission=may_supervise, conditions=[NOT_ESCALATED], label=_("提级督办")
        ),
        Transition(
            "merge",
            _states(S.RECEIVED, S.DISPATCHED, S.IN_PROGRESS, S.RETURNED),
            S.MERGED,
            permission=may_hotline,
            conditions=[NOT_A_LEADER],
            label=_("并单"),
        ),
        Transition(
            "mark_invalid", _states(S.RECEIVED), S.INVALID, permission=may_operate, label=_("标记无效")
        ),
    ],
)


#: Recorded new-media messages (``InboundMessage``): operators and the hotline office turn one into
#: a work order or set it aside. Not drawn in docs/workflows/hotline.md (that is the order's graph).
def may_answer_inbound(actor: Any, message: Any) -> bool:
    """Operators and the hotline office; a handler of the department the message was handed to."""
    if is_operator(actor):
        return True
    return message.status == InboundStatus.ESCALATED and _handler_of(actor, message.escalated_to_id)


INBOUND_GRAPH = StateGraph(
    name="inboundmessage",
    states=InboundStatus,
    transitions=[
        Transition(
            "convert",
            _states(InboundStatus.NEW, InboundStatus.IGNORED, InboundStatus.ESCALATED),
            InboundStatus.CONVERTED,
            permission=may_operate,
            label=_("转为工单"),
        ),
        Transition(
            "ignore",
            _states(InboundStatus.NEW, InboundStatus.ESCALATED),
            InboundStatus.IGNORED,
            permission=may_operate,
            label=_("忽略"),
        ),
        Transition(
            "escalate",
            _states(InboundStatus.NEW, InboundStatus.ESCALATED),
            InboundStatus.ESCALATED,
            permission=may_operate,
            label=_("转交单位"),
        ),
        Transition(
            "answer",
            _states(InboundStatus.NEW, InboundStatus.ESCALATED),
            InboundStatus.ANSWERED,
            permission=may_answer_inbound,
            label=_("已答复"),
        ),
    ],
)
