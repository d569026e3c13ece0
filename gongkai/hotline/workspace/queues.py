"""The queues of the workspace: which role works which queue, and each queue's rows.

A queue is shown to the roles that act on it; leaders (督查/领导) see every queue read-only. Rows
always come from the core selectors (``queue_*``), which already scope a handler to the orders that
their department (or one under it) must act on now.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from gongkai.accounts.roles import user_has_role
from gongkai.hotline import selectors
from gongkai.hotline.models import WorkOrder

HOTLINE_OFFICE = "dispatcher"
OPERATOR = "operator"
HANDLER = "handler"
LEADER = "leader"
WORKSPACE_ROLES = (HOTLINE_OFFICE, OPERATOR, HANDLER, LEADER)


@dataclass(frozen=True)
class Queue:
    key: str
    label: Any
    description: Any
    roles: tuple[str, ...]
    rows: Callable[[Any], QuerySet[WorkOrder]]
    icon: str = "list-ul"
    #: The deadline that matters in this queue: "sign_for", "reply" or "callback".
    deadline: str = "reply"


QUEUES: dict[str, Queue] = {
    q.key: q
    for q in [
        Queue(
            "to_dispatch",
            _("待派单"),
            _("已受理、等待热线办即时答复或派单的工单；紧急件在前。"),
            (HOTLINE_OFFICE, OPERATOR),
            selectors.queue_to_dispatch,
            icon="arrow-right-full",
        ),
        Queue(
            "to_sign_for",
            _("待签收"),
            _("已派给本单位、尚未签收的工单；签收期限最近的在前。"),
            (HANDLER, HOTLINE_OFFICE),
            selectors.queue_to_sign_for,
            icon="download",
            deadline="sign_for",
        ),
        Queue(
            "in_progress",
            _("办理中"),
            _("已签收、正在办理的工单；答复期限最近的在前。"),
            (HANDLER, HOTLINE_OFFICE),
            selectors.queue_in_progress,
            icon="cog",
        ),
        Queue(
            "due_soon",
            _("即将超期"),
            _("一个工作日内到期、尚未答复的工单。"),
            (HANDLER, HOTLINE_OFFICE),
            selectors.queue_due_soon,
            icon="time",
        ),
        Queue(
            "overdue",
            _("已超期"),
            _("超过签收、答复或回访期限的工单（承办单位只看签收和答复期限）。"),
            (HANDLER, HOTLINE_OFFICE),
            selectors.queue_overdue,
            icon="warning",
        ),
        Queue(
            "replies_to_check",
            _("答复待审核"),
            _("承办单位已答复、等待热线办审核的工单。"),
            (HOTLINE_OFFICE,),
            selectors.queue_replies_to_check,
            icon="tasks",
        ),
        Queue(
            "to_call_back",
            _("待回访"),
            _("答复已审核通过、等待回访群众的工单；回访期限最近的在前。"),
            (HOTLINE_OFFICE, OPERATOR),
            selectors.queue_to_call_back,
            icon="mail",
            deadline="callback",
        ),
        Queue(
            "returns",
            _("退单待处理"),
            _("承办单位退回的工单，等待改派或仲裁。"),
            (HOTLINE_OFFICE,),
            selectors.queue_returns,
            icon="undo",
        ),
        Queue(
            "reopen_requests",
            _("群众申请重办"),
            _("群众评价不满意或申请重新办理的工单，等待热线办重办或说明理由不予重办。"),
            (HOTLINE_OFFICE,),
            selectors.queue_reopen_requests,
            icon="redirect",
            deadline="callback",
        ),
        Queue(
            "extensions",
            _("延期待审批"),
            _("承办单位申请延期、等待热线办审批的工单。"),
            (HOTLINE_OFFICE,),
            selectors.queue_extension_orders,
            icon="date",
        ),
    ]
}


def _has(user: Any, *codes: str) -> bool:
    return bool(
        user.is_authenticated and user.is_active and (user.is_superuser or user_has_role(user, *codes))
    )


def is_workspace_user(user: Any) -> bool:
    return _has(user, *WORKSPACE_ROLES)


def is_leader_only(user: Any) -> bool:
    """Leaders without an acting role see everything read-only."""
    return not user.is_superuser and _has(user, LEADER) and not _has(user, HOTLINE_OFFICE, OPERATOR, HANDLER)


def may_see_queue(user: Any, queue: Queue) -> bool:
    return _has(user, LEADER, *queue.roles)


def queues_for(user: Any) -> list[Queue]:
    return [q for q in QUEUES.values() if may_see_queue(user, q)]


def may_take_calls(user: Any) -> bool:
    """Operators and the hotline office create orders at the phone."""
    return _has(user, OPERATOR, HOTLINE_OFFICE)


def may_dispatch(user: Any) -> bool:
    return _has(user, HOTLINE_OFFICE)


def may_see_kpis(user: Any) -> bool:
    return _has(user, HOTLINE_OFFICE, LEADER, HANDLER)


def may_reveal_personal_data(user: Any, order: WorkOrder) -> bool:
    """The one rule of the API and the workspace: ``selectors.may_see_personal_data``."""
    return selectors.may_see_personal_data(user, order)


def queue_counts(user: Any) -> list[tuple[Queue, int]]:
    return [(q, q.rows(user).count()) for q in queues_for(user)]
