"""What a change costs the supervisor push: the same number of queries for a floor of 500
agents as for 5, one computation per change per org, and nothing at all for the supervisor
when no supervisor page is open."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.wallboard.supervisor_floor import Floor, add_task, build_floor
from wallboard import presence
from wallboard.live import PushReport, push_change
from wxcc.models import AgentSession, AgentState, TaskStatus
from wxcc.signals import LiveStateChange

pytestmark = pytest.mark.django_db


def a_supervisor_watches(floor: Floor) -> None:
    presence.touch(floor.org.pk, presence.Connection(presence.SUPERVISOR, None, "test-channel"))


def change_and_count(floor: Floor) -> tuple[int, PushReport]:
    """A contact ends and its agent goes to wrap-up; returns (queries, report)."""
    now = timezone.now()
    agent = floor.agents[3]
    add_task(
        floor,
        queue=floor.queues[0],
        agent=agent,
        now=now,
        status=TaskStatus.ENDED,
        arrived_s_ago=300,
        talk_s=120,
    )
    AgentSession.objects.filter(agent=agent).update(state=AgentState.WRAPUP, state_since=now)
    change = LiveStateChange.of(floor.org.pk, queue_ids=[floor.queues[0].pk], agent_ids=[agent.pk])
    with CaptureQueriesContext(connection) as captured:
        report = push_change(change, now=now)
    return len(captured), report


def warmed_floor(agents: int) -> Floor:
    floor = build_floor(agents=agents, now=timezone.now())
    a_supervisor_watches(floor)
    push_change(LiveStateChange.of(floor.org.pk, agent_ids=[floor.agents[0].pk]))  # builds
    return floor


def test_a_change_costs_as_many_queries_for_500_agents_as_for_5() -> None:
    small_queries, small_report = change_and_count(warmed_floor(5))
    big = warmed_floor(500)
    big_queries, big_report = change_and_count(big)

    assert big_queries == small_queries
    assert big_queries <= 20
    # Only the changed agent's row, the changed queue's row and waiting list, the center and
    # the status line were sent.
    assert set(big_report.supervisor_sent) == {
        f"agent-{big.agents[3].pk}",
        f"queue-{big.queues[0].pk}",
        f"queue-{big.queues[0].pk}-waiting",
        "queue-center",
        "supervisor-status",
    }
    assert small_report.rebuilt == big_report.rebuilt == []


def test_without_an_open_supervisor_page_the_supervisor_push_does_nothing() -> None:
    floor = build_floor(agents=5, now=timezone.now())
    queries, report = change_and_count(floor)

    assert report.supervisor_sent == []
    assert report.rebuilt == []
    assert queries <= 2  # the org's boards (none) and nothing else
