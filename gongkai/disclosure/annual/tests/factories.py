"""Hand-built applications, review cases and policy documents for the annual report's tests.

Rows are written directly (not through the handling services): the report counts what is stored,
and the tests need dates services would refuse (years ago, concluded before received).
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any
from zoneinfo import ZoneInfo

from gongkai.disclosure.grounds import outcome_of
from gongkai.disclosure.models import Application, IntakeChannel, ReviewCase, Status

TZ = ZoneInfo("Asia/Shanghai")
_numbers = itertools.count(1)


def application(
    department: Any,
    received_on: datetime.date,
    *,
    applicant_type: str = "natural_person",
    concluded_on: datetime.date | None = None,
    ground: str = "",
) -> Application:
    number = next(_numbers)
    if concluded_on is not None and not ground:
        ground = "disclosed"
    return Application.objects.create(
        tracking_number=f"YSQT-{number:06d}",
        query_code_hash="x",
        department=department,
        applicant_type=applicant_type,
        applicant_name="张三",
        description="某文件",
        channel=IntakeChannel.ONLINE,
        submitted_at=datetime.datetime.combine(received_on, datetime.time(9), tzinfo=TZ),
        received_on=received_on,
        status=Status.REPLIED if concluded_on else Status.HANDLING,
        ground=ground,
        outcome=outcome_of(ground) if ground else "",
        concluded_on=concluded_on,
    )


def review_case(
    department: Any,
    filed_on: datetime.date,
    *,
    kind: str = "reconsideration",
    outcome: str = "pending",
    concluded_on: datetime.date | None = None,
) -> ReviewCase:
    return ReviewCase.objects.create(
        department=department,
        kind=kind,
        body="吉林市人民政府",
        filed_on=filed_on,
        outcome=outcome,
        concluded_on=concluded_on,
    )


def policy_document(
    department: Any,
    *,
    title: str,
    written_on: datetime.date,
    normative_kind: str = "normative",
    validity: str = "valid",
    repealed_on: datetime.date | None = None,
    live: bool = True,
) -> Any:
    """A policy document page under the site's document list (created if needed)."""
    from wagtail.models import Page

    from gongkai.publishing.models import DocumentIndexPage, PolicyDocumentPage
    from gongkai.publishing.review.guard import review_bypass

    index = DocumentIndexPage.objects.first()
    if index is None:
        root = Page.get_first_root_node()
        index = root.add_child(
            instance=DocumentIndexPage(title="政策文件", slug="policy-docs", document_type="policy")
        )
    page = PolicyDocumentPage(
        title=title,
        slug=f"doc-{next(_numbers)}",
        department=department,
        written_on=written_on,
        formed_at=written_on,
        normative_kind=normative_kind,
        validity=validity,
        repealed_on=repealed_on,
        live=live,
    )
    with review_bypass(reason="测试"):
        index.add_child(instance=page)
    return page
