"""Search answers as WxCC's do (docs/wxcc-contract.md section 2): how contacts ended
(contactHandleType, abandonedType, terminatingEnd, terminationReason, lastQueue.duration),
first pages and opaque cursors with Cisco's page sizes, and -1 as the end of an open record."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fixtures.simulator import (
    RunningSimulator,
    WebhookReceiver,
    sim_test_config,
    start_simulator,
)

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
ENDING_FIELDS = (
    "id status isActive endedTime totalDuration terminationType contactHandleType abandonedType "
    "terminatingEnd terminationReason isContactHandled shortInQueueCount suddenDisconnectCount "
    "lastQueue { id name duration } owner { id }"
)


def _data(sim: RunningSimulator, query: str, variables: dict[str, Any] | None = None) -> Any:
    response = sim.search(query, variables)
    body = response.json()
    assert response.status_code == 200, body
    assert "errors" not in body, body["errors"]
    return body["data"]


def _one_task(sim: RunningSimulator, task_id: str, start: int, fields: str = ENDING_FIELDS) -> Any:
    by_id = f'filter: {{id: {{equals: "{task_id}"}}}}'
    query = (
        f"{{ taskDetails(from: {start}, to: {sim.now_ms() + 1}, {by_id})"
        f" {{ tasks {{ {fields} }} }} }}"
    )
    [task] = _data(sim, query)["taskDetails"]["tasks"]
    return task


@pytest.fixture
def empty_center(make_simulator) -> RunningSimulator:
    """A paused, quiet simulator nobody is logged in to: injected callers wait."""
    sim: RunningSimulator = make_simulator(history_days=0)
    sim.pause()
    sim.quiet()
    for agent in sim.state()["agents"]:
        sim.logout_agent(agent["id"])
    sim.step(3 * 3600)
    return sim


# --- 1. how a contact ended ------------------------------------------------------------


def test_caller_who_hangs_up_in_the_queue_is_an_abandoned_contact(empty_center):
    sim = empty_center
    start = sim.now_ms()
    queue = next(q for q in sim.state()["queues"] if q["name"] == "Support")
    task = sim.inject_task(queue["id"], patienceSeconds=45)
    sim.step(60)

    row = _one_task(sim, task["id"], start)

    assert row["status"] == "ended"
    assert row["terminationType"] == "abandoned"
    assert row["contactHandleType"] == "abandoned"
    assert row["abandonedType"] == "queue"
    assert row["terminatingEnd"] == "Customer"
    assert row["terminationReason"] == "Customer Left"
    assert row["lastQueue"] == {"id": queue["id"], "name": "Support", "duration": 45_000}
    assert row["isContactHandled"] is False
    assert row["owner"] == {"id": None}
    assert row["shortInQueueCount"] == 0


def test_caller_who_hangs_up_within_the_short_call_threshold_is_short_not_abandoned(
    empty_center,
):
    sim = empty_center
    start = sim.now_ms()
    queue = sim.state()["queues"][0]
    task = sim.inject_task(queue["id"], patienceSeconds=4)
    sim.step(30)

    row = _one_task(sim, task["id"], start)

    assert row["contactHandleType"] == "short"
    assert row["abandonedType"] == "queue"
    assert row["shortInQueueCount"] == 1
    counts = _data(
        sim,
        f"{{ taskDetails(from: {start}, to: {sim.now_ms()}, "
        'filter: {contactHandleType: {equals: "abandoned"}}, '
        'aggregations: [{field: "id", type: count, name: "abandoned"}]) '
        "{ tasks { aggregation { name value } } } }",
    )["taskDetails"]["tasks"]
    assert counts == [{"aggregation": [{"name": "abandoned", "value": 0.0}]}]


def test_handled_contact_is_normal_and_a_very_short_conversation_is_a_sudden_disconnect(
    make_simulator,
):
    sim: RunningSimulator = make_simulator(history_days=0)
    sim.pause()
    sim.quiet()
    start = sim.now_ms()
    queue = next(q for q in sim.state()["queues"] if q["name"] == "Sales")
    long_call = sim.inject_task(queue["id"], handleSeconds=120, wrapupSeconds=5, ringSeconds=2)
    short_call = sim.inject_task(queue["id"], handleSeconds=3, wrapupSeconds=5, ringSeconds=2)
    sim.step(15 * 60)

    normal = _one_task(sim, long_call["id"], start)
    sudden = _one_task(sim, short_call["id"], start)

    assert normal["terminationType"] == "normal"
    assert normal["contactHandleType"] == "normal"
    assert normal["abandonedType"] is None
    assert normal["isContactHandled"] is True
    assert normal["terminatingEnd"] in ("Customer", "Agent")
    assert sudden["terminationType"] == "sudden_disconnect"
    assert sudden["suddenDisconnectCount"] == 1
    assert sudden["contactHandleType"] == "normal"


def test_task_ended_webhook_tells_who_ended_it_and_invents_no_abandon_fields(
    empty_center, webhook_receiver: WebhookReceiver
):
    sim = empty_center
    sim.api(
        "POST",
        "/v1/subscriptions",
        json={
            "name": "ended",
            "eventTypes": ["task:ended"],
            "destinationUrl": webhook_receiver.url,
        },
    ).raise_for_status()
    task = sim.inject_task(sim.state()["queues"][0]["id"], patienceSeconds=30)
    sim.step(60)

    [event] = webhook_receiver.wait_for(lambda events: len(events) >= 1)

    data = event["data"]
    assert data["taskId"] == task["id"]
    assert data["terminatingParty"] == "Customer"
    assert data["reason"] == "Customer Left"
    assert set(data) == {
        "taskId", "orgId", "channelType", "direction", "outboundType", "origin",
        "destination", "queueId", "createdTime", "terminatingParty", "reason",
    }  # fmt: skip


# --- 3. first pages, cursors and page sizes --------------------------------------------


@pytest.fixture(scope="module")
def ten_days() -> Iterator[RunningSimulator]:
    """Enough history for more than a page of every query."""
    running = start_simulator(sim_test_config(history_days=10, tasks_per_day=700))
    yield running
    running.stop()


def _walk(
    sim: RunningSimulator, query_name: str, list_field: str, args: str, fields: str
) -> tuple[list[list[Any]], list[str]]:
    pages: list[list[Any]] = []
    cursors: list[str] = []
    pagination = ""
    while True:
        document = (
            f"{{ {query_name}({args}{pagination}) {{ {list_field} {{ {fields} }} "
            "pageInfo { hasNextPage endCursor } } }"
        )
        result = _data(sim, document)[query_name]
        pages.append(result[list_field])
        if not result["pageInfo"]["hasNextPage"]:
            assert result["pageInfo"]["endCursor"] is None
            return pages, cursors
        cursor = result["pageInfo"]["endCursor"]
        cursors.append(cursor)
        pagination = f', pagination: {{cursor: "{cursor}"}}'


@pytest.mark.parametrize(
    ("query_name", "list_field", "id_field", "page_size"),
    [
        ("taskDetails", "tasks", "id", 250),
        ("agentSession", "agentSessions", "agentSessionId", 250),
        ("taskLegDetails", "taskLegs", "id", 500),
    ],
)
def test_raw_pages_have_ciscos_sizes_and_cover_every_record_once(
    ten_days: RunningSimulator, query_name: str, list_field: str, id_field: str, page_size: int
):
    now = ten_days.now_ms()
    args = f"from: {now - 9 * DAY_MS}, to: {now}"

    pages, cursors = _walk(ten_days, query_name, list_field, args, id_field)

    assert len(pages) > 1
    assert all(len(page) == page_size for page in pages[:-1])
    assert 0 < len(pages[-1]) <= page_size
    ids = [row[id_field] for page in pages for row in page]
    assert len(ids) == len(set(ids))
    assert not any(re.fullmatch(r"\d+", cursor) for cursor in cursors), "cursors are not offsets"


def test_aggregation_pages_hold_1000_groups_with_composite_cursors(ten_days: RunningSimulator):
    now = ten_days.now_ms()
    args = (
        f'from: {now - 9 * DAY_MS}, to: {now}, aggregations: [{{field: "id", type: count, '
        'name: "n"}], aggregationInterval: {interval: DAILY}'
    )

    pages, cursors = _walk(ten_days, "taskDetails", "tasks", args, "intervalStartTime id")

    assert [len(page) for page in pages[:-1]] == [1000] * (len(pages) - 1)
    assert re.fullmatch(r"intervalStartTime=\d{13}::id=[0-9a-f-]{36}", cursors[0])
    groups = [(row["intervalStartTime"], row["id"]) for page in pages for row in page]
    assert len(groups) == len(set(groups))


@pytest.mark.parametrize("first_page", ["", ', pagination: {cursor: "NA"}', ", pagination: {}"])
def test_first_page_is_asked_for_by_omitting_pagination_or_with_cursor_na(
    simulator: RunningSimulator, first_page: str
):
    now = simulator.now_ms()
    window = f"from: {now - 20 * HOUR_MS}, to: {now}"
    omitted = _data(simulator, f"{{ taskDetails({window}) {{ tasks {{ id }} }} }}")

    asked = _data(simulator, f"{{ taskDetails({window}{first_page}) {{ tasks {{ id }} }} }}")

    assert asked == omitted
    assert len(omitted["taskDetails"]["tasks"]) == 250


def test_a_cursor_the_server_did_not_issue_is_refused(simulator: RunningSimulator):
    now = simulator.now_ms()

    body = simulator.search(
        f'{{ taskDetails(from: {now - HOUR_MS}, to: {now}, pagination: {{cursor: "250"}}) '
        "{ tasks { id } } }"
    ).json()

    assert body["data"] == {"taskDetails": None}
    assert "Invalid cursor" in body["errors"][0]["message"]


def test_raw_tasks_come_newest_first_unless_a_field_asks_for_ascending_order(
    simulator: RunningSimulator,
):
    now = simulator.now_ms()
    window = f"from: {now - 3 * HOUR_MS}, to: {now}"

    default = _data(simulator, f"{{ taskDetails({window}) {{ tasks {{ createdTime }} }} }}")
    ascending = _data(
        simulator, f"{{ taskDetails({window}) {{ tasks {{ createdTime(sort: asc) }} }} }}"
    )

    newest_first = [t["createdTime"] for t in default["taskDetails"]["tasks"]]
    oldest_first = [t["createdTime"] for t in ascending["taskDetails"]["tasks"]]
    assert newest_first == sorted(newest_first, reverse=True)
    assert oldest_first == sorted(oldest_first)


# --- 4. open records end at -1 ---------------------------------------------------------


def test_open_records_answer_minus_one_as_their_end(simulator: RunningSimulator):
    now = simulator.now_ms()
    window = f"from: {now - 20 * HOUR_MS}, to: {now}"

    tasks = _data(
        simulator,
        f"{{ taskDetails({window}, filter: {{isActive: {{equals: true}}}}) "
        "{ tasks { endedTime totalDuration terminationType } } }",
    )["taskDetails"]["tasks"]
    sessions = _data(
        simulator,
        f"{{ agentSession({window}, filter: {{isActive: {{equals: true}}}}) "
        "{ agentSessions { endTime channelInfo { totalDuration } } } }",
    )["agentSession"]["agentSessions"]
    legs = _data(
        simulator,
        f"{{ taskLegDetails({window}, filter: {{isActive: {{equals: true}}}}) "
        "{ taskLegs { endedTime } } }",
    )["taskLegDetails"]["taskLegs"]

    assert tasks
    assert sessions
    assert legs
    assert all(t == {"endedTime": -1, "totalDuration": 0, "terminationType": None} for t in tasks)
    assert all(s["endTime"] == -1 for s in sessions)
    assert all(c["totalDuration"] > 0 for s in sessions for c in s["channelInfo"])
    assert all(leg["endedTime"] == -1 for leg in legs)


def test_open_tasks_can_be_found_by_their_minus_one_end(simulator: RunningSimulator):
    now = simulator.now_ms()
    window = f"from: {now - 20 * HOUR_MS}, to: {now}"

    by_end = _data(
        simulator,
        f"{{ taskDetails({window}, filter: {{endedTime: {{equals: -1}}}}) {{ tasks {{ id }} }} }}",
    )
    by_flag = _data(
        simulator,
        f"{{ taskDetails({window}, filter: {{isActive: {{equals: true}}}}) {{ tasks {{ id }} }} }}",
    )

    assert by_end == by_flag
