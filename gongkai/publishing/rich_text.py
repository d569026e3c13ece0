"""Rich text that enters a document by any route is reduced to what the editor itself allows."""

from __future__ import annotations

import html

from django.utils.functional import SimpleLazyObject
from wagtail.admin.rich_text.converters.db_html import DbHTMLConverter

# The converter reads the rich text feature registry, which is filled in when the apps are ready.
_converter = SimpleLazyObject(DbHTMLConverter)


def sanitize(value: str) -> str:
    """Return ``value`` (database-format HTML) with every element and attribute outside the default
    rich text features removed: no scripts, styles, event handlers or ``javascript:`` links.

    The same whitelist Wagtail applies to what its editor sends, so the admin, the import command,
    the demo and any service produce the same kind of HTML.
    """
    if not value or not value.strip():
        return ""
    cleaned, _removals = _converter.clean(value)
    return cleaned


def from_plain_text(text: str) -> str:
    """Turn plain text into paragraphs: one ``<p>`` per non-empty line, escaped."""
    lines = [" ".join(line.split()) for line in (text or "").splitlines()]
    return "".join(f"<p>{html.escape(line, quote=False)}</p>" for line in lines if line)
