"""Charts for PDF reports as SVG (vector), drawn by matplotlib's SVG backend on the server.

No pyplot: a `Figure` per chart, so rendering is safe in threads and leaves no global state.
Text stays text in the SVG (`svg.fonttype: none`), so it is sharp at any zoom and
searchable in the PDF.
"""

from __future__ import annotations

import io
import math

import matplotlib
from matplotlib.figure import Figure

from .builders import IntervalChart

# Colours of the supervisor pages (static/css/app.css): accent, bad, warn.
ANSWERED_COLOUR = "#0b6bcb"
ABANDONED_COLOUR = "#c62828"
SHORT_COLOUR = "#b26a00"
SERVICE_LEVEL_COLOUR = "#2e7d32"
# At most this many labelled ticks on the time axis.
MAX_TICKS = 16


def interval_chart_svg(
    chart: IntervalChart, *, width_in: float = 10.0, height_in: float = 3.6
) -> str:
    """Answered, abandoned and short-abandoned contacts per interval (stacked bars) and the
    service level (line, right axis)."""
    with matplotlib.rc_context({"svg.fonttype": "none", "font.size": 8, "svg.hashsalt": "report"}):
        figure = Figure(figsize=(width_in, height_in))
        axes = figure.subplots()
        positions = list(range(len(chart.labels)))
        axes.bar(positions, chart.answered, color=ANSWERED_COLOUR, label="Answered", width=0.8)
        axes.bar(
            positions,
            chart.abandoned,
            bottom=chart.answered,
            color=ABANDONED_COLOUR,
            label="Abandoned",
            width=0.8,
        )
        stacked = [a + b for a, b in zip(chart.answered, chart.abandoned, strict=True)]
        axes.bar(
            positions,
            chart.short_abandoned,
            bottom=stacked,
            color=SHORT_COLOUR,
            label="Short abandoned",
            width=0.8,
        )
        axes.set_ylabel("Contacts")
        step = max(1, math.ceil(len(positions) / MAX_TICKS))
        axes.set_xticks(positions[::step], [chart.labels[i] for i in positions[::step]])
        axes.tick_params(axis="x", labelrotation=45)
        axes.spines[["top"]].set_visible(False)
        level = axes.twinx()
        level.plot(
            positions,
            [math.nan if v is None else v for v in chart.service_level_pct],
            color=SERVICE_LEVEL_COLOUR,
            marker=".",
            linewidth=1.2,
            label="Service level %",
        )
        level.set_ylim(0, 105)
        level.set_ylabel("Service level %")
        level.spines[["top"]].set_visible(False)
        handles = axes.get_legend_handles_labels()
        line_handles = level.get_legend_handles_labels()
        axes.legend(
            handles[0] + line_handles[0],
            handles[1] + line_handles[1],
            loc="lower left",
            bbox_to_anchor=(0.0, 1.0),
            ncols=4,
            frameon=False,
            fontsize=7,
        )
        figure.tight_layout()
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()
