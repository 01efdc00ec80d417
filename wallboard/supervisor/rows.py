"""Pure view models for the supervisor tables: agent and queue rows, their filters and sort
orders. No ORM and no clock: callers pass the snapshot, names and contacts in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from wallboard.metrics import (
    AgentPerformance,
    AgentState,
    CenterSnapshot,
    Period,
    display_pct,
    display_s,
)
from wallboard.rendering import STATE_LABELS, epoch_ms
from wallboard.specs import Names

PERIOD_LABELS: Mapping[Period, str] = {
    Period.TODAY: "Today",
    Period.LAST_15_MIN: "Last 15 min",
    Period.LAST_30_MIN: "Last 30 min",
    Period.LAST_60_MIN: "Last 60 min",
}
# The states a supervisor filters on, in the order of the filter's menu.
FILTER_STATES = (
    AgentState.AVAILABLE,
    AgentState.IDLE,
    AgentState.RESERVED,
    AgentState.CONNECTED,
    AgentState.WRAPUP,
)


@dataclass(frozen=True, slots=True)
class CurrentContact:
    """The contact an agent is on (or being offered) now."""

    agent_id: str
    channel_type: str
    queue_id: str | None
    ringing: bool


@dataclass(frozen=True, slots=True)
class AgentRow:
    id: str
    name: str
    team_id: str
    team: str
    state: str
    state_label: str
    idle_code: str
    since_ms: int
    time_in_state: str
    time_in_state_s: float
    contact: str
    queue_id: str
    queue: str
    handled_today: int
    aht_today_s: float | None
    aht_today: str

    @property
    def fragment_id(self) -> str:
        return f"agent-{self.id}"


class AgentSort(StrEnum):
    NAME = "name"
    TEAM = "team"
    STATE = "state"
    TIME = "time"
    QUEUE = "queue"
    HANDLED = "handled"
    AHT = "aht"


@dataclass(frozen=True, slots=True)
class AgentFilter:
    """What the supervisor narrowed the table to; empty strings mean "any"."""

    team_id: str = ""
    queue_id: str = ""
    state: str = ""

    def matches(self, row: AgentRow) -> bool:
        return (
            (not self.team_id or row.team_id == self.team_id)
            and (not self.queue_id or row.queue_id == self.queue_id)
            and (not self.state or row.state == self.state)
        )


def logged_in_agent_ids(snapshot: CenterSnapshot) -> list[str]:
    return snapshot.agents.logged_in_ids()


def agent_rows(
    snapshot: CenterSnapshot,
    names: Names,
    *,
    agent_ids: Iterable[str],
    contacts: Mapping[str, CurrentContact],
    performance: Mapping[str, AgentPerformance],
) -> list[AgentRow]:
    """One row per logged-in agent among `agent_ids` (others are left out)."""
    rows = []
    for agent_id in agent_ids:
        agent = snapshot.agents.get(agent_id)
        if agent is None or agent.state is AgentState.LOGGED_OUT:
            continue
        contact = contacts.get(agent_id)
        queue_id = (contact.queue_id or "") if contact else ""
        done = performance.get(agent_id)
        aht = done.aht_s if done else None
        time_in_state_s = agent.time_in_state_s(snapshot.now)
        rows.append(
            AgentRow(
                id=agent_id,
                name=names.agents.get(agent_id, agent_id),
                team_id=agent.team_id or "",
                team=names.teams.get(agent.team_id or "", ""),
                state=agent.state.value,
                state_label=STATE_LABELS.get(agent.state, agent.state.value),
                idle_code=agent.idle_code,
                since_ms=epoch_ms(agent.state_since) or 0,
                time_in_state=display_s(time_in_state_s),
                time_in_state_s=time_in_state_s,
                contact=_contact_label(contact),
                queue_id=queue_id,
                queue=names.queues.get(queue_id, ""),
                handled_today=done.handled if done else 0,
                aht_today_s=aht,
                aht_today=display_s(aht),
            )
        )
    return rows


def _contact_label(contact: CurrentContact | None) -> str:
    if contact is None:
        return ""
    channel = contact.channel_type.capitalize() or "Contact"
    return f"{channel} (ringing)" if contact.ringing else channel


_STATE_ORDER = {state.value: index for index, state in enumerate(FILTER_STATES)}


def sort_agent_rows(
    rows: Sequence[AgentRow], sort: AgentSort, *, descending: bool
) -> list[AgentRow]:
    """Rows in the supervisor's order; ties by name so the order is stable across pushes.
    Rows without a value (no AHT yet, no queue) go last either way."""
    keys = {
        AgentSort.NAME: lambda r: (r.name.casefold(),),
        AgentSort.TEAM: lambda r: (r.team.casefold(),),
        AgentSort.STATE: lambda r: (_STATE_ORDER.get(r.state, 99), r.idle_code.casefold()),
        AgentSort.TIME: lambda r: (-r.since_ms,),
        AgentSort.QUEUE: lambda r: (r.queue.casefold(),),
        AgentSort.HANDLED: lambda r: (r.handled_today,),
        AgentSort.AHT: lambda r: (r.aht_today_s or 0.0,),
    }
    key = keys[sort]
    missing = {
        AgentSort.TEAM: lambda r: not r.team,
        AgentSort.QUEUE: lambda r: not r.queue,
        AgentSort.AHT: lambda r: r.aht_today_s is None,
    }.get(sort, lambda r: False)
    present = sorted((r for r in rows if not missing(r)), key=lambda r: (r.name.casefold(), r.id))
    present.sort(key=key, reverse=descending)
    absent = sorted((r for r in rows if missing(r)), key=lambda r: (r.name.casefold(), r.id))
    return present + absent


@dataclass(frozen=True, slots=True)
class PeriodCells:
    period: str
    label: str
    offered: int
    answered: int
    abandoned: int
    service_level: str
    asa: str
    aht: str


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: str
    name: str
    waiting: int
    oldest_ms: int | None
    longest_wait: str
    periods: tuple[PeriodCells, ...]

    @property
    def fragment_id(self) -> str:
        return f"queue-{self.id}"


def queue_row(queue_id: str, name: str, snapshot: CenterSnapshot) -> QueueRow:
    group = snapshot.queue(queue_id) if queue_id else snapshot.center
    cells = []
    for period, figures in group.periods.items():
        cells.append(
            PeriodCells(
                period=period.value,
                label=PERIOD_LABELS[period],
                offered=figures.offered,
                answered=figures.answered,
                abandoned=figures.abandoned,
                service_level=display_pct(figures.service_level_pct),
                asa=display_s(figures.asa_s),
                aht=display_s(figures.aht_s),
            )
        )
    return QueueRow(
        id=queue_id or "center",
        name=name,
        waiting=group.contacts_waiting,
        oldest_ms=epoch_ms(group.oldest_waiting_since),
        longest_wait=display_s(group.longest_wait_s),
        periods=tuple(cells),
    )


def queue_rows(snapshot: CenterSnapshot, names: Names) -> list[QueueRow]:
    """Every queue of the org by name, then the whole center."""
    rows = [
        queue_row(queue_id, name, snapshot)
        for queue_id, name in sorted(names.queues.items(), key=lambda item: item[1].casefold())
    ]
    return rows
