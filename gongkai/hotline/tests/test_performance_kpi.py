"""The KPI aggregates (index-only on the covering indexes) agree with a plain count in Python.

A small, varied dataset: orders walked through the services to every state, then some columns
spread over their values (including NULLs and deadlines before and after "now"), so that every
filter of ``_order_aggregates`` and ``_sign_for_aggregates`` is exercised. Never timed.
"""

import datetime
import itertools

from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongkai.hotline import selectors
from gongkai.hotline.models import (
    SATISFIED_LEVELS,
    Assignment,
    AssignmentRole,
    Satisfaction,
    WorkOrder,
)
from gongkai.hotline.models import Status as S

START = datetime.date(2026, 6, 1)
END = datetime.date(2026, 6, 30)


def _dataset(walk, clock):
    states = [S.RECEIVED, S.DISPATCHED, S.IN_PROGRESS, S.RETURNED, S.AWAITING_CALLBACK, S.CLOSED]
    orders = [walk(state) for state in states for _ in range(2)]
    levels = ["", *Satisfaction.values]
    now = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC)
    offsets = [None, -48, -1, 0, 1, 48]
    for i, order in enumerate(orders):
        due = None if offsets[i % 6] is None else now + datetime.timedelta(hours=offsets[i % 6])
        replied = None if i % 3 == 0 else now + datetime.timedelta(hours=offsets[(i + 2) % 6] or 5)
        WorkOrder.objects.filter(pk=order.pk).update(
            reply_due_at=due,
            replied_at=replied,
            satisfaction=levels[i % len(levels)],
            callback_attempts=i % 3,
            reopen_count=i % 2,
            return_count=(i + 1) % 2,
            first_contact_resolution=i % 4 == 0,
        )
    for i, assignment in enumerate(Assignment.objects.order_by("pk")):
        due = None if i % 4 == 0 else now + datetime.timedelta(hours=(i % 5) - 2)
        accepted = None if i % 3 == 0 else now
        Assignment.objects.filter(pk=assignment.pk).update(sign_for_due_at=due, accepted_at=accepted)
    return orders


def _plain(department, now):
    since, until = selectors._range(START, END)
    orders = [
        o
        for o in WorkOrder.objects.filter(created_at__gte=since, created_at__lt=until)
        if department is None or o.lead_department_id == department.pk
    ]
    signs = [
        a
        for a in Assignment.objects.filter(
            role=AssignmentRole.LEAD, created_at__gte=since, created_at__lt=until
        )
        if department is None or a.department_id == department.pk
    ]
    return selectors.Kpi(
        orders=len(orders),
        sign_for_due=sum(a.sign_for_due_at is not None for a in signs),
        signed_on_time=sum(
            a.sign_for_due_at is not None and a.accepted_at is not None and a.accepted_at <= a.sign_for_due_at
            for a in signs
        ),
        reply_due=sum(
            o.reply_due_at is not None and (o.replied_at is not None or o.reply_due_at < now) for o in orders
        ),
        replied_on_time=sum(
            o.replied_at is not None and o.reply_due_at is not None and o.replied_at <= o.reply_due_at
            for o in orders
        ),
        reply_approved=sum(o.reply_approved_at is not None for o in orders),
        called_back=sum(o.callback_attempts > 0 for o in orders),
        rated=sum(o.satisfaction != "" for o in orders),
        satisfied=sum(o.satisfaction in SATISFIED_LEVELS for o in orders),
        reopened=sum(o.reopen_count > 0 for o in orders),
        returned=sum(o.return_count > 0 for o in orders),
        first_contact=sum(bool(o.first_contact_resolution) for o in orders),
    )


def test_kpis_equal_a_plain_count(clock, walk, tree):
    _dataset(walk, clock)
    now = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC)
    by_department = selectors.kpi_by_department(start=START, end=END, now=now)
    departments = [tree["dept_a"], tree["dept_b"], tree["district"], tree["street"]]
    checked = 0
    for department in departments:
        expected = _plain(department, now)
        got = selectors.kpi_for_department(department=department, start=START, end=END, now=now)
        assert got == expected, department.code
        if expected.orders or expected.sign_for_due:
            assert by_department[department.pk] == expected
            checked += 1
    assert checked >= 1
    assert selectors.kpi_for_department(department=None, start=START, end=END, now=now) == _plain(None, now)
    city = _plain(None, now)
    # The dataset reaches every counter, so a wrong filter cannot hide behind a zero.
    for name, value in itertools.chain(city.__dict__.items()):
        assert value > 0, name


def test_the_kpi_queries_read_no_column_outside_the_covering_indexes(clock, walk, tree):
    walk(S.CLOSED)
    with CaptureQueriesContext(connection) as ctx:
        selectors.kpi_for_department(department=tree["dept_a"], start=START, end=END)
    assert len(ctx.captured_queries) == 2
    for query in ctx.captured_queries:
        assert '."id")' not in query["sql"] and '."created_at")' in query["sql"], query["sql"]
