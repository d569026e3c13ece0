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
    if connection.vendor == "postgresql":
        # The category is this process's copy. The tracking number and new keys in one statement
        # (inside a transaction, as here, one of each; outside, a block of them: IntakeKeys); the
        # order and its SMS in one statement that also checks the idempotency reference and the
        # category (a savepoint here, inside the test's transaction).
        expected = ["WITH", "SAVEPOINT", "WITH", "RELEASE"]
    else:
        # Idempotency reference; tracking number; then, in a transaction, the category still
        # active, the order and its SMS.
        expected = ["SELECT", "INSERT", "SAVEPOINT", "SELECT", "INSERT", "INSERT", "RELEASE"]
    assert _statements(ctx) == expected
    assert not any("search_searchentry" in q["sql"] for q in ctx.captured_queries)
    # The RECEIVED event and the audit event are left to the job (records_pending).
    assert not any(
        "hotline_workorderevent" in q["sql"] or "audit_auditevent" in q["sql"] for q in ctx.captured_queries
    )


def test_intake_leaves_its_records_to_the_job_which_writes_them_with_the_intake_time(client, clock, tree):
    from gongkai.core.audit.models import AuditEvent
    from gongkai.core.outbox.models import OutboxMessage
    from gongkai.hotline.models import EventType

    response = client.post(BASE + "/appeals", APPEAL, content_type="application/json", HTTP_USER_AGENT="UA/1")
    assert response.status_code == 201
    order = WorkOrder.objects.get(tracking_number=response.json()["tracking_number"])
    assert order.records_pending
    assert not order.events.exists()
    # Durable at once: the order and the citizen's SMS with the query code.
    sms = OutboxMessage.objects.get(idempotency_key=f"hotline:{order.pk}:received:0:sms")
    assert sms.payload["params"]["query_code"] == response.json()["query_code"]
    # The citizen's lookup already shows "received".
    view = selectors.public_view(order)
    assert [event.text for event in view.events] == ["您的诉求已受理。"]

    assert services.work_orders_record_pending() == 1
    order.refresh_from_db()
    assert not order.records_pending
    event = order.events.get()
    assert event.type == EventType.RECEIVED and event.is_public and event.created_at == order.created_at
    audit = AuditEvent.objects.get(action="workorder.received", target_id=str(order.pk))
    assert audit.created_at == order.created_at and audit.user_agent == "UA/1"
    assert audit.new_values["tracking_number"] == order.tracking_number
    assert services.work_orders_record_pending() == 0  # nothing twice


def test_intake_records_are_written_when_it_commits(client, clock, tree, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(BASE + "/appeals", APPEAL, content_type="application/json")
    order = WorkOrder.objects.get(tracking_number=response.json()["tracking_number"])
    assert not order.records_pending and order.events.count() == 1


def test_a_retry_returns_the_same_order_and_gives_its_limits_back(client, clock, tree, settings):
    settings.GONGKAI_HOTLINE_RATE_LIMITS = {"appeal-phone": (1, 86400)}
    first = client.post(
        BASE + "/appeals", APPEAL, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    again = client.post(
        BASE + "/appeals", APPEAL, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert first.status_code == 201 and again.status_code == 429  # the phone's one appeal is used
    settings.GONGKAI_HOTLINE_RATE_LIMITS = {"appeal-phone": (2, 86400)}
    again = client.post(
        BASE + "/appeals", APPEAL, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert again.status_code == 200 and again.json()["tracking_number"] == first.json()["tracking_number"]
    assert again.json()["query_code"] is None
    # The retry's reservation was given back: one more new appeal fits in the limit of two.
    other = client.post(
        BASE + "/appeals", APPEAL, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-2"
    )
    assert other.status_code == 201
    assert WorkOrder.objects.count() == 2


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


@pytest.mark.django_db(transaction=True)
def test_the_number_statement_relaxes_only_its_own_commit():
    import datetime

    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")
    number, existing = services.tracking_number_take(
        day=datetime.date(2026, 11, 27), reference=("web", "no-such-reference")
    )
    assert number.startswith("261127") and existing is None
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"  # set_config(..., is_local=true): that statement only


def _workorder_indexes() -> dict[str, dict]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, WorkOrder._meta.db_table)
    return {name: info for name, info in constraints.items() if info["index"] and not info["primary_key"]}


def test_a_new_order_enters_no_index_of_an_empty_foreign_key(db):
    """The foreign keys a new appeal leaves empty are indexed only where set (migration 0010)."""
    empty_at_intake = {
        "district_id", "street_id", "lead_department_id", "current_department_id", "received_by_id",
        "dispatched_by_id", "replied_by_id", "reply_approved_by_id", "reply_department_id",
        "publication_approved_by_id", "merged_into_id",
    }  # fmt: skip
    partial = {
        model_index.name for model_index in WorkOrder._meta.indexes if model_index.condition is not None
    }
    for name, info in _workorder_indexes().items():
        if info["columns"] and info["columns"][0] in empty_at_intake and name != "hotline_wo_kpi_cover":
            assert name in partial, f"{name} indexes every row, NULL included"
    for column in empty_at_intake - {"lead_department_id"}:
        assert any(
            info["columns"] == [column] and name in partial for name, info in _workorder_indexes().items()
        ), column


def test_a_foreign_key_lookup_uses_its_partial_index(db):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN SELECT id FROM hotline_workorder WHERE merged_into_id = %s", [5])
        else:
            cursor.execute(
                "EXPLAIN QUERY PLAN SELECT id FROM hotline_workorder WHERE merged_into_id = %s", [5]
            )
        plan = " ".join(str(part) for row in cursor.fetchall() for part in row)
    assert "hotline_wo_merged_into_nn" in plan, plan


def test_the_intake_refuses_a_category_switched_off_after_this_process_read_it(client, clock, tree):
    from gongkai.hotline.models import RoutingCategory

    assert client.post(BASE + "/appeals", APPEAL, content_type="application/json").status_code == 201
    assert selectors._CATEGORIES.get("ludeng") is not None  # the process keeps its copy
    RoutingCategory.objects.filter(code="ludeng").update(is_active=False)
    before = WorkOrder.objects.count()
    response = client.post(
        BASE + "/appeals", {**APPEAL, "caller_phone": "13912345679"}, content_type="application/json"
    )
    assert response.status_code == 422, response.content
    assert "category" in response.content.decode() and WorkOrder.objects.count() == before
    assert "ludeng" not in selectors._CATEGORIES


def test_the_intake_follows_a_category_created_again_under_the_same_code(client, clock, tree):
    from gongkai.hotline.models import RoutingCategory

    assert client.post(BASE + "/appeals", APPEAL, content_type="application/json").status_code == 201
    old = RoutingCategory.objects.get(code="ludeng")
    old.code = "ludeng-old"
    old.save()
    new = RoutingCategory.objects.create(
        code="ludeng", name="路灯（新）", default_department=old.default_department
    )
    response = client.post(
        BASE + "/appeals", {**APPEAL, "caller_phone": "13912345679"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    order = WorkOrder.objects.get(tracking_number=response.json()["tracking_number"])
    assert order.category_id == new.pk
