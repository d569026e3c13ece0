from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpinionConfig(AppConfig):
    name = "gongkai.opinion"
    label = "opinion"
    verbose_name = _("舆情监测")
    default_auto_field = "django.db.models.BigAutoField"
