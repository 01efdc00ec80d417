"""Rate limit of the webhook receiver per source address, in Redis, at constant cost.

One counter per (address, fixed window), incremented and given its expiry by one Lua call: a
flood costs one round trip per request and one small key per address and window, whatever it
sends. The default (WXCC_WEBHOOK_RATE_LIMIT_PER_MIN) is far above what WxCC delivers to one
receiver under normal load; past it the receiver answers 429 with Retry-After, which WxCC
retries (docs/wxcc-contract.md §1.7). The limit fails open: if Redis cannot answer within its
short timeouts, the delivery is served as usual, because a Redis outage must never cost
webhooks (they are stored in PostgreSQL before the answer).
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass
from functools import lru_cache

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

# Seconds of one counting window.
WINDOW_S = 60
# Redis answers within these or the limit is skipped for this request.
_CONNECT_TIMEOUT_S = 0.25
_SOCKET_TIMEOUT_S = 0.25

# KEYS[1] counter; ARGV[1] window ms. Returns {count, ms left in the window}.
_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); left = tonumber(ARGV[1]) end
return {count, left}
"""


@dataclass(frozen=True)
class Refusal:
    retry_after_s: int


@lru_cache(maxsize=4)
def _redis_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=_CONNECT_TIMEOUT_S,
        socket_timeout=_SOCKET_TIMEOUT_S,
        decode_responses=True,
    )


def counter_key(address: str, window_index: int) -> str:
    # A digest: the key stays short and holds no address in clear.
    tag = hashlib.sha256(address.encode()).hexdigest()[:16]
    return f"wxcc:webhook-limit:{tag}:{window_index}"


def check(address: str, *, now_s: float) -> Refusal | None:
    """Count a delivery from `address`; a Refusal if it is over the limit of its window."""
    limit = settings.WXCC_WEBHOOK_RATE_LIMIT_PER_MIN
    if limit <= 0:
        return None
    key = counter_key(address or "unknown", int(now_s // WINDOW_S))
    try:
        count, left_ms = _redis_for(str(settings.REDIS_URL)).eval(_HIT, 1, key, WINDOW_S * 1000)  # type: ignore[misc]
    except redis.RedisError as exc:
        logger.warning("event=webhook_rate_limit_unavailable error=%s", exc.__class__.__name__)
        return None
    if int(count) <= limit:
        return None
    if int(count) == limit + 1:  # once per address and window, not once per refused request
        logger.warning("event=webhook_rate_limited limit_per_min=%s", limit)
    return Refusal(retry_after_s=max(1, math.ceil(int(left_ms) / 1000)))
