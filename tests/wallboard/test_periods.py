"""Windows: local midnight, rolling periods, 23- and 25-hour days, report intervals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest

from wallboard.metrics import (
    NaiveDatetimeError,
    Period,
    Window,
    day_window,
    interval_windows,
    local_midnight,
    period_window,
)

from .builders import LONDON, NEW_YORK


def test_today_starts_at_local_midnight_in_the_boards_zone() -> None:
    # 03:30 UTC on 10 March is 23:30 on 9 March in New York (UTC-4 after 8 March).
    now = datetime(2026, 3, 10, 3, 30, tzinfo=UTC)
    assert local_midnight(now, NEW_YORK) == datetime(2026, 3, 9, 4, 0, tzinfo=UTC)
    assert local_midnight(now, LONDON) == datetime(2026, 3, 10, 0, 0, tzinfo=UTC)
    assert period_window(Period.TODAY, now=now, zone=LONDON) == Window(
        datetime(2026, 3, 10, tzinfo=UTC), now
    )


def test_just_after_midnight_today_is_minutes_long_and_the_hour_reaches_into_yesterday() -> None:
    now = datetime(2026, 7, 1, 23, 5, tzinfo=UTC)  # 00:05 BST on 2 July
    today = period_window(Period.TODAY, now=now, zone=LONDON)
    last_hour = period_window(Period.LAST_60_MIN, now=now, zone=LONDON)
    assert today.length_s == 5 * 60
    assert last_hour.start < today.start


@pytest.mark.parametrize(
    ("period", "minutes"),
    [(Period.LAST_15_MIN, 15), (Period.LAST_30_MIN, 30), (Period.LAST_60_MIN, 60)],
)
def test_rolling_periods_end_now(period: Period, minutes: int) -> None:
    now = datetime(2026, 3, 10, 12, 7, 30, tzinfo=UTC)
    assert period_window(period, now=now, zone=LONDON) == Window(
        now - timedelta(minutes=minutes), now
    )


def test_the_spring_forward_day_has_23_hours_and_the_fall_back_day_25() -> None:
    assert day_window(date(2026, 3, 29), LONDON).length_s == 23 * 3600
    assert day_window(date(2026, 10, 25), LONDON).length_s == 25 * 3600
    assert day_window(date(2026, 3, 8), NEW_YORK).length_s == 23 * 3600
    assert day_window(date(2026, 11, 1), NEW_YORK).length_s == 25 * 3600
    assert day_window(date(2026, 3, 10), LONDON).length_s == 24 * 3600


@pytest.mark.parametrize(
    ("day", "minutes", "count"),
    [
        (date(2026, 3, 29), 15, 92),
        (date(2026, 3, 29), 30, 46),
        (date(2026, 3, 29), 60, 23),
        (date(2026, 10, 25), 15, 100),
        (date(2026, 10, 25), 60, 25),
        (date(2026, 3, 10), 15, 96),
    ],
)
def test_a_dst_day_has_fewer_or_more_intervals(day: date, minutes: int, count: int) -> None:
    windows = interval_windows(first_day=day, last_day=day, zone=LONDON, minutes=minutes)
    assert len(windows) == count
    assert windows[0].start == day_window(day, LONDON).start
    assert windows[-1].end == day_window(day, LONDON).end


def test_intervals_after_the_spring_change_start_on_local_quarter_hours() -> None:
    windows = interval_windows(
        first_day=date(2026, 3, 29), last_day=date(2026, 3, 29), zone=LONDON, minutes=15
    )
    local_starts = [w.start.astimezone(LONDON).strftime("%H:%M") for w in windows[3:6]]
    assert local_starts == ["00:45", "02:00", "02:15"]


def test_intervals_of_several_days_follow_one_another() -> None:
    windows = interval_windows(
        first_day=date(2026, 3, 28), last_day=date(2026, 3, 30), zone=LONDON, minutes=60
    )
    assert len(windows) == 24 + 23 + 24
    assert all(a.end == b.start for a, b in pairwise(windows))


def test_only_15_30_and_60_minute_intervals_are_allowed() -> None:
    with pytest.raises(ValueError, match="interval"):
        interval_windows(
            first_day=date(2026, 3, 10), last_day=date(2026, 3, 10), zone=LONDON, minutes=20
        )


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        period_window(Period.TODAY, now=datetime(2026, 3, 10, 12), zone=LONDON)


def test_a_window_is_half_open() -> None:
    window = Window(datetime(2026, 3, 10, 9, tzinfo=UTC), datetime(2026, 3, 10, 10, tzinfo=UTC))
    assert window.start in window
    assert window.end not in window
