"""Webhooks arrive out of order and more than once: any order must end in the same state.

The properties run over the pure merge rules (wxcc.merge) through an in-memory store, so
hundreds of examples take milliseconds; one test checks the services agree through the
database."""

from __future__ import annotations

import random
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from oauth.models import Organization
from tests.fixtures.factories import OrganizationFactory
from tests.wxcc.memory_store import AgentStore, TaskStore
from wxcc.agent_services import apply_agent_observation
from wxcc.models import AgentSession, AgentState, Source, Task, TaskStatus
from wxcc.observations import AgentObservation, Ref, TaskObservation
from wxcc.services import apply_task_observation

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
QUEUES = ["q-sales", "q-support", "q-billing"]


@st.composite
def task_lifecycles(draw: st.DrawFn) -> list[TaskObservation]:
    """A plausible life: new, then rounds of queue -> offer (-> RONA back to queue), maybe
    answered, always ended; strictly increasing times; queue may change on transfer."""
    task_id = str(uuid.uuid4())
    t = T0 + timedelta(seconds=draw(st.integers(0, 3600)))
    queue = draw(st.sampled_from(QUEUES))
    events = [TaskObservation(task_id, TaskStatus.NEW, t, channel_type="telephony", created_at=t)]

    def later() -> datetime:
        nonlocal t
        t = t + timedelta(milliseconds=draw(st.integers(1, 120_000)))
        return t

    for _ in range(draw(st.integers(0, 3))):
        if draw(st.booleans()):
            queue = draw(st.sampled_from(QUEUES))
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


@settings(max_examples=300, deadline=None)
@given(lifecycle=task_lifecycles(), data=st.data())
def test_any_arrival_order_of_task_events_converges_to_the_in_order_state(
    lifecycle: list[TaskObservation], data: Any
) -> None:
    in_order, shuffled = TaskStore(), TaskStore()
    for obs in lifecycle:
        in_order.apply(obs)
    permutation = data.draw(st.permutations(lifecycle))
    duplicates = data.draw(st.lists(st.sampled_from(lifecycle), max_size=3))
    for obs in [*permutation, *duplicates]:
        shuffled.apply(obs)

    task_id = lifecycle[0].wxcc_id
    # Duplicates add history rows (each delivery is recorded) but never change the state.
    assert shuffled.tasks[task_id] == in_order.tasks[task_id]
    assert set(shuffled.history[task_id]) == set(in_order.history[task_id])
    assert shuffled.tasks[task_id].status == TaskStatus.ENDED


@settings(max_examples=300, deadline=None)
@given(day=agent_days(), data=st.data())
def test_any_arrival_order_of_agent_events_converges_to_the_in_order_session(
    day: list[AgentObservation], data: Any
) -> None:
    in_order, shuffled = AgentStore(), AgentStore()
    for obs in day:
        in_order.apply(obs)
    for obs in data.draw(st.permutations(day)):
        shuffled.apply(obs)

    agent = day[0].agent.wxcc_id
    assert shuffled.view(agent) == in_order.view(agent)
    assert len(in_order.view(agent)) == 1


@settings(max_examples=200, deadline=None)
@given(lifecycle=task_lifecycles(), data=st.data())
def test_a_poll_that_repeats_what_is_stored_changes_nothing_and_records_nothing(
    lifecycle: list[TaskObservation], data: Any
) -> None:
    store = TaskStore()
    for obs in lifecycle:
        store.apply(obs, Source.POLL)
    again = store.apply(data.draw(st.sampled_from(lifecycle)), Source.POLL)
    assert again.changed_fields == frozenset()
    assert again.history == ()
    assert not again.visible


@settings(max_examples=200, deadline=None)
@given(day=agent_days(), data=st.data())
def test_a_poll_that_repeats_an_agents_state_changes_nothing_and_records_nothing(
    day: list[AgentObservation], data: Any
) -> None:
    store = AgentStore()
    for obs in day:
        store.apply(obs, Source.POLL)
    before = store.view(day[0].agent.wxcc_id)
    again = store.apply(data.draw(st.sampled_from(day)), Source.POLL)
    assert again.history == ()
    assert not again.visible
    assert store.view(day[0].agent.wxcc_id) == before


def db_task(org: Organization, task_id: str) -> dict[str, Any]:
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


@pytest.mark.django_db
def test_the_services_store_what_the_merge_rules_decide_for_shuffled_events() -> None:
    """Through the database: one task's and one agent's events in a scrambled order end as
    the in-memory merge of the in-order events says."""
    org = OrganizationFactory.create()
    t = T0
    task_events = [
        TaskObservation("t-1", TaskStatus.NEW, t, channel_type="chat", created_at=t),
        TaskObservation("t-1", TaskStatus.QUEUED, t + timedelta(seconds=4), queue=Ref("q-1")),
        TaskObservation("t-1", TaskStatus.OFFERED, t + timedelta(seconds=20), agent=Ref("a-1")),
        TaskObservation("t-1", TaskStatus.CONNECTED, t + timedelta(seconds=30), agent=Ref("a-1")),
        TaskObservation("t-1", TaskStatus.ENDED, t + timedelta(seconds=200)),
    ]
    agent = Ref("a-1")
    agent_events = [
        AgentObservation(agent, AgentState.IDLE, t, idle_code="Login"),
        AgentObservation(agent, AgentState.AVAILABLE, t + timedelta(seconds=10)),
        AgentObservation(agent, AgentState.RESERVED, t + timedelta(seconds=20)),
        AgentObservation(agent, AgentState.CONNECTED, t + timedelta(seconds=30)),
        AgentObservation(agent, AgentState.IDLE, t + timedelta(seconds=250), idle_code="Break"),
        AgentObservation(agent, AgentState.IDLE, t + timedelta(seconds=300), idle_code="Break"),
    ]
    for index in (4, 0, 3, 1, 3, 2):
        apply_task_observation(org=org, obs=task_events[index], source=Source.WEBHOOK)
    for index in (5, 2, 0, 4, 1, 3):
        apply_agent_observation(org=org, obs=agent_events[index], source=Source.WEBHOOK)

    tasks, agents = TaskStore(), AgentStore()
    for task_obs in task_events:
        tasks.apply(task_obs)
    for agent_obs in agent_events:
        agents.apply(agent_obs)
    expected = tasks.tasks["t-1"]
    stored = db_task(org, "t-1")
    assert stored["status"] == expected.status == TaskStatus.ENDED
    for name in ("created_at", "queued_at", "offered_at", "connected_at", "ended_at"):
        assert stored[name] == getattr(expected, name), name
    assert (stored["queue"], stored["agent"]) == ("q-1", "a-1")
    assert set(stored["history"]) == {(r.status, r.at) for r in tasks.history["t-1"]}

    sessions = [
        (s.state, s.idle_code, s.state_since, s.login_at, s.logout_at)
        for s in AgentSession.objects.filter(organization=org, agent__wxcc_id="a-1")
    ]
    assert sessions == agents.view("a-1")
    # The break began at 250 s although its first news (300 s) came before it.
    assert sessions[0][2] == t + timedelta(seconds=250)


@pytest.mark.django_db
def test_a_poll_that_says_ended_agrees_with_events_that_said_so() -> None:
    """The poll's view of a finished task and the webhooks' view meet in the same row."""
    by_events, by_poll = OrganizationFactory.create(), OrganizationFactory.create()
    t = T0
    events = [
        TaskObservation("t-1", TaskStatus.NEW, t, created_at=t),
        TaskObservation("t-1", TaskStatus.QUEUED, t + timedelta(seconds=4), queue=Ref("q-1")),
        TaskObservation("t-1", TaskStatus.CONNECTED, t + timedelta(seconds=30), agent=Ref("a-1")),
        TaskObservation("t-1", TaskStatus.ENDED, t + timedelta(seconds=200)),
    ]
    for obs in reversed(events):
        apply_task_observation(org=by_events, obs=obs, source=Source.WEBHOOK)
    apply_task_observation(
        org=by_poll,
        obs=TaskObservation(
            "t-1",
            TaskStatus.ENDED,
            t + timedelta(seconds=200),
            queue=Ref("q-1"),
            agent=Ref("a-1"),
            created_at=t,
            connected_at=t + timedelta(seconds=30),
            ended_at=t + timedelta(seconds=200),
        ),
        source=Source.POLL,
    )
    a, b = db_task(by_events, "t-1"), db_task(by_poll, "t-1")
    for key in ("status", "queue", "agent", "created_at", "connected_at", "ended_at"):
        assert a[key] == b[key], key


@pytest.mark.django_db(transaction=True)
def test_events_of_one_task_and_agent_applied_at_once_by_several_workers_converge() -> None:
    """Workers apply the same contact's and agent's events concurrently, each in its own
    transaction and connection: the row locks and the merge against the locked state leave
    the same result as one worker applying them in order."""
    org = OrganizationFactory.create()
    t = T0
    agent = Ref("a-9", "Nine")
    task_events = [
        TaskObservation("t-9", TaskStatus.NEW, t, channel_type="chat", created_at=t),
        TaskObservation("t-9", TaskStatus.QUEUED, t + timedelta(seconds=4), queue=Ref("q-9")),
        TaskObservation("t-9", TaskStatus.OFFERED, t + timedelta(seconds=20), agent=agent),
        TaskObservation("t-9", TaskStatus.CONNECTED, t + timedelta(seconds=30), agent=agent),
        TaskObservation("t-9", TaskStatus.ENDED, t + timedelta(seconds=200)),
    ]
    agent_events = [
        AgentObservation(agent, AgentState.IDLE, t, idle_code="Login"),
        AgentObservation(agent, AgentState.AVAILABLE, t + timedelta(seconds=10)),
        AgentObservation(agent, AgentState.RESERVED, t + timedelta(seconds=20)),
        AgentObservation(agent, AgentState.CONNECTED, t + timedelta(seconds=30)),
        AgentObservation(agent, AgentState.WRAPUP, t + timedelta(seconds=200)),
    ]
    work: list[TaskObservation | AgentObservation] = [*task_events, *agent_events] * 2
    random.Random(9).shuffle(work)
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def worker(share: list[TaskObservation | AgentObservation]) -> None:
        try:
            start.wait()
            for obs in share:
                if isinstance(obs, TaskObservation):
                    apply_task_observation(org=org, obs=obs, source=Source.WEBHOOK)
                else:
                    apply_agent_observation(org=org, obs=obs, source=Source.WEBHOOK)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(work[n::4],)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []

    tasks, agents = TaskStore(), AgentStore()
    for task_obs in task_events:
        tasks.apply(task_obs)
    for agent_obs in agent_events:
        agents.apply(agent_obs)
    stored = db_task(org, "t-9")
    expected = tasks.tasks["t-9"]
    for name in ("status", "created_at", "queued_at", "offered_at", "connected_at", "ended_at"):
        assert stored[name] == getattr(expected, name), name
    assert (stored["queue"], stored["agent"]) == ("q-9", "a-9")
    assert len(stored["history"]) == 10  # every delivery recorded, duplicates included
    sessions = [
        (s.state, s.idle_code, s.state_since, s.login_at, s.logout_at)
        for s in AgentSession.objects.filter(organization=org, agent__wxcc_id="a-9")
    ]
    assert sessions == agents.view("a-9")
