"""Attachments of a work order in the staff API: /api/v1/hotline/orders/{id}/attachments.

- ``GET …/attachments`` lists them, ``GET …/attachments/{attachment_id}`` downloads one (recorded
  as ``hotline.attachment_downloaded``): whoever may see the order (``selectors.access_work_order``:
  the same 404 for a missing and a forbidden order).
- ``POST …/attachments`` (multipart, field ``file``) adds one through ``services.attachment_add``,
  the same checks as the web form: the type is detected from the content with ``filetype`` (images,
  pdf, Office, plain text), at most 10 MB and 5 files per order; audited
  ``workorder.attachment_added`` and shown on the timeline. Operators, the hotline office and the
  handlers of the department holding the order (current or lead) may add to an open order.

The public appeal endpoint takes no files (a public upload is the web form's job, with its own
limits); Open311 takes ``media_url`` as a link only.

A router of its own, mounted under /hotline/ next to ``hotline.api``. No ``from __future__ import
annotations``: django-ninja needs the real annotations.
"""

import logging
from typing import Any, cast

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Router, Schema
from ninja import Status as Reply
from ninja.files import UploadedFile

from gongkai.api.errors import ApiError, PermissionDenied
from gongkai.core.parsing import parse_id
from gongkai.hotline import selectors, services
from gongkai.hotline.models import FINAL_STATUSES, Attachment, WorkOrder
from gongkai.hotline.workflow import is_operator, may_handle

logger = logging.getLogger(__name__)

router = Router(tags=["hotline"])


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str | None
    created_at: Any
    download_url: str


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _order(request: HttpRequest, order_id: Any) -> WorkOrder:
    pk = parse_id(order_id)
    if pk is None:
        raise Http404("not found")
    return selectors.access_work_order(_user(request), pk)


def _out(attachment: Attachment) -> dict:
    user = attachment.uploaded_by
    return {
        "id": attachment.pk,
        "name": attachment.original_name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "uploaded_by": (user.get_full_name() or user.get_username()) if user is not None else None,
        "created_at": attachment.created_at,
        "download_url": f"/api/v1/hotline/orders/{attachment.work_order_id}/attachments/{attachment.pk}",
    }


def may_attach(user: Any, order: WorkOrder) -> bool:
    """Operators and the hotline office, or a handler of the order's current or lead department."""
    return bool(is_operator(user) or may_handle(user, order))


@router.get(
    "/orders/{order_id}/attachments",
    response=list[AttachmentOut],
    summary="工单附件列表 / Attachments of an order",
)
def attachment_list(request: HttpRequest, order_id: int):
    order = _order(request, order_id)
    return [_out(a) for a in order.attachments.select_related("uploaded_by").order_by("created_at", "pk")]


@router.post(
    "/orders/{order_id}/attachments",
    response={201: AttachmentOut},
    summary="上传工单附件 / Add an attachment (multipart)",
)
def attachment_upload(request: HttpRequest, order_id: int, file: File[UploadedFile]):
    """Multipart form with one file in ``file``. 422 for a type not allowed (checked by content),
    an empty file, one over 10 MB or a sixth attachment; 409 for a closed, merged or invalid order."""
    user = _user(request)
    order = _order(request, order_id)
    if not may_attach(user, order):
        raise PermissionDenied()
    if order.status in FINAL_STATUSES:
        raise ApiError(
            _("工单已“%(status)s”，不能再添加附件。") % {"status": order.get_status_display()},
            code="order_final",
            status=409,
        )
    attachment = services.attachment_add(work_order=order, file=file, actor=user, request=request)
    return Reply(201, _out(attachment))


@router.get(
    "/orders/{order_id}/attachments/{attachment_id}",
    response={200: None},
    summary="下载工单附件 / Download an attachment",
)
def attachment_download(request: HttpRequest, order_id: int, attachment_id: int):
    """The file as a download with its checked content type; each download is audited."""
    order = _order(request, order_id)
    pk = parse_id(attachment_id)
    attachment = Attachment.objects.filter(pk=pk, work_order=order).first() if pk else None
    if attachment is None:
        raise Http404("not found")
    try:
        handle = services.attachment_open(attachment=attachment, actor=_user(request), request=request)
    except OSError as exc:
        logger.warning("attachment %s of work order %s is missing", attachment.pk, order.pk)
        raise Http404("not found") from exc
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return cast(HttpResponse, response)
