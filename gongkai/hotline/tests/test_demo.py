"""The hotline demo loads through the services, fills every staff queue and loads only once."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from gongkai.accounts import demo as accounts_demo
from gongkai.hotline import demo, selectors
from gongkai.hotline.models import Channel, Status, WorkOrder, WorkOrderEvent
from gongkai.hotline.reception import demo as reception_demo
from gongkai.hotline.reception.models import ReceptionBooking, ReceptionSession

SIZE = 160


@pytest.fixture
def loaded(db):
    """Load the accounts and a small hotline demo inside the test's transaction (rolled back after).

    One test loads once and checks everything: a module-wide load outside the transaction would
    have to flush the database afterwards, which wipes the seeded calendar and catalogue that the
    tests running after these ones rely on.
    """
    out = io.StringIO()
    accounts_demo.load(stdout=out)
    counts = demo.load(stdout=out, size=SIZE)
    reception_demo.load(stdout=out)
    return counts


def test_demo_loads_once_and_fills_every_queue(loaded):
    user = lambda name: get_user_model().objects.get(username=name)  # noqa: E731
    _every_queue_has_something(user)
    for username in ["handler.gongan", "handler.changyi", "handler.yanan"]:
        _demo_handlers_have_work(user, username)
    _history_is_backdated_and_varied()
    _second_load_adds_nothing()


def _every_queue_has_something(user):
    dispatcher = user("dispatcher")
    assert selectors.queue_to_dispatch(dispatcher).exists()
    assert selectors.queue_to_sign_for(dispatcher).exists()
    assert selectors.queue_due_soon(dispatcher).exists()
    assert selectors.queue_overdue(dispatcher).exists()
    assert selectors.queue_to_call_back(dispatcher).exists()
    assert selectors.queue_returns(dispatcher).exists()
    assert selectors.queue_extensions(dispatcher).exists()
    assert selectors.queue_replies_to_check(dispatcher).exists()


def _demo_handlers_have_work(user, username):
    handler = user(username)
    assert selectors.queue_to_sign_for(handler).exists() or selectors.queue_in_progress(handler).exists()
    assert selectors.work_order_visible(handler).count() >= 3


def _history_is_backdated_and_varied():
    orders = WorkOrder.objects.filter(source_reference__startswith=demo.PREFIX)
    assert orders.count() == SIZE
    now = timezone.now()
    oldest = orders.order_by("created_at").first().created_at
    assert (now - oldest).days > 200
    closed = orders.filter(status=Status.CLOSED)
    assert closed.count() > SIZE // 3
    # Closed orders' steps happened long before the demo was loaded, in order.
    sample = closed.exclude(closed_at__isnull=True).order_by("created_at").first()
    assert sample.created_at <= sample.dispatched_at <= sample.replied_at <= sample.closed_at < now
    assert (now - sample.closed_at).days > 30
    events = (
        WorkOrderEvent.objects.filter(work_order=sample).order_by("pk").values_list("created_at", flat=True)
    )
    assert list(events) == sorted(events)
    assert {Channel.PHONE, Channel.WEB, Channel.MAILBOX} <= set(orders.values_list("channel", flat=True))
    assert orders.filter(status=Status.MERGED).exists() or orders.filter(status=Status.INVALID).exists()
    assert orders.filter(reopen_count__gt=0).exists()
    assert orders.filter(return_count__gt=0).exists()


def _second_load_adds_nothing():
    before = (
        WorkOrder.objects.count(),
        WorkOrderEvent.objects.count(),
        ReceptionSession.objects.count(),
        ReceptionBooking.objects.count(),
    )
    out = io.StringIO()
    assert demo.load(stdout=out, size=SIZE) == {}
    reception_demo.load(stdout=out)
    after = (
        WorkOrder.objects.count(),
        WorkOrderEvent.objects.count(),
        ReceptionSession.objects.count(),
        ReceptionBooking.objects.count(),
    )
    assert after == before
    assert "跳过" in out.getvalue()
