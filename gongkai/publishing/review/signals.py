"""Signal receivers of the review chain (connected in ``apps.py``)."""

from __future__ import annotations

from typing import Any


def defaults_after_migrate(sender: Any, **kwargs: Any) -> None:
    """After ``migrate``: the default tasks, workflows, assignments and drafter page permissions."""
    if getattr(sender, "label", None) != "publishing_review":
        return
    from gongkai.publishing.review.defaults import defaults_ensure

    defaults_ensure()
