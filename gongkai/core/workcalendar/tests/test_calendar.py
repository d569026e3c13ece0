from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongkai.core.workcalendar import selectors, services
from gongkai.core.workcalendar.errors import CalendarNotAvailable
from gongkai.core.workcalendar.models import CalendarDay, CalendarYear, DayKind, DaySource

D = datetime.date

pytestmark = pytest.mark.django_db


def test_seed_covers_2004_to_2026_every_day():
    assert selectors.known_years() == list(range(2004, 2027))
    assert CalendarDay.objects.filter(date__year=2026).count() == 365
    assert CalendarDay.objects.filter(date__year=2024).count() == 366
    assert CalendarDay.objects.count() == sum(366 if y % 4 == 0 else 365 for y in range(2004, 2027))


@pytest.mark.parametrize(
    "day", ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]
)
def test_2026_makeup_working_days(day):
    date = D.fromisoformat(day)
    assert date.weekday() >= 5
    assert selectors.is_working_day(day=date) is True
    assert selectors.day_info(day=date).kind == DayKind.MAKEUP_WORKDAY


def test_holidays_are_named_in_chinese():
    info = selectors.day_info(day=D(2026, 10, 1))
    assert info.is_working_day is False
    assert info.kind == DayKind.HOLIDAY
    assert info.holiday_name == "国庆节"
    assert selectors.day_info(day=D(2026, 1, 1)).holiday_name == "元旦"


def test_ordinary_days():
    assert selectors.is_working_day(day=D(2026, 10, 12)) is True  # Monday
    assert selectors.is_working_day(day=D(2026, 10, 11)) is False  # Sunday
    assert selectors.day_info(day=D(2026, 10, 11)).kind == DayKind.WEEKEND


@pytest.mark.parametrize("day", [D(2027, 1, 4), D(2003, 12, 31), D(2030, 6, 3)])
def test_unknown_year_is_an_error_not_a_working_day(day):
    with pytest.raises(CalendarNotAvailable) as excinfo:
        selectors.is_working_day(day=day)
    assert str(day.year) in str(excinfo.value)
    assert "工作日历" in str(excinfo.value)
    assert excinfo.value.code == "calendar_not_available"


def test_add_working_days_starts_counting_the_next_working_day():
    assert selectors.add_working_days(start=D(2026, 9, 30), days=1) == D(2026, 10, 8)
    assert selectors.add_working_days(start=D(2026, 10, 9), days=1) == D(2026, 10, 10)  # Saturday, 调休
    assert selectors.add_working_days(start=D(2026, 10, 10), days=1) == D(2026, 10, 12)
    assert selectors.add_working_days(start=D(2026, 10, 3), days=1) == D(2026, 10, 8)  # start on a holiday
    assert selectors.add_working_days(start=D(2026, 9, 30), days=0) == D(2026, 9, 30)
    assert selectors.add_working_days(start=D(2026, 10, 8), days=-1) == D(2026, 9, 30)


def test_add_working_days_across_years_and_into_an_unknown_year():
    assert selectors.add_working_days(start=D(2025, 12, 31), days=1) == D(2026, 1, 4)  # 元旦 1–3, 4th 调休
    with pytest.raises(CalendarNotAvailable) as excinfo:
        selectors.add_working_days(start=D(2026, 12, 28), days=10)
    assert excinfo.value.year == 2027


def test_working_days_between_is_the_inverse():
    start = D(2026, 1, 20)
    for n in (0, 1, 5, 20, 60, 200):
        assert (
            selectors.working_days_between(start=start, end=selectors.add_working_days(start=start, days=n))
            == n
        )
    assert selectors.working_days_between(start=D(2026, 9, 30), end=D(2026, 10, 8)) == 1
    assert selectors.working_days_between(start=D(2026, 10, 8), end=D(2026, 9, 30)) == -1
    assert (
        selectors.working_days_between(start=D(2024, 12, 31), end=D(2025, 12, 31)) == 248
    )  # as chinese_calendar.get_workdays


def test_arithmetic_is_cached_per_year(django_assert_max_num_queries):
    selectors.is_working_day(day=D(2026, 1, 5))
    with CaptureQueriesContext(connection) as queries:
        for offset in range(2000):
            start = D(2026, 1, 1) + datetime.timedelta(days=offset % 300)
            selectors.add_working_days(start=start, days=20)
    assert len(queries) == 0


def test_edit_invalidates_the_cache_and_is_audited(superuser, monkeypatch):
    calls = []
    monkeypatch.setattr("gongkai.core.audit.services.audit_record", lambda **kwargs: calls.append(kwargs))
    day = D(2026, 7, 15)  # a Wednesday
    assert selectors.is_working_day(day=day) is True
    row = services.calendar_day_update(day=day, is_working_day=False, reason="防汛应急停工", actor=superuser)
    assert (
        row.kind == DayKind.HOLIDAY and row.holiday_name == "防汛应急停工" and row.source == DaySource.EDITED
    )
    assert selectors.is_working_day(day=day) is False
    assert CalendarYear.objects.get(year=2026).revision == 2
    (call,) = calls
    assert call["action"] == "calendar.day_changed" and call["actor"] == superuser and call["target"] == row
    assert call["old"]["is_working_day"] is True and call["new"]["is_working_day"] is False


def test_edit_a_weekend_into_a_working_day():
    row = services.calendar_day_update(day=D(2026, 7, 18), is_working_day=True, reason="临时调整")
    assert row.kind == DayKind.MAKEUP_WORKDAY
    assert selectors.is_working_day(day=D(2026, 7, 18)) is True


def test_edit_requires_a_reason_and_a_known_year():
    with pytest.raises(Exception, match="原因"):
        services.calendar_day_update(day=D(2026, 7, 15), is_working_day=False, reason=" ")
    with pytest.raises(CalendarNotAvailable):
        services.calendar_day_update(day=D(2027, 7, 15), is_working_day=False, reason="x")


def test_other_process_changes_are_seen_after_the_revision_check(settings):
    settings.GONGKAI_CALENDAR_CACHE_SECONDS = 0
    day = D(2026, 7, 15)
    assert selectors.is_working_day(day=day) is True
    # Another process edits the table directly and bumps the revision.
    CalendarDay.objects.filter(date=day).update(is_working_day=False, kind=DayKind.HOLIDAY)
    CalendarYear.objects.filter(year=2026).update(revision=99)
    assert selectors.is_working_day(day=day) is False


def test_missing_next_year_warning_from_1_december():
    assert selectors.missing_next_year_warning(today=D(2026, 11, 30)) is None
    message = selectors.missing_next_year_warning(today=D(2026, 12, 1))
    assert message is not None and "2027" in message
    assert selectors.missing_next_year_warning(today=D(2025, 12, 1)) is None
    assert "2027" in selectors.missing_next_year_warning(today=D(2027, 3, 1))
