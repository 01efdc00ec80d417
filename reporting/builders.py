"""Each report as a table (and, for intervals, a chart), built from the cache with the
metrics engine's own reports and classification: no formula is computed here.

A `ReportDocument` is what every renderer (CSV, PDF, the browser) reads. Rows are typed
values (counts, seconds, percentages, aware datetimes, text); renderers format them. Rows
are produced lazily, so a CSV of a million rows streams.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from oauth.models import Organization
from wallboard.metrics import (
    AgentState,
    ContactFigures,
    Outcome,
    agent_performance,
    interval_series,
    interval_windows,
    queue_summary,
)
from wallboard.metrics.contacts import outcomes_and_waits, threshold_ms

from . import selectors
from .interval_totals import (
    IntervalChart,
    IntervalTotals,
    interval_chart,
    interval_totals,
    totals_windows,
)
from .models import ReportKind
from .ranges import DayRange

CENTER_LABEL = "All queues"


class ColumnKind(StrEnum):
    TEXT = "text"
    COUNT = "count"
    SECONDS = "seconds"
    PCT = "pct"
    TIMESTAMP = "timestamp"


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    kind: ColumnKind = ColumnKind.TEXT


Row = tuple[Any, ...]


@dataclass(frozen=True)
class ReportSpec:
    """What to build: a report kind over local days of the org's zone."""

    kind: ReportKind
    days: DayRange
    interval_minutes: int = 30


@dataclass(frozen=True)
class ReportDocument:
    kind: ReportKind
    title: str
    org_name: str
    zone: ZoneInfo
    days: DayRange
    generated_at: datetime
    columns: tuple[Column, ...]
    rows: Iterable[Row]
    chart: IntervalChart | None = None
    interval_minutes: int | None = None
    # The interval report's day and range totals (what its PDF shows beside the chart).
    interval_totals: IntervalTotals | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def range_label(self) -> str:
        return self.days.label()


CONTACT_COLUMNS = (
    Column("offered", "Offered", ColumnKind.COUNT),
    Column("answered", "Answered", ColumnKind.COUNT),
    Column("abandoned", "Abandoned", ColumnKind.COUNT),
    Column("short_abandoned", "Short abandoned", ColumnKind.COUNT),
    Column("service_level_pct", "Service level %", ColumnKind.PCT),
    Column("asa_s", "ASA (s)", ColumnKind.SECONDS),
    Column("aht_s", "AHT (s)", ColumnKind.SECONDS),
    Column("max_wait_s", "Max wait (s)", ColumnKind.SECONDS),
)
_SUMMARY_EXTRA = (
    Column("handled", "Handled", ColumnKind.COUNT),
    Column("abandon_rate_pct", "Abandon rate %", ColumnKind.PCT),
    Column("avg_talk_s", "Avg talk (s)", ColumnKind.SECONDS),
    Column("avg_hold_s", "Avg hold (s)", ColumnKind.SECONDS),
    Column("avg_wrapup_s", "Avg wrap-up (s)", ColumnKind.SECONDS),
)


def contact_values(figures: ContactFigures, extra: bool) -> Row:
    values: Row = (
        figures.offered,
        figures.answered,
        figures.abandoned,
        figures.short_abandoned,
        figures.service_level_pct,
        figures.asa_s,
        figures.aht_s,
        figures.max_wait_s,
    )
    if extra:
        values += (
            figures.handled,
            figures.abandon_rate_pct,
            figures.avg_talk_s,
            figures.avg_hold_s,
            figures.avg_wrapup_s,
        )
    return values


@dataclass(frozen=True)
class BuildContext:
    org: Organization
    zone: ZoneInfo
    fetch_ids: Sequence[int]
    now: datetime


def build_report(spec: ReportSpec, context: BuildContext) -> ReportDocument:
    builder = _BUILDERS[spec.kind]
    return builder(spec, context)


def _document(
    spec: ReportSpec,
    context: BuildContext,
    columns: Sequence[Column],
    rows: Iterable[Row],
    **kw: Any,
) -> ReportDocument:
    return ReportDocument(
        kind=spec.kind,
        title=ReportKind(spec.kind).label,
        org_name=context.org.name,
        zone=context.zone,
        days=spec.days,
        generated_at=context.now,
        columns=tuple(columns),
        rows=rows,
        **kw,
    )


def _queue_summary(spec: ReportSpec, context: BuildContext) -> ReportDocument:
    window = spec.days.window(context.zone)
    config = selectors.metrics_config(context.org)
    summary = queue_summary(
        selectors.contact_columns_of(context.fetch_ids), window=window, config=config
    )
    names = selectors.names(context.org, context.fetch_ids)
    ordered = sorted(summary.queues.items(), key=lambda item: names.queue(item[0]).lower())
    rows: list[Row] = [
        (names.queue(queue_id), *contact_values(figures, extra=True))
        for queue_id, figures in ordered
    ]
    rows.append((CENTER_LABEL, *contact_values(summary.center, extra=True)))
    columns = (Column("queue", "Queue"), *CONTACT_COLUMNS, *_SUMMARY_EXTRA)
    return _document(spec, context, columns, rows)


def _intervals(spec: ReportSpec, context: BuildContext) -> ReportDocument:
    zone = context.zone
    intervals = interval_windows(
        first_day=spec.days.first_day,
        last_day=spec.days.last_day,
        zone=zone,
        minutes=spec.interval_minutes,
    )
    days = tuple(spec.days.days())
    # One pass for the rows and the day and range totals (see interval_totals).
    series = interval_series(
        selectors.contact_columns_of(context.fetch_ids),
        windows=totals_windows(intervals, days, zone),
        config=selectors.metrics_config(context.org),
    )
    names = selectors.names(context.org, context.fetch_ids)
    queue_ids = sorted(series.queues, key=lambda q: names.queue(q).lower())
    count = len(intervals)

    def rows() -> Iterator[Row]:
        for slot, window in enumerate(intervals):
            start = window.start.astimezone(zone)
            for queue_id in queue_ids:
                yield (
                    start,
                    names.queue(queue_id),
                    *contact_values(series.queues[queue_id][slot], False),
                )
            yield (start, CENTER_LABEL, *contact_values(series.center[slot], False))

    chart = interval_chart(
        series.center[:count],
        [_interval_label(w.start.astimezone(zone), spec) for w in intervals],
    )
    totals = interval_totals(
        series,
        interval_count=count,
        days=days,
        queues=[(queue_id, names.queue(queue_id)) for queue_id in queue_ids],
        zone=zone,
        clock_label=_clock_label,
    )
    columns = (
        Column("interval_start", "Interval start", ColumnKind.TIMESTAMP),
        Column("queue", "Queue"),
        *CONTACT_COLUMNS,
    )
    return _document(
        spec,
        context,
        columns,
        rows(),
        chart=chart,
        interval_minutes=spec.interval_minutes,
        interval_totals=totals,
    )


def _clock_label(start: datetime) -> str:
    return start.strftime("%H:%M")


def _interval_label(start: datetime, spec: ReportSpec) -> str:
    clock = _clock_label(start)
    if spec.days.day_count > 1:
        return f"{start.strftime('%a %d')} {clock}"
    return clock


def _agents(spec: ReportSpec, context: BuildContext) -> ReportDocument:
    window = spec.days.window(context.zone)
    config = selectors.metrics_config(context.org)
    performance = agent_performance(
        selectors.contact_columns_of(context.fetch_ids),
        selectors.iter_spans(context.fetch_ids),
        window=window,
        config=config,
        now=context.now,
    )
    names = selectors.names(context.org, context.fetch_ids)
    codes = sorted({code for p in performance.values() for code in p.idle_s_by_code})
    ordered = sorted(performance.values(), key=lambda p: names.agent(p.agent_id).lower())
    rows = [
        (
            names.agent(p.agent_id),
            names.agent_teams.get(p.agent_id, ""),
            p.handled,
            p.aht_s,
            p.avg_hold_s,
            p.avg_wrapup_s,
            p.talk_s,
            p.hold_s,
            p.wrapup_s,
            p.transferred,
            p.available_s,
            p.idle_s,
            *(p.idle_s_by_code.get(code, 0.0) for code in codes),
            p.occupancy_pct,
            p.login_s,
        )
        for p in ordered
    ]
    columns = (
        Column("agent", "Agent"),
        Column("team", "Team"),
        Column("handled", "Handled", ColumnKind.COUNT),
        Column("aht_s", "AHT (s)", ColumnKind.SECONDS),
        Column("avg_hold_s", "Avg hold (s)", ColumnKind.SECONDS),
        Column("avg_wrapup_s", "Avg wrap-up (s)", ColumnKind.SECONDS),
        Column("talk_s", "Talk (s)", ColumnKind.SECONDS),
        Column("hold_s", "Hold (s)", ColumnKind.SECONDS),
        Column("wrapup_s", "Wrap-up (s)", ColumnKind.SECONDS),
        Column("transferred", "Transferred", ColumnKind.COUNT),
        Column("available_s", "Available (s)", ColumnKind.SECONDS),
        Column("idle_s", "Idle (s)", ColumnKind.SECONDS),
        *(
            Column(f"idle_{code}_s", f"Idle: {code or 'no code'} (s)", ColumnKind.SECONDS)
            for code in codes
        ),
        Column("occupancy_pct", "Occupancy %", ColumnKind.PCT),
        Column("login_s", "Login time (s)", ColumnKind.SECONDS),
    )
    return _document(spec, context, columns, rows)


_OUTCOME_LABEL = {Outcome.ABANDONED: "abandoned", Outcome.SHORT_ABANDONED: "short abandoned"}


def _abandoned(spec: ReportSpec, context: BuildContext) -> ReportDocument:
    window = spec.days.window(context.zone)
    config = selectors.metrics_config(context.org)
    short_ms = threshold_ms(config.short_abandon_threshold_s)
    facts = selectors.WAIT_FACT_COUNT

    def rows() -> Iterator[Row]:
        for chunk in selectors.task_row_chunks_arrived(context.fetch_ids, window):
            decided = outcomes_and_waits(
                [row[:facts] for row in chunk], short_abandon_threshold_ms=short_ms
            )
            for (outcome, waited_ms), row in zip(decided, chunk, strict=True):
                label = _OUTCOME_LABEL.get(outcome)
                if label is None:
                    continue
                (
                    _,
                    _,
                    _,
                    _,
                    _,
                    _,
                    _,
                    arrived_at,
                    ended_at,
                    queue_id,
                    queue_name,
                    channel_type,
                    origin,
                    abandoned_type,
                    terminating_end,
                    wxcc_id,
                ) = row
                yield (
                    arrived_at,
                    ended_at,
                    queue_name or queue_id,
                    channel_type,
                    origin,
                    waited_ms / 1000.0,
                    label,
                    abandoned_type,
                    terminating_end,
                    wxcc_id,
                )

    columns = (
        Column("arrived_at", "Arrived", ColumnKind.TIMESTAMP),
        Column("ended_at", "Ended", ColumnKind.TIMESTAMP),
        Column("queue", "Queue"),
        Column("channel", "Channel"),
        Column("customer", "Customer"),
        Column("waited_s", "Waited (s)", ColumnKind.SECONDS),
        Column("outcome", "Outcome"),
        Column("abandoned_where", "Abandoned in"),
        Column("terminated_by", "Ended by"),
        Column("task_id", "Task id"),
    )
    return _document(spec, context, columns, rows())


_STATE_LABEL = {
    AgentState.LOGGED_OUT: "Logged out",
    AgentState.AVAILABLE: "Available",
    AgentState.IDLE: "Idle",
    AgentState.RESERVED: "Ringing",
    AgentState.CONNECTED: "Connected",
    AgentState.WRAPUP: "Wrap-up",
}


def _agent_states(spec: ReportSpec, context: BuildContext) -> ReportDocument:
    window = spec.days.window(context.zone)
    now = context.now

    def rows() -> Iterator[Row]:
        for span in selectors.iter_span_rows(context.fetch_ids, window):
            until = span.end if span.end is not None else now
            yield (
                span.agent_name or span.agent_id,
                span.team_name,
                _STATE_LABEL.get(AgentState(span.state), span.state),
                span.idle_code,
                span.start,
                span.end,
                max(0.0, (until - span.start).total_seconds()),
                span.wxcc_state,
            )

    columns = (
        Column("agent", "Agent"),
        Column("team", "Team"),
        Column("state", "State"),
        Column("idle_code", "Idle code"),
        Column("start", "Start", ColumnKind.TIMESTAMP),
        Column("end", "End", ColumnKind.TIMESTAMP),
        Column("duration_s", "Duration (s)", ColumnKind.SECONDS),
        Column("wxcc_state", "WxCC state"),
    )
    notes = ("A span without an end was still going when the report was made.",)
    return _document(spec, context, columns, rows(), notes=notes)


_BUILDERS: dict[ReportKind, Callable[[ReportSpec, BuildContext], ReportDocument]] = {
    ReportKind.QUEUE_SUMMARY: _queue_summary,
    ReportKind.INTERVALS: _intervals,
    ReportKind.AGENTS: _agents,
    ReportKind.ABANDONED: _abandoned,
    ReportKind.AGENT_STATES: _agent_states,
}
