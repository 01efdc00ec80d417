"""The breadth of WxCC's search schema: every kind of field, filter, argument, aggregation,
interval and pagination Cisco's sample queries use runs (queries in our own words), and what
the real schema rejects is rejected the way WxCC does (HTTP 400, GraphQL `errors`)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.simulator import RunningSimulator

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


def _data(sim: RunningSimulator, query: str, variables: dict[str, Any] | None = None) -> Any:
    response = sim.search(query, variables)
    body = response.json()
    assert response.status_code == 200, body
    assert "errors" not in body, body["errors"]
    return body["data"]


def _window(sim: RunningSimulator, hours: int = 12) -> str:
    now = sim.now_ms()
    return f"from: {now - hours * HOUR_MS}, to: {now}"


def test_csr_fields_of_every_kind_are_served(simulator: RunningSimulator):
    query = f"""{{ taskDetails({_window(simulator)}) {{ tasks {{
        id status channelType channelSubType direction origin destination createdTime endedTime
        isActive totalDuration queueDuration queueCount ringingDuration connectedCount
        connectedDuration holdCount holdDuration wrapupDuration selfserviceCount
        selfserviceDuration transferCount blindTransferCount conferenceCount consultCount
        consultToQueueCount captureRequested csatScore autoCsat sentiment lastWrapupCodeName
        terminationType terminatingEnd terminationReason contactHandleType abandonedType
        isContactEscalatedToQueue isWithInServiceLevel firstQueueId firstQueueName
        agentToAgentTransferCount overflowCount lastActivityTime recordingLocation
        customer {{ name phoneNumber email }} channelMetaData {{ email {{ subject }} }}
        callbackData {{ callbackRequestTime callbackNumber callbackType }}
        feedback {{ surveyOptIn }} lastQueue {{ id name duration }} previousQueue {{ id }}
        lastAgent {{ id name signInId sessionId phoneNumber }} owner {{ id name }}
        lastTeam {{ id name }} lastSite {{ id name }} lastEntryPoint {{ id name }}
        queues {{ id name duration }} teams {{ id }} contributors {{ name }} sites {{ name }}
        survey: stringGlobalVariables(name: "SurveyResult") {{ name value }}
        integerGlobalVariables(name: "AccountId") {{ name value }}
    }} pageInfo {{ hasNextPage endCursor }} intervalInfo {{ interval timezone }} }} }}"""

    result = _data(simulator, query)["taskDetails"]

    assert result["intervalInfo"] is None
    handled = [t for t in result["tasks"] if t["owner"]["id"]]
    assert handled
    task = handled[0]
    assert task["lastAgent"]["signInId"].endswith("@example.com")
    assert task["contributors"][0]["name"] == task["owner"]["name"]
    assert task["survey"] == {"name": "SurveyResult", "value": None}
    assert task["queues"][-1]["id"] == task["lastQueue"]["id"]


def test_asr_fields_include_channel_current_state_and_last_activity_time(
    simulator: RunningSimulator,
):
    query = f"""{{ agentSession({_window(simulator)}) {{ agentSessions {{
        agentSessionId agentId agentName userLoginId state isActive startTime endTime teamId
        teamName siteId siteName orgId skillsProfile agentSkills agentSignOutReason
        channelInfo {{ channelId channelType subChannelType currentState lastActivityTime
            totalDuration idleCount idleDuration idleCodeName availableCount availableDuration
            ringingCount ringingDuration connectedCount connectedDuration holdCount holdDuration
            wrapupCount wrapupDuration notRespondedCount notRespondedDuration transferCount
            consultAnswerCount outdialCount outdialConsultToQueueRequestDuration }}
    }} }} }}"""

    sessions = _data(simulator, query)["agentSession"]["agentSessions"]

    active = [s for s in sessions if s["isActive"]]
    assert active
    states = {c["currentState"] for s in active for c in s["channelInfo"]}
    assert states <= {
        "available", "idle", "ringing", "not-responding", "connected", "on-hold",
        "hold-done", "wrapup",
    }  # fmt: skip
    for session in active:
        for channel in session["channelInfo"]:
            assert session["startTime"] <= channel["lastActivityTime"] <= simulator.now_ms()
    ended = [s for s in sessions if not s["isActive"]]
    assert all(c["currentState"] == "logged-out" for s in ended for c in s["channelInfo"])


def test_owner_compared_as_a_whole_object_keeps_only_tasks_an_agent_took(
    simulator: RunningSimulator,
):
    window = _window(simulator)

    owned = _data(
        simulator,
        f"{{ taskDetails({window}, filter: {{owner: {{notequals: {{id: null}}}}}}) "
        "{ tasks { owner { id } } } }",
    )["taskDetails"]["tasks"]
    unowned = _data(
        simulator,
        f"{{ taskDetails({window}, filter: {{owner: {{equals: {{id: null}}}}}}) "
        "{ tasks { owner { id } } } }",
    )["taskDetails"]["tasks"]

    assert owned
    assert unowned
    assert all(t["owner"]["id"] for t in owned)
    assert all(t["owner"]["id"] is None for t in unowned)


def test_callback_data_compared_as_an_object(simulator: RunningSimulator):
    window = _window(simulator, 20)
    callbacks = _data(
        simulator,
        f"{{ taskDetails({window}, filter: {{isCallback: {{equals: true}}}}) "
        "{ tasks { id callbackData { callbackNumber callbackType } } } }",
    )["taskDetails"]["tasks"]
    assert callbacks
    number = callbacks[0]["callbackData"]["callbackNumber"]

    found = _data(
        simulator,
        f"{{ taskDetails({window}, filter: {{and: ["
        f'{{callbackData: {{equals: {{callbackNumber: "{number}"}}}}}}, '
        '{callbackData: {equals: {callbackType: "Courtesy"}}}]}) { tasks { id } } }',
    )["taskDetails"]["tasks"]

    assert callbacks[0]["id"] in {t["id"] for t in found}


def test_channel_info_filter_in_a_conjunction_narrows_the_channels_answered(
    simulator: RunningSimulator,
):
    window = _window(simulator)
    fields = "{ agentSessions { channelInfo { channelType } } }"

    chat = '{channelInfo: {channelType: {equals: "chat"}}}'
    narrowed = _data(
        simulator,
        f"{{ agentSession({window}, filter: {{and: [{chat}, {{isActive: {{equals: true}}}}]}}) "
        f"{fields} }}",
    )["agentSession"]["agentSessions"]
    either = _data(
        simulator,
        f"{{ agentSession({window}, filter: {{or: [{chat}, {{isActive: {{equals: false}}}}]}}) "
        f"{fields} }}",
    )["agentSession"]["agentSessions"]

    assert narrowed
    assert all([c["channelType"] for c in s["channelInfo"]] == ["chat"] for s in narrowed)
    assert any(len(s["channelInfo"]) > 1 for s in either)


def test_long_arguments_and_variables_may_be_strings(simulator: RunningSimulator):
    now = simulator.now_ms()
    query = (
        "query Window($from: Long!, $to: Long!) { taskDetails(from: $from, to: $to, "
        'filter: {totalDuration: {gte: "0"}}) { tasks { id } } }'
    )

    as_strings = _data(simulator, query, {"from": str(now - HOUR_MS), "to": str(now)})
    as_literals = _data(
        simulator, f'{{ taskDetails(from: "{now - HOUR_MS}", to: "{now}") {{ tasks {{ id }} }} }}'
    )

    assert as_strings == as_literals
    assert as_strings["taskDetails"]["tasks"]


def test_interval_info_echoes_the_aggregation_interval(simulator: RunningSimulator):
    query = (
        f'{{ taskDetails({_window(simulator, 6)}, aggregations: [{{field: "id", type: count, '
        'name: "n"}], aggregationInterval: {interval: HOURLY, timezone: "Europe/Dublin"}) '
        "{ tasks { intervalStartTime aggregation { value } } intervalInfo { interval timezone } } }"
    )

    result = _data(simulator, query)["taskDetails"]

    assert result["intervalInfo"] == {"interval": "HOURLY", "timezone": "Europe/Dublin"}
    assert len(result["tasks"]) >= 6


def test_task_legs_answer_one_record_per_queue_visit(simulator: RunningSimulator):
    window = _window(simulator)
    legs = _data(
        simulator,
        f"{{ taskLegDetails({window}, filter: {{isActive: {{equals: false}}}}) {{ taskLegs {{ id "
        "taskId createdTime endedTime status handleType isTaskLegHandled abandonedType "
        "queue { id name duration } owner { id } entryPoint { id } team { name } "
        "nextDestination { queue { id } } connectedDuration consultCount isChildLeg } } }",
    )["taskLegDetails"]["taskLegs"]
    per_queue = _data(
        simulator,
        f'{{ taskLegDetails({window}, aggregations: [{{field: "id", type: count, name: "legs"}}]) '
        "{ taskLegs { queue { name } aggregation { value } } } }",
    )["taskLegDetails"]["taskLegs"]

    assert legs
    for leg in legs:
        assert leg["id"] == f"{leg['taskId']}-callLeg-{leg['createdTime']}"
        assert leg["endedTime"] >= leg["createdTime"]
        assert leg["handleType"] in ("normal", "abandoned")
        assert leg["isTaskLegHandled"] == (leg["owner"]["id"] is not None)
    assert {row["queue"]["name"] for row in per_queue} <= {
        "Sales", "Support", "Billing", "Web Chat", "Email Support",
    }  # fmt: skip


def test_activity_ext_filter_narrows_tasks_and_their_activities(simulator: RunningSimulator):
    query = (
        f"{{ taskDetails({_window(simulator, 6)}, extFilter: "
        '{activities: {nodes: {eventName: {equals: "on-hold"}}}}) '
        "{ tasks { id holdCount activities { totalCount nodes { eventName duration } } } } }"
    )

    tasks = _data(simulator, query)["taskDetails"]["tasks"]

    assert tasks
    for task in tasks:
        assert task["holdCount"] >= 1
        assert {n["eventName"] for n in task["activities"]["nodes"]} == {"on-hold"}


def test_activities_page_by_time_with_first_and_after(simulator: RunningSimulator):
    window = _window(simulator, 6)
    handled = _data(
        simulator,
        f"{{ taskDetails({window}, filter: {{isActive: {{equals: false}}, "
        "connectedCount: {gte: 1}}) { tasks { id } } }",
    )["taskDetails"]["tasks"]
    task_filter = f'filter: {{id: {{equals: "{handled[0]["id"]}"}}}}'

    def page(after: str | None) -> Any:
        arguments = "first: 2" + (f', after: "{after}"' if after else "")
        [task] = _data(
            simulator,
            f"{{ taskDetails({window}, {task_filter}) {{ tasks {{ activities({arguments}) "
            "{ totalCount nodes { id createdTime } pageInfo { hasNextPage endCursor } } } } }",
        )["taskDetails"]["tasks"]
        return task["activities"]

    first = page(None)
    second = page(first["pageInfo"]["endCursor"])

    assert first["totalCount"] >= 5
    assert len(first["nodes"]) == 2
    assert first["pageInfo"]["endCursor"] == str(first["nodes"][-1]["createdTime"])
    assert all(n["createdTime"] < first["nodes"][-1]["createdTime"] for n in second["nodes"])


def test_agent_activities_group_by_state(simulator: RunningSimulator):
    query = (
        f"{{ agentSession({_window(simulator)}, aggregations: [{{field: "
        '"channelInfo.activities.nodes.duration", type: max, name: "longest"}]) '
        "{ agentSessions { channelInfo { activities { nodes { state } } } "
        "aggregation { name value } } } }"
    )

    rows = _data(simulator, query)["agentSession"]["agentSessions"]

    states = [r["channelInfo"][0]["activities"]["nodes"][0]["state"] for r in rows]
    assert {"available", "ringing", "connected", "wrapup"} <= set(states)
    assert len(states) == len(set(states))


def test_ext_filter_on_agent_activities_keeps_only_the_matching_activity(
    simulator: RunningSimulator,
):
    window = _window(simulator)
    [session] = _data(
        simulator,
        f"{{ agentSession({window}, filter: {{isActive: {{equals: true}}}}) {{ agentSessions {{ "
        "channelInfo { activities(first: 1) { nodes { id } } } } } }",
    )["agentSession"]["agentSessions"][:1]
    activity_id = session["channelInfo"][0]["activities"]["nodes"][0]["id"]

    sessions = _data(
        simulator,
        f"{{ agentSession({window}, extFilter: {{channelInfo: {{activities: {{nodes: "
        f'{{id: {{equals: "{activity_id}"}}}}}}}}}}) {{ agentSessions {{ channelInfo {{ '
        "activities { nodes { id } } } } } }",
    )["agentSession"]["agentSessions"]

    assert sessions == [{"channelInfo": [{"activities": {"nodes": [{"id": activity_id}]}}]}]


def test_older_aggregation_argument_and_a_single_aggregation_object_are_accepted(
    simulator: RunningSimulator,
):
    window = _window(simulator, 6)
    legacy = _data(
        simulator,
        f"{{ taskDetails({window}, filter: {{isActive: {{equals: false}}}}, aggregation: "
        '{aggr: [{field: connectedDuration, type: sum, name: "talk"}]}) '
        "{ tasks { aggregation { name value } } } }",
    )["taskDetails"]["tasks"]
    single = _data(
        simulator,
        f"{{ task({window}, filter: {{isActive: {{equals: false}}}}, aggregations: "
        '{field: "connectedDuration", type: sum, name: "talk"}) '
        "{ tasks { aggregation { name value } } } }",
    )["task"]["tasks"]

    assert legacy == single
    assert legacy[0]["aggregation"][0]["value"] > 0


def test_ended_time_queries_reach_back_to_earlier_starts_only_when_asked(
    simulator: RunningSimulator,
):
    now = simulator.now_ms()
    start = now - 2 * HOUR_MS
    document = (
        f"{{ taskDetails(from: {start}, to: {now}, timeComparator: endedTime%s) "
        "{ tasks { createdTime } } }"
    )

    without = _data(simulator, document % "")["taskDetails"]["tasks"]
    with_lookback = _data(simulator, document % ", startTimeLookBackDays: 1")["taskDetails"][
        "tasks"
    ]

    assert all(t["createdTime"] >= start for t in without)
    assert any(t["createdTime"] < start for t in with_lookback)
    assert len(with_lookback) > len(without)


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ("{ taskDetails(to: 1) { tasks { id } } }", "Missing field argument 'from'"),
        ("{ taskDetails(from: 1, to: 2) { tasks { noSuchField } } }", "noSuchField"),
        ("{ taskDetails(from: 1, to: 2, filter: {createdTime: {gt: 1}}) { tasks { id } } }",
         "createdTime"),
        ('{ taskDetails(from: 1, to: 2, filter: {id: {in: ["a"]}}) { tasks { id } } }', "in"),
        ("{ taskDetails(from: 1, to: 2 { tasks { id } } }", "Syntax Error"),
    ],
)  # fmt: skip
def test_documents_the_schema_rejects_answer_400_with_graphql_errors(
    simulator: RunningSimulator, document: str, words: str
):
    response = simulator.search(document)

    assert response.status_code == 400
    body = response.json()
    assert body["data"] is None
    assert words in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["classification"] in ("ValidationError", "InvalidSyntax")


def test_activity_raw_data_is_limited_to_30_days(make_simulator):
    sim: RunningSimulator = make_simulator(history_days=0)
    now = sim.now_ms()

    body = sim.search(
        f"{{ taskDetails(from: {now - 31 * DAY_MS}, to: {now}) "
        "{ tasks { activities { nodes { id } } } } }"
    ).json()

    assert body["data"] == {"taskDetails": None}
    assert "30 days" in body["errors"][0]["message"]
