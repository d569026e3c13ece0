"""One entry per action of the application page: its form and the service it calls.

The names are the transition names of ``gongkai.disclosure.workflow.GRAPH``, so the page shows
exactly the forms that ``selectors.available_actions`` allows; the service checks again and its
refusal (a Chinese message) is shown on the page with nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gongkai.disclosure import services
from gongkai.disclosure.models import Application, Extension
from gongkai.disclosure.workspace import forms as f


@dataclass(frozen=True)
class Action:
    name: str
    form: type
    run: Callable[..., Any]
    button: Any
    #: "primary" for the usual next step; "danger" for endings; "" for the rest.
    style: str = ""
    #: A line under the button saying what the step does (the rule it follows).
    hint: Any = ""


def _review(*, application: Application, actor: Any, data: dict, request: Any) -> Any:
    return services.application_review(application=application, actor=actor, request=request)


def _accept(*, application: Application, actor: Any, data: dict, request: Any) -> Any:
    return services.application_accept(application=application, actor=actor, request=request)


def _correction(*, application: Application, actor: Any, data: dict, request: Any) -> Any:
    return services.correction_request(
        application=application, actor=actor, items=data["items"], due_on=data["due_on"], request=request
    )


def _receive(*, application: Application, actor: Any, data: dict, request: Any) -> Any:
    other = {
        name: data[name]
        for name in (
            "phone",
            "email",
            "address",
            "id_type",
            "id_number",
            "provision_form",
            "provision_channel",
        )
        if data.get(name)
    }
    return services.correction_receive(
        application=application,
        actor=actor,
        description=data["description"],
        corrected_on=data["corrected_on"],
        request=request,
        **other,
    )


def _lapse_correction(*, application: Application, actor: Any, data: dict, request: Any) -> Any:
    return services.correction_lapse(application=application, actor=actor, request=request)


def _consult(*, application: Application, actor: Any, data: dict, request: Any) -> Any:
    return services.consultation_start(
        application=application,
        actor=actor,
        kind=data["kind"],
        party_name=data["party_name"],
        party_contact=data["party_contact"],
        sent_on=data["sent_on"],
        request=request,
    )


def _answer(*, application: Application, actor: Any, data: dict, request: Any) -> Any:
    consultation = data["consultation"]
    if consultation.application_id != application.pk:  # the form's queryset already says so
        raise ValidationError({"consultation": _("请选择本申请的征求意见。")})
    return services.consultation_answer(
        consultation=consultation,
        actor=actor,
        answer=data["answer"],
        answer_text=data["answer_text"],
        answered_on=data["answered_on"],
        request=request,
    )


def _request_extension(*, application: Application, actor: Any, data: dict, request: Any) -> Any:
    return services.extension_request(
        application=application, actor=actor, days=data["days"], reason=data["reason"], request=request
    )


def _decide_extension(*, application: Application, actor: Any, data: dict, request: Any) -> Any:
    extension = Extension.objects.filter(application=application).first()
    if extension is None:
        raise ValidationError(_("本申请没有待审批的延期申请。"))
    return services.extension_decide(
        extension=extension,
        actor=actor,
        approve=data["approve"],
        notified_on=data["notified_on"],
        request=request,
    )


def _fee(*, application: Application, actor: Any, data: dict, request: Any) -> Any:
    return services.fee_notice_issue(
        application=application, actor=actor, method=data["method"], pages=data["pages"], request=request
    )


def _payment(*, application: Application, actor: Any, data: dict, request: Any) -> Any:
    return services.fee_payment_record(
        application=application, actor=actor, paid_on=data["paid_on"], request=request
    )


def _lapse_fee(*, application: Application, actor: Any, data: dict, request: Any) -> Any:
    return services.fee_lapse(application=application, actor=actor, request=request)


def _reply(*, application: Application, actor: Any, data: dict, request: Any) -> Any:
    return services.application_reply(
        application=application,
        actor=actor,
        reply_type=data["reply_type"],
        ground=data["ground"],
        body=data["body"],
        partial_withheld_ground=data["partial_withheld_ground"],
        other_agency=data["other_agency"],
        other_agency_contact=data["other_agency_contact"],
        replied_on=data["replied_on"],
        request=request,
    )


def _terminate(*, application: Application, actor: Any, data: dict, request: Any) -> Any:
    return services.application_terminate(
        application=application, actor=actor, ground=data["ground"], reason=data["reason"], request=request
    )


def _delivery(*, application: Application, actor: Any, data: dict, request: Any) -> Any:
    return services.delivery_record(
        application=application,
        actor=actor,
        delivered_on=data["delivered_on"],
        channel=data["channel"],
        request=request,
    )


def _archive(*, application: Application, actor: Any, data: dict, request: Any) -> Any:
    return services.application_archive(application=application, actor=actor, request=request)


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        # The order of this list is the order on the page: the usual next step first.
        Action("review", f.EmptyForm, _review, _("进入审核"), "primary", _("登记 → 审核：由您承办。")),
        Action(
            "accept",
            f.EmptyForm,
            _accept,
            _("转入办理"),
            "primary",
            _("申请内容明确、要素齐全：开始检索和办理。"),
        ),
        Action(
            "receive_correction",
            f.CorrectionReceiveForm,
            _receive,
            _("登记收到补正"),
            "primary",
            _("答复期限自收到补正之日起重新计算（条例第三十条）。"),
        ),
        Action("reply", f.ReplyForm, _reply, _("答复"), "primary", _("生成答复书（DOCX、PDF），停止计时。")),
        Action(
            "decide_extension",
            f.ExtensionDecisionForm,
            _decide_extension,
            _("审批延期"),
            "primary",
            _("公开工作机构负责人审批（条例第三十三条）；不能审批自己提出的申请。"),
        ),
        Action(
            "record_payment",
            f.FeePaymentForm,
            _payment,
            _("登记缴费"),
            "primary",
            _("自缴费之日起恢复计时。"),
        ),
        Action(
            "record_delivery",
            f.DeliveryForm,
            _delivery,
            _("登记送达"),
            "primary",
            _("答复书送达申请人的日期和方式。"),
        ),
        Action(
            "archive", f.EmptyForm, _archive, _("归档"), "primary", _("办结的申请归档（条例第四十五条）。")
        ),
        Action(
            "request_correction",
            f.CorrectionRequestForm,
            _correction,
            _("发出补正告知"),
            "",
            _("自收到申请之日起7个工作日内，只能告知一次（条例第三十条）；等待补正期间暂停计时。"),
        ),
        Action(
            "consult",
            f.ConsultationStartForm,
            _consult,
            _("征求意见"),
            "",
            _("征求第三方或其他机关意见，15个工作日，不计入答复期限（条例第三十二条至第三十四条）。"),
        ),
        Action(
            "record_consultation",
            f.ConsultationAnswerForm,
            _answer,
            _("登记意见"),
            "",
            _("其他机关逾期未提出意见的，视为同意公开（条例第三十四条）。"),
        ),
        Action(
            "request_extension",
            f.ExtensionRequestForm,
            _request_extension,
            _("申请延期答复"),
            "",
            _("报公开工作机构负责人审批，最长20个工作日，只能一次。"),
        ),
        Action(
            "issue_fee_notice",
            f.FeeNoticeForm,
            _fee,
            _("发出收费通知"),
            "",
            _("先计算金额；缴费期间暂停计时，逾期未缴视为放弃申请。"),
        ),
        Action(
            "lapse_correction",
            f.EmptyForm,
            _lapse_correction,
            _("逾期未补正，终止"),
            "danger",
            _("补正期限已过而未补正：视为放弃申请，计入“其他处理”。"),
        ),
        Action(
            "lapse_fee",
            f.EmptyForm,
            _lapse_fee,
            _("逾期未缴费，终止"),
            "danger",
            _("缴费期限已过而未缴费：不再处理，计入“其他处理”。"),
        ),
        Action(
            "terminate",
            f.TerminateForm,
            _terminate,
            _("终止处理"),
            "danger",
            _("例如申请人撤回申请；计入“其他处理”。"),
        ),
    ]
}


def action_form(action: Action, application: Application, *, data: Any = None) -> Any:
    """The bound or unbound form of ``action`` for ``application`` (with initial values that help)."""
    kwargs: dict[str, Any] = {"data": data, "prefix": action.name}
    if action.form is f.ConsultationAnswerForm:
        kwargs["application"] = application
    if data is None:
        if action.form is f.CorrectionRequestForm and application.missing_items:
            kwargs["initial"] = {"items": services.missing_items_text(application.missing_items)}
        elif action.form is f.CorrectionReceiveForm:
            kwargs["initial"] = {"description": application.description}
        elif action.form is f.DeliveryForm and application.provision_channel:
            kwargs["initial"] = {"channel": application.provision_channel}
    return action.form(**kwargs)
