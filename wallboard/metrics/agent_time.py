"""Where agents' time went, as arrays: per key (an agent, a team) and window, the ms logged
in, available, on contacts, ringing and idle, and the idle ms of each idle code.

A large center has thousands of agents, each with a row per window. Kept as Python tuples,
adding them up per team and carrying them from one snapshot to the next (pickled in Redis)
cost more than tallying the spans; as arrays, sums per team, a changed agent's rows and the
snapshot's storage are array operations.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from .agents import OCCUPIED_STATES, AgentTimeTally
from .columns import MISSING, STATES, Int64s, SpanColumns, epoch_us, span_columns, sums_at
from .inputs import AgentState, AgentStateSpan
from .periods import Window

# The five time buckets of a row: logged in (the sum of the other four), then one per state.
LOGGED_IN, AVAILABLE, OCCUPIED, RESERVED, IDLE = range(5)
N_BUCKETS = 5
_BUCKET = {
    AgentState.AVAILABLE: AVAILABLE,
    AgentState.RESERVED: RESERVED,
    AgentState.IDLE: IDLE,
    **dict.fromkeys(OCCUPIED_STATES, OCCUPIED),
}
# Per state code (columns.STATES), its bucket; -1 for logged out, which counts nowhere.
_BUCKET_OF_STATE = np.array([_BUCKET.get(state, -1) for state in STATES], dtype=np.int64)

_NO_CODES: Mapping[str, int] = MappingProxyType({})
# A row as plain values (tests and reports): (logged in, available, occupied, reserved,
# idle ms, idle ms by code).
TimeRow = tuple[int, int, int, int, int, Mapping[str, int]]
SlotTimes = tuple[TimeRow, ...]


@dataclass(frozen=True, slots=True, eq=False)
class TimeTable:
    """`ms[row, slot, bucket]` and `idle_ms[row, slot, code]` for the key of each row."""

    keys: tuple[Hashable, ...]
    codes: tuple[str, ...]  # the idle codes, columns of `idle_ms`
    ms: Int64s
    idle_ms: Int64s

    def __len__(self) -> int:
        return len(self.keys)

    def take(self, rows: npt.NDArray[np.bool_]) -> TimeTable:
        """The rows where `rows` is true."""
        return TimeTable(
            tuple(self.keys[i] for i in np.flatnonzero(rows).tolist()),
            self.codes,
            self.ms[rows],
            self.idle_ms[rows],
        )

    def except_keys(self, keys: Iterable[Hashable]) -> TimeTable:
        gone = set(keys)
        return self.take(np.array([key not in gone for key in self.keys], dtype=np.bool_))

    def with_codes(self, codes: tuple[str, ...]) -> TimeTable:
        """The same rows with `idle_ms` laid out for `codes` (a superset of this table's)."""
        if codes == self.codes:
            return self
        where = {code: column for column, code in enumerate(codes)}
        idle = np.zeros((*self.ms.shape[:2], len(codes)), dtype=np.int64)
        idle[:, :, [where[code] for code in self.codes]] = self.idle_ms
        return TimeTable(self.keys, codes, self.ms, idle)

    def summed(self, group_of: Sequence[int], n_groups: int) -> tuple[Int64s, Int64s]:
        """(ms, idle_ms) added up per group: row i counts for group `group_of[i]`."""
        groups = np.asarray(group_of, dtype=np.int64)
        return _summed(self.ms, groups, n_groups), _summed(self.idle_ms, groups, n_groups)

    def rows(self) -> dict[Hashable, SlotTimes]:
        """Each key's rows as plain values."""
        return {
            key: tuple(time_rows(ms, idle, self.codes))
            for key, ms, idle in zip(
                self.keys, self.ms.tolist(), self.idle_ms.tolist(), strict=True
            )
        }


def _summed(values: Int64s, groups: Int64s, n_groups: int) -> Int64s:
    """Rows of `values` added up per group, one `bincount` per column (`np.add.at` costs
    some 50 ns an element)."""
    flat = values.reshape(len(values), int(np.prod(values.shape[1:])))
    summed = np.zeros((n_groups, flat.shape[1]), dtype=np.int64)
    for column in range(flat.shape[1]):
        summed[:, column] = sums_at(groups, n_groups, flat[:, column])
    return summed.reshape(n_groups, *values.shape[1:])


def empty_table(n_slots: int) -> TimeTable:
    return TimeTable(
        (),
        (),
        np.zeros((0, n_slots, N_BUCKETS), dtype=np.int64),
        np.zeros((0, n_slots, 0), dtype=np.int64),
    )


def concat(tables: Sequence[TimeTable]) -> TimeTable:
    """The rows of every table, in order, with one set of idle codes."""
    codes: dict[str, None] = {}
    for table in tables:
        codes.update(dict.fromkeys(table.codes))
    merged = tuple(codes)
    aligned = [table.with_codes(merged) for table in tables]
    return TimeTable(
        tuple(key for table in aligned for key in table.keys),
        merged,
        np.concatenate([table.ms for table in aligned]),
        np.concatenate([table.idle_ms for table in aligned]),
    )


def time_rows(
    ms: Sequence[Sequence[int]], idle_ms: Sequence[Sequence[int]], codes: Sequence[str]
) -> list[TimeRow]:
    """One group's row per slot from plain lists (`tolist()`: a numpy element costs a call
    each): its (slots, buckets) ms and (slots, codes) idle ms."""
    no_codes = _NO_CODES
    return [
        (m[0], m[1], m[2], m[3], m[4], {codes[c]: v for c, v in enumerate(idle) if v} or no_codes)
        for m, idle in zip(ms, idle_ms, strict=True)
    ]


def time_tallies(
    ms: Sequence[Sequence[int]], idle_ms: Sequence[Sequence[int]], codes: Sequence[str]
) -> list[AgentTimeTally]:
    """One group's `AgentTimeTally` per slot (see `time_rows`)."""
    return [AgentTimeTally(*row) for row in time_rows(ms, idle_ms, codes)]


def time_table(
    spans: Iterable[AgentStateSpan] | SpanColumns,
    *,
    windows: Sequence[Window],
    now: datetime,
    key_of: Mapping[str, Hashable] | None = None,
) -> TimeTable:
    """Each span's overlap with each window, an open span lasting to `now`; added up per
    agent, or per `key_of[agent]` (a team; None for an agent it lacks) when given. Keys with
    no logged-in time in any window are left out. Times are floored to whole ms first."""
    columns = span_columns(spans)
    bucket = _BUCKET_OF_STATE[columns.state]
    counted = bucket >= 0
    if not counted.all():
        columns = columns.take(counted)
        bucket = bucket[counted]
    n_slots = len(windows)
    if len(columns) == 0:
        return empty_table(n_slots)
    # Keys for the agents present only: spans of a few agents may carry a center's id table.
    present, agent_row = np.unique(columns.agent, return_inverse=True)
    agent_ids = columns.agent_ids
    names = [agent_ids[code] for code in present.tolist()]
    key_names = names if key_of is None else [key_of.get(a) for a in names]
    key_codes: dict[Hashable, int] = {}
    key_of_agent = np.array(
        [key_codes.setdefault(name, len(key_codes)) for name in key_names], dtype=np.int64
    )
    n_keys, codes = len(key_codes), columns.idle_codes
    n_codes = len(codes)
    key = key_of_agent[agent_row.reshape(-1)]
    start_ms = columns.start_us // 1000
    end_ms = np.where(columns.end_us == MISSING, epoch_us(now) // 1000, columns.end_us // 1000)
    idle = bucket == IDLE
    idle_key = key[idle] * n_codes + columns.idle_code[idle]
    state_key = key * N_BUCKETS + bucket
    ms = np.empty((n_keys, n_slots, N_BUCKETS), dtype=np.int64)
    idle_ms = np.empty((n_keys, n_slots, n_codes), dtype=np.int64)
    for slot, window in enumerate(windows):
        overlap = np.maximum(
            np.minimum(end_ms, epoch_us(window.end) // 1000)
            - np.maximum(start_ms, epoch_us(window.start) // 1000),
            0,
        )
        ms[:, slot, :] = sums_at(state_key, n_keys * N_BUCKETS, overlap).reshape(n_keys, N_BUCKETS)
        idle_ms[:, slot, :] = sums_at(idle_key, n_keys * n_codes, overlap[idle]).reshape(
            n_keys, n_codes
        )
    ms[:, :, LOGGED_IN] = ms[:, :, AVAILABLE:].sum(axis=2)
    kept = np.flatnonzero(ms[:, :, LOGGED_IN].any(axis=1))
    keys = list(key_codes)
    return TimeTable(tuple(keys[i] for i in kept.tolist()), codes, ms[kept], idle_ms[kept])


def tally_time(
    spans: Iterable[AgentStateSpan] | SpanColumns,
    *,
    windows: Sequence[Window],
    now: datetime,
    key_of: Mapping[str, Hashable] | None = None,
) -> dict[Any, SlotTimes]:
    """`time_table` as plain rows per key."""
    return time_table(spans, windows=windows, now=now, key_of=key_of).rows()


def tally_agent_time(
    spans: Iterable[AgentStateSpan], *, windows: Sequence[Window], now: datetime
) -> dict[str, tuple[AgentTimeTally, ...]]:
    """Per agent, per window: where the agent's time went (open spans last until `now`)."""
    table = time_table(spans, windows=windows, now=now)
    return {
        str(key): tuple(time_tallies(ms, idle, table.codes))
        for key, ms, idle in zip(table.keys, table.ms.tolist(), table.idle_ms.tolist(), strict=True)
    }
