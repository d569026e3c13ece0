"""Highlighted snippets, computed in Python from the stored text.

Every piece of text is HTML-escaped; only the ``<mark>`` tags this module adds are markup, so the
result is safe to insert into a page as is.
"""

from __future__ import annotations

from html import escape

from gongkai.core.search import text

#: Characters shown before the first hit and the snippet's total length.
CONTEXT_BEFORE = 30
SNIPPET_LENGTH = 120
ELLIPSIS = "…"


def _hit_spans(
    haystack: str, terms: list[text.Term], start: int = 0, end: int | None = None
) -> list[tuple[int, int]]:
    """Return sorted, merged (start, end) spans where any term occurs in ``haystack[start:end]``."""
    end = len(haystack) if end is None else end
    spans = []
    for term in terms:
        needle = term.text
        at = haystack.find(needle, start, end)
        while at != -1:
            spans.append((at, at + len(needle)))
            at = haystack.find(needle, at + 1, end)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def _render(original: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    out = []
    cursor = start
    for s, e in spans:
        s, e = max(s, start), min(e, end)
        if s >= e:
            continue
        out.append(escape(original[cursor:s]))
        out.append(f"<mark>{escape(original[s:e])}</mark>")
        cursor = e
    out.append(escape(original[cursor:end]))
    return "".join(out)


def highlight(original: str, terms: list[text.Term]) -> str:
    """Return all of ``original`` escaped, with every term occurrence in ``<mark>``."""
    return _render(original, _hit_spans(text.normalize(original), terms), 0, len(original))


def snippet(original: str, terms: list[text.Term], *, length: int = SNIPPET_LENGTH) -> str:
    """Return a window of ``original`` around its first hit, escaped, hits in ``<mark>``.

    Without a hit (the title matched, not the body) the window is the beginning of the text.
    Whitespace runs are kept as they are; the template decides how to show them.
    """
    lowered = text.normalize(original)
    first = None
    for term in terms:
        at = lowered.find(term.text)
        if at != -1 and (first is None or at < first):
            first = at
    start = 0 if first is None else max(0, first - CONTEXT_BEFORE)
    end = min(len(original), start + length)
    if end - start < length:
        start = max(0, end - length)
    spans = _hit_spans(lowered, terms, max(0, start - MAX_TERM), min(len(lowered), end + MAX_TERM))
    body = _render(original, spans, start, end)
    return (ELLIPSIS if start > 0 else "") + body + (ELLIPSIS if end < len(original) else "")


MAX_TERM = text.MAX_QUERY_LENGTH
