"""Scopes: a token remembers what was granted at authorize, and WxCC answers 403 in its own
error shape when an operation needs a scope the token lacks."""

from __future__ import annotations

import pytest

from tests.fixtures.simulator import RunningSimulator

SUBSCRIPTION = {
    "name": "scope test",
    "eventTypes": ["task:new"],
    "destinationUrl": "https://wallboard.example.com/hooks",
}
READ_CALLS = [
    ("GET", "/v1/subscriptions", None),
    ("GET", "/v2/subscriptions", None),
    ("GET", "/v2/event-types", None),
    ("GET", "/v1/queues/statistics", None),
    ("POST", "/search", {"query": "{ task(from: 0, to: 1) { tasks { id } } }"}),
]


@pytest.fixture(scope="module")
def tokens_by_scope(simulator: RunningSimulator) -> dict[str, str]:
    scopes = {
        "login only": "spark:people_read",
        "config read": "cjp:config_read spark:people_read",
        "config": "cjp:config spark:people_read",
        "config write only": "cjp:config_write spark:people_read",
    }
    return {
        name: simulator.new_tokens(scope=scope)["access_token"] for name, scope in scopes.items()
    }


@pytest.mark.parametrize(("method", "path", "body"), READ_CALLS)
def test_a_token_without_a_config_scope_gets_wxccs_403(
    simulator: RunningSimulator, tokens_by_scope: dict[str, str], method: str, path: str, body
):
    response = simulator.api(
        method,
        path,
        token=tokens_by_scope["login only"],
        params={"orgId": simulator.org_id},
        json=body,
    )

    assert response.status_code == 403
    error = response.json()["error"]
    assert error["key"] in (403, "403")
    assert error["message"][0]["description"]
    assert response.json()["trackingId"]


@pytest.mark.parametrize("granted", ["config read", "config"])
@pytest.mark.parametrize(("method", "path", "body"), READ_CALLS)
def test_config_read_or_config_is_enough_to_read(
    simulator: RunningSimulator,
    tokens_by_scope: dict[str, str],
    granted: str,
    method: str,
    path: str,
    body,
):
    response = simulator.api(
        method, path, token=tokens_by_scope[granted], params={"orgId": simulator.org_id}, json=body
    )

    assert response.status_code != 403, response.text


def test_the_subscriptions_api_answers_an_integer_403_key(
    simulator: RunningSimulator, tokens_by_scope: dict[str, str]
):
    response = simulator.api("GET", "/v1/subscriptions", token=tokens_by_scope["login only"])

    assert response.json()["error"]["key"] == 403


def test_search_answers_a_string_403_key(
    simulator: RunningSimulator, tokens_by_scope: dict[str, str]
):
    response = simulator.api(
        "POST", "/search", token=tokens_by_scope["login only"], json=READ_CALLS[-1][2]
    )

    assert response.json()["error"]["key"] == "403"


@pytest.mark.parametrize("granted", ["config read", "config"])
def test_writing_a_subscription_needs_config_write(
    simulator: RunningSimulator, tokens_by_scope: dict[str, str], granted: str
):
    response = simulator.api(
        "POST", "/v1/subscriptions", token=tokens_by_scope[granted], json=SUBSCRIPTION
    )

    assert response.status_code == 403
    assert response.json()["error"]["key"] == 403


def test_updating_and_deleting_a_subscription_need_config_write(
    simulator: RunningSimulator, tokens_by_scope: dict[str, str]
):
    created = simulator.api("POST", "/v1/subscriptions", json=SUBSCRIPTION).json()["data"]
    path = f"/v1/subscriptions/{created['id']}"
    reader = tokens_by_scope["config read"]

    patched = simulator.api("PATCH", path, token=reader, json={"status": "inactive"})
    deleted = simulator.api("DELETE", path, token=reader)

    assert (patched.status_code, deleted.status_code) == (403, 403)
    assert simulator.api("GET", path, token=reader).json()["data"]["status"] == "active"
    assert simulator.api("DELETE", path).status_code == 204


def test_config_write_alone_writes_but_does_not_read(
    simulator: RunningSimulator, tokens_by_scope: dict[str, str]
):
    writer = tokens_by_scope["config write only"]

    created = simulator.api("POST", "/v1/subscriptions", token=writer, json=SUBSCRIPTION)
    listed = simulator.api("GET", "/v1/subscriptions", token=writer)

    assert created.status_code == 201
    assert listed.status_code == 403
    path = f"/v1/subscriptions/{created.json()['data']['id']}"
    assert simulator.api("DELETE", path, token=writer).status_code == 204


def test_people_me_needs_no_contact_center_scope(
    simulator: RunningSimulator, tokens_by_scope: dict[str, str]
):
    response = simulator.api("GET", "/v1/people/me", token=tokens_by_scope["login only"])

    assert response.status_code == 200


def test_a_refreshed_token_keeps_the_scopes_granted_at_authorize(simulator: RunningSimulator):
    grant = simulator.new_tokens(scope="spark:people_read")

    refreshed = simulator.refresh(grant["refresh_token"]).json()["access_token"]

    assert simulator.api("GET", "/v1/subscriptions", token=refreshed).status_code == 403
