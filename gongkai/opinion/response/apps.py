from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpinionResponseConfig(AppConfig):
    name = "gongkai.opinion.response"
    label = "opinion_response"
    verbose_name = _("舆情研判与回应")
    default_auto_field = "django.db.models.BigAutoField"
