"""Import posts from a JSONL or CSV file (``gongkai opinion import FILE --source CODE``).

Each line (JSONL) or row (CSV) is one post with the fields of the ingest API (``validation.FIELDS``:
``external_id``, ``text``, ``published_at`` required; the others optional). A bad line is reported
with its line number and the reason and the others are taken, in batches, through the same
``services.ingest_posts`` as the API: a second run of the same file stores nothing twice.

CSV: a header row names the columns (an unknown column stops the import before anything is read,
since every row would fail); empty cells take the field's default; UTF-8 with or without a BOM
(Excel's "CSV UTF-8") by default, ``--encoding gb18030`` for files saved by older Chinese Excel.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from gongkai.opinion import services
from gongkai.opinion.analysis.types import RawPost
from gongkai.opinion.models import Source
from gongkai.opinion.validation import FIELDS, PostProblem, raw_post_parse

REQUIRED = ("external_id", "published_at")
_YES_NO = {"是": "true", "否": "false"}
# A cell longer than the csv module's default limit (128 KB) is refused by the post's own checks,
# line by line, instead of stopping the import.
_FIELD_LIMIT = 16 * 1024 * 1024
FORMATS = ("jsonl", "csv")


class ImportRefused(Exception):
    """The file can't be imported at all (unknown format, unreadable, bad CSV header)."""


@dataclass
class ImportReport:
    lines: int = 0  # posts read (non-blank lines or rows)
    created: int = 0
    duplicates_skipped: int = 0
    problems: list[PostProblem] = field(default_factory=list)  # index = line number


def detect_format(path: Path, given: str | None) -> str:
    if given:
        return given
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return "jsonl"
    if suffix in {".csv", ".txt"}:
        return "csv"
    raise ImportRefused(
        f"无法从扩展名判断格式，请用 --format jsonl|csv / cannot tell the format of {path.name}"
    )


def _jsonl_items(handle: IO[str]) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            yield number, PostProblem(number, "", "", f"not valid JSON: {str(exc)[:120]}")


def _csv_items(handle: IO[str]) -> Iterator[tuple[int, Any]]:
    if csv.field_size_limit() < _FIELD_LIMIT:
        csv.field_size_limit(_FIELD_LIMIT)
    reader = csv.DictReader(handle)
    header = [name.strip() for name in (reader.fieldnames or [])]
    if not header:
        return
    unknown = [name for name in header if name not in FIELDS]
    missing = [name for name in REQUIRED if name not in header]
    if "text" not in header and "title" not in header:
        missing.append("text")
    if unknown or missing:
        parts = []
        if unknown:
            parts.append(f"unknown columns {', '.join(unknown)}")
        if missing:
            parts.append(f"missing columns {', '.join(missing)}")
        raise ImportRefused(
            f"CSV 表头有误 / bad CSV header: {'; '.join(parts)} (columns: {', '.join(FIELDS)})"
        )
    reader.fieldnames = header
    start = 2
    for row in reader:
        number = start
        start = reader.line_num + 1
        if None in row:  # more cells than columns
            yield (
                number,
                PostProblem(number, str(row.get("external_id") or ""), "", "more cells than columns"),
            )
            continue
        values = {name: value for name, value in row.items() if value not in (None, "")}
        if values.get("verified") in _YES_NO:
            values["verified"] = _YES_NO[values["verified"]]
        if not values:
            continue
        yield number, values


def read_posts(handle: IO[str], *, source_code: str, fmt: str) -> Iterator[tuple[int, RawPost | PostProblem]]:
    """Each post of the file as ``(line number, RawPost or PostProblem)``."""
    items = _jsonl_items(handle) if fmt == "jsonl" else _csv_items(handle)
    for number, item in items:
        if isinstance(item, PostProblem):
            yield number, item
        else:
            yield number, raw_post_parse(item, source_code=source_code, index=number)


def _ingest(source: Source, batch: list[tuple[int, RawPost]], report: ImportReport) -> None:
    result = services.ingest_posts(source, [post for _number, post in batch])
    report.created += result.created
    report.duplicates_skipped += result.duplicates_skipped
    for problem in result.errors:
        problem.index = batch[problem.index][0]
        report.problems.append(problem)


def import_file(
    path: str | Path,
    *,
    source: Source,
    fmt: str | None = None,
    encoding: str = "utf-8-sig",
    batch_size: int = 2000,
    dry_run: bool = False,
) -> ImportReport:
    """Import the file's posts into ``source``; see the module docstring."""
    path = Path(path)
    fmt = detect_format(path, fmt)
    if fmt not in FORMATS:
        raise ImportRefused(f"unknown format {fmt!r}")
    report = ImportReport()
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise ImportRefused(f"无法读取文件 / cannot read {path}: {exc.strerror}") from exc
    with raw, io.TextIOWrapper(raw, encoding=encoding, newline="") as handle:
        batch: list[tuple[int, RawPost]] = []
        try:
            for number, parsed in read_posts(handle, source_code=source.code, fmt=fmt):
                report.lines += 1
                if isinstance(parsed, PostProblem):
                    report.problems.append(parsed)
                    continue
                batch.append((number, parsed))
                if len(batch) >= batch_size:
                    if not dry_run:
                        _ingest(source, batch, report)
                    batch = []
        except UnicodeDecodeError as exc:
            raise ImportRefused(
                f"文件不是 {encoding} 编码，请用 --encoding 指定 / the file is not {encoding}: {exc.reason}"
                f" (after {report.lines} posts; the batches before were imported)"
            ) from exc
        except csv.Error as exc:
            raise ImportRefused(f"CSV 格式有误 / malformed CSV: {exc}") from exc
        if batch and not dry_run:
            _ingest(source, batch, report)
    report.problems.sort(key=lambda problem: problem.index)
    return report
