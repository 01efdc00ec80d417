"""Several orgs under one client id: each has its own user, contact center, subscriptions and
webhooks; a token acts for the org of the user who consented, and only for it."""

from __future__ import annotations

import base64

import httpx
import pytest

from simulator.config import org_id_for_seed
from tests.fixtures.simulator import RunningSimulator, WebhookReceiver


@pytest.fixture
def two_orgs(make_simulator) -> tuple[RunningSimulator, RunningSimulator]:
    first = make_simulator(org_count=2, history_days=0)
    return first, first.for_org(2)


def _people_me_org(sim: RunningSimulator, token: str) -> str:
    org_id = sim.api("GET", "/v1/people/me", token=token).json()["orgId"]
    return base64.b64decode(org_id + "==").decode().rsplit("/", 1)[-1]


def test_org_one_is_the_org_a_single_org_simulator_serves(two_orgs):
    first, second = two_orgs

    assert first.org_id == org_id_for_seed(7)
    assert second.org_id not in (first.org_id, org_id_for_seed(8))
    assert [o["orgId"] for o in first.state()["orgs"]] == [first.org_id, second.org_id]


def test_a_token_acts_for_the_org_of_the_user_who_consented(two_orgs):
    first, second = two_orgs

    first_token = first.new_tokens()["access_token"]
    second_token = second.new_tokens()["access_token"]

    assert _people_me_org(first, first_token) == first.org_id
    assert _people_me_org(second, second_token) == second.org_id
    me = second.api("GET", "/v1/people/me", token=second_token).json()
    assert me["emails"] == [second.user_email] != [first.user_email]


def test_a_foreign_org_id_is_forbidden_even_when_the_simulator_serves_it(two_orgs):
    first, second = two_orgs
    token = first.new_tokens()["access_token"]

    for path in ("/v1/subscriptions", "/v1/queues/statistics", "/v2/event-types"):
        response = first.api("GET", path, token=token, params={"orgId": second.org_id})
        assert response.status_code == 403, path


def test_without_an_org_id_the_org_is_inferred_from_the_token(two_orgs):
    _, second = two_orgs

    listed = second.api("GET", "/v2/subscriptions", token=second.new_tokens()["access_token"])

    assert listed.json()["meta"]["orgId"] == second.org_id


def test_each_org_has_its_own_contact_center(two_orgs):
    first, second = two_orgs

    first_state, second_state = first.state(), second.state()

    assert first_state["orgId"] == first.org_id
    assert second_state["orgId"] == second.org_id
    first_queues = {q["id"] for q in first_state["queues"]}
    second_queues = {q["id"] for q in second_state["queues"]}
    assert len(first_queues) == len(second_queues) == 5
    assert not first_queues & second_queues
    first_agents = {a["id"] for a in first_state["agents"]}
    assert not first_agents & {a["id"] for a in second_state["agents"]}


def test_every_org_is_the_same_for_the_same_seed(make_simulator):
    one = make_simulator(org_count=2, history_days=0).for_org(2)
    again = make_simulator(org_count=2, history_days=0).for_org(2)

    assert one.org_id == again.org_id
    assert [q["id"] for q in one.state()["queues"]] == [q["id"] for q in again.state()["queues"]]
    assert [a["id"] for a in one.state()["agents"]] == [a["id"] for a in again.state()["agents"]]


def test_searches_answer_from_the_callers_contact_center(two_orgs):
    first, second = two_orgs
    second.pause()
    second.quiet()
    queue = second.state()["queues"][0]
    task = second.inject_task(queue["id"])
    now = second.step(5)
    query = f"{{ task(from: {now - 60_000}, to: {now}) {{ tasks {{ id }} }} }}"

    found = second.search(query).json()["data"]["task"]["tasks"]
    elsewhere = first.search(query).json()["data"]["task"]["tasks"]

    assert task["id"] in [t["id"] for t in found]
    assert task["id"] not in [t["id"] for t in elsewhere]


def test_subscriptions_belong_to_one_org(two_orgs, webhook_receiver: WebhookReceiver):
    first, second = two_orgs
    body = {
        "name": "second org",
        "eventTypes": ["task:new"],
        "destinationUrl": webhook_receiver.url,
    }
    created = second.api("POST", "/v1/subscriptions", json=body).json()["data"]

    assert created["createdBy"] == second.user_email
    assert first.api("GET", "/v1/subscriptions").json()["data"] == []
    assert first.api("GET", f"/v1/subscriptions/{created['id']}").status_code == 404
    assert second.api("GET", "/v1/subscriptions").json()["meta"]["subscriptionCount"] == 1


def test_an_org_receives_webhooks_only_for_its_own_events(
    two_orgs, webhook_receiver: WebhookReceiver
):
    first, second = two_orgs
    first.pause()
    for org in two_orgs:
        org.quiet()
    body = {
        "name": "second org",
        "eventTypes": ["task:new"],
        "destinationUrl": webhook_receiver.url,
    }
    second.api("POST", "/v1/subscriptions", json=body).raise_for_status()

    first.inject_task(first.state()["queues"][0]["id"])
    mine = second.inject_task(second.state()["queues"][0]["id"])

    events = webhook_receiver.wait_for(lambda e: len(e) >= 1)
    assert [e["data"]["taskId"] for e in events] == [mine["id"]]
    assert events[0]["comciscoorgid"] == second.org_id
    assert [d["orgId"] for d in second.deliveries()["deliveries"]] == [second.org_id]
    assert first.deliveries()["deliveries"] == []


def test_authorize_as_chooses_whose_user_consents_for_flows_the_product_drives(two_orgs):
    first, second = two_orgs
    plain = RunningSimulator.external(first.config, first.base_url)  # no sim_org parameter

    second.authorize_as()
    as_second = plain.new_tokens()["access_token"]
    first.authorize_as()
    as_first = plain.new_tokens()["access_token"]

    assert _people_me_org(plain, as_second) == second.org_id
    assert _people_me_org(plain, as_first) == first.org_id


def test_an_unknown_org_is_refused_at_authorize_and_in_control_calls(two_orgs):
    first, _ = two_orgs

    authorize = httpx.get(
        f"{first.identity_url}/authorize",
        params={
            "client_id": first.client_id,
            "response_type": "code",
            "redirect_uri": "http://localhost:8765/oauth/callback",
            "sim_org": "3",
        },
    )
    control = httpx.get(f"{first.base_url}/_sim/state", params={"org": "not-an-org"})

    assert authorize.status_code == 400
    assert control.status_code == 404
    assert control.json() == {"error": "unknown org"}


def test_revoking_one_orgs_tokens_leaves_the_other_org_connected(two_orgs):
    first, second = two_orgs
    first_token = first.new_tokens()["access_token"]
    second_token = second.new_tokens()["access_token"]

    second.revoke_tokens()

    assert first.api("GET", "/v1/subscriptions", token=first_token).status_code == 200
    assert second.api("GET", "/v1/subscriptions", token=second_token).status_code == 401
