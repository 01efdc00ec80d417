"""One small hand-computed center (docs/metrics.md, "Worked example"): two queues, two teams,
five agents, at 10:00 on 10 March 2026 in London (UTC+0, so local and UTC clocks agree)."""

from __future__ import annotations

from wallboard.metrics import AgentState, MetricsConfig

from .builders import abandoned, agent, answered, at, span, waiting

NOW = at(10)
CONFIG = MetricsConfig(
    short_abandon_threshold_s=5,
    default_service_level_threshold_s=20,
    queue_service_level_threshold_s={"q2": 30},
    queue_team_ids={"q1": frozenset({"t1"}), "q2": frozenset({"t2"})},
)

CONTACTS = [
    # q1, service-level threshold 20 s
    answered("c1", arrived=at(9, 0), wait_s=10, talk_s=200, hold_s=40, wrapup_s=60),
    answered(
        "c2", arrived=at(9, 10), wait_s=30, talk_s=100, wrapup_s=20, agent_id="a2", transfers=1
    ),
    abandoned("c3", arrived=at(9, 20), wait_s=15),
    abandoned("c4", arrived=at(9, 30), wait_s=45),
    abandoned("c5", arrived=at(9, 40), wait_s=3),  # short
    abandoned("c6", arrived=at(9, 50), wait_s=5),  # exactly at the short threshold: not short
    waiting("c7", arrived=at(9, 58)),
    waiting("c8", arrived=at(9, 59, 30)),
    answered("c9", arrived=at(9, 55), wait_s=20, talk_s=0, ended=False),  # wait exactly T
    # q2, service-level threshold 30 s
    answered(
        "d1",
        arrived=at(9, 50),
        wait_s=25,
        talk_s=120,
        wrapup_s=30,
        queue_id="q2",
        agent_id="a3",
        team_id="t2",
    ),
    abandoned("d2", arrived=at(9, 52), wait_s=40, queue_id="q2"),
]

AGENTS = [
    agent("a1", AgentState.CONNECTED, since=at(9, 55), team_id="t1"),
    agent("a2", AgentState.AVAILABLE, since=at(9, 20), team_id="t1"),
    agent("a3", AgentState.IDLE, since=at(9, 55), team_id="t2", idle_code="Lunch"),
    agent("a4", AgentState.CONNECTED, since=at(9, 58), team_id="t2", on_hold=True),
    agent("a5", AgentState.LOGGED_OUT, since=at(8), team_id="t1"),
]

SPANS = [
    span("a1", AgentState.AVAILABLE, at(9, 0), at(9, 30)),
    span("a1", AgentState.CONNECTED, at(9, 30), at(9, 50)),
    span("a1", AgentState.WRAPUP, at(9, 50), at(9, 55)),
    span("a1", AgentState.CONNECTED, at(9, 55), None),
    span("a2", AgentState.IDLE, at(9, 0), at(9, 20), "Break"),
    span("a2", AgentState.AVAILABLE, at(9, 20), None),
    span("a3", AgentState.AVAILABLE, at(9, 0), at(9, 45)),
    span("a3", AgentState.RESERVED, at(9, 45), at(9, 46)),
    span("a3", AgentState.CONNECTED, at(9, 46), at(9, 55)),
    span("a3", AgentState.IDLE, at(9, 55), None, "Lunch"),
    span("a5", AgentState.LOGGED_OUT, at(8), None),
]
