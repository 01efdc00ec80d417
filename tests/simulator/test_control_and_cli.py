"""The /_sim/ control API and `python -m simulator`."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from simulator.__main__ import parse_config
from simulator.config import DEMO_CLIENT_ID, org_id_for_seed
from tests.fixtures.servers import free_port
from tests.fixtures.simulator import RunningSimulator, sim_test_config


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


def test_parse_config_reads_the_tenancy_state_and_loopback_flags(tmp_path):
    config = parse_config(
        ["--org-count", "3", "--state-dir", str(tmp_path), "--allow-loopback-destinations"]
    )

    assert config.org_count == 3
    assert config.state_dir == str(tmp_path)
    assert config.allow_loopback_destinations is True


def test_parse_config_defaults_to_one_org_in_memory_without_loopback(monkeypatch):
    for var in ("SIM_ORG_COUNT", "SIM_STATE_DIR", "SIM_ALLOW_LOOPBACK_DESTINATIONS"):
        monkeypatch.delenv(var, raising=False)

    config = parse_config([])

    assert (config.org_count, config.state_dir, config.allow_loopback_destinations) == (
        1,
        None,
        False,
    )


def test_parse_config_reads_the_new_settings_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SIM_ORG_COUNT", "2")
    monkeypatch.setenv("SIM_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("SIM_ALLOW_LOOPBACK_DESTINATIONS", "true")

    config = parse_config([])

    assert (config.org_count, config.state_dir, config.allow_loopback_destinations) == (
        2,
        str(tmp_path),
        True,
    )


def test_an_org_count_below_one_is_refused(capsys):
    with pytest.raises(SystemExit):
        parse_config(["--org-count", "0"])

    assert "--org-count" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("step", b"{not json"),
        ("step", b"[1, 2]"),
        ("step", b'{"seconds": "soon"}'),
        ("speed", b'{"speed": null}'),
        ("rate-limit", b'{"per_minute": "many"}'),
        ("inject-task", b'{"queueId": "nope"}'),
        ("tokens/revoke", b'{"access_token": 7}'),
    ],
)
def test_bad_control_input_gets_a_400_not_a_500(
    simulator: RunningSimulator, path: str, body: bytes
):
    response = httpx.post(f"{simulator.base_url}/_sim/{path}", content=body)

    assert response.status_code == 400
    assert response.json()["error"]


def _run_simulator(args: list[str]) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "--seed", "7", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "SIM_HISTORY_DAYS": "0"},
    )
    return process


def _wait_until_up(base_url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/_sim/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"the simulator did not come up at {base_url}")


def test_python_m_simulator_prints_every_further_org(tmp_path):
    with _run_simulator(["--port", "0", "--org-count", "2"]) as process:
        try:
            assert process.stdout is not None
            lines = [process.stdout.readline().strip() for _ in range(4)]
        finally:
            process.terminate()
            process.wait(timeout=10)

    assert lines[1] == f"org id: {org_id_for_seed(7)}"
    assert lines[3].startswith(f"org 2 id: {org_id_for_seed(7, 2)} (user ")


def test_python_m_simulator_with_a_state_dir_honours_its_tokens_after_a_restart(tmp_path):
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    args = ["--port", str(port), "--state-dir", str(tmp_path / "sim")]
    with _run_simulator(args) as first_run:
        try:
            _wait_until_up(base_url)
            sim = RunningSimulator.external(sim_test_config(port=port), base_url)
            tokens = sim.new_tokens()
        finally:
            first_run.terminate()
            first_run.wait(timeout=10)
    with _run_simulator(args) as second_run:
        try:
            _wait_until_up(base_url)
            me = sim.api("GET", "/v1/people/me", token=tokens["access_token"])
            refreshed = sim.refresh(tokens["refresh_token"])
        finally:
            second_run.terminate()
            second_run.wait(timeout=10)

    assert me.status_code == 200
    assert refreshed.status_code == 200
