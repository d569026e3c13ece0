"""索引号 (index numbers) and 发文字号 (document numbers): format, counter, validation.

An index number is ``<department code>/<year>-<five-digit sequence>``, as in the requirement's own
header ``11220200795219742W/2014-09752``: the issuing department's 统一社会信用代码 (its ``code``
when it has none), the year of the document (成文日期 for policies, 生成日期 otherwise), and a
sequence counted per department and year. See docs/adr/0011-index-numbers.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

MAX_SEQUENCE = 99_999
PATTERN = re.compile(r"^(?P<code>[0-9A-Za-z][0-9A-Za-z_-]{0,49})/(?P<year>\d{4})-(?P<sequence>\d{5})$")

_COUNTER_TABLE = "publishing_indexnumbercounter"


@dataclass(frozen=True)
class IndexNumber:
    code: str
    year: int
    sequence: int

    def __str__(self) -> str:
        return format_index_number(self.code, self.year, self.sequence)


def department_code(department: Any) -> str:
    """The part of a department's index numbers before the slash."""
    return (getattr(department, "credit_code", "") or department.code).strip()


def format_index_number(code: str, year: int, sequence: int) -> str:
    return f"{code}/{year}-{sequence:05d}"


def parse(value: str) -> IndexNumber | None:
    """Return the parts of a well-formed index number, or ``None``."""
    match = PATTERN.match((value or "").strip())
    if match is None or int(match["sequence"]) == 0:
        return None
    return IndexNumber(match["code"], int(match["year"]), int(match["sequence"]))


def _upsert(department_id: int, year: int, value: int, *, bump: bool) -> int:
    """One statement: create the counter or move it on; return the counter's new value.

    ``bump`` adds one to the stored value; otherwise the counter is raised to ``value`` if it is
    lower (an imported number must not be handed out again).
    """
    table = connection.ops.quote_name(_COUNTER_TABLE)
    if bump:
        update = f"{table}.last_value + 1"  # noqa: S608 - the table name is a constant
    else:
        update = (
            f"CASE WHEN {table}.last_value < excluded.last_value "  # noqa: S608
            f"THEN excluded.last_value ELSE {table}.last_value END"
        )
    sql = (
        f"INSERT INTO {table} (department_id, year, last_value) VALUES (%s, %s, %s) "  # noqa: S608
        f"ON CONFLICT (department_id, year) DO UPDATE SET last_value = {update} "
        "RETURNING last_value"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [department_id, year, value])
        row = cursor.fetchone()
    return int(row[0])


def next_sequence(*, department_id: int, year: int) -> int:
    """Take the next sequence of ``department_id`` in ``year`` (race-free: one upsert statement)."""
    return _upsert(department_id, year, 1, bump=True)


def reserve(*, department_id: int, year: int, sequence: int) -> None:
    """Make sure the counter never hands out ``sequence`` (or a lower one) again."""
    _upsert(department_id, year, sequence, bump=False)


def assign(*, department: Any, year: int) -> str:
    """Return a new index number for a document of ``department`` formed in ``year``."""
    sequence = next_sequence(department_id=department.pk, year=year)
    if sequence > MAX_SEQUENCE:
        raise ValidationError(
            {
                "index_number": _("%(department)s %(year)s 年的索引号已用完（最多 99999 个）。")
                % {"department": department.name, "year": year}
            },
            code="index_numbers_exhausted",
        )
    return format_index_number(department_code(department), year, sequence)


def validate(value: str, *, department: Any, year: int, page_id: int | None) -> IndexNumber:
    """Check an index number given by hand or by an import; raise ``ValidationError`` (Chinese).

    The code must be the department's, the year the document's, and no other document may hold it.
    """
    from gongkai.publishing.models import CatalogueEntry

    parsed = parse(value)
    if parsed is None:
        raise ValidationError(
            _(
                "索引号“%(value)s”格式不正确，应为“统一社会信用代码/年份-五位序号”，如 11220200795219742W/2014-09752。"
            )
            % {"value": value},
            code="index_number_format",
        )
    expected_code = department_code(department)
    if parsed.code.upper() != expected_code.upper():
        raise ValidationError(
            _("索引号“%(value)s”与发文机关不符：%(department)s 的索引号应以“%(code)s/”开头。")
            % {"value": value, "department": department.name, "code": expected_code},
            code="index_number_department",
        )
    if parsed.year != year:
        raise ValidationError(
            _("索引号“%(value)s”的年份 %(given)s 与文件的年份 %(year)s 不符。")
            % {"value": value, "given": parsed.year, "year": year},
            code="index_number_year",
        )
    taken = CatalogueEntry.objects.filter(index_number=value)
    if page_id is not None:
        taken = taken.exclude(page_id=page_id)
    holder = taken.values_list("title", flat=True).first()
    if holder is not None:
        raise ValidationError(
            _("索引号“%(value)s”已被《%(title)s》使用。") % {"value": value, "title": holder},
            code="index_number_taken",
        )
    return parsed


# --- 发文字号 ----------------------------------------------------------------------------------------

_BRACKETS = str.maketrans(
    {"(": "〔", ")": "〕", "（": "〔", "）": "〕", "[": "〔", "]": "〕", "［": "〔", "］": "〕"}
)


def normalize_document_number(value: str) -> str:
    """The canonical form of a 发文字号: the year in 六角括号 〔〕 (GB/T 9704), no spaces.

    ``吉市政办发(2014)2号`` and ``吉市政办发（2014）2号`` both become ``吉市政办发〔2014〕2号``.
    """
    return "".join((value or "").split()).translate(_BRACKETS)


def document_number_holder(number: str, *, department_id: int, year: int, page_id: int | None) -> str | None:
    """Return the title of another document of the department that uses ``number`` in ``year``."""
    from gongkai.publishing.models import CatalogueEntry

    taken = CatalogueEntry.objects.filter(
        department_id=department_id, document_number_key=normalize_document_number(number), year=year
    )
    if page_id is not None:
        taken = taken.exclude(page_id=page_id)
    return taken.values_list("title", flat=True).first()
