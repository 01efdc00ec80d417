"""Adding tallies up: queues and teams from cells, teams from agents, the center from all,
re-adding only what changed; and the cheap figure wrappers boards read."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from .inputs import MetricsConfig
from .periods import PERIODS, Period, Window
from .snapshot import (
    EMPTY_CELL,
    N_SLOTS,
    AgentTallies,
    CenterSnapshot,
    ContactTallies,
    GroupFigures,
    group_figures,
    period_figures,
)
from .tally import CellKey, CellTally, merge_cells

_K = TypeVar("_K")


def _listed(windows: Mapping[Period, Window]) -> list[Window]:
    return [windows[period] for period in PERIODS]


def roll_up_contacts(
    previous: ContactTallies | None,
    cells: Mapping[CellKey, CellTally],
    *,
    dirty_queues: Collection[str] | None,  # None: everything
    dirty_teams: Collection[str | None] | None,
) -> ContactTallies:
    """Re-add the queues and teams whose cells changed, then the center."""
    by_queue: dict[str, list[CellTally]] = {}
    by_team: dict[str | None, list[CellTally]] = {}
    for (queue_id, team_id), cell in cells.items():
        if dirty_queues is None or queue_id in dirty_queues:
            by_queue.setdefault(queue_id, []).append(cell)
        if dirty_teams is None or team_id in dirty_teams:
            by_team.setdefault(team_id, []).append(cell)
    queue_tallies = _readd(
        previous.queue_tallies if previous and dirty_queues is not None else {},
        by_queue,
        dirty_queues or (),
    )
    team_tallies = _readd(
        previous.team_tallies if previous and dirty_teams is not None else {},
        by_team,
        dirty_teams or (),
    )
    queue_periods = {
        q: p
        for q, p in (previous.queue_periods if previous else {}).items()
        if q in queue_tallies and q not in by_queue
    }
    queue_periods.update((q, period_figures(queue_tallies[q])) for q in by_queue)
    team_periods = {
        t: p
        for t, p in (previous.team_periods if previous else {}).items()
        if t in team_tallies and t not in by_team
    }
    team_periods.update((t, period_figures(team_tallies[t])) for t in by_team)
    center = merge_cells(queue_tallies.values(), N_SLOTS)
    return ContactTallies(
        cells=cells,
        queue_tallies=queue_tallies,
        team_tallies=team_tallies,
        queue_periods=queue_periods,
        team_periods=team_periods,
        center_tally=center,
        center_periods=period_figures(center),
    )


def _readd(
    kept: Mapping[_K, CellTally], members: Mapping[_K, list[CellTally]], dirty: Collection[_K]
) -> dict[_K, CellTally]:
    totals = {key: tally for key, tally in kept.items() if key not in dirty}
    totals.update((key, merge_cells(cells, N_SLOTS)) for key, cells in members.items())
    return totals


def build_snapshot(
    *,
    now: datetime,
    zone: ZoneInfo,
    config: MetricsConfig,
    windows: Mapping[Period, Window],
    contact_tallies: ContactTallies,
    agent_tallies: AgentTallies,
    recomputed_queue_ids: Collection[str] | None,  # None: all
    recomputed_team_ids: Collection[str | None] | None,
) -> CenterSnapshot:
    """The figure wrappers (cheap) for every group, from kept tallies and figures."""
    groups = agent_tallies.team_groups

    queue_ids = contact_tallies.queue_tallies.keys() | config.queue_team_ids.keys()
    queues: dict[str, GroupFigures] = {
        q: group_figures(
            contact_tallies.queue_tallies.get(q, EMPTY_CELL),
            contact_tallies.queue_periods.get(q),
            agent_tallies.queue_groups.get(q),
            now,
        )
        for q in queue_ids
    }
    team_ids = {t for t in contact_tallies.team_tallies.keys() | groups.keys() if t is not None}
    teams = {
        t: group_figures(
            contact_tallies.team_tallies.get(t, EMPTY_CELL),
            contact_tallies.team_periods.get(t),
            groups.get(t),
            now,
        )
        for t in team_ids
    }
    center = GroupFigures(
        contacts_waiting=contact_tallies.center_tally.waiting.waiting,
        oldest_waiting_since=contact_tallies.center_tally.waiting.oldest_arrived_at,
        longest_wait_s=group_figures(contact_tallies.center_tally, {}, None, now).longest_wait_s,
        periods=contact_tallies.center_periods,
        agents=agent_tallies.center_group,
    )
    return CenterSnapshot(
        now=now,
        zone=zone,
        config=config,
        windows=windows,
        queues=queues,
        teams=teams,
        center=center,
        recomputed_queue_ids=frozenset(
            queue_ids if recomputed_queue_ids is None else recomputed_queue_ids
        ),
        recomputed_team_ids=frozenset(
            t
            for t in (team_ids if recomputed_team_ids is None else recomputed_team_ids)
            if t is not None
        ),
        contact_tallies=contact_tallies,
        agent_tallies=agent_tallies,
    )
