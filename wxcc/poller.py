"""Polling one org: fetch live tasks, logged-in agents and today's totals from WxCC, and
reconcile stored state with them (webhooks may be lost, late or duplicated; the poll is the
correction). Only one poll per org runs at a time (a Redis lock); the outcome is recorded on
`SyncStatus` for the board's stale and outage banners.

Requests per cycle: active tasks (taskDetails, 1 page per 100), active sessions (agentSession,
1 per 100), agent activities (REST, 1 per 1000), today's per-queue totals (one grouped
aggregation); plus queue and agent statistics every settings.WXCC_STATISTICS_INTERVAL_S.
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
from wxcc import mapping, ratelimit, services, snapshots
from wxcc.api_types import AgentActivityRecord
from wxcc.client import WxccClient
from wxcc.exceptions import WxccBadRequest, WxccError, WxccRateLimited
from wxcc.models import Source, SyncStatus
from wxcc.observations import Ref
from wxcc.signals import coalesced_notifications

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

    @property
    def ok(self) -> bool:
        return not self.skipped and not self.error


def _lock_key(org_id: int) -> str:
    return f"wxcc:poll-lock:{org_id}"


def poll_org(org_id: int, *, clock: Clock = timezone.now) -> PollResult:
    """Poll one org unless another worker is already polling it."""
    lock = ratelimit.get_redis().lock(
        _lock_key(org_id), timeout=float(settings.WXCC_POLL_LOCK_TIMEOUT_S), blocking=False
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
    blocked = ratelimit.blocked_until(org.pk, started)
    if blocked is not None:
        if sync.rate_limited_until != blocked:
            sync.rate_limited_until = blocked
            sync.save(update_fields=["rate_limited_until"])
        return PollResult(org_id, skipped="rate_limited")
    sync.last_poll_started_at = started
    sync.save(update_fields=["last_poll_started_at"])

    client: WxccClient | None = None
    try:
        client = WxccClient(org)
        # One push per org per poll, not one per applied row.
        with client, coalesced_notifications():
            result = _fetch_and_reconcile(org, client, clock)
    except WxccRateLimited as exc:
        until = clock() + timedelta(seconds=exc.retry_after_s)
        _record_failure(sync, f"rate limited ({exc.reason})", clock(), rate_limited_until=until)
        return PollResult(org_id, error="rate_limited", requests=_requests(client))
    except (WxccError, OAuthError) as exc:
        reason = f"{type(exc).__name__}: {exc}"
        _record_failure(sync, reason, clock())
        logger.warning("event=wxcc_poll_failed org_id=%s reason=%s", org.pk, reason[:200])
        return PollResult(org_id, error=type(exc).__name__, requests=_requests(client))

    sync.last_poll_ok_at = clock()
    sync.consecutive_failures = 0
    sync.last_error = ""
    sync.rate_limited_until = None
    fields = ["last_poll_ok_at", "consecutive_failures", "last_error", "rate_limited_until"]
    sync.save(update_fields=fields)
    logger.info(
        "event=wxcc_poll_ok org_id=%s tasks=%d tasks_closed=%d sessions=%d sessions_closed=%d "
        "requests=%d",
        org.pk,
        result.tasks_seen,
        result.tasks_closed,
        result.sessions_seen,
        result.sessions_closed,
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
    fields = ["last_error", "last_error_at"]
    if rate_limited_until is not None:
        # A 429 is us being slowed down, not WxCC being down: no outage count.
        sync.rate_limited_until = rate_limited_until
        fields.append("rate_limited_until")
    else:
        sync.consecutive_failures += 1
        fields.append("consecutive_failures")
    sync.save(update_fields=fields)


def _fetch_and_reconcile(org: Organization, client: WxccClient, clock: Clock) -> PollResult:
    now = clock()
    # Everything the poll does not list was gone by `as_of`; search may lag live events, so
    # only what we last heard of before `as_of` is closed.
    as_of = now - timedelta(seconds=float(settings.WXCC_POLL_SEARCH_LAG_S))

    # Fetch everything first: a failure half-way must not close what it did not see.
    tasks = client.active_tasks(now)
    sessions = client.active_agent_sessions(now)
    activities: list[AgentActivityRecord] = []
    if sessions:
        # A state older than the look-back falls back to the session's own `state`.
        lookback = timedelta(minutes=float(settings.WXCC_ACTIVITY_LOOKBACK_MIN))
        earliest = min(s.started_at for s in sessions)
        activities = client.agent_activities(max(earliest, now - lookback), now)
    day_start = org_day_start(org, now)
    totals = client.queue_aggregates_today(day_start, now)
    _maybe_fetch_statistics(org, client, now)

    for record in tasks:
        observation = mapping.task_observation(record, now)
        _apply(services.apply_task_observation, org, observation, Source.POLL)
    closed_tasks = _apply(services.close_vanished_tasks, org, {t.id for t in tasks}, as_of)

    current = mapping.current_activities(activities)
    for session in sessions:
        agent_obs = mapping.agent_observation(session, current.get(session.agent.id))
        if agent_obs is not None:
            _apply(services.apply_agent_observation, org, agent_obs, Source.POLL)
    active_agent_ids = {s.agent.id for s in sessions}
    closed_sessions = _apply(services.close_vanished_sessions, org, active_agent_ids, as_of)

    for total in totals:
        _apply(services.upsert_queue, org, Ref(total.queue.id, total.queue.name))
    snapshots.store_queue_totals(
        org.pk, snapshots.QueueTotalsSnapshot(as_of=now, day_start=day_start, queues=tuple(totals))
    )
    return PollResult(
        org.pk,
        tasks_seen=len(tasks),
        tasks_closed=len(closed_tasks),
        sessions_seen=len(sessions),
        sessions_closed=len(closed_sessions),
        requests=client.requests_made,
    )


def _apply(apply: Callable[..., T], *args: object) -> T:
    for attempt in range(1, _APPLY_ATTEMPTS + 1):
        try:
            return apply(*args)
        except (IntegrityError, OperationalError):
            if attempt == _APPLY_ATTEMPTS:
                raise
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")


def _maybe_fetch_statistics(org: Organization, client: WxccClient, now: datetime) -> None:
    """Queue and agent statistics (REST, 15-minute intervals) at most every
    WXCC_STATISTICS_INTERVAL_S. Optional: Cisco deprecates these APIs (EOL 31 Mar 2027), so
    a 4xx is logged and the poll goes on with empty statistics."""
    interval_s = float(settings.WXCC_STATISTICS_INTERVAL_S)
    if interval_s <= 0:
        return
    previous = snapshots.statistics(org.pk)
    if previous is not None and (now - previous.as_of).total_seconds() < interval_s:
        return
    day_start = org_day_start(org, now)
    try:
        queues = client.queue_statistics(day_start, now)
        agents = client.agent_statistics(day_start, now)
    except WxccBadRequest as exc:
        logger.info("event=wxcc_statistics_unavailable org_id=%s reason=%s", org.pk, exc)
        queues, agents = [], []
    snapshots.store_statistics(
        org.pk,
        snapshots.StatisticsSnapshot(as_of=now, queues=tuple(queues), agents=tuple(agents)),
    )


def orgs_due_for_poll(now: datetime) -> list[int]:
    """Connected orgs (so not needing re-consent) that are neither paused nor rate-limited."""
    due = []
    for org in connected_organizations().select_related("wxcc_sync"):
        sync = getattr(org, "wxcc_sync", None)
        if sync is not None and sync.paused:
            continue
        if not org.webex_org_id:
            continue
        if ratelimit.blocked_until(org.pk, now) is not None:
            continue
        due.append(org.pk)
    return due
