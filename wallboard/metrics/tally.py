"""Mergeable contact accumulators and the one pass that fills them.

A tally holds only counts, sums and maxima, so tallies of queues add up to a team's or the
center's without reading contacts again. The pass keys tallies by cell (queue, team of the
handling agent) and by slot (a period or an interval): offered, answered, abandoned, service
level and waits count in the slot the contact arrived in; handle time in the slot it ended in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt

from .columns import NO_CODE, ContactColumns, contact_columns, epoch_us, from_epoch_us, sums_at
from .contacts import Outcome, classify_columns, threshold_ms
from .inputs import Contact, MetricsConfig
from .periods import Window

CellKey = tuple[str, str | None]  # (queue id, team id of the handling agent)

# A tally as a plain tuple of ints in ContactTally's field order (max wait -1 for none):
# what cells keep, because adding tuples is far cheaper than adding dataclasses.
Row = tuple[int, ...]
(
    _OFFERED,
    _ANSWERED,
    _ANSWERED_IN,
    _ABANDONED,
    _ABANDONED_IN,
    _SHORT,
    _ANSWER_WAIT,
    _WAIT,
    _MAX_WAIT,
    _HANDLED,
    _TALK,
    _HOLD,
    _WRAPUP,
    _TRANSFERRED,
) = range(14)
_N_FIELDS = 14
_NO_MAX = -1
EMPTY_ROW: Row = (0,) * _MAX_WAIT + (_NO_MAX,) + (0,) * (13 - _MAX_WAIT)


def merge_rows(rows: Iterable[Row]) -> Row:
    """Add tallies: sums and counts add, the maximum wait is the largest."""
    row_list = rows if isinstance(rows, list) else list(rows)
    if not row_list:
        return EMPTY_ROW
    if len(row_list) == 1:
        return row_list[0]
    totals = list(map(sum, zip(*row_list, strict=True)))
    totals[_MAX_WAIT] = max(row[_MAX_WAIT] for row in row_list)
    return tuple(totals)


@dataclass(frozen=True, slots=True)
class ContactTally:
    """Counts and sums for a set of contacts over one slot. Times in ms."""

    offered: int = 0
    answered: int = 0
    answered_within_t: int = 0
    abandoned: int = 0
    abandoned_within_t: int = 0
    short_abandoned: int = 0
    answer_wait_ms: int = 0
    wait_ms: int = 0  # answered and abandoned (short abandons excluded)
    max_wait_ms: int | None = None
    handled: int = 0
    talk_ms: int = 0
    hold_ms: int = 0
    wrapup_ms: int = 0
    transferred: int = 0

    @classmethod
    def from_row(cls, row: Row) -> ContactTally:
        return cls(
            offered=row[_OFFERED],
            answered=row[_ANSWERED],
            answered_within_t=row[_ANSWERED_IN],
            abandoned=row[_ABANDONED],
            abandoned_within_t=row[_ABANDONED_IN],
            short_abandoned=row[_SHORT],
            answer_wait_ms=row[_ANSWER_WAIT],
            wait_ms=row[_WAIT],
            max_wait_ms=None if row[_MAX_WAIT] == _NO_MAX else row[_MAX_WAIT],
            handled=row[_HANDLED],
            talk_ms=row[_TALK],
            hold_ms=row[_HOLD],
            wrapup_ms=row[_WRAPUP],
            transferred=row[_TRANSFERRED],
        )

    def row(self) -> Row:
        values = [getattr(self, f.name) for f in fields(self)]
        if values[_MAX_WAIT] is None:
            values[_MAX_WAIT] = _NO_MAX
        return tuple(values)

    def __add__(self, other: ContactTally) -> ContactTally:
        return ContactTally.from_row(merge_rows([self.row(), other.row()]))


@dataclass(frozen=True, slots=True)
class WaitingTally:
    """Contacts waiting now, and since when the oldest of them has waited."""

    waiting: int = 0
    oldest_arrived_at: datetime | None = None

    def __add__(self, other: WaitingTally) -> WaitingTally:
        return merge_waiting_tallies((self, other))


def merge_waiting_tallies(tallies: Iterable[WaitingTally]) -> WaitingTally:
    waiting = 0
    oldest: datetime | None = None
    for tally in tallies:
        waiting += tally.waiting
        if tally.oldest_arrived_at is not None and (
            oldest is None or tally.oldest_arrived_at < oldest
        ):
            oldest = tally.oldest_arrived_at
    return WaitingTally(waiting, oldest)


@dataclass(frozen=True, slots=True)
class CellTally:
    """One cell's tallies: one row per slot, plus who is waiting now."""

    slots: tuple[Row, ...]
    waiting: WaitingTally

    def tally(self, slot: int) -> ContactTally:
        return ContactTally.from_row(self.slots[slot])


def merge_cells(cells: Iterable[CellTally], n_slots: int) -> CellTally:
    """Add cells slot by slot: a queue from its cells, a team or the center likewise."""
    cell_list = list(cells)
    if len(cell_list) == 1:
        return cell_list[0]
    return CellTally(
        tuple(merge_rows([cell.slots[slot] for cell in cell_list]) for slot in range(n_slots)),
        merge_waiting_tallies(cell.waiting for cell in cell_list),
    )


def segment_slots(windows: Sequence[Window]) -> tuple[list[datetime], list[tuple[int, ...]]]:
    """Precompute which windows contain a moment, by elementary segment.

    Between two consecutive window boundaries the set of containing windows is constant, so
    `lookup[bisect_right(points, moment)]` gives the slots of `moment` with one binary search,
    whether windows overlap (today and the rolling periods) or follow one another (intervals).
    """
    points = sorted({w.start for w in windows} | {w.end for w in windows})
    lookup: list[tuple[int, ...]] = [()]
    for lo, hi in pairwise(points):
        lookup.append(
            tuple(slot for slot, w in enumerate(windows) if w.start <= lo and hi <= w.end)
        )
    lookup.append(())
    return points, lookup


def tally_cells(
    contacts: Iterable[Contact] | ContactColumns,
    *,
    config: MetricsConfig,
    windows: Sequence[Window],
) -> dict[CellKey, CellTally]:
    """Contacts into per-cell, per-window tallies, as array operations over their columns.

    Contacts that never reached a queue (no queue id) count nowhere: they were never offered.

    Each contact adds to one segment between two window boundaries (the one it arrived in,
    and for its handle time the one it ended in), whatever the number of windows holding it;
    each window's tally is then the sum of its segments, once per cell.
    """
    columns = contact_columns(contacts)
    points, lookup = segment_slots(windows)
    n_segments = len(lookup)
    offered = columns.queue != NO_CODE
    if not offered.all():
        columns = columns.take(offered)
    if len(columns) == 0:
        return {}
    got = classify_columns(
        columns, short_abandon_threshold_ms=threshold_ms(config.short_abandon_threshold_s)
    )
    # Cells by (queue code, team code + 1: no team is 0), numbered in that order.
    n_team_codes = len(columns.team_ids) + 1
    pair = columns.queue.astype(np.int64) * n_team_codes + columns.team + 1
    present = np.bincount(pair, minlength=len(columns.queue_ids) * n_team_codes) > 0
    cell_keys = np.flatnonzero(present)
    cell_of = (np.cumsum(present) - 1)[pair]
    n_cells = len(cell_keys)
    points_us = np.array([epoch_us(p) for p in points], dtype=np.int64)
    arrived_in = cell_of * n_segments + np.searchsorted(points_us, columns.arrived_us, "right")
    size = n_cells * n_segments
    outcome, waited = got.outcome, got.waited_ms
    sl_ms = np.array(
        [threshold_ms(config.service_level_threshold_s(q)) for q in columns.queue_ids],
        dtype=np.int64,
    )
    within_t = waited <= sl_ms[columns.queue]
    is_answered = outcome == Outcome.ANSWERED
    is_abandoned = outcome == Outcome.ABANDONED
    waited_for = is_answered | is_abandoned  # short abandons and open contacts have no wait
    # Per (cell, segment), a `Row`: counts and waits where the contact arrived.
    acc = np.zeros((size, _N_FIELDS), dtype=np.int64)
    acc[:, _OFFERED] = sums_at(arrived_in, size)
    # Counts as sums of 0/1 weights: no copy of the indices per field.
    for field, weights in (
        (_ANSWERED, is_answered),
        (_ANSWERED_IN, is_answered & within_t),
        (_ABANDONED, is_abandoned),
        (_ABANDONED_IN, is_abandoned & within_t),
        (_SHORT, outcome == Outcome.SHORT_ABANDONED),
        (_ANSWER_WAIT, np.where(is_answered, waited, 0)),
        (_WAIT, np.where(waited_for, waited, 0)),
    ):
        acc[:, field] = sums_at(arrived_in, size, weights)
    longest = np.full(size, _NO_MAX, dtype=np.int64)
    np.maximum.at(longest, arrived_in[waited_for], waited[waited_for])
    acc[:, _MAX_WAIT] = longest
    # Handle time where the contact ended.
    handled = got.handled
    ended_in = cell_of[handled] * n_segments + np.searchsorted(
        points_us, columns.ended_us[handled], "right"
    )
    handle_parts: tuple[tuple[int, npt.NDArray[Any] | None], ...] = (
        (_HANDLED, None),
        (_TALK, got.talk_ms),
        (_HOLD, got.hold_ms),
        (_WRAPUP, got.wrapup_ms),
        (_TRANSFERRED, columns.transfer_count > 0),
    )
    for field, weights in handle_parts:
        acc[:, field] = sums_at(ended_in, size, None if weights is None else weights[handled])
    waiting = (outcome == Outcome.OPEN) & columns.is_open & columns.is_waiting
    waiting_count = sums_at(cell_of[waiting], n_cells)
    oldest = np.full(n_cells, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(oldest, cell_of[waiting], columns.arrived_us[waiting])

    rows = _slot_rows(acc.reshape(n_cells, n_segments, _N_FIELDS), lookup, len(windows))
    queue_ids, team_ids = columns.queue_ids, (None, *columns.team_ids)
    cells: dict[CellKey, CellTally] = {}
    for index, key in enumerate(cell_keys.tolist()):
        queue_code, team_code = divmod(key, n_team_codes)
        count = int(waiting_count[index])
        cells[(queue_ids[queue_code], team_ids[team_code])] = CellTally(
            tuple(map(tuple, rows[index])),
            WaitingTally(count, from_epoch_us(int(oldest[index])) if count else None),
        )
    return cells


def _slot_rows(
    acc: npt.NDArray[np.int64], lookup: Sequence[tuple[int, ...]], n_slots: int
) -> list[list[list[int]]]:
    """Per cell, per window: its segments' rows added (the longest wait: the largest)."""
    slots = np.empty((acc.shape[0], n_slots, _N_FIELDS), dtype=np.int64)
    for slot in range(n_slots):
        member = acc[:, [segment for segment, held in enumerate(lookup) if slot in held], :]
        slots[:, slot, :] = member.sum(axis=1)
        slots[:, slot, _MAX_WAIT] = member[:, :, _MAX_WAIT].max(axis=1, initial=_NO_MAX)
    result: list[list[list[int]]] = slots.tolist()
    return result
