"""Who may read and who may edit the knowledge base, and who may see routing suggestions.

The hotline office (派单员, the 市长电话室) and administrators edit; every active staff member reads
published articles (operators answer from them; handlers may look up the common answers). Checked
in the services (edits), the API and the Wagtail views alike.
"""

from __future__ import annotations

from typing import Any

from gongkai.accounts.roles import user_has_role

EDITOR_ROLES = ("dispatcher", "administrator")
ROUTING_ROLES = ("dispatcher", "operator", "leader")


def _active_staff(user: Any) -> bool:
    return (
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and getattr(user, "is_staff", False)
    )


def may_read_knowledge(user: Any) -> bool:
    """Published articles: every active staff member."""
    return _active_staff(user) or bool(getattr(user, "is_superuser", False) and user.is_active)


def may_edit_knowledge(user: Any) -> bool:
    """Create, change, review, expire and delete articles; see drafts: the hotline office and admins."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser or user_has_role(user, *EDITOR_ROLES))


def may_use_routing(user: Any) -> bool:
    """Routing and duplicate suggestions: the hotline office, operators and leaders."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser or user_has_role(user, *ROUTING_ROLES))
