from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "gongkai.hotline.knowledge"
    label = "knowledge"
    verbose_name = _("热线知识库")
