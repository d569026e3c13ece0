"""Audit trail API for auditors and integrations (read-only)."""

import datetime

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import Field

from gongkai.api.errors import ApiError, PermissionDenied
from gongkai.core.audit.selectors import audit_event_list

router = Router(tags=["audit"])


class AuditEventOut(Schema):
    id: int
    created_at: datetime.datetime
    kind: str
    action: str
    actor_repr: str
    target_type: str | None
    target_id: str
    target_repr: str
    old_values: dict | None
    new_values: dict | None
    fields: list
    note: str

    @staticmethod
    def resolve_target_type(obj) -> str | None:
        return f"{obj.target_type.app_label}.{obj.target_type.model}" if obj.target_type_id else None


class AuditFilter(Schema):
    model_config = {"extra": "forbid"}

    kind: str | None = Field(None, max_length=24)
    action: str | None = Field(None, max_length=80)
    target_type: str | None = Field(None, max_length=120)
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


@router.get("/events", response=list[AuditEventOut], summary="审计记录 / Audit events")
@paginate(LimitOffsetPagination)
def list_events(request, filters: Query[AuditFilter]):
    if not request.auth.has_perm("audit.view_auditevent"):
        raise PermissionDenied()
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise ApiError(_("起始日期不能晚于截止日期。"), code="invalid_date_range", status=422)
    return audit_event_list(**filters.dict(exclude_none=True))
