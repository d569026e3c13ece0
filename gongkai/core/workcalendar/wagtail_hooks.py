"""The work calendar in the staff admin: a menu item under 设置, the year pages and a dashboard warning."""

from __future__ import annotations

from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component

from gongkai.core.workcalendar import selectors, views


@hooks.register("register_admin_urls")
def register_calendar_urls():
    return [
        path("calendar/", views.calendar_index, name="workcalendar_index"),
        path("calendar/<int:year>/", views.calendar_year, name="workcalendar_year"),
        path("calendar/day/<str:day>/", views.calendar_day_edit, name="workcalendar_day_edit"),
    ]


@hooks.register("register_settings_menu_item")
def register_calendar_menu_item():
    return MenuItem(_("工作日历"), reverse("workcalendar_index"), icon_name="date", order=800)


class MissingYearPanel(Component):
    """A warning at the top of the dashboard while next year's calendar is missing (from 1 December)."""

    name = "workcalendar_missing_year"
    order = 10
    template_name = "workcalendar/missing_year_panel.html"

    def __init__(self, message: str) -> None:
        self.message = message

    def get_context_data(self, parent_context=None):
        return {"message": self.message, "calendar_url": reverse("workcalendar_index")}


@hooks.register("construct_homepage_panels")
def add_missing_year_panel(request, panels):
    message = selectors.missing_next_year_warning(today=timezone.localdate())
    if message:
        panels.insert(0, MissingYearPanel(message))
