"""Write nothing for nothing: applying a poll takes a number of queries that does not grow
with the rows, and a poll that finds nothing new writes nothing.

`poller.reconcile` is the database half of a poll (what it does with what it fetched); the
snapshots here are built the way the client parses WxCC's answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from oauth.models import Organization
from tests.fixtures.factories import OrganizationFactory
from wxcc import poller
from wxcc.api_types import (
    AgentSessionRecord,
    ChannelState,
    EntityRef,
    QueueAggregate,
    TaskRecord,
)
from wxcc.models import AgentSession, AgentState, AgentStateChange, Task, TaskStatus, TaskTransition

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
QUEUES = [EntityRef(f"q-{n}", f"Queue {n}") for n in range(5)]
TEAMS = [EntityRef(f"team-{n}", f"Team {n}") for n in range(3)]
WRITES = ("INSERT", "UPDATE", "DELETE")


def task(n: int, *, status: str = "parked", agent: int | None = None) -> TaskRecord:
    return TaskRecord(
        id=f"task-{n}",
        status=status,
        is_active=True,
        channel_type="telephony",
        direction="inbound",
        origin=f"+1555{n:07d}",
        destination="+18005550100",
        created_at=NOW - timedelta(minutes=30) + timedelta(seconds=n % 600),
        ended_at=None,
        termination_type="",
        last_queue=QUEUES[n % len(QUEUES)],
        last_agent=EntityRef(f"agent-{agent}", f"Agent {agent}") if agent is not None else None,
        last_team=None,
        queue_duration_ms=None,
        ringing_duration_ms=None,
        connected_duration_ms=None,
        hold_duration_ms=None,
        wrapup_duration_ms=None,
        total_duration_ms=None,
        selfservice_duration_ms=5000,
        transfer_count=0,
    )


def session(n: int, state: str = "available", minutes_ago: int = 20) -> AgentSessionRecord:
    """A logged-in agent; its state as agentSession's channelInfo reports it."""
    return AgentSessionRecord(
        session_id=f"session-{n}",
        agent=EntityRef(f"agent-{n}", f"Agent {n}"),
        team=TEAMS[n % len(TEAMS)],
        site=None,
        started_at=NOW - timedelta(hours=2),
        ended_at=None,
        is_active=True,
        state="Available",
        channels=(
            ChannelState(
                channel_type="telephony",
                current_state=state,
                last_activity_at=NOW - timedelta(minutes=minutes_ago),
                idle_code_name="Break" if state == "idle" else "",
            ),
        ),
    )


def snapshot(tasks: int, agents: int) -> poller.PollSnapshot:
    """`tasks` live tasks (a tenth connected to an agent) and `agents` logged-in agents."""
    return poller.PollSnapshot(
        tasks=[
            task(n, status="connected", agent=n % agents) if n % 10 == 0 else task(n)
            for n in range(tasks)
        ],
        sessions=[session(n) for n in range(agents)],
        totals=[QueueAggregate(queue=q, offered=3, active=3) for q in QUEUES],
    )


def busier(before: poller.PollSnapshot) -> poller.PollSnapshot:
    """A tenth of the tasks answered and a tenth of the agents gone on a break."""
    tasks = [
        replace(t, status="connected", last_agent=EntityRef("agent-0", "Agent 0"))
        if n % 10 == 5
        else t
        for n, t in enumerate(before.tasks)
    ]
    sessions = [
        session(n, "idle", minutes_ago=1) if n % 10 == 3 else s
        for n, s in enumerate(before.sessions)
    ]
    return replace(before, tasks=tasks, sessions=sessions)


def reconcile_sql(org: Organization, polled: poller.PollSnapshot, now: datetime) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        result = poller.reconcile(org, polled, now=now, as_of=now)
    assert result.tasks_seen == len(polled.tasks)
    return [q["sql"] for q in captured.captured_queries]


def writes(sql: list[str]) -> list[str]:
    return [s for s in sql if s.lstrip().upper().startswith(WRITES)]


@pytest.fixture
def stored_poll() -> Callable[[int, int], tuple[Organization, poller.PollSnapshot]]:
    """An org whose stored state matches a poll of `tasks` tasks and `agents` agents."""

    def make(tasks: int, agents: int) -> tuple[Organization, poller.PollSnapshot]:
        org = OrganizationFactory.create()
        polled = snapshot(tasks, agents)
        poller.reconcile(org, polled, now=NOW, as_of=NOW)
        assert Task.objects.filter(organization=org).count() == tasks
        assert AgentSession.objects.filter(organization=org, logout_at__isnull=True).count() == (
            agents
        )
        return org, polled

    return make


def test_a_poll_that_finds_nothing_new_writes_nothing_in_the_same_queries_at_20_and_2000_rows(
    stored_poll: Callable[[int, int], tuple[Organization, poller.PollSnapshot]],
    django_assert_max_num_queries: Callable[[int], object],
) -> None:
    small_org, small = stored_poll(20, 8)
    large_org, large = stored_poll(2000, 800)
    history_before = TaskTransition.objects.count(), AgentStateChange.objects.count()

    later = NOW + timedelta(seconds=10)
    small_sql = reconcile_sql(small_org, small, later)
    with django_assert_max_num_queries(len(small_sql)):  # type: ignore[attr-defined]
        large_sql = reconcile_sql(large_org, large, later)

    assert writes(small_sql) == []
    assert writes(large_sql) == []
    assert len(large_sql) == len(small_sql)
    assert len(small_sql) <= 10
    assert (TaskTransition.objects.count(), AgentStateChange.objects.count()) == history_before


def test_a_busy_poll_writes_in_the_same_number_of_queries_at_20_and_2000_rows(
    stored_poll: Callable[[int, int], tuple[Organization, poller.PollSnapshot]],
) -> None:
    small_org, small = stored_poll(20, 10)
    large_org, large = stored_poll(2000, 800)

    later = NOW + timedelta(seconds=10)
    small_sql = reconcile_sql(small_org, busier(small), later)
    large_sql = reconcile_sql(large_org, busier(large), later)

    assert len(large_sql) == len(small_sql)
    assert len(writes(large_sql)) == len(writes(small_sql))
    assert len(small_sql) <= 25
    # What changed is stored: a tenth of the tasks answered, a tenth of the agents on a break.
    answered = Task.objects.filter(organization=large_org, status=TaskStatus.CONNECTED)
    assert answered.count() == 400
    on_break = AgentSession.objects.filter(
        organization=large_org, state=AgentState.IDLE, idle_code="Break"
    )
    assert on_break.count() == 80
    assert {s.state_since for s in on_break} == {NOW - timedelta(minutes=1)}


def test_a_busy_poll_writes_only_the_rows_that_changed(
    stored_poll: Callable[[int, int], tuple[Organization, poller.PollSnapshot]],
) -> None:
    org, polled = stored_poll(200, 20)
    before = dict(Task.objects.filter(organization=org).values_list("wxcc_id", "updated_at"))
    poller.reconcile(org, busier(polled), now=NOW + timedelta(seconds=10), as_of=NOW)
    after = dict(Task.objects.filter(organization=org).values_list("wxcc_id", "updated_at"))
    rewritten = {wxcc_id for wxcc_id, at in after.items() if at != before[wxcc_id]}
    assert rewritten == {f"task-{n}" for n in range(5, 200, 10)}


def ended(before: poller.PollSnapshot) -> poller.PollSnapshot:
    """What an incremental poll reads next: a tenth of the tasks ended (with WxCC's
    classification) and a tenth of the agents logged out."""
    tasks = [
        replace(
            t,
            status="ended",
            is_active=False,
            ended_at=NOW + timedelta(seconds=5),
            contact_handle_type="abandoned" if n % 20 == 7 else "normal",
        )
        for n, t in enumerate(before.tasks)
        if n % 10 == 7
    ]
    sessions = [
        replace(s, is_active=False, ended_at=NOW + timedelta(seconds=5))
        for n, s in enumerate(before.sessions)
        if n % 10 == 7
    ]
    return poller.PollSnapshot(tasks=tasks, sessions=sessions, full=False)


def test_an_incremental_poll_of_endings_writes_in_the_same_queries_at_20_and_2000_rows(
    stored_poll: Callable[[int, int], tuple[Organization, poller.PollSnapshot]],
) -> None:
    small_org, small = stored_poll(20, 10)
    large_org, large = stored_poll(2000, 800)

    later = NOW + timedelta(seconds=10)
    small_sql = reconcile_sql(small_org, ended(small), later)
    large_sql = reconcile_sql(large_org, ended(large), later)

    assert len(large_sql) == len(small_sql)
    assert len(writes(large_sql)) == len(writes(small_sql))
    abandoned = Task.objects.filter(
        organization=large_org, status=TaskStatus.ENDED, contact_handle_type="abandoned"
    )
    assert abandoned.count() == 100
    assert Task.objects.filter(organization=large_org, status=TaskStatus.ENDED).count() == 200
    logged_out = AgentSession.objects.filter(organization=large_org, logout_at__isnull=False)
    assert logged_out.count() == 80
