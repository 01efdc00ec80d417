"""Agent figures: who is in which state now, and where agents' time went (occupancy, idle
time by idle code, login time), from agent statuses and state spans.

Time tallies are kept per agent and add up to a team's or the center's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from types import MappingProxyType
from typing import Any

from .contacts import elapsed_ms, whole_ms
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

_MS = timedelta(milliseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_LOGGED_IN, _AVAILABLE, _OCCUPIED, _RESERVED, _IDLE = range(5)
_BUCKET = {
    AgentState.AVAILABLE: _AVAILABLE,
    AgentState.RESERVED: _RESERVED,
    AgentState.IDLE: _IDLE,
    **dict.fromkeys(OCCUPIED_STATES, _OCCUPIED),
}


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
    spans: Iterable[AgentStateSpan],
    *,
    windows: Sequence[Window],
    now: datetime,
    key_of: Mapping[str, str | None] | None = None,
) -> dict[Any, SlotTimes]:
    """Each span's overlap with each window, an open span lasting to `now`; added up per
    agent, or per `key_of[agent]` (a team) when given."""
    n_slots = len(windows)
    # Whole ms since `origin` (the earliest window start, floored to a whole ms since the
    # epoch, so the floors are those of ms since the epoch): integer arithmetic is several
    # times cheaper than datetime's, and a timedelta under a day converts from its parts.
    origin_ms = min(((w.start - _EPOCH) // _MS for w in windows), default=0)
    origin = _EPOCH + timedelta(milliseconds=origin_ms)
    # Windows by start, so a span stops at the first window starting after it ends.
    bounds = sorted(
        (whole_ms(window.start - origin), whole_ms(window.end - origin), slot)
        for slot, window in enumerate(windows)
    )
    # Most spans lie between two window boundaries where only some windows (on a board,
    # today alone, before the rolling hour) hold them: two comparisons find those windows.
    points = sorted({b[0] for b in bounds} | {b[1] for b in bounds})
    gaps = [(hi - lo, lo, hi) for lo, hi in pairwise(points)]
    _, wide_start, wide_end = max(gaps) if gaps else (0, 0, 0)
    wide_slots = [slot for start, end, slot in bounds if start <= wide_start and wide_end <= end]
    now_ms = whole_ms(now - origin)
    rows: dict[Any, list[list[int]]] = {}
    codes: dict[Any, list[dict[str, int]]] = {}

    def add_idle(key: Any, slot: int, code: str, overlap: int) -> None:
        key_codes = codes.get(key)
        if key_codes is None:
            key_codes = codes[key] = [{} for _ in range(n_slots)]
        by_code = key_codes[slot]
        by_code[code] = by_code.get(code, 0) + overlap

    bucket_of = _BUCKET
    idle = _IDLE
    # An agent's spans follow one another: a span often starts when the one before ended,
    # and comparing two datetimes is cheaper than converting one; likewise its key.
    last_end: datetime | None = None
    last_end_ms = 0
    last_agent: str | None = None
    key: Any = None
    key_rows: list[list[int]] = []
    for span in spans:
        bucket = bucket_of.get(span.state)
        if bucket is None:  # logged out
            continue
        end_at = span.end
        if end_at is None:
            span_end = now_ms
        else:
            # `whole_ms(end_at - origin)`, inlined: this runs once per span.
            since = end_at - origin
            days = since.days
            span_end = since.seconds * 1000 + since.microseconds // 1000
            if days:
                span_end += days * 86_400_000
        if span_end <= 0:
            continue
        start_at = span.start
        if start_at == last_end:
            span_start = last_end_ms
        else:
            since = start_at - origin
            days = since.days
            span_start = since.seconds * 1000 + since.microseconds // 1000
            if days:
                span_start += days * 86_400_000
        last_end, last_end_ms = end_at, span_end
        if span_end <= span_start:
            continue
        agent_id = span.agent_id
        if agent_id != last_agent:
            last_agent = agent_id
            key = agent_id if key_of is None else key_of.get(agent_id)
            found = rows.get(key)
            if found is None:
                found = rows[key] = [[0, 0, 0, 0, 0] for _ in range(n_slots)]
            key_rows = found
        if wide_start <= span_start and span_end <= wide_end:
            overlap = span_end - span_start
            for slot in wide_slots:
                key_rows[slot][bucket] += overlap
                if bucket == idle:
                    add_idle(key, slot, span.idle_code, overlap)
            continue
        for start, end, slot in bounds:
            if start >= span_end:
                break
            overlap = (span_end if span_end < end else end) - (
                span_start if span_start > start else start
            )
            if overlap > 0:
                key_rows[slot][bucket] += overlap
                if bucket == idle:
                    add_idle(key, slot, span.idle_code, overlap)
    no_codes: tuple[Mapping[str, int], ...] = (_NO_CODES,) * n_slots
    # Logged in is the sum of the four states: every span that counts is in exactly one.
    return {
        key: tuple(
            (row[1] + row[2] + row[3] + row[4], row[1], row[2], row[3], row[4], by_code)
            for row, by_code in zip(key_rows, codes.get(key, no_codes), strict=True)
        )
        for key, key_rows in rows.items()
        if any(row[1] or row[2] or row[3] or row[4] for row in key_rows)
    }


def tally_agent_time(
    spans: Iterable[AgentStateSpan], *, windows: Sequence[Window], now: datetime
) -> dict[str, tuple[AgentTimeTally, ...]]:
    """Per agent, per window: where the agent's time went (open spans last until `now`)."""
    return {
        agent_id: tuple(time_tally(row) for row in slots)
        for agent_id, slots in tally_time(spans, windows=windows, now=now).items()
    }


def split_open_spans(
    spans: Iterable[AgentStateSpan],
) -> tuple[list[AgentStateSpan], list[AgentStateSpan]]:
    """(closed spans, open spans): closed spans tally once; open ones grow with `now`."""
    closed: list[AgentStateSpan] = []
    still_open: list[AgentStateSpan] = []
    for span in spans:
        (closed if span.end is not None else still_open).append(span)
    return closed, still_open


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
