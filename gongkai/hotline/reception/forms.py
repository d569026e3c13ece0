"""Forms of the public booking pages and of the staff actions in the admin."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from gongkai.hotline.models import OrderType, RoutingCategory
from gongkai.hotline.reception.models import ReceptionSession
from gongkai.hotline.reception.services import MAX_MATTER, session_validate, time_windows

_BIG = {"class": "big-input"}


class BookingForm(forms.Form):
    citizen_name = forms.CharField(
        label=_("姓名"), max_length=50, widget=forms.TextInput(attrs={**_BIG, "autocomplete": "name"})
    )
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        help_text=_("用于接收预约码短信和接待通知。"),
        widget=forms.TextInput(attrs={**_BIG, "autocomplete": "tel", "inputmode": "tel"}),
    )
    id_number = forms.CharField(
        label=_("身份证号（选填）"), max_length=18, required=False, widget=forms.TextInput(attrs=_BIG)
    )
    matter = forms.CharField(
        label=_("反映事项"),
        max_length=MAX_MATTER,
        help_text=_("请简要说明您要反映的问题和诉求，不超过 2000 字。"),
        widget=forms.Textarea(attrs={**_BIG, "rows": 6}),
    )
    preferred_time = forms.ChoiceField(label=_("希望时段"), required=False)
    # Honeypot: hidden from people (CSS and aria-hidden), filled in by naive bots.
    website = forms.CharField(label=_("请勿填写此项"), required=False)

    def __init__(self, *args, session: ReceptionSession, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["preferred_time"]).choices = [("", _("不限"))] + [
            (w, w) for w in time_windows(session)
        ]


class LookupForm(forms.Form):
    code = forms.CharField(
        label=_("预约码"),
        max_length=12,
        widget=forms.TextInput(attrs={**_BIG, "autocapitalize": "characters"}),
    )
    phone = forms.CharField(
        label=_("预约时填写的手机号码"),
        max_length=20,
        widget=forms.TextInput(attrs={**_BIG, "inputmode": "tel"}),
    )
    website = forms.CharField(label=_("请勿填写此项"), required=False)


class SessionForm(forms.ModelForm):
    class Meta:
        model = ReceptionSession
        fields = [
            "department",
            "official_name",
            "official_title",
            "date",
            "start_time",
            "end_time",
            "place",
            "topic",
            "slots",
            "slot_minutes",
            "booking_opens_at",
            "booking_closes_at",
            "status",
            "note",
        ]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        candidate = self.instance
        for name, value in cleaned.items():
            setattr(candidate, name, value)
        try:
            session_validate(candidate)
        except forms.ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return cleaned


def _categories():
    return RoutingCategory.objects.filter(is_active=True).order_by("path")


class VisitForm(forms.Form):
    """What the staff record when a citizen is received: the matter and its classification."""

    matter = forms.CharField(
        label=_("反映事项"), max_length=MAX_MATTER, widget=forms.Textarea(attrs={"rows": 5})
    )
    order_type = forms.ChoiceField(label=_("诉求类型"), choices=OrderType.choices, initial=OrderType.OTHER)
    category = forms.ModelChoiceField(
        label=_("派单目录"), queryset=RoutingCategory.objects.none(), required=False
    )
    notes = forms.CharField(
        label=_("接待记录"), max_length=MAX_MATTER, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = _categories()


class WalkInForm(VisitForm):
    citizen_name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("手机号码"), max_length=20)
    id_number = forms.CharField(label=_("身份证号（选填）"), max_length=18, required=False)

    field_order = ["citizen_name", "phone", "id_number", "matter", "order_type", "category", "notes"]


class CancelSessionForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))
