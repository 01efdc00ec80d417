"""Report figures over any range: the same tallies and formulas as the boards."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from wallboard.metrics import (
    AgentState,
    Period,
    agent_performance,
    compute_center,
    day_window,
    interval_series,
    interval_windows,
    queue_summary,
)

from .builders import LONDON, answered, at, span
from .scenario import AGENTS, CONFIG, CONTACTS, NOW, SPANS


def test_queue_summary_of_a_day_matches_the_board_today() -> None:
    summary = queue_summary(CONTACTS, window=day_window(date(2026, 3, 10), LONDON), config=CONFIG)
    board = compute_center(
        contacts=CONTACTS, agents=AGENTS, spans=SPANS, config=CONFIG, now=NOW, zone=LONDON
    )
    assert summary.queues["q1"] == board.queues["q1"].periods[Period.TODAY]
    assert summary.center == board.center.periods[Period.TODAY]


def test_interval_series_counts_arrivals_and_handle_time_where_each_belongs() -> None:
    # Arrived 09:10, answered 09:10:30, ended 09:12:10: in the 09:00 half hour. Arrived 09:25,
    # answered 09:26, ended 09:41: offered at 09:00, handled at 09:30.
    spanning = answered("c2", arrived=at(9, 25), wait_s=60, talk_s=900, wrapup_s=60)
    windows = interval_windows(
        first_day=date(2026, 3, 10), last_day=date(2026, 3, 10), zone=LONDON, minutes=30
    )
    series = interval_series([CONTACTS[1], spanning], windows=windows, config=CONFIG)
    nine, half_nine = series.queues["q1"][18], series.queues["q1"][19]
    assert windows[18].start == at(9)
    assert (nine.offered, nine.answered, nine.handled) == (2, 2, 1)
    assert nine.aht_s == 120
    assert nine.asa_s == 45
    assert (half_nine.offered, half_nine.handled) == (0, 1)
    assert half_nine.aht_s == 960
    assert half_nine.asa_s is None


def test_a_23_hour_day_reports_92_quarter_hours_with_contacts_in_local_time() -> None:
    day = date(2026, 3, 29)
    windows = interval_windows(first_day=day, last_day=day, zone=LONDON, minutes=15)
    # 02:20 BST is 01:20 UTC; 00:20 GMT is 00:20 UTC.
    early = answered("c1", arrived=datetime(2026, 3, 29, 0, 20, tzinfo=UTC), wait_s=5, talk_s=9)
    late = answered("c2", arrived=datetime(2026, 3, 29, 1, 20, tzinfo=UTC), wait_s=5, talk_s=9)
    series = interval_series([early, late], windows=windows, config=CONFIG)
    offered = [figures.offered for figures in series.center]
    assert len(offered) == 92
    assert offered[1] == 1  # 00:15-00:30 GMT
    assert offered[5] == 1  # 02:15-02:30 BST, the sixth quarter hour of the day
    assert sum(offered) == 2


def test_interval_series_add_up_to_the_summary_of_the_day() -> None:
    day = date(2026, 3, 10)
    windows = interval_windows(first_day=day, last_day=day, zone=LONDON, minutes=15)
    series = interval_series(CONTACTS, windows=windows, config=CONFIG)
    summary = queue_summary(CONTACTS, window=day_window(day, LONDON), config=CONFIG)
    assert sum(f.offered for f in series.center) == summary.center.offered
    assert sum(f.handled for f in series.center) == summary.center.handled
    assert sum(f.short_abandoned for f in series.center) == summary.center.short_abandoned


def test_agent_performance_over_the_morning_by_hand() -> None:
    window = day_window(date(2026, 3, 10), LONDON)
    performance = agent_performance(CONTACTS, SPANS, window=window, config=CONFIG, now=NOW)
    a1 = performance["a1"]
    assert a1.handled == 1  # c1; c9 is still open
    assert a1.aht_s == 300
    assert (a1.talk_s, a1.hold_s, a1.wrapup_s) == (200, 40, 60)
    assert a1.login_s == 60 * 60  # open span counted until now, not to the end of the day
    assert a1.occupancy_pct == 50
    a2 = performance["a2"]
    assert (a2.handled, a2.transferred) == (1, 1)
    assert a2.idle_s_by_code == {"Break": 20 * 60}
    assert a2.occupancy_pct == 0
    a3 = performance["a3"]
    assert a3.avg_wrapup_s == 30
    assert a3.occupancy_pct == pytest.approx(100 * 9 / 54)
    assert "a5" not in performance  # logged out all along


def test_agent_performance_counts_nothing_before_the_window() -> None:
    window = day_window(date(2026, 3, 11), LONDON)
    later = datetime(2026, 3, 11, 12, tzinfo=UTC)
    spans = [span("a1", AgentState.AVAILABLE, at(9), None)]
    performance = agent_performance(CONTACTS, spans, window=window, config=CONFIG, now=later)
    assert performance["a1"].handled == 0
    assert performance["a1"].aht_s is None
    assert performance["a1"].available_s == 12 * 3600


def test_on_the_25_hour_day_the_repeated_hour_has_its_own_intervals() -> None:
    # 25 October 2026: 01:20 BST (00:20 UTC) and, an hour later, 01:20 GMT (01:20 UTC).
    day = date(2026, 10, 25)
    windows = interval_windows(first_day=day, last_day=day, zone=LONDON, minutes=15)
    first = answered("c1", arrived=datetime(2026, 10, 25, 0, 20, tzinfo=UTC), wait_s=5, talk_s=9)
    second = answered("c2", arrived=datetime(2026, 10, 25, 1, 20, tzinfo=UTC), wait_s=5, talk_s=9)
    offered = [
        f.offered for f in interval_series([first, second], windows=windows, config=CONFIG).center
    ]
    assert len(offered) == 100
    assert (offered[5], offered[9], sum(offered)) == (1, 1, 2)
    assert windows[5].start.astimezone(LONDON).strftime("%H:%M %Z") == "01:15 BST"
    assert windows[9].start.astimezone(LONDON).strftime("%H:%M %Z") == "01:15 GMT"
