"""What a computation of the center produces: figures per queue, team, center and agent,
plus the tallies kept so the next update re-adds totals without reading contacts again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from .agents import (
    EMPTY_TIME_ROW,
    AgentCounts,
    AgentFigures,
    AgentTimeTally,
    SlotTimes,
    add_slot_times,
    merge_agent_counts,
    time_tally,
)
from .columns import SpanColumns
from .figures import ContactFigures, contact_figures, longest_wait_s
from .inputs import AgentStatus, MetricsConfig
from .periods import PERIODS, Period, Window
from .tally import EMPTY_ROW, CellKey, CellTally, WaitingTally

N_SLOTS = len(PERIODS)
TODAY_SLOT = PERIODS.index(Period.TODAY)
EMPTY_CELL = CellTally((EMPTY_ROW,) * N_SLOTS, WaitingTally())
NO_TIME: SlotTimes = (EMPTY_TIME_ROW,) * N_SLOTS


@dataclass(frozen=True, slots=True)
class AgentGroupFigures:
    """Agents of a team, of a queue's teams or of the center: counts now, time per period."""

    counts: AgentCounts
    occupancy_pct: Mapping[Period, float | None]
    time: Mapping[Period, AgentTimeTally]


@dataclass(frozen=True, slots=True)
class GroupFigures:
    """Everything a board shows for a queue, a team or the center."""

    contacts_waiting: int
    oldest_waiting_since: datetime | None
    longest_wait_s: float | None
    periods: Mapping[Period, ContactFigures]
    agents: AgentGroupFigures | None


@dataclass(frozen=True, slots=True)
class ContactTallies:
    """Contact tallies by cell (queue, team), added up per queue, per team and center."""

    cells: Mapping[CellKey, CellTally]
    queue_tallies: Mapping[str, CellTally]
    team_tallies: Mapping[str | None, CellTally]
    queue_periods: Mapping[str, Mapping[Period, ContactFigures]]
    team_periods: Mapping[str | None, Mapping[Period, ContactFigures]]
    center_tally: CellTally
    center_periods: Mapping[Period, ContactFigures]


@dataclass(frozen=True, slots=True)
class AgentTallies:
    """Agent statuses and time: finished spans tallied per agent and team; open spans kept
    to be measured up to each `now`."""

    statuses: Mapping[str, AgentStatus]
    closed_times: Mapping[str, SlotTimes]
    open_spans: SpanColumns  # every open span, of any agent
    team_closed: Mapping[str | None, SlotTimes]
    team_open: Mapping[str | None, SlotTimes]
    team_counts: Mapping[str | None, AgentCounts]
    team_times: Mapping[str | None, SlotTimes]  # closed + open
    team_groups: Mapping[str | None, AgentGroupFigures]
    center_group: AgentGroupFigures


@dataclass(frozen=True, slots=True)
class CenterSnapshot:
    now: datetime
    zone: ZoneInfo
    config: MetricsConfig
    windows: Mapping[Period, Window]
    queues: Mapping[str, GroupFigures]
    teams: Mapping[str, GroupFigures]
    center: GroupFigures
    agents: Mapping[str, AgentFigures]
    # Whose tallies the last computation changed, so the push sends only those tiles.
    recomputed_queue_ids: frozenset[str]
    recomputed_team_ids: frozenset[str]
    contact_tallies: ContactTallies
    agent_tallies: AgentTallies

    def queue(self, queue_id: str) -> GroupFigures:
        """A queue's figures; a queue without traffic yet gets "no data" figures."""
        found = self.queues.get(queue_id)
        return found if found is not None else group_figures(EMPTY_CELL, None, None, self.now)

    def team(self, team_id: str) -> GroupFigures:
        found = self.teams.get(team_id)
        return found if found is not None else group_figures(EMPTY_CELL, None, None, self.now)

    def time_in_state_s(self, agent_id: str) -> float | None:
        agent = self.agents.get(agent_id)
        return None if agent is None else agent.time_in_state_s(self.now)


def period_figures(cell: CellTally) -> dict[Period, ContactFigures]:
    return {period: contact_figures(cell.tally(slot)) for slot, period in enumerate(PERIODS)}


def agent_group_figures(counts: AgentCounts, times: SlotTimes) -> AgentGroupFigures:
    tallies = [time_tally(row) for row in times]
    return AgentGroupFigures(
        counts=counts,
        occupancy_pct={period: tallies[slot].occupancy_pct for slot, period in enumerate(PERIODS)},
        time=dict(zip(PERIODS, tallies, strict=True)),
    )


def combine_agent_groups(
    teams: Iterable[str | None],
    *,
    counts: Mapping[str | None, AgentCounts],
    times: Mapping[str | None, SlotTimes],
) -> AgentGroupFigures:
    """The agents of several teams (a queue's, or all for the center) as one group."""
    team_list = list(teams)
    return agent_group_figures(
        merge_agent_counts(counts[t] for t in team_list if t in counts),
        add_slot_times((times[t] for t in team_list if t in times), N_SLOTS)
        if any(t in times for t in team_list)
        else NO_TIME,
    )


def group_figures(
    cell: CellTally,
    periods: Mapping[Period, ContactFigures] | None,
    agents: AgentGroupFigures | None,
    now: datetime,
) -> GroupFigures:
    return GroupFigures(
        contacts_waiting=cell.waiting.waiting,
        oldest_waiting_since=cell.waiting.oldest_arrived_at,
        longest_wait_s=longest_wait_s(cell.waiting, now=now),
        periods=periods if periods is not None else period_figures(cell),
        agents=agents,
    )
