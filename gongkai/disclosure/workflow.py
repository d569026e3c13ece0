"""The application's state graph (条例第四十五条：登记、审核、办理、答复、归档).

Drawn in docs/workflows/disclosure-application.md (``GRAPH.to_mermaid()``). Services run every
change through ``gongkai.core.workflow.run_transition``; the checks that need related rows
(one correction notice only, one extension only, a ground that fits the reply type…) live in the
services, which raise ``TransitionNotAllowed`` with a message in Chinese before changing anything.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongkai.core.workflow import StateGraph, Transition
from gongkai.disclosure.models import Status

HANDLE = "disclosure.handle_application"
APPROVE_EXTENSION = "disclosure.approve_extension"

_WORKING: set[str] = {Status.REGISTERED, Status.REVIEWING, Status.HANDLING}

GRAPH = StateGraph(
    name="disclosure_application",
    states=Status,
    transitions=[
        Transition("review", {Status.REGISTERED}, Status.REVIEWING, HANDLE, label=_("审核")),
        Transition(
            "request_correction",
            {Status.REGISTERED, Status.REVIEWING},
            Status.CORRECTION,
            HANDLE,
            label=_("发出补正告知"),
        ),
        Transition("receive_correction", {Status.CORRECTION}, Status.REVIEWING, HANDLE, label=_("收到补正")),
        Transition(
            "lapse_correction", {Status.CORRECTION}, Status.TERMINATED, None, label=_("逾期未补正，终止")
        ),
        Transition(
            "accept", {Status.REGISTERED, Status.REVIEWING}, Status.HANDLING, HANDLE, label=_("转入办理")
        ),
        Transition("consult", {Status.HANDLING}, None, HANDLE, label=_("征求意见")),
        Transition(
            "record_consultation", {Status.HANDLING, Status.AWAITING_FEE}, None, HANDLE, label=_("登记意见")
        ),
        Transition("request_extension", {Status.HANDLING}, None, HANDLE, label=_("申请延期答复")),
        Transition("decide_extension", {Status.HANDLING}, None, APPROVE_EXTENSION, label=_("审批延期答复")),
        Transition(
            "issue_fee_notice", {Status.HANDLING}, Status.AWAITING_FEE, HANDLE, label=_("发出收费通知")
        ),
        Transition("record_payment", {Status.AWAITING_FEE}, Status.HANDLING, HANDLE, label=_("登记缴费")),
        Transition("lapse_fee", {Status.AWAITING_FEE}, Status.TERMINATED, None, label=_("逾期未缴费，终止")),
        Transition("reply", _WORKING, Status.REPLIED, HANDLE, label=_("答复")),
        Transition(
            "terminate",
            {*_WORKING, Status.CORRECTION, Status.AWAITING_FEE},
            Status.TERMINATED,
            HANDLE,
            label=_("终止处理"),
        ),
        Transition("record_delivery", {Status.REPLIED}, None, HANDLE, label=_("登记送达")),
        Transition("archive", {Status.REPLIED, Status.TERMINATED}, Status.ARCHIVED, HANDLE, label=_("归档")),
    ],
)
