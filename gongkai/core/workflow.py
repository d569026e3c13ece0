"""State graphs declared once, and the one way to run a transition.

Each app declares its graph in ``<app>/workflow.py``::

    GRAPH = StateGraph(
        name="workorder",
        states=WorkOrder.Status,
        transitions=[
            Transition("dispatch", source={"received"}, target="dispatched",
                       permission="hotline.dispatch_workorder", label=_("派单")),
            Transition("close", source={"replied"}, target="closed",
                       conditions=[Condition(lambda o: bool(o.reply_text), _("没有答复的工单不能办结。"), code="no_reply")]),
        ],
    )

and each business verb is a service that calls :func:`run_transition`, which locks the row, checks
the source state, the permission and the conditions, applies the change, saves only the changed
fields, writes the audit event with old and new values, and schedules side effects on commit. A
refused transition raises :class:`TransitionNotAllowed` and changes nothing. ``GRAPH.to_mermaid()``
draws the graph for docs/workflows/.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from gongkai.core.audit.services import audit_record


class TransitionNotAllowed(Exception):
    """The transition cannot run now; ``code`` is stable, ``message`` is translated."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Condition:
    """A guard with the reason shown when it is unmet."""

    check: Callable[[Any], bool]
    unmet: Any  # a (lazy) translated string
    code: str = "condition_unmet"


Permission = str | Callable[[Any, Any], bool] | None


@dataclass(frozen=True)
class Transition:
    name: str
    source: frozenset[str] | set[str]
    target: str | None  # None keeps the state (an action that only records something)
    permission: Permission = None
    conditions: Sequence[Condition] = ()
    label: Any = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "source", frozenset(self.source))


@dataclass
class StateGraph:
    name: str
    states: type[models.TextChoices]
    transitions: Sequence[Transition]
    field: str = "status"
    _by_name: dict[str, Transition] = dataclass_field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name = {}
        valid = set(self.states.values)
        for t in self.transitions:
            if t.name in self._by_name:
                raise ValueError(f"duplicate transition {t.name!r} in {self.name}")
            unknown = (set(t.source) | ({t.target} if t.target else set())) - valid
            if unknown:
                raise ValueError(
                    f"transition {t.name!r} in {self.name} names unknown states {sorted(unknown)}"
                )
            self._by_name[t.name] = t

    def transition(self, name: str) -> Transition:
        try:
            return self._by_name[name]
        except KeyError:
            raise TransitionNotAllowed(_("未知的操作。"), code="unknown_transition") from None

    @staticmethod
    def _permitted(transition: Transition, obj: Any, actor: Any) -> bool:
        perm = transition.permission
        if perm is None:
            return True
        if callable(perm):
            return bool(perm(actor, obj))
        return bool(actor is not None and getattr(actor, "has_perm", None) and actor.has_perm(perm))

    def check(self, obj: Any, name: str, actor: Any) -> Transition:
        """Return the transition if ``actor`` may run it on ``obj`` now, else raise."""
        transition = self.transition(name)
        state = getattr(obj, self.field)
        if state not in transition.source:
            raise TransitionNotAllowed(
                _("当前状态“%(state)s”下不能执行“%(action)s”。")
                % {"state": self.states(state).label, "action": transition.label or transition.name},
                code="invalid_state",
            )
        if not self._permitted(transition, obj, actor):
            raise TransitionNotAllowed(_("无权执行此操作。"), code="permission_denied")
        for condition in transition.conditions:
            if not condition.check(obj):
                raise TransitionNotAllowed(str(condition.unmet), code=condition.code)
        return transition

    def available(self, obj: Any, actor: Any) -> list[Transition]:
        """The transitions ``actor`` could run on ``obj`` now (for buttons and API hints)."""
        allowed = []
        for t in self.transitions:
            try:
                self.check(obj, t.name, actor)
            except TransitionNotAllowed:
                continue
            allowed.append(t)
        return allowed

    def to_mermaid(self) -> str:
        lines = ["stateDiagram-v2"]
        for t in self.transitions:
            for source in sorted(t.source):
                target = t.target or source
                label = str(t.label or t.name)
                lines.append(f"    {source} --> {target}: {label}")
        return "\n".join(lines)


def run_transition(
    graph: StateGraph,
    *,
    model: type[models.Model],
    pk: Any,
    name: str,
    actor: Any,
    apply: Callable[[Any], Iterable[str]] | None = None,
    request: Any = None,
    note: str = "",
    on_commit: Callable[[Any], None] | None = None,
    audit_action: str | None = None,
) -> Any:
    """Run transition ``name`` on the row ``pk`` of ``model`` in one transaction.

    1. lock the row (``select_for_update``), 2. check state, permission and conditions,
    3. set the target state and let ``apply(obj)`` change other fields (it returns their names),
    4. save only the changed fields, 5. write the audit event with old and new values,
    6. schedule ``on_commit(obj)`` to run after the commit. Returns the object.
    """
    with transaction.atomic():
        obj = model._default_manager.select_for_update().get(pk=pk)
        transition = graph.check(obj, name, actor)
        changed: set[str] = set()
        old_state = getattr(obj, graph.field)
        if transition.target is not None and transition.target != old_state:
            setattr(obj, graph.field, transition.target)
            changed.add(graph.field)
        snapshot_fields: list[str] = []
        if apply is not None:
            # Take the "before" values of the fields apply() says it changed: read them first.
            before = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
            snapshot_fields = list(apply(obj) or ())
            changed.update(snapshot_fields)
        else:
            before = {graph.field: old_state}
        before[graph.field] = old_state
        if changed:
            update_fields = [*changed]
            if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
                update_fields.append("updated_at")
            obj.save(update_fields=update_fields)
        old_values = {f: before.get(f) for f in sorted(changed)}
        new_values = {f: getattr(obj, f) for f in sorted(changed)}
        audit_record(
            actor=actor,
            action=audit_action or f"{graph.name}.{transition.name}",
            target=obj,
            old=old_values,
            new=new_values,
            request=request,
            note=note,
        )
        if on_commit is not None:
            transaction.on_commit(lambda: on_commit(obj))
    return obj
