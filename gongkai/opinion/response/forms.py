"""Staff forms of the response loop: assess (研判), forward (转办), record a response (回应登记), link a
rumor's clarification (辟谣).

Forms only parse input; every rule is checked by ``services`` (whose ``ValidationError`` fields are
put back on these forms' fields of the same name).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongkai.accounts.models import Department
from gongkai.opinion.response.models import MAX_TEXT, Level, ResponseKind

PAGE_CHOICES = 200  # the newest published pages offered in a list
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _departments() -> Any:
    return Department.objects.filter(is_active=True).order_by("path")


def _datetime_field(label: Any, help_text: Any = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )


def _text(label: Any, *, required: bool, rows: int = 4, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=MAX_TEXT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _page_choices(queryset: Any, empty: Any) -> list[tuple[Any, Any]]:
    pages = queryset.live().order_by("-first_published_at", "-pk")[:PAGE_CHOICES]
    rows: list[tuple[Any, Any]] = [("", empty)]
    for page in pages:
        day = page.first_published_at.strftime("%Y-%m-%d") if page.first_published_at else ""
        rows.append((page.pk, f"{page.title}（{day}）" if day else page.title))
    return rows


class AssessForm(forms.Form):
    level = forms.ChoiceField(label=_("舆情等级"), choices=[("", "—")] + list(Level.choices))
    is_major_emergency = forms.BooleanField(
        label=_("涉及重大突发事件（5 小时内发布权威信息，24 小时内举行新闻发布会）"), required=False
    )
    is_rumor = forms.BooleanField(label=_("研判为谣言"), required=False)
    department = forms.ModelChoiceField(
        label=_("第一责任单位"),
        queryset=Department.objects.none(),
        empty_label="—",
        help_text=_("属地管理、谁主管谁负责：已预选建议的单位，可另选。"),
    )
    note = _text(_("研判意见"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _departments()  # type: ignore[attr-defined]


class ForwardForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("转办单位"), queryset=Department.objects.none(), empty_label="—"
    )
    deadline = _datetime_field(
        _("答复期限"), _("不填时为最早到期的回应时限；没有计时中的时限则为 24 小时后。")
    )
    instructions = _text(_("转办要求"), required=True)
    work_order = forms.CharField(
        label=_("关联热线工单受理编号"), required=False, max_length=30, help_text=_("可不填。")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _departments()  # type: ignore[attr-defined]


class RespondForm(forms.Form):
    kind = forms.ChoiceField(label=_("回应方式"), choices=[("", "—")] + list(ResponseKind.choices))
    at = _datetime_field(_("回应时间"), _("不填时为所选文件的首次发布时间，否则为现在。"))
    summary = _text(_("回应内容"), required=True)
    page = forms.TypedChoiceField(
        label=_("已发布的公开文件"), choices=[], required=False, coerce=int, empty_value=None
    )
    url = forms.CharField(label=_("链接"), required=False, max_length=1000)
    spokesperson = forms.CharField(label=_("发布人"), required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from wagtail.models import Page

        from gongkai.publishing.models import DisclosureDocumentPage

        super().__init__(*args, **kwargs)
        self.fields["page"].choices = _page_choices(  # type: ignore[attr-defined]
            Page.objects.type(DisclosureDocumentPage), _("（不关联）")
        )


class ClarificationForm(forms.Form):
    page = forms.TypedChoiceField(label=_("已发布的辟谣信息"), choices=[], coerce=int)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from gongkai.publishing.models import RumorClarificationPage

        super().__init__(*args, **kwargs)
        self.fields["page"].choices = _page_choices(  # type: ignore[attr-defined]
            RumorClarificationPage.objects.all(), "—"
        )
