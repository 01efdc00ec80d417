"""Rate limiting (429 with Retry-After) and injected faults for failure-path tests."""

from __future__ import annotations

import httpx
import pytest

from tests.fixtures.simulator import RunningSimulator


@pytest.fixture
def sim(make_simulator) -> RunningSimulator:
    return make_simulator(history_days=0, tasks_per_day=100)


def test_past_the_budget_requests_get_429_with_retry_after(sim: RunningSimulator):
    sim.set_rate_limit(5)
    token = sim.access_token
    answers = [sim.api("GET", "/v1/subscriptions", token=token) for _ in range(6)]

    assert [a.status_code for a in answers] == [200] * 5 + [429]
    limited = answers[-1]
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.json()["error"]["key"] == 429


def test_the_budget_is_per_client_id_by_default(sim: RunningSimulator):
    sim.set_rate_limit(3)
    first, second = sim.new_tokens()["access_token"], sim.new_tokens()["access_token"]
    for _ in range(3):
        assert sim.api("GET", "/v1/event-types", token=first).status_code == 200

    assert sim.api("GET", "/v1/event-types", token=second).status_code == 429


def test_per_token_budget_can_be_chosen(make_simulator):
    sim = make_simulator(history_days=0, tasks_per_day=100, rate_limit_scope="token")
    sim.set_rate_limit(2)
    first, second = sim.new_tokens()["access_token"], sim.new_tokens()["access_token"]
    for _ in range(2):
        sim.api("GET", "/v1/event-types", token=first)

    assert sim.api("GET", "/v1/event-types", token=first).status_code == 429
    assert sim.api("GET", "/v1/event-types", token=second).status_code == 200


def test_identity_calls_do_not_spend_the_wxcc_budget(sim: RunningSimulator):
    sim.set_rate_limit(2)
    token = sim.access_token
    for _ in range(5):
        assert sim.api("GET", "/v1/people/me", token=token).status_code == 200

    assert sim.api("GET", "/v1/event-types", token=token).status_code == 200


def test_two_busy_orgs_under_one_client_id_share_one_300_a_minute_budget(make_simulator):
    first_org = make_simulator(
        org_count=2, history_days=0, tasks_per_day=100, rate_limit_per_minute=300
    )
    second_org = first_org.for_org(2)
    tokens = {org.org_id: org.new_tokens()["access_token"] for org in (first_org, second_org)}
    assert len(set(tokens)) == 2, "each token acts for its own org"

    def call(org: RunningSimulator, client: httpx.Client) -> httpx.Response:
        return client.get(
            f"{org.api_url}/v1/subscriptions",
            params={"orgId": org.org_id},
            headers={"Authorization": f"Bearer {tokens[org.org_id]}"},
        )

    with httpx.Client(timeout=10) as client:
        # Interleaved, as two orgs' pollers would be: 150 each stays inside the shared budget.
        inside = [call(org, client) for _ in range(150) for org in (first_org, second_org)]
        past_first = call(first_org, client)
        past_second = call(second_org, client)

    assert [r.status_code for r in inside] == [200] * 300
    assert {r.json()["meta"]["orgId"] for r in inside} == set(tokens)
    for limited in (past_first, past_second):
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["Retry-After"]) <= 60


def test_outage_answers_503_until_cleared(sim: RunningSimulator):
    sim.set_fault("outage")

    assert sim.api("GET", "/v1/subscriptions").status_code == 503
    assert httpx.get(f"{sim.base_url}/_sim/health").status_code == 200, "control stays up"
    sim.clear_faults()
    assert sim.api("GET", "/v1/subscriptions").status_code == 200


def test_5xx_for_a_number_of_requests_then_recovery(sim: RunningSimulator):
    token = sim.access_token
    sim.set_fault("5xx", remaining=2, status_code=502)

    codes = [sim.api("GET", "/v1/subscriptions", token=token).status_code for _ in range(3)]

    assert codes == [502, 502, 200]


def test_identity_faults_leave_the_api_alone(sim: RunningSimulator):
    token = sim.access_token
    sim.set_fault("outage", scope="identity")

    assert sim.refresh("anything").status_code == 503
    assert sim.api("GET", "/v1/subscriptions", token=token).status_code == 200


def test_injected_ratelimit_uses_the_configured_retry_after(sim: RunningSimulator):
    sim.set_fault("ratelimit", retry_after_s=7, remaining=1)

    response = sim.api("GET", "/v1/subscriptions")

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"


def test_timeout_fault_outlasts_the_client_timeout(sim: RunningSimulator):
    token = sim.access_token
    sim.set_fault("timeout", delay_s=2.0, remaining=1)

    with pytest.raises(httpx.ReadTimeout):
        sim.api("GET", "/v1/subscriptions", token=token, timeout=0.3)


def test_slow_fault_still_answers(sim: RunningSimulator):
    token = sim.access_token
    sim.set_fault("slow", delay_s=0.3, remaining=1)

    assert sim.api("GET", "/v1/subscriptions", token=token).status_code == 200
