"""Today is complete: read an org's history from search when polling cannot have seen it.

A poll only sees what is live at that moment (and webhooks what happened while they were
registered), so a freshly connected org, or one after a gap in polling, would show "today"
figures that depend on the app's uptime. Before its normal poll the poller therefore backfills
the tasks and agent sessions the org has had since the gap began, and at most since the org's
local midnight:

- never backfilled nor polled: since local midnight;
- the last good poll (or finished backfill) is more than
  settings.WXCC_BACKFILL_AFTER_MISSED_POLLS intervals old: since then, less one interval and
  the search lag (what search may not have shown yet), but not before local midnight.

What it reads (docs/wxcc-contract.md §2.3, §2.7): `taskDetails` created in the window, in
windows of settings.WXCC_BACKFILL_WINDOW_MIN; `taskDetails` created up to
settings.WXCC_BACKFILL_LOOKBACK_H before the window that ended inside it (one query on
createdTime, filtered on endedTime: search indexes tasks by createdTime, and an endedTime
query misses tasks created before its window unless told to look back); `agentSession`
started up to the same look-back before the window (sessions compare on startTime only).
Only finished tasks and sessions are applied: the poll that follows applies what is live.
Everything goes through the same merge as polls and webhooks, so applying it twice, or after
webhooks told us some of it, changes nothing.

Budget: the poller runs the backfill as a bulk reader (`Priority.BULK`): its requests only
spend what live polls of every org leave of the integration's budget, one poll spends at most
settings.WXCC_BACKFILL_MAX_REQUESTS on it (checked between windows), and when the budget is
contended it stops early (`WxccBudgetExhausted`); the rest waits for the next poll. Progress
is kept on the org's SyncStatus row (`backfill_progress`), so a failed or interrupted
backfill resumes where it stopped, even after Redis lost its data.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from oauth.models import Organization
from wxcc.agent_services import apply_agent_observations
from wxcc.api_types import TaskRecord, from_epoch_ms, to_epoch_ms
from wxcc.client import WxccClient
from wxcc.exceptions import WxccBudgetExhausted
from wxcc.mapping import finished_session_observation, finished_task_observations
from wxcc.models import Source, SyncStatus
from wxcc.services import apply_task_observations

__all__ = [
    "BackfillResult",
    "Progress",
    "backfill_start",
    "due_progress",
    "finished_session_observation",
    "finished_task_observations",
    "load_progress",
    "run_backfill",
    "windows",
]

logger = logging.getLogger(__name__)


# --- pure rules --------------------------------------------------------------------------------


def backfill_start(
    *,
    last_poll_ok_at: datetime | None,
    backfilled_through: datetime | None,
    day_start: datetime,
    now: datetime,
    max_gap_s: float,
    overlap_s: float,
) -> datetime | None:
    """Where a backfill must start, or None when polling has kept up."""
    known = [t for t in (last_poll_ok_at, backfilled_through) if t is not None]
    if not known:
        return day_start
    covered_until = max(known)
    if (now - covered_until).total_seconds() <= max_gap_s:
        return None
    return max(day_start, covered_until - timedelta(seconds=overlap_s))


def windows(start: datetime, end: datetime, size: timedelta) -> list[tuple[datetime, datetime]]:
    """[start, end) cut into consecutive windows of at most `size`."""
    cuts: list[tuple[datetime, datetime]] = []
    while start < end:
        cuts.append((start, min(start + size, end)))
        start = cuts[-1][1]
    return cuts


# --- progress between polls ----------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """A backfill of [start, end): tasks are read up to `next_at`; `done` once finished."""

    start: datetime
    end: datetime
    next_at: datetime
    sessions_done: bool = False

    @property
    def done(self) -> bool:
        return self.sessions_done and self.next_at >= self.end

    def as_json(self) -> dict[str, Any]:
        return {
            "start": to_epoch_ms(self.start),
            "end": to_epoch_ms(self.end),
            "next": to_epoch_ms(self.next_at),
            "sessions_done": self.sessions_done,
        }

    @classmethod
    def from_json(cls, raw: Any) -> Progress | None:
        if not isinstance(raw, dict):
            return None
        start, end = from_epoch_ms(raw.get("start")), from_epoch_ms(raw.get("end"))
        next_at = from_epoch_ms(raw.get("next"))
        if start is None or end is None or next_at is None:
            return None
        return cls(start, end, next_at, bool(raw.get("sessions_done")))


def load_progress(org_id: int) -> Progress | None:
    stored = SyncStatus.objects.filter(organization_id=org_id).values_list(
        "backfill_progress", flat=True
    )
    return Progress.from_json(stored.first())


def _save_progress(org_id: int, progress: Progress) -> None:
    SyncStatus.objects.filter(organization_id=org_id).update(backfill_progress=progress.as_json())


# --- the run -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackfillResult:
    tasks: int = 0  # finished tasks read
    sessions: int = 0  # finished sessions read
    requests: int = 0
    done: bool = True  # False: the budget ran out, the next poll goes on


def due_progress(
    *, stored: Any, last_poll_ok_at: datetime | None, day_start: datetime, now: datetime
) -> Progress | None:
    """The backfill this poll should work on, if any (unfinished, or newly due), given the
    progress stored on the org's SyncStatus."""
    progress = Progress.from_json(stored)
    if progress is not None and not progress.done:
        return progress
    interval_s = float(settings.WXCC_POLL_INTERVAL_S)
    start = backfill_start(
        last_poll_ok_at=last_poll_ok_at,
        backfilled_through=progress.end if progress is not None else None,
        day_start=day_start,
        now=now,
        max_gap_s=interval_s * int(settings.WXCC_BACKFILL_AFTER_MISSED_POLLS),
        overlap_s=interval_s + float(settings.WXCC_POLL_SEARCH_LAG_S),
    )
    if start is None or start >= now:
        return None
    return Progress(start=start, end=now, next_at=start)


def run_backfill(
    *, org: Organization, client: WxccClient, progress: Progress, now: datetime
) -> BackfillResult:
    """Read and apply the history `progress` still lacks, within this poll's share of the
    budget; saves how far it got. Stops early, to go on next poll, when the integration's
    budget has nothing left for bulk reads."""
    first_request = client.requests_made
    # Kept before the first request: a backfill that the budget stops at once (or a crash)
    # must still be due next poll, though that poll will have been a good one.
    _save_progress(org.pk, progress)
    progress, tasks_read, sessions_read = _run(org, client, progress, now)
    result = BackfillResult(
        tasks=tasks_read,
        sessions=sessions_read,
        requests=client.requests_made - first_request,
        done=progress.done,
    )
    logger.info(
        "event=wxcc_backfill org_id=%s since=%s until=%s next=%s tasks=%d sessions=%d "
        "requests=%d done=%s",
        org.pk,
        progress.start.isoformat(),
        progress.end.isoformat(),
        progress.next_at.isoformat(),
        result.tasks,
        result.sessions,
        result.requests,
        result.done,
    )
    return result


def _run(
    org: Organization, client: WxccClient, progress: Progress, now: datetime
) -> tuple[Progress, int, int]:
    first_request = client.requests_made
    max_requests = int(settings.WXCC_BACKFILL_MAX_REQUESTS)
    tasks_read = sessions_read = 0
    try:
        progress, tasks_read, sessions_read = _run_sessions(org, client, progress, now)
        size = timedelta(minutes=max(1, int(settings.WXCC_BACKFILL_WINDOW_MIN)))
        for start, end in windows(progress.next_at, progress.end, size):
            if client.requests_made - first_request >= max_requests:
                break
            tasks_read += _apply_tasks(org, client.search_tasks(start, end), now)
            progress = replace(progress, next_at=end)
            _save_progress(org.pk, progress)
    except WxccBudgetExhausted as exc:
        # Live polls need the budget now; what is left waits for a later poll.
        logger.info(
            "event=wxcc_backfill_paused org_id=%s reason=budget retry_after_s=%.1f",
            org.pk,
            exc.retry_after_s,
        )
    return progress, tasks_read, sessions_read


def _run_sessions(
    org: Organization, client: WxccClient, progress: Progress, now: datetime
) -> tuple[Progress, int, int]:
    """Sessions of the window and tasks created before it that ended inside it, once."""
    tasks_read = sessions_read = 0
    if not progress.sessions_done:
        lookback = timedelta(hours=float(settings.WXCC_BACKFILL_LOOKBACK_H))
        records = client.agent_sessions(progress.start - lookback, progress.end)
        observations = sorted(
            (
                obs
                for obs in map(finished_session_observation, records)
                if obs is not None and obs.at >= progress.start
            ),
            key=lambda o: o.at,
        )
        apply_agent_observations(org=org, observations=observations, source=Source.POLL)
        sessions_read = len(observations)
        # Tasks created before the window that ended inside it (one query for the lot).
        spanning = client.search_tasks(
            progress.start - lookback,
            progress.start,
            filter={"endedTime": {"gte": to_epoch_ms(progress.start)}},
        )
        tasks_read += _apply_tasks(org, spanning, now)
        progress = replace(progress, sessions_done=True)
        _save_progress(org.pk, progress)
    return progress, tasks_read, sessions_read


def _apply_tasks(org: Organization, records: list[TaskRecord], as_of: datetime) -> int:
    observations = [o for r in records for o in finished_task_observations(r, as_of)]
    apply_task_observations(org=org, observations=observations, source=Source.POLL)
    return sum(1 for r in records if not r.is_active and r.ended_at is not None)
