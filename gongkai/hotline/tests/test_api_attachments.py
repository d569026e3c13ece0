"""Attachments in the staff API: upload (content-checked, size and count limits, audited), list, download."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongkai.core.audit.models import AuditEvent
from gongkai.hotline import services
from gongkai.hotline.models import Attachment, EventType, Status, WorkOrderEvent

from .test_api_orders import api, superuser  # noqa: F401 - the fixtures

pytestmark = pytest.mark.django_db

BASE = "/api/v1/hotline"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def _upload(client, user, order_id, name="photo.png", data=PNG):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.post(
        f"{BASE}/orders/{order_id}/attachments", {"file": SimpleUploadedFile(name, data, "image/png")}
    )


def test_upload_list_and_download(clock, client, users, walk):
    order = walk(Status.IN_PROGRESS)
    response = _upload(client, users["handler_a"], order.pk, name="现场照片.png")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["content_type"] == "image/png" and body["size"] == len(PNG) and body["name"] == "现场照片.png"
    attachment = Attachment.objects.get(pk=body["id"])
    assert attachment.uploaded_by == users["handler_a"]
    assert AuditEvent.objects.filter(action="workorder.attachment_added", target_id=str(order.pk)).exists()
    assert WorkOrderEvent.objects.filter(work_order=order, type=EventType.ATTACHMENT_ADDED).exists()

    client.force_login(users["leader"])
    listed = client.get(f"{BASE}/orders/{order.pk}/attachments")
    assert listed.status_code == 200 and [a["id"] for a in listed.json()] == [attachment.pk]
    download = client.get(body["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG
    assert download["Content-Type"] == "image/png" and download["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download["Content-Disposition"]
    event = AuditEvent.objects.get(action="hotline.attachment_downloaded")
    assert event.actor == users["leader"] and event.new_values["attachment"] == attachment.pk


def test_permissions(clock, client, users, walk):
    order = walk(Status.IN_PROGRESS)
    assert _upload(client, None, order.pk).status_code == 401
    assert _upload(client, users["handler_b"], order.pk).status_code == 404  # cannot see it
    assert _upload(client, users["leader"], order.pk).status_code == 403  # sees it, read-only
    assert _upload(client, users["operator"], order.pk).status_code == 201
    assert _upload(client, users["dispatcher"], order.pk).status_code == 201
    client.force_login(users["handler_b"])
    assert client.get(f"{BASE}/orders/{order.pk}/attachments").status_code == 404
    attachment = Attachment.objects.first()
    assert client.get(f"{BASE}/orders/{order.pk}/attachments/{attachment.pk}").status_code == 404
    client.logout()
    assert client.get(f"{BASE}/orders/{order.pk}/attachments").status_code == 401
    assert Attachment.objects.count() == 2


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("evil.png", b"MZ\x90\x00" + b"\x00" * 100),  # an executable named .png
        ("page.html", b"<html><script>alert(1)</script></html>"),
        ("empty.png", b""),
        ("big.pdf", PDF + b"\x00" * (10 * 1024 * 1024)),
    ],
)
def test_bad_files_are_422_and_store_nothing(clock, client, users, walk, name, data):
    order = walk(Status.RECEIVED)
    response = _upload(client, users["operator"], order.pk, name=name, data=data)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "validation_error"
    assert not Attachment.objects.exists()
    assert not AuditEvent.objects.filter(action="workorder.attachment_added").exists()


def test_count_limit_final_orders_and_bad_requests(clock, client, users, walk):
    order = walk(Status.RECEIVED)
    for _ in range(services.MAX_ATTACHMENTS):
        assert _upload(client, users["operator"], order.pk, name="a.pdf", data=PDF).status_code == 201
    assert _upload(client, users["operator"], order.pk).status_code == 422
    invalid = walk(Status.INVALID)
    refused = _upload(client, users["operator"], invalid.pk)
    assert refused.status_code == 409 and refused.json()["code"] == "order_final"
    client.force_login(users["operator"])
    assert client.post(f"{BASE}/orders/{order.pk}/attachments", {}).status_code == 422  # no file
    assert client.get(f"{BASE}/orders/{'9' * 40}/attachments").status_code in (404, 422)
    assert client.get(f"{BASE}/orders/{order.pk}/attachments/{'9' * 40}").status_code in (404, 422)
    assert client.get(f"{BASE}/orders/{order.pk}/attachments/999999").status_code == 404
    assert _upload(client, users["operator"], 999999).status_code == 404


def test_public_appeal_still_takes_no_files(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    appeal = schema["paths"]["/api/v1/hotline/appeals"]["post"]
    assert "multipart/form-data" not in appeal["requestBody"]["content"]
