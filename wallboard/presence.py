"""Who is watching: open board connections per org in Redis (so the push path renders only
boards with listeners, and the screens page can list what is connected), and each screen's
last-seen time in the database, written at most once per throttle period.

Each connection is a member "board:screen:channel" of the org's sorted set, scored with its
expiry; its web process renews it every beat (`wallboard.listeners`), so a process that died
leaves entries that expire on their own.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from wallboard import keys
from wallboard.models import Screen
from wallboard.redis_client import get_redis

# The "board" of a supervisor page's connection (no board has pk 0): the push path renders
# the supervisor fragments while the org has one.
SUPERVISOR = 0


@dataclass(frozen=True, slots=True)
class Connection:
    board_id: int
    screen_id: int | None  # None: a signed-in supervisor
    channel_name: str

    @property
    def member(self) -> str:
        return f"{self.board_id}:{self.screen_id or 0}:{self.channel_name}"

    @classmethod
    def from_member(cls, member: str) -> Connection | None:
        parts = member.split(":", 2)
        if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
            return None
        return cls(int(parts[0]), int(parts[1]) or None, parts[2])


def _expiry_s() -> float:
    return float(settings.WALLBOARD_PRESENCE_TTL_S)


def touch(org_id: int, connection: Connection) -> None:
    """Record (or renew) an open connection. One round trip."""
    touch_all([(org_id, connection)])


def touch_all(connections: Iterable[tuple[int, Connection]]) -> None:
    """Record (or renew) many open connections, of any orgs: one round trip for all (a web
    process's beat renews every socket it holds at once)."""
    members_by_org: dict[int, dict[str, float]] = defaultdict(dict)
    expires = time.time() + _expiry_s()
    for org_id, connection in connections:
        members_by_org[org_id][connection.member] = expires
    if not members_by_org:
        return
    pipe = get_redis().pipeline(transaction=False)
    for org_id, members in members_by_org.items():
        pipe.zadd(keys.listeners(org_id), members)
        pipe.expire(keys.listeners(org_id), int(_expiry_s()) + 60)
    pipe.zadd(keys.active_orgs(), {str(org_id): expires for org_id in members_by_org})
    pipe.execute()


def leave(org_id: int, connection: Connection) -> None:
    get_redis().zrem(keys.listeners(org_id), connection.member)


def connections(org_id: int) -> list[Connection]:
    """The org's open connections (expired ones are pruned). One round trip."""
    now = time.time()
    pipe = get_redis().pipeline(transaction=False)
    pipe.zremrangebyscore(keys.listeners(org_id), "-inf", now)
    pipe.zrangebyscore(keys.listeners(org_id), now, "+inf")
    _, members = pipe.execute()
    found = (Connection.from_member(m.decode()) for m in members)
    return [c for c in found if c is not None]


def listening_boards(org_id: int) -> Counter[int]:
    """How many connections each board of the org has now."""
    return Counter(c.board_id for c in connections(org_id))


def connected_screens(org_id: int) -> set[int]:
    """Screens (display links) of the org with an open connection now."""
    return {c.screen_id for c in connections(org_id) if c.screen_id is not None}


def active_org_ids() -> list[int]:
    """Orgs with open board connections. One round trip."""
    now = time.time()
    pipe = get_redis().pipeline(transaction=False)
    pipe.zremrangebyscore(keys.active_orgs(), "-inf", now)
    pipe.zrangebyscore(keys.active_orgs(), now, "+inf")
    _, members = pipe.execute()
    return [int(m) for m in members]


def record_seen(screen_id: int, *, now: datetime) -> bool:
    """Set the screen's last_seen_at, at most once per WALLBOARD_LAST_SEEN_WRITE_S per
    screen across processes. Returns whether it wrote."""
    return bool(record_seen_all([screen_id], now=now))


def record_seen_all(screen_ids: Collection[int], *, now: datetime) -> set[int]:
    """`record_seen` for many screens: one round trip, then one UPDATE of the screens whose
    throttle period had passed. Returns those screens."""
    if not screen_ids:
        return set()
    throttle_s = max(1, int(settings.WALLBOARD_LAST_SEEN_WRITE_S))
    ordered = sorted(screen_ids)
    pipe = get_redis().pipeline(transaction=False)
    for screen_id in ordered:
        pipe.set(keys.last_seen_write(screen_id), b"1", nx=True, ex=throttle_s)
    due = {screen_id for screen_id, won in zip(ordered, pipe.execute(), strict=True) if won}
    if due:
        Screen.objects.filter(pk__in=due).update(last_seen_at=now)
    return due
