"""Who may see the review chain's reports and record re-reviews."""

from __future__ import annotations

from typing import Any

from gongkai.accounts.roles import user_has_role


def _active(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def can_view_deadlines(user: Any) -> bool:
    """The 20-working-day report: the disclosure office, leaders, reviewers and approvers (scoped)."""
    if not _active(user):
        return False
    return user.is_superuser or user_has_role(user, "disclosure_office", "leader", "reviewer", "approver")


def can_rereview(user: Any) -> bool:
    """Art. 18 re-reviews are the disclosure office's (Art. 4 (四): it organises the review)."""
    if not _active(user):
        return False
    return user.is_superuser or user_has_role(user, "disclosure_office")
