"""Mergeable contact accumulators and the one pass that fills them.

A tally holds only counts, sums and maxima, so tallies of queues add up to a team's or the
center's without reading contacts again. The pass keys tallies by cell (queue, team of the
handling agent) and by slot (a period or an interval): offered, answered, abandoned, service
level and waits count in the slot the contact arrived in; handle time in the slot it ended in.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from itertools import pairwise

from .contacts import Outcome, classify_positional, threshold_ms
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


_NEVER = datetime.min.replace(tzinfo=UTC)


def _longest_segment(points: Sequence[datetime]) -> int:
    """The index (as `segment_slots` numbers them) of the longest segment between two
    window boundaries; 0 when there is none."""
    lengths = [(hi - lo, index) for index, (lo, hi) in enumerate(pairwise(points), start=1)]
    return max(lengths, key=lambda item: item[0])[1] if lengths else 0


def tally_cells(
    contacts: Iterable[Contact],
    *,
    config: MetricsConfig,
    windows: Sequence[Window],
) -> dict[CellKey, CellTally]:
    """One pass over contacts into per-cell, per-window tallies.

    Contacts that never reached a queue (no queue id) count nowhere: they were never offered.

    The pass adds each contact once, to the segment between two window boundaries it arrived
    (and ended) in, whatever the number of windows holding it; each window's tally is then the
    sum of its segments, once per cell.
    """
    points, lookup = segment_slots(windows)
    n_segments = len(lookup)
    # Most contacts arrive and end in the longest segment (on a board, today before the
    # rolling hour): two comparisons find it, cheaper than a bisection.
    wide = _longest_segment(points)
    # Without windows, an empty range that holds no moment.
    wide_start, wide_end = (points[wide - 1], points[wide]) if wide else (_NEVER, _NEVER)
    short_ms = threshold_ms(config.short_abandon_threshold_s)
    # Per queue, per team: an accumulator per segment (fields `_ACC_*` below) and the queue's
    # service-level threshold. Two lookups by string are cheaper than one by a tuple.
    cells: dict[str, dict[str | None, tuple[list[list[int]], int]]] = {}
    waiting_count: dict[CellKey, int] = {}
    oldest_waiting: dict[CellKey, datetime] = {}
    answered, abandoned, still_open = Outcome.ANSWERED, Outcome.ABANDONED, Outcome.OPEN
    count_of = classify_positional

    for contact in contacts:
        queue_id = contact.queue_id
        if queue_id is None:
            continue
        team_id = contact.team_id
        queue_cells = cells.get(queue_id)
        if queue_cells is None:
            queue_cells = cells[queue_id] = {}
        found = queue_cells.get(team_id)
        if found is None:
            found = queue_cells[team_id] = (
                [list(_EMPTY_ACC) for _ in range(n_segments)],
                threshold_ms(config.service_level_threshold_s(queue_id)),
            )
        accs, sl_ms = found
        outcome, waited, handled, talk, hold, wrapup = count_of(contact, short_ms)
        arrived_at = contact.arrived_at
        if wide_start <= arrived_at < wide_end:
            acc = accs[wide]
        else:
            acc = accs[bisect_right(points, arrived_at)]

        if outcome is answered:
            acc[_ACC_ANSWERED] += 1
            acc[_ACC_ANSWER_WAIT] += waited
            if waited <= sl_ms:
                acc[_ACC_ANSWERED_IN] += 1
            if waited > acc[_ACC_MAX_WAIT]:
                acc[_ACC_MAX_WAIT] = waited
        elif outcome is abandoned:
            acc[_ACC_ABANDONED] += 1
            acc[_ACC_ABANDON_WAIT] += waited
            if waited <= sl_ms:
                acc[_ACC_ABANDONED_IN] += 1
            if waited > acc[_ACC_MAX_WAIT]:
                acc[_ACC_MAX_WAIT] = waited
        elif outcome is still_open:
            acc[_ACC_OPEN] += 1
            if contact.is_open and contact.is_waiting:
                key = (queue_id, team_id)
                waiting_count[key] = waiting_count.get(key, 0) + 1
                oldest = oldest_waiting.get(key)
                if oldest is None or arrived_at < oldest:
                    oldest_waiting[key] = arrived_at
            continue
        else:
            acc[_ACC_SHORT] += 1

        ended_at = contact.ended_at
        if handled and ended_at is not None:  # a handled contact has ended
            if wide_start <= ended_at < wide_end:
                acc = accs[wide]
            else:
                acc = accs[bisect_right(points, ended_at)]
            acc[_ACC_HANDLED] += 1
            acc[_ACC_TALK] += talk
            acc[_ACC_HOLD] += hold
            acc[_ACC_WRAPUP] += wrapup
            if contact.transfer_count > 0:
                acc[_ACC_TRANSFERRED] += 1

    segments_of_slot = [
        [segment for segment, slots in enumerate(lookup) if slot in slots]
        for slot in range(len(windows))
    ]
    return {
        (queue_id, team_id): CellTally(
            tuple(
                _acc_row(_add_accs([accs[s] for s in segments])) for segments in segments_of_slot
            ),
            WaitingTally(
                waiting_count.get((queue_id, team_id), 0),
                oldest_waiting.get((queue_id, team_id)),
            ),
        )
        for queue_id, queue_cells in cells.items()
        for team_id, (accs, _) in queue_cells.items()
    }


# What `tally_cells` adds per contact and segment, fewer fields than a `Row` (offered and the
# wait of answered and abandoned are sums of these): answered, their wait, answered within
# T; abandoned, their wait, abandoned within T; short abandoned; open; the longest wait
# (-1 for none); handled, talk, hold, wrap-up; transferred.
(
    _ACC_ANSWERED,
    _ACC_ANSWER_WAIT,
    _ACC_ANSWERED_IN,
    _ACC_ABANDONED,
    _ACC_ABANDON_WAIT,
    _ACC_ABANDONED_IN,
    _ACC_SHORT,
    _ACC_OPEN,
    _ACC_MAX_WAIT,
    _ACC_HANDLED,
    _ACC_TALK,
    _ACC_HOLD,
    _ACC_WRAPUP,
    _ACC_TRANSFERRED,
) = range(14)
_EMPTY_ACC = (0,) * _ACC_MAX_WAIT + (_NO_MAX,) + (0,) * (13 - _ACC_MAX_WAIT)


def _add_accs(accs: list[list[int]]) -> list[int]:
    if len(accs) == 1:
        return accs[0]
    total = list(map(sum, zip(*accs, strict=True))) if accs else list(_EMPTY_ACC)
    total[_ACC_MAX_WAIT] = max((acc[_ACC_MAX_WAIT] for acc in accs), default=_NO_MAX)
    return total


def _acc_row(acc: list[int]) -> Row:
    (
        n_answered,
        answer_wait,
        answered_in,
        n_abandoned,
        abandon_wait,
        abandoned_in,
        n_short,
        n_open,
        max_wait,
        handled,
        talk,
        hold,
        wrapup,
        transferred,
    ) = acc
    return (
        n_answered + n_abandoned + n_short + n_open,
        n_answered,
        answered_in,
        n_abandoned,
        abandoned_in,
        n_short,
        answer_wait,
        answer_wait + abandon_wait,
        max_wait,
        handled,
        talk,
        hold,
        wrapup,
        transferred,
    )
