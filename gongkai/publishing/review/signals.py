"""Signal receivers of the review chain (connected in ``apps.py``)."""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

#: Tables ``defaults_ensure`` reads and writes: its own tasks, Wagtail's workflows and page
#: permissions, and the role groups of gongkai.accounts.
REQUIRED_TABLES = (
    "publishing_review_secrecyreviewtask",
    "publishing_review_superiorapprovaltask",
    "publishing_review_emergencyapprovaltask",
    "wagtailcore_workflow",
    "wagtailcore_workflowtask",
    "wagtailcore_workflowpage",
    "wagtailcore_grouppagepermission",
    "wagtailcore_page",
    "wagtailcore_collection",
    "wagtailcore_groupcollectionpermission",
    "accounts_rolegroup",
    "auth_permission",
)


def tables_ready(using: str = DEFAULT_DB_ALIAS) -> bool:
    """True when every table the defaults need exists in the database ``using``."""
    existing = set(connections[using].introspection.table_names())
    return all(name in existing for name in REQUIRED_TABLES)


def defaults_after_migrate(sender: Any, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """After ``migrate``: the default tasks, workflows, assignments and drafter page permissions.

    Runs once per ``migrate`` (for this app's config) and only when the tables it needs exist:
    ``migrate <other_app>`` on a fresh database (e.g. ``migrate outbox``) sends post_migrate for
    every app, while this app's tables are not there yet.
    """
    if getattr(sender, "label", None) != "publishing_review":
        return
    if not tables_ready(using):
        return
    from gongkai.publishing.review.defaults import defaults_ensure

    defaults_ensure()
