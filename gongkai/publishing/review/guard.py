"""The publish guard: a disclosure document goes live only as a revision that completed its workflow.

Every Wagtail route to publication ends in the same two writes, and the guard checks both:

- the page row is saved with ``live=True`` and a new ``live_revision`` (``Revision.publish()``,
  ``Page.publish()``, the admin's publish button, the workflow's final approval, an API, a
  management command, ``publish_scheduled``);
- a revision is saved with ``approved_go_live_at`` set ("publish at a set time").

Both are refused (``PublishRefused``, a ``PublishPermissionError``; nothing is written) unless
``ReviewApproval`` names the revision, and always when the document is not 主动公开. The admin
also gets a friendly refusal earlier, through the ``before_publish_page`` hook (``wagtail_hooks``),
and ``publish_scheduled`` is wrapped so that one refused revision does not stop the others.

Documents that were approved outside this system (an import of the city's existing documents)
are saved inside ``review_bypass(reason=..., user=...)``, which records the reason (audited) and an
"imported" ``ReviewApproval`` for the revision that goes live.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models.signals import pre_save
from django.utils.translation import gettext as _
from wagtail.actions.publish_page_revision import PublishPagePermissionError

from gongkai.api.errors import ApiError
from gongkai.publishing.review import documents


class PublishRefused(ApiError, PublishPagePermissionError):
    """Publishing this revision would skip the review chain, or the document is not 主动公开."""

    status = 409
    code = "review_required"


_bypass: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "publishing_review_bypass", default=None
)


@contextmanager
def review_bypass(*, reason: str, user: Any = None, release: bool = False) -> Iterator[None]:
    """Let documents approved outside this system go live (imports); the reason is audited.

    Not for anything a user does in the admin or the API: those go through the workflow.
    Non-主动公开 documents stay refused even here.

    ``release``: whether what is published here is also posted to the external channels (Weibo,
    WeChat). Off by default: historical and imported documents are recorded on the website only
    (see ``bypass_releases_allowed``); an import that explicitly asks for it posts them too.
    """
    from gongkai.publishing.review.services import ReviewRefused

    reason = (reason or "").strip()
    if not reason:
        raise ReviewRefused(_("请写明导入文档的审核来源。"), code="reason_required", status=422)
    token = _bypass.set({"reason": reason, "user": user, "release": bool(release)})
    try:
        yield
    finally:
        _bypass.reset(token)


def bypass_active() -> bool:
    """True inside ``review_bypass``: the publication happening now was approved elsewhere."""
    return _bypass.get() is not None


def bypass_releases_allowed() -> bool:
    """Whether a publication may go to the external channels: always outside a bypass; inside
    one only when it was opened with ``release=True``."""
    bypass = _bypass.get()
    return bypass is None or bool(bypass.get("release"))


def revision_is_approved(revision_id: int | None) -> bool:
    from gongkai.publishing.review.models import ReviewApproval

    if not revision_id:
        return False
    return ReviewApproval.objects.filter(revision_id=revision_id).exists()


def not_proactive_message() -> str:
    return _("只有“主动公开”的信息可以发布到网站；依申请公开和不予公开的信息不能发布。")


def review_required_message() -> str:
    return _("该文档须经审核流程（保密审查、按需上级审批）全部通过后才能发布，请提交审核。")


def check_revision_may_go_live(*, page: Any, revision_id: int | None) -> None:
    """Raise ``PublishRefused`` unless ``revision_id`` of the document ``page`` may go live."""
    if documents.disclosure_attribute(page) != documents.PROACTIVE:
        raise PublishRefused(not_proactive_message(), code="not_proactive")
    if revision_is_approved(revision_id):
        return
    bypass = _bypass.get()
    if bypass is not None:
        from wagtail.models import Revision

        from gongkai.publishing.review.services import approval_record_imported

        revision = Revision.objects.filter(pk=revision_id).first() if revision_id else None
        approval_record_imported(page=page, revision=revision, user=bypass["user"], reason=bypass["reason"])
        return
    raise PublishRefused(review_required_message())


def _page_pre_save(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or not instance.live:
        return  # drafts, unpublishing and fixtures
    if documents.disclosure_attribute(instance) != documents.PROACTIVE:
        raise PublishRefused(not_proactive_message(), code="not_proactive")
    if instance.pk is not None:
        before = sender.objects.filter(pk=instance.pk).values("live", "live_revision_id").first()
        if before and before["live"] and before["live_revision_id"] == instance.live_revision_id:
            return  # an ordinary save of a page that is already live with this revision
    check_revision_may_go_live(page=instance, revision_id=instance.live_revision_id)


def _base_page_pre_save(sender: type, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """A document saved through a plain ``Page`` object (e.g. ``Page.objects.get(...).save()``)."""
    if raw or not instance.live or instance.content_type_id not in documents.document_content_type_ids():
        return
    specific_model = instance.specific_class
    if specific_model is None:
        return
    current = specific_model.objects.filter(pk=instance.pk).first()
    if current is None:
        return
    current.live = instance.live
    current.live_revision_id = instance.live_revision_id
    _page_pre_save(specific_model, current)


def _revision_pre_save(sender: type, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.approved_go_live_at is None:
        return
    if instance.content_type_id not in documents.document_content_type_ids():
        return
    obj = instance.as_object()
    check_revision_may_go_live(page=obj, revision_id=instance.pk)


def connect() -> None:
    """Attach the guard to every document model and to ``Revision`` (called from ``ready()``)."""
    from wagtail.models import Page, Revision

    pre_save.connect(_base_page_pre_save, sender=Page, dispatch_uid="publishing_review_guard_page")
    for model in documents.document_models():
        pre_save.connect(
            _page_pre_save, sender=model, dispatch_uid=f"publishing_review_guard_{model._meta.label}"
        )
    pre_save.connect(_revision_pre_save, sender=Revision, dispatch_uid="publishing_review_guard_revision")
