"""The one boundary between ingestion and live push.

`wxcc` sends `live_state_changed` with a `LiveStateChange` after a committed change that
affects what boards show; the wallboard app connects a receiver in its AppConfig.ready()
(with a dispatch_uid). `wxcc` never imports the wallboard, so dependencies keep pointing one
way:

    live_state_changed.connect(on_change, dispatch_uid="wallboard.live.on_change")
    def on_change(sender: object, change: LiveStateChange, **kwargs: object) -> None: ...

Two layers keep a board from being pushed once per row:
- inside `coalesced_notifications()` (a poll, a drained batch of webhook events) every
  commit's announcement merges into one per org, sent when the block ends;
- across worker processes, announcements of one org are coalesced through Redis over
  settings.WXCC_PUSH_COALESCE_WINDOW_MS: the first change is sent at once (leading edge,
  no added latency), what arrives while the window is open is sent as one union when it
  closes (trailing flush, at most one window late).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from redis.exceptions import RedisError

from wxcc import keys
from wxcc.redis_client import get_redis

logger = logging.getLogger(__name__)

# Sent with one keyword argument, `change` (a LiveStateChange).
live_state_changed = Signal()

# Ids left pending by a flusher that died are dropped after this long.
_PENDING_TTL_MS = 60_000
# A flusher that died mid-window is replaced after the window plus this grace.
_FLUSHER_GRACE_MS = 1_000


def _ids(values: Iterable[int | None]) -> frozenset[int]:
    return frozenset(v for v in values if v is not None)


@dataclass(frozen=True)
class LiveStateChange:
    """What changed for one org: pks of wxcc.Queue, wxcc.Team and wxcc.Agent rows whose
    live figures may differ now."""

    org_id: int
    queue_ids: frozenset[int] = frozenset()
    team_ids: frozenset[int] = frozenset()
    agent_ids: frozenset[int] = frozenset()

    @classmethod
    def of(
        cls,
        org_id: int,
        *,
        queue_ids: Iterable[int | None] = (),
        team_ids: Iterable[int | None] = (),
        agent_ids: Iterable[int | None] = (),
    ) -> LiveStateChange:
        """A change from any iterables of ids (None, for "no queue", is left out)."""
        return cls(org_id, _ids(queue_ids), _ids(team_ids), _ids(agent_ids))

    @property
    def is_empty(self) -> bool:
        return not (self.queue_ids or self.team_ids or self.agent_ids)

    def __or__(self, other: LiveStateChange) -> LiveStateChange:
        if other.org_id != self.org_id:
            raise ValueError("cannot merge changes of two orgs")
        return LiveStateChange(
            self.org_id,
            self.queue_ids | other.queue_ids,
            self.team_ids | other.team_ids,
            self.agent_ids | other.agent_ids,
        )

    def members(self) -> list[str]:
        """The change as Redis set members ("q:1", "t:2", "a:3")."""
        return [
            *(f"q:{i}" for i in sorted(self.queue_ids)),
            *(f"t:{i}" for i in sorted(self.team_ids)),
            *(f"a:{i}" for i in sorted(self.agent_ids)),
        ]

    @classmethod
    def from_members(cls, org_id: int, members: Iterable[str]) -> LiveStateChange:
        found: dict[str, set[int]] = {"q": set(), "t": set(), "a": set()}
        for member in members:
            kind, _, value = member.partition(":")
            if kind in found and value.isdigit():
                found[kind].add(int(value))
        return cls(org_id, frozenset(found["q"]), frozenset(found["t"]), frozenset(found["a"]))


def send_now(change: LiveStateChange) -> None:
    """Send the signal in this process, now (the coalescing layers end here)."""
    live_state_changed.send(sender=LiveStateChange, change=change)


# --- in-process batching ---------------------------------------------------------------------

_local = threading.local()


def _batch() -> dict[int, LiveStateChange] | None:
    return getattr(_local, "batch", None)


def _dispatch(change: LiveStateChange) -> None:
    batch = _batch()
    if batch is not None:
        seen = batch.get(change.org_id)
        batch[change.org_id] = change if seen is None else seen | change
        return
    announce(change)


def notify_live_state_changed(change: LiveStateChange) -> None:
    """Announce a change once the surrounding transaction has committed."""
    if change.is_empty:
        return
    transaction.on_commit(lambda: _dispatch(change))


@contextmanager
def coalesced_notifications() -> Iterator[None]:
    """Merge the announcements of every commit inside the block into one per org, sent at
    its end (also when it ends in an error: what committed did change)."""
    if _batch() is not None:  # nested: the outer block sends
        yield
        return
    batch: dict[int, LiveStateChange] = {}
    _local.batch = batch
    try:
        yield
    finally:
        _local.batch = None
        for change in batch.values():
            announce(change)


# --- coalescing across processes (Redis) -----------------------------------------------------

# KEYS: window, pending, flusher. ARGV: window ms, pending ttl ms, flusher ttl ms, members...
# Returns -1: no window was open, send now (a window is open from here); -2: the window is
# open and another process will flush; n >= 0: this caller flushes in n ms.
_ANNOUNCE_LUA = """
if redis.call('SET', KEYS[1], '1', 'PX', ARGV[1], 'NX') then
  return -1
end
for i = 4, #ARGV do
  redis.call('SADD', KEYS[2], ARGV[i])
end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
if redis.call('SET', KEYS[3], '1', 'PX', ARGV[3], 'NX') then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then
    ttl = 0
  end
  return ttl
end
return -2
"""

# KEYS: window, pending, flusher. ARGV: window ms. Takes what is pending and, if anything
# was, opens the next window (this flush is that window's leading edge).
_FLUSH_LUA = """
local members = redis.call('SMEMBERS', KEYS[2])
redis.call('DEL', KEYS[2], KEYS[3])
if #members > 0 then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
return members
"""


def announce(change: LiveStateChange) -> None:
    """Send `change` now if no announcement of its org went out within the window;
    otherwise leave it for the window's one trailing flush (which this call may own: it
    then waits for the window's end, at most one window, and sends the union)."""
    if change.is_empty:
        return
    window_ms = int(settings.WXCC_PUSH_COALESCE_WINDOW_MS)
    if window_ms <= 0:
        send_now(change)
        return
    org_id = change.org_id
    redis_keys = (keys.push_window(org_id), keys.push_pending(org_id), keys.push_flusher(org_id))
    try:
        outcome = int(
            get_redis().eval(
                _ANNOUNCE_LUA,
                3,
                *redis_keys,
                window_ms,
                _PENDING_TTL_MS,
                window_ms + _FLUSHER_GRACE_MS,
                *change.members(),
            )
        )
    except RedisError as exc:
        # Pushing late or twice is better than not at all.
        logger.warning("event=live_push_uncoalesced org_id=%s reason=%s", org_id, exc)
        send_now(change)
        return
    if outcome == -1:
        send_now(change)
    elif outcome >= 0:
        time.sleep(outcome / 1000)
        _flush(org_id, redis_keys, window_ms)


def _flush(org_id: int, redis_keys: tuple[str, str, str], window_ms: int) -> None:
    try:
        members = get_redis().eval(_FLUSH_LUA, 3, *redis_keys, window_ms)
    except RedisError as exc:
        logger.warning("event=live_push_flush_failed org_id=%s reason=%s", org_id, exc)
        return
    change = LiveStateChange.from_members(org_id, members or [])
    if not change.is_empty:
        send_now(change)
