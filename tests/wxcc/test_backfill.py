"""Today is complete: a new org, or one after a gap in polling, gets its history from
search, so "today" does not depend on how long the app has been running."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from demo.management.commands.demo import business_hours_timezone
from oauth.models import Organization
from tests.fixtures.simulator import RunningSimulator
from tests.fixtures.wxcc import forget_client_budget, forget_org_in_redis
from tests.fixtures.wxcc_factories import SyncStatusFactory
from wxcc import poller, snapshots
from wxcc.api_types import AgentSessionRecord, EntityRef, TaskRecord, to_epoch_ms
from wxcc.backfill import (
    backfill_start,
    finished_session_observation,
    finished_task_observations,
    load_progress,
    windows,
)
from wxcc.models import AgentSession, AgentState, Task, TaskStatus

MIDNIGHT = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
NOW = MIDNIGHT + timedelta(hours=15)


# --- when and from where ---------------------------------------------------------------------


def start(last_ok: datetime | None, through: datetime | None = None) -> datetime | None:
    return backfill_start(
        last_poll_ok_at=last_ok,
        backfilled_through=through,
        day_start=MIDNIGHT,
        now=NOW,
        max_gap_s=30,
        overlap_s=20,
    )


def test_an_org_never_polled_nor_backfilled_is_backfilled_since_its_local_midnight() -> None:
    assert start(None) == MIDNIGHT


def test_an_org_polled_within_the_allowed_gap_is_not_backfilled() -> None:
    assert start(NOW - timedelta(seconds=30)) is None
    assert start(None, through=NOW - timedelta(seconds=5)) is None


def test_after_a_gap_the_backfill_starts_at_the_last_good_poll_less_the_overlap() -> None:
    last_ok = NOW - timedelta(hours=2)
    assert start(last_ok) == last_ok - timedelta(seconds=20)
    # A finished backfill counts as covered time too.
    assert start(last_ok, through=NOW - timedelta(minutes=10)) == (
        NOW - timedelta(minutes=10, seconds=20)
    )


def test_a_gap_that_began_yesterday_is_backfilled_since_local_midnight_only() -> None:
    assert start(MIDNIGHT - timedelta(hours=3)) == MIDNIGHT


def test_windows_cover_the_range_without_gaps_or_overlaps() -> None:
    cuts = windows(MIDNIGHT, NOW, timedelta(hours=4))
    assert cuts == [
        (MIDNIGHT + timedelta(hours=h), MIDNIGHT + timedelta(hours=min(h + 4, 15)))
        for h in (0, 4, 8, 12)
    ]
    assert windows(NOW, NOW, timedelta(hours=4)) == []


# --- what a finished row tells ---------------------------------------------------------------


def task_row(**overrides: Any) -> TaskRecord:
    created = MIDNIGHT + timedelta(hours=9)
    values: dict[str, Any] = {
        "id": "t-1",
        "status": "ended",
        "is_active": False,
        "channel_type": "telephony",
        "direction": "inbound",
        "origin": "+15550001",
        "destination": "+18005550100",
        "created_at": created,
        "ended_at": created + timedelta(seconds=300),
        "termination_type": "normal",
        "last_queue": EntityRef("q-1", "Sales"),
        "last_agent": EntityRef("a-1", "Ann"),
        "last_team": None,
        "queue_duration_ms": 40_000,
        "ringing_duration_ms": 5_000,
        "connected_duration_ms": 200_000,
        "hold_duration_ms": 0,
        "wrapup_duration_ms": 30_000,
        "total_duration_ms": 300_000,
        "selfservice_duration_ms": 10_000,
        "transfer_count": 0,
    }
    values.update(overrides)
    return TaskRecord(**values)


def test_an_answered_task_gives_its_queue_its_agent_and_its_end() -> None:
    row = task_row()
    observations = finished_task_observations(row, NOW)
    created = row.created_at
    assert [(o.status, o.at) for o in observations] == [
        (TaskStatus.QUEUED, created + timedelta(seconds=10)),
        (TaskStatus.CONNECTED, created + timedelta(seconds=55)),
        (TaskStatus.ENDED, created + timedelta(seconds=300)),
    ]
    assert observations[0].queue is not None
    assert observations[0].queue.wxcc_id == "q-1"
    assert {o.agent.wxcc_id for o in observations[1:] if o.agent} == {"a-1"}
    assert observations[1].connected_at == created + timedelta(seconds=55)
    assert observations[2].termination_type == "normal"


def test_an_abandoned_task_has_no_agent_even_when_one_was_offered_it() -> None:
    observations = finished_task_observations(
        task_row(connected_duration_ms=0, termination_type="abandoned"), NOW
    )
    assert [o.status for o in observations] == [TaskStatus.QUEUED, TaskStatus.ENDED]
    assert all(o.agent is None for o in observations)


def test_milestones_are_never_later_than_the_end() -> None:
    row = task_row(queue_duration_ms=900_000)  # longer than the whole task
    ended_at = row.ended_at
    assert ended_at is not None
    assert all(o.at <= ended_at for o in finished_task_observations(row, NOW))


def test_live_tasks_and_sessions_are_left_to_the_poll() -> None:
    assert finished_task_observations(task_row(is_active=True, ended_at=None), NOW) == []
    live = AgentSessionRecord(
        "s-1", EntityRef("a-1"), None, None, MIDNIGHT, None, is_active=True, state="Available"
    )
    assert finished_session_observation(live) is None


def test_a_finished_session_is_a_logout_at_its_end_after_a_login_at_its_start() -> None:
    record = AgentSessionRecord(
        "s-1",
        EntityRef("a-1", "Ann"),
        EntityRef("team-1", "Blue"),
        None,
        MIDNIGHT + timedelta(hours=8),
        MIDNIGHT + timedelta(hours=12),
        is_active=False,
        state="LoggedOut",
    )
    obs = finished_session_observation(record)
    assert obs is not None
    assert (obs.state, obs.at, obs.login_at) == (
        AgentState.LOGGED_OUT,
        MIDNIGHT + timedelta(hours=12),
        MIDNIGHT + timedelta(hours=8),
    )
    assert obs.team is not None
    assert (obs.team.wxcc_id, obs.session_id) == ("team-1", "s-1")


# --- against the simulator, over HTTP --------------------------------------------------------


def late_morning_zone() -> str:
    """Where it is late morning now, whenever the suite runs: a simulator there, and its org,
    have a morning's traffic since local midnight (at night the business-hours model has
    almost none, and one poll would backfill it)."""
    return business_hours_timezone(datetime.now(UTC))


def sim_rows(sim: RunningSimulator, query: str, list_field: str, args: str, fields: str) -> list:
    """Every row of a search, all pages, straight from the simulator (not our client)."""
    rows: list[dict[str, Any]] = []
    cursor: str | None = "0"
    while cursor is not None:
        document = (
            f"query($c: String) {{ {query}({args}, pagination: {{cursor: $c}}) {{"
            f" {list_field} {{ {fields} }} pageInfo {{ hasNextPage endCursor }} }} }}"
        )
        response = sim.search(document, {"c": cursor})
        response.raise_for_status()
        block = response.json()["data"][query]
        rows.extend(block[list_field])
        cursor = block["pageInfo"]["endCursor"] if block["pageInfo"]["hasNextPage"] else None
    return rows


def sim_finished_tasks(sim: RunningSimulator, since: datetime, until_ms: int) -> set[str]:
    """Tasks that ended at or after `since`: created then, or up to a day before."""
    rows = sim_rows(
        sim,
        "taskDetails",
        "tasks",
        f"from: {to_epoch_ms(since - timedelta(days=1))}, to: {until_ms}",
        "id isActive endedTime",
    )
    return {r["id"] for r in rows if not r["isActive"] and r["endedTime"] >= to_epoch_ms(since)}


def sim_finished_sessions(
    sim: RunningSimulator, since: datetime, until_ms: int
) -> set[tuple[str, datetime, datetime]]:
    rows = sim_rows(
        sim,
        "agentSession",
        "agentSessions",
        f"from: {to_epoch_ms(since - timedelta(days=1))}, to: {until_ms}",
        "agentId startTime endTime isActive",
    )
    return {
        (
            r["agentId"],
            datetime.fromtimestamp(r["startTime"] / 1000, tz=UTC),
            datetime.fromtimestamp(r["endTime"] / 1000, tz=UTC),
        )
        for r in rows
        if not r["isActive"] and r["endTime"] >= to_epoch_ms(since)
    }


def stored_finished_sessions(org: Organization) -> set[tuple[str, datetime, datetime]]:
    return {
        (s.agent.wxcc_id, s.login_at, s.logout_at)
        for s in AgentSession.objects.filter(
            organization=org, logout_at__isnull=False
        ).select_related("agent")
        if s.logout_at is not None
    }


def poll_until_backfilled(org: Organization) -> list[poller.PollResult]:
    results = []
    for _ in range(30):
        result = poller.poll_org(org.pk)
        assert result.ok, result
        results.append(result)
        if result.backfill_done:
            return results
    raise AssertionError("the backfill did not finish")


@pytest.fixture
def history_sim(make_simulator: Callable[..., RunningSimulator]) -> RunningSimulator:
    """A simulator on the wall clock with yesterday's and today's traffic behind it, then
    frozen, so what it answers stays put while we compare."""
    sim = make_simulator(start_time_ms=None, history_days=1, timezone=late_morning_zone())
    sim.quiet()
    sim.pause()
    return sim


@pytest.mark.django_db
def test_a_new_org_gets_todays_history_since_its_local_midnight_over_several_polls(
    history_sim: RunningSimulator, connect_org: Callable[[RunningSimulator], Organization],
    settings: Any,
) -> None:  # fmt: skip
    settings.WXCC_BACKFILL_MAX_REQUESTS = 3  # so it takes several polls
    org = connect_org(history_sim)
    org.timezone = history_sim.config.timezone
    org.save(update_fields=["timezone"])
    midnight = poller.org_day_start(org, timezone.now())
    sim_now_ms = history_sim.now_ms()

    results = poll_until_backfilled(org)

    assert len(results) > 1  # it resumed where the budget stopped it
    assert all(r.backfill_requests <= 3 + 3 for r in results)  # a window may finish
    expected = sim_finished_tasks(history_sim, midnight, sim_now_ms)
    assert len(expected) > 20
    stored = set(
        Task.objects.filter(organization=org, status=TaskStatus.ENDED).values_list(
            "wxcc_id", flat=True
        )
    )
    assert stored == expected
    assert stored_finished_sessions(org) == sim_finished_sessions(history_sim, midnight, sim_now_ms)
    # Today's figures agree with WxCC's own: tasks created since midnight, per queue.
    totals = snapshots.queue_totals(org.pk)
    assert totals is not None
    created_today = Counter(
        Task.objects.filter(
            organization=org, created_at__gte=midnight, queue__isnull=False
        ).values_list("queue__wxcc_id", flat=True)
    )
    assert created_today == {q.queue.id: q.offered for q in totals.queues if q.offered}
    answered = Task.objects.filter(organization=org, status=TaskStatus.ENDED, agent__isnull=False)
    assert answered.exists()
    assert not answered.filter(connected_at__isnull=True).exists()
    # Done: the next poll reads no history.
    assert poller.poll_org(org.pk).backfill_requests == 0
    progress = load_progress(org.pk)
    assert progress is not None
    assert progress.done


@pytest.mark.django_db
def test_after_a_gap_in_polling_the_poll_reads_what_ended_during_the_gap(
    history_sim: RunningSimulator, connect_org: Callable[[RunningSimulator], Organization],
    settings: Any,
) -> None:  # fmt: skip
    org = connect_org(history_sim)
    org.timezone = history_sim.config.timezone
    org.save(update_fields=["timezone"])
    last_ok = timezone.now() - timedelta(hours=2)
    SyncStatusFactory.create(organization=org, last_poll_ok_at=last_ok)
    sim_now_ms = history_sim.now_ms()

    results = poll_until_backfilled(org)

    overlap = timedelta(seconds=settings.WXCC_POLL_INTERVAL_S + settings.WXCC_POLL_SEARCH_LAG_S)
    since = max(last_ok - overlap, poller.org_day_start(org, timezone.now()))
    stored = set(
        Task.objects.filter(organization=org, status=TaskStatus.ENDED).values_list(
            "wxcc_id", flat=True
        )
    )
    assert stored == sim_finished_tasks(history_sim, since, sim_now_ms)
    assert stored
    assert not Task.objects.filter(organization=org, ended_at__lt=since).exists()
    assert results[0].backfilled_tasks == len(stored)


@pytest.mark.django_db
def test_backfill_progress_lives_on_the_sync_row_so_losing_redis_loses_none_of_it(
    history_sim: RunningSimulator, connect_org: Callable[[RunningSimulator], Organization],
    settings: Any,
) -> None:  # fmt: skip
    settings.WXCC_BACKFILL_MAX_REQUESTS = 2
    org = connect_org(history_sim)
    org.timezone = history_sim.config.timezone
    org.save(update_fields=["timezone"])
    first = poller.poll_org(org.pk)
    assert first.ok, first
    assert not first.backfill_done
    stopped_at = load_progress(org.pk)
    assert stopped_at is not None

    # Redis loses everything it held for the org and the integration.
    forget_org_in_redis(org.pk)
    forget_client_budget(str(settings.WEBEX_CLIENT_ID))

    resumed = poller.poll_org(org.pk)
    assert resumed.ok, resumed
    progress = load_progress(org.pk)
    assert progress is not None
    assert (progress.start, progress.end) == (stopped_at.start, stopped_at.end)
    assert progress.next_at > stopped_at.next_at  # went on from there, not from midnight


@pytest.mark.django_db
def test_a_backfill_gives_way_when_live_polls_need_the_budget_and_goes_on_later(
    history_sim: RunningSimulator, connect_org: Callable[[RunningSimulator], Organization],
    settings: Any,
) -> None:  # fmt: skip
    org = connect_org(history_sim)
    org.timezone = history_sim.config.timezone
    org.save(update_fields=["timezone"])
    settings.WXCC_REQUESTS_PER_MINUTE = 60  # a bucket of 6: the live reads leave too little
    settings.WXCC_BULK_BUDGET_MAX_WAIT_S = 0.1

    polled = poller.poll_org(org.pk)

    assert polled.ok, polled  # the live part is done and recorded
    assert polled.full
    assert not polled.backfill_done
    progress = load_progress(org.pk)
    assert progress is not None
    assert not progress.done

    # Budget to spare again: a larger budget, and a full bucket (refilling the old, nearly
    # empty one past the bulk floor would take seconds that a fast machine polls through).
    settings.WXCC_REQUESTS_PER_MINUTE = 6000
    forget_client_budget(settings.WEBEX_CLIENT_ID)
    assert poll_until_backfilled(org)[-1].backfill_done
