"""Contacts as columns: one numpy array per field, what the engine tallies from.

A center's day is a hundred thousand contacts; counting them one Python object at a time
cost about a microsecond each, most of a rebuild. As columns, the one rule that decides how
a contact counts (`contacts.classify_columns`) and the tallies run as array operations.

Times are whole microseconds since the Unix epoch (int64), exact for any aware datetime;
durations are WxCC's milliseconds. A missing time or duration is `MISSING`. Queue and team
ids are codes into `queue_ids` / `team_ids` (code -1: none).

The selectors build columns straight from database rows (`build_columns`, times read as
epoch seconds); anything holding `Contact` objects converts them with `contact_columns`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from .inputs import OUTCOME_OF_HANDLE_TYPE, AgentState, AgentStateSpan, Contact, HandleType

Int64s = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Codes = npt.NDArray[np.int32]

MISSING = np.iinfo(np.int64).min
NO_CODE = -1
# WxCC's classification as a small int: the `Outcome` it decides, -1 for none. HandleType is
# a StrEnum, so its members and WxCC's plain words ("abandoned") find the same code.
NO_HANDLE_TYPE = -1
HANDLE_TYPE_CODES: dict[str, int] = {t: int(o) for t, o in OUTCOME_OF_HANDLE_TYPE.items()}

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_us(moment: datetime) -> int:
    """Whole microseconds since the epoch, exactly (an aware datetime)."""
    since = moment - _EPOCH
    return (since.days * 86_400 + since.seconds) * 1_000_000 + since.microseconds


def from_epoch_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def sums_at(at: npt.NDArray[np.integer[Any]], size: int, weights: Any = None) -> Int64s:
    """Per index below `size`: how many rows point at it (no weights), or the sum of their
    integer weights. Exact: weights are summed as float64, and every partial sum of ms here
    stays far below 2**53."""
    if weights is None:
        return np.bincount(at, minlength=size).astype(np.int64)
    return np.bincount(at, weights=weights, minlength=size).astype(np.int64)


@dataclass(frozen=True, slots=True, eq=False)
class ContactColumns:
    """Contacts, one array per field (row i of every array is contact i)."""

    queue_ids: tuple[str, ...]
    team_ids: tuple[str, ...]
    agent_ids: tuple[str, ...]
    # Per contact, as they came (object arrays; the tallies never read them): WxCC's task
    # id and channel, for `contacts()`.
    ids: npt.NDArray[np.object_]
    channel_types: npt.NDArray[np.object_]
    queue: Codes
    team: Codes
    agent: Codes
    arrived_us: Int64s
    answered_us: Int64s
    ended_us: Int64s
    created_us: Int64s
    handle_type: npt.NDArray[np.int8]
    queue_ms: Int64s
    talk_ms: Int64s
    hold_ms: Int64s
    wrapup_ms: Int64s
    transfer_count: Int64s
    is_open: Bools
    is_waiting: Bools

    def __len__(self) -> int:
        return len(self.arrived_us)

    def take(self, rows: npt.NDArray[Any]) -> ContactColumns:
        """The contacts at `rows` (a boolean mask or indices), with the same id codes."""
        return ContactColumns(
            self.queue_ids,
            self.team_ids,
            self.agent_ids,
            *(getattr(self, name)[rows] for name in _ARRAYS),
        )

    def contacts(self) -> list[Contact]:
        """The contacts as objects again (for tests and one-off reads; tallies use arrays)."""
        # Each name list with None last, where code -1 (none) finds it.
        queue_ids, team_ids, agent_ids = (
            (*names, None) for names in (self.queue_ids, self.team_ids, self.agent_ids)
        )
        handle_types = {code: HandleType(word) for word, code in HANDLE_TYPE_CODES.items()}

        def time(us: int) -> datetime | None:
            return None if us == MISSING else from_epoch_us(us)

        def duration(ms: int) -> int | None:
            return None if ms == MISSING else ms

        return [
            Contact(
                self.ids[i],
                queue_ids[self.queue[i]],
                agent_ids[self.agent[i]],
                team_ids[self.team[i]],
                self.channel_types[i],
                from_epoch_us(int(self.arrived_us[i])),
                time(int(self.answered_us[i])),
                time(int(self.ended_us[i])),
                handle_types.get(int(self.handle_type[i])),
                time(int(self.created_us[i])),
                duration(int(self.queue_ms[i])),
                duration(int(self.talk_ms[i])),
                duration(int(self.hold_ms[i])),
                duration(int(self.wrapup_ms[i])),
                int(self.transfer_count[i]),
                bool(self.is_open[i]),
                bool(self.is_waiting[i]),
            )
            for i in range(len(self))
        ]

    def of_queues(self, queue_ids: Iterable[str]) -> ContactColumns:
        """The contacts of these queues only."""
        wanted = set(queue_ids)
        codes = [code for code, queue_id in enumerate(self.queue_ids) if queue_id in wanted]
        return self.take(np.isin(self.queue, np.array(codes, dtype=np.int32)))


_ARRAYS = tuple(
    name
    for name in ContactColumns.__dataclass_fields__
    if name not in ("queue_ids", "team_ids", "agent_ids")
)


def build_columns(
    *,
    ids: Sequence[str],
    channel_types: Sequence[str],
    queue_ids: Sequence[Hashable | None],
    team_ids: Sequence[Hashable | None],
    agent_ids: Sequence[Hashable | None],
    arrived_us: Int64s,
    answered_us: Int64s,
    ended_us: Int64s,
    created_us: Int64s,
    handle_types: Sequence[int],
    queue_ms: Sequence[int | None],
    talk_ms: Sequence[int | None],
    hold_ms: Sequence[int | None],
    wrapup_ms: Sequence[int | None],
    transfer_counts: Sequence[int],
    is_open: Sequence[bool],
    is_waiting: Sequence[bool],
) -> ContactColumns:
    """Columns from one sequence per field (times already as epoch microseconds). Queue,
    team and agent ids may be the database's keys: each distinct one is named once, as
    text."""
    queue_names, queue = _factorized(queue_ids)
    team_names, team = _factorized(team_ids)
    agent_names, agent = _factorized(agent_ids)
    return ContactColumns(
        queue_names,
        team_names,
        agent_names,
        _objects(ids),
        _objects(channel_types),
        queue,
        team,
        agent,
        arrived_us,
        answered_us,
        ended_us,
        created_us,
        np.array(handle_types, dtype=np.int8),
        _ints(queue_ms),
        _ints(talk_ms),
        _ints(hold_ms),
        _ints(wrapup_ms),
        np.array(transfer_counts, dtype=np.int64),
        np.array(is_open, dtype=np.bool_),
        np.array(is_waiting, dtype=np.bool_),
    )


def _factorized(ids: Sequence[Hashable | None]) -> tuple[tuple[str, ...], Codes]:
    """(the distinct ids as text, each row's code into them; -1 for none)."""
    codes: dict[Hashable | None, int] = {None: NO_CODE}
    row_codes = [codes.setdefault(i, len(codes) - 1) for i in ids]
    names = tuple(str(i) for i in codes if i is not None)
    return names, np.array(row_codes, dtype=np.int32)


def _objects(values: Sequence[str]) -> npt.NDArray[np.object_]:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def seconds_to_us(seconds: Sequence[float | None] | npt.NDArray[np.float64]) -> Int64s:
    """Epoch seconds (floats exact to the microsecond, as PostgreSQL and SQLite return
    them; None for none) as whole microseconds: whole seconds and the fraction apart, so the
    float's own rounding is all that is rounded."""
    values = np.array(seconds, dtype=np.float64).reshape(len(seconds))  # None becomes NaN
    missing = np.isnan(values)
    values[missing] = 0.0
    whole = np.floor(values)
    us = whole.astype(np.int64) * 1_000_000 + np.rint((values - whole) * 1e6).astype(np.int64)
    us[missing] = MISSING
    return us


def _ints(values: Sequence[int | None]) -> Int64s:
    return np.array([MISSING if v is None else v for v in values], dtype=np.int64).reshape(
        len(values)
    )


# Within this many seconds of the epoch (1834 to 2106), a float timestamp is within a
# quarter of a microsecond of the moment, so `seconds_to_us` recovers it exactly.
_FLOAT_EXACT_S = 2.0**32


def times_us(moments: Iterable[datetime | None]) -> Int64s:
    """Aware datetimes (or None) as exact epoch microseconds. `datetime.timestamp` (in C) is
    a fifth of the cost of integer arithmetic on the difference from the epoch, and exact
    where it is used; moments outside that range are converted by parts."""
    listed = moments if isinstance(moments, list | tuple) else list(moments)
    seconds = np.array(
        [math.nan if m is None else m.timestamp() for m in listed], dtype=np.float64
    ).reshape(len(listed))
    us = seconds_to_us(seconds)
    for index in np.flatnonzero(np.abs(seconds) >= _FLOAT_EXACT_S).tolist():
        moment = listed[index]
        if moment is not None:
            us[index] = epoch_us(moment)
    return us


def contact_columns(contacts: Iterable[Contact] | ContactColumns) -> ContactColumns:
    """Contacts as columns (columns are returned as they are). Times convert exactly."""
    if isinstance(contacts, ContactColumns):
        return contacts
    listed = contacts if isinstance(contacts, list) else list(contacts)
    codes = HANDLE_TYPE_CODES
    return build_columns(
        ids=[c.id for c in listed],
        channel_types=[c.channel_type for c in listed],
        queue_ids=[c.queue_id for c in listed],
        team_ids=[c.team_id for c in listed],
        agent_ids=[c.agent_id for c in listed],
        arrived_us=times_us(c.arrived_at for c in listed),
        answered_us=times_us(c.answered_at for c in listed),
        ended_us=times_us(c.ended_at for c in listed),
        created_us=times_us(c.created_at for c in listed),
        handle_types=[
            NO_HANDLE_TYPE if c.handle_type is None else codes[c.handle_type] for c in listed
        ],
        queue_ms=[c.queue_ms for c in listed],
        talk_ms=[c.talk_ms for c in listed],
        hold_ms=[c.hold_ms for c in listed],
        wrapup_ms=[c.wrapup_ms for c in listed],
        transfer_counts=[c.transfer_count for c in listed],
        is_open=[c.is_open for c in listed],
        is_waiting=[c.is_waiting for c in listed],
    )


# Agent states in a fixed order: a span's state is its index here.
STATES: tuple[AgentState, ...] = tuple(AgentState)
_STATE_CODES = {state: code for code, state in enumerate(STATES)}


@dataclass(frozen=True, slots=True, eq=False)
class SpanColumns:
    """Agent state spans, one array per field; `end_us` is `MISSING` while a span lasts."""

    agent_ids: tuple[str, ...]
    idle_codes: tuple[str, ...]
    agent: Codes
    state: Codes  # index into STATES
    start_us: Int64s
    end_us: Int64s
    idle_code: Codes  # index into idle_codes

    def __len__(self) -> int:
        return len(self.start_us)

    def take(self, rows: npt.NDArray[Any]) -> SpanColumns:
        return SpanColumns(
            self.agent_ids,
            self.idle_codes,
            self.agent[rows],
            self.state[rows],
            self.start_us[rows],
            self.end_us[rows],
            self.idle_code[rows],
        )

    def of_agents(self, agent_ids: Iterable[str]) -> SpanColumns:
        """The spans of these agents only."""
        return self.take(self._of(agent_ids))

    def except_agents(self, agent_ids: Iterable[str]) -> SpanColumns:
        """The spans of every other agent."""
        return self.take(~self._of(agent_ids))

    def _of(self, agent_ids: Iterable[str]) -> Bools:
        wanted = set(agent_ids)
        codes = [code for code, agent_id in enumerate(self.agent_ids) if agent_id in wanted]
        return np.isin(self.agent, np.array(codes, dtype=np.int32))

    def present_agent_ids(self) -> set[str]:
        """The agents that have spans here (the id table may name more)."""
        return {self.agent_ids[code] for code in np.unique(self.agent).tolist()}

    def __add__(self, other: SpanColumns) -> SpanColumns:
        """These spans, then `other`'s, with one id table for both."""
        agent_ids, other_agents = merged_ids(self.agent_ids, other.agent_ids)
        idle_codes, other_codes = merged_ids(self.idle_codes, other.idle_codes)
        return SpanColumns(
            agent_ids,
            idle_codes,
            np.concatenate([self.agent, other_agents[other.agent]]),
            np.concatenate([self.state, other.state]),
            np.concatenate([self.start_us, other.start_us]),
            np.concatenate([self.end_us, other.end_us]),
            np.concatenate([self.idle_code, other_codes[other.idle_code]]),
        )

    def spans(self) -> list[AgentStateSpan]:
        """The spans as objects again (open spans kept between updates; tests)."""
        return [
            AgentStateSpan(
                self.agent_ids[agent],
                STATES[state],
                from_epoch_us(start),
                None if end == MISSING else from_epoch_us(end),
                self.idle_codes[code],
            )
            for agent, state, start, end, code in zip(
                self.agent.tolist(),
                self.state.tolist(),
                self.start_us.tolist(),
                self.end_us.tolist(),
                self.idle_code.tolist(),
                strict=True,
            )
        ]


_Id = TypeVar("_Id", bound=Hashable | None)


def merged_ids(
    ids: tuple[_Id, ...], more: tuple[_Id, ...]
) -> tuple[tuple[_Id, ...], npt.NDArray[np.int32]]:
    """(`ids` followed by those of `more` it lacks, each of `more`'s codes in it): two
    code tables as one."""
    index = {name: code for code, name in enumerate(ids)}
    codes = [index.setdefault(name, len(index)) for name in more]
    return tuple(index), np.array(codes, dtype=np.int32)


def build_span_columns(
    *,
    agent_ids: Sequence[Hashable],
    states: Sequence[AgentState],
    starts_us: Sequence[int],
    ends_us: Sequence[int],
    idle_codes: Sequence[str],
) -> SpanColumns:
    """Columns from one sequence per field (times as epoch microseconds, `MISSING` for an
    open end)."""
    agent_names, agent = _factorized(agent_ids)
    code_names: dict[str, int] = {}
    code_of = [code_names.setdefault(code, len(code_names)) for code in idle_codes]
    state_codes = _STATE_CODES
    return SpanColumns(
        agent_names,
        tuple(code_names),
        agent,
        np.array([state_codes[s] for s in states], dtype=np.int32),
        np.array(starts_us, dtype=np.int64).reshape(len(starts_us)),
        np.array(ends_us, dtype=np.int64).reshape(len(ends_us)),
        np.array(code_of, dtype=np.int32),
    )


def span_columns(spans: Iterable[AgentStateSpan] | SpanColumns) -> SpanColumns:
    """Spans as columns (columns are returned as they are). Times convert exactly."""
    if isinstance(spans, SpanColumns):
        return spans
    listed = spans if isinstance(spans, list) else list(spans)
    return build_span_columns(
        agent_ids=[s.agent_id for s in listed],
        states=[s.state for s in listed],
        starts_us=[epoch_us(s.start) for s in listed],
        ends_us=[MISSING if s.end is None else epoch_us(s.end) for s in listed],
        idle_codes=[s.idle_code for s in listed],
    )
