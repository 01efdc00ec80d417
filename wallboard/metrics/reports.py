"""Report figures over any range: queue summary, interval series and agent performance.

The same tallies and formulas as the live boards; only the windows differ.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from .agent_time import tally_agent_time
from .columns import NO_CODE, ContactColumns, contact_columns, epoch_us, sums_at
from .contacts import classify_columns, threshold_ms
from .figures import ContactFigures, figures_of_row
from .formulas import aht_s, mean_s, occupancy_pct
from .inputs import AgentStateSpan, Contact, MetricsConfig
from .periods import Window
from .tally import CellTally, merge_cells, tally_cells


@dataclass(frozen=True, slots=True)
class QueueSummary:
    """Per queue and for the center, over one window."""

    window: Window
    queues: Mapping[str, ContactFigures]
    center: ContactFigures


def queue_summary(
    contacts: Iterable[Contact] | ContactColumns, *, window: Window, config: MetricsConfig
) -> QueueSummary:
    series = interval_series(contacts, windows=(window,), config=config)
    return QueueSummary(
        window=window,
        queues={queue_id: figures[0] for queue_id, figures in series.queues.items()},
        center=series.center[0],
    )


@dataclass(frozen=True, slots=True)
class IntervalSeries:
    """Figures per interval (same order as `windows`), per queue and for the center."""

    windows: tuple[Window, ...]
    queues: Mapping[str, tuple[ContactFigures, ...]]
    center: tuple[ContactFigures, ...]


def interval_series(
    contacts: Iterable[Contact] | ContactColumns,
    *,
    windows: Sequence[Window],
    config: MetricsConfig,
) -> IntervalSeries:
    """Per-interval figures; build `windows` with `periods.interval_windows`."""
    n_slots = len(windows)
    cells = tally_cells(contacts, config=config, windows=windows)
    per_queue: dict[str, list[CellTally]] = {}
    for (queue_id, _), cell in cells.items():
        per_queue.setdefault(queue_id, []).append(cell)
    queue_cells = {q: merge_cells(members, n_slots) for q, members in per_queue.items()}
    center = merge_cells(queue_cells.values(), n_slots)
    return IntervalSeries(
        windows=tuple(windows),
        queues={q: tuple(map(figures_of_row, cell.slots)) for q, cell in queue_cells.items()},
        center=tuple(map(figures_of_row, center.slots)),
    )


@dataclass(frozen=True, slots=True)
class AgentPerformance:
    """One agent over one window. Totals in seconds; averages per handled contact."""

    agent_id: str
    handled: int
    aht_s: float | None
    avg_hold_s: float | None
    avg_wrapup_s: float | None
    talk_s: float
    hold_s: float
    wrapup_s: float
    transferred: int
    login_s: float
    available_s: float
    idle_s: float
    idle_s_by_code: Mapping[str, float]
    occupancy_pct: float | None


def agent_performance(
    contacts: Iterable[Contact] | ContactColumns,
    spans: Iterable[AgentStateSpan],
    *,
    window: Window,
    config: MetricsConfig,
    now: datetime,
) -> dict[str, AgentPerformance]:
    """Handled contacts (by end time), handle time parts and time by state, per agent.

    Open spans last until `now`; a window reaching past `now` counts only up to it.
    """
    handled = _handled_by_agent(contacts, window=window, config=config)
    counted = Window(window.start, max(window.start, min(window.end, now)))
    time_of = {
        agent_id: slots[0]
        for agent_id, slots in tally_agent_time(spans, windows=(counted,), now=now).items()
    }
    result: dict[str, AgentPerformance] = {}
    for agent_id in handled.keys() | time_of.keys():
        count, talk, hold, wrapup, transferred = handled.get(agent_id, (0, 0, 0, 0, 0))
        time = time_of.get(agent_id)
        result[agent_id] = AgentPerformance(
            agent_id=agent_id,
            handled=count,
            aht_s=aht_s(talk_ms=talk, hold_ms=hold, wrapup_ms=wrapup, handled=count),
            avg_hold_s=mean_s(hold, count),
            avg_wrapup_s=mean_s(wrapup, count),
            talk_s=talk / 1000.0,
            hold_s=hold / 1000.0,
            wrapup_s=wrapup / 1000.0,
            transferred=transferred,
            login_s=(time.logged_in_ms if time else 0) / 1000.0,
            available_s=(time.available_ms if time else 0) / 1000.0,
            idle_s=(time.idle_ms if time else 0) / 1000.0,
            idle_s_by_code={
                code: ms / 1000.0 for code, ms in (time.idle_ms_by_code if time else {}).items()
            },
            occupancy_pct=occupancy_pct(
                occupied_ms=time.occupied_ms if time else 0,
                available_ms=time.available_ms if time else 0,
            ),
        )
    return result


def _handled_by_agent(
    contacts: Iterable[Contact] | ContactColumns, *, window: Window, config: MetricsConfig
) -> dict[str, tuple[int, int, int, int, int]]:
    """Per agent: contacts handled that ended within `window`, their talk, hold and wrap-up
    ms, and how many of them were transferred."""
    columns = contact_columns(contacts)
    got = classify_columns(
        columns, short_abandon_threshold_ms=threshold_ms(config.short_abandon_threshold_s)
    )
    ended = columns.ended_us
    rows = (
        got.handled
        & (columns.agent != NO_CODE)
        & (ended >= epoch_us(window.start))
        & (ended < epoch_us(window.end))
    )
    agent = columns.agent[rows]
    n_agents = len(columns.agent_ids)
    sums = [
        sums_at(agent, n_agents),
        *(
            sums_at(agent, n_agents, values[rows])
            for values in (got.talk_ms, got.hold_ms, got.wrapup_ms)
        ),
        sums_at(agent, n_agents, columns.transfer_count[rows] > 0),
    ]
    return {
        columns.agent_ids[code]: totals
        for code, totals in enumerate(zip(*(s.tolist() for s in sums), strict=True))
        if totals[0]
    }
