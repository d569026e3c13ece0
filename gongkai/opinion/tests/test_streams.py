"""The city's own streams: hotline work orders and website / new-media messages as opinion posts,
redacted, idempotent by cursor, and a surge of appeals about one matter seen as an event."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from gongkai.accounts.models import DepartmentKind
from gongkai.accounts.services import department_upsert
from gongkai.hotline import services as hotline
from gongkai.hotline.models import Channel, OrderType, Status, WorkOrder
from gongkai.opinion import jobs, polling, streams
from gongkai.opinion.models import Event, Post, Source, SourceKind

CALLER = {
    "caller_name": "赵秀英",
    "caller_phone": "13904321234",
    "caller_id_number": "220204198001011232",
    "caller_address": "船营区北京路街道江城嘉园小区3号楼2单元501室",
}


@pytest.fixture
def places(db):
    city, _ = department_upsert(code="jilin", name="吉林市人民政府", kind=DepartmentKind.GOVERNMENT)
    district, _ = department_upsert(
        code="chuanying",
        name="吉林市船营区人民政府",
        short_name="船营区",
        kind=DepartmentKind.DISTRICT,
        parent=city,
    )
    street, _ = department_upsert(
        code="chuanying-beijinglu",
        name="船营区北京路街道办事处",
        short_name="北京路街道",
        kind=DepartmentKind.STREET,
        parent=district,
    )
    return {"district": district, "street": street}


@pytest.fixture
def appeal(places):
    def make(content: str, *, hours: float = 1.0, **extra):
        values = {
            "channel": Channel.PHONE,
            "content": content,
            "order_type": OrderType.COMPLAINT,
            "district": places["district"],
            "street": places["street"],
            "received_at": timezone.now() - datetime.timedelta(hours=hours),
            "notify": False,
            **CALLER,
            **extra,
        }
        order, _code = hotline.work_order_create(**values)
        return order

    return make


HEATING = (
    "我是船营区北京路街道江城嘉园小区3号楼2单元501室的住户赵秀英，暖气不热，室温只有13度，"
    "家里有老人，请供热公司尽快处理。联系电话13904321234，身份证号220204198001011232。"
)


def _everything_stored(post: Post) -> str:
    return " ".join(
        str(value)
        for value in (
            post.title,
            post.text,
            post.normalized_text,
            post.author,
            post.author_id,
            post.place,
            post.url,
        )
    )


def test_appeals_are_stored_redacted_with_place_and_time(appeal):
    order = appeal(HEATING, hours=2)

    [hotline_outcome, _website] = streams.run_streams()

    assert (hotline_outcome.status, hotline_outcome.created) == ("ok", 1)
    post = Post.objects.get(source__code="hotline")
    assert post.external_id == order.tracking_number
    assert post.kind == "appeal"
    assert post.published_at == order.created_at
    assert post.place == "船营区 北京路街道"
    assert post.district == "chuanying"
    assert post.author == "" and post.author_id == ""
    assert post.text == (
        "我是船营区北京路街道江城嘉园小区*号楼*单元*室的住户赵**，暖气不热，室温只有13度，"
        "家里有老人，请供热公司尽快处理。联系电话139****1234，身份证号220204********1232。"
    )
    # The title the hotline cut from the content is cut again from the redacted content.
    assert post.title == post.text[:30] + "…" == "我是船营区北京路街道江城嘉园小区*号楼*单元*室的住户赵**…"
    stored = _everything_stored(post)
    for secret in ("赵秀英", "13904321234", "220204198001011232", "3号楼2单元501室", "秀英"):
        assert secret not in stored


def test_redaction_masks_names_phones_addresses_and_door_numbers():
    text = "我叫王建国，住在江南街道丰满花园7-3-602，也可以打0432-62012345或15804321234找我。"
    redacted = streams.redact(
        text, names=["王建国"], phones=["15804321234"], addresses=["丰满区江南街道丰满花园7栋3单元602"]
    )
    assert redacted == "我叫王**，住在江南街道丰满花园*-*-*，也可以打0432-****45或158****1234找我。"
    assert streams.mask_door_numbers("北山小区12号楼3单元1203室") == "北山小区*号楼*单元*室"
    # Dates, temperatures and money are not door numbers.
    assert streams.mask_door_numbers("2026-11-27 室温13度，交了2300元") == "2026-11-27 室温13度，交了2300元"


def test_the_streams_are_idempotent_by_cursor(appeal):
    first = appeal("江城嘉园小区暖气不热，室温13度。", hours=3)

    streams.run_streams()
    source = Source.objects.get(code="hotline")
    assert source.kind == SourceKind.HOTLINE
    assert source.cursor["orders"]["last_id"] == first.pk
    assert Source.objects.get(code="website").kind == SourceKind.WEBSITE

    again = streams.run_stream("hotline")
    assert (again.fetched, again.created) == (0, 0)

    second = appeal("江城嘉园小区暖气还是不热。", hours=1)
    later = streams.run_stream("hotline")
    assert (later.fetched, later.created) == (1, 1)
    assert set(Post.objects.filter(source=source).values_list("external_id", flat=True)) == {
        first.tracking_number,
        second.tracking_number,
    }
    source.refresh_from_db()
    assert source.cursor["orders"]["last_id"] == second.pk
    assert "last_errors" not in source.config


def test_an_order_committed_after_a_later_one_is_still_taken(appeal):
    early = appeal("江城嘉园小区暖气不热。", hours=2)
    late = appeal("江城嘉园小区暖气也不热。", hours=1)
    source = streams.stream_source("hotline")
    # As if the stream had read the later order while the earlier one's transaction was open.
    source.cursor = {
        "orders": {"last_id": late.pk, "since": (timezone.now() - datetime.timedelta(days=7)).isoformat()}
    }
    source.save()

    outcome = streams.run_stream("hotline")

    assert (outcome.fetched, outcome.created) == (2, 2)
    assert Post.objects.filter(source=source, external_id=early.tracking_number).exists()
    assert streams.run_stream("hotline").created == 0


def test_invalid_orders_and_older_history_are_left_out(appeal):
    appeal("江城嘉园小区暖气不热，已经一周了。", hours=24 * 30)  # before the first run's look-back
    junk = appeal("测试测试", hours=1)
    WorkOrder.objects.filter(pk=junk.pk).update(status=Status.INVALID)
    kept = appeal("江城嘉园小区暖气不热。", hours=1)

    streams.run_stream("hotline")

    assert list(Post.objects.filter(source__code="hotline").values_list("external_id", flat=True)) == [
        kept.tracking_number
    ]


def test_a_surge_of_appeals_about_one_matter_becomes_an_event(appeal):
    complaints = [
        "江城嘉园小区暖气不热，室温只有13度，请供热公司尽快处理。",
        "江城嘉园小区暖气不热，室温12度，老人孩子受不了。",
        "江城嘉园小区整栋楼暖气不热，室温只有14度。",
        "江城嘉园小区暖气不热好几天了，室温13度，供热公司电话打不通。",
        "江城嘉园小区暖气还是不热，室温只有12度，请尽快处理。",
    ]
    for index, content in enumerate(complaints):
        appeal(content, hours=5 - index)

    streams.run_stream("hotline")

    posts = Post.objects.filter(source__code="hotline")
    assert posts.count() == 5
    event_ids = set(posts.values_list("event_id", flat=True))
    assert len(event_ids) == 1 and None not in event_ids
    event = Event.objects.get(pk=event_ids.pop())
    assert event.post_count == 5
    assert event.district == "chuanying"


def test_website_messages_and_published_letters_are_messages(appeal):
    message, _created = hotline.inbound_message_record(
        channel=Channel.WECHAT,
        external_id="wx-1",
        text="我是孙立新，江城嘉园小区暖气不热，我的电话13804329876，请回电。",
        sender_name="孙立新",
        sender_handle="sunlx_1980",
        sender_phone="13804329876",
        received_at=timezone.now() - datetime.timedelta(hours=3),
    )
    letter = appeal(
        "市长您好，江城嘉园小区供热不达标，请督促整改。", channel=Channel.MAILBOX, consent_to_publish=True
    )
    published = timezone.now() - datetime.timedelta(hours=1)
    WorkOrder.objects.filter(pk=letter.pk).update(
        status=Status.CLOSED,
        reply_text="经核实，已督促热力公司完成管网疏通，室温已达标。",
        public_title="关于江城嘉园小区供热不达标的来信",
        public_content="市长您好，江城嘉园小区供热不达标，请督促整改。来信人赵秀英。",
        public_reply="经核实，已督促热力公司完成管网疏通，室温已达标。",
        publication_approved_at=published,
    )

    outcome = streams.run_stream("website")

    assert (outcome.status, outcome.created) == ("ok", 2)
    inbound = Post.objects.get(source__code="website", external_id=f"inbound-{message.pk}")
    assert inbound.kind == "message"
    assert inbound.published_at == message.received_at
    assert inbound.text == "我是孙**，江城嘉园小区暖气不热，我的电话138****9876，请回电。"
    assert "孙立新" not in _everything_stored(inbound) and "sunlx" not in _everything_stored(inbound)
    public = Post.objects.get(source__code="website", external_id=f"letter-{letter.tracking_number}")
    assert public.kind == "message"
    assert public.parent_external_id == letter.tracking_number
    assert public.title == "关于江城嘉园小区供热不达标的来信"
    assert public.text == "市长您好，江城嘉园小区供热不达标，请督促整改。来信人赵**。"
    assert public.published_at == published

    assert streams.run_stream("website").created == 0


def test_a_disabled_stream_and_a_stream_under_lease_are_not_read(appeal):
    appeal("江城嘉园小区暖气不热。")
    source = streams.stream_source("hotline")
    with polling.source_lease(source.pk):
        assert streams.run_stream("hotline").status == "locked"
    Source.objects.filter(pk=source.pk).update(enabled=False)
    assert streams.run_stream("hotline").status == "skipped"
    assert not Post.objects.filter(source=source).exists()


def test_the_job_reads_both_streams(appeal):
    appeal("江城嘉园小区暖气不热。")
    assert jobs.city_streams() == {"sources": 2, "fetched": 1, "created": 1, "ok": 2}
