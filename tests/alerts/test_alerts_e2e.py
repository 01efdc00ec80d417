"""End to end against the simulator: contacts wait in a simulated queue, the poll stores them,
the live-state signal evaluates the org's rules from the wallboard's snapshot, a real Celery
worker posts the alert to the simulator's Webex space; a lasting breach repeats only after
the interval (`now` passed in) and its end posts a clear."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alerts import services, tasks
from alerts.models import AlertEvent, AlertRule, AlertSettings, Delivery
from alerts.rules import AlertKind
from tests.alerts.conftest import create_bot, received
from tests.fixtures.factories import OrganizationFactory
from tests.fixtures.simulator import RunningSimulator
from tests.fixtures.wallboard_factories import BoardFactory
from tests.fixtures.wxcc_factories import QueueFactory, TaskFactory, data_current_at
from wxcc import poller
from wxcc.models import Queue

ROOM_ID = "room-floor-alerts"


def wait_until(condition: Callable[[], bool], what: str, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def agent_for_queue(state: dict[str, Any], queue_id: str) -> str:
    teams = {t["id"] for t in state["teams"] if queue_id in t["queueIds"]}
    return str(next(a["id"] for a in state["agents"] if a["teamId"] in teams))


@pytest.mark.django_db(transaction=True)
def test_a_breach_in_wxcc_alerts_once_repeats_after_the_interval_and_posts_its_clear(
    live_sim: RunningSimulator,
    connect_org: Callable[[RunningSimulator], Any],
    celery_worker_session: Any,
) -> None:
    org = connect_org(live_sim)
    state = live_sim.state()
    for agent in state["agents"]:
        if agent["loggedIn"]:
            live_sim.logout_agent(agent["id"])
    assert poller.poll_org(org.pk).ok  # learns the queues
    # A board: the push keeps its figures, which alerts read after each change.
    BoardFactory.create(organization=org)
    sim_queue_id = state["queues"][0]["id"]
    queue = Queue.objects.get(organization=org, wxcc_id=sim_queue_id)
    AlertRule.objects.create(
        organization=org, queue=queue, kind=AlertKind.WAITING_OVER, threshold=0
    )
    AlertSettings.objects.create(
        organization=org,
        repeat_after_min=10,
        webex_enabled=True,
        webex_room_id=ROOM_ID,
        webex_bot_token=create_bot(live_sim),
    )

    # Nobody is logged in: the contact waits. The poll's signal evaluates the rules.
    task_id = live_sim.inject_task(sim_queue_id, handleSeconds=600, patienceSeconds=3600)["id"]
    assert poller.poll_org(org.pk).ok
    wait_until(lambda: len(received(live_sim, ROOM_ID)) == 1, "the alert to reach the space")

    fired = AlertEvent.objects.get(organization=org)
    assert fired.outcome == "fired"
    wait_until(
        lambda: AlertEvent.objects.filter(pk=fired.pk, delivery=Delivery.SENT).exists(),
        "the delivery to be recorded",
    )
    message = received(live_sim, ROOM_ID)[0]
    assert message["markdown"] == fired.markdown
    assert queue.name in str(message["markdown"])
    assert "more than 0 contacts waiting" in str(message["markdown"])

    # Still waiting: nothing before the interval, one repeat once it has passed (the poller
    # has kept the data current meanwhile).
    data_current_at(org, fired.at + timedelta(minutes=5))
    assert services.evaluate_org(org_id=org.pk, now=fired.at + timedelta(minutes=5)).events == []
    data_current_at(org, fired.at + timedelta(minutes=10))
    repeat = services.evaluate_org(org_id=org.pk, now=fired.at + timedelta(minutes=10))
    assert [e.outcome for e in repeat.events] == ["repeated"]
    wait_until(lambda: len(received(live_sim, ROOM_ID)) == 2, "the repeat to reach the space")

    # An agent takes the contact: the breach ends and its clear is posted.
    agent_id = agent_for_queue(state, sim_queue_id)
    live_sim.login_agent(agent_id)
    live_sim.set_agent_state(agent_id, "Available")
    wait_until(
        lambda: live_sim.task(task_id)["legs"][-1]["acceptedTime"] is not None,
        "the contact to be answered",
    )
    # The poll's own signal evaluates the rules (at the wall clock); evaluating again at a
    # later `now` must not say it twice.
    assert poller.poll_org(org.pk).ok
    data_current_at(org, fired.at + timedelta(minutes=12))
    services.evaluate_org(org_id=org.pk, now=fired.at + timedelta(minutes=12))
    wait_until(lambda: len(received(live_sim, ROOM_ID)) == 3, "the clear to reach the space")
    outcomes = list(
        AlertEvent.objects.filter(organization=org).order_by("pk").values_list("outcome", flat=True)
    )
    assert outcomes == ["fired", "repeated", "cleared"]
    assert str(received(live_sim, ROOM_ID)[-1]["markdown"]).startswith("✅ **Cleared** · ")
    assert not AlertRule.objects.get(organization=org).is_active


@pytest.mark.django_db
def test_evaluating_an_org_costs_the_same_queries_with_three_rules_or_thirty() -> None:
    def cost(rule_count: int) -> int:
        org = OrganizationFactory.create()
        for _n in range(rule_count):
            queue = QueueFactory.create(organization=org)
            TaskFactory.create(organization=org, queue=queue)
            AlertRule.objects.create(
                organization=org, queue=queue, kind=AlertKind.WAITING_OVER, threshold=0
            )
        data_current_at(org, timezone.now())
        with CaptureQueriesContext(connection) as queries:
            evaluation = services.evaluate_org(org_id=org.pk)
        assert len(evaluation.events) == rule_count
        return len(queries)

    assert cost(3) == cost(30)


@pytest.mark.django_db
def test_a_rate_limited_post_is_retried_after_retry_after_and_then_sent(
    make_simulator: Callable[..., RunningSimulator], settings: Any
) -> None:
    sim = make_simulator()
    settings.WEBEX_IDENTITY_URL = sim.identity_url
    event = _pending_event(bot_token=create_bot(sim))
    sim.control("POST", "messaging/limit", {"posts": 1, "retry_after_s": 1})

    tasks.send_event.apply(args=(event.pk,))

    event.refresh_from_db()
    assert event.delivery == Delivery.SENT
    assert event.attempts == 2
    assert [m["markdown"] for m in received(sim, ROOM_ID)] == [event.markdown]


@pytest.mark.django_db
def test_a_refused_bot_token_marks_the_alert_failed_and_tells_the_admins(
    simulator: RunningSimulator, settings: Any
) -> None:
    settings.WEBEX_IDENTITY_URL = simulator.identity_url
    event = _pending_event(bot_token="revoked-bot-token")

    tasks.send_event.apply(args=(event.pk,))

    event.refresh_from_db()
    alert_settings = AlertSettings.objects.get(organization_id=event.organization_id)
    assert event.delivery == Delivery.FAILED
    assert event.attempts == 1
    assert event.delivery_error.startswith("HTTP 401")
    assert alert_settings.last_send_error == event.delivery_error
    assert "revoked-bot-token" not in event.delivery_error


@pytest.mark.django_db
def test_an_outage_is_retried_until_the_attempts_run_out_then_recorded(
    settings: Any,
) -> None:
    settings.WEBEX_IDENTITY_URL = "http://127.0.0.1:9"  # nothing listens (discard port)
    settings.ALERTS_SEND_MAX_ATTEMPTS = 3
    event = _pending_event(bot_token="any")

    tasks.send_event.apply(args=(event.pk,))

    event.refresh_from_db()
    assert event.delivery == Delivery.FAILED
    assert event.attempts == 3
    assert event.delivery_error.startswith("network error")


def _pending_event(*, bot_token: str) -> AlertEvent:
    org = OrganizationFactory.create()
    AlertSettings.objects.create(
        organization=org, webex_enabled=True, webex_room_id=ROOM_ID, webex_bot_token=bot_token
    )
    queue = QueueFactory.create(organization=org)
    TaskFactory.create(organization=org, queue=queue)
    AlertRule.objects.create(
        organization=org, queue=queue, kind=AlertKind.WAITING_OVER, threshold=0
    )
    data_current_at(org, timezone.now())
    evaluation = services.evaluate_org(org_id=org.pk)
    (event,) = evaluation.events
    assert event.delivery == Delivery.PENDING
    return event
