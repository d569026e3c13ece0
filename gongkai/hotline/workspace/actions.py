"""One entry per action of the order page: its form and the core service it calls.

The names are the transition names of ``gongkai.hotline.workflow.GRAPH`` (plus ``note``), so the
page shows exactly the forms of ``selectors.work_order_actions``; the service checks again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gongkai.core.personal_data import redact_text
from gongkai.hotline import services
from gongkai.hotline.models import WorkOrder
from gongkai.hotline.workspace import forms as f


@dataclass(frozen=True)
class Action:
    name: str
    form: type
    run: Callable[..., Any]
    button: Any
    #: "primary" for the next step of the loop; "danger" for refusals; "" for the rest.
    style: str = ""
    #: Name of another action whose form this one shares (answer_directly_with_callback).
    alias_of: str = ""


def _merge(*, work_order: WorkOrder, actor: Any, data: dict, request: Any) -> Any:
    lead = WorkOrder.objects.filter(tracking_number=data["into"].strip()).first()
    if lead is None:
        raise ValidationError({"into": _("找不到该受理编号的工单。")})
    return services.work_order_merge(
        work_order=work_order, actor=actor, into=lead, reason=data["reason"], request=request
    )


def _callback(*, work_order: WorkOrder, actor: Any, data: dict, request: Any) -> Any:
    return services.work_order_record_callback(
        work_order=work_order,
        actor=actor,
        outcome=data["outcome"],
        satisfaction=data["satisfaction"],
        comment=data["comment"],
        request=request,
    )


def _dispatch(*, work_order: WorkOrder, actor: Any, data: dict, request: Any) -> Any:
    return services.work_order_dispatch(
        work_order=work_order,
        actor=actor,
        department=data["department"],
        assisting=list(data["assisting"]),
        category=data["category"],
        urgency=data["urgency"] or None,
        note=data["note"],
        request=request,
    )


def _approve(*, work_order: WorkOrder, actor: Any, data: dict, request: Any) -> Any:
    return services.work_order_approve_reply(
        work_order=work_order, actor=actor, public_reply=data["public_reply"] or None, request=request
    )


def _decide(*, work_order: WorkOrder, actor: Any, data: dict, request: Any) -> Any:
    return services.work_order_decide_extension(
        work_order=work_order,
        actor=actor,
        approve=data["approve"],
        amount=data["amount"],
        comment=data["comment"],
        request=request,
    )


def _simple(service: Callable[..., Any], **rename: str) -> Callable[..., Any]:
    """A service whose keyword arguments are the form's fields (``rename`` maps form → service)."""

    def run(*, work_order: WorkOrder, actor: Any, data: dict, request: Any) -> Any:
        kwargs = {rename.get(k, k): v for k, v in data.items()}
        return service(work_order=work_order, actor=actor, request=request, **kwargs)

    return run


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        # The order of this list is the order on the page: the main next step of each role first.
        Action("dispatch", f.DispatchForm, _dispatch, _("派单"), "primary"),
        Action(
            "answer_directly",
            f.AnswerDirectlyForm,
            _simple(services.work_order_answer_directly),
            _("即时答复"),
            "primary",
        ),
        Action(
            "answer_directly_with_callback",
            f.AnswerDirectlyForm,
            _simple(services.work_order_answer_directly),
            _("即时答复"),
            "primary",
            alias_of="answer_directly",
        ),
        Action("accept", f.EmptyForm, _simple(services.work_order_accept), _("签收"), "primary"),
        Action("reply", f.ReplyForm, _simple(services.work_order_reply), _("提交答复"), "primary"),
        Action("approve_reply", f.ApproveReplyForm, _approve, _("答复审核通过"), "primary"),
        Action("record_callback", f.CallbackForm, _callback, _("保存回访"), "primary"),
        Action("reassign", f.ReassignForm, _simple(services.work_order_reassign), _("改派"), "primary"),
        Action("arbitrate", f.RulingForm, _simple(services.work_order_arbitrate), _("仲裁维持原派单")),
        Action("decide_extension", f.ExtensionDecisionForm, _decide, _("提交审批"), "primary"),
        Action(
            "dispatch_down", f.DispatchDownForm, _simple(services.work_order_dispatch_down), _("下派街道")
        ),
        Action("contribute", f.ContributeForm, _simple(services.work_order_contribute), _("提交协办意见")),
        Action(
            "request_extension",
            f.ExtensionRequestForm,
            _simple(services.work_order_request_extension),
            _("申请延期"),
        ),
        Action("pause", f.ReasonForm, _simple(services.work_order_pause), _("暂停计时")),
        Action("resume", f.EmptyForm, _simple(services.work_order_resume), _("恢复计时")),
        Action(
            "send_back", f.ReasonForm, _simple(services.work_order_send_back), _("退回重新答复"), "danger"
        ),
        Action("return", f.ReturnForm, _simple(services.work_order_return), _("退单"), "danger"),
        Action(
            "return_to_district",
            f.ReasonForm,
            _simple(services.work_order_return_to_district),
            _("退回区县"),
            "danger",
        ),
        Action("close", f.ReasonForm, _simple(services.work_order_close), _("办结")),
        Action("reopen", f.ReasonForm, _simple(services.work_order_reopen), _("重办"), "danger"),
        Action("decline_reopen", f.ReasonForm, _simple(services.work_order_decline_reopen), _("不予重办")),
        Action(
            "approve_publication",
            f.PublicationForm,
            _simple(services.work_order_approve_publication),
            _("审核通过并公开"),
        ),
        Action(
            "withdraw_publication",
            f.ReasonForm,
            _simple(services.work_order_withdraw_publication),
            _("撤销公开"),
            "danger",
        ),
        Action("urge", f.ReasonForm, _simple(services.work_order_urge), _("催办")),
        Action("supervise", f.ReasonForm, _simple(services.work_order_supervise), _("督办")),
        Action("escalate", f.ReasonForm, _simple(services.work_order_escalate), _("提级督办"), "danger"),
        Action("merge", f.MergeForm, _merge, _("并单")),
        Action(
            "mark_invalid", f.ReasonForm, _simple(services.work_order_mark_invalid), _("标记无效"), "danger"
        ),
        Action("note", f.NoteForm, _simple(services.work_order_note), _("添加备注")),
    ]
}


def action_form(action: Action, order: WorkOrder, *, data: Any = None) -> Any:
    """The bound or unbound form of ``action`` for ``order`` (with the initial values that help)."""
    kwargs: dict[str, Any] = {"data": data, "prefix": action.name}
    if action.form is f.DispatchDownForm:
        kwargs["order"] = order
    if data is None:
        if action.form is f.PublicationForm:
            kwargs["initial"] = {
                "public_title": order.public_title or services.public_text(order, order.title),
                "public_content": order.public_content or services.public_text(order, order.content),
                "public_reply": order.public_reply,
            }
        elif action.form is f.ApproveReplyForm:
            kwargs["initial"] = {"public_reply": order.public_reply or redact_text(order.reply_text)}
        elif (
            action.form is f.DispatchForm
            and order.category is not None
            and order.category.default_department_id
        ):
            kwargs["initial"] = {"department": order.category.default_department_id}
    return action.form(**kwargs)
