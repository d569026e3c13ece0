"""Writes of the publishing app: the catalogue row of a document, saving and publishing documents.

The review chain (gongkai/publishing/review) decides *whether* a document may be published; the
functions here only do what the admin, the import command and the demo share: put a validated
document in its list, save a revision, publish it, keep the catalogue in step.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.models import Revision, TaskState, WorkflowState

from gongkai.core.audit.services import audit_record
from gongkai.publishing import index_numbers
from gongkai.publishing.models import (
    CatalogueEntry,
    DisclosureAttribute,
    DisclosureDocumentPage,
    DisclosureSectionPage,
    DocumentIndexPage,
    DocumentType,
    EmergencyEventPage,
    EmergencyUpdate,
)


def catalogue_sync(page: DisclosureDocumentPage) -> CatalogueEntry:
    """Write the catalogue row of ``page`` from its current (saved) values.

    Called for every save of a document page (see signals.py). ``is_public`` is "live, 主动公开
    and without a view restriction".
    """
    is_public = page.is_public and not page.get_view_restrictions().exists()
    document_number = getattr(page, "document_number", "") or ""
    published = page.first_published_at or page.go_live_at
    values = {
        "doc_type": page.document_type,
        "department_id": page.department_id,
        "category_id": page.category_id,
        "index_number": page.index_number,
        "title": page.title[:255],
        "summary": page.catalogue_summary()[:500],
        "document_number": document_number[:60],
        "document_number_key": index_numbers.normalize_document_number(document_number)[:60],
        "formed_at": page.formed_at,
        "year": page.index_year(),
        "published_at": published,
        "disclosure_attribute": page.disclosure_attribute,
        "is_public": is_public,
    }
    entry, _created = CatalogueEntry.objects.update_or_create(page_id=page.pk, defaults=values)
    return entry


def index_page_for(document_type: str, *, section: DisclosureSectionPage | None = None) -> DocumentIndexPage:
    """Return the list page that holds documents of ``document_type`` (in ``section`` if given)."""
    lists = DocumentIndexPage.objects.filter(document_type=document_type)
    if section is not None:
        lists = lists.descendant_of(section)
    parent = lists.order_by("path").first()
    if parent is None:
        raise ValidationError(
            _("还没有“%(type)s”的列表页，请先在“政府信息公开”栏目下创建。")
            % {"type": DocumentType(document_type).label},
            code="no_index_page",
        )
    return parent


def slug_for(page: DisclosureDocumentPage) -> str:
    """A stable, unique slug for an imported document: its index number in lower case."""
    return slugify(page.index_number.replace("/", "-")) or slugify(page.title, allow_unicode=True)[:60]


@transaction.atomic
def document_save(
    *,
    page: DisclosureDocumentPage,
    parent: DocumentIndexPage | None = None,
    actor: Any = None,
    publish: bool = False,
    published_at: datetime.datetime | None = None,
    action: str = "publishing.document_saved",
) -> DisclosureDocumentPage:
    """Create ``page`` under ``parent`` (or save a new revision of an existing page); publish it.

    - A new page gets its 索引号 (if empty) before it enters the tree and a slug derived from it.
    - ``publish`` publishes the revision only for a 主动公开 document; others stay drafts (only
      主动公开 information ever reaches the public site).
    - ``published_at`` sets the 发布日期 of a document published before it came into the system
      (imports of existing documents, the demo); otherwise Wagtail records the moment of publication.
    - Writes an audit event ``action`` with the index number and the result.
    """
    page.validate_document()
    created = page.pk is None
    if created:
        if parent is None:
            raise ValueError("a new document needs a parent list page")
        if not page.index_number:
            page.index_number = index_numbers.assign(department=page.department, year=page.index_year())
        else:
            parsed = index_numbers.parse(page.index_number)
            if parsed is not None:
                index_numbers.reserve(
                    department_id=page.department_id, year=parsed.year, sequence=parsed.sequence
                )
        if not page.slug:
            page.slug = slug_for(page)
        page.live = False
        if published_at is not None:
            page.first_published_at = published_at
        parent.add_child(instance=page)
    elif published_at is not None and page.first_published_at is None:
        page.first_published_at = published_at
    revision = page.save_revision(user=actor, log_action=True)
    published = False
    if publish and page.disclosure_attribute == DisclosureAttribute.PROACTIVE:
        revision.publish(user=actor, skip_permission_checks=True)
        published = True
        page.refresh_from_db()
    audit_record(
        actor=actor,
        action=action,
        target=page,
        new={
            "index_number": page.index_number,
            "created": created,
            "published": published,
            "disclosure_attribute": page.disclosure_attribute,
        },
    )
    return page


@dataclass
class EmergencyUpdateSubmitted:
    """What ``emergency_update_add`` did: the new timeline entry, its revision and the review run."""

    update: EmergencyUpdate
    revision: Revision
    workflow_state: WorkflowState


@transaction.atomic
def emergency_update_add(
    *,
    page: EmergencyEventPage,
    kind: str,
    text: str,
    at: datetime.datetime | None = None,
    actor: Any = None,
    close: bool = False,
) -> EmergencyUpdateSubmitted:
    """Add one entry to an emergency event's timeline and submit it to the fast review path.

    - The entry is added to the page's **latest** revision (so entries still waiting for approval
      are kept) and saved as a new revision; the live page does not change yet.
    - The revision goes to the page's workflow (突发事件快速发布: the on-duty leader is notified at
      once). A run already waiting for the leader restarts its step on the new revision (the
      leader approves what will go live); a run sent back for changes resumes.
    - When the leader approves, the review chain publishes the revision: the entry is live.
    - ``close`` also marks the event as no longer open (the portal's banner then disappears once
      approved). ``at`` defaults to now. Raises ``ValidationError`` for an empty text or an
      unknown kind, or when the page has no workflow; audited ``publishing.emergency_update_added``.
    """
    locked = EmergencyEventPage.objects.select_for_update().get(pk=page.pk)
    draft = locked.get_latest_revision_as_object()
    update = EmergencyUpdate(page=draft, kind=kind, text=(text or "").strip(), at=at or timezone.now())
    update.full_clean(exclude=["page"])
    workflow = locked.get_workflow()
    if workflow is None:
        raise ValidationError(_("该突发事件所在的列表没有指定审核流程，无法提交审核。"), code="no_workflow")
    draft.updates.add(update)
    draft.formed_at = timezone.localdate()
    if close:
        draft.is_open = False
    revision = draft.save_revision(user=actor, log_action=True)
    state = locked.current_workflow_state
    if state is not None and state.status == WorkflowState.STATUS_NEEDS_CHANGES:
        state.resume(user=actor)
    elif state is not None and state.status == WorkflowState.STATUS_IN_PROGRESS:
        task_state = state.current_task_state
        if task_state is not None and task_state.status == TaskState.STATUS_IN_PROGRESS:
            # The step restarts on the new revision: what the leader approves is what goes live.
            task_state.cancel(user=actor, resume=True, comment=_("新增事件动态，须重新审批。"))
    else:
        state = workflow.start(locked, actor)
    state.refresh_from_db()
    audit_record(
        actor=actor,
        action="publishing.emergency_update_added",
        target=locked,
        new={"kind": kind, "at": update.at, "closed": close, "revision": revision.pk},
    )
    return EmergencyUpdateSubmitted(update=update, revision=revision, workflow_state=state)
