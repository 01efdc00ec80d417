"""Polling an org connected to the simulator: state reconciled against /_sim/state, outages,
429 storms, single-flight and the requests a cycle costs. Real PostgreSQL, Redis and HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from demo.management.commands.demo import business_hours_timezone
from oauth.models import Organization, WebexConnection
from tests.fixtures.simulator import RunningSimulator
from wxcc import keys, poller, ratelimit, snapshots, statistics_check
from wxcc.client import WxccClient
from wxcc.models import AgentSession, AgentState, SyncStatus, Task, TaskStatus
from wxcc.redis_client import get_redis


def wait_until(predicate: Callable[[], bool], timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def open_task_ids(org: Organization) -> set[str]:
    return set(
        Task.objects.filter(organization=org)
        .exclude(status=TaskStatus.ENDED)
        .values_list("wxcc_id", flat=True)
    )


def logged_in_agent_ids(org: Organization) -> set[str]:
    return set(
        AgentSession.objects.filter(organization=org, logout_at__isnull=True).values_list(
            "agent__wxcc_id", flat=True
        )
    )


def sim_live(sim: RunningSimulator) -> tuple[set[str], set[str]]:
    state = sim.state()
    return (
        {t["id"] for t in state["liveTasks"]},
        {a["id"] for a in state["agents"] if a["loggedIn"]},
    )


def inject_long_tasks(sim: RunningSimulator, count: int) -> list[str]:
    queue_id = sim.state()["queues"][0]["id"]
    return [sim.inject_task(queue_id, handleSeconds=600)["id"] for _ in range(count)]


@pytest.mark.django_db
def test_a_poll_stores_the_live_tasks_and_logged_in_agents_the_simulator_has(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    inject_long_tasks(live_sim, 3)
    result = poller.poll_org(sim_org.pk)

    assert result.ok, result
    live_tasks, logged_in = sim_live(live_sim)
    assert len(live_tasks) == 3
    assert open_task_ids(sim_org) == live_tasks
    assert logged_in
    assert logged_in_agent_ids(sim_org) == logged_in
    sync = SyncStatus.objects.get(organization=sim_org)
    assert sync.last_poll_ok_at is not None
    assert sync.consecutive_failures == 0


@pytest.mark.django_db
def test_a_poll_stores_each_agents_state_as_the_simulator_reports_it(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    agent = next(a for a in live_sim.state()["agents"] if a["loggedIn"])
    live_sim.set_agent_state(agent["id"], "Idle", "Lunch")
    poller.poll_org(sim_org.pk)

    session = AgentSession.objects.get(agent__wxcc_id=agent["id"], logout_at__isnull=True)
    assert session.state == AgentState.IDLE
    assert session.idle_code == "Lunch"


@pytest.mark.django_db
def test_a_poll_stores_todays_per_queue_totals_from_one_grouped_query(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    queue_id = live_sim.state()["queues"][0]["id"]
    inject_long_tasks(live_sim, 2)
    poller.poll_org(sim_org.pk)

    totals = snapshots.queue_totals(sim_org.pk)
    assert totals is not None
    by_queue = {q.queue.id: q for q in totals.queues}
    assert by_queue[queue_id].offered == 2
    assert by_queue[queue_id].active == 2


@pytest.mark.django_db
def test_an_outage_marks_the_org_failing_and_the_next_poll_reconciles(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    queue_id = live_sim.state()["queues"][0]["id"]
    short = live_sim.inject_task(queue_id, handleSeconds=1, wrapupSeconds=0)["id"]
    inject_long_tasks(live_sim, 1)
    assert poller.poll_org(sim_org.pk).ok
    assert short in open_task_ids(sim_org)

    live_sim.set_fault("outage")
    failed = poller.poll_org(sim_org.pk)
    assert failed.error == "WxccUnavailable"
    sync = SyncStatus.objects.get(organization=sim_org)
    assert sync.consecutive_failures == 1
    assert "503" in sync.last_error
    # While WxCC is down: the short task ends, a new one arrives, an agent logs out.
    wait_until(lambda: live_sim.task(short)["endedTime"] is not None)
    agent = next(a for a in live_sim.state()["agents"] if a["loggedIn"] and not a["taskId"])
    assert live_sim.logout_agent(agent["id"])["loggedOut"]  # before the next arrival
    arrived = inject_long_tasks(live_sim, 1)[0]
    live_sim.clear_faults()

    assert poller.poll_org(sim_org.pk).ok
    live_tasks, logged_in = sim_live(live_sim)
    assert open_task_ids(sim_org) == live_tasks
    assert arrived in live_tasks
    assert Task.objects.get(wxcc_id=short).status == TaskStatus.ENDED
    assert logged_in_agent_ids(sim_org) == logged_in
    assert agent["id"] not in logged_in
    sync.refresh_from_db()
    assert (sync.consecutive_failures, sync.last_error) == (0, "")


@pytest.mark.django_db
def test_a_429_storm_pauses_the_org_until_retry_after_then_polling_recovers(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    live_sim.set_fault("ratelimit", retry_after_s=1)
    limited = poller.poll_org(sim_org.pk)
    assert limited.error == "rate_limited"
    assert limited.requests == 1  # the first 429 stopped the cycle
    sync = SyncStatus.objects.get(organization=sim_org)
    assert sync.rate_limited_until is not None
    assert sync.consecutive_failures == 0  # being slowed down is not an outage

    skipped = poller.poll_org(sim_org.pk)
    assert skipped.skipped == "rate_limited"
    assert sim_org.pk not in poller.orgs_due_for_poll(timezone.now())

    live_sim.clear_faults()
    wait_until(lambda: ratelimit.blocked_until(timezone.now()) is None)
    assert sim_org.pk in poller.orgs_due_for_poll(timezone.now())
    assert poller.poll_org(sim_org.pk).ok
    sync.refresh_from_db()
    assert sync.rate_limited_until is None


@pytest.mark.django_db(transaction=True)
def test_only_one_poll_of_an_org_runs_at_a_time(live_sim: RunningSimulator, connect_org) -> None:  # type: ignore[no-untyped-def]
    org = connect_org(live_sim)
    live_sim.set_fault("slow", delay_s=1.0, remaining=1)
    results: list[poller.PollResult] = []

    def first_poll() -> None:
        try:
            results.append(poller.poll_org(org.pk))
        finally:
            connection.close()

    thread = threading.Thread(target=first_poll)
    thread.start()
    wait_until(lambda: get_redis().exists(keys.poll_lock(org.pk)) == 1)
    second = poller.poll_org(org.pk)
    thread.join(timeout=30)

    assert second.skipped == "already_running"
    assert results[0].ok


@pytest.mark.django_db
def test_a_paused_org_is_neither_polled_nor_due(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    SyncStatus.objects.create(organization=sim_org, paused=True)
    assert poller.poll_org(sim_org.pk).skipped == "paused"
    assert sim_org.pk not in poller.orgs_due_for_poll(timezone.now())


@pytest.mark.django_db
def test_a_steady_poll_cycle_makes_two_requests_and_no_statistics_by_default(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    inject_long_tasks(live_sim, 2)
    first = poller.poll_org(sim_org.pk)
    second = poller.poll_org(sim_org.pk)

    # The first poll of a new org reads everything live, today's totals, the queues and
    # teams (Config API) and backfills today's history.
    assert first.ok, first
    assert first.full
    assert first.backfill_requests > 0
    assert first.config_requests == 2  # one page of queues, one of teams
    assert first.requests - first.backfill_requests - first.config_requests == 3
    # Then: what changed since, tasks and agent sessions (with their channels' states).
    assert second.ok, second
    assert not second.full
    assert (second.requests, second.backfill_requests, second.config_requests) == (2, 0, 0)
    assert snapshots.statistics(sim_org.pk) is None  # deprecated APIs: not asked


@pytest.mark.django_db
def test_the_statistics_apis_are_only_a_cross_check_asked_when_switched_on(
    sim_org: Organization, live_sim: RunningSimulator, settings
) -> None:  # type: ignore[no-untyped-def]
    # Hours into the org's day, so today holds whole 15-minute intervals to ask for.
    sim_org.timezone = business_hours_timezone(datetime.now(UTC))
    sim_org.save(update_fields=["timezone"])
    assert poller.poll_org(sim_org.pk).ok
    settings.WXCC_STATISTICS_CROSS_CHECK = True
    polled = poller.poll_org(sim_org.pk)

    assert polled.requests == 2 + 2  # changes, plus queue and agent statistics
    stats = snapshots.statistics(sim_org.pk)
    assert stats is not None
    assert stats.agents


@pytest.mark.django_db
def test_the_statistics_cross_check_asks_nothing_in_the_first_interval_of_the_day(
    sim_org: Organization, live_sim: RunningSimulator, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.WXCC_STATISTICS_CROSS_CHECK = True
    now = timezone.now()
    with WxccClient(sim_org) as client:
        statistics_check.maybe_fetch_statistics(
            org=sim_org, client=client, now=now, day_start=now - timedelta(minutes=14)
        )
        assert client.requests_made == 0  # WxCC would refuse a window under one interval
        statistics_check.maybe_fetch_statistics(
            org=sim_org, client=client, now=now, day_start=now - timedelta(hours=2)
        )
        assert client.requests_made == 2


@pytest.mark.django_db
def test_the_totals_and_a_full_read_come_back_when_their_intervals_have_passed(
    sim_org: Organization, live_sim: RunningSimulator, settings
) -> None:  # type: ignore[no-untyped-def]
    assert poller.poll_org(sim_org.pk).ok
    settings.WXCC_QUEUE_TOTALS_INTERVAL_S = 0
    settings.WXCC_FULL_POLL_INTERVAL_S = 0
    polled = poller.poll_org(sim_org.pk)
    assert polled.full
    assert polled.requests == 3  # everything live, and today's per-queue totals


@pytest.mark.django_db
def test_a_poll_reads_each_agents_state_from_the_sessions_channels_with_its_start(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    agent = next(a for a in live_sim.state()["agents"] if a["loggedIn"] and not a["taskId"])
    live_sim.set_agent_state(agent["id"], "Idle", "Lunch")
    changed_ms = live_sim.now_ms()
    assert poller.poll_org(sim_org.pk).ok

    session = AgentSession.objects.get(agent__wxcc_id=agent["id"], logout_at__isnull=True)
    assert (session.state, session.idle_code) == (AgentState.IDLE, "Lunch")
    assert abs(session.state_since.timestamp() * 1000 - changed_ms) < 1000  # WxCC's own time


@pytest.mark.django_db
def test_a_later_poll_learns_of_a_logout_and_a_state_change_from_what_changed(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    assert poller.poll_org(sim_org.pk).ok
    idle, leaving = [a for a in live_sim.state()["agents"] if a["loggedIn"] and not a["taskId"]][:2]
    live_sim.set_agent_state(idle["id"], "Idle", "Break")
    live_sim.logout_agent(leaving["id"])

    polled = poller.poll_org(sim_org.pk)
    assert polled.ok, polled
    assert not polled.full
    session = AgentSession.objects.get(agent__wxcc_id=idle["id"], logout_at__isnull=True)
    assert (session.state, session.idle_code) == (AgentState.IDLE, "Break")
    assert leaving["id"] not in logged_in_agent_ids(sim_org)


@pytest.mark.django_db
def test_a_task_that_ended_between_polls_is_stored_with_wxccs_classification(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    queue_id = live_sim.state()["queues"][0]["id"]
    for agent in live_sim.state()["agents"]:  # nobody answers: the caller gives up
        if agent["loggedIn"]:
            live_sim.set_agent_state(agent["id"], "Idle", "Meeting")
    impatient = live_sim.inject_task(queue_id, patienceSeconds=30)["id"]
    assert poller.poll_org(sim_org.pk).ok
    live_sim.pause()
    live_sim.step(60)

    polled = poller.poll_org(sim_org.pk)
    assert polled.ok, polled
    assert not polled.full
    task = Task.objects.get(organization=sim_org, wxcc_id=impatient)
    assert task.status == TaskStatus.ENDED
    assert (task.contact_handle_type, task.abandoned_type) == ("abandoned", "queue")
    assert task.termination_type == "abandoned"
    assert task.terminating_end == "Customer"


@pytest.mark.django_db
def test_a_poll_under_a_token_without_the_read_scope_says_which_scope_is_missing(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    grant = live_sim.new_tokens(scope="spark:people_read")
    WebexConnection.objects.filter(organization=sim_org).update(
        access_token=grant["access_token"], scopes="spark:people_read"
    )
    failed = poller.poll_org(sim_org.pk)

    assert failed.error == "WxccForbidden"
    sync = SyncStatus.objects.get(organization=sim_org)
    assert "needs cjp:config_read" in sync.last_error
    assert "reconnect" in sync.last_error


@pytest.mark.django_db
def test_a_poll_that_finds_nothing_new_writes_only_its_own_sync_status(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    inject_long_tasks(live_sim, 3)
    live_sim.pause()  # nothing changes at WxCC from here on
    assert poller.poll_org(sim_org.pk).ok  # the first stores (and backfills) everything

    polls = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            assert poller.poll_org(sim_org.pk).ok
        polls.append([q["sql"] for q in captured.captured_queries])

    for sql in polls:
        writes = [s for s in sql if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
        assert len(writes) == 1
        assert writes[0].startswith('UPDATE "wxcc_syncstatus"')
    assert len(polls[0]) == len(polls[1])
