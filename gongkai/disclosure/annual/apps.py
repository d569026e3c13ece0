from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisclosureAnnualConfig(AppConfig):
    name = "gongkai.disclosure.annual"
    label = "disclosure_annual"
    verbose_name = _("政府信息公开工作年度报告")
    default_auto_field = "django.db.models.BigAutoField"
