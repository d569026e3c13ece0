from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpinionReportsConfig(AppConfig):
    name = "gongkai.opinion.reports"
    label = "opinion_reports"
    verbose_name = _("舆情报告")
    default_auto_field = "django.db.models.BigAutoField"
