"""Adding tallies up: queues and teams from cells, teams from agents, the center from all,
re-adding only what changed; and the cheap figure wrappers boards read."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from .agents import AgentCounts, AgentFigures, SlotTimes, add_slot_times, count_agents, tally_time
from .columns import SpanColumns
from .inputs import AgentStatus, MetricsConfig
from .periods import PERIODS, Period, Window
from .snapshot import (
    EMPTY_CELL,
    N_SLOTS,
    NO_TIME,
    AgentGroupFigures,
    AgentTallies,
    CenterSnapshot,
    ContactTallies,
    GroupFigures,
    agent_group_figures,
    combine_agent_groups,
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


def roll_up_agents(
    previous: AgentTallies | None,
    *,
    statuses: Mapping[str, AgentStatus],
    closed_times: Mapping[str, SlotTimes],
    open_spans: SpanColumns,
    dirty_teams: Collection[str | None] | None,  # None: every team
    windows: Mapping[Period, Window],
    now: datetime,
) -> AgentTallies:
    """Re-add the teams whose agents changed (finished spans, open spans, counts)."""
    team_of = {agent_id: status.team_id for agent_id, status in statuses.items()}
    members: dict[str | None, list[str]] = {}
    for agent_id in statuses.keys() | closed_times.keys() | open_spans.present_agent_ids():
        team_id = team_of.get(agent_id)
        if dirty_teams is None or team_id in dirty_teams:
            members.setdefault(team_id, []).append(agent_id)
    everything = previous is None or dirty_teams is None
    team_closed = {} if everything else dict(previous.team_closed)  # type: ignore[union-attr]
    team_open = {} if everything else dict(previous.team_open)  # type: ignore[union-attr]
    team_counts = {} if everything else dict(previous.team_counts)  # type: ignore[union-attr]
    for team_id in dirty_teams or ():
        team_closed.pop(team_id, None)
        team_open.pop(team_id, None)
        team_counts.pop(team_id, None)
    for team_id, agent_ids in members.items():
        times = [closed_times[a] for a in agent_ids if a in closed_times]
        if times:
            team_closed[team_id] = add_slot_times(times, N_SLOTS)
        team_counts[team_id] = count_agents(statuses[a] for a in agent_ids if a in statuses).get(
            team_id, AgentCounts()
        )
    team_open.update(
        tally_time(
            open_spans
            if dirty_teams is None
            else open_spans.of_agents(a for agent_ids in members.values() for a in agent_ids),
            windows=_listed(windows),
            now=now,
            key_of=team_of,
        )
    )
    teams = team_counts.keys() | team_closed.keys() | team_open.keys()
    team_times = {} if everything else dict(previous.team_times)  # type: ignore[union-attr]
    for gone in [t for t in team_times if t not in teams]:
        del team_times[gone]
    for team_id in teams:
        if everything or team_id in members or team_id not in team_times:
            team_times[team_id] = add_slot_times(
                (team_closed.get(team_id, NO_TIME), team_open.get(team_id, NO_TIME)), N_SLOTS
            )
    team_groups = {} if everything else dict(previous.team_groups)  # type: ignore[union-attr]
    for team_id in teams:
        if everything or team_id in members or team_id not in team_groups:
            team_groups[team_id] = agent_group_figures(
                team_counts.get(team_id, AgentCounts()), team_times[team_id]
            )
    return AgentTallies(
        statuses=statuses,
        closed_times=closed_times,
        open_spans=open_spans,
        team_closed=team_closed,
        team_open=team_open,
        team_counts=team_counts,
        team_times=team_times,
        team_groups={t: g for t, g in team_groups.items() if t in teams},
        center_group=combine_agent_groups(teams, counts=team_counts, times=team_times),
    )


def build_snapshot(
    *,
    now: datetime,
    zone: ZoneInfo,
    config: MetricsConfig,
    windows: Mapping[Period, Window],
    contact_tallies: ContactTallies,
    agent_tallies: AgentTallies,
    agents: Mapping[str, AgentFigures],
    recomputed_queue_ids: Collection[str] | None,  # None: all
    recomputed_team_ids: Collection[str | None] | None,
) -> CenterSnapshot:
    """The figure wrappers (cheap) for every group, from kept tallies and figures."""
    groups = agent_tallies.team_groups

    def queue_agents(queue_id: str) -> AgentGroupFigures | None:
        teams = config.queue_team_ids.get(queue_id)
        if teams is None:
            return None
        return combine_agent_groups(
            teams, counts=agent_tallies.team_counts, times=agent_tallies.team_times
        )

    queue_ids = contact_tallies.queue_tallies.keys() | config.queue_team_ids.keys()
    queues: dict[str, GroupFigures] = {
        q: group_figures(
            contact_tallies.queue_tallies.get(q, EMPTY_CELL),
            contact_tallies.queue_periods.get(q),
            queue_agents(q),
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
        agents=agents,
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
