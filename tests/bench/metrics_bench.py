"""Benchmark of the metrics engine: a center with 200 queues, 5,000 agents and 100,000 of
today's tasks, recomputed in full, after a change in one queue or agent, on the timer, and
its snapshot pickled and unpickled (what every change does through Redis).

`metrics_compute_ms()` returns the measurements (registered in tests/bench/figures.py); sizes
come from BENCH_METRICS_* knobs (tests/bench/knobs.py).
"""

from __future__ import annotations

import json
import pickle
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.bench.knobs import knob_int
from wallboard.metrics import (
    AgentState,
    AgentStateSpan,
    AgentStatus,
    Contact,
    HandleType,
    MetricsConfig,
    compute_center,
    recompute_agents,
    recompute_queues,
    refresh,
    refresh_since,
)
from wallboard.metrics.columns import MISSING, contact_columns, epoch_us, span_columns
from wallboard.metrics.snapshot import pickled

ZONE = ZoneInfo("Europe/London")
NOW = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)
QUEUES = knob_int("BENCH_METRICS_QUEUES", full=200, quick=20)
AGENTS = knob_int("BENCH_METRICS_AGENTS", full=5_000, quick=250)
TEAMS = max(1, AGENTS // 20)
TASKS = knob_int("BENCH_METRICS_TASKS", full=100_000, quick=2_000)
SPANS_PER_AGENT = 20
RUNS = knob_int("BENCH_METRICS_RUNS", full=7, quick=2)


def synthetic_center(
    seed: int = 7,
) -> tuple[list[Contact], list[AgentStatus], list[AgentStateSpan], MetricsConfig]:
    rng = random.Random(seed)
    midnight = datetime(2026, 3, 10, 0, 0, tzinfo=UTC)
    day_s = (NOW - midnight).total_seconds()
    agents = [
        AgentStatus(
            id=f"a{i}",
            team_id=f"t{i % TEAMS}",
            state=rng.choice(list(AgentState)),
            state_since=NOW - timedelta(seconds=rng.uniform(0, 600)),
            idle_code=rng.choice(["Break", "Lunch", "Meeting"]),
            login_at=midnight + timedelta(hours=8),
            on_hold=rng.random() < 0.1,
        )
        for i in range(AGENTS)
    ]
    contacts = []
    for i in range(TASKS):
        arrived = midnight + timedelta(seconds=rng.uniform(0, day_s))
        queue_no = i % QUEUES
        queue = f"q{queue_no}"
        # Each queue is served by two teams, as teams serve a few queues in a real center.
        team_no = (queue_no + rng.randrange(2)) % TEAMS
        agent_no = team_no + TEAMS * rng.randrange(AGENTS // TEAMS)
        roll = rng.random()
        if arrived > NOW - timedelta(minutes=2) and roll < 0.5:
            contacts.append(
                Contact(
                    f"c{i}", queue, None, None, "telephony", arrived, is_open=True, is_waiting=True
                )
            )
            continue
        wait = timedelta(seconds=rng.uniform(0, 90))
        if roll < 0.1:
            contacts.append(
                Contact(
                    f"c{i}",
                    queue,
                    None,
                    None,
                    "telephony",
                    arrived,
                    None,
                    arrived + wait,
                    HandleType.ABANDONED if roll > 0.02 else HandleType.SHORT,
                )
            )
            continue
        talk_ms = rng.randrange(30_000, 600_000)
        ended = arrived + wait + timedelta(milliseconds=talk_ms)
        contacts.append(
            Contact(
                f"c{i}",
                queue,
                f"a{agent_no}",
                f"t{agent_no % TEAMS}",
                "telephony",
                arrived,
                arrived + wait,
                ended if ended < NOW else None,
                HandleType.NORMAL,
                talk_ms=talk_ms,
                hold_ms=rng.randrange(0, 60_000),
                wrapup_ms=rng.randrange(0, 60_000),
                transfer_count=int(roll > 0.95),
                is_open=ended >= NOW,
            )
        )
    spans = []
    for agent in agents:
        start = midnight + timedelta(hours=8)
        step = (NOW - start) / SPANS_PER_AGENT
        for k in range(SPANS_PER_AGENT):
            state = rng.choice(
                [
                    AgentState.AVAILABLE,
                    AgentState.CONNECTED,
                    AgentState.IDLE,
                    AgentState.WRAPUP,
                    AgentState.RESERVED,
                ]
            )
            end = None if k == SPANS_PER_AGENT - 1 else start + step
            spans.append(AgentStateSpan(agent.id, state, start, end, "Break"))
            start += step
    config = MetricsConfig(
        queue_service_level_threshold_s={f"q{i}": 30.0 for i in range(0, QUEUES, 2)},
        queue_team_ids={
            f"q{i}": frozenset({f"t{i % TEAMS}", f"t{(i + 1) % TEAMS}"}) for i in range(QUEUES)
        },
    )
    return contacts, agents, spans, config


def _best_and_median_ms(run: Any) -> tuple[float, float]:
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        run()
        timings.append((time.perf_counter() - started) * 1000.0)
    return round(min(timings), 1), round(statistics.median(timings), 1)


def metrics_compute_ms() -> dict[str, Any]:
    """The engine's inputs are columns, as the selectors read them from the database
    (`wallboard.selectors.contacts_since`, `agent_spans`); made here before timing."""
    contact_list, agents, span_list, config = synthetic_center()
    contacts, spans = contact_columns(contact_list), span_columns(span_list)
    del contact_list, span_list  # a server holds only the columns
    snapshot = compute_center(
        contacts=contacts, agents=agents, spans=spans, config=config, now=NOW, zone=ZONE
    )
    full_best, full_median = _best_and_median_ms(
        lambda: compute_center(
            contacts=contacts, agents=agents, spans=spans, config=config, now=NOW, zone=ZONE
        )
    )
    one_queue = contacts.of_queues({"q7"})
    queue_best, queue_median = _best_and_median_ms(
        lambda: recompute_queues(snapshot, queue_ids={"q7"}, contacts=one_queue, now=NOW)
    )
    one_agent = spans.of_agents({"a7"})
    agent_best, agent_median = _best_and_median_ms(
        lambda: recompute_agents(snapshot, agents=[agents[7]], spans=one_agent, now=NOW)
    )
    later = NOW + timedelta(seconds=10)
    since = refresh_since(now=later)
    since_us = epoch_us(since)
    recent = contacts.take(
        contacts.is_open | (contacts.arrived_us >= since_us) | (contacts.ended_us >= since_us)
    )
    recent_spans = spans.take((spans.end_us == MISSING) | (spans.end_us >= since_us))
    tick_best, tick_median = _best_and_median_ms(
        lambda: refresh(snapshot, contacts=recent, spans=recent_spans, now=later)
    )
    # Every change loads the org's snapshot from Redis and stores the new one.
    stored = pickled((1, snapshot))
    _, store_median = _best_and_median_ms(lambda: pickled((1, snapshot)))
    _, load_median = _best_and_median_ms(lambda: pickle.loads(stored))  # noqa: S301 - ours
    return {
        "queues": QUEUES,
        "agents": AGENTS,
        "tasks": TASKS,
        "spans": len(spans),
        "full_recompute_best_ms": full_best,
        "full_recompute_median_ms": full_median,
        "one_queue_recompute_best_ms": queue_best,
        "one_queue_recompute_median_ms": queue_median,
        "one_agent_recompute_best_ms": agent_best,
        "one_agent_recompute_median_ms": agent_median,
        "refresh_tick_best_ms": tick_best,
        "refresh_tick_median_ms": tick_median,
        "snapshot_pickle_median_ms": store_median,
        "snapshot_unpickle_median_ms": load_median,
        "snapshot_kb": round(len(stored) / 1024),
        "refresh_tick_contacts": len(recent),
        "refresh_tick_spans": len(recent_spans),
    }


if __name__ == "__main__":
    print(json.dumps(metrics_compute_ms(), indent=2))
