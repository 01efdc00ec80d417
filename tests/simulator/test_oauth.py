"""OAuth against the simulator: the authorization-code flow, PKCE, refresh rotation, expiry
and revocation, with Webex's field names and error shapes."""

from __future__ import annotations

import base64
import time

from tests.fixtures.simulator import TEST_REDIRECT_URI, RunningSimulator


def test_authorization_code_flow_answers_the_webex_token_fields(simulator: RunningSimulator):
    response = simulator.exchange_code(simulator.authorize())

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "access_token",
        "expires_in",
        "refresh_token",
        "refresh_token_expires_in",
        "token_type",
    }
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 43199
    assert body["refresh_token_expires_in"] == 5182014


def test_people_me_answers_the_org_as_a_base64_webex_id(simulator: RunningSimulator):
    response = simulator.api("GET", "/v1/people/me")

    assert response.status_code == 200
    org = base64.b64decode(response.json()["orgId"] + "==").decode()
    assert org == f"ciscospark://us/ORGANIZATION/{simulator.org_id}"


def test_an_authorization_code_works_once(simulator: RunningSimulator):
    code = simulator.authorize()
    assert simulator.exchange_code(code).status_code == 200

    again = simulator.exchange_code(code)

    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_pkce_verifier_must_match_the_challenge(simulator: RunningSimulator):
    verifier = "a-long-enough-code-verifier-with-43-or-more-characters"
    code = simulator.authorize(code_verifier=verifier)
    assert simulator.exchange_code(code, code_verifier="not-the-verifier").status_code == 400

    code = simulator.authorize(code_verifier=verifier)
    assert simulator.exchange_code(code, code_verifier=verifier).status_code == 200


def test_unregistered_redirect_uri_is_refused_without_redirecting(simulator: RunningSimulator):
    import httpx

    response = httpx.get(
        f"{simulator.identity_url}/authorize",
        params={
            "client_id": simulator.client_id,
            "response_type": "code",
            "redirect_uri": "https://evil.example/cb",
            "state": "s",
        },
    )

    assert response.status_code == 400


def test_redirect_uri_must_match_the_one_authorized(simulator: RunningSimulator):
    code = simulator.authorize(redirect_uri=TEST_REDIRECT_URI)

    response = simulator.exchange_code(code, redirect_uri="http://localhost:9999/other")

    assert response.status_code == 400


def test_wrong_client_secret_is_invalid_client(simulator: RunningSimulator):
    import httpx

    response = httpx.post(
        f"{simulator.identity_url}/access_token",
        data={
            "grant_type": "authorization_code",
            "client_id": simulator.client_id,
            "client_secret": "wrong",
            "code": simulator.authorize(),
            "redirect_uri": TEST_REDIRECT_URI,
        },
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_refresh_token_rotates_and_a_used_one_is_refused(simulator: RunningSimulator):
    first = simulator.new_tokens()

    refreshed = simulator.refresh(first["refresh_token"])
    reused = simulator.refresh(first["refresh_token"])

    assert refreshed.status_code == 200
    assert refreshed.json()["access_token"] != first["access_token"]
    assert reused.status_code == 400
    assert reused.json() == {
        "error": "invalid_grant",
        "error_description": reused.json()["error_description"],
    }


def test_expired_access_token_gets_401_and_refresh_recovers(make_simulator):
    sim = make_simulator(access_token_ttl_s=1, history_days=0, tasks_per_day=10)
    tokens = sim.new_tokens()
    assert sim.api("GET", "/v1/people/me", token=tokens["access_token"]).status_code == 200

    time.sleep(1.2)
    expired = sim.api("GET", "/v1/queues/statistics", token=tokens["access_token"])

    assert expired.status_code == 401
    assert expired.json()["error"]["key"] == "401"
    fresh = sim.refresh(tokens["refresh_token"]).json()["access_token"]
    assert sim.api("GET", "/v1/people/me", token=fresh).status_code == 200


def test_expired_refresh_token_is_refused(make_simulator):
    sim = make_simulator(refresh_token_ttl_s=1, history_days=0, tasks_per_day=10)
    tokens = sim.new_tokens()

    time.sleep(1.2)

    assert sim.refresh(tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_revoked_access_token_gets_401(make_simulator):
    sim = make_simulator(history_days=0, tasks_per_day=10)
    token = sim.new_tokens()["access_token"]

    sim.revoke_tokens(token)

    assert sim.api("GET", "/v1/people/me", token=token).status_code == 401


def test_missing_bearer_gets_401_in_the_wxcc_error_shape(simulator: RunningSimulator):
    import httpx

    response = httpx.get(f"{simulator.api_url}/v1/agents/statistics")

    assert response.status_code == 401
    body = response.json()
    assert body["trackingId"]
    assert body["error"]["message"][0]["description"]


def test_foreign_org_id_is_forbidden(simulator: RunningSimulator):
    response = simulator.api(
        "GET", "/v1/subscriptions", params={"orgId": "00000000-0000-0000-0000-000000000000"}
    )

    assert response.status_code == 403
    assert response.json()["error"]["key"] == 403
