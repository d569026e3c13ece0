"""The default tasks, workflows, workflow assignments and page permissions; all idempotent.

- Tasks: 保密审查 (reviewer group), 上级审批 (approver group), 值班领导审批 (duty roster).
- Workflows: 标准发布流程 = 保密审查 → 上级审批; 突发事件快速发布 = 值班领导审批.
- Assignment (``workflows_assign``): every document list page (``DocumentIndexPage``) without a
  workflow of its own gets the emergency workflow if it lists 突发事件, the standard one otherwise.
  Administrators may change any of this in 设置 → 工作流; nothing here overrides their choices.
- Page permissions (``page_permissions_ensure``): drafters add and edit pages under the site
  root, the press office under the press-release and rumor lists; nobody but superusers holds
  ``publish_page``: documents are published by their workflow.
- Collection permissions (``collection_permissions_ensure``): authors add and choose documents
  (attachments) and images in the root collection; reviewers and approvers choose them.

``defaults_ensure`` runs after every ``migrate`` (post_migrate) and from the demo loader.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from wagtail.models import GroupPagePermission, Page, Task, Workflow, WorkflowPage, WorkflowTask

STANDARD_WORKFLOW = "标准发布流程"
EMERGENCY_WORKFLOW = "突发事件快速发布"
SECRECY_TASK = "保密审查"
SUPERIOR_TASK = "上级审批"
EMERGENCY_TASK = "值班领导审批"


def _role_group(code: str) -> Group | None:
    from gongkai.accounts.models import RoleGroup

    link = RoleGroup.objects.select_related("group").filter(code=code).first()
    return link.group if link else None


def _task(model: type[Task], name: str, group_code: str | None) -> Task:
    task = model.objects.filter(name=name).first()
    if task is None:
        task = model.objects.create(name=name)
        if group_code:
            group = _role_group(group_code)
            if group is not None:
                task.groups.add(group)  # type: ignore[attr-defined]
    return task


def _workflow(name: str, tasks: list[Task]) -> Workflow:
    workflow = Workflow.objects.filter(name=name).first()
    if workflow is None:
        workflow = Workflow.objects.create(name=name, active=True)
        for order, task in enumerate(tasks):
            WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=order)
    return workflow


@transaction.atomic
def workflows_ensure() -> dict[str, Workflow]:
    """Create the three tasks and two workflows if they do not exist (by name)."""
    from gongkai.publishing.review.models import (
        EmergencyApprovalTask,
        SecrecyReviewTask,
        SuperiorApprovalTask,
    )

    with translation.override("zh-hans"):
        secrecy = _task(SecrecyReviewTask, SECRECY_TASK, "reviewer")
        superior = _task(SuperiorApprovalTask, SUPERIOR_TASK, "approver")
        emergency = _task(EmergencyApprovalTask, EMERGENCY_TASK, None)
        return {
            "standard": _workflow(STANDARD_WORKFLOW, [secrecy, superior]),
            "emergency": _workflow(EMERGENCY_WORKFLOW, [emergency]),
        }


@transaction.atomic
def workflows_assign() -> int:
    """Give each document list page without a workflow the default one; returns how many."""
    workflows = workflows_ensure()
    assigned = 0
    for page in Page.objects.filter(
        content_type__model="documentindexpage", content_type__app_label="publishing"
    ):
        if WorkflowPage.objects.filter(page=page).exists():
            continue
        specific = page.specific
        key = "emergency" if getattr(specific, "document_type", "") == "emergency" else "standard"
        WorkflowPage.objects.create(page=page, workflow=workflows[key])
        assigned += 1
    return assigned


#: Lists (document types) whose documents the press office drafts, besides the drafters.
PRESS_LIST_TYPES = ("press_release", "rumor")
_PAGE_PERMISSIONS = ("add_page", "change_page", "lock_page", "unlock_page")


def _grant(group: Group, page: Page) -> int:
    created = 0
    for codename in _PAGE_PERMISSIONS:
        permission = Permission.objects.filter(
            content_type__app_label="wagtailcore", codename=codename
        ).first()
        if permission is None:
            continue
        _row, made = GroupPagePermission.objects.get_or_create(group=group, page=page, permission=permission)
        created += int(made)
    return created


@transaction.atomic
def page_permissions_ensure() -> int:
    """Drafters may add and edit pages (and submit them for review); the press office the same on
    the press-release and rumor-clarification lists. Nobody gets ``publish_page``. Returns the rows
    created."""
    root = Page.get_first_root_node()
    created = 0
    group = _role_group("drafter")
    if root is not None and group is not None:
        created += _grant(group, root)
    press = _role_group("press_office")
    if press is not None:
        for page in Page.objects.filter(
            content_type__model="documentindexpage", content_type__app_label="publishing"
        ).specific():
            if getattr(page, "document_type", "") in PRESS_LIST_TYPES:
                created += _grant(press, page)
    return created


#: Roles that attach files and pictures to documents, and the collection permissions they need
#: (Wagtail checks documents and images per collection, not by model permission alone).
AUTHOR_ROLES = ("drafter", "press_office")
_COLLECTION_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "wagtaildocs": ("add_document", "change_document", "choose_document"),
    "wagtailimages": ("add_image", "change_image", "choose_image"),
}
_CHOOSE_ONLY: dict[str, tuple[str, ...]] = {
    "wagtaildocs": ("choose_document",),
    "wagtailimages": ("choose_image",),
}


@transaction.atomic
def collection_permissions_ensure() -> int:
    """Authors upload and choose documents and images in the root collection; reviewers and
    approvers choose them (the editor's choosers while reviewing). Returns the rows created."""
    from wagtail.models import Collection, GroupCollectionPermission

    root = Collection.get_first_root_node()
    if root is None:
        return 0
    created = 0
    grants = [(code, _COLLECTION_PERMISSIONS) for code in AUTHOR_ROLES]
    grants += [(code, _CHOOSE_ONLY) for code in ("reviewer", "approver")]
    for code, by_app in grants:
        group = _role_group(code)
        if group is None:
            continue
        for app_label, codenames in by_app.items():
            for permission in Permission.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            ):
                _row, made = GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=root, permission=permission
                )
                created += int(made)
    return created


def defaults_ensure(*, stdout: Any = None) -> None:
    workflows_ensure()
    permissions = page_permissions_ensure() + collection_permissions_ensure()
    assigned = workflows_assign()
    if stdout is not None:
        stdout.write(
            _("发布审核：工作流已就绪，新指定 %(assigned)s 个文档列表，新增 %(permissions)s 项页面权限。")
            % {"assigned": assigned, "permissions": permissions}
        )
