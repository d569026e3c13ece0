from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("验证码"),
        max_length=32,
        help_text=_("身份验证器应用中的 6 位数字，或一个备用码。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class ConfirmDeviceForm(forms.Form):
    token = forms.CharField(
        label=_("验证码"),
        max_length=6,
        min_length=6,
        help_text=_("扫码后应用显示的 6 位数字。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)
