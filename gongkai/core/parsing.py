"""Parse identifiers that arrive as text (form values, query strings) without surprises."""

from __future__ import annotations

from typing import Any

MAX_ID = 2**63 - 1


def parse_id(value: Any) -> int | None:
    """Return ``value`` as a database id, or ``None`` if it is not one.

    ``str.isdigit()`` is not enough: it accepts "²" and "٣" (which ``int()`` or the database then
    refuse with an error) and numbers too large for a bigint column.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= MAX_ID else None
    text = str(value).strip()
    if not text or len(text) > 19 or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None
