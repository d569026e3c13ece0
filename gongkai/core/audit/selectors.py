"""Read the audit trail (auditors and the history panel of each record)."""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from gongkai.core.audit.models import AuditEvent


def audit_event_list(
    *,
    kind: str | None = None,
    action: str | None = None,
    actor_id: int | None = None,
    target: models.Model | None = None,
    target_type: str | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    text: str | None = None,
) -> QuerySet[AuditEvent]:
    """Filter audit events, newest first. ``target_type`` is ``"app_label.model"``."""
    qs = AuditEvent.objects.select_related("actor", "target_type")
    if kind:
        qs = qs.filter(kind=kind)
    if action:
        qs = qs.filter(action__startswith=action)
    if actor_id:
        qs = qs.filter(actor_id=actor_id)
    if target is not None:
        qs = qs.filter(target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk))
    elif target_type:
        app_label, _, model = target_type.partition(".")
        qs = qs.filter(target_type__app_label=app_label, target_type__model=model)
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    if text:
        qs = qs.filter(
            models.Q(target_repr__icontains=text)
            | models.Q(note__icontains=text)
            | models.Q(actor_repr__icontains=text)
        )
    return qs.order_by("-created_at", "-pk")


def audit_history_for(target: models.Model) -> QuerySet[AuditEvent]:
    return audit_event_list(target=target)
