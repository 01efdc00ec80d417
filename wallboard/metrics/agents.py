"""Agent figures: who is in which state now, and where agents' time went (occupancy, idle
time by idle code, login time). The tallies behind them are arrays (`agent_table`,
`agent_time`); these are the figures boards and reports read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from .columns import MISSING, SpanColumns, span_columns
from .contacts import elapsed_ms
from .formulas import occupancy_pct
from .inputs import AgentState, AgentStateSpan

# Time on contacts for occupancy; ringing (reserved) counts neither as on a contact nor
# as available (docs/metrics.md).
OCCUPIED_STATES = frozenset({AgentState.CONNECTED, AgentState.WRAPUP})


# Not frozen, like `inputs.Contact`: a snapshot holds thousands of these, and a frozen
# dataclass sets each field through `object.__setattr__` (four times the cost). Nothing
# changes one once made: they are the engine's results, read by boards and reports.
@dataclass(slots=True)
class AgentCounts:
    """Agents by current state. `connected` excludes those on hold, so the states add up to
    `logged_in`."""

    logged_in: int = 0
    available: int = 0
    idle: int = 0
    reserved: int = 0
    connected: int = 0
    on_hold: int = 0
    wrapup: int = 0
    idle_by_code: Mapping[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class AgentTimeTally:
    """Where agents' time went within one window, in ms."""

    logged_in_ms: int = 0
    available_ms: int = 0
    occupied_ms: int = 0
    reserved_ms: int = 0
    idle_ms: int = 0
    idle_ms_by_code: Mapping[str, int] = field(default_factory=dict)

    @property
    def occupancy_pct(self) -> float | None:
        return occupancy_pct(occupied_ms=self.occupied_ms, available_ms=self.available_ms)


def split_open_spans(
    spans: Iterable[AgentStateSpan] | SpanColumns,
) -> tuple[SpanColumns, SpanColumns]:
    """(closed spans, open spans): closed spans tally once; open ones grow with `now`."""
    columns = span_columns(spans)
    still_open = columns.end_us == MISSING
    return columns.take(~still_open), columns.take(still_open)


@dataclass(frozen=True, slots=True)
class AgentFigures:
    """One agent now: state, idle code, on hold, and since when.

    Time in state grows every second: `time_in_state_s(now)` (a board can also tick it from
    `state_since` on its own, without a push).
    """

    agent_id: str
    team_id: str | None
    state: AgentState
    idle_code: str
    on_hold: bool
    state_since: datetime
    login_at: datetime | None

    def time_in_state_s(self, now: datetime) -> float:
        return elapsed_ms(self.state_since, now) / 1000.0
