"""Restarts: with a state directory the simulator, like Webex, still honours the tokens it
issued and still has every org's subscriptions after a restart; without one it forgets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.app import create_app
from simulator.persistence import STATE_FILE_NAME, StateFileInvalid
from tests.fixtures.simulator import RunningSimulator, WebhookReceiver, sim_test_config

SECRET = "a-subscription-secret-of-32-or-more-chars"


@pytest.fixture
def sim(make_simulator, tmp_path: Path) -> RunningSimulator:
    return make_simulator(history_days=0, org_count=2, state_dir=str(tmp_path))


def _subscribe(sim: RunningSimulator, url: str) -> dict:
    body = {
        "name": "survives restarts",
        "eventTypes": ["task:new"],
        "destinationUrl": url,
        "secret": SECRET,
        "resourceVersion": "task:1.0.0",
    }
    response = sim.api("POST", "/v2/subscriptions", json=body)
    assert response.status_code == 201, response.text
    return response.json()["data"]


def test_a_restart_keeps_the_tokens_webex_would_still_honour(sim: RunningSimulator):
    grant = sim.new_tokens()
    second_org = sim.for_org(2).new_tokens()

    sim.restart()

    assert sim.api("GET", "/v1/subscriptions", token=grant["access_token"]).status_code == 200
    listed = sim.api("GET", "/v1/subscriptions", token=second_org["access_token"])
    assert listed.json()["meta"]["orgId"] == sim.for_org(2).org_id, "still bound to its org"
    assert sim.refresh(grant["refresh_token"]).status_code == 200


def test_a_refresh_token_used_before_a_restart_stays_used(sim: RunningSimulator):
    grant = sim.new_tokens()
    rotated = sim.refresh(grant["refresh_token"]).json()

    sim.restart()

    reused = sim.refresh(grant["refresh_token"])
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    assert sim.refresh(rotated["refresh_token"]).status_code == 200


def test_a_restart_keeps_revocations_and_scopes(sim: RunningSimulator):
    revoked = sim.new_tokens()["access_token"]
    reader = sim.new_tokens(scope="cjp:config_read")["access_token"]
    sim.revoke_tokens(revoked)

    sim.restart()

    assert sim.api("GET", "/v1/subscriptions", token=revoked).status_code == 401
    assert sim.api("GET", "/v1/subscriptions", token=reader).status_code == 200
    body = {"name": "nope", "eventTypes": ["task:new"], "destinationUrl": "https://x.io/"}
    assert sim.api("POST", "/v1/subscriptions", token=reader, json=body).status_code == 403


def test_a_restart_keeps_every_orgs_subscriptions_and_delivers_to_them(
    sim: RunningSimulator, webhook_receiver: WebhookReceiver
):
    second = sim.for_org(2)
    created = _subscribe(second, webhook_receiver.url)
    token = second.new_tokens()["access_token"]

    sim.restart()

    listed = second.api("GET", "/v2/subscriptions", token=token).json()
    assert listed["data"] == [created]
    assert sim.api("GET", "/v2/subscriptions").json()["data"] == [], "org 1 had none"
    second.pause()
    second.quiet()
    task = second.inject_task(second.state()["queues"][0]["id"])
    event = webhook_receiver.wait_for(lambda e: len(e) >= 1)[0]
    assert event["data"]["taskId"] == task["id"]
    assert event["source"] == f"/com/cisco/wxcc/{created['id']}"


def test_a_deleted_subscription_stays_deleted_after_a_restart(sim: RunningSimulator):
    created = _subscribe(sim, "https://wallboard.example.com/hooks")
    assert sim.api("DELETE", f"/v2/subscriptions/{created['id']}").status_code == 204

    sim.restart()

    assert sim.api("GET", f"/v2/subscriptions/{created['id']}").status_code == 404


def test_the_state_file_holds_no_token_values(sim: RunningSimulator, tmp_path: Path):
    grant = sim.new_tokens()

    saved = (tmp_path / STATE_FILE_NAME).read_text()

    assert grant["access_token"] not in saved
    assert grant["refresh_token"] not in saved
    assert json.loads(saved)["tokens"]["accessTokens"]


def test_without_a_state_dir_a_restart_forgets_tokens_and_subscriptions(make_simulator):
    sim = make_simulator(history_days=0)
    token = sim.new_tokens()["access_token"]
    _subscribe(sim, "https://wallboard.example.com/hooks")

    sim.restart()

    assert sim.api("GET", "/v1/subscriptions", token=token).status_code == 401
    assert sim.api("GET", "/v2/subscriptions").json()["data"] == []


def test_an_unreadable_state_file_stops_the_start_with_its_name(tmp_path: Path):
    (tmp_path / STATE_FILE_NAME).write_text("{not json")

    with pytest.raises(StateFileInvalid, match=STATE_FILE_NAME):
        create_app(sim_test_config(history_days=0, state_dir=str(tmp_path)))
