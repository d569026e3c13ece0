"""Write audit events. Every state change and every view of a citizen's personal data calls these.

Call them inside the transaction of the change they record: if the change rolls back, so does
its audit event, and an event never describes a change that did not happen.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpRequest

from gongkai.core.audit.models import AuditEvent


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, models.Model):
        return {"pk": value.pk, "repr": str(value)[:200]}
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, Iterable):
        return [_jsonable(v) for v in value]
    return str(value)


def _client(request: HttpRequest | None) -> tuple[str | None, str]:
    if request is None:
        return None, ""
    ip = request.META.get("REMOTE_ADDR") or None
    agent = (request.META.get("HTTP_USER_AGENT") or "")[:300]
    return ip, agent


def _actor_repr(actor) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ""
    full = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
    name = actor.get_username()
    return f"{full} ({name})" if full else name


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    old: Mapping[str, Any] | None = None,
    new: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
    note: str = "",
    kind: str = AuditEvent.Kind.CHANGE,
    fields: Iterable[str] = (),
) -> AuditEvent:
    """Append one audit event.

    - ``action`` is a dotted, past-tense code such as ``"workorder.dispatched"``.
    - ``old``/``new`` hold only the values that changed; they are stored as JSON.
    - ``actor`` may be ``None`` (or anonymous) for system jobs and citizens.
    """
    ip, agent = _client(request)
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    event = AuditEvent(
        kind=kind,
        action=action[:80],
        actor=user,
        actor_repr=_actor_repr(actor),
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None and target.pk is not None else "",
        target_repr=str(target)[:300] if target is not None else "",
        old_values=_jsonable(dict(old)) if old is not None else None,
        new_values=_jsonable(dict(new)) if new is not None else None,
        fields=list(fields),
        note=note,
        ip_address=ip,
        user_agent=agent,
    )
    event.save(force_insert=True)
    return event


def audit_personal_data_view(
    *,
    actor,
    target: models.Model,
    fields: Iterable[str],
    request: HttpRequest | None = None,
    purpose: str = "",
) -> AuditEvent:
    """Record that ``actor`` saw the unmasked personal data ``fields`` of ``target``."""
    return audit_record(
        actor=actor,
        action="personal_data.viewed",
        target=target,
        request=request,
        note=purpose,
        kind=AuditEvent.Kind.PERSONAL_DATA_VIEW,
        fields=fields,
    )


def audit_changes(
    instance: models.Model, before: Mapping[str, Any], field_names: Iterable[str]
) -> tuple[dict, dict]:
    """Return ``(old, new)`` for the fields of ``instance`` whose value differs from ``before``."""
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for name in field_names:
        after = getattr(instance, name)
        if before.get(name) != after:
            old[name] = before.get(name)
            new[name] = after
    return old, new
