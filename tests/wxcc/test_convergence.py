"""Webhooks arrive out of order and more than once: any order must end in the same state."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oauth.models import Organization
from wxcc.models import AgentSession, AgentState, Source, Task, TaskStatus
from wxcc.observations import AgentObservation, Ref, TaskObservation
from wxcc.services import apply_agent_observation, apply_task_observation

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@st.composite
def task_lifecycles(draw: st.DrawFn) -> list[TaskObservation]:
    """A plausible life: new, then rounds of queue -> offer (-> RONA back to queue), maybe
    answered, always ended; strictly increasing times; queue may change on transfer."""
    task_id = str(uuid.uuid4())
    t = T0 + timedelta(seconds=draw(st.integers(0, 3600)))
    queue = draw(st.sampled_from(["q-sales", "q-support", "q-billing"]))
    events = [TaskObservation(task_id, TaskStatus.NEW, t, channel_type="telephony", created_at=t)]

    def later() -> datetime:
        nonlocal t
        t = t + timedelta(milliseconds=draw(st.integers(1, 120_000)))
        return t

    for _ in range(draw(st.integers(0, 3))):
        if draw(st.booleans()):
            queue = draw(st.sampled_from(["q-sales", "q-support", "q-billing"]))
        events.append(TaskObservation(task_id, TaskStatus.QUEUED, later(), queue=Ref(queue)))
        agent = draw(st.sampled_from(["a-1", "a-2", "a-3"]))
        if draw(st.booleans()):
            events.append(TaskObservation(task_id, TaskStatus.OFFERED, later(), agent=Ref(agent)))
            if draw(st.booleans()):
                events.append(
                    TaskObservation(task_id, TaskStatus.CONNECTED, later(), agent=Ref(agent))
                )
                break
    events.append(TaskObservation(task_id, TaskStatus.ENDED, later()))
    return events


def snapshot(org: Organization, task_id: str) -> dict[str, Any]:
    task = Task.objects.select_related("queue", "agent").get(organization=org, wxcc_id=task_id)
    return {
        "status": task.status,
        "queue": task.queue.wxcc_id if task.queue else None,
        "agent": task.agent.wxcc_id if task.agent else None,
        "created_at": task.created_at,
        "queued_at": task.queued_at,
        "offered_at": task.offered_at,
        "connected_at": task.connected_at,
        "ended_at": task.ended_at,
        "history": sorted((tr.status, tr.at) for tr in task.transitions.all()),
    }


def apply_all(org: Organization, observations: list[TaskObservation]) -> None:
    for obs in observations:
        apply_task_observation(org, obs, Source.WEBHOOK)


@pytest.fixture
def two_orgs(db: None) -> tuple[Organization, Organization]:
    return (
        Organization.objects.create(name="In order"),
        Organization.objects.create(name="Shuffled"),
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lifecycle=task_lifecycles(), data=st.data())
def test_any_arrival_order_of_task_events_converges_to_the_in_order_state(
    two_orgs: tuple[Organization, Organization], lifecycle: list[TaskObservation], data: Any
) -> None:
    in_order, shuffled = two_orgs
    apply_all(in_order, lifecycle)
    permutation = data.draw(st.permutations(lifecycle))
    duplicates = data.draw(st.lists(st.sampled_from(lifecycle), max_size=3))
    apply_all(shuffled, [*permutation, *duplicates])
    expected = snapshot(in_order, lifecycle[0].wxcc_id)
    got = snapshot(shuffled, lifecycle[0].wxcc_id)
    # Duplicates add history rows (each delivery is recorded) but never change the state.
    assert {k: v for k, v in got.items() if k != "history"} == {
        k: v for k, v in expected.items() if k != "history"
    }
    assert set(got["history"]) == set(expected["history"])
    assert got["status"] == TaskStatus.ENDED


def test_a_poll_that_says_ended_agrees_with_events_that_said_so(
    two_orgs: tuple[Organization, Organization],
) -> None:
    """The poll's view of a finished task and the webhooks' view meet in the same row."""
    by_events, by_poll = two_orgs
    t = T0
    events = [
        TaskObservation("t-1", TaskStatus.NEW, t, created_at=t),
        TaskObservation("t-1", TaskStatus.QUEUED, t + timedelta(seconds=4), queue=Ref("q-1")),
        TaskObservation("t-1", TaskStatus.CONNECTED, t + timedelta(seconds=30), agent=Ref("a-1")),
        TaskObservation("t-1", TaskStatus.ENDED, t + timedelta(seconds=200)),
    ]
    apply_all(by_events, list(reversed(events)))
    apply_task_observation(
        by_poll,
        TaskObservation(
            "t-1",
            TaskStatus.ENDED,
            t + timedelta(seconds=200),
            queue=Ref("q-1"),
            agent=Ref("a-1"),
            created_at=t,
            connected_at=t + timedelta(seconds=30),
            ended_at=t + timedelta(seconds=200),
        ),
        Source.POLL,
    )
    a, b = snapshot(by_events, "t-1"), snapshot(by_poll, "t-1")
    for key in ("status", "queue", "agent", "created_at", "connected_at", "ended_at"):
        assert a[key] == b[key], key


@st.composite
def agent_days(draw: st.DrawFn) -> list[AgentObservation]:
    agent = Ref(f"agent-{uuid.uuid4()}")
    t = T0 + timedelta(seconds=draw(st.integers(0, 3600)))
    states = [
        AgentState.AVAILABLE,
        AgentState.IDLE,
        AgentState.RESERVED,
        AgentState.CONNECTED,
        AgentState.WRAPUP,
    ]
    obs = [AgentObservation(agent, AgentState.IDLE, t, idle_code="Login")]
    for state in draw(st.lists(st.sampled_from(states), max_size=6)):
        t = t + timedelta(seconds=draw(st.integers(1, 900)))
        obs.append(
            AgentObservation(agent, state, t, idle_code="Break" if state == AgentState.IDLE else "")
        )
    if draw(st.booleans()):
        t = t + timedelta(seconds=draw(st.integers(1, 900)))
        obs.append(AgentObservation(agent, AgentState.LOGGED_OUT, t))
    return obs


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(day=agent_days(), data=st.data())
def test_any_arrival_order_of_agent_events_converges_to_the_in_order_session(
    two_orgs: tuple[Organization, Organization], day: list[AgentObservation], data: Any
) -> None:
    in_order, shuffled = two_orgs
    for obs in day:
        apply_agent_observation(in_order, obs, Source.WEBHOOK)
    for obs in data.draw(st.permutations(day)):
        apply_agent_observation(shuffled, obs, Source.WEBHOOK)

    def view(org: Organization) -> list[tuple[Any, ...]]:
        return [
            (s.state, s.idle_code, s.state_since, s.login_at, s.logout_at)
            for s in AgentSession.objects.filter(
                organization=org, agent__wxcc_id=day[0].agent.wxcc_id
            )
        ]

    assert view(shuffled) == view(in_order)
    assert len(view(in_order)) == 1
