"""Pure mapping from WxCC API records to observations: vocabularies and estimated times."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wxcc.api_types import (
    AgentActivityRecord,
    AgentSessionRecord,
    ChannelState,
    EntityRef,
    TaskRecord,
    from_epoch_ms,
)
from wxcc.client_support import parse_all
from wxcc.exceptions import WxccUnexpectedAnswer
from wxcc.mapping import (
    agent_observation,
    agent_state,
    current_activities,
    finished_task_observations,
    task_observation,
    task_observations,
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


# --- open records, unreadable and far-future times -------------------------------------------


def test_minus_one_is_an_open_record_not_a_time() -> None:
    assert from_epoch_ms(-1) is None
    assert from_epoch_ms("-1") is None
    assert from_epoch_ms(1_773_136_800_000) == datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
    assert from_epoch_ms("1773136800000") == datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
    assert from_epoch_ms(1_773_136_800_000.0) == datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "junk", [1e20, float("inf"), float("nan"), 253_402_300_800_000, "soon", True, -5, 1.5]
)
def test_an_unreadable_optional_time_is_none(junk: object) -> None:
    assert from_epoch_ms(junk) is None


@pytest.mark.parametrize("junk", [1e20, float("inf"), 253_402_300_800_000, None, "tomorrow", -1])
def test_an_unreadable_required_time_is_an_unexpected_answer(junk: object) -> None:
    row = {"id": "t1", "status": "parked", "isActive": True, "createdTime": junk}
    with pytest.raises(WxccUnexpectedAnswer):
        parse_all(TaskRecord.parse, [row])


def test_an_unreadable_end_leaves_the_task_readable() -> None:
    row = {"id": "t1", "status": "ended", "createdTime": 1_773_136_800_000, "endedTime": 1e20}
    [task] = parse_all(TaskRecord.parse, [row])
    assert task.ended_at is None


def test_a_task_dated_2100_is_taken_as_of_the_poll() -> None:
    in_2100 = datetime(2100, 1, 1, tzinfo=UTC)
    as_of = T0 + timedelta(minutes=5)
    obs = task_observation(record(created_at=in_2100), as_of=as_of)
    assert obs.created_at == as_of
    assert obs.at == as_of
    ended = finished_task_observations(
        record(status="ended", is_active=False, created_at=T0, ended_at=in_2100), as_of
    )
    assert ended[-1].ended_at == as_of


def test_a_time_within_the_webhook_skew_is_kept() -> None:
    as_of = T0 + timedelta(minutes=5)
    soon = as_of + timedelta(minutes=4)
    assert task_observation(record(created_at=soon), as_of=as_of).created_at == soon


# --- how a contact ended ---------------------------------------------------------------------


def test_an_ended_task_carries_wxccs_classification_and_a_live_one_none() -> None:
    short = record(
        status="ended",
        is_active=False,
        ended_at=T0 + timedelta(seconds=8),
        termination_type="abandoned",
        contact_handle_type="short",
        abandoned_type="queue",
        terminating_end="Customer",
        termination_reason="Customer Left",
    )
    [*_, end] = task_observations([short], T0 + timedelta(minutes=1))
    assert end.status == TaskStatus.ENDED
    assert end.classification is not None
    assert end.classification.contact_handle_type == "short"
    assert end.classification.abandoned_type == "queue"
    assert (end.classification.terminating_end, end.termination_type) == (
        "Customer",
        "abandoned",
    )
    [live] = task_observations([record()], T0 + timedelta(minutes=1))
    assert live.classification is None


def test_the_handle_type_is_read_in_lowercase_as_it_is_compared() -> None:
    row = {"id": "t1", "createdTime": 1_773_136_800_000, "contactHandleType": " Abandoned "}
    [task] = parse_all(TaskRecord.parse, [row])
    assert task.contact_handle_type == "abandoned"


# --- agent states from agentSession channelInfo ----------------------------------------------


def channel(kind: str, state: str, at_s: int, idle: str = "") -> ChannelState:
    return ChannelState(kind, state, T0 + timedelta(seconds=at_s), idle)


def test_the_agents_state_is_its_channels_current_state_since_its_last_activity() -> None:
    session = replace(SESSION, channels=(channel("telephony", "idle", 30, "Lunch"),))
    obs = agent_observation(session)
    assert obs is not None
    assert (obs.state, obs.idle_code, obs.at) == (
        AgentState.IDLE,
        "Lunch",
        T0 + timedelta(seconds=30),
    )


def test_a_call_on_one_channel_outranks_being_available_on_another() -> None:
    session = replace(
        SESSION,
        channels=(channel("telephony", "connected", 30), channel("chat", "available", 90)),
    )
    obs = agent_observation(session)
    assert obs is not None
    assert (obs.state, obs.at) == (AgentState.CONNECTED, T0 + timedelta(seconds=30))


def test_a_rona_without_an_idle_code_is_idle_for_rona() -> None:
    session = replace(SESSION, channels=(channel("telephony", "rona", 30),))
    obs = agent_observation(session)
    assert obs is not None
    assert (obs.state, obs.idle_code) == (AgentState.IDLE, "RONA")


def test_a_channel_in_a_word_we_do_not_know_falls_back_to_the_sessions_state() -> None:
    session = replace(SESSION, channels=(channel("telephony", "teleporting", 30),))
    obs = agent_observation(session)
    assert obs is not None
    assert (obs.state, obs.at) == (AgentState.IDLE, T0)


def test_a_state_change_dated_2100_is_taken_as_of_the_poll() -> None:
    as_of = T0 + timedelta(minutes=5)
    session = replace(
        SESSION,
        channels=(ChannelState("telephony", "available", datetime(2100, 1, 1, tzinfo=UTC)),),
    )
    obs = agent_observation(session, as_of=as_of)
    assert obs is not None
    assert obs.at == as_of
