"""The WxCC client against the simulator over real HTTP: pagination, retries, 429s, errors,
scopes, the Config API and one token read per session."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from oauth.models import Organization, WebexConnection
from tests.fixtures.simulator import RunningSimulator
from tests.wxcc.conftest import MakeRecordingSimulator
from wxcc import ratelimit
from wxcc.client import WxccClient
from wxcc.exceptions import WxccBadRequest, WxccForbidden, WxccRateLimited, WxccUnavailable
from wxcc.search_queries import RAW_PAGE_SIZE

pytestmark = pytest.mark.django_db


@pytest.fixture
def history_sim(make_simulator) -> RunningSimulator:  # type: ignore[no-untyped-def]
    """A wall-clock simulator with a day of history (several pages of tasks)."""
    sim = make_simulator(start_time_ms=None, history_days=1, tasks_per_day=600)
    sim.quiet()
    return sim


def count_tasks(sim: RunningSimulator, from_ms: int, to_ms: int) -> int:
    query = (
        "query($from: Long!, $to: Long!) { taskDetails(from: $from, to: $to,"
        ' aggregations: [{field: "id", type: count, name: "n"}]) {'
        " tasks { aggregation { name value } } } }"
    )
    body = sim.search(query, {"from": from_ms, "to": to_ms}).json()
    return round(body["data"]["taskDetails"]["tasks"][0]["aggregation"][0]["value"])


def test_search_follows_the_cursor_to_the_last_page(
    history_sim: RunningSimulator, connect_org
) -> None:  # type: ignore[no-untyped-def]
    org = connect_org(history_sim)
    end = timezone.now()
    start = end - timedelta(hours=23)
    with WxccClient(org) as client:
        tasks = client.search_tasks(start, end)
        pages = client.requests_made
    expected = count_tasks(history_sim, int(start.timestamp() * 1000), int(end.timestamp() * 1000))
    assert expected > 2 * RAW_PAGE_SIZE  # more than two pages of 250
    assert len(tasks) == expected
    assert len({t.id for t in tasks}) == expected
    assert pages == -(-expected // RAW_PAGE_SIZE)


def test_the_first_page_is_asked_for_with_na_and_each_next_with_the_cursor_as_sent(
    make_recording_simulator: MakeRecordingSimulator, connect_org
) -> None:  # type: ignore[no-untyped-def]
    sim, recorder = make_recording_simulator(history_days=1, tasks_per_day=600)
    sim.quiet()
    org = connect_org(sim)
    end = timezone.now()
    with WxccClient(org) as client:
        client.search_tasks(end - timedelta(hours=23), end)

    searches = [r for r in recorder.searches() if r.status == 200]
    cursors = [r.json()["variables"]["cursor"] for r in searches]
    assert len(cursors) >= 3
    assert cursors[0] == "NA"
    assert "0" not in cursors
    # Each later cursor is exactly the endCursor the page before answered (opaque text).
    answered = [
        sim.search(r.json()["query"], r.json()["variables"]).json()["data"]["taskDetails"]
        for r in searches[:-1]
    ]
    assert cursors[1:] == [page["pageInfo"]["endCursor"] for page in answered]


def test_a_5xx_is_retried_and_the_call_then_succeeds(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    live_sim.set_fault("5xx", status_code=502, remaining=2)
    with WxccClient(sim_org) as client:
        sessions = client.active_agent_sessions(timezone.now())
        assert client.requests_made == 3
    assert sessions  # the quiet simulator still has its morning shift logged in


def test_5xx_outlasting_the_retries_raises_unavailable(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    live_sim.set_fault("outage")
    with WxccClient(sim_org) as client, pytest.raises(WxccUnavailable):
        client.active_tasks(timezone.now())
    assert client.requests_made == 3


def test_a_429_blocks_the_integration_for_retry_after_so_the_next_call_waits(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    live_sim.set_fault("ratelimit", retry_after_s=7, remaining=1)
    with WxccClient(sim_org) as client:
        with pytest.raises(WxccRateLimited) as caught:
            client.active_tasks(timezone.now())
        assert caught.value.retry_after_s == 7
        blocked = ratelimit.blocked_until(timezone.now())
        assert blocked is not None
        assert blocked > timezone.now() + timedelta(seconds=5)
        # The block is shared: this call never reaches WxCC.
        with pytest.raises(WxccRateLimited):
            client.active_tasks(timezone.now())
        assert client.requests_made == 1


def test_a_rejected_request_carries_wxccs_error_key(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    with WxccClient(sim_org) as client, pytest.raises(WxccBadRequest) as caught:
        client.create_subscription(
            name="Too short a secret",
            event_types=["task:new"],
            destination_url="https://example.com/webhooks/wxcc/",
            secret="short",
            resource_version="task:1.0.0",
        )
    assert caught.value.status == 400
    assert caught.value.key == "400"
    assert any("secret" in d for d in caught.value.descriptions)


def test_agent_activities_page_until_a_short_page(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    # Whatever the hour: three agents with a few states each.
    for agent in [a for a in live_sim.state()["agents"] if not a["loggedIn"]][:3]:
        live_sim.login_agent(agent["id"])
        live_sim.set_agent_state(agent["id"], "Idle", "Break")
        live_sim.set_agent_state(agent["id"], "Available")
    now = timezone.now()
    with WxccClient(sim_org) as client:
        all_at_once = client.agent_activities(now - timedelta(hours=2), now)
        before = client.requests_made
        paged = client.agent_activities(now - timedelta(hours=2), now, page_size=5)
        pages = client.requests_made - before
    assert len(all_at_once) > 5
    assert [(a.agent.id, a.started_at) for a in paged] == [
        (a.agent.id, a.started_at) for a in all_at_once
    ]
    assert pages == len(all_at_once) // 5 + 1


def test_queue_statistics_come_back_typed(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    live_sim.inject_task(live_sim.state()["queues"][0]["id"])
    now = timezone.now()
    with WxccClient(sim_org) as client:
        queues = client.queue_statistics(now - timedelta(hours=1), now)
        agents = client.agent_statistics(now - timedelta(hours=1), now)
    assert all(q.queue.id for q in queues)
    assert all(a.agent.id for a in agents)


def test_an_under_scoped_token_gets_a_403_that_names_the_missing_scope(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    grant = live_sim.new_tokens(scope="spark:people_read")
    WebexConnection.objects.filter(organization=sim_org).update(
        access_token=grant["access_token"], scopes="spark:people_read"
    )
    with WxccClient(sim_org) as client, pytest.raises(WxccForbidden) as caught:
        client.active_tasks(timezone.now())
    assert caught.value.status == 403
    assert caught.value.needed_scope == "cjp:config_read"
    assert "needs cjp:config_read" in str(caught.value)
    assert "spark:people_read" in str(caught.value)  # what Webex granted instead


def test_a_token_that_reads_but_cannot_write_is_told_it_needs_config_write(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    grant = live_sim.new_tokens(scope="cjp:config_read spark:people_read")
    WebexConnection.objects.filter(organization=sim_org).update(
        access_token=grant["access_token"], scopes="cjp:config_read spark:people_read"
    )
    with WxccClient(sim_org) as client:
        assert client.list_subscriptions() == []
        with pytest.raises(WxccForbidden) as caught:
            client.create_subscription(
                name="Wallboard task events",
                event_types=["task:new"],
                destination_url="https://wallboard.example.com/webhooks/wxcc/",
                secret="s" * 40,
                resource_version="task:1.0.0",
            )
    assert caught.value.needed_scope == "cjp:config_write"
    assert "needs cjp:config_write" in str(caught.value)


def test_open_records_come_back_open_not_ended_in_1969(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    task_id = live_sim.inject_task(live_sim.state()["queues"][0]["id"], handleSeconds=600)["id"]
    with WxccClient(sim_org) as client:
        [task] = [t for t in client.active_tasks(timezone.now()) if t.id == task_id]
        sessions = client.active_agent_sessions(timezone.now())
    raw = live_sim.search(
        "query($f: Long!, $t: Long!) { taskDetails(from: $f, to: $t,"
        f' filter: {{id: {{equals: "{task_id}"}}}}) {{ tasks {{ endedTime }} }} }}',
        {"f": live_sim.now_ms() - 3_600_000, "t": live_sim.now_ms()},
    ).json()["data"]["taskDetails"]["tasks"]
    assert raw == [{"endedTime": -1}]  # what WxCC sends for an open task
    assert task.ended_at is None
    assert task.is_active
    assert sessions
    assert all(s.ended_at is None for s in sessions)
    assert all(c.current_state for s in sessions for c in s.channels)


def test_the_config_api_lists_every_queue_with_its_service_level_threshold_page_by_page(
    make_recording_simulator: MakeRecordingSimulator, connect_org
) -> None:  # type: ignore[no-untyped-def]
    sim, recorder = make_recording_simulator()
    org = connect_org(sim)
    state = sim.state()
    with WxccClient(org) as client:
        queues = client.list_queues(page_size=2)
        teams = client.list_teams(page_size=2)

    assert {q.id: q.name for q in queues} == {q["id"]: q["name"] for q in state["queues"]}
    by_name = {q.name: q for q in queues}
    assert by_name["Sales"].service_level_threshold_s == 20
    assert by_name["Email Support"].service_level_threshold_s == 3600
    assert by_name["Web Chat"].channel_type == "chat"
    assert {t.id for t in teams} == {t["id"] for t in state["teams"]}
    pages = [r for r in recorder.wxcc_requests() if r.path.endswith("/contact-service-queue")]
    assert [r.query["page"] for r in pages] == ["0", "1", "2"]  # 5 queues, 2 a page


def test_a_client_session_reads_the_token_once_however_many_pages_it_fetches(
    history_sim: RunningSimulator, connect_org, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    org = connect_org(history_sim)
    end = timezone.now()
    with WxccClient(org) as client:
        with django_assert_max_num_queries(0):
            client.search_tasks(end - timedelta(hours=23), end)
        assert client.requests_made >= 3
        assert client.auth.database_reads == 0  # the token read when the client was made


def test_after_a_401_the_session_refreshes_once_and_reuses_the_new_token(
    history_sim: RunningSimulator, connect_org
) -> None:  # type: ignore[no-untyped-def]
    org = connect_org(history_sim)
    end = timezone.now()
    with WxccClient(org) as client:
        client.search_tasks(end - timedelta(hours=1), end)
        history_sim.expire_tokens()  # Webex now answers 401 to the token the session holds
        client.search_tasks(end - timedelta(hours=23), end)
        assert client.auth.database_reads == 1  # the refresh, then the new token reused
    conn = WebexConnection.objects.get(organization=org)
    assert conn.token_generation == 2
