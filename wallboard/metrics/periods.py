"""Time windows: today since local midnight, the rolling periods, days and report intervals.

The board's or org's zone is used only here, to find local midnight and interval boundaries;
every window is a half-open range [start, end) of aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

INTERVAL_MINUTES = (15, 30, 60)


class Period(StrEnum):
    TODAY = "today"
    LAST_15_MIN = "15m"
    LAST_30_MIN = "30m"
    LAST_60_MIN = "60m"


ROLLING_MINUTES = {Period.LAST_15_MIN: 15, Period.LAST_30_MIN: 30, Period.LAST_60_MIN: 60}
PERIODS = tuple(Period)


class NaiveDatetimeError(ValueError):
    """A time without a zone reached the metrics: every time inside is aware UTC."""


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a window cannot end before it starts")

    def __contains__(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    @property
    def length_s(self) -> float:
        return (self.end - self.start).total_seconds()


def require_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise NaiveDatetimeError(f"naive datetime {moment.isoformat()}")
    return moment


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of a local day, in UTC (in a gap at midnight, the first real one)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def local_midnight(now: datetime, zone: ZoneInfo) -> datetime:
    """The start of `now`'s local day in `zone`, in UTC."""
    return day_start(require_aware(now).astimezone(zone).date(), zone)


def day_window(day: date, zone: ZoneInfo) -> Window:
    """One local day: 23, 24 or 25 hours long around DST changes."""
    return Window(day_start(day, zone), day_start(day + timedelta(days=1), zone))


def period_window(period: Period, *, now: datetime, zone: ZoneInfo) -> Window:
    """Today since local midnight, or the last 15/30/60 minutes, ending at `now`."""
    now = require_aware(now).astimezone(UTC)
    if period is Period.TODAY:
        return Window(local_midnight(now, zone), now)
    return Window(now - timedelta(minutes=ROLLING_MINUTES[period]), now)


def period_windows(*, now: datetime, zone: ZoneInfo) -> dict[Period, Window]:
    return {period: period_window(period, now=now, zone=zone) for period in PERIODS}


def interval_windows(
    *, first_day: date, last_day: date, zone: ZoneInfo, minutes: int
) -> tuple[Window, ...]:
    """Report intervals of `minutes` for each local day from first_day to last_day inclusive.

    Each day starts at its local midnight and steps in elapsed time, so a 23-hour DST day has
    92 quarter-hours and a 25-hour day 100; a day's last interval is cut at the next midnight.
    """
    if minutes not in INTERVAL_MINUTES:
        raise ValueError(f"interval must be one of {INTERVAL_MINUTES} minutes, not {minutes}")
    if last_day < first_day:
        raise ValueError("last_day is before first_day")
    step = timedelta(minutes=minutes)
    windows: list[Window] = []
    day = first_day
    while day <= last_day:
        whole_day = day_window(day, zone)
        start = whole_day.start
        while start < whole_day.end:
            end = min(start + step, whole_day.end)
            windows.append(Window(start, end))
            start = end
        day += timedelta(days=1)
    return tuple(windows)
