import pytest
from django.db import models

from gongkai.core.workflow import Condition, StateGraph, Transition, TransitionNotAllowed


class Status(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    DONE = "done", "已完成"


class Item:
    def __init__(self, status="draft", body=""):
        self.status = status
        self.body = body


class Actor:
    def __init__(self, perms=()):
        self.perms = set(perms)

    def has_perm(self, perm):
        return perm in self.perms


GRAPH = StateGraph(
    name="item",
    states=Status,
    transitions=[
        Transition(
            "submit",
            source={"draft"},
            target="submitted",
            conditions=[Condition(lambda o: bool(o.body), "内容不能为空。", code="empty")],
            label="提交",
        ),
        Transition("finish", source={"submitted"}, target="done", permission="app.finish", label="完成"),
    ],
)


def test_allowed_transition_returns_it():
    assert GRAPH.check(Item(body="x"), "submit", Actor()).target == "submitted"


@pytest.mark.parametrize(
    ("status", "action", "perms", "code"),
    [
        ("submitted", "submit", (), "invalid_state"),
        ("done", "finish", ("app.finish",), "invalid_state"),
        ("submitted", "finish", (), "permission_denied"),
        ("draft", "nope", (), "unknown_transition"),
    ],
)
def test_refused_transitions_say_why(status, action, perms, code):
    with pytest.raises(TransitionNotAllowed) as exc:
        GRAPH.check(Item(status=status, body="x"), action, Actor(perms))
    assert exc.value.code == code


def test_condition_reason_is_reported():
    with pytest.raises(TransitionNotAllowed) as exc:
        GRAPH.check(Item(body=""), "submit", Actor())
    assert exc.value.code == "empty" and "内容不能为空" in exc.value.message


def test_available_lists_only_runnable_transitions():
    assert [t.name for t in GRAPH.available(Item(status="submitted"), Actor(["app.finish"]))] == ["finish"]
    assert GRAPH.available(Item(status="submitted"), Actor()) == []


def test_graph_rejects_unknown_states():
    with pytest.raises(ValueError):
        StateGraph(
            name="bad", states=Status, transitions=[Transition("x", source={"nowhere"}, target="done")]
        )


def test_mermaid_drawing():
    text = GRAPH.to_mermaid()
    assert text.startswith("stateDiagram-v2") and "draft --> submitted: 提交" in text
