"""The PDF's SVG charts: round axis ticks, time labels on whole hours and days, one path per
series with a bar for each interval that has contacts, and text a PDF keeps as text."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from reporting.charts import (
    ABANDONED_COLOUR,
    ANSWERED_COLOUR,
    SERVICE_LEVEL_COLOUR,
    count_ticks,
    interval_chart_svg,
    label_step,
)
from reporting.interval_totals import IntervalChart

SVG = "{http://www.w3.org/2000/svg}"


def test_count_ticks_are_round_and_cover_the_tallest_bar() -> None:
    assert count_ticks(0) == (0, 1)
    assert count_ticks(3) == (0, 1, 2, 3)
    assert count_ticks(7) == (0, 2, 4, 6, 8)
    assert count_ticks(120) == (0, 50, 100, 150)
    assert count_ticks(4000) == (0, 1000, 2000, 3000, 4000)


def test_time_labels_fall_on_whole_hours_and_days() -> None:
    assert label_step(48) == 4  # a day of half hours: every 2 hours
    assert label_step(96) == 8  # a day of quarter hours: every 2 hours
    assert label_step(48, 8) == 8  # a day's small chart: every 4 hours
    assert label_step(30 * 48) == 96  # a month of half hours: every other midnight
    assert label_step(30 * 24) == 48  # a month of hours: likewise


def test_each_series_is_one_path_with_a_bar_per_interval_with_contacts() -> None:
    chart = IntervalChart(
        labels=("00:00", "00:30", "01:00", "01:30"),
        answered=(2, 0, 4, 1),
        abandoned=(1, 0, 0, 0),
        short_abandoned=(0, 0, 0, 0),
        service_level_pct=(50.0, None, 100.0, 100.0),
    )
    root = ET.fromstring(interval_chart_svg(chart))  # noqa: S314 (our own SVG)

    bars = {
        p.get("stroke"): p.get("d", "")
        for p in root.iter(f"{SVG}path")
        if p.get("stroke") in (ANSWERED_COLOUR, ABANDONED_COLOUR)
    }
    assert bars[ANSWERED_COLOUR].count("M") == 3
    assert bars[ABANDONED_COLOUR].count("M") == 1
    line = next(
        p.get("d", "")
        for p in root.iter(f"{SVG}path")
        if p.get("stroke") == SERVICE_LEVEL_COLOUR and p.get("stroke-linecap") is None
    )
    # No service level in the second interval: the line lifts and starts again.
    assert line.count("M") == 2
    assert line.count("L") == 1
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"Answered", "Abandoned", "Short abandoned", "Service level %"} <= set(texts)
    assert [t for t in texts if t and ":" in t] == ["00:00", "00:30", "01:00", "01:30"]
    assert "4" in texts  # the count axis reaches the tallest bar
