"""Attachments of documents: Wagtail documents whose upload is checked by content and size.

The type comes from the file's bytes (the ``filetype`` library, as the hotline's attachments), never
from its name or the browser's Content-Type: a script renamed ``通知.pdf`` is refused. The admin's
document form (``WAGTAILDOCS_DOCUMENT_FORM_BASE``) and the import command use the same check.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from wagtail.documents.forms import BaseDocumentForm

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024

ALLOWED_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "txt": "text/plain",
}
"""Extensions accepted (also ``WAGTAILDOCS_EXTENSIONS``) and the content type served for each."""


def read_upload(file: Any) -> bytes:
    if hasattr(file, "seek"):
        file.seek(0)
    data = b"".join(file.chunks()) if hasattr(file, "chunks") else file.read()
    if hasattr(file, "seek"):
        file.seek(0)
    return data if isinstance(data, bytes) else data.encode()


def check_attachment(name: str, data: bytes) -> str:
    """Return the content type of an acceptable attachment, or raise ``ValidationError`` (Chinese)."""
    import filetype

    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1][:200] or "file"
    if not data:
        raise ValidationError(_("附件“%(name)s”是空文件。") % {"name": name}, code="attachment_empty")
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            _("附件“%(name)s”超过 %(mb)s MB。") % {"name": name, "mb": MAX_ATTACHMENT_BYTES // (1024 * 1024)},
            code="attachment_too_large",
        )
    kind = filetype.guess(data[:8192])
    extension = kind.extension if kind is not None else None
    if extension is None and name.lower().endswith(".txt") and b"\x00" not in data:
        try:
            data.decode("utf-8")
            extension = "txt"
        except UnicodeDecodeError:
            extension = None
    if extension not in ALLOWED_TYPES:
        raise ValidationError(
            _(
                "附件“%(name)s”的类型不允许；只接受 pdf、doc、docx、xls、xlsx、ppt、pptx、odt、ods、图片和 txt。"
            )
            % {"name": name},
            code="attachment_type",
        )
    declared = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if declared in {"jpeg"}:
        declared = "jpg"
    if declared and declared != extension:
        raise ValidationError(
            _("附件“%(name)s”的扩展名与内容不符（内容是 %(kind)s）。") % {"name": name, "kind": extension},
            code="attachment_extension_mismatch",
        )
    return ALLOWED_TYPES[extension]


class CheckedDocumentForm(BaseDocumentForm):
    """The admin's document upload form, with the content and size check."""

    def clean_file(self) -> Any:
        file = self.cleaned_data.get("file")
        # A new upload is an UploadedFile (it has a content_type); an unchanged file is not.
        if file is not None and hasattr(file, "content_type"):
            check_attachment(getattr(file, "name", ""), read_upload(file))
        return file


def document_create(*, title: str, file_name: str, data: bytes, actor: Any = None) -> Any:
    """Store a checked file as a Wagtail document and return it."""
    from wagtail.documents import get_document_model

    check_attachment(file_name, data)
    document_model = get_document_model()
    document = document_model(title=title[:255] or file_name, uploaded_by_user=actor if actor else None)
    document.file.save(file_name, ContentFile(data), save=False)
    document.full_clean(exclude=["collection"])
    document.save()
    return document
