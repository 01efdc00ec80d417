"""What one poll of an org reads, decided from when it last read what (pure: no ORM, no
clock, no network; the poller passes `now` and the org's SyncStatus times in).

Requests per poll cycle (docs/wxcc-contract.md §5, "Requests per poll"):

- every poll: live tasks (one `taskDetails` query) and agent sessions with each channel's
  current state (one `agentSession` query), one request each per page of 250 rows. Between
  full polls they ask only for what changed since the last good poll began (less the search
  lag): tasks whose record WxCC updated (`lastActivityTime`), sessions whose state changed or
  that ended. That is also how a poll learns how a contact ended (WxCC's classification)
  and when an agent logged out, with WxCC's own times.
- every settings.WXCC_FULL_POLL_INTERVAL_S (and the first poll, or after a gap longer than
  the change window): every open task and session as well, and what WxCC no longer lists is
  closed.
- every settings.WXCC_QUEUE_TOTALS_INTERVAL_S: today's grouped per-queue totals (one
  aggregation request per 1000 groups), a cross-check of what we store.
- every settings.WXCC_CONFIG_SYNC_INTERVAL_S, and when a backfill is due: the Config API's
  queues and teams (one request per 100 of each), read as bulk (`Priority.BULK`), like the
  history backfill.
- only with settings.WXCC_STATISTICS_CROSS_CHECK: the deprecated statistics REST APIs.

So a steady-state cycle is 2 requests for an org whose changes between two polls fit in a page
(the demo, and most orgs), 3 when the totals are due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Cadence:
    """The intervals (s) a poll follows; `from_settings` in the poller."""

    poll_interval_s: float
    search_lag_s: float
    missed_polls_before_backfill: int
    full_interval_s: float
    queue_totals_interval_s: float
    config_interval_s: float

    @property
    def change_window(self) -> timedelta:
        """How far back a poll reads changes at most; a longer gap is a backfill's (of
        finished tasks) plus a full poll (of open ones)."""
        gap_s = self.poll_interval_s * self.missed_polls_before_backfill
        return timedelta(seconds=gap_s + self.poll_interval_s + self.search_lag_s)


@dataclass(frozen=True)
class SyncTimes:
    """When the org's last poll did each thing (None: never)."""

    changes_read_at: datetime | None = None
    last_full_poll_at: datetime | None = None
    queue_totals_at: datetime | None = None
    config_synced_at: datetime | None = None


@dataclass(frozen=True)
class PollPlan:
    changed_since: datetime  # read tasks and sessions that changed since then
    full: bool  # also every open task and session; close what WxCC no longer lists
    queue_totals: bool
    config_sync: bool


def _due(last: datetime | None, now: datetime, interval_s: float) -> bool:
    return last is None or (now - last).total_seconds() >= interval_s


def plan_poll(*, now: datetime, times: SyncTimes, cadence: Cadence, backfill_due: bool) -> PollPlan:
    lag = timedelta(seconds=cadence.search_lag_s)
    oldest = now - cadence.change_window
    anchor = times.changes_read_at
    if anchor is None or anchor - lag < oldest:
        # Never read, or too long ago for the change window: read everything live; what
        # ended meanwhile is the backfill's.
        changed_since = max(
            oldest, (anchor or now) - lag - timedelta(seconds=cadence.poll_interval_s)
        )
        full = True
    else:
        changed_since = anchor - lag
        full = _due(times.last_full_poll_at, now, cadence.full_interval_s)
    return PollPlan(
        changed_since=min(changed_since, now),
        full=full,
        queue_totals=_due(times.queue_totals_at, now, cadence.queue_totals_interval_s),
        config_sync=backfill_due or _due(times.config_synced_at, now, cadence.config_interval_s),
    )
