"""Subscriptions (V1 and V2) and webhook delivery: envelope, signature, versions, retries."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator

import pytest

from simulator.subscriptions import (
    URL_FRAGMENT,
    URL_HOST,
    URL_NO_PATH,
    URL_NOT_A_URL,
    URL_NOT_HTTPS,
    URL_PORT,
    URL_QUERY,
    URL_USERINFO,
)
from tests.fixtures.simulator import (
    RunningSimulator,
    WebhookReceiver,
    sim_test_config,
    start_simulator,
)

SECRET = "a-subscription-secret-of-32-or-more-chars"
TASK_EVENTS = ["task:new", "task:parked", "task:connect", "task:connected", "task:ended"]


def _subscribe(sim: RunningSimulator, url: str, version: int = 1, **extra: object) -> dict:
    body: dict[str, object] = {
        "name": "test subscription",
        "eventTypes": TASK_EVENTS,
        "destinationUrl": url,
    }
    body.update(extra)
    response = sim.api("POST", f"/v{version}/subscriptions", json=body)
    assert response.status_code == 201, response.text
    return response.json()["data"]


@pytest.fixture
def quiet_sim(make_simulator) -> RunningSimulator:
    sim = make_simulator(history_days=0)
    sim.pause()
    sim.quiet()
    return sim


def test_subscription_crud_with_documented_statuses(simulator: RunningSimulator):
    created = _subscribe(simulator, "https://example.com/hooks", secret=SECRET)
    path = f"/v1/subscriptions/{created['id']}"

    listed = simulator.api("GET", "/v1/subscriptions").json()
    patched = simulator.api("PATCH", path, json={"status": "inactive"})
    fetched = simulator.api("GET", path).json()["data"]
    deleted = simulator.api("DELETE", path)

    assert "secret" not in created
    assert created["id"] in [s["id"] for s in listed["data"]]
    assert patched.status_code == 200
    assert fetched["status"] == "inactive"
    assert deleted.status_code == 204
    assert simulator.api("GET", path).status_code == 404


def test_v1_and_v2_subscriptions_see_only_their_own(simulator: RunningSimulator):
    v2 = _subscribe(simulator, "https://example.com/v2", version=2, resourceVersion="task:1.0.0")

    assert simulator.api("GET", f"/v1/subscriptions/{v2['id']}").status_code == 404
    assert v2["id"] not in [
        s["id"] for s in simulator.api("GET", "/v1/subscriptions").json()["data"]
    ]
    assert v2["resourceVersion"] == "task:1.0.0"
    simulator.api("DELETE", f"/v2/subscriptions/{v2['id']}")


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"name": "abc", "eventTypes": ["task:new"], "destinationUrl": "https://x.io/"}, "name"),
        ({"name": "valid", "eventTypes": [], "destinationUrl": "https://x.io/"}, "eventTypes"),
        (
            {"name": "valid", "eventTypes": ["task:nope"], "destinationUrl": "https://x.io/"},
            "task:nope",
        ),
        (
            {"name": "valid", "eventTypes": ["task:new"], "destinationUrl": "ftp://x.io/"},
            "destinationUrl",
        ),
        (
            {
                "name": "valid",
                "eventTypes": ["task:new"],
                "destinationUrl": "https://x.io/",
                "secret": "short",
            },
            "secret",
        ),
    ],
)
def test_invalid_subscription_is_a_400_error_result(
    simulator: RunningSimulator, body: dict, problem: str
):
    response = simulator.api("POST", "/v1/subscriptions", json=body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["key"] == 400, "the Subscriptions API's key is an integer"
    assert problem in error["message"][0]["description"]


def test_v2_subscription_requires_a_resource_version(simulator: RunningSimulator):
    response = simulator.api(
        "POST",
        "/v2/subscriptions",
        json={"name": "valid", "eventTypes": ["task:new"], "destinationUrl": "https://x.io/"},
    )

    assert response.status_code == 400


def test_event_types_list_the_emitted_events(simulator: RunningSimulator):
    v1 = simulator.api("GET", "/v1/event-types").json()
    v2 = simulator.api("GET", "/v2/event-types").json()

    names = {e["name"] for e in v1["data"]}
    assert set(TASK_EVENTS) | {"agent:login", "agent:logout", "agent:state_change"} <= names
    assert {"name": "agent:login", "resource": "agent", "action": "login"} in v1["data"]
    assert {"resource": "task", "version": "1.0.0"} in v2["meta"]["resourceVersionList"]


def test_a_task_is_announced_new_connect_connected_ended_in_the_v1_envelope(
    quiet_sim: RunningSimulator, webhook_receiver: WebhookReceiver
):
    subscription = _subscribe(quiet_sim, webhook_receiver.url, secret=SECRET)
    queue = quiet_sim.state()["queues"][0]
    task = quiet_sim.inject_task(queue["id"], handleSeconds=30, wrapupSeconds=5)
    quiet_sim.step(120)

    events = webhook_receiver.wait_for(lambda e: any(x["type"] == "task:ended" for x in e))

    mine = [e for e in events if e["data"]["taskId"] == task["id"]]
    # Delivered concurrently, as WxCC does: every event once, in no promised order.
    by_type = {e["type"]: e for e in mine}
    assert sorted(by_type) == ["task:connect", "task:connected", "task:ended", "task:new"]
    assert len(mine) == 4
    envelope = by_type["task:new"]
    assert set(envelope) == {
        "id", "specversion", "type", "source", "comciscoorgid", "datacontenttype", "data",
    }  # fmt: skip
    assert envelope["specversion"] == "1.0"
    assert envelope["source"] == f"/com/cisco/wxcc/{subscription['id']}"
    assert envelope["comciscoorgid"] == quiet_sim.org_id
    assert envelope["datacontenttype"] == "application/json"
    assert envelope["data"]["direction"] == "INBOUND"
    assert envelope["data"]["queueId"] == queue["id"]
    assert by_type["task:ended"]["data"]["terminatingParty"] == "Customer"
    for hook in webhook_receiver.received:
        expected = hmac.new(SECRET.encode(), hook.body, hashlib.sha256).hexdigest()
        assert hook.headers["x-webexcc-signature"] == expected
        assert "x-webexcc-timestamp" not in hook.headers


def test_v2_deliveries_carry_timestamp_and_version(
    quiet_sim: RunningSimulator, webhook_receiver: WebhookReceiver
):
    _subscribe(
        quiet_sim,
        webhook_receiver.url,
        version=2,
        secret=SECRET,
        eventTypes=["task:new"],
        resourceVersion="task:1.0.0",
    )
    quiet_sim.inject_task(quiet_sim.state()["queues"][0]["id"])

    event = webhook_receiver.wait_for(lambda e: len(e) >= 1)[0]

    hook = webhook_receiver.received[0]
    assert event["comciscotimestamp"] == hook.headers["x-webexcc-timestamp"]
    assert event["comciscotimestamp"] == str(event["data"]["createdTime"])
    assert hook.headers["x-webexcc-webhook-version"] == "task:1.0.0"


def test_without_a_secret_there_is_no_signature(
    quiet_sim: RunningSimulator, webhook_receiver: WebhookReceiver
):
    _subscribe(quiet_sim, webhook_receiver.url, eventTypes=["task:new"])
    quiet_sim.inject_task(quiet_sim.state()["queues"][0]["id"])

    webhook_receiver.wait_for(lambda e: len(e) >= 1)

    assert "x-webexcc-signature" not in webhook_receiver.received[0].headers


def test_failed_deliveries_are_retried_with_back_off(
    quiet_sim: RunningSimulator, webhook_receiver: WebhookReceiver
):
    _subscribe(quiet_sim, webhook_receiver.url, secret=SECRET, eventTypes=["task:new"])
    webhook_receiver.fail_next = 2
    quiet_sim.inject_task(quiet_sim.state()["queues"][0]["id"])

    webhook_receiver.wait_for(lambda e: len(e) == 1)

    attempts = [d for d in quiet_sim.deliveries()["deliveries"] if d["type"] == "task:new"]
    assert [(d["attempt"], d["status"], d["ok"]) for d in attempts] == [
        (1, 500, False),
        (2, 500, False),
        (3, 202, True),
    ]
    assert attempts[1]["eventId"] == attempts[0]["eventId"], "a retry is the same event"


def test_agent_logout_is_announced(quiet_sim: RunningSimulator, webhook_receiver: WebhookReceiver):
    _subscribe(quiet_sim, webhook_receiver.url, eventTypes=["agent:logout"])
    agent = next(
        a for a in quiet_sim.state()["agents"] if a["loggedIn"] and a["state"] == "Available"
    )

    assert quiet_sim.logout_agent(agent["id"]) == {"loggedOut": True, "pending": False}

    event = webhook_receiver.wait_for(lambda e: len(e) >= 1)[0]
    assert event["type"] == "agent:logout"
    assert event["data"]["agentId"] == agent["id"]
    assert event["data"]["teamId"] == agent["teamId"]


@pytest.fixture(scope="module")
def strict_sim() -> Iterator[RunningSimulator]:
    """A simulator with SimConfig's default: no loopback destinations."""
    running = start_simulator(sim_test_config(history_days=0, allow_loopback_destinations=False))
    yield running
    running.stop()


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("ftp://wallboard.example.com/hooks", URL_NOT_A_URL),
        ("http://wallboard.example.com/hooks", URL_NOT_HTTPS),
        ("https://user:pw@wallboard.example.com/hooks", URL_USERINFO),
        ("https://wallboard.example.com:8443/hooks", URL_PORT),
        ("https://wallboard.example.com", URL_NO_PATH),
        ("https://wallboard.example.com/hooks?token=abc", URL_QUERY),
        ("https://wallboard.example.com/hooks#part", URL_FRAGMENT),
        ("https://10.1.2.3/hooks", URL_HOST),
        ("https://intranet/hooks", URL_HOST),
        ("http://127.0.0.1:8000/hooks", URL_NOT_HTTPS),
        ("https://localhost/hooks", URL_HOST),
        ("https://[::1]:9000/hooks", URL_PORT),
    ],
)
def test_each_destination_url_rule_is_refused_with_a_400_error_result(
    strict_sim: RunningSimulator, url: str, rule: str
):
    body = {"name": "url rules", "eventTypes": ["task:new"], "destinationUrl": url}

    response = strict_sim.api("POST", "/v1/subscriptions", json=body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["key"] == 400
    assert rule in [m["description"] for m in error["message"]]


@pytest.mark.parametrize(
    "url", ["https://wallboard.example.com/", "https://wallboard.example.com:443/webhooks/wxcc/"]
)
def test_an_https_url_on_a_public_domain_with_a_path_is_accepted(
    strict_sim: RunningSimulator, url: str
):
    body = {"name": "url rules", "eventTypes": ["task:new"], "destinationUrl": url}

    response = strict_sim.api("POST", "/v1/subscriptions", json=body)

    assert response.status_code == 201, response.text
    strict_sim.api("DELETE", f"/v1/subscriptions/{response.json()['data']['id']}")


def test_an_update_to_a_refused_destination_is_a_400(strict_sim: RunningSimulator):
    body = {"name": "url rules", "eventTypes": ["task:new"], "destinationUrl": "https://x.io/"}
    created = strict_sim.api("POST", "/v1/subscriptions", json=body).json()["data"]
    path = f"/v1/subscriptions/{created['id']}"

    response = strict_sim.api("PATCH", path, json={"destinationUrl": "https://x.io/?a=1"})

    assert response.status_code == 400
    assert strict_sim.api("GET", path).json()["data"]["destinationUrl"] == "https://x.io/"
    strict_sim.api("DELETE", path)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/webhooks/wxcc/",
        "http://localhost:8765/hooks",
        "https://localhost/hooks",
        "http://[::1]:9000/hooks",
    ],
)
def test_the_loopback_opt_in_admits_local_receivers_on_any_port(
    simulator: RunningSimulator, url: str
):
    body = {"name": "loopback", "eventTypes": ["task:new"], "destinationUrl": url}

    response = simulator.api("POST", "/v1/subscriptions", json=body)

    assert response.status_code == 201, response.text
    simulator.api("DELETE", f"/v1/subscriptions/{response.json()['data']['id']}")


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("http://wallboard.example.com/hooks", URL_NOT_HTTPS),
        ("http://127.0.0.1:8000/hooks?x=1", URL_QUERY),
        ("http://user@127.0.0.1:8000/hooks", URL_USERINFO),
    ],
)
def test_the_loopback_opt_in_relaxes_nothing_else(simulator: RunningSimulator, url: str, rule):
    body = {"name": "loopback", "eventTypes": ["task:new"], "destinationUrl": url}

    response = simulator.api("POST", "/v1/subscriptions", json=body)

    assert response.status_code == 400
    assert rule in [m["description"] for m in response.json()["error"]["message"]]


def test_list_responses_count_every_subscription_of_the_org(strict_sim: RunningSimulator):
    v1 = _subscribe(strict_sim, "https://example.com/v1")
    v2 = _subscribe(strict_sim, "https://example.com/v2", version=2, resourceVersion="task:1.0.0")

    v1_list = strict_sim.api("GET", "/v1/subscriptions").json()
    v2_list = strict_sim.api("GET", "/v2/subscriptions").json()

    assert [s["id"] for s in v1_list["data"]] == [v1["id"]]
    assert [s["id"] for s in v2_list["data"]] == [v2["id"]]
    assert v1_list["meta"]["subscriptionCount"] == v2_list["meta"]["subscriptionCount"] == 2
    strict_sim.api("DELETE", f"/v1/subscriptions/{v1['id']}")
    strict_sim.api("DELETE", f"/v2/subscriptions/{v2['id']}")


def test_agent_2_0_0_is_an_accepted_resource_version(
    quiet_sim: RunningSimulator, webhook_receiver: WebhookReceiver
):
    listed = quiet_sim.api("GET", "/v2/event-types").json()["meta"]["resourceVersionList"]
    created = _subscribe(
        quiet_sim,
        webhook_receiver.url,
        version=2,
        eventTypes=["agent:logout"],
        resourceVersion="agent:2.0.0",
    )
    agent = next(
        a for a in quiet_sim.state()["agents"] if a["loggedIn"] and a["state"] == "Available"
    )

    quiet_sim.logout_agent(agent["id"])

    assert {"resource": "agent", "version": "2.0.0"} in listed
    assert created["resourceVersion"] == "agent:2.0.0"
    webhook_receiver.wait_for(lambda e: len(e) >= 1)
    assert webhook_receiver.received[0].headers["x-webexcc-webhook-version"] == "agent:2.0.0"
