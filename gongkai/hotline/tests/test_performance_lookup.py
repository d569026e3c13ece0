"""The public lookup's work per request, pinned: queries and cache round trips. Never timed."""

from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongkai.hotline import ratelimit, selectors, services
from gongkai.hotline.models import Status

BASE = "/api/v1/hotline"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def replied(walk):
    """An order with a reply, a lead and a reply department, and a public timeline."""
    return walk(Status.AWAITING_CALLBACK)


def _known_code(order):
    code = "123456"
    type(order).objects.filter(pk=order.pk).update(
        query_code_hash=services.query_code_hash(tracking_number=order.tracking_number, query_code=code)
    )
    return code


def test_one_lookup_is_one_query(client, clock, replied):
    code = _known_code(replied)
    body = {"tracking_number": replied.tracking_number, "query_code": code}
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(BASE + "/lookup", body, content_type="application/json")
    assert response.status_code == 200, response.content
    # The public events, each with the order (the columns shown) and the departments.
    assert len(ctx.captured_queries) == 1, [q["sql"] for q in ctx.captured_queries]
    assert 'FROM "hotline_workorderevent"' in ctx.captured_queries[0]["sql"]
    assert len(response.json()["events"]) == replied.events.filter(is_public=True).count()


def test_an_order_without_public_events_yet_is_found_with_a_second_query(client, clock, tree):
    filed = client.post(
        BASE + "/appeals",
        {"content": "路灯不亮。", "caller_name": "李四", "caller_phone": "13912345670"},
        content_type="application/json",
    ).json()
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(
            BASE + "/lookup",
            {"tracking_number": filed["tracking_number"], "query_code": filed["query_code"]},
            content_type="application/json",
        )
    assert response.status_code == 200 and len(ctx.captured_queries) == 2
    assert [event["text"] for event in response.json()["events"]] == ["您的诉求已受理。"]


def test_the_lean_lookup_shows_what_the_full_order_shows(client, clock, replied):
    code = _known_code(replied)
    body = {"tracking_number": replied.tracking_number, "query_code": code}
    response = client.post(BASE + "/lookup", body, content_type="application/json")
    full = services.public_lookup(replied.tracking_number, code)
    view = selectors.public_view(full)
    expected = {**view.__dict__, "events": [event.__dict__ for event in view.events]}
    got = response.json()
    assert got["reply"] and got["lead_department"] and got["reply_department"]
    assert got["tracking_number"] == expected["tracking_number"]
    assert got["reply"] == expected["reply"] and got["status"] == expected["status"]
    assert got["lead_department"] == expected["lead_department"]
    assert got["reply_department"] == expected["reply_department"]
    assert [e["text"] for e in got["events"]] == [e["text"] for e in expected["events"]]


def test_the_failure_counters_are_read_in_one_round_trip(client, clock, replied):
    code = _known_code(replied)
    body = {"tracking_number": replied.tracking_number, "query_code": code}
    with (
        mock.patch.object(ratelimit.cache, "get_many", wraps=ratelimit.cache.get_many) as get_many,
        mock.patch.object(ratelimit, "count", side_effect=AssertionError("one counter at a time")),
    ):
        assert client.post(BASE + "/lookup", body, content_type="application/json").status_code == 200
    assert get_many.call_count == 1
    assert sorted(key.split(":")[3] for key in get_many.call_args.args[0]) == [
        "lookup-failed-ip",
        "lookup-failed-number",
    ]


def test_any_exceeded_agrees_with_is_exceeded(settings):
    settings.GONGKAI_HOTLINE_RATE_LIMITS = {"lookup-failed-ip": (2, 600)}
    limit = ratelimit.FAILED_LOOKUPS_PER_IP
    pairs = [(limit, "10.0.0.1"), (limit, "10.0.0.2")]
    assert ratelimit.any_exceeded(pairs) is None
    ratelimit.hit(limit, "10.0.0.2")
    ratelimit.hit(limit, "10.0.0.2")
    assert ratelimit.is_exceeded(limit, "10.0.0.2") and not ratelimit.is_exceeded(limit, "10.0.0.1")
    assert ratelimit.any_exceeded(pairs) == limit.tuned()


def test_a_repeated_lookup_compiles_no_sql(client, clock, replied):
    from django.db.models.sql.compiler import SQLCompiler

    code = _known_code(replied)
    body = {"tracking_number": replied.tracking_number, "query_code": code}
    assert client.post(BASE + "/lookup", body, content_type="application/json").status_code == 200
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql) as as_sql:
        response = client.post(BASE + "/lookup", body, content_type="application/json")
        wrong = client.post(
            BASE + "/lookup",
            {"tracking_number": replied.tracking_number, "query_code": "000000"},
            content_type="application/json",
        )
    assert response.status_code == 200 and wrong.status_code == 404
    compiled = [call.args[0].query.model._meta.label for call in as_sql.call_args_list]
    # (wagtail's RedirectMiddleware looks the 404's path up: Site, Redirect; not the lookup's.)
    assert [label for label in compiled if label.startswith("hotline.")] == []
    assert response.json()["tracking_number"] == replied.tracking_number


def test_a_repeated_lookup_builds_no_related_populators(client, clock, replied):
    """The select_related populators are kept with the compiled statement (selectors._instances)."""
    code = _known_code(replied)
    body = {"tracking_number": replied.tracking_number, "query_code": code}
    first = client.post(BASE + "/lookup", body, content_type="application/json")
    with mock.patch.object(selectors, "get_related_populators", side_effect=AssertionError("rebuilt")):
        again = client.post(BASE + "/lookup", body, content_type="application/json")
    assert again.status_code == 200 and again.json() == first.json()
    assert len(again.json()["events"]) > 1 and again.json()["lead_department"]
