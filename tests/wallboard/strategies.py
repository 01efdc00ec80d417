"""Hypothesis strategies: a plausible day of contacts and agent spans up to `NOW`."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from wallboard.metrics import AgentState, AgentStateSpan, AgentStatus, Contact, HandleType

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # noon in London; midnight was 12 h ago
EARLIEST = NOW - timedelta(hours=14)
QUEUES = ("q1", "q2", "q3")
TEAMS = (None, "t1", "t2")
AGENT_IDS = ("a1", "a2", "a3", "a4")
AgentDay = tuple[list[AgentStatus], list[AgentStateSpan]]


def _seconds(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(min_value=low, max_value=high)


@st.composite
def contacts(draw: st.DrawFn, contact_id: str = "c") -> Contact:
    # Strictly before NOW: periods are [start, now), so an event at `now` counts next time.
    arrived = EARLIEST + timedelta(seconds=draw(_seconds(0, 14 * 3600 - 1)))
    queue_id = draw(st.sampled_from(QUEUES))
    kind = draw(st.sampled_from(["waiting", "talking", "handled", "abandoned", "classified"]))
    wait = timedelta(seconds=draw(_seconds(0, 120)))
    base = Contact(
        id=contact_id,
        queue_id=queue_id,
        agent_id=None,
        team_id=None,
        channel_type="telephony",
        arrived_at=arrived,
    )
    if kind == "waiting" or arrived + wait >= NOW:
        return _with(base, is_open=True, is_waiting=True)
    if kind in ("abandoned", "classified"):
        ended = arrived + wait
        handle_type = None
        if kind == "classified":
            handle_type = draw(st.sampled_from([HandleType.ABANDONED, HandleType.SHORT]))
        return _with(base, ended_at=ended, handle_type=handle_type)
    agent_id = draw(st.sampled_from(AGENT_IDS))
    team_id = draw(st.sampled_from(TEAMS))
    answered_at = arrived + wait
    talk, hold, wrapup = (draw(_seconds(0, 900)), draw(_seconds(0, 60)), draw(_seconds(0, 90)))
    ended = answered_at + timedelta(seconds=talk + hold)
    if kind == "talking" or ended >= NOW:
        return _with(
            base, agent_id=agent_id, team_id=team_id, answered_at=answered_at, is_open=True
        )
    return _with(
        base,
        agent_id=agent_id,
        team_id=team_id,
        answered_at=answered_at,
        ended_at=ended,
        handle_type=draw(st.sampled_from([None, HandleType.NORMAL])),
        talk_ms=talk * 1000,
        hold_ms=hold * 1000,
        wrapup_ms=wrapup * 1000,
        transfer_count=draw(st.integers(min_value=0, max_value=2)),
    )


def _with(base: Contact, **changes: Any) -> Contact:
    return replace(base, **changes)


@st.composite
def contact_lists(draw: st.DrawFn, max_size: int = 40) -> list[Contact]:
    count = draw(st.integers(min_value=0, max_value=max_size))
    return [draw(contacts(contact_id=f"c{i}")) for i in range(count)]


@st.composite
def agent_days(draw: st.DrawFn) -> AgentDay:
    """Each agent's back-to-back spans from some start until now; the last one open."""
    statuses: list[AgentStatus] = []
    spans: list[AgentStateSpan] = []
    for agent_id in AGENT_IDS:
        start = EARLIEST + timedelta(seconds=draw(_seconds(0, 13 * 3600)))
        states = draw(st.lists(st.sampled_from(list(AgentState)), min_size=1, max_size=6))
        for index, state in enumerate(states):
            last = index == len(states) - 1
            end = None if last else min(NOW, start + timedelta(seconds=draw(_seconds(1, 7200))))
            code = "Break" if state is AgentState.IDLE else ""
            spans.append(AgentStateSpan(agent_id, state, start, end, code))
            if end is None or end >= NOW:
                break
            start = end
        spans[-1] = AgentStateSpan(
            agent_id, spans[-1].state, spans[-1].start, None, spans[-1].idle_code
        )
        last_span = spans[-1]
        statuses.append(
            AgentStatus(
                id=agent_id,
                team_id=draw(st.sampled_from(TEAMS)),
                state=last_span.state,
                state_since=last_span.start,
                idle_code=last_span.idle_code,
                on_hold=draw(st.booleans()),
            )
        )
    return statuses, spans
