"""GraphQL search: WxCC's window rules, page sizes and cursors, filters, aggregation intervals
and agent sessions, answered in GraphQL's {data, errors} shape."""

from __future__ import annotations

import pytest

from tests.fixtures.simulator import RunningSimulator

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


def _task_query(fields: str = "id", **args: str) -> str:
    arguments = ", ".join(f"{key}: {value}" for key, value in args.items())
    return (
        f"{{ task({arguments}) {{ tasks {{ {fields} }} pageInfo {{ hasNextPage endCursor }} }} }}"
    )


def test_future_to_is_clamped_to_now(simulator: RunningSimulator):
    now = simulator.now_ms()

    body = simulator.search(
        _task_query("createdTime", **{"from": str(now - HOUR_MS), "to": str(now + DAY_MS)})
    ).json()

    assert "errors" not in body
    assert all(t["createdTime"] <= simulator.now_ms() for t in body["data"]["task"]["tasks"])


@pytest.mark.parametrize(
    ("from_offset_ms", "to_offset_ms", "message"),
    [
        (-HOUR_MS, -2 * HOUR_MS, "'from' must be before 'to'"),
        (-366 * DAY_MS, -HOUR_MS, "365 days"),
        (-1100 * DAY_MS, -1000 * DAY_MS, "36 months"),
    ],
)
def test_window_rules_answer_graphql_errors(
    simulator: RunningSimulator, from_offset_ms: int, to_offset_ms: int, message: str
):
    now = simulator.now_ms()

    response = simulator.search(
        _task_query(**{"from": str(now + from_offset_ms), "to": str(now + to_offset_ms)})
    )

    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"task": None}
    assert message in body["errors"][0]["message"]


def test_missing_from_is_a_400_with_graphql_errors(simulator: RunningSimulator):
    response = simulator.search("{ task(to: 1) { tasks { id } } }")

    assert response.status_code == 400
    assert "from" in response.json()["errors"][0]["message"]


def test_variables_typed_long_are_accepted(simulator: RunningSimulator):
    now = simulator.now_ms()
    query = (
        "query($startTime: Long!, $endTime: Long!) "
        "{ taskDetails(from: $startTime, to: $endTime) { tasks { id } } }"
    )

    body = simulator.search(query, {"startTime": now - HOUR_MS, "endTime": now}).json()

    assert body["data"]["taskDetails"]["tasks"]


@pytest.mark.parametrize(("query_name", "page_size"), [("task", 300), ("taskDetails", 250)])
def test_cursor_pages_cover_every_task_once_with_the_documented_page_size(
    simulator: RunningSimulator, query_name: str, page_size: int
):
    now = simulator.now_ms()
    start, end = now - 23 * HOUR_MS, now
    seen: list[str] = []
    cursor = "NA"
    pages = 0
    while True:
        query = (
            f'{{ {query_name}(from: {start}, to: {end}, pagination: {{cursor: "{cursor}"}}) '
            "{ tasks { id } pageInfo { hasNextPage endCursor } } }"
        )
        result = simulator.search(query).json()["data"][query_name]
        assert len(result["tasks"]) <= page_size
        seen += [t["id"] for t in result["tasks"]]
        pages += 1
        if not result["pageInfo"]["hasNextPage"]:
            assert result["pageInfo"]["endCursor"] is None
            break
        assert len(result["tasks"]) == page_size
        cursor = result["pageInfo"]["endCursor"]

    assert pages > 1
    assert len(seen) == len(set(seen))


def test_filters_on_nested_entities_or_and_comparisons(simulator: RunningSimulator):
    now = simulator.now_ms()
    window = {"from": str(now - 6 * HOUR_MS), "to": str(now)}
    fields = "id lastQueue { name } queueDuration channelType"

    rows = simulator.search(
        _task_query(
            fields,
            **window,
            filter='{or: [{lastQueue: {name: {equals: "Sales"}}}, {channelType: {equals: chat}}], '
            "queueDuration: {gt: 1000}}",
        )
    ).json()["data"]["task"]["tasks"]

    assert rows
    for row in rows:
        assert row["lastQueue"]["name"] == "Sales" or row["channelType"] == "chat"
        assert row["queueDuration"] > 1000


def test_regex_match_filter(simulator: RunningSimulator):
    now = simulator.now_ms()

    rows = simulator.search(
        _task_query(
            "origin",
            **{"from": str(now - 6 * HOUR_MS), "to": str(now)},
            filter='{origin: {match: "^\\\\+1"}}',
        )
    ).json()["data"]["task"]["tasks"]

    assert rows
    assert all(row["origin"].startswith("+1") for row in rows)


def test_hourly_interval_buckets_add_up_to_the_total(simulator: RunningSimulator):
    now = simulator.now_ms() // HOUR_MS * HOUR_MS
    window = f"from: {now - 6 * HOUR_MS}, to: {now}"
    total_query = (
        f'{{ task({window}, aggregations: [{{field: "id", type: count, name: "n"}}]) '
        "{ tasks { aggregation { name value } } } }"
    )
    hourly_query = (
        f'{{ task({window}, aggregations: [{{field: "id", type: count, name: "n"}}], '
        'aggregationInterval: {interval: HOURLY, timezone: "UTC"}) '
        "{ tasks { intervalStartTime aggregation { name value } } } }"
    )

    total = simulator.search(total_query).json()["data"]["task"]["tasks"][0]["aggregation"][0]
    hourly = simulator.search(hourly_query).json()["data"]["task"]["tasks"]

    assert [row["intervalStartTime"] for row in hourly] == [
        now - hours * HOUR_MS for hours in range(6, 0, -1)
    ]
    assert sum(row["aggregation"][0]["value"] for row in hourly) == total["value"]


def test_fifteen_minute_interval_is_refused_for_a_two_day_span(simulator: RunningSimulator):
    now = simulator.now_ms()
    query = (
        f'{{ task(from: {now - 2 * DAY_MS}, to: {now}, aggregations: [{{field: "id", '
        'type: count, name: "n"}], aggregationInterval: {interval: FIFTEEN_MINUTES}) '
        "{ tasks { intervalStartTime } } }"
    )

    assert "not allowed" in simulator.search(query).json()["errors"][0]["message"]


def test_aggregation_filter_counts_only_matching_rows(simulator: RunningSimulator):
    now = simulator.now_ms()
    query = (
        f"{{ task(from: {now - 6 * HOUR_MS}, to: {now}, aggregations: ["
        '{field: "id", type: count, name: "all"}, '
        '{field: "id", type: count, name: "abandoned", '
        'filter: {terminationType: {equals: "abandoned"}}}]) '
        "{ tasks { aggregation { name value } } } }"
    )

    values = {
        a["name"]: a["value"]
        for a in simulator.search(query).json()["data"]["task"]["tasks"][0]["aggregation"]
    }

    assert 0 < values["abandoned"] < values["all"]


def test_agent_sessions_carry_per_channel_durations(simulator: RunningSimulator):
    now = simulator.now_ms()
    query = (
        f"{{ agentSession(from: {now - 12 * HOUR_MS}, to: {now}) {{ agentSessions {{ "
        "agentSessionId agentId agentName state isActive startTime endTime teamName siteName "
        "channelInfo { channelType connectedCount connectedDuration idleDuration "
        "availableDuration totalDuration } } pageInfo { hasNextPage endCursor } } }"
    )

    result = simulator.search(query).json()["data"]["agentSession"]

    sessions = result["agentSessions"]
    assert sessions
    assert len(sessions) <= 250
    active = [s for s in sessions if s["isActive"]]
    assert active
    assert all(s["endTime"] == -1 for s in active)
    for session in sessions:
        for channel in session["channelInfo"]:
            assert channel["connectedDuration"] <= channel["totalDuration"]
    assert any(c["connectedCount"] > 0 for s in sessions for c in s["channelInfo"])
