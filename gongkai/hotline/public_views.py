"""The citizen's pages of the 12345 hotline: file an appeal or a mailbox letter, see the
confirmation, look up progress, rate the reply, read the public letters and their statistics.

Views parse input, call one service or selector and render. The query code is shown once, on the
confirmation page, from the session (never in a URL); a lookup grants the session a view of one
order for a while, so that the tracking number and code never travel again. A wrong code and an
unknown number answer the same "没有找到", and failed lookups are limited per address.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gongkai.core.personal_data import mask_name, mask_phone
from gongkai.hotline import public_forms, ratelimit, selectors, services
from gongkai.hotline.models import Channel, Status, WorkOrder

SESSION_FILED = "hotline_public_filed"
SESSION_TRACK = "hotline_public_track"
#: How long the confirmation page shows the query code after filing (the SMS carries it too).
FILED_SHOW_SECONDS = 30 * 60
#: How long a successful lookup lets this browser see the order without typing the code again.
TRACK_GRANT_SECONDS = 30 * 60
LETTERS_PER_PAGE = 10
MAX_SEARCH_CANDIDATES = 5000


# --- File an appeal / a mailbox letter ----------------------------------------------------------


def appeal_new(request: HttpRequest) -> HttpResponse:
    return _appeal(request, channel=Channel.WEB)


def mailbox_new(request: HttpRequest) -> HttpResponse:
    return _appeal(request, channel=Channel.MAILBOX)


def _appeal(request: HttpRequest, *, channel: str) -> HttpResponse:
    form = public_forms.AppealForm(request.POST or None, request.FILES or None, channel=channel)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                filed = public_forms.appeal_submit(form, request=request)
            except public_forms.RateLimited as exc:
                form.add_error(None, exc.message)
                status = 429
            except ValidationError:
                status = 400
            else:
                _remember_filed(request, filed)
                return redirect("hotline_public:filed", tracking_number=filed.order.tracking_number)
        else:
            status = 400
    return render(
        request,
        "hotline/public/appeal_form.html",
        {
            "form": form,
            "is_mailbox": channel == Channel.MAILBOX,
            "section": "mailbox" if channel == Channel.MAILBOX else "new",
        },
        status=status,
    )


def _remember_filed(request: HttpRequest, filed: public_forms.Filed) -> None:
    """Keep the query code for the confirmation page only, in the session, keyed by order id."""
    filed_map = {
        k: v
        for k, v in request.session.get(SESSION_FILED, {}).items()
        if time.time() - v.get("at", 0) < FILED_SHOW_SECONDS
    }
    key = str(filed.order.pk)
    entry = filed_map.get(key)
    if entry is None or filed.query_code:
        filed_map[key] = {"code": filed.query_code, "at": time.time(), "duplicate": filed.duplicate}
    else:
        entry["duplicate"] = True
    request.session[SESSION_FILED] = filed_map


@never_cache
def filed(request: HttpRequest, tracking_number: str) -> HttpResponse:
    order = selectors.tracking_number_lookup(tracking_number)
    entry = request.session.get(SESSION_FILED, {}).get(str(order.pk)) if order is not None else None
    if order is None or entry is None or time.time() - entry.get("at", 0) >= FILED_SHOW_SECONDS:
        return render(request, "hotline/public/filed_expired.html", {"section": "new"}, status=404)
    return render(
        request,
        "hotline/public/filed.html",
        {
            "order": order,
            "query_code": entry.get("code"),
            "duplicate": entry.get("duplicate", False),
            "is_mailbox": order.channel == Channel.MAILBOX,
            "masked_phone": mask_phone(order.caller_phone),
            "section": "mailbox" if order.channel == Channel.MAILBOX else "new",
        },
    )


# --- Lookup and rating --------------------------------------------------------------------------

STATUS_EXPLAINED: dict[str, Promise] = {
    Status.RECEIVED: gettext_lazy("热线已收到您的诉求，正在交给有关单位办理。"),
    Status.DISPATCHED: gettext_lazy("已交给办理单位，等待单位签收。"),
    Status.IN_PROGRESS: gettext_lazy("办理单位正在办理。"),
    Status.REPLIED: gettext_lazy("办理单位已经答复，热线正在审核答复内容。"),
    Status.AWAITING_CALLBACK: gettext_lazy(
        "已经答复。热线工作人员会打电话回访，您也可以在本页下方评价答复。"
    ),
    Status.CLOSED: gettext_lazy("已办结。"),
    Status.RETURNED: gettext_lazy("正在重新确定办理单位。"),
    Status.INVALID: gettext_lazy("该诉求未予受理。如有疑问，请拨打 12345 热线。"),
}
#: Status names in the citizen's words where the staff word would puzzle (待回访, 已派单).
PUBLIC_STATUS_LABEL: dict[str, Promise] = {
    Status.DISPATCHED: gettext_lazy("已交办"),
    Status.REPLIED: gettext_lazy("办理中（答复审核中）"),
    Status.AWAITING_CALLBACK: gettext_lazy("已答复，等待回访"),
    Status.RETURNED: gettext_lazy("正在重新交办"),
}
STEPS = [
    ("received", gettext_lazy("已受理"), {Status.RECEIVED}),
    ("handling", gettext_lazy("办理中"), {Status.DISPATCHED, Status.IN_PROGRESS, Status.RETURNED}),
    ("replied", gettext_lazy("已答复"), {Status.REPLIED, Status.AWAITING_CALLBACK}),
    ("closed", gettext_lazy("已办结"), {Status.CLOSED}),
]


def _steps(status: str) -> list[dict[str, Any]]:
    current = next((i for i, (_key, _label, states) in enumerate(STEPS) if status in states), None)
    if status == Status.REPLIED:  # the reply is being checked: the citizen cannot read it yet
        current = 1
    result = []
    for index, (key, label, _states) in enumerate(STEPS):
        state = "todo"
        if current is not None and index < current:
            state = "done"
        elif current is not None and index == current:
            # 已受理/已答复/已办结 name something that has happened: a tick, not "in progress".
            state = "current" if key == "handling" else "done"
        result.append({"key": key, "label": str(label), "state": state})
    return result


def _granted_order(request: HttpRequest) -> WorkOrder | None:
    grant = request.session.get(SESSION_TRACK)
    if not grant or time.time() - grant.get("at", 0) >= TRACK_GRANT_SECONDS:
        return None
    return WorkOrder.objects.filter(pk=grant.get("pk")).first()


@never_cache
def track(request: HttpRequest) -> HttpResponse:
    form = public_forms.LookupForm(request.POST or None)
    status = 200
    not_found = False
    if request.method == "POST":
        ip = ratelimit.client_ip(request)
        if ratelimit.is_exceeded(ratelimit.FAILED_LOOKUPS_PER_IP, ip):
            minutes = ratelimit.minutes_left(ratelimit.FAILED_LOOKUPS_PER_IP)
            form.add_error(
                None,
                _("查询失败次数过多，请 %(minutes)s 分钟后再试，或拨打 12345 热线查询。")
                % {"minutes": minutes},
            )
            status = 429
        elif form.is_valid():
            order = services.public_lookup(
                form.cleaned_data["tracking_number"], form.cleaned_data["query_code"]
            )
            if order is not None:
                request.session.cycle_key()
                request.session[SESSION_TRACK] = {"pk": order.pk, "at": time.time()}
                return redirect("hotline_public:track_result")
            ratelimit.hit(ratelimit.FAILED_LOOKUPS_PER_IP, ip)
            not_found = True
            status = 404
        else:
            status = 400
    return render(
        request,
        "hotline/public/track.html",
        {"form": form, "not_found": not_found, "section": "track"},
        status=status,
    )


def _result_context(order: WorkOrder, rating_form: public_forms.RatingForm | None = None) -> dict[str, Any]:
    view = selectors.public_view(order)
    effective = selectors.work_order_effective(order)
    rated = public_forms.rating_exists(order=order, effective=effective)
    rateable = effective.status in public_forms.RATEABLE_STATUSES and not rated
    explained = str(STATUS_EXPLAINED.get(view.status, ""))
    if rated and view.status == Status.AWAITING_CALLBACK:
        explained = _("已经答复。您已评价，热线工作人员会根据您的评价与您联系。")
    return {
        "view": view,
        "status_label": str(PUBLIC_STATUS_LABEL.get(view.status, view.status_label)),
        "status_explained": explained,
        "steps": _steps(view.status),
        "remaining": selectors.remaining_text(effective) if view.reply_due_at else "",
        "rated": rated,
        "rateable": rateable,
        "rating_form": rating_form or public_forms.RatingForm(),
        "caller_name": mask_name(order.caller_name),
        "caller_phone": mask_phone(order.caller_phone),
        "section": "track",
    }


@never_cache
def track_result(request: HttpRequest) -> HttpResponse:
    order = _granted_order(request)
    if order is None:
        messages.info(request, _("请输入受理编号和查询码查询。"))
        return redirect("hotline_public:track")
    return render(request, "hotline/public/track_result.html", _result_context(order))


@require_POST
def track_rate(request: HttpRequest) -> HttpResponse:
    order = _granted_order(request)
    if order is None:
        messages.info(request, _("查询已超时，请重新输入受理编号和查询码。"))
        return redirect("hotline_public:track")
    form = public_forms.RatingForm(request.POST)
    if not form.is_valid():
        return render(request, "hotline/public/track_result.html", _result_context(order, form), status=400)
    if ratelimit.reserve([(ratelimit.RATINGS_PER_IP, ratelimit.client_ip(request))]) is not None:
        messages.error(request, _("提交过于频繁，请稍后再试。"))
        return redirect("hotline_public:track_result")
    effective = selectors.work_order_effective(order)
    try:
        public_forms.rating_submit(form=form, order=order, effective=effective, request=request)
    except public_forms.AlreadyRated:
        messages.info(request, _("您已经评价过，谢谢。"))
    except ValidationError:
        messages.error(request, _("评价没有提交成功，请检查内容后再试。"))
    else:
        if form.cleaned_data.get("request_reopen"):
            messages.success(request, _("谢谢您的评价。您的重新办理申请已转给热线，工作人员会与您联系。"))
        else:
            messages.success(request, _("谢谢您的评价。"))
    return redirect("hotline_public:track_result")


@require_POST
def track_end(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_TRACK, None)
    messages.info(request, _("已退出查询。在公用电脑上使用后，请关闭浏览器。"))
    return redirect("hotline_public:track")


# --- Public letters (信件公开) ----------------------------------------------------------------


def letters(request: HttpRequest) -> HttpResponse:
    query = (request.GET.get("q") or "").strip()[:50]
    page = Paginator(selectors.public_letters(query=query), LETTERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "hotline/public/letters.html",
        {
            "page": page,
            "letters": [selectors.public_letter(o) for o in page.object_list],
            "query": query,
            "section": "letters",
        },
    )


def letter_detail(request: HttpRequest, tracking_number: str) -> HttpResponse:
    order = selectors.public_letters().filter(tracking_number=tracking_number).first()
    if order is None:
        raise Http404(_("没有找到这封信件。"))
    return render(
        request,
        "hotline/public/letter_detail.html",
        {"letter": selectors.public_letter(order), "section": "letters"},
    )


def letter_stats(request: HttpRequest) -> HttpResponse:
    stats = selectors.letter_statistics()
    chart_height = 160
    bars = []
    for i, row in enumerate(stats["months"]):
        received_h = round(row.received * chart_height / stats["peak"])
        answered_h = round(row.answered * chart_height / stats["peak"])
        bars.append(
            {
                "row": row,
                "x": 40 + i * 56,
                "received_h": received_h,
                "received_y": 10 + chart_height - received_h,
                "answered_h": answered_h,
                "answered_y": 10 + chart_height - answered_h,
                "short": _("%(month)s月") % {"month": int(row.label[5:])},
            }
        )
    return render(
        request,
        "hotline/public/letter_stats.html",
        {**stats, "bars": bars, "base_y": 10 + chart_height, "section": "letters"},
    )


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "hotline/public/home.html")
