"""The wallboard's Redis client. Binary (snapshots are pickled), unlike wxcc's text client;
key names live in `wallboard.keys`."""

from __future__ import annotations

from functools import lru_cache

import redis
from django.conf import settings


@lru_cache(maxsize=4)
def _redis_for(url: str, connect_timeout_s: float, socket_timeout_s: float) -> redis.Redis:
    return redis.Redis.from_url(
        url, socket_connect_timeout=connect_timeout_s, socket_timeout=socket_timeout_s
    )


def get_redis() -> redis.Redis:
    """The Redis client for settings.REDIS_URL (one connection pool per process)."""
    return _redis_for(
        str(settings.REDIS_URL),
        float(settings.REDIS_CONNECT_TIMEOUT_S),
        float(settings.REDIS_SOCKET_TIMEOUT_S),
    )
