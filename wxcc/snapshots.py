"""Per-org API aggregates the poller keeps in the cache (Redis) for boards to read.

Today's per-queue totals come from one grouped search every poll; the REST queue statistics
(15-minute intervals, deprecated by Cisco) every settings.WXCC_STATISTICS_INTERVAL_S. Both are
derived data, rebuilt by the next poll, so they live in the cache rather than the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache

from wxcc.api_types import QueueAggregate, QueueStatistics

_TTL_S = 24 * 3600


@dataclass(frozen=True)
class QueueTotalsSnapshot:
    as_of: datetime
    day_start: datetime
    queues: tuple[QueueAggregate, ...]


@dataclass(frozen=True)
class QueueStatisticsSnapshot:
    as_of: datetime
    intervals: tuple[QueueStatistics, ...]


def _totals_key(org_id: int) -> str:
    return f"wxcc:queue-totals:{org_id}"


def _statistics_key(org_id: int) -> str:
    return f"wxcc:queue-statistics:{org_id}"


def store_queue_totals(org_id: int, snapshot: QueueTotalsSnapshot) -> None:
    cache.set(_totals_key(org_id), snapshot, _TTL_S)


def queue_totals(org_id: int) -> QueueTotalsSnapshot | None:
    """The newest per-queue totals for today, or None before the first successful poll."""
    value = cache.get(_totals_key(org_id))
    return value if isinstance(value, QueueTotalsSnapshot) else None


def store_queue_statistics(org_id: int, snapshot: QueueStatisticsSnapshot) -> None:
    cache.set(_statistics_key(org_id), snapshot, _TTL_S)


def queue_statistics(org_id: int) -> QueueStatisticsSnapshot | None:
    value = cache.get(_statistics_key(org_id))
    return value if isinstance(value, QueueStatisticsSnapshot) else None
