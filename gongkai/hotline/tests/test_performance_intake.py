"""Intake's work per appeal, pinned: the queries of one public appeal, and the deferred search entry.

Not timed (bench/hotline.py measures): a count that grows is a regression to look at.
"""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongkai.core.search.models import SearchEntry
from gongkai.hotline import selectors, services
from gongkai.hotline.models import WorkOrder

BASE = "/api/v1/hotline"
APPEAL = {
    "content": "小区门前路灯不亮已经一周，晚上出行很不方便。",
    "caller_name": "李四",
    "caller_phone": "13912345678",
    "order_type": "help",
    "category": "ludeng",
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _statements(ctx) -> list[str]:
    return [q["sql"].split(" ", 1)[0].upper() for q in ctx.captured_queries]


def test_one_public_appeal_costs_a_fixed_number_of_statements(client, clock, tree):
    # Warm the per-process caches (content types) as a running server has them.
    assert client.post(BASE + "/appeals", APPEAL, content_type="application/json").status_code == 201
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(
            BASE + "/appeals", APPEAL, content_type="application/json", HTTP_IDEMPOTENCY_KEY="perf-1"
        )
    assert response.status_code == 201, response.content
    # category, idempotency reference (looked up once), tracking number (autocommit), then one
    # transaction (a savepoint here, inside the test's): order, RECEIVED event, audit event, and the
    # outbox's look-up and insert (its own two savepoints); no search entry in the request.
    assert _statements(ctx) == [
        "SELECT", "SELECT", "INSERT",
        "SAVEPOINT", "INSERT", "INSERT", "INSERT",
        "SAVEPOINT", "SELECT", "SAVEPOINT", "INSERT", "RELEASE", "RELEASE",
        "RELEASE",
    ]  # fmt: skip
    assert not any("search_searchentry" in q["sql"] for q in ctx.captured_queries)


def test_intake_leaves_the_search_entry_pending_and_the_job_writes_it(client, clock, tree, users):
    response = client.post(BASE + "/appeals", APPEAL, content_type="application/json")
    order = WorkOrder.objects.get(tracking_number=response.json()["tracking_number"])
    assert order.search_pending
    assert not SearchEntry.objects.filter(object_id=order.pk, doc_type="workorder").exists()

    assert services.work_orders_index_pending() == 1
    order.refresh_from_db()
    assert not order.search_pending
    assert SearchEntry.objects.filter(object_id=order.pk, doc_type="workorder").count() >= 1
    assert services.work_orders_index_pending() == 0  # nothing twice


def test_a_search_finds_an_order_taken_in_before_it(clock, tree, users):
    order, _code = services.work_order_create(
        channel="phone", content="供暖不热，室温只有十二度", caller_name="王五", caller_phone="13812345678"
    )
    assert WorkOrder.objects.get(pk=order.pk).search_pending
    assert list(selectors.work_order_search(user=users["dispatcher"], query="供暖")) == [order]
    assert not WorkOrder.objects.get(pk=order.pk).search_pending


def test_the_job_indexes_in_batches(clock, tree, monkeypatch):
    monkeypatch.setattr(services, "INDEX_BATCH", 2)
    for i in range(5):
        services.work_order_create(
            channel="phone", content=f"路灯不亮第{i}次", caller_name="王五", caller_phone="13812345678"
        )
    assert services.work_orders_index_pending(limit=3) == 3
    assert WorkOrder.objects.filter(search_pending=True).count() == 2
    assert services.work_orders_index_pending() == 2
