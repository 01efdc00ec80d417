"""The engine's one-pass tallies (`tally_cells`, `tally_time`) equal a straightforward
reference: every window, every contact or span, counted one by one with the same `classify`.

The passes are written for speed (segments found by bisection, windows walked by start,
accumulators with fewer fields than a tally); these properties are what shows that they
count exactly what the definitions in docs/metrics.md say.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from wallboard.metrics import (
    PERIODS,
    AgentState,
    AgentStateSpan,
    Contact,
    MetricsConfig,
    Outcome,
    Window,
    interval_windows,
    period_windows,
)
from wallboard.metrics.agent_time import tally_time
from wallboard.metrics.agents import OCCUPIED_STATES
from wallboard.metrics.contacts import classify, threshold_ms
from wallboard.metrics.tally import ContactTally, WaitingTally, tally_cells

from .builders import LONDON
from .strategies import NOW, AgentDay, agent_days, contact_lists

CONFIG = MetricsConfig(
    short_abandon_threshold_s=5,
    queue_service_level_threshold_s={"q2": 30, "q3": 0},
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def reference_cells(
    contacts: Sequence[Contact], windows: Sequence[Window]
) -> dict[tuple[str, str | None], tuple[list[ContactTally], WaitingTally]]:
    short_ms = threshold_ms(CONFIG.short_abandon_threshold_s)
    members: dict[tuple[str, str | None], list[Contact]] = {}
    for contact in contacts:
        if contact.queue_id is not None:
            members.setdefault((contact.queue_id, contact.team_id), []).append(contact)
    cells = {}
    for (queue_id, team_id), cell_contacts in members.items():
        sl_ms = threshold_ms(CONFIG.service_level_threshold_s(queue_id))
        tallies = []
        for window in windows:
            counts = dict.fromkeys(
                ("offered", "answered", "answered_within_t", "abandoned", "abandoned_within_t"),
                0,
            )
            short = answer_wait = wait = handled = talk = hold = wrapup = transferred = 0
            waits: list[int] = []
            for contact in cell_contacts:
                outcome, waited, was_handled, c_talk, c_hold, c_wrapup = classify(
                    contact, short_abandon_threshold_ms=short_ms
                )
                if contact.arrived_at in window:
                    counts["offered"] += 1
                    if outcome is Outcome.SHORT_ABANDONED:
                        short += 1
                    elif outcome is Outcome.ANSWERED:
                        counts["answered"] += 1
                        counts["answered_within_t"] += waited <= sl_ms
                        answer_wait += waited
                        wait += waited
                        waits.append(waited)
                    elif outcome is Outcome.ABANDONED:
                        counts["abandoned"] += 1
                        counts["abandoned_within_t"] += waited <= sl_ms
                        wait += waited
                        waits.append(waited)
                if was_handled and contact.ended_at is not None and contact.ended_at in window:
                    handled += 1
                    talk += c_talk
                    hold += c_hold
                    wrapup += c_wrapup
                    transferred += contact.transfer_count > 0
            tallies.append(
                ContactTally(
                    **counts,
                    short_abandoned=short,
                    answer_wait_ms=answer_wait,
                    wait_ms=wait,
                    max_wait_ms=max(waits, default=None),
                    handled=handled,
                    talk_ms=talk,
                    hold_ms=hold,
                    wrapup_ms=wrapup,
                    transferred=transferred,
                )
            )
        waiting = [c.arrived_at for c in cell_contacts if c.is_open and c.is_waiting]
        cells[(queue_id, team_id)] = (
            tallies,
            WaitingTally(len(waiting), min(waiting, default=None)),
        )
    return cells


def _ms(moment: datetime) -> int:
    return (moment - _EPOCH) // _MS


def reference_time(
    spans: Sequence[AgentStateSpan], windows: Sequence[Window], now: datetime
) -> dict[str, list[tuple[int, int, int, int, int, dict[str, int]]]]:
    """Per agent, per window: logged in, available, occupied, reserved, idle ms, idle by code."""
    by_agent: dict[str, list[tuple[int, int, int, int, int, dict[str, int]]]] = {}
    for span in spans:
        if span.state is AgentState.LOGGED_OUT:
            continue
        start_ms = _ms(span.start)
        end_ms = _ms(span.end if span.end is not None else now)
        for slot, window in enumerate(windows):
            overlap = min(end_ms, _ms(window.end)) - max(start_ms, _ms(window.start))
            if overlap <= 0:
                continue
            rows = by_agent.setdefault(span.agent_id, [(0, 0, 0, 0, 0, {}) for _ in windows])
            logged_in, available, occupied, reserved, idle, codes = rows[slot]
            if span.state is AgentState.IDLE:
                codes = {**codes, span.idle_code: codes.get(span.idle_code, 0) + overlap}
            rows[slot] = (
                logged_in + overlap,
                available + overlap * (span.state is AgentState.AVAILABLE),
                occupied + overlap * (span.state in OCCUPIED_STATES),
                reserved + overlap * (span.state is AgentState.RESERVED),
                idle + overlap * (span.state is AgentState.IDLE),
                codes,
            )
    return by_agent


def board_and_interval_windows(now: datetime) -> list[list[Window]]:
    periods = period_windows(now=now, zone=LONDON)
    day = now.astimezone(LONDON).date()
    return [
        [periods[period] for period in PERIODS],
        list(interval_windows(first_day=day, last_day=day, zone=LONDON, minutes=15)),
    ]


# A `now` off the whole millisecond, so flooring to milliseconds is exercised.
sub_ms_now = st.integers(min_value=0, max_value=999_999).map(
    lambda us: NOW - timedelta(microseconds=us)
)


@settings(max_examples=150, deadline=None)  # the reference is slow by design
@given(contact_lists(max_size=60), sub_ms_now)
def test_tally_cells_equals_counting_each_window_one_contact_at_a_time(
    contacts: list[Contact], now: datetime
) -> None:
    for windows in board_and_interval_windows(now):
        fast = tally_cells(contacts, config=CONFIG, windows=windows)
        expected = reference_cells(contacts, windows)
        assert fast.keys() == expected.keys()
        for key, cell in fast.items():
            tallies, waiting = expected[key]
            assert [cell.tally(slot) for slot in range(len(windows))] == tallies
            assert cell.waiting == waiting


@settings(max_examples=150, deadline=None)  # the reference is slow by design
@given(agent_days(), sub_ms_now)
def test_tally_time_equals_each_span_overlapped_with_each_window(
    days: AgentDay, now: datetime
) -> None:
    _, spans = days
    for windows in board_and_interval_windows(now):
        fast = tally_time(spans, windows=windows, now=now)
        expected = reference_time(spans, windows, now)
        assert fast.keys() == expected.keys()
        for agent_id, slots in fast.items():
            assert [(*row[:5], dict(row[5])) for row in slots] == expected[agent_id]
