"""Per-org API aggregates the poller keeps in the cache (Redis) for boards to read.

Today's per-queue totals come from one grouped search every poll; the REST queue and agent
statistics (15-minute intervals, deprecated by Cisco) every WXCC_STATISTICS_INTERVAL_S.
Both are derived data, rebuilt by the next poll, so they live in the cache, not the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache

from wxcc import keys
from wxcc.api_types import AgentStatistics, QueueAggregate, QueueStatistics

_TTL_S = 24 * 3600


@dataclass(frozen=True)
class QueueTotalsSnapshot:
    as_of: datetime
    day_start: datetime
    queues: tuple[QueueAggregate, ...]


@dataclass(frozen=True)
class StatisticsSnapshot:
    """Today's REST statistics in 15-minute intervals (empty when the API refused them)."""

    as_of: datetime
    queues: tuple[QueueStatistics, ...]
    agents: tuple[AgentStatistics, ...]


def store_queue_totals(org_id: int, snapshot: QueueTotalsSnapshot) -> None:
    cache.set(keys.queue_totals(org_id), snapshot, _TTL_S)


def queue_totals(org_id: int) -> QueueTotalsSnapshot | None:
    """The newest per-queue totals for today, or None before the first successful poll."""
    value = cache.get(keys.queue_totals(org_id))
    return value if isinstance(value, QueueTotalsSnapshot) else None


def store_statistics(org_id: int, snapshot: StatisticsSnapshot) -> None:
    cache.set(keys.statistics(org_id), snapshot, _TTL_S)


def statistics(org_id: int) -> StatisticsSnapshot | None:
    """The newest queue and agent statistics for today, or None before the first fetch."""
    value = cache.get(keys.statistics(org_id))
    return value if isinstance(value, StatisticsSnapshot) else None
