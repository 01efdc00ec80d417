"""Pure mapping from WxCC API records to observations: vocabularies and estimated times."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from wxcc.api_types import AgentActivityRecord, AgentSessionRecord, EntityRef, TaskRecord
from wxcc.mapping import (
    agent_observation,
    agent_state,
    current_activities,
    task_observation,
    task_status,
)
from wxcc.models import AgentState, TaskStatus

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
QUEUE = EntityRef("q1", "Sales")
AGENT = EntityRef("a1", "Ada")


def record(**overrides: object) -> TaskRecord:
    base = TaskRecord(
        id="t1",
        status="parked",
        is_active=True,
        channel_type="telephony",
        direction="inbound",
        origin="+15550001",
        destination="+15559999",
        created_at=T0,
        ended_at=None,
        termination_type="",
        last_queue=QUEUE,
        last_agent=None,
        last_team=None,
        queue_duration_ms=30_000,
        ringing_duration_ms=4_000,
        connected_duration_ms=0,
        hold_duration_ms=0,
        wrapup_duration_ms=0,
        total_duration_ms=50_000,
        selfservice_duration_ms=10_000,
        transfer_count=0,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def test_search_statuses_map_to_life_stages() -> None:
    assert task_status(record(status="created")) == TaskStatus.NEW
    assert task_status(record(status="parked")) == TaskStatus.QUEUED
    assert task_status(record(status="offered")) == TaskStatus.OFFERED
    assert task_status(record(status="connected")) == TaskStatus.CONNECTED
    assert task_status(record(status="ended", is_active=False)) == TaskStatus.ENDED


def test_an_unknown_status_is_derived_from_activity_agent_and_queue() -> None:
    assert task_status(record(status="mystery", is_active=False)) == TaskStatus.ENDED
    assert task_status(record(status="mystery", last_agent=AGENT)) == TaskStatus.CONNECTED
    assert task_status(record(status="mystery")) == TaskStatus.QUEUED
    assert task_status(record(status="mystery", last_queue=None)) == TaskStatus.NEW


def test_a_queued_task_is_queued_since_self_service_ended() -> None:
    obs = task_observation(record(), as_of=T0 + timedelta(minutes=5))
    assert obs.status == TaskStatus.QUEUED
    assert obs.at == T0 + timedelta(seconds=10)
    assert obs.queue is not None
    assert obs.queue.wxcc_id == "q1"
    assert obs.agent is None


def test_a_connected_task_is_connected_since_self_service_queue_and_ringing() -> None:
    obs = task_observation(
        record(status="connected", last_agent=AGENT), as_of=T0 + timedelta(minutes=5)
    )
    assert obs.at == T0 + timedelta(seconds=10 + 30 + 4)
    assert obs.connected_at == obs.at
    assert obs.agent is not None
    assert obs.agent.wxcc_id == "a1"


@given(
    selfservice_ms=st.integers(0, 10**7),
    queue_ms=st.integers(0, 10**7),
    ringing_ms=st.integers(0, 10**7),
    status=st.sampled_from(["created", "parked", "offered", "connected"]),
    as_of_s=st.integers(0, 10**4),
)
def test_an_estimated_status_time_is_never_after_the_snapshot(
    selfservice_ms: int, queue_ms: int, ringing_ms: int, status: str, as_of_s: int
) -> None:
    as_of = T0 + timedelta(seconds=as_of_s)
    obs = task_observation(
        record(
            status=status,
            selfservice_duration_ms=selfservice_ms,
            queue_duration_ms=queue_ms,
            ringing_duration_ms=ringing_ms,
        ),
        as_of=as_of,
    )
    assert T0 <= obs.at <= as_of


def test_agent_states_from_activities_and_the_state_api_share_one_table() -> None:
    assert agent_state("available") == AgentState.AVAILABLE
    assert agent_state("Engaged") == AgentState.CONNECTED
    assert agent_state("EngagedOther") == AgentState.CONNECTED
    assert agent_state("on-hold") == AgentState.CONNECTED
    assert agent_state("ringing") == AgentState.RESERVED
    assert agent_state("WrapUp") == AgentState.WRAPUP
    assert agent_state("logged-out") == AgentState.LOGGED_OUT
    assert agent_state("something new") is None


def activity(
    state: str, start_s: int, *, active: bool = True, agent: str = "a1"
) -> AgentActivityRecord:
    return AgentActivityRecord(
        agent=EntityRef(agent, ""),
        session_id="s1",
        current_state=state,
        active=active,
        is_login=False,
        team=None,
        task_id="",
        queue_id="",
        channel_type="telephony",
        idle_code_name="Lunch" if state == "idle" else "",
        started_at=T0 + timedelta(seconds=start_s),
        ended_at=None,
    )


SESSION = AgentSessionRecord(
    session_id="s1",
    agent=AGENT,
    team=EntityRef("tm1", "Blue"),
    site=None,
    started_at=T0,
    ended_at=None,
    is_active=True,
    state="Idle",
)


def test_the_current_activity_is_the_latest_active_one() -> None:
    current = current_activities(
        [activity("available", 10, active=False), activity("idle", 20), activity("ringing", 5)]
    )
    assert current["a1"].current_state == "idle"


def test_an_agent_is_observed_in_their_current_activity_since_it_began() -> None:
    obs = agent_observation(SESSION, activity("idle", 20))
    assert obs is not None
    assert (obs.state, obs.idle_code, obs.at) == (
        AgentState.IDLE,
        "Lunch",
        T0 + timedelta(seconds=20),
    )
    assert obs.login_at == T0
    assert obs.session_id == "s1"


def test_without_an_activity_the_session_state_applies_as_of_the_login() -> None:
    obs = agent_observation(SESSION, None)
    assert obs is not None
    assert (obs.state, obs.at) == (AgentState.IDLE, T0)


def test_an_agent_in_an_unknown_state_is_not_observed() -> None:
    assert agent_observation(replace(SESSION, state="Mystery"), None) is None
