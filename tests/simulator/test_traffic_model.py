"""The traffic model on its own (no HTTP): Poisson arrivals at the configured rate and daily
curve, patience-driven abandonment, handle times, determinism, and the invariants of the
agent state machine. Fixed seeds; tolerances of several standard deviations."""

from __future__ import annotations

import itertools
import math
import statistics

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.config import SimConfig
from simulator.model import DAY_MS, HOUR_MS, TrafficModel
from simulator.records import BUSY_STATES, TERMINATION_ABANDONED
from simulator.topology import DAILY_CURVE, DAILY_CURVE_SUM

START_MS = 1_773_136_800_000  # Tuesday 2026-03-10 10:00 UTC


def _model(**overrides: object) -> TrafficModel:
    config = SimConfig(**{"seed": 7, "history_days": 0, **overrides})  # type: ignore[arg-type]
    model = TrafficModel(config, START_MS)
    model.generate_history()
    return model


def test_constant_rate_arrivals_match_the_rate():
    model = _model()
    model.set_arrival_rate(None, 120)  # per queue, per hour
    before = len(model.task_list)

    model.advance_to(START_MS + 10 * HOUR_MS)

    arrivals = len(model.task_list) - before
    expected = 120 * 10 * len(model.topology.queues)
    # Poisson: standard deviation sqrt(expected); allow four.
    assert abs(arrivals - expected) <= 4 * math.sqrt(expected)


def test_interarrival_times_are_exponential():
    model = _model()
    queue_id = model.topology.queues[0].id
    model.set_arrival_rate(None, 0)
    model.set_arrival_rate(queue_id, 360)  # mean gap 10 s

    model.advance_to(START_MS + 4 * HOUR_MS)

    created = [t.created_ms for t in model.task_list if t.created_ms >= START_MS]
    gaps_s = [(b - a) / 1000 for a, b in itertools.pairwise(created)]
    mean = statistics.fmean(gaps_s)
    assert abs(mean - 10) <= 4 * 10 / math.sqrt(len(gaps_s))
    # Exponential: standard deviation equals the mean.
    assert 0.85 <= statistics.pstdev(gaps_s) / mean <= 1.15


def test_history_holds_seven_days_following_the_daily_curve():
    config = SimConfig(seed=7, history_days=7, tasks_per_day=1200)
    model = TrafficModel(config, START_MS)
    model.generate_history()
    first_day = model.begin_ms
    days = [
        model.tasks_created_between(first_day + d * DAY_MS, first_day + (d + 1) * DAY_MS)
        for d in range(7)
    ]

    for tasks in days:
        assert abs(len(tasks) - 1200) <= 4 * math.sqrt(1200)
    by_hour = [0] * 24
    for tasks in days:
        for task in tasks:
            by_hour[(task.created_ms // HOUR_MS) % 24] += 1
    for hour in (3, 10, 14, 20):
        expected = 7 * 1200 * DAILY_CURVE[hour] / DAILY_CURVE_SUM
        assert abs(by_hour[hour] - expected) <= 4 * math.sqrt(expected) + 1


def test_with_nobody_to_answer_every_caller_abandons_after_exponential_patience():
    model = _model()
    model.quiet()
    for agent_id in list(model.agents):
        model.logout_agent(agent_id)
    model.advance_to(START_MS + HOUR_MS)  # let busy agents finish and log out
    assert all(a.session is None for a in model.agents.values())
    sales = next(q for q in model.topology.queues if q.name == "Sales")
    model.set_arrival_rate(sales.id, 600)
    start = model.now_ms

    model.advance_to(start + 8 * HOUR_MS)

    tasks = [
        t for t in model.task_list if t.created_ms >= start and t.created_ms < start + 6 * HOUR_MS
    ]
    abandoned = [t for t in tasks if t.termination_type == TERMINATION_ABANDONED]
    callbacks = [t for t in tasks if t.callback]
    assert len(abandoned) + len(callbacks) == len(tasks)
    # A share P_CALLBACK of impatient callers asks for a callback instead (binomial).
    share = len(callbacks) / len(tasks)
    assert abs(share - 0.15) <= 4 * math.sqrt(0.15 * 0.85 / len(tasks))
    waits_s = [t.queue_ms / 1000 for t in abandoned]
    assert abs(
        statistics.fmean(waits_s) - sales.patience_mean_s
    ) <= 4 * sales.patience_mean_s / math.sqrt(len(waits_s))


def test_abandonment_share_of_a_normal_day_is_realistic():
    config = SimConfig(seed=7, history_days=3, tasks_per_day=1200)
    model = TrafficModel(config, START_MS)
    model.generate_history()

    telephony = [t for t in model.task_list if t.channel_type == "telephony" and not t.is_active]
    share = sum(t.termination_type == TERMINATION_ABANDONED for t in telephony) / len(telephony)

    assert 0.02 <= share <= 0.25


def test_handle_times_follow_the_configured_means():
    config = SimConfig(seed=7, history_days=3, tasks_per_day=1200)
    model = TrafficModel(config, START_MS)
    model.generate_history()

    for queue in model.topology.queues:
        talks_s = [
            (leg.connected_end_ms - leg.accepted_ms - leg.hold_ms) / 1000
            for task in model.task_list
            for leg in task.legs
            if leg.queue_id == queue.id and leg.connected_end_ms and leg.accepted_ms
        ]
        # Gamma(2) with the queue's mean (clipped below at 15 s, which nudges it up a little).
        sd = queue.handle_mean_s / math.sqrt(2)
        assert (
            abs(statistics.fmean(talks_s) - queue.handle_mean_s)
            <= 4 * sd / math.sqrt(len(talks_s)) + 5
        )


def test_same_seed_same_contact_center():
    first, second = _model(history_days=1), _model(history_days=1)

    assert [(t.id, t.created_ms, t.ended_ms) for t in first.task_list] == [
        (t.id, t.created_ms, t.ended_ms) for t in second.task_list
    ]
    other = _model(history_days=1, seed=8)
    assert [t.id for t in other.task_list[:5]] != [t.id for t in first.task_list[:5]]


def test_every_path_shows_up_in_a_day_of_traffic():
    config = SimConfig(seed=7, history_days=2, tasks_per_day=1200)
    model = TrafficModel(config, START_MS)
    model.generate_history()
    tasks = model.task_list

    assert any(t.transfer_count for t in tasks)
    assert any(t.hold_count for t in tasks)
    assert any(t.callback and t.termination_type == "normal" for t in tasks)
    assert any(not o.accepted for t in tasks for leg in t.legs for o in leg.offers if o.answered_ms)
    idle_codes = {a.idle_code_id for s in model.sessions for a in s.activities if a.idle_code_id}
    assert len(idle_codes) >= 3


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_agent_activities_tile_each_session_and_never_overlap(seed: int):
    config = SimConfig(seed=seed, history_days=0, tasks_per_day=2000)
    model = TrafficModel(config, START_MS)
    model.generate_history()
    model.advance_to(START_MS + 3 * HOUR_MS)

    for session in model.sessions:
        activities = session.activities
        assert activities[0].start_ms == session.start_ms
        assert activities[0].is_login
        for earlier, later in itertools.pairwise(activities):
            assert earlier.end_ms == later.start_ms
        if session.end_ms is not None:
            assert activities[-1].end_ms == session.end_ms
    for runtime in model.agents.values():
        if runtime.state in BUSY_STATES:
            assert runtime.task_id is not None
    for task in model.task_list:
        accepted = [o for leg in task.legs for o in leg.offers if o.accepted]
        assert len(accepted) <= len(task.legs)
        if task.ended_ms is not None:
            assert task.ended_ms >= task.created_ms
