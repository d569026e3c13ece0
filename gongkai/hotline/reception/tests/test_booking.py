from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gongkai.core.outbox.models import OutboxMessage
from gongkai.hotline.models import Channel, Status, WorkOrder
from gongkai.hotline.reception import services
from gongkai.hotline.reception.models import BookingSource, BookingStatus, ReceptionBooking, SessionStatus

pytestmark = pytest.mark.django_db


def book(session, n, **kwargs):
    values = {
        "session": session,
        "citizen_name": "张三",
        "phone": f"1381234{n:04d}",
        "matter": "小区供暖不热，室温只有十五度。",
    }
    values.update(kwargs)
    return services.booking_create(**values)


def test_booking_until_full_then_refused_and_nothing_written(session):
    for n in range(3):
        book(session, n)
    session.refresh_from_db()
    assert session.booked_count == 3
    before = (ReceptionBooking.objects.count(), OutboxMessage.objects.count())
    with pytest.raises(services.BookingRefused) as excinfo:
        book(session, 99)
    assert excinfo.value.code == "full"
    assert "约满" in str(excinfo.value.message)
    assert (ReceptionBooking.objects.count(), OutboxMessage.objects.count()) == before
    session.refresh_from_db()
    assert session.booked_count == 3


def test_booking_sends_sms_with_code_once(session):
    booking = book(session, 1)
    assert len(booking.code) == services.CODE_LENGTH
    message = OutboxMessage.objects.get(idempotency_key=f"reception:booking:{booking.pk}:booked:sms")
    assert message.channel == "sms"
    assert message.recipient == booking.phone
    assert message.payload["params"]["code"] == booking.code


def test_cancel_frees_a_slot(session):
    bookings = [book(session, n) for n in range(3)]
    services.booking_cancel(code=bookings[0].code.lower(), phone=bookings[0].phone)
    session.refresh_from_db()
    assert session.booked_count == 2
    assert ReceptionBooking.objects.get(pk=bookings[0].pk).status == BookingStatus.CANCELLED
    book(session, 50)  # the freed slot is bookable again
    with pytest.raises(services.BookingRefused):
        services.booking_cancel(code=bookings[0].code, phone=bookings[0].phone)  # already cancelled


def test_cancel_needs_matching_phone(session):
    booking = book(session, 1)
    with pytest.raises(services.BookingRefused) as excinfo:
        services.booking_cancel(code=booking.code, phone="13900000000")
    assert excinfo.value.status == 404
    assert services.booking_lookup(code=booking.code, phone="13900000000") is None
    assert services.booking_lookup(code=booking.code, phone=booking.phone) == booking


def test_per_phone_limits(session, make_session):
    book(session, 1)
    with pytest.raises(services.BookingRefused) as excinfo:
        book(session, 1)
    assert excinfo.value.code == "duplicate"
    other = make_session(slots=5)
    book(other, 1)
    third = make_session(slots=5)
    with pytest.raises(services.BookingRefused) as excinfo:
        book(third, 1)
    assert excinfo.value.code == "phone_limit"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"status": SessionStatus.PLANNED}, "not_open"),
        ({"status": SessionStatus.CLOSED}, "not_open"),
        ({"booking_opens_at": timezone.now() + datetime.timedelta(hours=1)}, "not_open"),
    ],
)
def test_not_open_is_refused(make_session, changes, code):
    if "booking_opens_at" in changes:
        changes["booking_closes_at"] = changes["booking_opens_at"] + datetime.timedelta(days=1)
    session = make_session(**changes)
    with pytest.raises(services.BookingRefused) as excinfo:
        book(session, 1)
    assert excinfo.value.code == code
    assert not ReceptionBooking.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "12345"),
        ("phone", "0432-62012345"),
        ("id_number", "22020219900101123"),
        ("matter", ""),
        ("matter", "短"),
        ("citizen_name", ""),
        ("citizen_name", "张\x00三"),
        ("preferred_time", "23:00-23:30"),
    ],
)
def test_bad_input_is_a_validation_error(session, field, value):
    with pytest.raises(ValidationError) as excinfo:
        book(session, 1, **{field: value})
    assert field in excinfo.value.message_dict
    assert not ReceptionBooking.objects.exists()


def test_preferred_time_from_the_windows(session):
    assert services.time_windows(session)[:2] == ["09:00-09:30", "09:30-10:00"]
    booking = book(session, 1, preferred_time="09:30-10:00")
    assert booking.preferred_time == "09:30-10:00"


def test_attended_booking_becomes_a_reception_day_work_order(session, users):
    booking = book(session, 1, id_number="11010519491231002X")
    booking = services.booking_mark_attended(
        booking=booking, actor=users["handler_zhujian"], notes="王局长当场答复，责成供热公司三日内排查。"
    )
    order = booking.work_order
    assert booking.status == BookingStatus.ATTENDED
    assert order.channel == Channel.RECEPTION_DAY
    assert order.status == Status.RECEIVED
    assert order.caller_phone == booking.phone
    assert order.caller_id_number == "11010519491231002X"
    assert "供暖不热" in order.content and "接待记录" in order.content
    assert order.source_reference == f"reception:{booking.code}"
    assert order.raw_source["reception_session"] == session.pk
    # A second click returns the same booking and order.
    again = services.booking_mark_attended(booking=booking.pk, actor=users["handler_zhujian"])
    assert again.work_order_id == order.pk
    assert WorkOrder.objects.count() == 1


def test_no_show_then_attended(session, users):
    booking = book(session, 1)
    booking = services.booking_mark_no_show(booking=booking, actor=users["dispatcher"])
    assert booking.status == BookingStatus.NO_SHOW
    with pytest.raises(services.BookingRefused):
        services.booking_mark_no_show(booking=booking, actor=users["dispatcher"])
    booking = services.booking_mark_attended(booking=booking, actor=users["dispatcher"])
    assert booking.status == BookingStatus.ATTENDED and booking.work_order_id


def test_walk_in_creates_work_order_without_using_a_slot(session, users):
    for n in range(3):
        book(session, n)
    walk_in = services.walk_in_register(
        session=session,
        actor=users["handler_zhujian"],
        citizen_name="李四",
        phone="13900001111",
        matter="单位拖欠物业维修基金，要求说明用途。",
        order_type="complaint",
    )
    assert walk_in.source == BookingSource.WALK_IN
    assert walk_in.status == BookingStatus.ATTENDED
    assert walk_in.work_order.channel == Channel.RECEPTION_DAY
    assert walk_in.work_order.order_type == "complaint"
    session.refresh_from_db()
    assert session.booked_count == 3


def test_walk_in_with_a_booked_phone_marks_that_booking(session, users):
    booking = book(session, 1)
    result = services.walk_in_register(
        session=session,
        actor=users["dispatcher"],
        citizen_name="张三",
        phone=booking.phone,
        matter="供暖不热的问题。",
    )
    assert result.pk == booking.pk
    assert result.status == BookingStatus.ATTENDED
    assert ReceptionBooking.objects.count() == 1


def test_permissions(session, users):
    booking = book(session, 1)
    for name in ("handler_jiaoyu", "drafter"):
        with pytest.raises(services.ApiError) as excinfo:
            services.booking_mark_attended(booking=booking, actor=users[name])
        assert excinfo.value.status == 403
        with pytest.raises(services.ApiError):
            services.walk_in_register(
                session=session,
                actor=users[name],
                citizen_name="王五",
                phone="13700000000",
                matter="反映一个问题。",
            )
    assert not WorkOrder.objects.exists()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED


def test_session_cancel_cancels_bookings_and_tells_citizens(session, users):
    bookings = [book(session, n) for n in range(2)]
    services.session_cancel(session=session, actor=users["dispatcher"], reason="局长临时公出")
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    assert session.booked_count == 0
    for booking in bookings:
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CANCELLED
        assert OutboxMessage.objects.filter(
            idempotency_key=f"reception:booking:{booking.pk}:session-cancelled:sms"
        ).exists()


def test_session_validation(make_session):
    session = make_session()
    session.end_time = datetime.time(8, 0)
    with pytest.raises(ValidationError) as excinfo:
        services.session_validate(session)
    assert "end_time" in excinfo.value.message_dict
