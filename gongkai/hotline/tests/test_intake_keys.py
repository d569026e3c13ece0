"""The public intake's tracking numbers and keys, taken a block at a time (IntakeKeys, PostgreSQL)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from gongkai.hotline import services
from gongkai.hotline.models import TrackingCounter

DAY = datetime.date(2026, 11, 27)
NEXT_DAY = DAY + datetime.timedelta(days=1)


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("the blocks are PostgreSQL's (sequences); SQLite takes one number per appeal")


def _block_statements(ctx) -> int:
    return sum("generate_series" in q["sql"] for q in ctx.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_blocks_grow_under_load_shrink_when_idle_and_hand_out_each_value_once(postgres, monkeypatch):
    keys = services.IntakeKeys()
    with CaptureQueriesContext(connection) as ctx:
        taken = [keys.take(DAY) for _ in range(40)]
    numbers = [number for number, _order, _messages in taken]
    # One process alone: the day's numbers in order, without a gap.
    assert numbers == [f"261127{n:04d}" for n in range(1, 41)]
    orders = [order for _number, order, _messages in taken]
    messages = [pk for _number, _order, pks in taken for pk in pks]
    assert len(set(orders)) == 40 and len(set(messages)) == 80 == len(messages)
    assert orders == sorted(orders)
    # Blocks of 1, 2, 4, 8, 16 and 32: six statements for forty appeals.
    assert _block_statements(ctx) == 6
    assert TrackingCounter.objects.get(day=DAY).last == 63

    # A second process interleaves with the first without a duplicate.
    other = services.IntakeKeys()
    more = [(keys if i % 3 else other).take(DAY) for i in range(60)]
    assert len({number for number, _o, _m in taken + more}) == 100
    assert len({order for _n, order, _m in taken + more}) == 100

    # A new day: a new block; the rest of the old day's block is a gap, never reused.
    assert keys.take(NEXT_DAY)[0] == "2611280001"
    while keys._numbers:
        keys.take(NEXT_DAY)
    assert keys._size > 1
    # After a pause the process takes one number at a time again.
    clock = [keys._taken_at + services.IntakeKeys.IDLE + 1]
    monkeypatch.setattr("time.monotonic", lambda: clock[0])
    with CaptureQueriesContext(connection) as ctx:
        keys.take(NEXT_DAY)
    assert _block_statements(ctx) == 1 and keys._size == 1 and keys._numbers == []


@pytest.mark.django_db
def test_inside_a_transaction_nothing_is_kept(postgres):
    keys = services.IntakeKeys()
    with transaction.atomic():
        number, _order, messages = keys.take(DAY)
        assert number == "2611270001" and len(messages) == 2
        assert keys._numbers == [] and keys._day is None
        transaction.set_rollback(True)
    # The rollback gave the number back: the next one is the same, and correct.
    assert keys.take(DAY)[0] == "2611270001"
