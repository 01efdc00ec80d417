"""What a tile can show and how: the metric catalogue, scopes, periods, threshold levels, and
the pure function from a `CenterSnapshot` to a tile's value.

Pure: no ORM, clock or network. The models validate against these definitions (so the board
editor of a later issue reuses them) and the renderer reads tile values through `tile_value`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from wallboard.metrics import (
    NO_DATA,
    CenterSnapshot,
    ContactFigures,
    GroupFigures,
    Period,
    ServiceLevelDefinition,
    display_pct,
    display_s,
)

# At most this many threshold levels per tile (the brief: "up to three levels").
MAX_THRESHOLD_LEVELS = 3


class Scope(StrEnum):
    CENTER = "center"
    QUEUE = "queue"
    TEAM = "team"


class TileKind(StrEnum):
    METRIC = "metric"
    AGENTS_LIST = "agents_list"
    QUEUES_TABLE = "queues_table"


class Format(StrEnum):
    COUNT = "count"
    PERCENT = "percent"
    DURATION = "duration"


class Direction(StrEnum):
    """Which way a threshold level fires: at or above its value, or at or below it."""

    ABOVE = "above"
    BELOW = "below"


class Colour(StrEnum):
    """The board palette: classes in static/css/tv.css, tested for contrast on the dark
    theme. Named rather than free colours so no inline style is needed (CSP)."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    BLUE = "blue"
    PURPLE = "purple"
    WHITE = "white"


Extract = Callable[[GroupFigures, Period, ServiceLevelDefinition], float | int | None]


def _contact(name: str) -> Extract:
    def extract(group: GroupFigures, period: Period, _sl: ServiceLevelDefinition) -> Any:
        figures: ContactFigures = group.periods[period]
        return getattr(figures, name)

    return extract


def _service_level(group: GroupFigures, period: Period, sl: ServiceLevelDefinition) -> Any:
    return group.periods[period].service_level(sl)


def _agents(name: str) -> Extract:
    def extract(group: GroupFigures, _period: Period, _sl: ServiceLevelDefinition) -> Any:
        return None if group.agents is None else getattr(group.agents.counts, name)

    return extract


# Ingestion stores no hold state yet (wxcc keeps only hold durations of finished contacts), so
# "agents on hold" is no data rather than a 0 that would look true.
ON_HOLD_KNOWN = False


def _on_hold(group: GroupFigures, period: Period, sl: ServiceLevelDefinition) -> Any:
    return _agents("on_hold")(group, period, sl) if ON_HOLD_KNOWN else None


def _occupancy(group: GroupFigures, period: Period, _sl: ServiceLevelDefinition) -> Any:
    return None if group.agents is None else group.agents.occupancy_pct[period]


def _waiting(group: GroupFigures, _period: Period, _sl: ServiceLevelDefinition) -> Any:
    return group.contacts_waiting


def _longest_wait(group: GroupFigures, _period: Period, _sl: ServiceLevelDefinition) -> Any:
    return group.longest_wait_s


@dataclass(frozen=True, slots=True)
class MetricSpec:
    label: str
    format: Format
    extract: Extract
    # Live figures are "now": the tile's period does not apply.
    live: bool = False
    # Figures about contacts waiting in a queue belong to no team (nobody answered yet).
    team_scope: bool = True
    # How threshold levels usually read for this figure.
    default_direction: Direction = Direction.ABOVE
    # The tile ticks in the browser from this timestamp (longest wait).
    ticks: bool = False


class Metric(StrEnum):
    CONTACTS_WAITING = "contacts_waiting"
    LONGEST_WAIT = "longest_wait"
    OFFERED = "offered"
    ANSWERED = "answered"
    ABANDONED = "abandoned"
    SHORT_ABANDONED = "short_abandoned"
    HANDLED = "handled"
    SERVICE_LEVEL = "service_level"
    ASA = "asa"
    AHT = "aht"
    AHT_EXCL_WRAPUP = "aht_excl_wrapup"
    AVG_WAIT = "avg_wait"
    MAX_WAIT = "max_wait"
    ABANDON_RATE = "abandon_rate"
    TRANSFER_RATE = "transfer_rate"
    AGENTS_AVAILABLE = "agents_available"
    AGENTS_IDLE = "agents_idle"
    AGENTS_RINGING = "agents_ringing"
    AGENTS_CONNECTED = "agents_connected"
    AGENTS_ON_HOLD = "agents_on_hold"
    AGENTS_WRAPUP = "agents_wrapup"
    AGENTS_LOGGED_IN = "agents_logged_in"
    OCCUPANCY = "occupancy"

    @property
    def spec(self) -> MetricSpec:
        return METRICS[self]


_BELOW = Direction.BELOW
METRICS: Mapping[Metric, MetricSpec] = {
    Metric.CONTACTS_WAITING: MetricSpec(
        "Contacts waiting", Format.COUNT, _waiting, live=True, team_scope=False
    ),
    Metric.LONGEST_WAIT: MetricSpec(
        "Longest wait", Format.DURATION, _longest_wait, live=True, team_scope=False, ticks=True
    ),
    Metric.OFFERED: MetricSpec("Offered", Format.COUNT, _contact("offered")),
    Metric.ANSWERED: MetricSpec("Answered", Format.COUNT, _contact("answered")),
    Metric.ABANDONED: MetricSpec("Abandoned", Format.COUNT, _contact("abandoned")),
    Metric.SHORT_ABANDONED: MetricSpec(
        "Short abandoned", Format.COUNT, _contact("short_abandoned")
    ),
    Metric.HANDLED: MetricSpec("Handled", Format.COUNT, _contact("handled")),
    Metric.SERVICE_LEVEL: MetricSpec(
        "Service level", Format.PERCENT, _service_level, default_direction=_BELOW
    ),
    Metric.ASA: MetricSpec("ASA", Format.DURATION, _contact("asa_s")),
    Metric.AHT: MetricSpec("AHT (incl. wrap-up)", Format.DURATION, _contact("aht_s")),
    Metric.AHT_EXCL_WRAPUP: MetricSpec(
        "AHT (excl. wrap-up)", Format.DURATION, _contact("aht_excl_wrapup_s")
    ),
    Metric.AVG_WAIT: MetricSpec("Average wait", Format.DURATION, _contact("avg_wait_s")),
    Metric.MAX_WAIT: MetricSpec("Max wait", Format.DURATION, _contact("max_wait_s")),
    Metric.ABANDON_RATE: MetricSpec("Abandon rate", Format.PERCENT, _contact("abandon_rate_pct")),
    Metric.TRANSFER_RATE: MetricSpec(
        "Transfer rate", Format.PERCENT, _contact("transfer_rate_pct")
    ),
    Metric.AGENTS_AVAILABLE: MetricSpec(
        "Available", Format.COUNT, _agents("available"), live=True, default_direction=_BELOW
    ),
    Metric.AGENTS_IDLE: MetricSpec("Idle", Format.COUNT, _agents("idle"), live=True),
    Metric.AGENTS_RINGING: MetricSpec("Ringing", Format.COUNT, _agents("reserved"), live=True),
    Metric.AGENTS_CONNECTED: MetricSpec("Connected", Format.COUNT, _agents("connected"), live=True),
    Metric.AGENTS_ON_HOLD: MetricSpec("On hold", Format.COUNT, _on_hold, live=True),
    Metric.AGENTS_WRAPUP: MetricSpec("Wrap-up", Format.COUNT, _agents("wrapup"), live=True),
    Metric.AGENTS_LOGGED_IN: MetricSpec(
        "Logged in", Format.COUNT, _agents("logged_in"), live=True, default_direction=_BELOW
    ),
    Metric.OCCUPANCY: MetricSpec("Occupancy", Format.PERCENT, _occupancy),
}

PERIOD_LABELS: Mapping[Period, str] = {
    Period.TODAY: "today",
    Period.LAST_15_MIN: "last 15 min",
    Period.LAST_30_MIN: "last 30 min",
    Period.LAST_60_MIN: "last 60 min",
}


@dataclass(frozen=True, slots=True)
class ThresholdLevel:
    value: float
    colour: Colour
    flash: bool = False


class ThresholdError(ValueError):
    """Threshold levels that cannot be used; the message says why, for a form error."""


def parse_thresholds(raw: object, *, direction: Direction) -> tuple[ThresholdLevel, ...]:
    """Threshold levels from their stored JSON form: a list of at most three objects
    `{"value": number, "colour": palette name, "flash": bool}`, strictly rising for
    `above` (each level more severe) and strictly falling for `below`."""
    if raw is None or raw == []:
        return ()
    if not isinstance(raw, list):
        raise ThresholdError("thresholds must be a list of levels")
    if len(raw) > MAX_THRESHOLD_LEVELS:
        raise ThresholdError(f"at most {MAX_THRESHOLD_LEVELS} threshold levels")
    levels: list[ThresholdLevel] = []
    for position, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or set(item) - {"value", "colour", "flash"}:
            raise ThresholdError(f"level {position}: expected value, colour and flash only")
        value = item.get("value")
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise ThresholdError(f"level {position}: value must be a number")
        if value < 0:
            raise ThresholdError(f"level {position}: value must not be negative")
        try:
            colour = Colour(str(item.get("colour")))
        except ValueError:
            names = ", ".join(c.value for c in Colour)
            raise ThresholdError(f"level {position}: colour must be one of {names}") from None
        flash = item.get("flash", False)
        if not isinstance(flash, bool):
            raise ThresholdError(f"level {position}: flash must be true or false")
        levels.append(ThresholdLevel(float(value), colour, flash))
    values = [level.value for level in levels]
    ordered = all(
        (b > a) if direction is Direction.ABOVE else (b < a) for a, b in itertools.pairwise(values)
    )
    if not ordered:
        word = "rise" if direction is Direction.ABOVE else "fall"
        raise ThresholdError(f"levels must {word} strictly, from least to most severe")
    return tuple(levels)


def level_for(
    value: float | None, levels: Sequence[ThresholdLevel], *, direction: Direction
) -> ThresholdLevel | None:
    """The most severe level `value` has reached; None for no data or no level reached."""
    if value is None:
        return None
    reached = None
    for level in levels:
        hit = value >= level.value if direction is Direction.ABOVE else value <= level.value
        if hit:
            reached = level
    return reached


def display(value: float | None, fmt: Format) -> str:
    if value is None:
        return NO_DATA
    if fmt is Format.PERCENT:
        return display_pct(value)
    if fmt is Format.DURATION:
        return display_s(value)
    return str(int(value))


@dataclass(frozen=True, slots=True)
class TileValue:
    value: float | int | None
    text: str
    level: ThresholdLevel | None
    # Where the browser ticks the value from (longest wait), else None.
    tick_since: datetime | None = None


def group_for(snapshot: CenterSnapshot, scope: Scope, scope_id: str | None) -> GroupFigures:
    if scope is Scope.QUEUE and scope_id is not None:
        return snapshot.queue(scope_id)
    if scope is Scope.TEAM and scope_id is not None:
        return snapshot.team(scope_id)
    return snapshot.center


def tile_value(
    snapshot: CenterSnapshot,
    *,
    metric: Metric,
    scope: Scope,
    scope_id: str | None,
    period: Period,
    service_level_definition: ServiceLevelDefinition,
    levels: Sequence[ThresholdLevel] = (),
    direction: Direction = Direction.ABOVE,
) -> TileValue:
    spec = metric.spec
    group = group_for(snapshot, scope, scope_id)
    value = spec.extract(group, period, service_level_definition)
    return TileValue(
        value=value,
        text=display(value, spec.format),
        level=level_for(value, levels, direction=direction),
        tick_since=group.oldest_waiting_since if spec.ticks else None,
    )
