"""The grounds table and the state graph agree with the annual report's layout."""

from __future__ import annotations

from gongkai.disclosure import grounds
from gongkai.disclosure.annual import schema
from gongkai.disclosure.workflow import GRAPH


def test_every_ground_is_a_table3_row_of_the_2021_format():
    rows = {row.code for row in schema.result_rows(schema.FORMAT_2021.table("table3"))}
    assert rows == set(grounds.Ground.values)


def test_every_reply_type_has_grounds_and_every_ground_a_reply_type():
    assert set(grounds.ALLOWED_GROUNDS) == set(grounds.ReplyType.values)
    reachable = {ground for allowed in grounds.ALLOWED_GROUNDS.values() for ground in allowed}
    assert reachable == set(grounds.Ground.values)
    assert not grounds.ground_allowed(reply_type="withheld", ground="disclosed")
    assert grounds.outcome_of("withheld_third_party") == "withheld"


def test_table3_has_22_rows_under_results_in_2021_and_20_in_2019():
    assert len(schema.result_rows(schema.FORMAT_2021.table("table3"))) + 1 == 22
    assert len(schema.result_rows(schema.FORMAT_2019.table("table3"))) + 1 == 20
    assert schema.format_for_year(2020) is schema.FORMAT_2019
    assert schema.format_for_year(2021) is schema.FORMAT_2021


def test_state_graph_draws():
    diagram = GRAPH.to_mermaid()
    assert "registered --> reviewing" in diagram
    assert "replied --> archived" in diagram


def test_roles_exist(users):
    assert users["office"].has_perm("disclosure.approve_extension")
    assert users["clerk_a"].has_perm("disclosure.handle_application")
    assert not users["clerk_a"].has_perm("disclosure.approve_extension")
    assert not users["handler_a"].has_perm("disclosure.handle_application")
