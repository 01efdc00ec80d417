"""The alert evaluator: pure decisions from a queue's current figures and a rule's stored
state. No ORM, clock or network: callers pass `now` and the repeat interval.

A rule announces (a message and a history row) when its breach starts, repeats at most
every `repeat_after` while it lasts, and says when it clears. Announcements of one rule are
at least `repeat_after` apart, except the clear that follows an announced breach, so a
queue flapping around its threshold cannot flood the space: a breach that starts again
within the interval is tracked silently and announced once the interval has passed (if it
still lasts), and a silent breach clears silently.

"No data" (service level with nothing answered or abandoned yet, longest wait with nobody
waiting, available agents for a queue with no agents known) never breaches.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum


class AlertKind(StrEnum):
    SERVICE_LEVEL_BELOW = "service_level_below"
    LONGEST_WAIT_OVER = "longest_wait_over"
    WAITING_OVER = "waiting_over"
    NO_AGENT_AVAILABLE = "no_agent_available"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def needs_threshold(self) -> bool:
        return self is not AlertKind.NO_AGENT_AVAILABLE


_LABELS = {
    AlertKind.SERVICE_LEVEL_BELOW: "Service level below (%)",
    AlertKind.LONGEST_WAIT_OVER: "Longest wait over (s)",
    AlertKind.WAITING_OVER: "Contacts waiting over",
    AlertKind.NO_AGENT_AVAILABLE: "No agent available",
}


class Outcome(StrEnum):
    FIRED = "fired"
    REPEATED = "repeated"
    CLEARED = "cleared"


@dataclass(frozen=True, slots=True)
class QueueReading:
    """A queue's figures now, as the wallboard computed them (None: no data)."""

    contacts_waiting: int
    longest_wait_s: float | None
    service_level_pct: float | None
    agents_available: int | None


@dataclass(frozen=True, slots=True)
class RuleState:
    """What a rule remembers between evaluations."""

    breach_started_at: datetime | None = None
    # Whether the current breach was announced (a silent re-breach is not, yet).
    announced: bool = False
    last_notified_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.breach_started_at is not None


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome | None  # None: nothing to announce
    value: float | None
    state: RuleState


def reading_value(kind: AlertKind, reading: QueueReading) -> float | None:
    """The figure a rule of `kind` watches."""
    if kind is AlertKind.SERVICE_LEVEL_BELOW:
        return reading.service_level_pct
    if kind is AlertKind.LONGEST_WAIT_OVER:
        return reading.longest_wait_s
    if kind is AlertKind.WAITING_OVER:
        return float(reading.contacts_waiting)
    return None if reading.agents_available is None else float(reading.agents_available)


def is_breached(kind: AlertKind, threshold: float | None, value: float | None) -> bool:
    if value is None:
        return False
    if kind is AlertKind.NO_AGENT_AVAILABLE:
        return value <= 0
    if threshold is None:
        return False
    if kind is AlertKind.SERVICE_LEVEL_BELOW:
        return value < threshold
    return value > threshold


def _quiet_for(state: RuleState, now: datetime, repeat_after: timedelta) -> bool:
    """Whether the rule has been silent for at least `repeat_after`."""
    return state.last_notified_at is None or now - state.last_notified_at >= repeat_after


def evaluate(
    kind: AlertKind,
    threshold: float | None,
    reading: QueueReading,
    state: RuleState,
    *,
    now: datetime,
    repeat_after: timedelta,
) -> Decision:
    """The rule's decision at `now` and its next state."""
    value = reading_value(kind, reading)
    breached = is_breached(kind, threshold, value)
    if breached and not state.active:
        if _quiet_for(state, now, repeat_after):
            announced = RuleState(breach_started_at=now, announced=True, last_notified_at=now)
            return Decision(Outcome.FIRED, value, announced)
        return Decision(None, value, replace(state, breach_started_at=now, announced=False))
    if breached:
        if not _quiet_for(state, now, repeat_after):
            return Decision(None, value, state)
        outcome = Outcome.REPEATED if state.announced else Outcome.FIRED
        return Decision(outcome, value, replace(state, announced=True, last_notified_at=now))
    if state.active:
        if state.announced:
            return Decision(Outcome.CLEARED, value, RuleState(last_notified_at=now))
        return Decision(None, value, RuleState(last_notified_at=state.last_notified_at))
    return Decision(None, value, state)


def describe(
    outcome: Outcome,
    kind: AlertKind,
    threshold: float | None,
    value: float | None,
    *,
    queue_name: str,
) -> str:
    """The announcement, in Webex markdown."""
    shown = figure(kind, value)
    if outcome is Outcome.CLEARED:
        return f"✅ **Cleared** · {queue_name}: {condition(kind, threshold)} no longer ({shown})"
    verb = "Alert" if outcome is Outcome.FIRED else "Still in breach"
    return f"🔴 **{verb}** · {queue_name}: {condition(kind, threshold)} (now {shown})"


def condition(kind: AlertKind, threshold: float | None) -> str:
    """The rule in words: "service level below 80 %"."""
    limit = "-" if threshold is None else f"{threshold:g}"
    if kind is AlertKind.SERVICE_LEVEL_BELOW:
        return f"service level below {limit} %"
    if kind is AlertKind.LONGEST_WAIT_OVER:
        return f"longest wait over {limit} s"
    if kind is AlertKind.WAITING_OVER:
        return f"more than {limit} contacts waiting"
    return "no agent available"


def figure(kind: AlertKind, value: float | None) -> str:
    """A watched figure with its unit ("71.4 %", "95 s")."""
    if value is None:
        return "no data"
    if kind is AlertKind.SERVICE_LEVEL_BELOW:
        return f"{value:.1f} %"
    if kind is AlertKind.LONGEST_WAIT_OVER:
        return f"{value:.0f} s"
    if kind is AlertKind.WAITING_OVER:
        return f"{value:.0f} waiting"
    return f"{value:.0f} available"
