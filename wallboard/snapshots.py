"""The org's live figures, kept in Redis so every process shares them: loading, storing,
rebuilding from the database, and bringing a snapshot up to date after a change or on the
timer. One computation per change per org and profile, whatever the number of boards.

Each snapshot is stored with the org's change count it reflects. Every change raises the
count: the push, under the org's lock, as it loads the snapshots it brings up to date
(`load(..., counting_a_change=True)`), and `count_change` for one nobody brought in (no
listener, or the lock was busy). A snapshot stored with any other count has missed a change
and reads as missing, so whoever needs it next rebuilds it from the database. No kind of
snapshot can be left behind by a change and later taken as current.

Snapshots are pickled: Redis is ours (the same trust as the Celery broker), and the engine's
frozen dataclasses round-trip exactly.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from wallboard import keys, selectors
from wallboard.metrics import (
    AgentStatus,
    CenterSnapshot,
    ContactColumns,
    MetricsConfig,
    SnapshotOutdated,
    SpanColumns,
    compute_center,
    compute_since,
    recompute_agents,
    recompute_queues,
    refresh,
    refresh_since,
)
from wallboard.metrics.snapshot import pickled
from wallboard.redis_client import get_redis
from wallboard.specs import MetricsProfile

logger = logging.getLogger(__name__)


def dumps(stored: tuple[int, CenterSnapshot]) -> bytes:
    return pickled(stored)


@dataclass(frozen=True, slots=True)
class Dirty:
    """What an update changed, so only the tiles that depend on it are rendered."""

    everything: bool = False
    queue_ids: frozenset[str] = frozenset()
    team_ids: frozenset[str] = frozenset()
    agents: bool = False

    def __or__(self, other: Dirty) -> Dirty:
        return Dirty(
            self.everything or other.everything,
            self.queue_ids | other.queue_ids,
            self.team_ids | other.team_ids,
            self.agents or other.agents,
        )

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.queue_ids or self.team_ids or self.agents)


EVERYTHING = Dirty(everything=True)
NOTHING = Dirty()


def load(
    org_id: int, profiles: Collection[MetricsProfile], *, counting_a_change: bool = False
) -> tuple[dict[MetricsProfile, CenterSnapshot], int]:
    """The stored snapshots of these profiles that reflect every change so far (others are
    left out, as missing), and the org's change count to `store` them with. A push, under
    the org's lock, counts its change here: it gets the snapshots that reflected every change
    before it, to bring up to date. One round trip."""
    ordered = list(profiles)
    pipe = get_redis().pipeline(transaction=False)
    pipe.mget([keys.snapshot(org_id, p.key) for p in ordered] or [keys.snapshot(org_id, "-")])
    if counting_a_change:
        pipe.incr(keys.changes(org_id))
    else:
        pipe.get(keys.changes(org_id))
    blobs, count_read = pipe.execute()
    count = int(count_read or 0)
    reflected = count - 1 if counting_a_change else count
    found: dict[MetricsProfile, CenterSnapshot] = {}
    for profile, blob in zip(ordered, blobs, strict=False):
        if blob is None:
            continue
        try:
            stored = pickle.loads(blob)  # noqa: S301 - written by `store` below
        except (pickle.UnpicklingError, AttributeError, ImportError, EOFError, TypeError):
            # Written by another version of the engine: rebuilt from the database.
            logger.warning("event=snapshot_unreadable org_id=%s profile=%s", org_id, profile.key)
            continue
        match stored:
            case (int() as stored_count, CenterSnapshot() as snapshot) if stored_count == reflected:
                found[profile] = snapshot
    return found, count


def count_change(org_id: int) -> None:
    """Count a change that no stored snapshot was brought up to date with (nobody listens,
    or the org's lock could not be taken): every snapshot stored before it reads as missing
    from now on, and is rebuilt from the database by whoever needs it next."""
    get_redis().incr(keys.changes(org_id))


def store(org_id: int, snapshots: Mapping[MetricsProfile, CenterSnapshot], *, count: int) -> None:
    """Each snapshot with the change count it reflects (from `load`). One round trip."""
    if not snapshots:
        return
    ttl_s = int(settings.WALLBOARD_SNAPSHOT_TTL_S)
    pipe = get_redis().pipeline(transaction=False)
    for profile, snapshot in snapshots.items():
        pipe.set(keys.snapshot(org_id, profile.key), dumps((count, snapshot)), ex=ttl_s)
    pipe.execute()


def profile_config(base: MetricsConfig, profile: MetricsProfile) -> MetricsConfig:
    return replace(base, short_abandon_threshold_s=profile.short_abandon_threshold_s)


def build(
    org_id: int, profile: MetricsProfile, *, base_config: MetricsConfig, now: datetime
) -> CenterSnapshot:
    """Everything from the database (a missing, outdated or reconfigured snapshot)."""
    zone = ZoneInfo(profile.zone_name)
    since = compute_since(now=now, zone=zone)
    return compute_center(
        contacts=selectors.contacts_since(org_id=org_id, since=since),
        agents=selectors.agent_statuses(org_id=org_id, now=now),
        spans=selectors.agent_spans(org_id=org_id, since=since),
        config=profile_config(base_config, profile),
        now=now,
        zone=zone,
    )


@dataclass
class ChangeInputs:
    """The rows one change needs, read once and shared by every profile (the earliest
    `since` of them all: older rows fall outside every window and count nowhere)."""

    org_id: int
    since: datetime
    queue_ids: frozenset[int]
    agent_ids: frozenset[int]
    now: datetime
    _contacts: ContactColumns | None = None
    _statuses: list[AgentStatus] | None = None
    _spans: SpanColumns | None = None

    def contacts(self) -> ContactColumns:
        if self._contacts is None:
            self._contacts = selectors.contacts_since(
                org_id=self.org_id, since=self.since, queue_ids=self.queue_ids
            )
        return self._contacts

    def statuses(self) -> list[AgentStatus]:
        if self._statuses is None:
            self._statuses = selectors.agent_statuses(
                org_id=self.org_id, now=self.now, agent_ids=self.agent_ids
            )
        return self._statuses

    def spans(self) -> SpanColumns:
        if self._spans is None:
            self._spans = selectors.agent_spans(
                org_id=self.org_id, since=self.since, agent_ids=self.agent_ids
            )
        return self._spans


def earliest_since(profiles: Collection[MetricsProfile], now: datetime) -> datetime:
    return min(compute_since(now=now, zone=ZoneInfo(p.zone_name)) for p in profiles)


def apply_change(
    previous: CenterSnapshot, inputs: ChangeInputs, *, team_ids: Collection[int]
) -> tuple[CenterSnapshot, Dirty]:
    """Re-tally only the changed queues and agents. Raises SnapshotOutdated across local
    midnight (the caller rebuilds)."""
    snapshot = previous
    dirty = Dirty(team_ids=frozenset(str(t) for t in team_ids))
    if inputs.queue_ids:
        snapshot = recompute_queues(
            snapshot,
            queue_ids={str(q) for q in inputs.queue_ids},
            contacts=inputs.contacts(),
            now=inputs.now,
        )
        dirty |= Dirty(
            queue_ids=snapshot.recomputed_queue_ids, team_ids=snapshot.recomputed_team_ids
        )
    if inputs.agent_ids:
        snapshot = recompute_agents(
            snapshot, agents=inputs.statuses(), spans=inputs.spans(), now=inputs.now
        )
        dirty |= Dirty(
            queue_ids=snapshot.recomputed_queue_ids,
            team_ids=snapshot.recomputed_team_ids,
            agents=True,
        )
    return snapshot, dirty


def refreshed(previous: CenterSnapshot, org_id: int, *, now: datetime) -> CenterSnapshot:
    """Rolling periods, live waits and open agent states moved to `now`. Raises
    SnapshotOutdated over an hour into a new local day (the caller rebuilds)."""
    since = refresh_since(now=now)
    return refresh(
        previous,
        contacts=selectors.contacts_since(org_id=org_id, since=since),
        spans=selectors.agent_spans(org_id=org_id, since=since),
        now=now,
    )


def is_due_for_refresh(snapshot: CenterSnapshot, now: datetime) -> bool:
    return now - snapshot.now >= timedelta(seconds=float(settings.WALLBOARD_REFRESH_INTERVAL_S))


__all__ = [
    "EVERYTHING",
    "NOTHING",
    "ChangeInputs",
    "Dirty",
    "SnapshotOutdated",
    "apply_change",
    "build",
    "count_change",
    "earliest_since",
    "is_due_for_refresh",
    "load",
    "profile_config",
    "refreshed",
    "store",
]
