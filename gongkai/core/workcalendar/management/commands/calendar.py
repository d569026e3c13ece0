"""`gongkai calendar`: query the work calendar, compute deadlines, import a year, show the status.

    gongkai calendar is-working-day 2026-10-10        → yes | no
    gongkai calendar add-working-days 2026-09-30 1    → 2026-10-08
    gongkai calendar import holidays-2027.csv [--replace] [--dry-run]
    gongkai calendar status

A year the calendar does not know is an error (message on stderr, exit status 1). The import file
format is described in docs/calendar.md.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from gongkai.core.workcalendar import selectors, services
from gongkai.core.workcalendar.errors import CalendarImportError, CalendarNotAvailable
from gongkai.core.workcalendar.importfile import parse_holiday_file


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("“%(value)s”不是有效日期（应为 YYYY-MM-DD）。") % {"value": value}) from None


def _year_ranges(years: list[int]) -> str:
    ranges: list[list[int]] = []
    for year in years:
        if ranges and ranges[-1][1] == year - 1:
            ranges[-1][1] = year
        else:
            ranges.append([year, year])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in ranges)


class Command(BaseCommand):
    help = "工作日历：查询、推算、导入 / Work calendar: query, compute, import"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        query = sub.add_parser("is-working-day", help="某日是否工作日，输出 yes 或 no / prints yes or no")
        query.add_argument("date", help="YYYY-MM-DD")
        add = sub.add_parser(
            "add-working-days", help="起始日之后第 N 个工作日 / the Nth working day after a date"
        )
        add.add_argument("start", help="YYYY-MM-DD")
        add.add_argument("days", type=int)
        load = sub.add_parser("import", help="导入一年的放假安排 / import one year's holiday notice")
        load.add_argument("file", help="CSV 文件，格式见 docs/calendar.md / CSV file, see docs/calendar.md")
        load.add_argument("--replace", action="store_true", help="覆盖已有年份 / overwrite a known year")
        load.add_argument("--dry-run", action="store_true", help="只检查不写入 / validate only")
        sub.add_parser("status", help="已知年份及缺失提醒 / known years and warnings")

    def handle(self, *args, **options) -> None:
        methods = {
            "is-working-day": "is_working_day",
            "add-working-days": "add_working_days",
            "import": "import_file",
            "status": "status",
        }
        handler: Callable[..., None] = getattr(self, methods[options["subcommand"]])
        try:
            handler(**options)
        except CalendarNotAvailable as exc:
            raise CommandError(str(exc)) from exc

    def is_working_day(self, *, date: str, **options) -> None:
        self.stdout.write("yes" if selectors.is_working_day(day=_date(date)) else "no")

    def add_working_days(self, *, start: str, days: int, **options) -> None:
        self.stdout.write(selectors.add_working_days(start=_date(start), days=days).isoformat())

    def import_file(self, *, file: str, replace: bool, dry_run: bool, **options) -> None:
        path = Path(file)
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except OSError as exc:
            raise CommandError(
                _("无法读取文件 %(file)s：%(error)s") % {"file": file, "error": exc.strerror}
            ) from exc
        except UnicodeDecodeError:
            raise CommandError(
                _("文件 %(file)s 不是 UTF-8 编码，请另存为 UTF-8 后重试。") % {"file": file}
            ) from None
        try:
            notice = parse_holiday_file(text=text)
            if not replace and selectors.is_year_known(year=notice.year):
                raise CalendarImportError(
                    [_("%(year)s 年的日历已存在；确需覆盖请使用 --replace。") % {"year": notice.year}]
                )
            if dry_run:
                self.stdout.write(_("检查通过（未写入）：%(year)s 年。") % {"year": notice.year})
                return
            services.calendar_year_import(notice=notice, replace=replace, note=path.name)
        except CalendarImportError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(_("导入失败，未写入任何数据。")) from exc
        holidays = sum(len(item.days()) for item in notice.holidays)
        self.stdout.write(
            self.style.SUCCESS(
                _("已导入 %(year)s 年：%(holidays)s 天假日，%(workdays)s 天调休上班。")
                % {"year": notice.year, "holidays": holidays, "workdays": len(notice.workdays)}
            )
        )

    def status(self, **options) -> None:
        rows = list(selectors.calendar_year_list())
        if not rows:
            self.stdout.write(_("工作日历为空。"))
        for source in ("seeded", "imported"):
            years = [row.year for row in rows if row.source == source]
            if years:
                label = rows[[row.year for row in rows].index(years[0])].get_source_display()
                self.stdout.write(_("%(label)s：%(years)s") % {"label": label, "years": _year_ranges(years)})
        edited = selectors.edited_day_count()
        if edited:
            self.stdout.write(_("人工修改的日期：%(count)s 天") % {"count": edited})
        warning = selectors.missing_next_year_warning(today=timezone.localdate())
        next_year = timezone.localdate().year + 1
        if warning:
            self.stderr.write(self.style.WARNING(warning))
        elif not selectors.is_year_known(year=next_year):
            self.stderr.write(
                self.style.WARNING(_("提醒：%(year)s 年的工作日历尚未导入。") % {"year": next_year})
            )
