"""Incremental updates across local midnight, and what each update marks as recomputed."""

from __future__ import annotations

from datetime import datetime

import pytest

from wallboard.metrics import (
    AgentState,
    AgentStateSpan,
    AgentStatus,
    CenterSnapshot,
    Period,
    SnapshotOutdated,
    compute_center,
    compute_since,
    recompute_agents,
    recompute_queues,
    refresh,
    refresh_since,
)

from .builders import LONDON, abandoned, agent, answered, at, span, waiting
from .scenario import AGENTS, CONFIG, CONTACTS, NOW, SPANS

EVENING = [
    answered("e1", arrived=at(23, 40), wait_s=30, talk_s=120),
    abandoned("e2", arrived=at(23, 45), wait_s=40),
    waiting("e3", arrived=at(23, 48)),
]
EVENING_SPANS = [span("a1", AgentState.AVAILABLE, at(23), None)]
EVENING_AGENTS = [agent("a1", AgentState.AVAILABLE, since=at(23))]


def evening_snapshot() -> CenterSnapshot:
    return compute_center(
        contacts=EVENING,
        agents=EVENING_AGENTS,
        spans=EVENING_SPANS,
        config=CONFIG,
        now=at(23, 50),
        zone=LONDON,
    )


def test_refresh_just_after_midnight_starts_today_again_from_the_last_hour() -> None:
    after_midnight = at(24, 20)
    refreshed = refresh(
        evening_snapshot(), contacts=EVENING, spans=EVENING_SPANS, now=after_midnight
    )
    from_scratch = compute_center(
        contacts=EVENING,
        agents=EVENING_AGENTS,
        spans=EVENING_SPANS,
        config=CONFIG,
        now=after_midnight,
        zone=LONDON,
    )
    assert refreshed.center == from_scratch.center
    assert refreshed.center.periods[Period.TODAY].offered == 0
    assert refreshed.center.periods[Period.LAST_60_MIN].offered == 3
    assert refreshed.center.contacts_waiting == 1


def test_refresh_more_than_an_hour_into_a_new_day_asks_for_a_full_computation() -> None:
    with pytest.raises(SnapshotOutdated):
        refresh(evening_snapshot(), contacts=EVENING, spans=EVENING_SPANS, now=at(25, 1))


def test_per_queue_and_per_agent_updates_refuse_to_cross_midnight() -> None:
    with pytest.raises(SnapshotOutdated):
        recompute_queues(evening_snapshot(), queue_ids={"q1"}, contacts=EVENING, now=at(24, 1))
    with pytest.raises(SnapshotOutdated):
        recompute_agents(
            evening_snapshot(), agents=EVENING_AGENTS, spans=EVENING_SPANS, now=at(24, 1)
        )


def a2_goes_on_break(moment: datetime) -> tuple[AgentStatus, list[AgentStateSpan]]:
    """Agent a2 (team t1, available since 9:20) goes on a break at `moment`."""
    return agent("a2", AgentState.IDLE, since=moment, idle_code="Break"), [
        span("a2", AgentState.IDLE, at(9, 0), at(9, 20), "Break"),
        span("a2", AgentState.AVAILABLE, at(9, 20), moment),
        span("a2", AgentState.IDLE, moment, None, "Break"),
    ]


def test_an_update_marks_only_the_queues_and_teams_it_touched() -> None:
    snapshot = compute_center(
        contacts=CONTACTS, agents=AGENTS, spans=SPANS, config=CONFIG, now=NOW, zone=LONDON
    )
    assert snapshot.recomputed_queue_ids == {"q1", "q2"}
    q2_now = [c for c in CONTACTS if c.queue_id == "q2"] + [
        abandoned("d3", arrived=at(9, 59), wait_s=10, queue_id="q2")
    ]
    by_queue = recompute_queues(snapshot, queue_ids={"q2"}, contacts=q2_now, now=NOW)
    assert by_queue.recomputed_queue_ids == {"q2"}
    assert by_queue.recomputed_team_ids == {"t2"}
    assert by_queue.queues["q1"] == snapshot.queues["q1"]
    assert by_queue.queues["q2"].periods[Period.TODAY].abandoned == 2
    assert by_queue.center.periods[Period.TODAY].offered == 12

    a2_on_break, a2_spans = a2_goes_on_break(at(9, 59))
    by_agent = recompute_agents(by_queue, agents=[a2_on_break], spans=a2_spans, now=NOW)
    assert by_agent.recomputed_team_ids == {"t1"}
    assert by_agent.recomputed_queue_ids == {"q1"}
    t1 = by_agent.teams["t1"].agents
    assert t1 is not None
    assert t1.counts.idle_by_code == {"Break": 1}
    assert by_agent.agents["a2"].state is AgentState.IDLE


def test_an_agent_change_later_moves_its_team_on_and_leaves_the_others_as_last_tallied() -> None:
    snapshot = compute_center(
        contacts=CONTACTS, agents=AGENTS, spans=SPANS, config=CONFIG, now=NOW, zone=LONDON
    )
    later = at(10, 10)  # ten minutes after NOW
    a2_on_break, a2_spans = a2_goes_on_break(at(10, 5))

    updated = recompute_agents(snapshot, agents=[a2_on_break], spans=a2_spans, now=later)
    from_scratch = compute_center(
        contacts=CONTACTS,
        agents=[a2_on_break if a.id == "a2" else a for a in AGENTS],
        spans=[x for x in SPANS if x.agent_id != "a2"] + a2_spans,
        config=CONFIG,
        now=later,
        zone=LONDON,
    )

    # Today's time: t1 (a2's team) is tallied up to `later`; t2 keeps its last tally until the
    # timer's refresh, as every group an update did not touch (rolling periods move then too).
    def today(snap: CenterSnapshot, team: str) -> object:
        group = snap.teams[team].agents
        assert group is not None
        return group.time[Period.TODAY]

    assert today(updated, "t1") == today(from_scratch, "t1")
    assert today(updated, "t2") == today(snapshot, "t2")
    assert today(updated, "t2") != today(from_scratch, "t2")
    assert updated.teams["t2"].agents is snapshot.teams["t2"].agents


def test_the_selectors_window_covers_the_last_hour_and_all_of_today() -> None:
    assert compute_since(now=NOW, zone=LONDON) == at(0)
    assert compute_since(now=at(0, 20), zone=LONDON) == at(-1, 20)
    assert refresh_since(now=NOW) == at(9)
