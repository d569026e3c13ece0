"""Forms of the workspace: list filters, intake, bulk dispatch and one small form per action.

Forms only parse input; every rule (state, permission, lengths, deadlines) is checked again by the
service the view calls, so a form that passes can still be refused with the core's reason.
"""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from gongkai.accounts.access import visible_departments
from gongkai.accounts.models import Department, DepartmentKind
from gongkai.hotline.models import (
    CallbackOutcome,
    Channel,
    OrderType,
    RoutingCategory,
    Satisfaction,
    Status,
    Urgency,
)
from gongkai.hotline.public_forms import MultipleFileField

DISTRICT_KINDS = (
    DepartmentKind.DISTRICT,
    DepartmentKind.COUNTY,
    DepartmentKind.COUNTY_CITY,
    DepartmentKind.DEVELOPMENT_ZONE,
)


class DepartmentChoiceField(forms.ModelChoiceField):
    """Departments in tree order, indented by depth, short names."""

    def label_from_instance(self, obj: Department) -> str:
        return "\u3000" * max(obj.depth - 1, 0) + (obj.short_name or obj.name)


class DepartmentMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Department) -> str:
        return obj.short_name or obj.name


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: RoutingCategory) -> str:
        return "\u3000" * max(obj.depth - 1, 0) + obj.name


def active_departments():
    return Department.objects.filter(is_active=True).order_by("path")


def active_categories():
    return RoutingCategory.objects.filter(is_active=True).order_by("path", "sort_order")


def _blank(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"})


# --- Lists ---------------------------------------------------------------------------------------


class OrderFilterForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"placeholder": _("受理编号、标题或内容"), "accesskey": "s", "type": "search"}
        ),
    )
    status = forms.ChoiceField(label=_("状态"), required=False, choices=_blank(_("全部")) + Status.choices)
    order_type = forms.ChoiceField(
        label=_("类型"), required=False, choices=_blank(_("全部")) + OrderType.choices
    )
    category = CategoryChoiceField(label=_("分类"), required=False, queryset=RoutingCategory.objects.none())
    department = DepartmentChoiceField(
        label=_("承办单位"), required=False, queryset=Department.objects.none()
    )
    channel = forms.ChoiceField(label=_("渠道"), required=False, choices=_blank(_("全部")) + Channel.choices)
    date_from = forms.DateField(label=_("受理日期自"), required=False, widget=_date_input())
    date_to = forms.DateField(label=_("至"), required=False, widget=_date_input())
    overdue = forms.BooleanField(label=_("只看超期"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = active_categories()
        cast(forms.ModelChoiceField, self.fields["department"]).queryset = (
            visible_departments(user).filter(is_active=True).order_by("path")
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start: datetime.date | None = data.get("date_from")
        end: datetime.date | None = data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("起始日期不能晚于截止日期。"))
        return data


class BulkDispatchForm(forms.Form):
    orders = forms.TypedMultipleChoiceField(label=_("工单"), coerce=int, choices=())
    department = DepartmentChoiceField(label=_("派往"), queryset=Department.objects.none())
    note = forms.CharField(label=_("派单意见"), required=False, max_length=1000)

    def __init__(self, *args: Any, order_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["orders"]).choices = [(pk, pk) for pk in order_ids]
        cast(forms.ModelChoiceField, self.fields["department"]).queryset = active_departments()

    def clean_orders(self) -> list[int]:
        orders = self.cleaned_data["orders"]
        if not orders:
            raise forms.ValidationError(_("请至少选择一张工单。"))
        return orders


# --- Intake --------------------------------------------------------------------------------------


class IntakeForm(forms.Form):
    """The operator's form, in the order of a call: number first, then what and where."""

    caller_phone = forms.CharField(
        label=_("来电号码"),
        max_length=20,
        required=False,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "accesskey": "1",
                "inputmode": "tel",
                "autocomplete": "off",
                "placeholder": _("手机号或带区号的固定电话"),
            }
        ),
    )
    caller_name = forms.CharField(
        label=_("来电人姓名"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    order_type = forms.ChoiceField(label=_("诉求类型"), choices=OrderType.choices, initial=OrderType.HELP)
    urgency = forms.ChoiceField(
        label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL, widget=forms.RadioSelect
    )
    category = CategoryChoiceField(
        label=_("派单目录"),
        required=False,
        queryset=RoutingCategory.objects.none(),
        empty_label=_("（未分类）"),
    )
    district = DepartmentChoiceField(
        label=_("所在区县"), required=False, queryset=Department.objects.none(), empty_label=_("（未知）")
    )
    street = DepartmentChoiceField(
        label=_("所在街道（乡镇）"),
        required=False,
        queryset=Department.objects.none(),
        empty_label=_("（未知）"),
    )
    location = forms.CharField(label=_("地点"), max_length=200, required=False)
    attachments = MultipleFileField(
        label=_("附件"),
        required=False,
        max_files=5,
        max_bytes=10 * 1024 * 1024,
        help_text=_("最多 5 个，每个不超过 10 MB；图片、pdf、Word、Excel、txt。"),
    )
    content = forms.CharField(
        label=_("诉求内容"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6, "accesskey": "2", "placeholder": _("Ctrl+Enter 提交")}),
    )
    title = forms.CharField(
        label=_("标题"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("留空则取内容第一句")}),
    )
    confidential = forms.BooleanField(label=_("要求保密身份"), required=False)
    reply_text = forms.CharField(
        label=_("即时答复内容"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "accesskey": "3"}),
        help_text=_("选择右侧知识库条目可填入答复；即时答复时必填。"),
    )
    callback_requested = forms.BooleanField(label=_("来电人要求回访"), required=False)
    department = DepartmentChoiceField(
        label=_("派往单位"),
        required=False,
        queryset=Department.objects.none(),
        empty_label=_("（暂不派单，进入待派单）"),
    )

    MODE_CREATE = "create"
    MODE_ANSWER = "answer"

    def __init__(self, *args: Any, may_dispatch: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = active_categories()
        cast(forms.ModelChoiceField, self.fields["district"]).queryset = active_departments().filter(
            kind__in=DISTRICT_KINDS
        )
        cast(forms.ModelChoiceField, self.fields["street"]).queryset = active_departments().filter(
            kind=DepartmentKind.STREET
        )
        if may_dispatch:
            cast(forms.ModelChoiceField, self.fields["department"]).queryset = active_departments()
        else:
            del self.fields["department"]


# --- Actions -------------------------------------------------------------------------------------


def _reason(label: Any, *, required: bool = True, rows: int = 2) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=1000, widget=forms.Textarea(attrs={"rows": rows})
    )


def _text(label: Any, *, rows: int = 5) -> forms.CharField:
    return forms.CharField(label=label, max_length=10000, widget=forms.Textarea(attrs={"rows": rows}))


class EmptyForm(forms.Form):
    pass


class AnswerDirectlyForm(forms.Form):
    reply_text = _text(_("答复内容"), rows=4)
    callback_requested = forms.BooleanField(label=_("来电人要求回访"), required=False)


class DispatchForm(forms.Form):
    department = DepartmentChoiceField(label=_("主办单位"), queryset=Department.objects.none())
    assisting = DepartmentMultipleChoiceField(
        label=_("协办单位"),
        required=False,
        queryset=Department.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    category = CategoryChoiceField(
        label=_("派单目录"),
        required=False,
        queryset=RoutingCategory.objects.none(),
        empty_label=_("（不变）"),
    )
    urgency = forms.ChoiceField(
        label=_("紧急程度"), required=False, choices=_blank(_("（不变）")) + Urgency.choices
    )
    note = _reason(_("派单意见"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["department"]).queryset = active_departments()
        cast(forms.ModelChoiceField, self.fields["assisting"]).queryset = active_departments()
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = active_categories()


class ReassignForm(forms.Form):
    department = DepartmentChoiceField(label=_("改派至"), queryset=Department.objects.none())
    assisting = DepartmentMultipleChoiceField(
        label=_("协办单位"),
        required=False,
        queryset=Department.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    comment = _reason(_("改派意见"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["department"]).queryset = active_departments()
        cast(forms.ModelChoiceField, self.fields["assisting"]).queryset = active_departments()


class DispatchDownForm(forms.Form):
    street = DepartmentChoiceField(label=_("下派至街道（乡镇）"), queryset=Department.objects.none())
    note = _reason(_("派单意见"), required=False)

    def __init__(self, *args: Any, order: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        queryset = active_departments().filter(kind=DepartmentKind.STREET)
        if order is not None and order.current_department_id:
            queryset = queryset.filter(parent_id=order.current_department_id)
        cast(forms.ModelChoiceField, self.fields["street"]).queryset = queryset


class ReturnForm(forms.Form):
    reason = _reason(_("退单理由"))
    suggested_department = DepartmentChoiceField(
        label=_("建议承办单位"), required=False, queryset=Department.objects.none()
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["suggested_department"]).queryset = active_departments()


class ReasonForm(forms.Form):
    reason = _reason(_("理由"))


class RulingForm(forms.Form):
    ruling = _reason(_("仲裁意见"))


class ExtensionRequestForm(forms.Form):
    amount = forms.IntegerField(label=_("延长时限（与答复时限同单位）"), min_value=1, max_value=60)
    reason = _reason(_("延期理由"))


class ExtensionDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("审批结果"),
        choices=[("1", _("同意")), ("0", _("不同意"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    amount = forms.IntegerField(
        label=_("批准延长（留空为按申请）"), required=False, min_value=1, max_value=60
    )
    comment = _reason(_("审批意见"), required=False)


class ContributeForm(forms.Form):
    text = _text(_("协办意见"), rows=3)


class ReplyForm(forms.Form):
    reply_text = _text(_("答复内容"))


class ApproveReplyForm(forms.Form):
    public_reply = forms.CharField(
        label=_("公开答复（已自动隐去个人信息，可修改）"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class PublicationForm(forms.Form):
    public_title = forms.CharField(label=_("公开标题（已自动隐去个人信息，可修改）"), max_length=200)
    public_content = forms.CharField(
        label=_("公开来信内容（已自动隐去个人信息，请核对）"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    public_reply = forms.CharField(
        label=_("公开答复（请核对）"), max_length=10000, widget=forms.Textarea(attrs={"rows": 4})
    )


class CallbackForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("回访结果"),
        # 群众网上评价 is recorded only by the citizen's own rating.
        choices=[c for c in CallbackOutcome.choices if c[0] != CallbackOutcome.RATED_ONLINE],
        widget=forms.RadioSelect,
    )
    satisfaction = forms.ChoiceField(
        label=_("满意度"), required=False, choices=_blank(_("（未评价）")) + Satisfaction.choices
    )
    comment = _reason(_("回访记录"), required=False)


class MergeForm(forms.Form):
    into = forms.CharField(label=_("并入工单（受理编号）"), max_length=16)
    reason = _reason(_("并单说明"), required=False)


class NoteForm(forms.Form):
    text = _reason(_("备注"))


class InboundConvertForm(forms.Form):
    order_type = forms.ChoiceField(label=_("诉求类型"), choices=OrderType.choices, initial=OrderType.OTHER)
    category = forms.ModelChoiceField(
        label=_("派单目录"), queryset=RoutingCategory.objects.filter(is_active=True), required=False
    )
    title = forms.CharField(label=_("标题（可不填）"), max_length=200, required=False)


class InboundIgnoreForm(forms.Form):
    reason = _reason(_("忽略理由"))


class InboundEscalateForm(forms.Form):
    department = DepartmentChoiceField(label=_("转交单位"), queryset=Department.objects.none())
    note = _reason(_("转交说明"))
    days = forms.IntegerField(
        label=_("答复时限（工作日）"),
        min_value=1,
        max_value=30,
        required=False,
        help_text=_("不填按默认时限。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["department"]).queryset = active_departments()


class InboundAnswerForm(forms.Form):
    reason = _reason(_("答复情况"))


class InboundFilterForm(forms.Form):
    """Filters of the 新媒体留言 list (GET)."""

    q = forms.CharField(label=_("关键词"), max_length=100, required=False)
    channel = forms.ChoiceField(label=_("渠道"), required=False)
    department = DepartmentChoiceField(
        label=_("转交单位"), queryset=Department.objects.none(), required=False
    )
    overdue = forms.BooleanField(label=_("只看超期"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        from gongkai.hotline.models import Channel

        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["channel"]).choices = [("", _("全部渠道")), *Channel.choices]
        cast(forms.ModelChoiceField, self.fields["department"]).queryset = visible_departments(user).order_by(
            "path"
        )
