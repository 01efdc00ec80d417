"""The integration's WxCC request budget, shared by every org and every worker through Redis.

WxCC allows 300 requests per minute per client ID and answers 429 + `Retry-After` (seconds)
beyond that (docs/wxcc-contract.md §5). Every org connected through our integration spends
that one budget, so it is kept per client id (settings.WEBEX_CLIENT_ID), not per org:

- One token bucket per client id: it refills at settings.WXCC_REQUESTS_PER_MINUTE / 60 per
  second and holds a tenth of a minute's worth, so any 60 s window sees at most 1.1 times the
  setting (the default 240 gives at most 264, below WxCC's 300).
- Who may take a token depends on how full the bucket is, so that when the budget is
  contended nobody's live poll starves:

  | request                                        | may take a token while the bucket holds |
  |------------------------------------------------|-----------------------------------------|
  | live, from an org within its fair share        | at least 1                              |
  | live, from an org above its fair share         | more than a quarter of its capacity     |
  | bulk (backfill, a report's history)            | more than half of its capacity          |

  An org's fair share is the budget divided by the orgs that made live requests lately; its
  usage is an exponentially decayed count of its live requests (time constant
  settings.WXCC_FAIR_SHARE_WINDOW_S, a minute: about "its live requests of the last minute").
  So bulk reads only ever spend what live polls leave, and an org that
  polls much more than the others (a big contact center, or one catching up) waits while
  the others' live polls go first. When nobody competes, anyone may use the whole budget.
- A "blocked until" time per client id: a 429 sets it to now + Retry-After and every org's
  next request (and the beat fan-out) waits for it, since WxCC refuses them all alike.

Both live in Redis with the server's clock (`TIME` in the scripts), so workers agree.
"""

from __future__ import annotations

import enum
import logging
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from django.conf import settings

from wxcc import keys
from wxcc.api_types import from_epoch_ms, to_epoch_ms
from wxcc.redis_client import get_redis

logger = logging.getLogger(__name__)

# The share of the bucket only live requests may use, and of that the share kept for orgs
# within their fair share (both as fractions of the capacity).
BULK_FLOOR = 0.5
OVER_SHARE_FLOOR = 0.25
# A Retry-After beyond this is taken as this: a wrong header must not stop polling for days.
MAX_RETRY_AFTER_S = 3600.0


class Priority(enum.StrEnum):
    """Whose turn comes first when the integration's budget is contended."""

    LIVE = "live"  # polls, admin actions: what boards and people wait for
    BULK = "bulk"  # history backfill, long report ranges: only what live requests leave


# KEYS[1] bucket hash, KEYS[2] usage hash. ARGV: capacity, refill per second, org, priority,
# fair-share time constant, bulk floor, over-share floor. Returns the seconds to wait as a
# string ("0" when a token was taken; nothing is taken otherwise).
_TAKE_LUA = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local org = ARGV[3]
local bulk = ARGV[4] == 'bulk'
local tau = tonumber(ARGV[5])
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
local usage = redis.call('HGETALL', KEYS[2])
local active = 0
local mine = 0
for i = 1, #usage, 2 do
  local count, seen = string.match(usage[i + 1], '^(%S+) (%S+)$')
  local age = math.max(0, now - (tonumber(seen) or now))
  local decayed = (tonumber(count) or 0) * math.exp(-age / tau)
  if usage[i] == org then mine = decayed end
  if decayed >= 0.5 then
    active = active + 1
  elseif decayed < 0.01 then
    redis.call('HDEL', KEYS[2], usage[i])
  end
end
if mine < 0.5 then active = active + 1 end
local fair = rate * tau / active
local floor = 0
if bulk then
  floor = capacity * tonumber(ARGV[6])
elseif active > 1 and mine > fair then
  floor = capacity * tonumber(ARGV[7])
end
floor = math.min(floor, capacity - 1)
local wait = 0
if tokens >= floor + 1 then
  tokens = tokens - 1
  if not bulk then
    redis.call('HSET', KEYS[2], org, tostring(mine + 1) .. ' ' .. tostring(now))
    redis.call('EXPIRE', KEYS[2], math.ceil(tau * 10))
  end
else
  wait = (floor + 1 - tokens) / rate
  if not bulk and active > 1 and mine > fair then
    wait = math.min(wait, tau * math.log(mine / fair))
  end
  wait = math.max(wait, 0.001)
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


def requests_per_minute() -> int:
    return max(1, int(settings.WXCC_REQUESTS_PER_MINUTE))


def bucket_capacity() -> float:
    """Tokens the bucket holds when full: a tenth of a minute's budget."""
    return max(1.0, requests_per_minute() / 10.0)


def most_requests_in(window_s: float) -> float:
    """The most requests the integration can send in any window of `window_s` seconds: a full
    bucket plus what refills meanwhile (for 60 s and the default 240/min: 264)."""
    return bucket_capacity() + requests_per_minute() / 60.0 * window_s


def _client(client_id: str | None) -> str:
    return str(client_id if client_id is not None else settings.WEBEX_CLIENT_ID)


def take_token(
    org_id: int, priority: Priority = Priority.LIVE, *, client_id: str | None = None
) -> float:
    """Take one request token for the org from its integration's budget; returns 0, or the
    seconds to wait before asking again (nothing is taken then)."""
    client = _client(client_id)
    wait = get_redis().eval(
        _TAKE_LUA,
        2,
        keys.ratelimit_bucket(client),
        keys.ratelimit_usage(client),
        bucket_capacity(),
        requests_per_minute() / 60.0,
        str(org_id),
        str(priority),
        max(0.001, float(settings.WXCC_FAIR_SHARE_WINDOW_S)),
        BULK_FLOOR,
        OVER_SHARE_FLOOR,
    )
    return float(wait)


def block_client(until: datetime, *, client_id: str | None = None) -> None:
    """Pause every request of every org of the integration until `until` (a 429)."""
    client = _client(client_id)
    get_redis().eval(_BLOCK_UNTIL, 1, keys.ratelimit_blocked(client), to_epoch_ms(until))
    logger.warning("event=wxcc_client_blocked until=%s", until.isoformat())


def blocked_until(now: datetime, *, client_id: str | None = None) -> datetime | None:
    """When the integration may call WxCC again, or None if it is not blocked at `now`."""
    value = get_redis().get(keys.ratelimit_blocked(_client(client_id)))
    if value is None:
        return None
    until = from_epoch_ms(value)
    return until if until is not None and until > now else None


def forget_client(*, client_id: str | None = None) -> None:
    """Forget the integration's block, bucket and usage (tests, and an admin who knows better)."""
    get_redis().delete(*keys.redis_keys_for_client(_client(client_id)))


def retry_after_seconds(header: str | None, default_s: float) -> float:
    """Seconds from a `Retry-After` header (WxCC sends seconds; an HTTP date is accepted too),
    at most MAX_RETRY_AFTER_S."""
    return min(MAX_RETRY_AFTER_S, _retry_after_seconds(header, default_s))


def _retry_after_seconds(header: str | None, default_s: float) -> float:
    if not header:
        return default_s
    header = header.strip()
    try:
        seconds = float(header)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if seconds == seconds and seconds != float("inf") else default_s
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return default_s
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def block_for(retry_after_s: float, now: datetime, *, client_id: str | None = None) -> datetime:
    until = now + timedelta(seconds=retry_after_s)
    block_client(until, client_id=client_id)
    return until
