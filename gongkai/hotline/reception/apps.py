from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceptionConfig(AppConfig):
    name = "gongkai.hotline.reception"
    label = "reception"
    verbose_name = _("局长接待日")
