"""Intake validation, idempotency, tracking numbers, query codes, attachments."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from gongkai.core.outbox.models import OutboxMessage
from gongkai.hotline import services
from gongkai.hotline.models import EventType, OrderType, Status, WorkOrder

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_create_returns_the_code_once_and_stores_only_its_hash(
    clock, make_order, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        order, code = services.work_order_create(
            channel="web", content="噪音扰民", caller_phone="+86 138-1234-5678"
        )
    assert len(code) == 6 and code.isdigit()
    assert code not in order.query_code_hash
    assert order.caller_phone == "13812345678"
    assert order.tracking_number.startswith("260601")
    assert order.events.get().type == EventType.RECEIVED
    sms = OutboxMessage.objects.get(channel="sms")
    assert sms.payload["params"] == {"tracking_number": order.tracking_number, "query_code": code}


def test_tracking_numbers_are_sequential_and_unique(clock, make_order):
    numbers = [make_order().tracking_number for _ in range(5)]
    assert numbers == [f"260601{n:04d}" for n in range(1, 6)]


@pytest.mark.django_db(transaction=True)
def test_tracking_numbers_unique_under_concurrency(clock):
    """Threads on PostgreSQL; on SQLite the writes serialise, which is the same guarantee."""
    import threading

    from django.db import connection

    numbers: list[str] = []
    errors: list[Exception] = []

    def intake():
        try:
            for _ in range(5):
                order, _code = services.work_order_create(channel="web", content="并发测试", notify=False)
                numbers.append(order.tracking_number)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=intake) for _ in range(4 if connection.vendor == "postgresql" else 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(numbers) == len(set(numbers)) == 5 * len(threads)


def test_intake_is_idempotent_by_source_reference(clock):
    first, code = services.work_order_create(channel="wechat", content="反映问题", source_reference="wx-1")
    second, no_code = services.work_order_create(
        channel="wechat", content="反映问题", source_reference="wx-1"
    )
    assert first.pk == second.pk and code and no_code is None
    other, _ = services.work_order_create(channel="weibo", content="反映问题", source_reference="wx-1")
    assert other.pk != first.pk


def test_from_message_hook(clock):
    order, code = services.work_order_from_message(
        channel="weibo", external_id="wb-9", text="公交站牌损坏", sender_phone="不是电话", raw={"id": "wb-9"}
    )
    assert order.channel == "weibo" and order.caller_phone == "" and order.raw_source == {"id": "wb-9"}


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("caller_phone", {"caller_phone": "1381234567"}),
        ("caller_phone", {"caller_phone": "2381234567"}),
        ("content", {"content": "   "}),
        ("content", {"content": "字" * 5001}),
        ("order_type", {"order_type": "unknown"}),
        ("urgency", {"urgency": "very"}),
        ("channel", {"channel": "fax"}),
        ("caller_id_number", {"caller_id_number": "22020219900101123Y"}),
        ("caller_email", {"caller_email": "not-an-email"}),
        ("content", {"content": "含有\x00控制字符"}),
        ("latitude", {"latitude": "200"}),
    ],
)
def test_bad_input_is_refused_with_a_chinese_message(clock, field, values):
    kwargs = {"channel": "web", "content": "正常内容", **values}
    with pytest.raises(ValidationError) as error:
        services.work_order_create(**kwargs)
    assert field in error.value.message_dict
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize("phone", ["13812345678", "0432-62012345", "043262012345", "+8613812345678", "12345"])
def test_phone_formats(phone):
    if phone == "12345":
        assert services.normalize_phone(phone) == "12345"
    else:
        assert services.normalize_phone(phone)


def test_street_must_belong_to_the_district(clock, tree):
    with pytest.raises(ValidationError):
        services.work_order_create(
            channel="web", content="内容", district=tree["district"], street=tree["dept_a"]
        )
    order, _ = services.work_order_create(channel="web", content="内容", street=tree["street"])
    assert order.district == tree["district"]


def test_public_lookup_with_a_wrong_code_reveals_nothing(clock):
    order, code = services.work_order_create(channel="web", content="内容")
    assert services.public_lookup(order.tracking_number, code) == order
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    assert services.public_lookup(order.tracking_number, wrong) is None
    assert services.public_lookup("2601019999", code) is None
    assert services.public_lookup(order.tracking_number, "") is None
    assert services.public_lookup("", "") is None


def test_public_view_has_no_personal_data(clock, walk):
    from gongkai.hotline.selectors import public_view

    order = walk(Status.AWAITING_CALLBACK)
    view = public_view(order)
    texts = " ".join(e.text for e in view.events)
    assert "市住建局" in texts and "13812345678" not in view.reply
    assert view.reply and view.reply_department == "市住建局"
    assert not hasattr(view, "caller_phone")


def test_attachments_checked_by_content(clock):
    good = SimpleUploadedFile("photo.jpg", PNG, content_type="image/jpeg")
    order, _ = services.work_order_create(channel="web", content="见附件", attachments=[good])
    attachment = order.attachments.get()
    assert (
        attachment.content_type == "image/png"
        and attachment.size == len(PNG)
        and len(attachment.sha256) == 64
    )
    assert "photo" not in attachment.file.name
    exe = SimpleUploadedFile("a.pdf", b"MZ\x90\x00" + b"\x00" * 100, content_type="application/pdf")
    with pytest.raises(ValidationError):
        services.work_order_create(channel="web", content="见附件", attachments=[exe])
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * (10 * 1024 * 1024), content_type="image/png")
    with pytest.raises(ValidationError):
        services.attachment_add(work_order=order, file=big)
    text = SimpleUploadedFile("note.txt", "说明文字".encode(), content_type="text/plain")
    assert services.attachment_add(work_order=order, file=text).content_type == "text/plain"
    with pytest.raises(ValidationError):
        services.work_order_create(
            channel="web", content="太多", attachments=[SimpleUploadedFile(f"{i}.png", PNG) for i in range(6)]
        )


def test_type_defaults_and_title(clock):
    order, _ = services.work_order_create(channel="letter", content="第一行标题\n正文内容")
    assert order.title == "第一行标题" and order.order_type == OrderType.OTHER
