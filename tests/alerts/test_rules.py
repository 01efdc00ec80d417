"""The pure alert evaluator with hand values: start, repeat after N minutes, clear, flapping,
and no data never alerting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerts.rules import (
    AlertKind,
    Outcome,
    QueueReading,
    RuleState,
    describe,
    evaluate,
    is_breached,
)

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
TEN_MIN = timedelta(minutes=10)


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def reading(
    *,
    waiting: int = 0,
    longest_wait_s: float | None = None,
    service_level_pct: float | None = None,
    agents_available: int | None = None,
) -> QueueReading:
    return QueueReading(waiting, longest_wait_s, service_level_pct, agents_available)


def run(
    kind: AlertKind, threshold: float | None, steps: list[tuple[float, QueueReading]]
) -> list[Outcome | None]:
    """Evaluate a rule at each (minute, reading) in turn, carrying its state."""
    state = RuleState()
    outcomes = []
    for minute, figures in steps:
        decision = evaluate(
            kind, threshold, figures, state, now=minutes(minute), repeat_after=TEN_MIN
        )
        outcomes.append(decision.outcome)
        state = decision.state
    return outcomes


def test_a_breach_fires_once_when_it_starts_and_not_again_within_the_interval() -> None:
    over = reading(waiting=6)
    outcomes = run(AlertKind.WAITING_OVER, 5, [(0, over), (1, over), (9.9, over)])
    assert outcomes == [Outcome.FIRED, None, None]


def test_a_lasting_breach_repeats_after_the_interval_and_then_every_interval() -> None:
    over = reading(longest_wait_s=120)
    outcomes = run(AlertKind.LONGEST_WAIT_OVER, 60, [(0, over), (10, over), (15, over), (20, over)])
    assert outcomes == [Outcome.FIRED, Outcome.REPEATED, None, Outcome.REPEATED]


def test_a_breach_that_ends_says_so_once() -> None:
    outcomes = run(
        AlertKind.SERVICE_LEVEL_BELOW,
        80,
        [
            (0, reading(service_level_pct=72.5)),
            (3, reading(service_level_pct=81.0)),
            (4, reading(service_level_pct=85.0)),
        ],
    )
    assert outcomes == [Outcome.FIRED, Outcome.CLEARED, None]


def test_the_clear_leaves_the_rule_inactive_and_remembers_when_it_spoke() -> None:
    state = RuleState(breach_started_at=minutes(0), announced=True, last_notified_at=minutes(0))
    decision = evaluate(
        AlertKind.WAITING_OVER, 5, reading(waiting=2), state, now=minutes(2), repeat_after=TEN_MIN
    )
    assert decision.outcome is Outcome.CLEARED
    assert decision.state == RuleState(last_notified_at=minutes(2))
    assert not decision.state.active


def test_a_flapping_queue_is_announced_at_most_once_per_interval_besides_the_clear() -> None:
    over, under = reading(waiting=6), reading(waiting=1)
    outcomes = run(
        AlertKind.WAITING_OVER,
        5,
        [
            (0, over),  # fires
            (1, under),  # clears (the clear of an announced breach is always said)
            (2, over),  # back within 10 min of the clear: tracked silently
            (3, under),  # a silent breach clears silently
            (4, over),  # silent again
            (11, over),  # still in breach 10 min after the last message: fires now
            (12, under),  # and its clear is said
        ],
    )
    assert outcomes == [
        Outcome.FIRED,
        Outcome.CLEARED,
        None,
        None,
        None,
        Outcome.FIRED,
        Outcome.CLEARED,
    ]


def test_a_new_breach_after_a_quiet_interval_fires_at_once() -> None:
    over, under = reading(waiting=6), reading(waiting=0)
    outcomes = run(AlertKind.WAITING_OVER, 5, [(0, over), (1, under), (11, over)])
    assert outcomes == [Outcome.FIRED, Outcome.CLEARED, Outcome.FIRED]


def test_service_level_with_nothing_answered_or_abandoned_is_no_data_and_never_alerts() -> None:
    outcomes = run(
        AlertKind.SERVICE_LEVEL_BELOW,
        80,
        [(0, reading(service_level_pct=None)), (20, reading(service_level_pct=None))],
    )
    assert outcomes == [None, None]


def test_no_data_ends_a_breach_like_a_good_figure() -> None:
    outcomes = run(
        AlertKind.LONGEST_WAIT_OVER,
        60,
        [(0, reading(waiting=1, longest_wait_s=90)), (2, reading(longest_wait_s=None))],
    )
    assert outcomes == [Outcome.FIRED, Outcome.CLEARED]


@pytest.mark.parametrize(
    ("kind", "threshold", "figures", "breached"),
    [
        (AlertKind.SERVICE_LEVEL_BELOW, 80, reading(service_level_pct=80.0), False),
        (AlertKind.SERVICE_LEVEL_BELOW, 80, reading(service_level_pct=79.9), True),
        (AlertKind.LONGEST_WAIT_OVER, 60, reading(longest_wait_s=60.0), False),
        (AlertKind.LONGEST_WAIT_OVER, 60, reading(longest_wait_s=60.5), True),
        (AlertKind.WAITING_OVER, 3, reading(waiting=3), False),
        (AlertKind.WAITING_OVER, 3, reading(waiting=4), True),
        (AlertKind.NO_AGENT_AVAILABLE, None, reading(agents_available=1), False),
        (AlertKind.NO_AGENT_AVAILABLE, None, reading(agents_available=0), True),
        (AlertKind.NO_AGENT_AVAILABLE, None, reading(agents_available=None), False),
    ],
)
def test_thresholds_are_strict_and_no_agents_known_is_no_data(
    kind: AlertKind, threshold: float | None, figures: QueueReading, breached: bool
) -> None:
    from alerts.rules import reading_value

    assert is_breached(kind, threshold, reading_value(kind, figures)) is breached


def test_announcements_name_the_queue_the_condition_and_the_figure() -> None:
    fired = describe(Outcome.FIRED, AlertKind.SERVICE_LEVEL_BELOW, 80, 72.46, queue_name="Billing")
    cleared = describe(Outcome.CLEARED, AlertKind.WAITING_OVER, 5, 2, queue_name="Sales")
    assert fired == "🔴 **Alert** · Billing: service level below 80 % (now 72.5 %)"
    assert cleared == "✅ **Cleared** · Sales: more than 5 contacts waiting no longer (2 waiting)"
