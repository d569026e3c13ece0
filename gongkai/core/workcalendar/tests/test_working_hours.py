from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.checks import run_checks

from gongkai.core.workcalendar import selectors
from gongkai.core.workcalendar.errors import CalendarNotAvailable, OfficeHoursMisconfigured
from gongkai.core.workcalendar.officehours import parse_office_hours

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        ("2026-10-12 09:00", 1, "2026-10-12 10:00"),  # Monday morning
        ("2026-10-12 11:30", 1, "2026-10-12 13:30"),  # across lunch
        ("2026-10-12 12:15", 1, "2026-10-12 14:00"),  # starts in the lunch break
        ("2026-10-12 16:00", 1, "2026-10-12 17:00"),  # ends exactly at closing time
        ("2026-10-12 16:00", 2, "2026-10-13 09:30"),  # across the evening
        ("2026-10-12 18:00", 1, "2026-10-13 09:30"),  # starts after hours
        ("2026-10-12 07:00", 0.5, "2026-10-12 09:00"),  # starts before hours
        ("2026-10-16 16:00", 2, "2026-10-19 09:30"),  # Friday → Monday, across the weekend
        ("2026-09-30 16:00", 2, "2026-10-08 09:30"),  # across the National Day holiday
        ("2026-10-09 16:00", 2, "2026-10-10 09:30"),  # into a 调休 Saturday, which is worked
        ("2026-10-12 09:00", 7.5, "2026-10-13 09:00"),  # one full working day
        ("2026-10-12 09:00", 0, "2026-10-12 09:00"),
    ],
)
def test_add_working_hours(start, hours, expected):
    assert selectors.add_working_hours(start=at(start), hours=hours) == at(expected)


def test_add_working_hours_takes_utc_and_answers_in_shanghai_time():
    start = datetime.datetime(2026, 10, 12, 1, 0, tzinfo=datetime.UTC)  # 09:00 in Jilin
    result = selectors.add_working_hours(start=start, hours=datetime.timedelta(minutes=90))
    assert result == at("2026-10-12 10:30")
    assert result.utcoffset() == datetime.timedelta(hours=8)


def test_add_working_hours_refuses_naive_datetimes_and_unknown_years():
    with pytest.raises(ValueError):
        selectors.add_working_hours(start=datetime.datetime(2026, 10, 12, 9, 0), hours=1)
    with pytest.raises(CalendarNotAvailable):
        selectors.add_working_hours(start=at("2026-12-31 16:00"), hours=8)


def test_working_hours_between():
    assert selectors.working_hours_between(start=at("2026-10-12 09:00"), end=at("2026-10-13 09:00")) == (
        datetime.timedelta(hours=7.5)
    )
    assert selectors.working_hours_between(start=at("2026-10-12 12:00"), end=at("2026-10-12 13:00")) == (
        datetime.timedelta(0)
    )
    assert selectors.working_hours_between(start=at("2026-09-30 17:00"), end=at("2026-10-08 08:30")) == (
        datetime.timedelta(0)
    )
    assert selectors.working_hours_between(start=at("2026-10-13 09:00"), end=at("2026-10-12 09:00")) == (
        -datetime.timedelta(hours=7.5)
    )


def test_office_hours_come_from_settings(settings):
    settings.GONGKAI_OFFICE_HOURS = "09:00-17:00"
    assert selectors.add_working_hours(start=at("2026-10-12 11:30"), hours=1) == at("2026-10-12 12:30")


@pytest.mark.parametrize(
    "value", ["", "8:30", "08:30-12:00;13:00-17:00", "12:00-08:30", "08:30-12:00,11:00-17:00", "25:00-26:00"]
)
def test_malformed_office_hours_are_a_clear_error(value, settings):
    with pytest.raises(OfficeHoursMisconfigured, match="GONGKAI_OFFICE_HOURS"):
        parse_office_hours(value)
    settings.GONGKAI_OFFICE_HOURS = value
    errors = [error for error in run_checks() if error.id == "workcalendar.E001"]
    assert errors and "GONGKAI_OFFICE_HOURS" in errors[0].msg


def test_office_hours_parse():
    assert parse_office_hours(" 08:30-12:00 , 13:00-17:00 ") == (
        (datetime.time(8, 30), datetime.time(12, 0)),
        (datetime.time(13, 0), datetime.time(17, 0)),
    )
