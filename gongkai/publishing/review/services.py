"""Writes of the review chain: decisions on tasks, escalations, exemptions, approvals, re-reviews.

Each decision is stored twice on purpose: Wagtail keeps it on the ``TaskState`` (who, when,
comment; shown in the page's workflow history) and ``gongkai.core.audit`` keeps an append-only
event with the same facts, so the audit trail holds even if Wagtail rows are deleted with a page.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page, Revision, TaskState, WorkflowState

from gongkai.api.errors import ApiError
from gongkai.core.audit.services import audit_record
from gongkai.publishing.review import documents
from gongkai.publishing.review.models import (
    InterpretationExemption,
    ReReview,
    ReviewApproval,
    SecrecyEscalation,
)

logger = logging.getLogger("gongkai.publishing.review")

#: How often withheld and on-request documents come up for re-review (Art. 18), in days.
REREVIEW_INTERVAL_DAYS = 365


class ReviewRefused(ApiError, PermissionDenied):
    """A review decision that the rules do not allow; nothing was changed."""

    status = 409
    code = "review_refused"


def _audit(*, actor, action: str, page, note: str = "", new: dict | None = None, old: dict | None = None):
    audit_record(
        actor=actor, action=f"publishing_review.{action}", target=page, note=note[:500], new=new, old=old
    )


# --- 三同步 ---------------------------------------------------------------------------------------


def interpretation_is_ready(*, interpretation) -> bool:
    """An interpretation counts for 三同步 when it is live, or its latest revision completed its workflow."""
    if interpretation.live:
        return True
    return ReviewApproval.objects.filter(
        page_id=interpretation.pk, revision_id=interpretation.latest_revision_id
    ).exists()


def interpretation_sync_problem(*, page) -> str | None:
    """Say why ``page`` may not be approved under 三同步, or return None when it may.

    - Only policies with ``needs_interpretation`` are concerned.
    - Satisfied by one interpretation of the policy that is live or whose latest revision has
      completed its own workflow (approved and held back until the policy goes live), or by an
      ``InterpretationExemption`` recorded for the policy.
    """
    page = documents.specific(page)
    if not documents.needs_interpretation(page):
        return None
    if InterpretationExemption.objects.filter(policy_id=page.pk).exists():
        return None
    interpretations = getattr(page, "interpretations", None)
    if interpretations is not None:
        for interpretation in interpretations.all():
            if interpretation_is_ready(interpretation=interpretation):
                return None
    return _(
        "三同步：该政策文件需要解读，但没有已审核通过的解读。请先让解读通过审核，或由审批人记录免于同步解读的理由。"
    )


@transaction.atomic
def interpretation_exemption_record(*, policy, user, reason: str) -> InterpretationExemption:
    """Record that ``policy`` may be approved without an interpretation; audited."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewRefused(_("请写明不同步发布解读的理由。"), code="reason_required", status=422)
    policy = documents.specific(policy)
    exemption = InterpretationExemption.objects.create(
        policy_id=policy.pk, revision_id=policy.latest_revision_id, user=user, reason=reason
    )
    _audit(actor=user, action="interpretation_exempted", page=policy, note=reason, new={"reason": reason})
    return exemption


# --- Task decisions -------------------------------------------------------------------------------


def _task_page(task_state: TaskState):
    return documents.specific(task_state.workflow_state.content_object)


def _decision_payload(task_state: TaskState, comment: str) -> dict[str, Any]:
    return {
        "workflow": task_state.workflow_state.workflow.name,
        "task": task_state.task.name,
        "task_state": task_state.pk,
        "revision": task_state.revision_id,
        "comment": comment,
    }


@transaction.atomic
def task_approve(*, task_state: TaskState, user, comment: str = "", final: bool = False) -> TaskState:
    """Approve one step; refuses a final step that 三同步 forbids. Audited."""
    task_state = TaskState.objects.select_for_update().get(pk=task_state.pk).specific
    if task_state.status != TaskState.STATUS_IN_PROGRESS:
        raise ReviewRefused(_("该审核环节已经结束。"), code="task_finished")
    page = _task_page(task_state)
    if SecrecyEscalation.objects.filter(task_state=task_state, answered_at__isnull=True).exists():
        raise ReviewRefused(_("已报保密行政管理部门确定，须先录入其答复。"), code="escalation_open")
    if final:
        problem = interpretation_sync_problem(page=page)
        if problem:
            raise ReviewRefused(problem, code="interpretation_required")
    _audit(
        actor=user,
        action="task_approved",
        page=page,
        note=comment,
        new=_decision_payload(task_state, comment),
    )
    task_state.approve(user=user, comment=comment)
    return task_state


@transaction.atomic
def task_reject(*, task_state: TaskState, user, comment: str) -> TaskState:
    """Send the document back to its drafter with the reason. Audited."""
    comment = (comment or "").strip()
    if not comment:
        raise ReviewRefused(_("请写明需要修改之处。"), code="comment_required", status=422)
    task_state = TaskState.objects.select_for_update().get(pk=task_state.pk).specific
    if task_state.status != TaskState.STATUS_IN_PROGRESS:
        raise ReviewRefused(_("该审核环节已经结束。"), code="task_finished")
    page = _task_page(task_state)
    _audit(
        actor=user,
        action="task_rejected",
        page=page,
        note=comment,
        new=_decision_payload(task_state, comment),
    )
    task_state.reject(user=user, comment=comment)
    return task_state


@transaction.atomic
def task_skip(*, task_state: TaskState, reason: str) -> TaskState:
    """Mark a step not applicable to the document (e.g. 上级审批 of a non-sensitive one). Audited."""
    task_state.status = TaskState.STATUS_SKIPPED
    task_state.finished_at = timezone.now()
    task_state.comment = reason
    task_state.save(update_fields=["status", "finished_at", "comment"])
    _audit(
        actor=None,
        action="task_skipped",
        page=_task_page(task_state),
        note=reason,
        new=_decision_payload(task_state, reason),
    )
    return task_state


@transaction.atomic
def secrecy_escalate(*, task_state: TaskState, user, authority: str, question: str) -> SecrecyEscalation:
    """Refer a 保密审查 the reviewer cannot decide to the secrecy authority (Art. 17); the task waits."""
    authority = (authority or "").strip()
    question = (question or "").strip()
    if not authority or not question:
        raise ReviewRefused(_("请填写报送机关和请示内容。"), code="fields_required", status=422)
    task_state = TaskState.objects.select_for_update().get(pk=task_state.pk)
    if task_state.status != TaskState.STATUS_IN_PROGRESS:
        raise ReviewRefused(_("该审核环节已经结束。"), code="task_finished")
    if SecrecyEscalation.objects.filter(task_state=task_state, answered_at__isnull=True).exists():
        raise ReviewRefused(_("已有一件请示在等待答复。"), code="escalation_open")
    page = _task_page(task_state)
    escalation = SecrecyEscalation.objects.create(
        task_state=task_state,
        page_id=page.pk,
        revision_id=task_state.revision_id,
        authority=authority,
        question=question,
        escalated_by=user,
    )
    _audit(
        actor=user,
        action="secrecy_escalated",
        page=page,
        note=question,
        new={"authority": authority, "question": question, "escalation": escalation.pk},
    )
    return escalation


@transaction.atomic
def secrecy_answer_record(
    *, task_state: TaskState, user, decision: str, answer: str, answer_reference: str = ""
) -> SecrecyEscalation:
    """Record the secrecy authority's answer; "must not publish" sends the document back at once."""
    if decision not in SecrecyEscalation.Decision.values:
        raise ReviewRefused(_("答复结论无效。"), code="invalid_decision", status=422)
    answer = (answer or "").strip()
    if not answer:
        raise ReviewRefused(_("请填写答复内容。"), code="fields_required", status=422)
    escalation = (
        SecrecyEscalation.objects.select_for_update()
        .filter(task_state_id=task_state.pk, answered_at__isnull=True)
        .first()
    )
    if escalation is None:
        raise ReviewRefused(_("没有等待答复的请示。"), code="no_open_escalation")
    escalation.decision = decision
    escalation.answer = answer
    escalation.answer_reference = (answer_reference or "").strip()
    escalation.answered_by = user
    escalation.answered_at = timezone.now()
    escalation.save(update_fields=["decision", "answer", "answer_reference", "answered_by", "answered_at"])
    page = _task_page(task_state)
    _audit(
        actor=user,
        action="secrecy_answered",
        page=page,
        note=answer,
        new={"decision": decision, "answer": answer, "reference": escalation.answer_reference},
    )
    if decision == SecrecyEscalation.Decision.MUST_NOT_PUBLISH:
        label = str(SecrecyEscalation.Decision(decision).label)
        task_reject(
            task_state=task_state,
            user=user,
            comment=_("保密行政管理部门答复：%(decision)s。%(answer)s")
            % {"decision": label, "answer": answer},
        )
    return escalation


# --- Finishing a workflow: approval record, 三同步 release, publication -------------------------


def _scheduled_revision(page) -> Revision | None:
    return (
        Revision.objects.filter(
            base_content_type_id=page.get_base_content_type().pk,
            object_id=str(page.pk),
            approved_go_live_at__isnull=False,
        )
        .order_by("-approved_go_live_at")
        .first()
    )


def _publish_approved(*, page, revision: Revision, user, at: datetime.datetime | None = None) -> None:
    """Publish (or schedule for ``at``) an approved revision; the workflow itself is the authority."""
    if at is not None and at > timezone.now():
        revision.approved_go_live_at = at
        revision.save(update_fields=["approved_go_live_at"])
        return
    revision.publish(user=user, skip_permission_checks=True)


@transaction.atomic
def workflow_finish_publish(workflow_state: WorkflowState, user=None) -> None:
    """``WAGTAIL_FINISH_WORKFLOW_ACTION``: what happens when every step of a workflow is approved.

    - Not a disclosure document: publish the latest revision as Wagtail does.
    - A document: re-check 三同步 (raising rolls the last approval back), record the approved
      revision in ``ReviewApproval`` (the only thing the publish guard accepts), then publish it
      (or schedule it, when the drafter set a go-live time: ``publish_scheduled`` does the rest).
    - An interpretation goes live with its policy: at once if the policy is live, at the policy's
      scheduled time if it has one, otherwise it waits (approved) until the policy is approved.
    - A policy, once published or scheduled, releases its approved interpretations with it.
    """
    page = documents.specific(workflow_state.content_object)
    revision = page.get_latest_revision()
    if not documents.is_document(page):
        revision.publish(user=user, skip_permission_checks=True)
        return
    problem = interpretation_sync_problem(page=page)
    if problem:
        raise ReviewRefused(problem, code="interpretation_required")
    ReviewApproval.objects.update_or_create(
        revision=revision,
        defaults={
            "page_id": page.pk,
            "kind": ReviewApproval.Kind.WORKFLOW,
            "workflow_state": workflow_state,
            "approved_by": user,
            "approved_at": timezone.now(),
        },
    )
    _audit(
        actor=user,
        action="workflow_approved",
        page=page,
        new={"workflow": workflow_state.workflow.name, "revision": revision.pk},
    )
    if documents.disclosure_attribute(revision.as_object()) != documents.PROACTIVE:
        # Approved as a record, but never published: only 主动公开 reaches the public site.
        _audit(actor=user, action="not_published_not_proactive", page=page)
        return

    policy = documents.interpretation_policy(page)
    if policy is not None and not policy.live:
        scheduled = _scheduled_revision(policy)
        if scheduled is None:
            _audit(actor=user, action="interpretation_held", page=page, new={"policy": policy.pk})
            return
        _publish_approved(page=page, revision=revision, user=user, at=scheduled.approved_go_live_at)
        return

    _publish_approved(page=page, revision=revision, user=user)
    if documents.is_policy(page):
        interpretations_release(policy=page, user=user)


def interpretations_release(*, policy, user=None) -> int:
    """Publish the approved, waiting interpretations of ``policy`` with it; returns how many."""
    policy = Page.objects.get(pk=policy.pk).specific
    interpretations = getattr(policy, "interpretations", None)
    if interpretations is None:
        return 0
    at = None
    if not policy.live:
        scheduled = _scheduled_revision(policy)
        if scheduled is None:
            return 0
        at = scheduled.approved_go_live_at
    released = 0
    for interpretation in interpretations.all():
        approval = ReviewApproval.objects.filter(
            page_id=interpretation.pk, revision_id=interpretation.latest_revision_id
        ).first()
        if approval is None or interpretation.live_revision_id == approval.revision_id:
            continue
        revision = Revision.objects.get(pk=approval.revision_id)
        if documents.disclosure_attribute(revision.as_object()) != documents.PROACTIVE:
            continue
        _publish_approved(page=interpretation, revision=revision, user=user, at=at)
        _audit(actor=user, action="interpretation_released", page=interpretation, new={"policy": policy.pk})
        released += 1
    return released


@transaction.atomic
def approval_record_imported(*, page, revision: Revision | None, user, reason: str) -> ReviewApproval | None:
    """Record a revision approved outside this system (import of documents already published)."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewRefused(_("请写明导入文档的审核来源。"), code="reason_required", status=422)
    _audit(actor=user, action="approval_imported", page=page, note=reason)
    if revision is None:
        return None
    approval, _created = ReviewApproval.objects.update_or_create(
        revision=revision,
        defaults={
            "page_id": page.pk,
            "kind": ReviewApproval.Kind.IMPORTED,
            "approved_by": user,
            "note": reason[:300],
        },
    )
    return approval


# --- Art. 18 re-review ----------------------------------------------------------------------------


@transaction.atomic
def rereview_record(
    *, page, user, decision: str, reason: str, today: datetime.date | None = None
) -> ReReview:
    """Record a periodic re-review of a withheld or on-request document (Art. 18).

    - ``keep``: nothing changes; the next re-review is due in ``REREVIEW_INTERVAL_DAYS``.
    - ``to_proactive`` / ``to_on_request``: a new draft revision carries the new attribute; the
      drafter submits it to the review chain like any draft (and updates 生成日期 if the content
      changed). Nothing is published here.
    """
    reason = (reason or "").strip()
    if decision not in ReReview.Decision.values:
        raise ReviewRefused(_("审查结论无效。"), code="invalid_decision", status=422)
    if not reason:
        raise ReviewRefused(_("请写明审查理由。"), code="reason_required", status=422)
    page = Page.objects.select_for_update().get(pk=page.pk).specific
    if not documents.is_document(page):
        raise ReviewRefused(_("该页面不是公开信息文档。"), code="not_a_document", status=422)
    current = documents.disclosure_attribute(page)
    if current == documents.PROACTIVE:
        raise ReviewRefused(_("该文档已是主动公开，无需定期审查。"), code="not_withheld")
    today = today or timezone.localdate()
    new_attribute = {
        ReReview.Decision.TO_PROACTIVE: documents.PROACTIVE,
        ReReview.Decision.TO_ON_REQUEST: documents.ON_REQUEST,
    }.get(ReReview.Decision(decision))
    if new_attribute == current:
        raise ReviewRefused(_("新的公开属性与原属性相同。"), code="same_attribute", status=422)
    review = ReReview.objects.create(
        page_id=page.pk,
        previous_attribute=current,
        decision=decision,
        reason=reason,
        decided_by=user,
        next_due_on=today + datetime.timedelta(days=REREVIEW_INTERVAL_DAYS)
        if new_attribute != documents.PROACTIVE
        else None,
    )
    if new_attribute is not None:
        draft = page.get_latest_revision_as_object()
        draft.disclosure_attribute = new_attribute
        draft.save_revision(user=user, log_action=True)
    _audit(
        actor=user,
        action="rereviewed",
        page=page,
        note=reason,
        old={"disclosure_attribute": current},
        new={"decision": decision, "disclosure_attribute": new_attribute or current},
    )
    return review
