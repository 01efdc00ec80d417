"""The one Redis client of the wxcc app (rate limits, poll locks, backfill progress, push
coalescing). Key names live in `wxcc.keys`."""

from __future__ import annotations

from functools import lru_cache

import redis
from django.conf import settings


@lru_cache(maxsize=4)
def _redis_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, decode_responses=True)


def get_redis() -> redis.Redis:
    """The Redis client for settings.REDIS_URL (one connection pool per process)."""
    return _redis_for(str(settings.REDIS_URL))
