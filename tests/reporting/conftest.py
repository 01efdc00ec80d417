"""Fixtures for report tests: a simulator with pinned history, an org connected to it, and
fast, isolated report settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from oauth.models import Organization
from tests.fixtures.simulator import RunningSimulator

ConnectOrg = Callable[[RunningSimulator], Organization]


def sim_now(sim: RunningSimulator) -> datetime:
    return datetime.fromtimestamp(sim.now_ms() / 1000, tz=UTC)


@pytest.fixture
def report_settings(settings: Any, tmp_path: Path) -> Any:
    """Reports written under the test's folder; no pacing; short waits."""
    settings.REPORTING_DIR = str(tmp_path / "reports")
    settings.REPORTING_REQUESTS_PER_MINUTE = 100_000
    settings.REPORTING_RATE_LIMIT_MAX_WAIT_S = 5.0
    settings.REPORTING_RETRY_BASE_S = 0.01
    return settings


@pytest.fixture
def history_sim(make_simulator: Callable[..., RunningSimulator]) -> RunningSimulator:
    """The seed's contact center with two days of history before Tuesday 2026-03-10 10:00
    UTC, paused so every answer stays put."""
    sim = make_simulator(history_days=2)
    sim.pause()
    return sim


@pytest.fixture
def history_org(
    db: None, history_sim: RunningSimulator, connect_org: ConnectOrg, report_settings: Any
) -> Organization:
    org = connect_org(history_sim)
    org.name = "Demo Contact Center"
    org.save(update_fields=["name"])
    return org


# --- a small day whose every figure is known ---------------------------------------------------

SCENARIO_DAY = date(2026, 3, 10)
# 00:30 UTC: before the model's first shift, so the day holds only what the scenario does.
SCENARIO_START = datetime(2026, 3, 10, 0, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Scenario:
    """One agent (Grace Loh, Sales Team) and five contacts on Tuesday 10 March 2026 (UTC).

    Seconds after Grace logs in at 00:30 (t = 0):
      60  t1 Sales rings 2 s, talk 100 s, wrap-up 20 s (ends 182)
      65  t2 Sales, caller hangs up after 30 s (abandoned)
      65  t3 Sales, caller hangs up after 4 s (short: under the tenant's 10 s)
      65  t4 Sales waits for Grace until 182, rings 2 s, talk 50 s, wrap-up 10 s (ends 244)
    1865  t5 Web Chat rings 2 s, talk 200 s, no wrap-up (ends 2067)
    2765  Grace goes idle (Break); 3365 she logs out.
    """

    sim: RunningSimulator
    org: Organization
    now: datetime
    sales_id: str
    chat_id: str
    # Where the paused simulator stood at t = 0: SCENARIO_START plus the moment
    # the simulator ran on the wall clock before pause() (a fraction of a second).
    started_at: datetime


@pytest.fixture
def scenario(
    db: None,
    make_simulator: Callable[..., RunningSimulator],
    connect_org: ConnectOrg,
    report_settings: Any,
) -> Scenario:
    sim = make_simulator(
        history_days=0, agent_count=2, start_time_ms=int(SCENARIO_START.timestamp() * 1000)
    )
    sim.pause()
    started_at = sim_now(sim)
    sim.quiet()
    state = sim.state()
    queues = {queue["name"]: queue["id"] for queue in state["queues"]}
    grace = next(a["id"] for a in state["agents"] if a["name"] == "Grace Loh")
    sim.login_agent(grace)
    sim.step(60)
    sim.inject_task(queues["Sales"], handleSeconds=100, wrapupSeconds=20, ringSeconds=2)
    sim.step(5)
    sim.inject_task(queues["Sales"], patienceSeconds=30)
    sim.inject_task(queues["Sales"], patienceSeconds=4)
    sim.inject_task(queues["Sales"], handleSeconds=50, wrapupSeconds=10, ringSeconds=2)
    sim.step(1800)
    sim.inject_task(queues["Web Chat"], handleSeconds=200, wrapupSeconds=0, ringSeconds=2)
    sim.step(900)
    sim.set_agent_state(grace, "Idle", "Break")
    sim.step(600)
    sim.logout_agent(grace)
    # To the next morning: the 10th has ended and settled, so it is read once and kept.
    sim.step(86400 - 3365 - 1800 + 6 * 3600)
    org = connect_org(sim)
    org.name = "Acme Contact Center"
    org.save(update_fields=["name"])
    return Scenario(
        sim=sim,
        org=org,
        now=sim_now(sim),
        sales_id=queues["Sales"],
        chat_id=queues["Web Chat"],
        started_at=started_at,
    )
