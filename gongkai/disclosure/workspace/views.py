"""Views of the disclosure workspace (Wagtail admin, ``/admin/disclosure/``).

Thin: access is checked with ``workspace.access`` (403 page for a wrong post, 404 for another
department's application), reads come from ``gongkai.disclosure.selectors``, every change goes
through one service of ``gongkai.disclosure.services``, which refuses with a Chinese message and
changes nothing; the page then shows that message with the form as it was filled.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongkai.core.audit.services import audit_personal_data_view, audit_record
from gongkai.core.workflow import TransitionNotAllowed
from gongkai.disclosure import selectors, services
from gongkai.disclosure.grounds import ALLOWED_GROUNDS
from gongkai.disclosure.models import (
    Application,
    Consultation,
    ReviewKind,
    ReviewOutcome,
)
from gongkai.disclosure.workspace import access, board, personal
from gongkai.disclosure.workspace.actions import ACTIONS, action_form
from gongkai.disclosure.workspace.forms import (
    RECEIPT_RULES,
    ApplicationFilterForm,
    FeeNoticeForm,
    RegistrationForm,
    ReviewCaseForm,
)

logger = logging.getLogger(__name__)

PER_PAGE = 50


class Denied(Exception):
    """The user's post does not fit the page: answered 403 by ``workspace_view``."""


def _require(allowed: bool) -> None:
    if not allowed:
        raise Denied


def workspace_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A plain 403 page (or JSON body) when the post does not fit, rather than a silent redirect."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Denied:
            if request.headers.get("Accept", "").startswith("application/json"):
                return JsonResponse(
                    {"code": "permission_denied", "message": _("无权执行此操作。")}, status=403
                )
            return TemplateResponse(
                request, "disclosure/workspace/forbidden.html", {"header_title": _("无权访问")}, status=403
            )

    return wrapper


def _service_error(exc: Exception) -> str:
    if isinstance(exc, TransitionNotAllowed):
        return str(exc.message)
    if isinstance(exc, ValidationError):
        return "；".join(str(m) for m in exc.messages)
    return str(exc)


def _errors_to_form(form: Any, exc: ValidationError) -> None:
    """Put the service's field errors next to the fields the form has (the rest above the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        form.add_error(None, exc)


def _nav(request: HttpRequest, current: str) -> dict[str, Any]:
    return {
        "nav": current,
        "nav_may_register": access.may_register(request.user),
        "nav_may_see_cases": access.may_see_cases(request.user),
    }


# --- Dashboard ------------------------------------------------------------------------------------


@workspace_view
def dashboard(request: HttpRequest) -> HttpResponse:
    """工作台: the clocks' buckets as counters with their most urgent rows; the office's department table."""
    user = request.user
    _require(access.is_workspace_user(user))
    buckets = board.buckets(user)
    context: dict[str, Any] = {
        "header_title": _("依申请公开工作台"),
        "buckets": buckets,
        "city_wide": access.is_city_wide(user),
        "departments": board.department_rows(user) if access.is_city_wide(user) else [],
        "today": services.today(),
        **_nav(request, "dashboard"),
    }
    return TemplateResponse(request, "disclosure/workspace/dashboard.html", context)


# --- The list -----------------------------------------------------------------------------------


def _filtered(user: Any, form: ApplicationFilterForm) -> QuerySet[Application]:
    queryset = access.applications_visible(user)
    if not form.is_valid():
        return queryset
    data = form.cleaned_data
    if data.get("bucket"):
        pks = board.bucket_pks(user, data["bucket"])
        if pks is not None:
            queryset = queryset.filter(pk__in=pks)
    department = data.get("department")
    if department is not None:
        queryset = queryset.filter(department__path__startswith=department.path)
    for name in ("status", "applicant_type", "channel", "reply_type"):
        if data.get(name):
            queryset = queryset.filter(**{name: data[name]})
    if data.get("received_from"):
        queryset = queryset.filter(received_on__gte=data["received_from"])
    if data.get("received_to"):
        queryset = queryset.filter(received_on__lte=data["received_to"])
    if data.get("overdue"):
        queryset = queryset.filter(pk__in=selectors.application_list(user=user, overdue=True).values("pk"))
    text = (data.get("q") or "").strip()
    if text:
        queryset = queryset.filter(
            Q(tracking_number__icontains=text)
            | Q(applicant_name__icontains=text)
            | Q(description__icontains=text)
            | Q(contact_name__icontains=text)
        )
    return queryset


@workspace_view
def application_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(access.is_workspace_user(user))
    city_wide = access.is_city_wide(user)
    form = ApplicationFilterForm(request.GET or None, user=user, city_wide=city_wide)
    queryset = _filtered(user, form).select_related("department").order_by("-received_on", "-pk")
    page = Paginator(queryset, PER_PAGE).get_page(request.GET.get("p"))
    rows = board.decorate(list(page.object_list))
    query = request.GET.copy()
    query.pop("p", None)
    bucket = form.cleaned_data.get("bucket") if form.is_valid() else ""
    return TemplateResponse(
        request,
        "disclosure/workspace/list.html",
        {
            "header_title": _("申请列表"),
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "bucket": board.bucket_label(bucket) if bucket else "",
            "city_wide": city_wide,
            **_nav(request, "list"),
        },
    )


# --- Registration ---------------------------------------------------------------------------------


@workspace_view
def register(request: HttpRequest) -> HttpResponse:
    """登记申请: an application received in person, by post, letter, fax or orally (条例第三十一条)."""
    user = request.user
    _require(access.may_register(user))
    form = RegistrationForm(request.POST or None, user=user)
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application, code = services.application_submit(
                department=data["department"],
                applicant_type=data["applicant_type"],
                applicant_name=data["applicant_name"],
                phone=data["phone"],
                email=data["email"],
                address=data["address"],
                postal_code=data["postal_code"],
                id_type=data["id_type"],
                id_number=data["id_number"],
                legal_representative=data["legal_representative"],
                contact_name=data["contact_name"],
                description=data["description"],
                provision_form=data["provision_form"],
                provision_channel=data["provision_channel"],
                channel=data["channel"],
                received_on=data["received_on"],
                actor=user,
                request=request,
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
            error = _service_error(exc)
        except TransitionNotAllowed as exc:
            error = _service_error(exc)
        else:
            # The query code is shown once, on this page only (never in a URL or a message).
            response = TemplateResponse(
                request,
                "disclosure/workspace/register.html",
                {
                    "header_title": _("登记申请"),
                    "form": RegistrationForm(user=user),
                    "created": application,
                    "query_code": code,
                    "receipt_rules": [(k, RECEIPT_RULES[k]) for k in RECEIPT_RULES],
                    **_nav(request, "register"),
                },
            )
            response["Cache-Control"] = "private, no-store"
            return response
    elif request.method == "POST":
        error = _("请检查填写的内容。")
    return TemplateResponse(
        request,
        "disclosure/workspace/register.html",
        {
            "header_title": _("登记申请"),
            "form": form,
            "error": error,
            "receipt_rules": [(k, RECEIPT_RULES[k]) for k in RECEIPT_RULES],
            **_nav(request, "register"),
        },
        status=400 if request.method == "POST" else 200,
    )


# --- The application page -------------------------------------------------------------------------


def _action_names(application: Application, user: Any) -> list[str]:
    """The actions ``available_actions`` allows that the page has a form for, in the page's order."""
    allowed = {action.name for action in selectors.available_actions(application=application, user=user)}
    return [name for name in ACTIONS if name in allowed]


def _application_page(
    request: HttpRequest,
    application: Application,
    *,
    bound: tuple[str, Any] | None = None,
    error: str = "",
    reveal: bool = False,
    fee_quote: Any = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    application = (
        Application.objects.select_related("department", "handler", "registered_by")
        .prefetch_related("consultations")
        .get(pk=application.pk)
    )
    names = _action_names(application, user)
    forms = []
    for name in names:
        action = ACTIONS[name]
        form = bound[1] if bound is not None and bound[0] == name else action_form(action, application)
        forms.append({"action": action, "form": form, "open": bound is not None and bound[0] == name})
    if forms and not any(item["open"] for item in forms) and forms[0]["action"].style == "primary":
        forms[0]["open"] = True
    records = board.records(application)
    may_identity = access.may_see_identity(user)
    shown = personal.full(application) if reveal else personal.masked(application)
    return TemplateResponse(
        request,
        "disclosure/workspace/application.html",
        {
            "header_title": f"{application.tracking_number}",
            "application": application,
            "personal": shown,
            "revealed": reveal,
            "may_reveal": may_identity and not reveal and personal.has_any(application),
            "clock": board.clock_panel(application),
            "records": records,
            "letters": board.letters(application, records),
            "timeline": board.timeline(application),
            "audit": board.audit_trail(application),
            "forms": forms,
            "error": error,
            "fee_quote": fee_quote,
            "allowed_grounds": {k: list(v) for k, v in ALLOWED_GROUNDS.items()},
            "cases": application.review_cases.all() if access.may_see_cases(user) else [],
            "missing_labels": [_(services.MISSING_ITEM_LABELS.get(c, c)) for c in application.missing_items],
            **_nav(request, "list"),
        },
        status=status,
    )


@workspace_view
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(access.is_workspace_user(request.user))
    application = access.application_or_404(request.user, pk)
    return _application_page(request, application)


@workspace_view
@require_POST
def application_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the applicant's full identity once, and record the view (``audit_personal_data_view``)."""
    _require(access.is_workspace_user(request.user))
    application = access.application_or_404(request.user, pk)
    _require(access.may_see_identity(request.user))
    audit_personal_data_view(
        actor=request.user,
        target=application,
        fields=personal.filled_fields(application),
        request=request,
        purpose=_("工作台查看申请人完整信息"),
    )
    response = _application_page(request, application, reveal=True)
    response["Cache-Control"] = "private, no-store"
    return response


@workspace_view
@require_POST
def application_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Run one action through its service; a refusal shows the service's reason and changes nothing."""
    user = request.user
    _require(access.is_workspace_user(user))
    application = access.application_or_404(user, pk)
    action = ACTIONS.get(name)
    _require(action is not None and name in _action_names(application, user))
    assert action is not None
    form = action_form(action, application, data=request.POST)
    if not form.is_valid():
        return _application_page(
            request, application, bound=(name, form), error=_("请检查填写的内容。"), status=400
        )
    if action.form is FeeNoticeForm and "preview" in request.POST:
        # 计算金额: show the quote next to the form; nothing is issued yet.
        try:
            quote = services.fee_quote_for(
                application=application, method=form.cleaned_data["method"], pages=form.cleaned_data["pages"]
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return _application_page(
                request, application, bound=(name, form), error=_service_error(exc), status=400
            )
        return _application_page(request, application, bound=(name, form), fee_quote=quote)
    try:
        action.run(application=application, actor=user, data=form.cleaned_data, request=request)
    except ValidationError as exc:
        _errors_to_form(form, exc)
        return _application_page(
            request, application, bound=(name, form), error=_service_error(exc), status=400
        )
    except TransitionNotAllowed as exc:
        return _application_page(
            request, application, bound=(name, form), error=_service_error(exc), status=409
        )
    messages.success(
        request,
        _("%(number)s：已%(action)s。") % {"number": application.tracking_number, "action": action.button},
    )
    return redirect("disclosure_workspace:application", pk=pk)


# --- Letters ----------------------------------------------------------------------------------------

_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@workspace_view
@require_GET
def letter_download(request: HttpRequest, pk: int, kind: str, fmt: str) -> HttpResponse:
    """Every letter of the application as DOCX or PDF: the stored reply letter (made again when its
    file is missing) and the notices, made from the records on request."""
    from gongkai.disclosure import letters

    user = request.user
    _require(access.is_workspace_user(user))
    application = access.application_or_404(user, pk)
    if fmt not in _CONTENT_TYPES:
        raise Http404("not found")
    try:
        if kind == "reply":
            content, stem = _reply_letter(application, fmt)
        elif kind.startswith("consultation-"):
            consultation = Consultation.objects.filter(
                application=application, pk=_int(kind.removeprefix("consultation-"))
            ).first()
            if consultation is None:
                raise Http404("not found")
            files = letters.notice_letter(kind="consultation", consultation=consultation)
            content, stem = getattr(files, fmt), files.filename_stem
        elif kind in letters.NOTICE_KINDS and kind != "consultation":
            files = letters.notice_letter(kind=kind, application=application)
            content, stem = getattr(files, fmt), files.filename_stem
        else:
            raise Http404("not found")
    except letters.FontMissing:
        messages.error(request, _("服务器缺少中文字体，暂时无法生成 PDF，请下载 DOCX。"))
        return redirect("disclosure_workspace:application", pk=pk)
    except ValueError as exc:  # the application has no record of that kind
        logger.info("letter %s of application %s: %s", kind, pk, exc)
        raise Http404("not found") from exc
    audit_record(
        actor=user,
        action="disclosure_letter.downloaded",
        target=application,
        note=f"{kind}.{fmt}",
        request=request,
    )
    response = HttpResponse(content, content_type=_CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise Http404("not found") from None


def _reply_letter(application: Application, fmt: str) -> tuple[bytes, str]:
    """The stored 答复书; when a file is missing (never made, or lost) it is made and stored again."""
    from gongkai.disclosure import letters
    from gongkai.disclosure.models import Reply

    reply = Reply.objects.filter(application=application).select_related("application__department").first()
    if reply is None:
        raise Http404("not found")
    field = reply.letter_pdf if fmt == "pdf" else reply.letter_docx
    if not field or not field.name or not field.storage.exists(field.name):
        letters.reply_letter_attach(reply=reply)
        reply.refresh_from_db()
        field = reply.letter_pdf if fmt == "pdf" else reply.letter_docx
        if not field or not field.name:  # no CJK font: the PDF could not be made
            raise letters.FontMissing("no CJK font")
    with field.open("rb") as handle:
        content = handle.read()
    stem = field.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return content, stem


# --- Reconsideration and litigation (Table 4) -----------------------------------------------------


@workspace_view
def case_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require(access.may_see_cases(user))
    queryset = access.cases_visible(user).select_related("department", "application")
    kind = request.GET.get("kind", "")
    outcome = request.GET.get("outcome", "")
    if kind in ReviewKind.values:
        queryset = queryset.filter(kind=kind)
    if outcome in ReviewOutcome.values:
        queryset = queryset.filter(outcome=outcome)
    text = request.GET.get("q", "").strip()[:100]
    if text:
        queryset = queryset.filter(
            Q(case_number__icontains=text)
            | Q(body__icontains=text)
            | Q(application__tracking_number__icontains=text)
        )
    page = Paginator(queryset.order_by("-filed_on", "-pk"), PER_PAGE).get_page(request.GET.get("p"))
    query = request.GET.copy()
    query.pop("p", None)
    return TemplateResponse(
        request,
        "disclosure/workspace/cases.html",
        {
            "header_title": _("复议诉讼"),
            "page": page,
            "query": query.urlencode(),
            "filters": board.case_filters(request.GET),
            "may_add": access.may_add_cases(user),
            "may_change": access.may_change_cases(user),
            **_nav(request, "cases"),
        },
    )


@workspace_view
def case_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """登记 or 修改 one reconsideration or lawsuit (through ``review_case_save``)."""
    user = request.user
    case = None
    if pk is None:
        _require(access.may_add_cases(user))
    else:
        _require(access.may_change_cases(user))
        case = access.case_or_404(user, pk)
    initial: dict[str, Any] = {}
    if case is not None:
        initial = {
            "department": case.department_id,
            "kind": case.kind,
            "body": case.body,
            "case_number": case.case_number,
            "filed_on": case.filed_on,
            "tracking_number": case.application.tracking_number if case.application else "",
            "outcome": case.outcome,
            "concluded_on": case.concluded_on,
            "note": case.note,
        }
    elif request.GET.get("application"):
        application = access.applications_visible(user).filter(pk=_int(request.GET["application"])).first()
        if application is not None:
            initial = {
                "department": application.department_id,
                "tracking_number": application.tracking_number,
            }
    form = ReviewCaseForm(request.POST or None, user=user, initial=initial)
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.review_case_save(
                actor=user,
                department=data["department"],
                kind=data["kind"],
                body=data["body"],
                filed_on=data["filed_on"],
                case_number=data["case_number"],
                application=data["application"],
                outcome=data["outcome"],
                concluded_on=data["concluded_on"],
                note=data["note"],
                case=case,
                request=request,
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
            error = _service_error(exc)
        except TransitionNotAllowed as exc:
            error = _service_error(exc)
        else:
            messages.success(request, _("已保存：%(case)s。") % {"case": str(saved)})
            return redirect("disclosure_workspace:cases")
    elif request.method == "POST":
        error = _("请检查填写的内容。")
    return TemplateResponse(
        request,
        "disclosure/workspace/case_form.html",
        {
            "header_title": _("修改复议诉讼案件") if case else _("登记复议诉讼案件"),
            "form": form,
            "case": case,
            "error": error,
            **_nav(request, "cases"),
        },
        status=400 if request.method == "POST" else 200,
    )
