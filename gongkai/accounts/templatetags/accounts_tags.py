from __future__ import annotations

from datetime import timedelta

from django import template
from django.conf import settings

register = template.Library()


@register.filter
def minutes(value: timedelta | None) -> int:
    """A timedelta in whole minutes (rounded up), for the lock-out page."""
    if not value:
        return 0
    return int(-(-value.total_seconds() // 60))


@register.simple_tag
def account_help_contact() -> str:
    """Who to call about a locked account (``GONGKAI_ACCOUNT_HELP_CONTACT``; empty: the generic text)."""
    return getattr(settings, "GONGKAI_ACCOUNT_HELP_CONTACT", "")
