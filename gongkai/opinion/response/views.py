"""Staff forms of an event's response case in the Wagtail admin (``/admin/opinion/response/``).

Thin: the forms parse, ``services`` decide and audit. A refused input or transition re-shows the form
with the service's message and changes nothing; a success goes back to the event page of the
workspace with a message. Only the workspace's users (``workspace.access.is_analyst``) get in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gongkai.api.errors import ApiError
from gongkai.core.workflow import TransitionNotAllowed
from gongkai.opinion.models import Event
from gongkai.opinion.response import selectors, services
from gongkai.opinion.response.forms import AssessForm, ClarificationForm, ForwardForm, RespondForm
from gongkai.opinion.response.models import EventCase
from gongkai.opinion.workspace import access
from gongkai.opinion.workspace.views import Denied, workspace_view

#: Service field names that differ from the form's.
FIELD_ALIASES = {"clock_started_at": None, "event": None}

REFUSED = (ValidationError, TransitionNotAllowed, ApiError)


def _event(request: HttpRequest, pk: int) -> Event:
    if not access.is_analyst(request.user):
        raise Denied
    event = Event.objects.filter(pk=pk).first()
    if event is None:
        raise Http404("not found")
    return event


def _case(event: Event) -> EventCase | None:
    return EventCase.objects.select_related("responsible_department").filter(event=event).first()


def form_refused(form: forms.Form, exc: Exception) -> None:
    """Put a service's refusal on the form: each field's message on its field, the rest on top."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = FIELD_ALIASES.get(field, field)
            for error in errors:
                form.add_error(target if target in form.fields else None, error)
    elif isinstance(exc, ValidationError):
        for error in exc.messages:
            form.add_error(None, error)
    else:
        form.add_error(None, str(getattr(exc, "message", exc)))


def _event_url(event: Event) -> str:
    return reverse("opinion_workspace:event", args=[event.pk])


def _handle(
    request: HttpRequest,
    event: Event,
    form: forms.Form,
    action: Callable[[dict[str, Any]], Any],
    *,
    done: str,
    title: str,
    submit: str,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            action(form.cleaned_data)
        except REFUSED as exc:
            form_refused(form, exc)
        else:
            messages.success(request, done)
            return redirect(_event_url(event))
    return TemplateResponse(
        request,
        "opinion_response/event_form.html",
        {
            "header_title": f"{title}：{event.display_title}",
            "title": title,
            "event": event,
            "case": _case(event),
            "form": form,
            "submit": submit,
            "event_url": _event_url(event),
            **(extra or {}),
        },
        status=400 if request.method == "POST" and form.errors else 200,
    )


@workspace_view
@require_http_methods(["GET", "POST"])
def assess(request: HttpRequest, pk: int) -> HttpResponse:
    """研判: level, major emergency, rumor or not, the first responsible department (the suggestion
    preselected), the note."""
    event = _event(request, pk)
    case = _case(event)
    suggestions = selectors.suggest_departments(event)
    if case is not None and case.is_assessed:
        initial: dict[str, Any] = {
            "level": case.level,
            "is_major_emergency": case.is_major_emergency,
            "department": case.responsible_department_id,
            "note": case.assessment_note,
        }
    else:
        initial = {"department": suggestions[0]["department"].pk if suggestions else None}
    initial["is_rumor"] = event.is_rumor
    form = AssessForm(request.POST if request.method == "POST" else None, initial=initial)

    def action(data: dict[str, Any]) -> Any:
        return services.case_assess(
            event=event,
            level=data["level"],
            is_major_emergency=bool(data["is_major_emergency"]),
            department=data["department"],
            note=data["note"],
            is_rumor=bool(data["is_rumor"]),
            actor=request.user,
            request=request,
        )

    return _handle(
        request,
        event,
        form,
        action,
        done=_("已保存研判。"),
        title=_("研判"),
        submit=_("保存研判"),
        extra={"suggestions": suggestions},
    )


@workspace_view
@require_http_methods(["GET", "POST"])
def forward(request: HttpRequest, pk: int) -> HttpResponse:
    """转办: the department, its deadline, the instructions (a hotline work order may be linked)."""
    event = _event(request, pk)
    case = _case(event)
    initial = {"department": case.responsible_department_id} if case is not None else {}
    form = ForwardForm(request.POST if request.method == "POST" else None, initial=initial)

    def action(data: dict[str, Any]) -> Any:
        return services.case_forward(
            event=event,
            department=data["department"],
            instructions=data["instructions"],
            deadline=data["deadline"],
            work_order_number=data["work_order"],
            actor=request.user,
            request=request,
        )

    return _handle(request, event, form, action, done=_("已转办。"), title=_("转办"), submit=_("转办"))


@workspace_view
@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, pk: int) -> HttpResponse:
    """回应登记: the kind, the time, what was said, optionally the published document."""
    event = _event(request, pk)
    form = RespondForm(request.POST if request.method == "POST" else None)

    def action(data: dict[str, Any]) -> Any:
        return services.case_record_response(
            event=event,
            kind=data["kind"],
            summary=data["summary"],
            at=data["at"],
            url=data["url"],
            page_id=data["page"],
            spokesperson=data["spokesperson"],
            actor=request.user,
            request=request,
        )

    clarify_url = reverse("opinion_response:clarify", args=[event.pk]) if event.is_rumor else None
    return _handle(
        request,
        event,
        form,
        action,
        done=_("已登记回应。"),
        title=_("回应登记"),
        submit=_("登记回应"),
        extra={"clarify_url": clarify_url},
    )


@workspace_view
@require_http_methods(["GET", "POST"])
def clarify(request: HttpRequest, pk: int) -> HttpResponse:
    """辟谣关联: the rumor's published clarification (its publication is recorded as a response)."""
    event = _event(request, pk)
    form = ClarificationForm(request.POST if request.method == "POST" else None)

    def action(data: dict[str, Any]) -> Any:
        return services.case_link_clarification(
            event=event, page_id=data["page"], actor=request.user, request=request
        )

    return _handle(
        request,
        event,
        form,
        action,
        done=_("已关联辟谣信息。"),
        title=_("关联辟谣信息"),
        submit=_("关联"),
    )
