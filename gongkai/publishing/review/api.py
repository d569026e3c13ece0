"""The review chain's API under /api/v1/publishing/ (staff token or session).

- ``GET overdue``: unpublished 主动公开 documents at ≥15 working days since formed (Art. 26),
  worst first; the caller sees the departments they may see.
- ``GET rereview``: withheld and on-request documents with their next re-review date (Art. 18).
"""

import datetime as dt

from ninja import Query, Router, Schema

from gongkai.api.errors import PermissionDenied
from gongkai.publishing.review import access, selectors

router = Router(tags=["publishing-review"])


class DeadlineOut(Schema):
    page_id: int
    title: str
    department_id: int | None
    department: str
    document_type: str
    formed_at: dt.date
    working_days: int | None
    due_on: dt.date | None
    status: str
    in_workflow: bool


class OverdueFilter(Schema):
    status: str | None = None


class ReReviewOut(Schema):
    page_id: int
    title: str
    department: str
    disclosure_attribute: str
    legal_ground: str
    last_reviewed_on: dt.date | None
    due_on: dt.date
    is_due: bool


@router.get("/overdue", response=list[DeadlineOut], summary="20 个工作日公开时限：即将超期和已超期的文档")
def publishing_overdue_list(request, filters: Query[OverdueFilter]):
    if not access.can_view_deadlines(request.auth):
        raise PermissionDenied()
    rows = selectors.deadline_rows(user=request.auth)
    if filters.status:
        rows = [row for row in rows if row.status == filters.status]
    return [row.__dict__ for row in rows]


@router.get("/rereview", response=list[ReReviewOut], summary="不予公开和依申请公开信息的定期审查")
def publishing_rereview_list(request, due_only: bool = False):
    if not access.can_rereview(request.auth):
        raise PermissionDenied()
    return [row.__dict__ for row in selectors.rereview_rows(user=request.auth, due_only=due_only)]
