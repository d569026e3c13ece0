from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gongkai.core.workcalendar import selectors
from gongkai.core.workcalendar.errors import CalendarImportError
from gongkai.core.workcalendar.importfile import parse_holiday_file
from gongkai.core.workcalendar.management.commands.calendar import Command
from gongkai.core.workcalendar.models import CalendarDay, CalendarYear, DayKind, DaySource

pytestmark = pytest.mark.django_db

D = datetime.date
EXAMPLE = Path(__file__).resolve().parents[4] / "docs" / "examples" / "holidays-2027-example.csv"


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("calendar", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_is_working_day_prints_yes_or_no():
    assert run("is-working-day", "2026-10-10") == ("yes\n", "")
    assert run("is-working-day", "2026-10-01")[0] == "no\n"


def test_add_working_days_prints_the_date():
    assert run("add-working-days", "2026-09-30", "1")[0] == "2026-10-08\n"


def test_unknown_year_is_an_error_with_a_non_zero_exit(capsys):
    with pytest.raises(CommandError, match="2027"):
        run("is-working-day", "2027-01-04")
    # As run from the shell: message on stderr, exit status 1, nothing on stdout.
    with pytest.raises(SystemExit) as excinfo:
        Command().run_from_argv(["gongkai", "calendar", "is-working-day", "2027-01-04"])
    assert excinfo.value.code == 1
    captured = capsys.readouterr()
    assert "2027" in captured.err and captured.out == ""


def test_bad_date_is_an_error():
    with pytest.raises(CommandError, match="2026-02-30"):
        run("is-working-day", "2026-02-30")


def test_import_the_example_file(tmp_path):
    out, _ = run("import", str(EXAMPLE))
    assert "2027" in out
    assert selectors.is_year_known(year=2027)
    assert CalendarDay.objects.filter(date__year=2027).count() == 365
    assert CalendarYear.objects.get(year=2027).source == DaySource.IMPORTED
    assert selectors.is_working_day(day=D(2027, 10, 9)) is True  # a 调休 Saturday in the example
    assert selectors.day_info(day=D(2027, 10, 1)).holiday_name == "国庆节"
    assert selectors.day_info(day=D(2027, 10, 9)).kind == DayKind.MAKEUP_WORKDAY
    assert selectors.is_working_day(day=D(2027, 3, 3)) is True
    assert selectors.is_working_day(day=D(2027, 3, 6)) is False  # ordinary Saturday
    assert selectors.add_working_days(start=D(2026, 12, 31), days=1) == D(2027, 1, 4)
    # A second import of the same year is refused unless --replace.
    with pytest.raises(CommandError):
        run("import", str(EXAMPLE))
    run("import", str(EXAMPLE), "--replace")
    assert CalendarYear.objects.get(year=2027).revision == 2


def test_import_dry_run_writes_nothing():
    out, _ = run("import", str(EXAMPLE), "--dry-run")
    assert "2027" in out
    assert not CalendarYear.objects.filter(year=2027).exists()


BAD_FILES = {
    "unknown kind": ("holiday,2027-01-01,2027-01-03,元旦\nbridge,2027-02-07,x\n", "第 2 行"),
    "bad date": ("holiday,2027-01-01,2027-13-03,元旦\n", "第 1 行"),
    "end before start": ("holiday,2027-01-05,2027-01-03,元旦\n", "结束日期早于开始日期"),
    "two years": ("holiday,2027-01-01,2027-01-03,元旦\nholiday,2028-01-01,2028-01-01,元旦\n", "多个年份"),
    "overlap": ("holiday,2027-10-01,2027-10-07,国庆节\nholiday,2027-10-06,2027-10-08,中秋节\n", "重叠"),
    "workday on a weekday": ("holiday,2027-01-01,2027-01-03,元旦\nworkday,2027-01-06,x\n", "不是周六或周日"),
    "workday inside a holiday": ("holiday,2027-10-01,2027-10-07,国庆节\nworkday,2027-10-02,x\n", "落在"),
    "duplicate workday": (
        "holiday,2027-01-01,2027-01-03,元旦\nworkday,2027-02-07,a\nworkday,2027-02-07,b\n",
        "重复",
    ),
    "missing name": ("holiday,2027-01-01,2027-01-03\n", "第 1 行"),
    "no holiday": ("# nothing\n", "没有任何假日"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_files_are_reported_and_write_nothing(name, tmp_path):
    content, expected = BAD_FILES[name]
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="未写入"):
        call_command("calendar", "import", str(path), stdout=io.StringIO(), stderr=err)
    assert expected in err.getvalue()
    assert not CalendarYear.objects.filter(year__gte=2027).exists()
    assert not CalendarDay.objects.filter(date__year__gte=2027).exists()


def test_every_error_is_listed_with_its_line():
    with pytest.raises(CalendarImportError) as excinfo:
        parse_holiday_file(
            text="kind,start,end,name\nholiday,2027-01-01,2027-01-03,元旦\nx,1\nworkday,2027-01-05\n"
        )
    assert len(excinfo.value.errors) == 2
    assert excinfo.value.errors[0].startswith("第 3 行") and excinfo.value.errors[1].startswith("第 4 行")


def test_non_utf8_file_is_refused(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("holiday,2027-01-01,2027-01-03,元旦\n".encode("gbk"))
    with pytest.raises(CommandError, match="UTF-8"):
        run("import", str(path))


def test_status_lists_years_and_warns_about_next_year():
    import time_machine

    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC), tick=False):
        out, err = run("status")
    assert "2004–2026" in out
    assert "2027" in err
    run("import", str(EXAMPLE))
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC), tick=False):
        out, err = run("status")
    assert "2027" in out and err == ""
