"""Agent figures: who is in which state now, and where agents' time went (occupancy, idle
time by idle code, login time), from agent statuses and state spans.

Time tallies are kept per agent and add up to a team's or the center's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

import numpy as np

from .columns import MISSING, STATES, SpanColumns, epoch_us, span_columns, sums_at
from .contacts import elapsed_ms
from .formulas import occupancy_pct
from .inputs import AgentState, AgentStateSpan, AgentStatus
from .periods import Window

# Time on contacts for occupancy; ringing (reserved) counts neither as on a contact nor
# as available (docs/metrics.md).
OCCUPIED_STATES = frozenset({AgentState.CONNECTED, AgentState.WRAPUP})

# Module-level names for the members tested once per agent: reading `AgentState.IDLE`
# goes through the enum class and costs several times a comparison.
_CONNECTED, _IDLE_STATE = AgentState.CONNECTED, AgentState.IDLE


@dataclass(frozen=True, slots=True)
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

    def __add__(self, other: AgentCounts) -> AgentCounts:
        return merge_agent_counts((self, other))


_COUNT_FIELDS = ("logged_in", "available", "idle", "reserved", "connected", "on_hold", "wrapup")


def merge_agent_counts(counts: Iterable[AgentCounts]) -> AgentCounts:
    totals = dict.fromkeys(_COUNT_FIELDS, 0)
    by_code: dict[str, int] = {}
    for count in counts:
        for name in _COUNT_FIELDS:
            totals[name] += getattr(count, name)
        for code, value in count.idle_by_code.items():
            by_code[code] = by_code.get(code, 0) + value
    return AgentCounts(**totals, idle_by_code=by_code)


def count_agents(agents: Iterable[AgentStatus]) -> dict[str | None, AgentCounts]:
    """Current agent counts per team (None: agents without a team)."""
    per_team: dict[str | None, list[AgentStatus]] = {}
    for agent in agents:
        per_team.setdefault(agent.team_id, []).append(agent)
    return {team_id: _count(members) for team_id, members in per_team.items()}


def _count(agents: Sequence[AgentStatus]) -> AgentCounts:
    totals = dict.fromkeys(AgentState, 0)
    on_hold = 0
    by_code: dict[str, int] = {}
    for agent in agents:
        state = agent.state
        if state is _CONNECTED and agent.on_hold:
            on_hold += 1
            continue
        totals[state] += 1
        if state is _IDLE_STATE:
            by_code[agent.idle_code] = by_code.get(agent.idle_code, 0) + 1
    return AgentCounts(
        logged_in=len(agents) - totals[AgentState.LOGGED_OUT],
        available=totals[AgentState.AVAILABLE],
        idle=totals[AgentState.IDLE],
        reserved=totals[AgentState.RESERVED],
        connected=totals[AgentState.CONNECTED],
        on_hold=on_hold,
        wrapup=totals[AgentState.WRAPUP],
        idle_by_code=by_code,
    )


@dataclass(frozen=True, slots=True)
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


# The same as plain tuples, cheap to build and add while tallying and updating:
# (logged in, available, occupied, reserved, idle ms, idle ms by code) per window.
TimeRow = tuple[int, int, int, int, int, Mapping[str, int]]
SlotTimes = tuple[TimeRow, ...]
_NO_CODES: Mapping[str, int] = MappingProxyType({})
EMPTY_TIME_ROW: TimeRow = (0, 0, 0, 0, 0, _NO_CODES)

_LOGGED_IN, _AVAILABLE, _OCCUPIED, _RESERVED, _IDLE = range(5)
_N_BUCKETS = 5
_BUCKET = {
    AgentState.AVAILABLE: _AVAILABLE,
    AgentState.RESERVED: _RESERVED,
    AgentState.IDLE: _IDLE,
    **dict.fromkeys(OCCUPIED_STATES, _OCCUPIED),
}
# Per state code (columns.STATES), its bucket; -1 for logged out.
_BUCKET_OF_STATE = np.array([_BUCKET.get(state, -1) for state in STATES], dtype=np.int64)


def time_tally(row: TimeRow) -> AgentTimeTally:
    return AgentTimeTally(row[0], row[1], row[2], row[3], row[4], row[5])


def add_time_rows(rows: Iterable[TimeRow]) -> TimeRow:
    row_list = rows if isinstance(rows, list | tuple) else list(rows)
    if len(row_list) == 1:
        return row_list[0]
    if not row_list:
        return (0, 0, 0, 0, 0, {})
    # Column sums in C; the idle codes are merged only from rows that have any.
    logged_in, available, occupied, reserved, idle, codes = zip(*row_list, strict=True)
    by_code: dict[str, int] = {}
    for row_codes in codes:
        if row_codes:
            for code, value in row_codes.items():
                by_code[code] = by_code.get(code, 0) + value
    return (sum(logged_in), sum(available), sum(occupied), sum(reserved), sum(idle), by_code)


def add_slot_times(items: Iterable[SlotTimes], n_slots: int) -> SlotTimes:
    item_list = list(items)
    if len(item_list) == 1:
        return item_list[0]
    if not item_list:
        return tuple(add_time_rows(()) for _ in range(n_slots))
    return tuple(map(add_time_rows, zip(*item_list, strict=True)))


def tally_time(
    spans: Iterable[AgentStateSpan] | SpanColumns,
    *,
    windows: Sequence[Window],
    now: datetime,
    key_of: Mapping[str, str | None] | None = None,
) -> dict[Any, SlotTimes]:
    """Each span's overlap with each window, an open span lasting to `now`; added up per
    agent, or per `key_of[agent]` (a team) when given. As array operations over the spans'
    columns; times are floored to whole ms since the epoch first."""
    columns = span_columns(spans)
    bucket = _BUCKET_OF_STATE[columns.state]
    counted = bucket >= 0  # logged out counts nowhere
    if not counted.all():
        columns = columns.take(counted)
        bucket = bucket[counted]
    if len(columns) == 0:
        return {}
    agent_ids = columns.agent_ids
    key_names = list(agent_ids) if key_of is None else [key_of.get(a) for a in agent_ids]
    key_codes: dict[Any, int] = {}
    key_of_agent = np.array(
        [key_codes.setdefault(name, len(key_codes)) for name in key_names], dtype=np.int64
    )
    keys = list(key_codes)
    n_keys, n_codes = len(keys), len(columns.idle_codes)
    key = key_of_agent[columns.agent]
    start_ms = columns.start_us // 1000
    end_ms = np.where(columns.end_us == MISSING, epoch_us(now) // 1000, columns.end_us // 1000)
    idle = bucket == _IDLE
    idle_key = key[idle] * n_codes + columns.idle_code[idle]
    state_key = key * _N_BUCKETS + bucket
    # Per key and slot: logged in (the sum of the four states: every span that counts is
    # in exactly one), then ms per state; and per slot, per key, the ms of each idle code.
    times = np.empty((n_keys, len(windows), _N_BUCKETS), dtype=np.int64)
    by_code: list[dict[int, dict[str, int]]] = []
    idle_names = columns.idle_codes
    for slot, window in enumerate(windows):
        overlap = np.maximum(
            np.minimum(end_ms, epoch_us(window.end) // 1000)
            - np.maximum(start_ms, epoch_us(window.start) // 1000),
            0,
        )
        times[:, slot, :] = sums_at(state_key, n_keys * _N_BUCKETS, overlap).reshape(
            n_keys, _N_BUCKETS
        )
        code_ms = sums_at(idle_key, n_keys * n_codes, overlap[idle])
        found = np.flatnonzero(code_ms)
        codes_of_key: dict[int, dict[str, int]] = {}
        for at, ms in zip(found.tolist(), code_ms[found].tolist(), strict=True):
            key_index, code = divmod(at, n_codes)
            codes_of_key.setdefault(key_index, {})[idle_names[code]] = ms
        by_code.append(codes_of_key)
    times[:, :, _LOGGED_IN] = times[:, :, _AVAILABLE:].sum(axis=2)
    counted_keys = np.flatnonzero(times[:, :, _LOGGED_IN].any(axis=1))
    counted_times = times[counted_keys]
    key_list = counted_keys.tolist()
    no_codes = _NO_CODES
    # Rows are made by zip, in C: one list of rows per slot, then one tuple per key.
    per_slot = [
        list(
            zip(
                *counted_times[:, slot, :].T.tolist(),
                [codes_of_key.get(index, no_codes) for index in key_list],
                strict=True,
            )
        )
        for slot, codes_of_key in enumerate(by_code)
    ]
    return dict(zip([keys[index] for index in key_list], zip(*per_slot, strict=True), strict=True))


def tally_agent_time(
    spans: Iterable[AgentStateSpan], *, windows: Sequence[Window], now: datetime
) -> dict[str, tuple[AgentTimeTally, ...]]:
    """Per agent, per window: where the agent's time went (open spans last until `now`)."""
    return {
        agent_id: tuple(time_tally(row) for row in slots)
        for agent_id, slots in tally_time(spans, windows=windows, now=now).items()
    }


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


def agent_figures(agent: AgentStatus) -> AgentFigures:
    state = agent.state
    return AgentFigures(
        agent_id=agent.id,
        team_id=agent.team_id,
        state=state,
        idle_code=agent.idle_code if state is _IDLE_STATE else "",
        on_hold=agent.on_hold and state is _CONNECTED,
        state_since=agent.state_since,
        login_at=agent.login_at,
    )
