"""Polling one org: read what changed at WxCC since the last good poll (and, every so often,
everything live), and reconcile stored state with it (webhooks may be lost, late or
duplicated; the poll is the correction). Only one poll per org runs at a time (a Redis lock);
the outcome is recorded on `SyncStatus` for the board's stale and outage banners.

What a poll reads, and how many requests that costs, is `wxcc.poll_plan`'s decision: two
requests in a steady state (tasks and agent sessions, agent states from the sessions'
`channelInfo`), the grouped per-queue totals and the Config API's queues and teams less
often, the deprecated statistics APIs only as an opt-in cross-check. Live data comes first;
then, for a new org or after a gap in polling, a bounded share of history backfill as a bulk
reader (`wxcc.backfill`), which only spends what live polls leave of the integration's budget.

Applying what a poll fetched (`reconcile`) takes a number of queries that does not grow with
the rows, and writes nothing when nothing changed (see `wxcc.services`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import IntegrityError, OperationalError
from django.utils import timezone
from redis.exceptions import LockError

from oauth.exceptions import OAuthError
from oauth.models import Organization
from oauth.selectors import connected_organizations
from wxcc import (
    agent_services,
    backfill,
    config_sync,
    entities,
    keys,
    mapping,
    ratelimit,
    services,
    snapshots,
    statistics_check,
)
from wxcc.api_types import AgentSessionRecord, QueueAggregate, TaskRecord
from wxcc.client import Priority, WxccClient
from wxcc.exceptions import (
    WxccError,
    WxccForbidden,
    WxccRateLimited,
)
from wxcc.models import Source, SyncStatus
from wxcc.observations import AgentObservation, Ref
from wxcc.poll_plan import Cadence, PollPlan, SyncTimes, plan_poll
from wxcc.redis_client import get_redis
from wxcc.signals import LiveStateChange, coalesced_notifications, notify_live_state_changed

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
T = TypeVar("T")
# A webhook for the same task or agent may be applied at the same moment: the loser meets a
# unique constraint or a lock timeout; applying again a moment later is clean (idempotent).
_APPLY_ATTEMPTS = 3


@dataclass(frozen=True)
class PollResult:
    """What one poll did; `skipped` names why it did nothing, `error` why it failed."""

    org_id: int
    skipped: str = ""
    error: str = ""
    tasks_seen: int = 0
    tasks_closed: int = 0
    sessions_seen: int = 0
    sessions_closed: int = 0
    requests: int = 0
    backfilled_tasks: int = 0
    backfilled_sessions: int = 0
    backfill_requests: int = 0  # of `requests`
    backfill_done: bool = True
    full: bool = False  # read every live task and session (not only what changed)
    config_requests: int = 0  # of `requests`: the Config API's queues and teams

    @property
    def ok(self) -> bool:
        return not self.skipped and not self.error


def poll_org(org_id: int, *, clock: Clock = timezone.now) -> PollResult:
    """Poll one org unless another worker is already polling it."""
    lock = get_redis().lock(
        keys.poll_lock(org_id), timeout=float(settings.WXCC_POLL_LOCK_TIMEOUT_S), blocking=False
    )
    if not lock.acquire():
        logger.info("event=wxcc_poll_skipped org_id=%s reason=already_running", org_id)
        return PollResult(org_id, skipped="already_running")
    try:
        return _poll_locked(org_id, clock)
    finally:
        try:
            lock.release()
        except LockError:
            # The lock timed out under a very slow poll and another worker may hold it now.
            logger.warning("event=wxcc_poll_lock_lost org_id=%s", org_id)


def org_day_start(org: Organization, now: datetime) -> datetime:
    """Midnight today in the org's zone, as UTC."""
    try:
        zone = ZoneInfo(org.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = now.astimezone(zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(now.tzinfo)


def _poll_locked(org_id: int, clock: Clock) -> PollResult:
    org = Organization.objects.filter(pk=org_id).first()
    if org is None:
        return PollResult(org_id, skipped="no_such_org")
    sync, _ = SyncStatus.objects.get_or_create(organization=org)
    if sync.paused:
        return PollResult(org_id, skipped="paused")
    started = clock()
    blocked = ratelimit.blocked_until(started)
    if blocked is not None:
        if sync.rate_limited_until != blocked:
            sync.rate_limited_until = blocked
            sync.save(update_fields=["rate_limited_until"])
        return PollResult(org_id, skipped="rate_limited")
    # Written with the outcome: one UPDATE of the sync row per poll.
    sync.last_poll_started_at = started

    client: WxccClient | None = None
    try:
        client = WxccClient(org)
        # One push per org per poll, not one per applied row.
        with client, coalesced_notifications():
            result, done = _poll_once(org, sync, client, clock)
    except WxccRateLimited as exc:
        until = clock() + timedelta(seconds=exc.retry_after_s)
        _record_failure(sync, f"rate limited ({exc.reason})", clock(), rate_limited_until=until)
        return PollResult(org_id, error="rate_limited", requests=_requests(client))
    except (WxccError, OAuthError) as exc:
        # A missing scope is said in words an admin can act on (wxcc.scopes), nothing added.
        reason = str(exc) if isinstance(exc, WxccForbidden) else f"{type(exc).__name__}: {exc}"
        _record_failure(sync, reason, clock())
        logger.warning("event=wxcc_poll_failed org_id=%s reason=%s", org.pk, reason[:200])
        return PollResult(org_id, error=type(exc).__name__, requests=_requests(client))

    sync.last_poll_ok_at = clock()
    sync.consecutive_failures = 0
    sync.last_error = ""
    sync.rate_limited_until = None
    for name, value in done.items():
        setattr(sync, name, value)
    fields = [
        "last_poll_started_at",
        "last_poll_ok_at",
        "consecutive_failures",
        "last_error",
        "rate_limited_until",
        *done,
    ]
    sync.save(update_fields=fields)
    logger.info(
        "event=wxcc_poll_ok org_id=%s full=%s tasks=%d tasks_closed=%d sessions=%d "
        "sessions_closed=%d backfilled_tasks=%d backfilled_sessions=%d requests=%d",
        org.pk,
        result.full,
        result.tasks_seen,
        result.tasks_closed,
        result.sessions_seen,
        result.sessions_closed,
        result.backfilled_tasks,
        result.backfilled_sessions,
        result.requests,
    )
    return result


def _requests(client: WxccClient | None) -> int:
    return client.requests_made if client is not None else 0


def _record_failure(
    sync: SyncStatus, reason: str, now: datetime, *, rate_limited_until: datetime | None = None
) -> None:
    sync.last_error = reason[:300]
    sync.last_error_at = now
    fields = ["last_poll_started_at", "last_error", "last_error_at"]
    if rate_limited_until is not None:
        # A 429 is us being slowed down, not WxCC being down: no outage count.
        sync.rate_limited_until = rate_limited_until
        fields.append("rate_limited_until")
    else:
        sync.consecutive_failures += 1
        fields.append("consecutive_failures")
    sync.save(update_fields=fields)


@dataclass(frozen=True)
class PollSnapshot:
    """What one poll fetched from WxCC, before it is applied. `full`: the tasks and sessions
    include every open one, so what they do not list has ended."""

    tasks: list[TaskRecord]
    sessions: list[AgentSessionRecord]
    totals: list[QueueAggregate] | None = None  # None: not fetched this time
    full: bool = True


def cadence_from_settings() -> Cadence:
    return Cadence(
        poll_interval_s=float(settings.WXCC_POLL_INTERVAL_S),
        search_lag_s=float(settings.WXCC_POLL_SEARCH_LAG_S),
        missed_polls_before_backfill=int(settings.WXCC_BACKFILL_AFTER_MISSED_POLLS),
        full_interval_s=float(settings.WXCC_FULL_POLL_INTERVAL_S),
        queue_totals_interval_s=float(settings.WXCC_QUEUE_TOTALS_INTERVAL_S),
        config_interval_s=float(settings.WXCC_CONFIG_SYNC_INTERVAL_S),
    )


def _poll_once(
    org: Organization, sync: SyncStatus, client: WxccClient, clock: Clock
) -> tuple[PollResult, dict[str, datetime]]:
    """Live data first, then configuration and a bounded share of history when due.
    Returns the result and the SyncStatus times to record with it."""
    now = clock()
    day_start = org_day_start(org, now)
    progress = backfill.due_progress(
        stored=sync.backfill_progress,
        last_poll_ok_at=sync.last_poll_ok_at,
        day_start=day_start,
        now=now,
    )
    times = SyncTimes(
        changes_read_at=sync.changes_read_at,
        last_full_poll_at=sync.last_full_poll_at,
        queue_totals_at=sync.queue_totals_at,
        config_synced_at=sync.config_synced_at,
    )
    plan = plan_poll(
        now=now, times=times, cadence=cadence_from_settings(), backfill_due=progress is not None
    )
    # Everything a full poll does not list was gone by `as_of`; search may lag live events,
    # so only what we last heard of before `as_of` is closed.
    as_of = now - timedelta(seconds=float(settings.WXCC_POLL_SEARCH_LAG_S))
    # Fetch everything first: a failure half-way must not close what it did not see.
    snapshot = fetch(client, plan, now, day_start)
    result = reconcile(org, snapshot, now=now, as_of=as_of)
    done: dict[str, datetime] = {"changes_read_at": now}
    if plan.full:
        done["last_full_poll_at"] = now
    if snapshot.totals is not None:
        snapshots.store_queue_totals(
            org.pk,
            snapshots.QueueTotalsSnapshot(
                as_of=now, day_start=day_start, queues=tuple(snapshot.totals)
            ),
        )
        done["queue_totals_at"] = now
    config_requests = 0
    if plan.config_sync:
        config_requests, synced = config_sync.sync_configuration_in_bulk(org=org, client=client)
        if synced:
            done["config_synced_at"] = now
    statistics_check.maybe_fetch_statistics(
        org=org, client=client, now=now, day_start=org_day_start(org, now)
    )
    filled = backfill.BackfillResult()
    if progress is not None:
        with client.prioritised(Priority.BULK):
            filled = backfill.run_backfill(org=org, client=client, progress=progress, now=now)
    polled = PollResult(
        org.pk,
        tasks_seen=result.tasks_seen,
        tasks_closed=result.tasks_closed,
        sessions_seen=result.sessions_seen,
        sessions_closed=result.sessions_closed,
        requests=client.requests_made,
        backfilled_tasks=filled.tasks,
        backfilled_sessions=filled.sessions,
        backfill_requests=filled.requests,
        backfill_done=filled.done,
        full=plan.full,
        config_requests=config_requests,
    )
    return polled, done


def fetch(client: WxccClient, plan: PollPlan, now: datetime, day_start: datetime) -> PollSnapshot:
    """What changed at WxCC (or, for a full poll, everything live), and today's per-queue
    totals when due (no database access)."""
    tasks = client.live_tasks(now, changed_since=plan.changed_since, full=plan.full)
    sessions = client.live_agent_sessions(now, changed_since=plan.changed_since, full=plan.full)
    totals = client.queue_aggregates_today(day_start, now) if plan.queue_totals else None
    return PollSnapshot(tasks, sessions, totals, full=plan.full)


def _agent_observations(
    sessions: list[AgentSessionRecord], now: datetime
) -> list[AgentObservation]:
    observations: list[AgentObservation] = []
    for session in sessions:
        if session.is_active or session.ended_at is None:
            obs = mapping.agent_observation(session, as_of=now)
        else:
            obs = mapping.finished_session_observation(session)
        if obs is not None:
            observations.append(obs)
    # An agent may have ended one session and begun another since the last poll.
    return sorted(observations, key=lambda o: o.at)


def reconcile(
    org: Organization, snapshot: PollSnapshot, *, now: datetime, as_of: datetime
) -> PollResult:
    """Apply one poll's snapshot to stored state: tasks and agents merged (ended ones with
    WxCC's own end and classification), after a full poll the ones it no longer lists
    closed, today's queues named. Queries: a constant number."""
    task_obs = mapping.task_observations(snapshot.tasks, now)
    _apply(
        lambda: services.apply_task_observations(org=org, observations=task_obs, source=Source.POLL)
    )
    closed_tasks: list[str] = []
    if snapshot.full:
        open_ids = {t.id for t in snapshot.tasks if t.is_active and t.ended_at is None}
        closed_tasks = _apply(
            lambda: services.close_vanished_tasks(org=org, active_ids=open_ids, as_of=as_of)
        )

    agent_obs = _agent_observations(snapshot.sessions, now)
    _apply(
        lambda: agent_services.apply_agent_observations(
            org=org, observations=agent_obs, source=Source.POLL
        )
    )
    closed_sessions: list[str] = []
    if snapshot.full:
        logged_in = {s.agent.id for s in snapshot.sessions if s.is_active and s.ended_at is None}
        closed_sessions = _apply(
            lambda: agent_services.close_vanished_sessions(
                org=org, active_agent_ids=logged_in, as_of=as_of
            )
        )

    queues = _apply(
        lambda: entities.upsert_queues(
            org=org, refs=[Ref(t.queue.id, t.queue.name) for t in snapshot.totals or ()]
        )
    )
    notify_live_state_changed(LiveStateChange.of(org.pk, queue_ids=queues.touched))
    return PollResult(
        org.pk,
        tasks_seen=len(snapshot.tasks),
        tasks_closed=len(closed_tasks),
        sessions_seen=len(snapshot.sessions),
        sessions_closed=len(closed_sessions),
        full=snapshot.full,
    )


def _apply(apply: Callable[[], T]) -> T:
    for attempt in range(1, _APPLY_ATTEMPTS + 1):
        try:
            return apply()
        except (IntegrityError, OperationalError):
            if attempt == _APPLY_ATTEMPTS:
                raise
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")


def orgs_due_for_poll(now: datetime) -> list[int]:
    """Connected orgs (so not needing re-consent) that are not paused; none while a 429
    pauses the integration."""
    if ratelimit.blocked_until(now) is not None:
        return []  # a 429 pauses every org of the integration
    due = []
    for org in connected_organizations().select_related("wxcc_sync"):
        sync = getattr(org, "wxcc_sync", None)
        if sync is not None and sync.paused:
            continue
        if not org.webex_org_id:
            continue
        due.append(org.pk)
    return due
