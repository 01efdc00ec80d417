"""What the metrics engine reads: one WxCC task, an agent's current status, a span of agent
state, and the settings that decide how contacts are counted.

The ORM selectors fill these; nothing here touches the database, the clock or the network.
Times are aware UTC datetimes; durations are WxCC's milliseconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum

# Our choices where the sources are silent (docs/metrics.md, "Named constants").
DEFAULT_SERVICE_LEVEL_THRESHOLD_S = 20.0
DEFAULT_SHORT_ABANDON_THRESHOLD_S = 5.0


class HandleType(StrEnum):
    """WxCC's `contactHandleType` (CSR): how the contact was handled."""

    NORMAL = "normal"
    ABANDONED = "abandoned"
    SHORT = "short"


class Outcome(IntEnum):
    """How a contact ended up (`contacts.outcomes_and_waits_of` decides it)."""

    OPEN = 0  # no outcome yet: waiting, ringing or in self-service
    ANSWERED = 1
    ABANDONED = 2
    SHORT_ABANDONED = 3


# The outcome WxCC's classification decides, when it has made one.
OUTCOME_OF_HANDLE_TYPE = {
    HandleType.NORMAL: Outcome.ANSWERED,
    HandleType.ABANDONED: Outcome.ABANDONED,
    HandleType.SHORT: Outcome.SHORT_ABANDONED,
}


class AgentState(StrEnum):
    """An agent's state; the values are those of `wxcc.models.AgentState`."""

    LOGGED_OUT = "logged_out"
    AVAILABLE = "available"
    IDLE = "idle"
    RESERVED = "reserved"
    CONNECTED = "connected"
    WRAPUP = "wrapup"


class ServiceLevelDefinition(StrEnum):
    """The published service-level formulas a board may choose (docs/metrics.md)."""

    # answered within T / (answered + abandoned after T): abandons within T are ignored.
    ABANDONS_WITHIN_T_IGNORED = "abandons_within_t_ignored"
    # answered within T / (answered + abandoned): every abandon counts against.
    ANSWERED_OF_OFFERED = "answered_of_offered"
    # (answered + abandoned) within T / (answered + abandoned): abandons within T count for.
    ANSWERED_OR_ABANDONED_OF_OFFERED = "answered_or_abandoned_of_offered"


DEFAULT_SERVICE_LEVEL_DEFINITION = ServiceLevelDefinition.ABANDONS_WITHIN_T_IGNORED


@dataclass(slots=True)
class Contact:
    """One WxCC task as the metrics see it.

    Not frozen, unlike the engine's other types: the selectors build one per task read (a
    hundred thousand for a large center's rebuild, thousands per push), and a frozen
    dataclass sets each field through `object.__setattr__`, six times the cost of a plain
    one (1.6 µs against 0.28 for these 17 fields). Nothing keeps a contact: the engine
    reads it once and keeps only tallies, and never changes it.

    `arrived_at` is when it entered the queue (the selector falls back to creation);
    `created_at`, when known, is when the contact started, which WxCC's short-call rule
    measures from. `handle_type` is WxCC's classification, None until WxCC has made one.
    `is_waiting` is true while the customer waits for an agent (queued or ringing).
    """

    id: str
    queue_id: str | None
    agent_id: str | None
    team_id: str | None
    channel_type: str
    arrived_at: datetime
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    handle_type: HandleType | None = None
    created_at: datetime | None = None
    queue_ms: int | None = None
    talk_ms: int | None = None
    hold_ms: int | None = None
    wrapup_ms: int | None = None
    transfer_count: int = 0
    is_open: bool = False
    is_waiting: bool = False


@dataclass(frozen=True, slots=True)
class AgentStatus:
    """An agent's current state. `on_hold` refines `connected`."""

    id: str
    team_id: str | None
    state: AgentState
    state_since: datetime
    idle_code: str = ""
    login_at: datetime | None = None
    on_hold: bool = False


@dataclass(frozen=True, slots=True)
class AgentStateSpan:
    """One stretch of one agent in one state; `end` is None while it lasts."""

    agent_id: str
    state: AgentState
    start: datetime
    end: datetime | None = None
    idle_code: str = ""


@dataclass(frozen=True, slots=True)
class MetricsConfig:
    """How an org counts contacts.

    `queue_service_level_threshold_s` holds each queue's WxCC `serviceLevelThreshold` where
    known; other queues use `default_service_level_threshold_s`. `queue_team_ids` names the
    teams serving each queue, for a queue's agent figures (empty: queues show no agent figures).
    """

    short_abandon_threshold_s: float = DEFAULT_SHORT_ABANDON_THRESHOLD_S
    default_service_level_threshold_s: float = DEFAULT_SERVICE_LEVEL_THRESHOLD_S
    queue_service_level_threshold_s: Mapping[str, float] = field(default_factory=dict)
    queue_team_ids: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        thresholds = [
            self.short_abandon_threshold_s,
            self.default_service_level_threshold_s,
            *self.queue_service_level_threshold_s.values(),
        ]
        if any(value < 0 for value in thresholds):
            raise ValueError("metric thresholds must not be negative")

    def service_level_threshold_s(self, queue_id: str | None) -> float:
        if queue_id is None:
            return self.default_service_level_threshold_s
        return self.queue_service_level_threshold_s.get(
            queue_id, self.default_service_level_threshold_s
        )
