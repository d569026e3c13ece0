from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublishingConfig(AppConfig):
    name = "gongkai.publishing"
    label = "publishing"
    verbose_name = _("信息发布")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from gongkai.publishing import signals

        signals.connect()
