"""Forms of the citizen's disclosure pages (我要申请、查询申请、补正、期限计算).

The forms refuse only what is *wrong* (a malformed phone number, e-mail, ID number, postal code,
an agency that does not exist, text too long), with a Chinese message next to the field, and
then nothing is stored. What is *missing* is not an error here: an application without a name,
an ID, contact details, a description or the form and channel of provision is registered all the
same, and the service issues the one correction notice of Art. 30 that lists what it lacks.
"""

from __future__ import annotations

import datetime
import re
import uuid
from typing import Any, cast

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongkai.accounts.credit_code import credit_code_is_valid
from gongkai.accounts.models import Department, DepartmentKind
from gongkai.core.parsing import parse_id
from gongkai.core.personal_data import resident_id_is_valid
from gongkai.disclosure.models import ApplicantType, IdType, ProvisionChannel, ProvisionForm

TOKEN_SALT = "gongkai.disclosure.public.apply"  # noqa: S105 - a signing salt, not a secret
#: A form left open longer than this is sent again (the citizen's text is kept on the page).
TOKEN_MAX_AGE = 2 * 24 * 3600
MAX_DESCRIPTION = 5000

#: The agencies that take applications, grouped on the form in this order.
AGENCY_KINDS: tuple[str, ...] = (
    DepartmentKind.GOVERNMENT,
    DepartmentKind.GOVERNMENT_OFFICE,
    DepartmentKind.DEPARTMENT,
    DepartmentKind.DISTRICT,
    DepartmentKind.COUNTY,
    DepartmentKind.COUNTY_CITY,
    DepartmentKind.DEVELOPMENT_ZONE,
)
AGENCY_GROUP_LABELS: dict[str, Any] = {
    DepartmentKind.GOVERNMENT: gettext_lazy("市人民政府"),
    DepartmentKind.GOVERNMENT_OFFICE: gettext_lazy("市政府办公机构"),
    DepartmentKind.DEPARTMENT: gettext_lazy("市政府工作部门"),
    DepartmentKind.DISTRICT: gettext_lazy("区、县（市）、开发区"),
    DepartmentKind.COUNTY: gettext_lazy("区、县（市）、开发区"),
    DepartmentKind.COUNTY_CITY: gettext_lazy("区、县（市）、开发区"),
    DepartmentKind.DEVELOPMENT_ZONE: gettext_lazy("区、县（市）、开发区"),
}

PERSON = "person"
ORGANISATION = "organisation"

_FULL_WIDTH = str.maketrans(
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ－（）＋　",
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-()+ ",
)


def half_width(value: str) -> str:
    """Full-width digits and letters (common from Chinese input methods) as ASCII."""
    return (value or "").translate(_FULL_WIDTH)


def agencies() -> list[Department]:
    """The active agencies that take disclosure applications, in the form's order."""
    rank = {kind: i for i, kind in enumerate(AGENCY_KINDS)}
    rows = list(Department.objects.filter(is_active=True, kind__in=AGENCY_KINDS).order_by("path"))
    return sorted(rows, key=lambda d: (rank[d.kind], d.sort_order, d.path))


def agency_choices() -> list[tuple[Any, Any]]:
    choices: list[tuple[Any, Any]] = [("", gettext_lazy("请选择受理机关"))]
    groups: dict[str, list[tuple[str, str]]] = {}
    for department in agencies():
        label = str(AGENCY_GROUP_LABELS[department.kind])
        groups.setdefault(label, []).append((str(department.pk), department.name))
    choices += [(label, options) for label, options in groups.items()]
    return choices


def clean_phone(raw: str) -> str:
    """A mobile (11 digits) or a landline, as the hotline writes them (``0432-62012345``).

    Spaces, dashes, ``+86`` and full-width digits are forgiven. A short number starting with 1 is
    a mobile number with digits missing, not a local landline (those start with 2–8).
    """
    from gongkai.hotline.services import normalize_phone

    message = _("号码格式不正确。请填11位手机号码，或带区号的固定电话，例如 0432-62012345。")
    try:
        phone = normalize_phone(half_width(raw))
    except ValidationError:
        raise ValidationError(message, code="phone") from None
    if phone.startswith("1") and not re.fullmatch(r"1[3-9]\d{9}", phone):
        raise ValidationError(message, code="phone")
    return phone


class ApplicationForm(forms.Form):
    """我要申请: one form for a natural person and for a legal person or other organisation."""

    department = forms.ChoiceField(
        label=gettext_lazy("向哪个机关申请"),
        help_text=gettext_lazy("选择掌握您所需信息的机关。不清楚时可以选“吉林市人民政府”，由工作人员告知。"),
        error_messages={
            "required": gettext_lazy("请选择受理机关。"),
            "invalid_choice": gettext_lazy("所选机关不存在，请重新选择。"),
        },
    )
    applicant_kind = forms.ChoiceField(
        label=gettext_lazy("申请人是"),
        choices=[(PERSON, gettext_lazy("自然人（个人）")), (ORGANISATION, gettext_lazy("法人或其他组织"))],
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("请选择申请人是个人还是单位。"),
            "invalid_choice": gettext_lazy("请选择申请人是个人还是单位。"),
        },
    )

    # --- a natural person -------------------------------------------------------------------
    person_name = forms.CharField(
        label=gettext_lazy("姓名"),
        required=False,
        max_length=100,
        error_messages={"max_length": gettext_lazy("姓名不能超过 %(limit_value)d 个字。")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    id_type = forms.ChoiceField(
        label=gettext_lazy("证件类型"),
        required=False,
        choices=[(v, label) for v, label in IdType.choices if v != IdType.CREDIT_CODE],
        initial=IdType.RESIDENT_ID,
        error_messages={"invalid_choice": gettext_lazy("请选择证件类型。")},
    )
    id_number = forms.CharField(
        label=gettext_lazy("证件号码"),
        required=False,
        max_length=40,
        help_text=gettext_lazy("居民身份证为18位，最后一位可能是 X。"),
        error_messages={"max_length": gettext_lazy("证件号码不能超过 %(limit_value)d 个字符。")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    # --- a legal person or other organisation ------------------------------------------------
    organisation_type = forms.ChoiceField(
        label=gettext_lazy("单位类型"),
        required=False,
        choices=[(v, label) for v, label in ApplicantType.choices if v != ApplicantType.NATURAL_PERSON],
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": gettext_lazy("请选择单位类型。")},
    )
    organisation_name = forms.CharField(
        label=gettext_lazy("单位名称"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("与营业执照或登记证书上的名称一致。"),
        error_messages={"max_length": gettext_lazy("单位名称不能超过 %(limit_value)d 个字。")},
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    credit_code = forms.CharField(
        label=gettext_lazy("统一社会信用代码"),
        required=False,
        max_length=30,
        help_text=gettext_lazy("18位，在营业执照或登记证书上。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    legal_representative = forms.CharField(
        label=gettext_lazy("法定代表人或负责人"),
        required=False,
        max_length=50,
        error_messages={"max_length": gettext_lazy("不能超过 %(limit_value)d 个字。")},
    )
    contact_name = forms.CharField(
        label=gettext_lazy("联系人"),
        required=False,
        max_length=50,
        error_messages={"max_length": gettext_lazy("联系人不能超过 %(limit_value)d 个字。")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    # --- contact -----------------------------------------------------------------------------
    phone = forms.CharField(
        label=gettext_lazy("联系电话"),
        required=False,
        max_length=30,
        help_text=gettext_lazy("手机号码或带区号的固定电话。"),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=gettext_lazy("电子邮箱"),
        required=False,
        max_length=254,
        error_messages={"invalid": gettext_lazy("电子邮箱格式不正确，例如 name@example.com。")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    address = forms.CharField(
        label=gettext_lazy("通信地址"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("邮寄答复书和信息时用。"),
        error_messages={"max_length": gettext_lazy("通信地址不能超过 %(limit_value)d 个字。")},
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    postal_code = forms.CharField(
        label=gettext_lazy("邮政编码"),
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )

    # --- what is asked for -------------------------------------------------------------------
    description = forms.CharField(
        label=gettext_lazy("您要申请公开的政府信息"),
        required=False,
        max_length=MAX_DESCRIPTION,
        help_text=gettext_lazy(
            "请写明信息的名称、文号或者便于查询的特征性描述（例如：哪个机关、哪一年、关于什么事的文件）。"
            "一份申请最好只问一件事。最多5000字。"
        ),
        error_messages={
            "max_length": gettext_lazy("内容不能超过 %(limit_value)d 个字（现在 %(show_value)d 个字）。")
        },
        widget=forms.Textarea(attrs={"rows": 7}),
    )
    provision_form = forms.ChoiceField(
        label=gettext_lazy("希望以什么形式提供"),
        required=False,
        choices=ProvisionForm.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": gettext_lazy("请重新选择提供形式。")},
    )
    provision_channel = forms.ChoiceField(
        label=gettext_lazy("希望怎样获取"),
        required=False,
        choices=ProvisionChannel.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": gettext_lazy("请重新选择获取方式。")},
    )
    declaration = forms.BooleanField(
        label=gettext_lazy("我保证以上填写的内容真实，并知道申请人的身份和联系方式只用于办理本申请。"),
        error_messages={"required": gettext_lazy("请阅读说明并勾选。")},
    )
    # A field people never see (and screen readers skip); bots that fill everything fill it.
    website = forms.CharField(required=False, label=gettext_lazy("请勿填写此项"))
    form_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["department"]).choices = agency_choices()
        self._fresh_token = signing.dumps(uuid.uuid4().hex, salt=TOKEN_SALT)

    # --- the idempotency token (a double click or a refresh files one application) ----------

    @property
    def render_token(self) -> str:
        if self.is_bound and self._token_value(self.data.get("form_token", "")):
            return str(self.data.get("form_token"))
        return self._fresh_token

    @staticmethod
    def _token_value(token: str) -> str:
        try:
            value = signing.loads(token or "", salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
        except signing.BadSignature:
            return ""
        return value if isinstance(value, str) and len(value) == 32 else ""

    # --- cleaning ----------------------------------------------------------------------------

    def clean_form_token(self) -> str:
        return self._token_value(self.cleaned_data.get("form_token", ""))

    def clean_department(self) -> Department:
        pk = parse_id(self.cleaned_data.get("department"))
        department = (
            Department.objects.filter(pk=pk, is_active=True, kind__in=AGENCY_KINDS).first() if pk else None
        )
        if department is None:
            raise ValidationError(_("所选机关不存在，请重新选择。"))
        return department

    def clean_person_name(self) -> str:
        return " ".join(self.cleaned_data.get("person_name", "").split())

    def clean_organisation_name(self) -> str:
        return " ".join(self.cleaned_data.get("organisation_name", "").split())

    def clean_id_number(self) -> str:
        return "".join(half_width(self.cleaned_data.get("id_number", "")).split()).upper()

    def clean_credit_code(self) -> str:
        value = "".join(half_width(self.cleaned_data.get("credit_code", "")).split()).upper()
        if value and not credit_code_is_valid(value):
            raise ValidationError(_("统一社会信用代码不正确，请核对营业执照或登记证书上的18位代码。"))
        return value

    def clean_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("phone", ""))

    def clean_postal_code(self) -> str:
        value = "".join(half_width(self.cleaned_data.get("postal_code", "")).split())
        if value and not re.fullmatch(r"\d{6}", value):
            raise ValidationError(_("邮政编码是6位数字，例如 132001。"))
        return value

    def clean_description(self) -> str:
        return (self.cleaned_data.get("description") or "").strip()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("website"):
            raise ValidationError(_("提交未成功，请稍后再试，或到受理机关当面提交。"), code="honeypot")
        if not data.get("form_token") and "form_token" not in self.errors:
            raise ValidationError(_("页面已过期，请核对内容后再点一次“提交申请”。"), code="expired")
        kind = data.get("applicant_kind")
        # A name and one way to reach the applicant are needed to register at all (the correction
        # notice must reach somebody); the other elements of Art. 29 may be supplied later.
        if kind == PERSON and not data.get("person_name") and "person_name" not in self.errors:
            self.add_error("person_name", _("请填写您的姓名。"))
        if (
            kind == ORGANISATION
            and not data.get("organisation_name")
            and "organisation_name" not in self.errors
        ):
            self.add_error("organisation_name", _("请填写单位名称。"))
        contacts = ("phone", "email", "address")
        if kind and not any(data.get(n) for n in contacts) and not any(n in self.errors for n in contacts):
            self.add_error(
                "phone", _("请至少填写一种联系方式（联系电话、电子邮箱或通信地址），以便送达答复。")
            )
        if kind == PERSON:
            number = data.get("id_number", "")
            id_type = data.get("id_type") or IdType.RESIDENT_ID
            data["id_type"] = id_type
            if number and id_type == IdType.RESIDENT_ID and not resident_id_is_valid(number):
                self.add_error(
                    "id_number",
                    _("居民身份证号码不正确。应为18位，最后一位是数字或 X，请核对。"),
                )
            elif number and not re.fullmatch(r"[A-Z0-9()\-]{5,40}", number):
                self.add_error("id_number", _("证件号码只能包含数字、字母，5至40位，请核对。"))
        elif kind == ORGANISATION and not data.get("organisation_type"):
            self.add_error("organisation_type", _("请选择单位类型。"))
        return data

    # --- what the service gets ---------------------------------------------------------------

    def submission(self) -> dict[str, Any]:
        """The keyword arguments of ``application_submit`` (the other kind's fields dropped)."""
        data = self.cleaned_data
        common = {
            "department": data["department"],
            "phone": data.get("phone", ""),
            "email": data.get("email", ""),
            "address": " ".join((data.get("address") or "").split()),
            "postal_code": data.get("postal_code", ""),
            "description": data.get("description", ""),
            "provision_form": data.get("provision_form", ""),
            "provision_channel": data.get("provision_channel", ""),
        }
        if data["applicant_kind"] == PERSON:
            number = data.get("id_number", "")
            return {
                **common,
                "applicant_type": ApplicantType.NATURAL_PERSON,
                "applicant_name": data.get("person_name", ""),
                "id_type": data.get("id_type", "") if number else "",
                "id_number": number,
            }
        code = data.get("credit_code", "")
        return {
            **common,
            "applicant_type": data["organisation_type"],
            "applicant_name": data.get("organisation_name", ""),
            "id_type": IdType.CREDIT_CODE if code else "",
            "id_number": code,
            "legal_representative": " ".join((data.get("legal_representative") or "").split()),
            "contact_name": " ".join((data.get("contact_name") or "").split()),
        }


# --- Lookup ------------------------------------------------------------------------------------


def normalize_code(value: str) -> str:
    """Forgive spaces, full-width characters and lower case (elderly users' input methods)."""
    return "".join(half_width(value).split()).upper()


class LookupForm(forms.Form):
    tracking_number = forms.CharField(
        label=gettext_lazy("申请编号"),
        max_length=40,
        help_text=gettext_lazy("提交成功后页面上给出的编号，例如 YSQ2026-000123。"),
        error_messages={"required": gettext_lazy("请填写申请编号。")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    query_code = forms.CharField(
        label=gettext_lazy("查询码"),
        max_length=40,
        help_text=gettext_lazy("和申请编号一起给出，只显示过一次。"),
        error_messages={"required": gettext_lazy("请填写查询码。")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_tracking_number(self) -> str:
        return normalize_code(self.cleaned_data["tracking_number"])

    def clean_query_code(self) -> str:
        return normalize_code(self.cleaned_data["query_code"])


# --- Correction (补正) ---------------------------------------------------------------------------


class CorrectionForm(forms.Form):
    """The corrected application: the description and the elements the notice asks for.

    Only the fields of the elements the application lacks (``missing``: the codes of
    ``services.MISSING_ITEM_LABELS``) are shown besides the description, which is always offered:
    a correction is most often about an unclear description. An empty description keeps the old one.
    """

    description = forms.CharField(
        label=gettext_lazy("补正后的申请内容"),
        required=False,
        max_length=MAX_DESCRIPTION,
        help_text=gettext_lazy(
            "按补正告知的要求，写明您要申请公开的政府信息：名称、文号或者便于查询的特征性描述。"
        ),
        error_messages={
            "max_length": gettext_lazy("内容不能超过 %(limit_value)d 个字（现在 %(show_value)d 个字）。")
        },
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    id_type = forms.ChoiceField(
        label=gettext_lazy("证件类型"),
        choices=[(v, label) for v, label in IdType.choices if v != IdType.CREDIT_CODE],
        initial=IdType.RESIDENT_ID,
        error_messages={
            "required": gettext_lazy("请选择证件类型。"),
            "invalid_choice": gettext_lazy("请选择证件类型。"),
        },
    )
    id_number = forms.CharField(
        label=gettext_lazy("证件号码"),
        max_length=40,
        help_text=gettext_lazy("居民身份证为18位，最后一位可能是 X。"),
        error_messages={"required": gettext_lazy("请填写证件号码。")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    credit_code = forms.CharField(
        label=gettext_lazy("统一社会信用代码"),
        max_length=30,
        help_text=gettext_lazy("18位，在营业执照或登记证书上。"),
        error_messages={"required": gettext_lazy("请填写统一社会信用代码。")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    legal_representative = forms.CharField(
        label=gettext_lazy("法定代表人或负责人"),
        max_length=50,
        error_messages={"required": gettext_lazy("请填写法定代表人或负责人。")},
    )
    contact_name = forms.CharField(
        label=gettext_lazy("联系人"),
        max_length=50,
        error_messages={"required": gettext_lazy("请填写联系人。")},
    )
    provision_form = forms.ChoiceField(
        label=gettext_lazy("希望以什么形式提供"),
        choices=ProvisionForm.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("请选择提供形式。"),
            "invalid_choice": gettext_lazy("请选择提供形式。"),
        },
    )
    provision_channel = forms.ChoiceField(
        label=gettext_lazy("希望怎样获取"),
        choices=ProvisionChannel.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("请选择获取方式。"),
            "invalid_choice": gettext_lazy("请选择获取方式。"),
        },
    )

    #: The form fields that supply each missing element.
    FIELDS_OF_ITEM: dict[str, tuple[str, ...]] = {
        "id_number": ("id_type", "id_number"),
        "credit_code": ("credit_code",),
        "legal_representative": ("legal_representative",),
        "contact_name": ("contact_name",),
        "description": ("description",),
        "provision_form": ("provision_form",),
        "provision_channel": ("provision_channel",),
    }

    def __init__(self, *args: Any, missing: list[str] | tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keep = {"description"}
        for item in missing:
            keep.update(self.FIELDS_OF_ITEM.get(item, ()))
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        self.description_missing = "description" in missing
        if self.description_missing:
            self.fields["description"].required = True
            self.fields["description"].error_messages["required"] = _("请填写补正后的申请内容。")

    def clean_id_number(self) -> str:
        return "".join(half_width(self.cleaned_data.get("id_number", "")).split()).upper()

    def clean_credit_code(self) -> str:
        value = "".join(half_width(self.cleaned_data.get("credit_code", "")).split()).upper()
        if value and not credit_code_is_valid(value):
            raise ValidationError(_("统一社会信用代码不正确，请核对营业执照或登记证书上的18位代码。"))
        return value

    def clean_description(self) -> str:
        return (self.cleaned_data.get("description") or "").strip()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        number = data.get("id_number", "")
        if number and data.get("id_type") == IdType.RESIDENT_ID and not resident_id_is_valid(number):
            self.add_error("id_number", _("居民身份证号码不正确。应为18位，最后一位是数字或 X，请核对。"))
        return data

    def other_fields(self) -> dict[str, str]:
        """The supplied elements besides the description, as ``correction_receive`` names them."""
        data = self.cleaned_data
        fields = {
            name: data[name]
            for name in ("id_type", "id_number", "legal_representative", "contact_name",
                         "provision_form", "provision_channel")
            if data.get(name)
        }  # fmt: skip
        if data.get("credit_code"):
            fields["id_type"] = IdType.CREDIT_CODE
            fields["id_number"] = data["credit_code"]
        return fields


# --- The deadline calculator of the guide --------------------------------------------------------

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


class DeadlineForm(forms.Form):
    """期限计算: a receipt date (GET, so that the page works without JavaScript)."""

    received = forms.CharField(
        label=gettext_lazy("收到申请的日期"),
        max_length=20,
        help_text=gettext_lazy("可以点日历图标选择，也可以直接输入，例如 2026-06-01。"),
        error_messages={"required": gettext_lazy("请填写收到申请的日期。")},
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_received(self) -> datetime.date:
        text = "".join(half_width(self.cleaned_data["received"]).split())
        for pattern in _DATE_PATTERNS:
            match = pattern.match(text)
            if match:
                try:
                    return datetime.date(*(int(part) for part in match.groups()))
                except ValueError:
                    break
        raise ValidationError(_("日期格式不正确，请写成 2026-06-01 或 2026年6月1日。"))
