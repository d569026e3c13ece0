from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkcalendarConfig(AppConfig):
    name = "gongkai.core.workcalendar"
    label = "workcalendar"
    verbose_name = _("工作日历")

    def ready(self) -> None:
        from gongkai.core.workcalendar import checks  # noqa: F401  (registers the system check)
