"""The holiday file: one year of the State Council's holiday notice (国务院办公厅关于某年部分节假日安排的通知).

Format (UTF-8, one record a line, comma-separated; see docs/calendar.md and
docs/examples/holidays-2027-example.csv)::

    # comment lines and blank lines are ignored; an optional header "kind,start,end,name" too
    holiday,2027-01-01,2027-01-03,元旦          # days off, first and last day inclusive
    holiday,2027-10-01,2027-10-07,国庆节、中秋节
    workday,2027-09-26,国庆节调休                # a weekend day worked instead (调休上班)

Every line is checked and every error reported with its line number; the result is either a
complete ``HolidayNotice`` or a ``CalendarImportError`` listing all errors.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _

from gongkai.core.workcalendar.errors import CalendarImportError

MAX_NAME_LENGTH = 50


@dataclass(frozen=True, slots=True)
class HolidayRange:
    start: datetime.date
    end: datetime.date
    name: str
    line: int

    def days(self) -> list[datetime.date]:
        return [
            self.start + datetime.timedelta(days=offset) for offset in range((self.end - self.start).days + 1)
        ]


@dataclass(frozen=True, slots=True)
class MakeupWorkday:
    date: datetime.date
    name: str
    line: int


@dataclass(frozen=True, slots=True)
class HolidayNotice:
    year: int
    holidays: tuple[HolidayRange, ...]
    workdays: tuple[MakeupWorkday, ...]


def _parse_date(value: str, line: int, errors: list[str]) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        errors.append(
            _("第 %(line)s 行：“%(value)s”不是有效日期（应为 YYYY-MM-DD）。") % {"line": line, "value": value}
        )
        return None


def parse_holiday_file(*, text: str) -> HolidayNotice:
    """Parse and fully validate a holiday file; raise ``CalendarImportError`` listing every error.

    Rules: kinds are ``holiday`` (start, end, name) and ``workday`` (date, optional name); all dates
    in one year; holiday ranges do not overlap; a make-up working day is a Saturday or Sunday
    outside every holiday range and appears once; at least one holiday.
    """
    errors: list[str] = []
    holidays: list[HolidayRange] = []
    workdays: list[MakeupWorkday] = []
    text = text.lstrip("\ufeff")  # a BOM left by spreadsheet programs
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        fields = [field.strip() for field in row]
        if not fields or not any(fields) or fields[0].startswith("#"):
            continue
        kind = fields[0].lower()
        if kind in {"kind", "类型"} and not holidays and not workdays:
            continue  # header
        if kind == "holiday":
            if len(fields) != 4 or not fields[3]:
                errors.append(
                    _("第 %(line)s 行：假日行应为 holiday,开始日期,结束日期,名称。") % {"line": number}
                )
                continue
            start = _parse_date(fields[1], number, errors)
            end = _parse_date(fields[2], number, errors)
            if start is None or end is None:
                continue
            if end < start:
                errors.append(_("第 %(line)s 行：结束日期早于开始日期。") % {"line": number})
                continue
            if len(fields[3]) > MAX_NAME_LENGTH:
                errors.append(_("第 %(line)s 行：名称太长（最多 50 个字）。") % {"line": number})
                continue
            holidays.append(HolidayRange(start, end, fields[3], number))
        elif kind == "workday":
            if len(fields) not in (2, 3):
                errors.append(_("第 %(line)s 行：调休上班行应为 workday,日期,说明。") % {"line": number})
                continue
            day = _parse_date(fields[1], number, errors)
            if day is None:
                continue
            name = fields[2] if len(fields) == 3 else ""
            if len(name) > MAX_NAME_LENGTH:
                errors.append(_("第 %(line)s 行：名称太长（最多 50 个字）。") % {"line": number})
                continue
            if day.weekday() < 5:
                errors.append(
                    _("第 %(line)s 行：%(date)s 不是周六或周日，无需登记为调休上班。")
                    % {"line": number, "date": day.isoformat()}
                )
                continue
            workdays.append(MakeupWorkday(day, name, number))
        else:
            errors.append(
                _("第 %(line)s 行：未知类型“%(kind)s”，应为 holiday 或 workday。")
                % {"line": number, "kind": fields[0]}
            )

    years = {day for item in holidays for day in (item.start.year, item.end.year)} | {
        item.date.year for item in workdays
    }
    if not holidays and not errors:
        errors.append(_("文件中没有任何假日（holiday 行）。"))
    if len(years) > 1:
        errors.append(
            _("文件中的日期跨越多个年份（%(years)s），一个文件只能包含一年。")
            % {"years": "、".join(str(year) for year in sorted(years))}
        )
    ordered = sorted(holidays, key=lambda item: item.start)
    for previous, current in zip(ordered, ordered[1:], strict=False):
        if current.start <= previous.end:
            errors.append(
                _("第 %(line)s 行：假日与第 %(other)s 行重叠。")
                % {"line": current.line, "other": previous.line}
            )
    seen: dict[datetime.date, int] = {}
    for workday in workdays:
        if workday.date in seen:
            errors.append(
                _("第 %(line)s 行：%(date)s 与第 %(other)s 行重复。")
                % {"line": workday.line, "date": workday.date.isoformat(), "other": seen[workday.date]}
            )
        seen.setdefault(workday.date, workday.line)
        for holiday in holidays:
            if holiday.start <= workday.date <= holiday.end:
                errors.append(
                    _("第 %(line)s 行：调休上班日 %(date)s 落在第 %(other)s 行的假日之内。")
                    % {"line": workday.line, "date": workday.date.isoformat(), "other": holiday.line}
                )
    if errors:
        raise CalendarImportError(errors)
    return HolidayNotice(year=years.pop(), holidays=tuple(ordered), workdays=tuple(workdays))
