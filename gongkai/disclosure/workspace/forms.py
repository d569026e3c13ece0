"""Forms of the disclosure workspace: list filters, offline registration, one form per action, cases.

Forms only parse input and refuse what is plainly wrong (a date after today, a ground that does not
fit the reply type) with a Chinese message next to the field; every rule is checked again by the
service the view calls, so a form that passes can still be refused with the service's reason.
"""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongkai.accounts.access import visible_departments
from gongkai.accounts.models import Department
from gongkai.disclosure.grounds import (
    ALLOWED_GROUNDS,
    OTHER_GROUNDS,
    PARTIAL_WITHHELD_GROUNDS,
    Ground,
    ReplyType,
    ground_allowed,
)
from gongkai.disclosure.models import (
    ApplicantType,
    Application,
    Consultation,
    ConsultationAnswer,
    ConsultationKind,
    FeeMethod,
    IdType,
    IntakeChannel,
    ProvisionChannel,
    ProvisionForm,
    ReviewKind,
    ReviewOutcome,
    Status,
)

# --- Helpers ------------------------------------------------------------------------------------


def today() -> datetime.date:
    """Today in Asia/Shanghai (the statutory dates are Beijing dates)."""
    return timezone.localdate()


def _blank(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


class DateInput(forms.DateInput):
    """A browser date picker that offers no day after today (the server refuses them anyway)."""

    input_type = "date"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        attrs = {**(attrs or {}), "max": today().isoformat()}
        return super().get_context(name, value, attrs)


class PastDateField(forms.DateField):
    """A date that may not lie after today (条例: dates after today are refused wherever entered)."""

    widget = DateInput

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and value > today():
            raise forms.ValidationError(
                _("日期不能晚于今天（%(today)s）。") % {"today": today().isoformat()}, code="future"
            )


class DepartmentChoiceField(forms.ModelChoiceField):
    """Departments in tree order, indented by depth."""

    def label_from_instance(self, obj: Department) -> str:
        return "\u3000" * max(obj.depth - 1, 0) + (obj.short_name or obj.name)


def _departments(user: Any):
    return visible_departments(user).filter(is_active=True).order_by("path")


def _textarea(rows: int = 4, **attrs: Any) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, **attrs})


# --- The list -----------------------------------------------------------------------------------

#: The reply types of concluded applications, for the filter.
REPLY_TYPE_FILTER = _blank(gettext_lazy("全部")) + list(ReplyType.choices)


class ApplicationFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("搜索"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "placeholder": gettext_lazy("申请编号、申请人或所需信息"),
                "type": "search",
                "accesskey": "s",
            }
        ),
    )
    department = DepartmentChoiceField(
        label=gettext_lazy("受理机关"),
        required=False,
        queryset=Department.objects.none(),
        empty_label=gettext_lazy("全部"),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("状态"), required=False, choices=_blank(gettext_lazy("全部")) + Status.choices
    )
    applicant_type = forms.ChoiceField(
        label=gettext_lazy("申请人类型"),
        required=False,
        choices=_blank(gettext_lazy("全部")) + ApplicantType.choices,
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("提交方式"),
        required=False,
        choices=_blank(gettext_lazy("全部")) + IntakeChannel.choices,
    )
    reply_type = forms.ChoiceField(label=gettext_lazy("答复类型"), required=False, choices=REPLY_TYPE_FILTER)
    received_from = forms.DateField(
        label=gettext_lazy("收到日期自"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(
        label=gettext_lazy("至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    overdue = forms.BooleanField(label=gettext_lazy("只看超期"), required=False)
    #: A bucket of the dashboard (``clock_board``): the list shows that bucket's rows.
    bucket = forms.CharField(required=False, widget=forms.HiddenInput, max_length=40)

    def __init__(self, *args: Any, user: Any, city_wide: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if city_wide:
            cast(forms.ModelChoiceField, self.fields["department"]).queryset = _departments(user)
        else:
            del self.fields["department"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and start > end:
            raise forms.ValidationError(_("起始日期不能晚于截止日期。"))
        return data


# --- Registration (offline channels) -------------------------------------------------------------

#: The channels staff register (online applications come in through the portal).
OFFLINE_CHANNELS = (
    IntakeChannel.IN_PERSON,
    IntakeChannel.POST,
    IntakeChannel.ORDINARY_LETTER,
    IntakeChannel.FAX,
    IntakeChannel.ORAL,
)

#: 条例第三十一条, as shown next to the date field (and switched by the channel chosen).
RECEIPT_RULES: dict[str, Any] = {
    IntakeChannel.IN_PERSON: gettext_lazy("当面提交：以提交之日为收到申请之日。"),
    IntakeChannel.POST: gettext_lazy("邮寄（需签收）：以本机关签收之日为收到申请之日，请填写签收日。"),
    IntakeChannel.ORDINARY_LETTER: gettext_lazy(
        "平常信函等无需签收的邮寄方式：以本机关与申请人确认之日为收到申请之日，请填写确认之日。"
    ),
    IntakeChannel.FAX: gettext_lazy("传真：以双方确认之日为收到申请之日，请填写与申请人确认之日。"),
    IntakeChannel.ORAL: gettext_lazy(
        "口头提出（申请人书写确有困难，由工作人员代为填写，条例第二十九条）：以提出之日为收到申请之日。"
    ),
}


class RegistrationForm(forms.Form):
    """登记申请: an application received in person, by post, by letter, by fax or orally."""

    department = DepartmentChoiceField(
        label=gettext_lazy("受理机关"), queryset=Department.objects.none(), empty_label=gettext_lazy("请选择")
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("提交方式"),
        choices=[(value, IntakeChannel(value).label) for value in OFFLINE_CHANNELS],
        widget=forms.RadioSelect,
        initial=IntakeChannel.IN_PERSON,
    )
    received_on = PastDateField(
        label=gettext_lazy("收到申请日期"),
        required=False,
        help_text=gettext_lazy(
            "条例第三十一条：当面提交、口头提出以提交之日为准（不填即今天）；邮寄以签收之日为准；"
            "平常信函、传真以与申请人确认之日为准（必须填写）。不能晚于今天。"
        ),
    )
    applicant_type = forms.ChoiceField(
        label=gettext_lazy("申请人类型"), choices=ApplicantType.choices, initial=ApplicantType.NATURAL_PERSON
    )
    applicant_name = forms.CharField(label=gettext_lazy("申请人姓名或名称"), max_length=100)
    id_type = forms.ChoiceField(
        label=gettext_lazy("证件类型"), required=False, choices=_blank("—") + IdType.choices
    )
    id_number = forms.CharField(label=gettext_lazy("证件号码"), required=False, max_length=40)
    legal_representative = forms.CharField(
        label=gettext_lazy("法定代表人或负责人"), required=False, max_length=50
    )
    contact_name = forms.CharField(label=gettext_lazy("联系人"), required=False, max_length=50)
    phone = forms.CharField(label=gettext_lazy("联系电话"), required=False, max_length=30)
    email = forms.CharField(label=gettext_lazy("电子邮箱"), required=False, max_length=254)
    address = forms.CharField(label=gettext_lazy("通信地址"), required=False, max_length=200)
    postal_code = forms.CharField(label=gettext_lazy("邮政编码"), required=False, max_length=6)
    description = forms.CharField(
        label=gettext_lazy("所需政府信息的名称、文号或者便于查询的其他特征性描述"),
        required=False,
        max_length=10000,
        widget=_textarea(6),
        help_text=gettext_lazy(
            "按申请书原文填写。缺少的申请要素不必补齐：登记后系统自动发出一次性补正告知。"
        ),
    )
    provision_form = forms.ChoiceField(
        label=gettext_lazy("提供载体形式"), required=False, choices=_blank("—") + ProvisionForm.choices
    )
    provision_channel = forms.ChoiceField(
        label=gettext_lazy("获取方式"), required=False, choices=_blank("—") + ProvisionChannel.choices
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = _departments(user)
        field = cast(forms.ModelChoiceField, self.fields["department"])
        field.queryset = departments
        if not self.is_bound and getattr(user, "department_id", None):
            if departments.filter(pk=user.department_id).exists():
                self.initial.setdefault("department", user.department_id)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        channel = data.get("channel")
        if channel in (IntakeChannel.POST, IntakeChannel.ORDINARY_LETTER, IntakeChannel.FAX) and not data.get(
            "received_on"
        ):
            if "received_on" not in self.errors:
                label = _("签收日") if channel == IntakeChannel.POST else _("与申请人确认之日")
                self.add_error(
                    "received_on",
                    _("%(channel)s的申请须填写%(label)s（条例第三十一条）。")
                    % {"channel": IntakeChannel(channel).label, "label": label},
                )
        return data


# --- Actions on the application page --------------------------------------------------------------


class EmptyForm(forms.Form):
    pass


class CorrectionRequestForm(forms.Form):
    items = forms.CharField(
        label=gettext_lazy("需要补正的事项"),
        max_length=5000,
        widget=_textarea(5),
        help_text=gettext_lazy("一次性告知全部需要补正的事项（条例第三十条），每行一项。"),
    )
    due_on = forms.DateField(
        label=gettext_lazy("补正期限"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("不填则为今天起第15个工作日。"),
    )

    def clean_due_on(self) -> datetime.date | None:
        value = self.cleaned_data.get("due_on")
        if value is not None and value <= today():
            raise forms.ValidationError(_("补正期限必须晚于今天。"))
        return value


class CorrectionReceiveForm(forms.Form):
    corrected_on = PastDateField(
        label=gettext_lazy("收到补正日期"),
        required=False,
        help_text=gettext_lazy("答复期限自该日起重新计算（不填即今天）。"),
    )
    description = forms.CharField(
        label=gettext_lazy("补正后的申请内容"),
        required=False,
        max_length=10000,
        widget=_textarea(5),
        help_text=gettext_lazy("不填则沿用原申请内容。"),
    )
    phone = forms.CharField(label=gettext_lazy("联系电话"), required=False, max_length=30)
    email = forms.CharField(label=gettext_lazy("电子邮箱"), required=False, max_length=254)
    address = forms.CharField(label=gettext_lazy("通信地址"), required=False, max_length=200)
    id_type = forms.ChoiceField(
        label=gettext_lazy("证件类型"), required=False, choices=_blank("—") + IdType.choices
    )
    id_number = forms.CharField(label=gettext_lazy("证件号码"), required=False, max_length=40)
    provision_form = forms.ChoiceField(
        label=gettext_lazy("提供载体形式"), required=False, choices=_blank("—") + ProvisionForm.choices
    )
    provision_channel = forms.ChoiceField(
        label=gettext_lazy("获取方式"), required=False, choices=_blank("—") + ProvisionChannel.choices
    )


class ConsultationStartForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("征求对象类型"), choices=ConsultationKind.choices)
    party_name = forms.CharField(label=gettext_lazy("被征求意见方"), max_length=100)
    party_contact = forms.CharField(label=gettext_lazy("联系方式"), required=False, max_length=200)
    sent_on = PastDateField(
        label=gettext_lazy("发出征求意见书日期"),
        required=False,
        help_text=gettext_lazy("对方有15个工作日提出意见；征求意见期间不计入答复期限。不填即今天。"),
    )


class ConsultationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Consultation) -> str:
        return _("%(party)s（%(sent)s 发出，%(due)s 到期）") % {
            "party": obj.party_name,
            "sent": obj.sent_on.isoformat(),
            "due": obj.due_on.isoformat(),
        }


class ConsultationAnswerForm(forms.Form):
    consultation = ConsultationChoiceField(
        label=gettext_lazy("征求意见"), queryset=Consultation.objects.none()
    )
    answer = forms.ChoiceField(
        label=gettext_lazy("意见"),
        choices=[(v, label) for v, label in ConsultationAnswer.choices if v != ConsultationAnswer.PENDING],
    )
    answer_text = forms.CharField(
        label=gettext_lazy("意见内容"), required=False, max_length=5000, widget=_textarea(3)
    )
    answered_on = PastDateField(label=gettext_lazy("收到意见日期"), required=False)

    def __init__(self, *args: Any, application: Application, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["consultation"])
        field.queryset = Consultation.objects.filter(
            application=application, answer=ConsultationAnswer.PENDING
        ).order_by("sent_on", "pk")
        if field.queryset.count() == 1 and not self.is_bound:
            self.initial["consultation"] = field.queryset.first()


class ExtensionRequestForm(forms.Form):
    days = forms.IntegerField(
        label=gettext_lazy("延长工作日数"),
        min_value=1,
        max_value=20,
        initial=20,
        help_text=gettext_lazy(
            "只能延长一次，最长20个工作日，须经公开工作机构负责人同意（条例第三十三条）。"
        ),
        error_messages={
            "max_value": gettext_lazy("延长的期限最长不得超过20个工作日。"),
            "min_value": gettext_lazy("至少延长1个工作日。"),
        },
    )
    reason = forms.CharField(label=gettext_lazy("延长理由"), max_length=2000, widget=_textarea(3))


class ExtensionDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=gettext_lazy("审批意见"),
        choices=[("yes", gettext_lazy("同意延期")), ("no", gettext_lazy("不同意"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        initial="yes",
    )
    notified_on = PastDateField(
        label=gettext_lazy("告知申请人日期"),
        required=False,
        help_text=gettext_lazy("同意时须告知申请人（不填即今天）。"),
    )


class FeeNoticeForm(forms.Form):
    method = forms.ChoiceField(
        label=gettext_lazy("计收方式"),
        choices=FeeMethod.choices,
        widget=forms.RadioSelect,
        initial=FeeMethod.PER_PAGE,
        help_text=gettext_lazy("按件或按量，只能选一种（国办函〔2020〕109号第三条）。"),
    )
    pages = forms.IntegerField(
        label=gettext_lazy("页数"),
        required=False,
        min_value=1,
        max_value=1_000_000,
        help_text=gettext_lazy(
            "按量计收时填写：1–30页免费，31–100页10元/页，101–200页20元/页，201页起40元/页。"
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("method") == FeeMethod.PER_PAGE and not data.get("pages"):
            if "pages" not in self.errors:
                self.add_error("pages", _("按量计收须填写页数。"))
        if data.get("method") == FeeMethod.PER_APPLICATION:
            data["pages"] = None
        return data


class FeePaymentForm(forms.Form):
    paid_on = PastDateField(
        label=gettext_lazy("缴费日期"), required=False, help_text=gettext_lazy("不填即今天。")
    )


#: Reply types that the reply form offers (终止处理 has its own action).
REPLY_TYPES = [(value, label) for value, label in ReplyType.choices if value != ReplyType.TERMINATED]


class ReplyForm(forms.Form):
    """答复: the type first, then only the grounds allowed for it (``ALLOWED_GROUNDS``)."""

    reply_type = forms.ChoiceField(label=gettext_lazy("答复类型"), choices=_blank("—") + REPLY_TYPES)
    ground = forms.ChoiceField(
        label=gettext_lazy("办理结果依据"),
        choices=_blank("—") + [(g, Ground(g).label) for g in Ground.values if g not in OTHER_GROUNDS],
        help_text=gettext_lazy("年度报告表三按此依据统计；只列出所选答复类型可用的依据。"),
    )
    partial_withheld_ground = forms.ChoiceField(
        label=gettext_lazy("不予公开部分的理由"),
        required=False,
        choices=_blank("—") + [(g, Ground(g).label) for g in PARTIAL_WITHHELD_GROUNDS],
        help_text=gettext_lazy("部分公开（条例第三十七条）时必填。"),
    )
    body = forms.CharField(
        label=gettext_lazy("答复内容"),
        max_length=20000,
        widget=_textarea(8),
        help_text=gettext_lazy("答复书正文：理由、获取方式或途径等；系统按答复类型套用答复书模板。"),
    )
    other_agency = forms.CharField(
        label=gettext_lazy("负责公开的机关"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("不属于本机关负责公开、且能够确定负责公开的机关时填写。"),
    )
    other_agency_contact = forms.CharField(
        label=gettext_lazy("该机关联系方式"), required=False, max_length=200
    )
    replied_on = PastDateField(
        label=gettext_lazy("答复日期"), required=False, help_text=gettext_lazy("不填即今天。")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The browser filters the ground list by the reply type with this map (workspace.js).
        self.fields["reply_type"].widget.attrs["data-dw-reply-type"] = ""
        self.fields["ground"].widget.attrs["data-dw-ground"] = ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        reply_type, ground = data.get("reply_type"), data.get("ground")
        if reply_type and ground and not ground_allowed(reply_type=reply_type, ground=ground):
            allowed = "、".join(str(Ground(g).label) for g in ALLOWED_GROUNDS[reply_type])
            self.add_error(
                "ground",
                _("答复类型“%(type)s”不能以“%(ground)s”为依据（可选：%(allowed)s）。")
                % {"type": ReplyType(reply_type).label, "ground": Ground(ground).label, "allowed": allowed},
            )
        if reply_type == ReplyType.PARTIAL and not data.get("partial_withheld_ground"):
            self.add_error("partial_withheld_ground", _("部分公开须写明不予公开部分的理由。"))
        if reply_type != ReplyType.PARTIAL:
            data["partial_withheld_ground"] = ""
        if reply_type != ReplyType.NOT_THIS_AGENCY:
            data["other_agency"] = data["other_agency_contact"] = ""
        return data


class TerminateForm(forms.Form):
    ground = forms.ChoiceField(
        label=gettext_lazy("终止依据"),
        choices=[(g, Ground(g).label) for g in OTHER_GROUNDS],
        initial=Ground.OTHER_OTHER,
        help_text=gettext_lazy("计入年度报告表三“其他处理”。申请人撤回申请等选“其他”。"),
    )
    reason = forms.CharField(label=gettext_lazy("终止理由"), max_length=2000, widget=_textarea(3))


class DeliveryForm(forms.Form):
    delivered_on = PastDateField(
        label=gettext_lazy("送达日期"), required=False, help_text=gettext_lazy("不填即今天。")
    )
    channel = forms.ChoiceField(label=gettext_lazy("送达方式"), choices=ProvisionChannel.choices)


# --- Reconsideration and litigation (Table 4) ----------------------------------------------------


class ReviewCaseForm(forms.Form):
    department = DepartmentChoiceField(
        label=gettext_lazy("被申请或被诉机关"), queryset=Department.objects.none()
    )
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=ReviewKind.choices)
    body = forms.CharField(label=gettext_lazy("复议机关或法院"), max_length=100)
    case_number = forms.CharField(label=gettext_lazy("案号"), required=False, max_length=60)
    filed_on = PastDateField(label=gettext_lazy("立案日期"))
    tracking_number = forms.CharField(
        label=gettext_lazy("相关申请编号"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("例如 YSQ2026-000123；可不填。"),
    )
    outcome = forms.ChoiceField(
        label=gettext_lazy("结果"), choices=ReviewOutcome.choices, initial=ReviewOutcome.PENDING
    )
    concluded_on = PastDateField(
        label=gettext_lazy("审结日期"), required=False, help_text=gettext_lazy("已审结时必填。")
    )
    note = forms.CharField(label=gettext_lazy("说明"), required=False, max_length=2000, widget=_textarea(3))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        departments = _departments(user)
        cast(forms.ModelChoiceField, self.fields["department"]).queryset = departments
        if not self.is_bound and "department" not in self.initial and getattr(user, "department_id", None):
            if departments.filter(pk=user.department_id).exists():
                self.initial["department"] = user.department_id

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        outcome, concluded = data.get("outcome"), data.get("concluded_on")
        if outcome == ReviewOutcome.PENDING and concluded:
            self.add_error("concluded_on", _("尚未审结的案件不能填写审结日期。"))
        if (
            outcome
            and outcome != ReviewOutcome.PENDING
            and not concluded
            and "concluded_on" not in self.errors
        ):
            self.add_error("concluded_on", _("已审结的案件须填写审结日期。"))
        filed = data.get("filed_on")
        if filed and concluded and concluded < filed:
            self.add_error("concluded_on", _("审结日期不能早于立案日期。"))
        data["application"] = None
        number = (data.get("tracking_number") or "").strip().upper()
        if number:
            from gongkai.disclosure.workspace.access import applications_visible

            application = applications_visible(self.user).filter(tracking_number=number).first()
            if application is None:
                self.add_error("tracking_number", _("找不到该申请编号的申请（或无权查看）。"))
            else:
                data["application"] = application
                department = data.get("department")
                if department is not None and application.department_id != department.pk:
                    self.add_error(
                        "tracking_number",
                        _("该申请由%(department)s受理，与所选机关不一致。")
                        % {"department": application.department.name},
                    )
        return data
