"""The per-org WxCC request budget, shared by every worker through Redis.

WxCC allows 300 requests per minute per client id and answers 429 + `Retry-After` (seconds)
beyond that (docs/wxcc-contract.md §5). Two mechanisms keep us under it:

- a token bucket per org: every request takes a token; the bucket refills at
  settings.WXCC_REQUESTS_PER_MINUTE / 60 per second and holds a tenth of a minute's worth,
  so any 60 s window sees at most 1.1 times the setting (the default 240 stays below 300);
- a "blocked until" time per org: a 429 sets it to now + Retry-After, and every worker's
  next request for that org (and the beat fan-out) waits for it.

Both live in Redis with the server's clock (`TIME` in the script) so workers agree.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import redis
from django.conf import settings

from wxcc.api_types import from_epoch_ms, to_epoch_ms

logger = logging.getLogger(__name__)

_PREFIX = "wxcc:ratelimit"

# KEYS[1] bucket hash; ARGV: capacity, refill per second. Returns seconds to wait as a
# string ("0" when a token was taken).
_BUCKET_LUA = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil then
  tokens = capacity
  ts = now
end
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 60)
return tostring(wait)
"""

# KEYS[1] blocked-until key; ARGV[1] epoch ms; only ever moves the time later.
_BLOCK_UNTIL = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local new = tonumber(ARGV[1])
if new > current then
  local t = redis.call('TIME')
  local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local ttl = math.max(1, new - now_ms)
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
  return 1
end
return 0
"""


@lru_cache(maxsize=4)
def _redis_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, decode_responses=True)


def get_redis() -> redis.Redis:
    """The Redis client for settings.REDIS_URL (one connection pool per process)."""
    return _redis_for(str(settings.REDIS_URL))


def _bucket_key(org_id: int) -> str:
    return f"{_PREFIX}:bucket:{org_id}"


def _blocked_key(org_id: int) -> str:
    return f"{_PREFIX}:blocked:{org_id}"


def requests_per_minute() -> int:
    return max(1, int(settings.WXCC_REQUESTS_PER_MINUTE))


def take_token(org_id: int) -> float:
    """Take one request token for the org; returns 0, or the seconds until one is free
    (nothing is taken then: call again after waiting)."""
    per_minute = requests_per_minute()
    rate = per_minute / 60.0
    capacity = max(1.0, per_minute / 10.0)
    wait = get_redis().eval(_BUCKET_LUA, 1, _bucket_key(org_id), capacity, rate)
    return float(wait)


def block_org(org_id: int, until: datetime) -> None:
    """Pause every request for the org until `until` (a 429's Retry-After)."""
    get_redis().eval(_BLOCK_UNTIL, 1, _blocked_key(org_id), to_epoch_ms(until))
    logger.warning("event=wxcc_org_blocked org_id=%s until=%s", org_id, until.isoformat())


def blocked_until(org_id: int, now: datetime) -> datetime | None:
    """When the org may be called again, or None if it is not blocked at `now`."""
    value = get_redis().get(_blocked_key(org_id))
    if value is None:
        return None
    until = from_epoch_ms(value)
    return until if until is not None and until > now else None


def unblock_org(org_id: int) -> None:
    """Forget the org's block and bucket (tests, and an admin who knows better)."""
    get_redis().delete(_blocked_key(org_id), _bucket_key(org_id))


def retry_after_seconds(header: str | None, default_s: float) -> float:
    """Seconds from a `Retry-After` header (WxCC sends seconds; an HTTP date is accepted too)."""
    if not header:
        return default_s
    header = header.strip()
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return default_s
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def block_for(org_id: int, retry_after_s: float, now: datetime) -> datetime:
    until = now + timedelta(seconds=retry_after_s)
    block_org(org_id, until)
    return until
