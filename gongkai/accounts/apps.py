from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "gongkai.accounts"
    label = "accounts"
    verbose_name = _("机构与人员")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings
        from django.core.signals import request_finished
        from django.db.models.signals import post_migrate, post_save, pre_delete

        from gongkai.accounts import signals

        post_migrate.connect(signals.sync_roles_after_migrate, dispatch_uid="gongkai.accounts.roles_sync")
        post_save.connect(
            signals.set_staff_language,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="gongkai.accounts.language",
        )
        pre_delete.connect(
            signals.audit_user_deleted,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="gongkai.accounts.user_deleted",
        )
        request_finished.connect(
            signals.clear_user_deletion_actor, dispatch_uid="gongkai.accounts.user_deletion_actor"
        )
