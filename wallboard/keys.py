"""Every Redis key and channel-layer group the wallboard uses, built in one place."""

from __future__ import annotations

_PREFIX = "wb:live"


def board_group(board_id: int) -> str:
    """The channel-layer group of every connection showing one board."""
    return f"board-{board_id}"


def screen_group(screen_id: int) -> str:
    """The channel-layer group of one display link's connections (closed on revocation)."""
    return f"screen-{screen_id}"


def supervisor_group(org_id: int) -> str:
    """The channel-layer group of every supervisor page (agents, queues, drill-down) of an org."""
    return f"supervisor-{org_id}"


def supervisor_sent(org_id: int) -> str:
    """Fingerprints of the supervisor fragments last sent to an org's supervisor group."""
    return f"{_PREFIX}:supsent:{org_id}"


# The layout of a pickled snapshot: raised when the engine's tallies change shape, so a new
# version never reads an old one's snapshots (it rebuilds them from the database).
# 2: open agent spans kept as `SpanColumns`. 3: stored with the org's change count.
# 4: agents' statuses and time as arrays (`AgentTable`, `TimeTable`). 5: the agents only in
# the agent tallies.
SNAPSHOT_FORMAT = 5


def snapshot(org_id: int, profile: str) -> str:
    """An org's pickled `CenterSnapshot` for one metrics profile (zone, short threshold)."""
    return f"{_PREFIX}:snapshot:v{SNAPSHOT_FORMAT}:{org_id}:{profile}"


def org_lock(org_id: int) -> str:
    """Held while one process updates an org's snapshots and pushes (single-flight)."""
    return f"{_PREFIX}:lock:{org_id}"


def changes(org_id: int) -> str:
    """How many changes the org has had (an integer, raised by every change): a stored
    snapshot is current only if it reflects them all (`wallboard.snapshots.load`)."""
    return f"{_PREFIX}:changes:{org_id}"


def sent(board_id: int) -> str:
    """Fingerprints of the fragments last sent to a board (a hash: fragment id -> digest)."""
    return f"{_PREFIX}:sent:{board_id}"


def listeners(org_id: int) -> str:
    """The org's open board connections (a sorted set: "board:screen:channel" -> expiry)."""
    return f"{_PREFIX}:listeners:{org_id}"


def active_orgs() -> str:
    """Orgs with open board connections (a sorted set: org id -> expiry)."""
    return f"{_PREFIX}:orgs"


def boards_version() -> str:
    """A random token, replaced whenever any board, page or tile changes (spec_cache)."""
    return f"{_PREFIX}:boards-version"


def last_seen_write(screen_id: int) -> str:
    """Exists while a screen's last_seen_at write is throttled."""
    return f"{_PREFIX}:seen:{screen_id}"
