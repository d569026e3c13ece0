"""Notices of the review chain, all through the outbox (e-mail; the log backend by default)."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger("gongkai.publishing.review")


def _role_emails(*codes: str) -> list[str]:
    users = get_user_model().objects.filter(is_active=True, groups__role__code__in=codes).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def _emails_of(user_ids) -> list[str]:
    users = get_user_model().objects.filter(pk__in=list(user_ids), is_active=True).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def _enqueue(*, recipients: list[str], subject: str, body: str, key: str, source: Any = None) -> bool:
    if not recipients:
        logger.warning("publishing review notice without recipients: %s", subject)
        return False
    from gongkai.core.outbox.services import outbox_enqueue

    outbox_enqueue(
        channel="email",
        recipient=",".join(recipients),
        payload={"subject": subject, "body": body},
        idempotency_key=key,
        source=source,
    )
    return True


def emergency_notify_on_duty(*, task_state) -> bool:
    """Tell the leader(s) on duty that an emergency release waits for their approval."""
    from gongkai.publishing.review.selectors import on_duty_leader_ids

    leaders = on_duty_leader_ids(day=timezone.localdate())
    recipients = _emails_of(leaders) if leaders else _role_emails("leader")
    page = task_state.workflow_state.content_object
    return _enqueue(
        recipients=recipients,
        subject=_("【突发事件】待审批：%(title)s") % {"title": page.title},
        body=_("突发事件信息“%(title)s”等待值班领导审批，请尽快在后台处理。") % {"title": page.title},
        key=f"publishing-review:emergency:{task_state.pk}",
    )


def deadlines_notify(*, today: datetime.date | None = None) -> dict[str, int]:
    """Warn the disclosure office of documents at 15 and past 20 working days; once per threshold.

    A ``DeadlineNotice`` row per (document, formation date, threshold) makes the job idempotent:
    it may run every hour and sends each warning once; a changed ``formed_at`` starts over.
    """
    from gongkai.publishing.review.models import DeadlineNotice
    from gongkai.publishing.review.selectors import (
        DEADLINE_WORKING_DAYS,
        WARNING_WORKING_DAYS,
        deadline_rows,
    )

    counts = {"approaching": 0, "overdue": 0}
    recipients = _role_emails("disclosure_office")
    for row in deadline_rows(today=today):
        if row.status not in counts:
            continue
        threshold = DEADLINE_WORKING_DAYS if row.status == "overdue" else WARNING_WORKING_DAYS
        try:
            with transaction.atomic():
                DeadlineNotice.objects.create(
                    page_id=row.page_id, formed_at=row.formed_at, threshold=threshold
                )
                if row.status == "overdue":
                    subject = _("【公开时限】已超过 20 个工作日未公开：%(title)s") % {"title": row.title}
                else:
                    subject = _("【公开时限】即将超过 20 个工作日：%(title)s") % {"title": row.title}
                body = _(
                    "%(department)s的“%(title)s”形成于 %(formed)s，已过 %(days)s 个工作日仍未公开，"
                    "应在 %(due)s 前公开（《政府信息公开条例》第二十六条）。"
                ) % {
                    "department": row.department,
                    "title": row.title,
                    "formed": row.formed_at.isoformat(),
                    "days": row.working_days,
                    "due": row.due_on.isoformat() if row.due_on else "—",
                }
                _enqueue(
                    recipients=recipients,
                    subject=subject,
                    body=body,
                    key=f"publishing-review:deadline:{row.page_id}:{row.formed_at.isoformat()}:{threshold}",
                )
        except IntegrityError:
            continue  # already notified for this threshold
        counts[row.status] += 1
    return counts


def rereviews_notify(*, today: datetime.date | None = None) -> int:
    """Remind the disclosure office of withheld documents due for re-review; once per due date."""
    from gongkai.publishing.review.selectors import rereview_rows

    rows = rereview_rows(today=today, due_only=True)
    if not rows:
        return 0
    recipients = _role_emails("disclosure_office")
    lines = [f"- {row.title}（{row.department}，{row.due_on.isoformat()}）" for row in rows]
    key_day = (today or timezone.localdate()).isoformat()
    with transaction.atomic():
        _enqueue(
            recipients=recipients,
            subject=_("【定期审查】%(n)s 件不予公开或依申请公开信息到期待审查") % {"n": len(rows)},
            body=_("以下信息应按《政府信息公开条例》第十八条进行定期评估审查：") + "\n" + "\n".join(lines),
            key=f"publishing-review:rereview:{key_day}",
        )
    return len(rows)
