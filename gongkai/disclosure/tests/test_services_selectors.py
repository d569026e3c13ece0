"""Selectors: department isolation, lists, the clock board, timelines and the available actions."""

from __future__ import annotations

import datetime

import pytest

from gongkai.disclosure import selectors, services

pytestmark = pytest.mark.django_db

D = datetime.date
TZ = services.calendar.CALENDAR_TZ


def test_clerks_see_only_their_department(walk_application, tree, users):
    mine = walk_application("registered")
    theirs = walk_application("registered", department=tree["dept_b"], applicant_name="李四")
    assert list(selectors.application_queryset_for(user=users["clerk_a"])) == [mine]
    assert list(selectors.application_queryset_for(user=users["clerk_b"])) == [theirs]
    assert set(selectors.application_queryset_for(user=users["office"])) == {mine, theirs}
    assert list(selectors.application_queryset_for(user=users["handler_a"])) == []
    assert list(selectors.application_queryset_for(user=None)) == []
    assert selectors.application_get_for(user=users["clerk_a"], pk=theirs.pk) is None
    assert selectors.application_get_for(user=users["clerk_a"], pk="nope") is None


def test_list_filters(walk_application, users, clock):
    first = walk_application("handling")
    second = walk_application("correction", applicant_name="李四", description="")
    office = users["office"]
    assert list(selectors.application_list(user=office, status="handling")) == [first]
    assert list(selectors.application_list(user=office, q="李四")) == [second]
    assert list(selectors.application_list(user=office, q=first.tracking_number)) == [first]
    assert set(selectors.application_list(user=office, open_only=True)) == {first, second}
    assert list(selectors.application_list(user=office, overdue=True)) == []
    clock.move_to(datetime.datetime(2026, 7, 1, 9, 0, tzinfo=TZ))
    assert list(selectors.application_list(user=office, overdue=True)) == [first]


def test_clock_board_buckets(walk_application, users, clock):
    handling = walk_application("handling")
    consulting = walk_application("handling", applicant_name="顾问")
    services.consultation_start(
        application=consulting, actor=users["clerk_a"], kind="agency", party_name="市财政局"
    )
    waiting = walk_application("correction", applicant_name="补正")
    extension_app = walk_application("handling", applicant_name="延期")
    services.extension_request(application=extension_app, actor=users["clerk_a"], days=5, reason="理由")
    replied = walk_application("replied", applicant_name="答复")
    terminated = walk_application("terminated", applicant_name="撤回")
    board = {bucket.key: bucket for bucket in selectors.clock_board(user=users["office"])}
    assert [b.key for b in selectors.clock_board(user=users["office"])] == [
        key for key, _ in selectors.BUCKETS
    ]
    assert board["overdue"].count == 0
    assert board["consulting"].rows == [consulting]
    assert board["waiting_applicant"].rows == [waiting]
    assert board["extension_pending"].rows == [extension_app]
    assert board["replied_undelivered"].rows == [replied]
    assert board["to_archive"].rows == [terminated]
    # Three working days before 30 June: 25 June (due soon); on 1 July: overdue.
    soon = selectors.clock_board(user=users["office"], today=D(2026, 6, 25))
    assert {a.pk for a in soon[1].rows} == {handling.pk, extension_app.pk}
    clock.move_to(datetime.datetime(2026, 7, 1, 9, 0, tzinfo=TZ))
    board = {bucket.key: bucket for bucket in selectors.clock_board(user=users["office"])}
    assert set(board["overdue"].rows) == {handling, extension_app}
    assert consulting not in board["overdue"].rows  # paused
    assert all(b.count == 0 for b in selectors.clock_board(user=users["clerk_b"]))


def test_timeline_public_and_internal(walk_application, users):
    app = walk_application("handling")
    services.extension_request(application=app, actor=users["clerk_a"], days=5, reason="内部理由")
    public = selectors.application_timeline(application=app, public_only=True)
    internal = selectors.application_timeline(application=app, public_only=False)
    assert "extension_requested" not in [entry.action for entry in public]
    assert "extension_requested" in [entry.action for entry in internal]
    view = selectors.public_view(app)
    assert view["status"] == "handling" and view["reply_due_on"] == D(2026, 6, 30)
    assert "内部理由" not in str(view)


def test_available_actions(walk_application, users, clock):
    app = walk_application("handling")
    names = {a.name for a in selectors.available_actions(application=app, user=users["clerk_a"])}
    assert {"consult", "request_extension", "issue_fee_notice", "reply", "terminate"} <= names
    assert "decide_extension" not in names and "record_consultation" not in names
    assert selectors.available_actions(application=app, user=users["clerk_b"]) == []
    assert selectors.available_actions(application=app, user=users["handler_a"]) == []
    services.extension_request(application=app, actor=users["clerk_a"], days=5, reason="理由")
    head = {a.name for a in selectors.available_actions(application=app, user=users["office_head"])}
    assert "decide_extension" in head
    mine = {a.name for a in selectors.available_actions(application=app, user=users["clerk_a"])}
    assert "request_extension" not in mine and "decide_extension" not in mine
    registered = walk_application("registered", applicant_name="李四")
    names = {a.name for a in selectors.available_actions(application=registered, user=users["clerk_a"])}
    assert {"review", "request_correction", "accept", "reply"} <= names
    clock.move_to(datetime.datetime(2026, 6, 11, 9, 0, tzinfo=TZ))
    names = {a.name for a in selectors.available_actions(application=registered, user=users["clerk_a"])}
    assert "request_correction" not in names


def test_docs_page_draws_the_graph_of_the_code():
    from pathlib import Path

    from gongkai.disclosure.workflow import GRAPH

    doc = Path(__file__).resolve().parents[3] / "docs" / "workflows" / "disclosure-application.md"
    assert "```mermaid\n" + GRAPH.to_mermaid() + "\n```" in doc.read_text(encoding="utf-8"), (
        "docs/workflows/disclosure-application.md is out of date: paste GRAPH.to_mermaid()"
    )
