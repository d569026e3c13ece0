"""Recorded new-media messages (新媒体留言): record, convert, ignore — service, API and workspace."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from gongkai.core.workflow import TransitionNotAllowed
from gongkai.hotline import selectors, services
from gongkai.hotline.models import InboundMessage, InboundStatus, Status, WorkOrder

from .test_api_orders import api, superuser  # noqa: F401 - the fixtures

pytestmark = pytest.mark.django_db

MESSAGE = {
    "channel": "weibo",
    "external_id": "wb-9001",
    "sender_name": "微博网友",
    "sender_handle": "@吉林小王",
    "sender_phone": "13812345678",
    "text": "桥下积水很深，电话13812345678。",
}


def test_record_is_idempotent_and_converts_once(clock, users):
    message, created = services.inbound_message_record(**MESSAGE, raw={"mid": "9001"})
    assert created and message.status == InboundStatus.NEW
    again, created = services.inbound_message_record(**MESSAGE)
    assert not created and again.pk == message.pk
    assert list(selectors.queue_inbound_messages()) == [message]
    with pytest.raises(TransitionNotAllowed):
        services.inbound_message_convert(message=message, actor=users["handler_a"])
    order = services.inbound_message_convert(
        message=message, actor=users["operator"], order_type="help", title="桥下积水"
    )
    message.refresh_from_db()
    assert message.status == InboundStatus.CONVERTED and message.work_order == order
    assert order.channel == "weibo" and order.status == Status.RECEIVED and order.title == "桥下积水"
    assert order.caller_phone == "13812345678" and order.raw_source["message"] == {"mid": "9001"}
    assert services.inbound_message_convert(message=message, actor=users["operator"]) == order
    assert not selectors.queue_inbound_messages().exists()


def test_ignore_needs_a_reason_and_can_still_be_converted(clock, users):
    message, _ = services.inbound_message_record(**{**MESSAGE, "sender_phone": "not a phone"})
    assert message.sender_phone == ""
    with pytest.raises(ValidationError):
        services.inbound_message_ignore(message=message, actor=users["operator"], reason="")
    message = services.inbound_message_ignore(message=message, actor=users["operator"], reason="广告")
    assert message.status == InboundStatus.IGNORED and message.note == "广告"
    with pytest.raises(TransitionNotAllowed):
        services.inbound_message_ignore(message=message, actor=users["operator"], reason="再次")
    order = services.inbound_message_convert(message=message, actor=users["dispatcher"])
    assert order.pk


def test_api_records_converts_by_default_and_on_request(clock, api, settings):  # noqa: F811
    first = api("operator").post("/inbound-messages", {**MESSAGE, "auto_convert": False})
    assert first.status_code == 201 and first.json()["id"] is None
    assert first.json()["message_status"] == "new"
    listing = api("operator").get("/inbound-messages", {"status": "new"}).json()
    assert listing["count"] == 1 and listing["results"][0]["sender_phone"] == "138****5678"
    assert "13812345678" not in listing["results"][0]["text"]
    # Handlers read only the messages handed to their department (none here).
    assert api("handler_a").get("/inbound-messages").json()["count"] == 0
    assert (
        api("handler_a").post(f"/inbound-messages/{first.json()['message_id']}/convert", {}).status_code
        == 403
    )
    message_id = first.json()["message_id"]
    converted = api("operator").post(f"/inbound-messages/{message_id}/convert", {"order_type": "help"})
    assert converted.status_code == 200 and converted.json()["tracking_number"]
    ignored = api("operator").post(f"/inbound-messages/{message_id}/ignore", {"reason": "重复"})
    assert ignored.status_code == 409
    assert api("operator").post("/inbound-messages/99999/ignore", {"reason": "x"}).status_code == 404

    settings.GONGKAI_HOTLINE_INBOUND_AUTO_CONVERT = ["wechat"]
    weibo = api("operator").post("/inbound-messages", {**MESSAGE, "external_id": "wb-2"})
    assert weibo.status_code == 201 and weibo.json()["id"] is None
    wechat = api("operator").post(
        "/inbound-messages", {**MESSAGE, "channel": "wechat", "external_id": "wx-2"}
    )
    assert wechat.json()["id"] and WorkOrder.objects.filter(channel="wechat").count() == 1


def test_workspace_list_converts_and_ignores(clock, client, users):
    keep, _ = services.inbound_message_record(**MESSAGE)
    spam, _ = services.inbound_message_record(**{**MESSAGE, "external_id": "wb-spam", "text": "广告"})
    client.force_login(users["handler_a"])
    assert "桥下积水很深" not in client.get(reverse("hotline_workspace:inbound")).content.decode()
    client.force_login(users["operator"])
    page = client.get(reverse("hotline_workspace:inbound")).content.decode()
    assert "桥下积水很深" in page and "138****5678" in page and "13812345678" not in page
    response = client.post(
        reverse("hotline_workspace:inbound_act", args=[keep.pk, "convert"]),
        {f"m{keep.pk}-order_type": "help", f"m{keep.pk}-title": ""},
    )
    assert response.status_code == 302
    keep.refresh_from_db()
    assert keep.status == InboundStatus.CONVERTED
    client.post(
        reverse("hotline_workspace:inbound_act", args=[spam.pk, "ignore"]), {f"m{spam.pk}-reason": "广告"}
    )
    spam.refresh_from_db()
    assert spam.status == InboundStatus.IGNORED
    assert InboundMessage.objects.filter(status=InboundStatus.NEW).count() == 0
    assert "没有留言" in client.get(reverse("hotline_workspace:inbound")).content.decode()
