from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpinionConfig(AppConfig):
    name = "gongkai.opinion"
    label = "opinion"
    verbose_name = _("舆情监测")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The configuration views (sources, vendors' clients) live in a sub-module of their own.
        from gongkai.opinion.admin import wagtail_hooks  # noqa: F401
