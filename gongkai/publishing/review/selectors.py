"""Reads of the review chain: sensitivity, the duty roster, the 20-working-day report, re-reviews due."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Max, Q
from django.utils import timezone

from gongkai.publishing.review import documents
from gongkai.publishing.review.models import OnDutyAssignment, ReReview, SensitiveRule

#: Art. 26: proactive information is published within 20 working days of being formed or changed.
DEADLINE_WORKING_DAYS = 20
#: From this many working days on, a document shows as approaching the deadline.
WARNING_WORKING_DAYS = 15


# --- Sensitivity and the duty roster --------------------------------------------------------------


def is_sensitive(*, page: Any) -> bool:
    """Whether ``page`` needs 上级审批: an active ``SensitiveRule`` matches its type and department."""
    from gongkai.accounts.models import Department

    page = documents.specific(page)
    content_type = ContentType.objects.get_for_model(type(page))
    rules = SensitiveRule.objects.filter(active=True).filter(
        Q(document_type__isnull=True) | Q(document_type=content_type)
    )
    dept_id = documents.department_id(page)
    department = Department.objects.filter(pk=dept_id).only("path").first() if dept_id else None
    for rule in rules.select_related("department"):
        if rule.department_id is None:
            return True
        if department is None:
            continue
        if rule.department_id == department.pk:
            return True
        if (
            rule.include_subdepartments
            and rule.department is not None
            and department.path.startswith(rule.department.path)
        ):
            return True
    return False


def on_duty_leader_ids(*, day: datetime.date) -> frozenset[int]:
    """The users on the emergency duty roster on ``day`` (a local date)."""
    return frozenset(
        OnDutyAssignment.objects.filter(
            starts_on__lte=day, ends_on__gte=day, leader__is_active=True
        ).values_list("leader_id", flat=True)
    )


def document_page_ids_in_scope(user: Any) -> list[int]:
    """Ids of the documents whose department ``user`` may see."""
    from gongkai.accounts.access import visible_departments

    departments = visible_departments(user)
    ids: list[int] = []
    for model in documents.document_models():
        ids.extend(model.objects.filter(department__in=departments).values_list("pk", flat=True))
    return ids


# --- The 20-working-day report (Art. 26) ----------------------------------------------------------


@dataclass(frozen=True)
class DeadlineRow:
    page_id: int
    title: str
    department_id: int | None
    department: str
    document_type: str
    formed_at: datetime.date
    working_days: int | None
    """Working days from ``formed_at`` (not counted) to today (counted); None if the calendar lacks a year."""
    due_on: datetime.date | None
    status: str
    """``approaching`` (≥15), ``overdue`` (>20 … counted from 20 on: "past" means more than 20) or ``calendar_missing``."""
    in_workflow: bool


def _unpublished_proactive(user: Any = None):
    from gongkai.accounts.access import visible_departments

    departments = visible_departments(user) if user is not None and not user.is_superuser else None
    for model in documents.document_models():
        queryset = model.objects.filter(
            live=False, disclosure_attribute=documents.PROACTIVE, formed_at__isnull=False
        ).select_related("department")
        if departments is not None:
            queryset = queryset.filter(department__in=departments)
        yield from queryset


def deadline_rows(
    *, today: datetime.date | None = None, user: Any = None, minimum: int = WARNING_WORKING_DAYS
) -> list[DeadlineRow]:
    """Unpublished 主动公开 documents at or past ``minimum`` working days since formed, worst first.

    Working days are counted on the work calendar (``working_days_between``: the formation day
    itself is not counted). A document is *approaching* from 15 working days and *overdue* once
    more than 20 have passed (the 20th working day is the last day in time). ``user`` limits the
    rows to the departments they may see.
    """
    from gongkai.core.workcalendar.errors import CalendarNotAvailable
    from gongkai.core.workcalendar.selectors import add_working_days, working_days_between

    today = today or timezone.localdate()
    rows: list[DeadlineRow] = []
    for page in _unpublished_proactive(user):
        formed = documents.formed_at(page)
        if formed is None or formed > today:
            continue
        try:
            days: int | None = working_days_between(start=formed, end=today)
            due_on: datetime.date | None = add_working_days(start=formed, days=DEADLINE_WORKING_DAYS)
        except CalendarNotAvailable:
            days, due_on = None, None
        if days is None:
            status = "calendar_missing"
        elif days > DEADLINE_WORKING_DAYS:
            status = "overdue"
        elif days >= minimum:
            status = "approaching"
        else:
            continue
        department = getattr(page, "department", None)
        rows.append(
            DeadlineRow(
                page_id=page.pk,
                title=page.title,
                department_id=getattr(department, "pk", None),
                department=str(getattr(department, "name", "") or ""),
                document_type=documents.document_type_label(page),
                formed_at=formed,
                working_days=days,
                due_on=due_on,
                status=status,
                in_workflow=page.workflow_in_progress,
            )
        )
    rows.sort(key=lambda row: (-(row.working_days if row.working_days is not None else 10**6), row.page_id))
    return rows


# --- Art. 18 re-review ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReReviewRow:
    page_id: int
    title: str
    department: str
    disclosure_attribute: str
    legal_ground: str
    last_reviewed_on: datetime.date | None
    due_on: datetime.date
    is_due: bool


def rereview_rows(
    *, today: datetime.date | None = None, user: Any = None, due_only: bool = False
) -> list[ReReviewRow]:
    """Withheld and on-request documents with the date their next re-review is due, earliest first.

    Due one interval (``services.REREVIEW_INTERVAL_DAYS``) after the last re-review, or after the
    date the information was formed (else the page's creation) when it was never re-reviewed.
    """
    from gongkai.accounts.access import visible_departments
    from gongkai.publishing.review.services import REREVIEW_INTERVAL_DAYS

    today = today or timezone.localdate()
    departments = visible_departments(user) if user is not None and not user.is_superuser else None
    interval = datetime.timedelta(days=REREVIEW_INTERVAL_DAYS)
    pages = []
    for model in documents.document_models():
        queryset = model.objects.filter(
            disclosure_attribute__in=[documents.WITHHELD, documents.ON_REQUEST]
        ).select_related("department")
        if departments is not None:
            queryset = queryset.filter(department__in=departments)
        pages.extend(queryset)
    last = dict(
        ReReview.objects.filter(page_id__in=[page.pk for page in pages])
        .values("page_id")
        .annotate(latest=Max("decided_at"))
        .values_list("page_id", "latest")
    )
    rows = []
    for page in pages:
        latest = last.get(page.pk)
        if latest is not None:
            last_on = timezone.localtime(latest).date()
            base = last_on
        else:
            last_on = None
            created = getattr(page, "first_published_at", None) or getattr(
                page, "latest_revision_created_at", None
            )
            base = documents.formed_at(page) or (timezone.localtime(created).date() if created else today)
        due = base + interval
        if due_only and due > today:
            continue
        rows.append(
            ReReviewRow(
                page_id=page.pk,
                title=page.title,
                department=str(getattr(getattr(page, "department", None), "name", "") or ""),
                disclosure_attribute=documents.disclosure_attribute(page),
                legal_ground=str(getattr(page, "legal_ground", "") or ""),
                last_reviewed_on=last_on,
                due_on=due,
                is_due=due <= today,
            )
        )
    rows.sort(key=lambda row: (row.due_on, row.page_id))
    return rows
