"""Errors of the work calendar. Each carries a Chinese message fit to show to staff."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongkai.api.errors import ApiError


class CalendarNotAvailable(ApiError):
    """The date falls in a year the calendar does not know: refuse rather than guess.

    An ``ApiError`` so that any endpoint (hotline, disclosure…) that computes a deadline answers 422
    ``calendar_not_available`` instead of a 500.
    """

    status = 422
    code = "calendar_not_available"

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            _(
                "%(year)s 年的工作日历尚未导入，无法计算工作日。请管理员根据国务院办公厅的放假通知导入该年日历。"
            )
            % {"year": year},
            details={"year": year},
        )


class OfficeHoursMisconfigured(ValueError):
    """``settings.GONGKAI_OFFICE_HOURS`` cannot be read."""


class CalendarImportError(ValueError):
    """A holiday file has errors; ``errors`` lists them with their line numbers. Nothing was written."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))
