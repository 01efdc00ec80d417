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
from simulator.records import (
    AGENT_CHANNEL_STATE,
    BUSY_STATES,
    HOLD,
    HOLD_DONE,
    IDLE,
    NOT_RESPONDING,
    TERMINATION_ABANDONED,
    ModelEvent,
)
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


def test_a_ring_that_times_out_is_not_responding_then_idle_with_the_rona_code():
    config = SimConfig(seed=7, history_days=2, tasks_per_day=1200)
    model = TrafficModel(config, START_MS)
    model.generate_history()
    rona = model.topology.idle_code("RONA").id

    stretches = [s.activities for s in model.sessions]
    pairs = [(a, b) for acts in stretches for a, b in itertools.pairwise(acts)]
    timed_out = [(a, b) for a, b in pairs if a.state == NOT_RESPONDING]

    assert timed_out
    for ring, after in timed_out:
        assert ring.task_id is not None
        assert after.state == IDLE
        assert after.idle_code_id == rona
        offer = next(
            o for leg in model.tasks[ring.task_id].legs for o in leg.offers
            if o.agent_id == ring.agent_id and o.offered_ms == ring.start_ms
        )  # fmt: skip
        assert not offer.accepted
        assert offer.answered_ms == ring.end_ms


def test_talking_again_after_a_hold_is_hold_done_until_wrap_up():
    config = SimConfig(seed=7, history_days=1, tasks_per_day=1200)
    model = TrafficModel(config, START_MS)
    model.generate_history()

    pairs = [p for s in model.sessions for p in itertools.pairwise(s.activities)]
    after_hold = [b for a, b in pairs if a.state == HOLD]

    assert after_hold
    assert all(b.state == HOLD_DONE for b in after_hold)
    assert all(model.tasks[b.task_id or ""].holds for b in after_hold)


def test_state_change_webhooks_use_the_one_table_of_state_words():
    model = _model()
    events: list[ModelEvent] = []
    model.subscribe(events.append)

    model.advance_to(START_MS + 2 * HOUR_MS)

    words = {e.data["currentState"] for e in events if e.type == "agent:state_change"}
    assert words <= set(AGENT_CHANNEL_STATE.values())
    assert {"ringing", "connected", "wrapup", "available"} <= words


def test_short_and_sudden_endings_follow_the_tenant_thresholds():
    model = _model()
    model.quiet()
    queue = model.topology.queues[0]
    for agent_id in list(model.agents):
        model.logout_agent(agent_id)
    model.advance_to(START_MS + 3 * HOUR_MS)
    quick_hang_up = model.inject_task(queue.id, patience_s=3)
    late_hang_up = model.inject_task(queue.id, patience_s=40)
    model.advance_to(model.now_ms + 60_000)
    agent_id = model.topology.agents[0].id
    model.login_agent(agent_id)
    team_queue = model.topology.team(model.topology.agent(agent_id).team_id).queue_ids[0]
    brief_call = model.inject_task(team_queue, handle_s=4, wrapup_s=1)
    model.advance_to(model.now_ms + 60_000)

    assert quick_hang_up.contact_handle_type == "short"
    assert late_hang_up.contact_handle_type == "abandoned"
    assert {quick_hang_up.termination_type, late_hang_up.termination_type} == {"abandoned"}
    assert quick_hang_up.abandoned_type == late_hang_up.abandoned_type == "queue"
    assert brief_call.termination_type == "sudden_disconnect"
    assert brief_call.contact_handle_type == "normal"


def _arrivals_by_local_hour(model: TrafficModel, zone: str) -> list[int]:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    counts = [0] * 24
    for task in model.task_list:
        local = datetime.fromtimestamp(task.created_ms / 1000, tz=UTC).astimezone(ZoneInfo(zone))
        counts[local.hour] += 1
    return counts


def test_a_center_in_another_time_zone_is_busy_in_its_own_business_hours():
    tokyo = _model(history_days=2, timezone="Asia/Tokyo")
    by_hour = _arrivals_by_local_hour(tokyo, "Asia/Tokyo")
    # The daily curve peaks at 10:00 local and is quietest around 03:00 local.
    assert sum(by_hour[9:12]) > 5 * sum(by_hour[2:5])
    # The same center in UTC is busy at 10:00 UTC, which is night-time in Tokyo (19:00).
    utc = _model(history_days=2)
    utc_by_tokyo_hour = _arrivals_by_local_hour(utc, "Asia/Tokyo")
    assert sum(by_hour[9:12]) > 2 * sum(utc_by_tokyo_hour[9:12])


def test_shifts_start_at_local_wall_clock_times_also_on_a_dst_day():
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    # 2026-03-08 is the US spring-forward day; history covers it.
    model = _model(history_days=3, timezone="America/New_York")
    zone = ZoneInfo("America/New_York")
    for day in (7, 8, 9):
        logins = [
            datetime.fromtimestamp(s.start_ms / 1000, tz=UTC).astimezone(zone)
            for s in model.sessions
            if datetime.fromtimestamp(s.start_ms / 1000, tz=UTC).astimezone(zone).day == day
        ]
        earliest = min(logins)
        # The earliest shift starts at 06:00 local (±10 min), whatever the UTC offset that day.
        assert (earliest.hour, earliest.minute) in {(5, m) for m in range(50, 60)} | {
            (6, m) for m in range(11)
        }, earliest
