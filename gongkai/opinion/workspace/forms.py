"""Forms of the opinion workspace: the feed's filters, the topic form, the sentiment correction.

Forms only parse input; the services check every rule again (a topic's rule is parsed again by
``services.topic_rule_check`` when saved).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongkai.accounts.access import visible_departments
from gongkai.accounts.models import Department
from gongkai.opinion.analysis import rules
from gongkai.opinion.models import Event, EventStatus, Sentiment, Source, Topic
from gongkai.opinion.workspace import feed

MAX_RULE = 2000  # as services.MAX_RULE
MAX_QUERY = 100


def _blank(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


class FeedFilterForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=MAX_QUERY,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("关键词（空格分隔，全部包含）"), "accesskey": "s"}
        ),
    )
    source = forms.ModelChoiceField(
        label=_("来源"), queryset=Source.objects.order_by("name"), required=False, empty_label=_("全部来源")
    )
    topic = forms.ModelChoiceField(
        label=_("专题"), queryset=Topic.objects.none(), required=False, empty_label=_("全部专题")
    )
    sentiment = forms.ChoiceField(label=_("情感"), choices=[], required=False)
    district = forms.ChoiceField(label=_("区县"), choices=[], required=False)
    event = forms.TypedChoiceField(label=_("事件"), choices=[], required=False, coerce=int, empty_value=None)
    period = forms.ChoiceField(
        label=_("时间范围"),
        required=False,
        choices=[
            ("", _("不限")),
            ("1h", _("近1小时")),
            ("6h", _("近6小时")),
            ("24h", _("近24小时")),
            ("7d", _("近7天")),
            ("30d", _("近30天")),
        ],
    )
    date_from = forms.DateField(
        label=_("发布日期自"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    rumor = forms.BooleanField(label=_("仅疑似谣言"), required=False)
    sensitive = forms.BooleanField(label=_("仅含敏感词"), required=False)
    duplicates = forms.BooleanField(label=_("显示重复帖"), required=False)

    def __init__(self, *args: Any, topics: Any = None, districts: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        topic_field: Any = self.fields["topic"]
        topic_field.queryset = topics if topics is not None else Topic.objects.all()
        sentiment: Any = self.fields["sentiment"]
        sentiment.choices = _blank(_("全部")) + list(Sentiment.choices)
        district: Any = self.fields["district"]
        district.choices = _blank(_("全部区县")) + list(
            districts if districts is not None else feed.district_choices()
        )
        # The events worth choosing: not closed, hottest first; the one asked for is always there.
        events = list(
            Event.objects.exclude(status=EventStatus.CLOSED)
            .order_by("-hotness", "-pk")
            .only("pk", "title", "label", "key")[:100]
        )
        asked = self.data.get("event") if self.is_bound else None
        if asked and str(asked).isdigit() and all(str(e.pk) != str(asked) for e in events):
            extra = Event.objects.filter(pk=int(asked)).first()
            if extra is not None:
                events.append(extra)
        event: Any = self.fields["event"]
        event.choices = _blank(_("全部事件")) + [(e.pk, e.display_title[:40]) for e in events]

    def filters(self) -> dict[str, Any]:
        """The cleaned filters, or none at all when the form is unbound or invalid."""
        if not self.is_bound or not self.is_valid():
            return {}
        return dict(self.cleaned_data)

    PRIMARY = ("q", "period", "topic", "sentiment")

    @property
    def active(self) -> bool:
        return any(value for name, value in self.filters().items() if name != "duplicates")

    def primary_fields(self) -> list[Any]:
        return [self[name] for name in self.PRIMARY]

    def more_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if name not in self.PRIMARY]

    @property
    def more_active(self) -> bool:
        """Whether one of the fields under 更多条件 is set (the section then opens by itself)."""
        return any(value for name, value in self.filters().items() if name not in self.PRIMARY)


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Department) -> str:
        return "\u3000" * max(obj.depth - 1, 0) + (obj.short_name or obj.name)


class TopicForm(forms.Form):
    """A topic (专题); the rule is parsed here to show where it is wrong (``rule_error``)."""

    name = forms.CharField(label=_("名称"), max_length=100)
    rule = forms.CharField(
        label=_("规则"),
        max_length=MAX_RULE,
        strip=False,  # positions of errors are counted in the text as typed
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "class": "ow-rule-input"}),
        help_text=_("例如：(供热 OR 暖气) AND (不热 OR 停暖) NOT 演习；邻近匹配：停水 NEAR/10 小区。"),
    )
    description = forms.CharField(label=_("说明"), max_length=300, required=False)
    owner_department = DepartmentChoiceField(
        label=_("负责单位"), queryset=Department.objects.none(), required=False, empty_label=_("（不指定）")
    )
    enabled = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rule_error: rules.RuleSyntaxError | None = None
        field: Any = self.fields["owner_department"]
        field.queryset = visible_departments(user).filter(is_active=True).order_by("path")
        self.fields["rule"].widget.attrs["aria-describedby"] = "ow-rule-help ow-rule-error"

    def clean_rule(self) -> str:
        text = self.cleaned_data["rule"].replace("\r\n", "\n")
        try:
            rules.parse_rule(text)
        except rules.RuleSyntaxError as exc:
            self.rule_error = exc
            raise forms.ValidationError(
                _("第 %(position)s 个字符处有误：%(reason)s"),
                code=exc.code,
                params={"position": exc.position + 1, "reason": exc.message},
            ) from exc
        return text.strip()

    @classmethod
    def initial_of(cls, topic: Topic) -> dict[str, Any]:
        return {
            "name": topic.name,
            "rule": topic.rule,
            "description": topic.description,
            "owner_department": topic.owner_department_id,
            "enabled": topic.enabled,
        }


def rule_marked(rule: str, position: int) -> dict[str, str]:
    """The rule split around the character at ``position`` (a space stands for the end of the rule)."""
    position = max(0, min(position, len(rule)))
    char = rule[position : position + 1]
    return {
        "before": rule[:position],
        "char": char or " ",
        "after": rule[position + 1 :],
        "at_end": "" if char else "1",
    }


class SentimentForm(forms.Form):
    sentiment = forms.ChoiceField(label=_("情感"), choices=Sentiment.choices)
