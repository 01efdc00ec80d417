"""The interval report's figures beside its rows: the center's chart per interval and its
totals for each day, and the totals of the whole range per queue and for the center.

They come out of the same `interval_series` pass as the rows: its windows are the intervals,
then each local day, then the range (`totals_windows`). Each day and the range are windows of
their own, so their service level and averages are the metrics engine's figures for that
window, never an average of interval figures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from wallboard.metrics import ContactFigures, IntervalSeries, Window, day_window


@dataclass(frozen=True)
class IntervalChart:
    """The center's figures per interval, for the interval report's chart."""

    labels: tuple[str, ...]
    answered: tuple[int, ...]
    abandoned: tuple[int, ...]
    short_abandoned: tuple[int, ...]
    service_level_pct: tuple[float | None, ...]


@dataclass(frozen=True, slots=True)
class QueueFigures:
    queue: str
    figures: ContactFigures


@dataclass(frozen=True)
class PeriodTotals:
    """One window's figures: each queue (in the report's queue order) and the center."""

    queues: tuple[QueueFigures, ...]
    center: ContactFigures


@dataclass(frozen=True)
class DayTotals:
    day: date
    center: ContactFigures
    chart: IntervalChart  # that day's intervals only


@dataclass(frozen=True)
class IntervalTotals:
    days: tuple[DayTotals, ...]
    range: PeriodTotals
    interval_rows: int  # the report's rows: one per interval per queue, and the center's


def totals_windows(
    intervals: Sequence[Window], days: Sequence[date], zone: ZoneInfo
) -> tuple[Window, ...]:
    """The windows of one pass: the intervals, each day, then the whole range."""
    day_windows = tuple(day_window(day, zone) for day in days)
    return (*intervals, *day_windows, Window(day_windows[0].start, day_windows[-1].end))


def interval_chart(figures: Sequence[ContactFigures], labels: Sequence[str]) -> IntervalChart:
    return IntervalChart(
        labels=tuple(labels),
        answered=tuple(f.answered for f in figures),
        abandoned=tuple(f.abandoned for f in figures),
        short_abandoned=tuple(f.short_abandoned for f in figures),
        service_level_pct=tuple(f.service_level_pct for f in figures),
    )


def _period(series: IntervalSeries, slot: int, queues: Sequence[tuple[str, str]]) -> PeriodTotals:
    return PeriodTotals(
        queues=tuple(
            QueueFigures(name, series.queues[queue_id][slot]) for queue_id, name in queues
        ),
        center=series.center[slot],
    )


def interval_totals(
    series: IntervalSeries,
    *,
    interval_count: int,
    days: Sequence[date],
    queues: Sequence[tuple[str, str]],
    zone: ZoneInfo,
    clock_label: Callable[[datetime], str],
) -> IntervalTotals:
    """Split a pass over `totals_windows(...)` into day and range totals.

    `queues` is (queue id, name) in the report's order; `clock_label` names an interval
    within its day, for the day's chart.
    """
    day_slot = interval_count
    range_slot = interval_count + len(days)
    day_totals: list[DayTotals] = []
    slot = 0
    for offset, day in enumerate(days):
        day_end = series.windows[day_slot + offset].end
        first = slot
        while slot < interval_count and series.windows[slot].start < day_end:
            slot += 1
        day_totals.append(
            DayTotals(
                day=day,
                center=series.center[day_slot + offset],
                chart=interval_chart(
                    series.center[first:slot],
                    [clock_label(w.start.astimezone(zone)) for w in series.windows[first:slot]],
                ),
            )
        )
    return IntervalTotals(
        days=tuple(day_totals),
        range=_period(series, range_slot, queues),
        interval_rows=interval_count * (len(queues) + 1),
    )
