"""Concurrent bookings on PostgreSQL never exceed the slots (threads with their own connections)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from gongkai.hotline.reception import services
from gongkai.hotline.reception.models import ReceptionBooking

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks (PostgreSQL)"),
]


def test_concurrent_bookings_do_not_overbook(make_session):
    session = make_session(slots=5)
    threads = 20
    barrier = threading.Barrier(threads)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        try:
            barrier.wait()
            services.booking_create(
                session=session.pk,
                citizen_name="张三",
                phone=f"1390000{n:04d}",
                matter="小区供暖不热的问题。",
            )
            result = "ok"
        except services.BookingRefused as exc:
            result = exc.code
        except Exception as exc:  # noqa: BLE001 - reported in the assertion below
            result = f"error: {exc!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["full"] * 15 + ["ok"] * 5, outcomes
    session.refresh_from_db()
    assert session.booked_count == 5
    assert ReceptionBooking.objects.filter(session=session).count() == 5
