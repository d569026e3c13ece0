"""Queues scoped by department, caller history, KPIs on a hand-built dataset, the drawn graph."""

from __future__ import annotations

import datetime
from pathlib import Path

from gongkai.hotline import selectors, services
from gongkai.hotline.models import CallbackOutcome, Satisfaction, Status, WorkOrder
from gongkai.hotline.workflow import GRAPH

S = Status


def test_handlers_see_only_their_departments_orders(clock, walk, users, tree):
    mine = walk(S.DISPATCHED)  # to dept_a
    other = services.work_order_dispatch(
        work_order=walk(S.RECEIVED), actor=users["dispatcher"], department=tree["dept_b"]
    )
    assert list(selectors.queue_to_sign_for(users["handler_a"])) == [mine]
    assert list(selectors.queue_to_sign_for(users["handler_b"])) == [other]
    assert set(selectors.queue_to_sign_for(users["dispatcher"])) == {mine, other}
    assert set(selectors.work_order_visible(users["leader"])) >= {mine, other}
    assert list(selectors.work_order_visible(users["handler_a"])) == [mine]
    assert selectors.access_work_order(users["handler_a"], mine.pk) == mine
    import pytest
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.access_work_order(users["handler_a"], other.pk)


def test_a_district_sees_its_streets_orders(clock, walk, users, tree):
    order = services.work_order_dispatch(
        work_order=walk(S.RECEIVED), actor=users["dispatcher"], department=tree["district"]
    )
    order = services.work_order_accept(work_order=order, actor=users["handler_district"])
    order = services.work_order_dispatch_down(
        work_order=order, actor=users["handler_district"], street=tree["street"]
    )
    assert list(selectors.queue_to_sign_for(users["handler_street"])) == [order]
    assert list(selectors.queue_to_sign_for(users["handler_district"])) == [order]
    assert list(selectors.queue_to_sign_for(users["handler_a"])) == []


def test_queues_for_the_office(clock, walk, users):
    received, returned, replied, callback = (
        walk(s) for s in (S.RECEIVED, S.RETURNED, S.REPLIED, S.AWAITING_CALLBACK)
    )
    office = users["dispatcher"]
    assert received in selectors.queue_to_dispatch(office)
    assert list(selectors.queue_returns(office)) == [returned]
    assert list(selectors.queue_replies_to_check(office)) == [replied]
    assert list(selectors.queue_to_call_back(office)) == [callback]
    assert list(selectors.queue_to_dispatch(users["handler_a"])) == []


def test_due_soon_and_overdue(walk, users):
    import time_machine

    from .conftest import TZ

    with time_machine.travel(datetime.datetime(2026, 6, 1, 9, 0, tzinfo=TZ), tick=False) as traveller:
        order = walk(S.IN_PROGRESS, order_type="consultation")
        traveller.move_to(datetime.datetime(2026, 6, 3, 9, 0, tzinfo=TZ))
        assert list(selectors.queue_due_soon(users["handler_a"])) == [order]
        traveller.move_to(datetime.datetime(2026, 6, 5, 9, 0, tzinfo=TZ))
        assert list(selectors.queue_overdue(users["handler_a"])) == [order]
        assert "已超期" in selectors.remaining_text(order)


def test_extension_queue(clock, walk, users):
    order = walk(S.IN_PROGRESS)
    request = services.work_order_request_extension(
        work_order=order, actor=users["handler_a"], amount=3, reason="需要协调"
    )
    assert list(selectors.queue_extensions(users["dispatcher"])) == [request]
    assert list(selectors.queue_extensions(users["handler_b"])) == []


def test_caller_history(clock, make_order):
    first = make_order()
    second = make_order()
    make_order(caller_phone="13900000000")
    assert list(selectors.caller_history(phone="138 1234 5678", exclude=second)) == [first]


def test_kpis_on_a_small_dataset(clock, walk, users, tree):
    # given: four orders to dept_a — one closed satisfied on time, one reopened, one returned, one in progress
    closed = walk(S.CLOSED)
    reopened = services.work_order_reopen(
        work_order=walk(S.CLOSED), actor=users["dispatcher"], reason="不满意"
    )
    returned = walk(S.RETURNED)
    services.work_order_arbitrate(work_order=returned, actor=users["dispatcher"], ruling="维持")
    walk(S.IN_PROGRESS)
    unhappy = walk(S.AWAITING_CALLBACK)
    services.work_order_record_callback(
        work_order=unhappy,
        actor=users["operator"],
        outcome=CallbackOutcome.REACHED,
        satisfaction=Satisfaction.DISSATISFIED,
    )
    # first-contact answer (no department)
    services.work_order_answer_directly(
        work_order=walk(S.RECEIVED, order_type="consultation"), actor=users["operator"], reply_text="已解答"
    )
    day = datetime.date(2026, 6, 1)
    # when
    kpi = selectors.kpi_for_department(department=tree["dept_a"], start=day, end=day)
    city = selectors.kpi_for_department(department=None, start=day, end=day)
    by_department = selectors.kpi_by_department(start=day, end=day)
    # then
    assert kpi.orders == 5
    assert kpi.rated == 2 and kpi.satisfied == 1 and kpi.satisfaction_rate == 0.5
    assert kpi.reopened == 1 and kpi.reopen_rate == 0.2
    assert kpi.returned == 1 and kpi.return_rate == 0.2
    assert kpi.reply_approved == 2 and kpi.called_back == 2 and kpi.callback_rate == 1.0
    assert kpi.replied_on_time == 2 and kpi.on_time_closure_rate == 1.0
    assert kpi.sign_for_due == 7 and kpi.signed_on_time == 4  # returned and re-dispatched ones unsigned
    assert city.orders == 6 and city.first_contact == 1
    assert by_department[tree["dept_a"].pk].as_dict() == kpi.as_dict()
    assert closed.pk and reopened.pk


def test_kpi_is_aggregate_queries(clock, walk, tree, django_assert_max_num_queries):
    walk(S.CLOSED)
    with django_assert_max_num_queries(2):
        selectors.kpi_for_department(
            department=tree["dept_a"], start=datetime.date(2026, 6, 1), end=datetime.date(2026, 6, 30)
        )


def test_available_actions(clock, walk, users):
    order = walk(S.DISPATCHED)
    assert set(selectors.work_order_actions(work_order=order, user=users["handler_a"])) >= {
        "accept",
        "return",
    }
    assert "accept" not in selectors.work_order_actions(work_order=order, user=users["handler_b"])


def test_search_orders(clock, make_order, users):
    order = make_order(content="供暖不热，室温只有十二度")
    assert list(selectors.work_order_search(user=users["dispatcher"], query="供暖")) == [order]
    assert list(selectors.work_order_search(user=users["handler_b"], query="供暖")) == []


def test_the_documented_graph_is_the_declared_graph():
    doc = Path(__file__).resolve().parents[3] / "docs" / "workflows" / "hotline.md"
    text = doc.read_text(encoding="utf-8")
    assert "```mermaid\n" + GRAPH.to_mermaid() + "\n```" in text, (
        "docs/workflows/hotline.md is out of date: run `python manage.py hotline_graph --write`"
    )


def test_every_status_is_reachable_in_the_graph():
    targets = {t.target for t in GRAPH.transitions if t.target} | {S.RECEIVED}
    assert targets == set(Status.values)
    assert WorkOrder._meta.get_field("status").default == S.RECEIVED


def test_keyword_suggestions_from_the_catalogue(db):
    from gongkai.hotline.suggest import suggest

    results = suggest(text="我家暖气不热，室温太低")
    assert results and results[0].label == "供暖"


def test_admin_lists_the_catalogue_and_the_rules(client, users, db):
    from gongkai.accounts.services import staff_user_upsert

    admin, _ = staff_user_upsert(username="root", password=None, department=None, is_superuser=True)
    client.force_login(admin)
    categories = client.get("/admin/hotline/categories/")
    rules = client.get("/admin/hotline/deadline-rules/")
    assert categories.status_code == 200 and "供暖" in categories.content.decode()
    assert rules.status_code == 200 and "13个工作日" in rules.content.decode()


def test_one_personal_data_rule_for_the_api_and_the_workspace(clock, walk, users):
    from gongkai.hotline import api
    from gongkai.hotline.workspace import queues

    order = walk(Status.DISPATCHED)
    secret = walk(Status.DISPATCHED, confidential=True)
    expected = {
        "operator": (True, True),
        "dispatcher": (True, True),
        "handler_a": (True, False),
        "handler_b": (False, False),
        "leader": (False, False),
    }
    for role, (plain, confidential) in expected.items():
        user = users[role]
        assert selectors.may_see_personal_data(user, order) is plain, role
        assert selectors.may_see_personal_data(user, secret) is confidential, role
        assert api.may_see_personal_data(user, order) is plain
        assert queues.may_reveal_personal_data(user, order) is plain


def test_overdue_covers_sign_for_reply_and_callback(walk, users, django_assert_max_num_queries):
    import time_machine

    from .conftest import TZ

    with time_machine.travel(datetime.datetime(2026, 6, 1, 9, 0, tzinfo=TZ), tick=False) as traveller:
        signing = walk(S.DISPATCHED)
        handling = walk(S.IN_PROGRESS, order_type="consultation")
        calling = walk(S.AWAITING_CALLBACK)
        traveller.move_to(datetime.datetime(2026, 6, 15, 9, 0, tzinfo=TZ))
        now = datetime.datetime(2026, 6, 15, 9, 0, tzinfo=TZ)
        overdue = set(WorkOrder.objects.filter(selectors.overdue_q(now)))
        assert overdue == {signing, handling, calling}
        assert all(selectors.is_overdue(o, now) for o in overdue)
        assert set(selectors.queue_overdue(users["dispatcher"])) == {signing, handling, calling}
        # The callback is the office's deadline, not the department's.
        assert set(selectors.queue_overdue(users["handler_a"])) == {signing, handling}
        orders = [handling, signing, calling]
        with django_assert_max_num_queries(5):
            texts = selectors.remaining_text_many(orders)
        assert texts[handling.pk] == selectors.remaining_text(handling) and "已超期" in texts[handling.pk]
        assert selectors.remaining_text_many([]) == {}


def test_extension_orders_queue(clock, walk, users):
    order = walk(S.IN_PROGRESS)
    services.work_order_request_extension(work_order=order, actor=users["handler_a"], amount=3, reason="需要")
    assert list(selectors.queue_extension_orders(users["dispatcher"])) == [order]
    assert list(selectors.queue_extension_orders(users["handler_a"])) == [order]
    assert list(selectors.queue_extension_orders(users["handler_b"])) == []


def test_kpi_chart_series(clock, walk, users, tree):
    walk(S.DISPATCHED)
    walk(S.RECEIVED, channel="web")
    day = datetime.date(2026, 6, 1)
    city = selectors.kpi_chart_series(department=None, start=day, end=day + datetime.timedelta(days=2))
    assert city["days"] == ["2026-06-01", "2026-06-02", "2026-06-03"]
    assert sum(sum(s["data"]) for s in city["per_day"]) == 2
    assert {s["name"] for s in city["statuses"]} == {"已派单", "已受理"}
    unit = selectors.kpi_chart_series(department=tree["dept_a"], start=day, end=day)
    assert unit["statuses"] == [{"name": "已派单", "value": 1}]
