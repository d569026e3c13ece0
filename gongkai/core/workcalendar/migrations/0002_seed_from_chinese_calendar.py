"""Seed the work calendar from the chinese-calendar package, for every year it covers (2004–2026).

Uses only the historical models (apps.get_model) and the third-party package, never app code, so
that the migration keeps working whatever the app becomes. Years the package does not cover must
be imported from the State Council notice with `gongkai calendar import`.
"""

import datetime

from django.db import migrations

FIRST_PROBED_YEAR = 1990
LAST_PROBED_YEAR = 2100


def covered_years(chinese_calendar):
    years = []
    for year in range(FIRST_PROBED_YEAR, LAST_PROBED_YEAR + 1):
        try:
            chinese_calendar.is_workday(datetime.date(year, 1, 1))
            chinese_calendar.is_workday(datetime.date(year, 12, 31))
        except NotImplementedError:
            continue
        years.append(year)
    return years


def seed(apps, schema_editor):
    import chinese_calendar

    CalendarDay = apps.get_model("workcalendar", "CalendarDay")
    CalendarYear = apps.get_model("workcalendar", "CalendarYear")
    chinese_names = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}
    holidays = chinese_calendar.constants.holidays
    workdays = chinese_calendar.constants.workdays

    years = [year for year in covered_years(chinese_calendar) if not CalendarYear.objects.filter(year=year).exists()]
    rows = []
    for year in years:
        day = datetime.date(year, 1, 1)
        while day.year == year:
            is_weekend = day.weekday() >= 5
            if day in holidays:
                kind, working, name = "holiday", False, holidays[day]
            elif day in workdays:
                # A weekday in `workdays` would be an ordinary working day; only weekends are 调休上班.
                kind, working, name = ("makeup_workday" if is_weekend else "workday"), True, workdays[day]
            elif is_weekend:
                kind, working, name = "weekend", False, ""
            else:
                kind, working, name = "workday", True, ""
            rows.append(
                CalendarDay(
                    date=day,
                    is_working_day=working,
                    kind=kind,
                    holiday_name=chinese_names.get(name, name or ""),
                    source="seeded",
                )
            )
            day += datetime.timedelta(days=1)
    CalendarDay.objects.bulk_create(rows, batch_size=1000)
    CalendarYear.objects.bulk_create(
        [CalendarYear(year=year, source="seeded", note="chinese-calendar") for year in years]
    )


def unseed(apps, schema_editor):
    CalendarDay = apps.get_model("workcalendar", "CalendarDay")
    CalendarYear = apps.get_model("workcalendar", "CalendarYear")
    years = list(CalendarYear.objects.filter(source="seeded").values_list("year", flat=True))
    for year in years:
        CalendarDay.objects.filter(date__year=year).delete()
    CalendarYear.objects.filter(year__in=years).delete()


class Migration(migrations.Migration):
    dependencies = [("workcalendar", "0001_calendar_days_and_clocks")]

    operations = [migrations.RunPython(seed, unseed)]
