"""The /_sim/ control API and `python -m simulator`."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx

from simulator.__main__ import parse_config
from simulator.config import DEMO_CLIENT_ID, org_id_for_seed
from tests.fixtures.simulator import RunningSimulator


def test_pause_freezes_model_time_and_step_advances_it_exactly(make_simulator):
    sim: RunningSimulator = make_simulator(history_days=0, tasks_per_day=100)
    paused_at = sim.pause()
    time.sleep(0.2)

    assert sim.now_ms() == paused_at
    assert sim.step(90) == paused_at + 90_000
    sim.resume()
    time.sleep(0.1)
    assert sim.now_ms() > paused_at + 90_000


def test_speed_runs_model_time_faster(make_simulator):
    sim: RunningSimulator = make_simulator(history_days=0, tasks_per_day=100, speed=600)
    before = sim.now_ms()
    time.sleep(0.2)

    assert sim.now_ms() - before >= 60_000


def test_arrival_rate_can_be_set_and_restored(make_simulator):
    sim: RunningSimulator = make_simulator(history_days=0, tasks_per_day=1200)
    queue = sim.state()["queues"][0]

    queues = sim.set_arrival_rate(0, queue["id"])
    assert next(q for q in queues if q["id"] == queue["id"])["arrivalRatePerHour"] == 0
    restored = sim.set_arrival_rate(None, queue["id"])
    assert next(q for q in restored if q["id"] == queue["id"])["arrivalRatePerHour"] > 0


def test_quiet_paused_model_is_still(make_simulator):
    sim: RunningSimulator = make_simulator(history_days=0)
    sim.pause()
    sim.quiet()
    count = sim.state()["taskCount"]

    sim.step(3600)

    assert sim.state()["taskCount"] == count
    assert all(q["arrivalRatePerHour"] == 0 for q in sim.state()["queues"])


def test_injected_task_waits_when_no_agent_is_free_and_abandons_on_patience(make_simulator):
    sim: RunningSimulator = make_simulator(history_days=0)
    sim.pause()
    sim.quiet()
    for agent in sim.state()["agents"]:
        sim.logout_agent(agent["id"])
    sim.step(3 * 3600)  # busy agents finish their work and leave
    queue = sim.state()["queues"][0]

    task = sim.inject_task(queue["id"], patienceSeconds=45)
    assert sim.task(task["id"])["status"] == "parked"
    sim.step(60)

    ended = sim.task(task["id"])
    assert ended["terminationType"] == "abandoned"
    assert ended["legs"][0]["abandonedTime"] - ended["legs"][0]["enqueuedTime"] == 45_000


def test_agent_can_be_made_idle_and_available(make_simulator):
    sim: RunningSimulator = make_simulator(history_days=0)
    sim.pause()
    sim.quiet()
    agent = next(a for a in sim.state()["agents"] if a["state"] == "Available")

    assert sim.set_agent_state(agent["id"], "Idle", "Meeting") == {"state": "Idle"}
    after = next(a for a in sim.state()["agents"] if a["id"] == agent["id"])
    assert after["idleCode"] == "Meeting"
    assert sim.set_agent_state(agent["id"], "Available")["state"] in ("Available", "Reserved")


def test_parse_config_reads_flags_then_environment(monkeypatch):
    monkeypatch.setenv("SIM_CLIENT_SECRET", "from-env")
    monkeypatch.setenv("SIM_PORT", "9999")

    config = parse_config(["--seed", "11", "--client-id", "cli-id", "--speed", "5"])

    assert config.seed == 11
    assert config.client_id == "cli-id"
    assert config.client_secret == "from-env"
    assert config.port == 9999
    assert config.speed == 5
    assert config.org_id == org_id_for_seed(11)


def test_python_m_simulator_prints_where_it_listens(tmp_path):
    env = {**os.environ, "SIM_HISTORY_DAYS": "0"}
    with subprocess.Popen(
        [sys.executable, "-m", "simulator", "--port", "0", "--seed", "7"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    ) as process:
        try:
            assert process.stdout is not None
            lines = [process.stdout.readline().strip() for _ in range(3)]
        finally:
            process.terminate()
            process.wait(timeout=10)

    assert lines[0].startswith("WxCC simulator listening on http://127.0.0.1:")
    assert lines[1] == f"org id: {org_id_for_seed(7)}"
    assert lines[2] == f"client id: {DEMO_CLIENT_ID}"


def test_health_is_outside_the_wxcc_surface(simulator: RunningSimulator):
    assert httpx.get(f"{simulator.base_url}/_sim/health").json() == {"status": "ok"}
