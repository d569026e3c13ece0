"""Views of the hotline workspace (Wagtail admin): queues, the order page, intake, JSON helpers, KPIs."""

from __future__ import annotations

import datetime
import functools
import logging
from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from gongkai.accounts.access import access_department_or_404
from gongkai.api.errors import ApiError
from gongkai.core.audit.services import audit_personal_data_view
from gongkai.core.parsing import parse_id
from gongkai.core.personal_data import mask_address, mask_id_number, mask_name, mask_phone, redact_text
from gongkai.core.workflow import TransitionNotAllowed
from gongkai.hotline import selectors, services
from gongkai.hotline.models import Channel, InboundStatus, Status, WorkOrder, WorkOrderEvent
from gongkai.hotline.workspace import charts, queues
from gongkai.hotline.workspace.actions import ACTIONS, action_form
from gongkai.hotline.workspace.forms import (
    BulkDispatchForm,
    InboundAnswerForm,
    InboundConvertForm,
    InboundEscalateForm,
    InboundFilterForm,
    InboundIgnoreForm,
    IntakeForm,
    OrderFilterForm,
)
from gongkai.hotline.workspace.kpi import KpiFilterForm, kpi_rows

logger = logging.getLogger(__name__)

PER_PAGE = 50
SORTS = {
    "number": "tracking_number",
    "title": "title",
    "type": "order_type",
    "category": "category__path",
    "department": "current_department__path",
    "status": "status",
    "deadline": "reply_due_at",
    "channel": "channel",
    "received": "created_at",
}
PERSONAL_FIELDS = ["caller_name", "caller_phone", "caller_id_number", "caller_address", "caller_email"]


class Denied(Exception):
    """The user has no role for this page: answered 403 by ``workspace_view`` (Wagtail would redirect)."""


def _require(allowed: bool) -> None:
    if not allowed:
        raise Denied


def workspace_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer a plain 403 page when the role does not fit, so that a wrong link is not a silent redirect."""

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
                request, "hotline/workspace/forbidden.html", {"header_title": _("无权访问")}, status=403
            )

    return wrapper


def _service_error(exc: Exception) -> str:
    if isinstance(exc, TransitionNotAllowed):
        return exc.message
    if isinstance(exc, ApiError):
        return str(exc)
    if isinstance(exc, ValidationError):
        return "；".join(str(m) for m in exc.messages)
    return str(exc)


# --- Suggestions from the knowledge engineer's modules (optional) ---------------------------------


def _unpack(row: Any, *names: str) -> tuple[Any, ...]:
    """Suggestion rows are dataclasses (``.category``, ``.score`` …) or plain tuples in that order."""
    if isinstance(row, tuple):
        return tuple(row[: len(names)])
    return tuple(getattr(row, name, None) for name in names)


def routing_suggestions(text: str) -> list[dict[str, Any]]:
    try:
        from gongkai.hotline.knowledge.suggest import suggest_routing
    except ImportError:
        return []
    try:
        rows = list(suggest_routing(text) or [])[:3]
    except Exception:  # a suggestion must never break the page
        logger.exception("routing suggestion failed")
        return []
    result = []
    for row in rows:
        category, department, score = _unpack(row, "category", "department", "score")
        result.append(
            {
                "category": category.name if category is not None else "",
                "category_pk": getattr(category, "pk", None),
                "department": (department.short_name or department.name) if department is not None else "",
                "department_pk": getattr(department, "pk", None),
                "score": round(float(score or 0), 2),
                "reason": str(getattr(row, "reason", "") or ""),
            }
        )
    return result


def duplicate_suggestions(order: WorkOrder, user: Any) -> list[dict[str, Any]]:
    try:
        from gongkai.hotline.knowledge.suggest import find_duplicates
    except ImportError:
        return []
    try:
        rows = [_unpack(row, "order", "score") for row in list(find_duplicates(order) or [])[:5]]
    except Exception:
        logger.exception("duplicate suggestion failed")
        return []
    # Only orders the user may open (a handler must not learn of other departments' orders).
    candidates = WorkOrder.objects.filter(pk__in=[o.pk for o, _s in rows])
    visible = set(selectors.work_order_visible(user, candidates).values_list("pk", flat=True))
    return [
        {"order": o, "score": round(float(s or 0), 2)}
        for o, s in rows
        if o.pk in visible and o.pk != order.pk
    ]


def article_suggestions(text: str, limit: int = 5) -> list[dict[str, Any]]:
    try:
        from gongkai.hotline.knowledge.selectors import article_suggest
    except ImportError:
        return []
    try:
        rows = list(article_suggest(text, limit=limit) or [])
    except Exception:
        logger.exception("article suggestion failed")
        return []
    result = []
    for row in rows[:limit]:
        article = getattr(row, "article", row)
        answer = ""
        for attribute in ("answer", "summary", "body", "content"):
            answer = getattr(article, attribute, "") or ""
            if answer:
                break
        result.append(
            {
                "pk": getattr(article, "pk", None),
                "title": str(getattr(article, "title", article)),
                "answer": str(answer),
            }
        )
    return result


# --- Deadlines for lists ------------------------------------------------------------------------


def _deadline_of(order: WorkOrder, queue: queues.Queue | None) -> datetime.datetime | None:
    if order.status == Status.DISPATCHED and (queue is None or queue.deadline == "sign_for"):
        return order.sign_for_due_at or order.reply_due_at
    if order.status == Status.AWAITING_CALLBACK:
        return order.callback_due_at
    if order.status in (Status.DISPATCHED, Status.IN_PROGRESS, Status.RETURNED, Status.RECEIVED):
        return order.reply_due_at
    return None


def _countdown(due: datetime.datetime | None, now: datetime.datetime) -> str:
    if due is None:
        return ""
    seconds = (due - now).total_seconds()
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        span = _("%(d)s天%(h)s小时") % {"d": days, "h": hours}
    elif hours:
        span = _("%(h)s小时%(m)s分") % {"h": hours, "m": mins}
    else:
        span = _("%(m)s分钟") % {"m": mins}
    if seconds < 0:
        return _("超期 %(span)s") % {"span": span}
    return _("剩 %(span)s") % {"span": span}


def decorate(orders: list[WorkOrder], queue: queues.Queue | None = None) -> list[WorkOrder]:
    """Add ``deadline``, ``countdown`` and ``urgency_class`` (overdue / soon / '') to list rows."""
    now = timezone.now()
    try:
        soon = selectors.due_soon_threshold(now=now)
    except Exception:  # a date outside the known calendar: fall back to 24 hours
        soon = now + datetime.timedelta(hours=24)
    for order in orders:
        due = _deadline_of(order, queue)
        order.deadline = due  # type: ignore[attr-defined]
        order.countdown = _countdown(due, now) if order.is_open and not order.is_paused else ""  # type: ignore[attr-defined]
        if order.is_paused and order.is_open:
            order.countdown = _("暂停计时")  # type: ignore[attr-defined]
        if due is None or not order.is_open or order.is_paused:
            order.deadline_class = ""  # type: ignore[attr-defined]
        elif due < now:
            order.deadline_class = "overdue"  # type: ignore[attr-defined]
        elif due <= soon:
            order.deadline_class = "soon"  # type: ignore[attr-defined]
        else:
            order.deadline_class = ""  # type: ignore[attr-defined]
    return orders


def _apply_filters(queryset: QuerySet[WorkOrder], form: OrderFilterForm, user: Any) -> QuerySet[WorkOrder]:
    if not form.is_valid():
        return queryset
    data = form.cleaned_data
    if data["status"]:
        queryset = queryset.filter(status=data["status"])
    if data["order_type"]:
        queryset = queryset.filter(order_type=data["order_type"])
    if data["channel"]:
        queryset = queryset.filter(channel=data["channel"])
    if data["category"]:
        queryset = queryset.filter(category__path__startswith=data["category"].path)
    if data["department"]:
        path = data["department"].path
        queryset = queryset.filter(
            Q(current_department__path__startswith=path) | Q(lead_department__path__startswith=path)
        )
    tz = timezone.get_current_timezone()
    if data["date_from"]:
        queryset = queryset.filter(
            created_at__gte=datetime.datetime.combine(data["date_from"], datetime.time.min, tz)
        )
    if data["date_to"]:
        end = data["date_to"] + datetime.timedelta(days=1)
        queryset = queryset.filter(created_at__lt=datetime.datetime.combine(end, datetime.time.min, tz))
    if data["overdue"]:
        queryset = queryset.filter(selectors.overdue_q(timezone.now()))
    text = (data["q"] or "").strip()
    if text:
        match = Q(tracking_number__icontains=text) | Q(title__icontains=text) | Q(content__icontains=text)
        try:
            hits = list(
                selectors.work_order_search(user=user, query=text, limit=200).values_list("pk", flat=True)
            )
        except Exception:  # the search index is optional for this page; the LIKE match still works
            logger.exception("work order search failed")
            hits = []
        if hits:
            match |= Q(pk__in=hits)
        queryset = queryset.filter(match)
    return queryset


def _list_page(
    request: HttpRequest,
    *,
    queryset: QuerySet[WorkOrder],
    queue: queues.Queue | None,
    title: Any,
    description: Any = "",
) -> HttpResponse:
    form = OrderFilterForm(request.GET or None, user=request.user)
    queryset = _apply_filters(queryset, form, request.user)
    sort = request.GET.get("o", "")
    key = sort.lstrip("-")
    if key in SORTS:
        field = SORTS[key]
        queryset = queryset.order_by(f"-{field}" if sort.startswith("-") else field, "pk")
    queryset = queryset.select_related("category", "current_department", "lead_department")
    page = Paginator(queryset, PER_PAGE).get_page(request.GET.get("p"))
    rows = decorate(list(page.object_list), queue)
    try:
        working = selectors.remaining_text_many([o for o in rows if o.status in selectors.HANDLING])
    except Exception:  # a deadline outside the known calendar must not break the list
        logger.exception("working-time countdowns failed")
        working = {}
    for row in rows:
        row.working_left = working.get(row.pk, "")  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("p", None)
    sort_query = query.copy()
    sort_query.pop("o", None)
    may_bulk = queue is not None and queue.key == "to_dispatch" and queues.may_dispatch(request.user)
    columns = [
        ("number", gettext_lazy("受理编号")),
        ("title", gettext_lazy("标题")),
        ("type", gettext_lazy("类型")),
        ("category", gettext_lazy("分类")),
        ("department", gettext_lazy("承办单位")),
        ("status", gettext_lazy("状态")),
        ("deadline", gettext_lazy("期限")),
        ("channel", gettext_lazy("渠道")),
        ("received", gettext_lazy("受理时间")),
    ]
    headers = [
        {
            "key": k,
            "label": label,
            "sort": ("-" + k) if sort == k else k,
            "active": key == k,
            "descending": sort.startswith("-") and key == k,
        }
        for k, label in columns
    ]
    bulk_form = None
    if may_bulk:
        bulk_form = BulkDispatchForm(order_ids=[o.pk for o in rows])
    return TemplateResponse(
        request,
        "hotline/workspace/queue.html",
        {
            "header_title": title,
            "description": description,
            "queue": queue,
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "sort_query": sort_query.urlencode(),
            "headers": headers,
            "bulk_form": bulk_form,
            "queue_nav": queues.queue_counts(request.user),
        },
    )


@workspace_view
def queue_view(request: HttpRequest, key: str) -> HttpResponse:
    queue = queues.QUEUES.get(key)
    _require(queue is not None and queues.may_see_queue(request.user, queue))
    assert queue is not None
    return _list_page(
        request,
        queryset=queue.rows(request.user),
        queue=queue,
        title=queue.label,
        description=queue.description,
    )


@workspace_view
def order_list(request: HttpRequest) -> HttpResponse:
    """All orders the user may see, with the same filters and search (工单查询)."""
    _require(queues.is_workspace_user(request.user))
    queryset = selectors.work_order_visible(request.user).order_by("-created_at")
    return _list_page(request, queryset=queryset, queue=None, title=_("工单查询"))


@workspace_view
@require_POST
def bulk_dispatch(request: HttpRequest) -> HttpResponse:
    """Dispatch the selected orders to one department, each through ``work_order_dispatch``."""
    _require(queues.may_dispatch(request.user))
    ids = [pk for pk in (parse_id(v) for v in request.POST.getlist("orders")) if pk is not None]
    form = BulkDispatchForm(request.POST, order_ids=ids)
    back = reverse("hotline_workspace:queue", args=["to_dispatch"])
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:  # ErrorList yields the messages as text
                messages.error(request, str(error))
        return redirect(back)
    done, failed = [], []
    for pk in form.cleaned_data["orders"]:
        try:
            order = selectors.access_work_order(request.user, pk)
        except Exception:
            failed.append(_("工单 %(pk)s：未找到，或无权查看。") % {"pk": pk})
            continue
        try:
            services.work_order_dispatch(
                work_order=order,
                actor=request.user,
                department=form.cleaned_data["department"],
                note=form.cleaned_data["note"],
                request=request,
            )
        except (TransitionNotAllowed, ValidationError, ApiError) as exc:
            failed.append(
                _("%(number)s：%(reason)s") % {"number": order.tracking_number, "reason": _service_error(exc)}
            )
            continue
        done.append(order.tracking_number)
    department = form.cleaned_data["department"]
    if done:
        messages.success(
            request,
            _("已派往%(department)s：%(count)s 件（%(numbers)s）。")
            % {
                "department": department.short_name or department.name,
                "count": len(done),
                "numbers": "、".join(done),
            },
        )
    for line in failed:
        messages.error(request, _("未派出 %(line)s") % {"line": line})
    return redirect(back)


# --- The order page ------------------------------------------------------------------------------


def _masked(order: WorkOrder) -> dict[str, str]:
    return {
        "caller_name": mask_name(order.caller_name),
        "caller_phone": mask_phone(order.caller_phone),
        "caller_id_number": mask_id_number(order.caller_id_number),
        "caller_address": mask_address(order.caller_address),
        "caller_email": (order.caller_email[:1] + "***@" + order.caller_email.split("@", 1)[-1])
        if order.caller_email
        else "",
    }


def _available_actions(order: WorkOrder, user: Any) -> list[str]:
    names = selectors.work_order_actions(work_order=order, user=user)
    result = []
    for name in names:
        action = ACTIONS.get(name)
        if action is None:
            continue
        canonical = action.alias_of or name
        if canonical not in result:
            result.append(canonical)
    # The order of ACTIONS puts each role's main next step first (its form opens by itself).
    rank = {name: i for i, name in enumerate(ACTIONS)}
    return sorted(result, key=lambda n: (ACTIONS[n].style != "primary", rank[n]))


def _order_page(
    request: HttpRequest,
    order: WorkOrder,
    *,
    bound: tuple[str, Any] | None = None,
    error: str = "",
    reveal: bool = False,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    if order.records_pending:  # taken in a moment ago: its RECEIVED event and audit event first
        services.work_orders_record_pending(ids=[order.pk])
    order = (
        WorkOrder.objects.select_related(
            "category",
            "district",
            "street",
            "lead_department",
            "current_department",
            "reply_department",
            "received_by",
            "merged_into",
        )
        .prefetch_related("attachments")
        .get(pk=order.pk)
    )
    decorate([order])
    names = _available_actions(order, user)
    if queues.is_workspace_user(user) and not queues.is_leader_only(user):
        names.append("note")
    forms = []
    for name in names:
        action = ACTIONS[name]
        if bound is not None and bound[0] == name:
            form = bound[1]
        else:
            form = action_form(action, order)
        forms.append({"action": action, "form": form, "open": bound is not None and bound[0] == name})
    if forms and not any(item["open"] for item in forms) and forms[0]["action"].style == "primary":
        forms[0]["open"] = True
    may_reveal = selectors.may_see_personal_data(user, order)
    personal = {name: getattr(order, name) for name in PERSONAL_FIELDS} if reveal else _masked(order)
    events = WorkOrderEvent.objects.filter(work_order=order).select_related("actor", "department")
    assignments = order.assignments.select_related(
        "department", "accepted_by", "parent__department"
    ).order_by("level", "created_at", "pk")
    history = []
    if may_reveal and order.caller_phone:
        history = list(selectors.caller_history(phone=order.caller_phone, exclude=order, limit=10))
    try:
        rule_text = selectors.clock_rule_text(order)
    except Exception:
        logger.exception("clock rule text failed")
        rule_text = order.deadline_rule_text
    working_left = ""
    if order.status in selectors.HANDLING:
        try:
            working_left = selectors.remaining_text(order)
        except Exception:
            logger.exception("remaining text failed")
    routing = []
    if "dispatch" in names or "reassign" in names:
        routing = routing_suggestions(f"{order.title}\n{order.content}")
    duplicates = duplicate_suggestions(order, user) if order.is_open else []
    return TemplateResponse(
        request,
        "hotline/workspace/order.html",
        {
            "header_title": f"{order.tracking_number} {order.title}",
            "order": order,
            "personal": personal,
            "revealed": reveal,
            "may_reveal": may_reveal and not reveal and any(getattr(order, n) for n in PERSONAL_FIELDS),
            "events": events,
            "assignments": assignments,
            "attachments": list(order.attachments.all()),
            "extension_requests": order.extension_requests.select_related("department").order_by(
                "-requested_at"
            ),
            "return_requests": order.return_requests.select_related(
                "department", "suggested_department"
            ).order_by("-returned_at"),
            "callbacks": order.callback_attempts_log.select_related("attempted_by"),
            "forms": forms,
            "error": error,
            "history": history,
            "rule_text": rule_text,
            "working_left": working_left,
            "routing": routing,
            "duplicates": duplicates,
            "may_merge": "merge" in names,
            "read_only": queues.is_leader_only(user),
        },
        status=status,
    )


@workspace_view
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(queues.is_workspace_user(request.user))
    order = selectors.access_work_order(request.user, pk)
    return _order_page(request, order)


@workspace_view
@require_POST
def order_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the caller's full data once, and record the view (audit_personal_data_view)."""
    _require(queues.is_workspace_user(request.user))
    order = selectors.access_work_order(request.user, pk)
    _require(selectors.may_see_personal_data(request.user, order))
    fields = [name for name in PERSONAL_FIELDS if getattr(order, name)]
    audit_personal_data_view(
        actor=request.user, target=order, fields=fields, request=request, purpose=_("工作台查看来电人信息")
    )
    return _order_page(request, order, reveal=True)


@workspace_view
@require_POST
def order_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Run one action through its service; a refusal shows the core's reason and changes nothing."""
    _require(queues.is_workspace_user(request.user))
    order = selectors.access_work_order(request.user, pk)
    action = ACTIONS.get(name)
    _require(action is not None and not (name == "note" and queues.is_leader_only(request.user)))
    assert action is not None
    form = action_form(action, order, data=request.POST)
    canonical = action.alias_of or name
    if not form.is_valid():
        return _order_page(request, order, bound=(canonical, form), error=_("请检查填写的内容。"), status=400)
    try:
        action.run(work_order=order, actor=request.user, data=form.cleaned_data, request=request)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            form.add_error(None, exc)
        return _order_page(request, order, bound=(canonical, form), error=_service_error(exc), status=400)
    except (TransitionNotAllowed, ApiError) as exc:
        return _order_page(request, order, bound=(canonical, form), error=_service_error(exc), status=409)
    messages.success(
        request, _("%(number)s：已%(action)s。") % {"number": order.tracking_number, "action": action.button}
    )
    # After an action the order may have left the user's sight (a returned order): go to the queue.
    try:
        selectors.access_work_order(request.user, pk)
    except Exception:
        return redirect("hotline_workspace:home")
    return redirect("hotline_workspace:order", pk=pk)


# --- Intake --------------------------------------------------------------------------------------


@workspace_view
def intake(request: HttpRequest) -> HttpResponse:
    """新建工单: the operator's form; "answer directly" closes at first contact from the KB answer."""
    _require(queues.may_take_calls(request.user))
    may_dispatch = queues.may_dispatch(request.user)
    form = IntakeForm(request.POST or None, request.FILES or None, may_dispatch=may_dispatch)
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        mode = request.POST.get("mode", IntakeForm.MODE_CREATE)
        if mode == IntakeForm.MODE_ANSWER and not data["reply_text"].strip():
            form.add_error("reply_text", _("即时答复时请填写答复内容。"))
        else:
            try:
                order = _intake_run(request, data, mode=mode)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.error_dict.items():
                        for e in errors:
                            form.add_error(field if field in form.fields else None, e)
                else:
                    form.add_error(None, exc)
                error = _service_error(exc)
            except (TransitionNotAllowed, ApiError) as exc:
                error = _service_error(exc)
            else:
                if order is not None:
                    return redirect(reverse("hotline_workspace:intake") + f"?created={order.pk}")
    created = None
    created_pk = parse_id(request.GET.get("created", ""))
    if created_pk is not None:
        try:
            created = selectors.access_work_order(request.user, created_pk)
        except Exception:
            created = None
    return TemplateResponse(
        request,
        "hotline/workspace/intake.html",
        {
            "header_title": _("新建工单"),
            "form": form,
            "error": error,
            "created": created,
            "may_dispatch": may_dispatch,
            "history_url": reverse("hotline_workspace:caller_history"),
            "suggest_url": reverse("hotline_workspace:suggest"),
        },
        status=400 if request.method == "POST" else 200,
    )


def _intake_run(request: HttpRequest, data: dict[str, Any], *, mode: str) -> WorkOrder | None:
    order, _code = services.work_order_create(
        channel=Channel.PHONE,
        content=data["content"],
        title=data["title"],
        order_type=data["order_type"],
        urgency=data["urgency"],
        caller_name=data["caller_name"],
        caller_phone=data["caller_phone"],
        category=data["category"],
        district=data["district"],
        street=data.get("street"),
        location=data["location"],
        attachments=data.get("attachments") or (),
        confidential=data["confidential"],
        actor=request.user,
        request=request,
    )
    # The order is stored now; a refused next step leaves it in the 待派单 queue with a message.
    try:
        if mode == IntakeForm.MODE_ANSWER:
            services.work_order_answer_directly(
                work_order=order,
                actor=request.user,
                reply_text=data["reply_text"],
                callback_requested=data["callback_requested"],
                request=request,
            )
            messages.success(request, _("%(number)s 已受理并即时答复。") % {"number": order.tracking_number})
        elif data.get("department"):
            services.work_order_dispatch(
                work_order=order, actor=request.user, department=data["department"], request=request
            )
            department = data["department"]
            messages.success(
                request,
                _("%(number)s 已受理并派往%(department)s。")
                % {"number": order.tracking_number, "department": department.short_name or department.name},
            )
        else:
            messages.success(
                request, _("%(number)s 已受理，进入待派单。") % {"number": order.tracking_number}
            )
    except (TransitionNotAllowed, ValidationError, ApiError) as exc:
        messages.error(
            request,
            _("%(number)s 已受理，但未能完成下一步：%(reason)s")
            % {"number": order.tracking_number, "reason": _service_error(exc)},
        )
    return order


@workspace_view
@require_GET
def caller_history_json(request: HttpRequest) -> JsonResponse:
    """The caller's earlier orders for the intake form (operators and the hotline office)."""
    _require(queues.may_take_calls(request.user))
    phone = request.GET.get("phone", "")
    try:
        number = services.normalize_phone(phone)
    except ValidationError:
        return JsonResponse({"phone": "", "orders": [], "valid": False})
    orders = list(selectors.caller_history(phone=number, limit=10)) if number else []
    if orders:
        audit_personal_data_view(
            actor=request.user,
            target=orders[0],
            fields=["caller_phone"],
            request=request,
            purpose=_("受理时查询来电历史"),
        )
    decorate(orders)
    return JsonResponse(
        {
            "phone": number,
            "valid": bool(number),
            "orders": [
                {
                    "pk": o.pk,
                    "tracking_number": o.tracking_number,
                    "title": o.title,
                    "status": o.status,
                    "status_label": str(o.get_status_display()),
                    "order_type_label": str(o.get_order_type_display()),
                    "created_at": timezone.localtime(o.created_at).strftime("%Y-%m-%d %H:%M"),
                    "caller_name": mask_name(o.caller_name),
                    "url": reverse("hotline_workspace:order", args=[o.pk]),
                }
                for o in orders
            ],
        }
    )


@workspace_view
@require_GET
def suggest_json(request: HttpRequest) -> JsonResponse:
    """Knowledge-base articles and routing suggestions for the text typed so far."""
    _require(queues.may_take_calls(request.user))
    text = request.GET.get("text", "")[:2000].strip()
    if len(text) < 2:
        return JsonResponse({"articles": [], "routing": []})
    return JsonResponse({"articles": article_suggestions(text), "routing": routing_suggestions(text)})


# --- Home and KPIs -------------------------------------------------------------------------------


@workspace_view
def home(request: HttpRequest) -> HttpResponse:
    _require(queues.is_workspace_user(request.user))
    return TemplateResponse(
        request,
        "hotline/workspace/home.html",
        {
            "header_title": _("12345热线工作台"),
            "counts": queues.queue_counts(request.user),
            "may_take_calls": queues.may_take_calls(request.user),
            "may_see_kpis": queues.may_see_kpis(request.user),
            "read_only": queues.is_leader_only(request.user),
        },
    )


@workspace_view
def kpi_view(request: HttpRequest) -> HttpResponse:
    _require(queues.may_see_kpis(request.user))
    form = KpiFilterForm(request.GET or None, user=request.user)
    start, end, department = form.range_and_department()
    if department is not None:
        access_department_or_404(request.user, department.pk)
    context = kpi_rows(user=request.user, start=start, end=end, department=department)
    context.update(
        {
            "header_title": _("绩效统计"),
            "form": form,
            "start": start,
            "end": end,
            "department": department,
            "chart_data": charts.chart_data(start=start, end=end, department=department),
        }
    )
    return TemplateResponse(request, "hotline/workspace/kpi.html", context)


# --- 新媒体留言 (recorded inbound messages) -----------------------------------------------------


@workspace_view
def inbound_list(request: HttpRequest) -> HttpResponse:
    """The queue of recorded new-media messages (new and handed on), or all of one status, filtered.

    Operators, the hotline office and leaders see every message; a department's handlers the ones
    handed to it (转交), with the form to record their answer."""
    from gongkai.hotline.workflow import INBOUND_GRAPH

    user = request.user
    _require(selectors.may_read_inbound(user))
    status = request.GET.get("status", "")
    filters = InboundFilterForm(request.GET or None, user=user)
    data = filters.cleaned_data if filters.is_valid() else {}
    department = data.get("department")
    selected: dict[str, Any] = {
        "channel": data.get("channel") or None,
        "department_id": department.pk if department else None,
        "overdue": True if data.get("overdue") else None,
        "q": data.get("q") or None,
    }
    if status in InboundStatus.values:
        queryset = selectors.inbound_messages_for(user, status=status, **selected)
    else:
        status = ""
        queryset = selectors.inbound_messages_for(user, **selected).filter(
            status__in=(InboundStatus.NEW, InboundStatus.ESCALATED)
        )
        queryset = queryset.order_by("received_at", "pk")
    page = Paginator(queryset, PER_PAGE).get_page(request.GET.get("p"))
    now = timezone.now()
    rows = []
    for m in page.object_list:
        allowed = {t.name for t in INBOUND_GRAPH.available(m, user)}
        rows.append(
            {
                "message": m,
                "text": redact_text(m.text),
                "phone": mask_phone(m.sender_phone),
                "open": m.status in (InboundStatus.NEW, InboundStatus.ESCALATED),
                "overdue": m.status == InboundStatus.ESCALATED and m.due_at is not None and m.due_at < now,
                "allowed": allowed,
                "convert": InboundConvertForm(prefix=f"m{m.pk}"),
                "ignore": InboundIgnoreForm(prefix=f"m{m.pk}"),
                "escalate": InboundEscalateForm(prefix=f"m{m.pk}") if "escalate" in allowed else None,
                "answer": InboundAnswerForm(prefix=f"m{m.pk}") if "answer" in allowed else None,
            }
        )
    query = request.GET.copy()
    query.pop("p", None)
    return TemplateResponse(
        request,
        "hotline/workspace/inbound.html",
        {
            "header_title": _("新媒体留言"),
            "page": page,
            "rows": rows,
            "status": status,
            "statuses": InboundStatus.choices,
            "filters": filters,
            "query": query.urlencode(),
        },
    )


@workspace_view
@require_POST
def inbound_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """转为工单, 忽略, 转交单位 or 登记已答复 for one recorded message, through its service."""
    forms_by_name: dict[str, Any] = {
        "convert": InboundConvertForm,
        "ignore": InboundIgnoreForm,
        "escalate": InboundEscalateForm,
        "answer": InboundAnswerForm,
    }
    _require(selectors.may_read_inbound(request.user) and name in forms_by_name)
    if name in ("convert", "ignore", "escalate"):
        _require(queues.may_take_calls(request.user))
    message = selectors.inbound_messages_visible(request.user).filter(pk=pk).first()
    if message is None:
        raise Http404("not found")
    form: Any = forms_by_name[name](request.POST, prefix=f"m{pk}")
    back = reverse("hotline_workspace:inbound")
    if not form.is_valid():
        messages.error(request, _("请检查填写的内容。"))
        return redirect(back)
    try:
        if name == "escalate":
            services.inbound_message_escalate(
                message=message,
                actor=request.user,
                department=form.cleaned_data["department"],
                note=form.cleaned_data["note"],
                days=form.cleaned_data["days"],
                request=request,
            )
            messages.success(
                request,
                _("留言已转交%(department)s。")
                % {"department": form.cleaned_data["department"].display_name},
            )
        elif name == "answer":
            services.inbound_message_answer(
                message=message, actor=request.user, reason=form.cleaned_data["reason"], request=request
            )
            messages.success(request, _("已登记答复。"))
        elif name == "convert":
            order = services.inbound_message_convert(
                message=message,
                actor=request.user,
                order_type=form.cleaned_data["order_type"],
                category=form.cleaned_data["category"],
                title=form.cleaned_data["title"],
                request=request,
            )
            messages.success(
                request, _("留言已转为工单 %(number)s，进入待派单。") % {"number": order.tracking_number}
            )
        else:
            services.inbound_message_ignore(
                message=message, actor=request.user, reason=form.cleaned_data["reason"], request=request
            )
            messages.success(request, _("留言已忽略。"))
    except (ValidationError, TransitionNotAllowed, ApiError) as exc:
        messages.error(request, _("操作未执行：%(reason)s") % {"reason": _service_error(exc)})
    return redirect(back)


@workspace_view
@require_GET
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    """Serve one attachment of an order the user may see (else 404), as a download with its stored
    content type, and record who downloaded it (audit ``hotline.attachment_downloaded``)."""
    from django.http import FileResponse

    from gongkai.hotline.models import Attachment

    _require(queues.is_workspace_user(request.user))
    order = selectors.access_work_order(request.user, pk)
    attachment = Attachment.objects.filter(pk=attachment_pk, work_order=order).first()
    if attachment is None:
        raise Http404("not found")
    try:
        handle = services.attachment_open(attachment=attachment, actor=request.user, request=request)
    except (FileNotFoundError, OSError) as exc:
        logger.warning("attachment %s of work order %s is missing", attachment.pk, order.pk)
        raise Http404("not found") from exc
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return cast(HttpResponse, response)  # a streaming response: the decorator passes it through
