"""Report ranges: today, yesterday, this/last week, this/last month or custom, as local days
of the org's zone. Pure: callers pass the local date of "now".

A range is whole local days; its window runs from the first day's local midnight to the
midnight after the last day (`wallboard.metrics.day_window`), so a 23- or 25-hour DST day is
one day like any other.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from wallboard.metrics import Window, day_window

from .models import RangeKind

# Weeks start on Monday (ISO 8601), our choice: docs/reports.md "Named constants".
WEEK_START_ISO_WEEKDAY = 1
# WxCC search: `from` "must not be older than 36 months" (docs/wxcc-contract.md §2.2).
SEARCH_LOOKBACK_MONTHS = 36
# A custom range may cover at most this many days: a year, WxCC's own span limit.
MAX_RANGE_DAYS = 366


class ReportRangeError(ValueError):
    """A range the user asked for that cannot be reported (the message says why)."""


@dataclass(frozen=True, slots=True)
class DayRange:
    """Local days first_day..last_day inclusive."""

    first_day: date
    last_day: date

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise ReportRangeError("the range ends before it starts")

    @property
    def day_count(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def days(self) -> Iterator[date]:
        day = self.first_day
        while day <= self.last_day:
            yield day
            day += timedelta(days=1)

    def window(self, zone: ZoneInfo) -> Window:
        return Window(day_window(self.first_day, zone).start, day_window(self.last_day, zone).end)

    def label(self) -> str:
        if self.first_day == self.last_day:
            return self.first_day.isoformat()
        return f"{self.first_day.isoformat()} to {self.last_day.isoformat()}"


def _week_start(day: date) -> date:
    return day - timedelta(days=(day.isoweekday() - WEEK_START_ISO_WEEKDAY) % 7)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def oldest_reportable_day(today: date) -> date:
    """The first local day WxCC's look-back still covers whole (a day of margin)."""
    years = SEARCH_LOOKBACK_MONTHS // 12
    try:
        same_day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        same_day = today.replace(year=today.year - years, day=28)
    return same_day + timedelta(days=1)


def resolve_range(
    kind: RangeKind | str,
    *,
    today: date,
    first_day: date | None = None,
    last_day: date | None = None,
) -> DayRange:
    """The local days of a range kind, seen from the local date `today`."""
    kind = RangeKind(kind)
    if kind is RangeKind.TODAY:
        return DayRange(today, today)
    if kind is RangeKind.YESTERDAY:
        yesterday = today - timedelta(days=1)
        return DayRange(yesterday, yesterday)
    if kind is RangeKind.THIS_WEEK:
        return DayRange(_week_start(today), today)
    if kind is RangeKind.LAST_WEEK:
        start = _week_start(today) - timedelta(days=7)
        return DayRange(start, start + timedelta(days=6))
    if kind is RangeKind.THIS_MONTH:
        return DayRange(_month_start(today), today)
    if kind is RangeKind.LAST_MONTH:
        last = _month_start(today) - timedelta(days=1)
        return DayRange(_month_start(last), last)
    if first_day is None or last_day is None:
        raise ReportRangeError("a custom range needs a first and a last day")
    return DayRange(first_day, last_day)


def check_reportable(days: DayRange, *, today: date) -> None:
    """Refuse ranges WxCC cannot answer: in the future, older than its look-back, too long."""
    if days.last_day > today:
        raise ReportRangeError(f"the range ends after today ({today.isoformat()})")
    oldest = oldest_reportable_day(today)
    if days.first_day < oldest:
        raise ReportRangeError(
            f"WxCC keeps {SEARCH_LOOKBACK_MONTHS} months of history: "
            f"start on {oldest.isoformat()} or later"
        )
    if days.day_count > MAX_RANGE_DAYS:
        raise ReportRangeError(f"a report covers at most {MAX_RANGE_DAYS} days")


def local_today(now: datetime, zone: ZoneInfo) -> date:
    return now.astimezone(zone).date()
