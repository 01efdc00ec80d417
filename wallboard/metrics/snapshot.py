"""What a computation of the center produces: figures per queue, team, center and agent,
plus the tallies kept so the next update re-adds totals without reading contacts again.
"""

from __future__ import annotations

import copyreg
import io
import pickle
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from .agent_table import AgentTable
from .agent_time import TimeTable
from .agents import AgentCounts, AgentTimeTally
from .columns import SpanColumns
from .figures import ContactFigures, figures_of_row, longest_wait_s
from .inputs import MetricsConfig
from .periods import PERIODS, Period, Window
from .tally import EMPTY_ROW, CellKey, CellTally, WaitingTally

N_SLOTS = len(PERIODS)
TODAY_SLOT = PERIODS.index(Period.TODAY)
EMPTY_CELL = CellTally((EMPTY_ROW,) * N_SLOTS, WaitingTally())


# Not frozen, like `inputs.Contact`: a snapshot holds thousands of these, and a frozen
# dataclass sets each field through `object.__setattr__` (four times the cost). Nothing
# changes one once made: they are the engine's results, read by boards and reports.
@dataclass(slots=True)
class AgentGroupFigures:
    """Agents of a team, of a queue's teams or of the center: counts now, time per period."""

    counts: AgentCounts
    occupancy_pct: Mapping[Period, float | None]
    time: Mapping[Period, AgentTimeTally]


@dataclass(slots=True)
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
    """Agent statuses and time: finished spans tallied per agent; open spans kept to be
    measured up to each `now`; per team, time (finished and open); the figures of every
    team, of each queue's serving teams and of the center."""

    statuses: AgentTable
    closed: TimeTable  # per agent, finished spans
    open_spans: SpanColumns  # every open span, of any agent
    team_times: TimeTable  # per team, finished and open spans
    team_groups: Mapping[str | None, AgentGroupFigures]
    queue_groups: Mapping[str, AgentGroupFigures]  # a queue's serving teams
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
    # Whose tallies the last computation changed, so the push sends only those tiles.
    recomputed_queue_ids: frozenset[str]
    recomputed_team_ids: frozenset[str]
    contact_tallies: ContactTallies
    agent_tallies: AgentTallies

    @property
    def agents(self) -> AgentTable:
        """Every agent now, as a mapping of id to `AgentFigures` (the agent tallies' table)."""
        return self.agent_tallies.statuses

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
    return dict(zip(PERIODS, map(figures_of_row, cell.slots), strict=True))


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


def _mapping_proxy(items: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(items)


def _reduce_mapping_proxy(proxy: MappingProxyType[Any, Any]) -> tuple[Any, ...]:
    return _mapping_proxy, (dict(proxy),)


# The engine freezes some mappings as read-only proxies, which pickle cannot save by itself.
_DISPATCH = copyreg.dispatch_table.copy()
_DISPATCH[MappingProxyType] = _reduce_mapping_proxy


def pickled(stored: object) -> bytes:
    """A snapshot (or anything holding one) as bytes for `pickle.loads`: how the live
    boards share snapshots through Redis."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _DISPATCH
    pickler.dump(stored)
    return buffer.getvalue()
