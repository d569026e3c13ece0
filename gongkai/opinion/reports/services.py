"""Writes of the opinion reports: generate (by schedule or on demand), edit, refresh, release, export.

Every verb here is the one entry point the API, the admin pages and the periodic job share. A
report's numbers are frozen at generation (``Report.statistics``); a draft may take a fresh
snapshot (``report_refresh``); a released report refuses every change (``TransitionNotAllowed``,
the API's 409) and its digest (``released_digest``) lets anyone check that it was not altered.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from gongkai.core.audit.services import audit_record
from gongkai.opinion.models import Event, Topic
from gongkai.opinion.reports import periods, selectors
from gongkai.opinion.reports.models import (
    MAX_COMMENT,
    MAX_SUMMARY,
    MAX_TITLE,
    Report,
    ReportKind,
    ReportStatus,
    Section,
)
from gongkai.opinion.reports.workflow import GRAPH

logger = logging.getLogger(__name__)

#: Local hour at which the previous day's (and on Monday the previous week's) report is made.
DEFAULT_REPORT_HOUR = 8


def _org() -> str:
    return str(getattr(settings, "GONGKAI_OPINION_REPORT_ORG", "吉林市"))


def _report_hour() -> int:
    hour = getattr(settings, "GONGKAI_OPINION_REPORT_HOUR", DEFAULT_REPORT_HOUR)
    return hour if isinstance(hour, int) and 0 <= hour <= 23 else DEFAULT_REPORT_HOUR


def _day_text(day: datetime.date) -> str:
    return date_format(day, "Y年n月j日")


def default_title(
    kind: str, start: datetime.datetime, end: datetime.datetime, *, event: Event | None = None
) -> str:
    local_start = start.astimezone(periods.local_tz())
    last_day = (end - datetime.timedelta(microseconds=1)).astimezone(periods.local_tz()).date()
    if kind == ReportKind.DAILY:
        return _("%(org)s网络舆情日报（%(day)s）") % {"org": _org(), "day": _day_text(local_start.date())}
    if kind == ReportKind.WEEKLY:
        return _("%(org)s网络舆情周报（%(first)s至%(last)s）") % {
            "org": _org(),
            "first": _day_text(local_start.date()),
            "last": _day_text(last_day),
        }
    title = event.display_title if event is not None else ""
    return (_("舆情事件专报：%(title)s") % {"title": title})[:MAX_TITLE]


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def summary_draft(stats: dict[str, Any], kind: str) -> str:
    """A first draft of the summary from the numbers, for the analyst to rewrite."""
    totals = stats["totals"]
    parts = []
    if kind == ReportKind.EVENT and stats["scope"].get("event"):
        event = stats["scope"]["event"]
        parts.append(
            _("事件“%(title)s”自%(first)s首次出现，截至报告生成时共监测到相关信息%(posts)s条。")
            % {
                "title": event["title"],
                "first": (event["first_seen"] or "")[:16].replace("T", " "),
                "posts": totals["posts"],
            }
        )
    else:
        parts.append(_("本期共监测到相关舆情信息%(posts)s条。") % {"posts": totals["posts"]})
    if totals.get("change") is not None:
        change = totals["change"]
        parts.append(
            (_("较上一周期增加%(p)s。") if change >= 0 else _("较上一周期减少%(p)s。"))
            % {"p": _percent(abs(change))}
        )
    if totals["posts"]:
        parts.append(
            _("其中正面%(pos)s条、中性%(neu)s条、负面%(neg)s条，负面占比%(share)s。")
            % {
                "pos": totals["positive"],
                "neu": totals["neutral"],
                "neg": totals["negative"],
                "share": _percent(totals["negative_share"]),
            }
        )
    if totals["rumor_candidates"]:
        parts.append(_("发现疑似谣言信息%(n)s条，需重点关注。") % {"n": totals["rumor_candidates"]})
    if kind != ReportKind.EVENT:
        if totals["new_events"]:
            parts.append(_("新出现舆情事件%(n)s个。") % {"n": totals["new_events"]})
        if stats["events"]:
            top = stats["events"][0]
            parts.append(
                _("信息量最大的事件是“%(title)s”（本期%(posts)s条，负面占比%(share)s）。")
                % {"title": top["title"], "posts": top["posts"], "share": _percent(top["negative_share"])}
            )
    named_sources = [s for s in stats["sources"] if not s.get("rest")][:3]
    if named_sources:
        parts.append(
            _("信息主要来自%(list)s。")
            % {
                "list": "、".join(
                    _("%(name)s（%(n)s条）") % {"name": s["name"], "n": s["posts"]} for s in named_sources
                )
            }
        )
    named_districts = [d for d in stats["districts"] if d.get("code") and not d.get("rest")][:3]
    if named_districts:
        parts.append(_("涉及地域以%(list)s为主。") % {"list": "、".join(d["name"] for d in named_districts)})
    return "".join(parts)


def content_digest(report: Report) -> str:
    """SHA-256 over what a released report says: title, summary, comments and numbers."""
    payload = json.dumps(
        {
            "title": report.title,
            "summary": report.summary,
            "comments": report.comments,
            "statistics": report.statistics,
            "period": [report.period_start.isoformat(), report.period_end.isoformat()],
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _snapshot(report: Report) -> dict[str, Any]:
    return selectors.statistics(
        start=report.period_start,
        end=report.period_end,
        topic_id=report.topic_id,
        event_id=report.event_id,
        district=report.district,
        events_order="volume",
    )


def _check_period(start: datetime.datetime, end: datetime.datetime) -> None:
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValidationError({"period": [_("时间必须带时区。")]})
    if end <= start:
        raise ValidationError({"period": [_("截止时间必须晚于起始时间。")]})
    if end - start > periods.MAX_PERIOD:
        raise ValidationError({"period": [_("统计时段不能超过一年。")]})


def report_generate(
    *,
    kind: str,
    start: datetime.datetime,
    end: datetime.datetime,
    actor: Any = None,
    event: Event | None = None,
    topic: Topic | None = None,
    district: str = "",
    title: str = "",
    scheduled: bool = False,
    request: Any = None,
) -> Report:
    """Make a draft report of ``[start, end)`` with its statistics snapshot and a drafted summary.

    ``scheduled=True`` is the period's regular daily or weekly report (at most one per period:
    the caller is :func:`report_regular_ensure`).
    """
    if kind not in ReportKind.values:
        raise ValidationError({"kind": [_("未知的报告类型。")]})
    if kind == ReportKind.EVENT and event is None:
        raise ValidationError({"event": [_("事件专报必须指定事件。")]})
    _check_period(start, end)
    report = Report(
        kind=kind,
        period_start=start,
        period_end=end,
        event=event,
        topic=topic,
        district=district or "",
        scheduled=scheduled,
        created_by=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        generated_at=timezone.now(),
    )
    report.title = (title or default_title(kind, start, end, event=event))[:MAX_TITLE]
    report.statistics = _snapshot(report)
    report.summary = summary_draft(report.statistics, kind)
    report.comments = {}
    with transaction.atomic():
        report.save(force_insert=True)
        audit_record(
            actor=actor,
            action="opinion_report.generated",
            target=report,
            new={
                "kind": kind,
                "period_start": start,
                "period_end": end,
                "posts": report.statistics["totals"]["posts"],
                "scheduled": scheduled,
            },
            request=request,
        )
    return report


def report_regular_ensure(
    *, kind: str, day: datetime.date, actor: Any = None, request: Any = None
) -> tuple[Report, bool]:
    """The regular daily report of ``day`` or weekly report of the week containing it; made if missing.

    Idempotent, also when two workers race: the partial unique constraint lets one insert win and
    the other returns the winner's row. Returns ``(report, created)``.
    """
    if kind == ReportKind.DAILY:
        start, end = periods.day_period(day)
    elif kind == ReportKind.WEEKLY:
        start, end = periods.week_period(day)
    else:
        raise ValidationError({"kind": [_("只有日报和周报按周期生成。")]})
    existing = Report.objects.filter(kind=kind, period_start=start, scheduled=True).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return report_generate(
                kind=kind, start=start, end=end, actor=actor, scheduled=True, request=request
            ), True
    except IntegrityError:
        existing = Report.objects.filter(kind=kind, period_start=start, scheduled=True).first()
        if existing is None:
            raise
        return existing, False


def report_event_generate(
    *,
    event: Event,
    actor: Any = None,
    end: datetime.datetime | None = None,
    title: str = "",
    request: Any = None,
) -> Report:
    """An event's report (事件专报): from the hour of its first post to now (at most a year back)."""
    end = end or timezone.now()
    start = periods.truncate(event.first_seen, periods.HOUR)
    if end - start > periods.MAX_PERIOD:
        start = end - periods.MAX_PERIOD
    if end <= start:
        end = start + datetime.timedelta(hours=1)
    return report_generate(
        kind=ReportKind.EVENT,
        start=start,
        end=end,
        event=event,
        title=title.strip(),
        actor=actor,
        request=request,
    )


def reports_generate_due(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The periodic job: the previous day's daily report and the previous week's weekly report.

    A day's report is due from ``GONGKAI_OPINION_REPORT_HOUR`` (08:00 Asia/Shanghai) the next
    morning, the week's from that hour on Monday. The job runs every few minutes and makes what is
    due and missing, so a run missed at 08:00 is caught up by the next one; running it twice makes
    nothing twice.
    """
    now = now or timezone.now()
    shifted = now.astimezone(periods.local_tz()) - datetime.timedelta(hours=_report_hour())
    today = shifted.date()
    day = today - datetime.timedelta(days=1)
    last_monday = today - datetime.timedelta(days=today.weekday() + 7)
    made = {"daily": 0, "weekly": 0}
    for kind, when in ((ReportKind.DAILY, day), (ReportKind.WEEKLY, last_monday)):
        _report, created = report_regular_ensure(kind=kind, day=when)
        if created:
            made[kind] += 1
            logger.info("opinion reports: made the %s report of %s", kind, when)
    return made


def _locked(report_id: int) -> Report:
    return Report.objects.select_for_update().get(pk=report_id)


def _clean_comments(comments: Any) -> dict[str, str]:
    if not isinstance(comments, dict):
        raise ValidationError({"comments": [_("分析意见须为“章节: 文字”的对象。")]})
    known = set(Section.values)
    cleaned: dict[str, str] = {}
    for key, text in comments.items():
        if key not in known:
            raise ValidationError(
                {
                    "comments": [
                        _("未知的章节“%(key)s”，可选：%(known)s。")
                        % {"key": str(key)[:40], "known": "、".join(Section.values)}
                    ]
                }
            )
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise ValidationError({"comments": [_("章节“%(key)s”的分析意见须为文字。") % {"key": key}]})
        if len(text) > MAX_COMMENT:
            raise ValidationError(
                {
                    "comments": [
                        _("章节“%(key)s”的分析意见不能超过 %(n)s 字。") % {"key": key, "n": MAX_COMMENT}
                    ]
                }
            )
        if text.strip():
            cleaned[key] = text.strip()
    return cleaned


def report_update(
    *,
    report_id: int,
    actor: Any,
    title: str | None = None,
    summary: str | None = None,
    comments: dict[str, Any] | None = None,
    request: Any = None,
) -> Report:
    """Edit a draft's title, summary and per-section comments (``comments`` replaces the given
    sections only; an empty text removes one). A released report refuses (409)."""
    errors: dict[str, list[str]] = {}
    if title is not None:
        title = title.strip()
        if not title:
            errors["title"] = [_("标题不能为空。")]
        elif len(title) > MAX_TITLE:
            errors["title"] = [_("标题不能超过 %(n)s 字。") % {"n": MAX_TITLE}]
    if summary is not None and len(summary) > MAX_SUMMARY:
        errors["summary"] = [_("摘要不能超过 %(n)s 字。") % {"n": MAX_SUMMARY}]
    if errors:
        raise ValidationError(errors)
    cleaned = _clean_comments(comments) if comments is not None else None
    with transaction.atomic():
        report = _locked(report_id)
        GRAPH.check(report, "edit", actor)
        old: dict[str, Any] = {}
        new: dict[str, Any] = {}
        if title is not None and title != report.title:
            old["title"], new["title"] = report.title, title
            report.title = title
        if summary is not None and summary.strip() != report.summary:
            old["summary"], new["summary"] = report.summary, summary.strip()
            report.summary = summary.strip()
        if comments is not None and cleaned is not None:
            merged = dict(report.comments)
            for key in comments:
                if key in cleaned:
                    merged[key] = cleaned[key]
                else:
                    merged.pop(key, None)
            if merged != report.comments:
                old["comments"], new["comments"] = report.comments, merged
                report.comments = merged
        if new:
            report.updated_by = actor
            report.save(update_fields=[*new, "updated_by", "updated_at"])
            audit_record(
                actor=actor, action="opinion_report.edited", target=report, old=old, new=new, request=request
            )
    return report


def report_refresh(
    *, report_id: int, actor: Any, request: Any = None, redraft_summary: bool = False
) -> Report:
    """Take a fresh statistics snapshot of a draft (late posts, corrected sentiments).

    The analyst's text is kept unless ``redraft_summary``; a released report refuses (409).
    """
    with transaction.atomic():
        report = _locked(report_id)
        GRAPH.check(report, "refresh", actor)
        before_posts = report.statistics.get("totals", {}).get("posts")
        before_at = report.generated_at
        report.statistics = _snapshot(report)
        report.generated_at = timezone.now()
        fields = ["statistics", "generated_at", "updated_by", "updated_at"]
        if redraft_summary:
            report.summary = summary_draft(report.statistics, report.kind)
            fields.append("summary")
        report.updated_by = actor
        report.save(update_fields=fields)
        audit_record(
            actor=actor,
            action="opinion_report.refreshed",
            target=report,
            old={"generated_at": before_at, "posts": before_posts},
            new={"generated_at": report.generated_at, "posts": report.statistics["totals"]["posts"]},
            request=request,
        )
    return report


def report_release(*, report_id: int, actor: Any, request: Any = None) -> Report:
    """Release (签发) a draft: it is frozen from now on, with its digest recorded."""
    with transaction.atomic():
        report = _locked(report_id)
        GRAPH.check(report, "release", actor)
        report.status = ReportStatus.RELEASED
        report.released_at = timezone.now()
        report.released_by = actor
        report.released_digest = content_digest(report)
        report.save(update_fields=["status", "released_at", "released_by", "released_digest", "updated_at"])
        audit_record(
            actor=actor,
            action="opinion_report.released",
            target=report,
            old={"status": ReportStatus.DRAFT},
            new={"status": ReportStatus.RELEASED, "digest": report.released_digest},
            request=request,
        )
    return report


def report_delete(*, report_id: int, actor: Any, request: Any = None) -> None:
    """Delete a draft made by mistake; a released report is kept for good (409)."""
    with transaction.atomic():
        report = _locked(report_id)
        GRAPH.check(report, "delete", actor)
        audit_record(
            actor=actor,
            action="opinion_report.deleted",
            target=report,
            old={"title": report.title, "kind": report.kind, "period_start": report.period_start},
            request=request,
        )
        report.delete()


EXPORT_FORMATS = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def report_export(*, report: Report, fmt: str, actor: Any, request: Any = None) -> tuple[bytes, str, str]:
    """Render the report as PDF or DOCX; each export is audited. Returns ``(data, filename, type)``.

    Raises ``render_pdf.FontMissing`` when no Chinese font is installed (PDF only).
    """
    if fmt not in EXPORT_FORMATS:
        raise ValidationError({"format": [_("只支持 PDF 和 DOCX。")]})
    if fmt == "pdf":
        from gongkai.opinion.reports.render_pdf import render_pdf

        data = render_pdf(report)
    else:
        from gongkai.opinion.reports.render_docx import render_docx

        data = render_docx(report)
    audit_record(
        actor=actor,
        action="opinion_report.downloaded",
        target=report,
        new={"format": fmt, "status": report.status, "bytes": len(data)},
        request=request,
    )
    local = report.period_start.astimezone(periods.local_tz())
    filename = f"opinion-{report.kind}-{local:%Y%m%d}-{report.pk}.{fmt}"
    return data, filename, EXPORT_FORMATS[fmt]
