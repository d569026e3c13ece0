"""System checks: catch a malformed GONGKAI_OFFICE_HOURS at start-up rather than at the first deadline."""

from __future__ import annotations

from django.core import checks

from gongkai.core.workcalendar.errors import OfficeHoursMisconfigured
from gongkai.core.workcalendar.officehours import office_hours


@checks.register()
def check_office_hours(app_configs, **kwargs):
    try:
        office_hours()
    except OfficeHoursMisconfigured as exc:
        return [checks.Error(str(exc), id="workcalendar.E001")]
    return []
