"""Contract tests: the verbatim examples of docs/wxcc-contract.md (taken from Cisco's published
material), run against the simulator, answered in the documented shapes."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator

import pytest

from tests.fixtures.simulator import RunningSimulator, sim_test_config, start_simulator

# CONTRACT.md, "Example query, as in Cisco's portal [seen]" - verbatim.
PORTAL_EXAMPLE_QUERY = (
    '{ task(from: 1648780752000, to: 1650940752000, filter: {}, pagination: {cursor: "0"}) '
    "{ tasks { id channelType createdTime endedTime isActive status } "
    "pageInfo { hasNextPage endCursor } } }"
)
# CONTRACT.md, "Filters and aggregations" - the filter verbatim; aggregations as listed there.
AGGREGATION_EXAMPLE_QUERY = """
{ task(from: %(from)d, to: %(to)d, timeComparator: endedTime,
       filter: {and: [{channelType: {equals: telephony}}, {status: {equals: "ended"}},
                      {direction: {equals: "inbound"}}, {isActive: {equals: false}}]},
       aggregations: [{field: "id", type: count, name: "Total Tasks"},
                      {field: "totalDuration", type: sum, name: "Total Duration"},
                      {field: "connectedDuration", type: average, name: "Average Connected"},
                      {field: "queueDuration", type: max, name: "Longest Queue"}])
  { tasks { lastQueue { name } aggregation { name value } } pageInfo { hasNextPage endCursor } } }
"""
# The example's window is 2022-04-01..2022-04-26; serve it from a simulator living just after.
PORTAL_EXAMPLE_START_MS = 1_650_960_000_000


@pytest.fixture(scope="module")
def april_2022() -> Iterator[RunningSimulator]:
    running = start_simulator(
        sim_test_config(start_time_ms=PORTAL_EXAMPLE_START_MS, history_days=26, tasks_per_day=120)
    )
    yield running
    running.stop()


def test_portal_example_query_answers_the_documented_response_head(april_2022):
    response = april_2022.search(PORTAL_EXAMPLE_QUERY)

    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body
    tasks = body["data"]["task"]["tasks"]
    assert len(tasks) == 300, "a task page holds at most 300 rows"
    first = tasks[0]
    assert set(first) == {"id", "channelType", "createdTime", "endedTime", "isActive", "status"}
    assert first["channelType"] in {"telephony", "chat", "email", "social"}
    assert 1648780752000 <= first["createdTime"] < 1650940752000
    assert first["status"] == "ended"
    assert first["isActive"] is False
    assert body["data"]["task"]["pageInfo"]["hasNextPage"] is True
    assert isinstance(body["data"]["task"]["pageInfo"]["endCursor"], str)


def test_portal_example_query_is_refused_once_its_window_is_older_than_36_months(
    simulator: RunningSimulator,
):
    body = simulator.search(PORTAL_EXAMPLE_QUERY).json()

    assert body["data"] == {"task": None}
    assert "36 months" in body["errors"][0]["message"]
    assert body["errors"][0]["path"] == ["task"]


def test_filter_and_aggregation_example_groups_telephony_by_last_queue(
    simulator: RunningSimulator,
):
    now = simulator.now_ms()
    window = {"from": now - 6 * 3600_000, "to": now}

    body = simulator.search(AGGREGATION_EXAMPLE_QUERY % window).json()

    assert "errors" not in body
    rows = body["data"]["task"]["tasks"]
    telephony_queues = {
        q["name"] for q in simulator.state()["queues"] if q["channelType"] == "telephony"
    }
    assert {row["lastQueue"]["name"] for row in rows} <= telephony_queues
    assert rows, "six hours of a working day have telephony traffic"
    for row in rows:
        names = [a["name"] for a in row["aggregation"]]
        assert names == ["Total Tasks", "Total Duration", "Average Connected", "Longest Queue"]
        assert all(isinstance(a["value"], float) for a in row["aggregation"])


def test_aggregated_counts_equal_the_raw_rows_they_summarise(simulator: RunningSimulator):
    now = simulator.now_ms()
    window = {"from": now - 6 * 3600_000, "to": now - 3600_000}
    grouped = simulator.search(AGGREGATION_EXAMPLE_QUERY % window).json()["data"]["task"]
    raw_query = """
    { task(from: %(from)d, to: %(to)d, timeComparator: endedTime,
           filter: {and: [{channelType: {equals: telephony}}, {status: {equals: "ended"}},
                          {direction: {equals: "inbound"}}, {isActive: {equals: false}}]},
           pagination: {cursor: "%(cursor)s"})
      { tasks { id lastQueue { name } } pageInfo { hasNextPage endCursor } } }"""
    counts: dict[str, int] = {}
    cursor = "0"
    while True:
        page = simulator.search(raw_query % {**window, "cursor": cursor}).json()["data"]["task"]
        for task in page["tasks"]:
            counts[task["lastQueue"]["name"]] = counts.get(task["lastQueue"]["name"], 0) + 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        cursor = page["pageInfo"]["endCursor"]

    aggregated = {
        row["lastQueue"]["name"]: row["aggregation"][0]["value"] for row in grouped["tasks"]
    }
    assert aggregated == {name: float(n) for name, n in counts.items()}


def test_forbidden_org_answers_cisco_403_error_verbatim(simulator: RunningSimulator):
    response = simulator.api(
        "POST",
        "/search",
        params={"orgId": "6608122d-0000-0000-0000-000000000000"},
        json={"query": "{ task(from: 1, to: 2) { tasks { id } } }"},
    )

    assert response.status_code == 403
    body = response.json()
    assert body["error"] == {
        "key": "403",
        "message": [{"description": "Access denied - Client is forbidden access to the resource"}],
    }
    assert body["trackingId"]


def test_agent_statistics_answers_every_field_of_the_documented_sample(
    simulator: RunningSimulator,
):
    now = simulator.now_ms()

    body = simulator.api(
        "GET",
        "/v1/agents/statistics",
        params={"from": now - 4 * 3600_000, "to": now, "interval": 60, "orgId": simulator.org_id},
    ).json()

    assert body["meta"] == {"orgId": simulator.org_id}
    record = body["data"][0]
    # Field names of CONTRACT.md's sample (and Cisco's OutAgentStatistics/ChannelResponse).
    assert set(record) == {
        "intervalStartTime", "agentId", "agentName", "teamId", "teamName", "channels",
    }  # fmt: skip
    assert set(record["channels"][0]) == {
        "channelType", "totalAssignedTasks", "totalOfferedTasks", "totalAcceptedTasks",
        "totalRejectedTasks", "totalTransferredTasks", "totalEngagedDuration",
        "totalHoldDuration", "totalWrapUpDuration", "totalAvailableTime",
        "totalUnAvailableTime", "averageHandledTime",
    }  # fmt: skip


def test_subscription_example_is_accepted_and_answered_without_the_secret(
    simulator: RunningSimulator,
):
    # docs/wxcc-contract.md 1.2 "Literal create example (V2)", with our org id.
    example = {
        "name": "My Integration's Subscription",
        "description": "The subscription my integration uses to synchronize with WxCC",
        "eventTypes": ["agent:login", "agent:logout"],
        "destinationUrl": "https://www.cisco.com/",
        "secret": "my-32-plus-character-long-secret",
        "orgId": simulator.org_id,
        "resourceVersion": "agent:1.0.0",
    }

    response = simulator.api("POST", "/v2/subscriptions", json=example)

    assert response.status_code == 201
    created = response.json()
    assert created["meta"] == {"orgId": simulator.org_id}
    assert set(created["data"]) == {
        "id", "name", "description", "eventTypes", "destinationUrl", "createdTime",
        "createdBy", "status", "lastUpdatedTime", "lastUpdatedBy", "resourceVersion",
    }  # fmt: skip
    assert created["data"]["status"] == "active"
    assert simulator.api("DELETE", f"/v2/subscriptions/{created['data']['id']}").status_code == 204


def test_webhook_verifies_with_the_documented_python_verifier(make_simulator, webhook_receiver):
    sim = make_simulator(history_days=0)
    secret = "0123456789abcdef0123456789abcdef-secret"
    sim.api(
        "POST",
        "/v1/subscriptions",
        json={
            "name": "verifier test",
            "eventTypes": ["task:new"],
            "destinationUrl": webhook_receiver.url,
            "secret": secret,
        },
    ).raise_for_status()
    sim.pause()
    sim.quiet()
    sim.inject_task(sim.state()["queues"][0]["id"])

    webhook_receiver.wait_for(lambda events: len(events) >= 1)

    hook = webhook_receiver.received[0]
    raw_body_bytes = hook.body
    request_headers = {name.title(): value for name, value in hook.headers.items()}
    # docs/wxcc-contract.md 1.4, "Python verifier matching this" - verbatim.
    expected = hmac.new(secret.encode(), raw_body_bytes, hashlib.sha256).hexdigest()
    ok = hmac.compare_digest(expected, request_headers.get("X-Webexcc-Signature", ""))
    assert ok
