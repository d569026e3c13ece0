"""The report's charts, drawn without a plotting library.

:func:`report_charts` turns a statistics snapshot into chart descriptions (:class:`Chart`); one
layout (:func:`draw`) draws each on a small :class:`Canvas` interface, which the PDF implements
with fpdf2's vector primitives (``render_pdf.PdfCanvas``) and :class:`ImageCanvas` with Pillow
(the PNG pictures of the DOCX). Three kinds: stacked columns over time (volume by sentiment), a
pie (sentiment shares) and stacked horizontal bars (events, sources, districts, topics: the
negative part in red).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils.translation import gettext as _

from gongkai.opinion.models import Sentiment

RGB = tuple[int, int, int]

NEGATIVE_COLOR: RGB = (214, 69, 65)
NEUTRAL_COLOR: RGB = (158, 167, 178)
POSITIVE_COLOR: RGB = (46, 158, 98)
PRIMARY_COLOR: RGB = (52, 114, 196)
TEXT_COLOR: RGB = (55, 60, 66)
GRID_COLOR: RGB = (225, 228, 232)
AXIS_COLOR: RGB = (150, 155, 160)

SENTIMENT_COLORS: dict[str, RGB] = {
    Sentiment.NEGATIVE: NEGATIVE_COLOR,
    Sentiment.NEUTRAL: NEUTRAL_COLOR,
    Sentiment.POSITIVE: POSITIVE_COLOR,
}
COLUMNS = "columns"
BARS = "bars"
PIE = "pie"
MAX_BAR_LABEL = 18  # characters of a bar's label before "…"


@dataclass
class Series:
    name: str
    values: list[float]
    color: RGB
    ascii_name: str = ""  # the legend's text when the font has no Chinese


@dataclass
class Chart:
    key: str
    kind: str
    title: str
    categories: list[str]
    series: list[Series]
    colors: list[RGB] = field(default_factory=list)  # pie slices

    @property
    def is_empty(self) -> bool:
        return not any(v for s in self.series for v in s.values)


class Canvas(Protocol):
    """What a chart needs from a drawing surface (coordinates in the surface's units, y down)."""

    def rect(self, x: float, y: float, w: float, h: float, color: RGB) -> None: ...

    def line(self, x1: float, y1: float, x2: float, y2: float, color: RGB, width: float = 0.2) -> None: ...

    def text(
        self, x: float, y: float, s: str, size: float, color: RGB = TEXT_COLOR, align: str = "left"
    ) -> None:
        """``y`` is the text's vertical middle; ``align`` is left, right or center on ``x``."""

    def text_width(self, s: str, size: float) -> float: ...

    def pie(self, cx: float, cy: float, r: float, start: float, end: float, color: RGB) -> None:
        """A slice, angles in degrees clockwise from twelve o'clock."""

    def can_render(self, s: str) -> bool: ...


# --- From statistics to charts -------------------------------------------------------------------


def _sentiment_label(key: str) -> str:
    return str(Sentiment(key).label) if key in Sentiment.values else key


def _stacked_bars(key: str, title: str, rows: list[dict[str, Any]], name_key: str = "name") -> Chart:
    rows = [r for r in rows if r.get("posts")]
    negative = [float(r.get("negative") or 0) for r in rows]
    other = [float((r.get("posts") or 0) - (r.get("negative") or 0)) for r in rows]
    return Chart(
        key=key,
        kind=BARS,
        title=title,
        categories=[str(r.get(name_key) or "") for r in rows],
        series=[
            Series(_("负面"), negative, NEGATIVE_COLOR, "negative"),
            Series(_("非负面"), other, PRIMARY_COLOR, "other"),
        ],
    )


def report_charts(stats: dict[str, Any]) -> dict[str, Chart]:
    """The charts of a statistics snapshot, by section key."""
    volume = stats.get("volume") or []
    order = [Sentiment.NEGATIVE, Sentiment.NEUTRAL, Sentiment.POSITIVE]
    charts = {
        "volume": Chart(
            key="volume",
            kind=COLUMNS,
            title=_("信息量走势（按小时）")
            if stats["period"]["granularity"] == "hour"
            else _("信息量走势（按日）"),
            categories=[b["label"] for b in volume],
            series=[
                Series(_sentiment_label(s), [float(b.get(s, 0)) for b in volume], SENTIMENT_COLORS[s], str(s))
                for s in order
            ],
        ),
        "sentiment": Chart(
            key="sentiment",
            kind=PIE,
            title=_("情感分布"),
            categories=[_sentiment_label(s["key"]) for s in stats["sentiment"]],
            series=[
                Series(_("信息量"), [float(s["count"]) for s in stats["sentiment"]], PRIMARY_COLOR, "posts")
            ],
            colors=[SENTIMENT_COLORS.get(s["key"], PRIMARY_COLOR) for s in stats["sentiment"]],
        ),
        "events": _stacked_bars("events", _("热点事件信息量"), stats.get("events") or [], "title"),
        "sources": _stacked_bars("sources", _("各来源信息量"), stats.get("sources") or []),
        "districts": _stacked_bars("districts", _("各地域信息量"), stats.get("districts") or []),
        "topics": _stacked_bars("topics", _("各专题信息量"), stats.get("topics") or []),
    }
    return charts


# --- Layout --------------------------------------------------------------------------------------


def nice_ceiling(value: float) -> float:
    """The next round number (1, 2, 2.5, 5 × 10ⁿ) at or above ``value``; at least 1."""
    if value <= 1:
        return 1.0
    exponent = math.floor(math.log10(value))
    # 2.5 only from 25 up, so that small counts keep whole-number ticks.
    for step in (1, 2, 2.5, 5, 10) if exponent else (1, 2, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value:
            return float(candidate)
    return float(10 ** (exponent + 1))


def tick_count(top: float) -> int:
    """Grid lines above zero for an axis up to ``top`` (a :func:`nice_ceiling`): whole-number steps."""
    if top <= 5:
        return max(1, int(top))
    mantissa = top / 10 ** math.floor(math.log10(top))
    return 4 if mantissa == 2 else 5


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _fit(canvas: Canvas, text: str, size: float, width: float) -> str:
    if canvas.text_width(text, size) <= width:
        return text
    while text and canvas.text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def _labels(canvas: Canvas, labels: list[str]) -> list[str]:
    """Labels the font can draw; otherwise numbers (1, 2 …) that the table beside the chart explains."""
    if all(canvas.can_render(label) for label in labels):
        return labels
    return [str(i + 1) for i in range(len(labels))]


def _legend(canvas: Canvas, x: float, y: float, items: list[tuple[str, RGB]], size: float) -> None:
    for name, color in items:
        canvas.rect(x, y - size * 0.4, size * 0.8, size * 0.8, color)
        x += size * 1.1
        canvas.text(x, y, name, size)
        x += canvas.text_width(name, size) + size * 1.5


def _series_names(canvas: Canvas, chart: Chart) -> list[str]:
    names = [s.name for s in chart.series]
    if all(canvas.can_render(n) for n in names):
        return names
    return [s.ascii_name or str(i + 1) for i, s in enumerate(chart.series)]


def _empty(canvas: Canvas, x: float, y: float, w: float, h: float, size: float) -> None:
    canvas.rect(x, y, w, h, (248, 249, 250))
    message = _("本期无数据")
    if not canvas.can_render(message):
        message = "no data"
    canvas.text(x + w / 2, y + h / 2, message, size, AXIS_COLOR, align="center")


def draw(canvas: Canvas, chart: Chart, x: float, y: float, w: float, h: float, size: float) -> None:
    """Draw ``chart`` in the box ``(x, y, w, h)`` with text of height ``size`` (canvas units)."""
    if chart.is_empty:
        _empty(canvas, x, y, w, h, size)
        return
    if chart.kind == PIE:
        _draw_pie(canvas, chart, x, y, w, h, size)
    elif chart.kind == BARS:
        _draw_bars(canvas, chart, x, y, w, h, size)
    else:
        _draw_columns(canvas, chart, x, y, w, h, size)


def _draw_columns(canvas: Canvas, chart: Chart, x: float, y: float, w: float, h: float, size: float) -> None:
    n = len(chart.categories)
    totals = [sum(s.values[i] for s in chart.series) for i in range(n)]
    top = nice_ceiling(max(totals, default=0))
    _legend(
        canvas,
        x,
        y + size * 0.6,
        list(zip(_series_names(canvas, chart), [s.color for s in chart.series], strict=True)),
        size,
    )
    ticks = tick_count(top)
    axis_w = max(canvas.text_width(_number(top * i / ticks), size) for i in range(ticks + 1)) + size * 0.6
    left, right = x + axis_w, x + w
    plot_top, plot_bottom = y + size * 2.2, y + h - size * 1.6
    for i in range(ticks + 1):
        gy = plot_bottom - (plot_bottom - plot_top) * i / ticks
        canvas.line(left, gy, right, gy, GRID_COLOR if i else AXIS_COLOR, 0.15 if i else 0.3)
        canvas.text(left - size * 0.4, gy, _number(top * i / ticks), size, AXIS_COLOR, align="right")
    slot = (right - left) / max(n, 1)
    bar_w = slot * 0.68
    labels = _labels(canvas, chart.categories)
    widest = max((canvas.text_width(label, size) for label in labels), default=0)
    every = max(1, math.ceil((widest + size) / slot))
    for i in range(n):
        bx = left + slot * i + (slot - bar_w) / 2
        base = plot_bottom
        for series in chart.series:
            value = series.values[i]
            if value <= 0:
                continue
            height = (plot_bottom - plot_top) * value / top
            canvas.rect(bx, base - height, bar_w, height, series.color)
            base -= height
        if i % every == 0:
            canvas.text(
                left + slot * (i + 0.5), plot_bottom + size * 0.9, labels[i], size, TEXT_COLOR, align="center"
            )


def _draw_bars(canvas: Canvas, chart: Chart, x: float, y: float, w: float, h: float, size: float) -> None:
    n = len(chart.categories)
    totals = [sum(s.values[i] for s in chart.series) for i in range(n)]
    top = nice_ceiling(max(totals, default=0))
    _legend(
        canvas,
        x,
        y + size * 0.6,
        list(zip(_series_names(canvas, chart), [s.color for s in chart.series], strict=True)),
        size,
    )
    labels = _labels(
        canvas, [c[:MAX_BAR_LABEL] + ("…" if len(c) > MAX_BAR_LABEL else "") for c in chart.categories]
    )
    label_w = min(max((canvas.text_width(label, size) for label in labels), default=0), w * 0.38) + size * 0.6
    value_w = canvas.text_width(_number(max(totals, default=0)), size) + size
    left, right = x + label_w, x + w - value_w
    plot_top, plot_bottom = y + size * 2.0, y + h
    canvas.line(left, plot_top, left, plot_bottom, AXIS_COLOR, 0.3)
    slot = (plot_bottom - plot_top) / max(n, 1)
    bar_h = min(slot * 0.66, size * 1.6)
    for i in range(n):
        cy = plot_top + slot * (i + 0.5)
        canvas.text(
            left - size * 0.4, cy, _fit(canvas, labels[i], size, label_w - size * 0.6), size, align="right"
        )
        bx = left
        for series in chart.series:
            value = series.values[i]
            if value <= 0:
                continue
            width = (right - left) * value / top
            canvas.rect(bx, cy - bar_h / 2, width, bar_h, series.color)
            bx += width
        canvas.text(bx + size * 0.4, cy, _number(totals[i]), size, TEXT_COLOR)


def _draw_pie(canvas: Canvas, chart: Chart, x: float, y: float, w: float, h: float, size: float) -> None:
    values = chart.series[0].values
    total = sum(values)
    r = min(h / 2 - size * 0.5, w / 4)
    cx, cy = x + r + size, y + h / 2
    angle = 0.0
    for value, color in zip(values, chart.colors, strict=True):
        if value <= 0:
            continue
        sweep = 360.0 * value / total
        canvas.pie(cx, cy, r, angle, min(angle + sweep, 360.0), color)
        angle += sweep
    labels = _labels(canvas, chart.categories)
    lx = cx + r + size * 2.5
    ly = cy - (len(values) - 1) * size * 1.0
    for label, value, color in zip(labels, values, chart.colors, strict=True):
        canvas.rect(lx, ly - size * 0.4, size * 0.8, size * 0.8, color)
        canvas.text(lx + size * 1.2, ly, f"{label}  {_number(value)}  ({value / total * 100:.1f}%)", size)
        ly += size * 2.0


# --- Pictures (PNG) for the DOCX -------------------------------------------------------------------


class ImageCanvas:
    """A Pillow canvas in millimetres at ``scale`` pixels per millimetre."""

    def __init__(
        self,
        width_mm: float,
        height_mm: float,
        *,
        scale: float = 8.0,
        font_path: str | None,
        font_index: int = 0,
    ):
        from PIL import Image, ImageDraw

        self.scale = scale
        self.image = Image.new("RGB", (round(width_mm * scale), round(height_mm * scale)), (255, 255, 255))
        self.draw = ImageDraw.Draw(self.image)
        self.font_path = font_path
        self.font_index = font_index
        self._fonts: dict[int, Any] = {}

    def _font(self, size: float) -> Any:
        from PIL import ImageFont

        px = max(6, round(size * self.scale))
        if px not in self._fonts:
            if self.font_path:
                self._fonts[px] = ImageFont.truetype(self.font_path, px, index=self.font_index)
            else:
                self._fonts[px] = ImageFont.load_default(px)
        return self._fonts[px]

    def _xy(self, x: float, y: float) -> tuple[float, float]:
        return x * self.scale, y * self.scale

    def rect(self, x: float, y: float, w: float, h: float, color: RGB) -> None:
        x0, y0 = self._xy(x, y)
        x1, y1 = self._xy(x + w, y + h)
        self.draw.rectangle([x0, y0, max(x0, x1 - 1), max(y0, y1 - 1)], fill=color)

    def line(self, x1: float, y1: float, x2: float, y2: float, color: RGB, width: float = 0.2) -> None:
        self.draw.line(
            [self._xy(x1, y1), self._xy(x2, y2)], fill=color, width=max(1, round(width * self.scale))
        )

    def text(
        self, x: float, y: float, s: str, size: float, color: RGB = TEXT_COLOR, align: str = "left"
    ) -> None:
        anchor = {"left": "lm", "right": "rm", "center": "mm"}.get(align, "lm")
        self.draw.text(self._xy(x, y), s, font=self._font(size), fill=color, anchor=anchor)

    def text_width(self, s: str, size: float) -> float:
        return float(self._font(size).getlength(s)) / self.scale

    def pie(self, cx: float, cy: float, r: float, start: float, end: float, color: RGB) -> None:
        x0, y0 = self._xy(cx - r, cy - r)
        x1, y1 = self._xy(cx + r, cy + r)
        self.draw.pieslice([x0, y0, x1, y1], start - 90, end - 90, fill=color)

    def can_render(self, s: str) -> bool:
        return self.font_path is not None or s.isascii()

    def png(self) -> bytes:
        out = io.BytesIO()
        self.image.save(out, format="PNG", optimize=True)
        return out.getvalue()


def chart_png(
    chart: Chart, *, width_mm: float = 160, height_mm: float = 70, font_path: str | None, font_index: int = 0
) -> bytes:
    canvas = ImageCanvas(width_mm, height_mm, font_path=font_path, font_index=font_index)
    draw(canvas, chart, 3, 3, width_mm - 6, height_mm - 6, 3.2)
    return canvas.png()


def suggested_height(chart: Chart) -> float:
    """A chart's height in millimetres for a 160–180 mm wide box."""
    if chart.is_empty:
        return 18.0
    if chart.kind == BARS:
        return 12.0 + 7.0 * len(chart.categories)
    if chart.kind == PIE:
        return 48.0
    return 70.0
