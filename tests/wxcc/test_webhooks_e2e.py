"""End to end: the simulator delivers signed webhooks over real HTTP to our receiver, a real
Celery worker applies them, and stored state follows the simulated contact center."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.fixtures.simulator import RunningSimulator
from wxcc.models import AgentSession, AgentState, RawEvent, Task, TaskStatus
from wxcc.subscriptions import register_subscription


def wait_until(condition: Callable[[], bool], what: str, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def agent_for_queue(state: dict[str, Any], queue_id: str) -> str:
    teams = {t["id"] for t in state["teams"] if queue_id in t["queueIds"]}
    return next(a["id"] for a in state["agents"] if a["teamId"] in teams)


@pytest.mark.django_db(transaction=True)
def test_simulated_contact_flows_through_webhooks_into_stored_state(
    live_sim: RunningSimulator,
    connect_org: Callable[[RunningSimulator], Any],
    live_asgi: str,
    celery_worker_session: Any,
) -> None:
    org = connect_org(live_sim)
    subscriptions = register_subscription(org, f"{live_asgi}/webhooks/wxcc/")
    assert {s.resource_version.split(":")[0] for s in subscriptions} == {"agent", "task"}

    state = live_sim.state()
    queue_id = state["queues"][0]["id"]
    agent_id = agent_for_queue(state, queue_id)
    # Start from a logged-out agent (the simulated shift may have logged them in already),
    # so the whole session goes through webhooks.
    live_sim.logout_agent(agent_id)
    live_sim.login_agent(agent_id)
    live_sim.set_agent_state(agent_id, "Available")
    wait_until(
        lambda: AgentSession.objects.filter(
            agent__wxcc_id=agent_id, state=AgentState.AVAILABLE, logout_at__isnull=True
        ).exists(),
        "the agent to show as available",
    )

    task = live_sim.inject_task(queue_id, handleSeconds=30, wrapupSeconds=5, ringSeconds=1)
    live_sim.step(5)
    wait_until(
        lambda: Task.objects.filter(wxcc_id=task["id"], status=TaskStatus.CONNECTED).exists(),
        "the task to be connected",
    )
    # Whoever the simulator routed it to, we know it through the agent's webhooks.
    handling_agent = live_sim.task(task["id"])["agentId"]
    wait_until(
        lambda: Task.objects.filter(wxcc_id=task["id"], agent__wxcc_id=handling_agent).exists(),
        "the task to show its agent",
    )

    live_sim.step(60)
    wait_until(
        lambda: Task.objects.filter(wxcc_id=task["id"], status=TaskStatus.ENDED).exists(),
        "the task to end",
    )
    stored = Task.objects.get(wxcc_id=task["id"])
    assert stored.queue is not None
    assert stored.queue.wxcc_id == queue_id
    assert stored.connected_at is not None
    assert stored.channel_type == state["queues"][0]["channelType"]
    assert live_sim.task(task["id"])["status"] == "ended"

    live_sim.logout_agent(agent_id)
    wait_until(
        lambda: (
            not AgentSession.objects.filter(
                agent__wxcc_id=agent_id, logout_at__isnull=True
            ).exists()
        ),
        "the agent's session to close",
    )
    # Every delivery was accepted once and processed; none was refused.
    wait_until(
        lambda: not RawEvent.objects.filter(processed_at__isnull=True).exists(),
        "every stored event to be processed",
    )
    assert not RawEvent.objects.exclude(error="").exists()
    deliveries = live_sim.deliveries()
    assert deliveries.get("failed", 0) == 0, deliveries
