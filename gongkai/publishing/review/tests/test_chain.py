"""The review chain: order of the steps, sensitivity, scope, escalation, rejection, emergency, 三同步."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from wagtail.models import TaskState, WorkflowState

from gongkai.core.audit.models import AuditEvent
from gongkai.core.outbox.models import OutboxMessage
from gongkai.publishing.review.models import (
    InterpretationExemption,
    OnDutyAssignment,
    ReviewApproval,
    SecrecyEscalation,
    SensitiveRule,
)

from .conftest import act, actions, reload, submit

pytestmark = pytest.mark.django_db


def _task_names(page):
    return [
        (ts.task.name, ts.status)
        for ts in TaskState.objects.filter(workflow_state__object_id=str(page.pk)).order_by(
            "started_at", "pk"
        )
    ]


def test_standard_chain_secrecy_then_superior_skipped_when_not_sensitive(make_document, users):
    doc = make_document("announcement", user=users["drafter"])
    submit(doc, users["drafter"])
    assert reload(doc).current_workflow_task.name == "保密审查"
    assert not reload(doc).live

    act(doc, users["reviewer"], "approve", comment="无涉密内容")

    doc = reload(doc)
    assert doc.live
    assert _task_names(doc) == [("保密审查", "approved"), ("上级审批", "skipped")]
    skipped = TaskState.objects.get(workflow_state__object_id=str(doc.pk), status="skipped")
    assert "自动跳过" in skipped.comment
    assert ReviewApproval.objects.filter(page_id=doc.pk, revision_id=doc.live_revision_id).exists()
    approved = TaskState.objects.get(workflow_state__object_id=str(doc.pk), status="approved")
    assert approved.finished_by == users["reviewer"] and approved.comment == "无涉密内容"
    codes = set(AuditEvent.objects.filter(target_id=str(doc.pk)).values_list("action", flat=True))
    assert {
        "publishing_review.task_approved",
        "publishing_review.task_skipped",
        "publishing_review.workflow_approved",
    } <= codes


def test_sensitive_type_and_department_need_superior_approval(make_document, users, tree):
    from django.contrib.contenttypes.models import ContentType

    from gongkai.publishing.models import AnnouncementPage

    SensitiveRule.objects.create(
        department=tree["zhujian"], document_type=ContentType.objects.get_for_model(AnnouncementPage)
    )
    doc = make_document("announcement")
    other = make_document("announcement", department=tree["jiaoyu"])
    policy = make_document("policy")
    for page in (doc, other, policy):
        submit(page, users["drafter"])

    act(doc, users["reviewer"], "approve")
    doc = reload(doc)
    assert not doc.live
    assert doc.current_workflow_task.name == "上级审批"
    # Approvers of the department or above; not an approver of another department.
    assert "approve" in actions(doc, users["approver_same"])
    assert "approve" in actions(doc, users["approver_city"])
    assert actions(doc, users["approver_other"]) == []
    act(doc, users["approver_city"], "approve", comment="同意发布")
    assert reload(doc).live
    assert _task_names(doc) == [("保密审查", "approved"), ("上级审批", "approved")]

    # Same type, another department; same department, another type: not sensitive.
    act(other, users["admin"], "approve")
    act(policy, users["reviewer"], "approve")
    assert reload(other).live and reload(policy).live


def test_whoever_passed_secrecy_review_does_not_also_approve(make_document, users, tree):
    SensitiveRule.objects.create(department=tree["zhujian"])
    doc = make_document("announcement")
    submit(doc, users["drafter"])
    act(doc, users["reviewer_and_approver"], "approve")
    assert reload(doc).current_workflow_task.name == "上级审批"
    assert actions(doc, users["reviewer_and_approver"]) == []
    assert "approve" in actions(doc, users["approver_same"])


def test_reviewer_acts_only_within_their_departments(make_document, users):
    doc = make_document("announcement")
    submit(doc, users["drafter"])
    assert actions(doc, users["reviewer_other"]) == []
    assert actions(doc, users["drafter"]) == []
    with pytest.raises(PermissionDenied):
        act(doc, users["reviewer_other"], "approve")
    assert not reload(doc).live


def test_reject_sends_back_with_comment_and_resubmission_restarts(make_document, users):
    doc = make_document("announcement")
    submit(doc, users["drafter"])
    with pytest.raises(Exception):  # noqa: B017 - the comment is required
        act(doc, users["reviewer"], "reject", comment="  ")
    act(doc, users["reviewer"], "reject", comment="第二段涉及内部人员名单，请删除")
    state = WorkflowState.objects.get(object_id=str(doc.pk))
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    rejected = TaskState.objects.get(workflow_state=state, status="rejected")
    assert rejected.finished_by == users["reviewer"]
    assert "内部人员名单" in rejected.comment
    assert AuditEvent.objects.filter(action="publishing_review.task_rejected", target_id=str(doc.pk)).exists()

    # The drafter edits and resubmits: review starts again on the new revision.
    doc = reload(doc)
    doc.body = "<p>修改后的正文。</p>"
    doc.save_revision(user=users["drafter"])
    state.resume(user=users["drafter"])
    assert reload(doc).current_workflow_task.name == "保密审查"
    act(doc, users["reviewer"], "approve")
    assert reload(doc).live


def test_escalation_to_the_secrecy_authority_is_recorded_and_the_task_waits(make_document, users):
    doc = make_document("announcement")
    submit(doc, users["drafter"])
    assert "escalate" in actions(doc, users["reviewer"])

    act(
        doc,
        users["reviewer"],
        "escalate",
        authority="吉林市国家保密局",
        question="附件三的管网坐标是否涉密？",
    )

    escalation = SecrecyEscalation.objects.get(page_id=doc.pk)
    assert escalation.is_open
    assert escalation.escalated_by == users["reviewer"] and escalation.escalated_at is not None
    assert escalation.question == "附件三的管网坐标是否涉密？"
    # While escalated the task waits: only the answer can be recorded.
    assert actions(doc, users["reviewer"]) == ["answer"]
    with pytest.raises(PermissionDenied):
        act(doc, users["reviewer"], "approve")
    assert reload(doc).current_workflow_task.name == "保密审查"

    act(
        doc,
        users["reviewer"],
        "answer",
        decision="may_publish",
        answer="经审查不涉密，可以公开。",
        answer_reference="吉保函〔2026〕12号",
    )
    escalation.refresh_from_db()
    assert not escalation.is_open
    assert escalation.answered_by == users["reviewer"] and escalation.answer_reference == "吉保函〔2026〕12号"
    assert set(actions(doc, users["reviewer"])) >= {"approve", "reject"}
    act(doc, users["reviewer"], "approve")
    assert reload(doc).live
    actions_logged = set(AuditEvent.objects.filter(target_id=str(doc.pk)).values_list("action", flat=True))
    assert {"publishing_review.secrecy_escalated", "publishing_review.secrecy_answered"} <= actions_logged


def test_authority_answer_must_not_publish_rejects(make_document, users):
    doc = make_document("announcement")
    submit(doc, users["drafter"])
    act(doc, users["reviewer"], "escalate", authority="吉林市国家保密局", question="是否涉密？")
    act(doc, users["reviewer"], "answer", decision="must_not_publish", answer="属于国家秘密。")
    state = WorkflowState.objects.get(object_id=str(doc.pk))
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    assert "不得公开" in TaskState.objects.get(workflow_state=state, status="rejected").comment
    assert not reload(doc).live


def test_emergency_fast_path_on_duty_leader(make_document, users):
    import django.utils.timezone as tz

    today = tz.localdate()
    OnDutyAssignment.objects.create(leader=users["leader"], starts_on=today, ends_on=today)
    event = make_document("emergency", title="松花江段油污泄漏")
    submit(event, users["drafter"])
    assert reload(event).current_workflow_task.name == "值班领导审批"
    mail = OutboxMessage.objects.filter(idempotency_key__startswith="publishing-review:emergency:")
    assert mail.count() == 1 and "leader@example.gov.cn" in mail.get().recipient
    assert actions(event, users["leader2"]) == []  # a leader who is not on duty
    act(event, users["leader"], "approve", comment="同意立即发布")
    event = reload(event)
    assert event.live
    state = TaskState.objects.get(workflow_state__object_id=str(event.pk))
    assert state.finished_by == users["leader"] and state.comment == "同意立即发布"


def test_emergency_without_roster_any_leader(make_document, users):
    event = make_document("emergency")
    submit(event, users["drafter"])
    assert "approve" in actions(event, users["leader2"])
    assert actions(event, users["drafter"]) == []


# --- 三同步 ---------------------------------------------------------------------------------------


def test_policy_needing_interpretation_cannot_be_approved_alone(make_document, users):
    policy = make_document("policy", needs_interpretation=True)
    submit(policy, users["drafter"])
    offered = actions(policy, users["reviewer"])
    assert "approve" not in offered and "approve_exempt" in offered
    with pytest.raises(PermissionDenied):
        act(policy, users["reviewer"], "approve")
    assert not reload(policy).live


def test_exemption_with_reason_allows_approval_and_is_recorded(make_document, users):
    policy = make_document("policy", needs_interpretation=True)
    submit(policy, users["drafter"])
    with pytest.raises(Exception):  # noqa: B017 - a reason is required
        act(policy, users["reviewer"], "approve_exempt", reason="")
    assert not InterpretationExemption.objects.exists()
    act(policy, users["reviewer"], "approve_exempt", reason="技术性修订，无需解读", comment="同意")
    exemption = InterpretationExemption.objects.get(policy_id=policy.pk)
    assert exemption.user == users["reviewer"] and exemption.reason == "技术性修订，无需解读"
    assert reload(policy).live
    assert AuditEvent.objects.filter(action="publishing_review.interpretation_exempted").exists()


def test_interpretation_approved_first_waits_and_goes_live_with_its_policy(make_document, users):
    policy = make_document("policy", needs_interpretation=True)
    interpretation = make_document("interpretation", policy=policy, title="《供暖通知》解读")
    submit(interpretation, users["drafter"])
    act(interpretation, users["reviewer"], "approve")
    interpretation = reload(interpretation)
    # Approved, but held back: an interpretation never precedes its policy.
    assert not interpretation.live
    assert ReviewApproval.objects.filter(revision_id=interpretation.latest_revision_id).exists()

    submit(policy, users["drafter"])
    assert "approve" in actions(policy, users["reviewer"])
    act(policy, users["reviewer"], "approve")
    assert reload(policy).live
    assert reload(interpretation).live


def test_final_step_is_the_one_checked(make_document, users, tree):
    """With 上级审批 required, secrecy review is not the last step: plain approval is offered there."""
    SensitiveRule.objects.create(department=tree["zhujian"])
    policy = make_document("policy", needs_interpretation=True)
    submit(policy, users["drafter"])
    assert "approve" in actions(policy, users["reviewer"])
    act(policy, users["reviewer"], "approve")
    assert "approve" not in actions(policy, users["approver_city"])
    assert "approve_exempt" in actions(policy, users["approver_city"])


def test_decisions_keep_who_and_when(make_document, users):
    doc = make_document("announcement")
    submit(doc, users["drafter"])
    before = datetime.datetime.now(datetime.UTC)
    act(doc, users["reviewer"], "approve", comment="同意")
    state = TaskState.objects.get(workflow_state__object_id=str(doc.pk), status="approved")
    assert state.finished_at >= before
    event = AuditEvent.objects.get(action="publishing_review.task_approved", target_id=str(doc.pk))
    assert event.actor == users["reviewer"] and event.new_values["comment"] == "同意"
