"""What a report says, as a list of blocks both renderers (PDF and DOCX) lay out the same way.

The blocks come from the report's frozen snapshot and its edited text only, so a released report
renders the same today and in a year.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from gongkai.opinion.reports import charts, periods
from gongkai.opinion.reports.models import Report, ReportKind, Section


@dataclass
class Heading:
    text: str
    level: int = 1


@dataclass
class Paragraph:
    text: str
    style: str = "body"  # body, muted, comment, label


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    widths: list[float]  # relative
    numeric: set[int] = field(default_factory=set)  # right-aligned columns


@dataclass
class ChartBlock:
    chart: charts.Chart


@dataclass
class Figures:
    items: list[tuple[str, str]]


Block = Heading | Paragraph | Table | ChartBlock | Figures


@dataclass
class ReportDocument:
    title: str
    subtitle: list[str]
    status_note: str
    blocks: list[Block]


def count(value: Any) -> str:
    """A count with thousands separators (874,999)."""
    return f"{int(value or 0):,}"


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def _local(iso: str | None) -> str:
    if not iso:
        return "—"
    try:
        moment = datetime.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return moment.astimezone(periods.local_tz()).strftime("%Y-%m-%d %H:%M")


def _period_text(report: Report) -> str:
    tz = periods.local_tz()
    start = report.period_start.astimezone(tz)
    end = report.period_end.astimezone(tz)
    if report.kind == ReportKind.DAILY:
        return start.strftime("%Y-%m-%d")
    if report.kind == ReportKind.WEEKLY:
        last = (report.period_end - datetime.timedelta(microseconds=1)).astimezone(tz)
        return f"{start:%Y-%m-%d} — {last:%Y-%m-%d}"
    return f"{start:%Y-%m-%d %H:%M} — {end:%Y-%m-%d %H:%M}"


def _comment(report: Report, section: str, blocks: list[Block]) -> None:
    text = (report.comments or {}).get(section, "").strip()
    if text:
        blocks.append(Paragraph(_("分析意见"), "label"))
        blocks.append(Paragraph(text, "comment"))


def _breakdown_table(rows: list[dict[str, Any]], name_header: str) -> Table:
    return Table(
        headers=["#", name_header, _("信息量"), _("负面"), _("负面占比")],
        rows=[
            [
                "" if r.get("rest") else str(i + 1),
                str(r.get("name") or ""),
                count(r.get("posts")),
                count(r.get("negative")),
                percent(r.get("negative_share")),
            ]
            for i, r in enumerate(rows)
        ],
        widths=[6, 46, 16, 14, 18],
        numeric={2, 3, 4},
    )


def _event_table(events: list[dict[str, Any]]) -> Table:
    rows = []
    for i, e in enumerate(events):
        assessment = e.get("assessment") or {}
        state = " · ".join(
            part
            for part in (
                assessment.get("level_label"),
                assessment.get("status_label") or e.get("status_label"),
            )
            if part
        )
        if e.get("is_rumor"):
            state = f"{state} · {_('谣言')}" if state else _("谣言")
        rows.append(
            [
                str(i + 1),
                str(e.get("title") or ""),
                count(e.get("posts")),
                percent(e.get("negative_share")),
                f"{float(e.get('hotness') or 0):.1f}",
                state,
            ]
        )
    return Table(
        headers=["#", _("事件"), _("本期信息量"), _("负面占比"), _("热度"), _("状态/研判")],
        rows=rows,
        widths=[6, 42, 14, 13, 10, 15],
        numeric={2, 3, 4},
    )


def build(report: Report) -> ReportDocument:
    stats = report.statistics or {}
    totals = stats.get("totals") or {}
    figures = charts.report_charts(stats) if stats else {}
    blocks: list[Block] = []
    labels = dict(Section.choices)
    number = 0

    def heading(section: str) -> None:
        nonlocal number
        number += 1
        blocks.append(Heading(f"{number}. {labels[section]}"))

    heading(Section.OVERVIEW)
    if report.summary.strip():
        for part in report.summary.strip().splitlines():
            if part.strip():
                blocks.append(Paragraph(part.strip()))
    change = totals.get("change")
    blocks.append(
        Figures(
            [
                (_("信息总量"), count(totals.get("posts"))),
                (_("负面信息"), count(totals.get("negative"))),
                (_("负面占比"), percent(totals.get("negative_share"))),
                (_("疑似谣言"), count(totals.get("rumor_candidates"))),
                (_("新增事件"), count(totals.get("new_events"))),
                (_("环比"), "—" if change is None else f"{change * 100:+.1f}%"),
            ]
        )
    )
    _comment(report, Section.OVERVIEW, blocks)

    heading(Section.VOLUME)
    if "volume" in figures:
        blocks.append(ChartBlock(figures["volume"]))
    _comment(report, Section.VOLUME, blocks)

    heading(Section.SENTIMENT)
    if "sentiment" in figures:
        blocks.append(ChartBlock(figures["sentiment"]))
    _comment(report, Section.SENTIMENT, blocks)

    if report.kind == ReportKind.EVENT and (stats.get("scope") or {}).get("event"):
        event = stats["scope"]["event"]
        heading(Section.EVENTS)
        facts = [
            (_("事件"), str(event.get("title") or "")),
            (_("首次出现"), _local(event.get("first_seen"))),
            (_("最近出现"), _local(event.get("last_seen"))),
            (_("热度"), f"{float(event.get('hotness') or 0):.1f}"),
            (_("累计信息量"), count(event.get("total_posts"))),
            (_("状态"), str(event.get("status_label") or "")),
        ]
        if event.get("district_name"):
            facts.append((_("所属区县"), str(event["district_name"])))
        if event.get("top_terms"):
            facts.append((_("关键词"), "、".join(str(t) for t in event["top_terms"])))
        if event.get("is_rumor"):
            facts.append((_("谣言"), _("是")))
        blocks.append(Table(headers=[_("项目"), _("内容")], rows=[list(f) for f in facts], widths=[22, 78]))
        _comment(report, Section.EVENTS, blocks)
    else:
        heading(Section.EVENTS)
        events = stats.get("events") or []
        if events:
            blocks.append(ChartBlock(figures["events"]))
            blocks.append(_event_table(events))
        else:
            blocks.append(Paragraph(_("本期未形成舆情事件。"), "muted"))
        _comment(report, Section.EVENTS, blocks)

    for section, key, name_header in (
        (Section.SOURCES, "sources", _("来源")),
        (Section.DISTRICTS, "districts", _("地域")),
        (Section.TOPICS, "topics", _("专题")),
    ):
        rows = stats.get(key) or []
        heading(section)
        if rows:
            blocks.append(ChartBlock(figures[key]))
            blocks.append(_breakdown_table(rows, name_header))
        else:
            blocks.append(Paragraph(_("本期无数据。"), "muted"))
        _comment(report, section, blocks)

    subtitle = [
        _("类型：%(kind)s") % {"kind": report.get_kind_display()},
        _("统计时段：%(period)s") % {"period": _period_text(report)},
        _("数据生成：%(at)s") % {"at": _local(report.generated_at.isoformat())},
    ]
    scope = stats.get("scope") or {}
    if scope.get("topic"):
        subtitle.append(_("专题：%(name)s") % {"name": scope["topic"]["name"]})
    if scope.get("district"):
        subtitle.append(_("地域：%(name)s") % {"name": scope["district"]["name"]})
    if report.is_released:
        who = ""
        if report.released_by is not None:
            who = report.released_by.get_full_name() or report.released_by.get_username()
        status_note = _("已签发：%(at)s %(who)s") % {
            "at": _local(report.released_at.isoformat() if report.released_at else None),
            "who": who,
        }
    else:
        status_note = _("草稿，未签发")
    return ReportDocument(title=report.title, subtitle=subtitle, status_note=status_note, blocks=blocks)
