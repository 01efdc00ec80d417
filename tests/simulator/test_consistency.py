"""One model behind every answer: a task counted by search is counted by queue statistics,
shows up in agent activities and is announced by webhooks, with the same ids and times."""

from __future__ import annotations

from tests.fixtures.simulator import RunningSimulator, WebhookReceiver

HOUR_MS = 3_600_000
TASK_EVENTS = ["task:new", "task:parked", "task:connect", "task:connected", "task:ended"]


def test_an_injected_task_agrees_across_search_statistics_activities_and_webhooks(
    make_simulator, webhook_receiver: WebhookReceiver
):
    sim: RunningSimulator = make_simulator(history_days=0)
    sim.pause()
    sim.quiet()
    sim.api(
        "POST",
        "/v1/subscriptions",
        json={
            "name": "consistency",
            "eventTypes": TASK_EVENTS,
            "destinationUrl": webhook_receiver.url,
        },
    ).raise_for_status()
    queue = next(q for q in sim.state()["queues"] if q["name"] == "Billing")
    start = sim.now_ms()
    task = sim.inject_task(queue["id"], handleSeconds=90, wrapupSeconds=20, ringSeconds=4)
    sim.step(15 * 60)
    end = sim.now_ms()

    in_queue = f'{{lastQueue: {{id: {{equals: "{queue["id"]}"}}}}}}'
    count_query = (
        f"{{ task(from: {start}, to: {end}, filter: {in_queue}, "
        'aggregations: [{field: "id", type: count, name: "tasks"}, '
        '{field: "connectedDuration", type: sum, name: "connected"}]) '
        "{ tasks { lastQueue { id } aggregation { name value } } } }"
    )
    aggregated = sim.search(count_query).json()["data"]["task"]["tasks"]
    raw = sim.search(
        f"{{ task(from: {start}, to: {end}) {{ tasks {{ id status owner {{ id }} "
        "queueDuration ringingDuration connectedDuration wrapupDuration } } }"
    ).json()["data"]["task"]["tasks"]
    stats = sim.api(
        "GET",
        "/v1/queues/statistics",
        params={"from": start, "to": end + 15 * 60_000, "queueIds": queue["id"]},
    ).json()["data"]
    events = webhook_receiver.wait_for(lambda e: any(x["type"] == "task:ended" for x in e))

    assert [row["aggregation"] for row in aggregated] == [
        [{"name": "tasks", "value": 1.0}, {"name": "connected", "value": 90_000.0}]
    ]
    [row] = raw
    assert row["id"] == task["id"]
    assert row["status"] == "ended"
    assert row["ringingDuration"] == 4000
    assert row["wrapupDuration"] == 20_000
    assert sum(r["totalOfferedTasks"] for r in stats) == 1
    assert sum(r["totalAcceptedTasks"] for r in stats) == 1
    assert sum(r["totalAbandonedTasks"] for r in stats) == 0
    # Delivered concurrently, as WxCC does: every event once, in no promised order.
    assert sorted(e["type"] for e in events if e["data"]["taskId"] == task["id"]) == [
        "task:connect",
        "task:connected",
        "task:ended",
        "task:new",
    ]
    activities = sim.api(
        "GET",
        "/v1/agents/activities",
        params={"from": start, "to": end, "agentIds": row["owner"]["id"], "pageSize": 1000},
    ).json()["data"]
    mine = [a for a in activities if a["taskId"] == task["id"]]
    assert [a["currentState"] for a in mine] == ["ringing", "connected", "wrapup"]
    assert mine[1]["endTime"] - mine[1]["startTime"] == 90_000


def test_abandoned_counts_agree_between_statistics_and_search(simulator: RunningSimulator):
    now = simulator.now_ms() // (15 * 60_000) * (15 * 60_000)
    start = now - 12 * HOUR_MS

    stats = simulator.api("GET", "/v1/queues/statistics", params={"from": start, "to": now}).json()[
        "data"
    ]
    searched = simulator.search(
        f"{{ task(from: {start}, to: {now}, timeComparator: endedTime, startTimeLookBackDays: 1, "
        'filter: {terminationType: {equals: "abandoned"}}, '
        'aggregations: [{field: "id", type: count, name: "n"}]) '
        "{ tasks { lastQueue { id } aggregation { name value } } } }"
    ).json()["data"]["task"]["tasks"]

    by_queue_stats = {r["queueId"]: r["totalAbandonedTasks"] for r in stats}
    by_queue_search = {r["lastQueue"]["id"]: int(r["aggregation"][0]["value"]) for r in searched}
    assert sum(by_queue_stats.values()) > 0
    assert {q: n for q, n in by_queue_stats.items() if n} == by_queue_search


def test_live_tasks_of_the_model_are_the_active_tasks_in_search(make_simulator):
    sim: RunningSimulator = make_simulator(history_days=1)
    sim.pause()
    state = sim.state()
    now = state["now"]
    window = f"from: {now - 2 * 24 * HOUR_MS}, to: {now}"

    query = f"{{ task({window}, filter: {{isActive: {{equals: true}}}}) {{ tasks {{ id }} }} }}"
    rows = sim.search(query).json()["data"]["task"]["tasks"]

    assert state["liveTasks"]
    assert {t["id"] for t in state["liveTasks"]} == {r["id"] for r in rows}
