"""Agents now (counts by state and idle code) and where their time went (occupancy)."""

from __future__ import annotations

import pytest

from wallboard.metrics import (
    AgentGroupFigures,
    AgentState,
    CenterSnapshot,
    GroupFigures,
    Period,
    compute_center,
    tally_agent_time,
)
from wallboard.metrics.agent_time import tally_time
from wallboard.metrics.inputs import AgentState as EngineAgentState
from wallboard.metrics.periods import period_windows
from wxcc.models import AgentState as StoredAgentState

from .builders import LONDON, at, span
from .scenario import AGENTS, CONFIG, CONTACTS, NOW, SPANS

MINUTE_MS = 60_000
_OCCUPIED = 2  # a time row: logged in, available, occupied, reserved, idle, idle by code


@pytest.fixture(scope="module")
def snapshot() -> CenterSnapshot:
    return compute_center(
        contacts=CONTACTS, agents=AGENTS, spans=SPANS, config=CONFIG, now=NOW, zone=LONDON
    )


def agents_of(group: GroupFigures) -> AgentGroupFigures:
    assert group.agents is not None
    return group.agents


def test_engine_agent_states_are_the_stored_ones() -> None:
    assert {state.value for state in EngineAgentState} == {
        state.value for state in StoredAgentState
    }


def test_team_counts_by_state_add_up_to_logged_in(snapshot: CenterSnapshot) -> None:
    t1, t2 = agents_of(snapshot.teams["t1"]), agents_of(snapshot.teams["t2"])
    assert (t1.counts.logged_in, t1.counts.available, t1.counts.connected) == (2, 1, 1)
    assert (t2.counts.logged_in, t2.counts.idle, t2.counts.on_hold, t2.counts.connected) == (
        2,
        1,
        1,
        0,
    )
    assert t2.counts.idle_by_code == {"Lunch": 1}
    counts = agents_of(snapshot.center).counts
    assert counts.logged_in == 4
    assert counts.logged_in == (
        counts.available
        + counts.idle
        + counts.reserved
        + counts.connected
        + counts.on_hold
        + counts.wrapup
    )


def test_occupancy_today_is_time_on_contacts_over_that_plus_available(
    snapshot: CenterSnapshot,
) -> None:
    t1, t2 = agents_of(snapshot.teams["t1"]), agents_of(snapshot.teams["t2"])
    center = agents_of(snapshot.center)
    # t1: a1 on contacts 20 + 5 + 5 (open span to 10:00) min, available 30; a2 available 40.
    assert t1.occupancy_pct[Period.TODAY] == pytest.approx(100 * 30 / (30 + 70))
    # t2: a3 connected 9, available 45; its minute ringing counts as neither.
    assert t2.occupancy_pct[Period.TODAY] == pytest.approx(100 * 9 / (9 + 45))
    assert center.occupancy_pct[Period.TODAY] == pytest.approx(100 * 39 / (39 + 115))
    assert t1.occupancy_pct[Period.LAST_15_MIN] == pytest.approx(100 * 15 / (15 + 15))


def test_agent_time_by_state_and_idle_code(snapshot: CenterSnapshot) -> None:
    t2 = agents_of(snapshot.teams["t2"])
    today = t2.time[Period.TODAY]
    assert (today.logged_in_ms, today.reserved_ms, today.idle_ms) == (
        60 * MINUTE_MS,
        1 * MINUTE_MS,
        5 * MINUTE_MS,
    )
    assert today.idle_ms_by_code == {"Lunch": 5 * MINUTE_MS}
    last_15 = t2.time[Period.LAST_15_MIN]
    assert (last_15.available_ms, last_15.reserved_ms, last_15.occupied_ms) == (
        0,
        1 * MINUTE_MS,
        9 * MINUTE_MS,
    )


def test_each_agent_has_a_state_and_a_time_in_state(snapshot: CenterSnapshot) -> None:
    a3 = snapshot.agents["a3"]
    assert (a3.state, a3.idle_code, a3.team_id) == (AgentState.IDLE, "Lunch", "t2")
    assert snapshot.time_in_state_s("a3") == 5 * 60
    assert snapshot.agents["a4"].on_hold is True
    assert snapshot.agents["a2"].idle_code == ""
    assert snapshot.time_in_state_s("nobody") is None


def test_a_span_is_clipped_to_each_window_and_an_open_span_lasts_until_now() -> None:
    spans = [
        span("a1", AgentState.AVAILABLE, at(-2), at(0, 30)),  # from 22:00 yesterday
        span("a1", AgentState.IDLE, at(9, 50), None, "Break"),
    ]
    windows = period_windows(now=NOW, zone=LONDON)
    by_agent = tally_agent_time(spans, windows=list(windows.values()), now=NOW)
    today, last_15, _, last_60 = by_agent["a1"]
    assert today.available_ms == 30 * MINUTE_MS
    assert today.idle_ms_by_code == {"Break": 10 * MINUTE_MS}
    assert last_15.idle_ms == 10 * MINUTE_MS
    assert last_60.available_ms == 0


def test_span_times_floor_each_end_to_a_whole_ms_and_split_at_the_rolling_hour() -> None:
    # NOW is 10:00, so today starts at 00:00 and the rolling hour at 09:00.
    spans = [
        # Before the rolling hour, today only: 08:00:00.000900 to 08:00:01.000100 is
        # 1,000,100 - 900 us, but each end floors to a whole ms first: 1,000 - 0 = 1,000 ms.
        span("a1", AgentState.IDLE, at(8, 0, 0.0009), at(8, 0, 1.0001), "Lunch"),
        # 08:30 to 09:10 crosses into the rolling hour: 40 min today, 10 min of it in the hour.
        span("a1", AgentState.CONNECTED, at(8, 30), at(9, 10)),
        # The same agent's team: a second agent's 5 min in the hour adds to it.
        span("a2", AgentState.CONNECTED, at(9, 20), at(9, 25)),
    ]
    windows = list(period_windows(now=NOW, zone=LONDON).values())
    by_agent = tally_agent_time(spans, windows=windows, now=NOW)
    today, last_15, last_30, last_60 = by_agent["a1"]
    assert today.idle_ms_by_code == {"Lunch": 1_000}
    assert today.occupied_ms == 40 * MINUTE_MS
    assert today.logged_in_ms == 40 * MINUTE_MS + 1_000
    assert last_60.occupied_ms == 10 * MINUTE_MS
    assert last_60.idle_ms_by_code == {}
    assert last_30.logged_in_ms == last_15.logged_in_ms == 0

    by_team = tally_time(spans, windows=windows, now=NOW, key_of={"a1": "t1", "a2": "t1"})
    team_today, _, _, team_last_60 = by_team["t1"]
    assert team_today[_OCCUPIED] == 45 * MINUTE_MS
    assert team_last_60[_OCCUPIED] == 15 * MINUTE_MS


@pytest.mark.parametrize("with_logged_out_agents", [False, True])
def test_a_center_with_no_agents_logged_in_has_zero_counts_and_no_occupancy(
    with_logged_out_agents: bool,
) -> None:
    # Agents known but none with time (or no agents at all): every group still has figures.
    logged_out = [a for a in AGENTS if a.state is EngineAgentState.LOGGED_OUT]
    empty = compute_center(
        contacts=[],
        agents=logged_out if with_logged_out_agents else [],
        spans=[],
        config=CONFIG,
        now=NOW,
        zone=LONDON,
    )

    center = agents_of(empty.center)
    assert center.counts.logged_in == 0
    assert center.occupancy_pct == dict.fromkeys(Period)
    assert center.time[Period.TODAY].logged_in_ms == 0
    for queue_id in CONFIG.queue_team_ids:
        assert agents_of(empty.queue(queue_id)).counts.available == 0
    assert list(empty.agents) == [a.id for a in (logged_out if with_logged_out_agents else [])]
