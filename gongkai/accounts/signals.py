"""Small receivers; the business logic they call lives in roles.py.

- After ``migrate``: ``roles_sync()``. The data migration 0002 creates the groups, but Django
  creates the permissions of models only in ``post_migrate``, after every migration ran; on a
  fresh database the permissions of later apps (calendar, outbox, audit …) did not exist yet when
  0002 ran. Syncing once more after the last app's ``post_migrate`` attaches them, and it picks
  up codenames that new apps add to roles.py without a new migration.
- On user creation: the Wagtail admin language is set to the site language (zh-hans) so that
  staff see the admin in Chinese even with an English browser. It runs for users created in the
  Wagtail admin, by ``createsuperuser`` and by services alike; each user can change it later.
- Before a user is deleted (by any path): the audit event ``accounts.user_deleted``
  (``services.staff_user_deletion_audit``), with the actor the admin views set.
"""

from __future__ import annotations

import logging

from django.apps import apps as global_apps
from django.conf import settings

logger = logging.getLogger(__name__)


def _last_app_with_models() -> str | None:
    labels = [config.label for config in global_apps.get_app_configs() if config.models_module is not None]
    return labels[-1] if labels else None


def sync_roles_after_migrate(sender, app_config=None, using="default", apps=global_apps, plan=None, **kwargs):
    # post_migrate is sent once per app, in INSTALLED_APPS order, and each app's permissions are
    # created by its own signal; only after the last one do all permissions exist.
    if app_config is None or app_config.label != _last_app_with_models():
        return
    from gongkai.accounts.roles import roles_sync

    try:
        apps.get_model("accounts", "RoleGroup")
    except LookupError:
        return
    # The registry passed is the post-migration state (historical models of the final state).
    roles_sync(apps=apps)


def set_staff_language(sender, instance, created=False, raw=False, **kwargs):
    if not created or raw:
        return
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(instance)
    if not profile.preferred_language:
        profile.preferred_language = settings.LANGUAGE_CODE
        profile.save(update_fields=["preferred_language"])


def audit_user_deleted(sender, instance, using="default", origin=None, **kwargs):
    # Every way of deleting a user passes here (Wagtail's views, Django's admin, the ORM); the
    # event is written in the delete's transaction, so a rolled-back delete leaves no event.
    from gongkai.accounts.services import staff_user_deletion_audit

    staff_user_deletion_audit(user=instance)


def clear_user_deletion_actor(sender, **kwargs):
    # The bulk-action hooks cannot wrap the delete: make sure their actor ends with the request.
    from gongkai.accounts.services import user_deletion_actor_clear

    user_deletion_actor_clear()
