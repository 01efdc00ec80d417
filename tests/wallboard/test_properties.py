"""Properties of the engine on generated days: totals add up, ratios stay in range, and the
incremental updates give exactly what a computation from scratch gives."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from wallboard.metrics import (
    PERIODS,
    CenterSnapshot,
    Contact,
    ContactFigures,
    MetricsConfig,
    Period,
    ServiceLevelDefinition,
    compute_center,
    recompute_agents,
    recompute_queues,
    refresh,
    refresh_since,
)

from .builders import LONDON, s
from .strategies import NOW, AgentDay, agent_days, contact_lists

CONFIG = MetricsConfig(
    short_abandon_threshold_s=5,
    queue_service_level_threshold_s={"q2": 30, "q3": 0},
    queue_team_ids={"q1": frozenset({"t1"}), "q2": frozenset({"t1", "t2"})},
)


def compute(contacts: list[Contact], days: AgentDay, now: datetime = NOW) -> CenterSnapshot:
    agents, spans = days
    return compute_center(
        contacts=contacts, agents=agents, spans=spans, config=CONFIG, now=now, zone=LONDON
    )


def figures_of(snapshot: CenterSnapshot) -> object:
    """What boards read, for comparing two snapshots."""
    return (snapshot.queues, snapshot.teams, snapshot.center, snapshot.agents)


def all_figures(snapshot: CenterSnapshot) -> list[ContactFigures]:
    groups = [*snapshot.queues.values(), *snapshot.teams.values(), snapshot.center]
    return [group.periods[period] for group in groups for period in PERIODS]


@given(contact_lists(), agent_days())
def test_center_totals_are_the_sum_of_queue_totals(contacts: list[Contact], days: AgentDay) -> None:
    snapshot = compute(contacts, days)
    for period in PERIODS:
        queues = [q.periods[period] for q in snapshot.queues.values()]
        center = snapshot.center.periods[period]
        for count in ("offered", "answered", "abandoned", "short_abandoned", "handled"):
            assert getattr(center, count) == sum(getattr(q, count) for q in queues)
        waits = [q.max_wait_s for q in queues if q.max_wait_s is not None]
        assert center.max_wait_s == (max(waits) if waits else None)
    assert snapshot.center.contacts_waiting == sum(
        q.contacts_waiting for q in snapshot.queues.values()
    )
    tallies = snapshot.contact_tallies
    assert sum(t.slots[0][0] for t in tallies.team_tallies.values()) == (
        snapshot.center.periods[Period.TODAY].offered
    )


@given(contact_lists(), agent_days())
def test_percentages_stay_within_0_and_100(contacts: list[Contact], days: AgentDay) -> None:
    snapshot = compute(contacts, days)
    for figures in all_figures(snapshot):
        values = [
            *figures.service_level_pct_by_definition.values(),
            figures.abandon_rate_pct,
            figures.transfer_rate_pct,
        ]
        assert all(0 <= value <= 100 for value in values if value is not None)
    groups = [*snapshot.queues.values(), *snapshot.teams.values(), snapshot.center]
    for group in groups:
        if group.agents is not None:
            for value in group.agents.occupancy_pct.values():
                assert value is None or 0 <= value <= 100


@given(contact_lists())
def test_a_ratio_is_no_data_exactly_when_its_denominator_is_zero(contacts: list[Contact]) -> None:
    snapshot = compute(contacts, ([], []))
    for figures in all_figures(snapshot):
        assert (figures.asa_s is None) == (figures.answered == 0)
        assert (figures.aht_s is None) == (figures.handled == 0)
        assert (figures.transfer_rate_pct is None) == (figures.handled == 0)
        resolved = figures.answered + figures.abandoned
        assert (figures.abandon_rate_pct is None) == (resolved == 0)
        assert (figures.avg_wait_s is None) == (resolved == 0)
        assert (figures.service_level(ServiceLevelDefinition.ANSWERED_OF_OFFERED) is None) == (
            resolved == 0
        )


@given(contact_lists(), agent_days(), st.randoms())
def test_shuffled_input_gives_the_same_figures(
    contacts: list[Contact], days: AgentDay, rnd: random.Random
) -> None:
    agents, spans = days
    shuffled = (rnd.sample(agents, len(agents)), rnd.sample(spans, len(spans)))
    assert figures_of(compute(rnd.sample(contacts, len(contacts)), shuffled)) == figures_of(
        compute(contacts, days)
    )


@given(contact_lists())
def test_longer_rolling_periods_hold_at_least_as_many_contacts(contacts: list[Contact]) -> None:
    center = compute(contacts, ([], [])).center.periods
    for count in ("offered", "answered", "abandoned", "handled"):
        assert (
            getattr(center[Period.LAST_15_MIN], count)
            <= getattr(center[Period.LAST_30_MIN], count)
            <= getattr(center[Period.LAST_60_MIN], count)
        )


@settings(max_examples=60)
@given(contact_lists(), contact_lists(max_size=10), agent_days())
def test_recomputing_a_changed_queue_equals_computing_from_scratch(
    before: list[Contact], q1_after: list[Contact], days: AgentDay
) -> None:
    q1_after = [replace(c, id=f"new-{c.id}", queue_id="q1") for c in q1_after]
    after = [c for c in before if c.queue_id != "q1"] + q1_after
    updated = recompute_queues(compute(before, days), queue_ids={"q1"}, contacts=q1_after, now=NOW)
    assert figures_of(updated) == figures_of(compute(after, days))
    assert updated.recomputed_queue_ids == {"q1"}


@settings(max_examples=60)
@given(contact_lists(), agent_days(), agent_days())
def test_recomputing_changed_agents_equals_computing_from_scratch(
    contacts: list[Contact], days: AgentDay, other: AgentDay
) -> None:
    agents, spans = days
    new_agents, new_spans = other
    changed = [a for a in new_agents if a.id in ("a1", "a3")]
    changed_spans = [x for x in new_spans if x.agent_id in ("a1", "a3")]
    after = (
        [a for a in agents if a.id not in ("a1", "a3")] + changed,
        [x for x in spans if x.agent_id not in ("a1", "a3")] + changed_spans,
    )
    updated = recompute_agents(
        compute(contacts, days), agents=changed, spans=changed_spans, now=NOW
    )
    assert figures_of(updated) == figures_of(compute(contacts, after))


@settings(max_examples=60)
@given(contact_lists(), agent_days(), st.integers(min_value=1, max_value=3000))
def test_refreshing_later_equals_computing_from_scratch_then(
    contacts: list[Contact], days: AgentDay, later_s: int
) -> None:
    _, spans = days
    later = NOW + s(later_s)
    since = refresh_since(now=later)
    recent = [
        c
        for c in contacts
        if c.is_open or c.arrived_at >= since or (c.ended_at is not None and c.ended_at >= since)
    ]
    recent_spans = [x for x in spans if x.end is None or x.end >= since]
    refreshed = refresh(compute(contacts, days), contacts=recent, spans=recent_spans, now=later)
    assert figures_of(refreshed) == figures_of(compute(contacts, days, now=later))
