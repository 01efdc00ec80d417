"""The center's live figures: one computation per change per org, shared by every board.

- `compute_center` tallies everything from scratch (at start-up, or as a safety net).
- `recompute_queues` re-tallies only the queues a contact change touched; `recompute_agents`
  only the agents whose state changed. What depends on them (their teams, the center) is
  added up again from tallies, never from contacts.
- `refresh` moves rolling periods, live waits and open agent states to a new `now` on a
  timer, from the last hour's contacts and spans only; today's tallies stay as the changes
  left them (and start again from those recent ones across local midnight).

Between refreshes, groups an update did not touch keep rolling figures as of their last
tally. Each call returns a new frozen `CenterSnapshot`; nothing is mutated.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import numpy as np

from .agent_groups import roll_up_agents
from .agent_table import AgentTable
from .agent_time import TimeTable, concat, time_table
from .agents import split_open_spans
from .collector import collector_paused
from .columns import ContactColumns, SpanColumns, contact_columns, span_columns
from .inputs import AgentStateSpan, AgentStatus, Contact, MetricsConfig
from .periods import PERIODS, Period, Window, local_midnight, period_windows, require_aware
from .rollup import build_snapshot, roll_up_contacts
from .snapshot import EMPTY_CELL, TODAY_SLOT, CenterSnapshot
from .tally import CellTally, WaitingTally, tally_cells

_T = TypeVar("_T")

# The longest rolling period: how far back `refresh` needs contacts and spans.
REFRESH_HORIZON = timedelta(minutes=60)


class SnapshotOutdated(Exception):
    """An incremental update cannot bring this snapshot to `now` (a new local day began, and
    for `refresh` more than an hour ago): call `compute_center`."""


def compute_since(*, now: datetime, zone: ZoneInfo) -> datetime:
    """What `compute_center` and `recompute_*` need: contacts and spans still open, or that
    arrived, started or ended at or after this instant."""
    return min(local_midnight(now, zone), require_aware(now) - REFRESH_HORIZON)


def refresh_since(*, now: datetime) -> datetime:
    """What `refresh` needs: contacts and spans still open, or that arrived or ended at or
    after this instant."""
    return require_aware(now) - REFRESH_HORIZON


@collector_paused
def compute_center(
    *,
    contacts: Iterable[Contact] | ContactColumns,
    agents: Iterable[AgentStatus],
    spans: Iterable[AgentStateSpan] | SpanColumns,
    config: MetricsConfig,
    now: datetime,
    zone: ZoneInfo,
) -> CenterSnapshot:
    """Every figure of the center at `now`."""
    now = require_aware(now).astimezone(UTC)
    windows = period_windows(now=now, zone=zone)
    cells = tally_cells(contacts, config=config, windows=_listed(windows))
    statuses = AgentTable.of(agents)
    closed, still_open = split_open_spans(spans)
    agent_tallies = roll_up_agents(
        statuses=statuses,
        closed=time_table(closed, windows=_listed(windows), now=now),
        open_spans=still_open,
        windows=_listed(windows),
        now=now,
        queue_team_ids=config.queue_team_ids,
    )
    return build_snapshot(
        now=now,
        zone=zone,
        config=config,
        windows=windows,
        contact_tallies=roll_up_contacts(None, cells, dirty_queues=None, dirty_teams=None),
        agent_tallies=agent_tallies,
        recomputed_queue_ids=None,
        recomputed_team_ids=None,
    )


@collector_paused
def recompute_queues(
    previous: CenterSnapshot,
    *,
    queue_ids: Collection[str],
    contacts: Iterable[Contact] | ContactColumns,
    now: datetime,
) -> CenterSnapshot:
    """Re-tally the given queues from all their contacts since `compute_since` (contacts of
    other queues are ignored)."""
    now = _same_day(previous, now)
    changed = frozenset(queue_ids)
    windows = period_windows(now=now, zone=previous.zone)
    fresh = tally_cells(
        contact_columns(contacts).of_queues(changed),
        config=previous.config,
        windows=_listed(windows),
    )
    old_cells = previous.contact_tallies.cells
    cells = {key: cell for key, cell in old_cells.items() if key[0] not in changed}
    cells.update(fresh)
    dirty_teams = {team for (queue, team) in old_cells if queue in changed}
    dirty_teams.update(team for (_, team) in fresh)
    return build_snapshot(
        now=now,
        zone=previous.zone,
        config=previous.config,
        windows=windows,
        contact_tallies=roll_up_contacts(
            previous.contact_tallies, cells, dirty_queues=changed, dirty_teams=dirty_teams
        ),
        agent_tallies=previous.agent_tallies,
        recomputed_queue_ids=changed,
        recomputed_team_ids=dirty_teams,
    )


@collector_paused
def recompute_agents(
    previous: CenterSnapshot,
    *,
    agents: Sequence[AgentStatus],
    spans: Iterable[AgentStateSpan] | SpanColumns,
    now: datetime,
) -> CenterSnapshot:
    """Take the given agents' new statuses and all their spans since `compute_since` (spans
    of other agents are ignored)."""
    now = _same_day(previous, now)
    windows = period_windows(now=now, zone=previous.zone)
    old = previous.agent_tallies
    changed = {agent.id for agent in agents}
    closed, still_open = split_open_spans(span_columns(spans).of_agents(changed))
    statuses = old.statuses.updated(agents)
    closed_times = concat(
        [
            old.closed.except_keys(changed),
            time_table(closed, windows=_listed(windows), now=now),
        ]
    )
    open_spans = old.open_spans.except_agents(changed) + still_open
    dirty_teams = {old.statuses[a].team_id for a in changed if a in old.statuses}
    dirty_teams.update(agent.team_id for agent in agents)
    agent_tallies = roll_up_agents(
        statuses=statuses,
        closed=closed_times,
        open_spans=open_spans,
        windows=_listed(windows),
        now=now,
        queue_team_ids=previous.config.queue_team_ids,
        previous=old,
        dirty_teams=dirty_teams,
    )
    queue_teams = previous.config.queue_team_ids
    return build_snapshot(
        now=now,
        zone=previous.zone,
        config=previous.config,
        windows=windows,
        contact_tallies=previous.contact_tallies,
        agent_tallies=agent_tallies,
        recomputed_queue_ids={q for q, teams in queue_teams.items() if teams & dirty_teams},
        recomputed_team_ids=dirty_teams,
    )


@collector_paused
def refresh(
    previous: CenterSnapshot,
    *,
    contacts: Iterable[Contact] | ContactColumns,
    spans: Iterable[AgentStateSpan] | SpanColumns,
    now: datetime,
) -> CenterSnapshot:
    """Move rolling periods, live waits and open agent states to `now`, from the contacts and
    spans since `refresh_since` plus every open one."""
    now = require_aware(now).astimezone(UTC)
    windows = period_windows(now=now, zone=previous.zone)
    new_day = windows[Period.TODAY].start != previous.windows[Period.TODAY].start
    if new_day and now - windows[Period.TODAY].start > REFRESH_HORIZON:
        raise SnapshotOutdated("more than an hour into a new local day")
    old_contacts = previous.contact_tallies
    fresh = tally_cells(contacts, config=previous.config, windows=_listed(windows))
    cells = {
        key: CellTally(
            _kept_today(
                old_contacts.cells.get(key, EMPTY_CELL).slots,
                fresh.get(key, EMPTY_CELL).slots,
                keep=not new_day and key in old_contacts.cells,
            ),
            fresh[key].waiting if key in fresh else WaitingTally(),
        )
        for key in old_contacts.cells.keys() | fresh.keys()
    }
    old = previous.agent_tallies
    closed, still_open = split_open_spans(spans)
    closed_times = _kept_today_times(
        old.closed, time_table(closed, windows=_listed(windows), now=now), keep=not new_day
    )
    return build_snapshot(
        now=now,
        zone=previous.zone,
        config=previous.config,
        windows=windows,
        contact_tallies=roll_up_contacts(None, cells, dirty_queues=None, dirty_teams=None),
        agent_tallies=roll_up_agents(
            statuses=old.statuses,
            closed=closed_times,
            open_spans=still_open,
            windows=_listed(windows),
            now=now,
            queue_team_ids=previous.config.queue_team_ids,
        ),
        recomputed_queue_ids=None,
        recomputed_team_ids=None,
    )


def _kept_today(old: tuple[_T, ...], fresh: tuple[_T, ...], *, keep: bool) -> tuple[_T, ...]:
    """Fresh rolling slots; today's slot from before unless a new day began."""
    if not keep:
        return fresh
    slots = list(fresh)
    slots[TODAY_SLOT] = old[TODAY_SLOT]
    return tuple(slots)


def _kept_today_times(old: TimeTable, fresh: TimeTable, *, keep: bool) -> TimeTable:
    """Fresh rolling slots per agent; today's slot from before (for agents it has) unless
    a new day began."""
    if not keep:
        return fresh
    fresh_keys = set(fresh.keys)
    only_old = old.take(np.array([key not in fresh_keys for key in old.keys], dtype=np.bool_))
    rolled = np.zeros_like(only_old.ms)
    rolled[:, TODAY_SLOT] = only_old.ms[:, TODAY_SLOT]
    rolled_idle = np.zeros_like(only_old.idle_ms)
    rolled_idle[:, TODAY_SLOT] = only_old.idle_ms[:, TODAY_SLOT]
    table = concat([fresh, TimeTable(only_old.keys, only_old.codes, rolled, rolled_idle)])
    old_aligned = old.with_codes(tuple(dict.fromkeys(old.codes + table.codes)))
    table = table.with_codes(old_aligned.codes)
    old_row = {key: row for row, key in enumerate(old_aligned.keys)}
    pairs = [(row, old_row[key]) for row, key in enumerate(table.keys) if key in old_row]
    if pairs:
        rows, from_rows = (list(side) for side in zip(*pairs, strict=True))
        table.ms[rows, TODAY_SLOT] = old_aligned.ms[from_rows, TODAY_SLOT]
        table.idle_ms[rows, TODAY_SLOT] = old_aligned.idle_ms[from_rows, TODAY_SLOT]
    return table


def _same_day(previous: CenterSnapshot, now: datetime) -> datetime:
    now = require_aware(now).astimezone(UTC)
    if local_midnight(now, previous.zone) != previous.windows[Period.TODAY].start:
        raise SnapshotOutdated("a new local day began since this snapshot")
    return now


def _listed(windows: Mapping[Period, Window]) -> list[Window]:
    return [windows[period] for period in PERIODS]
