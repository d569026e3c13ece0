"""The citizen's pages of 依申请公开: what it is, the guide with its deadline calculator, the
application form and its receipt, the lookup, the status page with the correction form and the
letters addressed to the applicant.

Views parse input, call one service or selector and render. The query code is shown once, on the
receipt page, from the session (never in a URL). A lookup grants this browser's session a view of
one application for a while (the id is kept in the session, cycled at the lookup): the status page,
the correction form and the letter downloads all read that grant, so no letter has an address that
could be guessed or shared. A wrong code and an unknown number answer the same "没有找到", and
failed lookups, applications and corrections are limited per address (``gongkai.hotline.ratelimit``).

None of these pages opts in to the public page cache (``gongkai.core.pagecache``); the pages with
forms or personal data are ``never_cache`` as well.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gongkai.core.personal_data import mask_address, mask_id_number, mask_name, mask_phone, redact_text
from gongkai.core.workcalendar.errors import CalendarNotAvailable
from gongkai.core.workcalendar.officehours import office_hours
from gongkai.core.workcalendar.selectors import add_working_days, local_date
from gongkai.core.workflow import TransitionNotAllowed
from gongkai.disclosure import api as disclosure_api
from gongkai.disclosure import public_forms
from gongkai.disclosure.models import ApplicantType, Application, Status
from gongkai.hotline import ratelimit
from gongkai.hotline.ratelimit import Limit

SESSION_SUBMITTED = "disclosure_public_submitted"
SESSION_TOKENS = "disclosure_public_tokens"
SESSION_TRACK = "disclosure_public_track"
#: How long the receipt page shows the query code after submitting.
SUBMITTED_SHOW_SECONDS = 30 * 60
#: How long a successful lookup lets this browser see the application without the code again.
TRACK_GRANT_SECONDS = 30 * 60

# The limits are the API's (the same scopes, so the page and the API count together; tunable with
# ``GONGKAI_HOTLINE_RATE_LIMITS``): new applications per address and per phone number, failed
# lookups per address and per tracking number (a six-digit code is not guessed from many addresses).
APPLICATIONS_PER_IP = disclosure_api.SUBMITS_PER_IP
APPLICATIONS_PER_PHONE = disclosure_api.SUBMITS_PER_PHONE
FAILED_LOOKUPS_PER_IP = disclosure_api.FAILED_LOOKUPS_PER_IP
FAILED_LOOKUPS_PER_NUMBER = disclosure_api.FAILED_LOOKUPS_PER_NUMBER
#: Corrections sent per client address per hour.
CORRECTIONS_PER_IP = Limit("disclosure-correction-ip", 10, 3600)

#: Statutory periods in working days (条例第三十条、第三十三条).
CORRECTION_NOTICE_DAYS = 7
REPLY_DAYS = 20
MAX_EXTENSION_DAYS = 20
CONSULTATION_DAYS = 15

# --- Entry and guide ---------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "disclosure/public/home.html", {"section": "home"})


def _office_hours_text() -> str:
    periods = office_hours()
    times = "，".join(f"{start:%H:%M}—{end:%H:%M}" for start, end in periods)
    return _("工作日 %(times)s（法定节假日除外）") % {"times": times}


def _disclosure_office() -> Any:
    """The city's 政府信息公开工作机构 as the portal's 政府信息公开 section names it, if any."""
    from gongkai.publishing.models import DisclosureSectionPage
    from gongkai.publishing.selectors import only_public

    return only_public(DisclosureSectionPage.objects.live()).order_by("path").first()


@dataclass(frozen=True)
class Deadlines:
    received: datetime.date
    correction_by: datetime.date
    reply_by: datetime.date
    extended_by: datetime.date


def deadlines_from(received: datetime.date) -> Deadlines:
    """The statutory dates counted from a receipt date on the work calendar."""
    reply_by = add_working_days(start=received, days=REPLY_DAYS)
    return Deadlines(
        received=received,
        correction_by=add_working_days(start=received, days=CORRECTION_NOTICE_DAYS),
        reply_by=reply_by,
        extended_by=add_working_days(start=reply_by, days=MAX_EXTENSION_DAYS),
    )


def guide(request: HttpRequest) -> HttpResponse:
    """政府信息公开申请指南, with the deadline calculator (a GET form: works without JavaScript)."""
    form = public_forms.DeadlineForm(request.GET if "received" in request.GET else None)
    result = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                result = deadlines_from(form.cleaned_data["received"])
            except CalendarNotAvailable:
                form.add_error(
                    "received",
                    _("%(year)s年的工作日历还没有发布，暂时不能计算这一天起算的期限。")
                    % {"year": form.cleaned_data["received"].year},
                )
                status = 400
        else:
            status = 400
    office = _disclosure_office()
    return render(
        request,
        "disclosure/public/guide.html",
        {
            "section": "guide",
            "form": form,
            "result": result,
            "office": office,
            "office_hours": (office.office_hours if office is not None and office.office_hours else "")
            or _office_hours_text(),
            "agencies": [d for d in public_forms.agencies() if d.address or d.phone],
            "today": local_date(moment=timezone.now()),
        },
        status=status,
    )


def _calendar_missing_message() -> str:
    """The deadline cannot be counted (next year's work calendar is not imported yet): no 500."""
    return _("系统暂时无法计算答复期限，申请没有提交。请稍后再试，或者到受理机关当面提交、邮寄提交。")


# --- Applying ----------------------------------------------------------------------------------


def _services() -> Any:
    from gongkai.disclosure import services

    return services


def _missing_keys(application: Application) -> list[str]:
    return [str(item) for item in application.missing_items or []]


def _missing_labels(application: Application) -> list[str]:
    """What the application lacks, in words (the labels the correction notice uses)."""
    labels = _services().MISSING_ITEM_LABELS
    return [_(labels[key]) if key in labels else key for key in _missing_keys(application)]


@never_cache
def apply(request: HttpRequest) -> HttpResponse:
    form = public_forms.ApplicationForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            token = form.cleaned_data["form_token"]
            earlier = request.session.get(SESSION_TOKENS, {}).get(token)
            application = Application.objects.filter(pk=earlier).first() if earlier else None
            if application is not None:  # the same form sent twice: one application
                _remember_submitted(request, application, None)
                return redirect("disclosure_public:submitted", tracking_number=application.tracking_number)
            pairs = [(APPLICATIONS_PER_IP, ratelimit.client_ip(request))]
            if form.cleaned_data.get("phone"):
                pairs.append((APPLICATIONS_PER_PHONE, form.cleaned_data["phone"]))
            blocked = ratelimit.reserve(pairs)
            if blocked is not None:
                form.add_error(
                    None,
                    _("提交过于频繁，请 %(minutes)s 分钟后再试，或到受理机关当面提交。")
                    % {"minutes": ratelimit.minutes_left(blocked)},
                )
                status = 429
            else:
                try:
                    application, code = _services().application_submit(
                        **form.submission(), channel="online", request=request
                    )
                except (ValidationError, TransitionNotAllowed) as exc:
                    ratelimit.refund_many(pairs)
                    _add_service_errors(form, exc)
                    status = 400
                except CalendarNotAvailable:
                    ratelimit.refund_many(pairs)
                    form.add_error(None, _calendar_missing_message())
                    status = 503
                else:
                    tokens = request.session.get(SESSION_TOKENS, {})
                    tokens[token] = application.pk
                    request.session[SESSION_TOKENS] = dict(list(tokens.items())[-20:])
                    _remember_submitted(request, application, code)
                    return redirect(
                        "disclosure_public:submitted", tracking_number=application.tracking_number
                    )
        else:
            status = 400
    return render(request, "disclosure/public/apply.html", {"form": form, "section": "apply"}, status=status)


#: Service field names that the form shows under another name.
SERVICE_TO_FORM_FIELD = {
    "applicant_name": "person_name",
    "applicant_type": "applicant_kind",
    "id_type": "id_type",
}


def _add_service_errors(form: public_forms.ApplicationForm, error: Exception) -> None:
    """Put the service's errors on the form's fields (unknown fields at the top)."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, field_messages in error.message_dict.items():
            name = SERVICE_TO_FORM_FIELD.get(field, field)
            if name == "person_name" and form.cleaned_data.get("applicant_kind") == public_forms.ORGANISATION:
                name = "organisation_name"
            if name == "id_number" and form.cleaned_data.get("applicant_kind") == public_forms.ORGANISATION:
                name = "credit_code"
            for message in field_messages:
                form.add_error(name if name in form.fields else None, message)
        return
    message = getattr(error, "message", None) or "; ".join(getattr(error, "messages", [str(error)]))
    form.add_error(None, str(message))


def _remember_submitted(request: HttpRequest, application: Application, code: str | None) -> None:
    """Keep the query code for the receipt page only, in the session, keyed by the application."""
    now = time.time()
    kept = {
        k: v
        for k, v in request.session.get(SESSION_SUBMITTED, {}).items()
        if now - v.get("at", 0) < SUBMITTED_SHOW_SECONDS
    }
    key = str(application.pk)
    if code:
        kept[key] = {"code": code, "at": now, "duplicate": False}
    elif key in kept:
        kept[key]["duplicate"] = True
    else:
        kept[key] = {"code": None, "at": now, "duplicate": True}
    request.session[SESSION_SUBMITTED] = kept


@never_cache
def submitted(request: HttpRequest, tracking_number: str) -> HttpResponse:
    application = (
        Application.objects.select_related("department").filter(tracking_number=tracking_number).first()
    )
    entry = request.session.get(SESSION_SUBMITTED, {}).get(str(application.pk)) if application else None
    if application is None or entry is None or time.time() - entry.get("at", 0) >= SUBMITTED_SHOW_SECONDS:
        return render(request, "disclosure/public/submitted_expired.html", {"section": "apply"}, status=404)
    notice = getattr(application, "correction_notice", None) if _has_correction(application) else None
    return render(
        request,
        "disclosure/public/submitted.html",
        {
            "application": application,
            "query_code": entry.get("code"),
            "duplicate": entry.get("duplicate", False),
            "missing": _missing_labels(application),
            "notice": notice,
            "section": "apply",
        },
    )


def _has_correction(application: Application) -> bool:
    from gongkai.disclosure.models import CorrectionNotice

    try:
        return application.correction_notice is not None
    except CorrectionNotice.DoesNotExist:
        return False


# --- Lookup ------------------------------------------------------------------------------------


def _granted(request: HttpRequest) -> Application | None:
    grant = request.session.get(SESSION_TRACK)
    if not grant or time.time() - grant.get("at", 0) >= TRACK_GRANT_SECONDS:
        return None
    return Application.objects.select_related("department").filter(pk=grant.get("pk")).first()


@never_cache
def track(request: HttpRequest) -> HttpResponse:
    form = public_forms.LookupForm(request.POST if request.method == "POST" else None)
    status = 200
    not_found = False
    if request.method == "POST":
        number = public_forms.normalize_code(request.POST.get("tracking_number", ""))[:40]
        pairs = [(FAILED_LOOKUPS_PER_IP, ratelimit.client_ip(request)), (FAILED_LOOKUPS_PER_NUMBER, number)]
        exceeded = ratelimit.any_exceeded(pairs)
        if exceeded is not None:
            form.add_error(
                None,
                _("查询失败次数过多，请 %(minutes)s 分钟后再试，或打电话向受理机关查询。")
                % {"minutes": ratelimit.minutes_left(exceeded)},
            )
            status = 429
        elif form.is_valid():
            application = _services().application_lookup(
                tracking_number=form.cleaned_data["tracking_number"],
                query_code=form.cleaned_data["query_code"],
            )
            if application is not None:
                request.session.cycle_key()
                request.session[SESSION_TRACK] = {"pk": application.pk, "at": time.time()}
                return redirect("disclosure_public:status")
            ratelimit.hit_many(pairs)
            not_found = True
            status = 404
        else:
            status = 400
    return render(
        request,
        "disclosure/public/track.html",
        {"form": form, "not_found": not_found, "section": "track"},
        status=status,
    )


STATUS_EXPLAINED: dict[str, Promise] = {
    Status.REGISTERED: gettext_lazy("已经收到并登记了您的申请，工作人员会尽快审核。"),
    Status.REVIEWING: gettext_lazy("工作人员正在审核您的申请。"),
    Status.CORRECTION: gettext_lazy(
        "您的申请还缺少一些内容，需要您补正。请按下面的说明补充；补正后，答复期限从收到补正之日起重新计算。"
    ),
    Status.HANDLING: gettext_lazy("您的申请正在办理，办好后会向您答复。"),
    Status.AWAITING_FEE: gettext_lazy("需要缴纳信息处理费。请查看下面的收费通知，按时缴费后继续办理。"),
    Status.REPLIED: gettext_lazy("已经答复。答复书可以在本页下方查看和下载。"),
    Status.TERMINATED: gettext_lazy("已终止办理，原因见下方。"),
    Status.ARCHIVED: gettext_lazy("已办结归档。"),
}
PUBLIC_STATUS_LABEL: dict[str, Promise] = {
    Status.REGISTERED: gettext_lazy("已登记"),
    Status.REVIEWING: gettext_lazy("审核中"),
    Status.CORRECTION: gettext_lazy("等待您补正"),
    Status.HANDLING: gettext_lazy("办理中"),
    Status.AWAITING_FEE: gettext_lazy("等待您缴费"),
    Status.REPLIED: gettext_lazy("已答复"),
    Status.TERMINATED: gettext_lazy("已终止"),
    Status.ARCHIVED: gettext_lazy("已办结"),
}
STEPS = [
    ("registered", gettext_lazy("登记"), {Status.REGISTERED}),
    ("reviewing", gettext_lazy("审核"), {Status.REVIEWING, Status.CORRECTION}),
    ("handling", gettext_lazy("办理"), {Status.HANDLING, Status.AWAITING_FEE}),
    ("replied", gettext_lazy("答复"), {Status.REPLIED, Status.TERMINATED, Status.ARCHIVED}),
]


def _steps(status: str) -> list[dict[str, Any]]:
    current = next((i for i, (_key, _label, states) in enumerate(STEPS) if status in states), 0)
    result = []
    for index, (key, label, _states) in enumerate(STEPS):
        if index < current or (index == current and key in ("registered", "replied")):
            state = "done"
        elif index == current:
            state = "current"
        else:
            state = "todo"
        result.append({"key": key, "label": str(label), "state": state})
    return result


@dataclass(frozen=True)
class LetterLink:
    kind: str
    title: str
    formats: tuple[str, ...]


#: Notices to the applicant that ``letters.notice_letter`` writes, and when each exists.
NOTICE_TITLES: dict[str, Promise] = {
    "receipt": gettext_lazy("政府信息公开申请登记回执"),
    "correction": gettext_lazy("补正告知书"),
    "extension": gettext_lazy("延期答复告知书"),
    "fee": gettext_lazy("收费通知书"),
}


def _reply(application: Application) -> Any:
    from gongkai.disclosure.models import Reply

    try:
        return application.reply
    except Reply.DoesNotExist:
        return None


def _notice_exists(application: Application, kind: str) -> bool:
    from gongkai.disclosure.models import Extension, FeeNotice

    if kind == "receipt":
        return True
    if kind == "correction":
        return _has_correction(application)
    if kind == "extension":
        try:
            extension = application.extension
        except Extension.DoesNotExist:
            return False
        return extension.approved_at is not None and not extension.refused
    if kind == "fee":
        try:
            return application.fee_notice is not None
        except FeeNotice.DoesNotExist:
            return False
    return False


def _letters(application: Application) -> list[LetterLink]:
    links = []
    reply = _reply(application)
    if reply is not None:
        # A reply always has its letter: a file never made (imported or demo history) or lost is
        # made on the first download.
        links.append(LetterLink("reply", str(_("政府信息公开申请答复书")), ("pdf", "docx")))
    for kind, title in NOTICE_TITLES.items():
        if _notice_exists(application, kind):
            links.append(LetterLink(kind, str(title), ("pdf", "docx")))
    return links


def _timeline(application: Application) -> list[Any]:
    from gongkai.disclosure.selectors import application_timeline

    return application_timeline(application=application, public_only=True)


def _status_context(
    application: Application, correction_form: public_forms.CorrectionForm | None = None
) -> dict[str, Any]:
    reply = _reply(application)
    notice = getattr(application, "correction_notice", None) if _has_correction(application) else None
    awaiting_correction = application.status == Status.CORRECTION
    missing_keys = _missing_keys(application)
    if awaiting_correction and correction_form is None:
        correction_form = public_forms.CorrectionForm(
            missing=missing_keys, initial={"description": application.description}
        )
    is_person = application.applicant_type == ApplicantType.NATURAL_PERSON
    return {
        "application": application,
        "status_label": str(PUBLIC_STATUS_LABEL.get(application.status, application.get_status_display())),
        "status_explained": str(STATUS_EXPLAINED.get(application.status, "")),
        "steps": _steps(application.status),
        "timeline": _timeline(application),
        "reply": reply,
        "reply_body": redact_text(reply.body) if reply is not None else "",
        "letters": _letters(application),
        "notice": notice,
        "missing": _missing_labels(application),
        "correction_form": correction_form if awaiting_correction else None,
        "applicant_name": mask_name(application.applicant_name) if is_person else application.applicant_name,
        "applicant_phone": mask_phone(application.phone),
        "applicant_email": redact_text(application.email),
        "applicant_address": mask_address(application.address),
        "applicant_id": mask_id_number(application.id_number),
        "section": "track",
    }


@never_cache
def status(request: HttpRequest) -> HttpResponse:
    application = _granted(request)
    if application is None:
        messages.info(request, _("请输入申请编号和查询码查询。"))
        return redirect("disclosure_public:track")
    return render(request, "disclosure/public/status.html", _status_context(application))


@require_POST
@never_cache
def correction(request: HttpRequest) -> HttpResponse:
    application = _granted(request)
    if application is None:
        messages.info(request, _("查询已超时，请重新输入申请编号和查询码。"))
        return redirect("disclosure_public:track")
    if application.status != Status.CORRECTION:
        messages.info(request, _("这件申请现在不需要补正。"))
        return redirect("disclosure_public:status")
    form = public_forms.CorrectionForm(request.POST, missing=_missing_keys(application))
    if not form.is_valid():
        return render(
            request, "disclosure/public/status.html", _status_context(application, form), status=400
        )
    ip = ratelimit.client_ip(request)
    if ratelimit.reserve([(CORRECTIONS_PER_IP, ip)]) is not None:
        form.add_error(
            None,
            _("提交过于频繁，请 %(minutes)s 分钟后再试。")
            % {"minutes": ratelimit.minutes_left(CORRECTIONS_PER_IP)},
        )
        return render(
            request, "disclosure/public/status.html", _status_context(application, form), status=429
        )
    try:
        _services().correction_receive(
            application=application,
            description=form.cleaned_data["description"],
            actor=None,
            **form.other_fields(),
        )
    except ValidationError as exc:
        ratelimit.refund(CORRECTIONS_PER_IP, ip)
        if hasattr(exc, "error_dict"):
            for field, field_messages in exc.message_dict.items():
                for message in field_messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            for message in exc.messages:
                form.add_error(None, message)
        return render(
            request, "disclosure/public/status.html", _status_context(application, form), status=400
        )
    except TransitionNotAllowed as exc:
        ratelimit.refund(CORRECTIONS_PER_IP, ip)
        messages.error(request, str(exc.message))
        return redirect("disclosure_public:status")
    except CalendarNotAvailable:
        ratelimit.refund(CORRECTIONS_PER_IP, ip)
        form.add_error(None, _calendar_missing_message())
        return render(
            request, "disclosure/public/status.html", _status_context(application, form), status=503
        )
    messages.success(request, _("补正已收到。答复期限从今天起重新计算，新的期限见下方。"))
    return redirect("disclosure_public:status")


CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@never_cache
def letter(request: HttpRequest, kind: str, fmt: str) -> HttpResponseBase:
    """A letter addressed to the applicant, only for the session that passed the lookup."""
    application = _granted(request)
    if application is None:
        messages.info(request, _("请先输入申请编号和查询码，再下载文书。"))
        return redirect("disclosure_public:track")
    if fmt not in CONTENT_TYPES:
        raise Http404(_("没有这份文书。"))
    filename = f"{application.tracking_number}-{kind}.{fmt}"
    if kind == "reply":
        reply = _reply(application)
        if reply is None:
            raise Http404(_("没有这份文书。"))
        file = getattr(reply, f"letter_{fmt}")
        if not file or not file.name or not file.storage.exists(file.name):
            from gongkai.disclosure import letters

            letters.reply_letter_attach(reply=reply)
            reply.refresh_from_db()
            file = getattr(reply, f"letter_{fmt}")
            if not file or not file.name:  # no CJK font: only the DOCX could be made
                messages.error(request, _("文书暂时无法生成，请稍后再试，或向受理机关索取。"))
                return redirect("disclosure_public:status")
        try:
            body: Any = file.open("rb")
        except OSError as exc:  # the stored file is missing: a page that says so, not a 500
            raise Http404(_("没有这份文书。")) from exc
        filename = f"{application.tracking_number}-{_('答复书')}.{fmt}"
    elif kind in NOTICE_TITLES and _notice_exists(application, kind):
        from gongkai.disclosure import letters

        try:
            files = letters.notice_letter(kind=kind, application=application)
        except letters.FontMissing:
            messages.error(request, _("文书暂时无法生成，请稍后再试，或向受理机关索取。"))
            return redirect("disclosure_public:status")
        except ValueError as exc:
            raise Http404(_("没有这份文书。")) from exc
        content = files.pdf if fmt == "pdf" else files.docx
        body = ContentFile(content if isinstance(content, bytes) else content.read())
        filename = f"{files.filename_stem or application.tracking_number + '-' + kind}.{fmt}"
    else:
        raise Http404(_("没有这份文书。"))
    response = FileResponse(body, as_attachment=True, filename=filename, content_type=CONTENT_TYPES[fmt])
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def track_end(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_TRACK, None)
    messages.info(request, _("已退出查询。在公用电脑上使用后，请关闭浏览器。"))
    return redirect("disclosure_public:track")
