"""Types of the compiled hot path of ``events.EventClusterer`` (``_events_core.c``)."""

from collections.abc import Sequence

def vectorize(
    tokens: Sequence[str],
    known: set[str],
    keep: set[str],
    df: dict[str, int],
    index: dict[str, dict[int, None]],
    log_e: float,
    ln1p: list[float],
    recurrence: list[float],
    max_terms: int,
) -> tuple[list[str], list[float], list[int]] | bool | None: ...
def best_event(
    terms: list[str],
    weights: list[float],
    lengths: list[int],
    index: dict[str, dict[int, None]],
    events: dict[int, object],
    topic_set: set[int] | None,
    bonus: float,
    threshold: float,
    young_discount: float,
    max_candidates: int,
) -> tuple[int, float]: ...
def add_vector(
    vec: dict[str, float],
    terms: list[str],
    weights: list[float],
    norm2: float,
    index: dict[str, dict[int, None]],
    ev_key: int,
    crowd: int,
) -> tuple[float, list[str]]: ...
