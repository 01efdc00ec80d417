"""Report ranges are local days of the org's zone: a 23- and a 25-hour day are days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reporting.models import RangeKind
from reporting.ranges import (
    MAX_RANGE_DAYS,
    DayRange,
    ReportRangeError,
    check_reportable,
    oldest_reportable_day,
    resolve_range,
)
from wallboard.metrics import interval_windows

LONDON = ZoneInfo("Europe/London")
SYDNEY = ZoneInfo("Australia/Sydney")
WEDNESDAY = date(2026, 3, 11)


@pytest.mark.parametrize(
    ("kind", "first", "last"),
    [
        (RangeKind.TODAY, date(2026, 3, 11), date(2026, 3, 11)),
        (RangeKind.YESTERDAY, date(2026, 3, 10), date(2026, 3, 10)),
        (RangeKind.THIS_WEEK, date(2026, 3, 9), date(2026, 3, 11)),
        (RangeKind.LAST_WEEK, date(2026, 3, 2), date(2026, 3, 8)),
        (RangeKind.THIS_MONTH, date(2026, 3, 1), date(2026, 3, 11)),
        (RangeKind.LAST_MONTH, date(2026, 2, 1), date(2026, 2, 28)),
    ],
)
def test_named_ranges_seen_from_a_wednesday(kind: RangeKind, first: date, last: date) -> None:
    assert resolve_range(kind, today=WEDNESDAY) == DayRange(first, last)


def test_last_month_in_january_is_last_december() -> None:
    assert resolve_range(RangeKind.LAST_MONTH, today=date(2027, 1, 5)) == DayRange(
        date(2026, 12, 1), date(2026, 12, 31)
    )


def test_last_week_seen_from_a_monday_is_the_whole_week_before() -> None:
    assert resolve_range(RangeKind.LAST_WEEK, today=date(2026, 3, 9)) == DayRange(
        date(2026, 3, 2), date(2026, 3, 8)
    )


def test_a_custom_range_needs_both_days_in_order() -> None:
    with pytest.raises(ReportRangeError):
        resolve_range(RangeKind.CUSTOM, today=WEDNESDAY, first_day=date(2026, 3, 1))
    with pytest.raises(ReportRangeError):
        resolve_range(
            RangeKind.CUSTOM, today=WEDNESDAY, first_day=date(2026, 3, 5), last_day=date(2026, 3, 1)
        )


def test_the_spring_forward_day_is_23_hours_and_the_fall_back_day_25() -> None:
    spring = DayRange(date(2026, 3, 29), date(2026, 3, 29)).window(LONDON)
    autumn = DayRange(date(2026, 10, 25), date(2026, 10, 25)).window(LONDON)
    assert spring.length_s == 23 * 3600
    assert autumn.length_s == 25 * 3600
    assert spring.start == datetime(2026, 3, 29, 0, 0, tzinfo=UTC)
    assert autumn.start == datetime(2026, 10, 24, 23, 0, tzinfo=UTC)


def test_a_week_across_a_dst_change_runs_midnight_to_midnight_local() -> None:
    week = DayRange(date(2026, 3, 23), date(2026, 3, 29)).window(LONDON)
    assert week.start.astimezone(LONDON).hour == 0
    assert week.end.astimezone(LONDON).hour == 0
    assert week.length_s == 7 * 24 * 3600 - 3600


def test_quarter_hours_of_the_short_and_long_days() -> None:
    spring = interval_windows(
        first_day=date(2026, 3, 29), last_day=date(2026, 3, 29), zone=LONDON, minutes=15
    )
    autumn = interval_windows(
        first_day=date(2026, 10, 25), last_day=date(2026, 10, 25), zone=LONDON, minutes=15
    )
    assert (len(spring), len(autumn)) == (92, 100)


def test_a_range_may_not_end_after_today_nor_reach_past_wxcc_s_look_back() -> None:
    today = date(2026, 3, 11)
    with pytest.raises(ReportRangeError, match="after today"):
        check_reportable(DayRange(today, today + timedelta(days=1)), today=today)
    with pytest.raises(ReportRangeError, match="36 months"):
        check_reportable(DayRange(date(2023, 3, 10), date(2023, 3, 12)), today=today)
    oldest = oldest_reportable_day(today)
    check_reportable(DayRange(oldest, oldest + timedelta(days=10)), today=today)
    with pytest.raises(ReportRangeError, match="36 months"):
        check_reportable(DayRange(oldest - timedelta(days=1), oldest), today=today)
    with pytest.raises(ReportRangeError, match="at most"):
        check_reportable(DayRange(today - timedelta(days=MAX_RANGE_DAYS), today), today=today)


@given(
    day=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
    zone=st.sampled_from([LONDON, SYDNEY, ZoneInfo("America/New_York"), ZoneInfo("UTC")]),
)
def test_consecutive_days_tile_time_without_gaps(day: date, zone: ZoneInfo) -> None:
    first = DayRange(day, day).window(zone)
    second = DayRange(day + timedelta(days=1), day + timedelta(days=1)).window(zone)
    both = DayRange(day, day + timedelta(days=1)).window(zone)
    assert first.end == second.start
    assert both.start == first.start
    assert both.end == second.end
    assert first.length_s in (23 * 3600, 23.5 * 3600, 24 * 3600, 24.5 * 3600, 25 * 3600)
