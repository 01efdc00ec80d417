"""Agents added up per team, per queue (its serving teams) and for the center, as arrays,
then made into the `AgentGroupFigures` boards read, all groups at once.

Counts and time per team come from the agent table and the per-agent time table in a few
array operations; a queue's or the center's are the sums of its teams' rows (one matrix
product for every queue). The figures are made from plain lists, not array elements, which
cost a numpy call each.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np

from .agent_table import AgentTable
from .agent_time import TimeTable, time_table, time_tallies
from .agents import AgentCounts
from .columns import Int64s, SpanColumns
from .periods import PERIODS, Window
from .snapshot import AgentGroupFigures, AgentTallies


def roll_up_agents(
    *,
    statuses: AgentTable,
    closed: TimeTable,
    open_spans: SpanColumns,
    windows: Sequence[Window],
    now: datetime,
    queue_team_ids: Mapping[str, frozenset[str]],
    previous: AgentTallies | None = None,
    dirty_teams: Collection[str | None] | None = None,
) -> AgentTallies:
    """Every team's, queue's and the center's agent figures: counts now, finished spans and
    open ones up to `now`, as array sums.

    With `previous` and `dirty_teams` (a change of some agents), the other teams keep their
    time and figures as of their last tally, as the engine's other groups do between
    refreshes; only the changed teams, the queues they serve and the center are made anew."""
    team_of = statuses.team_of()
    counted_teams, counts, count_codes, idle_counts = statuses.counts_by_team()
    open_times = time_table(open_spans, windows=windows, now=now, key_of=team_of)
    row_of: dict[str | None, int] = {team: row for row, team in enumerate(counted_teams)}
    closed_rows = [row_of.setdefault(team_of.get(str(a)), len(row_of)) for a in closed.keys]
    open_rows = [row_of.setdefault(t, len(row_of)) for t in open_times.keys]  # type: ignore[arg-type]
    teams = tuple(row_of)
    kept = _kept_teams(previous, dirty_teams, teams)
    earlier = previous.team_times.codes if previous is not None and kept else ()
    codes = tuple(dict.fromkeys(closed.codes + open_times.codes + earlier))
    closed_ms, closed_idle = closed.with_codes(codes).summed(closed_rows, len(teams))
    open_ms, open_idle = open_times.with_codes(codes).summed(open_rows, len(teams))
    ms, idle_ms = closed_ms + open_ms, closed_idle + open_idle
    if previous is not None and kept:
        before = previous.team_times.with_codes(codes)
        before_row = {team: row for row, team in enumerate(before.keys)}
        rows = [row_of[team] for team in kept]
        ms[rows] = before.ms[[before_row[team] for team in kept]]
        idle_ms[rows] = before.idle_ms[[before_row[team] for team in kept]]
    # Teams with time but no agent now count no agents.
    counts = _padded(counts, len(teams))
    idle_counts = _padded(idle_counts, len(teams))
    queue_ids = list(queue_team_ids)
    serving = np.zeros((len(queue_ids), len(teams)), dtype=np.int64)
    for queue_row, queue_id in enumerate(queue_ids):
        for team in queue_team_ids[queue_id]:
            if team in row_of:
                serving[queue_row, row_of[team]] = 1
    # Groups: every team, every queue, the center; made anew unless kept.
    group_keys: list[tuple[str, Any]] = [("team", t) for t in teams]
    group_keys += [("queue", q) for q in queue_ids] + [("center", None)]
    reused = _reused_groups(previous, kept, queue_team_ids)
    made = [row for row, key in enumerate(group_keys) if key not in reused]
    fresh = figures_of_rows(
        _per_group(counts, serving)[made],
        _per_group(idle_counts, serving)[made],
        count_codes,
        _per_group(ms, serving)[made],
        _per_group(idle_ms, serving)[made],
        codes,
    )
    figures = dict(reused)
    figures.update(zip([group_keys[row] for row in made], fresh, strict=True))
    return AgentTallies(
        statuses=statuses,
        closed=closed,
        open_spans=open_spans,
        team_times=TimeTable(teams, codes, ms, idle_ms),
        team_groups={t: figures[("team", t)] for t in teams},
        queue_groups={q: figures[("queue", q)] for q in queue_ids},
        center_group=figures[("center", None)],
    )


def _kept_teams(
    previous: AgentTallies | None,
    dirty_teams: Collection[str | None] | None,
    teams: Sequence[str | None],
) -> list[str | None]:
    """The teams that keep their last tally: known before and not changed."""
    if previous is None or dirty_teams is None:
        return []
    known = set(previous.team_times.keys)
    return [t for t in teams if t not in dirty_teams and t in known and t in previous.team_groups]


def _reused_groups(
    previous: AgentTallies | None,
    kept: Collection[str | None],
    queue_team_ids: Mapping[str, frozenset[str]],
) -> dict[tuple[str, Any], AgentGroupFigures]:
    """The kept teams' figures, and those of queues served by kept teams only."""
    if previous is None or not kept:
        return {}
    kept_set = set(kept)
    reused: dict[tuple[str, Any], AgentGroupFigures] = {
        ("team", t): previous.team_groups[t] for t in kept
    }
    for queue_id, serving in queue_team_ids.items():
        if queue_id in previous.queue_groups and all(t in kept_set for t in serving):
            reused[("queue", queue_id)] = previous.queue_groups[queue_id]
    return reused


def _padded(rows: Int64s, n_rows: int) -> Int64s:
    if len(rows) == n_rows:
        return rows
    padded = np.zeros((n_rows, rows.shape[1]), dtype=np.int64)
    padded[: len(rows)] = rows
    return padded


def _per_group(per_team: Int64s, serving: Int64s) -> Int64s:
    """Rows for every team, then every queue (the sum of its serving teams' rows), then the
    center (all teams). The queues' sums are one matrix product in float64, exact: every
    sum of counts or ms here stays far below 2**53."""
    flat = per_team.reshape(len(per_team), int(np.prod(per_team.shape[1:])))
    queues = np.rint(serving.astype(np.float64) @ flat.astype(np.float64)).astype(np.int64)
    rows = np.concatenate([flat, queues, flat.sum(axis=0, keepdims=True)])
    return rows.reshape(len(rows), *per_team.shape[1:])


def figures_of_rows(
    counts: Int64s,
    idle_counts: Int64s,
    count_codes: Sequence[str],
    ms: Int64s,
    idle_ms: Int64s,
    time_codes: Sequence[str],
) -> list[AgentGroupFigures]:
    """One group's figures per row: counts in `AgentCounts` field order, (slots, buckets)
    of time, idle counts and idle ms per code."""
    figures = []
    for count_row, idle_row, ms_slots, idle_slots in zip(
        counts.tolist(), idle_counts.tolist(), ms.tolist(), idle_ms.tolist(), strict=True
    ):
        tallies = time_tallies(ms_slots, idle_slots, time_codes)
        figures.append(
            AgentGroupFigures(
                counts=AgentCounts(
                    count_row[0],
                    count_row[1],
                    count_row[2],
                    count_row[3],
                    count_row[4],
                    count_row[5],
                    count_row[6],
                    {count_codes[c]: v for c, v in enumerate(idle_row) if v},
                ),
                occupancy_pct={
                    period: tally.occupancy_pct
                    for period, tally in zip(PERIODS, tallies, strict=True)
                },
                time=dict(zip(PERIODS, tallies, strict=True)),
            )
        )
    return figures
