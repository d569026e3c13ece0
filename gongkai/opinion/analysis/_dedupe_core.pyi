"""Types of the compiled exact-Jaccard step of ``dedupe.NearDuplicateIndex`` (``_dedupe_core.c``)."""

from typing import Any

def jaccard_pairs(
    tagged: Any,
    starts: Any,
    counts: Any,
    posts: Any,
    ring: Any,
    b_starts: Any,
    b_lengths: Any,
    cutoffs: Any,
    out: Any,
) -> None: ...
