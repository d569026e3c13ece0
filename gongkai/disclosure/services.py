"""Writes of disclosure applications: intake, each handling step, the clocks, fees, replies, Table 4 cases.

Every service is keyword-only. A step that changes the state goes through
``gongkai.core.workflow.run_transition`` on ``workflow.GRAPH`` (row lock, state, permission, audit,
all in one transaction); the records it adds (``LogEntry`` for the timeline, a correction notice, a
consultation…) are written in the same transaction, and messages to the applicant are queued in the
outbox there too: a refused step changes nothing and sends nothing.

Refusals:
* bad input (a format, a choice, a date before the receipt date or after today) raises Django's
  ``ValidationError`` keyed by field, with a Chinese message;
* a rule of the Regulations (one correction notice, the 7-day limit, one extension, a ground that
  does not fit the reply type…) or a wrong state raises ``TransitionNotAllowed`` with a code;
* a staff member of another department gets ``TransitionNotAllowed(code="permission_denied")``.

The reply clock (``workcalendar.DeadlineClock`` purpose ``reply``, 20 working days, 条例第三十三条)
counts whole days: every clock moment is the start (00:00, Asia/Shanghai) of the date it stands for
(the receipt date, the day a consultation letter was sent, the day the fee was paid…), so a clock
never depends on the hour staff happened to click. It is

* started on the receipt date (Art. 31),
* paused while the applicant is asked for a correction, and restarted from the day the corrected
  application arrives (Art. 30: the whole 20 days count again),
* paused while at least one consultation (Arts. 32, 34) or a fee notice (国办函〔2020〕109号) is
  open, and resumed when none is,
* extended once by at most 20 working days (Art. 33),
* stopped on the reply or termination date.

``Application.reply_due_on`` follows the clock after every change (``None`` while waiting for a
correction and once concluded); ``disclosure_clocks_tick`` refreshes it daily for paused clocks.

The query code: shown once to an online applicant on the confirmation page and never sent by SMS
or e-mail (an SMS can be read by anyone holding the phone); an application registered by staff
(post, fax, in person…) returns the code to the clerk, who gives it to the applicant on the receipt
(回执). SMS and e-mail carry only the tracking number.
"""

from __future__ import annotations

import datetime
import logging
import re
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from gongkai.accounts.access import can_access_department
from gongkai.accounts.credit_code import validate_credit_code
from gongkai.accounts.models import Department
from gongkai.core.audit.services import audit_record
from gongkai.core.outbox.channels import is_mobile_number
from gongkai.core.personal_data import redact_text, resident_id_is_valid
from gongkai.core.workcalendar import selectors as calendar
from gongkai.core.workcalendar import services as clocks
from gongkai.core.workcalendar.models import ClockUnit, DeadlineClock
from gongkai.core.workflow import TransitionNotAllowed, run_transition
from gongkai.disclosure import fees
from gongkai.disclosure.grounds import (
    ALLOWED_GROUNDS,
    OTHER_GROUNDS,
    PARTIAL_WITHHELD_GROUNDS,
    Ground,
    ReplyType,
    ground_allowed,
    outcome_of,
)
from gongkai.disclosure.models import (
    ApplicantType,
    Application,
    Consultation,
    ConsultationAnswer,
    ConsultationKind,
    CorrectionNotice,
    Extension,
    FeeMethod,
    FeeNotice,
    IdType,
    IntakeChannel,
    LogEntry,
    ProvisionChannel,
    ProvisionForm,
    Reply,
    ReviewCase,
    ReviewKind,
    ReviewOutcome,
    Status,
)
from gongkai.disclosure.workflow import APPROVE_EXTENSION, GRAPH, HANDLE

logger = logging.getLogger(__name__)

REPLY_CLOCK = "reply"
#: 条例第三十三条: 20 working days from receipt, extended once by at most 20.
REPLY_DAYS = 20
MAX_EXTENSION_DAYS = 20
REPLY_BASIS = "《政府信息公开条例》第三十三条"
#: 条例第三十条: the one correction notice goes out within 7 working days of receipt.
CORRECTION_NOTICE_DAYS = 7
#: 条例第三十二条、第三十四条: the consulted party answers within 15 working days.
CONSULTATION_DAYS = 15
#: Below this many characters a description is not a "特征性描述" (条例第二十九条).
MIN_DESCRIPTION = 5
QUERY_CODE_LENGTH = 6
TRACKING_PATTERN = re.compile(r"^YSQ\d{4}-\d{6}$")

#: Staff channels: the receipt date is entered by the clerk (条例第三十一条).
STAFF_CHANNELS = (
    IntakeChannel.IN_PERSON,
    IntakeChannel.POST,
    IntakeChannel.ORDINARY_LETTER,
    IntakeChannel.FAX,
    IntakeChannel.ORAL,
)
#: Channels whose receipt date is the day submitted (defaults to the submission's own date).
SAME_DAY_CHANNELS = (IntakeChannel.ONLINE, IntakeChannel.IN_PERSON, IntakeChannel.ORAL)
#: No application was received before the Regulations took effect (a typo like 0206-06-01 is refused).
EARLIEST_RECEIPT = datetime.date(2008, 5, 1)

DEFAULT_SMS_TEMPLATES = {
    "received": "SMS_DISCLOSURE_RECEIVED",  # params: tracking_number
    "correction": "SMS_DISCLOSURE_CORRECTION",  # params: tracking_number, due
    "extension": "SMS_DISCLOSURE_EXTENSION",  # params: tracking_number, due
    "fee": "SMS_DISCLOSURE_FEE",  # params: tracking_number, amount, due
    "replied": "SMS_DISCLOSURE_REPLIED",  # params: tracking_number
    "terminated": "SMS_DISCLOSURE_TERMINATED",  # params: tracking_number
    "staff": "SMS_DISCLOSURE_STAFF",  # params: tracking_number, due (to staff)
}

#: The elements of 条例第二十九条 an application may lack; each code's label goes on the notice.
MISSING_ITEM_LABELS: dict[str, str] = {
    "id_number": "申请人身份证明（证件类型及号码）",
    "credit_code": "统一社会信用代码或其他机构证明",
    "legal_representative": "法定代表人或负责人姓名",
    "contact_name": "联系人姓名",
    "description": "所需政府信息的名称、文号或者便于查询的其他特征性描述",
    "provision_form": "所需信息的指定提供载体形式（纸质、电子文档等）",
    "provision_channel": "获取信息的方式（邮寄、当面领取、电子邮件等）",
}


class Agent:
    """Someone acting without a staff account: the applicant (authenticated by the query code on
    the public page) or the scheduled job. ``run_transition`` sees an actor allowed to *handle* (the
    service itself decides what the applicant or the job may do); the audit records no user."""

    is_authenticated = False
    is_active = True
    pk = None
    department_id = None

    def __init__(self, label: str):
        self.label = label

    def has_perm(self, perm: str) -> bool:
        return perm == HANDLE

    def __str__(self) -> str:
        return self.label


APPLICANT = Agent("applicant")
SYSTEM = Agent("system")


# --- Small helpers ------------------------------------------------------------------------------


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def correction_days() -> int:
    """Working days the applicant has for the correction (``GONGKAI_DISCLOSURE_CORRECTION_DAYS``)."""
    return int(_setting("GONGKAI_DISCLOSURE_CORRECTION_DAYS", 15))


def fee_days() -> int:
    """Working days to pay a fee notice (``GONGKAI_DISCLOSURE_FEE_DAYS``; 109号第七条: 20)."""
    return int(_setting("GONGKAI_DISCLOSURE_FEE_DAYS", 20))


def sms_template(kind: str) -> str:
    return {**DEFAULT_SMS_TEMPLATES, **_setting("GONGKAI_DISCLOSURE_SMS_TEMPLATES", {})}[kind]


def today() -> datetime.date:
    """Today in Asia/Shanghai."""
    return calendar.local_date(moment=timezone.now())


def day_start(day: datetime.date) -> datetime.datetime:
    """The clock moment standing for ``day`` (00:00 Asia/Shanghai)."""
    return datetime.datetime.combine(day, datetime.time.min, calendar.CALENDAR_TZ)


def _fmt(day: datetime.date | None) -> str:
    return day.strftime("%Y-%m-%d") if day else ""


def _is_staff(actor: Any) -> bool:
    return actor is not None and bool(getattr(actor, "is_authenticated", False))


def _user_or_none(actor: Any) -> Any:
    return actor if _is_staff(actor) else None


def _pk(application: Application | int) -> int:
    return application.pk if isinstance(application, Application) else int(application)


def _load(application: Application | int) -> Application:
    return Application.objects.select_related("department").get(pk=_pk(application))


def _require_access(actor: Any, application: Application, *, perm: str = HANDLE) -> None:
    """A staff actor must hold ``perm`` and see the application's department."""
    if not _is_staff(actor):
        raise TransitionNotAllowed(_("无权执行此操作。"), code="permission_denied")
    if not actor.has_perm(perm) or not can_access_department(actor, application.department_id):
        raise TransitionNotAllowed(_("无权办理此申请。"), code="permission_denied")


def _check_date(
    value: datetime.date | None,
    *,
    field: str,
    label: str,
    not_before: datetime.date | None = None,
    not_before_label: str = "",
    default: datetime.date | None = None,
) -> datetime.date:
    """Refuse a date after today or before ``not_before`` (usually the receipt date)."""
    if value is None:
        if default is None:
            raise ValidationError({field: _("请填写%(label)s。") % {"label": label}})
        value = default
    if isinstance(value, datetime.datetime):
        value = calendar.local_date(moment=value) if timezone.is_aware(value) else value.date()
    if not isinstance(value, datetime.date):
        raise ValidationError({field: _("%(label)s格式不正确。") % {"label": label}})
    now = today()
    if value > now:
        raise ValidationError(
            {field: _("%(label)s不能晚于今天（%(today)s）。") % {"label": label, "today": _fmt(now)}}
        )
    if not_before is not None and value < not_before:
        raise ValidationError(
            {
                field: _("%(label)s不能早于%(other)s（%(date)s）。")
                % {"label": label, "other": not_before_label or _("收到申请日期"), "date": _fmt(not_before)}
            }
        )
    return value


def _text(value: Any, *, field: str, label: str, max_length: int, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationError({field: _("请填写%(label)s。") % {"label": label}})
    if len(text) > max_length:
        raise ValidationError(
            {field: _("%(label)s不能超过 %(n)s 个字。") % {"label": label, "n": max_length}}
        )
    return text


def _choice(value: Any, choices: Any, *, field: str, label: str, blank: bool = False) -> str:
    value = str(value or "").strip()
    if blank and not value:
        return ""
    if value not in choices.values:
        raise ValidationError({field: _("%(label)s无效。") % {"label": label}})
    return value


def _log(
    application: Application,
    *,
    action: str,
    public_text: str = "",
    note: str = "",
    actor: Any = None,
    public: bool | None = None,
    at: datetime.datetime | None = None,
) -> LogEntry:
    return LogEntry.objects.create(
        application=application,
        at=at or timezone.now(),
        action=action,
        public_text=public_text[:500],
        note=note,
        public=bool(public_text) if public is None else public,
        actor=_user_or_none(actor),
    )


# --- Contacts and identity ----------------------------------------------------------------------


def normalize_phone(value: str | None) -> str:
    from gongkai.hotline.services import normalize_phone as hotline_normalize

    try:
        return hotline_normalize(value)
    except ValidationError:
        raise ValidationError({"phone": _("请填写正确的手机号码或带区号的固定电话。")}) from None


def _clean_identity(*, applicant_type: str, id_type: str, id_number: str) -> tuple[str, str]:
    id_number = (id_number or "").strip().upper().replace(" ", "")
    id_type = _choice(id_type, IdType, field="id_type", label=_("证件类型"), blank=True)
    if id_number and not id_type:
        id_type = IdType.RESIDENT_ID if applicant_type == ApplicantType.NATURAL_PERSON else IdType.CREDIT_CODE
    if not id_number:
        return id_type, ""
    if len(id_number) > 40:
        raise ValidationError({"id_number": _("证件号码过长。")})
    if id_type == IdType.RESIDENT_ID and not resident_id_is_valid(id_number, birth_date=False):
        raise ValidationError({"id_number": _("居民身份证号码格式或校验位不正确。")})
    if id_type == IdType.CREDIT_CODE:
        try:
            validate_credit_code(id_number)
        except ValidationError as exc:
            raise ValidationError({"id_number": exc.messages}) from None
    return id_type, id_number


def _clean_contacts(*, phone: str, email: str, address: str, postal_code: str) -> dict[str, str]:
    phone = normalize_phone(phone)
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"email": _("电子邮箱格式不正确。")}) from None
        if len(email) > 254:
            raise ValidationError({"email": _("电子邮箱格式不正确。")})
    address = _text(address, field="address", label=_("通信地址"), max_length=200)
    postal_code = (postal_code or "").strip()
    if postal_code and not re.fullmatch(r"\d{6}", postal_code):
        raise ValidationError({"postal_code": _("邮政编码应为 6 位数字。")})
    return {"phone": phone, "email": email, "address": address, "postal_code": postal_code}


def missing_items_of(application: Application) -> list[str]:
    """The elements of 条例第二十九条 the application lacks (codes of ``MISSING_ITEM_LABELS``)."""
    missing: list[str] = []
    if application.is_organisation:
        if not application.id_number:
            missing.append("credit_code")
        if not application.legal_representative:
            missing.append("legal_representative")
        if not application.contact_name:
            missing.append("contact_name")
    elif not application.id_number:
        missing.append("id_number")
    if len((application.description or "").strip()) < MIN_DESCRIPTION:
        missing.append("description")
    if not application.provision_form:
        missing.append("provision_form")
    if not application.provision_channel:
        missing.append("provision_channel")
    return missing


def missing_items_text(items: Iterable[str]) -> str:
    return "\n".join(
        f"{index}. {_(MISSING_ITEM_LABELS.get(code, code))}" for index, code in enumerate(items, start=1)
    )


# --- Tracking numbers and query codes -----------------------------------------------------------


def next_tracking_number(*, year: int) -> str:
    """``YSQ2026-000123`` from one atomic upsert on the year's counter row (never a duplicate)."""
    from gongkai.disclosure.models import TrackingCounter

    table = connection.ops.quote_name(TrackingCounter._meta.db_table)
    sql = (
        f"INSERT INTO {table} (year, last) VALUES (%s, 1) "  # noqa: S608 - our own table name
        f"ON CONFLICT (year) DO UPDATE SET last = {table}.last + 1 RETURNING last"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [year])
        (sequence,) = cursor.fetchone()
    return f"YSQ{year}-{int(sequence):06d}"


def query_code_hash(*, tracking_number: str, query_code: str) -> str:
    """HMAC-SHA256 of the code, keyed by SECRET_KEY and salted with the tracking number."""
    return salted_hmac(
        "gongkai.disclosure.query_code", f"{tracking_number}:{query_code}", algorithm="sha256"
    ).hexdigest()


def _new_query_code() -> str:
    return f"{secrets.randbelow(10**QUERY_CODE_LENGTH):0{QUERY_CODE_LENGTH}d}"


# --- The reply clock ----------------------------------------------------------------------------


def reply_clock(application: Application) -> DeadlineClock | None:
    return calendar.clock_get(owner=application, purpose=REPLY_CLOCK)


def _open_consultations(application: Application) -> bool:
    return application.consultations.filter(answer=ConsultationAnswer.PENDING).exists()


def _should_pause(application: Application) -> bool:
    """Art. 30, 32–34, 109号: waiting for the applicant or for an opinion does not count."""
    return application.status in (Status.CORRECTION, Status.AWAITING_FEE) or _open_consultations(application)


def _clock_paused(clock: DeadlineClock) -> bool:
    return clock.pauses.filter(resumed_at__isnull=True).exists()


def _sync_pause(application: Application, *, on: datetime.date, reason: str, actor: Any = None) -> None:
    """Pause or resume the clock so that it runs exactly when nothing is awaited."""
    clock = reply_clock(application)
    if clock is None or clock.stopped_at is not None:
        return
    paused = _clock_paused(clock)
    wanted = _should_pause(application)
    at = day_start(on)
    if wanted and not paused:
        last = clock.pauses.filter(resumed_at__isnull=False).order_by("-resumed_at").first()
        floor = max(clock.started_at, last.resumed_at if last and last.resumed_at else clock.started_at)
        clocks.clock_pause(clock=clock, reason=reason, at=max(at, floor), actor=_user_or_none(actor))
    elif paused and not wanted:
        pause = clock.pauses.get(resumed_at__isnull=True)
        clocks.clock_resume(clock=clock, at=max(at, pause.paused_at))


def _refresh_due(application: Application) -> list[str]:
    """Copy the clock's due date to ``reply_due_on`` (None while correcting or when stopped)."""
    clock = reply_clock(application)
    if clock is None or clock.stopped_at is not None or application.status == Status.CORRECTION:
        application.reply_due_on = None
    else:
        application.reply_due_on = calendar.clock_status(clock=clock).due_date
    return ["reply_due_on"]


def reply_clock_status(application: Application, *, now: datetime.datetime | None = None) -> Any:
    """The ``ClockStatus`` of the reply clock (due date, remaining, paused, overdue), or None."""
    clock = reply_clock(application)
    return calendar.clock_status(clock=clock, now=now) if clock is not None else None


def _stop_clock(application: Application, *, on: datetime.date) -> None:
    clock = reply_clock(application)
    if clock is not None and clock.stopped_at is None:
        clocks.clock_stop(clock=clock, at=max(day_start(on), clock.started_at))


# --- Notifications ------------------------------------------------------------------------------


def _notify_applicant(
    application: Application,
    *,
    kind: str,
    subject: str,
    body: str,
    params: dict[str, Any] | None = None,
    key: str = "",
) -> None:
    """SMS to a mobile number and/or e-mail; the idempotency key names the cause."""
    from gongkai.core.outbox.services import outbox_enqueue

    cause = f"disclosure:{application.pk}:{kind}{(':' + key) if key else ''}"
    if is_mobile_number(application.phone):
        outbox_enqueue(
            channel="sms",
            recipient=application.phone,
            payload={
                "template": sms_template(kind),
                "params": {"tracking_number": application.tracking_number, **(params or {})},
            },
            idempotency_key=f"{cause}:sms",
            source=application,
        )
    if application.email:
        outbox_enqueue(
            channel="email",
            recipient=application.email,
            payload={"subject": subject, "body": body},
            idempotency_key=f"{cause}:email",
            source=application,
        )


def _office_users() -> Any:
    from gongkai.accounts.selectors import users_with_role

    return users_with_role("disclosure_office")


def _department_clerks(application: Application) -> Any:
    from gongkai.accounts.selectors import users_with_role

    return users_with_role("disclosure_clerk", department=application.department)


def _notify_staff(
    application: Application, users: Any, *, key: str, subject: str, body: str, due: str = ""
) -> int:
    from gongkai.core.outbox.services import outbox_notify_users

    return outbox_notify_users(
        users,
        key=key,
        subject=subject,
        body=body,
        sms_template=sms_template("staff"),
        sms_params={"tracking_number": application.tracking_number, "due": due},
        source=application,
    )


# --- Intake (条例第二十九条至第三十一条) ---------------------------------------------------------


def _received_on(
    *,
    channel: str,
    submitted_at: datetime.datetime,
    received_on: datetime.date | None,
    staff: bool,
) -> datetime.date:
    submitted_day = calendar.local_date(moment=submitted_at)
    if channel == IntakeChannel.ONLINE and not staff:
        # 通过互联网渠道提交：双方确认之日 — the system confirms at once.
        return submitted_day
    if received_on is None and channel in SAME_DAY_CHANNELS:
        received_on = submitted_day
    labels: dict[str, str] = {
        IntakeChannel.POST: _("签收日期"),
        IntakeChannel.ORDINARY_LETTER: _("与申请人确认日期"),
        IntakeChannel.FAX: _("与申请人确认日期"),
    }
    label = labels.get(channel, _("收到申请日期"))
    return _check_date(
        received_on,
        field="received_on",
        label=label,
        not_before=EARLIEST_RECEIPT,
        not_before_label=_("《政府信息公开条例》施行之日"),
    )


def application_submit(
    *,
    department: Department,
    applicant_type: str,
    applicant_name: str,
    phone: str = "",
    email: str = "",
    address: str = "",
    postal_code: str = "",
    id_type: str = "",
    id_number: str = "",
    legal_representative: str = "",
    contact_name: str = "",
    description: str = "",
    provision_form: str = "",
    provision_channel: str = "",
    channel: str = IntakeChannel.ONLINE,
    submitted_at: datetime.datetime | None = None,
    received_on: datetime.date | None = None,
    actor: Any = None,
    request: Any = None,
) -> tuple[Application, str]:
    """Register an application; returns it and its query code (shown once, only its hash is kept).

    Bad values (a phone, an e-mail, an ID number's check digit, a choice) and an application
    without a name or any way to reach the applicant are refused (``ValidationError``). Missing
    elements of Art. 29 are not errors: the application is registered with ``missing_items`` and
    the one correction notice listing them goes out at once (status ``correction``).

    Channels other than online are registered by staff (``disclosure.add_application`` and access
    to ``department``) with the receipt date of Art. 31: post → 签收日, ordinary letter and fax →
    the day confirmed with the applicant (both required), in person and oral → the day submitted.
    """
    staff = _is_staff(actor)
    channel = _choice(channel, IntakeChannel, field="channel", label=_("提交方式"))
    if channel != IntakeChannel.ONLINE and not staff:
        raise TransitionNotAllowed(_("线下收到的申请须由工作人员登记。"), code="permission_denied")
    if staff and (
        not actor.has_perm("disclosure.add_application") or not can_access_department(actor, department)
    ):
        raise TransitionNotAllowed(_("无权为该机关登记政府信息公开申请。"), code="permission_denied")
    if department is None or not isinstance(department, Department) or not department.is_active:
        raise ValidationError({"department": _("请选择受理机关。")})
    applicant_type = _choice(applicant_type, ApplicantType, field="applicant_type", label=_("申请人类型"))
    name = _text(
        applicant_name, field="applicant_name", label=_("申请人姓名或名称"), max_length=100, required=True
    )
    contacts = _clean_contacts(phone=phone, email=email, address=address, postal_code=postal_code)
    if not (contacts["phone"] or contacts["email"] or contacts["address"]):
        raise ValidationError(
            {"phone": _("请至少填写一种联系方式（联系电话、电子邮箱或通信地址），以便送达答复。")}
        )
    id_type, id_number = _clean_identity(applicant_type=applicant_type, id_type=id_type, id_number=id_number)
    legal_representative = _text(
        legal_representative, field="legal_representative", label=_("法定代表人或负责人"), max_length=50
    )
    contact_name = _text(contact_name, field="contact_name", label=_("联系人"), max_length=50)
    description = _text(description, field="description", label=_("所需信息描述"), max_length=10000)
    provision_form = _choice(
        provision_form, ProvisionForm, field="provision_form", label=_("提供载体形式"), blank=True
    )
    provision_channel = _choice(
        provision_channel, ProvisionChannel, field="provision_channel", label=_("获取方式"), blank=True
    )
    now = timezone.now()
    if submitted_at is None or not staff:
        submitted_at = now
    if timezone.is_naive(submitted_at):
        raise ValidationError({"submitted_at": _("提交时间格式不正确。")})
    if submitted_at > now:
        raise ValidationError({"submitted_at": _("提交时间不能晚于现在。")})
    received = _received_on(channel=channel, submitted_at=submitted_at, received_on=received_on, staff=staff)
    if received < calendar.local_date(moment=submitted_at) and channel in SAME_DAY_CHANNELS:
        raise ValidationError({"received_on": _("收到申请日期不能早于提交日期。")})
    code = _new_query_code()
    with transaction.atomic():
        number = next_tracking_number(year=received.year)
        application = Application(
            tracking_number=number,
            query_code_hash=query_code_hash(tracking_number=number, query_code=code),
            department=department,
            applicant_type=applicant_type,
            applicant_name=name,
            id_type=id_type,
            id_number=id_number,
            legal_representative=legal_representative,
            contact_name=contact_name,
            description=description,
            provision_form=provision_form,
            provision_channel=provision_channel,
            channel=channel,
            submitted_at=submitted_at,
            received_on=received,
            registered_by=_user_or_none(actor),
            **contacts,
        )
        application.missing_items = missing_items_of(application)
        if application.missing_items:
            application.status = Status.CORRECTION
        application.save()
        clocks.clock_start(
            owner=application,
            purpose=REPLY_CLOCK,
            unit=ClockUnit.WORKING_DAYS,
            budget=REPLY_DAYS,
            started_at=day_start(received),
        )
        _log(
            application,
            action="submitted",
            actor=actor,
            public_text=_("已收到您的政府信息公开申请（%(channel)s），收到申请日期为 %(date)s。")
            % {"channel": application.get_channel_display(), "date": _fmt(received)},
        )
        audit_record(
            actor=_user_or_none(actor),
            action="disclosure_application.submitted",
            target=application,
            new={
                "tracking_number": number,
                "department": department.pk,
                "channel": channel,
                "received_on": received,
                "status": application.status,
                "missing_items": application.missing_items,
            },
            request=request,
        )
        if application.missing_items:
            _issue_correction(
                application,
                items=missing_items_text(application.missing_items),
                due_on=None,
                actor=actor,
            )
        _refresh_due(application)
        application.save(update_fields=["reply_due_on", "applicant_due_on"])
        _notify_applicant(
            application,
            kind="received",
            subject=_("【政府信息公开】已收到您的申请 %(number)s") % {"number": number},
            body=_(
                "您向%(department)s提交的政府信息公开申请已收到，申请编号 %(number)s，收到申请日期 %(date)s。"
                "可凭申请编号和查询码在吉林市政府信息公开平台查询办理进度。"
            )
            % {"department": department.name, "number": number, "date": _fmt(received)},
        )
    return application, code


def application_lookup(*, tracking_number: str, query_code: str) -> Application | None:
    """The application if the tracking number and query code match, else ``None`` (the same for an
    unknown number and a wrong code; the HMAC is compared in constant time either way). Rate
    limiting is the caller's job."""
    number = (tracking_number or "").strip().upper()[:20]
    code = (query_code or "").strip()[:QUERY_CODE_LENGTH]
    application = None
    if TRACKING_PATTERN.match(number):
        application = Application.objects.select_related("department").filter(tracking_number=number).first()
    expected = application.query_code_hash if application is not None else "0" * 64
    given = query_code_hash(tracking_number=number, query_code=code)
    matched = constant_time_compare(expected, given)
    if matched and application is not None and code.isdigit() and len(code) == QUERY_CODE_LENGTH:
        return application
    return None


# --- Review and acceptance ---------------------------------------------------------------------


def application_review(
    *, application: Application | int, actor: Any, handler: Any = None, request: Any = None
) -> Application:
    """登记 → 审核: a clerk takes the application up (and names the handler, default the actor)."""
    application = _load(application)
    _require_access(actor, application)
    handler = handler or actor
    if not handler.is_active or not can_access_department(handler, application.department_id):
        raise ValidationError({"handler": _("承办人必须是本机关的在职工作人员。")})
    if not handler.has_perm(HANDLE):
        raise ValidationError({"handler": _("承办人没有办理政府信息公开申请的权限。")})

    def apply(obj: Application) -> list[str]:
        obj.handler = handler
        _log(obj, action="review", actor=actor, public_text=_("申请已进入审核。"))
        return ["handler"]

    return run_transition(
        GRAPH, model=Application, pk=application.pk, name="review", actor=actor, apply=apply, request=request
    )


def application_accept(*, application: Application | int, actor: Any, request: Any = None) -> Application:
    """审核 → 办理: the application is complete and clear; the handler searches for the information."""
    application = _load(application)
    _require_access(actor, application)

    def apply(obj: Application) -> list[str]:
        changed = []
        if obj.handler_id is None:
            obj.handler = actor
            changed.append("handler")
        _log(obj, action="accept", actor=actor, public_text=_("申请已受理，正在办理。"))
        return changed

    return run_transition(
        GRAPH, model=Application, pk=application.pk, name="accept", actor=actor, apply=apply, request=request
    )


# --- Correction (条例第三十条) -------------------------------------------------------------------


def correction_deadline(application: Application) -> datetime.date:
    """The last day the one correction notice may go out: 7 working days after receipt."""
    return calendar.add_working_days(start=application.received_on, days=CORRECTION_NOTICE_DAYS)


def _issue_correction(
    application: Application, *, items: str, due_on: datetime.date | None, actor: Any
) -> CorrectionNotice:
    """Write the notice, pause the clock, log and tell the applicant (inside the caller's transaction)."""
    issued = today()
    due = due_on or calendar.add_working_days(start=issued, days=correction_days())
    notice = CorrectionNotice.objects.create(
        application=application, issued_on=issued, items=items, due_on=due, issued_by=_user_or_none(actor)
    )
    application.applicant_due_on = due
    _sync_pause(application, on=issued, reason=_("等待申请人补正"), actor=actor)
    text = _(
        "请在 %(due)s 前补正以下内容（一次性告知）：\n%(items)s\n答复期限自收到补正后的申请之日起重新计算。"
    ) % {
        "due": _fmt(due),
        "items": items,
    }
    _log(application, action="correction_requested", actor=actor, public_text=text)
    _notify_applicant(
        application,
        kind="correction",
        subject=_("【政府信息公开】申请 %(number)s 需要补正") % {"number": application.tracking_number},
        body=_("您的政府信息公开申请 %(number)s 需要补正。") % {"number": application.tracking_number}
        + "\n"
        + text,
        params={"due": _fmt(due)},
    )
    return notice


def correction_request(
    *,
    application: Application | int,
    actor: Any,
    items: str | Iterable[str],
    due_on: datetime.date | None = None,
    request: Any = None,
) -> Application:
    """The one correction notice (一次性告知), within 7 working days of receipt.

    ``items`` lists everything to correct (text or lines); ``due_on`` defaults to
    ``GONGKAI_DISCLOSURE_CORRECTION_DAYS`` (15) working days from today. The reply clock waits.
    """
    application = _load(application)
    _require_access(actor, application)
    if isinstance(items, str):
        text = items.strip()
    else:
        text = "\n".join(str(item).strip() for item in items if str(item).strip())
    if not text:
        raise ValidationError({"items": _("请写明需要补正的全部事项。")})
    if len(text) > 5000:
        raise ValidationError({"items": _("补正事项不能超过 5000 个字。")})
    now = today()
    if due_on is not None and due_on <= now:
        raise ValidationError({"due_on": _("补正期限必须晚于今天。")})
    if CorrectionNotice.objects.filter(application=application).exists():
        raise TransitionNotAllowed(
            _("补正告知只能发出一次（条例第三十条：一次性告知），本申请已发出过补正告知。"),
            code="correction_already_issued",
        )
    last_day = correction_deadline(application)
    if now > last_day:
        raise TransitionNotAllowed(
            _("补正告知应当自收到申请之日起7个工作日内发出（最迟 %(date)s），现已超过期限。")
            % {"date": _fmt(last_day)},
            code="correction_too_late",
        )

    def apply(obj: Application) -> list[str]:
        _issue_correction(obj, items=text, due_on=due_on, actor=actor)
        return ["applicant_due_on", *_refresh_due(obj)]

    return run_transition(
        GRAPH,
        model=Application,
        pk=application.pk,
        name="request_correction",
        actor=actor,
        apply=apply,
        request=request,
    )


CORRECTABLE_FIELDS = (
    "id_type",
    "id_number",
    "legal_representative",
    "contact_name",
    "phone",
    "email",
    "address",
    "postal_code",
    "provision_form",
    "provision_channel",
)


def correction_receive(
    *,
    application: Application | int,
    description: str,
    corrected_on: datetime.date | None = None,
    actor: Any = None,
    request: Any = None,
    **other_fields: Any,
) -> Application:
    """The corrected application arrives (online from the applicant, ``actor=None``, or entered by
    staff): fills what was missing, keeps the first text in ``original_description``, and restarts
    the reply clock from ``corrected_on`` (default today; the whole 20 days count again)."""
    application = _load(application)
    unknown = set(other_fields) - set(CORRECTABLE_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("不能补正此项。")})
    staff = _is_staff(actor)
    if staff:
        _require_access(actor, application)
    notice = CorrectionNotice.objects.filter(application=application).first()
    if application.status != Status.CORRECTION or notice is None:
        raise TransitionNotAllowed(_("该申请不在待补正状态。"), code="invalid_state")
    on = _check_date(
        corrected_on if staff else None,
        field="corrected_on",
        label=_("收到补正日期"),
        not_before=notice.issued_on,
        not_before_label=_("补正告知日期"),
        default=today(),
    )
    if not staff and on > notice.due_on:
        raise TransitionNotAllowed(
            _("补正期限（%(date)s）已过，不能再在线补正。") % {"date": _fmt(notice.due_on)},
            code="correction_overdue",
        )
    text = _text(description, field="description", label=_("所需信息描述"), max_length=10000)
    merged: dict[str, Any] = {field: getattr(application, field) for field in CORRECTABLE_FIELDS}
    merged.update({k: v for k, v in other_fields.items() if v not in (None, "")})
    contacts = _clean_contacts(
        phone=merged["phone"],
        email=merged["email"],
        address=merged["address"],
        postal_code=merged["postal_code"],
    )
    if not (contacts["phone"] or contacts["email"] or contacts["address"]):
        raise ValidationError({"phone": _("请至少填写一种联系方式（联系电话、电子邮箱或通信地址）。")})
    id_type, id_number = _clean_identity(
        applicant_type=application.applicant_type, id_type=merged["id_type"], id_number=merged["id_number"]
    )
    values = {
        **contacts,
        "id_type": id_type,
        "id_number": id_number,
        "legal_representative": _text(
            merged["legal_representative"],
            field="legal_representative",
            label=_("法定代表人或负责人"),
            max_length=50,
        ),
        "contact_name": _text(merged["contact_name"], field="contact_name", label=_("联系人"), max_length=50),
        "provision_form": _choice(
            merged["provision_form"],
            ProvisionForm,
            field="provision_form",
            label=_("提供载体形式"),
            blank=True,
        ),
        "provision_channel": _choice(
            merged["provision_channel"],
            ProvisionChannel,
            field="provision_channel",
            label=_("获取方式"),
            blank=True,
        ),
    }
    if not text:
        text = application.description
    agent = actor if staff else APPLICANT

    def apply(obj: Application) -> list[str]:
        changed = ["description", "original_description", "missing_items", "applicant_due_on"]
        if not obj.original_description:
            obj.original_description = obj.description
        obj.description = text
        for field, value in values.items():
            if getattr(obj, field) != value:
                setattr(obj, field, value)
                changed.append(field)
        obj.missing_items = missing_items_of(obj)
        obj.applicant_due_on = None
        CorrectionNotice.objects.filter(pk=notice.pk).update(corrected_on=on, corrected_description=text)
        clock = reply_clock(obj)
        if clock is not None:
            clocks.clock_restart(clock=clock, at=day_start(on))
        _log(
            obj,
            action="correction_received",
            actor=actor,
            public_text=_("已收到补正后的申请（%(date)s），答复期限自该日起重新计算。") % {"date": _fmt(on)},
        )
        # The state changes after apply(): refresh with the new state in mind.
        obj.status = Status.REVIEWING
        _sync_pause(obj, on=on, reason=_("征求意见"), actor=actor)
        return [*changed, *_refresh_due(obj)]

    return run_transition(
        GRAPH,
        model=Application,
        pk=application.pk,
        name="receive_correction",
        actor=agent,
        apply=apply,
        request=request,
        note="" if staff else _("申请人在线补正"),
    )


def _conclude(obj: Application, *, reply_type: str, ground: str, on: datetime.date) -> list[str]:
    obj.reply_type = reply_type
    obj.ground = ground
    obj.outcome = outcome_of(ground)
    obj.concluded_on = on
    obj.applicant_due_on = None
    _stop_clock(obj, on=on)
    obj.reply_due_on = None
    return ["reply_type", "ground", "outcome", "concluded_on", "applicant_due_on", "reply_due_on"]


def _lapse(
    *,
    application: Application | int,
    actor: Any,
    request: Any,
    notice_model: Any,
    due_field: str,
    status: str,
    not_in_state: str,
    not_yet_due: str,
    ground: str,
    action: str,
    transition: str,
    public_text: str,
    body: str,
    system_note: str,
) -> Application:
    """An applicant's deadline passed without the correction or the fee: the application is
    terminated with ``ground`` (Table 3 其他处理), the notice marked lapsed, the applicant told.
    ``public_text`` takes ``%(date)s`` (the deadline), ``body`` ``%(number)s``."""
    application = _load(application)
    staff = _is_staff(actor)
    if staff:
        _require_access(actor, application)
    notice = notice_model.objects.filter(application=application).first()
    if notice is None or application.status != status:
        raise TransitionNotAllowed(not_in_state, code="invalid_state")
    due_on = getattr(notice, due_field)
    now = today()
    if now <= due_on:
        raise TransitionNotAllowed(not_yet_due % {"date": _fmt(due_on)}, code="not_yet_due")

    def apply(obj: Application) -> list[str]:
        notice_model.objects.filter(pk=notice.pk).update(lapsed=True)
        obj.status = Status.TERMINATED
        changed = _conclude(obj, reply_type=ReplyType.TERMINATED, ground=ground, on=now)
        _log(obj, action=action, actor=actor, public_text=public_text % {"date": _fmt(due_on)})
        _notify_applicant(
            obj,
            kind="terminated",
            subject=_("【政府信息公开】申请 %(number)s 已终止") % {"number": obj.tracking_number},
            body=body % {"number": obj.tracking_number},
        )
        return changed

    return run_transition(
        GRAPH,
        model=Application,
        pk=application.pk,
        name=transition,
        actor=actor if staff else SYSTEM,
        apply=apply,
        request=request,
        note="" if staff else system_note,
    )


def correction_lapse(
    *, application: Application | int, actor: Any = None, request: Any = None
) -> Application:
    """No correction by the deadline (条例第三十条：视为放弃申请): terminated, ground
    ``other_no_correction`` (Table 3 其他处理). Run by the job (``actor=None``) or by staff."""
    return _lapse(
        application=application,
        actor=actor,
        request=request,
        notice_model=CorrectionNotice,
        due_field="due_on",
        status=Status.CORRECTION,
        not_in_state=_("该申请不在待补正状态。"),
        not_yet_due=_("补正期限（%(date)s）尚未届满。"),
        ground=Ground.OTHER_NO_CORRECTION,
        action="correction_lapsed",
        transition="lapse_correction",
        public_text=_("申请人逾期（%(date)s）未补正，视为放弃申请，本机关不再处理。"),
        body=_("您的政府信息公开申请 %(number)s 逾期未补正，视为放弃申请，本机关不再处理。"),
        system_note=_("系统：补正期限届满"),
    )


# --- Consultation (条例第三十二条至第三十四条) ---------------------------------------------------


def consultation_start(
    *,
    application: Application | int,
    actor: Any,
    kind: str,
    party_name: str,
    party_contact: str = "",
    sent_on: datetime.date | None = None,
    request: Any = None,
) -> Consultation:
    """Send a consultation letter; the party has 15 working days; the reply clock waits while at
    least one consultation is open."""
    application = _load(application)
    _require_access(actor, application)
    kind = _choice(kind, ConsultationKind, field="kind", label=_("征求对象类型"))
    party = _text(party_name, field="party_name", label=_("被征求意见方"), max_length=100, required=True)
    contact = _text(party_contact, field="party_contact", label=_("联系方式"), max_length=200)
    start = _clock_start_day(application)
    sent = _check_date(
        sent_on, field="sent_on", label=_("发出征求意见书日期"), not_before=start, default=today()
    )
    due = calendar.add_working_days(start=sent, days=CONSULTATION_DAYS)
    created: list[Consultation] = []

    def apply(obj: Application) -> list[str]:
        consultation = Consultation.objects.create(
            application=obj,
            kind=kind,
            party_name=party,
            party_contact=contact,
            sent_on=sent,
            due_on=due,
            sent_by=_user_or_none(actor),
        )
        created.append(consultation)
        _sync_pause(obj, on=sent, reason=_("征求意见"), actor=actor)
        label = _("第三方") if kind == ConsultationKind.THIRD_PARTY else _("其他机关")
        _log(
            obj,
            action="consultation_started",
            actor=actor,
            public_text=_("已于 %(date)s 书面征求%(party)s意见，征求意见所需时间不计入答复期限。")
            % {"date": _fmt(sent), "party": label},
            note=f"{party} {contact}".strip(),
        )
        return _refresh_due(obj)

    run_transition(
        GRAPH, model=Application, pk=application.pk, name="consult", actor=actor, apply=apply, request=request
    )
    return created[0]


def _clock_start_day(application: Application) -> datetime.date:
    """The day the reply clock counts from: the receipt date, or the corrected application's."""
    notice = CorrectionNotice.objects.filter(application=application).first()
    if notice is not None and notice.corrected_on:
        return notice.corrected_on
    return application.received_on


def consultation_answer(
    *,
    consultation: Consultation | int,
    actor: Any,
    answer: str,
    answer_text: str = "",
    answered_on: datetime.date | None = None,
    request: Any = None,
) -> Consultation:
    """Record the party's opinion (or its silence); the clock runs again when none is open."""
    pk = consultation.pk if isinstance(consultation, Consultation) else int(consultation)
    consultation = Consultation.objects.select_related("application__department").get(pk=pk)
    application = consultation.application
    system = actor is None
    if not system:
        _require_access(actor, application)
    answer = _choice(answer, ConsultationAnswer, field="answer", label=_("意见"))
    if answer == ConsultationAnswer.PENDING:
        raise ValidationError({"answer": _("请选择意见。")})
    text = _text(answer_text, field="answer_text", label=_("意见内容"), max_length=5000)
    if consultation.answer != ConsultationAnswer.PENDING:
        raise TransitionNotAllowed(_("该征求意见已登记过意见。"), code="already_answered")
    if system:
        on = answered_on or consultation.due_on
    else:
        on = _check_date(
            answered_on,
            field="answered_on",
            label=_("收到意见日期"),
            not_before=consultation.sent_on,
            not_before_label=_("发出征求意见书日期"),
            default=today(),
        )

    def apply(obj: Application) -> list[str]:
        Consultation.objects.filter(pk=consultation.pk).update(
            answer=answer, answer_text=text, answered_on=on
        )
        _sync_pause(obj, on=on, reason=_("征求意见"), actor=actor)
        if answer == ConsultationAnswer.NO_ANSWER and consultation.kind == ConsultationKind.AGENCY:
            public = _("被征求意见机关逾期未提出意见，视为同意公开（条例第三十四条）。")
        else:
            public = _("已收到征求意见的回复（%(date)s）。") % {"date": _fmt(on)}
        _log(
            obj,
            action="consultation_answered",
            actor=actor,
            public_text=public,
            note=f"{consultation.party_name}: {ConsultationAnswer(answer).label} {text}".strip(),
        )
        return _refresh_due(obj)

    run_transition(
        GRAPH,
        model=Application,
        pk=application.pk,
        name="record_consultation",
        actor=SYSTEM if system else actor,
        apply=apply,
        request=request,
        note=_("系统：逾期未提出意见") if system else "",
    )
    consultation.refresh_from_db()
    return consultation


# --- Extension (条例第三十三条第二款) ------------------------------------------------------------


def extension_request(
    *, application: Application | int, actor: Any, days: int, reason: str, request: Any = None
) -> Extension:
    """Ask the office head to extend the reply period once by at most 20 working days."""
    application = _load(application)
    _require_access(actor, application)
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise ValidationError({"days": _("延长天数必须是整数。")}) from None
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ValidationError({"days": _("延长的期限最长不得超过20个工作日。")})
    reason = _text(reason, field="reason", label=_("延长理由"), max_length=2000, required=True)
    if Extension.objects.filter(application=application).exists():
        raise TransitionNotAllowed(_("答复期限只能延长一次，本申请已提出过延期。"), code="extension_exists")
    status = reply_clock_status(application)
    if status is not None and today() > status.due_date:
        raise TransitionNotAllowed(
            _("答复期限（%(date)s）已过，不能再申请延期。") % {"date": _fmt(status.due_date)},
            code="extension_too_late",
        )
    created: list[Extension] = []

    def apply(obj: Application) -> list[str]:
        extension = Extension.objects.create(
            application=obj, days=days, reason=reason, requested_by=actor, requested_at=timezone.now()
        )
        created.append(extension)
        _log(
            obj,
            action="extension_requested",
            actor=actor,
            note=_("申请延长 %(days)s 个工作日：%(reason)s") % {"days": days, "reason": reason},
        )
        _notify_staff(
            obj,
            [user for user in _office_users() if user.has_perm(APPROVE_EXTENSION) and user.pk != actor.pk],
            key=f"disclosure:{obj.pk}:extension-requested",
            subject=_("【政府信息公开】申请 %(number)s 请求延期答复，待审批")
            % {"number": obj.tracking_number},
            body=_("%(department)s请求将申请 %(number)s 的答复期限延长 %(days)s 个工作日，理由：%(reason)s")
            % {
                "department": obj.department.name,
                "number": obj.tracking_number,
                "days": days,
                "reason": reason,
            },
            due=_fmt(obj.reply_due_on),
        )
        return []

    run_transition(
        GRAPH,
        model=Application,
        pk=application.pk,
        name="request_extension",
        actor=actor,
        apply=apply,
        request=request,
    )
    return created[0]


def extension_decide(
    *,
    extension: Extension | int,
    actor: Any,
    approve: bool,
    notified_on: datetime.date | None = None,
    request: Any = None,
) -> Extension:
    """The office head (``disclosure.approve_extension``, not the requester) approves or refuses.
    Approval extends the clock and sends the applicant the extension notice (延期答复告知)."""
    pk = extension.pk if isinstance(extension, Extension) else int(extension)
    extension = Extension.objects.select_related("application__department").get(pk=pk)
    application = extension.application
    _require_access(actor, application, perm=APPROVE_EXTENSION)
    if extension.approved_at is not None or extension.refused:
        raise TransitionNotAllowed(_("该延期申请已审批。"), code="already_decided")
    if extension.requested_by_id == actor.pk:
        raise TransitionNotAllowed(_("不能审批自己提出的延期申请。"), code="own_request")
    notified = None
    if approve:
        notified = _check_date(
            notified_on,
            field="notified_on",
            label=_("告知申请人日期"),
            not_before=application.received_on,
            default=today(),
        )
        status = reply_clock_status(application)
        if status is not None and today() > status.due_date:
            raise TransitionNotAllowed(
                _("答复期限（%(date)s）已过，不能再批准延期。") % {"date": _fmt(status.due_date)},
                code="extension_too_late",
            )

    def apply(obj: Application) -> list[str]:
        now = timezone.now()
        if not approve:
            Extension.objects.filter(pk=extension.pk).update(refused=True, approved_by=actor, approved_at=now)
            _log(obj, action="extension_refused", actor=actor, note=_("延期申请未获批准。"))
            return []
        Extension.objects.filter(pk=extension.pk).update(
            approved_by=actor, approved_at=now, notified_on=notified
        )
        clock = reply_clock(obj)
        if clock is not None:
            clocks.clock_extend(
                clock=clock,
                amount=extension.days,
                reason=_("经政府信息公开工作机构负责人同意延长答复期限"),
                at=max(day_start(today()), clock.started_at),
                actor=actor,
            )
        changed = _refresh_due(obj)
        text = _(
            "因%(reason)s，经政府信息公开工作机构负责人同意，答复期限延长 %(days)s 个工作日，至 %(due)s。"
        ) % {"reason": extension.reason, "days": extension.days, "due": _fmt(obj.reply_due_on)}
        _log(obj, action="extension_approved", actor=actor, public_text=text)
        _notify_applicant(
            obj,
            kind="extension",
            subject=_("【政府信息公开】申请 %(number)s 延期答复告知") % {"number": obj.tracking_number},
            body=text,
            params={"due": _fmt(obj.reply_due_on)},
        )
        return changed

    run_transition(
        GRAPH,
        model=Application,
        pk=application.pk,
        name="decide_extension",
        actor=actor,
        apply=apply,
        request=request,
    )
    extension.refresh_from_db()
    return extension


# --- Fees (国办函〔2020〕109号) --------------------------------------------------------------------


def applicant_month_rank(application: Application) -> int:
    """This application's rank among the same applicant's applications to the same agency received
    in the same calendar month (第四条: 同一申请人一个自然月内累计申请), by receipt date then number.

    The same applicant: the same ID number (or credit code) when known, else the same name and the
    same phone or e-mail."""
    same = Application.objects.filter(
        department_id=application.department_id,
        received_on__year=application.received_on.year,
        received_on__month=application.received_on.month,
    )
    if application.id_number:
        same = same.filter(id_number=application.id_number)
    else:
        contact = Q(pk=application.pk)
        if application.phone:
            contact |= Q(phone=application.phone)
        if application.email:
            contact |= Q(email=application.email)
        same = same.filter(applicant_name=application.applicant_name).filter(contact)
    earlier = Q(received_on__lt=application.received_on) | Q(
        received_on=application.received_on, pk__lte=application.pk
    )
    return same.filter(earlier).count()


def fee_quote_for(*, application: Application, method: str, pages: int | None = None) -> fees.FeeQuote:
    method = _choice(method, FeeMethod, field="method", label=_("计收方式"))
    if method == FeeMethod.PER_PAGE:
        if pages is None:
            raise ValidationError({"pages": _("按量计收须填写页数。")})
        try:
            pages = int(pages)
        except (TypeError, ValueError):
            raise ValidationError({"pages": _("页数必须是整数。")}) from None
        if pages < 1 or pages > 1_000_000:
            raise ValidationError({"pages": _("页数无效。")})
        return fees.fee_per_page(pages=pages)
    if pages is not None:
        raise ValidationError({"pages": _("按件计收与按量计收不得同时适用。")})
    return fees.fee_per_application(rank=applicant_month_rank(application))


def fee_notice_issue(
    *,
    application: Application | int,
    actor: Any,
    method: str,
    pages: int | None = None,
    request: Any = None,
) -> FeeNotice:
    """Send the fee notice (one method, never both); refused when nothing is due. The applicant has
    ``GONGKAI_DISCLOSURE_FEE_DAYS`` (20) working days to pay; the reply clock waits meanwhile."""
    application = _load(application)
    _require_access(actor, application)
    quote = fee_quote_for(application=application, method=method, pages=pages)
    if not quote.is_due:
        raise TransitionNotAllowed(
            _("按%(method)s计算无需收费（未超出免费范围），不能发出收费通知。")
            % {"method": _("件") if quote.method == FeeMethod.PER_APPLICATION else _("量")},
            code="no_fee_due",
        )
    if FeeNotice.objects.filter(application=application).exists():
        raise TransitionNotAllowed(_("本申请已发出过收费通知。"), code="fee_notice_exists")
    issued = today()
    pay_by = calendar.add_working_days(start=issued, days=fee_days())
    created: list[FeeNotice] = []

    def apply(obj: Application) -> list[str]:
        notice = FeeNotice.objects.create(
            application=obj,
            method=quote.method,
            quantity=quote.quantity,
            amount=quote.amount,
            breakdown=quote.breakdown(),
            issued_on=issued,
            pay_by=pay_by,
            issued_by=_user_or_none(actor),
        )
        created.append(notice)
        obj.applicant_due_on = pay_by
        _sync_pause(obj, on=issued, reason=_("等待缴纳信息处理费"), actor=actor)
        text = _(
            "需缴纳信息处理费 %(amount)s 元（%(method)s），请在 %(due)s 前缴纳，逾期未缴纳视为放弃申请。"
        ) % {
            "amount": quote.amount,
            "method": FeeMethod(quote.method).label,
            "due": _fmt(pay_by),
        }
        _log(obj, action="fee_notice_issued", actor=actor, public_text=text)
        _notify_applicant(
            obj,
            kind="fee",
            subject=_("【政府信息公开】申请 %(number)s 收费通知") % {"number": obj.tracking_number},
            body=text,
            params={"amount": str(quote.amount), "due": _fmt(pay_by)},
        )
        return ["applicant_due_on", *_refresh_due(obj)]

    run_transition(
        GRAPH,
        model=Application,
        pk=application.pk,
        name="issue_fee_notice",
        actor=actor,
        apply=apply,
        request=request,
    )
    return created[0]


def fee_payment_record(
    *, application: Application | int, actor: Any, paid_on: datetime.date | None = None, request: Any = None
) -> Application:
    """The fee was paid: the clock runs again from the payment date."""
    application = _load(application)
    _require_access(actor, application)
    notice = FeeNotice.objects.filter(application=application).first()
    if notice is None or application.status != Status.AWAITING_FEE:
        raise TransitionNotAllowed(_("该申请不在待缴费状态。"), code="invalid_state")
    paid = _check_date(
        paid_on,
        field="paid_on",
        label=_("缴费日期"),
        not_before=notice.issued_on,
        not_before_label=_("收费通知日期"),
        default=today(),
    )

    def apply(obj: Application) -> list[str]:
        FeeNotice.objects.filter(pk=notice.pk).update(paid_on=paid)
        obj.applicant_due_on = None
        obj.status = Status.HANDLING
        _sync_pause(obj, on=paid, reason=_("等待缴纳信息处理费"), actor=actor)
        _log(
            obj,
            action="fee_paid",
            actor=actor,
            public_text=_("已收到信息处理费（%(date)s），继续办理。") % {"date": _fmt(paid)},
        )
        return ["applicant_due_on", *_refresh_due(obj)]

    return run_transition(
        GRAPH,
        model=Application,
        pk=application.pk,
        name="record_payment",
        actor=actor,
        apply=apply,
        request=request,
    )


def fee_lapse(*, application: Application | int, actor: Any = None, request: Any = None) -> Application:
    """Not paid by the deadline: terminated, ground ``other_no_fee`` (job or staff)."""
    return _lapse(
        application=application,
        actor=actor,
        request=request,
        notice_model=FeeNotice,
        due_field="pay_by",
        status=Status.AWAITING_FEE,
        not_in_state=_("该申请不在待缴费状态。"),
        not_yet_due=_("缴费期限（%(date)s）尚未届满。"),
        ground=Ground.OTHER_NO_FEE,
        action="fee_lapsed",
        transition="lapse_fee",
        public_text=_("申请人逾期（%(date)s）未缴纳信息处理费，视为放弃申请，本机关不再处理。"),
        body=_("您的政府信息公开申请 %(number)s 逾期未缴纳信息处理费，视为放弃申请，本机关不再处理。"),
        system_note=_("系统：缴费期限届满"),
    )


# --- Reply, termination, delivery, archive -------------------------------------------------------


def _attach_letter(reply_pk: int) -> None:
    """After commit: the letter helper renders DOCX/PDF; a failure keeps the reply (regenerate later)."""
    try:
        from gongkai.disclosure import letters

        reply = Reply.objects.select_related("application__department").get(pk=reply_pk)
        letters.reply_letter_attach(reply=reply)
    except Exception:  # noqa: BLE001 - the reply stands; the workspace can regenerate the letter
        logger.exception("disclosure: could not attach the reply letter of reply %s", reply_pk)


def application_reply(
    *,
    application: Application | int,
    actor: Any,
    reply_type: str,
    ground: str,
    body: str,
    partial_withheld_ground: str = "",
    other_agency: str = "",
    other_agency_contact: str = "",
    replied_on: datetime.date | None = None,
    request: Any = None,
) -> Reply:
    """Answer the application (条例第三十六条、第三十七条) with a ground that fits the reply type."""
    application = _load(application)
    _require_access(actor, application)
    reply_type = _choice(reply_type, ReplyType, field="reply_type", label=_("答复类型"))
    if reply_type == ReplyType.TERMINATED:
        raise ValidationError({"reply_type": _("终止处理请使用“终止处理”操作。")})
    ground = _choice(ground, Ground, field="ground", label=_("办理结果依据"))
    if not ground_allowed(reply_type=reply_type, ground=ground):
        allowed = "、".join(str(Ground(g).label) for g in ALLOWED_GROUNDS[reply_type])
        raise TransitionNotAllowed(
            _("答复类型“%(type)s”不能以“%(ground)s”为依据（可选：%(allowed)s）。")
            % {"type": ReplyType(reply_type).label, "ground": Ground(ground).label, "allowed": allowed},
            code="ground_not_allowed",
        )
    withheld = ""
    if reply_type == ReplyType.PARTIAL:
        withheld = str(partial_withheld_ground or "").strip()
        if withheld not in PARTIAL_WITHHELD_GROUNDS:
            raise ValidationError(
                {"partial_withheld_ground": _("部分公开须写明不予公开部分的理由（不予公开的依据之一）。")}
            )
    text = _text(body, field="body", label=_("答复内容"), max_length=20000, required=True)
    agency = _text(other_agency, field="other_agency", label=_("负责公开的机关"), max_length=200)
    agency_contact = _text(
        other_agency_contact, field="other_agency_contact", label=_("该机关联系方式"), max_length=200
    )
    if reply_type == ReplyType.NOT_THIS_AGENCY:
        if agency_contact and not agency:
            raise ValidationError({"other_agency": _("填写了联系方式时，请写明负责公开的机关名称。")})
    else:
        agency, agency_contact = "", ""
    on = _check_date(
        replied_on,
        field="replied_on",
        label=_("答复日期"),
        not_before=_clock_start_day(application),
        default=today(),
    )
    if _open_consultations(application):
        raise TransitionNotAllowed(
            _("尚有征求意见未收到回复，请先登记意见（或逾期未提出意见）再答复。"), code="consultation_open"
        )
    created: list[Reply] = []

    def apply(obj: Application) -> list[str]:
        reply = Reply.objects.create(
            application=obj,
            reply_type=reply_type,
            ground=ground,
            partial_withheld_ground=withheld,
            replied_on=on,
            body=text,
            other_agency=agency,
            other_agency_contact=agency_contact,
            replied_by=_user_or_none(actor),
        )
        created.append(reply)
        changed = _conclude(obj, reply_type=reply_type, ground=ground, on=on)
        _log(
            obj,
            action="replied",
            actor=actor,
            public_text=_("已于 %(date)s 作出答复：%(type)s。")
            % {"date": _fmt(on), "type": ReplyType(reply_type).label},
        )
        _notify_applicant(
            obj,
            kind="replied",
            subject=_("【政府信息公开】申请 %(number)s 已答复") % {"number": obj.tracking_number},
            body=_(
                "您的政府信息公开申请 %(number)s 已于 %(date)s 作出答复（%(type)s），答复书将按您选择的方式送达。"
            )
            % {"number": obj.tracking_number, "date": _fmt(on), "type": ReplyType(reply_type).label},
        )
        return changed

    run_transition(
        GRAPH,
        model=Application,
        pk=application.pk,
        name="reply",
        actor=actor,
        apply=apply,
        request=request,
        on_commit=lambda obj: _attach_letter(created[0].pk),
    )
    return created[0]


def application_terminate(
    *, application: Application | int, actor: Any, ground: str, reason: str, request: Any = None
) -> Application:
    """End the application without a reply (e.g. withdrawn by the applicant: ground ``other_other``)."""
    application = _load(application)
    _require_access(actor, application)
    if ground not in OTHER_GROUNDS:
        raise ValidationError({"ground": _("终止处理的依据须为“其他处理”之一。")})
    reason = _text(reason, field="reason", label=_("终止理由"), max_length=2000, required=True)
    now = today()

    def apply(obj: Application) -> list[str]:
        if ground == Ground.OTHER_NO_CORRECTION:
            CorrectionNotice.objects.filter(application=obj).update(lapsed=True)
        if ground == Ground.OTHER_NO_FEE:
            FeeNotice.objects.filter(application=obj).update(lapsed=True)
        changed = _conclude(obj, reply_type=ReplyType.TERMINATED, ground=ground, on=now)
        _log(
            obj,
            action="terminated",
            actor=actor,
            public_text=_("申请已终止处理：%(reason)s") % {"reason": redact_text(reason)},
        )
        _notify_applicant(
            obj,
            kind="terminated",
            subject=_("【政府信息公开】申请 %(number)s 已终止") % {"number": obj.tracking_number},
            body=_("您的政府信息公开申请 %(number)s 已终止处理：%(reason)s")
            % {"number": obj.tracking_number, "reason": reason},
        )
        return changed

    return run_transition(
        GRAPH,
        model=Application,
        pk=application.pk,
        name="terminate",
        actor=actor,
        apply=apply,
        request=request,
        note=reason,
    )


def delivery_record(
    *,
    application: Application | int,
    actor: Any,
    delivered_on: datetime.date | None = None,
    channel: str,
    request: Any = None,
) -> Reply:
    """The reply letter reached the applicant (送达)."""
    application = _load(application)
    _require_access(actor, application)
    reply = Reply.objects.filter(application=application).first()
    if reply is None:
        raise TransitionNotAllowed(_("该申请尚未答复。"), code="invalid_state")
    if reply.delivered_on is not None:
        raise TransitionNotAllowed(_("已登记送达。"), code="already_delivered")
    channel = _choice(channel, ProvisionChannel, field="channel", label=_("送达方式"))
    on = _check_date(
        delivered_on,
        field="delivered_on",
        label=_("送达日期"),
        not_before=reply.replied_on,
        not_before_label=_("答复日期"),
        default=today(),
    )

    def apply(obj: Application) -> list[str]:
        Reply.objects.filter(pk=reply.pk).update(delivered_on=on, delivery_channel=channel)
        _log(
            obj,
            action="delivered",
            actor=actor,
            public_text=_("答复书已于 %(date)s 送达（%(channel)s）。")
            % {"date": _fmt(on), "channel": ProvisionChannel(channel).label},
        )
        return []

    run_transition(
        GRAPH,
        model=Application,
        pk=application.pk,
        name="record_delivery",
        actor=actor,
        apply=apply,
        request=request,
    )
    reply.refresh_from_db()
    return reply


def application_archive(*, application: Application | int, actor: Any, request: Any = None) -> Application:
    """归档: a replied application once its letter is delivered, or a terminated one."""
    application = _load(application)
    _require_access(actor, application)
    if application.status == Status.REPLIED:
        reply = Reply.objects.filter(application=application).first()
        if reply is None or reply.delivered_on is None:
            raise TransitionNotAllowed(_("答复书尚未登记送达，不能归档。"), code="not_delivered")

    def apply(obj: Application) -> list[str]:
        obj.archived_at = timezone.now()
        _log(obj, action="archived", actor=actor, public_text=_("办理完毕，已归档。"))
        return ["archived_at"]

    return run_transition(
        GRAPH, model=Application, pk=application.pk, name="archive", actor=actor, apply=apply, request=request
    )


# --- Reconsideration and litigation (Table 4) ---------------------------------------------------


def review_case_save(
    *,
    actor: Any,
    department: Department,
    kind: str,
    body: str,
    filed_on: datetime.date,
    case_number: str = "",
    application: Application | None = None,
    outcome: str = ReviewOutcome.PENDING,
    concluded_on: datetime.date | None = None,
    note: str = "",
    case: ReviewCase | None = None,
    request: Any = None,
) -> ReviewCase:
    """Create (``case=None``) or update a reconsideration or lawsuit about applications (Table 4)."""
    perm = "disclosure.add_reviewcase" if case is None else "disclosure.change_reviewcase"
    if not _is_staff(actor) or not actor.has_perm(perm) or not can_access_department(actor, department):
        raise TransitionNotAllowed(_("无权登记该机关的复议诉讼案件。"), code="permission_denied")
    if case is not None and not can_access_department(actor, case.department_id):
        raise TransitionNotAllowed(_("无权修改该案件。"), code="permission_denied")
    kind = _choice(kind, ReviewKind, field="kind", label=_("类型"))
    outcome = _choice(outcome, ReviewOutcome, field="outcome", label=_("结果"))
    body_text = _text(body, field="body", label=_("复议机关或法院"), max_length=100, required=True)
    number = _text(case_number, field="case_number", label=_("案号"), max_length=60)
    note_text = _text(note, field="note", label=_("说明"), max_length=5000)
    filed = _check_date(
        filed_on,
        field="filed_on",
        label=_("立案日期"),
        not_before=application.received_on if application is not None else None,
        not_before_label=_("相关申请的收到申请日期"),
    )
    if outcome == ReviewOutcome.PENDING:
        if concluded_on is not None:
            raise ValidationError({"concluded_on": _("尚未审结的案件不能填写审结日期。")})
        concluded = None
    else:
        concluded = _check_date(
            concluded_on,
            field="concluded_on",
            label=_("审结日期"),
            not_before=filed,
            not_before_label=_("立案日期"),
        )
    if application is not None and application.department_id != department.pk:
        raise ValidationError({"application": _("相关申请不属于该机关。")})
    values = {
        "department": department,
        "application": application,
        "kind": kind,
        "case_number": number,
        "body": body_text,
        "filed_on": filed,
        "outcome": outcome,
        "concluded_on": concluded,
        "note": note_text,
    }
    with transaction.atomic():
        if case is None:
            case = ReviewCase.objects.create(created_by=actor, **values)
            old: dict[str, Any] = {}
            new = {k: v for k, v in values.items()}
            action = "disclosure_reviewcase.created"
        else:
            case = ReviewCase.objects.select_for_update().get(pk=case.pk)
            old, new = {}, {}
            for field, value in values.items():
                if getattr(case, field) != value:
                    old[field] = getattr(case, field)
                    new[field] = value
                    setattr(case, field, value)
            case.save()
            action = "disclosure_reviewcase.changed"
        audit_record(actor=actor, action=action, target=case, old=old, new=new, request=request)
    return case


def review_case_delete(*, actor: Any, case: ReviewCase, request: Any = None) -> None:
    """Delete a case entered by mistake (``disclosure.delete_reviewcase``); audited with its values."""
    if (
        not _is_staff(actor)
        or not actor.has_perm("disclosure.delete_reviewcase")
        or not can_access_department(actor, case.department_id)
    ):
        raise TransitionNotAllowed(_("无权删除该案件。"), code="permission_denied")
    with transaction.atomic():
        old = {
            "department": case.department_id,
            "kind": case.kind,
            "case_number": case.case_number,
            "body": case.body,
            "filed_on": case.filed_on,
            "outcome": case.outcome,
        }
        audit_record(
            actor=actor, action="disclosure_reviewcase.deleted", target=case, old=old, new={}, request=request
        )
        case.delete()


# --- Jobs' building blocks ----------------------------------------------------------------------


def refresh_due_dates(*, queryset: Any = None) -> int:
    """Refresh ``reply_due_on`` of open applications whose clock is paused (it moves daily)."""
    from gongkai.disclosure.models import OPEN_STATUSES

    rows = queryset if queryset is not None else Application.objects.filter(status__in=OPEN_STATUSES)
    # Only a paused clock's due date moves by itself (it is shown as if resumed today).
    rows = rows.filter(
        Q(status=Status.AWAITING_FEE) | Q(consultations__answer=ConsultationAnswer.PENDING)
    ).distinct()
    changed = 0
    for application in rows.exclude(status=Status.CORRECTION):
        before = application.reply_due_on
        _refresh_due(application)
        if application.reply_due_on != before:
            Application.objects.filter(pk=application.pk).update(reply_due_on=application.reply_due_on)
            changed += 1
    return changed


#: Reminders go out this many working days before the reply is due.
REMIND_DAYS = 3


def _run_safely(counts: dict[str, int], key: str, call: Any) -> None:
    """One lapse or answer of the job; a refusal (changed meanwhile) is logged, not raised."""
    try:
        with transaction.atomic():
            call()
    except (TransitionNotAllowed, ValidationError) as exc:
        logger.info("disclosure tick: %s skipped: %s", key, exc)
        counts["skipped"] += 1
    else:
        counts[key] += 1


def clocks_tick(*, on: datetime.date | None = None) -> dict[str, int]:
    """The periodic job's work (``tasks.disclosure_clocks_tick``); every part is idempotent.

    1. corrections and fees past their deadline lapse (terminated, 其他处理);
    2. an agency's silence past its 15 working days is recorded as ``no_answer`` on the due date
       (条例第三十四条: 视为同意); a third party's silence is only reported to the clerks;
    3. ``reply_due_on`` of paused clocks is refreshed;
    4. the handler and the department's clerks are reminded 3 working days before the reply is due,
       and the disclosure office is told of each overdue application: once per application and due
       date (the outbox's idempotency keys), so re-runs and restarts send nothing twice.
    """
    from gongkai.disclosure.models import OPEN_STATUSES

    day = on or today()
    counts = dict.fromkeys(
        (
            "correction_lapsed",
            "fee_lapsed",
            "agency_silence",
            "third_party_overdue",
            "refreshed",
            "reminded",
            "escalated",
            "skipped",
        ),
        0,
    )
    for app in Application.objects.filter(status=Status.CORRECTION, correction_notice__due_on__lt=day):
        _run_safely(counts, "correction_lapsed", lambda app=app: correction_lapse(application=app))
    for app in Application.objects.filter(status=Status.AWAITING_FEE, fee_notice__pay_by__lt=day):
        _run_safely(counts, "fee_lapsed", lambda app=app: fee_lapse(application=app))
    overdue_consultations = Consultation.objects.filter(
        answer=ConsultationAnswer.PENDING, due_on__lt=day, application__status__in=OPEN_STATUSES
    ).select_related("application__department")
    for consultation in overdue_consultations:
        if consultation.kind == ConsultationKind.AGENCY:
            _run_safely(
                counts,
                "agency_silence",
                lambda c=consultation: consultation_answer(
                    consultation=c, actor=None, answer=ConsultationAnswer.NO_ANSWER, answered_on=c.due_on
                ),
            )
        else:
            app = consultation.application
            _notify_staff(
                app,
                _department_clerks(app),
                key=f"disclosure:{app.pk}:consultation-overdue:{consultation.pk}",
                subject=_("【政府信息公开】申请 %(number)s 的第三方逾期未提出意见")
                % {"number": app.tracking_number},
                body=_(
                    "第三方“%(party)s”应于 %(due)s 前提出意见，现已逾期。请登记意见情况后依法决定是否公开。"
                )
                % {"party": consultation.party_name, "due": _fmt(consultation.due_on)},
                due=_fmt(consultation.due_on),
            )
            counts["third_party_overdue"] += 1
    counts["refreshed"] = refresh_due_dates()
    running = (
        Application.objects.filter(
            status__in=(Status.REGISTERED, Status.REVIEWING, Status.HANDLING), reply_due_on__isnull=False
        )
        .exclude(consultations__answer=ConsultationAnswer.PENDING)
        .select_related("department", "handler")
    )
    soon = calendar.add_working_days(start=day, days=REMIND_DAYS)
    for app in running.filter(reply_due_on__gte=day, reply_due_on__lte=soon):
        users = {user.pk: user for user in _department_clerks(app)}
        if app.handler is not None and app.handler.is_active:
            users[app.handler.pk] = app.handler
        due = _fmt(app.reply_due_on)
        _notify_staff(
            app,
            users.values(),
            key=f"disclosure:{app.pk}:due-soon:{due}",
            subject=_("【政府信息公开】申请 %(number)s 将于 %(due)s 到期")
            % {"number": app.tracking_number, "due": due},
            body=_("政府信息公开申请 %(number)s 的答复期限为 %(due)s，请及时答复或依法申请延期。")
            % {"number": app.tracking_number, "due": due},
            due=due,
        )
        counts["reminded"] += 1
    for app in running.filter(reply_due_on__lt=day):
        due = _fmt(app.reply_due_on)
        _notify_staff(
            app,
            _office_users(),
            key=f"disclosure:{app.pk}:overdue:{due}",
            subject=_("【政府信息公开】申请 %(number)s 已超过答复期限") % {"number": app.tracking_number},
            body=_("%(department)s的政府信息公开申请 %(number)s 答复期限为 %(due)s，现已超期，请督促办理。")
            % {"department": app.department.name, "number": app.tracking_number, "due": due},
            due=due,
        )
        counts["escalated"] += 1
    return counts
