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
- across worker processes, one process at a time sends an org's announcements (an
  in-flight lease in Redis): the first change is sent at once (leading edge, no added
  latency); what arrives while it is being sent is that process's next send, as one union;
  after the last send a window of settings.WXCC_PUSH_COALESCE_WINDOW_MS opens, and what
  arrives in it goes out as one union when it closes (at most one window late). Applying
  events never waits behind a push, and a slow push is followed by one send, not a queue.
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

# KEYS: window, pending, flusher, in flight. ARGV: window ms, pending ttl ms, flusher ttl ms,
# lease ms, members...
# Returns -1: nothing in flight and no window open: this caller sends now and holds the
# in-flight lease (leading edge); -2: left pending, for the process in flight or for the
# window's promised flusher; n >= 0: this caller promised the window's flush, due in n ms.
_ANNOUNCE_LUA = """
local function leave_pending()
  for i = 5, #ARGV do
    redis.call('SADD', KEYS[2], ARGV[i])
  end
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
if redis.call('EXISTS', KEYS[4]) == 1 then
  leave_pending()
  return -2
end
if redis.call('SET', KEYS[1], '1', 'PX', ARGV[1], 'NX') then
  redis.call('SET', KEYS[4], '1', 'PX', ARGV[4])
  return -1
end
leave_pending()
if redis.call('SET', KEYS[3], '1', 'PX', ARGV[3], 'NX') then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then
    ttl = 0
  end
  return ttl
end
return -2
"""

# KEYS: pending, flusher, in flight. ARGV: lease ms. The window's flush: takes what is
# pending and, if anything was, the in-flight lease with it. Takes nothing while another
# process is in flight (it will take what is pending).
_FLUSH_LUA = """
redis.call('DEL', KEYS[2])
if redis.call('EXISTS', KEYS[3]) == 1 then
  return {}
end
local members = redis.call('SMEMBERS', KEYS[1])
if #members > 0 then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[3], '1', 'PX', ARGV[1])
end
return members
"""

# KEYS: window, pending, in flight. ARGV: window ms, lease ms. The holder of the in-flight
# lease after a send: what came meanwhile is its next send (the lease renewed); if nothing
# did, the lease ends and a window opens (what comes in it goes out as one at its end).
_HAND_OVER_LUA = """
local members = redis.call('SMEMBERS', KEYS[2])
if #members > 0 then
  redis.call('DEL', KEYS[2])
  redis.call('PEXPIRE', KEYS[3], ARGV[2])
  return members
end
redis.call('DEL', KEYS[3])
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
return members
"""


@dataclass(frozen=True)
class _OrgKeys:
    window: str
    pending: str
    flusher: str
    in_flight: str

    @classmethod
    def of(cls, org_id: int) -> _OrgKeys:
        return cls(
            keys.push_window(org_id),
            keys.push_pending(org_id),
            keys.push_flusher(org_id),
            keys.push_in_flight(org_id),
        )


def _lease_ms() -> int:
    return int(float(settings.WXCC_PUSH_LEASE_S) * 1000)


def announce(change: LiveStateChange) -> None:
    """Send `change` now if nothing of its org is being sent and no window is open; else
    leave it pending. One process at a time sends an org's announcements (single-flight):
    what comes while it sends is its next send, as one union, so ingestion never waits
    behind a push and a slow push is followed by one send of everything since, not by a
    queue of them. After the last send a window opens: what comes in it goes out as one at
    its end (a flush this call may own: it then waits at most one window)."""
    if change.is_empty:
        return
    window_ms = int(settings.WXCC_PUSH_COALESCE_WINDOW_MS)
    if window_ms <= 0:
        send_now(change)
        return
    org_id = change.org_id
    org_keys = _OrgKeys.of(org_id)
    try:
        outcome = int(
            get_redis().eval(
                _ANNOUNCE_LUA,
                4,
                org_keys.window,
                org_keys.pending,
                org_keys.flusher,
                org_keys.in_flight,
                window_ms,
                _PENDING_TTL_MS,
                window_ms + _FLUSHER_GRACE_MS,
                _lease_ms(),
                *change.members(),
            )
        )
    except RedisError as exc:
        # Pushing late or twice is better than not at all.
        logger.warning("event=live_push_uncoalesced org_id=%s reason=%s", org_id, exc)
        send_now(change)
        return
    if outcome == -1:
        send_in_flight(change)
    elif outcome >= 0:
        time.sleep(outcome / 1000)
        _flush(org_id, org_keys)


def _flush(org_id: int, org_keys: _OrgKeys) -> None:
    try:
        members = get_redis().eval(
            _FLUSH_LUA, 3, org_keys.pending, org_keys.flusher, org_keys.in_flight, _lease_ms()
        )
    except RedisError as exc:
        logger.warning("event=live_push_flush_failed org_id=%s reason=%s", org_id, exc)
        return
    change = LiveStateChange.from_members(org_id, members or [])
    if not change.is_empty:
        send_in_flight(change)


def _hand_over(org_id: int, org_keys: _OrgKeys) -> LiveStateChange:
    members = get_redis().eval(
        _HAND_OVER_LUA,
        3,
        org_keys.window,
        org_keys.pending,
        org_keys.in_flight,
        int(settings.WXCC_PUSH_COALESCE_WINDOW_MS),
        _lease_ms(),
    )
    return LiveStateChange.from_members(org_id, members or [])


def send_in_flight(change: LiveStateChange) -> None:
    """Holding the org's in-flight lease: send `change`, then what came meanwhile, until
    nothing did (the lease then ends). After WXCC_PUSH_OWNER_MAX_S of sending, the lease
    and what is pending go to a task of its own (`wxcc.send_pending_live_state`), so no
    task pushes forever under steady traffic."""
    from wxcc.tasks import send_pending_live_state

    org_id = change.org_id
    org_keys = _OrgKeys.of(org_id)
    started = time.monotonic()
    try:
        while True:
            send_now(change)
            if time.monotonic() - started >= float(settings.WXCC_PUSH_OWNER_MAX_S):
                send_pending_live_state.delay(org_id)
                return
            change = _hand_over(org_id, org_keys)
            if change.is_empty:
                return
    except BaseException:
        # What was being sent goes back to pending for the next holder; a lost lease would
        # only expire.
        _release(org_id, org_keys, change)
        raise


def send_pending(org_id: int) -> None:
    """The task's side of `send_in_flight`: holding the lease, send what is pending."""
    change = _hand_over(org_id, _OrgKeys.of(org_id))
    if not change.is_empty:
        send_in_flight(change)


def _release(org_id: int, org_keys: _OrgKeys, unsent: LiveStateChange) -> None:
    try:
        pipe = get_redis().pipeline()
        if not unsent.is_empty:
            pipe.sadd(org_keys.pending, *unsent.members())
            pipe.pexpire(org_keys.pending, _PENDING_TTL_MS)
        pipe.delete(org_keys.in_flight)
        pipe.execute()
    except RedisError as exc:
        logger.warning("event=live_push_release_failed org_id=%s reason=%s", org_id, exc)
