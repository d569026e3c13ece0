"""Alert rules with hysteresis: an event alerts once per threshold crossing, not once per post.

The app computes observations after each batch, keyed by ``(kind, subject)`` where the subject is an
event key (int) or a string such as ``"topic:12"`` or ``"district:220202"``:

========================  ===============================================================  ==========
kind                      value                                                            e.g. rule
========================  ===============================================================  ==========
``"hotness"``             the event's hotness (``hotness.HotnessTracker.score``)           ≥ 80
``"spike"``               z-score of the current bucket (``hotness.Spike.z``)              ≥ 4
``"negative_share"``      negative posts / posts of the subject (0..1), see below          ≥ 0.6
``"sensitive"``           posts with a sensitive word in the subject                       ≥ 1
``"rumor"``               rumor-candidate posts in the subject (or the best rumor score)   ≥ 3
========================  ===============================================================  ==========

Every rule starts *armed* for every subject. When an observed value reaches the rule's threshold
(``value >= threshold``) and the rule is armed for that subject, one ``AlertFiring`` is returned and
the rule is *disarmed* for that subject. It re-arms only when an observation falls below
``threshold * rearm_ratio`` (0.8 by default): a hotness rule at 80 fires when an event reaches 80,
stays quiet while the event hovers around 80 and climbs, and fires again only after it has cooled
under 64 and then come back to 80. A subject that is not observed keeps its state; a disarmed one
not observed for ``forget_after_seconds`` (7 days) is forgotten (re-armed).

``negative_share`` is meaningless on three posts: it is only evaluated when the observations also
carry ``("volume", subject)`` (the number of posts the share was computed over) and that volume is
at least ``min_volume`` (20 by default); otherwise the share is ignored (it neither fires nor re-arms).

A rule with ``topic_id`` only applies to the subject ``"topic:<id>"`` and to the subjects that
``evaluate(..., topics=...)`` says belong to that topic (e.g. the events matched by the topic).

``dump()``/``load()`` carry the disarmed pairs (JSON-compatible) so a restart does not re-alert.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["KINDS", "AlertEvaluator", "AlertFiring", "AlertRule"]

KINDS = ("hotness", "spike", "negative_share", "sensitive", "rumor")
VOLUME = "volume"

Subject = int | str


@dataclass(slots=True)
class AlertRule:
    kind: str  # one of KINDS
    threshold: float  # fires when value >= threshold
    name: str = ""  # identifies the rule in the saved state; defaults to kind, threshold and topic
    topic_id: int | None = None  # only subjects of this topic (see the module docstring)

    @property
    def rule_id(self) -> str:
        if self.name:
            return self.name
        scope = f"@topic:{self.topic_id}" if self.topic_id is not None else ""
        return f"{self.kind}>={self.threshold:g}{scope}"


@dataclass(slots=True)
class AlertFiring:
    rule: AlertRule
    subject: Subject
    value: float
    at: float  # the ``now`` of the evaluation

    @property
    def kind(self) -> str:
        return self.rule.kind

    @property
    def threshold(self) -> float:
        return self.rule.threshold


class AlertEvaluator:
    """Evaluates ``AlertRule``s over observations, with per (rule, subject) hysteresis."""

    def __init__(
        self,
        rules: list[AlertRule],
        *,
        rearm_ratio: float = 0.8,
        min_volume: float = 20.0,
        forget_after_seconds: float = 7 * 86400.0,
    ) -> None:
        if not 0.0 < rearm_ratio <= 1.0:
            raise ValueError("rearm_ratio must be in (0, 1]")
        for rule in rules:
            if rule.kind not in KINDS:
                raise ValueError(f"unknown alert kind {rule.kind!r} (expected one of {', '.join(KINDS)})")
            if not (
                isinstance(rule.threshold, int | float)
                and math.isfinite(rule.threshold)
                and rule.threshold > 0
            ):
                raise ValueError(f"rule {rule.rule_id!r}: the threshold must be a positive number")
        self.rules = list(rules)
        self.rearm_ratio = rearm_ratio
        self.min_volume = min_volume
        self.forget_after_seconds = forget_after_seconds
        # (rule_id, subject) -> [fired_at, value at firing, last time observed]
        self._disarmed: dict[tuple[str, Subject], list[float]] = {}

    def armed(self, rule: AlertRule, subject: Subject) -> bool:
        return (rule.rule_id, subject) not in self._disarmed

    def _applies(
        self, rule: AlertRule, subject: Subject, topics: Mapping[Subject, Iterable[int]] | None
    ) -> bool:
        if rule.topic_id is None:
            return True
        if subject == f"topic:{rule.topic_id}":
            return True
        return topics is not None and rule.topic_id in topics.get(subject, ())

    def evaluate(
        self,
        observations: Mapping[tuple[str, Subject], float],
        now: float,
        *,
        topics: Mapping[Subject, Iterable[int]] | None = None,
    ) -> list[AlertFiring]:
        """The firings caused by ``observations`` at ``now``, and the state updated (see the module docstring)."""
        by_kind: dict[str, list[tuple[Subject, float]]] = {}
        for (kind, subject), value in observations.items():
            if kind in KINDS and isinstance(value, int | float) and math.isfinite(value):
                by_kind.setdefault(kind, []).append((subject, float(value)))
        shares = by_kind.get("negative_share")
        if shares:
            by_kind["negative_share"] = [
                (subject, value)
                for subject, value in shares
                if observations.get((VOLUME, subject), 0.0) >= self.min_volume
            ]
        firings: list[AlertFiring] = []
        disarmed = self._disarmed
        for rule in self.rules:
            rule_id = rule.rule_id
            rearm_below = rule.threshold * self.rearm_ratio
            for subject, value in sorted(by_kind.get(rule.kind, ()), key=lambda sv: str(sv[0])):
                if not self._applies(rule, subject, topics):
                    continue
                state = disarmed.get((rule_id, subject))
                if state is None:
                    if value >= rule.threshold:
                        disarmed[(rule_id, subject)] = [now, value, now]
                        firings.append(AlertFiring(rule=rule, subject=subject, value=value, at=now))
                elif value < rearm_below:
                    del disarmed[(rule_id, subject)]
                else:
                    state[2] = now
        forget_before = now - self.forget_after_seconds
        for pair in [pair for pair, state in disarmed.items() if state[2] < forget_before]:
            del disarmed[pair]
        return firings

    def dump(self) -> dict[str, Any]:
        return {
            "version": 1,
            "disarmed": [[rule_id, subject, *state] for (rule_id, subject), state in self._disarmed.items()],
        }

    def load(self, state: dict[str, Any]) -> None:
        """Restore the disarmed pairs; pairs of rules that no longer exist are dropped."""
        if not isinstance(state, dict) or state.get("version") != 1:
            raise ValueError("not a dump of AlertEvaluator (version 1)")
        known = {rule.rule_id for rule in self.rules}
        self._disarmed = {
            (str(row[0]), row[1]): [float(row[2]), float(row[3]), float(row[4])]
            for row in state["disarmed"]
            if str(row[0]) in known
        }
