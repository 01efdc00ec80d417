"""Charts for PDF reports as SVG (vector), written directly: a report has a chart for its
range and one per day, and a plotting library's per-figure cost (about 0.1 s) and its
element-per-bar output are what made a month's PDF slow to draw.

Each series is one `<path>` however many intervals it has, colours are presentation
attributes (no CSS for WeasyPrint to parse), and text stays text, so it is sharp at any zoom
and searchable in the PDF.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from .interval_totals import IntervalChart

# Colours of the supervisor pages (static/css/app.css): accent, bad, warn.
ANSWERED_COLOUR = "#0b6bcb"
ABANDONED_COLOUR = "#c62828"
SHORT_COLOUR = "#b26a00"
SERVICE_LEVEL_COLOUR = "#2e7d32"
AXIS_COLOUR = "#5b6472"
GRID_COLOUR = "#d5d9e0"
FONT = "DejaVu Sans, sans-serif"
# At most this many labelled ticks on the time axis, and at most this many on the count axis.
MAX_TICKS = 16
MAX_COUNT_TICKS = 5
# Label every k-th interval, k from this ladder: whole hours and whole days for 15-, 30- and
# 60-minute intervals alike.
TICK_STEPS = (1, 2, 4, 8, 12, 16, 24, 32, 48, 96, 192, 384, 768, 1536, 3072)
# A bar's share of its interval's width.
BAR_SHARE = 0.8
# Service-level dots only while they can be told apart.
MAX_MARKED_POINTS = 100
POINTS_PER_INCH = 72.0
# A plot shorter than this (points; a day's small chart) has its service-level axis
# labelled at 0, 50 and 100 only and no axis titles: the legend names both series.
MIN_FULL_AXES_HEIGHT = 120.0


@dataclass(frozen=True)
class _Plot:
    """The plotting area in user units (points), inside the axes' labels."""

    left: float
    top: float
    width: float
    height: float

    @property
    def bottom(self) -> float:
        return self.top + self.height

    @property
    def right(self) -> float:
        return self.left + self.width


def count_ticks(largest: int) -> tuple[int, ...]:
    """Round ticks from 0 covering `largest`: steps of 1, 2 or 5 times a power of ten."""
    if largest <= 0:
        return (0, 1)
    raw = largest / MAX_COUNT_TICKS
    power = 10 ** max(0, math.floor(math.log10(raw))) if raw >= 1 else 1
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    top = math.ceil(largest / step) * step
    return tuple(range(0, top + 1, step))


def label_step(count: int, max_ticks: int = MAX_TICKS) -> int:
    """Label every k-th of `count` intervals, k the first of TICK_STEPS giving ≤ max_ticks."""
    return next((k for k in TICK_STEPS if math.ceil(count / k) <= max_ticks), TICK_STEPS[-1])


def _n(value: float) -> str:
    """A coordinate, short: SVG paths of a month's intervals are long enough as it is."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, content: str, **attrs: str) -> str:
    extra = "".join(f' {name.replace("_", "-")}="{value}"' for name, value in attrs.items())
    return f'<text x="{_n(x)}" y="{_n(y)}"{extra}>{escape(content)}</text>'


def _bars_path(
    bottoms: Sequence[int],
    heights: Sequence[int],
    plot: _Plot,
    scale: float,
    colour: str,
) -> str:
    """Each bar a vertical stroke as wide as the bar: two path commands a bar, where a
    filled rectangle takes five (WeasyPrint parses each command in Python)."""
    band = plot.width / max(1, len(heights))
    parts = []
    for i, (bottom, height) in enumerate(zip(bottoms, heights, strict=True)):
        if height <= 0:
            continue
        x = plot.left + (i + 0.5) * band
        parts.append(f"M{_n(x)} {_n(plot.bottom - bottom * scale)}v{_n(-height * scale)}")
    if not parts:
        return ""
    return (
        f'<path fill="none" stroke="{colour}" stroke-width="{_n(band * BAR_SHARE)}" '
        f'd="{"".join(parts)}"/>'
    )


def _level_path(levels: Sequence[float | None], plot: _Plot) -> str:
    band = plot.width / max(1, len(levels))
    line: list[str] = []
    dots: list[str] = []
    pen_down = False
    for i, level in enumerate(levels):
        if level is None:
            pen_down = False
            continue
        x = plot.left + (i + 0.5) * band
        y = plot.bottom - min(level, 105.0) / 105.0 * plot.height
        line.append(f"{'L' if pen_down else 'M'}{_n(x)} {_n(y)}")
        dots.append(f"M{_n(x)} {_n(y)}h0")
        pen_down = True
    if not line:
        return ""
    out = (
        f'<path fill="none" stroke="{SERVICE_LEVEL_COLOUR}" stroke-width="1.2" '
        f'stroke-linejoin="round" d="{"".join(line)}"/>'
    )
    if len(levels) <= MAX_MARKED_POINTS:
        out += (
            f'<path fill="none" stroke="{SERVICE_LEVEL_COLOUR}" stroke-width="3" '
            f'stroke-linecap="round" d="{"".join(dots)}"/>'
        )
    return out


def _legend(plot: _Plot) -> str:
    entries = (
        ("Answered", ANSWERED_COLOUR, False),
        ("Abandoned", ABANDONED_COLOUR, False),
        ("Short abandoned", SHORT_COLOUR, False),
        ("Service level %", SERVICE_LEVEL_COLOUR, True),
    )
    out = []
    x = plot.left
    y = plot.top - 10
    for label, colour, is_line in entries:
        if is_line:
            out.append(f'<path stroke="{colour}" stroke-width="1.2" d="M{_n(x)} {_n(y - 2.5)}h9"/>')
        else:
            out.append(f'<rect x="{_n(x)}" y="{_n(y - 6)}" width="9" height="7" fill="{colour}"/>')
        out.append(_text(x + 12, y, label))
        x += 12 + 5.2 * len(label) + 14
    return "".join(out)


def interval_chart_svg(
    chart: IntervalChart,
    *,
    width_in: float = 10.0,
    height_in: float = 3.0,
    max_time_labels: int = MAX_TICKS,
) -> str:
    """Answered, abandoned and short-abandoned contacts per interval (stacked bars) and the
    service level (line, right axis)."""
    width = width_in * POINTS_PER_INCH
    height = height_in * POINTS_PER_INCH
    count = len(chart.labels)
    rotate = any(len(label) > 5 for label in chart.labels)
    plot = _Plot(
        left=46, top=24, width=width - 46 - 46, height=height - 24 - (52 if rotate else 20)
    )

    full_axes = plot.height >= MIN_FULL_AXES_HEIGHT
    stacked = [
        a + b + s
        for a, b, s in zip(chart.answered, chart.abandoned, chart.short_abandoned, strict=True)
    ]
    ticks = count_ticks(max(stacked, default=0))
    scale = plot.height / ticks[-1]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'width="{_n(width)}pt" height="{_n(height)}pt" font-family="{FONT}" font-size="8" '
        f'fill="#1c2330">'
    ]
    grid = "".join(
        f"M{_n(plot.left)} {_n(plot.bottom - t * scale)}H{_n(plot.right)}" for t in ticks
    )
    parts.append(f'<path stroke="{GRID_COLOUR}" stroke-width="0.5" d="{grid}"/>')
    for t in ticks:
        y = plot.bottom - t * scale + 3
        parts.append(_text(plot.left - 4, y, f"{t:,}", text_anchor="end"))
    for level in (0, 25, 50, 75, 100) if full_axes else (0, 50, 100):
        y = plot.bottom - level / 105.0 * plot.height + 3
        parts.append(_text(plot.right + 4, y, str(level)))
    if full_axes:
        middle = plot.top + plot.height / 2
        right_x = width - 8
        parts.append(
            _text(
                12, middle, "Contacts", text_anchor="middle", transform=f"rotate(-90 12 {middle})"
            )
        )
        parts.append(
            _text(
                right_x,
                middle,
                "Service level %",
                text_anchor="middle",
                transform=f"rotate(90 {_n(right_x)} {_n(middle)})",
            )
        )

    zero = [0] * count
    answered_top = list(chart.answered)
    abandoned_top = [a + b for a, b in zip(chart.answered, chart.abandoned, strict=True)]
    parts.append(_bars_path(zero, chart.answered, plot, scale, ANSWERED_COLOUR))
    parts.append(_bars_path(answered_top, chart.abandoned, plot, scale, ABANDONED_COLOUR))
    parts.append(_bars_path(abandoned_top, chart.short_abandoned, plot, scale, SHORT_COLOUR))
    parts.append(_level_path(chart.service_level_pct, plot))

    axis = f"M{_n(plot.left)} {_n(plot.bottom)}H{_n(plot.right)}"
    band = plot.width / max(1, count)
    step = label_step(count, max_time_labels)
    for i in range(0, count, step):
        x = plot.left + (i + 0.5) * band
        axis += f"M{_n(x)} {_n(plot.bottom)}v3"
        if rotate:
            y = plot.bottom + 10
            parts.append(
                _text(
                    x,
                    y,
                    chart.labels[i],
                    text_anchor="end",
                    transform=f"rotate(-40 {_n(x)} {_n(y)})",
                )
            )
        else:
            parts.append(_text(x, plot.bottom + 12, chart.labels[i], text_anchor="middle"))
    parts.append(f'<path stroke="{AXIS_COLOUR}" stroke-width="0.8" fill="none" d="{axis}"/>')
    parts.append(_legend(plot))
    parts.append("</svg>")
    return "".join(parts)


def svg_data_url(svg: str) -> str:
    """An SVG chart as an image's data URL. WeasyPrint reads an image with its XML parser
    and draws it, where an inline <svg> would go through its HTML parser and get a CSS
    cascade for each element."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
