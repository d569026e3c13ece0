"""The forms of the review tasks' actions (shown in Wagtail's workflow action modal)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongkai.publishing.review.models import ReReview, SecrecyEscalation

_TEXTAREA = forms.Textarea({"rows": 3})
DEFAULT_AUTHORITY = _("吉林市国家保密局")


class ApproveForm(forms.Form):
    comment = forms.CharField(label=_("审核意见"), required=False, max_length=2000, widget=_TEXTAREA)


class RejectForm(forms.Form):
    comment = forms.CharField(
        label=_("退回修改意见"),
        max_length=2000,
        widget=_TEXTAREA,
        error_messages={"required": _("请写明需要修改之处。")},
    )


class EscalateForm(forms.Form):
    authority = forms.CharField(label=_("报送机关"), max_length=100, initial=DEFAULT_AUTHORITY)
    question = forms.CharField(
        label=_("请示内容"),
        max_length=4000,
        widget=_TEXTAREA,
        error_messages={"required": _("请写明不能确定是否涉密的内容和理由。")},
    )


class AnswerForm(forms.Form):
    decision = forms.ChoiceField(label=_("答复结论"), choices=SecrecyEscalation.Decision.choices)
    answer = forms.CharField(label=_("答复内容"), max_length=4000, widget=_TEXTAREA)
    answer_reference = forms.CharField(label=_("答复文号"), max_length=100, required=False)


class ExemptApproveForm(forms.Form):
    reason = forms.CharField(
        label=_("免于同步解读的理由"),
        max_length=2000,
        widget=_TEXTAREA,
        error_messages={"required": _("请写明不同步发布解读的理由。")},
    )
    comment = forms.CharField(label=_("审核意见"), required=False, max_length=2000, widget=_TEXTAREA)


class ReReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("结论"), choices=ReReview.Decision.choices)
    reason = forms.CharField(label=_("理由"), max_length=2000, widget=_TEXTAREA)
