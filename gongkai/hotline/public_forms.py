"""Forms of the citizen pages (我要反映、市长信箱、诉求查询、评价) and the few steps around them.

The forms check what a citizen can fix on the page (required fields, a mobile number, lengths,
the number of attachments) with Chinese messages next to each field; everything else — encodings,
attachment types by content, district/street consistency — is the core's ``work_order_create``,
whose ``ValidationError`` is put back on the form's fields. Nothing here decides a business rule.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongkai.accounts.models import Department, DepartmentKind
from gongkai.core.parsing import parse_id
from gongkai.core.workflow import TransitionNotAllowed
from gongkai.hotline import ratelimit, services
from gongkai.hotline.models import (
    DISSATISFIED_LEVELS,
    Channel,
    OrderType,
    RoutingCategory,
    Satisfaction,
    WorkOrder,
)

TOKEN_SALT = "gongkai.hotline.public.appeal"  # noqa: S105 - a signing salt, not a secret
#: A form left open longer than this must be sent again (with the citizen's text kept).
TOKEN_MAX_AGE = 2 * 24 * 3600
MAX_TITLE = 200
MAX_COMMENT = 500
DISTRICT_KINDS = (
    DepartmentKind.DISTRICT,
    DepartmentKind.COUNTY,
    DepartmentKind.COUNTY_CITY,
    DepartmentKind.DEVELOPMENT_ZONE,
)
# Core field names that the form shows under another name.
CORE_TO_FORM_FIELD = {"district": "area", "street": "area", "order_type": "order_type"}


def new_form_token() -> str:
    """A signed, random token: the idempotency key of one filled-in form."""
    return signing.dumps(uuid.uuid4().hex, salt=TOKEN_SALT)


def category_choices() -> list[tuple[Any, Any]]:
    """The routing catalogue as optgroups: each top-level entry with everything under it."""
    choices: list[tuple[Any, Any]] = [("", gettext_lazy("不清楚，由工作人员分类"))]
    categories = list(RoutingCategory.objects.filter(is_active=True).order_by("path", "sort_order"))
    by_pk = {c.pk: c for c in categories}
    groups: dict[int, list[tuple[str, str]]] = {}
    order: list[RoutingCategory] = []
    for category in categories:
        top = category
        while top.parent_id is not None and top.parent_id in by_pk:
            top = by_pk[top.parent_id]
        if top.parent_id is not None:  # under an inactive parent
            continue
        if top.pk not in groups:
            groups[top.pk] = []
            order.append(top)
        label = category.name if category.pk == top.pk else category.full_name.split(" / ", 1)[-1]
        groups[top.pk].append((str(category.pk), label))
    for top in sorted(order, key=lambda c: (c.sort_order, c.path)):
        choices.append((top.name, groups[top.pk]))
    return choices


def area_choices() -> list[tuple[Any, Any]]:
    """Districts and counties as optgroups, each with itself ("不清楚街道") and its streets."""
    choices: list[tuple[Any, Any]] = [("", gettext_lazy("不选择"))]
    districts = Department.objects.filter(kind__in=DISTRICT_KINDS, is_active=True).order_by("path")
    streets: dict[int, list[Department]] = {}
    for street in Department.objects.filter(kind=DepartmentKind.STREET, is_active=True).order_by("name"):
        if street.parent_id is not None:  # looked up by district below
            streets.setdefault(street.parent_id, []).append(street)
    for district in districts:
        name = district.short_name or district.name
        options = [(f"d:{district.pk}", _("%(district)s（不清楚街道）") % {"district": name})]
        options += [(f"s:{s.pk}", s.short_name or s.name) for s in streets.get(district.pk, [])]
        choices.append((name, options))
    return choices


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Up to ``max_files`` files from one ``<input type=file multiple>``."""

    widget = MultipleFileInput

    def __init__(self, *args: Any, max_files: int, max_bytes: int, **kwargs: Any) -> None:
        self.max_files = max_files
        self.max_bytes = max_bytes
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > self.max_files:
            raise ValidationError(_("附件最多 %(n)s 个。") % {"n": self.max_files})
        cleaned = [super(MultipleFileField, self).clean(f, initial) for f in files]
        for file in cleaned:
            if file.size > self.max_bytes:
                raise ValidationError(
                    _("附件“%(name)s”超过 %(mb)s MB。")
                    % {"name": file.name, "mb": self.max_bytes // (1024 * 1024)}
                )
        return cleaned


class AppealForm(forms.Form):
    """我要反映 / 市长信箱: one form for both, ``channel`` says which."""

    caller_name = forms.CharField(
        label=gettext_lazy("姓名"),
        max_length=50,
        error_messages={
            "required": gettext_lazy("请填写您的姓名。"),
            "max_length": gettext_lazy("姓名不能超过 %(limit_value)d 个字。"),
        },
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    caller_phone = forms.CharField(
        label=gettext_lazy("手机号码"),
        max_length=20,
        help_text=gettext_lazy(
            "11位手机号码。受理编号和查询码会以短信发到这个号码，办理单位也会用它联系您。"
        ),
        error_messages={"required": gettext_lazy("请填写手机号码。")},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    caller_email = forms.EmailField(
        label=gettext_lazy("电子邮箱（可不填）"),
        required=False,
        max_length=254,
        error_messages={"invalid": gettext_lazy("电子邮箱格式不正确，例如 name@example.com。")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    order_type = forms.ChoiceField(
        label=gettext_lazy("诉求类型"),
        choices=OrderType.choices,
        initial=OrderType.HELP,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("请选择诉求类型。"),
            "invalid_choice": gettext_lazy("请选择诉求类型。"),
        },
    )
    category = forms.ChoiceField(
        label=gettext_lazy("诉求分类（可不选）"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("所选分类不存在，请重新选择。")},
    )
    area = forms.ChoiceField(
        label=gettext_lazy("所在区县、街道（可不选）"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("所选区县或街道不存在，请重新选择。")},
    )
    location = forms.CharField(
        label=gettext_lazy("具体地点（可不填）"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("例如：××小区3号楼东侧路口"),
        error_messages={"max_length": gettext_lazy("地点不能超过 %(limit_value)d 个字。")},
    )
    title = forms.CharField(
        label=gettext_lazy("标题"),
        max_length=MAX_TITLE,
        error_messages={
            "required": gettext_lazy("请填写标题。"),
            "max_length": gettext_lazy("标题不能超过 %(limit_value)d 个字（现在 %(show_value)d 个字）。"),
        },
    )
    content = forms.CharField(
        label=gettext_lazy("反映内容"),
        max_length=services.MAX_CONTENT,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy("请写清楚什么时间、什么地点、发生了什么事、您希望怎样解决。最多5000字。"),
        error_messages={
            "required": gettext_lazy("请填写反映内容。"),
            "max_length": gettext_lazy("反映内容不能超过 %(limit_value)d 个字（现在 %(show_value)d 个字）。"),
        },
    )
    attachments = MultipleFileField(
        label=gettext_lazy("附件（可不传）"),
        required=False,
        max_files=services.MAX_ATTACHMENTS,
        max_bytes=services.MAX_ATTACHMENT_BYTES,
        help_text=gettext_lazy("最多5个，每个不超过10 MB；可上传照片（jpg、png）、pdf、Word、Excel 文件。"),
        widget=MultipleFileInput(
            attrs={"accept": "image/jpeg,image/png,image/gif,image/webp,.pdf,.doc,.docx,.xls,.xlsx,.txt"}
        ),
    )
    confidential = forms.BooleanField(
        label=gettext_lazy("请为我的身份保密（办理单位看不到我的姓名和电话）"),
        required=False,
    )
    consent_to_publish = forms.BooleanField(
        label=gettext_lazy("同意在“信件公开”栏目公开我的来信和答复（姓名、电话等个人信息会隐去）"),
        required=False,
    )
    privacy_ack = forms.BooleanField(
        label=gettext_lazy("我已阅读上面的个人信息保护说明"),
        error_messages={"required": gettext_lazy("请阅读个人信息保护说明并勾选。")},
    )
    # A field people never see (and screen readers skip); bots that fill everything fill it.
    homepage = forms.CharField(required=False, label=gettext_lazy("请勿填写此项"))
    form_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, channel: str = Channel.WEB, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.channel = channel
        cast(forms.ChoiceField, self.fields["category"]).choices = category_choices()
        cast(forms.ChoiceField, self.fields["area"]).choices = area_choices()
        if channel != Channel.MAILBOX:
            del self.fields["consent_to_publish"]
            self.fields["title"].required = False
            self.fields["title"].label = gettext_lazy("标题（可不填）")
            self.fields["title"].help_text = gettext_lazy("不填时自动取内容的开头。")
        else:
            self.fields["content"].label = gettext_lazy("来信内容")
        self._fresh_token = new_form_token()

    # --- The idempotency token -------------------------------------------------------------

    @property
    def render_token(self) -> str:
        """The token to put in the page: the submitted one while it is valid, else a fresh one."""
        if self.is_bound:
            submitted = self.data.get("form_token", "")
            if self._token_value(submitted):
                return submitted
        return self._fresh_token

    @staticmethod
    def _token_value(token: str) -> str:
        try:
            value = signing.loads(token or "", salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
        except signing.BadSignature:
            return ""
        return value if isinstance(value, str) and len(value) == 32 else ""

    @property
    def source_reference(self) -> str:
        return f"webform:{self.cleaned_data['form_token']}"

    # --- Cleaning ----------------------------------------------------------------------------

    def clean_form_token(self) -> str:
        return self._token_value(self.cleaned_data.get("form_token", ""))

    def clean_caller_phone(self) -> str:
        raw = self.cleaned_data["caller_phone"]
        try:
            phone = services.normalize_phone(raw)
        except ValidationError:
            phone = ""
        if not services.is_mobile(phone):
            raise ValidationError(_("请填写正确的11位手机号码，例如 13812345678。"))
        return phone

    def clean_category(self) -> RoutingCategory | None:
        value = self.cleaned_data.get("category")
        if not value:
            return None
        category = RoutingCategory.objects.filter(pk=value, is_active=True).first()
        if category is None:
            raise ValidationError(_("所选分类不存在，请重新选择。"))
        return category

    def clean_area(self) -> tuple[Department | None, Department | None]:
        value = self.cleaned_data.get("area") or ""
        if not value:
            return None, None
        kind, _sep, pk = value.partition(":")
        department_id = parse_id(pk)
        department = (
            Department.objects.filter(pk=department_id, is_active=True).first() if department_id else None
        )
        if department is None:
            raise ValidationError(_("所选区县或街道不存在，请重新选择。"))
        return (department, None) if kind == "d" else (None, department)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("homepage"):
            raise ValidationError(_("提交未成功，请稍后再试或拨打 12345 热线。"), code="honeypot")
        if not cleaned.get("form_token") and "form_token" not in self.errors:
            # The page was open for days, or the hidden field was lost: the text is kept on the page.
            raise ValidationError(_("页面已过期，请核对内容后再点一次“提交”。"), code="expired")
        return cleaned

    def add_core_errors(self, error: ValidationError) -> None:
        """Put the core's field errors on this form's fields (unknown fields on top)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, messages in error.message_dict.items():
            name = CORE_TO_FORM_FIELD.get(field, field)
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


@dataclass
class Filed:
    """The outcome of a submission: the order, its query code (only the first time) and whether
    the same form had been sent before."""

    order: WorkOrder
    query_code: str | None
    duplicate: bool


class RateLimited(Exception):
    """A limit refused the request; ``message`` says so in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _limit_message(limit: ratelimit.Limit) -> str:
    if limit.scope == ratelimit.APPEALS_PER_PHONE.scope:
        return _(
            "同一手机号码每天最多在网上提交 %(n)s 件诉求，今天已达到上限。"
            "已提交的诉求正在办理；如有紧急情况，请拨打 12345 热线。"
        ) % {"n": limit.limit}
    return _("提交过于频繁，请 %(minutes)s 分钟后再试，或拨打 12345 热线。") % {
        "minutes": ratelimit.minutes_left(limit)
    }


def appeal_submit(form: AppealForm, *, request: Any) -> Filed:
    """File a valid ``form`` through ``work_order_create``; durable when it returns.

    - The same form sent twice (double click, refresh, back-and-resend) returns the first order:
      the form's token is the order's ``source_reference``, which the core makes unique.
    - New appeals count against the per-phone and per-address limits (``RateLimited`` otherwise,
      and nothing is stored); a refused or repeated submission does not count.
    - Errors the core finds go back on the form (``ValidationError`` is re-raised after that).
    """
    data = form.cleaned_data
    channel = form.channel
    reference = form.source_reference
    existing = WorkOrder.objects.filter(channel=channel, source_reference=reference).first()
    if existing is not None:
        return Filed(order=existing, query_code=None, duplicate=True)
    pairs = [
        (ratelimit.APPEALS_PER_PHONE, data["caller_phone"]),
        (ratelimit.APPEALS_PER_IP, ratelimit.client_ip(request)),
    ]
    blocked = ratelimit.reserve(pairs)
    if blocked is not None:
        raise RateLimited(_limit_message(blocked))
    district, street = data.get("area") or (None, None)
    try:
        order, code = services.work_order_create(
            channel=channel,
            content=data["content"],
            order_type=data["order_type"],
            caller_name=data["caller_name"],
            caller_phone=data["caller_phone"],
            caller_email=data.get("caller_email") or "",
            confidential=bool(data.get("confidential")),
            consent_to_publish=bool(data.get("consent_to_publish")),
            category=data.get("category"),
            title=data.get("title") or "",
            district=district,
            street=street,
            location=data.get("location") or "",
            attachments=data.get("attachments") or [],
            source_reference=reference,
            raw_source={
                "form": "gongkai.hotline.public",
                "attachment_names": [f.name for f in data.get("attachments") or []],
            },
            actor=None,
            request=request,
        )
    except ValidationError as exc:
        for pair in pairs:
            ratelimit.refund(*pair)
        form.add_core_errors(exc)
        raise
    if code is None:  # lost a race with the same form sent twice at once
        for pair in pairs:
            ratelimit.refund(*pair)
    return Filed(order=order, query_code=code, duplicate=code is None)


# --- Lookup ------------------------------------------------------------------------------------


class LookupForm(forms.Form):
    tracking_number = forms.CharField(
        label=gettext_lazy("受理编号"),
        max_length=32,
        help_text=gettext_lazy("受理后短信或页面上给出的一串数字，例如 2606010001。"),
        error_messages={"required": gettext_lazy("请填写受理编号。")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    query_code = forms.CharField(
        label=gettext_lazy("查询码"),
        max_length=32,
        help_text=gettext_lazy("6位数字，和受理编号一起发给您。"),
        error_messages={"required": gettext_lazy("请填写查询码。")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    @staticmethod
    def _digits(value: str) -> str:
        # Forgive spaces and full-width digits, which elderly users' input methods often produce.
        table = str.maketrans("０１２３４５６７８９", "0123456789")
        return "".join((value or "").translate(table).split())

    def clean_tracking_number(self) -> str:
        return self._digits(self.cleaned_data["tracking_number"])

    def clean_query_code(self) -> str:
        return self._digits(self.cleaned_data["query_code"])


# --- Rating the reply ----------------------------------------------------------------------------

RATEABLE_STATUSES = ("awaiting_callback", "closed")


class RatingForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=gettext_lazy("您对答复满意吗？"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("请选择满意程度。"),
            "invalid_choice": gettext_lazy("请选择满意程度。"),
        },
    )
    comment = forms.CharField(
        label=gettext_lazy("您的意见（可不填）"),
        required=False,
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": gettext_lazy("意见不能超过 %(limit_value)d 个字。")},
    )
    request_reopen = forms.BooleanField(
        label=gettext_lazy("问题没有解决，申请重新办理"),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("request_reopen") and cleaned.get("satisfaction") not in DISSATISFIED_LEVELS:
            self.add_error("request_reopen", _("只有选择“不满意”或“非常不满意”时才能申请重新办理。"))
        return cleaned


def rating_exists(*, order: WorkOrder, effective: WorkOrder | None = None) -> bool:
    """Has the citizen of ``order`` rated the reply already? (``effective`` is accepted for callers
    that pass the lead order of a merge; the rating is recorded on the order looked up.)"""
    return order.citizen_rated_at is not None


class AlreadyRated(Exception):
    """Rated before (``code`` ``already_rated``) or no approved reply yet (``not_rateable``)."""

    def __init__(self, message: str = "", *, code: str = "already_rated") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def rating_submit(
    *, form: RatingForm, order: WorkOrder, effective: WorkOrder | None = None, request: Any
) -> WorkOrder:
    """Record the citizen's rating through the core's ``work_order_rate_by_citizen`` (once per order).

    ``order`` must come from ``public_lookup`` (or the session's lookup grant): the query code is
    the proof. Refusals (rated before, no approved reply) raise ``AlreadyRated``.
    """
    data = form.cleaned_data
    try:
        return services.work_order_rate_by_citizen(
            work_order=order,
            satisfaction=data["satisfaction"],
            comment=data.get("comment") or "",
            request_reopen=bool(data.get("request_reopen")),
            request=request,
        )
    except TransitionNotAllowed as exc:
        code = "already_rated" if exc.code == "already_rated" else "not_rateable"
        raise AlreadyRated(exc.message, code=code) from exc
