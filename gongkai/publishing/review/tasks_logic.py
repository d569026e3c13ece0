"""What each review task does: who may act, which actions it offers, its forms, auto-skip.

Mixed into the Wagtail ``Task`` models of ``models.py``. Every action goes through a service in
``services.py`` (audited); the admin's workflow modal, the edit view's action menu and tests all
reach the services through ``on_action``.

Rules shared by the three tasks:

- A reviewer acts only on documents of departments they may see (``accounts.access``).
- When approving this step would finish the workflow and the document is a policy that needs an
  interpretation without one approved (三同步), plain "approve" is not offered; the approver may
  instead approve *and* record an exemption with a reason.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import TaskState

TEMPLATE = "publishing_review/workflow_action_modal.html"


def _page(obj: Any) -> Any:
    from gongkai.publishing.review.documents import specific

    return specific(obj)


def _current_task_state(obj: Any, task: Any) -> TaskState | None:
    state = getattr(obj, "current_workflow_task_state", None)
    if state is not None and state.task_id == task.pk:
        return state
    return None


def is_last_effective_step(task_state: TaskState, obj: Any) -> bool:
    """Whether approving ``task_state`` finishes its workflow for ``obj``.

    The tasks after this one are counted as finished when they will skip themselves (上级审批 of a
    document that is not sensitive).
    """
    from gongkai.publishing.review.models import SuperiorApprovalTask

    workflow = task_state.workflow_state.workflow
    remaining = False
    seen_current = False
    for task in workflow.tasks.filter(active=True).specific():
        if task.pk == task_state.task_id:
            seen_current = True
            continue
        if not seen_current:
            continue
        if isinstance(task, SuperiorApprovalTask) and not task.is_required_for(obj):
            continue
        remaining = True
    return not remaining


def _sync_blocked(task_state: TaskState | None, obj: Any) -> bool:
    from gongkai.publishing.review.services import interpretation_sync_problem

    if task_state is None:
        return False
    return is_last_effective_step(task_state, obj) and bool(interpretation_sync_problem(page=obj))


class _ReviewActions:
    """Approve / request changes / approve with a 三同步 exemption, for any of the three tasks."""

    def may_act(self, obj: Any, user: Any) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError

    def _decision_actions(self, obj: Any, user: Any) -> list[tuple[str, Any, bool]]:
        task_state = _current_task_state(obj, self)
        actions: list[tuple[str, Any, bool]] = [("reject", _("退回修改"), True)]
        if _sync_blocked(task_state, obj):
            actions.append(("approve_exempt", _("批准并记录免于同步解读"), True))
        else:
            actions.append(("approve", _("审核通过"), True))
        return actions

    def get_actions(self, obj: Any, user: Any) -> list[tuple[str, Any, bool]]:
        if not self.may_act(obj, user):
            return []
        return self._decision_actions(obj, user)

    def get_form_for_action(self, action: str):
        from gongkai.publishing.review import forms

        return {
            "approve": forms.ApproveForm,
            "reject": forms.RejectForm,
            "escalate": forms.EscalateForm,
            "answer": forms.AnswerForm,
            "approve_exempt": forms.ExemptApproveForm,
        }.get(action, forms.ApproveForm)

    def get_template_for_action(self, action: str) -> str:
        return TEMPLATE

    def on_action(self, task_state: TaskState, user: Any, action_name: str, **kwargs: Any):
        from gongkai.publishing.review import services

        obj = _page(task_state.workflow_state.content_object)
        if action_name not in {name for name, _label, _modal in self.get_actions(obj, user)}:
            raise PermissionDenied(_("您不能在此环节执行该操作。"))
        comment = str(kwargs.get("comment") or "")
        final = is_last_effective_step(task_state, obj)
        if action_name == "approve":
            services.task_approve(task_state=task_state, user=user, comment=comment, final=final)
        elif action_name == "approve_exempt":
            services.interpretation_exemption_record(
                policy=obj, user=user, reason=str(kwargs.get("reason") or "")
            )
            services.task_approve(task_state=task_state, user=user, comment=comment, final=final)
        elif action_name == "reject":
            services.task_reject(task_state=task_state, user=user, comment=comment)
        elif action_name == "escalate":
            services.secrecy_escalate(
                task_state=task_state,
                user=user,
                authority=str(kwargs.get("authority") or ""),
                question=str(kwargs.get("question") or ""),
            )
        elif action_name == "answer":
            services.secrecy_answer_record(
                task_state=task_state,
                user=user,
                decision=str(kwargs.get("decision") or ""),
                answer=str(kwargs.get("answer") or ""),
                answer_reference=str(kwargs.get("answer_reference") or ""),
            )
        return None

    # Reviewers may open the editor and lock the page while it is on their step; others may not edit.
    def user_can_access_editor(self, obj: Any, user: Any) -> bool:
        return self.may_act(obj, user)

    def locked_for_user(self, obj: Any, user: Any) -> bool:
        return not self.may_act(obj, user)

    def user_can_lock(self, obj: Any, user: Any) -> bool:
        return self.may_act(obj, user)

    def user_can_unlock(self, obj: Any, user: Any) -> bool:
        return False


def _in_scope(user: Any, obj: Any) -> bool:
    from gongkai.accounts.access import can_access_department
    from gongkai.publishing.review.documents import department_id

    dept = department_id(obj)
    if dept is None:
        # A page without a department (not a document): group membership decides.
        return True
    return can_access_department(user, dept)


class _GroupScoped(_ReviewActions):
    def _in_task_groups(self, user: Any) -> bool:
        return bool(user and user.is_authenticated and self._user_in_groups(user))  # type: ignore[attr-defined]

    def may_act(self, obj: Any, user: Any) -> bool:
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        if user.is_superuser:
            return True
        return self._in_task_groups(user) and _in_scope(user, _page(obj))

    def get_task_states_user_can_moderate(self, user: Any, **kwargs: Any):
        states = self.task_states.filter(status=TaskState.STATUS_IN_PROGRESS)  # type: ignore[attr-defined]
        if user.is_superuser:
            return states
        if not self._in_task_groups(user):
            return TaskState.objects.none()
        from gongkai.publishing.review.selectors import document_page_ids_in_scope

        return states.filter(
            workflow_state__object_id__in=[str(pk) for pk in document_page_ids_in_scope(user)]
        )


class SecrecyReviewBehaviour(_GroupScoped):
    def get_actions(self, obj: Any, user: Any) -> list[tuple[str, Any, bool]]:
        from gongkai.publishing.review.models import SecrecyEscalation

        if not self.may_act(obj, user):
            return []
        task_state = _current_task_state(obj, self)
        if (
            task_state is not None
            and SecrecyEscalation.objects.filter(task_state=task_state, answered_at__isnull=True).exists()
        ):
            # Waiting for the secrecy authority: nothing to decide until its answer is recorded.
            return [("answer", _("录入保密行政管理部门答复"), True)]
        return [*self._decision_actions(obj, user), ("escalate", _("报保密行政管理部门确定"), True)]

    @classmethod
    def get_description(cls) -> Any:
        return _("保密审查：审核人审查拟公开信息是否涉密，不能确定的报保密行政管理部门确定。")


class SuperiorApprovalBehaviour(_GroupScoped):
    def is_required_for(self, obj: Any) -> bool:
        from gongkai.publishing.review.selectors import is_sensitive

        return is_sensitive(page=_page(obj))

    def may_act(self, obj: Any, user: Any) -> bool:
        """Approvers of the document's department or above (审批人 = the unit's leadership).

        Separation of duties: whoever approved an earlier step of this run (e.g. the 保密审查)
        does not also give the superior approval.
        """
        if not super().may_act(obj, user):
            return False
        if user.is_superuser:
            return True
        state = getattr(_page(obj), "current_workflow_state", None)
        if state is None:
            return True
        own_task_id = getattr(self, "pk", None)
        earlier = state.task_states.filter(status=TaskState.STATUS_APPROVED, finished_by=user)
        return not earlier.exclude(task_id=own_task_id).exists()

    def start(self, workflow_state: Any, user: Any = None) -> TaskState:
        from gongkai.publishing.review.services import task_skip

        obj = _page(workflow_state.content_object)
        if self.is_required_for(obj):
            return super().start(workflow_state, user=user)  # type: ignore[misc]
        task_state = TaskState(
            workflow_state=workflow_state,
            revision=workflow_state.content_object.get_latest_revision(),
            task=self,
            status=TaskState.STATUS_IN_PROGRESS,
        )
        task_state.save()
        return task_skip(
            task_state=task_state,
            reason=str(_("自动跳过：该类型和发布机构未列入须上级审批的信息。")),
        )

    @classmethod
    def get_description(cls) -> Any:
        return _("上级审批：仅对列为须上级审批的文档类型和机构生效，其余自动跳过并记录理由。")


class EmergencyApprovalBehaviour(_ReviewActions):
    def may_act(self, obj: Any, user: Any) -> bool:
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        if user.is_superuser:
            return True
        from gongkai.publishing.review.selectors import on_duty_leader_ids

        on_duty = on_duty_leader_ids(day=timezone.localdate())
        if on_duty:
            return user.pk in on_duty
        # Nobody on the roster today: any leader may approve (the decision records who did).
        from gongkai.accounts.roles import user_has_role

        return user_has_role(user, "leader")

    def start(self, workflow_state: Any, user: Any = None) -> TaskState:
        from gongkai.publishing.review.services_notify import emergency_notify_on_duty

        task_state = super().start(workflow_state, user=user)  # type: ignore[misc]
        emergency_notify_on_duty(task_state=task_state)
        return task_state

    def get_task_states_user_can_moderate(self, user: Any, **kwargs: Any):
        states = self.task_states.filter(status=TaskState.STATUS_IN_PROGRESS)  # type: ignore[attr-defined]
        if user.is_superuser:
            return states
        from gongkai.publishing.review.selectors import on_duty_leader_ids

        on_duty = on_duty_leader_ids(day=timezone.localdate())
        if on_duty and user.pk in on_duty:
            return states
        from gongkai.accounts.roles import user_has_role

        if not on_duty and user_has_role(user, "leader"):
            return states
        return TaskState.objects.none()

    @classmethod
    def get_description(cls) -> Any:
        return _("值班领导审批：突发事件信息由当日值班领导快速审批。")


__all__ = [
    "EmergencyApprovalBehaviour",
    "SecrecyReviewBehaviour",
    "SuperiorApprovalBehaviour",
    "is_last_effective_step",
]
