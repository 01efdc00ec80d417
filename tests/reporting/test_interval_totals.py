"""The interval report's day and range totals: each a window of the same pass as the
intervals, so its ratios are computed over the whole window (never averaged from
intervals), and each day's chart has that day's intervals, however long the day."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from reporting.interval_totals import IntervalTotals, interval_totals, totals_windows
from tests.wallboard.builders import LONDON, abandoned, answered
from wallboard.metrics import MetricsConfig, interval_series, interval_windows

CONFIG = MetricsConfig(short_abandon_threshold_s=5, default_service_level_threshold_s=20)
SATURDAY = date(2026, 3, 28)
SUNDAY = date(2026, 3, 29)  # clocks go forward at 01:00 GMT: a 23-hour day in London
CONTACTS = [
    # Saturday 10:00 GMT: answered within the 20 s threshold.
    answered("c1", arrived=datetime(2026, 3, 28, 10, tzinfo=UTC), wait_s=10, talk_s=100),
    # Sunday 11:00 BST: answered after 30 s; 13:00 BST: abandoned after 60 s, elsewhere.
    answered("c2", arrived=datetime(2026, 3, 29, 10, tzinfo=UTC), wait_s=30, talk_s=200),
    abandoned("c3", arrived=datetime(2026, 3, 29, 12, tzinfo=UTC), wait_s=60, queue_id="q2"),
]
QUEUES = [("q1", "Sales"), ("q2", "Support")]


def totals_of_the_weekend() -> IntervalTotals:
    intervals = interval_windows(first_day=SATURDAY, last_day=SUNDAY, zone=LONDON, minutes=30)
    series = interval_series(
        CONTACTS, windows=totals_windows(intervals, [SATURDAY, SUNDAY], LONDON), config=CONFIG
    )
    return interval_totals(
        series,
        interval_count=len(intervals),
        days=[SATURDAY, SUNDAY],
        queues=QUEUES,
        zone=LONDON,
        clock_label=lambda start: start.strftime("%H:%M"),
    )


def test_each_day_and_the_range_have_their_own_service_level_and_averages() -> None:
    totals = totals_of_the_weekend()

    saturday, sunday = totals.days
    assert (saturday.center.offered, saturday.center.answered) == (1, 1)
    assert saturday.center.service_level_pct == 100.0
    assert (sunday.center.offered, sunday.center.answered, sunday.center.abandoned) == (2, 1, 1)
    assert sunday.center.service_level_pct == 0.0  # 0 within 20 s of 1 answered + 1 abandoned
    assert sunday.center.asa_s == 30
    weekend = totals.range.center
    # 1 of 3 in threshold: not the 50 % an average of the two days would give.
    assert weekend.service_level_pct == pytest.approx(100 / 3)
    assert weekend.asa_s == pytest.approx((10 + 30) / 2)
    assert weekend.aht_s == pytest.approx((100 + 200) / 2)
    sales, support = totals.range.queues
    assert (sales.queue, sales.figures.offered, sales.figures.answered) == ("Sales", 2, 2)
    assert (support.queue, support.figures.abandoned) == ("Support", 1)


def test_each_day_charts_its_own_intervals_across_the_clock_change() -> None:
    totals = totals_of_the_weekend()

    saturday, sunday = totals.days
    assert len(saturday.chart.labels) == 48
    assert len(sunday.chart.labels) == 46
    assert sunday.chart.labels[:3] == ("00:00", "00:30", "02:00")
    assert sum(saturday.chart.answered) == 1
    assert (sum(sunday.chart.answered), sum(sunday.chart.abandoned)) == (1, 1)
    assert sunday.chart.answered[sunday.chart.labels.index("11:00")] == 1
    # The CSV's rows: each of the 94 intervals for both queues and the center.
    assert totals.interval_rows == 94 * 3
