"""Import existing documents from a CSV file, or a folder with ``metadata.csv`` and body files.

All or nothing: every row is read and validated first (with the same rules as the admin: 索引号,
发文字号, 成文日期, legal ground …); if any row is wrong, nothing is written and every problem is
reported with its row number and column. Idempotent on 索引号: a row whose 索引号 exists updates
that document (a row without one is matched by type, department, title and date). The columns are
documented in docs/publishing.md.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongkai.publishing import rich_text, services, uploads
from gongkai.publishing.models import (
    DOCUMENT_MODELS,
    CatalogueEntry,
    DisclosureAttribute,
    DisclosureDocumentPage,
    DocumentType,
    EmergencyUpdate,
    EmergencyUpdateKind,
    EventKind,
    Genre,
    InterpretationAuthor,
    InterpretationForm,
    LegalGround,
    NormativeKind,
    PolicyDocumentPage,
    PressReleaseKind,
    Topic,
    Validity,
)

MAX_ROWS = 20_000
MAX_BODY_BYTES = 2 * 1024 * 1024

# Column → (attribute, kind). Kinds: str, text (multi-line), date, datetime, bool, rich, or a
# TextChoices class (the value or its Chinese label).
COMMON_COLUMNS: dict[str, tuple[str, Any]] = {
    "title": ("title", "str"),
    "summary": ("summary", "text"),
    "formed_at": ("formed_at", "date"),
    "disclosure_attribute": ("disclosure_attribute", DisclosureAttribute),
    "legal_ground": ("legal_ground", LegalGround),
    "legal_ground_explanation": ("legal_ground_explanation", "text"),
}
TYPE_COLUMNS: dict[str, dict[str, tuple[str, Any]]] = {
    DocumentType.POLICY: {
        "document_number": ("document_number", "str"),
        "written_on": ("written_on", "date"),
        "genre": ("genre", Genre),
        "subject_words": ("subject_words", "str"),
        "validity": ("validity", Validity),
        "normative_kind": ("normative_kind", NormativeKind),
        "repealed_on": ("repealed_on", "date"),
        "needs_interpretation": ("needs_interpretation", "bool"),
    },
    DocumentType.INTERPRETATION: {
        "form": ("form", InterpretationForm),
        "author_kind": ("author_kind", InterpretationAuthor),
        "expert_name": ("expert_name", "str"),
        "expert_title": ("expert_title", "str"),
        "video_url": ("video_url", "str"),
    },
    DocumentType.PRESS_RELEASE: {
        "release_kind": ("release_kind", PressReleaseKind),
        "spokesperson": ("spokesperson", "str"),
        "held_at": ("held_at", "datetime"),
        "venue": ("venue", "str"),
    },
    DocumentType.ANNOUNCEMENT: {"valid_until": ("valid_until", "date")},
    DocumentType.EVENT: {
        "event_kind": ("event_kind", EventKind),
        "starts_at": ("starts_at", "datetime"),
        "ends_at": ("ends_at", "datetime"),
        "place": ("place", "str"),
        "organizer": ("organizer", "str"),
        "traffic_arrangements": ("traffic_arrangements", "rich"),
    },
    DocumentType.EMERGENCY: {
        "is_open": ("is_open", "bool"),
        "level": ("level", "str"),
        "occurred_at": ("occurred_at", "datetime"),
        "location": ("location", "str"),
    },
    DocumentType.RUMOR: {
        "rumor": ("rumor", "text"),
        "facts": ("facts", "rich"),
        "evidence": ("evidence", "rich"),
        "answers_description": ("answers_description", "str"),
        "answers_url": ("answers_url", "str"),
    },
}
SPECIAL_COLUMNS = {
    "type",
    "department",
    "index_number",
    "category",
    "published_at",
    "body",
    "body_file",
    "attachments",
    "policy",
    "changed_by",
    "updates",
}
ALL_COLUMNS = (
    SPECIAL_COLUMNS | set(COMMON_COLUMNS) | {name for columns in TYPE_COLUMNS.values() for name in columns}
)
ALIASES = {
    "类型": "type",
    "标题": "title",
    "名称": "title",
    "发文机关": "department",
    "发布机构": "department",
    "索引号": "index_number",
    "分类": "category",
    "主题分类": "category",
    "发布日期": "published_at",
    "生成日期": "formed_at",
    "内容概述": "summary",
    "正文": "body",
    "正文文件": "body_file",
    "附件": "attachments",
    "公开属性": "disclosure_attribute",
    "发文字号": "document_number",
    "成文日期": "written_on",
    "文种": "genre",
    "主题词": "subject_words",
    "有效性": "validity",
    "规章或规范性文件": "normative_kind",
    "废止或失效日期": "repealed_on",
}
# The tree and bookkeeping fields of a page that is not in the tree yet.
_NOT_VALIDATED = [
    "path",
    "depth",
    "numchild",
    "url_path",
    "slug",
    "draft_title",
    "locale",
    "translation_key",
    "content_type",
    "index_number",
    "policy",
    "changed_by",
]


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = _("第 %(row)s 行") % {"row": self.row}
        if self.column:
            where += f"（{self.column}）"
        return f"{where}：{self.message}"


class ImportFailed(Exception):
    """Nothing was written; ``errors`` says what is wrong, row by row."""

    def __init__(self, errors: list[RowError]):
        super().__init__("\n".join(str(error) for error in errors))
        self.errors = errors


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    drafts: list[str] = field(default_factory=list)
    """Index numbers of documents left as drafts (not 主动公开, or published without --publish)."""


@dataclass
class _Row:
    number: int
    doc_type: str
    page: DisclosureDocumentPage
    existing: bool
    changed: bool
    published_at: datetime.datetime | None
    category_name: str = ""
    policy_ref: str = ""
    changed_by_ref: str = ""
    attachments: list[tuple[str, bytes]] = field(default_factory=list)
    updates: list[EmergencyUpdate] | None = None


# --- Reading -------------------------------------------------------------------------------------------


def read_source(path: str | Path) -> tuple[list[dict[str, str]], Path]:
    """Return the rows of a CSV file, or of ``metadata.csv`` in a folder, and the base folder."""
    source = Path(path)
    if source.is_dir():
        candidates = (
            [source / "metadata.csv"] if (source / "metadata.csv").exists() else sorted(source.glob("*.csv"))
        )
        if len(candidates) != 1:
            raise ImportFailed([RowError(0, "", _("文件夹中应有 metadata.csv（或唯一的一个 .csv 文件）。"))])
        source = candidates[0]
    if not source.is_file():
        raise ImportFailed([RowError(0, "", _("找不到文件：%(path)s") % {"path": str(path)})])
    data = source.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes almost anything
        raise ImportFailed([RowError(0, "", _("CSV 文件不是 UTF-8 或 GB18030 编码。"))])
    return parse_csv(text), source.parent


def parse_csv(text: str) -> list[dict[str, str]]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFailed([RowError(1, "", _("CSV 文件是空的。"))]) from None
    columns = [ALIASES.get(name.strip(), name.strip()) for name in header]
    unknown = [name for name in columns if name not in ALL_COLUMNS]
    if unknown:
        raise ImportFailed(
            [RowError(1, name, _("未知的列“%(name)s”。") % {"name": name}) for name in unknown]
        )
    if "type" not in columns or "title" not in columns or "department" not in columns:
        raise ImportFailed([RowError(1, "", _("CSV 文件必须有 type、title、department 三列。"))])
    rows: list[dict[str, str]] = []
    for values in reader:
        if not any(value.strip() for value in values):
            rows.append({})
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportFailed([RowError(len(rows) + 2, "", _("一次最多导入 %(n)s 行。") % {"n": MAX_ROWS})])
        rows.append({name: (values[i] if i < len(values) else "") for i, name in enumerate(columns)})
    return rows


# --- Values --------------------------------------------------------------------------------------------

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATETIME = re.compile(r"^(.+?)(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def parse_date(value: str) -> datetime.date:
    match = _DATE.match(value.strip())
    if match is None:
        raise ValueError(
            _("日期“%(value)s”格式不正确，应为 2024-03-01 或 2024年03月01日。") % {"value": value}
        )
    try:
        return datetime.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ValueError(_("日期“%(value)s”不存在。") % {"value": value}) from None


def parse_datetime(value: str) -> datetime.datetime:
    match = _DATETIME.match(value.strip())
    if match is None:  # pragma: no cover - the pattern matches any non-empty text
        raise ValueError(_("时间“%(value)s”格式不正确。") % {"value": value})
    day = parse_date(match[1])
    hour, minute, second = int(match[2] or 0), int(match[3] or 0), int(match[4] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(_("时间“%(value)s”不存在。") % {"value": value})
    naive = datetime.datetime.combine(day, datetime.time(hour, minute, second))
    return timezone.make_aware(naive)  # in Asia/Shanghai, the time zone of the documents


def parse_bool(value: str) -> bool:
    text = value.strip().lower()
    if text in {"1", "true", "yes", "y", "是", "对"}:
        return True
    if text in {"0", "false", "no", "n", "否", "不"}:
        return False
    raise ValueError(_("“%(value)s”应为“是”或“否”。") % {"value": value})


def parse_choice(value: str, choices: type[models.TextChoices]) -> str:
    text = value.strip()
    for choice_value, label in choices.choices:
        if text in (choice_value, str(label)):
            return choice_value
    allowed = "、".join(str(label) for _value, label in choices.choices)
    raise ValueError(_("“%(value)s”不是可选值（%(allowed)s）。") % {"value": value, "allowed": allowed})


def parse_rich(value: str) -> str:
    text = value.strip()
    if text.startswith("<"):
        return rich_text.sanitize(text)
    return rich_text.sanitize(rich_text.from_plain_text(text))


def convert(value: str, kind: Any) -> Any:
    if kind == "str":
        return " ".join(value.split())
    if kind == "text":
        return value.strip()
    if kind == "date":
        return parse_date(value)
    if kind == "datetime":
        return parse_datetime(value)
    if kind == "bool":
        return parse_bool(value)
    if kind == "rich":
        return parse_rich(value)
    return parse_choice(value, kind)


def parse_updates(value: str) -> list[EmergencyUpdate]:
    """``时间|类别|内容`` per line, e.g. ``2025-07-01 09:00|progress|江水位开始回落``."""
    updates = []
    for line in value.splitlines():
        if not line.strip():
            continue
        parts = line.split("|", 2)
        if len(parts) != 3:
            raise ValueError(_("事件动态每行应为“时间|类别|内容”：%(line)s") % {"line": line[:60]})
        updates.append(
            EmergencyUpdate(
                at=parse_datetime(parts[0]),
                kind=parse_choice(parts[1], EmergencyUpdateKind),
                text=parts[2].strip(),
            )
        )
    return updates


# --- Validation ----------------------------------------------------------------------------------------


def _messages(exc: ValidationError) -> list[tuple[str, str]]:
    if hasattr(exc, "error_dict"):
        return [(name, str(message)) for name, errors in exc.message_dict.items() for message in errors]
    return [("", str(message)) for message in exc.messages]


def _read_file(base_dir: Path | None, name: str) -> bytes:
    if base_dir is None:
        raise ValueError(_("只有从文件或文件夹导入时才能引用文件。"))
    root = base_dir.resolve()
    path = (root / name.strip()).resolve()
    if root not in path.parents:
        raise ValueError(_("文件“%(name)s”不在导入文件夹内。") % {"name": name})
    if not path.is_file():
        raise ValueError(_("找不到文件“%(name)s”。") % {"name": name})
    return path.read_bytes()


def _body(values: dict[str, str], base_dir: Path | None) -> str | None:
    if values.get("body_file", "").strip():
        name = values["body_file"].strip()
        data = _read_file(base_dir, name)
        if len(data) > MAX_BODY_BYTES:
            raise ValueError(_("正文文件“%(name)s”超过 2 MB。") % {"name": name})
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover
            raise ValueError(_("正文文件“%(name)s”不是 UTF-8 或 GB18030 编码。") % {"name": name})
        if name.lower().endswith((".html", ".htm")):
            return rich_text.sanitize(text)
        if name.lower().endswith(".txt"):
            return rich_text.sanitize(rich_text.from_plain_text(text))
        raise ValueError(_("正文文件只能是 .txt 或 .html：%(name)s") % {"name": name})
    if values.get("body", "").strip():
        return parse_rich(values["body"])
    return None


def _existing(doc_type: str, department_id: int, index_number: str, title: str, date: Any) -> int | None:
    if index_number:
        return (
            CatalogueEntry.objects.filter(index_number=index_number).values_list("page_id", flat=True).first()
        )
    entries = CatalogueEntry.objects.filter(doc_type=doc_type, department_id=department_id, title=title)
    if date is not None:
        entries = entries.filter(year=date.year)
    return entries.values_list("page_id", flat=True).first()


def _department(value: str, cache: dict[str, Any]) -> Any:
    from gongkai.accounts.models import Department

    key = value.strip()
    if key not in cache:
        cache[key] = (
            Department.objects.filter(code=key).first()
            or Department.objects.filter(credit_code=key.upper()).first()
            or Department.objects.filter(name=key).first()
        )
    return cache[key]


def _validate_row(
    number: int, values: dict[str, str], base_dir: Path | None, departments: dict[str, Any]
) -> tuple[_Row | None, list[RowError]]:
    errors: list[RowError] = []

    def error(column: str, message: str) -> None:
        errors.append(RowError(number, column, message))

    try:
        doc_type = parse_choice(values.get("type", ""), DocumentType)
    except ValueError as exc:
        error("type", str(exc))
        return None, errors
    model = DOCUMENT_MODELS[doc_type]
    title = " ".join(values.get("title", "").split())
    if not title:
        error("title", _("标题不能为空。"))
    department = _department(values.get("department", ""), departments)
    if department is None:
        error(
            "department",
            _("找不到机构“%(value)s”（填机构代码、统一社会信用代码或全称）。")
            % {"value": values.get("department", "")},
        )
        return None, errors
    columns = {**COMMON_COLUMNS, **TYPE_COLUMNS[doc_type]}
    for name, value in values.items():
        if value.strip() and name not in columns and name not in SPECIAL_COLUMNS:
            error(name, _("“%(type)s”没有这一列。") % {"type": DocumentType(doc_type).label})
    converted: dict[str, Any] = {}
    for name, (attribute, kind) in columns.items():
        value = values.get(name, "")
        if not value.strip() or name == "title":
            continue
        try:
            converted[attribute] = convert(value, kind)
        except ValueError as exc:
            error(name, str(exc))
    published_at = None
    if values.get("published_at", "").strip():
        try:
            published_at = parse_datetime(values["published_at"])
            if published_at > timezone.now():
                error("published_at", _("发布日期不能晚于现在。"))
        except ValueError as exc:
            error("published_at", str(exc))
    try:
        body = _body(values, base_dir)
    except ValueError as exc:
        error("body_file" if values.get("body_file", "").strip() else "body", str(exc))
        body = None
    if body is not None:
        converted["body"] = body
    if "formed_at" not in converted:
        default = converted.get("written_on") or (timezone.localdate(published_at) if published_at else None)
        if default is not None:
            converted["formed_at"] = default
    index_number = values.get("index_number", "").strip()
    date = converted.get("written_on") or converted.get("formed_at")
    existing_id = _existing(doc_type, department.pk, index_number, title, date)
    if existing_id is not None:
        page = model.objects.filter(pk=existing_id).first()
        if page is None:
            error("index_number", _("索引号“%(value)s”已被另一类文件使用。") % {"value": index_number})
            return None, errors
    else:
        page = model()
    assignments = {"title": title, "department": department, **converted}
    if index_number:
        assignments["index_number"] = index_number
    watched = [*assignments, "policy_id", "changed_by_id"]
    before = {attribute: getattr(page, attribute, None) for attribute in watched}
    for attribute, value in assignments.items():
        setattr(page, attribute, value)
    row = _Row(
        number=number,
        doc_type=doc_type,
        page=page,
        existing=existing_id is not None,
        changed=existing_id is None,
        published_at=published_at,
        category_name=" ".join(values.get("category", "").split())[:60],
        policy_ref=values.get("policy", "").strip(),
        changed_by_ref=values.get("changed_by", "").strip(),
    )
    if row.category_name and (page.category is None or page.category.name != row.category_name):
        row.changed = True
    if values.get("policy", "").strip() and doc_type != DocumentType.INTERPRETATION:
        error("policy", _("只有政策解读可以填写所解读的政策文件。"))
    if values.get("changed_by", "").strip() and doc_type != DocumentType.POLICY:
        error("changed_by", _("只有政策文件可以填写修改或废止它的文件。"))
    if (
        doc_type == DocumentType.INTERPRETATION
        and not row.policy_ref
        and not getattr(page, "policy_id", None)
    ):
        error("policy", _("政策解读必须填写所解读政策文件的索引号。"))
    if values.get("updates", "").strip():
        if doc_type != DocumentType.EMERGENCY:
            error("updates", _("只有突发事件可以填写事件动态。"))
        else:
            try:
                row.updates = parse_updates(values["updates"])
            except ValueError as exc:
                error("updates", str(exc))
            else:
                old = [(u.at, u.kind, u.text) for u in page.updates.all()] if row.existing else []  # type: ignore[attr-defined]
                if old != [(u.at, u.kind, u.text) for u in row.updates]:
                    row.changed = True
    for name in filter(None, (part.strip() for part in values.get("attachments", "").split(";"))):
        try:
            data = _read_file(base_dir, name)
            uploads.check_attachment(name, data)
            row.attachments.append((name, data))
        except (ValueError, ValidationError) as exc:
            error("attachments", exc.messages[0] if isinstance(exc, ValidationError) else str(exc))
    if row.attachments and not hasattr(model, "attachments"):
        error("attachments", _("“%(type)s”没有附件。") % {"type": DocumentType(doc_type).label})
    for ref, attribute in (
        (row.policy_ref, "policy_id"),
        (row.changed_by_ref, "changed_by_id"),
    ):
        if not ref:
            continue
        # A policy already in the system is linked now; one in the same file when it is written.
        target = (
            CatalogueEntry.objects.filter(index_number=ref, doc_type=DocumentType.POLICY)
            .values_list("page_id", flat=True)
            .first()
        )
        if target is not None:
            setattr(page, attribute, target)
        else:
            page._reference_pending = True  # type: ignore[attr-defined]
    if errors:
        return None, errors
    try:
        page.clean_fields(exclude=_NOT_VALIDATED)
    except ValidationError as exc:
        for column, message in _messages(exc):
            error(column, message)
    try:
        page.validate_document()
    except ValidationError as exc:
        for column, message in _messages(exc):
            error(column, message)
    # Compared after validation, which normalises (发文字号 brackets, sanitised rich text).
    if any(getattr(page, attribute, None) != value for attribute, value in before.items()):
        row.changed = True
    return (row if not errors else None), errors


def validate_rows(
    rows: list[dict[str, str]], *, base_dir: Path | None = None, first_row: int = 2
) -> list[_Row]:
    """Validate every row; raise :class:`ImportFailed` with all problems, or return the parsed rows."""
    errors: list[RowError] = []
    parsed: list[_Row] = []
    departments: dict[str, Any] = {}
    seen_index: dict[str, int] = {}
    seen_numbers: dict[tuple[int, str, int], int] = {}
    for offset, values in enumerate(rows):
        number = first_row + offset
        if not values:
            continue
        row, row_errors = _validate_row(number, values, base_dir, departments)
        errors.extend(row_errors)
        if row is None:
            continue
        page = row.page
        if page.index_number:
            if page.index_number in seen_index:
                errors.append(
                    RowError(
                        number,
                        "index_number",
                        _("索引号与第 %(row)s 行重复。") % {"row": seen_index[page.index_number]},
                    )
                )
            seen_index.setdefault(page.index_number, number)
        if isinstance(page, PolicyDocumentPage) and page.document_number:
            key = (page.department_id, page.document_number, page.written_on.year)
            if key in seen_numbers:
                errors.append(
                    RowError(
                        number,
                        "document_number",
                        _("发文字号与第 %(row)s 行重复。") % {"row": seen_numbers[key]},
                    )
                )
            seen_numbers.setdefault(key, number)
        parsed.append(row)
    in_file = {row.page.index_number for row in parsed if row.page.index_number}
    for row in parsed:
        for column, ref in (("policy", row.policy_ref), ("changed_by", row.changed_by_ref)):
            if not ref:
                continue
            known = (
                ref in in_file
                or CatalogueEntry.objects.filter(index_number=ref, doc_type=DocumentType.POLICY).exists()
            )
            if not known:
                errors.append(
                    RowError(row.number, column, _("找不到索引号为“%(value)s”的政策文件。") % {"value": ref})
                )
    if errors:
        raise ImportFailed(sorted(errors, key=lambda e: (e.row, e.column)))
    return parsed


# --- Writing -------------------------------------------------------------------------------------------


def _resolve(ref: str, written: dict[str, DisclosureDocumentPage]) -> PolicyDocumentPage | None:
    if ref in written and isinstance(written[ref], PolicyDocumentPage):
        return written[ref]  # type: ignore[return-value]
    entry = CatalogueEntry.objects.filter(index_number=ref, doc_type=DocumentType.POLICY).first()
    return PolicyDocumentPage.objects.filter(pk=entry.page_id).first() if entry else None


def import_rows(
    rows: list[dict[str, str]],
    *,
    base_dir: Path | None = None,
    actor: Any = None,
    publish: bool = False,
    section: Any = None,
    dry_run: bool = False,
    first_row: int = 2,
    reason: str = "",
    release_channels: bool = False,
) -> ImportResult:
    """Validate every row, then write them all in one transaction (or nothing).

    ``publish`` publishes the 主动公开 documents with their 发布日期 (documents already published
    before they came into the system); without it every document is a draft that goes through the
    review chain; ``reason`` (where the documents were approved) is recorded with the imported
    approvals. Published documents are recorded on the website only; ``release_channels`` also
    posts them to the external channels (Weibo, WeChat) — not for historical documents.
    Raises :class:`ImportFailed`.
    """
    parsed = validate_rows(rows, base_dir=base_dir, first_row=first_row)
    result = ImportResult()
    if dry_run:
        return result
    if publish:
        from gongkai.publishing.review.guard import review_bypass

        # Existing documents were approved before they came into the system; the review chain's
        # guard lets their revisions go live and records this reason (audited).
        with review_bypass(reason=reason or _("导入已发布的文件"), user=actor, release=release_channels):
            return _write(parsed, result, actor=actor, publish=publish, section=section)
    return _write(parsed, result, actor=actor, publish=publish, section=section)


def _write(
    parsed: list[_Row], result: ImportResult, *, actor: Any, publish: bool, section: Any
) -> ImportResult:
    order = {DocumentType.POLICY: 0}
    parsed.sort(key=lambda row: (order.get(row.doc_type, 1), row.number))  # type: ignore[call-overload]
    written: dict[str, DisclosureDocumentPage] = {}
    with transaction.atomic():
        topics: dict[str, Topic] = {}
        for row in parsed:
            page = row.page
            try:
                if row.category_name:
                    topic = (
                        topics.get(row.category_name) or Topic.objects.filter(name=row.category_name).first()
                    )
                    if topic is None:
                        topic = Topic.objects.create(
                            name=row.category_name, code=f"topic-{Topic.objects.count() + 1}", sort_order=100
                        )
                    topics[row.category_name] = topic
                    page.category = topic
                if row.policy_ref:
                    page.policy = _resolve(row.policy_ref, written)  # type: ignore[attr-defined]
                if row.updates is not None:
                    page.updates = row.updates  # type: ignore[attr-defined]
                if row.attachments and not (row.existing and page.attachments.exists()):  # type: ignore[attr-defined]
                    attachment_model = page._meta.get_field("attachments").related_model
                    for name, data in row.attachments:
                        file_name = name.rsplit("/", 1)[-1]
                        document = uploads.document_create(
                            title=file_name.rsplit(".", 1)[0], file_name=file_name, data=data, actor=actor
                        )
                        page.attachments.add(attachment_model(document=document))  # type: ignore[attr-defined]
                    row.changed = True
                if not row.changed:
                    result.unchanged.append(page.index_number)
                    written[page.index_number] = page
                    continue
                parent = None if row.existing else services.index_page_for(row.doc_type, section=section)
                page = services.document_save(
                    page=page,
                    parent=parent,
                    actor=actor,
                    publish=publish or (row.existing and page.live),
                    published_at=row.published_at,
                    action="publishing.document_imported",
                )
            except ValidationError as exc:
                raise ImportFailed(
                    [RowError(row.number, column, message) for column, message in _messages(exc)]
                ) from exc
            written[page.index_number] = page
            (result.updated if row.existing else result.created).append(page.index_number)
            if not page.live:
                result.drafts.append(page.index_number)
        for row in parsed:
            if row.changed_by_ref:
                target = written[row.page.index_number]
                changer = _resolve(row.changed_by_ref, written)
                if changer is not None and getattr(target, "changed_by_id", None) != changer.pk:
                    target.changed_by = changer  # type: ignore[attr-defined]
                    services.document_save(
                        page=target, actor=actor, publish=target.live, action="publishing.document_imported"
                    )
    return result


def import_path(path: str | Path, **options: Any) -> ImportResult:
    rows, base_dir = read_source(path)
    return import_rows(rows, base_dir=base_dir, **options)


def rows_from_dicts(items: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    """Turn Python values into CSV-like rows (the demo feeds its documents this way)."""
    rows = []
    for item in items:
        row: dict[str, str] = {}
        for key, value in item.items():
            if value is None:
                continue
            if isinstance(value, bool):
                row[key] = "是" if value else "否"
            elif isinstance(value, datetime.datetime):
                row[key] = (
                    timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
                    if timezone.is_aware(value)
                    else value.strftime("%Y-%m-%d %H:%M")
                )
            elif isinstance(value, datetime.date):
                row[key] = value.isoformat()
            else:
                row[key] = str(value)
        rows.append(row)
    return rows
