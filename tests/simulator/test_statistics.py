"""Statistics REST: queue statistics, agent statistics and agent activities, with WxCC's
parameters, rounding, limits and response shapes."""

from __future__ import annotations

import itertools

import pytest

from tests.fixtures.simulator import RunningSimulator

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS


def test_queue_statistics_rounds_to_15_minutes_and_chunks_by_interval(
    simulator: RunningSimulator,
):
    now = simulator.now_ms()
    start = now - 3 * HOUR_MS + 7 * MINUTE_MS

    body = simulator.api(
        "GET",
        "/v1/queues/statistics",
        params={"from": start, "to": now, "interval": 30, "orgId": simulator.org_id},
    ).json()

    assert body["meta"] == {"orgId": simulator.org_id}
    starts = sorted({row["intervalStartTime"] for row in body["data"]})
    assert starts[0] == start // (15 * MINUTE_MS) * (15 * MINUTE_MS)
    assert all(b - a == 30 * MINUTE_MS for a, b in itertools.pairwise(starts))
    row = body["data"][0]
    assert set(row) == {
        "intervalStartTime", "queueId", "queueName", "channelType", "totalOfferedTasks",
        "totalEnqueuedTasks", "totalAssignedTasks", "totalAcceptedTasks", "totalRejectedTasks",
        "totalAbandonedTasks", "averageEnqueuedTime", "averageHandledTime",
        "serviceLevelThresholdPercentage",
    }  # fmt: skip
    assert all(r["totalAssignedTasks"] == 0 for r in body["data"]), "deprecated: always 0"


def test_queue_statistics_filters_by_queue_ids(simulator: RunningSimulator):
    now = simulator.now_ms()
    queue_id = simulator.state()["queues"][1]["id"]

    body = simulator.api(
        "GET",
        "/v1/queues/statistics",
        params={"from": now - HOUR_MS, "to": now, "queueIds": queue_id},
    ).json()

    assert {row["queueId"] for row in body["data"]} == {queue_id}


@pytest.mark.parametrize(
    "path", ["/v1/queues/statistics", "/v1/agents/statistics", "/v1/agents/activities"]
)
def test_a_window_of_24_hours_or_more_is_refused(simulator: RunningSimulator, path: str):
    now = simulator.now_ms()

    response = simulator.api("GET", path, params={"from": now - 25 * HOUR_MS, "to": now})

    assert response.status_code == 400
    assert isinstance(response.json()["error"]["key"], str)


def test_unsupported_interval_is_refused(simulator: RunningSimulator):
    now = simulator.now_ms()

    response = simulator.api(
        "GET", "/v1/agents/statistics", params={"from": now - HOUR_MS, "to": now, "interval": 45}
    )

    assert response.status_code == 400


def test_agent_activities_page_in_start_order_and_mark_open_ones(simulator: RunningSimulator):
    now = simulator.now_ms()
    params = {"from": now - 2 * HOUR_MS, "to": now, "pageSize": 50}

    first = simulator.api("GET", "/v1/agents/activities", params={**params, "page": 0}).json()
    second = simulator.api("GET", "/v1/agents/activities", params={**params, "page": 1}).json()

    records = first["data"] + second["data"]
    assert len(first["data"]) == 50
    starts = [r["startTime"] for r in records]
    assert starts == sorted(starts)
    assert {r["currentState"] for r in records} <= {
        "available", "idle", "ringing", "not-responding", "connected", "on-hold", "hold-done",
        "wrapup",
    }  # fmt: skip
    for record in records:
        assert record["isLogin"] in (0, 1)
        assert (record["endTime"] == -1) == record["active"]


def test_agent_activities_filter_by_channel_type(simulator: RunningSimulator):
    now = simulator.now_ms()

    records = simulator.api(
        "GET",
        "/v1/agents/activities",
        params={"from": now - 4 * HOUR_MS, "to": now, "channelTypes": "chat", "pageSize": 1000},
    ).json()["data"]

    assert records
    assert {r["channelType"] for r in records} == {"chat"}


def test_statistics_require_both_from_and_to(simulator: RunningSimulator):
    response = simulator.api("GET", "/v1/queues/statistics", params={"from": simulator.now_ms()})

    assert response.status_code == 400
    assert "to" in response.json()["error"]["message"][0]["description"]
