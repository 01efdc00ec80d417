"""Interval chart data for a queue or the center: offered, answered, abandoned, service level
and ASA per 15/30/60-minute interval today beside yesterday, from the reports' engine
(`interval_series`). Pure: contacts, zone and `now` come in, a JSON-ready dict goes out for
`json_script`, drawn by static/js/supervisor.js with the vendored Chart.js."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from wallboard.metrics import (
    Contact,
    ContactColumns,
    ContactFigures,
    MetricsConfig,
    day_window,
    interval_series,
    interval_windows,
)
from wallboard.metrics.figures import contact_figures
from wallboard.metrics.tally import ContactTally

INTERVAL_CHOICES = (15, 30, 60)
DEFAULT_INTERVAL_MIN = 30


@dataclass(frozen=True, slots=True)
class ChartRow:
    """One interval of the chart's table (its text alternative)."""

    label: str
    today: ContactFigures | None  # None: the interval has not begun yet
    yesterday: ContactFigures | None


def _series(figures: Sequence[ContactFigures | None]) -> dict[str, list[Any]]:
    def pick(attr: str) -> list[Any]:
        out: list[Any] = []
        for f in figures:
            value = None if f is None else getattr(f, attr)
            out.append(round(value, 1) if isinstance(value, float) else value)
        return out

    return {
        "offered": pick("offered"),
        "answered": pick("answered"),
        "abandoned": pick("abandoned"),
        "serviceLevelPct": pick("service_level_pct"),
        "asaS": pick("asa_s"),
    }


def interval_chart(
    contacts: Iterable[Contact] | ContactColumns,
    *,
    queue_id: str | None,
    zone: ZoneInfo,
    now: datetime,
    minutes: int,
    config: MetricsConfig,
) -> tuple[dict[str, Any], list[ChartRow]]:
    """(chart data, table rows) for one queue (None: the center), from the first interval
    either day had contacts to the later of now and yesterday's last contact. Intervals are
    matched by local time of day; today's not yet begun are None (no data, not zero)."""
    today = now.astimezone(zone).date()
    yesterday = today - timedelta(days=1)
    windows = interval_windows(first_day=yesterday, last_day=today, zone=zone, minutes=minutes)
    series = interval_series(contacts, windows=windows, config=config)
    figures = series.center if queue_id is None else series.queues.get(queue_id)
    days: dict[date, dict[str, ContactFigures]] = {today: {}, yesterday: {}}
    labels: list[str] = []
    current = 0
    for index, window in enumerate(windows):
        local = window.start.astimezone(zone)
        label = local.strftime("%H:%M")
        if local.date() == today:
            if window.start > now:
                continue
            labels.append(label)
            current = len(labels) - 1
        days[local.date()][label] = figures[index] if figures is not None else EMPTY_FIGURES
    for window in windows:  # today's later intervals, for yesterday's comparison
        local = window.start.astimezone(zone)
        if local.date() == today and window.start > now:
            labels.append(local.strftime("%H:%M"))
    busy = [
        i
        for i, label in enumerate(labels)
        if any(d.get(label, EMPTY_FIGURES).offered for d in days.values())
    ]
    first = min(busy[0], current) if busy else current
    last = max(busy[-1], current) if busy else current
    shown = labels[first : last + 1]
    today_figures = [days[today].get(label) for label in shown]
    yesterday_figures = [days[yesterday].get(label, EMPTY_FIGURES) for label in shown]
    data = {
        "labels": shown,
        "intervalMin": minutes,
        "today": _series(today_figures),
        "yesterday": _series(yesterday_figures),
    }
    rows = [
        ChartRow(label, t, y)
        for label, t, y in zip(shown, today_figures, yesterday_figures, strict=True)
    ]
    return data, rows


EMPTY_FIGURES = contact_figures(ContactTally())


def yesterday_start(now: datetime, zone: ZoneInfo) -> datetime:
    """Local midnight at the start of yesterday: what the chart reads contacts from."""
    return day_window(now.astimezone(zone).date() - timedelta(days=1), zone).start
